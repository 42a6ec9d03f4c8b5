"""The watch cache's fan-out: the ring of recent changes and the streams' bounded buffers."""

from __future__ import annotations

import uuid

import pytest
import structlog
import trio
import trio.testing

from mcp import cache as cache_module
from mcp import model
from mcp.cache import Cache, Change, ContainerSubscription, Expired, Ring
from mcp.registry import Keys
from mcp.store import KeyValue, Listing, WatchEvent

KEYS = Keys("/cache-test")
SPEC = model.ContainerSpec(image="mcp-test/busybox:latest", args=["true"])
UID = str(uuid.uuid4())


def change(revision: int) -> Change:
    return Change(revision, None, None)


def ring_of(revisions: list[int], *, capacity: int, floor: int = 0) -> Ring[Change]:
    ring: Ring[Change] = Ring(capacity, floor)
    for revision in revisions:
        ring.append(change(revision))
    return ring


@pytest.mark.parametrize(
    ("revisions", "capacity", "floor", "since", "expected"),
    [
        pytest.param([], 4, 10, 10, [], id="empty-from-the-list"),
        pytest.param([], 4, 10, 9, None, id="empty-before-the-list"),
        pytest.param([11, 12, 14], 4, 10, 10, [11, 12, 14], id="all-from-the-floor"),
        pytest.param([11, 12, 14], 4, 10, 12, [14], id="inside"),
        pytest.param([11, 12, 14], 4, 10, 13, [14], id="between-two-changes"),
        pytest.param([11, 12, 14], 4, 10, 14, [], id="at-the-newest"),
        pytest.param([11, 12, 14], 4, 10, 99, [], id="ahead-of-the-cache"),
        pytest.param([11, 12, 13, 14, 15, 16], 4, 10, 12, [13, 14, 15, 16], id="at-new-floor"),
        pytest.param([11, 12, 13, 14, 15, 16], 4, 10, 11, None, id="fell-off-the-ring"),
        # Two changes at one revision (one transaction), one of them fell off the ring:
        # only a client that has seen that whole revision can be served.
        pytest.param([11, 12, 12, 13], 2, 10, 11, None, id="half-a-revision-fell-off"),
        pytest.param([11, 12, 12, 13], 2, 10, 12, [13], id="after-a-split-revision"),
    ],
)
def test_ring_lookup(
    revisions: list[int], capacity: int, floor: int, since: int, expected: list[int] | None
) -> None:
    found = ring_of(revisions, capacity=capacity, floor=floor).since(since)
    assert (None if found is None else [c.revision for c in found]) == expected


def test_ring_is_bounded_and_reset_forgets() -> None:
    ring = ring_of(list(range(1, 100)), capacity=10)
    assert len(ring) == 10
    assert ring.floor == 89
    ring.reset(200)
    assert len(ring) == 0
    assert ring.since(199) is None
    assert ring.since(200) == []


def put(name: str, revision: int, labels: dict[str, str] | None = None) -> WatchEvent:
    obj = model.Container(name=name, uid=UID, spec=SPEC, labels=labels or {})
    return WatchEvent("put", KEYS.container(name), model.encode_container(obj), revision, 2)


def loaded_cache(revision: int = 1) -> Cache:
    cache = Cache(KEYS)
    cache.replace_all(Listing(items=[], revision=revision))
    return cache


def everything(_: Change) -> bool:
    return True


async def drain(sub: ContainerSubscription, into: list[int]) -> None:
    while True:
        try:
            into.append((await sub.receive()).revision)
        except trio.EndOfChannel:
            return


async def test_a_subscriber_that_never_reads_is_dropped_and_a_reader_gets_everything() -> None:
    cache = loaded_cache()
    got: list[int] = []
    dropped: list[ContainerSubscription] = []
    total = cache_module.STREAM_BUFFER * 3
    with (
        structlog.testing.capture_logs() as logged,
        cache.open_subscription(1, wants=everything, on_dropped=dropped.append) as stuck,
        cache.open_subscription(1, wants=everything) as reader,
    ):
        async with trio.open_nursery() as nursery:
            nursery.start_soon(drain, reader, got)
            for revision in range(2, total + 2):
                cache.apply([put("web", revision)])
                if revision % 100 == 0:
                    await trio.testing.wait_all_tasks_blocked()  # the reader keeps up
            await trio.testing.wait_all_tasks_blocked()
            assert stuck.ended == "dropped"
            assert dropped == [stuck]
            assert cache.subscriptions == {reader}
            # Its buffer is let go, though its stream never read a line.
            assert stuck._receive.statistics().current_buffer_used == 0
            with pytest.raises(trio.EndOfChannel):
                await stuck.receive()
            cache.close()
    assert got == list(range(2, total + 2))  # each once, in order
    assert reader.ended == "closed"
    assert cache.subscriptions == set()
    drops = [entry for entry in logged if entry["event"] == "watch_stream_dropped"]
    assert drops == [
        {
            "actor": "cache",
            "event": "watch_stream_dropped",
            "log_level": "warning",
            "reason": "buffer_full",
            "revision": 1,  # the last revision it took in: none after its start
            "buffer": cache_module.STREAM_BUFFER,
            "streams": 1,
        }
    ]


async def test_leaving_a_subscription_forgets_it() -> None:
    cache = loaded_cache()
    with cache.open_subscription(None, wants=everything) as sub:
        assert cache.subscriptions == {sub}
        cache.apply([put("web", 2)])
    assert cache.subscriptions == set()
    assert sub._receive.statistics().current_buffer_used == 0


def test_a_watch_from_before_the_ring_is_expired() -> None:
    cache = loaded_cache(revision=5)
    with pytest.raises(Expired), cache.open_subscription(4, wants=everything):
        pass
    for revision in range(6, 6 + cache_module.RING_CAPACITY + 1):
        cache.apply([put("web", revision)])
    with pytest.raises(Expired), cache.open_subscription(5, wants=everything):
        pass
    assert cache.subscriptions == set()


def test_a_watch_from_inside_the_ring_replays_exactly_the_changes_after_it() -> None:
    cache = loaded_cache(revision=5)
    for revision in range(6, 20):
        cache.apply([put(f"c{revision % 3}", revision)])
    with cache.open_subscription(12, wants=everything) as sub:
        assert [c.revision for c in sub.replay] == list(range(13, 20))
        assert sub.initial == []
        replayed = sub.replay[0]
        assert replayed.before is not None
        assert replayed.after is not None
        assert replayed.before[0].resource_version == 10  # c1's version before 13
        assert replayed.after[0].resource_version == 13


def test_a_watch_without_a_revision_starts_from_the_objects() -> None:
    cache = loaded_cache()
    cache.apply([put("b", 2), put("a", 3)])
    with cache.open_subscription(None, wants=everything) as sub:
        assert [obj.name for obj, _ in sub.initial] == ["a", "b"]
        assert sub.replay == []
        assert sub.revision == 3


async def test_a_relist_ends_every_subscription_as_expired_after_what_it_buffered() -> None:
    cache = loaded_cache()
    with cache.open_subscription(1, wants=everything) as sub:
        cache.apply([put("web", 2)])
        cache.replace_all(Listing(items=[], revision=9))
        assert sub.ended == "expired"
        assert (await sub.receive()).revision == 2
        with pytest.raises(trio.EndOfChannel):
            await sub.receive()
    assert cache.ring.floor == 9


def test_only_wanted_changes_take_room() -> None:
    cache = loaded_cache()

    def web_only(change: Change) -> bool:
        return any(
            shown is not None and shown[0].labels.get("tier") == "web"
            for shown in (change.before, change.after)
        )

    with cache.open_subscription(1, wants=web_only) as sub:
        for revision in range(2, cache_module.STREAM_BUFFER * 2):
            cache.apply([put("db", revision, {"tier": "db"})])
        assert sub.ended is None
        assert sub._receive.statistics().current_buffer_used == 0


def test_status_writes_are_changes_of_their_object_and_unreadable_puts_are_none() -> None:
    cache = loaded_cache()
    cache.apply([put("web", 2)])
    status = model.Status(uid=UID, phase="Running")
    stale = model.Status(uid="another-incarnation", phase="Failed")
    junk = WatchEvent("put", KEYS.container("garbled"), b'{"not": "an object"}', 5, 5)
    events = [
        WatchEvent("put", KEYS.status("web"), model.encode_status(status), 3, 3),
        WatchEvent("put", KEYS.status("other"), model.encode_status(stale), 4, 4),
        junk,
        WatchEvent("delete", KEYS.container("web"), b"", 6, 2),
        WatchEvent("delete", KEYS.status("web"), b"", 6, 3),
    ]
    with cache.open_subscription(2, wants=everything):
        cache.apply(events)
        found = cache.ring.since(2)
    assert found is not None
    write, deletion = found
    assert write.revision == 3
    assert write.before is not None
    assert write.after is not None
    assert write.before[0] is write.after[0]
    assert write.before[1] is None
    assert write.after[1] is not None
    assert write.after[1].phase == "Running"
    assert deletion.revision == 6
    assert deletion.after is None
    assert deletion.before is not None
    assert deletion.before[1] is not None
    assert "garbled" not in cache.objects


def test_an_unreadable_put_of_a_new_name_is_skipped() -> None:
    cache = loaded_cache()
    item = KeyValue(KEYS.container("garbled"), b'{"not": "an object"}', 4, 4)
    cache.apply([WatchEvent("put", item.key, item.value, 4, 4)])
    assert cache.objects == {}
    assert len(cache.ring) == 0
