"""The one reconcile engine: what every kind's per-object actors run on.

A kind feeds the engine a `Reconciler` for one object, the steps of a pass in the order of
controller-runtime's reconcile: `read` the desired state (the watch cache) and the observed
state (Docker); `decide`, a pure function, every decision (the actions, what holds them
back, when to run again); `act` on them through a thin executor that only calls Docker and
maps its errors; `look_again` at Docker when anything was done; `settle`, a second pure
function, into what the pass ends with (`Settled`: the status, the events, when a pass is
due regardless of nudges); `report` the status. The Container kind
(`mcp.actors.container`, deciding with `mcp.engine.decide`) and the Pod kind
(`mcp.actors.pod`, deciding with `mcp.engine.pods.decide`) each feed one; the engine does
the rest, the same for both:

- `reconcile`: one pass, its events held until the status is written (or the pass
  failed), so that no event write delays the status a client's `?wait` waits for;
- `loop`: a pass when the actor's inbox (capacity 1, so a burst of nudges is one pass)
  gets a nudge, or `resync_s` after the last one, or sooner when the pass asked for it (a
  back-off ending: controller-runtime's RequeueAfter). A transient failure (Docker or etcd
  away) is retried with the actor's capped backoff; the pass raising `finished` ends the
  loop; any other exception leaves it for the supervisor. Passes run under the shared
  `passes` limiter, so many new objects come up steadily instead of all at once;
- `supervise`: an actor's crash is contained to its object: logged with its traceback,
  recorded by the kind (`crashed`), and the actor restarted with backoff, its memory kept
  (the kind's reconciler outlives the crash), without holding up shutdown.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

import trio

from mcp.backoff import Backoff
from mcp.errors import RuntimeBusy, RuntimeUnavailable, StoreUnavailable
from mcp.events import Happened, Held, Recorder

TRANSIENT = (RuntimeUnavailable, RuntimeBusy, StoreUnavailable)

S = TypeVar("S")  # what a pass read
D = TypeVar("D")  # what it decided
O = TypeVar("O")  # what its actions did  # noqa: E741
A = TypeVar("A")  # Docker's view after them
R = TypeVar("R")  # the status it reports


@dataclass(frozen=True)
class Settled(Generic[R]):
    """What a pass ends with: what its kind's pure `settle` returns."""

    report: R  # the status to report (the kind's `report` skips what says nothing new)
    events: Sequence[Happened] = ()  # in the order things happened
    requeue_in_s: float | None = None  # a pass is due this soon even without a nudge


class Reconciler(Protocol[S, D, O, A, R]):
    """One object's pass, as its kind does each step. `read` raises the kind's `finished`
    exception when the object is gone (and nothing of it is left on Docker)."""

    async def read(self, *, may_guess: bool) -> S:
        """The desired and observed state. With `may_guess`, the reader may take what it
        knows for a Docker call's answer (a new object has no container yet); when the
        guess was wrong (`guessed_wrong`), the engine reads again without it."""
        ...

    def noticed(self, situation: S) -> Sequence[Happened]:
        """What the reading shows happened apart from this pass (the scheduler's
        `Scheduled`): recorded at once, so that a pass failing later does not lose it."""
        ...

    def decide(self, situation: S) -> D: ...

    async def act(self, situation: S, decision: D) -> O: ...

    def guessed_wrong(self, outcome: O) -> bool: ...

    async def look_again(self, situation: S, outcome: O) -> A:
        """Docker's view after the actions (the reading still stands when none ran)."""
        ...

    def settle(self, situation: S, decision: D, outcome: O, after: A) -> Settled[R]: ...

    async def report(self, situation: S, settled: Settled[R]) -> None: ...


async def reconcile(reconciler: Reconciler[S, D, O, A, R], events: Recorder) -> float | None:
    """One level-triggered pass: read, decide, act, look again, settle, report; then its
    events are queued (after the status write, whether the pass succeeded or raised).
    Returns the seconds until a pass is due again regardless of nudges, or None."""
    held = Held(events)
    try:
        situation = await reconciler.read(may_guess=True)
        held.record_all(reconciler.noticed(situation))
        decision = reconciler.decide(situation)
        outcome = await reconciler.act(situation, decision)
        if reconciler.guessed_wrong(outcome):
            situation = await reconciler.read(may_guess=False)
            decision = reconciler.decide(situation)
            outcome = await reconciler.act(situation, decision)
        after = await reconciler.look_again(situation, outcome)
        settled = reconciler.settle(situation, decision, outcome, after)
        held.record_all(settled.events)
        await reconciler.report(situation, settled)
        return settled.requeue_in_s
    finally:
        held.release()  # no await: queueing never waits, even when cancelled


async def loop(
    one_pass: Callable[[], Awaitable[float | None]],
    nudges: trio.MemoryReceiveChannel[None],
    *,
    finished: type[Exception],
    resync_s: float,
    backoff: Backoff,
    passes: trio.CapacityLimiter,
    count: Callable[[str], None],
    log: Any,
) -> None:
    """Run `one_pass` until it raises `finished` or `nudges` is closed. Closes `nudges`.

    Args:
        count: told each pass's outcome (`done`, `retry`), for the metrics.
    """
    # A plain `with`: closing must not checkpoint, so that between seeing the object gone
    # and the controller forgetting this actor no other task can run.
    with nudges:
        while True:
            wait_s = resync_s
            try:
                async with passes:
                    due_in = await one_pass()
                count("done")
                backoff.reset()
                if due_in is not None:
                    wait_s = min(wait_s, due_in)
            except finished:
                return
            except TRANSIENT as exc:
                count("retry")
                wait_s = backoff.next_delay()
                log.warning("reconcile_retry", error=str(exc), retry_in=wait_s)
            with trio.move_on_after(wait_s):
                try:
                    await nudges.receive()
                except trio.EndOfChannel:
                    return


async def supervise(
    run: Callable[[trio.MemoryReceiveChannel[None]], Awaitable[None]],
    nudges: trio.MemoryReceiveChannel[None],
    *,
    backoff: Backoff,
    crashed: Callable[[Exception], Awaitable[None]],
    count: Callable[[str], None],
    log: Any,
    event: str,
) -> None:
    """Run the actor (`run`, given a clone of `nudges`), restarting it with `backoff` after
    an unexpected error, which is logged as `event` and handed to `crashed` (the kind
    records it where its users look). Closes `nudges`.

    Ends when the actor ends, or when `nudges` is closed (shutdown) while it waits to
    restart a crashed actor: a broken actor must not hold up shutdown.
    """
    with nudges:
        while True:
            try:
                await run(nudges.clone())
                return
            except Exception as exc:  # an actor bug: contain it to this one object
                count("crashed")
                delay = backoff.next_delay()
                log.exception(event, attempt=backoff.attempt, retry_in=delay)
                await crashed(exc)
            if not await _sit_out(nudges, delay):
                return


async def _sit_out(nudges: trio.MemoryReceiveChannel[None], delay_s: float) -> bool:
    """A crashed actor's back-off: nudges meanwhile change nothing (the restarted actor
    reads everything afresh), but a closed inbox means stop. False when it closed."""
    with trio.move_on_after(delay_s):
        while True:
            try:
                await nudges.receive()
            except trio.EndOfChannel:
                return False
    return True
