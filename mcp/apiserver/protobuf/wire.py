"""The protobuf wire format, read without a schema: tags, varints, fixed and delimited values
(and `varint` written, for the few messages mcp sends: the gRPC health check's).

Owns the bytes-level rules (https://protobuf.dev/programming-guides/encoding/): a field is
a varint tag (field number << 3 | wire type) and a value whose shape the wire type gives.
What a value means (signed, a string, a nested message) is the caller's business
(`decoding.py`, from the schemas). Groups (wire types 3 and 4) are refused: no Kubernetes
message uses them. Never raises anything but `DecodeError` on bad input.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator

VARINT = 0
FIXED64 = 1
DELIMITED = 2
FIXED32 = 5
_MAX_VARINT_BYTES = 10
_UINT64 = (1 << 64) - 1
_FIXED_SIZES = {FIXED64: 8, FIXED32: 4}

Value = int | bytes  # a varint or fixed value as an unsigned int; a delimited one as bytes


class DecodeError(ValueError):
    """The bytes are not what the protobuf wire format or the schema allows."""


def read_varint(data: bytes, at: int) -> tuple[int, int]:
    """The unsigned varint at `data[at:]`, kept to 64 bits as Go's decoders do, and the
    offset after it."""
    value = 0
    for index in range(_MAX_VARINT_BYTES):
        if at + index >= len(data):
            raise DecodeError("the data ends inside a varint")
        byte = data[at + index]
        value |= (byte & 0x7F) << (7 * index)
        if not byte & 0x80:
            return value & _UINT64, at + index + 1
    raise DecodeError(f"a varint longer than {_MAX_VARINT_BYTES} bytes")


def varint(value: int) -> bytes:
    """`value` as a varint (a negative one as protobuf writes int32 and int64: 10 bytes)."""
    value &= _UINT64
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def fields(data: bytes) -> Iterator[tuple[int, int, Value]]:
    """Each field of a message, in order: (field number, wire type, value)."""
    at = 0
    while at < len(data):
        tag, at = read_varint(data, at)
        number, wire_type = tag >> 3, tag & 7
        if number == 0:
            raise DecodeError("a field numbered 0")
        if wire_type == VARINT:
            value, at = read_varint(data, at)
            yield number, wire_type, value
        elif wire_type == DELIMITED:
            length, at = read_varint(data, at)
            if length > len(data) - at:
                raise DecodeError(f"field {number} is longer than the data left")
            yield number, wire_type, data[at : at + length]
            at += length
        elif wire_type in _FIXED_SIZES:
            size = _FIXED_SIZES[wire_type]
            if size > len(data) - at:
                raise DecodeError(f"field {number} is longer than the data left")
            yield number, wire_type, int.from_bytes(data[at : at + size], "little")
            at += size
        else:
            raise DecodeError(f"field {number} has wire type {wire_type}, which is not handled")


def packed(data: bytes, wire_type: int) -> Iterator[int]:
    """The values of a packed repeated field: varints, or fixed values of `wire_type`."""
    at = 0
    if wire_type == VARINT:
        while at < len(data):
            value, at = read_varint(data, at)
            yield value
        return
    size = _FIXED_SIZES[wire_type]
    if len(data) % size:
        raise DecodeError(f"packed fixed values of {len(data)} bytes, not a multiple of {size}")
    for at in range(0, len(data), size):
        yield int.from_bytes(data[at : at + size], "little")


def signed(value: int, bits: int) -> int:
    """Two's complement: the low `bits` of `value` as a signed number."""
    value &= (1 << bits) - 1
    return value - (1 << bits) if value >> (bits - 1) else value


def zigzag(value: int) -> int:
    """sint32/sint64: 0, -1, 1, -2 ... from 0, 1, 2, 3 ..."""
    return (value >> 1) ^ -(value & 1)


def double(value: int) -> float:
    result: float = struct.unpack("<d", value.to_bytes(8, "little"))[0]
    return result


def single(value: int) -> float:
    result: float = struct.unpack("<f", value.to_bytes(4, "little"))[0]
    return result
