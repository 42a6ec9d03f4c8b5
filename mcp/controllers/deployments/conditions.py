"""A Deployment's conditions: their types and reasons, and how upstream sets them.

Ports of the condition half of upstream's `pkg/controller/deployment/util/deployment_util.go`
(NewDeploymentCondition, GetDeploymentCondition, SetDeploymentCondition,
RemoveDeploymentCondition, ReplicaSetToDeploymentCondition). Statuses are v1 JSON dicts;
the setters mutate the status they are given, as upstream's do. Pure.
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping
from datetime import datetime
from typing import Any

from mcp.controllers import timestamps
from mcp.engine.pods.conditions import dicts_of

Obj = dict[str, Any]

PROGRESSING = "Progressing"
AVAILABLE = "Available"
REPLICA_FAILURE = "ReplicaFailure"
REPLICA_SET_UPDATED = "ReplicaSetUpdated"
FAILED_RS_CREATE = "ReplicaSetCreateError"
NEW_REPLICA_SET = "NewReplicaSetCreated"
FOUND_NEW_RS = "FoundNewReplicaSet"
NEW_RS_AVAILABLE = "NewReplicaSetAvailable"
TIMED_OUT = "ProgressDeadlineExceeded"
PAUSED = "DeploymentPaused"
RESUMED = "DeploymentResumed"
MINIMUM_REPLICAS_AVAILABLE = "MinimumReplicasAvailable"
MINIMUM_REPLICAS_UNAVAILABLE = "MinimumReplicasUnavailable"


def new_condition(kind: str, status: str, reason: str, message: str, now: datetime) -> Obj:
    """NewDeploymentCondition, both times `now`."""
    at = timestamps.rfc3339(now)
    return {
        "type": kind,
        "status": status,
        "lastUpdateTime": at,
        "lastTransitionTime": at,
        "reason": reason,
        "message": message,
    }


def get_condition(status: Mapping[str, Any], kind: str) -> Obj | None:
    """GetDeploymentCondition."""
    return next((c for c in dicts_of(status.get("conditions")) if c.get("type") == kind), None)


def set_condition(status: MutableMapping[str, Any], condition: Obj) -> None:
    """SetDeploymentCondition (mutates `status`): no change when one of the same type,
    status and reason is there; the transition time kept when only the reason changes."""
    current = get_condition(status, condition["type"])
    if current is not None and current.get("status") == condition["status"]:
        if current.get("reason") == condition["reason"]:
            return
        condition = {**condition, "lastTransitionTime": current.get("lastTransitionTime")}
    others = [c for c in dicts_of(status.get("conditions")) if c.get("type") != condition["type"]]
    status["conditions"] = [*others, condition]


def remove_condition(status: MutableMapping[str, Any], kind: str) -> None:
    """RemoveDeploymentCondition (mutates `status`)."""
    kept = [c for c in dicts_of(status.get("conditions")) if c.get("type") != kind]
    if kept:
        status["conditions"] = kept
    else:
        status.pop("conditions", None)


def replica_set_to_deployment_condition(condition: Mapping[str, Any]) -> Obj:
    """ReplicaSetToDeploymentCondition: a ReplicaSet's condition as the Deployment's."""
    return {
        "type": condition.get("type"),
        "status": condition.get("status"),
        "lastUpdateTime": condition.get("lastTransitionTime"),
        "lastTransitionTime": condition.get("lastTransitionTime"),
        "reason": condition.get("reason", ""),
        "message": condition.get("message", ""),
    }
