"""One reconcile actor per object: make its Docker container match its desired state.

The actor is a thin loop around `plan.plan`: read the desired state from the cache,
inspect Docker, run the planned actions, report a status. It runs a pass when
nudged (capacity-1 inbox, so a burst of changes collapses into one pass) and every
`resync_interval` seconds, which catches whatever a nudge missed. It ends when its
object is gone from the cache, or when its inbox is closed (shutdown) after the
current pass: a pass is never cut short by shutdown except by the grace deadline.

The events a pass records are held until it has written its status (or failed), then
queued for the event writer without waiting (`events.py`): no event write ever delays
the status a client's `?wait` is waiting for.

`supervise` wraps the actor: an unexpected exception is logged with its traceback,
recorded in the object's status, and the actor restarted with backoff, so one bad
object never takes the process down.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

import trio

from mcp import failpoints, logs, plan, registry
from mcp.backoff import Backoff
from mcp.cache import Cache
from mcp.errors import (
    ImageNotFound,
    PullFailed,
    RuntimeBusy,
    RuntimeRejected,
    RuntimeUnavailable,
    StoreUnavailable,
)
from mcp.events import Held, Recorder
from mcp.metrics import Metrics
from mcp.model import (
    LABEL_CLUSTER,
    LABEL_NAME,
    LABEL_SPEC_HASH,
    LABEL_UID,
    Container,
    Observed,
    Status,
    docker_name,
    format_time,
    now_iso,
)
from mcp.registry import Keys
from mcp.runtime import Runtime
from mcp.store import Store


@dataclass(frozen=True)
class Context:
    """What every container actor shares."""

    store: Store
    keys: Keys
    cache: Cache
    runtime: Runtime
    cluster_id: str
    resync_interval: float
    actor_backoff: Backoff  # after an actor's crash or a transient error; each actor copies it
    events: Recorder
    # What one Docker list showed at start-up, by object name; each actor's first pass
    # takes its entry, so adopting N unchanged containers costs no per-container call.
    primed: dict[str, Observed] = field(default_factory=dict)
    backoff: plan.BackoffPolicy = field(default_factory=plan.BackoffPolicy)  # CrashLoopBackOff
    metrics: Metrics = field(default_factory=Metrics)
    # Reconcile passes under way at once. Without a bound, 200 new objects make 200
    # actors queue their calls on the Docker limiter in turn (inspect, then create,
    # then start, then inspect), so each actor's last call waits behind everybody's
    # first ones and no container reports Running until nearly all do. With a few
    # passes at a time, each runs its calls back to back and containers come up
    # steadily, as from a worker pool. Twice the Docker slots, so a pass's etcd writes
    # overlap with other passes' Docker calls.
    passes: trio.CapacityLimiter = field(default_factory=lambda: trio.CapacityLimiter(16))
    # Wall time, as Docker's timestamps are; tests give a clock that follows trio's.
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))


SIGKILL_EXIT_CODE = 137  # 128 + 9: what Docker reports for a container it had to kill


class Finished(Exception):
    """The object is gone: the actor has nothing left to do."""


@dataclass
class StepBackOff:
    """Failed attempts at one step (pulling the image, starting the container) for one
    generation of the spec and one container, kept in memory as the kubelet does: a new
    generation (a new image, a fixed port) or a new container (the old one was removed)
    starts a fresh history."""

    generation: int = 0
    container_id: str | None = None  # the container whose start failed (starts only)
    failures: int = 0
    retry_at: datetime | None = None
    last_error: str = ""

    def about(self, generation: int, container_id: str | None = None) -> None:
        """Forget the history unless it is about this generation and container."""
        if (generation, container_id) != (self.generation, self.container_id):
            self.generation, self.container_id = generation, container_id
            self.succeeded()

    def waiting(self, now: datetime) -> bool:
        return self.retry_at is not None and now < self.retry_at

    def failed(self, error: str, delay_s: float, now: datetime) -> None:
        self.failures += 1
        self.retry_at = now + timedelta(seconds=delay_s)
        self.last_error = error

    def succeeded(self) -> None:
        self.failures, self.retry_at, self.last_error = 0, None, ""


@dataclass
class Memory:
    """What one actor remembers between its passes."""

    pulls: StepBackOff = field(default_factory=StepBackOff)
    starts: StepBackOff = field(default_factory=StepBackOff)
    # Whether a pass has looked at Docker yet: only the first look adopts a container
    # (one found there already). A retry after a failed step finds the container this
    # actor just made, which is not an adoption.
    looked: bool = False
    # The status this actor wrote last, with its revision. The cache learns of it from
    # etcd's watch, which can lag behind under load: a pass that took the cache's older
    # status would, say, take an exit right after a start for one that came before the
    # report and not count the restart.
    reported: Status | None = None

    def last_status(self, cache_status: Status | None, desired: Container) -> Status | None:
        """The newer of the cache's status and this actor's own last report."""
        mine = self.reported
        if mine is None or mine.uid != desired.uid:
            return cache_status
        if cache_status is None or cache_status.revision < mine.revision:
            return mine
        return cache_status


IMAGE_FAILURES = frozenset({"ErrImagePull", "ErrImageNeverPull"})
START_FAILURES = frozenset({"RunContainerError"})


async def reconcile(ctx: Context, name: str, memory: Memory | None = None) -> float | None:
    """One level-triggered pass for object `name`. Its events are queued at its end,
    after its status write, whether it succeeded or raised.

    Args:
        memory: this actor's memory (first look, failed pulls and starts); None: a fresh
            one, as for an actor's first pass.

    Returns:
        Seconds until a pass is due again regardless of nudges (a crash-loop restart
        backing off), or None.

    Raises:
        Finished: the object no longer exists.
        RuntimeUnavailable, RuntimeBusy, StoreUnavailable: transient; the caller retries later.
    """
    held = Held(ctx.events)
    try:
        return await _pass(ctx, held, name, memory)
    finally:
        held.release()  # no await: queueing never waits, even when cancelled


async def _pass(ctx: Context, held: Held, name: str, memory: Memory | None) -> float | None:
    desired = ctx.cache.objects.get(name)
    if desired is None:
        raise Finished
    failpoints.hit("reconcile", name)
    log = logs.get(actor="container", container=name, revision=desired.resource_version)
    target = docker_name(name)
    memory = memory if memory is not None else Memory()
    first_look = not memory.looked
    summary = ctx.primed.pop(name, None) if first_look else None
    if summary is not None and plan.as_reported(desired, summary, ctx.cache.status(name)):
        memory.looked = True
        _record_adoption(ctx, held, desired, summary)
        return None
    observed = await ctx.runtime.inspect(target)
    if observed is None:
        observed = await _reclaim_renamed(ctx, held, desired, target)
    memory.looked = True
    if first_look and observed is not None and observed.uid == desired.uid:
        _record_adoption(ctx, held, desired, observed)
    previous = memory.last_status(ctx.cache.status(name), desired)
    if plan.foreign(observed, ctx.cluster_id):
        await _report_name_clash(ctx, held, desired, observed, previous, memory)
        return None
    if observed is not None and observed.uid != desired.uid:
        held.record(
            desired,
            "Replaced",
            f"Replacing container {observed.container_id[:12]}: it was made for another "
            f"object of this name (uid {observed.uid})",
            type_="Warning",
        )
    failure: plan.Failure | None = None
    now = ctx.clock()
    loop = plan.pending_restart(desired, observed, previous, ctx.backoff)
    restarted: plan.CrashLoop | None = None
    memory.pulls.about(desired.generation)
    memory.starts.about(desired.generation, observed.container_id if observed else None)
    step_due_in: float | None = None
    acted = False
    for action in plan.plan(desired, observed, previous, now=now, backoff=ctx.backoff):
        backing_off = _held_back(desired, action, memory, now)
        if backing_off is not None:
            failure, step_due_in = backing_off
            break
        log.info("container_action", action=type(action).__name__, image=desired.spec.image)
        acted = True
        try:
            event = await _execute(ctx, held, desired, action, target)
            if event is not None:
                held.record(desired, *event)
            if isinstance(action, plan.StartContainer):
                memory.starts.succeeded()
                if action.restart:
                    restarted = loop
            if isinstance(action, plan.CreateContainer):
                memory.pulls.succeeded()
        except StepFailed as exc:
            failure = exc.failure
        except RuntimeRejected as exc:  # a stop or remove Docker refused
            failure = plan.Failure("DockerError", str(exc))
        if failure is not None:
            log.warning(
                "container_action_failed",
                action=type(action).__name__,
                reason=failure.reason,
                error=failure.message,
            )
            message = f"{failure.reason}: {failure.message}"
            held.record(desired, "Failed", message, type_="Warning")
            history = (
                memory.pulls
                if failure.reason in IMAGE_FAILURES
                else memory.starts
                if failure.reason in START_FAILURES
                else None
            )
            if history is not None:
                # CrashLoopBackOff's schedule: base seconds after the first failure, doubling.
                delay = ctx.backoff.for_container(desired).delay(history.failures + 1)
                history.failed(failure.message, delay, now)
                step_due_in = delay
                what = (
                    f"pulling image {desired.spec.image}"
                    if history is memory.pulls
                    else f"starting failed container {target}"
                )
                held.record(desired, "BackOff", f"Back-off {delay:g}s {what}", type_="Warning")
            break
        if isinstance(action, plan.FinalizeDeletion):
            # Not `Finished` yet: the watch's delete event nudges this actor, whose next
            # pass finds the object gone (or a new object of the same name to handle).
            log.info("container_deleted", uid=desired.uid)
            return None
    if acted:  # else Docker's answer from the start of this pass still stands
        observed = await ctx.runtime.inspect(target)
    if failure is not None and failure.reason in START_FAILURES:
        # The container whose start failed, perhaps made in this very pass.
        memory.starts.container_id = observed.container_id if observed else None
    at = now_iso()
    status = plan.status_for(
        desired, observed, failure=failure, previous=previous, at=at, restarted=restarted
    )
    # Exited (again) and the policy wants a restart that is not due yet: report the
    # back-off and come back when it is due, without waiting for Docker's next event.
    pending = plan.pending_restart(desired, observed, status, ctx.backoff)
    waiting = pending if pending is not None and pending.due_at > ctx.clock() else None
    if waiting is not None:
        status = plan.status_for(
            desired,
            observed,
            failure=failure,
            previous=previous,
            at=at,
            restarted=restarted,
            waiting=waiting,
        )
    if waiting is not None and status.next_restart_at != (previous and previous.next_restart_at):
        # Once per back-off step: the delay in the message makes each step its own event,
        # so the schedule (10s, 20s, 40s...) reads off the events.
        message = f"Back-off {waiting.delay_s:g}s restarting failed container {target}"
        held.record(desired, "BackOff", message, type_="Warning")
    await _report(ctx, desired, status, memory)
    if pending is not None:  # due now (the first restart of a loop) or later
        return max(0.0, (pending.due_at - ctx.clock()).total_seconds())
    return step_due_in


def _held_back(
    desired: Container, action: plan.Action, memory: Memory, now: datetime
) -> tuple[plan.Failure, float] | None:
    """The back-off that holds `action` back (its failure and seconds left), or None."""
    if isinstance(action, plan.CreateContainer) and memory.pulls.waiting(now):
        history, reason = memory.pulls, "ImagePullBackOff"
        what = f"pulling image {desired.spec.image}"
    elif isinstance(action, plan.StartContainer) and memory.starts.waiting(now):
        history, reason = memory.starts, "CrashLoopBackOff"
        what = "starting the container"
    else:
        return None
    assert history.retry_at is not None  # waiting() says so
    message = f"back-off {what}: {history.last_error}; next try at {format_time(history.retry_at)}"
    return plan.Failure(reason, message), (history.retry_at - now).total_seconds()


async def _reclaim_renamed(
    ctx: Context, held: Held, desired: Container, target: str
) -> Observed | None:
    """Nothing holds the object's Docker name: give it back to a container made for this
    object under another name (`docker rename` behind mcp's back), so that one object
    never has two containers. Containers are this object's by their uid label, not by
    their name. Extra ones are removed. Docker's answer for the name afterwards, or None.
    """
    strays = await ctx.runtime.list_managed(ctx.cluster_id, uid=desired.uid)
    if not strays:
        return None
    strays.sort(key=lambda stray: not stray.running)  # keep a running one
    kept, *extra = strays
    try:
        await ctx.runtime.rename(kept.container_id, target)
    except RuntimeRejected as exc:
        logs.get(actor="container", container=desired.name).warning(
            "container_rename_failed", container_id=kept.container_id, error=str(exc)
        )
        extra = strays
    else:
        held.record(
            desired,
            "Renamed",
            f"Renamed container {kept.container_id[:12]} from {kept.name} back to {target}: "
            "it was renamed outside mcp",
            type_="Warning",
        )
    for stray in extra:
        await ctx.runtime.remove(stray.container_id)
        held.record(
            desired,
            "Removed",
            f"Removed container {stray.container_id[:12]} ({stray.name}): another container "
            "of this object exists",
            type_="Warning",
        )
    return await ctx.runtime.inspect(target)


def _record_adoption(ctx: Context, held: Held, desired: Container, observed: Observed) -> None:
    ctx.metrics.inc("mcp_containers_adopted_total")
    message = f"Adopted existing Docker container {observed.container_id[:12]}"
    held.record(desired, "Adopted", message)


async def _report_name_clash(
    ctx: Context,
    held: Held,
    desired: Container,
    observed: Observed | None,
    previous: Status | None,
    memory: Memory,
) -> None:
    assert observed is not None
    target = docker_name(desired.name)
    owner = observed.labels.get(LABEL_CLUSTER)
    whose = f"mcp cluster {owner}" if owner else "no mcp (made outside mcp)"
    message = (
        f"a Docker container named {target} ({observed.container_id[:12]}) belongs to "
        f"{whose}; mcp leaves it alone: remove or rename it"
    )
    status = plan.status_for(
        desired,
        None,
        failure=plan.Failure("NameConflict", message),
        previous=previous,
        at=now_iso(),
    )
    if not status.same_as(previous):
        held.record(desired, "NameConflict", message, type_="Warning")
    await _report(ctx, desired, status, memory)


class StepFailed(Exception):
    """A step Docker refused for a reason that retrying now will not fix."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.failure = plan.Failure(reason, message)


async def _create(ctx: Context, held: Held, desired: Container, target: str) -> tuple[str, str]:
    """Create the container, pulling the image as its pull policy says."""
    spec = desired.spec
    labels = {
        LABEL_UID: desired.uid,
        LABEL_NAME: desired.name,
        LABEL_CLUSTER: ctx.cluster_id,
        LABEL_SPEC_HASH: spec.runtime_hash(),
    }
    created = f"Created container {target} from image {spec.image}"
    try:
        if spec.image_pull_policy == "Always":
            await _pull(ctx, held, desired)
        try:
            await ctx.runtime.create(target, spec=spec, labels=labels)
        except ImageNotFound as exc:
            if spec.image_pull_policy == "Never":
                raise StepFailed(
                    "ErrImageNeverPull", f"{exc}; imagePullPolicy is Never, so it is not pulled"
                ) from exc
            await _pull(ctx, held, desired)
            await ctx.runtime.create(target, spec=spec, labels=labels)
    except PullFailed as exc:
        raise StepFailed("ErrImagePull", str(exc)) from exc
    except (ImageNotFound, RuntimeRejected) as exc:
        raise StepFailed("CreateContainerError", str(exc)) from exc
    return "Created", created


async def _pull(ctx: Context, held: Held, desired: Container) -> None:
    await ctx.runtime.pull(desired.spec.image)
    held.record(desired, "Pulled", f"Pulled image {desired.spec.image}")


async def _execute(
    ctx: Context, held: Held, desired: Container, action: plan.Action, target: str
) -> tuple[str, str] | None:
    """Run one step; the event (reason, message) to record for it, if not recorded yet.

    Raises:
        StepFailed: Docker refused the step for a reason retrying now will not fix.
    """
    match action:
        case plan.CreateContainer():
            return await _create(ctx, held, desired, target)
        case plan.StartContainer(restart=restart):
            try:
                await ctx.runtime.start(target)
            except RuntimeRejected as exc:
                raise StepFailed("RunContainerError", str(exc)) from exc
            if restart:
                policy = desired.spec.restart_policy
                return "Restarted", f"Restarted container {target} (restartPolicy {policy})"
            return "Started", f"Started container {target}"
        case plan.StopContainer():
            grace = desired.spec.stop_timeout_seconds
            await ctx.runtime.stop(target, kill_after_s=grace)
            after = await ctx.runtime.inspect(target)
            if after is not None and after.exit_code == SIGKILL_EXIT_CODE:
                return "Killed", f"Killed container {target}: still running {grace} s after SIGTERM"
            return "Stopped", f"Stopped container {target}"
        case plan.UnpauseContainer():
            await ctx.runtime.unpause(target)
            return "Unpaused", f"Unpaused container {target}: it was paused outside mcp"
        case plan.RemoveContainer():
            await ctx.runtime.remove(target)
            return "Removed", f"Removed container {target}"
        case plan.FinalizeDeletion():
            # Recorded only by the pass that removed the object: one nudged (Docker's
            # destroy) before the watch delivered the deletion plans it again, and finds
            # it gone. Written after the deletion, as every event follows its write.
            if await registry.finalize(ctx.store, ctx.keys, desired):
                message = f"Deleted container {desired.name}: nothing is left in Docker"
                held.record(desired, "Deleted", message)
            return None


async def _report(ctx: Context, desired: Container, status: Status, memory: Memory) -> None:
    """Write `status` unless it says nothing new (status writes cost etcd revisions)."""
    if status.same_as(memory.last_status(ctx.cache.status(desired.name), desired)):
        return
    revision = await registry.write_status(ctx.store, ctx.keys, desired, status)
    if revision is not None:
        memory.reported = replace(status, revision=revision)


async def run(
    ctx: Context,
    name: str,
    nudges: trio.MemoryReceiveChannel[None],
    *,
    task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED,
) -> None:
    """Reconcile `name` until it is gone or `nudges` is closed.

    Closes `nudges` (its receive end). Transient Docker or etcd failures are retried
    with capped backoff; anything else propagates to `supervise`.
    """
    log = logs.get(actor="container", container=name)
    backoff = Backoff(base=ctx.actor_backoff.base, cap=ctx.actor_backoff.cap)
    memory = Memory()
    task_status.started()
    # A plain `with`: closing must not checkpoint, so that between seeing the object
    # gone and the controller forgetting this actor no other task can run (see
    # controller.py).
    with nudges:
        while True:
            wait_s = ctx.resync_interval
            try:
                async with ctx.passes:
                    due_in = await reconcile(ctx, name, memory)
                ctx.metrics.inc("mcp_reconcile_passes_total", outcome="done")
                backoff.reset()
                if due_in is not None:
                    wait_s = min(wait_s, due_in)
            except Finished:
                return
            except (RuntimeUnavailable, RuntimeBusy, StoreUnavailable) as exc:
                ctx.metrics.inc("mcp_reconcile_passes_total", outcome="retry")
                wait_s = backoff.next_delay()
                log.warning("reconcile_retry", error=str(exc), retry_in=wait_s)
            with trio.move_on_after(wait_s):
                try:
                    await nudges.receive()
                except trio.EndOfChannel:
                    return


async def supervise(ctx: Context, name: str, nudges: trio.MemoryReceiveChannel[None]) -> None:
    """Run the actor for `name`, restarting it with backoff after an unexpected error.

    Ends when the actor ends, or when `nudges` is closed (shutdown) while it waits to
    restart a crashed actor: a broken actor must not hold up shutdown.
    """
    log = logs.get(actor="container", container=name)
    backoff = Backoff(base=ctx.actor_backoff.base, cap=ctx.actor_backoff.cap)
    with nudges:
        while True:
            try:
                await run(ctx, name, nudges.clone())
                return
            except Exception as exc:  # an actor bug: contain it to this one object
                ctx.metrics.inc("mcp_reconcile_passes_total", outcome="crashed")
                delay = backoff.next_delay()
                log.exception("container_actor_crashed", attempt=backoff.attempt, retry_in=delay)
                await _record_crash(ctx, name, exc)
            # Sit out the back-off; nudges meanwhile change nothing (the restarted actor
            # reads everything afresh), but a closed inbox means stop.
            with trio.move_on_after(delay):
                while True:
                    try:
                        await nudges.receive()
                    except trio.EndOfChannel:
                        return


async def _record_crash(ctx: Context, name: str, exc: Exception) -> None:
    desired = ctx.cache.objects.get(name)
    if desired is None:
        return
    previous = ctx.cache.status(name)
    status = Status(
        uid=desired.uid,
        phase="Failed",
        container_id=previous.container_id if previous else None,
        exit_code=previous.exit_code if previous else None,
        reason="ControllerError",
        message=f"controller error: {type(exc).__name__}: {exc}",
        observed_generation=previous.observed_generation if previous else 0,
        observed_at=now_iso(),
    )
    try:
        await registry.write_status(ctx.store, ctx.keys, desired, status)
    except StoreUnavailable as error:
        logs.get(actor="container", container=name).warning(
            "crash_status_not_recorded", error=str(error)
        )
    ctx.events.record(desired, "ControllerError", status.message, type_="Warning")
