"""A process's standard streams in a container, over the connection Docker hijacks for an
exec or an attach (`ProcessStream`), driven from trio.

The socket blocks, so every read and write runs in a worker thread, under the stream
limiter: a limiter of its own, not the one Docker's API calls take, because a stream holds a
thread for as long as its process talks and must never starve the calls that keep
containers going. Reads and writes carry no deadline (a shell may sit silent for hours, and a
process that does not read its stdin holds a write back, as a pipe does); cancelling one
abandons its thread, and `close`, from trio's thread, shuts the socket down, which wakes any
thread blocked on it. Without a TTY, Docker frames the output (`stdcopy`); with one it is
raw, and all of it is stdout.

The Docker calls a stream needs besides its bytes (resizing the TTY, reading the exit code)
come in as callables from the adapter (`runtime`), under its limiter and deadlines. This
module imports no docker: `runtime` stays the only one that does.
"""

from __future__ import annotations

import contextlib
import socket
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Protocol

import trio

from mcp import stdcopy
from mcp.errors import RuntimeRejected, RuntimeUnavailable

READ_CHUNK = 32 * 1024  # what kubectl reads a frame into (client-go's buffer), and Docker's


class ProcessStream(Protocol):
    """The standard streams of a process in a container: an exec's command, or an attached
    container's main process."""

    @property
    def tty(self) -> bool:
        """Whether the process runs on a TTY: its output is then all stdout."""
        ...

    async def receive_some(self) -> tuple[int, bytes] | None:
        """The next bytes the process wrote, with their stream (`stdcopy.STDOUT` or
        `stdcopy.STDERR`), or None once its output has ended.

        Raises:
            RuntimeUnavailable: the connection to Docker broke.
        """
        ...

    async def send_all(self, data: bytes) -> None:
        """Write `data` to the process's stdin; waits while the process does not read.

        Raises:
            RuntimeRejected: its stdin is closed (by `close_stdin`, or the process is gone).
        """
        ...

    def close_stdin(self) -> None:
        """End the process's stdin (it reads end-of-file); idempotent."""
        ...

    async def resize(self, width: int, height: int) -> None:
        """Resize the process's TTY.

        Raises:
            RuntimeRejected: Docker refused (the process is gone, it has no TTY).
        """
        ...

    async def wait_exit(self) -> int | None:
        """Once the output has ended: an exec's exit code (waiting until Docker knows it),
        or None for an attach (the container runs on)."""
        ...


class Reader(Protocol):
    """What `SocketProcessStream` reads with: the buffered reader over the socket, which may
    already hold the first bytes of the stream (read with the response's headers)."""

    def read1(self, size: int = ..., /) -> bytes: ...


class SocketProcessStream:
    """`ProcessStream` over a hijacked Docker connection (see the module).

    Args:
        reader: reads the connection (its buffered reader: see `Reader`).
        sock: the connection's socket, for writes, half-closes and the close.
        release: closes what else holds the connection (the HTTP response); called once,
            by `close`.
        tty: whether the process has a TTY (its output is then not framed).
        limiter: the stream limiter (see the module).
        resize: resizes the process's TTY (a Docker call).
        exit_code: the exit code once the process is done; None when it has none (attach).
    """

    def __init__(
        self,
        *,
        reader: Reader,
        sock: socket.socket,
        release: Callable[[], None],
        tty: bool,
        limiter: trio.CapacityLimiter,
        resize: Callable[[int, int], Awaitable[None]],
        exit_code: Callable[[], Awaitable[int | None]],
    ) -> None:
        self._reader = reader
        self._sock = sock
        self._release = release
        self._tty = tty
        self._limiter = limiter
        self._resize = resize
        self._exit_code = exit_code
        self._demux = stdcopy.Demultiplexer()
        self._pending: deque[tuple[int, bytes]] = deque()
        self._eof = False
        self._stdin_closed = False
        self._closed = False
        # docker-py's read timeout would end a stream that is quiet for a minute.
        sock.settimeout(None)

    @property
    def tty(self) -> bool:
        return self._tty

    async def receive_some(self) -> tuple[int, bytes] | None:
        while not self._pending:
            if self._eof or self._closed:
                return None
            try:
                data = await trio.to_thread.run_sync(
                    self._reader.read1, READ_CHUNK, limiter=self._limiter, abandon_on_cancel=True
                )
            except (OSError, ValueError) as exc:  # ValueError: read on a closed file
                if self._closed:
                    return None
                raise RuntimeUnavailable(f"the stream from Docker broke: {exc}") from exc
            if not data:
                self._eof = True
                return None
            if self._tty:
                return stdcopy.STDOUT, data
            try:
                self._pending.extend(self._demux.feed(data))
            except stdcopy.FramingError as exc:
                raise RuntimeUnavailable(f"the stream from Docker is garbled: {exc}") from exc
        return self._pending.popleft()

    async def send_all(self, data: bytes) -> None:
        if self._stdin_closed or self._closed:
            raise RuntimeRejected("the process's stdin is closed")
        try:
            await trio.to_thread.run_sync(
                self._sock.sendall, data, limiter=self._limiter, abandon_on_cancel=True
            )
        except OSError as exc:
            # EPIPE, ECONNRESET: the process (or Docker's end of it) is gone.
            self._stdin_closed = True
            raise RuntimeRejected(f"the process's stdin is closed: {exc}") from exc

    def close_stdin(self) -> None:
        if self._stdin_closed or self._closed:
            return
        self._stdin_closed = True
        # A half-close: Docker closes the process's stdin and goes on sending its output.
        with contextlib.suppress(OSError):  # the connection is already gone: as closed
            self._sock.shutdown(socket.SHUT_WR)

    async def resize(self, width: int, height: int) -> None:
        await self._resize(width, height)

    async def wait_exit(self) -> int | None:
        return await self._exit_code()

    def close(self) -> None:
        """Shut the connection down (waking any thread blocked on it) and release it.
        Idempotent; never blocks."""
        if self._closed:
            return
        self._closed = True
        with contextlib.suppress(OSError):  # not connected any more: nothing to shut down
            self._sock.shutdown(socket.SHUT_RDWR)
        # A thread abandoned in a read sees the shutdown first; a closed socket object
        # refuses later calls (EBADF) rather than reading a descriptor reused since.
        self._sock.close()
        with contextlib.suppress(OSError, ValueError):  # http.client flushing a closed file
            self._release()
