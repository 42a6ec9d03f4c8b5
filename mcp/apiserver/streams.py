"""The Pod subresources that stream: `exec` and `attach` over WebSocket, on Docker; refusals
for what mcp does not serve (SPDY, `portforward`).

kube-apiserver hands these to the kubelet; mcp has none, so the API process plays its part
and reaches the container through the runtime, the one thing it calls Docker for. A request:

1. Before any upgrade, the checks the API server and the kubelet make, answered as plain
   `Status` errors: the options (`remotecommand.parse_options`), the Pod (from the watch
   cache), the container (`choose_container`), the Node, and a running Docker container for
   it (the newest attempt of that Pod incarnation's container, `engine.pods.lookup`). A
   request that is not a WebSocket upgrade gets the same checks, then a refusal: SPDY (an old
   kubectl, or kubectl's fallback after a failed WebSocket upgrade, which then prints the same
   checks' answers) is not served, and a plain request needs an upgrade.
2. The upgrade, speaking the subprotocol the client prefers among v5 and v4.
3. The session (`_session`): an empty frame (the connection is up), then Docker's output to
   the client while a second task takes the client's messages to the process (stdin, its
   close, resizes), until the output ends. Then the exit as a `Status` on the error
   channel, the WebSocket close, and a bounded wait for the client to close in turn, so that
   output still in flight is not cut off.

Concurrency: the handler owns the session's nursery; the client's reader runs in it until the
session is over (it keeps draining the client, so its close is seen). The client leaving
cancels the handler (quart-trio), shutdown ends the session with a `Status` saying so (the
cache closes) and, past hypercorn's grace period, cancels it: either way the runtime's
context closes the Docker stream, which never awaits. A process outlives its stream only as
Docker has it: an exec's shell reads end-of-file when its stdin closes.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import trio
from quart import Blueprint, Response, has_websocket_context, request, websocket
from quart_schema import hide

from mcp import logs, stdcopy
from mcp.api.common import ApiContext
from mcp.apiserver import reads
from mcp.apiserver import remotecommand as rc
from mcp.apiserver import status as kube_status
from mcp.apiserver.status import KubeError
from mcp.engine.pods import lookup
from mcp.errors import RuntimeRejected, RuntimeUnavailable
from mcp.kinds import core
from mcp.process_io import ProcessStream
from mcp.runtime import Runtime
from mcp.sandbox import PodRef

log = logs.get(actor="api")

POD_PATH = "/api/v1/namespaces/<namespace>/pods/<name>"
# After the exit's Status and the close: how long the client may take to read what is left
# and close in turn (kube-apiserver waits up to 15 minutes; its reader is as slow as ours).
FINISH_S = 60.0
NO_DOCKER = (
    "this mcp is an API-only replica (--controllers none) and has no Docker to reach the "
    "Pod's containers with: exec and attach through an mcp that runs the controllers"
)
SHUTTING_DOWN = "mcp is shutting down: the session ends with it (the process runs on in Docker)"
WEBSOCKET_BY_GET = "a WebSocket upgrade is a GET (RFC 6455); send exec and attach so"


@dataclass(frozen=True)
class Target:
    """What a request streams with: its options, and the Docker container it reaches."""

    options: rc.Options
    container: str  # the Pod's container
    container_id: str  # its newest attempt on Docker


async def _resolve(ctx: ApiContext, namespace: str, name: str, *, exec_: bool) -> Target:
    """The checks before any upgrade (see the module), in the order upstream makes them.

    Raises:
        KubeError: 400 (options, container, Node, nothing running), 404 (no such Pod), 503
            (no Docker here, or it did not answer).
    """
    args = websocket.args if has_websocket_context() else request.args
    options = rc.parse_options(args.getlist, exec_=exec_)
    pod = (await reads.get(ctx.cache, core.POD, namespace, name, None)).obj
    container = rc.choose_container(pod, options.container)
    rc.check_node(pod)
    runtime = _runtime(ctx)
    ref = PodRef(name, namespace, str(pod["metadata"].get("uid") or ""))
    try:
        found = lookup.current(await lookup.pod_containers(runtime, ctx.cluster_id, ref), container)
    except RuntimeUnavailable as exc:
        raise KubeError(503, f"Docker is unavailable, try again: {exc}") from exc
    if found is None or not found.running:
        raise KubeError(400, rc.not_running(container, pod, exec_=exec_))
    return Target(options, container, found.container_id)


def _runtime(ctx: ApiContext) -> Runtime:
    if ctx.runtime is None:
        raise KubeError(503, NO_DOCKER)
    return ctx.runtime


def add_routes(routes: Blueprint, ctx: ApiContext) -> None:
    """`pods/exec`, `pods/attach` and `pods/portforward`, each as a WebSocket route and as a
    plain one (for SPDY and requests without an upgrade) at the same path."""
    for subresource, exec_ in (("exec", True), ("attach", False)):

        async def serve_websocket(
            namespace: str, name: str, exec_: bool = exec_
        ) -> Response | None:
            return await _serve_websocket(ctx, namespace, name, exec_=exec_)

        async def refuse_plain(namespace: str, name: str, exec_: bool = exec_) -> Response:
            await _resolve(ctx, namespace, name, exec_=exec_)
            raise KubeError(400, _why_not_upgraded())

        path = f"{POD_PATH}/{subresource}"
        routes.add_websocket(path, f"{subresource}_websocket", hide(serve_websocket))
        routes.add_url_rule(path, subresource, hide(refuse_plain), methods=["GET", "POST"])

    async def refuse_port_forward(namespace: str, name: str) -> Response:
        await reads.get(ctx.cache, core.POD, namespace, name, None)  # a 404 first, as upstream
        return kube_status.status(400, rc.PORT_FORWARD_NOT_SERVED)

    path = f"{POD_PATH}/portforward"
    routes.add_websocket(path, "portforward_websocket", hide(_answering(refuse_port_forward)))
    routes.add_url_rule(path, "portforward", hide(refuse_port_forward), methods=["GET", "POST"])


View = Callable[[str, str], Awaitable[Response]]


def _answering(view: View) -> View:
    """A WebSocket view that answers as `view` does, its errors as `Status` answers: a
    WebSocket route returns its refusal before the upgrade (the app's error handler answers
    HTTP requests only)."""

    async def answer(namespace: str, name: str) -> Response:
        try:
            return await view(namespace, name)
        except KubeError as exc:
            return kube_status.response_for(exc)

    return answer


def _why_not_upgraded() -> str:
    upgrade = request.headers.get("Upgrade", "").strip().lower()
    if upgrade.startswith("spdy/"):
        return rc.spdy_not_served()
    if upgrade == "websocket":
        return WEBSOCKET_BY_GET
    return rc.UPGRADE_REQUIRED


async def _serve_websocket(
    ctx: ApiContext, namespace: str, name: str, *, exec_: bool
) -> Response | None:
    """A WebSocket exec or attach: refused before the upgrade (a `Status` answer), or a
    session."""
    offered = list(websocket.requested_subprotocols)
    protocol = rc.negotiate(offered)
    try:
        if protocol is None:
            raise KubeError(400, rc.unsupported(offered))
        target = await _resolve(ctx, namespace, name, exec_=exec_)
    except KubeError as exc:
        return kube_status.response_for(exc)
    await websocket.accept(subprotocol=protocol)
    verb = "exec" if exec_ else "attach"
    fields = {"verb": verb, "namespace": namespace, "pod": name, "container": target.container}
    log.info("stream_started", protocol=protocol, tty=target.options.tty, **fields)
    began = time.monotonic()
    outcome = _Outcome()
    try:
        await _session(ctx, _runtime(ctx), target, protocol, outcome, exec_=exec_)
    finally:
        # No await here: the client leaving or the grace period cancelled the session, and
        # the runtime's context has already closed the Docker stream.
        seconds = round(time.monotonic() - began, 3)
        log.info("stream_ended", ended=outcome.ended, seconds=seconds, **fields)
    return None


@dataclass
class _Outcome:
    """How a session ended, for its log line: `finished` once its Status is sent (the
    process done, or an error), `shutdown` when mcp stopped it, else `client_left`."""

    ended: str = "client_left"


class _ClientInput:
    """The client's messages to the process: held until it runs (kubectl sends its
    terminal's size, and piped stdin, at once), delivered while it does, discarded after
    (they must still be read, or the client's close would never be seen)."""

    def __init__(self, protocol: str, *, stdin: bool) -> None:
        self.protocol = protocol
        self.stdin = stdin  # whether the request asked for stdin: else the client's is not
        self.process: ProcessStream | None = None
        self._resize = rc.ResizeDecoder()
        self._ready = trio.Event()

    def attach(self, process: ProcessStream) -> None:
        self.process = process
        self._ready.set()

    def detach(self) -> None:
        """From now on the client's messages go nowhere (the process is done, or never ran)."""
        self.process = None
        self._ready.set()

    async def run(self) -> None:
        """Read the client until the session ends (cancelled, or the client leaves)."""
        await self._ready.wait()
        while True:
            message = await websocket.receive()
            if self.process is None:
                continue
            raw = message.encode() if isinstance(message, str) else message
            try:
                parsed = rc.parse(raw, self.protocol)
            except rc.ProtocolError as exc:
                log.warning("stream_protocol_error", error=str(exc))
                self.process.close_stdin()  # as upstream ends its reader: stdin ends too
                self.detach()
                continue
            await self._deliver(self.process, parsed)

    async def _deliver(self, process: ProcessStream, parsed: rc.Data | rc.Closed | None) -> None:
        match parsed:
            case rc.Data(rc.STDIN, _) | rc.Closed(rc.STDIN) if not self.stdin:
                pass  # stdin was not asked for: the process has none to write to or close
            case rc.Data(rc.STDIN, data) if data:
                # The process no longer reading stdin drops what it is sent, as a pipe would.
                with contextlib.suppress(RuntimeRejected):
                    await process.send_all(data)
            case rc.Closed(rc.STDIN):
                process.close_stdin()
            case rc.Data(rc.RESIZE, data) if process.tty:
                for size in self._resize.feed(data):
                    try:
                        await process.resize(size.width, size.height)
                    except (RuntimeRejected, RuntimeUnavailable) as exc:
                        # A resize racing the process's end; the next one may get through.
                        log.info("stream_resize_failed", error=str(exc))
            case _:
                pass  # channels the client does not write, empty stdin


async def _session(
    ctx: ApiContext,
    runtime: Runtime,
    target: Target,
    protocol: str,
    outcome: _Outcome,
    *,
    exec_: bool,
) -> None:
    """One accepted connection's life (see the module); returns once the client closed
    after the exit's Status, or `FINISH_S` later."""
    options = target.options
    client = _ClientInput(protocol, stdin=options.stdin)
    async with trio.open_nursery() as nursery:
        nursery.start_soon(client.run)
        # The lowest channel the client reads, empty: the connection is up (the kubelet's).
        first = rc.STDOUT if options.stdout else rc.STDERR if options.stderr else rc.ERROR
        await websocket.send(rc.frame(first))
        status = rc.internal_error(SHUTTING_DOWN)
        with trio.CancelScope() as running:
            nursery.start_soon(_cancel_at_shutdown, ctx, running)
            status = await _stream(runtime, target, client, exec_=exec_)
        outcome.ended = "shutdown" if running.cancelled_caught else "finished"
        client.detach()
        await websocket.send(rc.frame(rc.ERROR, status))
        await websocket.close(1000)
        with trio.move_on_after(FINISH_S):
            await trio.sleep_forever()  # till the client closes: quart-trio then cancels us
        nursery.cancel_scope.cancel()


async def _cancel_at_shutdown(ctx: ApiContext, scope: trio.CancelScope) -> None:
    await ctx.cache.wait_closed()
    scope.cancel()


async def _stream(runtime: Runtime, target: Target, client: _ClientInput, *, exec_: bool) -> bytes:
    """Run the process's side of the session: its output to the client until it ends;
    returns the Status to close with."""
    options = target.options
    doing = "executing command in container" if exec_ else "attaching to container"
    try:
        opened = (
            runtime.open_exec(
                target.container_id,
                command=options.command,
                stdin=options.stdin,
                stdout=options.stdout,
                stderr=options.stderr,
                tty=options.tty,
            )
            if exec_
            else runtime.open_attach(
                target.container_id,
                stdin=options.stdin,
                stdout=options.stdout,
                stderr=options.stderr,
            )
        )
        async with opened as process:
            client.attach(process)
            while (piece := await process.receive_some()) is not None:
                stream, data = piece
                # On a TTY, everything is the terminal's: stdout.
                channel = rc.STDERR if stream == stdcopy.STDERR and not process.tty else rc.STDOUT
                if options.stderr if channel == rc.STDERR else options.stdout:
                    await websocket.send(rc.frame(channel, data))
            client.detach()
            return rc.finished(await process.wait_exit(), exec_=exec_)
    except (RuntimeRejected, RuntimeUnavailable) as exc:
        return rc.internal_error(f"error {doing}: {exc}")
