"""The watch cache of Kubernetes objects, and the events a watch shows for its changes."""

from __future__ import annotations

import json
from typing import Any

import pytest

from mcp.apiserver import reads, storage, watch
from mcp.apiserver.status import KubeError
from mcp.cache import Cache
from mcp.kinds import Kind, core
from mcp.registry import Keys
from mcp.store import KeyValue, Listing, WatchEvent

KEYS = Keys("/t")
DEPLOYMENTS = Kind("apps", "v1", "deployments", "Deployment", namespaced=True)
KINDS = (core.NAMESPACE, core.CONFIGMAP, DEPLOYMENTS)


def value(name: str, labels: dict[str, str] | None = None) -> bytes:
    return json.dumps({"metadata": {"name": name, "labels": labels or {}}}).encode()


def put(key: str, revision: int, labels: dict[str, str] | None = None) -> WatchEvent:
    return WatchEvent("put", key, value(key.rsplit("/", 1)[-1], labels), revision, revision)


def delete(key: str, revision: int) -> WatchEvent:
    return WatchEvent("delete", key, b"", revision, 0)


def loaded(items: list[KeyValue] | None = None, revision: int = 10) -> Cache:
    cache = Cache(KEYS, KINDS)
    cache.replace_all(Listing(items=items or [], revision=revision))
    return cache


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("/t/registry/configmaps/default/app", (core.CONFIGMAP, "default", "app")),
        ("/t/registry/namespaces/team-a", (core.NAMESPACE, "", "team-a")),
        ("/t/registry/apps/deployments/default/web", (DEPLOYMENTS, "default", "web")),
        ("/t/registry/configmaps/app", None),  # a namespaced kind's key without a namespace
        ("/t/registry/configmaps/a/b/c", None),
        ("/t/registry/containers/web", None),  # mcp's own kind: the container cache's
        ("/t/registry/status/web", None),
        ("/t/events/web/1", None),
    ],
)
def test_a_key_locates_its_kind_namespace_and_name(
    key: str, expected: tuple[Kind, str, str] | None
) -> None:
    assert Cache(KEYS, KINDS).kube.locate(key) == expected


def test_objects_are_listed_in_key_order_with_their_resource_version() -> None:
    cache = loaded(
        [
            KeyValue("/t/registry/configmaps/b/one", value("one"), 5, 5),
            KeyValue("/t/registry/configmaps/a/two", value("two"), 6, 6),
            KeyValue("/t/registry/namespaces/a", value("a"), 3, 3),
        ]
    )
    cache.apply([put("/t/registry/configmaps/a/three", 11)])
    listed = [
        (s.namespace, s.name, s.obj["metadata"]["resourceVersion"])
        for s in cache.kube.listed(core.CONFIGMAP)
    ]
    assert listed == [("a", "three", "11"), ("a", "two", "6"), ("b", "one", "5")]
    assert [s.name for s in cache.kube.listed(core.CONFIGMAP, "b")] == ["one"]
    assert cache.kube.get(core.NAMESPACE, None, "a") is not None
    assert cache.revision == 11


def test_an_unreadable_value_keeps_what_was_known() -> None:
    cache = loaded([KeyValue("/t/registry/configmaps/a/x", value("x"), 5, 5)])
    cache.apply([WatchEvent("put", "/t/registry/configmaps/a/x", b"{not json", 11, 5)])
    found = cache.kube.get(core.CONFIGMAP, "a", "x")
    assert found is not None
    assert found.revision == 5


def request(selector: str = "", namespace: str | None = None, **args: str) -> watch.WatchRequest:
    return watch.parse(
        core.CONFIGMAP, namespace, storage.selection(core.CONFIGMAP, selector, None), args
    )


def shown(cache: Cache, req: watch.WatchRequest, since: int) -> list[tuple[str, str, str]]:
    replay = cache.kube.feed.ring.since(since)
    assert replay is not None
    out: list[tuple[str, str, str]] = []
    for change in replay:
        event = watch.event_of(req, change)
        if event is not None:
            out.append((event[0], event[1].name, event[1].obj["metadata"]["resourceVersion"]))
    return out


def test_events_follow_the_selector_and_a_deletion_carries_its_revision() -> None:
    cache = loaded()
    cache.apply(
        [
            put("/t/registry/configmaps/a/web", 11, {"tier": "web"}),
            put("/t/registry/configmaps/b/web", 12, {"tier": "web"}),
            put("/t/registry/configmaps/a/web", 13, {"tier": "db"}),
            put("/t/registry/configmaps/a/web", 14, {"tier": "web"}),
            delete("/t/registry/configmaps/a/web", 15),
            put("/t/registry/namespaces/a", 16, {"tier": "web"}),
        ]
    )
    assert shown(cache, request("tier=web", "a"), 10) == [
        ("ADDED", "web", "11"),
        ("DELETED", "web", "13"),
        ("ADDED", "web", "14"),
        ("DELETED", "web", "15"),
    ]
    assert [e[0] for e in shown(cache, request(), 10)] == [
        "ADDED",
        "ADDED",
        "MODIFIED",
        "MODIFIED",
        "DELETED",
    ]


def test_a_delete_of_an_unknown_key_publishes_nothing() -> None:
    cache = loaded()
    cache.apply([delete("/t/registry/configmaps/a/ghost", 11)])
    assert cache.kube.feed.ring.since(10) == []


def test_a_relist_ends_every_stream_as_expired() -> None:
    cache = loaded()
    with cache.kube.subscribe(10, cache.revision, wants=lambda _: True, initial=list) as sub:
        cache.replace_all(Listing(items=[], revision=20))
        assert sub.ended == "expired"
    assert cache.kube.feed.ring.since(15) is None


@pytest.mark.parametrize(
    ("args", "since", "initial_state", "at_least"),
    [
        ({}, None, True, None),
        ({"resourceVersion": "0"}, None, True, None),
        ({"resourceVersion": "12"}, 12, False, None),
        (
            {
                "sendInitialEvents": "true",
                "resourceVersionMatch": "NotOlderThan",
                "allowWatchBookmarks": "true",
                "resourceVersion": "12",
            },
            None,
            True,
            12,
        ),
        (
            {
                "sendInitialEvents": "false",
                "resourceVersionMatch": "NotOlderThan",
                "allowWatchBookmarks": "true",
            },
            None,
            False,
            None,
        ),
    ],
)
def test_where_a_watch_starts(
    args: dict[str, Any], since: int | None, initial_state: bool, at_least: int | None
) -> None:
    req = request(**args)
    assert (req.since, req.initial_state, req.at_least) == (since, initial_state, at_least)
    assert req.initial_events_end == (args.get("sendInitialEvents") == "true")


def test_a_watch_without_a_timeout_lasts_kubes_default_spread() -> None:
    timeouts = {request().timeout_s for _ in range(20)}
    assert all(1800 <= t < 3600 for t in timeouts)
    assert len(timeouts) > 1
    assert request(timeoutSeconds="5").timeout_s == 5


@pytest.mark.parametrize("raw", ["yes", "2"])
def test_watch_is_a_boolean(raw: str) -> None:
    with pytest.raises(KubeError) as refused:
        watch.is_watch(raw)
    assert refused.value.code == 400


@pytest.mark.parametrize(
    ("label_selector", "namespace"),
    [
        pytest.param(None, None, id="all"),
        pytest.param(None, "a", id="one-namespace"),
        pytest.param("app=web", None, id="selected"),
        pytest.param("app=none", None, id="empty"),
    ],
)
async def test_a_cached_list_is_written_from_its_items_bytes_as_json_would_write_it(
    label_selector: str | None, namespace: str | None
) -> None:
    cache = loaded(
        [
            KeyValue("/t/registry/configmaps/b/one", value("one", {"app": "web"}), 5, 5),
            KeyValue("/t/registry/configmaps/a/two", value("two", {"app": "db"}), 6, 6),
            KeyValue("/t/registry/configmaps/a/th\u00e9", value("th\u00e9", {"app": "web"}), 7, 7),
        ]
    )
    listed = await reads.list_objects(
        None,  # type: ignore[arg-type]  # a list from the cache never reads etcd
        KEYS,
        cache,
        core.CONFIGMAP,
        namespace,
        label_selector=label_selector,
        field_selector_text=None,
        limit=None,
        continue_token=None,
        raw_version=None,
        match=None,
    )
    assert isinstance(listed, reads.CachedList)
    assert listed.raw() == json.dumps(listed).encode()
