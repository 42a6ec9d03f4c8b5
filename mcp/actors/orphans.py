"""The orphan sweeper: Docker containers of this control plane that no object claims.

A container carrying this cluster's label but naming no object in the cache is an
orphan: its object was removed from etcd outright (not through a graceful delete),
or mcp died between creating the container and recording the object's deletion.
Every `interval` seconds (and once at start-up, after the cache is loaded) the
sweeper lists this cluster's containers in one Docker call and removes the orphans,
or, with `orphans = "keep"`, only reports them.

Containers are matched to objects by their uid label and their Docker name, never by the
name label alone. A container under its object's Docker name (`mcp-<name>`) is the actor's
business, whatever its uid (a stale incarnation's is replaced there). A container under
another name (`docker rename`) whose uid is its object's is left to that object's actor,
which takes it back, unless the object already has a container under its own name: then
it is a second workload for one object, and removed with an event. One made for an object
that no longer exists under that uid is an orphan.

A Pod's containers (its infra container and each attempt of each of its containers,
labelled `io.kubernetes.pod.*` as the kubelet's were) are its Pod's while the cache holds
a Pod of that namespace, name and uid; which attempts to keep is the Pod's reconciler's
business. Once no such Pod exists they are orphans.

Containers without mcp's labels, or with another cluster's, are never listed, so
never touched.
"""

from __future__ import annotations

import trio

from mcp import logs
from mcp.cache import Cache
from mcp.errors import RuntimeRejected, RuntimeUnavailable
from mcp.events import Recorder
from mcp.kinds import core
from mcp.model import LABEL_NAME, Container, Observed, docker_name
from mcp.runtime import Runtime
from mcp.sandbox import LABEL_POD_NAME, LABEL_POD_NAMESPACE, LABEL_POD_UID, is_infra

log = logs.get(actor="orphans")


def unclaimed(cache: Cache, listed: list[Observed]) -> list[tuple[Observed, Container | None]]:
    """The containers no object claims (see the module docstring), each with the object
    it was made for when that object still exists (a duplicate of its workload)."""
    holding_their_name = {
        (container.uid, container.name)
        for container in listed
        if container.uid is not None and container.name
    }
    found: list[tuple[Observed, Container | None]] = []
    for container in listed:
        if LABEL_POD_UID in container.labels:
            if not _pod_exists(cache, container.labels):
                found.append((container, None))
            continue
        name = container.labels.get(LABEL_NAME)
        obj = cache.objects.get(name) if name is not None else None
        if obj is None:
            found.append((container, None))
        elif container.name == docker_name(obj.name):
            continue  # its actor's, whatever the uid
        elif container.uid != obj.uid:
            found.append((container, None))  # renamed, for an earlier incarnation
        elif (obj.uid, docker_name(obj.name)) in holding_their_name:
            found.append((container, obj))  # renamed, and the object has another
        # else: renamed, and the object has none: its actor takes it back
    return found


def _pod_exists(cache: Cache, labels: dict[str, str]) -> bool:
    """Whether the cache holds the Pod a container's labels name, that very incarnation."""
    stored = cache.kube.get(
        core.POD, labels.get(LABEL_POD_NAMESPACE, ""), labels.get(LABEL_POD_NAME, "")
    )
    return stored is not None and stored.obj["metadata"].get("uid") == labels[LABEL_POD_UID]


async def sweep(
    runtime: Runtime,
    cluster_id: str,
    cache: Cache,
    *,
    remove: bool,
    events: Recorder | None = None,
) -> int:
    """One sweep; the number of containers found that no object claims."""
    found = unclaimed(cache, await runtime.list_managed(cluster_id))
    # A Pod's joined containers before its infra container (see `sandbox.infra_last`).
    found.sort(key=lambda pair: is_infra(pair[0].name))
    for container, obj in found:
        name = container.labels.get(LABEL_NAME)
        if not remove:
            log.warning("orphan_found", container=name, container_id=container.container_id)
            continue
        try:
            await runtime.remove(container.container_id)
        except RuntimeRejected as exc:
            log.warning("orphan_not_removed", container=name, error=str(exc))
            continue
        log.info(
            "orphan_removed",
            container=name,
            container_id=container.container_id,
            docker_name=container.name,
            duplicate=obj is not None,
        )
        if obj is not None and events is not None:
            events.record(
                obj,
                "Removed",
                f"Removed container {container.container_id[:12]} ({container.name}): "
                f"{docker_name(obj.name)} already runs this object",
                type_="Warning",
            )
    return len(found)


async def run(
    runtime: Runtime,
    cluster_id: str,
    cache: Cache,
    *,
    interval: float,
    remove: bool,
    events: Recorder | None = None,
    task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED,
) -> None:
    """Sweep now and every `interval` seconds, until cancelled."""
    task_status.started()
    while True:
        try:
            await sweep(runtime, cluster_id, cache, remove=remove, events=events)
        except RuntimeUnavailable as exc:
            log.warning("orphan_sweep_failed", error=str(exc))
        await trio.sleep(interval)
