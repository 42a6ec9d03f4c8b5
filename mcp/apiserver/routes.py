"""The Kubernetes routes: discovery, OpenAPI, and one set of paths for every served kind
(Namespaces read-only so far; the kinds of the generic storage path, `storage.STRATEGIES`,
read-write).

Reads and watches are served from the watch cache (`reads`, `watch`), and every write
waits until the cache holds it, so a client reads what it wrote.
The routes are left out of mcp's own `/openapi.json` (`hide`): that document describes
mcp's API; the Kubernetes paths get their OpenAPI v3 documents at `/openapi/v3`.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

from quart import Blueprint, Response, request
from quart_schema import hide

from mcp import logs
from mcp.api.common import ApiContext
from mcp.apiserver import bodies, discovery, openapi, reads, storage, tables, watch
from mcp.apiserver.status import KubeError
from mcp.kinds import Kind, core

log = logs.get(actor="api")

KINDS = core.KINDS


FIELD_VALIDATIONS = ("Strict", "Warn", "Ignore")
# Query parameters each verb understands; any other is refused, never silently ignored
# (a client that asked to watch must not get a plain list).
LIST_PARAMS = frozenset(
    {
        "labelSelector",
        "fieldSelector",
        "limit",
        "continue",
        "resourceVersion",
        "resourceVersionMatch",
        "timeout",
        "timeoutSeconds",
        "watch",
        "pretty",
        "includeObject",  # for a Table: None, Metadata (the default) or Object
    }
)
WATCH_PARAMS = LIST_PARAMS | {"allowWatchBookmarks", "sendInitialEvents"}
WRITE_PARAMS = frozenset({"dryRun", "fieldValidation", "fieldManager", "pretty", "timeout"})


def _json(body: Any, status: int = 200, warnings: list[str] | None = None) -> Response:
    response = Response(json.dumps(body), status, content_type="application/json")
    for warning in warnings or []:
        quoted = warning.replace("\\", "\\\\").replace('"', '\\"')
        response.headers.add("Warning", f'299 - "{quoted}"')  # RFC 7234's warn-text
    return response


def _output() -> tables.Output:
    """The form a read's Accept header and `includeObject` ask for (`tables`)."""
    return tables.negotiate(request.headers.get("Accept"), request.args.get("includeObject"))


def _read_answer(kind: Kind, obj: dict[str, Any]) -> Response:
    """A read's answer in the form its Accept header asks for: the object or list as it
    is, or a Table of it (`kubectl get`), or its PartialObjectMetadata (`tables`)."""
    return _json(tables.transform(_output(), kind, obj))


def _watch_render(kind: Kind, output: tables.Output) -> watch.Render:
    """How a stream writes its events' objects: as they are, or as Tables whose column
    definitions come in the first event only."""
    first = True

    def render(event_type: str, obj: dict[str, Any]) -> bytes:
        nonlocal first
        if output.conversion is None:
            return watch.line(event_type, obj)
        if event_type == "BOOKMARK":
            # A bookmark carries only its resourceVersion, in the asked-for form.
            bookmark = {**tables.transform(output, kind, _empty_list(kind, obj))}
            bookmark.pop("rows", None)
            return watch.line(event_type, bookmark)
        shown = tables.watch_object(output, kind, obj, first=first)
        first = False
        return watch.line(event_type, shown)

    return render


def _empty_list(kind: Kind, bookmark: dict[str, Any]) -> dict[str, Any]:
    return storage.list_of(kind, [], dict(bookmark["metadata"]))


def _refuse_unknown_params(allowed: frozenset[str]) -> None:
    unknown = sorted(set(request.args) - allowed)
    if unknown:
        raise KubeError(400, f"unknown query parameters: {', '.join(unknown)}")


def _write_options() -> tuple[str, bool]:
    """`fieldValidation` (default Warn, as kube-apiserver) and whether `dryRun=All`."""
    _refuse_unknown_params(WRITE_PARAMS)
    validation = request.args.get("fieldValidation", "Warn")
    if validation not in FIELD_VALIDATIONS:
        raise KubeError(400, f"fieldValidation must be one of {', '.join(FIELD_VALIDATIONS)}")
    dry_run = request.args.getlist("dryRun")
    if any(value != "All" for value in dry_run):
        raise KubeError(400, "dryRun may only be All")
    return validation, bool(dry_run)


def _limit() -> int | None:
    raw = request.args.get("limit")
    if raw is None or raw == "0":
        return None
    if not raw.isdigit():
        raise KubeError(400, f"limit must be a whole number, got {raw!r}")
    return int(raw)


def _served(group: str, version: str) -> str:
    """`group/version` when some kind is served there; else a 404."""
    group_version = f"{group}/{version}"
    if group_version not in discovery.served_group_versions(KINDS):
        raise KubeError(404, "the server could not find the requested resource")
    return group_version


def _kind(group: str, version: str, resource: str, verb: str) -> Kind:
    """The served kind at `group/version/resource`, if it serves `verb`.

    Raises:
        KubeError: 404 for no such resource, 405 for a verb the kind does not serve.
    """
    for kind in KINDS:
        if (kind.group, kind.version, kind.resource) == (group, version, resource):
            if verb not in kind.verbs:
                raise KubeError(
                    405, f"{verb} is not supported on resources of kind {kind.resource!r}"
                )
            return kind
    raise KubeError(404, "the server could not find the requested resource")


def _strategy(kind: Kind) -> storage.Strategy:
    strategy = storage.STRATEGIES.get(kind.resource)
    if strategy is None:
        raise KubeError(405, f"writes are not supported on {kind.resource} yet")
    return strategy


def _scope(kind: Kind, namespace: str | None) -> str | None:
    """The namespace a request addresses, checked against the kind's scope."""
    if namespace is not None and not kind.namespaced:
        raise KubeError(404, "the server could not find the requested resource")
    return namespace


def blueprint(
    ctx: ApiContext, *, bookmark_interval: float = watch.BOOKMARK_INTERVAL_S
) -> Blueprint:
    """The Kubernetes API: discovery, OpenAPI, and every served kind's paths, written once
    for the core group (`/api/v1`) and the named groups (`/apis/<group>/<version>`)."""
    store, keys, cache = ctx.store, ctx.keys, ctx.cache
    routes = Blueprint("kubernetes", __name__)

    @routes.get("/api")
    @hide
    async def api() -> Response:
        return _json(discovery.api_versions(request.host))

    @routes.get("/api/v1")
    @hide
    async def core_resources() -> Response:
        return _json(discovery.resource_list("v1", KINDS))

    @routes.get("/apis")
    @hide
    async def groups() -> Response:
        return _json(discovery.group_list(KINDS))

    @routes.get("/apis/<group>/<version>")
    @hide
    async def group_resources(group: str, version: str) -> Response:
        return _json(discovery.resource_list(_served(group, version), KINDS))

    @routes.get("/openapi/v3")
    @hide
    async def openapi_root() -> Response:
        return _json(openapi.root_document(KINDS))

    @routes.get("/openapi/v3/api/v1")
    @hide
    async def openapi_core() -> Response:
        return _json(openapi.group_version_document("v1", KINDS))

    @routes.get("/openapi/v3/apis/<group>/<version>")
    @hide
    async def openapi_group(group: str, version: str) -> Response:
        return _json(openapi.group_version_document(_served(group, version), KINDS))

    async def visible(obj: dict[str, Any]) -> None:
        """Wait until the cache holds a write, so the client (and everyone) reads it next."""
        revision = int(obj["metadata"]["resourceVersion"])
        if not await reads.caught_up(cache, revision, reads.WRITE_VISIBLE_WAIT_S):
            log.warning("write_not_yet_in_cache", revision=revision, cache_revision=cache.revision)

    async def list_or_watch(kind: Kind, namespace: str | None) -> Response:
        args = request.args
        if watch.is_watch(args.get("watch")):
            _refuse_unknown_params(WATCH_PARAMS)
            selected = storage.selection(kind, args.get("labelSelector"), args.get("fieldSelector"))
            wanted = watch.parse(kind, namespace, selected, dict(args.items()))
            output = _output()
            tables.include_object(output.include_object)
            if not await watch.check_history(store, keys, cache, wanted):
                lines: Any = _one(watch.expired(f"too old resource version: {wanted.since}"))
            else:
                lines = watch.stream(
                    cache, wanted, _watch_render(kind, output), bookmark_interval=bookmark_interval
                )
            response = Response(lines, 200, content_type="application/json")
            response.timeout = None  # else quart ends the stream after RESPONSE_TIMEOUT
            return response
        _refuse_unknown_params(LIST_PARAMS)
        listed = await reads.list_objects(
            store,
            keys,
            cache,
            kind,
            namespace,
            label_selector=args.get("labelSelector"),
            field_selector_text=args.get("fieldSelector"),
            limit=_limit(),
            continue_token=args.get("continue"),
            raw_version=args.get("resourceVersion"),
            match=args.get("resourceVersionMatch"),
        )
        if isinstance(listed, reads.CachedList) and _output().conversion is None:
            return Response(listed.raw(), 200, content_type="application/json")
        return _read_answer(kind, listed)

    async def create(kind: Kind, namespace: str | None) -> Response:
        validation, dry_run = _write_options()
        obj, warnings = await storage.create_object(
            store,
            keys,
            _strategy(kind),
            namespace or "",
            await bodies.read(),
            field_validation=validation,
            dry_run=dry_run,
        )
        if not dry_run:
            await visible(obj)
        return _json(obj, 201, warnings)

    async def collection(
        group: str, version: str, resource: str, namespace: str | None
    ) -> Response:
        verb = {"GET": "list", "POST": "create", "DELETE": "deletecollection"}[request.method]
        kind = _kind(group, version, resource, verb)
        namespace = _scope(kind, namespace)
        if request.method == "POST":
            if kind.namespaced and namespace is None:
                raise KubeError(
                    405,
                    f"{kind.resource} are created in a namespace: "
                    f"POST to namespaces/<namespace>/{kind.resource}",
                )
            return await create(kind, namespace)
        if request.method == "DELETE":
            raise KubeError(405, f"deletecollection is not supported on {kind.resource} yet")
        return await list_or_watch(kind, namespace)

    async def item(
        group: str, version: str, resource: str, namespace: str | None, name: str
    ) -> Response:
        verb = {"GET": "get", "PUT": "update", "PATCH": "patch", "DELETE": "delete"}[request.method]
        kind = _kind(group, version, resource, verb)
        namespace = _scope(kind, namespace)
        if kind.namespaced and namespace is None:
            raise KubeError(404, "the server could not find the requested resource")
        if verb == "get":
            _refuse_unknown_params(frozenset({"resourceVersion", "pretty", "includeObject"}))
            output = _output()
            stored = await reads.get(
                cache, kind, namespace, name, request.args.get("resourceVersion")
            )
            if output.conversion is None:
                return Response(stored.raw, 200, content_type="application/json")
            return _json(tables.transform(output, kind, stored.obj))
        if verb == "delete":
            _, dry_run = _write_options()
            await request.get_data()  # DeleteOptions: nothing in them changes these kinds' fate
            deleted, revision = await storage.delete_object(
                store, keys, kind, namespace or "", name, dry_run=dry_run
            )
            if not dry_run:
                await visible({"metadata": {"resourceVersion": str(revision)}})
            return _json(deleted)
        strategy = _strategy(kind)
        validation, dry_run = _write_options()
        body = await bodies.read()
        if verb == "update":
            obj, warnings = await storage.update_object(
                store,
                keys,
                strategy,
                namespace or "",
                name,
                body,
                field_validation=validation,
                dry_run=dry_run,
            )
        else:
            content_type = (request.mimetype or "").lower()
            obj, warnings = await storage.patch_object(
                store,
                keys,
                strategy,
                namespace or "",
                name,
                content_type,
                body,
                field_validation=validation,
                dry_run=dry_run,
            )
        if not dry_run:
            await visible(obj)
        return _json(obj, 200, warnings)

    collection_methods = ["GET", "POST", "DELETE"]
    item_methods = ["GET", "PUT", "PATCH", "DELETE"]
    core_group: dict[str, Any] = {"group": "", "version": "v1"}
    for prefix, group in (("/api/v1", core_group), ("/apis/<group>/<version>", {})):
        cluster = {**group, "namespace": None}
        for rule, view, methods, defaults in (
            ("<resource>", collection, collection_methods, cluster),
            ("namespaces/<namespace>/<resource>", collection, collection_methods, group),
            ("<resource>/<name>", item, item_methods, cluster),
            ("namespaces/<namespace>/<resource>/<name>", item, item_methods, group),
        ):
            routes.add_url_rule(
                f"{prefix}/{rule}",
                f"{prefix}/{rule}",
                hide(view),
                methods=methods,
                defaults=defaults,
            )

    return routes


async def _one(line: bytes) -> AsyncIterator[bytes]:
    yield line
