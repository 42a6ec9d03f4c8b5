"""Docker's stream framing, taken apart however the socket cuts it."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mcp import stdcopy
from mcp.stdcopy import STDERR, STDOUT, Demultiplexer, FramingError, frame

OUT_ERR = frame(STDOUT, b"out\n") + frame(STDERR, b"err\n")


@pytest.mark.parametrize(
    ("chunks", "expected"),
    [
        pytest.param([OUT_ERR], [(STDOUT, b"out\n"), (STDERR, b"err\n")], id="whole-frames"),
        pytest.param(
            [frame(STDOUT, b"a") + frame(STDOUT, b"b")], [(STDOUT, b"ab")], id="same-stream-joined"
        ),
        pytest.param(
            [OUT_ERR[:3], OUT_ERR[3:]], [(STDOUT, b"out\n"), (STDERR, b"err\n")], id="header-cut"
        ),
        pytest.param(
            [OUT_ERR[:10], OUT_ERR[10:]],
            [(STDOUT, b"ou"), (STDOUT, b"t\n"), (STDERR, b"err\n")],
            id="payload-cut-passed-on-at-once",
        ),
        pytest.param([frame(STDOUT, b"")], [], id="empty-frame"),
        pytest.param([b""], [], id="nothing"),
    ],
)
def test_frames_come_apart_by_stream(
    chunks: list[bytes], expected: list[tuple[int, bytes]]
) -> None:
    demux = Demultiplexer()
    pieces = [piece for chunk in chunks for piece in demux.feed(chunk)]
    assert pieces == expected
    assert demux.idle


def test_a_cut_frame_is_not_idle() -> None:
    demux = Demultiplexer()
    demux.feed(OUT_ERR[:5])
    assert not demux.idle
    demux.feed(OUT_ERR[5:9])
    assert not demux.idle


def test_a_header_naming_no_stream_is_refused() -> None:
    with pytest.raises(FramingError, match="stream 7"):
        Demultiplexer().feed(stdcopy.HEADER.pack(7, 1) + b"x")


@given(
    st.lists(st.tuples(st.sampled_from([STDOUT, STDERR]), st.binary(max_size=40)), max_size=8),
    st.lists(st.integers(min_value=1, max_value=64), min_size=1, max_size=8),
)
def test_any_cut_gives_each_streams_bytes_back(
    frames: list[tuple[int, bytes]], cuts: list[int]
) -> None:
    wire = b"".join(frame(stream, payload) for stream, payload in frames)
    demux = Demultiplexer()
    got: dict[int, bytes] = {}
    at, index = 0, 0
    while at < len(wire):
        size = cuts[index % len(cuts)]
        for stream, data in demux.feed(wire[at : at + size]):
            got[stream] = got.get(stream, b"") + data
        at, index = at + size, index + 1
    want: dict[int, bytes] = {}
    for stream, payload in frames:
        if payload:
            want[stream] = want.get(stream, b"") + payload
    assert got == want
    assert demux.idle
