"""The `Store` contract: the fake and the real etcd adapter pass the same cases."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
import trio
from fakes import FakeStore
from support.etcd import EtcdServer

from mcp.errors import Compacted, StoreUnavailable
from mcp.store import Compare, Delete, Put, open_etcd_store


@pytest.fixture(params=["fake", "etcd"])
async def store(request: pytest.FixtureRequest, etcd: EtcdServer) -> AsyncIterator[Any]:
    if request.param == "fake":
        yield FakeStore()
    else:
        async with open_etcd_store([etcd.url]) as real:
            yield real


def absent(key: str) -> Compare:
    return Compare(key, "version", 0)


async def test_create_only_once(store: Any, etcd_prefix: str) -> None:
    key = f"{etcd_prefix}/a"
    assert await store.get(key) is None
    revision = await store.txn([absent(key)], [Put(key, b"one")])
    assert revision is not None
    item = await store.get(key)
    assert (item.value, item.mod_revision, item.create_revision) == (b"one", revision, revision)
    assert await store.txn([absent(key)], [Put(key, b"two")]) is None
    assert (await store.get(key)).value == b"one"


async def test_compare_and_swap_on_mod_revision(store: Any, etcd_prefix: str) -> None:
    key = f"{etcd_prefix}/a"
    first = await store.txn([absent(key)], [Put(key, b"1")])
    second = await store.txn([Compare(key, "mod", first)], [Put(key, b"2")])
    assert second is not None
    assert second > first
    # A writer still holding the first revision loses, and changes nothing.
    assert await store.txn([Compare(key, "mod", first)], [Put(key, b"stale")]) is None
    item = await store.get(key)
    assert (item.value, item.mod_revision, item.create_revision) == (b"2", second, first)


async def test_create_revision_guards_an_incarnation(store: Any, etcd_prefix: str) -> None:
    key, side = f"{etcd_prefix}/obj", f"{etcd_prefix}/side"
    born = await store.txn([absent(key)], [Put(key, b"v1")])
    assert await store.txn([Compare(key, "create", born)], [Put(side, b"s")]) is not None
    # Delete both in one transaction, then recreate: the old guard no longer holds.
    assert await store.txn([Compare(key, "create", born)], [Delete(key), Delete(side)])
    assert await store.get(side) is None
    reborn = await store.txn([absent(key)], [Put(key, b"v2")])
    assert reborn != born
    assert await store.txn([Compare(key, "create", born)], [Put(side, b"stale")]) is None
    assert await store.get(side) is None


async def test_list_prefix_is_sorted_and_has_a_revision(store: Any, etcd_prefix: str) -> None:
    last = 0
    for name in ("b", "a", "c"):
        last = await store.txn(
            [absent(f"{etcd_prefix}/x/{name}")], [Put(f"{etcd_prefix}/x/{name}", name.encode())]
        )
    await store.txn([absent(f"{etcd_prefix}/y")], [Put(f"{etcd_prefix}/y", b"other")])
    listing = await store.list_prefix(f"{etcd_prefix}/x/")
    assert [item.key.rsplit("/", 1)[1] for item in listing.items] == ["a", "b", "c"]
    assert listing.revision > last


async def test_a_listing_larger_than_grpcs_default_limit_is_read(
    store: Any, etcd_prefix: str
) -> None:
    # 5 values of 1 MiB (etcd takes requests up to 1.5 MiB): a 5 MiB answer, over grpc's
    # default 4 MiB, as a watch cache's first listing of about 7,000 ConfigMaps is.
    value = b"x" * 2**20
    for index in range(5):
        await store.txn([], [Put(f"{etcd_prefix}/big/{index}", value)])
    listing = await store.list_prefix(f"{etcd_prefix}/big/")
    assert [len(item.value) for item in listing.items] == [len(value)] * 5


async def test_watch_replays_from_a_revision_then_follows(store: Any, etcd_prefix: str) -> None:
    key = f"{etcd_prefix}/w"
    first = await store.txn([absent(key)], [Put(key, b"1")])
    second = await store.txn([Compare(key, "mod", first)], [Put(key, b"2")])
    seen: list[tuple[str, bytes, int]] = []
    with trio.fail_after(10):
        async with store.open_watch(f"{etcd_prefix}/", second) as stream:
            seen += [(e.kind, e.value, e.mod_revision) for e in await stream.next_batch()]
            third = await store.txn([Compare(key, "create", first)], [Delete(key)])
            while len(seen) < 2:
                seen += [(e.kind, e.value, e.mod_revision) for e in await stream.next_batch()]
    assert seen == [("put", b"2", second), ("delete", b"", third)]


async def test_watch_from_compacted_revision_raises(store: Any, etcd_prefix: str) -> None:
    key = f"{etcd_prefix}/c"
    first = await store.txn([absent(key)], [Put(key, b"1")])
    second = await store.txn([Compare(key, "mod", first)], [Put(key, b"2")])
    await store.compact(second)
    with trio.fail_after(10), pytest.raises(Compacted) as caught:
        async with store.open_watch(f"{etcd_prefix}/", first) as stream:
            await stream.next_batch()
    assert caught.value.compacted_revision >= second


async def test_unreachable_etcd_is_store_unavailable() -> None:
    with trio.fail_after(15), pytest.raises(StoreUnavailable, match=r"127\.0\.0\.1:9\b"):
        async with open_etcd_store(["http://127.0.0.1:9"]):
            pass


async def test_list_at_a_past_revision(store: Any, etcd_prefix: str) -> None:
    key = f"{etcd_prefix}/p"
    first = await store.txn([absent(key)], [Put(key, b"old")])
    await store.txn([Compare(key, "mod", first)], [Put(key, b"new")])
    other = await store.txn([absent(f"{key}2")], [Put(f"{key}2", b"later")])
    past = await store.list_prefix(f"{etcd_prefix}/", revision=first)
    assert [(item.key, item.value) for item in past.items] == [(key, b"old")]
    assert past.revision == first
    await store.compact(other)
    with pytest.raises(Compacted):
        await store.list_prefix(f"{etcd_prefix}/", revision=first)


async def test_compare_mod_revision_below(store: Any, etcd_prefix: str) -> None:
    # "Unchanged since the version I read": mod < seen + 1.
    key = f"{etcd_prefix}/lt"
    first = await store.txn([absent(key)], [Put(key, b"1")])
    assert await store.txn([Compare(key, "mod", first + 1, op="<")], [Put(key, b"2")])
    assert await store.txn([Compare(key, "mod", first + 1, op="<")], [Put(key, b"3")]) is None
    assert (await store.get(key)).value == b"2"


async def test_keys_on_a_lease_expire(store: Any, etcd_prefix: str) -> None:
    key, kept = f"{etcd_prefix}/leased", f"{etcd_prefix}/kept"
    lease = await store.grant_lease(2)
    await store.txn([absent(key)], [Put(key, b"short-lived", lease=lease), Put(kept, b"stays")])
    assert (await store.get(key)).value == b"short-lived"
    with trio.fail_after(15):
        while await store.get(key) is not None:  # noqa: ASYNC110  # expiry is etcd's clock
            await trio.sleep(0.25)
    assert (await store.get(kept)).value == b"stays"


async def test_refresh_keeps_a_lease_alive(store: Any, etcd_prefix: str) -> None:
    key = f"{etcd_prefix}/renewed"
    lease = await store.grant_lease(2)
    await store.txn([absent(key)], [Put(key, b"held", lease=lease)])
    with trio.fail_after(10):
        for _ in range(6):  # 3 s in all: past the TTL, never a gap as long as it
            await trio.sleep(0.5)
            assert await store.refresh_lease(lease) >= 1
    assert (await store.get(key)).value == b"held"


async def test_revoke_deletes_the_keys_at_once(store: Any, etcd_prefix: str) -> None:
    key, kept = f"{etcd_prefix}/revoked", f"{etcd_prefix}/kept"
    lease = await store.grant_lease(30)
    await store.txn([absent(key)], [Put(key, b"held", lease=lease), Put(kept, b"stays")])
    await store.revoke_lease(lease)
    assert await store.get(key) is None
    assert (await store.get(kept)).value == b"stays"
    assert await store.refresh_lease(lease) == 0
    await store.revoke_lease(lease)  # revoking again is not an error


async def test_refresh_of_an_expired_lease_is_zero(store: Any, etcd_prefix: str) -> None:
    key = f"{etcd_prefix}/lapsed"
    lease = await store.grant_lease(2)
    await store.txn([absent(key)], [Put(key, b"held", lease=lease)])
    with trio.fail_after(15):
        while await store.get(key) is not None:  # noqa: ASYNC110  # expiry is etcd's clock
            await trio.sleep(0.25)
    assert await store.refresh_lease(lease) == 0


async def test_a_leased_key_is_created_once_and_moves_to_a_new_lease(
    store: Any, etcd_prefix: str
) -> None:
    """The leader key's life: created only if absent, replaced guarded by its mod revision
    (a stale holder's key), and a put under a new lease detaches it from the old one."""
    key = f"{etcd_prefix}/leader"
    first, second, third = [await store.grant_lease(30) for _ in range(3)]
    created = await store.txn([absent(key)], [Put(key, b"first", lease=first)])
    assert created is not None
    assert await store.txn([absent(key)], [Put(key, b"second", lease=second)]) is None
    replaced = await store.txn([Compare(key, "mod", created)], [Put(key, b"third", lease=third)])
    assert replaced is not None
    assert (
        await store.txn([Compare(key, "mod", created)], [Put(key, b"late", lease=second)]) is None
    )
    await store.revoke_lease(first)  # no longer the key's lease
    assert (await store.get(key)).value == b"third"
    await store.revoke_lease(third)
    assert await store.get(key) is None
    await store.revoke_lease(second)


async def test_a_watch_sees_a_lease_expire_as_a_delete(store: Any, etcd_prefix: str) -> None:
    key = f"{etcd_prefix}/watched-lease"
    lease = await store.grant_lease(2)
    created = await store.txn([absent(key)], [Put(key, b"held", lease=lease)])
    with trio.fail_after(15):
        async with store.open_watch(key, created + 1) as stream:
            events = await stream.next_batch()
    assert [(e.kind, e.key) for e in events] == [("delete", key)]
