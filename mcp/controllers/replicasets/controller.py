"""The ReplicaSet controller: keeps `spec.replicas` Pods of each ReplicaSet running.

The thin actor around `plan` (the decisions, ported from upstream's replica_set.go): for
one ReplicaSet, read it and its namespace's Pods and ReplicaSets from the watch cache,
`plan`, then write what the plan says through the generic storage path (`writes`):
adoptions and releases of Pods, the Pods to create (in slow-start batches, as upstream:
1, 2, 4, ... stopping at a failure) and to delete, then the status. A create or delete
that fails writes upstream's ReplicaFailure condition and fails the pass, which the
controller loop retries with backoff. Before a pass the cache has caught up with the
controller's own last writes, so a pass never creates Pods the one before it made.

Which ReplicaSets a change concerns (`keys_of`): the ReplicaSet itself; for a Pod, the
ReplicaSet that controls it, or, for an orphan Pod, every ReplicaSet of its namespace
whose selector matches its labels (it may adopt it).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from mcp import logs
from mcp.apiserver import storage
from mcp.apiserver.status import KubeError
from mcp.cache import Cache
from mcp.controllers import work_keys
from mcp.controllers.loop import Controller
from mcp.controllers.replicasets import plan as planning
from mcp.controllers.writes import Writes, involved, namespace_ending
from mcp.engine.pods.conditions import dict_of
from mcp.events import Recorder
from mcp.kinds import apps, core
from mcp.objectcache import ObjectChange
from mcp.registry import Keys
from mcp.store import Store

log = logs.get(actor="replicasets")

COMPONENT = "replicaset-controller"


def _name(obj: Mapping[str, Any]) -> str:
    return str(dict_of(obj.get("metadata")).get("name") or "")


def controller(
    store: Store,
    keys: Keys,
    cache: Cache,
    strategies: Mapping[str, storage.Strategy],
    events: Recorder,
) -> Controller:
    """The ReplicaSet controller; `strategies` are the API's (a Pod is scheduled as the
    API schedules one it creates)."""
    writes = Writes(store, keys, cache, strategies, events, COMPONENT)

    def keys_of(change: ObjectChange) -> list[str]:
        stored = change.after or change.before
        if stored is None:
            return []
        if change.kind == apps.REPLICASET:
            return [work_keys.key_of(stored)]
        if change.kind != core.POD:
            return []
        wanted: set[str] = set()
        for side in (change.before, change.after):
            if side is not None:
                wanted |= work_keys.controllers_of(cache, apps.REPLICASET, side)
        return sorted(wanted)

    def all_keys() -> list[str]:
        return work_keys.every(cache, apps.REPLICASET)

    async def reconcile(key: str) -> float | None:
        await writes.caught_up()
        namespace, name = work_keys.split(key)
        found = cache.kube.get(apps.REPLICASET, namespace, name)
        if found is None:
            return None  # its Pods follow it through the garbage collector
        rs = found.obj
        pods = [s.obj for s in cache.kube.listed(core.POD, namespace)]
        replicasets = [s.obj for s in cache.kube.listed(apps.REPLICASET, namespace)]
        now = datetime.now(UTC)
        decided = planning.plan(rs, pods, now, replicasets=replicasets)
        if decided.problem is not None:
            log.warning(
                "replicaset_not_synced", namespace=namespace, name=name, why=decided.problem
            )
            return None
        uid = str(dict_of(rs.get("metadata")).get("uid") or "")
        try:
            await _claim(writes, namespace, decided)
            await _create(writes, rs, namespace, decided)
            await _delete(writes, rs, namespace, decided)
        except KubeError as exc:
            status = planning.calculate_status(rs, decided.counts, exc.message, now)
            await writes.write_status(apps.REPLICASET, namespace, name, uid, status)
            raise
        if decided.status is not None:
            await writes.write_status(apps.REPLICASET, namespace, name, uid, decided.status)
        return decided.requeue_after

    return Controller("replicasets", reconcile, keys_of, all_keys)


async def _claim(writes: Writes, namespace: str, decided: planning.ReplicaSetPlan) -> None:
    for claim in (*decided.adopt, *decided.release):
        await writes.patch(core.POD, namespace, claim.name, claim.patch)


async def _create(
    writes: Writes, rs: dict[str, Any], namespace: str, decided: planning.ReplicaSetPlan
) -> None:
    """The Pods to create, in upstream's slow-start batches: a failure stops the rest."""
    if decided.pod is None or not decided.create:
        return
    about = involved(apps.REPLICASET, rs)
    for batch in planning.slow_start_batches(decided.create):
        for _ in range(batch):
            try:
                made = await writes.create(core.POD, namespace, decided.pod)
            except KubeError as exc:
                if namespace_ending(exc):
                    return
                writes.record(
                    about, planning.FAILED_CREATE, f"Error creating: {exc.message}", "Warning"
                )
                raise
            writes.record(about, planning.SUCCESSFUL_CREATE, f"Created pod: {_name(made)}")


async def _delete(
    writes: Writes, rs: dict[str, Any], namespace: str, decided: planning.ReplicaSetPlan
) -> None:
    about = involved(apps.REPLICASET, rs)
    for name in decided.delete:
        try:
            deleted = await writes.delete(core.POD, namespace, name)
        except KubeError as exc:
            writes.record(
                about, planning.FAILED_DELETE, f"Error deleting: {exc.message}", "Warning"
            )
            raise
        if deleted:
            writes.record(about, planning.SUCCESSFUL_DELETE, f"Deleted pod: {name}")
