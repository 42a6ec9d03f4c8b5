"""A Pod actor's world on the fakes: a FakeStore mirrored into a Cache by the watch actor,
the event writer, a FakeRuntime with mcp's pod network and infra image, a `Where` with a
temporary data root, and the `PodContext` every Pod actor shares.

Time is trio's frozen `MockClock` (the `mock_clock` fixture), moved on by the test alone:
a pass makes and reads its volume directories in worker threads, and under the autojump
clock a wait for a thread would jump the clock to the nearest deadline (the file system
timeout), so back-offs could not be measured. The Pod's clock, the fake Docker's
timestamps and the store's leases all follow that one clock.
"""

from __future__ import annotations

import ipaddress
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import trio
import trio.testing
from fakes import FakeRuntime, FakeStore, _FakeContainer

from mcp import events
from mcp.actors import pod, watch
from mcp.apiserver import deletion, objects, storage
from mcp.backoff import Backoff
from mcp.cache import Cache
from mcp.engine.decide import BackoffPolicy
from mcp.engine.pods.execute import Where
from mcp.infra_image import INFRA_IMAGE
from mcp.kinds import core
from mcp.metrics import Metrics
from mcp.model import LABEL_ROLE
from mcp.registry import Keys
from mcp.sandbox import ROLE_POD_NETWORK, PodNetwork, PodRef, container_name

KEYS = Keys("/t")
IMAGE = "mcp-test/app:1"
NODE = "node-1"
CLUSTER = "test-cluster"
NAMESPACE = "ns"
EPOCH = datetime(2026, 1, 1, tzinfo=UTC)
NETWORK = "mcp-pods"
SUBNET = ipaddress.IPv4Network("10.244.0.0/24")
EVENTS_HOST = "node-1"
REAL_WAIT_S = 10.0  # how long `until` waits, in real seconds, for threads to finish


def clock() -> datetime:
    """Wall time following trio's clock."""
    return EPOCH + timedelta(seconds=trio.current_time())


def pod_body(name: str, spec: dict[str, Any], **metadata: Any) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": NAMESPACE, **metadata},
        "spec": spec,
    }


@dataclass
class PodPlane:
    store: FakeStore
    runtime: FakeRuntime
    cache: Cache
    ctx: pod.PodContext
    memories: dict[str, pod.Memory] = field(default_factory=dict)

    # --- the API's side ---------------------------------------------------------------

    async def create_pod(self, name: str, spec: dict[str, Any], **metadata: Any) -> dict[str, Any]:
        """Create the Pod as the API does (scheduled onto the node) and wait for the cache."""
        strategy = storage.strategies(node_name=NODE)[core.POD.resource]
        created, _ = await storage.create_object(
            self.store,
            KEYS,
            strategy,
            NAMESPACE,
            pod_body(name, spec, **metadata),
            field_validation="Strict",
            dry_run=False,
        )
        await self.synced()
        return created

    async def put_configmap(self, name: str, data: dict[str, str]) -> None:
        """Create ConfigMap `name`, or set its `data`; then wait for the cache."""
        strategy = storage.STRATEGIES[core.CONFIGMAP.resource]

        def change(current: dict[str, Any]) -> dict[str, Any]:
            current["data"] = data
            return current

        if await storage.rewrite(self.store, KEYS, strategy, NAMESPACE, name, change) is None:
            body = {
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "metadata": {"name": name, "namespace": NAMESPACE},
                "data": data,
            }
            await storage.create_object(
                self.store,
                KEYS,
                strategy,
                NAMESPACE,
                body,
                field_validation="Strict",
                dry_run=False,
            )
        await self.synced()

    async def delete_pod(self, name: str, grace_s: int) -> None:
        """`kubectl delete pod --grace-period`: the Pod marked, kept for the kubelet."""
        await storage.delete_object(
            self.store,
            KEYS,
            storage.STRATEGIES[core.POD.resource],
            NAMESPACE,
            name,
            dry_run=False,
            options=deletion.Options(grace_period_seconds=grace_s),
        )
        await self.synced()

    async def drop_finalizers(self, name: str) -> None:
        """The finalizers' owner is done: the Pod's last finalizer removed."""

        def change(current: dict[str, Any]) -> dict[str, Any]:
            current["metadata"].pop("finalizers", None)
            return current

        strategy = storage.STRATEGIES[core.POD.resource]
        await storage.rewrite(self.store, KEYS, strategy, NAMESPACE, name, change)
        await self.synced()

    async def synced(self) -> None:
        """Wait until the cache shows everything the store holds."""
        while self.cache.revision < self.store.revision:
            await self.cache.wait_changed()

    # --- what a user sees -------------------------------------------------------------

    def stored(self, name: str) -> dict[str, Any] | None:
        """The Pod as etcd holds it now (None: deleted)."""
        item = self.store.data.get(objects.key(KEYS, core.POD, name, NAMESPACE))
        return None if item is None else objects.decode(item)

    def status(self, name: str) -> dict[str, Any]:
        found = self.stored(name)
        assert found is not None
        status: dict[str, Any] = found["status"]
        return status

    def writes(self, name: str) -> int:
        """How many times the Pod was written to etcd."""
        key = objects.key(KEYS, core.POD, name, NAMESPACE)
        return sum(1 for event in self.store.log if event.key == key)

    async def events(self, name: str) -> list[dict[str, Any]]:
        """The events about Pod `name` as stored, in the order they first happened, once
        every pass so far has queued its events and the writer has written them."""
        await trio.testing.wait_all_tasks_blocked()
        prefix = objects.key(KEYS, core.EVENT, f"{name}.", NAMESPACE)
        listing = await self.store.list_prefix(prefix)
        items = sorted(listing.items, key=lambda item: item.create_revision)
        return [objects.decode(item) for item in items]

    async def reasons(self, name: str) -> list[tuple[str, str, str]]:
        """Each event's (type, reason, message), in the order they first happened."""
        return [(e["type"], e["reason"], e["message"]) for e in await self.events(name)]

    # --- the actor --------------------------------------------------------------------

    def memory(self, name: str) -> pod.Memory:
        return self.memories.setdefault(name, pod.Memory())

    async def one_pass(self, name: str) -> float | None:
        """One pass of Pod `name`'s actor, its memory kept between passes as the actor
        keeps it; then the cache shows what it wrote."""
        due = await pod.reconcile(self.ctx, NAMESPACE, name, self.memory(name))
        await self.synced()
        return due

    def told(self, name: str, container_id: str, action: str = "die") -> None:
        """Docker's news of a change in one of Pod `name`'s containers, as the dispatcher
        hands it to the Pod's actor (`pods.run`: the container's id and Docker's word for
        the change into its memory)."""
        self.memory(name).changed[container_id] = action

    def ref(self, name: str) -> PodRef:
        stored = self.cache.kube.get(core.POD, NAMESPACE, name)
        assert stored is not None
        return PodRef(name, NAMESPACE, str(stored.obj["metadata"]["uid"]))

    def docker_name(self, name: str, container: str, attempt: int) -> str:
        """The Docker name of attempt `attempt` of the Pod's `container` (`POD`: infra)."""
        return container_name(self.ref(name), container, attempt)

    def docker(self, name: str, container: str, attempt: int) -> _FakeContainer:
        """The fake Docker container of that attempt."""
        return self.runtime.containers[self.docker_name(name, container, attempt)]

    async def until(self, condition: Callable[[], bool]) -> None:
        """Wait until `condition` holds, the clock standing still: every task blocked and
        every worker thread done (a wait for a thread counts as blocked, so look again)."""
        deadline = time.monotonic() + REAL_WAIT_S
        while not condition():
            assert time.monotonic() < deadline, "the condition never held"
            await trio.testing.wait_all_tasks_blocked()


@asynccontextmanager
async def open_pod_plane(
    data_root: Path, runtime: FakeRuntime | None = None
) -> AsyncIterator[PodPlane]:
    """The plane, its namespace made; the fake Docker's call log starts empty. Run under
    the `mock_clock` fixture (a test must ask for it by name: pytest-trio looks for the
    clock among the test's own arguments)."""
    assert isinstance(trio.lowlevel.current_clock(), trio.testing.MockClock), "use mock_clock"
    store = FakeStore()
    runtime = runtime or FakeRuntime(images={IMAGE}, clock=clock)
    runtime.clock = clock
    runtime.add_network(NETWORK, str(SUBNET), labels={LABEL_ROLE: ROLE_POD_NETWORK})
    found = runtime.networks[NETWORK]
    await runtime.ensure_infra_image(INFRA_IMAGE)
    runtime.calls.clear()
    cache = Cache(KEYS, core.KINDS)
    metrics = Metrics()
    events_send, events_receive = trio.open_memory_channel[events.Occurred](events.QUEUE_SIZE)
    where = Where(
        runtime=runtime,
        cluster_id=CLUSTER,
        network=PodNetwork(found.id, NETWORK, SUBNET, found.gateway),
        infra_image=INFRA_IMAGE,
        dns_server=str(found.gateway),
        cluster_domain="cluster.local",
        data_root=data_root,
        node_name=NODE,
        node_ips=("192.0.2.10",),
    )
    ctx = pod.PodContext(
        store=store,
        keys=KEYS,
        cache=cache,
        where=where,
        events=events.Recorder(events_send, metrics),
        resync_interval=30.0,
        actor_backoff=Backoff(base=1.0, cap=8.0),
        backoff=BackoffPolicy(base_s=10, cap_s=40, reset_s=600),
        metrics=metrics,
        clock=clock,
    )
    changes_send, changes_receive = trio.open_memory_channel[str](64)
    async with trio.open_nursery() as nursery:
        writer = events.Writer(store, KEYS, metrics=metrics, host=EVENTS_HOST)
        await nursery.start(events.run, writer, events_receive)
        await nursery.start(watch.run, store, KEYS, cache, changes_send)
        nursery.start_soon(_drain, changes_receive)
        namespace = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NAMESPACE}}
        strategy = storage.STRATEGIES[core.NAMESPACE.resource]
        await storage.create_object(
            store, KEYS, strategy, "", namespace, field_validation="Strict", dry_run=False
        )
        plane = PodPlane(store, runtime, cache, ctx)
        await plane.synced()
        yield plane
        nursery.cancel_scope.cancel()


async def _drain(receive: trio.MemoryReceiveChannel[str]) -> None:
    """The watch actor's nudges for mcp's Containers: none here, and none may block it."""
    async with receive:
        async for _ in receive:
            pass
