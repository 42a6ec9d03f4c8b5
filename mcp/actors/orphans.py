"""The orphan sweeper: Docker containers of this control plane that no object claims.

A container carrying this cluster's label but naming no object in the cache is an
orphan: its object was removed from etcd outright (not through a graceful delete),
or mcp died between creating the container and recording the object's deletion.
Every `interval` seconds (and once at start-up, after the cache is loaded) the
sweeper lists this cluster's containers in one Docker call and removes the orphans,
or, with `orphans = "keep"`, only reports them.

Containers without mcp's labels, or with another cluster's, are never listed, so
never touched. A container whose object exists under another uid is not an orphan:
that object's actor replaces it.
"""

from __future__ import annotations

import trio

from mcp import logs
from mcp.cache import Cache
from mcp.errors import RuntimeRejected, RuntimeUnavailable
from mcp.model import LABEL_NAME
from mcp.runtime import Runtime

log = logs.get(actor="orphans")


async def sweep(runtime: Runtime, cluster_id: str, cache: Cache, *, remove: bool) -> int:
    """One sweep; the number of orphans found."""
    found = 0
    for container in await runtime.list_managed(cluster_id):
        name = container.labels.get(LABEL_NAME)
        if name is not None and name in cache.objects:
            continue
        found += 1
        if not remove:
            log.warning("orphan_found", container=name, container_id=container.container_id)
            continue
        try:
            await runtime.remove(container.container_id)
        except RuntimeRejected as exc:
            log.warning("orphan_not_removed", container=name, error=str(exc))
            continue
        log.info("orphan_removed", container=name, container_id=container.container_id)
    return found


async def run(
    runtime: Runtime,
    cluster_id: str,
    cache: Cache,
    *,
    interval: float,
    remove: bool,
    task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED,
) -> None:
    """Sweep now and every `interval` seconds, until cancelled."""
    task_status.started()
    while True:
        try:
            await sweep(runtime, cluster_id, cache, remove=remove)
        except RuntimeUnavailable as exc:
            log.warning("orphan_sweep_failed", error=str(exc))
        await trio.sleep(interval)
