"""The Deployment controller: rolls each Deployment's Pods onto the ReplicaSet of its
current template, one step at a time within `maxSurge` and `maxUnavailable`.

The thin actor around `plan` (the decisions, ported from upstream's
pkg/controller/deployment): for one Deployment, read it and its namespace's ReplicaSets
and Pods from the watch cache, `plan`, then write the plan's actions in order through the
generic storage path (`writes`): adopt or release ReplicaSets, create the new one, scale
and annotate, delete history past `revisionHistoryLimit`; then the Deployment's revision
annotation and status. A write that fails stops the pass, which the controller loop
retries with backoff, as upstream returns its error. The ReplicaSet controller makes the
Pods; its status changes bring the Deployment its next pass.

Which Deployments a change concerns (`keys_of`): the Deployment itself; for a ReplicaSet,
the Deployment that controls it, or, for an orphan, every Deployment of its namespace
whose selector matches it; for a Pod, the Deployment controlling its ReplicaSet (Recreate
waits for old Pods to stop).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from mcp import logs
from mcp.apiserver import storage
from mcp.apiserver.status import KubeError
from mcp.cache import Cache
from mcp.controllers import ownership, work_keys
from mcp.controllers.deployments import plan as planning
from mcp.controllers.deployments.actions import (
    CreateReplicaSet,
    DeleteReplicaSet,
    DeploymentPlan,
    PatchReplicaSet,
    UpdateReplicaSet,
)
from mcp.controllers.loop import Controller
from mcp.controllers.writes import Writes, involved, namespace_ending
from mcp.events import Involved, Recorder
from mcp.kinds import apps, core
from mcp.objectcache import ObjectChange
from mcp.registry import Keys
from mcp.store import Store

log = logs.get(actor="deployments")

COMPONENT = "deployment-controller"


def controller(
    store: Store,
    keys: Keys,
    cache: Cache,
    strategies: Mapping[str, storage.Strategy],
    events: Recorder,
) -> Controller:
    writes = Writes(store, keys, cache, strategies, events, COMPONENT)

    def keys_of(change: ObjectChange) -> list[str]:
        wanted: set[str] = set()
        for side in (change.before, change.after):
            if side is None:
                continue
            if change.kind == apps.DEPLOYMENT:
                wanted.add(work_keys.key_of(side))
            elif change.kind == apps.REPLICASET:
                wanted |= work_keys.controllers_of(cache, apps.DEPLOYMENT, side)
            elif change.kind == core.POD:
                reference = ownership.controller_of(side.obj)
                if reference is None or reference.get("kind") != "ReplicaSet":
                    continue
                rs = cache.kube.get(apps.REPLICASET, side.namespace, str(reference.get("name")))
                if rs is not None:
                    wanted |= work_keys.controllers_of(cache, apps.DEPLOYMENT, rs)
        return sorted(wanted)

    def all_keys() -> list[str]:
        return work_keys.every(cache, apps.DEPLOYMENT)

    async def reconcile(key: str) -> float | None:
        await writes.caught_up()
        namespace, name = work_keys.split(key)
        found = cache.kube.get(apps.DEPLOYMENT, namespace, name)
        if found is None:
            return None  # its ReplicaSets follow it through the garbage collector
        deployment = found.obj
        replicasets = [s.obj for s in cache.kube.listed(apps.REPLICASET, namespace)]
        pods = [s.obj for s in cache.kube.listed(core.POD, namespace)]
        now = datetime.now(UTC)
        decided = planning.plan(deployment, replicasets, pods, now)
        about = involved(apps.DEPLOYMENT, deployment)
        uid = about.uid
        try:
            for action in decided.actions:
                await _act(writes, about, namespace, action)
        except KubeError as exc:
            if any(isinstance(a, CreateReplicaSet) for a in decided.actions):
                status, event = decided.create_failed(exc.message, now)
                writes.record(about, event.reason, event.message, event.type)
                if status is not None:
                    await writes.write_status(apps.DEPLOYMENT, namespace, name, uid, status)
            raise
        for event in decided.events:
            writes.record(about, event.reason, event.message, event.type)
        await _write_status(writes, namespace, name, uid, decided)
        if decided.problem is not None:
            log.warning(
                "deployment_not_synced", namespace=namespace, name=name, why=decided.problem
            )
        return decided.requeue_after

    return Controller("deployments", reconcile, keys_of, all_keys)


async def _act(
    writes: Writes,
    about: Involved,
    namespace: str,
    action: PatchReplicaSet | CreateReplicaSet | UpdateReplicaSet | DeleteReplicaSet,
) -> None:
    if isinstance(action, PatchReplicaSet):
        await writes.patch(apps.REPLICASET, namespace, action.name, action.patch)
    elif isinstance(action, CreateReplicaSet):
        try:
            await writes.create(apps.REPLICASET, namespace, action.replica_set)
        except KubeError as exc:
            if namespace_ending(exc):
                return
            raise
        for event in action.events:
            writes.record(about, event.reason, event.message, event.type)
    elif isinstance(action, UpdateReplicaSet):
        found = writes.cache.kube.get(apps.REPLICASET, namespace, action.name)
        if found is None:
            return  # gone meanwhile: the change brings another pass
        await writes.update(apps.REPLICASET, namespace, _scaled(found.copy(), action))
        for event in action.events:
            writes.record(about, event.reason, event.message, event.type)
    else:
        await writes.delete(apps.REPLICASET, namespace, action.name)


def _scaled(rs: dict[str, Any], action: UpdateReplicaSet) -> dict[str, Any]:
    """The ReplicaSet with the action's replicas, minReadySeconds and annotations, at the
    resourceVersion the plan read (a later change makes the update a 409, and the pass is
    retried on what is there then)."""
    metadata, spec = rs["metadata"], rs.setdefault("spec", {})
    if action.resource_version is not None:
        metadata["resourceVersion"] = action.resource_version
    spec["replicas"] = action.replicas
    if action.min_ready_seconds:
        spec["minReadySeconds"] = action.min_ready_seconds
    else:
        spec.pop("minReadySeconds", None)
    if action.annotations:
        metadata["annotations"] = dict(action.annotations)
    else:
        metadata.pop("annotations", None)
    return rs


async def _write_status(
    writes: Writes, namespace: str, name: str, uid: str, decided: DeploymentPlan
) -> None:
    """The revision annotation and the status, in one write, as upstream's UpdateStatus."""
    if decided.annotations is None and decided.status is None:
        return

    def change(current: dict[str, Any]) -> dict[str, Any] | None:
        before = (current["metadata"].get("annotations"), current.get("status"))
        if decided.annotations is not None:
            current["metadata"]["annotations"] = dict(decided.annotations)
        if decided.status is not None:
            current["status"] = decided.status
        after = (current["metadata"].get("annotations"), current.get("status"))
        return None if after == before else current

    await writes.rewrite(apps.DEPLOYMENT, namespace, name, uid, change)
