"""Bytes from one blocking worker thread to trio, through a bounded buffer.

For a blocking reader (docker-py's response to a log request) that produces for as long as
a stream lasts: the thread `put`s what it reads and `finish`es once; trio takes whatever has
gathered with `receive_some`, many small pieces as one, so a burst of log lines costs one
wake-up and one write, not one each. The buffer holds at most `limit` bytes: past that the
thread waits, so a slow client slows the reading instead of growing memory. When the trio
side leaves (`close`), a waiting `put` returns False and the thread stops; ending a read
the thread is blocked in is the producer's business (closing its socket).

The thread never blocks on trio: it hands wake-ups over with `run_sync_soon`. Pure trio and
threading; no I/O of its own.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable

import trio


class BytePipe:
    """One producer thread, one trio consumer. Make it in trio (it keeps trio's token)."""

    def __init__(self, limit: int) -> None:
        self._limit = limit
        self._token = trio.lowlevel.current_trio_token()
        self._lock = threading.Lock()
        self._room = threading.Condition(self._lock)
        self._chunks: list[bytes] = []
        self._size = 0
        self._closed = False  # the consumer left
        self._ended = False  # the producer finished
        self._error: BaseException | None = None
        # Trio-side only (touched in trio's thread, or through `run_sync_soon`).
        self._wakeup = trio.Event()
        self._finished = trio.Event()

    # --- the producer's side (a worker thread) ------------------------------------------

    def put(self, data: bytes) -> bool:
        """Hand `data` over, waiting while the buffer is full; False once the consumer left
        (then stop producing)."""
        with self._room:
            while self._size >= self._limit and not self._closed:
                self._room.wait()
            if self._closed:
                return False
            first = not self._chunks
            self._chunks.append(data)
            self._size += len(data)
        if first:  # a later put finds the wake-up already on its way
            self._soon(self._wake)
        return True

    def finish(self, error: BaseException | None = None) -> None:
        """No more data; `error` (if any) is raised to the consumer after what is buffered.
        Only the first call counts."""
        with self._lock:
            if self._ended:
                return
            self._ended, self._error = True, error
        self._soon(self._wake)
        self._soon(self._finished.set)

    @property
    def closed(self) -> bool:
        """Whether the consumer left (a producer's read that fails then is no error)."""
        return self._closed

    def _soon(self, fn: Callable[[], object]) -> None:
        # Once trio is gone, nobody waits for this any more.
        with contextlib.suppress(trio.RunFinishedError):
            self._token.run_sync_soon(fn)

    def _wake(self) -> None:
        self._wakeup.set()

    # --- the consumer's side (trio) -----------------------------------------------------

    async def receive_some(self) -> bytes:
        """Everything buffered, as one piece, once there is some; b"" at the end.

        Raises:
            The error the producer finished with, once its data is taken.
        """
        while True:
            with self._lock:
                if self._chunks:
                    data = b"".join(self._chunks)
                    self._chunks, self._size = [], 0
                    self._room.notify()
                    return data
                if self._ended:
                    if self._error is not None:
                        raise self._error
                    return b""
                # Made under the lock: a put after this sees the buffer empty and wakes it.
                self._wakeup = trio.Event()
            await self._wakeup.wait()

    def close(self) -> None:
        """The consumer leaves: what is buffered is dropped, a waiting `put` returns False."""
        with self._room:
            self._closed = True
            self._chunks, self._size = [], 0
            self._room.notify_all()

    async def wait_finished(self) -> None:
        """Until the producer has called `finish`."""
        await self._finished.wait()
