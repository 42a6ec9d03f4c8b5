"""`pods/exec` and `pods/attach` over a real WebSocket (hypercorn in this process) on the fake
runtime: the sessions (output, stdin and its close, resizes, the exit as a `Status`, the
close), the refusals before the upgrade in upstream's words, SPDY and port-forward refused,
the client leaving and shutdown ending a session."""

from __future__ import annotations

import functools
import json
from collections.abc import AsyncIterator, MutableMapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
import structlog
import trio
from fakes import FakeRuntime, FakeStore
from hypercorn.config import Config as HypercornConfig
from hypercorn.trio import serve
from support.wsclient import Refused, WebSocket, connect

from mcp.actors import api, watch
from mcp.apiserver import reads, storage
from mcp.apiserver import remotecommand as rc
from mcp.apiserver.namespaces import ensure_defaults
from mcp.cache import Cache
from mcp.kinds import core
from mcp.model import ContainerSpec
from mcp.registry import Keys
from mcp.sandbox import PodRef, container_labels, container_name

KEYS = Keys("/streams")
CLUSTER = "c-streams"
IMAGE = "mcp-test/busybox:latest"
PODS = storage.strategies(node_name="box")["pods"]
UNSCHEDULED = storage.strategies(node_name="")["pods"]  # onto no Node
SH = [("command", "sh"), ("command", "-c")]


@dataclass
class Server:
    port: int
    store: FakeStore
    cache: Cache
    runtime: FakeRuntime

    def path(self, pod: str, query: str | list[tuple[str, str]], subresource: str = "exec") -> str:
        """The subresource's path, with `query` as given (or encoded, from pairs)."""
        text = query if isinstance(query, str) else urlencode(query)
        return f"/api/v1/namespaces/default/pods/{pod}/{subresource}?{text}"

    async def pod(self, name: str, *containers: str, node: bool = True) -> str:
        """A Pod of `containers` (in the store and the cache); returns its uid."""
        body: dict[str, Any] = {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": name},
            "spec": {"containers": [{"name": c, "image": IMAGE} for c in containers]},
        }
        strategy = PODS if node else UNSCHEDULED
        obj, _ = await storage.create_object(
            self.store, KEYS, strategy, "default", body, field_validation="Strict", dry_run=False
        )
        assert await reads.caught_up(self.cache, int(obj["metadata"]["resourceVersion"]), 5)
        return str(obj["metadata"]["uid"])

    async def docker_container(
        self, pod: str, uid: str, container: str, *args: str, attempt: int = 0, start: bool = True
    ) -> str:
        """The Docker container a Pod's container would be, made by hand (the engine's
        job, which nothing does yet); returns its id."""
        ref = PodRef(pod, "default", uid)
        name = container_name(ref, container, attempt)
        spec = ContainerSpec(image=IMAGE, args=list(args or ("sleep", "600")))
        labels = container_labels(ref, container, cluster_id=CLUSTER)
        made = await self.runtime.create(name, spec=spec, labels=labels)
        if start:
            await self.runtime.start(name)
        return made


async def _drain(receive: trio.MemoryReceiveChannel[str]) -> None:
    async for _ in receive:
        pass


async def _serve(runtime: FakeRuntime | None) -> AsyncIterator[Server]:
    store = FakeStore()
    await ensure_defaults(store, KEYS)
    cache = Cache(KEYS, core.KINDS)
    send, receive = trio.open_memory_channel[str](64)
    context = api.ApiContext(
        store, KEYS, cache, node_name="box", runtime=runtime, cluster_id=CLUSTER
    )
    config = HypercornConfig()
    config.bind = ["127.0.0.1:0"]
    config.graceful_timeout = 1.0
    stopping = trio.Event()
    async with trio.open_nursery() as nursery, receive:
        await nursery.start(watch.run, store, KEYS, cache, send)
        nursery.start_soon(_drain, receive)
        binds = await nursery.start(
            functools.partial(
                serve, api.create_app(context), config, shutdown_trigger=stopping.wait
            )
        )
        port = int(binds[0].rsplit(":", 1)[1])
        yield Server(port, store, cache, runtime or FakeRuntime())
        stopping.set()
        nursery.cancel_scope.cancel()


@pytest.fixture
async def server() -> AsyncIterator[Server]:
    async for made in _serve(FakeRuntime(images={IMAGE})):
        yield made


async def session(
    server: Server,
    path: str,
    *,
    send: Sequence[bytes] = (),
    protocol: str = rc.V5,
) -> tuple[WebSocket, list[bytes]]:
    """Connect, send `send`, and take every message until the server closes."""
    with trio.fail_after(10):
        async with connect(server.port, path, subprotocols=[protocol]) as ws:
            assert ws.subprotocol == protocol
            for message in send:
                await ws.send(message)
            return ws, await ws.messages()


def by_channel(messages: list[bytes]) -> dict[int, bytes]:
    seen: dict[int, bytes] = {}
    for message in messages:
        seen[message[0]] = seen.get(message[0], b"") + message[1:]
    return seen


async def test_an_exec_streams_its_output_then_its_success(server: Server) -> None:
    uid = await server.pod("web", "app")
    made = await server.docker_container("web", uid, "app")
    query = "command=echo&command=hi&container=app&stdout=true&stderr=true"
    ws, messages = await session(server, server.path("web", query))
    assert messages[0] == b"\x01"  # the lowest channel asked for, empty: connected
    assert by_channel(messages) == {1: b"hi\n", 3: rc.success()}
    assert messages[-1][0] == rc.ERROR  # the Status comes last, then the close
    assert ws.close_code == 1000
    assert server.runtime.calls[-1] == f"exec {made} echo hi"


async def test_a_failing_command_reports_its_exit_code(server: Server) -> None:
    uid = await server.pod("web", "app")
    await server.docker_container("web", uid, "app")
    script = "echo out; echo err >&2; exit 3"
    query = [*SH, ("command", script), ("stdout", "1"), ("stderr", "1")]
    _, messages = await session(server, server.path("web", query))
    seen = by_channel(messages)
    assert (seen[1], seen[2]) == (b"out\n", b"err\n")
    status = json.loads(seen[3])
    assert status["reason"] == "NonZeroExitCode"
    assert status["details"]["causes"] == [{"reason": "ExitCode", "message": "3"}]


async def test_stdin_reaches_the_process_until_v5_closes_it(server: Server) -> None:
    uid = await server.pod("web", "app")
    await server.docker_container("web", uid, "app")
    query = "command=cat&stdin=true&stdout=true&stderr=true"
    stdin = [rc.frame(rc.STDIN, b"data\n"), rc.frame(rc.STDIN, b"more\n"), bytes((255, 0))]
    _, messages = await session(server, server.path("web", query), send=stdin)
    assert by_channel(messages) == {1: b"data\nmore\n", 3: rc.success()}


async def test_v4_is_spoken_to_clients_that_offer_only_it(server: Server) -> None:
    uid = await server.pod("web", "app")
    await server.docker_container("web", uid, "app")
    query = [*SH, ("command", "exit 2"), ("stdout", "true")]
    _, messages = await session(server, server.path("web", query), protocol=rc.V4)
    assert json.loads(by_channel(messages)[3])["details"]["causes"][0]["message"] == "2"


async def test_a_tty_is_resized_and_takes_stderr_with_it(server: Server) -> None:
    uid = await server.pod("web", "app")
    await server.docker_container("web", uid, "app")
    script = "sleep 0.2; stty size; echo err >&2"
    streams = [("stdin", "1"), ("stdout", "1"), ("stderr", "1"), ("tty", "1")]
    query = [*SH, ("command", script), *streams]
    resize = rc.frame(rc.RESIZE, b'{"Width":120,"Height":40}')
    _, messages = await session(server, server.path("web", query), send=[resize])
    assert by_channel(messages) == {1: b"40 120\r\nerr\r\n", 3: rc.success()}
    assert server.runtime.processes[-1].sizes == [(120, 40)]


async def test_attach_joins_the_main_process_and_detaches_with_success(server: Server) -> None:
    uid = await server.pod("web", "app")
    made = await server.docker_container("web", uid, "app", "cat")
    query = "container=app&stdin=true&stdout=true&stderr=true"
    stdin = [rc.frame(rc.STDIN, b"x\n"), bytes((255, 0))]
    _, messages = await session(server, server.path("web", query, "attach"), send=stdin)
    assert by_channel(messages) == {1: b"x\n", 3: rc.success()}
    assert server.runtime.calls[-1] == f"attach {made}"


async def test_the_newest_attempt_is_the_one_reached(server: Server) -> None:
    uid = await server.pod("web", "app")
    await server.docker_container("web", uid, "app", attempt=0, start=False)
    newest = await server.docker_container("web", uid, "app", attempt=1)
    await session(server, server.path("web", "command=true&stdout=1"))
    assert server.runtime.calls[-1] == f"exec {newest} true"


async def refusal(server: Server, path: str, protocols: list[str] | None = None) -> Any:
    with trio.fail_after(10), pytest.raises(Refused) as refused:
        async with connect(server.port, path, subprotocols=protocols or [rc.V5]):
            pass
    return refused.value.status, json.loads(refused.value.body)


@pytest.mark.parametrize(
    ("query", "status", "message"),
    [
        pytest.param(
            "command=ls&stdout=1",
            400,
            "a container name must be specified for pod web, choose one of: [a b]",
            id="two-containers-none-named",
        ),
        pytest.param(
            "command=ls&stdout=1&container=c",
            400,
            "container c is not valid for pod web",
            id="unknown-container",
        ),
        pytest.param(
            "command=ls&stdout=1&container=b",
            400,
            'container not found ("b")',
            id="nothing-running",
        ),
        pytest.param("command=ls&container=a", 400, rc.NO_STREAMS, id="no-streams"),
        pytest.param("stdout=1&container=a", 400, rc.NO_COMMAND, id="no-command"),
    ],
)
async def test_refusals_before_the_upgrade(
    server: Server, query: str, status: int, message: str
) -> None:
    uid = await server.pod("web", "a", "b")
    await server.docker_container("web", uid, "a")
    await server.docker_container("web", uid, "b", start=False)
    code, body = await refusal(server, server.path("web", query))
    assert (code, body["kind"], body["code"], body["message"]) == (
        status,
        "Status",
        status,
        message,
    )


async def test_a_missing_pod_and_a_pod_without_a_node(server: Server) -> None:
    code, body = await refusal(server, server.path("nope", "command=ls&stdout=1"))
    assert (code, body["reason"], body["message"]) == (404, "NotFound", 'pods "nope" not found')
    await server.pod("pending", "app", node=False)
    code, body = await refusal(server, server.path("pending", "command=ls&stdout=1"))
    assert (code, body["message"]) == (400, "pod pending does not have a host assigned")


async def test_attach_to_nothing_running_in_the_kubelets_words(server: Server) -> None:
    await server.pod("web", "app")
    code, body = await refusal(server, server.path("web", "stdout=1", "attach"))
    assert (code, body["message"]) == (400, "container app not found in pod web_default")


async def test_an_unknown_subprotocol_is_refused(server: Server) -> None:
    uid = await server.pod("web", "app")
    await server.docker_container("web", uid, "app")
    code, body = await refusal(
        server, server.path("web", "command=ls&stdout=1"), ["channel.k8s.io"]
    )
    assert code == 400
    assert body["message"] == rc.unsupported(["channel.k8s.io"])


async def test_a_page_in_a_browser_cannot_open_a_shell(server: Server) -> None:
    uid = await server.pod("web", "app")
    await server.docker_container("web", uid, "app")
    path = server.path("web", "command=sh&stdin=1&stdout=1")
    with trio.fail_after(10), pytest.raises(Refused) as refused:
        async with connect(
            server.port, path, subprotocols=[rc.V5], headers=[("Origin", "http://evil.example")]
        ):
            pass
    assert refused.value.status == 403
    assert "evil.example" in json.loads(refused.value.body)["message"]
    assert not any(call.startswith("exec") for call in server.runtime.calls)


async def http(server: Server, method: str, path: str, **headers: str) -> tuple[int, Any]:
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{server.port}") as client:
        answer = await client.request(method, path, headers=headers)
    return answer.status_code, answer.json()


async def test_without_a_websocket_the_same_checks_then_a_refusal(server: Server) -> None:
    uid = await server.pod("web", "app")
    await server.docker_container("web", uid, "app")
    path = server.path("web", "command=ls&stdout=1")
    code, body = await http(server, "POST", path, Connection="Upgrade", Upgrade="SPDY/3.1")
    assert (code, body["message"]) == (400, rc.spdy_not_served())
    assert "1.30" in body["message"]
    code, body = await http(server, "GET", path)
    assert (code, body["message"]) == (400, "Upgrade request required")
    # kubectl's fallback to SPDY after a refused upgrade prints the same checks' words.
    code, body = await http(server, "POST", server.path("web", "command=ls"), Upgrade="SPDY/3.1")
    assert (code, body["message"]) == (400, rc.NO_STREAMS)


async def test_port_forward_is_refused_clearly(server: Server) -> None:
    await server.pod("web", "app")
    path = "/api/v1/namespaces/default/pods/web/portforward?ports=80"
    code, body = await http(server, "POST", path, Connection="Upgrade", Upgrade="SPDY/3.1")
    assert (code, body["message"]) == (400, rc.PORT_FORWARD_NOT_SERVED)
    assert await refusal(server, path, ["SPDY/3.1+portforward.k8s.io"]) == (400, body)
    code, body = await http(server, "GET", "/api/v1/namespaces/default/pods/nope/portforward")
    assert code == 404


async def test_an_api_only_replica_has_no_docker_to_exec_in() -> None:
    async for server in _serve(None):
        await server.pod("web", "app")
        code, body = await refusal(server, server.path("web", "command=ls&stdout=1"))
        assert code == 503
        assert "--controllers none" in body["message"]


def _ended(logged: list[MutableMapping[str, Any]]) -> bool:
    return any(entry["event"] == "stream_ended" for entry in logged)


async def test_a_client_leaving_ends_the_exec(server: Server) -> None:
    uid = await server.pod("web", "app")
    await server.docker_container("web", uid, "app")
    query = "command=cat&stdin=1&stdout=1"
    with structlog.testing.capture_logs() as logged, trio.fail_after(10):
        async with connect(server.port, server.path("web", query), subprotocols=[rc.V5]) as ws:
            assert await ws.receive() == b"\x01"
            await ws.send(rc.frame(rc.STDIN, b"hello\n"))
            assert await ws.receive() == b"\x01hello\n"
        # The TCP connection is gone, with no close: the session ends, the stream with it.
        # The server's tasks set these: there is no event to wait on.
        while not server.runtime.processes[-1].closed or not _ended(logged):  # noqa: ASYNC110
            await trio.sleep(0.01)
    ended = next(entry for entry in logged if entry["event"] == "stream_ended")
    assert (ended["verb"], ended["ended"], ended["container"]) == ("exec", "client_left", "app")


async def test_shutdown_ends_a_session_with_a_status(server: Server) -> None:
    uid = await server.pod("web", "app")
    await server.docker_container("web", uid, "app")
    with trio.fail_after(10):
        async with connect(
            server.port, server.path("web", "command=cat&stdin=1&stdout=1"), subprotocols=[rc.V5]
        ) as ws:
            assert await ws.receive() == b"\x01"
            server.cache.close()
            messages = await ws.messages()
    status = json.loads(by_channel(messages)[3])
    assert status["reason"] == "InternalError"
    assert "mcp is shutting down" in status["message"]
    assert ws.close_code == 1000
    assert server.runtime.processes[-1].closed


async def test_a_malformed_close_ends_stdin_as_upstream_ends_its_reader(server: Server) -> None:
    uid = await server.pod("web", "app")
    await server.docker_container("web", uid, "app")
    query = "command=cat&stdin=1&stdout=1"
    stdin = [rc.frame(rc.STDIN, b"kept\n"), b"\xff", rc.frame(rc.STDIN, b"dropped\n")]
    with structlog.testing.capture_logs() as logged:
        _, messages = await session(server, server.path("web", query), send=stdin)
    assert by_channel(messages) == {1: b"kept\n", 3: rc.success()}
    assert any(entry["event"] == "stream_protocol_error" for entry in logged)


async def test_stdin_not_asked_for_is_not_written(server: Server) -> None:
    uid = await server.pod("web", "app")
    await server.docker_container("web", uid, "app")
    query = [*SH, ("command", "sleep 0.2; echo done"), ("stdout", "1")]
    stdin = [rc.frame(rc.STDIN, b"ignored\n"), bytes((255, 0))]
    _, messages = await session(server, server.path("web", query), send=stdin)
    assert by_channel(messages) == {1: b"done\n", 3: rc.success()}
