"""The event recorder: core/v1 Events named and folded as client-go's recorder does, on
shared leases, valid by the API's own rules, listed per container; queued without
waiting, written in order by one writer, dropped (and counted) when the queue is full,
drained at shutdown."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence

import pytest
import trio
from fakes import FakeStore
from structlog.testing import capture_logs

from mcp import events
from mcp.apiserver import objects, storage
from mcp.kinds import core
from mcp.metrics import Metrics
from mcp.model import Container, ContainerSpec
from mcp.registry import Keys
from mcp.store import Compare, Delete, Put

KEYS = Keys("/t")
PREFIX = "/t/registry/events/default/"


def container(name: str = "web", uid: str = "uid-1") -> Container:
    return Container(
        name=name, uid=uid, spec=ContainerSpec(image="busybox"), created_at="2026-01-01T00:00:00Z"
    )


def writer(store: FakeStore, ttl_s: int = 600) -> events.Writer:
    return events.Writer(store, KEYS, ttl_s=ttl_s, host="node-1")


async def record(
    sink: events.Writer,
    obj: Container,
    reason: str,
    message: str,
    *,
    type_: events.EventType = "Normal",
) -> None:
    """Write one occurrence as the writer actor does, without the queue in between."""
    await sink.write(events.Occurred.now(obj, reason, message, type_))


async def stored(store: FakeStore) -> list[dict[str, object]]:
    listing = await store.list_prefix(PREFIX)
    return [objects.decode(item) for item in listing.items]


async def test_an_event_is_a_core_v1_event_named_as_client_go_names_it() -> None:
    store = FakeStore()
    await record(writer(store), container(), "Started", "Started container web")
    (event,) = await stored(store)
    metadata = event["metadata"]
    assert isinstance(metadata, dict)
    assert re.fullmatch(r"web\.[0-9a-f]{16}", metadata["name"])
    assert metadata["namespace"] == "default"
    at = event["firstTimestamp"]
    assert isinstance(at, str)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", at)  # metav1.Time: seconds
    assert {k: v for k, v in event.items() if k != "metadata"} == {
        "apiVersion": "v1",
        "kind": "Event",
        "involvedObject": {
            "apiVersion": "mcp/v1",
            "kind": "Container",
            "name": "web",
            "uid": "uid-1",
        },
        "reason": "Started",
        "message": "Started container web",
        "type": "Normal",
        "count": 1,
        "firstTimestamp": at,
        "lastTimestamp": at,
        "eventTime": None,
        "source": {"component": "mcp-controller", "host": "node-1"},
        "reportingComponent": "mcp-controller",
        "reportingInstance": "node-1",
    }
    assert metadata["creationTimestamp"] == at


async def test_what_the_recorder_writes_passes_the_apis_validation() -> None:
    store = FakeStore()
    await record(writer(store), container(), "Failed", "no such image", type_="Warning")
    (event,) = await stored(store)
    obj, warnings = storage.prepare(
        storage.STRATEGIES["events"], event, "default", field_validation="Strict"
    )
    assert warnings == []
    assert obj["type"] == "Warning"


@pytest.mark.parametrize(
    ("second", "folds"),
    [
        pytest.param(("Started", "Started container web", "Normal"), True, id="same"),
        pytest.param(("Started", "Started container web again", "Normal"), False, id="message"),
        pytest.param(("Stopped", "Started container web", "Normal"), False, id="reason"),
        pytest.param(("Started", "Started container web", "Warning"), False, id="type"),
    ],
)
async def test_repeats_fold_into_one_event(
    monkeypatch: pytest.MonkeyPatch, second: tuple[str, str, events.EventType], folds: bool
) -> None:
    times = iter(["2026-01-01T00:00:01Z", "2026-01-01T00:00:09Z"])
    monkeypatch.setattr(objects, "creation_timestamp", lambda: next(times))
    store = FakeStore()
    sink = writer(store)
    await record(sink, container(), "Started", "Started container web")
    (first,) = await stored(store)
    reason, message, type_ = second
    await record(sink, container(), reason, message, type_=type_)
    items = await stored(store)
    if folds:
        (event,) = items
        assert event["count"] == 2
        assert event["metadata"]["name"] == first["metadata"]["name"]  # type: ignore[index]  # JSON values
        assert (event["firstTimestamp"], event["lastTimestamp"]) == (
            "2026-01-01T00:00:01Z",
            "2026-01-01T00:00:09Z",
        )
    else:
        assert [item["count"] for item in items] == [1, 1]


async def test_an_object_of_the_same_name_but_another_uid_gets_its_own_events() -> None:
    store = FakeStore()
    sink = writer(store)
    await record(sink, container(uid="old"), "Started", "Started container web")
    await record(sink, container(uid="new"), "Started", "Started container web")
    items, _ = await events.list_events(store, KEYS, "web")
    assert sorted(item["involvedObject"]["uid"] for item in items) == ["new", "old"]


async def test_events_expire_and_a_repeat_after_that_starts_anew(
    autojump_clock: trio.abc.Clock,
) -> None:
    store = FakeStore()
    sink = writer(store, ttl_s=60)
    await record(sink, container(), "Started", "Started container web")
    (first,) = await stored(store)
    await trio.sleep(30)
    assert len(await stored(store)) == 1
    await trio.sleep(60)
    assert await stored(store) == []
    await record(sink, container(), "Started", "Started container web")
    (again,) = await stored(store)
    assert again["count"] == 1
    assert again["metadata"] != first["metadata"]


async def test_events_within_a_window_share_one_lease(autojump_clock: trio.abc.Clock) -> None:
    store = FakeStore()
    sink = writer(store, ttl_s=600)
    await record(sink, container(), "Created", "Created container web")
    await record(sink, container(), "Started", "Started container web")
    await record(sink, container("db"), "Started", "Started container db")
    assert len(set(store.key_leases.values())) == 1
    (ttl,) = store.lease_ttls.values()
    assert ttl >= 600


async def test_the_recorder_folds_into_at_most_its_remembered_events(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(events, "REMEMBERED", 2)
    store = FakeStore()
    sink = writer(store)
    for reason in ("A", "B", "C", "A"):
        await record(sink, container(), reason, "m")
    # "A" was forgotten when "C" came: its repeat is a new event, as client-go's LRU does.
    counts = sorted((str(item["reason"]), item["count"]) for item in await stored(store))
    assert counts == [("A", 1), ("A", 1), ("B", 1), ("C", 1)]


async def test_an_unavailable_store_drops_the_event() -> None:
    store = FakeStore()
    store.available = False
    await record(writer(store), container(), "Started", "Started container web")
    store.available = True
    assert await stored(store) == []


async def test_a_containers_events_oldest_last_occurrence_first() -> None:
    store = FakeStore()
    sink = writer(store)
    await record(sink, container(), "Started", "one")
    await record(sink, container(), "Stopped", "two")
    await record(sink, container(), "Started", "one")  # folds: now the latest
    await record(sink, container("webby"), "Started", "other object")
    # A user's Event about a Pod named like the container is not the container's.
    pod = {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {"name": "web.1", "namespace": "default"},
        "involvedObject": {"kind": "Pod", "name": "web"},
        "lastTimestamp": "2000-01-01T00:00:00Z",
    }
    key = objects.key(KEYS, core.EVENT, "web.1", "default")
    await store.txn([], [Put(key, json.dumps(pod).encode())])
    items, revision = await events.list_events(store, KEYS, "web")
    assert [(item["message"], item["count"]) for item in items] == [("two", 1), ("one", 2)]
    assert revision == store.revision


def queue(
    size: int = events.QUEUE_SIZE,
) -> tuple[events.Recorder, trio.MemoryReceiveChannel[events.Occurred]]:
    send, receive = trio.open_memory_channel[events.Occurred](size)
    return events.Recorder(send, Metrics()), receive


async def test_the_writer_writes_what_is_queued_in_order_and_ends_when_the_queue_closes() -> None:
    store = FakeStore()
    recorder, occurrences = queue()
    async with trio.open_nursery() as nursery:
        await nursery.start(events.run, writer(store), occurrences)
        async with recorder:
            for reason in ("Created", "Started", "Stopped", "Started"):
                recorder.record(container(), reason, f"{reason} container web")
    # The nursery ended: the writer wrote everything queued, then saw the queue close.
    items, _ = await events.list_events(store, KEYS, "web")
    assert [(item["reason"], item["count"]) for item in items] == [
        ("Created", 1),
        ("Stopped", 1),
        ("Started", 2),  # folded: its last occurrence is the newest
    ]


async def test_a_full_queue_drops_the_event_with_a_count_and_a_log_and_never_waits() -> None:
    recorder, occurrences = queue(size=2)
    secret = ContainerSpec.model_validate({"image": "busybox", "env": {"TOKEN": "s3cr3t-value"}})
    obj = Container(name="web", uid="uid-1", spec=secret, created_at="2026-01-01T00:00:00Z")
    with capture_logs() as logged:
        for reason in ("Created", "Started", "Stopped"):
            recorder.record(obj, reason, f"{reason} container web")  # no writer: nobody reads
    queued = [occurrences.receive_nowait().reason for _ in range(2)]
    assert queued == ["Created", "Started"]
    assert recorder.metrics.value("mcp_events_dropped_total", cause="queue_full") == 1
    assert logged == [
        {
            "event": "event_dropped",
            "log_level": "warning",
            "actor": "events",
            "kind": "Container",
            "name": "web",
            "reason": "Stopped",
            "cause": "queue_full",
        }
    ]
    assert "s3cr3t" not in repr(logged)


async def test_a_pass_holds_its_events_until_it_releases_them() -> None:
    recorder, occurrences = queue()
    held = events.Held(recorder)
    held.record(container(), "Created", "Created container web")
    held.record(container(), "Started", "Started container web", type_="Warning")
    assert occurrences.statistics().current_buffer_used == 0
    held.release()
    queued = [occurrences.receive_nowait() for _ in range(2)]
    assert [(o.reason, o.type_) for o in queued] == [("Created", "Normal"), ("Started", "Warning")]
    assert queued[0].at_ns <= queued[1].at_ns  # stamped when they happened, not when released
    held.release()  # released once
    assert occurrences.statistics().current_buffer_used == 0


class SlowEvents(FakeStore):
    """etcd that takes `delay` seconds over each write (`inf`: never answers)."""

    def __init__(self, delay: float) -> None:
        super().__init__()
        self.delay = delay

    async def txn(self, compare: Sequence[Compare], success: Sequence[Put | Delete]) -> int | None:
        await trio.sleep(self.delay)
        return await super().txn(compare, success)


async def test_a_cancelled_writer_still_writes_what_is_queued(
    autojump_clock: trio.abc.Clock,
) -> None:
    store = SlowEvents(delay=0.5)
    recorder, occurrences = queue()
    with trio.move_on_after(0.25):  # shutdown's grace deadline, during the first write
        async with trio.open_nursery() as nursery:
            await nursery.start(events.run, writer(store), occurrences)
            for reason in ("Created", "Started", "Stopped"):
                recorder.record(container(), reason, f"{reason} container web")
            await trio.sleep_forever()
    # The write under way was cut short; what was queued behind it was written, shielded.
    assert [item["reason"] for item in await stored(store)] == ["Started", "Stopped"]
    assert trio.current_time() <= 0.25 + events.DRAIN_S


async def test_a_drain_past_its_deadline_counts_what_it_could_not_write(
    autojump_clock: trio.abc.Clock,
) -> None:
    store = SlowEvents(delay=float("inf"))
    recorder, occurrences = queue()
    sink = writer(store)
    with capture_logs() as logged, trio.move_on_after(1):
        async with trio.open_nursery() as nursery:
            await nursery.start(events.run, sink, occurrences)
            for reason in ("Created", "Started", "Stopped", "Killed"):
                recorder.record(container(), reason, f"{reason} container web")
            await trio.sleep_forever()
    assert trio.current_time() == pytest.approx(1 + events.DRAIN_S)
    # Created was being written when cancelled and Started when the drain ran out of
    # time (either may have reached etcd); Stopped and Killed never left the queue.
    assert sink.metrics.value("mcp_events_dropped_total", cause="shutdown") == 2
    dropped = {"event": "events_dropped", "log_level": "warning", "actor": "events"}
    assert {**dropped, "count": 2, "cause": "shutdown"} in logged


async def test_an_unavailable_store_drops_one_event_and_the_writer_goes_on() -> None:
    store = FakeStore()
    sink = writer(store)
    recorder, occurrences = queue()
    async with trio.open_nursery() as nursery:
        await nursery.start(events.run, sink, occurrences)
        async with recorder:
            store.available = False
            recorder.record(container(), "Started", "Started container web")
            await trio.testing.wait_all_tasks_blocked()
            store.available = True
            recorder.record(container(), "Stopped", "Stopped container web")
    assert [item["reason"] for item in await stored(store)] == ["Stopped"]
    assert sink.metrics.value("mcp_events_dropped_total", cause="store_unavailable") == 1


async def test_a_pods_event_lives_in_its_namespace_and_folds_per_container() -> None:
    store = FakeStore()
    sink = writer(store)
    app = events.Involved("v1", "Pod", "web", "uid-2", "shop", "spec.containers{app}")
    sidecar = events.Involved("v1", "Pod", "web", "uid-2", "shop", "spec.containers{sidecar}")
    for involved in (app, app, sidecar):
        await sink.write(events.Occurred.now(involved, "Started", "Started container", "Normal"))
    listing = await store.list_prefix("/t/registry/events/shop/")
    written = sorted(
        (objects.decode(item) for item in listing.items),
        key=lambda event: str(event["involvedObject"]["fieldPath"]),
    )
    assert [(e["involvedObject"], e["count"]) for e in written] == [
        (
            {
                "apiVersion": "v1",
                "kind": "Pod",
                "name": "web",
                "namespace": "shop",
                "uid": "uid-2",
                "fieldPath": "spec.containers{app}",
            },
            2,
        ),
        (
            {
                "apiVersion": "v1",
                "kind": "Pod",
                "name": "web",
                "namespace": "shop",
                "uid": "uid-2",
                "fieldPath": "spec.containers{sidecar}",
            },
            1,
        ),
    ]
    assert all(e["metadata"]["namespace"] == "shop" for e in written)
    assert await stored(store) == []  # none in `default`
