"""The API on the fake store: reference resolution, error shapes, waiting, 503s.

Real etcd and a real `mcp run` are exercised by tests/e2e; these cover what is hard
to set up there, such as two Docker ids sharing a 12-character prefix.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

import pytest
import structlog
import trio
from fakes import FakeStore
from hypercorn.config import Config as HypercornConfig
from quart.typing import TestClientProtocol as ApiClient

from mcp import registry
from mcp.actors import api, watch
from mcp.api import common
from mcp.apiserver import objects
from mcp.apiserver.namespaces import ensure_defaults
from mcp.cache import Cache
from mcp.errors import Conflict
from mcp.kinds.core import CONFIGMAP
from mcp.model import Container, ContainerSpec, Status, now_iso
from mcp.registry import Keys
from mcp.store import Put

KEYS = Keys("/api-test")
SPEC = ContainerSpec(image="mcp-test/busybox:latest", args=["sleep", "60"], state="stopped")


@pytest.fixture
async def store() -> FakeStore:
    return FakeStore()


@pytest.fixture
async def client(store: FakeStore) -> AsyncIterator[ApiClient]:
    cache = Cache(KEYS)
    send, receive = trio.open_memory_channel[str](64)
    async with trio.open_nursery() as nursery, receive:
        await nursery.start(watch.run, store, KEYS, cache, send)
        nursery.start_soon(_drain, receive)
        app = api.create_app(api.ApiContext(store, KEYS, cache))
        yield app.test_client()
        nursery.cancel_scope.cancel()


async def _drain(receive: trio.MemoryReceiveChannel[str]) -> None:
    async for _ in receive:  # no controller here: changes go nowhere
        pass


async def put_object(store: FakeStore, name: str, container_id: str | None) -> Container:
    obj = await registry.create(
        store, KEYS, Container(name=name, uid=str(uuid.uuid4()), spec=SPEC, created_at=now_iso())
    )
    status = Status(uid=obj.uid, phase="Stopped", container_id=container_id, observed_at=now_iso())
    assert await registry.write_status(store, KEYS, obj, status)
    return obj


async def problem_of(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status
    assert response.content_type == "application/problem+json"
    body: dict[str, Any] = json.loads(await response.get_data())
    assert body["status"] == status
    assert body["title"]
    assert body["detail"]
    return body


async def test_refs_resolve_by_name_uid_and_docker_id(client: ApiClient, store: FakeStore) -> None:
    obj = await put_object(store, "web", "ab" * 32)
    for ref in ("web", obj.uid, "ab" * 32, "ab" * 6):
        response = await client.get(f"/containers/{ref}")
        assert response.status_code == 200, ref
        body = json.loads(await response.get_data())
        assert (body["name"], body["container_id"]) == ("web", "ab" * 32)


async def test_a_uid_or_docker_id_is_found_without_listing_etcd(
    client: ApiClient, store: FakeStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    for index in range(20):
        await put_object(store, f"other-{index}", f"{index:02x}" * 32)
    obj = await put_object(store, "web", "ab" * 32)
    # Once the watch cache has it, a lookup by uid or id reads one object, not all.
    await wait_for_cache(client, store)
    listings: list[str] = []
    real_list_prefix = store.list_prefix

    async def counting_list_prefix(prefix: str, *, revision: int | None = None) -> Any:
        listings.append(prefix)
        return await real_list_prefix(prefix, revision=revision)

    monkeypatch.setattr(store, "list_prefix", counting_list_prefix)
    for ref in (obj.uid, "ab" * 6):
        response = await client.post(f"/containers/{ref}/stop", query_string={"wait": "0"})
        assert response.status_code in (200, 202), ref
        assert json.loads(await response.get_data())["name"] == "web"
    assert listings == []


async def wait_for_cache(client: ApiClient, store: FakeStore) -> None:
    """Until the API's watch cache has seen every write so far (/healthz shows its revision)."""
    with trio.fail_after(10):
        while True:
            health = json.loads(await (await client.get("/healthz")).get_data())
            if health["revision"] >= store.revision:
                return
            await trio.sleep(0.01)


async def test_ambiguous_id_prefix_is_409_and_short_prefix_is_404(
    client: ApiClient, store: FakeStore
) -> None:
    await put_object(store, "one", "0123456789ab" + "1" * 52)
    await put_object(store, "two", "0123456789ab" + "2" * 52)
    body = await problem_of(await client.get("/containers/0123456789ab"), 409)
    assert "one" in body["detail"]
    assert "two" in body["detail"]
    # One character longer is unique again.
    response = await client.post("/containers/0123456789ab1/stop", query_string={"wait": "0"})
    assert json.loads(await response.get_data())["name"] == "one"
    # Under 12 characters a prefix is not a reference at all.
    await problem_of(await client.get("/containers/0123456789a"), 404)


async def test_create_without_controller_answers_202_when_the_wait_runs_out(
    client: ApiClient,
) -> None:
    body = {"image": "mcp-test/busybox:latest", "cmd": ["true"], "name": "idle"}
    response = await client.post("/containers/create", json=body, query_string={"wait": "0.2"})
    assert response.status_code == 202
    created = json.loads(await response.get_data())
    assert created["status"]["phase"] == "Pending"
    assert created["container_id"] is None


async def test_rejected_create_writes_nothing(client: ApiClient, store: FakeStore) -> None:
    before = store.revision
    bad = {"image": "mcp-test/busybox:latest", "cmd": "true", "name": "Bad Name"}
    body = await problem_of(await client.post("/containers/create", json=bad), 422)
    assert sorted(error["field"] for error in body["errors"]) == ["cmd", "name"]
    await problem_of(await client.post("/containers/create", data="{not json"), 400)
    assert store.revision == before


async def test_etcd_down_is_503(client: ApiClient, store: FakeStore) -> None:
    store.available = False
    await problem_of(await client.get("/containers"), 503)
    body = {"image": "mcp-test/busybox:latest", "cmd": ["true"]}
    await problem_of(await client.post("/containers/create", json=body), 503)
    await problem_of(await client.get("/api/v1/containers"), 503)
    await problem_of(await client.get("/api/v1/containers/web"), 503)
    await problem_of(await client.get("/api/v1/containers/web/events"), 503)
    v1_body = {"metadata": {"name": "web"}, "spec": {"image": "mcp-test/busybox:latest"}}
    await problem_of(await client.post("/api/v1/containers", json=v1_body), 503)


async def test_state_change_on_a_deleting_object_is_409(
    client: ApiClient, store: FakeStore
) -> None:
    await put_object(store, "going", None)
    response = await client.delete("/containers/going", query_string={"wait": "0"})
    assert response.status_code == 202
    assert json.loads(await response.get_data())["status"]["phase"] == "Terminating"
    await problem_of(await client.post("/containers/going/start"), 409)
    again = await client.delete("/containers/going", query_string={"wait": "0"})
    assert again.status_code == 202  # a second DELETE is harmless


async def test_an_unreadable_stored_object_is_a_clear_409_and_can_be_deleted(
    client: ApiClient, store: FakeStore
) -> None:
    # Written by hand, or by a newer mcp: this one cannot read it.
    await store.txn([], [Put(KEYS.container("garbled"), b'{"not": "an object"}')])
    await store.txn([], [Put(KEYS.status("garbled"), b"\xff not json")])
    await put_object(store, "fine", None)
    for response in (
        await client.get("/api/v1/containers/garbled"),
        await client.patch(
            "/api/v1/containers/garbled",
            data=json.dumps({"metadata": {"labels": {"a": "b"}}}),
            headers={"Content-Type": "application/merge-patch+json"},
        ),
        await client.post("/containers/garbled/stop"),  # the seed API too
    ):
        problem = await problem_of(response, 409)
        assert "cannot read" in problem["detail"]
        assert "DELETE" in problem["detail"]
    # Lists skip it; a DELETE removes it (and its status) at once.
    listed = json.loads(await (await client.get("/api/v1/containers")).get_data())
    assert [item["metadata"]["name"] for item in listed["items"]] == ["fine"]
    deleted = await client.delete("/api/v1/containers/garbled")
    assert deleted.status_code == 200
    assert json.loads(await deleted.get_data())["kind"] == "Status"
    assert await store.get(KEYS.container("garbled")) is None
    assert await store.get(KEYS.status("garbled")) is None
    await problem_of(await client.get("/api/v1/containers/garbled"), 404)
    # The name is free again.
    body = {"metadata": {"name": "garbled"}, "spec": {"image": "mcp-test/busybox:latest"}}
    created = await client.post("/api/v1/containers", json=body)
    assert created.status_code == 201


async def test_openapi_documents_every_route_and_error_shape(client: ApiClient) -> None:
    response = await client.get("/openapi.json")
    assert response.status_code == 200
    document = json.loads(await response.get_data())
    assert document["openapi"].startswith("3.1")
    documented = {
        (path, method.upper()) for path, item in document["paths"].items() for method in item
    }
    expected = {
        ("/containers", "GET"),
        ("/containers/create", "POST"),
        ("/containers/{ref}", "GET"),
        ("/containers/{ref}", "DELETE"),
        ("/containers/{ref}/start", "POST"),
        ("/containers/{ref}/stop", "POST"),
        ("/api/v1/containers", "GET"),
        ("/api/v1/containers", "POST"),
        ("/api/v1/containers/{name}", "GET"),
        ("/api/v1/containers/{name}", "PUT"),
        ("/api/v1/containers/{name}", "PATCH"),
        ("/api/v1/containers/{name}", "DELETE"),
        ("/api/v1/containers/{name}/events", "GET"),
    }
    assert expected <= documented
    for path, method in expected:
        responses = document["paths"][path][method.lower()]["responses"]
        assert "503" in responses, (path, method)  # every call can find etcd away
        problem = responses["503"]["content"]["application/problem+json"]["schema"]
        assert schema_name(problem) == "Problem"
    create = document["paths"]["/api/v1/containers"]["post"]
    body = create["requestBody"]["content"]["application/json"]["schema"]
    assert schema_name(body) == "ContainerIn"
    # A container's events are core/v1 Events, in a core/v1 EventList.
    events = document["paths"]["/api/v1/containers/{name}/events"]["get"]["responses"]["200"]
    listing = events["content"]["application/json"]["schema"]
    assert schema_name(listing) == "EventList"
    assert listing["properties"]["apiVersion"]["const"] == "v1"
    event = document["components"]["schemas"]["Event"]
    assert event["properties"]["apiVersion"]["const"] == "v1"
    assert "involvedObject" in event["properties"]


def schema_name(schema: dict[str, Any]) -> str:
    """The model a schema describes, whether referenced or inlined."""
    ref = schema.get("$ref")
    return str(ref).rsplit("/", 1)[-1] if ref else str(schema.get("title"))


DEEP = "[" * 1000 + "]" * 1000


@pytest.mark.parametrize(
    ("method", "path", "body", "content_type"),
    [
        pytest.param("POST", "/containers/create", DEEP, "application/json", id="seed-create"),
        pytest.param(
            "POST",
            "/api/v1/containers",
            '{"metadata": {"name": "deep"}, "spec": {"image": "x", "env": ' + DEEP + "}}",
            "application/json",
            id="v1-create-deep-inside",
        ),
        pytest.param("POST", "/api/v1/containers", DEEP, "application/json", id="v1-create"),
        pytest.param(
            "PATCH",
            "/api/v1/containers/web",
            '{"spec": {"labels": ' + "{" * 999 + "}" * 999 + "}}",
            "application/merge-patch+json",
            id="v1-patch",
        ),
    ],
)
async def test_deeply_nested_json_is_a_400_and_writes_nothing(
    client: ApiClient, store: FakeStore, method: str, path: str, body: str, content_type: str
) -> None:
    await put_object(store, "web", None)
    before = await registry.list_all(store, KEYS)
    response = await client.open(  # type: ignore[call-arg]  # json is optional at run time
        path, method=method, data=body, headers={"Content-Type": content_type}
    )
    problem = await problem_of(response, 400)
    assert "100 deep" in problem["detail"]
    assert await registry.list_all(store, KEYS) == before


@pytest.mark.parametrize(
    ("text", "deeper"),
    [
        pytest.param(b"[" * 100 + b"]" * 100, False, id="at-the-limit"),
        pytest.param(b"[" * 101 + b"]" * 101, True, id="one-past"),
        pytest.param(b'{"a": "' + b"[" * 500 + b'"}', False, id="brackets-in-a-string"),
        pytest.param(b'["\\"' + b"[" * 500 + b'"]', False, id="escaped-quote-in-a-string"),
        pytest.param(b'["\\\\", ' + b"[" * 101 + b"]" * 101 + b"]", True, id="escaped-backslash"),
        pytest.param(b"{" * 101, True, id="unclosed"),
        pytest.param(b"", False, id="empty"),
    ],
)
def test_nesting_scan(text: bytes, deeper: bool) -> None:
    assert common.nests_deeper_than(text, 100) is deeper


async def test_an_exception_group_from_the_app_logs_each_failure() -> None:
    logger = api._StructlogHypercornLogger(HypercornConfig())
    with structlog.testing.capture_logs() as logged:
        try:
            raise ExceptionGroup(
                "app", [ValueError("first"), ExceptionGroup("inner", [KeyError("k")])]
            )
        except ExceptionGroup:
            await logger.exception("Error in ASGI Framework")
    assert [(entry["event"], entry.get("error_type")) for entry in logged] == [
        ("http_server_message", None),
        ("http_app_exception", "ValueError"),
        ("http_app_exception", "KeyError"),
    ]
    assert [str(entry["exc_info"]) for entry in logged[1:]] == ["first", "'k'"]


# The one read-modify-write of the container calls (v1 PUT/PATCH, DELETE, seed start/stop).


def cas_context(store: FakeStore) -> common.ApiContext:
    return common.ApiContext(store, KEYS, Cache(KEYS))


def relabelled(obj: Container, value: str) -> Container:
    return replace(obj, labels={**obj.labels, "by": value})


async def read_web(store: FakeStore) -> Container:
    found = await registry.read(store, KEYS, "web")
    assert found is not None
    return found[0]


async def test_a_lost_race_is_retried_on_the_object_as_it_is_now(
    store: FakeStore, autojump_clock: trio.testing.MockClock
) -> None:
    await put_object(store, "web", None)
    seen: list[int] = []

    async def read() -> Container:
        current = await read_web(store)
        seen.append(current.resource_version)
        if len(seen) == 1:  # another writer gets in between this read and its write
            assert await registry.update(store, KEYS, relabelled(current, "other"))
        return current

    stored, written = await common.read_modify_write(
        cas_context(store), read, lambda current: relabelled(current, "us"), name="web"
    )
    assert written
    assert len(seen) == 2
    assert seen[1] > seen[0]  # the second attempt read the other writer's version
    assert (await read_web(store)).labels["by"] == "us"
    assert stored.resource_version == store.revision


async def test_a_stale_given_version_is_a_conflict_and_writes_nothing(store: FakeStore) -> None:
    obj = await put_object(store, "web", None)
    assert await registry.update(store, KEYS, relabelled(obj, "other"))
    before = store.revision
    ctx = cas_context(store)
    calls = 0

    def change(current: Container) -> Container:
        nonlocal calls
        calls += 1
        return relabelled(current, "us")

    for dry_run in (False, True):
        with pytest.raises(Conflict, match="has changed since resourceVersion"):
            await common.read_modify_write(
                ctx,
                lambda: read_web(store),
                change,
                name="web",
                seen_version=obj.resource_version,
                dry_run=dry_run,
            )
    assert calls == 2  # one attempt each: a client's conflict is not retried
    assert store.revision == before


async def test_a_current_given_version_writes_once(store: FakeStore) -> None:
    obj = await put_object(store, "web", None)
    stored, written = await common.read_modify_write(
        cas_context(store),
        lambda: read_web(store),
        lambda current: relabelled(current, "us"),
        name="web",
        seen_version=obj.resource_version,
    )
    assert written
    assert stored.labels["by"] == "us"


async def test_retries_are_bounded(
    store: FakeStore, autojump_clock: trio.testing.MockClock
) -> None:
    await put_object(store, "web", None)
    calls = 0

    async def read() -> Container:  # another writer always wins the race
        nonlocal calls
        calls += 1
        current = await read_web(store)
        assert await registry.update(store, KEYS, relabelled(current, f"other-{calls}"))
        return current

    start = trio.current_time()
    with pytest.raises(Conflict, match="kept changing"):
        await common.read_modify_write(
            cas_context(store), read, lambda current: relabelled(current, "us"), name="web"
        )
    assert calls == common.CAS_ATTEMPTS
    # Jittered pauses, each at most CAS_MAX_PAUSE_S.
    assert trio.current_time() - start <= common.CAS_ATTEMPTS * common.CAS_MAX_PAUSE_S
    assert (await read_web(store)).labels["by"] == f"other-{calls}"


async def test_a_change_that_changes_nothing_writes_nothing(store: FakeStore) -> None:
    obj = await put_object(store, "web", None)
    before = store.revision
    stored, written = await common.read_modify_write(
        cas_context(store), lambda: read_web(store), lambda current: current, name="web"
    )
    assert not written
    assert stored.resource_version == obj.resource_version
    assert store.revision == before


async def test_a_write_reads_its_object_once_and_answers_a_wait_from_the_cache(
    client: ApiClient, store: FakeStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    await put_object(store, "web", "ab" * 32)
    await wait_for_cache(client, store)
    gets: list[str] = []
    real_get = store.get

    async def counting_get(key: str) -> Any:
        gets.append(key)
        return await real_get(key)

    monkeypatch.setattr(store, "get", counting_get)
    response = await client.patch(
        "/api/v1/containers/web",
        data=json.dumps({"metadata": {"labels": {"tier": "web"}}}),
        headers={"Content-Type": "application/merge-patch+json"},
        query_string={"wait": "0.2"},  # no controller here: the wait runs out
    )
    assert response.status_code == 202
    body = json.loads(await response.get_data())
    assert body["metadata"]["labels"] == {"tier": "web"}
    assert body["status"]["containerID"] == "ab" * 32  # the status, from the cache
    assert gets == [KEYS.container("web")]  # the write's one read; none after it


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        pytest.param("PUT", "/api/v1/containers", "GET, HEAD, OPTIONS, POST", id="mcp-route"),
        pytest.param("POST", "/api/v1/pods", "GET", id="kube-all-namespaces-list"),
        pytest.param("DELETE", "/api/v1/nodes/vm/status", "GET, PATCH, PUT", id="kube-status"),
        pytest.param("POST", "/api/v1/nodes", "GET", id="kube-list"),
        # The item route `<resource>/<name>/<subresource>` matches these paths too.
        pytest.param(
            "PUT", "/api/v1/namespaces/default/configmaps", "DELETE, GET, POST", id="kube-put-list"
        ),
        pytest.param(
            "PATCH", "/api/v1/namespaces/default/pods", "DELETE, GET, POST", id="kube-patch-list"
        ),
        # The all-namespaces path only lists, as kube-apiserver's.
        pytest.param("DELETE", "/api/v1/configmaps", "GET", id="kube-delete-all-namespaces"),
        pytest.param("POST", "/api/v1/secrets", "GET", id="kube-create-all-namespaces"),
    ],
)
async def test_a_405_says_what_is_allowed(
    client: ApiClient, method: str, path: str, allow: str
) -> None:
    response = await client.open(path, method=method, json=None)
    assert response.status_code == 405
    assert response.headers["Allow"] == allow  # RFC 9110
    if path != "/api/v1/containers":  # a Kubernetes path: a Status
        body = json.loads(await response.get_data())
        assert (body["kind"], body["reason"], body["code"]) == ("Status", "MethodNotAllowed", 405)


async def create_configmap(client: ApiClient, namespace: str, name: str) -> None:
    """A ConfigMap `name` in a new namespace `namespace`."""
    for path, created in (
        ("/api/v1/namespaces", namespace),
        (f"/api/v1/namespaces/{namespace}/configmaps", name),
    ):
        response = await client.post(path, json={"metadata": {"name": created}})
        assert response.status_code == 201


async def test_a_delete_of_every_namespaces_configmaps_deletes_none(
    client: ApiClient, store: FakeStore
) -> None:
    await create_configmap(client, "team", "kept")
    assert (await client.delete("/api/v1/configmaps?labelSelector=")).status_code == 405
    assert await store.get(objects.key(KEYS, CONFIGMAP, "kept", "team")) is not None


@pytest.mark.parametrize(
    ("path", "query", "code", "message"),
    [
        # A delete writes no fields: no manager, no field validation (as upstream's).
        pytest.param("configmaps", "fieldManager=", 400, "unknown query", id="collection-manager"),
        pytest.param("configmaps/kept", "fieldValidation=Strict", 400, "unknown", id="validation"),
        pytest.param("configmaps/kept", "gracePeriodSeconds=soon", 400, "ParseInt", id="grace"),
        pytest.param("configmaps", "gracePeriodSeconds=9" + "9" * 19, 400, "range", id="huge"),
        pytest.param(
            "configmaps", "propagationPolicy=Sideways", 422, "Unsupported value", id="policy"
        ),
        pytest.param(
            "configmaps/kept",
            "gracePeriodSeconds=-1&propagationPolicy=Background&dryRun=All",
            200,
            "",
            id="delete-options",
        ),
        pytest.param("configmaps", "gracePeriodSeconds=%2B0&dryRun=All", 200, "", id="collection"),
        pytest.param("configmaps", "orphanDependents=null", 400, "ParseBool", id="orphan-not-bool"),
        pytest.param(
            "configmaps/kept",
            "orphanDependents=true&propagationPolicy=Orphan",
            422,
            "orphanDependents and deletionPropagation cannot be both set",
            id="orphan-and-policy",
        ),
    ],
)
async def test_a_delete_takes_delete_options(
    client: ApiClient, store: FakeStore, path: str, query: str, code: int, message: str
) -> None:
    await create_configmap(client, "team", "kept")
    response = await client.delete(f"/api/v1/namespaces/team/{path}?{query}")
    body = json.loads(await response.get_data())
    assert response.status_code == code, body
    if code != 200:
        assert (body["kind"], body["code"]) == ("Status", code)
        assert message in body["message"]
    assert await store.get(objects.key(KEYS, CONFIGMAP, "kept", "team")) is not None


@pytest.mark.parametrize("path", ["configmaps", "configmaps/kept"])
@pytest.mark.parametrize(
    ("body", "code"),
    [
        pytest.param("[null, null]", 400, id="a-list"),
        pytest.param('"All"', 400, id="a-string"),
        pytest.param("{", 400, id="no-json"),
        pytest.param('{"dryRun": ["All"]}', 200, id="dry-run-options"),
    ],
)
async def test_a_deletes_body_is_its_delete_options(
    client: ApiClient, store: FakeStore, path: str, body: str, code: int
) -> None:
    await create_configmap(client, "team", "kept")
    response = await client.delete(
        f"/api/v1/namespaces/team/{path}",
        data=body,
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == code
    assert await store.get(objects.key(KEYS, CONFIGMAP, "kept", "team")) is not None


async def test_options_on_a_kubernetes_path_lists_what_its_document_does(
    client: ApiClient,
) -> None:
    response = await client.open("/api/v1/namespaces/default/pods/web", method="OPTIONS", json=None)
    assert response.headers["Allow"] == "DELETE, GET, PATCH, PUT, HEAD, OPTIONS"


async def test_a_kubernetes_refusal_on_an_mcp_path_is_a_problem_not_a_500(
    client: ApiClient,
) -> None:
    # The generic collection route takes DELETE /api/v1/<resource>; containers is no kind.
    await problem_of(await client.delete("/api/v1/containers"), 404)


@pytest.mark.parametrize(
    "query",
    [
        pytest.param("/api/v1/configmaps?limit=%C2%B2", id="limit"),
        pytest.param("/api/v1/configmaps?resourceVersion=%C2%B2", id="resource-version"),
        pytest.param("/api/v1/configmaps?watch=1&timeoutSeconds=%C2%B2", id="watch-timeout"),
        pytest.param("/apis/mcp/v1/containers?watch=1&timeoutSeconds=%C2%B2", id="mcp-timeout"),
    ],
)
async def test_a_number_in_other_digits_is_a_400_not_a_500(client: ApiClient, query: str) -> None:
    # "²" is a digit to str.isdigit, and int() refuses it.
    response = await client.get(query)
    assert response.status_code == 400
    body = json.loads(await response.get_data())
    assert (body["kind"], body["code"]) == ("Status", 400)


@pytest.mark.parametrize("seconds", ["soon", "-1", "1.5", ""])
async def test_a_plain_list_reads_its_timeout_as_a_watch_does(
    client: ApiClient, seconds: str
) -> None:
    # Upstream decodes timeoutSeconds into every list's options; a list does not use it.
    response = await client.get(f"/api/v1/namespaces?timeoutSeconds={seconds}")
    assert response.status_code == 400
    assert "timeoutSeconds" in json.loads(await response.get_data())["message"]


async def test_a_list_refuses_a_wait_that_is_no_number(client: ApiClient) -> None:
    response = await client.get("/api/v1/containers?wait=soon")
    problem = await problem_of(response, 400)
    assert "wait must be a number" in problem["detail"]


@pytest.mark.parametrize(
    ("text", "value", "repeated"),
    [
        pytest.param(b'{"a": 1}', {"a": 1}, [], id="none"),
        pytest.param(b'{"a": 1, "a": 2}', {"a": 2}, ["a"], id="last-wins"),
        pytest.param(b'{"a": 1, "a": 2, "a": 3}', {"a": 3}, ["a"], id="once-each"),
        pytest.param(
            b'{"spec": {"ports": [{"name": "x", "name": "y"}], "image": "a", "image": "b"}}',
            {"spec": {"ports": [{"name": "y"}], "image": "b"}},
            ["spec.image", "spec.ports[0].name"],
            id="nested",
        ),
        pytest.param(b'[{"a": 1}, {"b": 1, "b": 1}]', [{"a": 1}, {"b": 1}], ["[1].b"], id="array"),
        pytest.param(b'"text"', "text", [], id="no-object"),
    ],
)
def test_repeated_keys_are_noted_by_path(text: bytes, value: Any, repeated: list[str]) -> None:
    assert common.loads_noting_duplicates(text) == (value, repeated)


CONTAINERS = "/api/v1/containers"
KUBE_CONTAINERS = "/apis/mcp/v1/containers"
UNKNOWN = {
    "apiVersion": "mcp/v1",
    "kind": "Container",
    "metadata": {"name": "web"},
    "spec": {"image": "mcp-test/busybox:latest", "foo": 1},
}
REPEATED = (
    b'{"apiVersion": "mcp/v1", "kind": "Container", "metadata": {"name": "web"}, '
    b'"spec": {"image": "mcp-test/other:1", "image": "mcp-test/busybox:latest"}}'
)


async def create(
    client: ApiClient, path: str, body: dict[str, Any] | bytes, mode: str | None
) -> Any:
    query = {"dryRun": "All", **({"fieldValidation": mode} if mode is not None else {})}
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    return await client.post(
        path, data=content, headers={"Content-Type": "application/json"}, query_string=query
    )


@pytest.mark.parametrize(
    ("path", "mode", "body", "warnings"),
    [
        pytest.param(
            KUBE_CONTAINERS, None, UNKNOWN, ['unknown field "spec.foo"'], id="kube-default"
        ),
        pytest.param(KUBE_CONTAINERS, "", UNKNOWN, ['unknown field "spec.foo"'], id="kube-empty"),
        pytest.param(
            KUBE_CONTAINERS, "Warn", REPEATED, ['duplicate field "spec.image"'], id="kube-dup"
        ),
        pytest.param(KUBE_CONTAINERS, "Ignore", UNKNOWN, [], id="kube-ignore"),
        pytest.param(CONTAINERS, "Warn", UNKNOWN, ['unknown field "spec.foo"'], id="mcp-warn"),
        pytest.param(CONTAINERS, "Ignore", REPEATED, [], id="mcp-ignore"),
    ],
)
async def test_a_container_write_warns_of_or_drops_what_it_cannot_read(
    client: ApiClient, path: str, mode: str | None, body: Any, warnings: list[str]
) -> None:
    response = await create(client, path, body, mode)
    assert response.status_code == 201, await response.get_data()
    shown = [f'299 - "{warning.replace(chr(34), chr(92) + chr(34))}"' for warning in warnings]
    assert response.headers.getlist("Warning") == shown
    created = json.loads(await response.get_data())
    assert created["spec"]["image"] == "mcp-test/busybox:latest"  # the last of two wins
    assert "foo" not in created["spec"]


@pytest.mark.parametrize(
    ("mode", "body", "message"),
    [
        pytest.param("Strict", UNKNOWN, 'unknown field "spec.foo"', id="unknown"),
        pytest.param("Strict", REPEATED, 'duplicate field "spec.image"', id="duplicate"),
    ],
)
async def test_a_strict_container_write_on_the_kubernetes_path_is_a_400(
    client: ApiClient, mode: str, body: Any, message: str
) -> None:
    response = await create(client, KUBE_CONTAINERS, body, mode)
    assert response.status_code == 400
    status = json.loads(await response.get_data())
    assert (status["kind"], status["reason"]) == ("Status", "BadRequest")
    assert status["message"] == f"strict decoding error: {message}"


@pytest.mark.parametrize(
    ("mode", "body", "errors"),
    [
        pytest.param(None, UNKNOWN, [("spec.foo", "unknown field")], id="default-unknown"),
        pytest.param("Strict", UNKNOWN, [("spec.foo", "unknown field")], id="strict-unknown"),
        pytest.param(None, REPEATED, [("spec.image", "duplicate field")], id="default-duplicate"),
    ],
)
async def test_mcps_own_container_calls_refuse_what_they_cannot_read_by_default(
    client: ApiClient, mode: str | None, body: Any, errors: list[tuple[str, str]]
) -> None:
    problem = await problem_of(await create(client, CONTAINERS, body, mode), 422)
    assert [(error["field"], error["message"]) for error in problem["errors"]] == errors


@pytest.mark.parametrize("path", [CONTAINERS, KUBE_CONTAINERS])
async def test_an_unknown_field_validation_is_a_400(client: ApiClient, path: str) -> None:
    response = await create(client, path, UNKNOWN, "Loose")
    assert response.status_code == 400
    assert b"fieldValidation must be one of Strict, Warn, Ignore" in await response.get_data()


async def test_a_container_patch_honours_field_validation(
    client: ApiClient, store: FakeStore
) -> None:
    await put_object(store, "web", None)
    url = f"{KUBE_CONTAINERS}/web"
    headers = {"Content-Type": "application/merge-patch+json"}
    patch = json.dumps({"spec": {"bogus": 1}, "metadata": {"labels": {"tier": "front"}}})
    strict = await client.patch(
        url, data=patch, headers=headers, query_string={"fieldValidation": "Strict"}
    )
    assert strict.status_code == 400
    assert json.loads(await strict.get_data())["message"] == (
        'strict decoding error: unknown field "spec.bogus"'
    )
    warned = await client.patch(url, data=patch, headers=headers)
    assert warned.status_code == 200
    assert warned.headers.getlist("Warning") == ['299 - "unknown field \\"spec.bogus\\""']
    assert json.loads(await warned.get_data())["metadata"]["labels"] == {"tier": "front"}


async def test_a_containers_metadata_on_the_kubernetes_path_is_refused_in_upstreams_words(
    client: ApiClient,
) -> None:
    body = {**UNKNOWN, "metadata": {"name": "web", "labels": {"Bad Key": "x"}}}
    response = await create(client, KUBE_CONTAINERS, body, "Ignore")
    assert response.status_code == 422
    status = json.loads(await response.get_data())
    assert status["message"].startswith(
        'Container.mcp "web" is invalid: metadata.labels: Invalid value: "Bad Key": name part '
        "must consist of alphanumeric characters"
    )
    assert (status["details"]["kind"], status["details"]["group"]) == ("Container", "mcp")
    assert [cause["field"] for cause in status["details"]["causes"]] == ["metadata.labels"]
    # mcp's own path words it its own way.
    problem = await problem_of(await create(client, CONTAINERS, body, "Ignore"), 422)
    assert problem["errors"][0]["message"].startswith("key 'Bad Key' name must consist of")


async def test_a_kubernetes_write_refuses_repeated_keys_under_strict(
    client: ApiClient, store: FakeStore
) -> None:
    await ensure_defaults(store, KEYS)
    url = "/api/v1/namespaces/default/configmaps"
    body = b'{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "web"}, '
    body += b'"data": {"a": "1", "a": "2"}}'
    headers = {"Content-Type": "application/json"}
    strict = await client.post(
        url, data=body, headers=headers, query_string={"fieldValidation": "Strict", "dryRun": "All"}
    )
    assert strict.status_code == 400
    assert json.loads(await strict.get_data())["message"] == (
        'strict decoding error: duplicate field "data.a"'
    )
    warned = await client.post(url, data=body, headers=headers, query_string={"dryRun": "All"})
    assert warned.status_code == 201
    assert warned.headers.getlist("Warning") == ['299 - "duplicate field \\"data.a\\""']
    assert json.loads(await warned.get_data())["data"] == {"a": "2"}
