"""A Deployment's status: its counts, its Available condition, and the Progressing one
that tells a rollout's progress (and its deadline) from its ReplicaSets' statuses.

Ports of upstream's `pkg/controller/deployment/sync.go` `calculateStatus` and
`progress.go` (`syncRolloutStatus`'s condition logic, `getReplicaFailures`,
`requeueStuckDeployment`), as of Kubernetes 1.36 with its default feature gates
(`status.terminatingReplicas` written). The status is v1 JSON as Go writes it: zero
counts left out (omitempty), `terminatingReplicas` and `collisionCount` kept when set.

Pure: `now` is an argument.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from mcp.controllers import timestamps
from mcp.controllers.deployments import conditions, util
from mcp.engine.pods.conditions import dict_of, dicts_of, int_of

Obj = dict[str, Any]

# DeploymentStatus's fields in Go's order; the counts are omitempty, the pointers not.
_COUNTS = (
    "observedGeneration",
    "replicas",
    "updatedReplicas",
    "readyReplicas",
    "availableReplicas",
    "unavailableReplicas",
)
_ORDER = (*_COUNTS, "terminatingReplicas", "conditions", "collisionCount")

# Upstream requeues a Deployment whose deadline is under a second away rate-limited (5 ms
# at first, doubling); the plan asks for one pass just after the deadline instead.
RATE_LIMITED_S = 0.005


def as_go(status: Any) -> Obj:
    """`status` as Go's JSON encoder writes a DeploymentStatus: fields in order, zero
    counts and empty conditions left out (keys it does not know kept, last)."""
    source = dict_of(status)
    out: Obj = {}
    for key in _ORDER:
        value = source.get(key)
        if key in _COUNTS:
            if int_of(value):
                out[key] = int_of(value)
        elif key == "conditions":
            if dicts_of(value):
                out[key] = [dict(c) for c in dicts_of(value)]
        elif value is not None:
            out[key] = value
    out.update({k: v for k, v in source.items() if k not in _ORDER})
    return out


def calculate_status(
    all_rss: Sequence[Obj | None], new_rs: Obj | None, d: Mapping[str, Any], now: datetime
) -> Obj:
    """calculateStatus: the Deployment's status from its ReplicaSets', with its current
    conditions and an Available condition for whether it has its minimum available."""
    available = util.available_replica_count(all_rss)
    unavailable = max(util.replica_count(all_rss) - available, 0)
    old = dict_of(d.get("status"))
    status: Obj = {
        "observedGeneration": int_of(dict_of(d.get("metadata")).get("generation")),
        "replicas": util.actual_replica_count(all_rss),
        "updatedReplicas": util.actual_replica_count([new_rs]),
        "readyReplicas": util.ready_replica_count(all_rss),
        "availableReplicas": available,
        "unavailableReplicas": unavailable,
        "terminatingReplicas": util.terminating_replica_count(all_rss),
        "conditions": copy.deepcopy(dicts_of(old.get("conditions"))),
        "collisionCount": old.get("collisionCount"),
    }
    if available >= util.replicas(d) - util.max_unavailable(d):
        condition = conditions.new_condition(
            conditions.AVAILABLE,
            "True",
            conditions.MINIMUM_REPLICAS_AVAILABLE,
            "Deployment has minimum availability.",
            now,
        )
    else:
        condition = conditions.new_condition(
            conditions.AVAILABLE,
            "False",
            conditions.MINIMUM_REPLICAS_UNAVAILABLE,
            "Deployment does not have minimum availability.",
            now,
        )
    conditions.set_condition(status, condition)
    return as_go(status)


def rollout_status(
    all_rss: Sequence[Obj | None], new_rs: Obj | None, d: Mapping[str, Any], now: datetime
) -> Obj:
    """syncRolloutStatus's new status: calculateStatus, then the Progressing condition
    (NewReplicaSetAvailable once complete, ReplicaSetUpdated while progressing,
    ProgressDeadlineExceeded once stuck past the deadline; none without a deadline) and
    the ReplicaFailure condition of the ReplicaSets."""
    status = calculate_status(all_rss, new_rs, d, now)
    if not util.has_progress_deadline(d):
        conditions.remove_condition(status, conditions.PROGRESSING)
    current = conditions.get_condition(dict_of(d.get("status")), conditions.PROGRESSING)
    complete = (
        int_of(status.get("replicas")) == int_of(status.get("updatedReplicas"))
        and current is not None
        and current.get("reason") == conditions.NEW_RS_AVAILABLE
    )
    if util.has_progress_deadline(d) and not complete:
        _progressing(status, current, new_rs, d, now)
    failures = replica_failures(all_rss, new_rs)
    if failures:
        conditions.set_condition(status, failures[0])
    else:
        conditions.remove_condition(status, conditions.REPLICA_FAILURE)
    return as_go(status)


def _subject(new_rs: Obj | None, d: Mapping[str, Any]) -> str:
    if new_rs is not None:
        return f'ReplicaSet "{dict_of(new_rs.get("metadata")).get("name", "")}"'
    return f'Deployment "{dict_of(d.get("metadata")).get("name", "")}"'


def _progressing(
    status: Obj, current: Obj | None, new_rs: Obj | None, d: Mapping[str, Any], now: datetime
) -> None:
    subject = _subject(new_rs, d)
    if util.deployment_complete(d, status):
        conditions.set_condition(
            status,
            conditions.new_condition(
                conditions.PROGRESSING,
                "True",
                conditions.NEW_RS_AVAILABLE,
                f"{subject} has successfully progressed.",
                now,
            ),
        )
    elif util.deployment_progressing(d, status):
        condition = conditions.new_condition(
            conditions.PROGRESSING,
            "True",
            conditions.REPLICA_SET_UPDATED,
            f"{subject} is progressing.",
            now,
        )
        # Progressing is special: the same reason again updates lastUpdateTime (which
        # SetDeploymentCondition would not), and a True one keeps its transition time.
        if current is not None:
            if current.get("status") == "True":
                condition["lastTransitionTime"] = current.get("lastTransitionTime")
            conditions.remove_condition(status, conditions.PROGRESSING)
        conditions.set_condition(status, condition)
    elif util.deployment_timed_out(d, status, now):
        conditions.set_condition(
            status,
            conditions.new_condition(
                conditions.PROGRESSING,
                "False",
                conditions.TIMED_OUT,
                f"{subject} has timed out progressing.",
                now,
            ),
        )


def replica_failures(all_rss: Sequence[Obj | None], new_rs: Obj | None) -> list[Obj]:
    """getReplicaFailures: the ReplicaFailure conditions of the new ReplicaSet, else of
    all of them in order, as Deployment conditions."""

    def failures(rs: Obj) -> list[Obj]:
        return [
            conditions.replica_set_to_deployment_condition(c)
            for c in dicts_of(dict_of(rs.get("status")).get("conditions"))
            if c.get("type") == conditions.REPLICA_FAILURE
        ]

    if new_rs is not None and (found := failures(new_rs)):
        return found
    return [c for rs in all_rss if rs is not None for c in failures(rs)]


def requeue_stuck(d: Mapping[str, Any], status: Mapping[str, Any], now: datetime) -> float | None:
    """requeueStuckDeployment: seconds until a rollout that shows no progress should be
    checked against its deadline (lastUpdateTime + progressDeadlineSeconds, plus a second
    against clock skew); None when there is no deadline to watch."""
    current = conditions.get_condition(dict_of(d.get("status")), conditions.PROGRESSING)
    if not util.has_progress_deadline(d) or current is None:
        return None
    if util.deployment_complete(d, status) or current.get("reason") == conditions.TIMED_OUT:
        return None
    deadline = int_of(dict_of(d.get("spec")).get("progressDeadlineSeconds"))
    since = timestamps.parse(current.get("lastUpdateTime"))
    after = (since + timedelta(seconds=deadline) - now).total_seconds()
    if after < 1:
        return max(after, 0.0) + RATE_LIMITED_S
    return after + 1
