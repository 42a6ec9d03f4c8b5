"""The schedule of full garbage collections (mcp/heap.py)."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest
import trio
import trio.testing

from mcp import heap


@pytest.fixture(autouse=True)
def restored_collector() -> Iterator[None]:
    thresholds = gc.get_threshold()
    yield
    gc.set_threshold(*thresholds)
    gc.unfreeze()


class Node:
    def __init__(self) -> None:
        self.other: Node | None = None


def a_cycle() -> weakref.ref[Node]:
    first, second = Node(), Node()
    first.other, second.other = second, first
    return weakref.ref(first)


def test_holding_full_collections_freezes_what_start_up_loaded_and_keeps_young_ones() -> None:
    young, middle, _ = gc.get_threshold()
    heap.hold_full_collections()
    assert gc.get_freeze_count() > 0
    assert gc.get_threshold()[:2] == (young, middle)
    assert gc.get_threshold()[2] > 10**9


def test_a_full_collection_frees_a_cycle_even_once_it_was_frozen() -> None:
    cycle = a_cycle()
    gc.freeze()
    gc.collect()
    assert cycle() is not None  # frozen: an ordinary full collection leaves it
    assert heap.collect_fully() >= 2
    assert cycle() is None
    assert gc.get_freeze_count() > 0  # the survivors are frozen again


def test_collections_come_on_schedule_and_stop_at_shutdown(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    collected: list[float] = []

    async def main() -> None:
        monkeypatch.setattr(heap, "collect_fully", lambda: collected.append(trio.current_time()))
        shutdown = trio.Event()
        async with trio.open_nursery() as nursery:
            nursery.start_soon(heap.collect_periodically, shutdown, 10.0)
            await trio.sleep(35)
            shutdown.set()
        assert trio.current_time() == pytest.approx(35)

    trio.run(main, clock=trio.testing.MockClock(autojump_threshold=0))
    assert collected == [pytest.approx(10), pytest.approx(20), pytest.approx(30)]
