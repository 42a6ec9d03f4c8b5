"""`threadpipe.BytePipe`: bytes from a worker thread to trio, bounded, in order."""

from __future__ import annotations

import threading

import pytest
import trio

from mcp.threadpipe import BytePipe


async def _drain(pipe: BytePipe) -> list[bytes]:
    received = []
    while data := await pipe.receive_some():
        received.append(data)
    return received


async def test_pieces_arrive_in_order_and_gathered() -> None:
    pipe = BytePipe(limit=1 << 20)
    pieces = [f"line {i}\n".encode() for i in range(2000)]

    def produce() -> None:
        for piece in pieces:
            assert pipe.put(piece)
        pipe.finish()

    async with trio.open_nursery() as nursery:
        nursery.start_soon(trio.to_thread.run_sync, produce)
        received = await _drain(pipe)
    assert b"".join(received) == b"".join(pieces)
    assert len(received) < len(pieces)  # what gathered meanwhile came as one
    await pipe.wait_finished()


async def test_a_full_buffer_holds_the_producer_until_trio_takes_it() -> None:
    pipe = BytePipe(limit=4)
    second_put_returned = threading.Event()

    def produce() -> None:
        pipe.put(b"1234")  # fills it
        pipe.put(b"5678")  # waits for room
        second_put_returned.set()
        pipe.finish()

    async with trio.open_nursery() as nursery:
        nursery.start_soon(trio.to_thread.run_sync, produce)
        await trio.sleep(0.3)
        assert not second_put_returned.is_set()
        assert await pipe.receive_some() == b"1234"
        assert await pipe.receive_some() == b"5678"
        assert await pipe.receive_some() == b""
    assert second_put_returned.is_set()


async def test_closing_releases_a_waiting_producer() -> None:
    pipe = BytePipe(limit=1)
    results: list[bool] = []

    def produce() -> None:
        results.append(pipe.put(b"x"))
        results.append(pipe.put(b"y"))  # waits: full
        pipe.finish()

    async with trio.open_nursery() as nursery:
        nursery.start_soon(trio.to_thread.run_sync, produce)
        await trio.sleep(0.2)
        pipe.close()
        with trio.fail_after(5):
            await pipe.wait_finished()
    assert results == [True, False]
    assert pipe.closed


async def test_an_error_comes_after_the_data() -> None:
    pipe = BytePipe(limit=100)

    def produce() -> None:
        pipe.put(b"partial\n")
        pipe.finish(ConnectionError("broken"))
        pipe.finish(None)  # only the first counts

    await trio.to_thread.run_sync(produce)
    assert await pipe.receive_some() == b"partial\n"
    with pytest.raises(ConnectionError, match="broken"):
        await pipe.receive_some()
