"""The event recorder: core/v1 Events named and folded as client-go's recorder does, on
shared leases, valid by the API's own rules, listed per container."""

from __future__ import annotations

import json
import re

import pytest
import trio
from fakes import FakeStore

from mcp import events
from mcp.apiserver import objects, storage
from mcp.kinds import core
from mcp.model import Container, ContainerSpec
from mcp.registry import Keys
from mcp.store import Put

KEYS = Keys("/t")
PREFIX = "/t/registry/events/default/"


def container(name: str = "web", uid: str = "uid-1") -> Container:
    return Container(
        name=name, uid=uid, spec=ContainerSpec(image="busybox"), created_at="2026-01-01T00:00:00Z"
    )


def recorder(store: FakeStore, ttl_s: int = 600) -> events.Recorder:
    return events.Recorder(store, KEYS, ttl_s=ttl_s, host="node-1")


async def stored(store: FakeStore) -> list[dict[str, object]]:
    listing = await store.list_prefix(PREFIX)
    return [objects.decode(item) for item in listing.items]


async def test_an_event_is_a_core_v1_event_named_as_client_go_names_it() -> None:
    store = FakeStore()
    await recorder(store).record(container(), "Started", "Started container web")
    (event,) = await stored(store)
    metadata = event["metadata"]
    assert isinstance(metadata, dict)
    assert re.fullmatch(r"web\.[0-9a-f]{16}", metadata["name"])
    assert metadata["namespace"] == "default"
    at = event["firstTimestamp"]
    assert isinstance(at, str)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", at)  # metav1.Time: seconds
    assert {k: v for k, v in event.items() if k != "metadata"} == {
        "apiVersion": "v1",
        "kind": "Event",
        "involvedObject": {
            "apiVersion": "mcp/v1",
            "kind": "Container",
            "name": "web",
            "uid": "uid-1",
        },
        "reason": "Started",
        "message": "Started container web",
        "type": "Normal",
        "count": 1,
        "firstTimestamp": at,
        "lastTimestamp": at,
        "eventTime": None,
        "source": {"component": "mcp-controller", "host": "node-1"},
        "reportingComponent": "mcp-controller",
        "reportingInstance": "node-1",
    }
    assert metadata["creationTimestamp"] == at


async def test_what_the_recorder_writes_passes_the_apis_validation() -> None:
    store = FakeStore()
    await recorder(store).record(container(), "Failed", "no such image", type_="Warning")
    (event,) = await stored(store)
    obj, warnings = storage.prepare(
        storage.STRATEGIES["events"], event, "default", field_validation="Strict"
    )
    assert warnings == []
    assert obj["type"] == "Warning"


@pytest.mark.parametrize(
    ("second", "folds"),
    [
        pytest.param(("Started", "Started container web", "Normal"), True, id="same"),
        pytest.param(("Started", "Started container web again", "Normal"), False, id="message"),
        pytest.param(("Stopped", "Started container web", "Normal"), False, id="reason"),
        pytest.param(("Started", "Started container web", "Warning"), False, id="type"),
    ],
)
async def test_repeats_fold_into_one_event(
    monkeypatch: pytest.MonkeyPatch, second: tuple[str, str, events.EventType], folds: bool
) -> None:
    times = iter(["2026-01-01T00:00:01Z", "2026-01-01T00:00:09Z"])
    monkeypatch.setattr(objects, "creation_timestamp", lambda: next(times))
    store = FakeStore()
    record = recorder(store)
    await record.record(container(), "Started", "Started container web")
    (first,) = await stored(store)
    reason, message, type_ = second
    await record.record(container(), reason, message, type_=type_)
    items = await stored(store)
    if folds:
        (event,) = items
        assert event["count"] == 2
        assert event["metadata"]["name"] == first["metadata"]["name"]  # type: ignore[index]  # JSON values
        assert (event["firstTimestamp"], event["lastTimestamp"]) == (
            "2026-01-01T00:00:01Z",
            "2026-01-01T00:00:09Z",
        )
    else:
        assert [item["count"] for item in items] == [1, 1]


async def test_an_object_of_the_same_name_but_another_uid_gets_its_own_events() -> None:
    store = FakeStore()
    record = recorder(store)
    await record.record(container(uid="old"), "Started", "Started container web")
    await record.record(container(uid="new"), "Started", "Started container web")
    items, _ = await events.list_events(store, KEYS, "web")
    assert sorted(item["involvedObject"]["uid"] for item in items) == ["new", "old"]


async def test_events_expire_and_a_repeat_after_that_starts_anew(
    autojump_clock: trio.abc.Clock,
) -> None:
    store = FakeStore()
    record = recorder(store, ttl_s=60)
    await record.record(container(), "Started", "Started container web")
    (first,) = await stored(store)
    await trio.sleep(30)
    assert len(await stored(store)) == 1
    await trio.sleep(60)
    assert await stored(store) == []
    await record.record(container(), "Started", "Started container web")
    (again,) = await stored(store)
    assert again["count"] == 1
    assert again["metadata"] != first["metadata"]


async def test_events_within_a_window_share_one_lease(autojump_clock: trio.abc.Clock) -> None:
    store = FakeStore()
    record = recorder(store, ttl_s=600)
    await record.record(container(), "Created", "Created container web")
    await record.record(container(), "Started", "Started container web")
    await record.record(container("db"), "Started", "Started container db")
    assert len(set(store.key_leases.values())) == 1
    (ttl,) = store.lease_ttls.values()
    assert ttl >= 600


async def test_the_recorder_folds_into_at_most_its_remembered_events(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(events, "REMEMBERED", 2)
    store = FakeStore()
    record = recorder(store)
    for reason in ("A", "B", "C", "A"):
        await record.record(container(), reason, "m")
    # "A" was forgotten when "C" came: its repeat is a new event, as client-go's LRU does.
    counts = sorted((str(item["reason"]), item["count"]) for item in await stored(store))
    assert counts == [("A", 1), ("A", 1), ("B", 1), ("C", 1)]


async def test_an_unavailable_store_drops_the_event() -> None:
    store = FakeStore()
    store.available = False
    await recorder(store).record(container(), "Started", "Started container web")
    store.available = True
    assert await stored(store) == []


async def test_a_containers_events_oldest_last_occurrence_first() -> None:
    store = FakeStore()
    record = recorder(store)
    await record.record(container(), "Started", "one")
    await record.record(container(), "Stopped", "two")
    await record.record(container(), "Started", "one")  # folds: now the latest
    await record.record(container("webby"), "Started", "other object")
    # A user's Event about a Pod named like the container is not the container's.
    pod = {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {"name": "web.1", "namespace": "default"},
        "involvedObject": {"kind": "Pod", "name": "web"},
        "lastTimestamp": "2000-01-01T00:00:00Z",
    }
    key = objects.key(KEYS, core.EVENT, "web.1", "default")
    await store.txn([], [Put(key, json.dumps(pod).encode())])
    items, revision = await events.list_events(store, KEYS, "web")
    assert [(item["message"], item["count"]) for item in items] == [("two", 1), ("one", 2)]
    assert revision == store.revision
