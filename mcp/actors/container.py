"""One reconcile actor per object: make its Docker container match its desired state.

The actor is a thin loop around the engine (`mcp.engine`): read the desired state from
the cache and the container from Docker, `decide`, `execute`, `settle`, then report the
status and queue the events. It runs a pass when
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
from datetime import UTC, datetime

import trio

from mcp import failpoints, logs, registry
from mcp.actors import nudged
from mcp.backoff import Backoff
from mcp.cache import Cache
from mcp.engine import decide, execute, settle
from mcp.engine.decide import FinalizeDeletion, Memory
from mcp.errors import StoreUnavailable
from mcp.events import Held, Recorder
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
    """One level-triggered pass for object `name`: read, `decide`, `execute`, `settle`,
    then report the status and queue the events (after the status write, whether the
    pass succeeded or raised).

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
    held = Held(ctx.events)
    try:
        return await _pass(ctx, held, name, memory or Memory())
    finally:
        held.release()  # no await: queueing never waits, even when cancelled


async def _pass(ctx: Context, held: Held, name: str, memory: Memory) -> tuple[float | None, Memory]:
    desired = ctx.cache.objects.get(name)
    if desired is None:
        raise Finished
    failpoints.hit("reconcile", name)
    log = logs.get(actor="container", container=name, revision=desired.resource_version)
    situation = await _read(ctx, desired, memory, may_guess=True)
    decision = decide.decide(situation)

    def starting(action: decide.Action) -> None:
        log.info("container_action", action=type(action).__name__, image=desired.spec.image)

    async def act() -> settle.Outcome:
        return await execute.execute(
            ctx.runtime,
            ctx.store,
            ctx.keys,
            desired,
            decision.actions,
            cluster_id=ctx.cluster_id,
            starting=starting,
        )

    outcome = await act()
    if outcome.name_in_use:  # the guess that nothing held the name was wrong: look
        situation = await _read(ctx, desired, memory, may_guess=False)
        decision = decide.decide(situation)
        outcome = await act()
    if outcome.failure is not None:
        failed = decision.actions[len(outcome.done)]
        log.warning(
            "container_action_failed",
            action=type(failed).__name__,
            reason=outcome.failure.reason,
            error=outcome.failure.message,
        )
    # Docker's view after the actions; with none, the reading still stands. After a
    # deletion's last step there is nothing left to look at.
    after = situation.observed
    if outcome.done and FinalizeDeletion() not in outcome.done:
        after = await ctx.runtime.inspect(docker_name(name))
    settlement = settle.settle(situation, decision, outcome, after)
    for event in settlement.events:
        held.record(desired, event.reason, event.message, type_=event.type_)
    if settlement.adopted:
        ctx.metrics.inc("mcp_containers_adopted_total")
    if FinalizeDeletion() in outcome.done:
        log.info("container_deleted", uid=desired.uid)
    memory = settlement.memory
    if settlement.status is not None:
        memory = await _report(ctx, desired, settlement.status, memory)
    return settlement.requeue_in_s, memory


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


@dataclass
class Remembered:
    """An actor's memory, held by its supervisor so that it outlives a crash of the actor:
    a restarted actor does not look at Docker for the first time again (which would
    record another adoption) nor forget its back-offs."""

    memory: Memory = field(default_factory=Memory)


async def run(
    ctx: Context,
    name: str,
    nudges: trio.MemoryReceiveChannel[None],
    remembered: Remembered | None = None,
    *,
    task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED,
) -> None:
    """Reconcile `name` until it is gone or `nudges` is closed.

    Closes `nudges` (its receive end). Transient Docker or etcd failures are retried
    with capped backoff; anything else propagates to `supervise`.
    """
    remembered = remembered if remembered is not None else Remembered()
    task_status.started()

    async def one_pass() -> float | None:
        due_in, remembered.memory = await reconcile(ctx, name, remembered.memory)
        return due_in

    await nudged.loop(
        one_pass,
        nudges,
        finished=Finished,
        resync_s=ctx.resync_interval,
        backoff=Backoff(base=ctx.actor_backoff.base, cap=ctx.actor_backoff.cap),
        passes=ctx.passes,
        count=lambda outcome: ctx.metrics.inc("mcp_reconcile_passes_total", outcome=outcome),
        log=logs.get(actor="container", container=name),
    )


async def supervise(ctx: Context, name: str, nudges: trio.MemoryReceiveChannel[None]) -> None:
    """Run the actor for `name`, restarting it with backoff after an unexpected error.

    Ends when the actor ends, or when `nudges` is closed (shutdown) while it waits to
    restart a crashed actor: a broken actor must not hold up shutdown.
    """
    log = logs.get(actor="container", container=name)
    backoff = Backoff(base=ctx.actor_backoff.base, cap=ctx.actor_backoff.cap)
    remembered = Remembered()
    with nudges:
        while True:
            try:
                await run(ctx, name, nudges.clone(), remembered)
                return
            except Exception as exc:  # an actor bug: contain it to this one object
                ctx.metrics.inc("mcp_reconcile_passes_total", outcome="crashed")
                delay = backoff.next_delay()
                log.exception("container_actor_crashed", attempt=backoff.attempt, retry_in=delay)
                await _record_crash(ctx, name, exc)
            if not await nudged.sit_out(nudges, delay):
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
