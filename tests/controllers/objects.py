"""Builders of v1 JSON objects for the controllers' plan tests: Deployments, ReplicaSets
and Pods as the API stores them, with only what a test sets."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from mcp.controllers import timestamps

T0 = datetime(2016, 5, 20, 0, 0, 0, tzinfo=UTC)
NAMESPACE = "default"
DEPLOYMENT_UID = "d-uid"

Obj = dict[str, Any]


def at(seconds: float) -> str:
    """T0 plus `seconds`, as a stored timestamp."""
    return timestamps.rfc3339(T0 + timedelta(seconds=seconds))


def template(labels: dict[str, str] | None = None, image: str = "nginx:1") -> Obj:
    return {
        "metadata": {"labels": dict(labels or {"app": "web"})},
        "spec": {"containers": [{"name": "web", "image": image}]},
    }


def deployment(
    replicas: int = 3,
    *,
    name: str = "web",
    image: str = "nginx:1",
    labels: dict[str, str] | None = None,
    strategy: str = "RollingUpdate",
    max_surge: int | str | None = 1,
    max_unavailable: int | str | None = 0,
    generation: int = 1,
    status: Obj | None = None,
    annotations: dict[str, str] | None = None,
    **spec: Any,
) -> Obj:
    labels = labels or {"app": "web"}
    strategy_obj: Obj = {"type": strategy}
    if strategy == "RollingUpdate":
        strategy_obj["rollingUpdate"] = {"maxSurge": max_surge, "maxUnavailable": max_unavailable}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {
            "name": name,
            "namespace": NAMESPACE,
            "uid": DEPLOYMENT_UID,
            "generation": generation,
            "annotations": dict(annotations or {}),
        },
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": dict(labels)},
            "template": template(labels, image),
            "strategy": strategy_obj,
            "revisionHistoryLimit": 10,
            "progressDeadlineSeconds": 600,
            **spec,
        },
        "status": dict(status or {}),
    }


def replicaset(
    name: str,
    replicas: int,
    *,
    created: float = 0,
    image: str = "nginx:1",
    labels: dict[str, str] | None = None,
    owner: str | None = DEPLOYMENT_UID,
    revision: int | None = None,
    available: int | None = None,
    ready: int | None = None,
    actual: int | None = None,
    annotations: dict[str, str] | None = None,
    generation: int = 1,
    uid: str | None = None,
    min_ready_seconds: int = 0,
) -> Obj:
    """A ReplicaSet; its status, unless given, shows all its replicas up and available."""
    labels = dict(labels or {"app": "web"})
    labels.setdefault("pod-template-hash", name.rsplit("-", 1)[-1])
    meta: Obj = {
        "name": name,
        "namespace": NAMESPACE,
        "uid": uid or f"{name}-uid",
        "generation": generation,
        "resourceVersion": "1",
        "creationTimestamp": at(created),
        "labels": labels,
        "annotations": dict(annotations or {}),
    }
    if revision is not None:
        meta["annotations"]["deployment.kubernetes.io/revision"] = str(revision)
    if owner is not None:
        meta["ownerReferences"] = [
            {
                "apiVersion": "apps/v1",
                "kind": "Deployment",
                "name": "web",
                "uid": owner,
                "controller": True,
                "blockOwnerDeletion": True,
            }
        ]
    pod_template = template({k: v for k, v in labels.items()}, image)
    spec: Obj = {
        "replicas": replicas,
        "selector": {"matchLabels": dict(labels)},
        "template": pod_template,
    }
    if min_ready_seconds:
        spec["minReadySeconds"] = min_ready_seconds
    actual = replicas if actual is None else actual
    ready = actual if ready is None else ready
    available = ready if available is None else available
    return {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": meta,
        "spec": spec,
        "status": {
            "replicas": actual,
            "readyReplicas": ready,
            "availableReplicas": available,
            "observedGeneration": generation,
            "terminatingReplicas": 0,
        },
    }


def pod(
    name: str,
    *,
    labels: dict[str, str] | None = None,
    owner: str | None = None,
    owner_kind: str = "ReplicaSet",
    phase: str = "Running",
    ready: bool | None = True,
    ready_since: float = 0,
    created: float = 0,
    node: str = "node-1",
    restarts: int = 0,
    deleting: bool = False,
    deletion_cost: str | None = None,
    uid: str | None = None,
) -> Obj:
    meta: Obj = {
        "name": name,
        "namespace": NAMESPACE,
        "uid": uid or f"{name}-uid",
        "labels": dict(labels or {"app": "web"}),
        "creationTimestamp": at(created),
    }
    if owner is not None:
        meta["ownerReferences"] = [
            {
                "apiVersion": "apps/v1",
                "kind": owner_kind,
                "name": owner,
                "uid": owner,
                "controller": True,
            }
        ]
    if deleting:
        meta["deletionTimestamp"] = at(created + 1)
    if deletion_cost is not None:
        meta["annotations"] = {"controller.kubernetes.io/pod-deletion-cost": deletion_cost}
    status: Obj = {"phase": phase, "containerStatuses": [{"name": "web", "restartCount": restarts}]}
    if ready is not None:
        status["conditions"] = [
            {
                "type": "Ready",
                "status": "True" if ready else "False",
                "lastTransitionTime": at(ready_since),
            }
        ]
    spec: Obj = {"containers": [{"name": "web", "image": "nginx:1"}]}
    if node:
        spec["nodeName"] = node
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": spec, "status": status}
