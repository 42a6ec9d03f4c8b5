"""The watch, controller and container actors together, on the fake store and runtime.

Real etcd and Docker are exercised by the contract and end-to-end tests; here the
fakes make every interleaving cheap, and trio's autojump clock makes backoff free.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

import pytest
import trio
from fakes import FakeRuntime, FakeStore

from mcp import events, registry
from mcp.actors import container, controller, orphans, watch
from mcp.backoff import Backoff
from mcp.cache import Cache
from mcp.engine.decide import EPOCH, BackoffPolicy, Memory
from mcp.metrics import Metrics
from mcp.model import (
    Container,
    ContainerSpec,
    Observed,
    Port,
    RestartBackoff,
    docker_name,
    now_iso,
)
from mcp.registry import Keys
from mcp.store import Compare, Delete, Put

IMAGE = "mcp-test/busybox:latest"
KEYS = Keys("/t")


@dataclass
class Plane:
    store: FakeStore
    runtime: FakeRuntime
    cache: Cache
    ctx: container.Context

    async def create(self, name: str, state: str = "running", image: str = IMAGE) -> Container:
        spec = ContainerSpec.model_validate(
            {"image": image, "args": ["sleep", "60"], "state": state}
        )
        obj = Container(name=name, uid=str(uuid.uuid4()), spec=spec, created_at=now_iso())
        return await registry.create(self.store, KEYS, obj)

    async def update(self, name: str, **changes: object) -> Container:
        """Change the object as the API does: a new spec bumps the generation."""
        found = await registry.read(self.store, KEYS, name)
        assert found is not None
        current = found[0]
        if "spec" in changes:
            current = current.with_spec(changes.pop("spec"))  # type: ignore[arg-type]
        stored = await registry.update(self.store, KEYS, replace(current, **changes))  # type: ignore[arg-type]
        assert stored is not None
        return stored

    async def wait_for(self, condition: Callable[[], bool], seconds: float = 30) -> None:
        # Polling on purpose: the conditions span the cache and the fake runtime.
        with trio.fail_after(seconds):
            while not condition():  # noqa: ASYNC110
                await trio.sleep(0.01)

    def phase(self, name: str) -> str | None:
        status = self.cache.status(name)
        return status.phase if status else None

    async def events_of(self, name: str) -> list[dict[str, Any]]:
        """The events about `name`, once every pass so far has queued its events and the
        writer has written them (they are written after the status, by another task)."""
        await trio.testing.wait_all_tasks_blocked()
        items, _ = await events.list_events(self.store, KEYS, name=name)
        return items


@asynccontextmanager
async def open_plane(
    store: FakeStore, events_queued: int = events.QUEUE_SIZE
) -> AsyncIterator[Plane]:
    # One clock for the controller and the fake engine's timestamps, following trio's,
    # so that back-off schedules run on the mock clock.
    def clock() -> datetime:
        return EPOCH + timedelta(seconds=trio.current_time())

    runtime, cache = FakeRuntime(images={IMAGE}, clock=clock), Cache(KEYS)
    events_send, events_receive = trio.open_memory_channel[events.Occurred](events_queued)
    ctx = container.Context(
        store=store,
        keys=KEYS,
        cache=cache,
        runtime=runtime,
        cluster_id="test-cluster",
        resync_interval=30.0,
        actor_backoff=Backoff(base=1.0, cap=8.0),
        events=events.Recorder(events_send, ctx_metrics := Metrics()),
        metrics=ctx_metrics,
        backoff=BackoffPolicy(base_s=10, cap_s=40, reset_s=600),
        clock=clock,
    )
    send, receive = trio.open_memory_channel[str](64)
    async with trio.open_nursery() as nursery:
        writer = events.Writer(store, KEYS, ttl_s=600, metrics=ctx.metrics)
        await nursery.start(events.run, writer, events_receive)
        await nursery.start(watch.run, store, KEYS, cache, send)
        await nursery.start(controller.run, ctx, receive)
        yield Plane(store, runtime, cache, ctx)
        nursery.cancel_scope.cancel()


@pytest.fixture
async def plane() -> AsyncIterator[Plane]:
    async with open_plane(FakeStore()) as plane:
        yield plane


def running(plane: Plane, name: str) -> bool:
    found = plane.runtime.containers.get(docker_name(name))
    return found is not None and found.status == "running"


async def test_create_start_stop_delete(plane: Plane) -> None:
    obj = await plane.create("web")
    await plane.wait_for(lambda: plane.phase("web") == "Running")
    labels = plane.runtime.containers["mcp-web"].labels
    assert labels["mcp.uid"] == obj.uid
    assert labels["mcp.cluster"] == "test-cluster"
    assert labels["mcp.name"] == "web"

    stored = await plane.update(
        "web", spec=obj.spec.model_copy(update={"state": "stopped"}), generation=2
    )
    await plane.wait_for(lambda: plane.phase("web") == "Stopped")
    status = plane.cache.status("web")
    assert status is not None
    assert status.observed_generation == stored.generation
    assert not running(plane, "web")

    await plane.update("web", deletion_timestamp=now_iso())
    await plane.wait_for(lambda: "web" not in plane.cache.objects)
    assert "mcp-web" not in plane.runtime.containers
    assert await plane.store.get(KEYS.status("web")) is None


async def test_missing_image_reports_failed(plane: Plane) -> None:
    await plane.create("nope", image="absent/image:1")
    await plane.wait_for(lambda: plane.phase("nope") == "Failed")
    status = plane.cache.status("nope")
    assert status is not None
    assert "absent/image:1" in status.message
    assert "mcp-nope" not in plane.runtime.containers


async def test_drift_is_repaired_on_resync(
    plane: Plane, autojump_clock: trio.testing.MockClock
) -> None:
    await plane.create("web")
    await plane.wait_for(lambda: running(plane, "web"))
    removed = plane.runtime.containers.pop("mcp-web")  # behind mcp's back, no Docker event
    began = trio.current_time()
    await plane.wait_for(lambda: running(plane, "web"), seconds=plane.ctx.resync_interval + 5)
    assert plane.runtime.containers["mcp-web"].id != removed.id
    # No nudge told the actor: its resync did, one interval after its last pass.
    assert trio.current_time() - began == pytest.approx(plane.ctx.resync_interval, abs=1)
    assert (await reasons(plane, "web"))["Created"] == 2


class Recording(FakeStore):
    """A fake etcd that records the watches opened (their start revisions) and the
    listings made, so a test can show a reconnect resumed and a compaction relisted."""

    def __init__(self) -> None:
        super().__init__()
        self.watch_starts: list[int] = []
        self.listings = 0

    def open_watch(self, prefix: str, start_revision: int):  # type: ignore[no-untyped-def]
        self.watch_starts.append(start_revision)
        return super().open_watch(prefix, start_revision)

    async def list_prefix(self, prefix: str, *, revision: int | None = None):  # type: ignore[no-untyped-def]
        self.listings += 1
        return await super().list_prefix(prefix, revision=revision)


async def test_recreated_name_gets_a_fresh_container(plane: Plane) -> None:
    first = await plane.create("web")
    await plane.wait_for(lambda: plane.phase("web") == "Running")
    await plane.update("web", deletion_timestamp=now_iso())
    await plane.wait_for(lambda: "web" not in plane.cache.objects)
    second = await plane.create("web")
    await plane.wait_for(lambda: plane.phase("web") == "Running")
    assert plane.runtime.containers["mcp-web"].labels["mcp.uid"] == second.uid != first.uid


class Exploding(FakeRuntime):
    """A runtime with a bug: `inspect` of one name raises until `healed`."""

    healed = False

    async def inspect(self, name: str):  # type: ignore[no-untyped-def]
        if name == "mcp-poison" and not self.healed:
            raise KeyError("a bug in the actor")
        return await super().inspect(name)


async def test_one_crashing_actor_is_contained_and_restarted(
    plane: Plane, autojump_clock: trio.testing.MockClock
) -> None:
    plane.runtime.__class__ = Exploding
    await plane.create("poison")
    await plane.create("healthy")
    await plane.wait_for(lambda: plane.phase("healthy") == "Running")
    await plane.wait_for(lambda: plane.phase("poison") == "Failed")
    status = plane.cache.status("poison")
    assert status is not None
    assert "KeyError" in status.message
    Exploding.healed = True
    try:
        # The supervisor restarts the actor with backoff; the next pass succeeds.
        await plane.wait_for(lambda: plane.phase("poison") == "Running", seconds=60)
    finally:
        Exploding.healed = False


async def test_watch_survives_an_outage_without_losing_events(
    autojump_clock: trio.testing.MockClock,
) -> None:
    store = Recording()
    async with open_plane(store) as plane:
        await plane.create("a")
        await plane.wait_for(lambda: plane.phase("a") == "Running")
        seen = plane.cache.revision
        plane.store.available = False
        plane.store._changed.set()  # wake the watch so it notices
        await trio.sleep(3)
        plane.store.available = True
        await plane.create("b")
        await plane.wait_for(lambda: plane.phase("b") == "Running", seconds=60)
        # It resumed after the last revision it had seen: no relist, nothing missed.
        assert store.watch_starts[-1] == seen + 1
        assert len(store.watch_starts) >= 2
        assert store.listings == 1


async def test_compaction_relists_and_sees_deletions(
    autojump_clock: trio.testing.MockClock,
) -> None:
    store = Recording()
    async with open_plane(store) as plane:
        obj = await plane.create("gone")
        await plane.wait_for(lambda: plane.phase("gone") == "Running")
        plane.store.available = False
        plane.store._changed.set()
        await trio.sleep(1)
        # While the watch is away, the object is removed outright and history compacted.
        plane.store.available = True
        assert await registry.finalize(plane.store, KEYS, obj)
        await plane.store.compact(plane.store.revision)
        await plane.wait_for(lambda: "gone" not in plane.cache.objects, seconds=60)
        assert store.listings == 2  # the start-up listing, and the relist


async def reasons(plane: Plane, name: str) -> dict[str, int]:
    return {item["reason"]: item["count"] for item in await plane.events_of(name)}


async def test_events_record_fold_and_expire(
    plane: Plane, autojump_clock: trio.testing.MockClock
) -> None:
    obj = await plane.create("web")
    await plane.wait_for(lambda: plane.phase("web") == "Running")
    assert await reasons(plane, "web") == {"Created": 1, "Started": 1}
    for state in ("stopped", "running", "stopped", "running"):
        obj = await plane.update("web", spec=obj.spec.model_copy(update={"state": state}))
        want = "Running" if state == "running" else "Stopped"
        await plane.wait_for(lambda want=want: plane.phase("web") == want)  # type: ignore[misc]
    # The same thing happening again folds into one event with a count.
    assert await reasons(plane, "web") == {"Created": 1, "Started": 3, "Stopped": 2}
    items = await plane.events_of("web")
    started = next(item for item in items if item["reason"] == "Started")
    assert started["involvedObject"] == {
        "apiVersion": "mcp/v1",
        "kind": "Container",
        "name": "web",
        "uid": obj.uid,
    }
    assert started["metadata"]["namespace"] == "default"
    assert started["metadata"]["name"].startswith("web.")
    assert started["firstTimestamp"] <= started["lastTimestamp"]
    # Events expire on their own (this plane's TTL is 600 s).
    await trio.sleep(700)
    assert await reasons(plane, "web") == {}


async def test_failures_are_warning_events(plane: Plane) -> None:
    await plane.create("nope", image="absent/image:1")
    await plane.wait_for(lambda: plane.phase("nope") == "Failed")
    items = await plane.events_of("nope")
    (failed,) = [item for item in items if item["reason"] == "Failed"]
    assert (failed["reason"], failed["type"]) == ("Failed", "Warning")
    assert "absent/image:1" in failed["message"]


class CrashingOnce(FakeRuntime):
    """A runtime with a bug: the first start of `mcp-web` after `armed` raises."""

    armed = False

    async def start(self, name: str) -> None:
        if name == "mcp-web" and CrashingOnce.armed:
            CrashingOnce.armed = False
            raise KeyError("a bug in the actor")
        await super().start(name)


async def test_a_crash_restarted_actor_does_not_adopt_again(
    plane: Plane, autojump_clock: trio.testing.MockClock
) -> None:
    await plane.create("web")
    await plane.wait_for(lambda: plane.phase("web") == "Running")
    # A second control plane takes over: its actor adopts, then crashes on a later pass.
    plane.runtime.__class__ = CrashingOnce
    await plane.update(
        "web", spec=plane.cache.objects["web"].spec.model_copy(update={"state": "stopped"})
    )
    await plane.wait_for(lambda: plane.phase("web") == "Stopped")
    CrashingOnce.armed = True
    await plane.update(
        "web", spec=plane.cache.objects["web"].spec.model_copy(update={"state": "running"})
    )
    await plane.wait_for(lambda: plane.phase("web") == "Failed")  # ControllerError
    await plane.wait_for(lambda: plane.phase("web") == "Running", seconds=60)
    counted = await reasons(plane, "web")
    assert counted["ControllerError"] == 1
    assert "Adopted" not in counted  # the restarted actor remembers it looked already
    assert plane.ctx.metrics.value("mcp_containers_adopted_total") == 0


async def test_adoption_is_an_event(plane: Plane) -> None:
    await plane.create("web")
    await plane.wait_for(lambda: plane.phase("web") == "Running")
    # A second control plane on the same store and engine finds the container.
    cache = Cache(KEYS)
    ctx = replace(plane.ctx, cache=cache)
    cache.replace_all(await plane.store.list_prefix(KEYS.root))
    await container.reconcile(ctx, "web")
    assert (await reasons(plane, "web"))["Adopted"] == 1
    assert len(plane.runtime.containers) == 1


@pytest.mark.parametrize(
    ("policy", "code", "restarted"),
    [
        pytest.param("Always", 0, True, id="always"),
        pytest.param("OnFailure", 3, True, id="onfailure-error"),
        pytest.param("OnFailure", 0, False, id="onfailure-success"),
        pytest.param("Never", 3, False, id="never"),
    ],
)
async def test_restart_policy_on_resync(
    plane: Plane, autojump_clock: trio.testing.MockClock, policy: str, code: int, restarted: bool
) -> None:
    spec = ContainerSpec.model_validate(
        {"image": IMAGE, "args": ["sleep", "60"], "restartPolicy": policy}
    )
    obj = Container(name="job", uid=str(uuid.uuid4()), spec=spec, created_at=now_iso())
    await registry.create(plane.store, KEYS, obj)
    await plane.wait_for(lambda: plane.phase("job") == "Running")
    found = plane.runtime.containers["mcp-job"]
    found.status, found.exit_code = "exited", code  # it ends on its own
    await trio.sleep(plane.ctx.resync_interval + 1)
    status = plane.cache.status("job")
    assert status is not None
    if restarted:
        assert status.phase == "Running"
        assert status.restart_count == 1
        assert (await reasons(plane, "job")).get("Restarted") == 1
    else:
        assert status.phase == ("Succeeded" if code == 0 else "Failed")
        assert status.exit_code == code
        assert found.status == "exited"


async def test_crash_loop_backs_off_on_schedule(
    plane: Plane, autojump_clock: trio.testing.MockClock
) -> None:
    spec = ContainerSpec.model_validate({"image": IMAGE, "command": ["crash"]})
    obj = Container(name="loop", uid=str(uuid.uuid4()), spec=spec, created_at=now_iso())
    await registry.create(plane.store, KEYS, obj)
    await plane.wait_for(lambda: plane.phase("loop") == "Failed")
    # This plane's policy: restart at once, then 10 s, 20 s, then the 40 s cap.
    await trio.sleep(200)
    items = await plane.events_of("loop")
    backoffs = sorted(
        (item["message"] for item in items if item["reason"] == "BackOff"),
        key=lambda message: float(message.split()[1].rstrip("s")),
    )
    assert [message.split()[1] for message in backoffs] == ["10s", "20s", "40s"]
    status = plane.cache.status("loop")
    assert status is not None
    assert status.reason == "CrashLoopBackOff"
    assert status.next_restart_at is not None
    # Restarts at about 0, 10, 30, 70, 110, 150, 190 s after the first exit: seven in 200 s.
    assert status.restart_count == 7


async def test_a_foreign_container_with_the_name_is_never_touched(plane: Plane) -> None:
    # Someone ran `docker run --name mcp-web ...` by hand: no mcp labels.
    await plane.runtime.create(
        "mcp-web", spec=ContainerSpec(image=IMAGE, args=["sleep", "1"]), labels={}
    )
    await plane.runtime.start("mcp-web")
    handmade = plane.runtime.containers["mcp-web"]
    await plane.create("web")
    await plane.wait_for(lambda: plane.phase("web") == "Failed")
    status = plane.cache.status("web")
    assert status is not None
    assert status.reason == "NameConflict"
    assert plane.runtime.containers["mcp-web"] is handmade
    assert handmade.status == "running"
    assert (await reasons(plane, "web")) == {"NameConflict": 1}


async def test_a_container_left_by_an_older_object_is_replaced_with_an_event(
    plane: Plane,
) -> None:
    stale_labels = {"mcp.uid": "old-uid", "mcp.name": "web", "mcp.cluster": "test-cluster"}
    await plane.runtime.create(
        "mcp-web", spec=ContainerSpec(image=IMAGE, args=["sleep", "1"]), labels=stale_labels
    )
    obj = await plane.create("web")
    await plane.wait_for(lambda: plane.phase("web") == "Running")
    assert plane.runtime.containers["mcp-web"].labels["mcp.uid"] == obj.uid
    assert (await reasons(plane, "web"))["Replaced"] == 1


async def test_a_garbled_stored_object_is_skipped_not_fatal(plane: Plane) -> None:
    # Written by hand or by a newer version: mcp cannot read it, and must not fall over.
    await plane.store.txn([], [Put(KEYS.container("garbled"), b'{"not": "an object"}')])
    await plane.store.txn([], [Put(KEYS.status("garbled"), b"\xff not json")])
    await plane.create("fine")
    await plane.wait_for(lambda: plane.phase("fine") == "Running")
    assert "garbled" not in plane.cache.objects
    items, _ = await registry.list_all(plane.store, KEYS)
    assert [obj.name for obj, _ in items] == ["fine"]


@pytest.mark.parametrize("remove", [True, False], ids=["remove", "keep"])
async def test_orphans_of_this_cluster_only(plane: Plane, remove: bool) -> None:
    await plane.create("claimed")
    await plane.wait_for(lambda: plane.phase("claimed") == "Running")
    spec = ContainerSpec(image=IMAGE, args=["sleep", "1"])
    ours = {"mcp.uid": "u-ghost", "mcp.name": "ghost", "mcp.cluster": "test-cluster"}
    theirs = {"mcp.uid": "u-x", "mcp.name": "ghost2", "mcp.cluster": "another-cluster"}
    await plane.runtime.create("mcp-ghost", spec=spec, labels=ours)
    await plane.runtime.create("mcp-ghost2", spec=spec, labels=theirs)
    await plane.runtime.create("handmade", spec=spec, labels={})
    found = await orphans.sweep(plane.runtime, "test-cluster", plane.cache, remove=remove)
    assert found == 1
    left = set(plane.runtime.containers)
    assert left == (
        {"mcp-claimed", "mcp-ghost2", "handmade"} | (set() if remove else {"mcp-ghost"})
    )


async def test_failed_pulls_back_off_and_block_nobody(
    plane: Plane, autojump_clock: trio.testing.MockClock
) -> None:
    await plane.create("unpullable", image="registry.example:5000/absent:1")
    await plane.create("fine")
    await plane.wait_for(lambda: plane.phase("fine") == "Running")
    # This plane's back-off: tries at 0, 10, 30 and 70 s, the next at 110 s (40 s cap);
    # a resync pass at 100 s (30 s after the last) finds the back-off still running.
    await trio.sleep(90)
    items = await plane.events_of("unpullable")
    delays = {item["message"].split()[1] for item in items if item["reason"] == "BackOff"}
    assert delays == {"10s", "20s", "40s"}
    status = plane.cache.status("unpullable")
    assert status is not None
    assert status.reason == "ErrImagePull"  # the try at 70 s failed
    pulls = [call for call in plane.runtime.calls if call.startswith("pull")]
    assert len(pulls) == 4  # at 0, 10, 30 and 70 s: not a tight loop
    await trio.sleep(15)
    status = plane.cache.status("unpullable")
    assert status is not None
    assert status.reason == "ImagePullBackOff"  # the pass at 100 s, held back
    assert len([call for call in plane.runtime.calls if call.startswith("pull")]) == 4
    # Once the registry has it, the next try succeeds.
    plane.runtime.registry.add("registry.example:5000/absent:1")
    await plane.wait_for(lambda: plane.phase("unpullable") == "Running", seconds=60)


async def test_a_restarted_control_plane_adopts_with_one_docker_list(plane: Plane) -> None:
    names = ["a", "b", "c"]
    for name in names:
        await plane.create(name)
    await plane.create("d", state="stopped")
    await plane.wait_for(lambda: all(plane.phase(n) == "Running" for n in names))
    await plane.wait_for(lambda: plane.phase("d") == "Stopped")
    # A second control plane on the same store and engine, as after a restart.
    cache = Cache(KEYS)
    cache.replace_all(await plane.store.list_prefix(KEYS.root))
    ctx = replace(plane.ctx, cache=cache, primed={})
    plane.runtime.calls.clear()
    await controller._prime(ctx)
    for name in [*names, "d"]:
        await container.reconcile(ctx, name)
    assert plane.runtime.calls == ["list"]  # not one call per container
    for name in [*names, "d"]:
        assert (await reasons(plane, name))["Adopted"] == 1
    assert ctx.metrics.value("mcp_containers_adopted_total") == 4


async def test_a_pass_with_nothing_to_do_asks_docker_once(
    plane: Plane, autojump_clock: trio.testing.MockClock
) -> None:
    await plane.create("steady")
    await plane.wait_for(lambda: plane.phase("steady") == "Running")
    plane.runtime.calls.clear()
    await trio.sleep(plane.ctx.resync_interval + 1)  # one resync pass
    assert plane.runtime.calls == ["inspect mcp-steady"]


async def test_a_new_objects_first_pass_creates_and_starts_without_asking_first(
    plane: Plane,
) -> None:
    await plane.wait_for(lambda: plane.runtime.calls == ["list"])  # the start-up list
    plane.runtime.calls.clear()
    await plane.create("new")
    await plane.wait_for(lambda: plane.phase("new") == "Running")
    # Raw Docker needs a create and a start; the pass looks once more, after them, for
    # the status it reports.
    assert plane.runtime.calls[:3] == ["create mcp-new", "start mcp-new", "inspect mcp-new"]


async def test_a_first_pass_that_finds_the_name_taken_looks_and_adopts_no_duplicate(
    plane: Plane,
) -> None:
    # A pass made the container, then its process died before it reported anything.
    obj = Container(name="left", uid=str(uuid.uuid4()), spec=ContainerSpec(image=IMAGE))
    labels = {
        "mcp.uid": obj.uid,
        "mcp.name": "left",
        "mcp.cluster": plane.ctx.cluster_id,
        "mcp.spec-hash": obj.spec.runtime_hash(),
    }
    await plane.runtime.create("mcp-left", spec=obj.spec, labels=labels)
    made = plane.runtime.containers["mcp-left"].id
    plane.runtime.calls.clear()
    await registry.create(plane.store, KEYS, replace(obj, created_at=now_iso()))
    await plane.wait_for(lambda: plane.phase("left") == "Running")
    assert plane.runtime.calls[:4] == [
        "create mcp-left",  # the guess: refused, the name is taken
        "inspect mcp-left",
        "start mcp-left",
        "inspect mcp-left",
    ]
    assert plane.runtime.containers["mcp-left"].id == made
    assert (await reasons(plane, "left"))["Adopted"] == 1


@dataclass
class QueuedRuntime(FakeRuntime):
    """A fake engine that, like the real adapter, lets few calls run at once (FIFO), and
    whose calls take a while."""

    slots: trio.CapacityLimiter = field(default_factory=lambda: trio.CapacityLimiter(2))

    async def inspect(self, name: str) -> Observed | None:
        async with self.slots:
            await trio.sleep(0.1)
            return await super().inspect(name)

    async def create(
        self,
        name: str,
        *,
        spec: ContainerSpec,
        labels: dict[str, str],
        join: str | None = None,
    ) -> str:
        async with self.slots:
            await trio.sleep(1)
            return await super().create(name, spec=spec, labels=labels, join=join)

    async def start(self, name: str) -> None:
        async with self.slots:
            await trio.sleep(1)
            await super().start(name)


async def test_passes_run_a_few_at_a_time_so_containers_come_up_steadily(
    plane: Plane, autojump_clock: trio.testing.MockClock
) -> None:
    names = [f"o{index}" for index in range(20)]
    for name in names:
        await plane.create(name)
    # A second control plane, on an empty engine, given all the objects at once.
    cache = Cache(KEYS)
    cache.replace_all(await plane.store.list_prefix(KEYS.root))
    runtime = QueuedRuntime(images={IMAGE})
    ctx = replace(
        plane.ctx, cache=cache, runtime=runtime, primed={}, passes=trio.CapacityLimiter(4)
    )
    send, receive = trio.open_memory_channel[str](len(names))
    async with trio.open_nursery() as nursery:
        nursery.start_soon(controller.run, ctx, receive)
        for name in names:
            send.send_nowait(name)
        await plane.wait_for(
            lambda: sum(c.status == "running" for c in runtime.containers.values()) == len(names)
        )
        send.close()
    # Each pass is inspect, create, start, inspect. The first container to be confirmed
    # running is so before the last one is even created: progress is steady, not all at
    # the end (as it is when every actor queues each call behind everybody else's).
    seen: dict[str, int] = {}
    first_confirmed = None
    for index, call in enumerate(runtime.calls):
        verb, _, target = call.partition(" ")
        if verb == "inspect":
            seen[target] = seen.get(target, 0) + 1
            if seen[target] == 2 and first_confirmed is None:
                first_confirmed = index
    last_create = max(i for i, call in enumerate(runtime.calls) if call.startswith("create "))
    assert first_confirmed is not None
    assert first_confirmed < last_create


async def test_a_taken_host_port_fails_the_start_and_retries_on_the_crash_loop_schedule(
    plane: Plane, autojump_clock: trio.testing.MockClock
) -> None:
    plane.runtime.busy_host_ports.add(18576)
    obj = await plane.create("porty")
    await plane.wait_for(lambda: plane.phase("porty") == "Running")
    spec = obj.spec.model_copy(
        update={"ports": [Port.model_validate({"containerPort": 80, "hostPort": 18576})]}
    )
    plane.runtime.calls.clear()
    await plane.update("porty", spec=spec, generation=2)
    await plane.wait_for(lambda: plane.phase("porty") == "Failed")
    status = plane.cache.status("porty")
    assert status is not None
    assert (status.reason, status.observed_generation) == ("RunContainerError", 2)
    assert "address already in use" in status.message

    await trio.sleep(100)  # this plane's back-off: 10 s, 20 s, then the 40 s cap
    starts = [call for call in plane.runtime.calls if call == "start mcp-porty"]
    assert len(starts) == 4  # at 0, 10, 30 and 70 s
    items = await plane.events_of("porty")
    delays = {item["message"].split()[1] for item in items if item["reason"] == "BackOff"}
    assert delays == {"10s", "20s", "40s"}
    # mcp made this container: retrying its start is not an adoption.
    assert "Adopted" not in await reasons(plane, "porty")
    assert plane.runtime.calls.count("create mcp-porty") == 1
    assert plane.ctx.metrics.value("mcp_containers_adopted_total") == 0

    plane.runtime.busy_host_ports.clear()  # the port is free again: the next try runs it
    await plane.wait_for(lambda: plane.phase("porty") == "Running", seconds=60)


async def test_a_new_generation_starts_a_fresh_pull_history(
    plane: Plane, autojump_clock: trio.testing.MockClock
) -> None:
    obj = await plane.create("fixme", image="missing.invalid/a:1")
    never = obj.spec.model_copy(
        update={
            "image_pull_policy": "Never",
            "restart_backoff": RestartBackoff(base_seconds=60, cap_seconds=120),
        }
    )
    await plane.update("fixme", spec=never, generation=2)
    await plane.wait_for(
        lambda: (
            (status := plane.cache.status("fixme")) is not None
            and status.observed_generation == 2
            and status.phase == "Failed"
        )
    )
    items = await plane.events_of("fixme")
    assert "Back-off 60s pulling image missing.invalid/a:1" in {item["message"] for item in items}
    fixed_at = trio.current_time()

    await plane.update("fixme", spec=never.model_copy(update={"image": IMAGE}), generation=3)

    await plane.wait_for(lambda: plane.phase("fixme") == "Running", seconds=120)
    assert trio.current_time() - fixed_at < 5, "the fix waited out the old image's back-off"


async def test_a_restarted_control_plane_unpauses_a_container_paused_meanwhile(
    plane: Plane,
) -> None:
    await plane.create("frozen")
    await plane.wait_for(lambda: plane.phase("frozen") == "Running")
    plane.runtime.pause("mcp-frozen")  # while no control plane watched
    cache = Cache(KEYS)
    cache.replace_all(await plane.store.list_prefix(KEYS.root))
    ctx = replace(plane.ctx, cache=cache, primed={})
    await controller._prime(ctx)

    await container.reconcile(ctx, "frozen")

    assert plane.runtime.containers["mcp-frozen"].status == "running"
    assert "unpause mcp-frozen" in plane.runtime.calls
    assert (await reasons(plane, "frozen"))["Unpaused"] == 1


async def test_a_renamed_container_is_taken_back_not_duplicated(plane: Plane) -> None:
    await plane.create("x")
    await plane.wait_for(lambda: plane.phase("x") == "Running")
    container_id = plane.runtime.containers["mcp-x"].id
    plane.runtime.rename_by_hand("mcp-x", "renamed-x")  # `docker rename`
    plane.runtime.calls.clear()

    await container.reconcile(plane.ctx, "x", Memory(looked=True))

    assert set(plane.runtime.containers) == {"mcp-x"}
    assert plane.runtime.containers["mcp-x"].id == container_id
    assert not any(call.startswith("create") for call in plane.runtime.calls)
    assert (await reasons(plane, "x"))["Renamed"] == 1


async def test_the_sweep_removes_a_second_container_of_one_object(plane: Plane) -> None:
    obj = await plane.create("y")
    await plane.wait_for(lambda: plane.phase("y") == "Running")
    # As an older mcp left it: the renamed container kept running, and a new one was made.
    plane.runtime.rename_by_hand("mcp-y", "renamed-y")
    labels = plane.runtime.containers["renamed-y"].labels
    await plane.ctx.runtime.create("mcp-y", spec=obj.spec, labels=labels)
    await plane.ctx.runtime.start("mcp-y")

    found = await orphans.sweep(
        plane.runtime, "test-cluster", plane.cache, remove=True, events=plane.ctx.events
    )

    assert found == 1
    assert set(plane.runtime.containers) == {"mcp-y"}
    assert (await reasons(plane, "y"))["Removed"] == 1


async def test_a_new_container_is_not_held_back_by_the_old_ones_failed_starts(
    plane: Plane, autojump_clock: trio.testing.MockClock
) -> None:
    """The start back-off belongs to the container whose start failed: one removed by hand
    (`docker rm -f`) is recreated and started at once, as self-healing promises."""
    plane.runtime.busy_host_ports.add(18577)
    obj = await plane.create("healme")
    await plane.wait_for(lambda: plane.phase("healme") == "Running")
    spec = obj.spec.model_copy(
        update={"ports": [Port.model_validate({"containerPort": 80, "hostPort": 18577})]}
    )
    await plane.update("healme", spec=spec, generation=2)
    await plane.wait_for(lambda: plane.phase("healme") == "Failed")
    plane.runtime.busy_host_ports.clear()
    del plane.runtime.containers["mcp-healme"]  # `docker rm -f`
    removed_at = trio.current_time()

    await plane.update("healme", labels={"touched": "yes"})  # any change: a pass

    await plane.wait_for(lambda: plane.phase("healme") == "Running", seconds=60)
    assert trio.current_time() - removed_at < 5, "the new container waited out a back-off"


async def test_a_lagging_cache_does_not_hide_the_actors_own_report(plane: Plane) -> None:
    """Under load the watch can lag behind the actor's own status write; a kill seen then
    must still count as a restart (the chaos suite once saw restartCount stay 0)."""
    obj = await plane.create("lag")
    await plane.wait_for(lambda: plane.phase("lag") == "Running")
    running = plane.cache.status("lag")
    assert running is not None
    # A cache as of before the Running report: the object, with no status yet.
    stale = Cache(KEYS)
    stale.replace_all(await plane.store.list_prefix(KEYS.root, revision=obj.resource_version))
    assert stale.status("lag") is None
    ctx = replace(plane.ctx, cache=stale)
    plane.runtime.containers["mcp-lag"].status = "exited"  # `docker kill`
    plane.runtime.containers["mcp-lag"].exit_code = 137

    await container.reconcile(ctx, "lag", Memory(looked=True, reported=running))

    assert plane.runtime.containers["mcp-lag"].status == "running"
    assert (await reasons(plane, "lag")).get("Restarted") == 1


async def test_a_pass_the_cache_has_not_told_of_the_deletion_records_no_second_deleted(
    plane: Plane,
) -> None:
    """A nudge (Docker's destroy) can bring a pass before the watch delivers the object's
    deletion: finalizing again finds it gone, and is no second `Deleted`."""
    await plane.create("gone")
    await plane.wait_for(lambda: plane.phase("gone") == "Running")
    marked = await plane.update("gone", deletion_timestamp=now_iso())
    await plane.wait_for(lambda: "gone" not in plane.cache.objects)
    stale = Cache(KEYS)  # as of before the finalizing: the object, marked for deletion
    stale.replace_all(await plane.store.list_prefix(KEYS.root, revision=marked.resource_version))
    assert "gone" in stale.objects

    await container.reconcile(replace(plane.ctx, cache=stale), "gone", Memory(looked=True))

    assert (await reasons(plane, "gone"))["Deleted"] == 1


EVENTS_PREFIX = f"{KEYS.root}events/"


class HangingEvents(FakeStore):
    """etcd that writes statuses at once but never answers an event write (a backlog, a
    slow disk): nothing a client waits for may wait behind one."""

    async def txn(self, compare: Sequence[Compare], success: Sequence[Put | Delete]) -> int | None:
        if any(op.key.startswith(EVENTS_PREFIX) for op in success):
            await trio.sleep_forever()
        return await super().txn(compare, success)


async def test_event_writes_that_hang_and_a_full_queue_hold_up_no_status(
    autojump_clock: trio.testing.MockClock,
) -> None:
    # The writer hangs on the first event and the queue holds one more: the rest drop.
    async with open_plane(HangingEvents(), events_queued=1) as plane:
        web = await plane.create("web")
        await plane.create("db")
        await plane.wait_for(lambda: plane.phase("web") == plane.phase("db") == "Running", 5)
        await plane.update("web", spec=web.spec.model_copy(update={"state": "stopped"}))
        await plane.wait_for(lambda: plane.phase("web") == "Stopped", 5)
        await trio.testing.wait_all_tasks_blocked()  # the last pass has queued its events
        # Five events: one is being written (for ever), one waits in the queue.
        dropped = plane.ctx.metrics.value("mcp_events_dropped_total", cause="queue_full")
        assert dropped == 5 - 2


class GatedStatus(FakeStore):
    """A fake etcd whose status writes wait until the test opens the gate."""

    def __init__(self) -> None:
        super().__init__()
        self.status_waiting, self.opened = trio.Event(), trio.Event()

    async def txn(self, compare: Sequence[Compare], success: Sequence[Put | Delete]) -> int | None:
        if any(op.key.startswith(KEYS.statuses) for op in success):
            self.status_waiting.set()
            await self.opened.wait()
        return await super().txn(compare, success)


async def test_a_pass_queues_its_events_only_once_its_status_is_written() -> None:
    store = GatedStatus()
    async with open_plane(store) as plane:
        await plane.create("web")
        await store.status_waiting.wait()  # the pass has created and started the container
        assert await plane.events_of("web") == []  # and holds its events meanwhile
        store.opened.set()
        await plane.wait_for(lambda: plane.phase("web") == "Running")
        assert await reasons(plane, "web") == {"Created": 1, "Started": 1}
