"""The HTTP API actor: quart-trio served by hypercorn.

The API writes desired state to etcd and reads it back; it never calls Docker. The
routes live in `mcp.api` (`seed` for the original program's calls, `v1` for the
declarative API); this module builds the app, maps every error through
`mcp.api.problems`, serves `/openapi.json` (quart-schema, from the same pydantic
models that validate requests), and routes hypercorn's logs through structlog.
"""

from __future__ import annotations

import functools
import sys
from typing import Any

import trio
from hypercorn.config import Config as HypercornConfig
from hypercorn.logging import Logger as HypercornLogger
from hypercorn.trio import serve
from quart import Response
from quart_schema import Info, QuartSchema, hide
from quart_trio import QuartTrio

from mcp import __version__, logs
from mcp.api import guard, seed, v1
from mcp.api.common import ApiContext, json_response
from mcp.api.openapi import McpOpenAPIProvider
from mcp.api.problems import problem_for
from mcp.config import Config
from mcp.errors import ListenFailed

log = logs.get(actor="api")

MAX_BODY_BYTES = 1024 * 1024

__all__ = ["ApiContext", "create_app", "run"]


def create_app(
    ctx: ApiContext,
    *,
    bookmark_interval: float = 10.0,
    guard_policy: guard.Policy | None = None,
) -> QuartTrio:
    """The API app; every request passes `guard` (Host, Origin, body type) first.

    Args:
        guard_policy: whom to answer; default: loopback and localhost on port 8080.
    """
    app = QuartTrio("mcp")
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
        return problem_for(exc)

    @app.get("/healthz")
    @hide
    async def healthz() -> Response:
        return json_response({"status": "ok", "revision": ctx.cache.revision}, 200)

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
        return Response(
            ctx.metrics.render(gauges), 200, content_type="text/plain; version=0.0.4; charset=utf-8"
        )

    app.register_blueprint(seed.blueprint(ctx))
    app.register_blueprint(v1.blueprint(ctx, bookmark_interval=bookmark_interval))
    policy = guard_policy or guard.Policy.for_listener("127.0.0.1", 8080)
    # Quart's documented way to add ASGI middleware; mypy sees a method replaced.
    guarded = _ResponseTracker(guard.Guard(app.asgi_app, policy))
    app.asgi_app = guarded  # type: ignore[method-assign,assignment]
    return app


# Keys mcp adds to a request's ASGI scope (the dict hypercorn also hands its access log).
RESPONSE_STATUS = "mcp.response_status"
RESPONSE_SENT = "mcp.response_sent"
ACCESS_LOGGED = "mcp.access_logged"


class _ResponseTracker:
    """Notes in the scope the status a response started with and when its last byte went
    out, for the access log (see `_StructlogHypercornLogger.access`)."""

    def __init__(self, app: guard.AsgiApp) -> None:
        self._app = app

    async def __call__(self, scope: guard.Scope, receive: guard.Receive, send: guard.Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return

        async def tracked_send(message: guard.Message) -> None:
            if message["type"] == "http.response.start":
                scope[RESPONSE_STATUS] = message["status"]
            elif message["type"] == "http.response.body" and not message.get("more_body"):
                scope[RESPONSE_SENT] = True  # before sending: hypercorn logs while it sends
            await send(message)

        await self._app(scope, receive, tracked_send)


class _StructlogHypercornLogger(HypercornLogger):
    """hypercorn's access and error logs as structlog events, so stdout stays JSON."""

    def __init__(self, config: HypercornConfig) -> None:
        super().__init__(config)
        self._log = logs.get(actor="http")

    async def access(self, request: Any, response: Any, request_time: float) -> None:
        """One line per request.

        hypercorn calls this with no response when the stream closes before it marked
        the response done, which happens on every connection that closes after its
        response (the close arrives while the last byte is being sent), and then again
        with the response. Only a request whose response was never fully sent (the
        client went away) is logged from the first call.
        """
        if request.get(ACCESS_LOGGED):
            return
        if response is None and request.get(RESPONSE_SENT):
            return  # the call with the response follows
        request[ACCESS_LOGGED] = True
        fields: dict[str, Any] = {}
        if response is None:
            fields["client_disconnected"] = True
        self._log.info(
            "http_request",
            method=request.get("method"),
            path=request.get("path"),
            status=response["status"] if response else request.get(RESPONSE_STATUS),
            duration_ms=round(request_time * 1000, 2),
            client=(request.get("client") or [None])[0],
            **fields,
        )

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


async def run(
    ctx: ApiContext,
    config: Config,
    shutdown: trio.Event,
    *,
    task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED,
) -> None:
    """Serve the API until `shutdown` is set, then drain open requests and return.

    Reports started once the socket listens.
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
    app = create_app(ctx, bookmark_interval=config.bookmark_interval, guard_policy=policy)
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
