"""The Pod controller: fans changes out to one Pod actor per Pod (`pod.supervise`).

What nudges a Pod's actor: the Pod changing in the watch cache; a ConfigMap or Secret it
reads changing (its env waits for a key, its volume's files are updated in place, as the
kubelet's managers do); Docker reporting a change in one of its containers
(`docker_events`: a `docker kill` heals within a pass). Nudges go into the actor's
capacity-1 inbox without waiting, so a burst collapses into one pass, and each actor's
own timer brings a pass every resync interval whatever happens.

One Pod is never reconciled by two tasks: an actor is forgotten in the same step, with no
checkpoint, as it ends. The controller runs until the cache closes (shutdown), then
closes every inbox; each actor ends after its current pass.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import trio

from mcp import logs
from mcp.actors import pod
from mcp.engine.pods.conditions import all_containers, dict_of, dicts_of
from mcp.kinds import core
from mcp.objectcache import ObjectChange
from mcp.sandbox import PodNews

log = logs.get(actor="pods")

Key = tuple[str, str]  # namespace, name


def reads(spec: Mapping[str, Any], kind: str, name: str) -> bool:
    """Whether a Pod with `spec` reads ConfigMap or Secret (`kind`) `name`: through a
    volume, a projected volume's source, an env `valueFrom` or an `envFrom`."""
    ref_key = "configMapKeyRef" if kind == "ConfigMap" else "secretKeyRef"
    from_key = "configMapRef" if kind == "ConfigMap" else "secretRef"
    source_key = "configMap" if kind == "ConfigMap" else "secret"
    for volume in dicts_of(spec.get("volumes")):
        source = dict_of(volume.get(source_key))
        if (source.get("secretName") if kind == "Secret" else source.get("name")) == name:
            return True
        for projected in dicts_of(dict_of(volume.get("projected")).get("sources")):
            if dict_of(projected.get(source_key)).get("name") == name:
                return True
    for container in all_containers(spec):
        for variable in dicts_of(container.get("env")):
            if dict_of(dict_of(variable.get("valueFrom")).get(ref_key)).get("name") == name:
                return True
        for source in dicts_of(container.get("envFrom")):
            if dict_of(source.get(from_key)).get("name") == name:
                return True
    return False


def status_only(before: Mapping[str, Any], after: Mapping[str, Any]) -> bool:
    """Whether a Pod changed in its status alone (and the bookkeeping every write moves)."""

    def rest(pod: Mapping[str, Any]) -> dict[str, Any]:
        metadata = {
            k: v
            for k, v in dict_of(pod.get("metadata")).items()
            if k not in ("resourceVersion", "managedFields")
        }
        return {**{k: v for k, v in pod.items() if k != "status"}, "metadata": metadata}

    return rest(before) == rest(after)


def keys_of(ctx: pod.PodContext, change: ObjectChange) -> list[Key]:
    """The Pods a change of the cache concerns."""
    stored = change.after or change.before
    if stored is None:
        return []
    if change.kind == core.POD:
        if (
            change.before is not None
            and change.after is not None
            and status_only(change.before.obj, change.after.obj)
        ):
            return []  # the actor's own status write (or another's): nothing to act on
        return [(stored.namespace, stored.name)]
    if change.kind in (core.CONFIGMAP, core.SECRET):
        return [
            (found.namespace, found.name)
            for found in ctx.cache.kube.listed(core.POD, stored.namespace)
            if reads(dict_of(found.obj.get("spec")), change.kind.kind, stored.name)
        ]
    return []


async def run(
    ctx: pod.PodContext,
    docker_changes: trio.MemoryReceiveChannel[PodNews],
    *,
    task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED,
) -> None:
    """Dispatch until the cache closes, then wait for every actor to end.

    Closes `docker_changes` and every actor inbox.
    """
    inboxes: dict[Key, Inbox] = {}
    async with trio.open_nursery() as nursery:

        def nudge(key: Key, container_id: str = "", action: str = "") -> None:
            inbox = inboxes.get(key)
            if inbox is None:
                if ctx.cache.kube.get(core.POD, *key) is None:
                    return
                inbox = inboxes[key] = _start_actor(nursery, ctx, key, inboxes)
            if container_id:
                inbox.changed[container_id] = action
            inbox.nudge()

        listening = trio.CancelScope()

        async def from_docker() -> None:
            with listening:
                async with docker_changes:
                    async for news in docker_changes:
                        key = (news.pod.namespace, news.pod.name)
                        nudge(key, news.container_id, news.action)

        nursery.start_soon(from_docker)
        task_status.started()
        await _follow_cache(ctx, nudge)
        log.info("pods_stopping", actors=len(inboxes))
        listening.cancel()
        for inbox in inboxes.values():
            inbox.send.close()


async def _follow_cache(ctx: pod.PodContext, nudge: Callable[[Key], None]) -> None:
    """Nudge every Pod, then each Pod a change concerns, until the cache closes; every Pod
    again when the stream is opened again (something may have been missed)."""
    cache = ctx.cache
    while not cache.closed:
        with cache.kube.subscribe(
            None, cache.revision, wants=lambda c: bool(keys_of(ctx, c)), initial=list
        ) as subscription:
            for key in _all(ctx):
                nudge(key)
            while True:
                try:
                    change = await subscription.receive()
                except trio.EndOfChannel:
                    break
                for key in keys_of(ctx, change):
                    nudge(key)
        log.info("pods_stream_reopened", why=subscription.ended)


def _all(ctx: pod.PodContext) -> Iterable[Key]:
    return [(stored.namespace, stored.name) for stored in ctx.cache.kube.listed(core.POD)]


@dataclass(frozen=True)
class Inbox:
    """A Pod actor's inbox: the nudge, and which of its Docker containers Docker reported
    a change in since its last look (the actor inspects those again)."""

    send: trio.MemorySendChannel[None]
    changed: dict[str, str]  # container id -> Docker's last word about it

    def nudge(self) -> None:
        """A pass, soon; one already due covers it (the actor's prober calls this). An
        actor that has ended (its inbox closed, while it closes its prober) needs none."""
        with contextlib.suppress(
            trio.WouldBlock, trio.ClosedResourceError, trio.BrokenResourceError
        ):
            self.send.send_nowait(None)


def _start_actor(
    nursery: trio.Nursery,
    ctx: pod.PodContext,
    key: Key,
    inboxes: dict[Key, Inbox],
) -> Inbox:
    send, receive = trio.open_memory_channel[None](1)
    inbox = Inbox(send, {})

    async def actor() -> None:
        try:
            await pod.supervise(ctx, key[0], key[1], receive, inbox.changed, inbox.nudge)
        finally:
            if inboxes.get(key) is inbox:  # no await since the actor's last look
                del inboxes[key]
            send.close()

    nursery.start_soon(actor, name=f"pod:{key[0]}/{key[1]}")
    return inbox
