"""What mcp trusts before any handler runs: the Host, the browser's Origin, the body's type.

mcp listens on loopback with no authentication, which is safe only while nothing but local
programs can talk to it. A browser can: any page the user opens may send "simple" requests
(a `text/plain` or form POST needs no CORS preflight), and a page whose host name is
re-pointed at 127.0.0.1 (DNS rebinding) is served as if it were local and reads the answers.
So every request passes three checks, in this order, before Quart routes it:

1. `Host` must name mcp: an IP address (a rebinding page always comes by a name),
   `localhost`, the listen host, or a name added in the configuration (`allowed_hosts`).
   Otherwise 421. A request with no Host came from no browser.
2. A request a browser marks as from elsewhere (an `Origin` that is not mcp's own, or
   `Sec-Fetch-Site: cross-site`/`same-site`) is refused with 403 unless its origin is in
   `allowed_origins`; only then are CORS headers sent, and preflights answered.
   Programs (curl, kubectl, client libraries) send neither header and pass.
3. A request that changes something and carries a body must declare a media type its
   method accepts (JSON; for PATCH the patch types too); otherwise 415. Routes narrow
   this further (the v1 PATCH takes merge patches only). On the Kubernetes paths an
   undeclared body is JSON, as kube-apiserver takes it, and whole objects may also come
   as Kubernetes protobuf.

WebSocket upgrades (`pods/exec`, `pods/attach`) pass the first two checks as a GET: a
browser opens a WebSocket to any host with no CORS at all, sending its `Origin`, so a page
must not reach a shell in a container. They are refused before the upgrade, with the
refusal's body where the server can send one (hypercorn can).

The decisions are pure functions of the request line and headers (`check`), tested by
tables; `Guard` is the thin ASGI wrapper around them.
"""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Awaitable, Callable, Iterable, Mapping, MutableMapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from mcp import logs, rules
from mcp.api import problems
from mcp.apiserver import protobuf
from mcp.apiserver import status as kube_status
from mcp.config import normalize_origin

log = logs.get(actor="api")

JSON = "application/json"
MERGE_PATCH = "application/merge-patch+json"
STRATEGIC_MERGE_PATCH = "application/strategic-merge-patch+json"
JSON_PATCH = "application/json-patch+json"
APPLY_PATCH = "application/apply-patch+yaml"
# The media types any route takes, by method; a route may take fewer.
BODY_TYPES: Mapping[str, frozenset[str]] = {
    "POST": frozenset({JSON}),
    "PUT": frozenset({JSON}),
    "DELETE": frozenset({JSON}),
    "PATCH": frozenset({JSON, MERGE_PATCH, STRATEGIC_MERGE_PATCH, JSON_PATCH}),
}
# The Kubernetes paths also take whole objects in Kubernetes protobuf, which typed clients
# (`kubectl create ...`) send; patches stay JSON there too, and server-side apply's
# configurations come as YAML (or JSON, which is YAML).
KUBERNETES_BODY_TYPES: Mapping[str, frozenset[str]] = {
    method: (types | {protobuf.MEDIA_TYPE}) if method != "PATCH" else types | {APPLY_PATCH}
    for method, types in BODY_TYPES.items()
}
LOOPBACK_NAMES = frozenset({"localhost"})
CORS_METHODS = "GET, POST, PUT, PATCH, DELETE"
CORS_MAX_AGE_S = 600

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
# Quart's own ASGI types are narrower TypedDicts; the guard reads only a few plain keys.
AsgiApp = Callable[..., Awaitable[None]]


@dataclass(frozen=True)
class Policy:
    """Whom mcp answers.

    Attributes:
        hosts: host names (lower case, no port) that `Host` may name besides IP addresses.
        port: the port mcp listens on; mcp's own origins are `http://<host>:<port>`.
        allowed_origins: browser origins allowed to call mcp, as `scheme://host[:port]`.
    """

    hosts: frozenset[str]
    port: int
    allowed_origins: frozenset[str] = frozenset()

    @classmethod
    def for_listener(
        cls,
        listen_host: str,
        port: int,
        *,
        extra_hosts: Iterable[str] = (),
        allowed_origins: Iterable[str] = (),
    ) -> Policy:
        names = {*LOOPBACK_NAMES, *(name.lower().rstrip(".") for name in extra_hosts)}
        if not _is_ip(listen_host):
            names.add(listen_host.lower().rstrip("."))
        return cls(frozenset(names), port, frozenset(normalize_origin(o) for o in allowed_origins))


@dataclass(frozen=True)
class Refusal:
    status: int
    reason: str  # a constant, for logs and metrics
    detail: str  # for the client


@dataclass(frozen=True)
class Admission:
    """A request let through; `cors_origin` is set when CORS headers must be added."""

    cors_origin: str | None = None


# Every request's Host is checked, and a client sends the same one each time: parsing it
# (urlsplit, ipaddress) was a twentieth of a small write's time. Bounded: a client
# sending a new Host each time only churns the cache.
@functools.lru_cache(maxsize=64)
def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


@functools.lru_cache(maxsize=64)
def _split_host(header: str) -> tuple[str, int | None] | None:
    """`Host`'s name (lower case, no trailing dot) and port; None when malformed."""
    parts = urlsplit(f"//{header.strip()}")
    try:
        port = parts.port
    except ValueError:
        return None
    if not parts.hostname or parts.username is not None or parts.path:
        return None
    return parts.hostname.rstrip("."), port


def _names_mcp(policy: Policy, host: str) -> bool:
    return _is_ip(host) or host in policy.hosts


def _own_origin(policy: Policy, origin: str) -> bool:
    parts = urlsplit(origin)
    try:
        port = parts.port
    except ValueError:
        return False
    return (
        parts.scheme == "http"
        and parts.hostname is not None
        and _names_mcp(policy, parts.hostname)
        and (port or 80) == policy.port
    )


def _has_body(headers: Mapping[str, str]) -> bool:
    if "transfer-encoding" in headers:
        return True
    length = headers.get("content-length", "0").strip()
    return not (rules.is_whole_number(length) and int(length) == 0)


def media_type(headers: Mapping[str, str]) -> str:
    """The Content-Type without its parameters, in lower case; "" when absent."""
    return headers.get("content-type", "").split(";", 1)[0].strip().lower()


def check(
    policy: Policy, method: str, headers: Mapping[str, str], *, path: str = ""
) -> Admission | Refusal:
    """Decide whether a request may reach the handlers.

    Args:
        path: the request's path; on the Kubernetes paths a body without a Content-Type
            is JSON, as kube-apiserver takes it (its first serializer; the official Python
            client sends none). A browser cannot send such a body cross-site without an
            `Origin`, which the second check refuses.
        policy: whom mcp answers.
        method: the HTTP method, upper case.
        headers: the request headers, names in lower case (the last value of each).
    """
    host_header = headers.get("host")
    if host_header is not None:
        split = _split_host(host_header)
        if split is None or not _names_mcp(policy, split[0]):
            return Refusal(
                421,
                "host_not_served",
                f"mcp does not serve the host {host_header!r}; add it to allowed_hosts "
                "if it is a name of this machine",
            )

    cors_origin: str | None = None
    origin = headers.get("origin")
    site = headers.get("sec-fetch-site", "").lower()
    if origin is not None:
        try:
            origin = normalize_origin(origin)
        except ValueError:
            origin = origin.strip().lower()  # "null" (sandboxed pages, files): never allowed
        if origin in policy.allowed_origins:
            cors_origin = origin
        elif not _own_origin(policy, origin):
            return Refusal(
                403,
                "cross_origin",
                f"requests from the browser origin {origin!r} are refused; "
                "add it to allowed_origins to allow it",
            )
    elif site in ("cross-site", "same-site"):
        return Refusal(
            403,
            "cross_site",
            f"a browser marked this request {site}; requests from other sites are refused",
        )

    kubernetes = kube_status.is_kubernetes_path(path)
    accepted = (KUBERNETES_BODY_TYPES if kubernetes else BODY_TYPES).get(method)
    untyped_is_json = "content-type" not in headers and kubernetes
    if (
        accepted is not None
        and (_has_body(headers) or "content-type" in headers)
        and not untyped_is_json
    ):
        given = media_type(headers)
        if given not in accepted:
            return Refusal(
                415,
                "unsupported_media_type",
                f"content type {given or '(none)'!r} is not accepted for {method}; "
                f"send {' or '.join(sorted(accepted))}",
            )
    return Admission(cors_origin)


def _headers_of(scope: Scope) -> dict[str, str]:
    return {
        name.decode("latin-1").lower(): value.decode("latin-1")
        for name, value in scope.get("headers", [])
    }


class Guard:
    """ASGI middleware: `check` every HTTP request; answer refusals and CORS preflights."""

    def __init__(self, app: AsgiApp, policy: Policy) -> None:
        self._app = app
        self._policy = policy

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self._app(scope, receive, send)
            return
        headers = _headers_of(scope)
        websocket = scope["type"] == "websocket"
        method = "GET" if websocket else str(scope["method"]).upper()
        path = str(scope.get("path", ""))
        verdict = check(self._policy, method, headers, path=path)
        if isinstance(verdict, Refusal):
            log.warning(
                "request_refused",
                reason=verdict.reason,
                method=method,
                path=scope.get("path"),
                host=headers.get("host"),
                origin=headers.get("origin"),
                status=verdict.status,
                websocket=websocket,
            )
            if websocket:
                await _refuse_upgrade(scope, receive, send, verdict)
            else:
                await _answer(send, verdict.status, verdict.detail, path=path)
            return
        if websocket:
            await self._app(scope, receive, send)  # no CORS for WebSockets: nothing to add
            return
        origin = verdict.cors_origin
        if origin is None:
            await self._app(scope, receive, send)
            return
        cors = [
            (b"access-control-allow-origin", origin.encode("latin-1")),
            (b"vary", b"Origin"),
        ]
        if method == "OPTIONS" and "access-control-request-method" in headers:
            requested = headers.get("access-control-request-headers", "")
            preflight = [
                (b"access-control-allow-methods", CORS_METHODS.encode()),
                (b"access-control-allow-headers", requested.encode("latin-1")),
                (b"access-control-max-age", str(CORS_MAX_AGE_S).encode()),
            ]
            await _answer(send, 204, None, extra=cors + preflight)
            return

        async def send_with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), *cors]}
            await send(message)

        await self._app(scope, receive, send_with_cors)


async def _refuse_upgrade(scope: Scope, receive: Receive, send: Send, refusal: Refusal) -> None:
    """A WebSocket upgrade refused before it is accepted: with the refusal's answer when the
    server takes one (ASGI's `websocket.http.response`), else with its bare 403."""
    await receive()  # the `websocket.connect` every app takes first
    if "websocket.http.response" not in (scope.get("extensions") or {}):
        await send({"type": "websocket.close", "code": 1008})
        return
    path = str(scope.get("path", ""))
    if kube_status.is_kubernetes_path(path):
        body, content_type = kube_status.status_body(refusal.status, refusal.detail), JSON
    else:
        body = problems.problem_body(refusal.status, refusal.detail)
        content_type = problems.PROBLEM_TYPE
    headers = [
        (b"content-type", content_type.encode()),
        (b"content-length", str(len(body)).encode()),
    ]
    await send(
        {"type": "websocket.http.response.start", "status": refusal.status, "headers": headers}
    )
    await send({"type": "websocket.http.response.body", "body": body})


async def _answer(
    send: Send,
    status: int,
    detail: str | None,
    *,
    path: str = "",
    extra: list[tuple[bytes, bytes]] | None = None,
) -> None:
    """A refusal (`detail`) in the path's error shape, or an empty answer (None)."""
    # The request's body (if any) is never read: close the connection, or its bytes
    # would be taken for the next request on it.
    headers = [(b"connection", b"close"), *(extra or [])]
    body = b""
    if detail is not None:
        if kube_status.is_kubernetes_path(path):
            body, content_type = kube_status.status_body(status, detail), "application/json"
        else:
            body, content_type = problems.problem_body(status, detail), problems.PROBLEM_TYPE
        headers += [
            (b"content-type", content_type.encode()),
            (b"content-length", str(len(body)).encode()),
        ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
