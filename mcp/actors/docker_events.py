"""The Docker events actor: nudges an object's actor as soon as Docker reports a change.

Periodic resync alone would notice `docker kill` or `docker rm -f` only after up to
`resync_interval` seconds; Docker's event stream (filtered to this control plane's
cluster label) brings the news within milliseconds. Each event becomes the object's
name on the controller's change channel (a Pod's container's, the Pod on the Pod
controller's): a nudge, not state, so the actor still
reads Docker and etcd itself and a burst of events collapses into one pass.

When the stream breaks (dockerd restarted), the actor reconnects with capped backoff
and then nudges every object, because whatever happened meanwhile was not reported.

Closes `changes` and `pods` (its clones of the controllers' channels) when it ends.
"""

from __future__ import annotations

import trio

from mcp import logs
from mcp.backoff import Backoff
from mcp.cache import Cache
from mcp.errors import RuntimeUnavailable
from mcp.kinds import core
from mcp.runtime import DockerRuntime
from mcp.sandbox import PodNews, PodRef

log = logs.get(actor="docker_events")

HEALTHY_STREAM_S = 10.0  # a stream that lasted this long resets the reconnect backoff


async def run(
    runtime: DockerRuntime,
    cluster_id: str,
    cache: Cache,
    changes: trio.MemorySendChannel[str],
    pods: trio.MemorySendChannel[PodNews],
    *,
    task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED,
) -> None:
    """Follow Docker's events until cancelled."""
    backoff = Backoff(base=0.5, cap=10.0)
    missed_some = False
    began = trio.current_time()
    async with changes, pods:
        task_status.started()
        while True:
            try:
                if missed_some:
                    # Whatever happened while the stream was down went unreported.
                    for name in sorted(cache.objects):
                        await changes.send(name)
                    # The Pod controller's actors each look again on their own timer;
                    # a Docker outage is when every Pod wants a look at once.
                    for stored in cache.kube.listed(core.POD):
                        uid = str(stored.obj["metadata"].get("uid") or "")
                        await pods.send(PodNews(PodRef(stored.name, stored.namespace, uid), ""))
                log.info("docker_events_following", cluster=cluster_id)
                began = trio.current_time()
                await runtime.follow_events(cluster_id, changes, pods)
                log.warning("docker_events_ended")
            except RuntimeUnavailable as exc:
                log.warning("docker_events_broken", error=str(exc))
            if trio.current_time() - began > HEALTHY_STREAM_S:
                backoff.reset()
            missed_some = True
            delay = backoff.next_delay()
            await trio.sleep(delay)
