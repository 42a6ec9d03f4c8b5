"""The HTTP API actor: quart-trio served by hypercorn.

The API writes desired state to etcd and reads it back; it never calls Docker. It
waits for the controller through the cache (`?wait=SECONDS`). Every error leaves as
RFC 7807 `application/problem+json`, mapped in one place (`_problem_for`); a 500 is
a bug and is logged with its traceback.

Routes kept from the original Go program (the "seed" API):

    POST   /containers/create          {"image", "cmd", "name"?, "state"?}
    POST   /containers/{ref}/start     desired state -> running
    POST   /containers/{ref}/stop      desired state -> stopped
    GET    /containers                 {"items": [...]}
    GET    /containers/{ref}
    DELETE /containers/{ref}           graceful: stop, remove, then forget

`{ref}` is an object name, uid, or Docker container id (full or a unique prefix of
at least 12 characters).
"""

from __future__ import annotations

import functools
import json
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from http import HTTPStatus
from typing import Any

import trio
from hypercorn.config import Config as HypercornConfig
from hypercorn.logging import Logger as HypercornLogger
from hypercorn.trio import serve
from quart import Response, request
from quart_trio import QuartTrio
from werkzeug.exceptions import HTTPException

from mcp import logs, plan, registry, validation
from mcp.cache import Cache
from mcp.config import Config
from mcp.errors import Conflict, Invalid, ListenFailed, NotFound, StoreUnavailable
from mcp.model import Container, DesiredState, Status, now_iso
from mcp.registry import Keys
from mcp.store import Store

log = logs.get(actor="api")

MAX_BODY_BYTES = 1024 * 1024
DEFAULT_WAIT_S = 30.0
MAX_WAIT_S = 300.0
MIN_ID_PREFIX = 12
CAS_ATTEMPTS = 20  # read-modify-write retries when another writer wins the race
HEX_RE = re.compile(r"^[0-9a-f]+$")


@dataclass(frozen=True)
class ApiContext:
    store: Store
    keys: Keys
    cache: Cache


class BadRequest(Exception):
    """A request the API cannot parse (malformed JSON, bad query parameter)."""


# --- the object as the seed API shows it --------------------------------------------------


def view(obj: Container, status: Status | None) -> dict[str, Any]:
    if status is None:
        status = Status(
            uid=obj.uid,
            phase="Terminating" if obj.deleting else "Pending",
            message="waiting for the controller",
        )
    return {
        "name": obj.name,
        "uid": obj.uid,
        "image": obj.spec.image,
        "cmd": list(obj.spec.cmd),
        "state": obj.spec.state,
        "container_id": status.container_id,
        "resource_version": str(obj.resource_version),
        "generation": obj.generation,
        "created_at": obj.created_at,
        "deletion_timestamp": obj.deletion_timestamp,
        "status": {
            "phase": "Terminating" if obj.deleting else status.phase,
            "container_id": status.container_id,
            "exit_code": status.exit_code,
            "message": status.message,
            "observed_at": status.observed_at or None,
            "observed_generation": status.observed_generation,
        },
    }


def _json(body: Any, status: int) -> Response:
    return Response(json.dumps(body), status=status, content_type="application/json")


def problem(status: int, detail: str, *, errors: list[tuple[str, str]] | None = None) -> Response:
    phrase = HTTPStatus(status).phrase
    body: dict[str, Any] = {
        "type": "urn:mcp:problem:" + phrase.lower().replace(" ", "-").replace("'", ""),
        "title": phrase,
        "status": status,
        "detail": detail,
    }
    if errors is not None:
        body["errors"] = [{"field": field, "message": message} for field, message in errors]
    return Response(json.dumps(body), status=status, content_type="application/problem+json")


def _problem_for(exc: BaseException) -> Response:
    """The one place where errors become HTTP answers."""
    match exc:
        case BadRequest():
            return problem(400, str(exc))
        case Invalid():
            return problem(422, "the request has invalid fields", errors=exc.errors)
        case NotFound():
            return problem(404, str(exc))
        case Conflict():
            return problem(409, str(exc))
        case StoreUnavailable():
            return problem(503, f"the store is unavailable, try again: {exc}")
        case HTTPException():
            code = exc.code or 500
            return problem(code, exc.description or HTTPStatus(code).phrase)
    log.error("api_internal_error", exc_info=exc)
    return problem(500, "internal error: this is a bug in mcp, please report it")


# --- request helpers ----------------------------------------------------------------------


async def _json_body() -> Any:
    raw = await request.get_data()
    try:
        return json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise BadRequest(f"the body is not valid JSON: {exc}") from exc


def _wait_seconds() -> float:
    raw = request.args.get("wait")
    if raw is None:
        return DEFAULT_WAIT_S
    try:
        seconds = float(raw)
    except ValueError:
        raise BadRequest(f"wait must be a number of seconds, got {raw!r}") from None
    if not 0 <= seconds <= MAX_WAIT_S:
        raise BadRequest(f"wait must be between 0 and {MAX_WAIT_S:g} seconds, got {raw!r}")
    return seconds


async def resolve(ctx: ApiContext, ref: str) -> tuple[Container, Status | None]:
    """Find the object `ref` names: by name, uid, or Docker container id (prefix).

    Raises:
        NotFound: nothing matches.
        Conflict: a Docker id prefix matches more than one object.
    """
    if validation.name_problem(ref) is None:
        found = await registry.read(ctx.store, ctx.keys, ref)
        if found is not None:
            return found
    items, _ = await registry.list_all(ctx.store, ctx.keys)
    for obj, status in items:
        if obj.uid == ref:
            return obj, status
    if len(ref) >= MIN_ID_PREFIX and HEX_RE.match(ref):
        matches = [
            (obj, status)
            for obj, status in items
            if status and status.container_id and status.container_id.startswith(ref)
        ]
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            names = ", ".join(obj.name for obj, _ in matches)
            raise Conflict(f"container id prefix {ref!r} is ambiguous: it matches {names}")
    raise NotFound(f"no container matches {ref!r} (by name, uid or Docker id)")


async def _wait_until(
    ctx: ApiContext, min_revision: int, done: Callable[[], bool], seconds: float
) -> bool:
    """Wait until the cache has seen `min_revision` and `done()` holds; False on timeout."""
    with trio.move_on_after(seconds):
        while True:
            if ctx.cache.revision >= min_revision and done():
                return True
            if ctx.cache.closed:
                return False
            await ctx.cache.wait_changed()
    return False


def _settled(ctx: ApiContext, name: str, uid: str) -> Callable[[], bool]:
    def done() -> bool:
        obj = ctx.cache.objects.get(name)
        return obj is not None and obj.uid == uid and plan.matches(obj, ctx.cache.status(name))

    return done


def _gone(ctx: ApiContext, name: str, uid: str) -> Callable[[], bool]:
    def done() -> bool:
        obj = ctx.cache.objects.get(name)
        return obj is None or obj.uid != uid

    return done


async def _current_view(ctx: ApiContext, obj: Container) -> dict[str, Any]:
    found = await registry.read(ctx.store, ctx.keys, obj.name)
    if found is None or found[0].uid != obj.uid:
        return view(obj, None)
    return view(*found)


async def _set_state(ctx: ApiContext, ref: str, state: DesiredState) -> Response:
    wait_s = _wait_seconds()
    for _ in range(CAS_ATTEMPTS):
        obj, _status = await resolve(ctx, ref)
        if obj.deleting:
            raise Conflict(f"container {obj.name!r} is being deleted")
        updated = obj.with_state(state)
        stored = obj if updated is obj else await registry.update(ctx.store, ctx.keys, updated)
        if stored is not None:
            break
    else:
        raise Conflict(f"container {ref!r} kept changing under this request; try again")
    log.info(
        "container_state_set", container=stored.name, state=state, revision=stored.resource_version
    )
    settled = await _wait_until(
        ctx, stored.resource_version, _settled(ctx, stored.name, stored.uid), wait_s
    )
    return _json(await _current_view(ctx, stored), 200 if settled else 202)


# --- the app ------------------------------------------------------------------------------


def create_app(ctx: ApiContext) -> QuartTrio:
    app = QuartTrio("mcp")
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES

    @app.errorhandler(Exception)
    async def on_error(exc: Exception) -> Response:
        return _problem_for(exc)

    @app.get("/healthz")
    async def healthz() -> Response:
        return _json({"status": "ok", "revision": ctx.cache.revision}, 200)

    @app.get("/containers")
    async def list_containers() -> Response:
        items, revision = await registry.list_all(ctx.store, ctx.keys)
        body = {"items": [view(obj, status) for obj, status in items], "revision": str(revision)}
        return _json(body, 200)

    @app.post("/containers/create")
    async def create_container() -> Response:
        wait_s = _wait_seconds()
        request_ = validation.seed_create(await _json_body(), default_state="stopped")
        obj = Container(
            name=request_.name or f"ctr-{uuid.uuid4().hex[:10]}",
            uid=str(uuid.uuid4()),
            spec=request_.spec,
            created_at=now_iso(),
        )
        stored = await registry.create(ctx.store, ctx.keys, obj)
        log.info(
            "container_created",
            container=stored.name,
            image=stored.spec.image,
            revision=stored.resource_version,
        )
        settled = await _wait_until(
            ctx, stored.resource_version, _settled(ctx, stored.name, stored.uid), wait_s
        )
        return _json(await _current_view(ctx, stored), 201 if settled else 202)

    @app.get("/containers/<ref>")
    async def get_container(ref: str) -> Response:
        return _json(view(*await resolve(ctx, ref)), 200)

    @app.post("/containers/<ref>/start")
    async def start_container(ref: str) -> Response:
        return await _set_state(ctx, ref, "running")

    @app.post("/containers/<ref>/stop")
    async def stop_container(ref: str) -> Response:
        return await _set_state(ctx, ref, "stopped")

    @app.delete("/containers/<ref>")
    async def delete_container(ref: str) -> Response:
        wait_s = _wait_seconds()
        for _ in range(CAS_ATTEMPTS):
            obj, _status = await resolve(ctx, ref)
            if obj.deleting:
                stored: Container | None = obj  # a second DELETE is harmless
                break
            stored = await registry.update(
                ctx.store, ctx.keys, replace(obj, deletion_timestamp=now_iso())
            )
            if stored is not None:
                log.info(
                    "container_deletion_requested",
                    container=obj.name,
                    revision=stored.resource_version,
                )
                break
        else:
            raise Conflict(f"container {ref!r} kept changing under this request; try again")
        assert stored is not None
        gone = await _wait_until(
            ctx, stored.resource_version, _gone(ctx, stored.name, stored.uid), wait_s
        )
        if gone:
            final = Status(
                uid=stored.uid,
                phase="Terminating",
                message="deleted: the Docker container is removed and the object is gone",
                observed_at=now_iso(),
            )
            return _json(view(stored, final), 200)
        return _json(await _current_view(ctx, stored), 202)

    return app


# --- serving ------------------------------------------------------------------------------


class _StructlogHypercornLogger(HypercornLogger):
    """hypercorn's access and error logs as structlog events, so stdout stays JSON."""

    def __init__(self, config: HypercornConfig) -> None:
        super().__init__(config)
        self._log = logs.get(actor="http")

    async def access(self, request: Any, response: Any, request_time: float) -> None:
        self._log.info(
            "http_request",
            method=request.get("method"),
            path=request.get("path"),
            status=response["status"] if response else None,
            duration_ms=round(request_time * 1000, 2),
            client=(request.get("client") or [None])[0],
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
        await self.log(40, message, *args, exc_info=True, **kwargs)


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
    app = create_app(ctx)
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
