"""What every workload controller reads of a Pod, and the Pod a controller makes from its
template: ported once from upstream's pkg/controller/controller_utils.go (IsPodActive,
IsPodTerminating, GetPodFromTemplate, getPodsPrefix) and pkg/api/v1/pod (GetPodReadyCondition,
IsPodReady). Pods are v1 JSON dicts as the kubelet writes them. Pure.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from mcp.controllers import ownership
from mcp.engine.pods.conditions import dict_of, dicts_of, int_of

SUCCEEDED, FAILED = "Succeeded", "Failed"
NAME_MAX = 253  # a name from a generateName: a DNS-1123 subdomain


def phase(pod: Mapping[str, Any]) -> str:
    value = dict_of(pod.get("status")).get("phase")
    return value if isinstance(value, str) else ""


def deleting(pod: Mapping[str, Any]) -> bool:
    return bool(dict_of(pod.get("metadata")).get("deletionTimestamp"))


def is_active(pod: Mapping[str, Any]) -> bool:
    """IsPodActive: not Succeeded, not Failed, not being deleted."""
    return phase(pod) not in (SUCCEEDED, FAILED) and not deleting(pod)


def is_terminating(pod: Mapping[str, Any]) -> bool:
    """IsPodTerminating: being deleted and not yet in a terminal phase."""
    return phase(pod) not in (SUCCEEDED, FAILED) and deleting(pod)


def ready_condition(pod: Mapping[str, Any]) -> dict[str, Any] | None:
    """GetPodReadyCondition: the Pod's `Ready` condition, if any."""
    for condition in dicts_of(dict_of(pod.get("status")).get("conditions")):
        if condition.get("type") == "Ready":
            return condition
    return None


def is_ready(pod: Mapping[str, Any]) -> bool:
    """IsPodReady: the `Ready` condition is True."""
    condition = ready_condition(pod)
    return condition is not None and condition.get("status") == "True"


def node_name(pod: Mapping[str, Any]) -> str:
    node = dict_of(pod.get("spec")).get("nodeName")
    return node if isinstance(node, str) else ""


def max_container_restarts(pod: Mapping[str, Any]) -> int:
    """maxContainerRestarts: the most restarts of any (non-init) container."""
    statuses = dicts_of(dict_of(pod.get("status")).get("containerStatuses"))
    return max((int_of(s.get("restartCount")) for s in statuses), default=0)


def generate_name_prefix(controller_name: str) -> str:
    """getPodsPrefix: `<name>-`, or `<name>` when the dash would make it too long for a
    name (a Job's name, a label value, never is)."""
    prefix = f"{controller_name}-"
    return prefix if len(prefix) <= NAME_MAX else controller_name


def pod_from_template(
    template: Mapping[str, Any], owner: Mapping[str, Any], api_version: str, kind: str
) -> dict[str, Any]:
    """GetPodFromTemplate: the Pod a controller creates from its template.

    Labels, annotations and finalizers come from the template's metadata (nothing else of
    it), the spec is the template's, the name is generated from `<owner name>-`, and the
    one owner reference is the owner's controller reference.
    """
    meta = dict_of(template.get("metadata"))
    owner_meta = dict_of(owner.get("metadata"))
    metadata: dict[str, Any] = {
        "generateName": generate_name_prefix(str(owner_meta.get("name") or "")),
        "namespace": owner_meta.get("namespace") or "",
        "labels": dict(dict_of(meta.get("labels"))),
        "annotations": dict(dict_of(meta.get("annotations"))),
        "ownerReferences": [ownership.controller_ref(owner, api_version, kind)],
    }
    finalizers = meta.get("finalizers")
    if isinstance(finalizers, list) and finalizers:
        metadata["finalizers"] = list(finalizers)
    if not metadata["annotations"]:
        del metadata["annotations"]
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": metadata,
        "spec": copy.deepcopy(dict_of(template.get("spec"))),
    }
