"""Discovery documents: `/api`, `/api/v1`, `/apis`, `/apis/{group}/{version}`.

The legacy (unaggregated) forms, which every client understands: client-go takes the
format from the answer's Content-Type alone, so plain JSON makes it fetch each group
version's resource list (see shared notes on kubectl). Built from the `Kind`
descriptions only: a kind is listed exactly when it is served. Pure functions.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from mcp.kinds import Kind

STATUS_VERBS = ("get", "patch", "update")  # `status`, `scale`: the object's own kind
# The subresources that take options of their own kind (kube-apiserver's connecters): the
# kind discovery names and the verbs (a WebSocket upgrade is a GET, SPDY's a POST: create).
SUBRESOURCES: dict[str, tuple[str | None, tuple[str, ...]]] = {
    "exec": ("PodExecOptions", ("create", "get")),
    "attach": ("PodAttachOptions", ("create", "get")),
    "log": (None, ("get",)),  # kube-apiserver lists it with the Pod's kind
}
# Subresources of a kind of another group: `scale` is an autoscaling/v1 Scale, which
# kubectl's scale client finds here (`deployments/scale`).
SUBRESOURCE_GROUPS = {"scale": ("autoscaling", "v1", "Scale")}


def api_versions(server_address: str) -> dict[str, Any]:
    """`GET /api`: the core group's versions."""
    return {
        "kind": "APIVersions",
        "versions": ["v1"],
        "serverAddressByClientCIDRs": [
            {"clientCIDR": "0.0.0.0/0", "serverAddress": server_address}
        ],
    }


def resource_list(group_version: str, kinds: Iterable[Kind]) -> dict[str, Any]:
    """`GET /api/v1` or `/apis/{group}/{version}`: the resources of one group version,
    each subresource as an entry of its own (`namespaces/status`), as kube-apiserver
    lists them."""
    resources: list[dict[str, Any]] = []
    for kind in sorted(kinds, key=lambda k: k.resource):
        if kind.group_version != group_version:
            continue
        entry: dict[str, Any] = {
            "name": kind.resource,
            "singularName": kind.singular,
            "namespaced": kind.namespaced,
            "kind": kind.kind,
            "verbs": list(kind.verbs),
        }
        if kind.short_names:
            entry["shortNames"] = list(kind.short_names)
        if kind.categories:
            entry["categories"] = list(kind.categories)
        resources.append(entry)
        for sub in kind.subresources:
            options_kind, verbs = SUBRESOURCES.get(sub, (None, STATUS_VERBS))
            listed: dict[str, Any] = {
                "name": f"{kind.resource}/{sub}",
                "singularName": "",
                "namespaced": kind.namespaced,
            }
            if sub in SUBRESOURCE_GROUPS:
                group, version, options_kind = SUBRESOURCE_GROUPS[sub]
                listed |= {"group": group, "version": version}
            resources.append({**listed, "kind": options_kind or kind.kind, "verbs": list(verbs)})
    return {
        "kind": "APIResourceList",
        "apiVersion": "v1",
        "groupVersion": group_version,
        "resources": resources,
    }


def group_list(kinds: Iterable[Kind]) -> dict[str, Any]:
    """`GET /apis`: every named group (the core group is at `/api`)."""
    versions: dict[str, list[str]] = {}
    for kind in kinds:
        if kind.group:
            known = versions.setdefault(kind.group, [])
            if kind.version not in known:
                known.append(kind.version)
    groups = []
    for group in sorted(versions):
        listed = [{"groupVersion": f"{group}/{v}", "version": v} for v in versions[group]]
        groups.append(
            {
                "name": group,
                "versions": listed,
                "preferredVersion": listed[0],
            }
        )
    return {"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}


def served_group_versions(kinds: Iterable[Kind]) -> set[str]:
    """Every group version with at least one kind: the others are 404s."""
    return {kind.group_version for kind in kinds}
