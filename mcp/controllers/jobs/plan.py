"""What one pass of the Job controller (batch/v1) does for one Job. Pure.

Ported from kube-controller-manager's pkg/controller/job/job_controller.go (syncJob,
manageJob, trackJobStatusAndRemoveFinalizers, enactJobFinished) as of kubernetes master in
2026, with the feature gates at their defaults there (JobPodReplacementPolicy, JobManagedBy,
JobSuccessPolicy and PodIndexLabel all on): `decide(job, pods, backoff, now=...)` reads the
Job as stored, the Pods it controls and the actor's `Backoff` memory, and answers a `Plan`
(its docstring is the actor's contract). Counting is upstream's tracking with the
`batch.kubernetes.io/job-tracking` finalizer, one status write per pass: a finished Pod's
UID enters `status.uncountedTerminatedPods` and its finalizer goes; the pass that sees it
without the finalizer (or gone) moves it into `status.succeeded` or `status.failed`.
Never ported: adopting orphans or releasing Pods by the selector (only the Job's controller
reference counts), successPolicy, backoffLimitPerIndex, slow-start batches, Workloads.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from mcp.controllers.jobs import failure_policy, indexes
from mcp.controllers.jobs.backoff import Backoff
from mcp.controllers.jobs.indexes import UNKNOWN, Intervals
from mcp.controllers.jobs.pods import (
    controlled_by,
    for_removal,
    from_template,
    index_of,
    name_of,
    tracked,
    uid_of,
)
from mcp.controllers.jobs.spec import INDEXED, JOB_CONTROLLER, NON_INDEXED, Spec
from mcp.controllers.jobs.spec import read as read_spec
from mcp.controllers.jobs.ttl import COMPLETE, FAILED, expire, finished
from mcp.controllers.pod_facts import FAILED as FAILED_POD
from mcp.controllers.pod_facts import (
    SUCCEEDED,
    deleting,
    is_active,
    is_ready,
    is_terminating,
    phase,
)
from mcp.engine.pods.conditions import dict_of, dicts_of, int_of
from mcp.kinds.apimachinery import rfc3339
from mcp.model import parse_time

SUSPENDED = "Suspended"
FAILURE_TARGET, SUCCESS_CRITERIA_MET = "FailureTarget", "SuccessCriteriaMet"
BACKOFF_LIMIT_EXCEEDED = "BackoffLimitExceeded"
DEADLINE_EXCEEDED = "DeadlineExceeded"
POD_FAILURE_POLICY = "PodFailurePolicy"
COMPLETIONS_REACHED = "CompletionsReached"
BACKOFF_LIMIT_MESSAGE = "Job has reached the specified backoff limit"
DEADLINE_MESSAGE = "Job was active longer than specified deadline"
COMPLETIONS_MESSAGE = "Reached expected number of succeeded pods"

MAX_UNCOUNTED_PODS = 500  # MaxUncountedPods: keeps uncountedTerminatedPods under ~20 KB
MAX_CREATE_DELETE = 500  # MaxPodCreateDeletePerSync
MIN_DELAY_S = 1.0  # syncJobBatchPeriod: enqueueSyncJobWithDelay's floor


@dataclass(frozen=True)
class Event:
    """An Event to record on the Job, once the pass's status is written."""

    type: str  # Normal or Warning
    reason: str
    message: str


@dataclass(frozen=True)
class Plan:
    """What one pass does for a Job, in the order the actor performs it.

    The actor writes `status` first, with compare-and-swap on the resourceVersion it read
    (a plan made from a stale cache then fails and is made again); then patches the
    tracking finalizer off `remove_finalizers`; then deletes `delete`; then creates
    `create`. That order is what counts each Pod exactly once and keeps `status.succeeded`
    and `status.failed` from going backwards: a UID is in the status before its finalizer
    goes, enters the uncounted list at most once, and leaves it once, into a counter. The
    actor keeps `backoff` once the status is written, runs the Job again after
    `requeue_after`, and when `delete_job` deletes the Job (propagation Foreground,
    precondition on its uid, after a fresh read, as ttlafterfinished does). Its next pass
    must see its own writes, or it would create the same Pods twice (upstream's
    "expectations").

    Attributes:
        status: the Job's new status, to write first; None when it is unchanged.
        remove_finalizers: names of Pods to patch the tracking finalizer off, once
            `status` is written.
        delete: names of Pods to delete, after those patches.
        create: Pods to create (v1 JSON with `generateName`), last.
        backoff: the actor's memory for the next pass, to keep once `status` is written.
        requeue_after: seconds until a pass is due whatever changes (a backoff ends, the
            deadline passes, the TTL expires); None when only a change is.
        delete_job: ttlSecondsAfterFinished has expired: delete the Job.
        events: Events to record on the Job after the status write.
    """

    status: dict[str, Any] | None = None
    remove_finalizers: tuple[str, ...] = ()
    delete: tuple[str, ...] = ()
    create: tuple[dict[str, Any], ...] = ()
    backoff: Backoff = field(default_factory=Backoff)
    requeue_after: float | None = None
    delete_job: bool = False
    events: tuple[Event, ...] = ()


def decide(
    job: dict[str, Any],
    pods: Sequence[dict[str, Any]],
    backoff: Backoff | None = None,
    *,
    now: datetime,
) -> Plan:
    """One pass of the Job controller for `job`.

    Args:
        job: the Job as stored (v1 JSON, with its status).
        pods: the Pods of the Job's namespace the actor found for it; only those whose
            controller reference is the Job's uid count.
        backoff: the memory the previous pass's plan handed back (none on the first).
        now: the pass's one clock reading.

    Returns:
        The plan: the status to write, the Pods to change, when to look again.
    """
    backoff = backoff or Backoff()
    spec = read_spec(job)
    status = dict_of(job.get("status"))
    owned = [pod for pod in pods if controlled_by(pod, spec.uid)]
    if spec.managed_by not in (None, JOB_CONTROLLER):
        return Plan(backoff=backoff)  # another controller's Job
    if finished(job) is not None:
        # Done before: only the TTL, and finalizers a crash left (cleanupPodFinalizers).
        expiry = expire(job, now)
        leftover = tuple(name_of(pod) for pod in owned if tracked(pod))
        return Plan(
            remove_finalizers=leftover, delete_job=expiry.delete, requeue_after=expiry.after
        )
    if spec.mode not in (NON_INDEXED, INDEXED):
        unknown = Event(
            "Warning",
            "UnknownCompletionMode",
            "Skipped Job sync because completion mode is unknown",
        )
        return Plan(backoff=backoff, events=(unknown,))
    if spec.indexed and spec.completions is None:
        return Plan(backoff=backoff)  # validation requires completions for Indexed Jobs
    return _Pass(spec, status, owned, backoff, now).plan()


def release_orphan(pod: dict[str, Any], job: dict[str, Any] | None) -> bool:
    """syncOrphanPod: whether to patch the tracking finalizer off a Pod no live Job counts.

    Args:
        pod: a Pod carrying the finalizer.
        job: the Job its controller reference resolves to (same namespace, name and uid),
            None when there is none.

    Returns:
        True when the Pod has no controller, or a batch/v1 Job controller that is gone or
        finished; False when another kind controls it, or its Job is live or managed by
        another controller.
    """
    if not tracked(pod):
        return False
    for reference in dicts_of(dict_of(pod.get("metadata")).get("ownerReferences")):
        if reference.get("controller") is True:
            if (reference.get("apiVersion"), reference.get("kind")) != ("batch/v1", "Job"):
                return False  # not a Job's Pod: its finalizer is none of our business
            if job is not None:
                managed_by = dict_of(job.get("spec")).get("managedBy")
                if managed_by not in (None, JOB_CONTROLLER) or finished(job) is None:
                    return False
            break
    return True


class _Pass:
    """syncJob over one snapshot; `plan` is called once."""

    def __init__(
        self,
        spec: Spec,
        status: dict[str, Any],
        owned: list[dict[str, Any]],
        backoff: Backoff,
        now: datetime,
    ) -> None:
        self.spec, self.status, self.owned, self.now = spec, status, owned, now
        self.stamp = rfc3339(now)  # metav1.Time
        uncounted = dict_of(status.get("uncountedTerminatedPods"))
        self.uncounted_succeeded = _strings(uncounted.get("succeeded"))
        self.uncounted_failed = _strings(uncounted.get("failed"))
        self.conditions = [dict(c) for c in dicts_of(status.get("conditions"))]
        self.active_pods = [pod for pod in owned if is_active(pod)]
        self.active = len(self.active_pods)
        self.ready = sum(is_ready(pod) for pod in self.active_pods)
        self.terminating = sum(is_terminating(pod) for pod in owned)
        self.start = status.get("startTime") or None
        new_succeeded = [
            p
            for p in self._uncounted_with_finalizer(self.uncounted_succeeded)
            if phase(p) == SUCCEEDED
        ]
        new_failed = [
            p for p in self._uncounted_with_finalizer(self.uncounted_failed) if self._failed(p)
        ]
        self.succeeded = (
            int_of(status.get("succeeded")) + len(new_succeeded) + len(self.uncounted_succeeded)
        )
        self.failed = (
            int_of(status.get("failed"))
            + sum(self._counts(pod) for pod in new_failed)
            + len(self.uncounted_failed)
        )
        self.backoff = backoff.updated(new_succeeded, new_failed)
        self.requeue: list[float] = []
        self.events: list[Event] = []
        self.create: list[dict[str, Any]] = []
        self.delete: list[str] = []
        self.remove: list[str] = []

    def plan(self) -> Plan:
        spec = self.spec
        if self.start is None and not spec.suspend:
            self.start = self.stamp  # the Job's first start
        done = self._finished_condition()
        previous, succeeded_indexes = Intervals(), Intervals()
        if spec.indexed:
            previous, succeeded_indexes = self._succeeded_indexes()
            self.succeeded = succeeded_indexes.total()
        if done is not None:
            # Failing: every active Pod goes, its finalizer kept so that it counts failed.
            self.delete += [name_of(pod) for pod in self.active_pods]
            self._removed(self.active_pods)
        else:
            managed = False
            if not spec.deleting:
                self._manage(succeeded_indexes)
                managed = True
            if spec.completions is None:
                complete = self.succeeded > 0 and self.active == 0
            else:
                complete = self.succeeded >= spec.completions and self.active == 0
            if complete:
                done = self._condition(
                    SUCCESS_CRITERIA_MET, COMPLETIONS_REACHED, COMPLETIONS_MESSAGE
                )
            elif managed:
                self._suspension()
        return self._track(done, previous, succeeded_indexes)

    # --- what the Job's end is --------------------------------------------------------------

    def _finished_condition(self) -> dict[str, Any] | None:
        """The condition the Job is to end with, as syncJob orders the criteria: an earlier
        SuccessCriteriaMet or FailureTarget, a FailJob rule, the backoff limit, the
        deadline (else a pass at the deadline)."""
        spec = self.spec
        met = _true(self.conditions, SUCCESS_CRITERIA_MET)
        if met is not None:
            return met
        target = _true(self.conditions, FAILURE_TARGET)
        if target is not None:
            return self._condition(FAILED, target.get("reason", ""), target.get("message", ""))
        message = self._fail_job_message()
        if message is not None:
            return self._condition(FAILURE_TARGET, POD_FAILURE_POLICY, message)
        if self.failed > spec.backoff_limit or self._past_backoff_limit_on_failure():
            return self._condition(FAILURE_TARGET, BACKOFF_LIMIT_EXCEEDED, BACKOFF_LIMIT_MESSAGE)
        started = parse_time(self.start)
        if spec.deadline_s is not None and started is not None and not spec.suspend:
            left = spec.deadline_s - (self.now - started).total_seconds()
            if left <= 0:
                return self._condition(FAILURE_TARGET, DEADLINE_EXCEEDED, DEADLINE_MESSAGE)
            self.requeue.append(left)
        return None

    def _fail_job_message(self) -> str | None:
        """getFailJobMessage: the message of the first failed Pod a FailJob rule matches."""
        if self.spec.failure_policy is None:
            return None
        for pod in self.owned:
            if self._failed(pod):
                message = failure_policy.match(self.spec.failure_policy, pod).message
                if message is not None:
                    return message
        return None

    def _past_backoff_limit_on_failure(self) -> bool:
        """pastBackoffLimitOnFailure: with restartPolicy OnFailure, the restarts of the
        running and pending Pods' containers reach backoffLimit (pass it, for 0)."""
        if dict_of(self.spec.template.get("spec")).get("restartPolicy") != "OnFailure":
            return False
        restarts = 0
        for pod in self.owned:
            if phase(pod) in ("Running", "Pending"):
                status = dict_of(pod.get("status"))
                for key in ("initContainerStatuses", "containerStatuses"):
                    restarts += sum(
                        int_of(c.get("restartCount")) for c in dicts_of(status.get(key))
                    )
        limit = self.spec.backoff_limit
        return restarts > 0 if limit == 0 else restarts >= limit

    # --- the Pods ----------------------------------------------------------------------------

    def _manage(self, succeeded_indexes: Intervals) -> None:
        """manageJob: delete Pods over what is wanted, else create the missing ones once
        the failure backoff allows."""
        spec = self.spec
        if spec.suspend:
            self._delete_tracked(
                for_removal(self.active_pods, self.active, self._completions_if_indexed)
            )
            return
        if spec.completions is None:
            # A work queue: `parallelism` Pods until one succeeds, then let them finish.
            want = self.active if self.succeeded > 0 else spec.parallelism
        else:
            want = max(0, min(spec.completions - self.succeeded, spec.parallelism))
        excess = for_removal(
            self.active_pods, max(0, self.active - want), self._completions_if_indexed
        )
        if excess:
            # Deletions and creations never share a pass; deletions come first.
            self._delete_tracked(excess[:MAX_CREATE_DELETE])
            return
        terminating = self.terminating if spec.only_replace_failed else 0
        missing = want - terminating - self.active
        if missing <= 0:
            return
        left = self.backoff.remaining(self.now)
        if left > 0:
            self.requeue.append(max(left, MIN_DELAY_S))
            return
        missing = min(missing, MAX_CREATE_DELETE)
        if spec.indexed:
            for index in self._first_pending_indexes(missing, succeeded_indexes):
                self.create.append(self._pod(index))
        else:
            self.create += [self._pod(None) for _ in range(missing)]
        self.active += len(self.create)

    @property
    def _completions_if_indexed(self) -> int | None:
        return (self.spec.completions or 0) if self.spec.indexed else None

    def _pod(self, index: int | None) -> dict[str, Any]:
        spec = self.spec
        return from_template(
            spec.template,
            job=spec.name,
            namespace=spec.namespace,
            uid=spec.uid,
            manual_selector=spec.manual_selector,
            index=index,
        )

    def _delete_tracked(self, pods: list[dict[str, Any]]) -> None:
        """deleteJobPods: the finalizer goes first, so that these Pods are never counted."""
        self.remove += [name_of(pod) for pod in pods if tracked(pod)]
        self.delete += [name_of(pod) for pod in pods]
        self._removed(pods)

    def _removed(self, pods: list[dict[str, Any]]) -> None:
        self.active -= len(pods)
        self.terminating += len(pods)
        self.ready -= sum(is_ready(pod) for pod in pods)

    def _first_pending_indexes(self, count: int, succeeded: Intervals) -> list[int]:
        """firstPendingIndexes: the `count` lowest indexes below completions that no active
        Pod (nor, when only failed Pods are replaced, a terminating one) holds and that
        have not succeeded."""
        completions = self.spec.completions or 0
        taken = {index_of(pod) for pod in self.active_pods}
        if self.spec.only_replace_failed:
            taken |= {index_of(p) for p in self.owned if is_terminating(p)}
        busy = succeeded.with_indexes(ix for ix in taken if ix != UNKNOWN)
        pending: list[int] = []
        for candidate in range(completions):
            if len(pending) == count:
                break
            if not busy.has(candidate):
                pending.append(candidate)
        return pending

    def _suspension(self) -> None:
        """The Suspended condition: True while suspended; False ("JobResumed") once resumed,
        which restarts the clock of activeDeadlineSeconds."""
        if self.spec.suspend:
            changed = self._ensure(SUSPENDED, "True", "JobSuspended", "Job suspended")
            if changed:
                self.events.append(Event("Normal", "Suspended", "Job suspended"))
        elif self._ensure(SUSPENDED, "False", "JobResumed", "Job resumed"):
            self.events.append(Event("Normal", "Resumed", "Job resumed"))
            self.start = self.stamp

    # --- counting ----------------------------------------------------------------------------

    def _succeeded_indexes(self) -> tuple[Intervals, Intervals]:
        """calculateSucceededIndexes: the indexes recorded, and those plus the indexes of
        succeeded Pods still carrying the finalizer."""
        completions = self.spec.completions or 0
        previous = indexes.parse(str(self.status.get("completedIndexes") or ""), completions)
        new = [index_of(pod) for pod in self.owned if phase(pod) == SUCCEEDED and tracked(pod)]
        return previous, previous.with_indexes(ix for ix in new if UNKNOWN != ix < completions)

    def _track(
        self, done: dict[str, Any] | None, previous: Intervals, succeeded_indexes: Intervals
    ) -> Plan:
        """trackJobStatusAndRemoveFinalizers and enactJobFinished, in one status write."""
        spec, status = self.spec, self.status
        completions = spec.completions or 0
        carrying = {uid_of(pod) for pod in self.owned if tracked(pod)}
        succeeded, failed = int_of(status.get("succeeded")), int_of(status.get("failed"))
        # UIDs whose Pods have lost the finalizer (or are gone) are counted now.
        kept_succeeded = [u for u in self.uncounted_succeeded if u in carrying]
        kept_failed = [u for u in self.uncounted_failed if u in carrying]
        succeeded += len(self.uncounted_succeeded) - len(kept_succeeded)
        failed += len(self.uncounted_failed) - len(kept_failed)
        was_succeeded, was_failed = set(self.uncounted_succeeded), set(self.uncounted_failed)
        new_indexes: list[int] = []
        full = False
        pods = self.owned
        if spec.indexed:
            pods = sorted(pods, key=index_of)
        failing = done is not None and done.get("type") != SUCCESS_CRITERIA_MET
        for pod in pods:
            if not tracked(pod):
                continue  # counted before
            uid, pod_failed = uid_of(pod), self._failed(pod)
            removable = spec.deleting or done is not None or phase(pod) == SUCCEEDED
            if not (removable or pod_failed):
                continue
            self.remove.append(name_of(pod))
            index = index_of(pod)
            if phase(pod) == SUCCEEDED and uid not in was_failed:
                if spec.indexed:
                    if UNKNOWN != index < completions and not previous.has(index):
                        new_indexes.append(index)
                elif uid not in was_succeeded:
                    kept_succeeded.append(uid)
            elif pod_failed or failing:
                # When the Job fails, every Pod not yet terminated counts as failed.
                in_range = not spec.indexed or UNKNOWN != index < completions
                if uid not in was_failed and in_range and self._counts(pod):
                    kept_failed.append(uid)
            if len(new_indexes) + len(kept_succeeded) + len(kept_failed) >= MAX_UNCOUNTED_PODS:
                full = True  # the rest waits for the next pass
                break
        completed_indexes: str | None = None  # None: not an Indexed Job's, left alone
        if spec.indexed:
            succeeded_indexes = succeeded_indexes.with_indexes(new_indexes)
            succeeded, completed_indexes = succeeded_indexes.total(), str(succeeded_indexes)
        final = done
        if done is not None and done.get("type") == FAILURE_TARGET:
            self.conditions.append(done)
            final = self._condition(FAILED, done.get("reason", ""), done.get("message", ""))
        elif done is not None and done.get("type") == SUCCESS_CRITERIA_MET:
            if _true(self.conditions, SUCCESS_CRITERIA_MET) is None:
                self.conditions.append(done)
            final = self._condition(COMPLETE, done.get("reason", ""), done.get("message", ""))
        completion_time = status.get("completionTime")
        ended = False
        # The end waits for every Pod to be counted and for the terminating ones to stop.
        uncounted = full or kept_succeeded or kept_failed
        if final is not None and not uncounted and self.terminating == 0:
            reason, message = final.get("reason", ""), final.get("message", "")
            self._ensure(final["type"], "True", reason, message)
            if final["type"] == COMPLETE:
                completion_time = self.stamp
            self.events += _finish_events(spec, final, succeeded)
            ended = True
        new_status = _status(
            status,
            conditions=self.conditions,
            start=self.start,
            completion_time=completion_time,
            active=self.active,
            ready=self.ready,
            terminating=self.terminating,
            succeeded=succeeded,
            failed=failed,
            uncounted=(kept_succeeded, kept_failed),
            completed_indexes=completed_indexes,
        )
        if ended and spec.ttl_s is not None:
            self.requeue.append(max(0.0, float(spec.ttl_s)))  # its clock starts now
        return Plan(
            status=None if new_status == status else new_status,
            remove_finalizers=tuple(dict.fromkeys(self.remove)),
            delete=tuple(dict.fromkeys(self.delete)),
            create=tuple(self.create),
            backoff=Backoff() if ended else self.backoff,
            requeue_after=min(self.requeue) if self.requeue else None,
            events=tuple(self.events),
        )

    # --- helpers -----------------------------------------------------------------------------

    def _failed(self, pod: dict[str, Any]) -> bool:
        """isPodFailed: Failed, or (unless only failed Pods are replaced) being deleted
        before it succeeded: an orphan may never reach the Failed phase."""
        if phase(pod) == FAILED_POD:
            return True
        if self.spec.only_replace_failed:
            return False
        return deleting(pod) and phase(pod) != SUCCEEDED

    def _counts(self, pod: dict[str, Any]) -> bool:
        """Whether a failure counts (no Ignore rule of the podFailurePolicy matches)."""
        return self.spec.failure_policy is None or (
            failure_policy.match(self.spec.failure_policy, pod).counts
        )

    def _uncounted_with_finalizer(self, uncounted: list[str]) -> list[dict[str, Any]]:
        """getValidPodsWithFilter: Pods carrying the finalizer, not in `uncounted`, and
        (Indexed) with an index below completions."""
        known = set(uncounted)
        result = []
        for pod in self.owned:
            if not tracked(pod) or uid_of(pod) in known:
                continue
            if self.spec.indexed:
                index = index_of(pod)
                if index == UNKNOWN or index >= (self.spec.completions or 0):
                    continue
            result.append(pod)
        return result

    def _condition(self, kind: str, reason: str, message: str) -> dict[str, Any]:
        """newCondition: status True, both times now."""
        return _new_condition(kind, "True", reason, message, self.stamp)

    def _ensure(self, kind: str, status: str, reason: str, message: str) -> bool:
        """ensureJobConditionStatus: set a condition of `kind` (appending a False one only
        if one is there to update); whether the list changed."""
        for i, condition in enumerate(self.conditions):
            if condition.get("type") == kind:
                same = (
                    condition.get("status"),
                    condition.get("reason", ""),
                    condition.get("message", ""),
                )
                if same == (status, reason, message):
                    return False
                self.conditions[i] = _new_condition(kind, status, reason, message, self.stamp)
                return True
        if status == "False":
            return False
        self.conditions.append(_new_condition(kind, status, reason, message, self.stamp))
        return True


def _finish_events(spec: Spec, final: dict[str, Any], succeeded: int) -> list[Event]:
    """recordJobFinished's Events."""
    if final["type"] != COMPLETE:
        return [Event("Warning", final.get("reason", ""), final.get("message", ""))]
    events = []
    if spec.completions is not None and succeeded > spec.completions:
        events.append(
            Event(
                "Warning",
                "TooManySucceededPods",
                "Too many succeeded pods running after completion count reached",
            )
        )
    events.append(Event("Normal", "Completed", "Job completed"))
    return events


def _new_condition(kind: str, status: str, reason: str, message: str, stamp: str) -> dict[str, Any]:
    condition: dict[str, Any] = {
        "type": kind,
        "status": status,
        "lastProbeTime": stamp,
        "lastTransitionTime": stamp,
    }
    if reason:
        condition["reason"] = reason  # omitempty, as the Go struct has it
    if message:
        condition["message"] = message
    return condition


def _true(conditions: list[dict[str, Any]], kind: str) -> dict[str, Any] | None:
    """The first condition of `kind`, if it is True (findConditionByType, then Status)."""
    for condition in conditions:
        if condition.get("type") == kind:
            return condition if condition.get("status") == "True" else None
    return None


def _status(
    old: dict[str, Any],
    *,
    conditions: list[dict[str, Any]],
    start: str | None,
    completion_time: Any,
    active: int,
    ready: int,
    terminating: int,
    succeeded: int,
    failed: int,
    uncounted: tuple[list[str], list[str]],
    completed_indexes: str | None,
) -> dict[str, Any]:
    """The JobStatus as its Go struct serializes: zero counters and empty strings and
    lists omitted, `ready` and `terminating` (pointers the controller always sets) kept."""
    status = dict(old)
    values: dict[str, Any] = {
        "conditions": conditions,
        "startTime": start,
        "completionTime": completion_time,
        "active": active,
        "succeeded": succeeded,
        "failed": failed,
    }
    if completed_indexes is not None:
        values["completedIndexes"] = completed_indexes
    for key, value in values.items():
        if value:
            status[key] = value
        else:
            status.pop(key, None)
    status["ready"], status["terminating"] = ready, terminating
    lists = {"succeeded": uncounted[0], "failed": uncounted[1]}
    status["uncountedTerminatedPods"] = {key: uids for key, uids in lists.items() if uids}
    return status


def _strings(value: Any) -> list[str]:
    return [item for item in value if isinstance(item, str)] if isinstance(value, list) else []
