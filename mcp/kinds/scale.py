"""The `scale` subresource of the kinds with replicas (Deployments, ReplicaSets): an
autoscaling/v1 `Scale` made from the object, and the object a written Scale makes.

As pkg/registry/apps/deployment/storage's ScaleREST (and the ReplicaSet's, the same):
`scale_of` is scaleFromDeployment (the object's name, namespace, uid, resourceVersion and
creation time; `spec.replicas`; `status.replicas` and the selector as a string), a write
is validated as autoscaling's ValidateScale (`validate`: the metadata is the generic
path's; replicas not negative) and moves only `spec.replicas` and the resourceVersion
(the precondition) onto the object, which is then written as any update of it is.
Pure: no I/O.
"""

from __future__ import annotations

from typing import Any

from mcp.kinds import Kind, templates
from mcp.kinds.apimachinery import Problems

# Not served as a resource of its own: what a Scale's errors name (`Scale.autoscaling`).
SCALE = Kind(group="autoscaling", version="v1", resource="scale", kind="Scale", namespaced=True)
FIELDS = frozenset({"apiVersion", "kind", "metadata", "spec", "status"})
GO_TYPE = "autoscaling.v1.Scale"
SUBRESOURCE = "scale"


def scale_of(obj: dict[str, Any]) -> dict[str, Any]:
    """scaleFromDeployment: the Scale `obj` (a Deployment or a ReplicaSet) shows.

    Raises:
        templates.BadSelector: a selector that does not convert (upstream: 400).
    """
    selector = templates.as_selector((obj.get("spec") or {}).get("selector"))
    metadata = obj["metadata"]
    shown = {
        key: metadata[key]
        for key in ("name", "namespace", "uid", "resourceVersion", "creationTimestamp")
        if metadata.get(key)
    }
    spec: dict[str, Any] = {}
    if replicas := int((obj.get("spec") or {}).get("replicas") or 0):
        spec["replicas"] = replicas  # autoscaling/v1 ScaleSpec: `omitempty`
    status: dict[str, Any] = {"replicas": int((obj.get("status") or {}).get("replicas") or 0)}
    if text := templates.selector_text(selector):
        status["selector"] = text
    return {
        "kind": SCALE.kind,
        "apiVersion": SCALE.group_version,
        "metadata": shown,
        "spec": spec,
        "status": status,
    }


def validate(scale: dict[str, Any]) -> Problems:
    """ValidateScale past the metadata: the replicas asked for are not negative."""
    return templates.nonnegative((scale.get("spec") or {}).get("replicas"), "spec.replicas")


def scaled(obj: dict[str, Any], scale: dict[str, Any]) -> dict[str, Any]:
    """`obj` with the replicas `scale` asks for (none is 0, as the Go value is)."""
    spec = dict(obj.get("spec") or {})
    spec["replicas"] = int((scale.get("spec") or {}).get("replicas") or 0)
    return {**obj, "spec": spec}
