"""Watch streams through the app on the fake store: what a stream shows for each change,
410 before the stream for a revision too old, replay from the cache's ring, and a
stream whose client stopped reading ended by the cache."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from typing import Any

import pytest
import trio
import trio.testing
from fakes import FakeStore
from quart.typing import TestClientProtocol as ApiClient

from mcp import cache as cache_module
from mcp import feeds, model, registry, selectors
from mcp.actors import api, watch
from mcp.api import watching
from mcp.cache import Cache, Change
from mcp.metrics import Metrics
from mcp.registry import Keys

KEYS = Keys("/watch-test")
SPEC = model.ContainerSpec(image="mcp-test/busybox:latest", args=["true"], state="stopped")
WATCH = "/api/v1/containers"


def obj(labels: dict[str, str]) -> model.Container:
    return model.Container(name="web", uid="u1", spec=SPEC, labels=labels)


WEB, DB = obj({"tier": "web"}), obj({"tier": "db"})


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [
        pytest.param(None, WEB, "ADDED", id="created"),
        pytest.param(WEB, WEB, "MODIFIED", id="changed"),
        pytest.param(WEB, None, "DELETED", id="deleted"),
        pytest.param(DB, WEB, "ADDED", id="starts-matching"),
        pytest.param(WEB, DB, "DELETED", id="stops-matching"),
        pytest.param(DB, DB, None, id="never-matches"),
        pytest.param(None, DB, None, id="created-elsewhere"),
        pytest.param(DB, None, None, id="deleted-elsewhere"),
    ],
)
def test_what_a_stream_with_a_selector_shows(
    before: model.Container | None, after: model.Container | None, expected: str | None
) -> None:
    change = Change(
        7, None if before is None else (before, None), None if after is None else (after, None)
    )
    assert watching.event_type(selectors.parse("tier=web"), change) == expected


@pytest.fixture
async def store() -> FakeStore:
    return FakeStore()


RING, BUFFER = 64, 32  # small, so that a test overflows them in a few dozen writes


@pytest.fixture
async def context(
    store: FakeStore, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[api.ApiContext]:
    monkeypatch.setattr(cache_module, "RING_CAPACITY", RING)
    monkeypatch.setattr(feeds, "STREAM_BUFFER", BUFFER)
    cache = Cache(KEYS)
    send, receive = trio.open_memory_channel[str](64)
    async with trio.open_nursery() as nursery, receive:
        await nursery.start(watch.run, store, KEYS, cache, send)
        nursery.start_soon(_drain, receive)
        yield api.ApiContext(store, KEYS, cache, Metrics())
        nursery.cancel_scope.cancel()


@pytest.fixture
def client(context: api.ApiContext) -> ApiClient:
    return api.create_app(context).test_client()


async def _drain(receive: trio.MemoryReceiveChannel[str]) -> None:
    async for _ in receive:
        pass


async def create(store: FakeStore, name: str) -> model.Container:
    return await registry.create(
        store, KEYS, model.Container(name=name, uid=str(uuid.uuid4()), spec=SPEC)
    )


async def relabel(store: FakeStore, current: model.Container, value: str) -> model.Container:
    updated = await registry.update(store, KEYS, replace(current, labels={"seq": value}))
    assert updated is not None
    return updated


async def caught_up(context: api.ApiContext, store: FakeStore) -> None:
    """Until the watch actor has applied every write so far."""
    while context.cache.revision < store.revision:
        await context.cache.wait_changed()


async def problem_of(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status
    assert response.content_type == "application/problem+json"
    body: dict[str, Any] = json.loads(await response.get_data())
    assert body["status"] == status
    return body


@asynccontextmanager
async def open_watch(client: ApiClient, since: int) -> AsyncIterator[Any]:
    query = {"watch": "true", "resourceVersion": str(since)}
    with trio.CancelScope() as scope:
        async with client.request(WATCH, query_string=query) as connection:
            await connection.send_complete()
            yield connection
            # The test client waits for the end of a response, which a watch does not
            # reach when its client leaves.
            scope.cancel()


async def receive_or_end(connection: Any) -> bytes:
    """The next chunk of the response; b"" once it ended."""
    try:
        chunk: bytes = await connection.receive()
    except trio.EndOfChannel:
        return b""
    return chunk


async def read_lines(connection: Any, count: int) -> list[dict[str, Any]]:
    """`count` lines of the stream (chunks may split or join lines)."""
    buffered = b""
    lines: list[dict[str, Any]] = []
    while len(lines) < count:
        buffered += await connection.receive()
        *complete, buffered = buffered.split(b"\n")
        lines += [json.loads(text) for text in complete if text]
    assert buffered == b""
    return lines


async def test_a_watch_from_before_the_ring_is_410_before_the_stream(
    client: ApiClient, context: api.ApiContext, store: FakeStore
) -> None:
    current = await create(store, "web")
    since = store.revision
    for seq in range(RING + 1):
        current = await relabel(store, current, str(seq))
    await caught_up(context, store)
    response = await client.get(
        WATCH, query_string={"watch": "true", "resourceVersion": str(since)}
    )
    body = await problem_of(response, 410)
    assert "list again" in body["detail"]
    # One change later is inside the ring.
    fresh = context.cache.ring.floor
    async with open_watch(client, fresh) as connection:
        (first,) = await read_lines(connection, 1)
        assert first["type"] == "MODIFIED"
        assert int(first["object"]["metadata"]["resourceVersion"]) > fresh


async def test_a_watch_from_compacted_history_is_410(
    client: ApiClient, context: api.ApiContext, store: FakeStore
) -> None:
    current = await create(store, "web")
    since = store.revision
    await relabel(store, current, "1")
    await store.compact(store.revision)
    await caught_up(context, store)
    response = await client.get(
        WATCH, query_string={"watch": "true", "resourceVersion": str(since)}
    )
    await problem_of(response, 410)


async def test_a_watch_from_inside_the_ring_replays_exactly_the_changes_after_it(
    client: ApiClient, context: api.ApiContext, store: FakeStore
) -> None:
    current = await create(store, "web")
    versions = []
    for seq in range(10):
        current = await relabel(store, current, str(seq))
        versions.append(current.resource_version)
    await caught_up(context, store)
    async with open_watch(client, versions[4]) as connection:
        lines = await read_lines(connection, 5)
        assert [line["type"] for line in lines] == ["MODIFIED"] * 5
        assert [int(line["object"]["metadata"]["resourceVersion"]) for line in lines] == versions[
            5:
        ]
        assert [line["object"]["metadata"]["labels"]["seq"] for line in lines] == [
            "5",
            "6",
            "7",
            "8",
            "9",
        ]
        # Then live changes, once each.
        current = await relabel(store, current, "live")
        (live,) = await read_lines(connection, 1)
        assert int(live["object"]["metadata"]["resourceVersion"]) == current.resource_version


async def test_a_stream_that_stops_reading_is_dropped_and_ends(
    client: ApiClient, context: api.ApiContext, store: FakeStore
) -> None:
    current = await create(store, "web")
    await caught_up(context, store)
    async with open_watch(client, store.revision) as connection:
        await trio.testing.wait_all_tasks_blocked()
        assert len(context.cache.subscriptions) == 1
        # The test connection holds 10 chunks, the stream's buffer BUFFER changes.
        for seq in range(BUFFER + 20):
            current = await relabel(store, current, str(seq))
        await caught_up(context, store)
        assert context.cache.subscriptions == set()
        assert context.metrics.value("mcp_watch_streams_dropped_total", reason="buffer_full") == 1
        # What was already handed to the connection arrives, then the response ends.
        received = b""
        while chunk := await receive_or_end(connection):
            received += chunk
        assert 0 < received.count(b"\n") < BUFFER
