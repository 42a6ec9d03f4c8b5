"""The seed API: the calls of the original Go program, kept for its users.

    POST   /containers/create          {"image", "cmd"?, "name"?, "state"?}
    POST   /containers/{ref}/start     desired state -> running
    POST   /containers/{ref}/stop      desired state -> stopped
    GET    /containers                 {"items": [...]}
    GET    /containers/{ref}
    DELETE /containers/{ref}           graceful: stop, remove, then forget

`{ref}` is an object name, uid, or Docker container id (full or a unique prefix of
at least 12 characters). These calls wait for Docker to match by default (30 s);
their objects are the v1 objects in the seed's flat shape (`cmd` is `spec.args`).
"""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

from quart import Blueprint, Response
from quart_schema import document_querystring, document_request, document_response

from mcp import logs, registry, validation
from mcp.api.common import (
    ApiContext,
    as_cached,
    gone,
    json_body,
    json_response,
    read_modify_write,
    request_deletion,
    settled,
    wait_seconds,
    wait_until,
)
from mcp.api.schemas import (
    READ_PROBLEMS,
    WRITE_PROBLEMS,
    Problem,
    SeedList,
    SeedObject,
    SeedQuery,
    container_json,
    problems,
)
from mcp.errors import Conflict, NotFound
from mcp.model import Container, DesiredState, Status, now_iso

log = logs.get(actor="api")

DEFAULT_WAIT_S = 30.0
MIN_ID_PREFIX = 12
HEX_RE = re.compile(r"^[0-9a-f]+$")


def view(obj: Container, status: Status | None) -> dict[str, Any]:
    """The object in the seed's flat shape (`SeedObject`), made from its v1 shape."""
    return _flat(container_json(obj, status), status)


def cached_view(ctx: ApiContext, obj: Container, status: Status | None) -> dict[str, Any]:
    """`view`, from the v1 JSON the renderer keeps for this stored version (a read)."""
    return _flat(json.loads(ctx.renderer.object_json(obj, status)), status)


def _flat(out: dict[str, Any], status: Status | None) -> dict[str, Any]:
    metadata, spec, shown = out["metadata"], out["spec"], out["status"]
    return {
        "name": metadata["name"],
        "uid": metadata["uid"],
        "image": spec["image"],
        "cmd": spec["args"] or [],
        "state": spec["state"],
        "container_id": shown["containerID"],
        "resource_version": metadata["resourceVersion"],
        "generation": metadata["generation"],
        "created_at": metadata["creationTimestamp"],
        "deletion_timestamp": metadata["deletionTimestamp"],
        "status": {
            "phase": shown["phase"],
            "container_id": shown["containerID"],
            "exit_code": shown["exitCode"],
            "reason": shown["reason"],
            "message": shown["message"],
            # The one field the v1 shape has not: when the controller last looked.
            "observed_at": (status.observed_at if status else "") or None,
            "observed_generation": shown["observedGeneration"],
        },
    }


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
    # A uid or Docker id: the watch cache says which name it is (no scan of etcd), then
    # one consistent read confirms it. An object the cache has not seen yet, or one it
    # names wrongly, falls through to a full list.
    named = _named_in_cache(ctx, ref)
    if named is not None:
        found = await registry.read(ctx.store, ctx.keys, named)
        if found is not None and _answers_to(ref, *found):
            return found
    items, _ = await registry.list_all(ctx.store, ctx.keys)
    # A uid (it has dashes) never looks like an id prefix (hex only): at most one kind.
    matches = [(obj, status) for obj, status in items if _answers_to(ref, obj, status)]
    if len(matches) == 1:
        return matches[0]
    if len(matches) > 1:
        names = ", ".join(obj.name for obj, _ in matches)
        raise Conflict(f"container id prefix {ref!r} is ambiguous: it matches {names}")
    raise NotFound(f"no container matches {ref!r} (by name, uid or Docker id)")


def _answers_to(ref: str, obj: Container, status: Status | None) -> bool:
    """`ref` is this object's uid, or a prefix (MIN_ID_PREFIX or longer, as `docker ps`
    shows) of its container's Docker id."""
    if obj.uid == ref:
        return True
    return bool(
        len(ref) >= MIN_ID_PREFIX
        and HEX_RE.match(ref)
        and status is not None
        and status.container_id
        and status.container_id.startswith(ref)
    )


def _named_in_cache(ctx: ApiContext, ref: str) -> str | None:
    """The one cached object `ref` answers to; None for none, or for more than one (the
    full list then decides, and says which names are ambiguous)."""
    matches = [
        name
        for name, obj in ctx.cache.objects.items()
        if _answers_to(ref, obj, ctx.cache.status(name))
    ]
    return matches[0] if len(matches) == 1 else None


async def _set_state(ctx: ApiContext, ref: str, state: DesiredState) -> Response:
    wait_s = wait_seconds(DEFAULT_WAIT_S)

    async def read() -> Container:
        return (await resolve(ctx, ref))[0]

    def with_state(obj: Container) -> Container:
        if obj.deleting:
            raise Conflict(f"container {obj.name!r} is being deleted")
        return obj.with_state(state)

    stored, _ = await read_modify_write(ctx, read, with_state, name=ref)
    log.info(
        "container_state_set", container=stored.name, state=state, revision=stored.resource_version
    )
    done = await wait_until(
        ctx, stored.resource_version, settled(ctx, stored.name, stored.uid), wait_s
    )
    return json_response(view(*as_cached(ctx, stored)), 200 if done else 202)


def blueprint(ctx: ApiContext) -> Blueprint:
    seed = Blueprint("seed", __name__)

    @seed.get("/containers")
    @problems(*READ_PROBLEMS)
    @document_response(SeedList, 200)
    async def list_containers() -> Response:
        items, revision = await registry.list_all(ctx.store, ctx.keys)
        shown = [cached_view(ctx, obj, status) for obj, status in items]
        body = {"items": shown, "revision": str(revision)}
        return json_response(body, 200)

    @seed.post("/containers/create")
    @problems(*WRITE_PROBLEMS)
    @document_request(validation.SeedCreateIn)
    @document_querystring(SeedQuery)
    @document_response(SeedObject, 201)
    @document_response(SeedObject, 202)
    @document_response(Problem, 409)
    @document_response(Problem, 422)
    async def create_container() -> Response:
        wait_s = wait_seconds(DEFAULT_WAIT_S)
        request_ = validation.seed_create(await json_body(), default_state="stopped")
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
        done = await wait_until(
            ctx, stored.resource_version, settled(ctx, stored.name, stored.uid), wait_s
        )
        return json_response(view(*as_cached(ctx, stored)), 201 if done else 202)

    @seed.get("/containers/<ref>")
    @problems(*READ_PROBLEMS)
    @document_response(SeedObject, 200)
    @document_response(Problem, 404)
    @document_response(Problem, 409)
    async def get_container(ref: str) -> Response:
        return json_response(cached_view(ctx, *await resolve(ctx, ref)), 200)

    @seed.post("/containers/<ref>/start")
    @problems(*WRITE_PROBLEMS)
    @document_querystring(SeedQuery)
    @document_response(SeedObject, 200)
    @document_response(SeedObject, 202)
    @document_response(Problem, 404)
    @document_response(Problem, 409)
    async def start_container(ref: str) -> Response:
        return await _set_state(ctx, ref, "running")

    @seed.post("/containers/<ref>/stop")
    @problems(*WRITE_PROBLEMS)
    @document_querystring(SeedQuery)
    @document_response(SeedObject, 200)
    @document_response(SeedObject, 202)
    @document_response(Problem, 404)
    @document_response(Problem, 409)
    async def stop_container(ref: str) -> Response:
        return await _set_state(ctx, ref, "stopped")

    @seed.delete("/containers/<ref>")
    @problems(*READ_PROBLEMS)
    @document_querystring(SeedQuery)
    @document_response(SeedObject, 200)
    @document_response(SeedObject, 202)
    @document_response(Problem, 404)
    @document_response(Problem, 409)
    async def delete_container(ref: str) -> Response:
        wait_s = wait_seconds(DEFAULT_WAIT_S)
        obj, _status = await resolve(ctx, ref)
        stored = await request_deletion(ctx, obj)
        if await wait_until(
            ctx, stored.resource_version, gone(ctx, stored.name, stored.uid), wait_s
        ):
            final = Status(
                uid=stored.uid,
                phase="Terminating",
                message="deleted: the Docker container is removed and the object is gone",
                observed_at=now_iso(),
            )
            return json_response(view(stored, final), 200)
        return json_response(view(*as_cached(ctx, stored)), 202)

    return seed
