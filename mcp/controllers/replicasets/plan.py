"""The ReplicaSet controller's decisions: given a ReplicaSet and the Pods of its
namespace, which Pods to adopt, release, create and delete, the status to write, and when
to look again.

A port of upstream's `pkg/controller/replicaset/replica_set.go` (`syncReplicaSet`,
`manageReplicas`, `getPodsToDelete`, `getIndirectlyRelatedPods`) and
`replica_set_utils.go` (`calculateStatus`, `updateReplicaSetStatus`'s no-op check), as of
Kubernetes 1.36 with its default feature gates (`status.terminatingReplicas` written,
DeploymentReplicaSetTerminatingReplicas being beta since 1.35). What `plan` leaves to the
actor that calls it:

- It assumes the cache it reads already shows the actor's earlier writes. Upstream keeps
  "expectations" (creates and deletes it waits to see) and, since 1.36, waits for its
  cache to reach its last status write; the actor must do one or the other (waiting for
  the cache to reach the revision of its last write is simplest), or a pass that runs
  before the cache shows its Pods creates them twice.
- Creates: `plan.create` copies of `plan.pod` (a `generateName`), at most
  `BURST_REPLICAS` a pass as upstream. Upstream sends them in slow-start batches (1, 2, 4,
  ...; `slow_start_batches`), stopping at the first failure; one actor making the calls
  may do the same, or send them one by one. Deletes: `plan.delete`, names in upstream's
  order, all of them (upstream sends them at once).
- Adoption (`plan.adopt`) and release (`plan.release`) are strategic merge patches of the
  Pods' ownerReferences, sent before the creates and deletes; upstream rereads the
  ReplicaSet (uncached) before the first adoption, and adopts nothing if it is being
  deleted.
- The status: `plan.status` if every create and delete succeeds, None when it would not
  change (upstream skips the write). If one fails, write
  `calculate_status(rs, plan.counts, str(error), now)` instead (upstream's ReplicaFailure
  condition) and retry with backoff; a create refused because the namespace is
  terminating is no failure (upstream ignores it).
- `plan.requeue_after`: seconds until a Ready Pod becomes available (minReadySeconds).

Pure: no I/O, no trio, no clock (`now` is an argument).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from mcp.controllers import ownership, pod_facts, timestamps
from mcp.controllers.replicasets import pods as podutil
from mcp.engine.pods.conditions import dict_of, dicts_of, int_of

API_VERSION = "apps/v1"
KIND = "ReplicaSet"
BURST_REPLICAS = 500  # upstream's BurstReplicas: creates or deletes at most, a pass
SLOW_START_INITIAL_BATCH_SIZE = 1  # controller.SlowStartInitialBatchSize

REPLICA_FAILURE = "ReplicaFailure"
FAILED_CREATE = "FailedCreate"  # the condition's reason, and the Warning event's
FAILED_DELETE = "FailedDelete"
# The events upstream's PodControl records, for the actor to record once a write is done:
# Normal SuccessfulCreate "Created pod: <name>", Warning FailedCreate "Error creating:
# <error>", Normal SuccessfulDelete "Deleted pod: <name>", Warning FailedDelete "Error
# deleting: <error>".
SUCCESSFUL_CREATE = "SuccessfulCreate"
SUCCESSFUL_DELETE = "SuccessfulDelete"
NO_LABELS = "unable to create pods, no labels"

Pod = dict[str, Any]


@dataclass(frozen=True)
class Counts:
    """What calculateStatus counts among the ReplicaSet's Pods."""

    replicas: int = 0  # active Pods it owns
    fully_labeled: int = 0  # ... whose labels include all of the template's
    ready: int = 0
    available: int = 0  # ready for more than minReadySeconds
    terminating: int = 0  # being deleted, not yet Succeeded or Failed


@dataclass(frozen=True)
class ReplicaSetPlan:
    """What one pass does for a ReplicaSet.

    Attributes:
        adopt: ownerReference patches for matching orphan Pods.
        release: ownerReference patches for owned Pods the selector no longer matches.
        create: how many Pods to create from `pod`.
        pod: the Pod to create (`metadata.generateName`), when `create` is not 0.
        delete: names of Pods to delete, those to go first first.
        counts: what the status counts (for `calculate_status` after a failure).
        status: the status to write if every create and delete succeeds; None if unchanged.
        requeue_after: seconds until the next pass is due whatever happens meanwhile.
        problem: why nothing is decided (an invalid selector); upstream logs it and waits
            for the ReplicaSet to change.
    """

    adopt: tuple[ownership.Patch, ...] = ()
    release: tuple[ownership.Patch, ...] = ()
    create: int = 0
    pod: Pod | None = None
    delete: tuple[str, ...] = ()
    counts: Counts = Counts()
    status: dict[str, Any] | None = None
    requeue_after: float | None = None
    problem: str | None = None


def plan(
    rs: Mapping[str, Any],
    pods: Iterable[Pod],
    now: datetime,
    *,
    replicasets: Iterable[Mapping[str, Any]] = (),
) -> ReplicaSetPlan:
    """syncReplicaSet: decide one pass for `rs`.

    Args:
        rs: the ReplicaSet as stored.
        pods: the Pods of its namespace (others are ignored).
        now: the time of the pass, for availability and condition times.
        replicasets: the ReplicaSets of its namespace; on a scale-down, Pods sharing a
            node with many Pods of ReplicaSets under the same controller go first
            (upstream's rank). Without them every rank is equal.

    Returns:
        The decisions; see the module docstring for how an actor carries them out.
    """
    meta = dict_of(rs.get("metadata"))
    spec = dict_of(rs.get("spec"))
    try:
        selector = ownership.label_selector(spec.get("selector"))
    except ownership.InvalidSelector as exc:
        return ReplicaSetPlan(problem=f"invalid selector: {exc}")
    namespace = meta.get("namespace") or ""
    in_namespace = [
        p for p in pods if (dict_of(p.get("metadata")).get("namespace") or "") == namespace
    ]
    # FilterPodsByOwner(..., includeOrphanedPods=true): this ReplicaSet's Pods and orphans.
    candidates = [p for p in in_namespace if _owned_or_orphan(p, meta.get("uid"))]

    def match(pod: Pod) -> bool:
        return ownership.matches(selector, dict_of(pod.get("metadata")).get("labels"))

    claim = ownership.claim(
        rs, [p for p in candidates if pod_facts.is_active(p)], match, API_VERSION, KIND
    )
    active = list(claim.claimed)
    terminating = [
        p
        for p in candidates
        if pod_facts.is_terminating(p) and ownership.is_controlled_by(p, rs) and match(p)
    ]
    create: int = 0
    pod: Pod | None = None
    delete: tuple[str, ...] = ()
    error: str | None = None
    if not meta.get("deletionTimestamp"):
        create, pod, delete, error = _manage_replicas(rs, active, in_namespace, replicasets, now)
    counts = count(rs, active, terminating, now)
    status = calculate_status(rs, counts, error, now)
    return ReplicaSetPlan(
        adopt=claim.adopt,
        release=claim.release,
        create=create,
        pod=pod,
        delete=delete,
        counts=counts,
        status=status if status_changed(rs, status) else None,
        requeue_after=next_availability_check(rs, active, status, now),
    )


def _owned_or_orphan(pod: Pod, uid: Any) -> bool:
    reference = ownership.controller_of(pod)
    return reference is None or reference.get("uid") == uid


def replicas_of(rs: Mapping[str, Any]) -> int:
    """`spec.replicas`, 1 when absent (SetDefaults_ReplicaSet)."""
    value = dict_of(rs.get("spec")).get("replicas")
    return value if isinstance(value, int) and not isinstance(value, bool) else 1


def _manage_replicas(
    rs: Mapping[str, Any],
    active: list[Pod],
    namespace_pods: Sequence[Pod],
    replicasets: Iterable[Mapping[str, Any]],
    now: datetime,
) -> tuple[int, Pod | None, tuple[str, ...], str | None]:
    """manageReplicas: (how many to create, the Pod, names to delete, the error)."""
    diff = len(active) - replicas_of(rs)
    if diff < 0:
        pod = pod_facts.pod_from_template(
            dict_of(dict_of(rs.get("spec")).get("template")), rs, API_VERSION, KIND
        )
        if not pod["metadata"]["labels"]:
            return 0, None, (), NO_LABELS  # createPods refuses a Pod without labels
        return min(-diff, BURST_REPLICAS), pod, (), None
    if diff > 0:
        n = min(diff, BURST_REPLICAS)
        related = related_pods(rs, replicasets, namespace_pods)
        doomed = pods_to_delete(active, related, n, now)
        return 0, None, tuple(str(dict_of(p.get("metadata")).get("name")) for p in doomed), None
    return 0, None, (), None


def pods_to_delete(
    active: Sequence[Pod], related: Sequence[Pod], diff: int, now: datetime
) -> list[Pod]:
    """getPodsToDelete: the `diff` Pods to delete, preferring those less far in starting up."""
    if diff < len(active):
        return podutil.deletion_order(active, related, now)[:diff]
    return list(active[:diff])


def related_pods(
    rs: Mapping[str, Any], replicasets: Iterable[Mapping[str, Any]], pods: Sequence[Pod]
) -> list[Pod]:
    """getIndirectlyRelatedPods: the Pods every ReplicaSet with `rs`'s controller selects
    (each once); none when `rs` has no controller."""
    reference = ownership.controller_of(rs)
    if reference is None:
        return []
    uid = dict_of(rs.get("metadata")).get("uid")
    namespace = dict_of(rs.get("metadata")).get("namespace") or ""
    siblings = [
        r for r in replicasets if (dict_of(r.get("metadata")).get("namespace") or "") == namespace
    ]
    if not any(dict_of(r.get("metadata")).get("uid") == uid for r in siblings):
        siblings.append(rs)
    seen: set[str] = set()
    related: list[Pod] = []
    for sibling in siblings:
        sibling_ref = ownership.controller_of(sibling)
        if sibling_ref is None or sibling_ref.get("uid") != reference.get("uid"):
            continue
        try:
            selector = ownership.label_selector(dict_of(sibling.get("spec")).get("selector"))
        except ownership.InvalidSelector:
            continue  # an invalid selector matches no Pod
        for pod in pods:
            pod_meta = dict_of(pod.get("metadata"))
            pod_uid = str(pod_meta.get("uid") or "")
            if ownership.matches(selector, pod_meta.get("labels")) and pod_uid not in seen:
                seen.add(pod_uid)
                related.append(pod)
    return related


def count(
    rs: Mapping[str, Any], active: Sequence[Pod], terminating: Sequence[Pod], now: datetime
) -> Counts:
    """The counting half of calculateStatus."""
    spec = dict_of(rs.get("spec"))
    template_labels = dict_of(dict_of(dict_of(spec.get("template")).get("metadata")).get("labels"))
    min_ready = int_of(spec.get("minReadySeconds"))
    fully = ready = available = 0
    for pod in active:
        labels = dict_of(dict_of(pod.get("metadata")).get("labels"))
        if all(labels.get(k) == v for k, v in template_labels.items()):
            fully += 1
        if pod_facts.is_ready(pod):
            ready += 1
            if podutil.is_available(pod, min_ready, now):
                available += 1
    return Counts(len(active), fully, ready, available, len(terminating))


def calculate_status(
    rs: Mapping[str, Any], counts: Counts, manage_error: str | None, now: datetime
) -> dict[str, Any]:
    """calculateStatus, then the observedGeneration updateReplicaSetStatus stamps.

    Args:
        rs: the ReplicaSet as read.
        counts: what `count` found.
        manage_error: why a create or delete failed (its message), or None.
        now: the time of a new ReplicaFailure condition.

    Returns:
        The status as v1 JSON, zero counts left out as Go's omitempty leaves them out.
    """
    old = dict_of(rs.get("status"))
    conditions = [dict(c) for c in dicts_of(old.get("conditions"))]
    failure = _condition(conditions, REPLICA_FAILURE)
    if manage_error is not None and failure is None:
        diff = counts.replicas - replicas_of(rs)
        reason = FAILED_CREATE if diff < 0 else FAILED_DELETE if diff > 0 else ""
        condition = {
            "type": REPLICA_FAILURE,
            "status": "True",
            "lastTransitionTime": timestamps.rfc3339(now),
            "reason": reason,
            "message": manage_error,
        }
        conditions = set_condition(conditions, condition)
    elif manage_error is None and failure is not None:
        conditions = [c for c in conditions if c.get("type") != REPLICA_FAILURE]
    status: dict[str, Any] = {"replicas": counts.replicas}
    for key, value in (
        ("fullyLabeledReplicas", counts.fully_labeled),
        ("readyReplicas", counts.ready),
        ("availableReplicas", counts.available),
    ):
        if value:
            status[key] = value
    status["terminatingReplicas"] = counts.terminating
    generation = int_of(dict_of(rs.get("metadata")).get("generation"))
    if generation:
        status["observedGeneration"] = generation
    if conditions:
        status["conditions"] = conditions
    return status


def _condition(conditions: Sequence[dict[str, Any]], kind: str) -> dict[str, Any] | None:
    return next((c for c in conditions if c.get("type") == kind), None)


def set_condition(
    conditions: list[dict[str, Any]], condition: dict[str, Any]
) -> list[dict[str, Any]]:
    """SetCondition: replace the condition of its type, unless status and reason are the same."""
    current = _condition(conditions, condition["type"])
    if (
        current is not None
        and current.get("status") == condition["status"]
        and current.get("reason") == condition["reason"]
    ):
        return conditions
    return [c for c in conditions if c.get("type") != condition["type"]] + [condition]


def status_changed(rs: Mapping[str, Any], status: Mapping[str, Any]) -> bool:
    """Whether upstream's updateReplicaSetStatus would write `status` (it skips the write
    when the counts, conditions and observedGeneration already match)."""
    old = dict_of(rs.get("status"))
    generation = int_of(dict_of(rs.get("metadata")).get("generation"))
    for key in ("replicas", "fullyLabeledReplicas", "readyReplicas", "availableReplicas"):
        if int_of(old.get(key)) != int_of(status.get(key)):
            return True
    if old.get("terminatingReplicas") != status.get("terminatingReplicas"):
        return True
    if int_of(old.get("observedGeneration")) != generation:
        return True
    return dicts_of(old.get("conditions")) != dicts_of(status.get("conditions"))


def next_availability_check(
    rs: Mapping[str, Any], active: Sequence[Pod], status: Mapping[str, Any], now: datetime
) -> float | None:
    """When to look again for Pods becoming available (FindMinNextPodAvailabilityCheck):
    with minReadySeconds set and some Pods ready but not yet available, the seconds until
    the first of them is, else minReadySeconds; None when nothing waits on time."""
    min_ready = int_of(dict_of(rs.get("spec")).get("minReadySeconds"))
    if min_ready <= 0 or int_of(status.get("readyReplicas")) == int_of(
        status.get("availableReplicas")
    ):
        return None
    waits = [w for p in active if (w := podutil.available_in(p, min_ready, now)) is not None]
    return min(waits) if waits else float(min_ready)


def slow_start_batches(count: int, initial: int = SLOW_START_INITIAL_BATCH_SIZE) -> list[int]:
    """slowStartBatch's batch sizes for `count` calls: `initial`, then doubling, the last
    one what is left. Upstream stops at the first batch with a failure."""
    batches: list[int] = []
    remaining = count
    size = min(remaining, initial)
    while size > 0:
        batches.append(size)
        remaining -= size
        size = min(2 * size, remaining)
    return batches
