"""`GET .../pods/{name}/log` on the fake store and the fake runtime: the answers in
upstream's order and words, the attempt read, `limitBytes`, follow, and what an API-only
replica says. Real kubectl against real Docker: tests/e2e/test_kubernetes_pod_logs.py."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
import trio
from fakes import FakeRuntime, FakeStore
from quart.typing import TestClientProtocol as ApiClient

from mcp.actors import api, watch
from mcp.apiserver.namespaces import ensure_defaults
from mcp.cache import Cache
from mcp.kinds import core
from mcp.model import ContainerSpec
from mcp.registry import Keys
from mcp.runtime import LOG_STREAMS
from mcp.sandbox import PodRef, container_labels, container_name

KEYS = Keys("/logs-test")
CLUSTER = "c-logs"
PODS = "/api/v1/namespaces/default/pods"
SPEC = ContainerSpec(image="mcp-test/busybox:latest", args=["sleep", "600"])


@pytest.fixture
def runtime() -> FakeRuntime:
    return FakeRuntime()


async def _client(
    store: FakeStore, runtime: FakeRuntime | None, node: str, cache: Cache | None = None
) -> AsyncIterator[ApiClient]:
    await ensure_defaults(store, KEYS)
    cache = cache or Cache(KEYS, core.KINDS)
    send, receive = trio.open_memory_channel[str](64)
    async with trio.open_nursery() as nursery, receive:
        await nursery.start(watch.run, store, KEYS, cache, send)
        nursery.start_soon(_drain, receive)
        ctx = api.ApiContext(
            store, KEYS, cache, node_name=node, runtime=runtime, cluster_id=CLUSTER
        )
        yield api.create_app(ctx).test_client()
        nursery.cancel_scope.cancel()


@pytest.fixture
async def client(runtime: FakeRuntime) -> AsyncIterator[ApiClient]:
    async for made in _client(FakeStore(), runtime, "box"):
        yield made


async def _drain(receive: trio.MemoryReceiveChannel[str]) -> None:
    async for _ in receive:
        pass


async def make_pod(client: ApiClient, *containers: str, name: str = "web") -> PodRef:
    body = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name},
        "spec": {"containers": [{"name": c, "image": "busybox"} for c in containers]},
    }
    made = await client.post(PODS, json=body)
    assert made.status_code == 201, await made.get_data()
    uid = json.loads(await made.get_data())["metadata"]["uid"]
    return PodRef(name, "default", uid)


async def run_attempt(
    runtime: FakeRuntime, pod: PodRef, container: str, attempt: int, *lines: str
) -> str:
    """A Docker container of `pod`'s `container`, attempt `attempt`, that printed `lines`."""
    docker_name = container_name(pod, container, attempt)
    labels = container_labels(pod, container, cluster_id=CLUSTER)
    await runtime.create(docker_name, spec=SPEC, labels=labels)
    await runtime.start(docker_name)
    for line in lines:
        runtime.write_log(docker_name, f"{line}\n")
    return docker_name


async def status_of(response: Any, code: int) -> str:
    assert response.status_code == code
    body = json.loads(await response.get_data())
    assert (body["kind"], body["code"]) == ("Status", code)
    return str(body["message"])


async def text(response: Any) -> str:
    assert response.status_code == 200, await response.get_data()
    assert response.headers["Content-Type"] == "text/plain"
    return str((await response.get_data()).decode())


async def test_the_only_container_is_read_by_default(
    client: ApiClient, runtime: FakeRuntime
) -> None:
    pod = await make_pod(client, "app")
    await run_attempt(runtime, pod, "app", 0, "one", "two", "three")
    assert await text(await client.get(f"{PODS}/web/log")) == "one\ntwo\nthree\n"
    tail = await client.get(f"{PODS}/web/log", query_string={"tailLines": "2"})
    assert await text(tail) == "two\nthree\n"
    cut = await client.get(f"{PODS}/web/log", query_string={"limitBytes": "6"})
    assert await text(cut) == "one\ntw"


async def test_the_newest_attempt_and_the_previous_one(
    client: ApiClient, runtime: FakeRuntime
) -> None:
    pod = await make_pod(client, "app")
    first = await run_attempt(runtime, pod, "app", 0, "old")
    runtime.exit_by_hand(first, 1)
    await run_attempt(runtime, pod, "app", 1, "new")
    assert await text(await client.get(f"{PODS}/web/log")) == "new\n"
    previous = await client.get(f"{PODS}/web/log", query_string={"previous": "true"})
    assert await text(previous) == "old\n"


async def test_another_incarnation_of_the_pod_is_not_read(
    client: ApiClient, runtime: FakeRuntime
) -> None:
    pod = await make_pod(client, "app")
    await run_attempt(runtime, PodRef(pod.name, pod.namespace, "an-older-uid"), "app", 0, "x")
    message = await status_of(await client.get(f"{PODS}/web/log"), 400)
    assert message == 'container "app" in pod "web" is waiting to start: ContainerCreating'


@pytest.mark.parametrize(
    ("query", "code", "message"),
    [
        pytest.param(
            {},
            400,
            "a container name must be specified for pod web, choose one of: [a b]",
            id="several",
        ),
        pytest.param({"container": "x"}, 400, "container x is not valid for pod web", id="unknown"),
        pytest.param(
            {"container": "a", "previous": "1"},
            400,
            'previous terminated container "a" in pod "web" not found',
            id="no-previous",
        ),
        pytest.param(
            {"container": "b"},
            400,
            'container "b" in pod "web" is waiting to start: ContainerCreating',
            id="waiting",
        ),
        pytest.param(
            {"container": "a", "tailLines": "-1"},
            422,
            'PodLogOptions "web" is invalid: tailLines: Invalid value: -1: must be greater than '
            "or equal to 0",
            id="invalid",
        ),
        pytest.param(
            {"sinceSeconds": "1", "sinceTime": "2024-01-01T00:00:00Z"},
            422,
            'PodLogOptions "web" is invalid: : Forbidden: at most one of `sinceTime` or '
            "`sinceSeconds` may be specified",
            id="both-since",
        ),
        pytest.param(
            {"limitBytes": "lots"},
            400,
            'strconv.ParseInt: parsing "lots": invalid syntax',
            id="undecodable",
        ),
        pytest.param({"watch": "true"}, 400, "unknown query parameters: watch", id="unknown-param"),
    ],
)
async def test_refusals_in_upstreams_words(
    client: ApiClient, runtime: FakeRuntime, query: dict[str, str], code: int, message: str
) -> None:
    pod = await make_pod(client, "a", "b")
    await run_attempt(runtime, pod, "a", 0, "hello")
    assert await status_of(await client.get(f"{PODS}/web/log", query_string=query), code) == message


async def test_a_missing_pod_and_other_methods(client: ApiClient, runtime: FakeRuntime) -> None:
    assert await status_of(await client.get(f"{PODS}/nope/log"), 404) == 'pods "nope" not found'
    pod = await make_pod(client, "app")
    await run_attempt(runtime, pod, "app", 0, "x")
    refused = await client.put(f"{PODS}/web/log", json={})
    await status_of(refused, 405)
    assert refused.headers["Allow"] == "GET"
    head = await client.head(f"{PODS}/web/log", query_string={"follow": "true"})
    assert head.status_code == 200  # checked as a GET is, and no stream opened for it
    assert not [call for call in runtime.calls if call.startswith("logs ")]


async def test_the_options_are_checked_before_the_pod_is_looked_up(client: ApiClient) -> None:
    response = await client.get(f"{PODS}/nope/log", query_string={"limitBytes": "0"})
    assert await status_of(response, 422) == (
        'PodLogOptions "nope" is invalid: limitBytes: Invalid value: 0: must be greater than 0'
    )


async def test_a_follow_streams_until_the_container_stops(
    client: ApiClient, runtime: FakeRuntime
) -> None:
    pod = await make_pod(client, "app")
    docker_name = await run_attempt(runtime, pod, "app", 0, "first")

    async def later() -> None:
        await trio.sleep(0.2)
        runtime.write_log(docker_name, "second\n")
        await trio.sleep(0.2)
        runtime.exit_by_hand(docker_name)

    with trio.fail_after(10):
        async with trio.open_nursery() as nursery:
            nursery.start_soon(later)
            response = await client.get(f"{PODS}/web/log", query_string={"follow": "true"})
            assert await text(response) == "first\nsecond\n"
    assert runtime.log_streams_open == 0


async def test_a_follow_ends_completely_when_mcp_shuts_down(runtime: FakeRuntime) -> None:
    cache = Cache(KEYS, core.KINDS)
    async for client in _client(FakeStore(), runtime, "box", cache):
        pod = await make_pod(client, "app")
        await run_attempt(runtime, pod, "app", 0, "first")

        async def shut_down_soon() -> None:
            await trio.sleep(0.2)
            cache.close()  # what the supervisor does first at shutdown

        with trio.fail_after(10):
            async with trio.open_nursery() as nursery:
                nursery.start_soon(shut_down_soon)
                response = await client.get(f"{PODS}/web/log", query_string={"follow": "true"})
                assert await text(response) == "first\n"  # ended, not cut
        assert runtime.log_streams_open == 0


async def test_too_many_streams_are_turned_away(client: ApiClient, runtime: FakeRuntime) -> None:
    pod = await make_pod(client, "app")
    await run_attempt(runtime, pod, "app", 0, "x")
    runtime.log_streams_open = LOG_STREAMS
    response = await client.get(f"{PODS}/web/log")
    assert "log streams are open" in await status_of(response, 429)


async def test_an_unscheduled_pod_has_an_empty_log(runtime: FakeRuntime) -> None:
    async for client in _client(FakeStore(), runtime, node=""):
        await make_pod(client, "app")
        assert await text(await client.get(f"{PODS}/web/log")) == ""


async def test_an_api_only_replica_cannot_read_logs() -> None:
    async for client in _client(FakeStore(), None, node="box"):
        await make_pod(client, "app")
        message = await status_of(await client.get(f"{PODS}/web/log"), 503)
        assert "serves the API only" in message
