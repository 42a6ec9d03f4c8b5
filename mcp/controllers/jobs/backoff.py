"""How long a Job waits after its Pods' failures before it creates another Pod. Pure.

Ported from kube-controller-manager's pkg/controller/job/backoff_utils.go: a Job's
`Backoff` record holds the number of its Pods that failed since the last one that
succeeded, and when the latest of those failures finished. Each pass feeds it the Pods
it counts for the first time (`updated`, upstream's newBackoffRecord); the delay after
n such failures is 10 s doubled n-1 times, capped at 10 minutes (job_controller.go's
DefaultJobPodFailureBackOff and MaxJobPodFailureBackOff; the docs' "six minutes" is the
360 s cap of the controller before the API and Pod-failure backoffs were split), and it
runs from the last failure's finish time (`remaining`, getRemainingTime).

The record is the actor's memory, as upstream's backoffStore is the controller's: an
immutable value handed to the plan and handed back; a restart forgets it, as
kube-controller-manager's restart does. When a Pod finished is read off the Pod itself
(`finished_at`, getFinishedTime): its containers' finish times, else its Ready=False
condition, else its deletion time less the grace period, else its creation time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from mcp.engine.pods.conditions import dict_of, dicts_of, int_of
from mcp.model import parse_time

BASE_S = 10.0  # DefaultJobPodFailureBackOff
CAP_S = 600.0  # MaxJobPodFailureBackOff: 10 * time.Minute

_EPOCH = datetime(1, 1, 1, tzinfo=UTC)  # Go's zero time.Time, for a Pod with no times at all


@dataclass(frozen=True)
class Backoff:
    """A Job's Pod failures since its last success (upstream's backoffRecord).

    Attributes:
        failures: failuresAfterLastSuccess.
        last_failure: when the latest of those failures finished; None with none.
    """

    failures: int = 0
    last_failure: datetime | None = None

    def updated(
        self, new_succeeded: Sequence[dict[str, Any]], new_failed: Sequence[dict[str, Any]]
    ) -> Backoff:
        """The record once the Pods newly counted succeeded and failed are taken in.

        Args:
            new_succeeded: Pods counted succeeded for the first time in this pass.
            new_failed: Pods counted failed for the first time in this pass.

        Returns:
            As newBackoffRecord: failures add up until a success; a success resets the
            count to the failures that finished after it.
        """
        failed_at = sorted(finished_at(pod) for pod in new_failed)
        if not new_succeeded:
            if not failed_at:
                return self
            return Backoff(self.failures + len(failed_at), failed_at[-1])
        last_success = max(finished_at(pod) for pod in new_succeeded)
        after = [moment for moment in failed_at if moment > last_success]
        return Backoff(len(after), after[-1] if after else None)

    def remaining(self, now: datetime, *, base_s: float = BASE_S, cap_s: float = CAP_S) -> float:
        """Seconds until another Pod may be created (0: now); getRemainingTime."""
        return remaining(self.failures, self.last_failure, now, base_s=base_s, cap_s=cap_s)


def remaining(
    failures: int,
    last_failure: datetime | None,
    now: datetime,
    *,
    base_s: float = BASE_S,
    cap_s: float = CAP_S,
) -> float:
    """getRemainingTimeForFailuresCount: `base_s` doubled `failures`-1 times (at most
    `cap_s`), less the time since `last_failure`; never below 0."""
    if failures <= 0 or last_failure is None:
        return 0.0
    delay = base_s
    for _ in range(1, failures):
        delay *= 2
        if delay >= cap_s:
            delay = cap_s
            break
    elapsed = (now - last_failure).total_seconds()
    return 0.0 if delay < elapsed else delay - elapsed


def finished_at(pod: dict[str, Any]) -> datetime:
    """getFinishedTime: when a finished (or deleted) Pod finished."""
    status = dict_of(pod.get("status"))
    meta = dict_of(pod.get("metadata"))
    moment = _containers_finished_at(status)
    if moment is not None:
        return moment
    for condition in dicts_of(status.get("conditions")):
        if condition.get("type") == "Ready":
            changed = parse_time(condition.get("lastTransitionTime"))
            if condition.get("status") == "False" and changed is not None:
                return changed
            break
    deleted = parse_time(meta.get("deletionTimestamp"))
    if deleted is not None:
        return deleted - timedelta(seconds=int_of(meta.get("deletionGracePeriodSeconds")))
    return parse_time(meta.get("creationTimestamp")) or _EPOCH


def _containers_finished_at(status: dict[str, Any]) -> datetime | None:
    """The latest finish of the Pod's containers, None unless every one has finished.

    Init containers count too, as backoff_utils_test.go's "Pod with init container and all
    containers terminated" has it: a sidecar (restartable init container) stops after the
    regular containers."""
    latest: datetime | None = None
    statuses = [*dicts_of(status.get("containerStatuses"))]
    statuses += dicts_of(status.get("initContainerStatuses"))
    for container in statuses:
        terminated = dict_of(dict_of(container.get("state")).get("terminated"))
        moment = parse_time(terminated.get("finishedAt"))
        if not terminated or moment is None:
            return None
        if latest is None or latest < moment:
            latest = moment
    return latest
