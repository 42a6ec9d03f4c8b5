"""What the ReplicaSet controller asks of a Pod beyond `pod_facts`: whether it is available,
and which Pods go first on a scale-down.

Ported from upstream, with the feature gates as they default today (PodDeletionCost on,
LogarithmicScaleDown locked on):

    is_available                    pkg/api/v1/pod/util.go IsPodAvailable
    deletion_order                  controller_utils.go ActivePodsWithRanks.Less
    ranks_on_same_node              pkg/controller/replicaset/replica_set.go
                                    getPodsRankedByRelatedPodsOnSameNode
    deletion_cost                   pkg/apis/core/helper GetDeletionCostFromPodAnnotations

Pods are v1 JSON dicts as the kubelet writes them (mcp's writes `status.phase` and the
`Ready` condition as upstream's does). Pure: no I/O, no clock.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from mcp.controllers import timestamps
from mcp.controllers.pod_facts import (
    is_active,
    is_ready,
    max_container_restarts,
    node_name,
    phase,
    ready_condition,
)
from mcp.engine.pods.conditions import dict_of

POD_DELETION_COST = "controller.kubernetes.io/pod-deletion-cost"
_PHASE_ORDINAL = {"Pending": 0, "Unknown": 1, "Running": 2}  # any other phase counts as 0
_INT32 = (-(2**31), 2**31 - 1)
_DECIMAL = re.compile(r"[+-]?[0-9]+")

Pod = dict[str, Any]


def _meta(obj: Mapping[str, Any]) -> dict[str, Any]:
    return dict_of(obj.get("metadata"))


def ready_since(pod: Mapping[str, Any]) -> datetime:
    """podReadyTime: when a ready Pod became ready (zero if it is not ready)."""
    condition = ready_condition(pod)
    if condition is None or condition.get("status") != "True":
        return timestamps.ZERO
    return timestamps.parse(condition.get("lastTransitionTime"))


def is_available(pod: Mapping[str, Any], min_ready_seconds: int, now: datetime) -> bool:
    """IsPodAvailable: ready, and for more than `min_ready_seconds` (strictly) by `now`."""
    if not is_ready(pod):
        return False
    if min_ready_seconds == 0:
        return True
    since = ready_since(pod)
    return not timestamps.is_zero(since) and since + timedelta(seconds=min_ready_seconds) < now


def available_in(pod: Mapping[str, Any], min_ready_seconds: int, now: datetime) -> float | None:
    """Seconds until a ready Pod becomes available (upstream's nextPodAvailabilityCheck),
    0 when that moment is now; None if it is not ready, is available, or never will be."""
    if not is_ready(pod) or min_ready_seconds == 0 or is_available(pod, min_ready_seconds, now):
        return None
    since = ready_since(pod)
    if timestamps.is_zero(since):
        return None
    return max(0.0, (since + timedelta(seconds=min_ready_seconds) - now).total_seconds())


def deletion_cost(pod: Mapping[str, Any]) -> int:
    """GetDeletionCostFromPodAnnotations: the annotated cost, 0 if absent or invalid.

    As upstream's: a leading '+' or a leading zero (but "0") is invalid, and so is a
    value outside int32.
    """
    value = dict_of(_meta(pod).get("annotations")).get(POD_DELETION_COST)
    if not isinstance(value, str) or not value:
        return 0
    if not (value[0] == "-" or value == "0" or "1" <= value[0] <= "9"):
        return 0
    if not _DECIMAL.fullmatch(value):
        return 0
    cost = int(value)
    return cost if _INT32[0] <= cost <= _INT32[1] else 0


def ranks_on_same_node(pods: Sequence[Pod], related: Sequence[Pod]) -> list[int]:
    """getPodsRankedByRelatedPodsOnSameNode: for each Pod, how many active related Pods
    share its node (`spec.nodeName`, "" for unscheduled ones counted together)."""
    on_node: dict[str, int] = {}
    for pod in related:
        if is_active(pod):
            node = node_name(pod)
            on_node[node] = on_node.get(node, 0) + 1
    return [on_node.get(node_name(pod), 0) for pod in pods]


def _after_or_zero(t1: datetime, t2: datetime) -> bool:
    """afterOrZero: t1 after t2, a zero time counting as after any other."""
    if timestamps.is_zero(t1) or timestamps.is_zero(t2):
        return timestamps.is_zero(t1)
    return t1 > t2


def _log_rank(moment: datetime, now: datetime) -> int:
    d = timestamps.nanoseconds(now, moment)
    return int(math.log2(d)) if d > 0 else -1


def _newer_first(t1: datetime, t2: datetime, uid1: str, uid2: str, now: datetime) -> bool:
    """Rules 6 and 8 of ActivePodsWithRanks.Less: the later time first, on a logarithmic
    scale (logarithmicRankDiff), same rank broken by uid."""
    if timestamps.is_zero(now) or timestamps.is_zero(t1) or timestamps.is_zero(t2):
        return _after_or_zero(t1, t2)
    rank_diff = _log_rank(t1, now) - _log_rank(t2, now)
    if rank_diff == 0:
        return uid1 < uid2
    return rank_diff < 0


def deletes_first(a: Pod, rank_a: int, b: Pod, rank_b: int, now: datetime) -> bool:
    """ActivePodsWithRanks.Less: whether `a` should be deleted before `b`."""
    node_a, node_b = node_name(a), node_name(b)
    if node_a != node_b and (not node_a or not node_b):
        return not node_a  # 1. unassigned before assigned
    ordinal_a, ordinal_b = _PHASE_ORDINAL.get(phase(a), 0), _PHASE_ORDINAL.get(phase(b), 0)
    if ordinal_a != ordinal_b:
        return ordinal_a < ordinal_b  # 2. Pending < Unknown < Running
    ready_a, ready_b = is_ready(a), is_ready(b)
    if ready_a != ready_b:
        return not ready_a  # 3. not ready before ready
    cost_a, cost_b = deletion_cost(a), deletion_cost(b)
    if cost_a != cost_b:
        return cost_a < cost_b  # 4. lower pod-deletion-cost first
    if rank_a != rank_b:
        return rank_a > rank_b  # 5. more related Pods on the same node first
    uid_a, uid_b = str(_meta(a).get("uid") or ""), str(_meta(b).get("uid") or "")
    if ready_a and ready_b:
        since_a, since_b = ready_since(a), ready_since(b)
        if since_a != since_b:
            return _newer_first(since_a, since_b, uid_a, uid_b, now)  # 6. ready for less time
    restarts_a, restarts_b = max_container_restarts(a), max_container_restarts(b)
    if restarts_a != restarts_b:
        return restarts_a > restarts_b  # 7. more restarts first
    created_a = timestamps.parse(_meta(a).get("creationTimestamp"))
    created_b = timestamps.parse(_meta(b).get("creationTimestamp"))
    if created_a != created_b:
        return _newer_first(created_a, created_b, uid_a, uid_b, now)  # 8. newer first
    return False


def deletion_order(pods: Sequence[Pod], related: Sequence[Pod], now: datetime) -> list[Pod]:
    """`pods` sorted as getPodsToDelete sorts them: those to delete first come first.

    Args:
        pods: the ReplicaSet's active Pods.
        related: the Pods of every ReplicaSet with the same controller (for rule 5).
        now: the reference time of the logarithmic comparisons.

    Returns:
        A new list. The sort is stable where upstream's `sort.Sort` is not: Pods no rule
        tells apart keep their given order here, and an arbitrary one upstream.
    """
    ranked = list(zip(pods, ranks_on_same_node(pods, related), strict=True))

    def compare(x: tuple[Pod, int], y: tuple[Pod, int]) -> int:
        if deletes_first(x[0], x[1], y[0], y[1], now):
            return -1
        if deletes_first(y[0], y[1], x[0], x[1], now):
            return 1
        return 0

    return [pod for pod, _ in sorted(ranked, key=functools.cmp_to_key(compare))]
