"""The Job controller: runs each Job's Pods to its completions, within its parallelism,
backoff limit and deadline, and deletes it once its `ttlSecondsAfterFinished` is over.

The thin actor around `plan.decide` (the decisions, ported from upstream's
job_controller.go), performing a plan in the order its contract gives: the Job's status
first, conditional on the resourceVersion the plan read (a stale plan is made again);
then the tracking finalizer patched off the Pods the status now counts; then the Pods to
delete; then those to create; then the events. The failure backoff is the actor's memory,
per Job, kept once the status is written. A Pod left with the tracking finalizer by a Job
that is gone loses it (upstream's syncOrphanPod), so it can be deleted.

Which Jobs a change concerns (`keys_of`): the Job itself; for a Pod, the Job that controls
it.
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
from mcp.controllers.gc import without_finalizer
from mcp.controllers.jobs import plan as planning
from mcp.controllers.jobs.backoff import Backoff
from mcp.controllers.jobs.pods import TRACKING_FINALIZER
from mcp.controllers.loop import Controller
from mcp.controllers.writes import Writes, involved, namespace_ending
from mcp.engine.pods.conditions import dict_of
from mcp.events import Recorder
from mcp.kinds import batch, core
from mcp.objectcache import ObjectChange
from mcp.registry import Keys
from mcp.store import Store

log = logs.get(actor="jobs")

COMPONENT = "job-controller"


def controller(
    store: Store,
    keys: Keys,
    cache: Cache,
    strategies: Mapping[str, storage.Strategy],
    events: Recorder,
) -> Controller:
    writes = Writes(store, keys, cache, strategies, events, COMPONENT)
    backoffs: dict[str, Backoff] = {}  # by the Job's uid

    def keys_of(change: ObjectChange) -> list[str]:
        wanted: set[str] = set()
        for side in (change.before, change.after):
            if side is None:
                continue
            if change.kind == batch.JOB:
                wanted.add(work_keys.key_of(side))
            elif change.kind == core.POD:
                reference = ownership.controller_of(side.obj)
                if reference is not None and reference.get("kind") == "Job":
                    wanted.add(f"{side.namespace}/{reference.get('name')}")
        return sorted(wanted)

    def all_keys() -> list[str]:
        jobs = {f"{s.namespace}/{s.name}" for s in cache.kube.listed(batch.JOB)}
        for pod in cache.kube.listed(core.POD):  # Pods a gone Job left tracked
            reference = ownership.controller_of(pod.obj)
            if reference is not None and reference.get("kind") == "Job":
                jobs.add(f"{pod.namespace}/{reference.get('name')}")
        return sorted(jobs)

    async def reconcile(key: str) -> float | None:
        await writes.caught_up()
        namespace, name = work_keys.split(key)
        found = cache.kube.get(batch.JOB, namespace, name)
        pods = [s.obj for s in cache.kube.listed(core.POD, namespace)]
        if found is None:
            await _release_orphans(writes, namespace, name, pods)
            return None
        job = found.obj
        uid = str(dict_of(job.get("metadata")).get("uid") or "")
        decided = planning.decide(job, pods, backoffs.get(uid), now=datetime.now(UTC))
        about = involved(batch.JOB, job)
        if decided.status is not None:
            # Only over the Job as the plan read it: counted Pods lose their finalizer
            # next, so a status from a stale plan must not be written.
            read_at = str(dict_of(job.get("metadata")).get("resourceVersion") or "")
            await writes.write_status(
                batch.JOB, namespace, name, uid, decided.status, resource_version=read_at
            )
        backoffs[uid] = decided.backoff
        for pod_name in decided.remove_finalizers:
            await _untrack(writes, namespace, pod_name)
        for pod_name in decided.delete:
            if await writes.delete(core.POD, namespace, pod_name):
                writes.record(about, "SuccessfulDelete", f"Deleted pod: {pod_name}")
        for pod in decided.create:
            try:
                made = await writes.create(core.POD, namespace, pod)
            except KubeError as exc:
                if namespace_ending(exc):
                    break
                writes.record(about, "FailedCreate", f"Error creating: {exc.message}", "Warning")
                raise
            made_name = dict_of(made.get("metadata")).get("name")
            writes.record(about, "SuccessfulCreate", f"Created pod: {made_name}")
        for event in decided.events:
            writes.record(about, event.reason, event.message, event.type)
        if decided.delete_job:
            await writes.delete(batch.JOB, namespace, name, uid=uid, propagation="Foreground")
            backoffs.pop(uid, None)
            log.info("job_expired", namespace=namespace, name=name)
        return decided.requeue_after

    return Controller("jobs", reconcile, keys_of, all_keys)


async def _untrack(writes: Writes, namespace: str, pod_name: str) -> None:
    found = writes.cache.kube.get(core.POD, namespace, pod_name)
    if found is None:
        return
    uid = str(dict_of(found.obj.get("metadata")).get("uid") or "")
    await writes.rewrite(
        core.POD, namespace, pod_name, uid, lambda pod: without_finalizer(pod, TRACKING_FINALIZER)
    )


async def _release_orphans(
    writes: Writes, namespace: str, job_name: str, pods: list[dict[str, Any]]
) -> None:
    """syncOrphanPod: the Job is gone; its Pods that still carry the tracking finalizer
    lose it, so that they can go."""
    for pod in pods:
        reference = ownership.controller_of(pod)
        if reference is None or reference.get("name") != job_name:
            continue
        if planning.release_orphan(pod, None):
            await _untrack(writes, namespace, str(dict_of(pod.get("metadata")).get("name")))
