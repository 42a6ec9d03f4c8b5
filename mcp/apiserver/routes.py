"""The Kubernetes routes served so far: discovery, Namespaces (read-only) and the kinds
of the generic storage path (`storage.STRATEGIES`: ConfigMaps, Secrets, ServiceAccounts).

Reads go to etcd (one range read), so a list is consistent at its `resourceVersion`.
The routes are left out of mcp's own `/openapi.json` (`hide`): that document describes
mcp's API; the Kubernetes paths get their OpenAPI v3 documents at `/openapi/v3`.
"""

from __future__ import annotations

import json
from typing import Any

from quart import Blueprint, Response, request
from quart_schema import hide

from mcp.api.common import json_body
from mcp.apiserver import discovery, objects, openapi, storage
from mcp.apiserver.status import KubeError, not_found
from mcp.kinds import core
from mcp.registry import Keys
from mcp.store import Store

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
        "resourceVersion",  # any served list is at least as new as a version the client saw
        "timeout",
        "timeoutSeconds",
    }
)
WRITE_PARAMS = frozenset({"dryRun", "fieldValidation", "fieldManager", "pretty", "timeout"})


def _json(body: Any, status: int = 200, warnings: list[str] | None = None) -> Response:
    response = Response(json.dumps(body), status, content_type="application/json")
    for warning in warnings or []:
        quoted = warning.replace("\\", "\\\\").replace('"', '\\"')
        response.headers.add("Warning", f'299 - "{quoted}"')  # RFC 7234's warn-text
    return response


def _refuse_unknown_params(allowed: frozenset[str]) -> None:
    unknown = sorted(set(request.args) - allowed)
    if "watch" in unknown:
        raise KubeError(400, "watch is not supported for this resource yet")
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


def _strategy(resource: str) -> storage.Strategy:
    strategy = storage.STRATEGIES.get(resource)
    if strategy is None:
        raise KubeError(404, "the server could not find the requested resource")
    return strategy


def blueprint(store: Store, keys: Keys) -> Blueprint:
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

    @routes.get("/api/v1/namespaces")
    @hide
    async def list_namespaces() -> Response:
        listing = await store.list_prefix(objects.kind_prefix(keys, core.NAMESPACE))
        items = [objects.decode(item) for item in listing.items]
        return _json(
            {
                "apiVersion": "v1",
                "kind": "NamespaceList",
                "metadata": {"resourceVersion": str(listing.revision)},
                "items": items,
            }
        )

    @routes.get("/api/v1/namespaces/<name>")
    @hide
    async def get_namespace(name: str) -> Response:
        item = await store.get(objects.key(keys, core.NAMESPACE, name))
        if item is None:
            raise not_found("namespaces", name)
        return _json(objects.decode(item))

    async def _list(resource: str, namespace: str | None) -> Response:
        _refuse_unknown_params(LIST_PARAMS)
        listed = await storage.list_objects(
            store,
            keys,
            _strategy(resource).kind,
            namespace,
            label_selector=request.args.get("labelSelector"),
            field_selector_text=request.args.get("fieldSelector"),
            limit=_limit(),
            continue_token=request.args.get("continue"),
        )
        return _json(listed)

    @routes.get("/api/v1/<resource>")
    @hide
    async def list_all_namespaces(resource: str) -> Response:
        return await _list(resource, None)

    @routes.get("/api/v1/namespaces/<namespace>/<resource>")
    @hide
    async def list_in_namespace(namespace: str, resource: str) -> Response:
        return await _list(resource, namespace)

    async def _write(operation: Any, resource: str, code: int, *where: str) -> Response:
        """One write through the generic path: `operation(store, keys, strategy, *where,
        body, ...)`, answered with the object, `code` and any validation warnings."""
        strategy = _strategy(resource)
        validation, dry_run = _write_options()
        obj, warnings = await operation(
            store,
            keys,
            strategy,
            *where,
            await json_body(),
            field_validation=validation,
            dry_run=dry_run,
        )
        return _json(obj, code, warnings)

    @routes.post("/api/v1/namespaces/<namespace>/<resource>")
    @hide
    async def create(namespace: str, resource: str) -> Response:
        return await _write(storage.create_object, resource, 201, namespace)

    @routes.get("/api/v1/namespaces/<namespace>/<resource>/<name>")
    @hide
    async def get(namespace: str, resource: str, name: str) -> Response:
        _refuse_unknown_params(frozenset({"resourceVersion", "pretty"}))
        return _json(
            await storage.get_object(store, keys, _strategy(resource).kind, namespace, name)
        )

    @routes.put("/api/v1/namespaces/<namespace>/<resource>/<name>")
    @hide
    async def update(namespace: str, resource: str, name: str) -> Response:
        return await _write(storage.update_object, resource, 200, namespace, name)

    @routes.patch("/api/v1/namespaces/<namespace>/<resource>/<name>")
    @hide
    async def patch(namespace: str, resource: str, name: str) -> Response:
        content_type = (request.mimetype or "").lower()
        return await _write(storage.patch_object, resource, 200, namespace, name, content_type)

    @routes.delete("/api/v1/namespaces/<namespace>/<resource>/<name>")
    @hide
    async def delete(namespace: str, resource: str, name: str) -> Response:
        strategy = _strategy(resource)
        _, dry_run = _write_options()
        await request.get_data()  # DeleteOptions: nothing in them changes these kinds' fate
        obj = await storage.delete_object(
            store, keys, strategy.kind, namespace, name, dry_run=dry_run
        )
        return _json(obj)

    return routes
