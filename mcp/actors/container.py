"""One Container object's actor: make its Docker container match its desired state.

What the Container kind feeds the one reconcile engine (`mcp.engine.reconciler`), as
`ContainerReconciler`: read the desired state from the cache and the container from
Docker (`_read`: the start-up list's summary, or no call at all for a new object, when
that settles it), decide with `mcp.engine.decide`, act with `mcp.engine.execute`, look
again, settle with `mcp.engine.settle`, and write the status when it says something new.
The engine runs the pass, holds its events until the status is written, loops it on
nudges (capacity-1 inbox) and every `resync_interval` seconds, and supervises the actor:
a crash is logged, recorded in the object's status (`ControllerError`), and the actor
restarted with backoff, so one bad object never takes the process down. The actor ends
when its object is gone from the cache, or when its inbox is closed (shutdown) after the
current pass.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

import trio

from mcp import failpoints, logs, registry
from mcp.backoff import Backoff
from mcp.cache import Cache
from mcp.engine import decide, execute, reconciler, settle
from mcp.engine.decide import Action, Decision, FinalizeDeletion, Memory, Situation
from mcp.engine.reconciler import Settled
from mcp.engine.settle import Outcome, Settlement
from mcp.errors import StoreUnavailable
from mcp.events import Happened, Recorder
from mcp.metrics import Metrics
from mcp.model import Container, Observed, Status, docker_name, now_iso
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
    backoff: decide.BackoffPolicy = field(default_factory=decide.BackoffPolicy)  # CrashLoopBackOff
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


class Finished(Exception):
    """The object is gone: the actor has nothing left to do."""


async def reconcile(
    ctx: Context, name: str, memory: Memory | None = None
) -> tuple[float | None, Memory]:
    """One level-triggered pass for object `name` on the engine (`reconciler.reconcile`).

    Args:
        memory: what this actor remembers (`decide.Memory`); None: a fresh memory, as for
            the first pass of an object in this process.

    Returns:
        Seconds until a pass is due again regardless of nudges (a crash-loop restart
        backing off), or None; and the memory for the next pass.

    Raises:
        Finished: the object no longer exists.
        RuntimeUnavailable, RuntimeBusy, StoreUnavailable: transient; the caller retries later.
    """
    one = ContainerReconciler(ctx, name, memory or Memory())
    due_in = await reconciler.reconcile(one, ctx.events)
    return due_in, one.memory


class ContainerReconciler:
    """What the Container kind feeds the engine for one object: its reading of the
    object's Docker container, `decide.decide`, `execute.execute`, `settle.settle`, and
    the status write. Holds the actor's memory between passes."""

    def __init__(self, ctx: Context, name: str, memory: Memory) -> None:
        self.ctx = ctx
        self.name = name
        self.memory = memory
        self.log = logs.get(actor="container", container=name)

    async def read(self, *, may_guess: bool) -> Situation:
        desired = self.ctx.cache.objects.get(self.name)
        if desired is None:
            raise Finished
        if may_guess:  # once per pass: the first reading
            failpoints.hit("reconcile", self.name)
            self.log = logs.get(
                actor="container", container=self.name, revision=desired.resource_version
            )
        return await _read(self.ctx, desired, self.memory, may_guess=may_guess)

    def noticed(self, situation: Situation) -> tuple[Happened, ...]:
        return ()

    def decide(self, situation: Situation) -> Decision:
        return decide.decide(situation)

    async def act(self, situation: Situation, decision: Decision) -> Outcome:
        desired = situation.desired

        def starting(action: Action) -> None:
            self.log.info(
                "container_action", action=type(action).__name__, image=desired.spec.image
            )

        outcome = await execute.execute(
            self.ctx.runtime,
            self.ctx.store,
            self.ctx.keys,
            desired,
            decision.actions,
            cluster_id=self.ctx.cluster_id,
            starting=starting,
        )
        if outcome.failure is not None:
            failed = decision.actions[len(outcome.done)]
            self.log.warning(
                "container_action_failed",
                action=type(failed).__name__,
                reason=outcome.failure.reason,
                error=outcome.failure.message,
            )
        if FinalizeDeletion() in outcome.done:
            self.log.info("container_deleted", uid=desired.uid)
        return outcome

    def guessed_wrong(self, outcome: Outcome) -> bool:
        return outcome.name_in_use  # the guess that nothing held the name was wrong

    async def look_again(self, situation: Situation, outcome: Outcome) -> Observed | None:
        # With no action done, the reading still stands. After a deletion's last step
        # there is nothing left to look at.
        if outcome.done and FinalizeDeletion() not in outcome.done:
            return await self.ctx.runtime.inspect(docker_name(self.name))
        return situation.observed

    def settle(
        self,
        situation: Situation,
        decision: Decision,
        outcome: Outcome,
        after: Observed | None,
    ) -> Settled[Settlement]:
        settlement = settle.settle(situation, decision, outcome, after)
        events = tuple(
            Happened(situation.desired, event.reason, event.message, event.type_)
            for event in settlement.events
        )
        return Settled(settlement, events, settlement.requeue_in_s)

    async def report(self, situation: Situation, settled: Settled[Settlement]) -> None:
        settlement = settled.report
        if settlement.adopted:
            self.ctx.metrics.inc("mcp_containers_adopted_total")
        self.memory = settlement.memory
        if settlement.status is not None:
            self.memory = await _report(self.ctx, situation.desired, settlement.status, self.memory)


async def _read(
    ctx: Context, desired: Container, memory: Memory, *, may_guess: bool
) -> decide.Situation:
    """What a pass decides from: the object's container (on a first look, the start-up
    list's summary when it settles the look; with `may_guess`, no container for an
    object nothing was reported for, without asking), or its containers under other
    names."""
    name = desired.name
    last = memory.last_status(ctx.cache.status(name), desired)
    summary = ctx.primed.pop(name, None) if not memory.looked else None
    strays: tuple[Observed, ...] = ()
    as_reported = decide.primed_is_enough(desired, summary, last)
    guessed = not as_reported and may_guess and decide.may_guess_absent(desired, last)
    if as_reported:
        observed: Observed | None = summary
    elif guessed:
        observed = None
    else:
        observed = await ctx.runtime.inspect(docker_name(name))
        if observed is None:
            strays = tuple(await ctx.runtime.list_managed(ctx.cluster_id, uid=desired.uid))
    return decide.Situation(
        desired=desired,
        observed=observed,
        last=last,
        memory=memory,
        cluster_id=ctx.cluster_id,
        now=ctx.clock(),
        backoff=ctx.backoff,
        strays=strays,
        as_reported=as_reported,
        guessed=guessed,
    )


async def _report(ctx: Context, desired: Container, status: Status, memory: Memory) -> Memory:
    """Write `status` unless it says nothing new (status writes cost etcd revisions)."""
    if status.same_as(memory.last_status(ctx.cache.status(desired.name), desired)):
        return memory
    revision = await registry.write_status(ctx.store, ctx.keys, desired, status)
    if revision is None:
        return memory
    return replace(memory, reported=replace(status, revision=revision))


async def run(
    ctx: Context,
    name: str,
    nudges: trio.MemoryReceiveChannel[None],
    one: ContainerReconciler | None = None,
    *,
    task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED,
) -> None:
    """Reconcile `name` until it is gone or `nudges` is closed.

    Closes `nudges` (its receive end). Transient Docker or etcd failures are retried
    with capped backoff; anything else propagates to `supervise`.
    """
    one = one if one is not None else ContainerReconciler(ctx, name, Memory())
    task_status.started()
    await reconciler.loop(
        lambda: reconciler.reconcile(one, ctx.events),
        nudges,
        finished=Finished,
        resync_s=ctx.resync_interval,
        backoff=Backoff(base=ctx.actor_backoff.base, cap=ctx.actor_backoff.cap),
        passes=ctx.passes,
        count=_count(ctx),
        log=logs.get(actor="container", container=name),
    )


def _count(ctx: Context) -> Callable[[str], None]:
    return lambda outcome: ctx.metrics.inc("mcp_reconcile_passes_total", outcome=outcome)


async def supervise(ctx: Context, name: str, nudges: trio.MemoryReceiveChannel[None]) -> None:
    """Run the actor for `name` under the engine's supervisor: a crash is recorded in the
    object's status and the actor restarted with backoff. Its reconciler, and with it
    its memory, outlives the crash: a restarted actor does not look at Docker for the
    first time again (which would record another adoption) nor forget its back-offs."""
    one = ContainerReconciler(ctx, name, Memory())

    async def crashed(exc: Exception) -> None:
        await _record_crash(ctx, name, exc)

    await reconciler.supervise(
        lambda inbox: run(ctx, name, inbox, one),
        nudges,
        backoff=Backoff(base=ctx.actor_backoff.base, cap=ctx.actor_backoff.cap),
        crashed=crashed,
        count=_count(ctx),
        log=logs.get(actor="container", container=name),
        event="container_actor_crashed",
    )


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
