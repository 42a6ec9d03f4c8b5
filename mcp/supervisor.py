"""The root of the process: start order, signals, shutdown order.

Start-up: embedded etcd if needed -> Docker adapter -> etcd adapter -> cluster id ->
watch actor (reports started once the cache is loaded) -> event writer -> leader
election (reports started once this process leads or stands by) -> API. The controllers
(controller, Docker events, orphan sweeper, the node actor, the Pod controller with the
pod network, infra image and cluster DNS it sets up: everything that changes Docker) run
only while this process leads its etcd prefix (`actors/leader.py`); a standby serves
the API like an API-only replica (exec and attach too: it has Docker) and drops the
watch's changes until it is elected, then gives every object a pass, which adopts the
running containers as after a restart. The event writer (`events.run`) spans every term:
the actors queue their events, it writes them.

Shutdown on the first SIGTERM, SIGINT or SIGHUP: the API stops accepting and drains, waits
for the controller end early (the cache closes), the watch is cancelled (it closes its
end of the change channel, which stops Docker events and the orphan sweeper, so the
controller closes every actor inbox and each container actor ends after its current
pass), then the leader revokes its lease so a standby takes over at once, and the event
queue closes: the writer writes what is left and ends. A deadline of `grace_period`
seconds cancels whatever is left (the event writer drains for `events.DRAIN_S` more).
Managed containers keep running: the next `mcp run` adopts them. A second signal exits
at once.

The API, watch, election, controller and event-writer actors failing, or the embedded
etcd dying, is fatal: the exception leaves `run` and the process exits non-zero. Losing
the leadership is not: the controllers stop at once and this process stands by again.
"""

from __future__ import annotations

import contextlib
import functools
import os
import signal
import socket
import sys
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import replace

import trio

from mcp import embedded_etcd, events, heap, logs, registry
from mcp.actors import (
    api,
    container,
    controller,
    docker_events,
    leader,
    node,
    orphans,
    pod,
    pod_node,
    watch,
)
from mcp.apiserver import namespaces, storage, version
from mcp.backoff import Backoff
from mcp.cache import Cache
from mcp.config import Config
from mcp.controllers import gc, loop
from mcp.controllers import namespaces as namespace_controller
from mcp.controllers.deployments import controller as deployments
from mcp.controllers.jobs import controller as jobs
from mcp.controllers.replicasets import controller as replicasets
from mcp.engine.decide import BackoffPolicy
from mcp.engine.pods.execute import Where
from mcp.kinds import core, served
from mcp.leases import SharedLease
from mcp.metrics import Metrics
from mcp.registry import Keys
from mcp.runtime import DockerRuntime, open_docker_runtime
from mcp.sandbox import PodNews
from mcp.store import EtcdStore, open_etcd_store

CHANGES_BUFFER = 1024  # names from the watch to the controller; the watch waits when full
# Reconcile passes at once, per Docker slot: see container.Context.passes.
PASSES_PER_DOCKER_SLOT = 2
GIL_SWITCH_INTERVAL_S = 0.0005  # see `run`: the etcd thread waits at most this for the GIL

log = logs.get(actor="supervisor")


async def run(config: Config) -> None:
    """Run mcp until a signal asks it to stop."""
    # The etcd adapter's asyncio thread and trio's share the GIL: an etcd answer waits
    # until trio's thread lets go, up to the switch interval when that thread is busy
    # serving requests (5 ms by default, a write's whole budget under load).
    sys.setswitchinterval(GIL_SWITCH_INTERVAL_S)
    async with trio.open_nursery() as root:
        shutdown = trio.Event()
        await root.start(_watch_signals, shutdown)
        try:
            await _serve(config, shutdown)
        finally:
            root.cancel_scope.cancel()


async def _watch_signals(
    shutdown: trio.Event, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED
) -> None:
    # SIGHUP too: a closed terminal must not skip the graceful shutdown.
    with trio.open_signal_receiver(signal.SIGTERM, signal.SIGINT, signal.SIGHUP) as signals:
        task_status.started()
        async for signum in signals:
            name = signal.Signals(signum).name
            if shutdown.is_set():
                log.warning("shutdown_forced", signal=name)
                os._exit(128 + signum)
            log.info("shutdown_requested", signal=name)
            shutdown.set()


async def _serve(config: Config, shutdown: trio.Event) -> None:
    async with trio.open_nursery() as services:
        endpoint = config.etcd_endpoints[0]
        if config.etcd_is_default and not await embedded_etcd.answers(endpoint):
            log.info("embedded_etcd_starting", url=endpoint, data_dir=str(config.data_dir))
            await services.start(
                lambda task_status: embedded_etcd.run(
                    client_url=endpoint, data_dir=config.data_dir, task_status=task_status
                )
            )
        async with contextlib.AsyncExitStack() as stack:
            runtime: DockerRuntime | None = None
            metrics = Metrics()
            if config.controllers == "all":
                runtime = await stack.enter_async_context(
                    open_docker_runtime(
                        config.docker_host, concurrency=config.docker_concurrency, metrics=metrics
                    )
                )
                log.info("docker_connected", docker_host=config.docker_host)
            store = await stack.enter_async_context(open_etcd_store(config.etcd_endpoints))
            log.info("etcd_connected", etcd=store.endpoint, prefix=config.etcd_prefix)
            await _run_actors(config, store, runtime, metrics, shutdown)
        # The embedded etcd outlives the store's client, so the client closes cleanly.
        services.cancel_scope.cancel()


async def _run_actors(
    config: Config,
    store: EtcdStore,
    runtime: DockerRuntime | None,
    metrics: Metrics,
    shutdown: trio.Event,
) -> None:
    """The actors; without a runtime (API-only) just the watch, feeding the cache, and the API."""
    keys = Keys(config.etcd_prefix)
    cluster_id = await registry.ensure_cluster_id(store, keys)
    log.info("cluster_identified", cluster=cluster_id)
    await namespaces.ensure_defaults(store, keys)
    cache = Cache(keys, served.KINDS)
    # Events expire: the recorder's and the API's writes of them share leases.
    event_lease = SharedLease(store, config.event_ttl)
    leases = {core.EVENT.resource: event_lease}
    serve = functools.partial(
        _serve_actors, config, store, cache, metrics, shutdown, leases=leases, cluster_id=cluster_id
    )
    if runtime is None:
        # An API replica: it serves, and watches etcd for its waits and streams; no Docker.
        await serve(_drop_changes, lambda: "api-only")
        return
    # The actors queue their events on the recorder; one writer, under `_control`, writes them.
    events_send, events_receive = trio.open_memory_channel[events.Occurred](events.QUEUE_SIZE)
    ctx = container.Context(
        store=store,
        keys=keys,
        cache=cache,
        runtime=runtime,
        cluster_id=cluster_id,
        resync_interval=config.resync_interval,
        actor_backoff=Backoff(base=1.0, cap=60.0),
        backoff=BackoffPolicy(
            base_s=config.restart_backoff_base,
            cap_s=config.restart_backoff_cap,
            reset_s=config.restart_backoff_reset,
        ),
        events=events.Recorder(events_send, metrics),
        metrics=metrics,
        passes=trio.CapacityLimiter(PASSES_PER_DOCKER_SLOT * config.docker_concurrency),
    )
    role = leader.Role()
    control = functools.partial(
        _control,
        ctx,
        config,
        role=role,
        runtime=runtime,
        writer=events.Writer(store, keys, lease=event_lease, metrics=metrics),
        occurrences=events_receive,
    )
    await serve(control, lambda: role.name, runtime=runtime)


async def _serve_actors(
    config: Config,
    store: EtcdStore,
    cache: Cache,
    metrics: Metrics,
    shutdown: trio.Event,
    consume: Callable[..., Awaitable[None]],
    role: Callable[[], str],
    *,
    leases: Mapping[str, SharedLease],
    cluster_id: str,
    runtime: DockerRuntime | None = None,
) -> None:
    """The watch, what consumes its changes (started with the channel's receive end), and
    the API, until shutdown has wound them down. `role` names this process's part;
    `leases` are the API's for expiring resources (`ApiContext.leases`); `runtime` (None on
    an API-only replica) is what its log, exec and attach streams reach Docker with, in
    this cluster's containers. A standby streams too: Docker is shared, leadership is not needed."""
    changes_send, changes_receive = trio.open_memory_channel[str](CHANGES_BUFFER)
    # The watch stops first on shutdown: its consumer sees the channel close and winds down.
    watch_scope = trio.CancelScope()

    async def run_watch(task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        with watch_scope:
            await watch.run(store, cache.keys, cache, changes_send, task_status=task_status)

    async with trio.open_nursery() as actors:
        await actors.start(run_watch)
        await actors.start(consume, changes_receive)
        await actors.start(
            functools.partial(api.run, role=role),
            api.ApiContext(
                store,
                cache.keys,
                cache,
                metrics,
                leases=leases,
                node_name=node_name(config),
                runtime=runtime,
                cluster_id=cluster_id,
            ),
            config,
            shutdown,
        )
        # Full collections on a schedule from here on, not in the middle of requests.
        heap.hold_full_collections()
        actors.start_soon(heap.collect_periodically, shutdown)
        log.info(
            "mcp_started",
            listen=config.listen,
            objects=len(cache.objects),
            controllers=config.controllers,
            role=role(),
        )
        await _wind_down(actors, config, cache, watch_scope, shutdown)
    log.info("mcp_stopped")


async def _drop_changes(
    changes: trio.MemoryReceiveChannel[str],
    *,
    task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED,
) -> None:
    """An API-only replica's consumer: no controllers, so changes only matter to the cache."""
    async with changes:
        task_status.started()
        await _discard(changes)


async def _control(
    ctx: container.Context,
    config: Config,
    changes: trio.MemoryReceiveChannel[str],
    *,
    role: leader.Role,
    runtime: DockerRuntime,
    writer: events.Writer,
    occurrences: trio.MemoryReceiveChannel[events.Occurred],
    task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED,
) -> None:
    """Stand by until elected, then run the controllers until the watch's channel closes;
    stand by again whenever the leadership is lost.

    Reports started once this process leads or stands by. While standing by, changes only
    matter to the cache, so they are dropped; the channel closing then (shutdown) ends the
    campaign. The event writer runs all along, writing `occurrences` (what `ctx.events`
    queues). Closes `changes`, and `ctx.events` once the campaign is over: no term records
    any more, so the writer writes what is left and ends.
    """
    async with changes, trio.open_nursery() as nursery:
        # Started first, ends last: it outlives every term's actors, which queue events on
        # `ctx.events` without waiting for their writes.
        await nursery.start(events.run, writer, occurrences)

        async def stand_by(scope: trio.CancelScope) -> None:
            with scope:
                await _discard(changes)
            if not scope.cancel_called:
                nursery.cancel_scope.cancel()  # the watch ended (shutdown) while standing by

        standby = trio.CancelScope()
        nursery.start_soon(stand_by, standby)

        async def lead() -> None:
            nonlocal standby
            # A cancelled receive takes nothing: no change is lost between the two.
            standby.cancel()
            try:
                # A fresh context each term: what an earlier term's Docker list primed
                # may be stale now.
                await _lead(replace(ctx, primed={}), config, changes, runtime)
            finally:
                # Leadership lost (or shutdown): drop changes again until the next term.
                standby = trio.CancelScope()
                nursery.start_soon(stand_by, standby)

        async def campaign(task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
            async with ctx.events:  # once the campaign is over, nothing records any more
                await leader.run(
                    ctx.store,
                    leader.key_for(config.etcd_prefix),
                    timing=leader.Timing(config.leader_lease),
                    me=leader.this_process(),
                    role=role,
                    lead=lead,
                    task_status=task_status,
                )

        await nursery.start(campaign)
        task_status.started()


async def _lead(
    ctx: container.Context,
    config: Config,
    changes: trio.MemoryReceiveChannel[str],
    runtime: DockerRuntime,
) -> None:
    """The controllers: everything that calls Docker. Returns once `changes` has closed
    and every container actor has finished its pass."""
    controls_send, controls_receive = trio.open_memory_channel[str](CHANGES_BUFFER)
    # Docker's news of Pods' containers, for the Pod controller.
    pods_send, pods_receive = trio.open_memory_channel[PodNews](CHANGES_BUFFER)
    # Docker's events and the orphan sweeper end when the watch does (shutdown); the
    # controller then sees its channel close and winds its actors down.
    sources = trio.CancelScope()

    async def run_sources(task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        with sources:
            async with trio.open_nursery() as nursery:
                await nursery.start(
                    docker_events.run,
                    runtime,
                    ctx.cluster_id,
                    ctx.cache,
                    controls_send.clone(),
                    pods_send.clone(),
                )
                # The cache is loaded: an object missing from it would make its container
                # look like an orphan.
                await nursery.start(
                    functools.partial(
                        orphans.run,
                        runtime,
                        ctx.cluster_id,
                        ctx.cache,
                        interval=config.resync_interval,
                        remove=config.orphans == "remove",
                        events=ctx.events,
                    )
                )
                # The controllers of Kubernetes objects: etcd is their whole world.
                await nursery.start(
                    loop.run,
                    ctx.cache,
                    namespace_controller.controller(ctx.store, ctx.keys, ctx.cache, served.KINDS),
                )
                await nursery.start(
                    loop.run, ctx.cache, gc.controller(ctx.store, ctx.keys, ctx.cache, served.KINDS)
                )
                # The workload controllers write as the API does (a new Pod bound to this
                # Node), recording their events as upstream's.
                strategies = storage.strategies(node_name=node_name(config))
                for workload in (replicasets, deployments, jobs):
                    await nursery.start(
                        loop.run,
                        ctx.cache,
                        workload.controller(ctx.store, ctx.keys, ctx.cache, strategies, ctx.events),
                    )
                await nursery.start(
                    functools.partial(
                        node.run,
                        ctx.store,
                        ctx.keys,
                        runtime,
                        name=node_name(config),
                        version=version.version_info()["gitVersion"],
                    )
                )
                task_status.started()

    # Exec probes' Docker calls: half the Docker slots at most, so Pods' probes never
    # hold every slot the passes need.
    probes = trio.CapacityLimiter(max(1, config.docker_concurrency // 2))

    def pod_context(where: Where) -> pod.PodContext:
        return pod.PodContext(
            store=ctx.store,
            keys=ctx.keys,
            cache=ctx.cache,
            where=where,
            events=ctx.events,
            resync_interval=ctx.resync_interval,
            actor_backoff=ctx.actor_backoff,
            backoff=ctx.backoff,
            passes=ctx.passes,
            probes=probes,
            metrics=ctx.metrics,
        )

    async with trio.open_nursery() as nursery:
        async with pods_send:
            await nursery.start(run_sources)
        # The Pod controller ends when the cache closes (shutdown), as the sources do.
        await nursery.start(
            functools.partial(
                pod_node.run,
                pod_context,
                runtime,
                ctx.cache,
                pods_receive,
                cluster_id=ctx.cluster_id,
                network_name=config.pod_network,
                subnet=config.pod_subnet,
                cluster_domain=config.cluster_domain,
                dns_upstreams=config.cluster_dns_upstreams,
                # Per cluster: mcp processes of other prefixes may share the data dir, and
                # each removes the volume directories its own cache knows nothing of.
                data_root=config.data_dir / "clusters" / ctx.cluster_id,
                node_name=node_name(config),
                metrics=ctx.metrics,
            )
        )
        await nursery.start(controller.run, ctx, controls_receive)
        async with controls_send:
            # What the watch sent while this process stood by was dropped: every object
            # gets a pass, which adopts its running container as after a restart.
            for name in sorted(ctx.cache.objects):
                await controls_send.send(name)
            async for name in changes:
                await controls_send.send(name)
        sources.cancel()


def node_name(config: Config) -> str:
    """The Node's name: `node_name`, else the host's name in lower case, as kubelet's."""
    return config.node_name or socket.gethostname().strip().lower()


async def _discard(changes: trio.MemoryReceiveChannel[str]) -> None:
    """Drop changes until the channel closes: without controllers they only matter to the
    cache, which the watch has already updated."""
    async for _ in changes:
        pass


async def _wind_down(
    actors: trio.Nursery,
    config: Config,
    cache: Cache,
    sources: trio.CancelScope,
    shutdown: trio.Event,
) -> None:
    """At shutdown: end every wait for the controller, stop the sources of change, and
    give everything left `grace_period` seconds before it is cancelled."""
    await shutdown.wait()
    log.info("mcp_stopping", grace_period=config.grace_period)
    actors.cancel_scope.deadline = trio.current_time() + config.grace_period
    cache.close()
    sources.cancel()
