"""The HTTP API actor: quart-trio served by hypercorn.

The API writes desired state to etcd and reads it back; it calls Docker only to read a
Pod's log and to stream its exec and attach (`apiserver.podlogs`, `apiserver.streams`,
through the runtime adapter). The routes live in `mcp.api` (`seed` for the original
program's calls, `v1` for the declarative API) and `mcp.apiserver` (the Kubernetes
paths); this module builds the app, maps every error through
`mcp.api.problems`, serves `/openapi.json` (quart-schema, from the same pydantic
models that validate requests), and routes hypercorn's logs through structlog.
"""

from __future__ import annotations

import functools
import os
import sys
import time
from collections.abc import Callable
from http import HTTPStatus
from typing import Any

import trio
from hypercorn.config import Config as HypercornConfig
from hypercorn.logging import Logger as HypercornLogger
from hypercorn.trio import serve
from quart import Response, has_request_context, request, websocket
from quart_schema import Info, QuartSchema, hide
from quart_trio import QuartTrio
from quart_trio.wrappers import TrioRequest
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from mcp import __version__, logs
from mcp.api import guard, seed, v1
from mcp.api.common import ApiContext, json_response
from mcp.api.openapi import McpOpenAPIProvider
from mcp.api.problems import problem, problem_for
from mcp.apiserver import kubeconfig, openapi, routes
from mcp.apiserver import status as kube_status
from mcp.apiserver.status import KubeError
from mcp.apiserver.version import version_info
from mcp.config import Config
from mcp.errors import ListenFailed

log = logs.get(actor="api")

MAX_BODY_BYTES = 1024 * 1024
# kube-apiserver's limit on a request body (`MaxRequestBodyBytes`): room for a ConfigMap or
# Secret with its 1 MiB of data, base64 and the last-applied annotation kubectl adds.
KUBE_MAX_BODY_BYTES = 3 * 1024 * 1024


class _Request(TrioRequest):
    """A request whose body limit is its path's: mcp's own calls take 1 MiB, the
    Kubernetes paths 3 MiB, as kube-apiserver does. (The limit is fixed when the body
    is made, so it is chosen here, by path.)"""

    def __init__(self, method: str, scheme: str, path: str, *args: Any, **kwargs: Any) -> None:
        limit = KUBE_MAX_BODY_BYTES if kube_status.is_kubernetes_path(path) else MAX_BODY_BYTES
        kwargs["max_content_length"] = limit
        super().__init__(method, scheme, path, *args, **kwargs)
        self.max_content_length = limit


__all__ = ["ApiContext", "create_app", "run"]


def _served_methods(app: QuartTrio, path: str) -> list[str]:
    """The methods mcp's own routes serve at `path`: the generic Kubernetes routes match
    some of its paths too (`/api/v1/<resource>`), but serve nothing there."""
    adapter = app.url_map.bind("localhost")
    served = []
    for method in ("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"):
        try:
            endpoint, _ = adapter.match(path, method=method)
        except HTTPException:
            continue
        if not str(endpoint).startswith("kubernetes."):
            served.append(method)
    return served


def create_app(
    ctx: ApiContext,
    *,
    bookmark_interval: float = 10.0,
    guard_policy: guard.Policy | None = None,
    role: Callable[[], str] | None = None,
) -> QuartTrio:
    """The API app; every request passes `guard` (Host, Origin, body type) first.

    Args:
        guard_policy: whom to answer; default: loopback and localhost on port 8080.
        role: this process's part ("leader", "standby", "api-only") for /healthz.
    """
    app = QuartTrio("mcp")
    app.request_class = _Request
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
    QuartSchema(
        app,
        info=Info(title="mcp, the mini control plane", version=__version__),
        # Only the JSON document: the UI pages load scripts from a CDN.
        redoc_ui_path=None,
        scalar_ui_path=None,
        swagger_ui_path=None,
        openapi_provider_class=McpOpenAPIProvider,
    )

    @app.errorhandler(Exception)
    async def on_error(exc: Exception) -> Response:
        # A WebSocket route's error (its refusal, before the upgrade) comes here too.
        path = request.path if has_request_context() else websocket.path
        kubernetes = kube_status.is_kubernetes_path(path)
        if kubernetes:
            response = kube_status.response_for(exc)
        elif isinstance(exc, KubeError):
            # A Kubernetes route's answer on one of mcp's paths (`DELETE /api/v1/containers`
            # reaches the generic collection route): in mcp's shape, not a 500.
            response = problem(exc.code, str(exc))
        else:
            response = problem_for(exc)
        if response.status_code == HTTPStatus.METHOD_NOT_ALLOWED:
            # RFC 9110: a 405 lists what the resource serves. A Kubernetes path serves
            # what its OpenAPI document says (its kind's verbs), not every method of the
            # route it matched.
            allowed = openapi.allowed_methods(path, routes.SERVED) if kubernetes else None
            if allowed is None:
                allowed = _served_methods(app, path)
            response.headers["Allow"] = ", ".join(allowed)
        return response

    @app.after_request
    async def allow_what_is_served(response: Response) -> Response:
        # A body nothing read (quart's own OPTIONS, a 405 from routing, an error raised
        # before the handler read it) would stay on a keep-alive connection, taken for the
        # next request: read it (a no-op when read). After errors too: quart runs this on
        # the error handler's answer.
        try:
            await request.get_data()
        except RequestEntityTooLarge:
            response.headers["Connection"] = "close"
        # quart answers OPTIONS with every method of the matched route; a Kubernetes path
        # serves only what its document lists (as the 405s above say).
        if request.method == "OPTIONS" and kube_status.is_kubernetes_path(request.path):
            allowed = openapi.allowed_methods(request.path, routes.SERVED)
            if allowed is not None:
                implicit = ["HEAD", "OPTIONS"] if "GET" in allowed else ["OPTIONS"]
                response.headers["Allow"] = ", ".join([*allowed, *implicit])
        return response

    @app.get("/healthz")
    @hide
    async def healthz() -> Response:
        health: dict[str, Any] = {"status": "ok", "revision": ctx.cache.revision}
        if role is not None:
            health["role"] = role()
        return json_response(health, 200)

    @app.get("/version")
    @app.get("/version/")  # the Python client's VersionApi asks with the slash
    @hide
    async def version() -> Response:
        return json_response(version_info(), 200)

    @app.get("/metrics")
    @hide
    async def metrics() -> Response:
        gauges = {
            "mcp_objects": ("Objects in the watch cache.", float(len(ctx.cache.objects))),
            "mcp_etcd_revision": (
                "The etcd revision the cache has seen.",
                float(ctx.cache.revision),
            ),
            "mcp_watch_streams": (
                "Open watch streams (subscriptions to the watch cache).",
                float(len(ctx.cache.subscriptions)),
            ),
        }
        if ctx.runtime is not None:
            gauges["mcp_log_streams"] = (
                "Open streams of container logs (each a thread reading Docker).",
                float(ctx.runtime.log_streams_open),
            )
        return Response(
            ctx.metrics.render(gauges), 200, content_type="text/plain; version=0.0.4; charset=utf-8"
        )

    app.register_blueprint(seed.blueprint(ctx))
    app.register_blueprint(v1.blueprint(ctx, bookmark_interval=bookmark_interval))
    app.register_blueprint(routes.blueprint(ctx, bookmark_interval=bookmark_interval))
    policy = guard_policy or guard.Policy.for_listener("127.0.0.1", 8080)
    # Quart's documented way to add ASGI middleware; mypy sees a method replaced.
    guarded = _AccessLog(guard.Guard(app.asgi_app, policy))
    app.asgi_app = guarded  # type: ignore[method-assign,assignment]
    return app


# Set in a request's ASGI scope (the dict hypercorn also hands its access log) once the
# request reached mcp's app, which then logs it itself.
ACCESS_LOGGED_BY_APP = "mcp.access_logged_by_app"
# One logger for every request's line: a logger made per call is bound anew each time,
# a third of the line's cost.
_http_log = logs.get(actor="http")


def _log_request(
    scope: guard.Scope, status: int | None, seconds: float, *, complete: bool = True
) -> None:
    fields: dict[str, Any] = {} if complete else {"client_disconnected": True}
    _http_log.info(
        "http_request",
        method=scope.get("method"),
        path=scope.get("path"),
        status=status,
        duration_ms=round(seconds * 1000, 2),
        client=(scope.get("client") or [None])[0],
        **fields,
    )


class _AccessLog:
    """One `http_request` line per request, written when the app is done with it.

    hypercorn's own access log cannot be trusted for this: on a connection the client
    closes as soon as it has the whole body (curl does), the close can arrive before the
    app's last (empty) body message, and hypercorn then reports the request twice, once
    without a status. Here the line comes once, with the status the response started
    with, and says when the response was cut short (the client left a watch stream).
    """

    def __init__(self, app: guard.AsgiApp) -> None:
        self._app = app

    async def __call__(self, scope: guard.Scope, receive: guard.Receive, send: guard.Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        scope[ACCESS_LOGGED_BY_APP] = True
        began = time.monotonic()
        status: int | None = None
        complete = False

        async def tracked_send(message: guard.Message) -> None:
            nonlocal status, complete
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body" and not message.get("more_body"):
                complete = True
            await send(message)

        try:
            await self._app(scope, receive, tracked_send)
        except Exception:
            if status is None:
                status = 500  # hypercorn answers it
            complete = True
            raise
        finally:
            _log_request(scope, status, time.monotonic() - began, complete=complete)


class _StructlogHypercornLogger(HypercornLogger):
    """hypercorn's access and error logs as structlog events, so stdout stays JSON."""

    def __init__(self, config: HypercornConfig) -> None:
        super().__init__(config)
        self._log = logs.get(actor="http")

    async def access(self, request: Any, response: Any, request_time: float) -> None:
        """Only requests that never reached mcp's app (answered by hypercorn itself):
        `_AccessLog` logs the others, once each."""
        if request.get(ACCESS_LOGGED_BY_APP) or response is None:
            return
        _log_request(request, response["status"], request_time)

    async def log(self, level: int, message: str, *args: Any, **kwargs: Any) -> None:
        text = message % args if args else message
        self._log.log(level, "http_server_message", message=text, exc_info=kwargs.get("exc_info"))

    async def critical(self, message: str, *args: Any, **kwargs: Any) -> None:
        await self.log(50, message, *args, **kwargs)

    async def error(self, message: str, *args: Any, **kwargs: Any) -> None:
        await self.log(40, message, *args, **kwargs)

    async def warning(self, message: str, *args: Any, **kwargs: Any) -> None:
        await self.log(30, message, *args, **kwargs)

    async def info(self, message: str, *args: Any, **kwargs: Any) -> None:
        await self.log(20, message, *args, **kwargs)

    async def debug(self, message: str, *args: Any, **kwargs: Any) -> None:
        await self.log(10, message, *args, **kwargs)

    async def exception(self, message: str, *args: Any, **kwargs: Any) -> None:
        error = sys.exc_info()[1]
        await self.log(40, message, *args, exc_info=True, **kwargs)
        if isinstance(error, BaseExceptionGroup):
            # hypercorn reports an app's failure as one group ("Error in ASGI Framework"):
            # each real failure in it gets a line of its own, with its own traceback.
            for leaf in _leaves(error):
                if not isinstance(leaf, trio.Cancelled):
                    self._log.error(
                        "http_app_exception", error_type=type(leaf).__name__, exc_info=leaf
                    )


def _leaves(group: BaseExceptionGroup[BaseException]) -> list[BaseException]:
    leaves: list[BaseException] = []
    for exc in group.exceptions:
        leaves.extend(_leaves(exc) if isinstance(exc, BaseExceptionGroup) else [exc])
    return leaves


async def _write_kubeconfig(config: Config) -> None:
    """`<data-dir>/kubeconfig` (mode 0600) for the configured address; not fatal if not."""
    path = config.data_dir / "kubeconfig"
    text = kubeconfig.render(kubeconfig.server_url(config.listen_host, config.listen_port))

    def write() -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(text)
        os.chmod(path, 0o600)  # an older file may have had wider permissions

    try:
        await trio.to_thread.run_sync(write)
    except OSError as exc:
        log.warning("kubeconfig_not_written", path=str(path), error=str(exc))
        return
    log.info("kubeconfig_written", path=str(path))


async def run(
    ctx: ApiContext,
    config: Config,
    shutdown: trio.Event,
    *,
    role: Callable[[], str] | None = None,
    task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED,
) -> None:
    """Serve the API until `shutdown` is set, then drain open requests and return.

    Reports started once the socket listens. `role` reads this process's part for /healthz.
    """
    hconfig = HypercornConfig()
    hconfig.bind = [config.listen]
    hconfig.logger_class = _StructlogHypercornLogger
    hconfig.accesslog = "-"  # any target: the logger class above decides where it goes
    # Requests waiting for the controller end early on shutdown (the cache closes);
    # leave the rest of the grace period to the controllers.
    hconfig.graceful_timeout = max(0.5, config.grace_period / 2)
    policy = guard.Policy.for_listener(
        config.listen_host,
        config.listen_port,
        extra_hosts=config.allowed_hosts,
        allowed_origins=config.allowed_origins,
    )
    app = create_app(
        ctx, bookmark_interval=config.bookmark_interval, guard_policy=policy, role=role
    )
    # Before the socket listens: a client that finds the API healthy finds the file too.
    await _write_kubeconfig(config)
    async with trio.open_nursery() as nursery:
        try:
            binds = await nursery.start(
                functools.partial(serve, app, hconfig, shutdown_trigger=shutdown.wait)
            )
        except* OSError as group:
            reason: BaseException = group
            while isinstance(reason, BaseExceptionGroup):  # hypercorn nests its nurseries
                reason = reason.exceptions[0]
            raise ListenFailed(f"cannot listen on {config.listen}: {reason}") from None
        log.info("api_listening", address=config.listen, binds=binds)
        task_status.started()
