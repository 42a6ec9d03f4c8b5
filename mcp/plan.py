"""Pure decisions: what to do to make Docker match one object, and what to report.

`plan(desired, observed)` is level-based, like controller-runtime's reconcile: it
looks only at the current desired state (from etcd) and the current observed state
(from Docker), never at what happened before, so running it again after a crash or
a missed event is always safe. No I/O, no trio: the container actor executes the
actions and the tests drive these functions from tables.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from mcp.backoff import doubling
from mcp.model import (
    LABEL_CLUSTER,
    Container,
    Observed,
    Phase,
    Status,
    format_time,
    parse_time,
)


@dataclass(frozen=True)
class CreateContainer:
    """Create the Docker container from the object's spec (not started)."""


@dataclass(frozen=True)
class StartContainer:
    """Start the container; `restart` when it exited on its own and the policy restarts it."""

    restart: bool = False


@dataclass(frozen=True)
class StopContainer:
    pass


@dataclass(frozen=True)
class UnpauseContainer:
    """Unpause a container paused outside mcp (`docker pause`): a paused container that
    should run is drift, and one that must stop or go cannot take SIGTERM while frozen."""


@dataclass(frozen=True)
class RemoveContainer:
    """Remove the Docker container (force: it may still run when replaced)."""


@dataclass(frozen=True)
class FinalizeDeletion:
    """Delete the object and its status from etcd: Docker holds nothing of it any more."""


Action = (
    CreateContainer
    | StartContainer
    | StopContainer
    | UnpauseContainer
    | RemoveContainer
    | FinalizeDeletion
)


@dataclass(frozen=True)
class BackoffPolicy:
    """CrashLoopBackOff timing, as Kubernetes': the first restart at once, then `base_s`
    doubling up to `cap_s`; a container that ran `reset_s` before exiting starts afresh."""

    base_s: float = 10.0
    cap_s: float = 300.0
    reset_s: float = 600.0

    def delay(self, loop_restarts: int) -> float:
        """The pause before the next restart, after `loop_restarts` restarts in this loop."""
        if loop_restarts == 0:
            return 0.0
        return doubling(self.base_s, self.cap_s, loop_restarts - 1)

    def for_container(self, desired: Container) -> BackoffPolicy:
        """This policy with the container's own settings (spec.restartBackoff) on top."""
        own = desired.spec.restart_backoff
        return BackoffPolicy(
            base_s=own.base_seconds or self.base_s,
            cap_s=own.cap_seconds or self.cap_s,
            reset_s=own.reset_seconds or self.reset_s,
        )


@dataclass(frozen=True)
class CrashLoop:
    """A restart the policy wants: how many came before it in this loop, and when it is due."""

    loop_restarts: int
    delay_s: float
    due_at: datetime


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def pending_restart(
    desired: Container, observed: Observed | None, last: Status | None, backoff: BackoffPolicy
) -> CrashLoop | None:
    """The restart the policy wants for a container that exited on its own, or None."""
    if (
        desired.deleting
        or desired.spec.state != "running"
        or observed is None
        or observed.running
        or observed.docker_status == "created"
        or observed.uid != desired.uid
        or observed.spec_hash != desired.spec.runtime_hash()
        or not _ran_for(desired, last)
        or not restarts(desired, observed)
    ):
        return None
    policy = backoff.for_container(desired)
    started, finished = parse_time(observed.started_at), parse_time(observed.finished_at)
    loop_restarts = last.crash_loop_restarts if last is not None else 0
    if started and finished and (finished - started).total_seconds() >= policy.reset_s:
        loop_restarts = 0  # it ran long enough: this exit starts a new loop
    delay = policy.delay(loop_restarts)
    return CrashLoop(loop_restarts, delay, (finished or EPOCH) + timedelta(seconds=delay))


def as_reported(desired: Container, observed: Observed, last: Status | None) -> bool:
    """Docker still shows exactly what the last report says, and that report is current.

    Then a restarted control plane has nothing to do for this object: it adopts the
    container without asking Docker anything more than the one list it made for all.
    """
    return (
        last is not None
        and not desired.deleting
        and last.uid == desired.uid == observed.uid
        and last.observed_generation == desired.generation
        and last.container_id == observed.container_id
        and observed.spec_hash == desired.spec.runtime_hash()
        and not paused(observed)
        and (
            (desired.spec.state == "running" and observed.running and last.phase == "Running")
            or (
                desired.spec.state == "stopped" and not observed.running and last.phase == "Stopped"
            )
        )
    )


def foreign(observed: Observed | None, cluster_id: str) -> bool:
    """A container holds the object's Docker name but is not this control plane's.

    mcp never touches such a container (made by hand, or by another mcp cluster):
    the object reports the clash instead.
    """
    return observed is not None and observed.labels.get(LABEL_CLUSTER) != cluster_id


def plan(
    desired: Container,
    observed: Observed | None,
    last: Status | None = None,
    *,
    now: datetime | None = None,
    backoff: BackoffPolicy | None = None,
) -> list[Action]:
    """The steps that take Docker from `observed` to `desired`, in order.

    Args:
        desired: the object as stored in etcd.
        observed: its Docker container, or None when Docker has none by its name.
        last: the status reported last, which tells whether an exited container ran
            for this generation of the spec (then the restart policy decides) or the
            user has asked for it to run since (then it starts).
        now: the current time, for the crash-loop back-off (None: restarts are due).
        backoff: the global back-off policy (None: Kubernetes' defaults).

    Returns:
        The actions to run in order; empty when Docker already matches.
    """
    if desired.deleting:
        if observed is None:
            return [FinalizeDeletion()]
        if observed.running:
            return [*_stop(observed), RemoveContainer(), FinalizeDeletion()]
        return [RemoveContainer(), FinalizeDeletion()]

    then_start: list[Action] = [StartContainer()] if desired.spec.state == "running" else []
    if observed is None:
        return [CreateContainer(), *then_start]
    if observed.uid != desired.uid or observed.spec_hash != desired.spec.runtime_hash():
        # Another incarnation's container holds the name, or the spec changed: replace it.
        stop_first = _stop(observed) if observed.running else []
        return [*stop_first, RemoveContainer(), CreateContainer(), *then_start]
    if paused(observed):
        return [UnpauseContainer()] if desired.spec.state == "running" else _stop(observed)
    if desired.spec.state == "running" and not observed.running:
        if observed.docker_status == "created" or not _ran_for(desired, last):
            return [StartContainer()]
        loop = pending_restart(desired, observed, last, backoff or BackoffPolicy())
        if loop is None or (now is not None and now < loop.due_at):
            return []  # the policy leaves it, or it is backing off
        return [StartContainer(restart=True)]
    if desired.spec.state == "stopped" and observed.running:
        return [StopContainer()]
    return []


def paused(observed: Observed) -> bool:
    """Docker froze the container (`docker pause`); it still counts as running there."""
    return observed.docker_status == "paused"


def _stop(observed: Observed) -> list[Action]:
    """Stopping a running container, unpausing it first when it is paused."""
    return [UnpauseContainer(), StopContainer()] if paused(observed) else [StopContainer()]


def _ran_for(desired: Container, last: Status | None) -> bool:
    """Did the last report already cover this generation (so an exit is the container's own)?"""
    return (
        last is not None
        and last.uid == desired.uid
        and last.observed_generation >= desired.generation
        and last.phase != "Pending"
    )


def restarts(desired: Container, observed: Observed) -> bool:
    """Whether the restart policy restarts a container that exited on its own."""
    policy = desired.spec.restart_policy
    return policy == "Always" or (policy == "OnFailure" and observed.exit_code != 0)


@dataclass(frozen=True)
class Failure:
    """Why a pass could not finish: a machine word (Kubernetes' where one fits) and a text."""

    reason: str  # ErrImagePull, ErrImageNeverPull, CreateContainerError, RunContainerError
    message: str


def status_for(
    desired: Container,
    observed: Observed | None,
    *,
    failure: Failure | None,
    previous: Status | None,
    at: str,
    restarted: CrashLoop | None = None,
    waiting: CrashLoop | None = None,
) -> Status:
    """What to report for `desired` after a reconcile pass.

    Args:
        desired: the object the pass worked on.
        observed: Docker's view after the pass (None: no container).
        failure: why the pass could not finish (e.g. image missing), or None.
        previous: the status reported before, for what carries over (transition time).
        at: the observation time, ISO 8601.
        restarted: the policy restart this pass made, if any.
        waiting: the policy restart that is not due yet (CrashLoopBackOff), if any.
    """
    phase: Phase
    reason, message = (failure.reason, failure.message) if failure else ("", "")
    if desired.deleting:
        phase = "Terminating"
    elif failure is not None:
        phase = "Failed"
    elif observed is None:
        phase = "Pending"
        reason, message = "ContainerCreating", "the Docker container is not created yet"
    elif paused(observed):
        phase = "Pending"
        reason, message = "Paused", "the Docker container is paused (docker pause)"
    elif observed.running:
        phase = "Running"
    elif desired.spec.state == "stopped":
        phase = "Stopped"
    elif observed.docker_status == "created":
        phase = "Pending"
        reason, message = "ContainerCreating", "the Docker container is not started yet"
    elif not restarts(desired, observed) and observed.exit_code == 0:
        phase = "Succeeded"
        reason, message = "Completed", "the container exited with code 0"
    else:
        phase = "Failed"
        reason = "Error"
        message = observed.error or f"the container exited with code {observed.exit_code}"
        if waiting is not None and waiting.delay_s > 0:
            reason = "CrashLoopBackOff"
            message = (
                f"back-off {waiting.delay_s:g}s restarting the container "
                f"(exit code {observed.exit_code}); next try at {format_time(waiting.due_at)}"
            )
    carried = previous if previous is not None and previous.uid == desired.uid else None
    unchanged = carried is not None and carried.phase == phase and carried.last_transition_time
    return Status(
        uid=desired.uid,
        phase=phase,
        container_id=observed.container_id if observed else None,
        exit_code=observed.exit_code if observed and not observed.running else None,
        reason=reason,
        message=message,
        restart_count=(carried.restart_count if carried else 0) + (1 if restarted else 0),
        started_at=observed.started_at if observed else None,
        finished_at=observed.finished_at if observed and not observed.running else None,
        observed_generation=desired.generation,
        last_transition_time=carried.last_transition_time if unchanged and carried else at,
        next_restart_at=(
            format_time(waiting.due_at) if waiting and reason == "CrashLoopBackOff" else None
        ),
        crash_loop_restarts=(
            restarted.loop_restarts + 1
            if restarted
            else waiting.loop_restarts
            if waiting
            else (carried.crash_loop_restarts if carried else 0)
        ),
        observed_at=at,
    )


def matches(desired: Container, status: Status | None) -> bool:
    """True when `status` reports that Docker matches this generation of `desired`.

    `Failed` and `Succeeded` count as settled too: the controller reached a verdict
    (image missing, command not found, ran to completion) that waiting would not change.
    """
    if status is None or status.uid != desired.uid:
        return False
    if status.observed_generation < desired.generation:
        return False
    if status.phase in ("Failed", "Succeeded"):
        return True
    wanted: Phase = "Running" if desired.spec.state == "running" else "Stopped"
    return status.phase == wanted
