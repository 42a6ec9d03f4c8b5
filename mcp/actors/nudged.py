"""The loop every per-object actor runs: a pass when nudged, or when its timer says so.

A pass runs when the actor's inbox (capacity 1, so a burst of nudges is one pass) gets a
nudge, or `resync_s` after the last one, or sooner when the pass asked for it (a back-off
ending: controller-runtime's RequeueAfter). A transient failure (Docker or etcd away) is
retried with the actor's capped backoff; the pass raising `finished` ends the loop; any
other exception leaves it, for the actor's supervisor to contain. Passes run under the
shared `passes` limiter, so many new objects come up steadily instead of all at once.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import trio

from mcp.backoff import Backoff
from mcp.errors import RuntimeBusy, RuntimeUnavailable, StoreUnavailable

TRANSIENT = (RuntimeUnavailable, RuntimeBusy, StoreUnavailable)


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


async def sit_out(nudges: trio.MemoryReceiveChannel[None], delay_s: float) -> bool:
    """A crashed actor's back-off: nudges meanwhile change nothing (the restarted actor
    reads everything afresh), but a closed inbox means stop. False when it closed."""
    with trio.move_on_after(delay_s):
        while True:
            try:
                await nudges.receive()
            except trio.EndOfChannel:
                return False
    return True
