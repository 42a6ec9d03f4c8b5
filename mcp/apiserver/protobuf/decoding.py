"""Kubernetes protobuf bodies into the JSON a JSON client sends for the same object.

The contract: for any object a Go client holds, decoding its protobuf encoding here gives
what Go's encoding/json prints for it (`kubectl create ... --dry-run=client -o json`).
Three pieces make that hold:

- the envelope (apimachinery `pkg/runtime/serializer/protobuf`): the magic bytes `k8s\\0`,
  then a `runtime.Unknown` whose `typeMeta` names the kind and whose `raw` is the
  object's own message; the kind's apiVersion and kind become the JSON's `apiVersion`
  and `kind`, as TypeMeta is not part of the object's message;
- the schemas (`schemas.py`, generated from upstream): each field's number, type, JSON
  name and what JSON shows when it is absent or zero (Go's omitempty, pointers, inlined
  embedded structs). gogo-protobuf writes every non-pointer field, zero or not, so the
  wire alone cannot say whether `""` is to be shown;
- the types whose JSON is their own (`CUSTOM`): Time, MicroTime, Duration, IntOrString,
  Quantity, RawExtension and FieldsV1 (JSON held as bytes), named slices.

Unknown field numbers are skipped, as generated Go decoders do. Never raises anything but
`wire.DecodeError` (and its `UnknownKind`) on bad input.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from mcp.api.common import MAX_JSON_DEPTH, nests_deeper_than
from mcp.apiserver.protobuf import schemas, wire
from mcp.apiserver.protobuf.wire import DecodeError
from mcp.kinds.apimachinery import go_duration

MAGIC = b"k8s\x00"
# Messages nest about 10 deep in a Pod; the schemas have no cycle, this is a backstop.
MAX_DEPTH = MAX_JSON_DEPTH
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

Field = tuple[str, str, str, str]  # (JSON name, type, label, policy): see schemas.py


class UnknownKind(DecodeError):
    """The envelope names a kind whose schema mcp does not have."""


def decode_body(body: bytes) -> dict[str, Any]:
    """A Kubernetes protobuf body (`application/vnd.kubernetes.protobuf`) as its JSON.

    Raises:
        UnknownKind: the envelope names a kind the schemas lack, or an encoding of it.
        DecodeError: the body is not a well-formed envelope holding a well-formed object.
    """
    if not body.startswith(MAGIC):
        raise DecodeError("a Kubernetes protobuf body starts with the bytes k8s\\x00")
    type_meta, raw, encoding = b"", b"", ""
    for number, wire_type, value in wire.fields(body[len(MAGIC) :]):
        if number in (1, 2, 3) and wire_type != wire.DELIMITED:
            raise DecodeError(f"runtime.Unknown field {number} has wire type {wire_type}")
        match number, value:
            case 1, bytes():
                type_meta += value  # a message given twice is merged, as protobuf does
            case 2, bytes():
                raw = value
            case 3, bytes():
                encoding = _text(value)
    meta = decode_message("runtime.TypeMeta", type_meta)
    api_version, kind = meta.get("apiVersion", ""), meta.get("kind", "")
    if not api_version or not kind:
        raise DecodeError("the envelope names no apiVersion or no kind")
    if encoding:
        raise UnknownKind(f"the body's content encoding {encoding!r} is not supported")
    message = schemas.KINDS.get(api_version, {}).get(kind)
    if message is None:
        raise UnknownKind(
            f"mcp cannot read {api_version} {kind} as protobuf; send it as application/json"
        )
    return {"kind": kind, "apiVersion": api_version, **decode_message(message, raw)}


def decode_message(name: str, data: bytes, depth: int = 0) -> Any:
    """The JSON of message `name` (a key of `schemas.MESSAGES` or `schemas.CUSTOM`)."""
    if depth > MAX_DEPTH:
        raise DecodeError(f"messages nest more than {MAX_DEPTH} deep")
    custom = schemas.CUSTOM.get(name)
    if custom is not None:
        return _CUSTOM[custom](data)
    return _struct(schemas.MESSAGES[name], data, depth)


def _struct(fields: Mapping[int, Field], data: bytes, depth: int) -> dict[str, Any]:
    seen: dict[int, list[tuple[int, wire.Value]]] = {}
    for number, wire_type, value in wire.fields(data):
        if number in fields:
            seen.setdefault(number, []).append((wire_type, value))
    out: dict[str, Any] = {}
    for number, (json_name, type_name, label, policy) in fields.items():
        occurrences = seen.get(number)
        if occurrences is None:
            if policy == "inline":
                out.update(decode_message(type_name, b"", depth + 1))
            elif policy == "null-absent":
                out[json_name] = None
            elif policy == "zero-absent":
                out[json_name] = _zero(type_name, depth)
            continue  # the omit-* policies
        value = _value(type_name, label, occurrences, depth)
        if policy == "inline":
            out.update(value)
        elif not (
            (policy == "omit-empty" and not value)
            or (policy == "omit-zero" and value == _zero(type_name, depth))
        ):
            out[json_name] = value
    return out


def _value(
    type_name: str, label: str, occurrences: list[tuple[int, wire.Value]], depth: int
) -> Any:
    if label == "repeated":
        items: list[Any] = []
        for wire_type, value in occurrences:
            if type_name in _SCALAR_WIRE_TYPES and _is_packed(type_name, wire_type):
                element_wire = _SCALAR_WIRE_TYPES[type_name]
                items += (
                    _single(type_name, element_wire, v, depth)
                    for v in wire.packed(_delimited(wire_type, value), element_wire)
                )
            else:
                items.append(_single(type_name, wire_type, value, depth))
        return items
    if label == "map":
        entries: dict[str, Any] = {}
        for wire_type, value in occurrences:
            key, entry_value = _map_entry(type_name, _delimited(wire_type, value), depth)
            entries[key] = entry_value  # a key given twice: the last wins
        return entries
    if type_name in _SCALAR_WIRE_TYPES:
        wire_type, value = occurrences[-1]  # a scalar given twice: the last wins
        return _single(type_name, wire_type, value, depth)
    # A message given twice is the merge of both, which is what decoding them joined gives.
    return decode_message(type_name, b"".join(_delimited(w, v) for w, v in occurrences), depth + 1)


def _map_entry(type_name: str, data: bytes, depth: int) -> tuple[str, Any]:
    key, value = "", _zero(type_name, depth)
    chunks: list[bytes] = []
    for number, wire_type, field_value in wire.fields(data):
        if number == 1:
            key = _text(_delimited(wire_type, field_value))
        elif number == 2 and type_name in _SCALAR_WIRE_TYPES:
            value = _single(type_name, wire_type, field_value, depth)
        elif number == 2:
            chunks.append(_delimited(wire_type, field_value))
    if chunks:
        value = decode_message(type_name, b"".join(chunks), depth + 1)
    return key, value


def _single(type_name: str, wire_type: int, value: wire.Value, depth: int) -> Any:
    """One value: a scalar by its type, or a message."""
    expected = _SCALAR_WIRE_TYPES.get(type_name, wire.DELIMITED)
    if wire_type != expected:
        raise DecodeError(f"a {type_name} with wire type {wire_type}")
    if type_name not in _SCALAR_WIRE_TYPES:
        return decode_message(type_name, _delimited(wire_type, value), depth + 1)
    return _SCALARS[type_name](value)


def _is_packed(type_name: str, wire_type: int) -> bool:
    return wire_type == wire.DELIMITED and _SCALAR_WIRE_TYPES[type_name] != wire.DELIMITED


def _delimited(wire_type: int, value: wire.Value) -> bytes:
    if wire_type != wire.DELIMITED or not isinstance(value, bytes):
        raise DecodeError(f"a message with wire type {wire_type}")
    return value


def _zero(type_name: str, depth: int) -> Any:
    """What JSON shows for a field of this type that is not on the wire."""
    if type_name in _SCALAR_WIRE_TYPES:
        return _SCALARS[type_name](b"" if _SCALAR_WIRE_TYPES[type_name] == wire.DELIMITED else 0)
    return decode_message(type_name, b"", depth + 1)


def _text(value: wire.Value) -> str:
    assert isinstance(value, bytes)  # callers check the wire type
    # Go's decoders keep invalid UTF-8 in a string; encoding/json then prints U+FFFD.
    return value.decode("utf-8", errors="replace")


def _bytes(value: wire.Value) -> str:
    assert isinstance(value, bytes)  # callers check the wire type
    return base64.b64encode(value).decode("ascii")  # encoding/json's []byte


def _finite(number: float) -> float:
    if number != number or number in (float("inf"), float("-inf")):
        raise DecodeError("a number JSON cannot hold (NaN or infinity)")
    return number


def _int(convert: Callable[[int], Any]) -> Callable[[wire.Value], Any]:
    def scalar(value: wire.Value) -> Any:
        assert isinstance(value, int)  # callers check the wire type
        return convert(value)

    return scalar


_SCALAR_WIRE_TYPES = {
    **dict.fromkeys(("int32", "int64", "uint32", "uint64", "sint32", "sint64", "bool"), 0),
    **dict.fromkeys(("fixed64", "sfixed64", "double"), wire.FIXED64),
    **dict.fromkeys(("fixed32", "sfixed32", "float"), wire.FIXED32),
    **dict.fromkeys(("string", "bytes"), wire.DELIMITED),
}
_SCALARS: dict[str, Callable[[wire.Value], Any]] = {
    "int32": _int(lambda v: wire.signed(v, 32)),
    "int64": _int(lambda v: wire.signed(v, 64)),
    "uint32": _int(lambda v: v & 0xFFFFFFFF),
    "uint64": _int(lambda v: v),
    "sint32": _int(lambda v: wire.zigzag(v & 0xFFFFFFFF)),
    "sint64": _int(wire.zigzag),
    "bool": _int(bool),
    "fixed64": _int(lambda v: v),
    "sfixed64": _int(lambda v: wire.signed(v, 64)),
    "double": _int(lambda v: _finite(wire.double(v))),
    "fixed32": _int(lambda v: v),
    "sfixed32": _int(lambda v: wire.signed(v, 32)),
    "float": _int(lambda v: _finite(wire.single(v))),
    "string": _text,
    "bytes": _bytes,
}


# The custom types. Each is given its message's bytes and reads its fields by number.
Fields = dict[int, tuple[int, wire.Value]]


def _last_of_each(data: bytes) -> Fields:
    return {number: (wire_type, value) for number, wire_type, value in wire.fields(data)}


def _get(fields: Fields, number: int, type_name: str) -> Any:
    if number not in fields:
        return _zero(type_name, 0)
    return _single(type_name, *fields[number], 0)


def _time(data: bytes, micro: bool) -> str | None:
    """meta/v1 time_proto.go: no fields is the zero Time (JSON null); Time drops the nanos,
    MicroTime keeps microseconds. Printed in UTC as RFC 3339 (time.go, micro_time.go)."""
    fields = _last_of_each(data)
    if not fields:
        return None
    seconds, nanos = _get(fields, 1, "int64"), _get(fields, 2, "int32")
    try:
        when = _EPOCH + timedelta(seconds=seconds)
    except OverflowError as exc:
        raise DecodeError(f"a time {seconds} s from 1970, out of range") from exc
    text = (
        f"{when.year:04d}-{when.month:02d}-{when.day:02d}"
        f"T{when.hour:02d}:{when.minute:02d}:{when.second:02d}"
    )
    if micro:
        if not 0 <= nanos < 1_000_000_000:
            raise DecodeError(f"a time with {nanos} nanoseconds")
        text += f".{nanos // 1000:06d}"
    return f"{text}Z"


def _int_or_string(data: bytes) -> int | str:
    fields = _last_of_each(data)
    kind = _get(fields, 1, "int64")
    if kind == 0:
        return int(_get(fields, 2, "int32"))
    if kind == 1:
        return str(_get(fields, 3, "string"))
    raise DecodeError(f"an IntOrString of type {kind}")


def _quantity(data: bytes) -> str:
    # Go clients write the canonical form (`Quantity.String()`); the zero Quantity is "0".
    return str(_get(_last_of_each(data), 1, "string")) or "0"


def _embedded_json(data: bytes) -> Any:
    """RawExtension and FieldsV1: JSON held as bytes; none is JSON null (extension.go,
    helpers.go). Go's encoding/json refuses to print any other content (CBOR, YAML)."""
    fields = _last_of_each(data)
    raw = _delimited(*fields[1]) if 1 in fields else b""
    if not raw:
        return None
    if nests_deeper_than(raw, MAX_JSON_DEPTH):
        raise DecodeError(f"embedded JSON nests more than {MAX_JSON_DEPTH} deep")
    try:
        return json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise DecodeError(f"embedded raw bytes that are not JSON: {exc}") from exc


def _items(data: bytes) -> list[str]:
    """A named slice of strings (`type ExtraValue []string`): `repeated string items = 1`."""
    return [_single("string", w, v, 0) for n, w, v in wire.fields(data) if n == 1]


_CUSTOM: dict[str, Callable[[bytes], Any]] = {
    "time": lambda data: _time(data, micro=False),
    "microtime": lambda data: _time(data, micro=True),
    "duration": lambda data: go_duration(_get(_last_of_each(data), 1, "int64")),
    "int-or-string": _int_or_string,
    "quantity": _quantity,
    "json": _embedded_json,
    "raw-extension": _embedded_json,
    "items": _items,
}
