"""The Kubernetes routes: discovery, OpenAPI, and one set of paths for every kind of the
generic storage path (`storage.STRATEGIES`), for the core group and the named groups, with
the `status` and `scale` (module `scale`) subresources of the kinds that have them; an
Event is written on the shared lease that makes it expire (`ctx.leases`). mcp's own
Containers are reached under their group too (`/apis/mcp/v1/containers`), through mcp's
own handlers.

Reads and watches are served from the watch cache (`reads`, `watch`), and every write
waits until the cache holds it, so a client reads what it wrote. A Pod's streaming
subresources (exec, attach) have routes of their own (`streams`).
The routes are left out of mcp's own `/openapi.json` (`hide`): that document describes
mcp's API; the Kubernetes paths get their OpenAPI v3 documents at `/openapi/v3`.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import replace
from typing import Any, cast

from quart import Blueprint, Response, current_app, request
from quart.wrappers.response import ResponseBody
from quart_schema import hide

from mcp import logs, rules
from mcp.api.common import ApiContext
from mcp.api.guard import APPLY_PATCH
from mcp.apiserver import (
    bodies,
    deletion,
    discovery,
    fieldmanager,
    fieldvalidation,
    logoptions,
    openapi,
    podlogs,
    reads,
    scale,
    storage,
    streams,
    tables,
    watch,
)
from mcp.apiserver.status import KubeError, not_found, options_invalid
from mcp.kinds import Kind, containers, served

log = logs.get(actor="api")

KINDS = served.KINDS  # served by the generic path
# What discovery and OpenAPI list: those, and mcp's Container under its own group.
SERVED = (*KINDS, containers.CONTAINER)
CONTAINERS_PATH = "/apis/mcp/v1/containers"


# kube-apiserver's words for a method a path does not serve (go-restful's 405).
METHOD_NOT_ALLOWED = "the server does not allow this method on the requested resource"
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
# A delete's: DeleteOptions' (no field manager, no field validation: a delete writes no
# fields), as upstream's delete and deletecollection.
DELETE_PARAMS = frozenset(
    {"dryRun", "gracePeriodSeconds", "propagationPolicy", "orphanDependents", "pretty", "timeout"}
)
DELETE_COLLECTION_PARAMS = DELETE_PARAMS | {"labelSelector", "fieldSelector"}
# What Go's strconv.ParseBool reads: a query's boolean that is none of these is a 400.
GO_BOOLEANS = frozenset(
    {"1", "t", "T", "TRUE", "true", "True", "0", "f", "F", "FALSE", "false", "False"}
)
WATCH_PARAMS = LIST_PARAMS | {"allowWatchBookmarks", "sendInitialEvents"}
WRITE_PARAMS = frozenset({"dryRun", "fieldValidation", "fieldManager", "pretty", "timeout"})


def _json(body: Any, status: int = 200, warnings: list[str] | None = None) -> Response:
    response = Response(json.dumps(body), status, content_type="application/json")
    for warning in warnings or []:
        response.headers.add("Warning", fieldvalidation.warning(warning))
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


def _view(endpoint: str) -> Callable[..., Awaitable[Response]]:
    return cast(Callable[..., Awaitable[Response]], current_app.view_functions[endpoint])


async def _kubernetes_lines(
    body: ResponseBody, render: watch.Render, *, bookmarks: bool
) -> AsyncIterator[bytes]:
    """mcp's watch lines (one event per chunk) as a Kubernetes watch sends them: in the
    asked-for form (Tables), bookmarks only when asked for."""
    async with body as chunks:
        async for chunk in chunks:
            for text in chunk.splitlines():
                event = json.loads(text)
                if event["type"] != "BOOKMARK" or bookmarks:
                    yield render(event["type"], event["object"])


async def _as_kubernetes(response: Response) -> Response:
    """An answer of mcp's own API, in the form a Kubernetes read asks for (a Table for
    `kubectl get`); writes go as they are, streams with Kubernetes' watch media type."""
    if watch.is_watch(request.args.get("watch")):
        if response.status_code != 200:
            return response
        lines = _kubernetes_lines(
            response.response,
            _watch_render(containers.CONTAINER, _output()),
            bookmarks=watch.is_watch(request.args.get("allowWatchBookmarks")),
        )
        streamed = Response(lines, 200, content_type="application/json")
        streamed.timeout = None  # else quart ends the stream after RESPONSE_TIMEOUT
        return streamed
    if request.method != "GET" or response.status_code != 200:
        return response
    output = _output()
    if output.conversion is None:
        return response
    return _json(
        tables.transform(output, containers.CONTAINER, json.loads(await response.get_data()))
    )


def _refuse_unknown_params(allowed: frozenset[str]) -> None:
    unknown = sorted(set(request.args) - allowed)
    if unknown:
        raise KubeError(400, f"unknown query parameters: {', '.join(unknown)}")


def _write_options(extra: frozenset[str] = frozenset()) -> tuple[str, bool]:
    """`fieldValidation` (default Warn, as kube-apiserver) and whether `dryRun=All`."""
    _refuse_unknown_params(WRITE_PARAMS | extra)
    try:
        validation = fieldvalidation.mode(request.args.get("fieldValidation"))
    except ValueError as exc:
        raise KubeError(400, str(exc)) from None
    return validation, _dry_run()


def _dry_run() -> bool:
    """Whether the query asks for `dryRun=All`, the one dry run there is."""
    dry_run = request.args.getlist("dryRun")
    if any(value != "All" for value in dry_run):
        raise KubeError(400, "dryRun may only be All")
    return bool(dry_run)


async def _delete_options(allowed: frozenset[str]) -> deletion.Options:
    """A DELETE's DeleteOptions, from its body and its query, as kube-apiserver decodes
    both into one (`handlers/delete.go`; kubectl's `delete --dry-run=server` and
    `--grace-period` say so in the body only), after upstream's checks: a body that
    decodes to an object (else 400), `gracePeriodSeconds` a whole number (else 400, as the
    query fails to decode), and `deletion.options`' (`propagationPolicy` one upstream
    knows, else 422 as `ValidateDeleteOptions`).
    """
    # The whole body first, even when the options refuse the request: an answer before it
    # is read can leave the connection waiting on it.
    raw = await request.get_data()
    _refuse_unknown_params(allowed)
    try:  # as the query decodes into DeleteOptions: strconv's words
        logoptions.go_int64(request.args.get("gracePeriodSeconds"))
    except logoptions.Refused as exc:
        raise KubeError(400, str(exc)) from None
    orphan = request.args.get("orphanDependents")
    if orphan is not None and orphan not in GO_BOOLEANS:
        raise KubeError(400, f'strconv.ParseBool: parsing "{orphan}": invalid syntax')
    body = await bodies.read() if raw.strip() else None
    try:
        options = deletion.options(body, dict(request.args.items()))
    except deletion.InvalidOptions as exc:
        raise options_invalid("DeleteOptions", [exc.problem]) from None
    except deletion.BadOptions as exc:
        raise KubeError(400, str(exc)) from None
    return replace(options, dry_run=options.dry_run or _dry_run())


def _manager(options_kind: str, *, apply_patch: bool = False) -> tuple[str, bool]:
    """The write's field manager (`fieldManager`, else from the User-Agent, as upstream)
    and `force`, after upstream's checks of the request's options."""
    given = request.args.get("fieldManager")
    force = fieldmanager.check_options(
        options_kind, given, apply_patch=apply_patch, force=request.args.get("force")
    )
    return fieldmanager.default_manager(given, request.headers.get("User-Agent", "")), force


def _limit() -> int | None:
    raw = request.args.get("limit")
    if raw is None or raw == "0":
        return None
    if not rules.is_whole_number(raw):
        raise KubeError(400, f"limit must be a whole number, got {raw!r}")
    return int(raw)


def _served(group: str, version: str) -> str:
    """`group/version` when some kind is served there; else a 404."""
    group_version = f"{group}/{version}"
    if group_version not in discovery.served_group_versions(SERVED):
        raise KubeError(404, "the server could not find the requested resource")
    return group_version


def _kind(group: str, version: str, resource: str, verb: str) -> Kind:
    """The served kind at `group/version/resource`, if it serves `verb`.

    Raises:
        KubeError: 404 for no such resource, 405 for a verb the kind does not serve.
    """
    for kind in SERVED:  # mcp's Containers too: a verb their own routes do not serve is 405
        if (kind.group, kind.version, kind.resource) == (group, version, resource):
            if verb not in kind.verbs:
                raise KubeError(
                    405, f"{verb} is not supported on resources of kind {kind.resource!r}"
                )
            return kind
    raise KubeError(404, "the server could not find the requested resource")


def _is_collection(
    group: str, version: str, resource: str, namespace: str | None, subresource: str | None
) -> bool:
    """Whether an item route's `<resource>/<name>/<subresource>` is in fact the collection
    path `namespaces/<namespace>/<resource>` of a namespaced kind."""
    if namespace is not None or resource != "namespaces" or subresource is None:
        return False
    return any(
        (kind.group, kind.version, kind.resource) == (group, version, subresource)
        and kind.namespaced
        for kind in SERVED
    )


def _strategy(strategies: Mapping[str, storage.Strategy], kind: Kind) -> storage.Strategy:
    strategy = strategies.get(kind.resource)
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
    # New Pods go onto the one Node, whose name the process knows without asking Docker.
    strategies = storage.strategies(node_name=ctx.node_name)
    routes = Blueprint("kubernetes", __name__)
    # `pods/<name>/log` by its own route: its static parts win over `<resource>/<name>/<sub>`.
    podlogs.register(routes, ctx)

    @routes.get("/api")
    @hide
    async def api() -> Response:
        return _json(discovery.api_versions(request.host))

    @routes.get("/api/v1")
    @hide
    async def core_resources() -> Response:
        return _json(discovery.resource_list("v1", SERVED))

    @routes.get("/apis")
    @hide
    async def groups() -> Response:
        return _json(discovery.group_list(SERVED))

    @routes.get("/apis/<group>/<version>")
    @hide
    async def group_resources(group: str, version: str) -> Response:
        return _json(discovery.resource_list(_served(group, version), SERVED))

    @routes.get("/openapi/v3")
    @hide
    async def openapi_root() -> Response:
        return _json(openapi.root_document(SERVED))

    @routes.get("/openapi/v3/api/v1")
    @hide
    async def openapi_core() -> Response:
        return _json(openapi.group_version_document("v1", SERVED))

    @routes.get("/openapi/v3/apis/<group>/<version>")
    @hide
    async def openapi_group(group: str, version: str) -> Response:
        return _json(openapi.group_version_document(_served(group, version), SERVED))

    cached = reads.cache_lookup(cache)

    async def visible(obj: dict[str, Any]) -> None:
        """Wait until the cache holds a write, so the client (and everyone) reads it next."""
        revision = int(obj["metadata"]["resourceVersion"])
        if not await reads.caught_up(cache, revision, reads.WRITE_VISIBLE_WAIT_S):
            log.warning("write_not_yet_in_cache", revision=revision, cache_revision=cache.revision)

    async def lease_for(kind: Kind, dry_run: bool) -> int:
        """The etcd lease a write of `kind` goes on: none (0) unless its objects expire
        (Events, as kube-apiserver's `TTLFunc`, on create and on every update)."""
        shared = ctx.leases.get(kind.resource)
        return 0 if shared is None or dry_run else await shared.current()

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
        watch.timeout_seconds(args.get("timeoutSeconds"))  # well formed, if no use to a list
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
        await request.get_data()  # before any refusal, as for the item writes
        validation, dry_run = _write_options()
        manager, _ = _manager("CreateOptions")
        body, duplicates = await bodies.read_noting_duplicates()
        obj, warnings = await storage.create_object(
            store,
            keys,
            _strategy(strategies, kind),
            namespace or "",
            body,
            duplicates=duplicates,
            field_validation=validation,
            dry_run=dry_run,
            lease=await lease_for(kind, dry_run),
            manager=manager,
            cached=cached,
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
        if kind.namespaced and namespace is None and verb != "list":
            # The all-namespaces path only lists and watches, as kube-apiserver's: a
            # create or a delete of a collection names its namespace.
            raise KubeError(
                405,
                f"{verb} of {kind.resource} is served in a namespace only: "
                f"{request.method} namespaces/<namespace>/{kind.resource}",
            )
        if request.method == "POST":
            return await create(kind, namespace)
        if request.method == "DELETE":
            options = await _delete_options(DELETE_COLLECTION_PARAMS)
            dry_run = options.dry_run
            listed, revision = await storage.delete_collection(
                store,
                keys,
                _strategy(strategies, kind),
                namespace,
                label_selector=request.args.get("labelSelector"),
                field_selector_text=request.args.get("fieldSelector"),
                dry_run=dry_run,
                options=options,
            )
            if not dry_run:
                await visible({"metadata": {"resourceVersion": str(revision)}})
            return _json(listed)
        return await list_or_watch(kind, namespace)

    async def item(
        group: str,
        version: str,
        resource: str,
        namespace: str | None,
        name: str,
        subresource: str | None = None,
    ) -> Response:
        if _is_collection(group, version, resource, namespace, subresource):
            # `namespaces/<namespace>/<resource>`, with a method its collection route does
            # not take (PUT, PATCH): the item route's `<resource>/<name>/<subresource>`
            # matched it instead. kube-apiserver answers a method a path does not serve 405.
            raise KubeError(405, METHOD_NOT_ALLOWED)
        verb = {"GET": "get", "PUT": "update", "PATCH": "patch", "DELETE": "delete"}[request.method]
        kind = _kind(group, version, resource, verb)
        namespace = _scope(kind, namespace)
        if kind.namespaced and namespace is None:
            raise KubeError(404, "the server could not find the requested resource")
        if subresource is not None:
            # `status` and `scale` are served here (get, update, patch), for the kinds
            # that have them.
            if subresource not in ("status", "scale") or subresource not in kind.subresources:
                raise KubeError(404, "the server could not find the requested resource")
            if verb == "delete":
                raise KubeError(405, f"delete is not supported on {kind.resource}/{subresource}")
        if subresource == "scale":
            return await scale_item(kind, namespace or "", name, verb)
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
            options = await _delete_options(DELETE_PARAMS)
            dry_run = options.dry_run
            deleted, revision = await storage.delete_object(
                store,
                keys,
                _strategy(strategies, kind),
                namespace or "",
                name,
                dry_run=dry_run,
                options=options,
            )
            if not dry_run:
                await visible({"metadata": {"resourceVersion": str(revision)}})
            return _json(deleted)
        strategy = _strategy(strategies, kind)
        # The whole body first, even when the options refuse the request: an answer before
        # it is read can leave the connection waiting on it.
        await request.get_data()
        content_type = (request.mimetype or "").lower()
        validation, dry_run = _write_options(frozenset({"force"} if verb == "patch" else ()))
        options_kind = "UpdateOptions" if verb == "update" else "PatchOptions"
        manager, force = _manager(options_kind, apply_patch=content_type == APPLY_PATCH)
        body, duplicates = await bodies.read_noting_duplicates()
        lease = await lease_for(kind, dry_run)
        status = 200
        target = (store, keys, strategy, namespace or "", name)
        if verb == "update":
            obj, warnings = await storage.update_object(
                *target,
                body,
                duplicates=duplicates,
                field_validation=validation,
                dry_run=dry_run,
                subresource=subresource,
                lease=lease,
                manager=manager,
                cached=cached,
            )
        elif content_type == APPLY_PATCH:
            obj, created = await storage.apply_object(
                *target,
                body,
                manager=manager,
                force=force,
                dry_run=dry_run,
                subresource=subresource,
                lease=lease,
            )
            warnings, status = [], 201 if created else 200
        else:
            obj, warnings = await storage.patch_object(
                *target,
                content_type,
                body,
                duplicates=duplicates,
                field_validation=validation,
                dry_run=dry_run,
                subresource=subresource,
                lease=lease,
                manager=manager,
                cached=cached,
            )
        if not dry_run:
            await visible(obj)
        return _json(obj, status, warnings)

    async def scale_item(kind: Kind, namespace: str, name: str, verb: str) -> Response:
        """`<resource>/<name>/scale`: the object as an autoscaling/v1 Scale (`scale`)."""
        if verb == "get":
            _refuse_unknown_params(frozenset({"resourceVersion", "pretty"}))
            try:
                stored = await reads.get(
                    cache, kind, namespace, name, request.args.get("resourceVersion")
                )
            except KubeError as exc:
                if exc.code != 404:
                    raise
                raise not_found(scale.resource(kind), name, group=kind.group) from None
            return _json(scale.read(stored.obj))
        await request.get_data()  # the whole body before any refusal, as for the others
        content_type = (request.mimetype or "").lower()
        validation, dry_run = _write_options()
        manager, _ = _manager("UpdateOptions" if verb == "update" else "PatchOptions")
        if content_type == APPLY_PATCH:
            raise KubeError(415, f"server-side apply of {scale.resource(kind)} is not served yet")
        body, duplicates = await bodies.read_noting_duplicates()
        if verb == "patch" and content_type == "application/json-patch+json":
            duplicates = []  # a list of operations, as `storage.patch_object` takes it

        def produce(old: dict[str, Any]) -> Any:
            """The new Scale: the PUT's body, or the patch applied to the old Scale."""
            if verb == "update":
                return body
            return storage.apply_patch(scale.SCALES.kind, old, content_type, body)

        written, warnings = await scale.write(
            store,
            keys,
            _strategy(strategies, kind),
            namespace,
            name,
            produce,
            field_validation=validation,
            dry_run=dry_run,
            manager=manager,
            cached=cached,
            duplicates=duplicates,
        )
        if not dry_run:
            await visible(written)
        return _json(written, 200, warnings)

    # mcp's Containers under their group: the same handlers as `/api/v1/containers`
    # (mcp.api.v1), their errors as `Status` objects (a Kubernetes path), and Tables.
    async def containers_collection() -> Response:
        endpoint = "v1.list_or_watch" if request.method == "GET" else "v1.create"
        return await _as_kubernetes(await _view(endpoint)())

    async def container_item(name: str) -> Response:
        endpoint = {"GET": "v1.get", "PUT": "v1.put", "PATCH": "v1.patch", "DELETE": "v1.delete"}
        return await _as_kubernetes(await _view(endpoint[request.method])(name=name))

    routes.add_url_rule(
        CONTAINERS_PATH, "containers", hide(containers_collection), methods=["GET", "POST"]
    )
    routes.add_url_rule(
        f"{CONTAINERS_PATH}/<name>",
        "container",
        hide(container_item),
        methods=["GET", "PUT", "PATCH", "DELETE"],
    )

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
            ("<resource>/<name>/<subresource>", item, item_methods, cluster),
            ("namespaces/<namespace>/<resource>/<name>/<subresource>", item, item_methods, group),
        ):
            routes.add_url_rule(
                f"{prefix}/{rule}",
                f"{prefix}/{rule}",
                hide(view),
                methods=methods,
                defaults=defaults,
            )

    streams.add_routes(routes, ctx)  # pods/exec, pods/attach (WebSocket), pods/portforward
    return routes


async def _one(line: bytes) -> AsyncIterator[bytes]:
    yield line
