"""What a reconcile pass reports, records and remembers, from what it did: pure.

`settle(situation, decision, outcome, after)` turns a pass's reading, its decisions, what
the executor did and Docker's view after it into the status to report, the events to
record (in the order things happened), the actor's memory for its next pass, and when
that pass is due regardless of nudges (controller-runtime's `Result.RequeueAfter`).
`status_for` and `matches` are also what the API answers a `?wait` from.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from mcp.engine.decide import (
    IMAGE_FAILURES,
    START_FAILURES,
    Action,
    CrashLoop,
    CreateContainer,
    Decision,
    Failure,
    FinalizeDeletion,
    Memory,
    RemoveContainer,
    RemoveStray,
    RenameContainer,
    Situation,
    StartContainer,
    StopContainer,
    UnpauseContainer,
    paused,
    restart_due,
    restarts,
)
from mcp.events import EventType
from mcp.model import Container, Observed, Phase, Status, docker_name, format_time


@dataclass(frozen=True)
class Outcome:
    """What the executor did with a decision's actions."""

    done: tuple[Action, ...] = ()  # the actions that ran, in order
    failure: Failure | None = None  # why the next one did not (Docker refused it)
    pulled: bool = False  # the image was pulled on the way to a create
    finalized: bool = False  # FinalizeDeletion removed the object (this pass, not another)
    killed: bool = False  # a stop ran out its grace period: Docker sent SIGKILL
    # A create found the name taken: the pass guessed that no container held it
    # (`Situation.guessed`) and must look, then decide again.
    name_in_use: bool = False


@dataclass(frozen=True)
class Event:
    reason: str
    message: str
    type_: EventType = "Normal"


@dataclass(frozen=True)
class Settlement:
    """What a pass ends with."""

    status: Status | None  # to report (None: the pass reports nothing: it adopted as is,
    # or deleted the object)
    events: tuple[Event, ...]
    memory: Memory
    requeue_in_s: float | None  # a pass is due this soon even without a nudge
    adopted: bool = False  # for the adoption counter


def settle(
    situation: Situation,
    decision: Decision,
    outcome: Outcome,
    after: Observed | None,
) -> Settlement:
    """The end of a pass.

    Args:
        after: Docker's view of the object's container after the actions (the
            situation's own when none ran).
    """
    desired, now = situation.desired, situation.now
    target = docker_name(desired.name)
    events: list[Event] = []
    memory = replace(situation.memory, looked=True, pulls=decision.pulls, starts=decision.starts)
    if decision.adopted is not None:
        message = f"Adopted existing Docker container {decision.adopted.container_id[:12]}"
        events.append(Event("Adopted", message))
    if situation.as_reported:  # nothing to report: Docker shows what the report says
        return Settlement(None, tuple(events), memory, None, adopted=True)
    at = format_time(now)
    if decision.name_clash:
        assert decision.blocked is not None
        status = status_for(desired, None, failure=decision.blocked, previous=situation.last, at=at)
        if not status.same_as(situation.last):
            events.append(Event("NameConflict", decision.blocked.message, "Warning"))
        return Settlement(status, tuple(events), memory, None)
    if decision.replaced is not None:
        events.append(
            Event(
                "Replaced",
                f"Replacing container {decision.replaced.container_id[:12]}: it was made for "
                f"another object of this name (uid {decision.replaced.uid})",
                "Warning",
            )
        )
    events.extend(_done_events(desired, outcome, target))
    for action in outcome.done:
        if isinstance(action, StartContainer):
            memory = replace(memory, starts=memory.starts.succeeded())
        elif isinstance(action, CreateContainer):
            memory = replace(memory, pulls=memory.pulls.succeeded())
    if FinalizeDeletion() in outcome.done:
        # Not finished yet: the watch's delete event nudges the actor, whose next pass
        # finds the object gone (or a new object of the same name to handle).
        return Settlement(None, tuple(events), memory, None, adopted=decision.adopted is not None)

    failure = outcome.failure or decision.blocked
    requeue_in_s = decision.retry_in_s if outcome.failure is None else None
    if outcome.failure is not None:
        message = f"{outcome.failure.reason}: {outcome.failure.message}"
        events.append(Event("Failed", message, "Warning"))
        memory, backoff_event, requeue_in_s = _step_backed_off(
            situation, memory, outcome.failure, after, target
        )
        if backoff_event is not None:
            events.append(backoff_event)
    restarted = decision.restart if StartContainer(restart=True) in outcome.done else None
    carried = _carried(desired, situation.last)
    loop_restarts = (
        restarted.loop_restarts + 1
        if restarted
        else (carried.crash_loop_restarts if carried else 0)
    )
    pending = restart_due(desired, after, loop_restarts, situation.backoff)
    waiting = pending if pending is not None and pending.due_at > now else None
    status = status_for(
        desired,
        after,
        failure=failure,
        previous=situation.last,
        at=at,
        restarted=restarted,
        waiting=waiting,
    )
    if waiting is not None and status.next_restart_at != (
        situation.last and situation.last.next_restart_at
    ):
        # Once per back-off step: the delay in the message makes each step its own event,
        # so the schedule (10s, 20s, 40s...) reads off the events.
        message = f"Back-off {waiting.delay_s:g}s restarting failed container {target}"
        events.append(Event("BackOff", message, "Warning"))
    if pending is not None:  # due now (the first restart of a loop) or later
        requeue_in_s = max(0.0, (pending.due_at - now).total_seconds())
    return Settlement(
        status, tuple(events), memory, requeue_in_s, adopted=decision.adopted is not None
    )


def _done_events(desired: Container, outcome: Outcome, target: str) -> list[Event]:
    """One event for each step that ran, as it happened."""
    events: list[Event] = []
    for action in outcome.done:
        match action:
            case RenameContainer(container_id=container_id, was=was):
                events.append(
                    Event(
                        "Renamed",
                        f"Renamed container {container_id[:12]} from {was} back to {target}: "
                        "it was renamed outside mcp",
                        "Warning",
                    )
                )
            case RemoveStray(container_id=container_id, name=name):
                events.append(
                    Event(
                        "Removed",
                        f"Removed container {container_id[:12]} ({name}): another container "
                        "of this object exists",
                        "Warning",
                    )
                )
            case CreateContainer():
                if outcome.pulled:
                    events.append(Event("Pulled", f"Pulled image {desired.spec.image}"))
                events.append(
                    Event("Created", f"Created container {target} from image {desired.spec.image}")
                )
            case StartContainer(restart=True):
                policy = desired.spec.restart_policy
                events.append(
                    Event("Restarted", f"Restarted container {target} (restartPolicy {policy})")
                )
            case StartContainer():
                events.append(Event("Started", f"Started container {target}"))
            case StopContainer():
                grace = desired.spec.stop_timeout_seconds
                if outcome.killed:
                    message = f"Killed container {target}: still running {grace} s after SIGTERM"
                    events.append(Event("Killed", message))
                else:
                    events.append(Event("Stopped", f"Stopped container {target}"))
            case UnpauseContainer():
                events.append(
                    Event("Unpaused", f"Unpaused container {target}: it was paused outside mcp")
                )
            case RemoveContainer():
                events.append(Event("Removed", f"Removed container {target}"))
            case FinalizeDeletion():
                if outcome.finalized:
                    # Only the pass that removed the object: one nudged (Docker's destroy)
                    # before the watch delivered the deletion plans it again, and finds
                    # it gone.
                    message = f"Deleted container {desired.name}: nothing is left in Docker"
                    events.append(Event("Deleted", message))
    if outcome.pulled and CreateContainer() not in outcome.done:
        # Pulled, then the create itself failed.
        events.append(Event("Pulled", f"Pulled image {desired.spec.image}"))
    return events


def _step_backed_off(
    situation: Situation,
    memory: Memory,
    failure: Failure,
    after: Observed | None,
    target: str,
) -> tuple[Memory, Event | None, float | None]:
    """A failed pull or start, counted in its history: the next try waits CrashLoopBackOff's
    schedule (base seconds after the first failure, doubling)."""
    desired, now = situation.desired, situation.now
    if failure.reason in IMAGE_FAILURES:
        history, what = memory.pulls, f"pulling image {desired.spec.image}"
    elif failure.reason in START_FAILURES:
        # The container whose start failed, perhaps made in this very pass.
        history = replace(memory.starts, container_id=after.container_id if after else None)
        what = f"starting failed container {target}"
    else:
        return memory, None, None
    delay = situation.backoff.for_container(desired).delay(history.failures + 1)
    history = history.failed(failure.message, delay, now)
    if failure.reason in IMAGE_FAILURES:
        memory = replace(memory, pulls=history)
    else:
        memory = replace(memory, starts=history)
    return memory, Event("BackOff", f"Back-off {delay:g}s {what}", "Warning"), delay


def _carried(desired: Container, previous: Status | None) -> Status | None:
    """The previous status when it is about this incarnation of the object."""
    return previous if previous is not None and previous.uid == desired.uid else None


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
    carried = _carried(desired, previous)
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
