"""The network probes against servers on 127.0.0.1: HTTP (h11 here, raw bytes back), HTTPS
(a certificate openssl makes), TCP, and gRPC (grpcio's server, which aetcd brings).

The request building ports pkg/probe/http/request_test.go and pkg/probe/util_test.go; the
exchanges pin http_test.go's cases (status codes, redirects on and off the host, the body
limit, timeouts) with the words Go's client uses.
"""

from __future__ import annotations

import functools
import socket
import subprocess
from collections.abc import AsyncIterator, Awaitable, Callable
from concurrent import futures
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import grpc  # type: ignore[import-untyped]  # grpcio ships no types
import h11
import pytest
import trio

from mcp.apiserver.protobuf import wire
from mcp.engine.pods import net_probes
from mcp.engine.pods.net_probes import HttpRequest, Url, canonical_header, http_request
from mcp.engine.pods.probing import Outcome, Verdict

Answer = Callable[[h11.Request], Awaitable[bytes]]


# --- building the request -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("port", "ports", "expected"),
    [
        pytest.param(8080, [], 8080, id="a-number"),
        pytest.param("http", [{"name": "http", "containerPort": 80}], 80, id="a-named-port"),
        pytest.param("8080", [], 8080, id="a-number-as-a-string"),
        pytest.param("web", [], 'strconv.Atoi: parsing "web": invalid syntax', id="no-such-name"),
        pytest.param(0, [], "invalid port number: 0", id="zero"),
        pytest.param(65536, [], "invalid port number: 65536", id="too-big"),
        pytest.param("-1", [], "invalid port number: -1", id="negative-string"),
    ],
)
def test_resolve_port(port: Any, ports: list[dict[str, Any]], expected: int | str) -> None:
    if isinstance(expected, int):
        assert net_probes.resolve_port(port, {"ports": ports}) == expected
    else:
        with pytest.raises(ValueError, match=f"^{expected}$"):
            net_probes.resolve_port(port, {"ports": ports})


UA = ("User-Agent", "kube-probe/1.37")
ACCEPT = ("Accept", "*/*")


@pytest.mark.parametrize(
    ("action", "expected"),
    [
        pytest.param(
            {"path": "/healthz", "port": 8080},
            HttpRequest(Url("http", "10.0.0.5", 8080, "/healthz"), "10.0.0.5:8080", (UA, ACCEPT)),
            id="defaults",
        ),
        pytest.param(
            {"path": "healthz?full=1#top", "port": "web", "scheme": "HTTPS", "host": "example.com"},
            HttpRequest(
                Url("https", "example.com", 8443, "/healthz?full=1"),
                "example.com:8443",
                (UA, ACCEPT),
            ),
            id="scheme-host-named-port-query",
        ),
        pytest.param(
            {"path": "/a b", "port": 80},
            HttpRequest(Url("http", "10.0.0.5", 80, "/a%20b"), "10.0.0.5:80", (UA, ACCEPT)),
            id="escaped",
        ),
        pytest.param(
            {
                "port": 80,
                "httpHeaders": [
                    {"name": "x-custom", "value": "a"},
                    {"name": "X-CUSTOM", "value": "b"},
                    {"name": "host", "value": "svc.local"},
                    {"name": "User-Agent", "value": "mine"},
                    {"name": "Accept", "value": ""},
                ],
            },
            HttpRequest(
                Url("http", "10.0.0.5", 80, "/"),
                "svc.local",
                (("User-Agent", "mine"), ("X-Custom", "a"), ("X-Custom", "b")),
            ),
            id="headers-given-host-agent-and-no-accept",
        ),
        pytest.param(
            {"port": 80, "httpHeaders": [{"name": "User-Agent", "value": ""}]},
            HttpRequest(Url("http", "10.0.0.5", 80, "/"), "10.0.0.5:80", (ACCEPT,)),
            id="an-empty-agent-is-none",
        ),
    ],
)
def test_http_request(action: dict[str, Any], expected: HttpRequest) -> None:
    spec = {"ports": [{"name": "web", "containerPort": 8443}]}
    assert http_request(action, spec, "10.0.0.5") == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        pytest.param("x-request-id", "X-Request-Id", id="lower"),
        pytest.param("ACCEPT", "Accept", id="upper"),
        pytest.param("x_y", "X_y", id="underscore-is-a-token"),
        pytest.param("bad name", "bad name", id="not-a-token-kept"),
    ],
)
def test_canonical_header(name: str, expected: str) -> None:
    assert canonical_header(name) == expected


# --- HTTP ---------------------------------------------------------------------------------


@asynccontextmanager
async def http_server(answer: Answer) -> AsyncIterator[tuple[int, list[h11.Request]]]:
    """A server on 127.0.0.1 that reads each request and writes what `answer` makes."""
    seen: list[h11.Request] = []

    async def handle(stream: trio.SocketStream) -> None:
        connection = h11.Connection(h11.SERVER)
        try:
            while True:
                event = connection.next_event()
                if event is h11.NEED_DATA:
                    connection.receive_data(await stream.receive_some(4096))
                elif isinstance(event, h11.Request):
                    seen.append(event)
                    await stream.send_all(await answer(event))
                    return
        except (trio.BrokenResourceError, h11.RemoteProtocolError):
            return  # the probe hung up
        finally:
            await stream.aclose()

    async with trio.open_nursery() as nursery:
        listeners = await nursery.start(
            functools.partial(trio.serve_tcp, handle, 0, host="127.0.0.1")
        )
        yield listeners[0].socket.getsockname()[1], seen
        nursery.cancel_scope.cancel()


def reply(status: int, body: bytes = b"", *headers: str) -> Answer:
    async def answer(_: h11.Request) -> bytes:
        head = [f"HTTP/1.1 {status} X", f"Content-Length: {len(body)}", *headers]
        return ("\r\n".join(head) + "\r\n\r\n").encode() + body

    return answer


def get(port: int, path: str = "/", **action: Any) -> HttpRequest:
    return http_request({"port": port, "path": path, **action}, {}, "127.0.0.1")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        pytest.param(reply(200, b"ok"), Outcome(Verdict.SUCCESS, "ok"), id="200"),
        pytest.param(
            reply(399),
            Outcome(Verdict.WARNING, "Probe terminated redirects, Response body: "),
            id="399",
        ),
        pytest.param(
            reply(500, b"secret"),
            Outcome(Verdict.FAILURE, "HTTP probe failed with statuscode: 500"),
            id="500-without-its-body",
        ),
        pytest.param(
            reply(302, b"moved"),
            Outcome(Verdict.WARNING, "Probe terminated redirects, Response body: moved"),
            id="a-redirect-without-location",
        ),
        pytest.param(
            reply(200, b"x" * 20_000),
            Outcome(Verdict.SUCCESS, "x" * 10_240),
            id="the-body-cut-at-10-kib",
        ),
    ],
)
async def test_http_get_judges_the_status(answer: Answer, expected: Outcome) -> None:
    async with http_server(answer) as (port, _):
        assert await net_probes.http_get(get(port), 5) == expected


async def test_http_get_sends_the_probes_headers() -> None:
    async with http_server(reply(200)) as (port, seen):
        request = get(port, "/healthz?x=1", httpHeaders=[{"name": "x-token", "value": "t"}])
        await net_probes.http_get(request, 5)
    (sent,) = seen
    assert sent.target == b"/healthz?x=1"
    assert dict(sent.headers) == {
        b"host": f"127.0.0.1:{port}".encode(),
        b"user-agent": b"kube-probe/1.37",
        b"accept": b"*/*",
        b"x-token": b"t",
        b"connection": b"close",
    }


async def test_http_get_follows_a_redirect_on_the_same_host() -> None:
    async def answer(request: h11.Request) -> bytes:
        if request.target == b"/":
            return await reply(301, b"", "Location: /ready")(request)
        return await reply(200, b"here")(request)

    async with http_server(answer) as (port, seen):
        assert await net_probes.http_get(get(port), 5) == Outcome(Verdict.SUCCESS, "here")
    assert [r.target for r in seen] == [b"/", b"/ready"]
    assert (b"referer", f"http://127.0.0.1:{port}/".encode()) in seen[1].headers


async def test_http_get_stops_at_a_redirect_to_another_host() -> None:
    async def answer(request: h11.Request) -> bytes:
        port = request.headers[0][1].split(b":")[1].decode()
        return await reply(302, b"elsewhere", f"Location: http://localhost:{port}/")(request)

    async with http_server(answer) as (port, seen):
        outcome = await net_probes.http_get(get(port), 5)
    text = "Probe terminated redirects, Response body: elsewhere"
    assert outcome == Outcome(Verdict.WARNING, text)
    assert len(seen) == 1


async def test_http_get_stops_after_ten_requests() -> None:
    async with http_server(reply(307, b"", "Location: /again")) as (port, seen):
        outcome = await net_probes.http_get(get(port), 5)
    assert outcome == Outcome(Verdict.FAILURE, 'Get "/again": stopped after 10 redirects')
    assert len(seen) == 10


async def test_http_get_words_failures_as_gos_client() -> None:
    port = free_port()
    refused = await net_probes.http_get(get(port, "/healthz"), 5)
    url = f"http://127.0.0.1:{port}/healthz"
    text = f'Get "{url}": dial tcp 127.0.0.1:{port}: connect: connection refused'
    assert refused == Outcome(Verdict.FAILURE, text)

    async def hang_up(_: h11.Request) -> bytes:
        return b""

    async with http_server(hang_up) as (port, _):
        eof = await net_probes.http_get(get(port), 5)
    assert eof == Outcome(Verdict.FAILURE, f'Get "http://127.0.0.1:{port}/": EOF')

    async def silent(_: h11.Request) -> bytes:
        await trio.sleep_forever()

    async with http_server(silent) as (port, _):
        slow = await net_probes.http_get(get(port), 0.2)
    text = "context deadline exceeded (Client.Timeout exceeded while awaiting headers)"
    assert slow == Outcome(Verdict.FAILURE, f'Get "http://127.0.0.1:{port}/": {text}')


async def test_a_body_that_does_not_come_errors() -> None:
    async def half(_: h11.Request) -> bytes:
        return b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npart"

    async with http_server(half) as (port, _):
        outcome = await net_probes.http_get(get(port), 5)
    assert outcome == Outcome(Verdict.FAILURE, error="unexpected EOF")


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1, and its key."""
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"),
            *("-subj", "/CN=pod", "-keyout", str(key), "-out", str(cert)),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


async def test_https_is_probed_without_verifying_the_certificate(
    certificate: tuple[Path, Path],
) -> None:
    import ssl

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*certificate)

    async def handle(stream: trio.SocketStream) -> None:
        tls = trio.SSLStream(stream, context, server_side=True)
        try:
            await tls.receive_some(4096)
            await tls.send_all(b"HTTP/1.1 204 No Content\r\n\r\n")
            await tls.aclose()
        except trio.BrokenResourceError:
            pass

    async with trio.open_nursery() as nursery:
        listeners = await nursery.start(
            functools.partial(trio.serve_tcp, handle, 0, host="127.0.0.1")
        )
        port = listeners[0].socket.getsockname()[1]
        outcome = await net_probes.http_get(get(port, scheme="HTTPS"), 5)
        plain = await net_probes.http_get(get(port), 5)
        nursery.cancel_scope.cancel()
    assert outcome == Outcome(Verdict.SUCCESS, "")
    assert plain.verdict is Verdict.FAILURE


# --- TCP ----------------------------------------------------------------------------------


async def test_tcp_connect() -> None:
    async with http_server(reply(200)) as (port, _):
        assert await net_probes.tcp_connect("127.0.0.1", port, 1) == Outcome(Verdict.SUCCESS)
    closed = free_port()
    text = f"dial tcp 127.0.0.1:{closed}: connect: connection refused"
    assert await net_probes.tcp_connect("127.0.0.1", closed, 1) == Outcome(Verdict.FAILURE, text)


async def test_tcp_connect_to_a_name_that_does_not_resolve() -> None:
    outcome = await net_probes.tcp_connect("no-such-host.invalid", 80, 5)
    assert outcome == Outcome(
        Verdict.FAILURE, "dial tcp: lookup no-such-host.invalid: no such host"
    )


# --- gRPC ---------------------------------------------------------------------------------


@asynccontextmanager
async def grpc_server(
    check: Callable[[bytes, Any], bytes] | None,
) -> AsyncIterator[int]:
    """grpcio's server with grpc.health.v1.Health/Check answered by `check` (raw bytes in
    and out), or no Health service at all."""
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    if check is not None:
        handler = grpc.unary_unary_rpc_method_handler(check)
        server.add_generic_rpc_handlers(
            [grpc.method_handlers_generic_handler("grpc.health.v1.Health", {"Check": handler})]
        )
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    try:
        yield port
    finally:
        await trio.to_thread.run_sync(lambda: server.stop(None).wait())


def serving(status: int) -> Callable[[bytes, Any], bytes]:
    def check(request: bytes, context: Any) -> bytes:
        return wire.varint(1 << 3 | wire.VARINT) + wire.varint(status)

    return check


@pytest.mark.parametrize(
    ("check", "expected"),
    [
        pytest.param(serving(1), Outcome(Verdict.SUCCESS, "service healthy"), id="serving"),
        pytest.param(
            serving(2),
            Outcome(Verdict.FAILURE, 'service unhealthy (responded with "NOT_SERVING")'),
            id="not-serving",
        ),
        pytest.param(
            lambda request, context: b"",
            Outcome(Verdict.FAILURE, 'service unhealthy (responded with "UNKNOWN")'),
            id="empty-is-unknown",
        ),
    ],
)
async def test_grpc_health(check: Callable[[bytes, Any], bytes], expected: Outcome) -> None:
    async with grpc_server(check) as port:
        assert await net_probes.grpc_health("127.0.0.1", port, "", 5) == expected


async def test_grpc_health_asks_for_the_service() -> None:
    asked: list[bytes] = []

    def check(request: bytes, context: Any) -> bytes:
        asked.append(request)
        if request != b"":
            context.abort(grpc.StatusCode.NOT_FOUND, "unknown service")
        return serving(1)(request, context)

    async with grpc_server(check) as port:
        outcome = await net_probes.grpc_health("127.0.0.1", port, "db", 5)
    assert asked == [wire.varint(1 << 3 | wire.DELIMITED) + b"\x02db"]
    text = "error: health rpc probe failed: rpc error: code = NotFound desc = unknown service"
    assert outcome == Outcome(Verdict.FAILURE, text)


async def test_grpc_health_of_a_server_without_it() -> None:
    async with grpc_server(None) as port:
        outcome = await net_probes.grpc_health("127.0.0.1", port, "", 5)
    assert outcome.verdict is Verdict.FAILURE
    assert outcome.output.startswith(
        "error: this server does not implement the grpc health protocol (grpc.health.v1.Health): "
    )


async def test_grpc_health_of_nothing_listening_times_out() -> None:
    port = free_port()
    outcome = await net_probes.grpc_health("127.0.0.1", port, "", 0.3)
    text = f'timeout: failed to connect service "127.0.0.1:{port}" within 300ms: '
    assert outcome == Outcome(Verdict.FAILURE, text + "context deadline exceeded")
