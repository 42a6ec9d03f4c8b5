"""The Kubernetes routes served so far: discovery and Namespaces (read-only).

Reads go to etcd (one range read), so a list is consistent at its `resourceVersion`.
The routes are left out of mcp's own `/openapi.json` (`hide`): that document describes
mcp's API; the Kubernetes paths get their OpenAPI v3 documents at `/openapi/v3`.
"""

from __future__ import annotations

import json
from typing import Any

from quart import Blueprint, Response, request
from quart_schema import hide

from mcp.apiserver import discovery, objects
from mcp.apiserver.status import KubeError, not_found
from mcp.kinds import core
from mcp.registry import Keys
from mcp.store import Store

KINDS = core.KINDS


def _json(body: Any) -> Response:
    return Response(json.dumps(body), 200, content_type="application/json")


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
        group_version = f"{group}/{version}"
        if group_version not in discovery.served_group_versions(KINDS):
            raise KubeError(404, "the server could not find the requested resource")
        return _json(discovery.resource_list(group_version, KINDS))

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

    return routes
