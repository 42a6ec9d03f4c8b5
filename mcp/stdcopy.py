"""Docker's multiplexed stream framing (its `pkg/stdcopy`), as a pure incremental parser.

A process's output on a hijacked exec or attach connection comes framed when the process
has no TTY: an 8-byte header (the stream: 0 stdin, 1 stdout, 2 stderr; three zero bytes; the
payload's length, big-endian 32 bits), then the payload. With a TTY the bytes come raw,
and are all stdout. `Demultiplexer` takes the bytes as the socket gives them (a header may
be cut anywhere) and hands back each stream's bytes as soon as they arrive, never holding
more than a header: a large frame is passed on in pieces, so memory stays bounded.

No I/O, no trio; `runtime` (through `process_io`) feeds it.
"""

from __future__ import annotations

import struct

STDIN = 0
STDOUT = 1
STDERR = 2
HEADER = struct.Struct(">BxxxL")  # stream, 3 bytes of padding, payload length
STREAMS = frozenset({STDIN, STDOUT, STDERR})


class FramingError(ValueError):
    """The bytes are not Docker's framing (a header naming no stream)."""


class Demultiplexer:
    """Docker's framed bytes in, `(stream, payload)` pieces out (see the module)."""

    def __init__(self) -> None:
        self._header = bytearray()  # the part of a header received so far
        self._stream = STDOUT
        self._left = 0  # payload bytes of the current frame still to come

    def feed(self, data: bytes) -> list[tuple[int, bytes]]:
        """The payload pieces `data` completes, in order; consecutive pieces of one
        stream are joined.

        Raises:
            FramingError: a header names a stream Docker does not have.
        """
        pieces: list[tuple[int, bytes]] = []
        view = memoryview(data)
        while view:
            if self._left:
                taken = view[: self._left]
                self._left -= len(taken)
                view = view[len(taken) :]
                if pieces and pieces[-1][0] == self._stream:
                    pieces[-1] = (self._stream, pieces[-1][1] + bytes(taken))
                else:
                    pieces.append((self._stream, bytes(taken)))
                continue
            wanted = HEADER.size - len(self._header)
            self._header += view[:wanted]
            view = view[wanted:]
            if len(self._header) < HEADER.size:
                break
            stream, length = HEADER.unpack(bytes(self._header))
            self._header.clear()
            if stream not in STREAMS:
                raise FramingError(f"Docker stream header names stream {stream}")
            self._stream, self._left = stream, length
        return pieces

    @property
    def idle(self) -> bool:
        """Whether the bytes fed so far end on a frame's boundary."""
        return not self._header and not self._left


def frame(stream: int, payload: bytes) -> bytes:
    """`payload` framed as Docker frames it (for fakes and tests)."""
    return HEADER.pack(stream, len(payload)) + payload
