"""Docker's log framing undone (`runtime.Demultiplexer`), pure."""

from __future__ import annotations

import pytest

from mcp.runtime import Demultiplexer


def frame(stream: int, payload: bytes) -> bytes:
    return bytes([stream, 0, 0, 0]) + len(payload).to_bytes(4, "big") + payload


@pytest.mark.parametrize(
    ("pieces", "expected"),
    [
        pytest.param([frame(1, b"one\n") + frame(2, b"two\n")], [b"one\ntwo\n"], id="merged"),
        pytest.param(
            [frame(1, b"one\n")[:5], frame(1, b"one\n")[5:10], frame(1, b"one\n")[10:]],
            [b"", b"", b"one\n"],
            id="a-frame-cut-across-reads",
        ),
        pytest.param(
            [frame(1, b"a") + frame(2, b"b")[:3], frame(2, b"b")[3:]], [b"a", b"b"], id="header-cut"
        ),
        pytest.param([frame(1, b"")], [b""], id="empty-frame"),
    ],
)
def test_payloads_come_out_in_order(pieces: list[bytes], expected: list[bytes]) -> None:
    frames = Demultiplexer()
    assert [frames.feed(piece) for piece in pieces] == expected
    assert frames.error is None


def test_an_error_frame_ends_the_payloads() -> None:
    frames = Demultiplexer()
    out = frames.feed(frame(1, b"ok\n") + frame(3, b"log file gone\n") + frame(1, b"late\n"))
    assert (out, frames.error) == (b"ok\n", "log file gone")
