"""Finishes a Pod's graceful deletion once its grace period is over, standing in for the
part of the kubelet's job that no one else does while mcp runs no pods.

A graceful delete marks a Pod (`deletionTimestamp` = now + its grace period) and keeps it;
upstream, the kubelet stops its containers and then deletes it with no grace, which is
what `kubectl delete pod` waits for and what a namespace being deleted waits for. mcp's
engine (the kubelet's counterpart, to come) will do that as soon as the containers are
gone. Until then no container runs for any Pod, and this controller does the kubelet's
last step when the grace period has run out, as the kubelet does for a container that
ignores SIGTERM: the delete, with no grace and the Pod's uid as a precondition (a Pod
made again under the same name is not touched). It goes when the engine takes over.

`due` is the pure part (how long until a pod's deadline); `reconcile` answers that delay
to the loop (RequeueAfter), or deletes. Reads the cache; writes through the generic
storage path.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from mcp import logs
from mcp.apiserver import deletion, storage
from mcp.apiserver.status import KubeError
from mcp.cache import Cache
from mcp.controllers.loop import Controller
from mcp.kinds import core
from mcp.model import parse_time
from mcp.objectcache import ObjectChange
from mcp.registry import Keys
from mcp.store import Store

log = logs.get(actor="pod_deadlines")


def due(pod: dict[str, Any] | None, now: datetime) -> float | None:
    """Seconds until a terminating pod's grace period is over (0: over); None for a pod
    that is not being deleted gracefully (gone, not deleted, or held by finalizers with
    no grace left to wait for)."""
    if pod is None:
        return None
    metadata = pod["metadata"]
    deadline = parse_time(metadata.get("deletionTimestamp"))
    if deadline is None or not metadata.get("deletionGracePeriodSeconds"):
        return None
    return max(0.0, (deadline - now).total_seconds())


def _key(namespace: str | None, name: str) -> str:
    return f"{namespace}/{name}"


def controller(store: Store, keys: Keys, cache: Cache) -> Controller:
    """The stand-in over the Pods the cache holds, keyed `<namespace>/<name>`."""
    pods = storage.STRATEGIES[core.POD.resource]

    def keys_of(change: ObjectChange) -> list[str]:
        stored = change.after or change.before
        if change.kind != core.POD or stored is None:
            return []
        return [_key(stored.namespace, stored.name)]

    def all_keys() -> list[str]:
        return [
            _key(stored.namespace, stored.name)
            for stored in cache.kube.listed(core.POD)
            if stored.obj["metadata"].get("deletionTimestamp")
        ]

    async def reconcile(key: str) -> float | None:
        namespace, _, name = key.partition("/")
        found = cache.kube.get(core.POD, namespace, name)
        pod = found.obj if found is not None else None
        wait = due(pod, datetime.now(UTC))
        if wait is None or pod is None:
            return None
        if wait > 0:
            return wait
        options = deletion.Options(grace_period_seconds=0, uid=pod["metadata"].get("uid"))
        try:
            await storage.delete_object(
                store, keys, pods, namespace, name, dry_run=False, options=options
            )
        except KubeError as exc:
            if exc.code not in (404, 409):  # gone, or made again: nothing of ours to finish
                raise
            return None
        log.info("pod_deletion_finished", namespace=namespace, pod=name)
        return None

    return Controller("pod_deadlines", reconcile, keys_of, all_keys)
