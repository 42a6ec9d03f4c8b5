"""What the node needs before it runs Pods, then the Pod controller.

While this process leads: make (or check) mcp's pod network and infra image, read the
node's address, remove the volume directories of Pods gone while mcp was down, serve the
cluster DNS at the pod network's gateway (every Pod's resolv.conf points there,
`dnsPolicy: ClusterFirst`), then run the Pod controller (`pods.run`) until the cache closes.

Docker not answering is transient: the set-up is tried again with backoff, and nothing
else of mcp waits for it. A pod network or infra image Docker refuses (a network of that
name that is not mcp's, a subnet that overlaps) is the operator's to fix: it is logged
with what to do and tried again slowly. The cluster DNS address may be bound already by
another mcp on this host (each leads its own etcd prefix; they share the pod network):
the Pods' resolver is then that one, which answers the same way until Services exist,
and this is logged.
"""

from __future__ import annotations

import ipaddress
import time
from collections.abc import Callable
from pathlib import Path

import trio

from mcp import logs
from mcp.actors import pod, pods
from mcp.backoff import Backoff
from mcp.cache import Cache
from mcp.engine.pods import volume_dirs
from mcp.engine.pods.atomic_writer import VolumeWriteError
from mcp.engine.pods.execute import Where
from mcp.errors import ListenFailed, RuntimeRejected, RuntimeUnavailable
from mcp.kinds import core
from mcp.metrics import Metrics
from mcp.network import clusterdns, forwarder
from mcp.network.zone import EmptyZone, domain_name
from mcp.runtime import DockerRuntime
from mcp.sandbox import PodNews

log = logs.get(actor="pod_node")

DNS_PORT = 53
REFUSED_RETRY_S = 30.0


async def prepare(
    runtime: DockerRuntime,
    *,
    cluster_id: str,
    network_name: str,
    subnet: ipaddress.IPv4Network,
    cluster_domain: str,
    data_root: Path,
    node_name: str,
) -> Where:
    """The pod network, the infra image and the node's address, made or checked.

    Raises:
        RuntimeUnavailable: Docker did not answer.
        RuntimeRejected: Docker refused the network or the image (see the message).
    """
    network = await runtime.ensure_pod_network(network_name, subnet)
    infra = await runtime.ensure_infra_image()
    host = await runtime.host_info()
    return Where(
        runtime=runtime,
        cluster_id=cluster_id,
        network=network,
        infra_image=infra,
        dns_server=str(network.gateway),
        cluster_domain=cluster_domain,
        data_root=data_root,
        node_name=node_name,
        node_ips=(host.internal_ip,) if host.internal_ip else (),
    )


async def run(
    make_context: Callable[[Where], pod.PodContext],
    runtime: DockerRuntime,
    cache: Cache,
    docker_changes: trio.MemoryReceiveChannel[PodNews],
    *,
    cluster_id: str,
    network_name: str,
    subnet: ipaddress.IPv4Network,
    cluster_domain: str,
    dns_upstreams: tuple[tuple[str, int], ...],
    data_root: Path,
    node_name: str,
    metrics: Metrics,
    task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED,
) -> None:
    """Set the node up (retrying), then serve the cluster DNS and run the Pod controller
    until the cache closes (also while still setting up). Reports started at once:
    nothing waits for Docker here. Closes `docker_changes`."""
    task_status.started()
    async with docker_changes:
        backoff = Backoff(base=1.0, cap=30.0)
        while True:
            if cache.closed:
                return
            try:
                where = await prepare(
                    runtime,
                    cluster_id=cluster_id,
                    network_name=network_name,
                    subnet=subnet,
                    cluster_domain=cluster_domain,
                    data_root=data_root,
                    node_name=node_name,
                )
                break
            except RuntimeUnavailable as exc:
                delay = backoff.next_delay()
                log.warning("pod_node_not_ready", error=str(exc), retry_in=delay)
            except RuntimeRejected as exc:
                delay = REFUSED_RETRY_S
                log.error("pod_node_refused", error=str(exc), retry_in=delay)
            await trio.sleep(delay)
        await _tear_down_leftovers(cache, data_root)
        log.info(
            "pod_node_ready",
            network=where.network.name,
            subnet=str(where.network.subnet),
            dns=where.dns_server,
            node_ips=list(where.node_ips),
        )
        async with trio.open_nursery() as nursery:
            dns = trio.CancelScope()
            nursery.start_soon(
                _serve_dns, dns, where.dns_server, cluster_domain, dns_upstreams, metrics
            )
            await pods.run(make_context(where), docker_changes.clone())
            dns.cancel()


async def _tear_down_leftovers(cache: Cache, data_root: Path) -> None:
    """The volume directories of Pods gone while mcp was down (their Docker containers are
    the orphan sweeper's): the cache is loaded, so a uid no Pod has is a leftover."""
    known = {str(stored.obj["metadata"].get("uid")) for stored in cache.kube.listed(core.POD)}
    try:
        leftovers = [uid for uid in await volume_dirs.leftover_uids(data_root) if uid not in known]
        for uid in leftovers:
            await volume_dirs.tear_down(volume_dirs.PodDirs(data_root, uid))
            log.info("pod_volumes_removed", uid=uid)
    except (volume_dirs.VolumeDirError, VolumeWriteError, OSError) as exc:
        log.warning("pod_volumes_not_removed", error=str(exc))


async def _serve_dns(
    scope: trio.CancelScope,
    address: str,
    cluster_domain: str,
    configured: tuple[tuple[str, int], ...],
    metrics: Metrics,
) -> None:
    with scope:
        bind = (address, DNS_PORT)
        upstreams = await forwarder.choose_upstreams(configured, bind=bind)
        zone = EmptyZone(domain=domain_name(cluster_domain), serial=int(time.time()))
        try:
            await clusterdns.serve(bind, zone, upstreams, metrics=metrics)
        except ListenFailed as exc:
            log.warning("cluster_dns_not_served", address=address, port=DNS_PORT, error=str(exc))
