"""The controller: fans object changes out to one container actor per object.

It owns the nursery of container actors (kopf's queueing design): the watch actor
sends the name of every object whose desired state changed; the controller nudges
that object's actor, starting one if there is none. Nudges go into a capacity-1
inbox with `send_nowait`, so a burst of changes for one object collapses into one
pass and the controller never blocks on a slow actor.

One object is never reconciled by two tasks at once: an actor is forgotten (its
inbox removed from `inboxes`) in the same step, without a checkpoint, as it decides
it is finished, so a later change of the same name always finds either the live
actor or no actor.

On shutdown the watch actor closes the change channel; the controller then closes
every inbox, and each actor ends after its current pass.
"""

from __future__ import annotations

import contextlib

import trio

from mcp import logs
from mcp.actors import container
from mcp.errors import RuntimeUnavailable
from mcp.model import LABEL_NAME, docker_name

log = logs.get(actor="controller")


async def run(
    ctx: container.Context,
    changes: trio.MemoryReceiveChannel[str],
    *,
    task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED,
) -> None:
    """Dispatch changes until `changes` is closed, then wait for every actor to end.

    Closes `changes` (receive end) and every actor inbox (send ends).
    """
    inboxes: dict[str, trio.MemorySendChannel[None]] = {}
    await _prime(ctx)
    async with trio.open_nursery() as nursery:
        task_status.started()
        with changes:
            async for name in changes:
                inbox = inboxes.get(name)
                if inbox is None:
                    if name in ctx.cache.objects:
                        inboxes[name] = _start_actor(nursery, ctx, name, inboxes)
                    continue
                # WouldBlock: a nudge is already waiting; the next pass sees this change too.
                with contextlib.suppress(trio.WouldBlock):
                    inbox.send_nowait(None)
        log.info("controller_stopping", actors=len(inboxes))
        for inbox in inboxes.values():
            inbox.close()


async def _prime(ctx: container.Context) -> None:
    """One Docker list for all containers of this cluster, for the actors' first passes."""
    try:
        managed = await ctx.runtime.list_managed(ctx.cluster_id)
    except RuntimeUnavailable as exc:
        log.warning("prime_failed", error=str(exc))  # the actors inspect one by one
        return
    for observed in managed:
        name = observed.labels.get(LABEL_NAME)
        # Only a container under its object's Docker name: a renamed one is not its
        # object's container until the actor has taken it back.
        if name is not None and observed.name == docker_name(name):
            ctx.primed[name] = observed
    log.info("controller_primed", containers=len(managed))


def _start_actor(
    nursery: trio.Nursery,
    ctx: container.Context,
    name: str,
    inboxes: dict[str, trio.MemorySendChannel[None]],
) -> trio.MemorySendChannel[None]:
    send, receive = trio.open_memory_channel[None](1)

    async def actor() -> None:
        try:
            await container.supervise(ctx, name, receive)
        finally:
            # No await between the actor's last look at the cache and this line.
            if inboxes.get(name) is send:
                del inboxes[name]
            send.close()

    nursery.start_soon(actor, name=f"container:{name}")
    return send
