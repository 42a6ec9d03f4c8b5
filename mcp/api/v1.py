"""The declarative API, `/api/v1/containers`, with Kubernetes' semantics.

- Create (409 if the name exists), get, list (with `labelSelector`; the list carries
  its `metadata.resourceVersion`), replace (PUT) and merge-patch (RFC 7396).
- Optimistic concurrency: a `metadata.resourceVersion` in a PUT or PATCH body must be
  current, else 409 and nothing changes (one etcd compare-and-swap transaction).
  Without one, the write applies to whatever is current.
- Graceful delete: sets `deletionTimestamp` and answers 202; the controller stops and
  removes the container, then the object disappears.
- `?wait=SECONDS`: answer when the controller has observed this generation and
  reached the desired phase (or the object is gone), else 202 when the wait runs out.
- `?dryRun=All`: validate and answer as if written; write nothing.
- `?fieldValidation=Strict|Warn|Ignore`: what a write does with fields a Container does
  not have, or that the body repeats (`mcp.apiserver.fieldvalidation`). Here the default
  is mcp's contract, refusing them (422, each named); under `/apis/mcp/v1`, where kubectl
  reaches the same calls, it is Warn and `Strict` is a 400, as kube-apiserver's, and the
  metadata is validated in apimachinery's words (`containers.metadata_problems`).
"""

from __future__ import annotations

import math
import uuid
from dataclasses import replace
from typing import Any

from quart import Blueprint, Response, request
from quart_schema import document_querystring, document_request, document_response

from mcp import events, logs, registry, rules, selectors, validation
from mcp.api import watching
from mcp.api.common import (
    ApiContext,
    as_cached,
    gone,
    json_body_noting_duplicates,
    json_response,
    read_modify_write,
    request_deletion,
    settled,
    wait_seconds,
    wait_until,
)
from mcp.api.problems import BadRequest, UnsupportedMediaType
from mcp.api.schemas import (
    READ_PROBLEMS,
    WRITE_PROBLEMS,
    ContainerList,
    ContainerOut,
    ContainerPatch,
    ContainerQuery,
    EventList,
    ListMeta,
    Problem,
    container_json,
    dump,
    problems,
)
from mcp.apiserver import fieldvalidation
from mcp.apiserver import status as kube_status
from mcp.errors import Conflict, Invalid, NotFound, Unreadable
from mcp.kinds import containers
from mcp.model import Container, ContainerIn, Status, now_iso

log = logs.get(actor="api")

PREFIX = "/api/v1/containers"
JSON = "application/json"
MERGE_PATCH = "application/merge-patch+json"


async def _require_content_type(*allowed: str) -> None:
    content_type = (request.mimetype or "").lower()
    if content_type not in allowed:
        # Read the body first: answering before it is read would leave its bytes on a
        # keep-alive connection, where they would be taken for the next request.
        await request.get_data()
        raise UnsupportedMediaType(
            f"content type {content_type or '(none)'!r} is not accepted here; "
            f"send {' or '.join(allowed)}"
        )


def _dry_run() -> bool:
    raw = request.args.get("dryRun")
    if raw is None:
        return False
    if raw != "All":
        raise BadRequest(f"dryRun must be 'All', got {raw!r}")
    return True


def _seen_version(raw: Any, *, field: str = "metadata.resourceVersion") -> int | None:
    """A client's resourceVersion, or None when it sent none."""
    if raw is None or raw == "":
        return None
    if not isinstance(raw, str) or not rules.is_whole_number(raw):
        raise Invalid([(field, "must be a resourceVersion this API gave")])
    return int(raw)


def _flag(name: str) -> bool:
    raw = request.args.get(name)
    if raw is None or raw.lower() in ("false", "0"):
        return False
    if raw.lower() in ("true", "1", ""):
        return True
    raise BadRequest(f"{name} must be true or false, got {raw!r}")


def _field_validation() -> str:
    """The request's `fieldValidation`: by default Warn on the Kubernetes path (as the
    generic path, and kube-apiserver), Strict on mcp's own (its contract).

    Raises:
        BadRequest: a value that is not Strict, Warn or Ignore.
    """
    default = fieldvalidation.WARN if _kubernetes() else fieldvalidation.STRICT
    try:
        return fieldvalidation.mode(request.args.get("fieldValidation"), default=default)
    except ValueError as exc:
        raise BadRequest(str(exc)) from None


def _kubernetes() -> bool:
    """Whether the call came under `/apis/mcp/v1` (kubectl's way in) rather than mcp's own."""
    return kube_status.is_kubernetes_path(request.path)


def _decode(body: Any, duplicates: list[str], mode: str) -> tuple[ContainerIn, list[str]]:
    """A Container body as `fieldValidation=mode` decodes it, and the warnings to send.

    `duplicates` are the keys the request's JSON repeats (`json_body_noting_duplicates`).

    Raises:
        BadRequest: Strict, on the Kubernetes path, and an unknown or repeated field.
        KubeError: on the Kubernetes path, metadata apimachinery refuses (422).
        Invalid: anything else wrong (under mcp's Strict, unknown and repeated fields too).
    """
    kubernetes = _kubernetes()
    if mode == fieldvalidation.STRICT and not kubernetes:
        return _decode_strictly(body, duplicates), []
    errors = []
    if mode != fieldvalidation.IGNORE:
        unknown = validation.unknown_fields(body)
        errors = fieldvalidation.strict_errors(duplicates=duplicates, unknown=unknown)
    if kubernetes:
        if mode == fieldvalidation.STRICT and errors:
            raise BadRequest(fieldvalidation.refusal(errors))
        if problems := containers.metadata_problems(body):
            name = body["metadata"].get("name")
            shown = name if isinstance(name, str) else ""
            raise kube_status.invalid(containers.CONTAINER, shown, problems)
    warnings = errors if mode == fieldvalidation.WARN else []
    return validation.container(body, drop_unknown=True), warnings


def _decode_strictly(body: Any, duplicates: list[str]) -> ContainerIn:
    """mcp's own Strict: unknown and repeated fields are problems like the others, all
    in one 422."""
    repeated = [(path, "duplicate field") for path in duplicates]
    try:
        decoded = validation.container(body)
    except Invalid as exc:
        raise Invalid([*repeated, *exc.errors]) from None
    if repeated:
        raise Invalid(repeated)
    return decoded


def _warned(response: Response, warnings: list[str]) -> Response:
    """`response` with a `Warning` header per warning, as kube-apiserver sends them."""
    for warning in warnings:
        response.headers.add("Warning", fieldvalidation.warning(warning))
    return response


def _input_form(obj: Container) -> dict[str, Any]:
    """The object as a client would send it back: what a merge patch applies to."""
    return {
        "apiVersion": "mcp/v1",
        "kind": "Container",
        "metadata": {
            "name": obj.name,
            "uid": obj.uid,
            "labels": dict(obj.labels),
            "annotations": dict(obj.annotations),
        },
        "spec": obj.spec.model_dump(mode="json", by_alias=True, exclude_none=True),
    }


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7396 JSON merge patch: objects merge recursively, null deletes, the rest replaces."""
    if not isinstance(patch, dict):
        return patch
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def _env_as_map_if_patched_so(form: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    """`form` with `spec.env` in map form when the patch gives `env` as a map.

    `env` is stored as a list, which RFC 7396 replaces whole; a user who writes the map
    form (`{"env": {"B": "3"}}`, as the README shows) means "set B", not "drop the rest".
    As a map, the merge sets the named variables, `null` removes one, and the others
    stay in their order; a patch that gives a list still replaces the list.
    """
    spec_patch = patch.get("spec")
    if not (isinstance(spec_patch, dict) and isinstance(spec_patch.get("env"), dict)):
        return form
    spec = dict(form["spec"])
    spec["env"] = {var["name"]: var.get("value", "") for var in spec.get("env", [])}
    return {**form, "spec": spec}


async def _read(ctx: ApiContext, name: str) -> tuple[Container, Status | None]:
    found = await registry.read(ctx.store, ctx.keys, name)
    if found is None:
        raise NotFound(f"container {name!r} not found")
    return found


async def _read_object(ctx: ApiContext, name: str) -> Container:
    """The object `name` without its status: what a write starts from."""
    found = await registry.read_object(ctx.store, ctx.keys, name)
    if found is None:
        raise NotFound(f"container {name!r} not found")
    return found


async def _discard_unreadable(ctx: ApiContext, name: str, exc: Unreadable) -> Response:
    """DELETE of an object nobody can read: remove it at once, answer a Status (as
    Kubernetes does for a deletion that leaves no object behind)."""
    if not await registry.discard_unreadable(ctx.store, ctx.keys, name, exc.mod_revision):
        raise Conflict(f"container {name!r} changed while being removed: try again")
    log.warning("unreadable_object_removed", container=name, revision=exc.mod_revision)
    body = {
        "apiVersion": "mcp/v1",
        "kind": "Status",
        "status": "Success",
        "message": f"removed container {name!r}, whose stored value could not be read",
        "details": {"name": name},
    }
    return json_response(body, 200)


async def _answer_write(
    ctx: ApiContext, stored: Container, *, wait_s: float, status_done: int
) -> Response:
    """The written object; with a wait, once the controller settles (else 202)."""
    if wait_s > 0:
        done = await wait_until(
            ctx, stored.resource_version, settled(ctx, stored.name, stored.uid), wait_s
        )
        return json_response(container_json(*as_cached(ctx, stored)), status_done if done else 202)
    status = ctx.cache.status(stored.name) if stored.generation > 1 else None
    return json_response(container_json(stored, status), status_done)


async def _replace(
    ctx: ApiContext, name: str, build: Any, seen_version: int | None, *, dry_run: bool
) -> Container:
    """Read-modify-write `name` with `build(current) -> new`, under compare-and-swap.

    With `seen_version`, one attempt: a conflict is the client's (409). Without, the
    write retries against whatever is current, as Kubernetes' unconditional update.
    """
    stored, written = await read_modify_write(
        ctx,
        lambda: _read_object(ctx, name),
        build,
        name=name,
        seen_version=seen_version,
        dry_run=dry_run,
    )
    if written:
        log.info(
            "container_updated",
            container=name,
            generation=stored.generation,
            revision=stored.resource_version,
        )
    return stored


async def _update_and_answer(
    ctx: ApiContext, name: str, build: Any, seen_version: int | None
) -> Response:
    """The common end of PUT and PATCH: write (unless a dry run), then answer."""
    wait_s, dry_run = wait_seconds(0.0), _dry_run()
    stored = await _replace(ctx, name, build, seen_version, dry_run=dry_run)
    if dry_run:
        return json_response(container_json(stored, ctx.cache.status(name)), 200)
    return await _answer_write(ctx, stored, wait_s=wait_s, status_done=200)


def _updated(current: Container, body: ContainerIn) -> Container:
    if body.metadata.name != current.name:
        raise Invalid([("metadata.name", f"must be {current.name!r}, the name in the path")])
    if body.metadata.uid not in (None, current.uid):
        raise Conflict(
            f"uid {body.metadata.uid!r} does not match container {current.name!r} "
            f"(uid {current.uid!r}): it was deleted and created again"
        )
    return replace(
        current.with_spec(body.spec),
        labels=dict(body.metadata.labels),
        annotations=dict(body.metadata.annotations),
    )


def _object_name() -> str | None:
    """The name a list or watch asks for with `fieldSelector=metadata.name=NAME` (as
    kubectl's `delete` and `wait` do); None without a field selector."""
    raw = request.args.get("fieldSelector")
    if not raw:
        return None
    field, sep, value = raw.replace("==", "=").partition("=")
    if not sep or field.strip() != "metadata.name" or not value.strip() or "," in value:
        raise BadRequest(f"fieldSelector {raw!r} is not supported: use metadata.name=NAME")
    return value.strip()


def _timeout_s() -> float:
    raw = request.args.get("timeoutSeconds")
    if raw is None or raw == "0":
        return math.inf
    if not rules.is_whole_number(raw):
        raise BadRequest(f"timeoutSeconds must be a whole number of seconds, got {raw!r}")
    return float(raw)


async def _events(ctx: ApiContext, name: str) -> Response:
    """Container `name`'s core/v1 Events, as stored (a user may have written some too:
    they are shown as they are, not through mcp's schema)."""
    items, revision = await events.list_events(ctx.store, ctx.keys, name)
    listing = {
        "apiVersion": "v1",
        "kind": "EventList",
        "metadata": {"resourceVersion": str(revision)},
        "items": items,
    }
    return json_response(listing, 200)


def blueprint(
    ctx: ApiContext, *, bookmark_interval: float = watching.BOOKMARK_INTERVAL_S
) -> Blueprint:
    v1 = Blueprint("v1", __name__)

    @v1.post(PREFIX)
    @problems(*WRITE_PROBLEMS)
    @document_request(ContainerIn)
    @document_querystring(ContainerQuery)
    @document_response(ContainerOut, 201)
    @document_response(ContainerOut, 202)
    @document_response(Problem, 409)
    @document_response(Problem, 422)
    async def create() -> Response:
        await _require_content_type(JSON)
        wait_s, dry_run, mode = wait_seconds(0.0), _dry_run(), _field_validation()
        body, warnings = _decode(*await json_body_noting_duplicates(), mode)
        obj = Container(
            name=body.metadata.name,
            uid=str(uuid.uuid4()),
            spec=body.spec,
            labels=dict(body.metadata.labels),
            annotations=dict(body.metadata.annotations),
            created_at=now_iso(),
        )
        if dry_run:
            if await registry.read(ctx.store, ctx.keys, obj.name) is not None:
                raise Conflict(f"a container named {obj.name!r} already exists")
            return _warned(json_response(container_json(obj, None), 201), warnings)
        stored = await registry.create(ctx.store, ctx.keys, obj)
        log.info(
            "container_created",
            container=stored.name,
            image=stored.spec.image,
            revision=stored.resource_version,
        )
        answer = await _answer_write(ctx, stored, wait_s=wait_s, status_done=201)
        return _warned(answer, warnings)

    @v1.get(PREFIX)
    @problems(*READ_PROBLEMS)
    @document_querystring(ContainerQuery)
    @document_response(ContainerList, 200)
    @document_response(Problem, 410)
    async def list_or_watch() -> Response:
        wait_seconds(0.0)  # a list does not wait, but a `wait` it is given must be one
        selector = selectors.parse(request.args.get("labelSelector", ""))
        name = _object_name()
        if _flag("watch"):
            if "sendInitialEvents" in request.args:
                # A 4xx makes client-go fall back to list, then watch.
                raise BadRequest("sendInitialEvents is not supported: list, then watch")
            since = _seen_version(request.args.get("resourceVersion"), field="resourceVersion")
            prepared = await watching.prepare(
                ctx, selector, since, name=name, timeout_s=_timeout_s()
            )
            response = Response(
                watching.stream(ctx, prepared, bookmark_interval=bookmark_interval),
                status=200,
                content_type="application/x-ndjson",
            )
            response.timeout = None  # else quart ends the stream after RESPONSE_TIMEOUT
            return response
        items, revision = await registry.list_all(ctx.store, ctx.keys)
        envelope = dump(ContainerList(metadata=ListMeta(resource_version=str(revision)), items=[]))
        del envelope["items"]  # rendered from the renderer's remembered JSON instead
        shown = [
            (obj, status)
            for obj, status in items
            if selector.matches(obj.labels) and name in (None, obj.name)
        ]
        return Response(
            ctx.renderer.list_json(envelope, shown), 200, content_type="application/json"
        )

    @v1.get(f"{PREFIX}/<name>")
    @problems(*READ_PROBLEMS)
    @document_response(ContainerOut, 200)
    @document_response(Problem, 404)
    async def get(name: str) -> Response:
        text = ctx.renderer.object_json(*await _read(ctx, name))
        return Response(text, 200, content_type="application/json")

    @v1.put(f"{PREFIX}/<name>")
    @problems(*WRITE_PROBLEMS)
    @document_request(ContainerIn)
    @document_querystring(ContainerQuery)
    @document_response(ContainerOut, 200)
    @document_response(Problem, 404)
    @document_response(Problem, 409)
    async def put(name: str) -> Response:
        await _require_content_type(JSON)
        body, warnings = _decode(*await json_body_noting_duplicates(), _field_validation())
        answer = await _update_and_answer(
            ctx,
            name,
            lambda current: _updated(current, body),
            _seen_version(body.metadata.resource_version),
        )
        return _warned(answer, warnings)

    @v1.patch(f"{PREFIX}/<name>")
    @problems(*WRITE_PROBLEMS)
    @document_request(ContainerPatch)
    @document_querystring(ContainerQuery)
    @document_response(ContainerOut, 200)
    @document_response(Problem, 404)
    @document_response(Problem, 409)
    @document_response(Problem, 415)
    async def patch(name: str) -> Response:
        await _require_content_type(MERGE_PATCH)
        mode = _field_validation()
        patch_body, duplicates = await json_body_noting_duplicates()
        if not isinstance(patch_body, dict):
            raise Invalid([("body", "a merge patch must be a JSON object")])
        warnings: list[str] = []

        def build(current: Container) -> Container:
            nonlocal warnings
            target = _env_as_map_if_patched_so(_input_form(current), patch_body)
            # The patched object has only the patch's unknown fields (the stored one has
            # none), and the patch's repeated keys.
            body, warnings = _decode(merge_patch(target, patch_body), duplicates, mode)
            return _updated(current, body)

        # The patch's own resourceVersion, if any, makes the write conditional.
        metadata = patch_body.get("metadata")
        seen_version = _seen_version(
            metadata.get("resourceVersion") if isinstance(metadata, dict) else None
        )
        return _warned(await _update_and_answer(ctx, name, build, seen_version), warnings)

    @v1.get(f"{PREFIX}/<name>/events")
    @problems(*READ_PROBLEMS)
    @document_response(EventList, 200)
    async def container_events(name: str) -> Response:
        # Events outlive their object (until they expire), as in Kubernetes. The same
        # Events as `/api/v1/namespaces/default/events`, for this container only.
        return await _events(ctx, name)

    @v1.delete(f"{PREFIX}/<name>")
    @problems(*READ_PROBLEMS)
    @document_querystring(ContainerQuery)
    @document_response(ContainerOut, 202)
    @document_response(Problem, 404)
    async def delete(name: str) -> Response:
        wait_s = wait_seconds(0.0)
        try:
            current = await _read_object(ctx, name)
        except Unreadable as exc:
            return await _discard_unreadable(ctx, name, exc)
        stored = await request_deletion(ctx, current)
        if wait_s > 0 and await wait_until(
            ctx, stored.resource_version, gone(ctx, stored.name, stored.uid), wait_s
        ):
            return json_response(container_json(stored, None), 200)
        return json_response(container_json(stored, ctx.cache.status(name)), 202)

    return v1
