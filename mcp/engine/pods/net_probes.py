"""The network probes, made from the mcp host to a Pod's IP (the pod network's bridge is on
the host): `http_get`, `tcp_connect` and `grpc_health`, over trio sockets.

Ports of pkg/probe/http (`NewRequestForHTTPGetAction`, `DoHTTPProbe` on Go's http.Client
with the prober's `RedirectChecker`), pkg/probe/tcp (`DoTCPProbe`) and pkg/probe/grpc
(`grpcProber.Probe`), each answering a `probing.Outcome` whose output is worded as Go's
client words it (`Get "http://10.0.0.5:8080/healthz": dial tcp 10.0.0.5:8080: connect:
connection refused`). HTTP/1.1 is spoken with h11, the gRPC health check's HTTP/2 with h2
(both come with hypercorn); HTTPS skips certificate verification, as the kubelet's prober
does. Each handler keeps to the deadline it is given and never raises for what the far end
does; a probe's timeout is the caller's `timeout_s`.

Where mcp differs: the sockets do not linger (the kubelet's dialer lingers a second to avoid
TIME-WAIT; a lingering close would block trio's loop), and a gRPC server that is not HTTP/2
fails the rpc rather than the connection.
"""

from __future__ import annotations

import functools
import os
import re
import ssl
import string
import urllib.parse
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import h2.config
import h2.connection
import h2.events
import h2.exceptions
import h11
import trio

from mcp.apiserver.protobuf import wire
from mcp.apiserver.version import KUBERNETES_MAJOR, KUBERNETES_MINOR
from mcp.engine.pods.conditions import dicts_of, int_of
from mcp.engine.pods.probing import Outcome, Verdict
from mcp.kinds.apimachinery import go_duration, go_quote

USER_AGENT = f"kube-probe/{KUBERNETES_MAJOR}.{KUBERNETES_MINOR}"
MAX_BODY = 10 * 1024  # http.go's maxRespBodyLength: the rest of a body is not read
MAX_REQUESTS = 10  # RedirectChecker: "stopped after 10 redirects"
REDIRECTS = frozenset({301, 302, 303, 307, 308})  # the codes Go's client follows
READ_CHUNK = 16 * 1024
GRPC_PATH = "/grpc.health.v1.Health/Check"
GRPC_BACKOFF_S = 1.0  # grpc-go's first reconnect back-off, growing 1.6 times each try
SERVING_STATUSES = ("UNKNOWN", "SERVING", "NOT_SERVING", "SERVICE_UNKNOWN")
# google.golang.org/grpc/codes, as Code.String() names them.
GRPC_CODES = (
    *("OK", "Canceled", "Unknown", "InvalidArgument", "DeadlineExceeded", "NotFound"),
    *("AlreadyExists", "PermissionDenied", "ResourceExhausted", "FailedPrecondition"),
    *("Aborted", "OutOfRange", "Unimplemented", "Internal", "Unavailable", "DataLoss"),
    "Unauthenticated",
)
# grpc-go's reading of an HTTP status that is not 200.
HTTP_TO_GRPC = {400: 13, 401: 16, 403: 7, 404: 12, 429: 14, 502: 14, 503: 14, 504: 14}
_TOKEN = frozenset(string.ascii_letters + string.digits + "!#$%&'*+-.^_`|~")
_ATOI = re.compile(r"[+-]?[0-9]+")


class DialError(Exception):
    """A connection that could not be made, worded as Go's net.Dial."""


# --- targets ------------------------------------------------------------------------------


def join_host_port(host: str, port: int) -> str:
    """net.JoinHostPort."""
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def resolve_port(port: Any, container: Mapping[str, Any]) -> int:
    """`probe.ResolveContainerPort`: a number, or the name of one of the container's ports
    (or, as a last try, a number written as a string).

    Raises:
        ValueError: with upstream's words (`invalid port number: 0`...).
    """
    if isinstance(port, int) and not isinstance(port, bool):
        number = port
    elif isinstance(port, str):
        named = [p for p in dicts_of(container.get("ports")) if p.get("name") == port]
        if named:
            number = int_of(named[0].get("containerPort"))
        elif _ATOI.fullmatch(port):
            number = int(port)
        else:
            raise ValueError(f"strconv.Atoi: parsing {go_quote(port)}: invalid syntax")
    else:
        raise ValueError(f"intOrString had no kind: {port!r}")
    if 0 < number < 65536:
        return number
    raise ValueError(f"invalid port number: {number}")


@dataclass(frozen=True)
class Url:
    """An HTTP request's URL: `target` is its path and query as sent."""

    scheme: str
    host: str
    port: int
    target: str

    def __str__(self) -> str:
        return f"{self.scheme}://{join_host_port(self.host, self.port)}{self.target}"


@dataclass(frozen=True)
class HttpRequest:
    """A probe's GET: its URL, the Host it names, and its other headers in Go's order."""

    url: Url
    host_header: str
    headers: tuple[tuple[str, str], ...]


def canonical_header(name: str) -> str:
    """textproto.CanonicalMIMEHeaderKey: `x-request-id` is `X-Request-Id`; a name with a
    character outside the token set is kept as written."""
    if not name or not set(name) <= _TOKEN:
        return name
    return "-".join(part[:1].upper() + part[1:].lower() for part in name.split("-"))


def _target(path: str) -> str:
    """The request target `formatURL` makes of a probe's path: no fragment, escaped as
    url.URL escapes it, and `/` for none."""
    path = path.split("#", 1)[0]
    base, mark, query = path.partition("?")
    target = urllib.parse.quote(base, safe="/%:@!$&'()*+,;=-._~")
    if not target.startswith("/"):
        target = "/" + target
    if mark:
        target += "?" + urllib.parse.quote(query, safe="/%:@!$&'()*+,;=-._~?")
    return target


def http_request(
    action: Mapping[str, Any], container: Mapping[str, Any], pod_ip: str
) -> HttpRequest:
    """`NewRequestForHTTPGetAction`: the URL from the action's scheme, host (the Pod's IP
    by default), port and path; its `httpHeaders` as given, then `User-Agent:
    kube-probe/1.37` and `Accept: */*` unless given (an empty Accept is dropped), the
    Host header one of them may name.

    Raises:
        ValueError: the port resolves to none (see `resolve_port`).
    """
    scheme = str(action.get("scheme") or "http").lower()
    host = str(action.get("host") or pod_ip)
    port = resolve_port(action.get("port"), container)
    url = Url(scheme, host, port, _target(str(action.get("path") or "")))
    given: dict[str, list[str]] = {}
    for header in dicts_of(action.get("httpHeaders")):
        given.setdefault(canonical_header(str(header.get("name"))), []).append(
            str(header.get("value") or "")
        )
    given.setdefault("User-Agent", [USER_AGENT])
    if "Accept" not in given:
        given["Accept"] = ["*/*"]
    elif not given["Accept"][0]:
        del given["Accept"]
    host_header = (given.pop("Host", None) or [""])[0] or join_host_port(host, port)
    # Request.write: User-Agent first (none when it is empty), then the rest by name.
    headers = [("User-Agent", agent) for agent in given.pop("User-Agent")[:1] if agent]
    headers += [(name, value) for name in sorted(given) for value in given[name]]
    return HttpRequest(url, host_header, tuple(headers))


# --- connecting ---------------------------------------------------------------------------


def _errno_text(exc: OSError) -> str:
    """An OSError as Go's syscall errors print: `connection refused`."""
    return os.strerror(exc.errno).lower() if exc.errno else str(exc)


async def _dial(host: str, port: int) -> trio.SocketStream:
    """net.Dial("tcp", host:port) to the first address `host` resolves to.

    Raises:
        DialError: the name did not resolve or the connection was refused.
    """
    try:
        found = await trio.socket.getaddrinfo(host, port, type=trio.socket.SOCK_STREAM)
    except trio.socket.gaierror as exc:
        raise DialError(f"dial tcp: lookup {host}: no such host") from exc
    family, kind, proto, _, address = found[0]
    sock = trio.socket.socket(family, kind, proto)
    try:
        await sock.connect(address)
    except OSError as exc:
        sock.close()
        where = join_host_port(host, port)
        raise DialError(f"dial tcp {where}: connect: {_errno_text(exc)}") from exc
    except BaseException:
        sock.close()
        raise
    return trio.SocketStream(sock)


async def tcp_connect(host: str, port: int, timeout_s: float) -> Outcome:
    """`DoTCPProbe`: success once a connection to host:port opens (it is closed at once)."""
    with trio.move_on_after(timeout_s):
        try:
            stream = await _dial(host, port)
        except DialError as exc:
            return Outcome(Verdict.FAILURE, str(exc))
        stream.socket.close()
        return Outcome(Verdict.SUCCESS)
    return Outcome(Verdict.FAILURE, f"dial tcp {join_host_port(host, port)}: i/o timeout")


# --- HTTP ---------------------------------------------------------------------------------


@functools.cache
def _tls() -> ssl.SSLContext:
    context = ssl.create_default_context()
    # InsecureSkipVerify, as the kubelet's prober: a Pod's certificate names no IP.
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


@dataclass(frozen=True)
class _Response:
    status: int
    location: str | None
    body: bytes


@dataclass
class _Progress:
    """How far an exchange got: the response's headers have come (its body is read)."""

    in_body: bool = False


class _Broken(Exception):
    """The exchange failed, worded as Go's transport; `in_body`: after the headers came."""

    def __init__(self, text: str, *, in_body: bool = False) -> None:
        super().__init__(text)
        self.in_body = in_body


async def _connect(url: Url) -> trio.abc.Stream:
    if url.scheme not in ("http", "https"):
        raise _Broken(f"unsupported protocol scheme {go_quote(url.scheme)}")
    try:
        stream: trio.abc.Stream = await _dial(url.host, url.port)
    except DialError as exc:
        raise _Broken(str(exc)) from exc
    if url.scheme == "https":
        tls = trio.SSLStream(stream, _tls(), server_hostname=url.host)
        try:
            await tls.do_handshake()
        except trio.BrokenResourceError as exc:
            await trio.aclose_forcefully(stream)
            cause = exc.__cause__
            reason = getattr(cause, "reason", None) or str(cause or exc)
            raise _Broken(f"tls: {str(reason).lower().replace('_', ' ')}") from exc
        stream = tls
    return stream


async def _exchange(
    url: Url, host_header: str, headers: Sequence[tuple[str, str]], progress: _Progress
) -> _Response:
    """One GET on a connection of its own (the prober disables keep-alive): the status,
    the Location, and the body's first `MAX_BODY` bytes.

    Raises:
        _Broken: the connection or the response failed.
    """
    stream = await _connect(url)
    async with stream:
        connection = h11.Connection(h11.CLIENT)
        try:
            request = h11.Request(
                method="GET",
                target=url.target,
                headers=[("Host", host_header), *headers, ("Connection", "close")],
            )
            data = (connection.send(request) or b"") + (connection.send(h11.EndOfMessage()) or b"")
        except h11.LocalProtocolError as exc:
            raise _Broken(f"net/http: invalid request: {exc}") from exc
        received = 0
        response: _Response | None = None
        body = bytearray()
        try:
            await stream.send_all(data)
            while True:
                event = connection.next_event()
                if event is h11.NEED_DATA:
                    chunk = await stream.receive_some(READ_CHUNK)
                    received += len(chunk)
                    connection.receive_data(bytes(chunk))
                elif isinstance(event, h11.InformationalResponse):
                    if event.status_code == 101:  # Go hands a 101 back as the response
                        return _Response(101, None, b"")
                elif isinstance(event, h11.Response):
                    found = [v for k, v in event.headers if k == b"location"]
                    location = found[0].decode("latin-1") if found else None
                    response = _Response(event.status_code, location, b"")
                    progress.in_body = True
                elif isinstance(event, h11.Data):
                    body += event.data[: MAX_BODY - len(body)]
                    if len(body) >= MAX_BODY:
                        break  # the rest is not read ("Non fatal body truncation")
                else:  # EndOfMessage, ConnectionClosed
                    break
        except h11.RemoteProtocolError as exc:
            if response is not None:
                raise _Broken("unexpected EOF", in_body=True) from exc
            if not received:
                raise _Broken("EOF") from exc
            raise _Broken(f"net/http: HTTP/1.x transport connection broken: {exc}") from exc
        except (trio.BrokenResourceError, OSError) as exc:
            cause = exc if isinstance(exc, OSError) else exc.__cause__
            text = _errno_text(cause) if isinstance(cause, OSError) else "EOF"
            raise _Broken(f"read: {text}", in_body=response is not None) from exc
        if response is None:
            raise _Broken("EOF")
        return _Response(response.status, response.location, bytes(body))


def _redirect(url: Url, location: str) -> Url:
    """The URL a Location names, read against the request's (url.URL.Parse)."""
    joined = urllib.parse.urlsplit(urllib.parse.urljoin(str(url), location))
    scheme = joined.scheme.lower()
    port = joined.port or (443 if scheme == "https" else 80)
    target = joined.path or "/"
    if joined.query:
        target += "?" + joined.query
    return Url(scheme, joined.hostname or "", port, target)


def _verdict(response: _Response) -> Outcome:
    """`DoHTTPProbe` on the last response."""
    body = response.body.decode(errors="replace")
    if 200 <= response.status < 300:
        return Outcome(Verdict.SUCCESS, body)
    if 300 <= response.status < 400:
        return Outcome(Verdict.WARNING, f"Probe terminated redirects, Response body: {body}")
    # The body stays out of the message (kubernetes#99425).
    return Outcome(Verdict.FAILURE, f"HTTP probe failed with statuscode: {response.status}")


async def http_get(request: HttpRequest, timeout_s: float) -> Outcome:
    """`DoHTTPProbe` with the prober's client: success for 200 to 399, redirects followed
    on the same host (up to ten requests; a redirect elsewhere ends them with a warning),
    every failure worded as Go's `url.Error` (`Get "<url>": ...`). The timeout covers
    every request and the reading of the last body."""
    url, host_header = request.url, request.host_header
    first_host = url.host.lower()
    headers = list(request.headers)
    sent = 0
    progress = _Progress()
    with trio.move_on_after(timeout_s):
        while True:
            try:
                sent += 1
                progress.in_body = False
                response = await _exchange(url, host_header, headers, progress)
            except _Broken as exc:
                if exc.in_body:  # a body read that failed errors: the run is thrown away
                    return Outcome(Verdict.FAILURE, error=str(exc))
                return Outcome(Verdict.FAILURE, f"Get {go_quote(str(url))}: {exc}")
            if response.status not in REDIRECTS or not response.location:
                return _verdict(response)
            location = response.location
            try:
                following = _redirect(url, location)
            except ValueError as exc:
                text = f"failed to parse Location header {go_quote(location)}: {exc}"
                return Outcome(Verdict.FAILURE, f"Get {go_quote(str(url))}: {text}")
            if following.host.lower() != first_host:
                return _verdict(response)  # ErrUseLastResponse: the 3xx is the answer
            if sent >= MAX_REQUESTS:
                text = f"Get {go_quote(location)}: stopped after 10 redirects"
                return Outcome(Verdict.FAILURE, text)
            relative = not urllib.parse.urlsplit(location).scheme
            custom_host = host_header != join_host_port(url.host, url.port)
            if not (custom_host and relative):  # Go keeps a custom Host on a relative one
                host_header = join_host_port(following.host, following.port)
            headers = [(k, v) for k, v in request.headers if k != "Referer"]
            if not (url.scheme == "https" and following.scheme == "http"):
                headers.append(("Referer", str(url)))
            url = following
    if progress.in_body:
        text = (
            "context deadline exceeded (Client.Timeout or context cancellation while reading body)"
        )
        return Outcome(Verdict.FAILURE, error=text)
    text = "context deadline exceeded (Client.Timeout exceeded while awaiting headers)"
    return Outcome(Verdict.FAILURE, f"Get {go_quote(str(url))}: {text}")


# --- gRPC ---------------------------------------------------------------------------------


def _serving_status(message: bytes) -> int:
    """HealthCheckResponse's `status` (field 1, an enum: 0 when absent)."""
    status = 0
    for number, wire_type, value in wire.fields(message):
        if number == 1 and wire_type == wire.VARINT and isinstance(value, int):
            status = value
    return status


def _rpc_error(code: int, message: str, took: str) -> Outcome:
    """grpcProber.Probe's words for an rpc that ended with `code`."""
    if code == 12:
        text = "error: this server does not implement the grpc health protocol "
        text += f"(grpc.health.v1.Health): {message}"
    elif code == 4:
        text = f"timeout: health rpc did not complete within {took}"
    else:
        name = GRPC_CODES[code] if 0 <= code < len(GRPC_CODES) else f"Code({code})"
        text = f"error: health rpc probe failed: rpc error: code = {name} desc = {message}"
    return Outcome(Verdict.FAILURE, text)


async def _check(
    stream: trio.abc.Stream, authority: str, service: str, took: str, deadline: float
) -> Outcome:
    """The Health/Check rpc over HTTP/2 (prior knowledge, as grpc-go without TLS)."""
    connection = h2.connection.H2Connection(
        h2.config.H2Configuration(client_side=True, header_encoding="utf-8")
    )
    connection.initiate_connection()
    stream_id = connection.get_next_available_stream_id()
    left_ms = max(1, int((deadline - trio.current_time()) * 1000))
    connection.send_headers(
        stream_id,
        [
            (":method", "POST"),
            (":scheme", "http"),
            (":path", GRPC_PATH),
            (":authority", authority),
            ("content-type", "application/grpc"),
            ("user-agent", USER_AGENT),
            ("te", "trailers"),
            ("grpc-timeout", f"{left_ms}m"),
        ],
    )
    asked = service.encode()
    # HealthCheckRequest{service}: field 1, delimited (proto3 leaves an empty one out).
    request = (
        wire.varint(1 << 3 | wire.DELIMITED) + wire.varint(len(asked)) + asked if asked else b""
    )
    connection.send_data(
        stream_id, b"\x00" + len(request).to_bytes(4, "big") + request, end_stream=True
    )
    heads: dict[str, str] = {}
    body = bytearray()
    try:
        await stream.send_all(connection.data_to_send())
        ended = False
        while not ended:
            data = await stream.receive_some(READ_CHUNK)
            if not data:
                return _rpc_error(14, "error reading from server: EOF", took)
            for event in connection.receive_data(data):
                if isinstance(event, (h2.events.ResponseReceived, h2.events.TrailersReceived)):
                    heads.update({str(k): str(v) for k, v in event.headers or ()})
                elif isinstance(event, h2.events.DataReceived):
                    body += event.data or b""
                    connection.acknowledge_received_data(
                        event.flow_controlled_length or 0, stream_id
                    )
                elif isinstance(event, h2.events.StreamEnded):
                    ended = True
                elif isinstance(event, h2.events.StreamReset):
                    text = f"stream terminated by RST_STREAM with error code: {event.error_code}"
                    return _rpc_error(13, text, took)
                elif isinstance(event, h2.events.ConnectionTerminated):
                    return _rpc_error(14, f"connection closed: {event.error_code}", took)
            if outgoing := connection.data_to_send():
                await stream.send_all(outgoing)
    except h2.exceptions.ProtocolError as exc:
        return _rpc_error(14, f"connection error: {exc}", took)
    except (trio.BrokenResourceError, OSError) as exc:
        return _rpc_error(14, f"error reading from server: {exc}", took)
    http_status = heads.get(":status", "")
    if http_status != "200":
        code = HTTP_TO_GRPC.get(int(http_status) if http_status.isdigit() else 0, 2)
        text = f"unexpected HTTP status code received from server: {http_status}"
        return _rpc_error(code, text, took)
    if "grpc-status" not in heads:
        return _rpc_error(13, "server closed the stream without sending trailers", took)
    code = int(heads["grpc-status"]) if heads["grpc-status"].isdigit() else 2
    if code:
        return _rpc_error(code, urllib.parse.unquote(heads.get("grpc-message", "")), took)
    try:
        if len(body) < 5 or body[0] != 0:
            raise ValueError("a message framed as grpc-go cannot read it")
        status = _serving_status(bytes(body[5 : 5 + int.from_bytes(body[1:5], "big")]))
    except ValueError as exc:
        text = f"grpc: failed to unmarshal the received message: {exc}"
        return _rpc_error(13, text, took)
    if status != 1:
        name = SERVING_STATUSES[status] if status < len(SERVING_STATUSES) else str(status)
        return Outcome(Verdict.FAILURE, f"service unhealthy (responded with {go_quote(name)})")
    return Outcome(Verdict.SUCCESS, "service healthy")


async def grpc_health(host: str, port: int, service: str, timeout_s: float) -> Outcome:
    """`grpcProber.Probe`: the gRPC health protocol's Check for `service`, success when it
    answers SERVING. As grpc-go's blocking dial, a refused connection is tried again until
    the timeout."""
    authority = join_host_port(host, port)
    took = go_duration(int(timeout_s * 1_000_000_000))
    deadline = trio.current_time() + timeout_s
    stream: trio.SocketStream | None = None
    with trio.move_on_at(deadline):
        pause = GRPC_BACKOFF_S
        while stream is None:
            try:
                stream = await _dial(host, port)
            except DialError:
                await trio.sleep(pause)
                pause *= 1.6
    if stream is None:
        text = f"timeout: failed to connect service {go_quote(authority)} within {took}: "
        return Outcome(Verdict.FAILURE, text + "context deadline exceeded")
    async with stream:
        with trio.move_on_at(deadline):
            return await _check(stream, authority, service, took, deadline)
    return Outcome(Verdict.FAILURE, f"timeout: health rpc did not complete within {took}")
