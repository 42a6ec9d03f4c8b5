"""A container's log as Docker streams it: what part to read (`LogQuery`), the reading
thread's loop (`pump`), the framing it undoes (`Demultiplexer`), and the chunks trio takes
(`LogChunks`).

`runtime.DockerRuntime.open_logs` makes the request (a docker-py call, under its limiter and
deadline) and starts a thread of its own running `pump`, which reads the response until
Docker ends it or trio leaves, handing what it reads through a bounded
`threadpipe.BytePipe`; leaving calls `shut`, which wakes a read blocked on the socket. This
module reads the HTTP response docker-py's session hands back, so it knows requests' and
urllib3's errors, but it imports no docker: `runtime` stays the only module that does, and
the one that says which of mcp's errors a failed request is.
"""

from __future__ import annotations

import contextlib
import http.client
import socket
from dataclasses import dataclass

import requests
import requests.exceptions
import urllib3.exceptions

from mcp.errors import RuntimeUnavailable
from mcp.threadpipe import BytePipe

LOG_READ_BYTES = 64 * 1024
LOG_BUFFER_BYTES = 256 * 1024  # read from Docker but not yet taken by trio, per stream
# What reading a log response raises when Docker or the trio side ends it mid-read.
LOG_READ_ERRORS = (
    OSError,
    ValueError,  # http.client, on a chunk header cut short
    http.client.HTTPException,
    urllib3.exceptions.HTTPError,
    requests.exceptions.RequestException,
)


@dataclass(frozen=True)
class LogQuery:
    """Which part of a container's log to read, as the kubelet's `LogOptions` say it.

    Attributes:
        tail: only the last this many lines (stdout and stderr together); None: all.
        since: only what was logged at or after this time (Unix seconds); None: all.
        timestamps: each line after the time it was logged (RFC 3339, nanoseconds,
            `2006-01-02T15:04:05.000000000Z `), as the kubelet writes them.
        follow: then what the container logs, until it stops.
        stdout: the container's standard output.
        stderr: its standard error (merged with the output, in the order logged).
    """

    tail: int | None = None
    since: float | None = None
    timestamps: bool = False
    follow: bool = False
    stdout: bool = True
    stderr: bool = True


def pump(
    container: str, response: requests.Response, tty: bool, pipe: BytePipe, *, host: str
) -> BaseException | None:
    """The stream's thread: read until Docker ends the body or trio leaves; return the
    error to end the chunks with, if the stream broke.

    Args:
        container: the container whose log it is (for messages).
        response: Docker's streamed answer; closed here once read.
        tty: whether the container has a TTY (then its output comes raw, else framed).
        pipe: where the bytes go; closed from trio's side when the reader leaves.
        host: the Docker engine's address (for messages).
    """
    frames = None if tty else Demultiplexer()
    try:
        while data := response.raw.read1(LOG_READ_BYTES):
            if frames is not None:
                data = frames.feed(data)
            if data and not pipe.put(data):
                return None  # trio left
            if frames is not None and frames.error is not None:
                return RuntimeUnavailable(
                    f"Docker at {host}: the log of {container}: {frames.error}"
                )
        return None
    except LOG_READ_ERRORS as exc:
        if pipe.closed:
            return None  # the socket was shut from trio's side: the end asked for
        return RuntimeUnavailable(f"Docker at {host}: the log stream of {container} broke: {exc}")
    finally:
        response.close()


class LogChunks:
    """The chunks of one open log stream (`DockerRuntime.open_logs`)."""

    def __init__(self, pipe: BytePipe) -> None:
        self._pipe = pipe

    def __aiter__(self) -> LogChunks:
        return self

    async def __anext__(self) -> bytes:
        data = await self._pipe.receive_some()
        if not data:
            raise StopAsyncIteration
        return data


class Demultiplexer:
    """Docker's framing of a container's output when it has no TTY, undone: every piece
    comes after an 8-byte header (its stream: 1 stdout, 2 stderr, 3 an error of Docker's;
    three zero bytes; its length, a big-endian uint32). Output and error come out merged,
    in the order Docker sent them. Pure."""

    HEADER = 8
    SYSTEM_ERROR = 3

    def __init__(self) -> None:
        self._buffer = bytearray()
        self.error: str | None = None  # what Docker reported in its own stream, if it did

    def feed(self, data: bytes) -> bytes:
        """The payloads of the frames `data` completes (a frame cut short waits for the
        rest); nothing after an error frame."""
        self._buffer += data
        payloads = []
        while self.error is None and len(self._buffer) >= self.HEADER:
            size = int.from_bytes(self._buffer[4 : self.HEADER], "big")
            end = self.HEADER + size
            if len(self._buffer) < end:
                break
            payload = bytes(self._buffer[self.HEADER : end])
            if self._buffer[0] == self.SYSTEM_ERROR:
                self.error = payload.decode(errors="replace").strip()
            else:
                payloads.append(payload)
            del self._buffer[:end]
        return b"".join(payloads)


def shut(response: requests.Response) -> None:
    """Shut the socket of a streamed response, from any thread: a read blocked on it
    returns at once. (Closing alone would not wake it.)"""
    connection = response.raw.connection
    sock = connection.sock if connection is not None else None
    if sock is not None:
        with contextlib.suppress(OSError):  # closed already: the thread is done with it
            sock.shutdown(socket.SHUT_RDWR)
