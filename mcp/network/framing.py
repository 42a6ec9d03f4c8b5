"""DNS over TCP's framing (RFC 1035 §4.2.2, RFC 7766): each message after its length in
two bytes, big-endian. One reader per stream, for the server's connections and the
forwarder's; the caller sets the deadlines.
"""

from __future__ import annotations

import trio

LENGTH_BYTES = 2
# What one receive asks for; a message is at most 65535 bytes, so a few receives at most.
RECEIVE_BYTES = 16384


def frame(message: bytes) -> bytes:
    """`message` with its length before it."""
    return len(message).to_bytes(LENGTH_BYTES, "big") + message


class FrameReader:
    """Reads one framed message after another from a stream; not shared between tasks."""

    def __init__(self, stream: trio.abc.ReceiveStream) -> None:
        self._stream = stream
        self._buffer = bytearray()

    async def receive(self) -> bytes | None:
        """The next message; None when the peer closed the stream between messages.

        Raises:
            trio.BrokenResourceError: the connection broke.
            EOFError: the peer closed the stream in the middle of a message.
        """
        if not await self._fill(LENGTH_BYTES):
            if self._buffer:
                raise EOFError("stream closed inside a message's length")
            return None
        length = int.from_bytes(self._buffer[:LENGTH_BYTES], "big")
        if not await self._fill(LENGTH_BYTES + length):
            raise EOFError("stream closed inside a message")
        message = bytes(self._buffer[LENGTH_BYTES : LENGTH_BYTES + length])
        del self._buffer[: LENGTH_BYTES + length]
        return message

    async def _fill(self, size: int) -> bool:
        """Receive until the buffer holds `size` bytes; False at end of stream before that."""
        while len(self._buffer) < size:
            data = await self._stream.receive_some(RECEIVE_BYTES)
            if not data:
                return False
            self._buffer += data
        return True
