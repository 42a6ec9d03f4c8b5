"""The protobuf wire decoder and the Kubernetes types with JSON of their own, by tables.

Bodies are built with the small encoder below (on `wire.varint`), so each row shows its
bytes' meaning.
"""

from __future__ import annotations

from typing import Any

import pytest

from mcp.apiserver.protobuf import DecodeError, UnknownKind, decode_body, wire
from mcp.apiserver.protobuf.decoding import decode_message
from mcp.apiserver.protobuf.wire import varint
from mcp.kinds.apimachinery import go_duration


def num(number: int, value: int) -> bytes:
    return varint(number << 3 | wire.VARINT) + varint(value)


def lenf(number: int, value: bytes | str) -> bytes:
    data = value.encode() if isinstance(value, str) else value
    return varint(number << 3 | wire.DELIMITED) + varint(len(data)) + data


def entry(key: str, value: bytes | str) -> bytes:
    """A map entry: key 1, value 2."""
    return lenf(1, key) + lenf(2, value)


def envelope(api_version: str, kind: str, raw: bytes, *extra: bytes) -> bytes:
    return (
        b"k8s\x00" + lenf(1, lenf(1, api_version) + lenf(2, kind)) + lenf(2, raw) + b"".join(extra)
    )


@pytest.mark.parametrize(
    ("data", "value", "end"),
    [
        pytest.param(b"\x00", 0, 1, id="zero"),
        pytest.param(b"\x96\x01", 150, 2, id="two-bytes"),
        pytest.param(b"\xff" * 9 + b"\x01", 2**64 - 1, 10, id="max-uint64"),
        pytest.param(b"\xff" * 9 + b"\x7f", 2**64 - 1, 10, id="kept-to-64-bits"),
        pytest.param(b"\x01\x02", 1, 1, id="stops-at-its-end"),
    ],
)
def test_varints(data: bytes, value: int, end: int) -> None:
    assert wire.read_varint(data, 0) == (value, end)


@pytest.mark.parametrize(
    ("data", "words"),
    [
        pytest.param(b"\x80", "ends inside a varint", id="truncated-varint"),
        pytest.param(b"\x80" * 10 + b"\x01", "longer than 10", id="eleven-byte-varint"),
        pytest.param(b"\x00\x01", "numbered 0", id="field-zero"),
        pytest.param(b"\x0b", "wire type 3", id="group"),
        pytest.param(b"\x0a\x05abc", "longer than the data", id="delimited-too-long"),
        pytest.param(b"\x09\x01\x02", "longer than the data", id="fixed64-truncated"),
        pytest.param(b"\x0d\x01", "longer than the data", id="fixed32-truncated"),
        pytest.param(b"\x0e", "wire type 6", id="wire-type-6"),
    ],
)
def test_malformed_wire_data_is_a_decode_error(data: bytes, words: str) -> None:
    with pytest.raises(DecodeError, match=words):
        list(wire.fields(data))


def test_fields_of_each_wire_type() -> None:
    data = (
        num(1, 150)
        + b"\x11" + (2**64 - 2).to_bytes(8, "little")
        + lenf(3, "hi")
        + b"\x25" + (7).to_bytes(4, "little")
    )  # fmt: skip
    assert list(wire.fields(data)) == [
        (1, wire.VARINT, 150),
        (2, wire.FIXED64, 2**64 - 2),
        (3, wire.DELIMITED, b"hi"),
        (4, wire.FIXED32, 7),
    ]


@pytest.mark.parametrize(
    ("data", "wire_type", "values"),
    [
        pytest.param(
            varint(1) + varint(300) + varint(2**63), wire.VARINT, [1, 300, 2**63], id="varints"
        ),
        pytest.param((5).to_bytes(4, "little") * 2, wire.FIXED32, [5, 5], id="fixed32"),
        pytest.param(b"", wire.VARINT, [], id="empty"),
    ],
)
def test_packed_values(data: bytes, wire_type: int, values: list[int]) -> None:
    assert list(wire.packed(data, wire_type)) == values


def test_packed_fixed_values_must_fill_whole_values() -> None:
    with pytest.raises(DecodeError, match="not a multiple of 8"):
        list(wire.packed(b"\x00" * 9, wire.FIXED64))


@pytest.mark.parametrize(
    ("value", "bits", "expected"),
    [
        pytest.param(2**64 - 1, 64, -1, id="int64-minus-one"),
        pytest.param(2**64 - 1, 32, -1, id="int32-minus-one-as-10-bytes"),
        pytest.param(2**31, 32, -(2**31), id="int32-min"),
        pytest.param(2**31 - 1, 32, 2**31 - 1, id="int32-max"),
    ],
)
def test_signed(value: int, bits: int, expected: int) -> None:
    assert wire.signed(value, bits) == expected


@pytest.mark.parametrize(
    ("value", "expected"), [(0, 0), (1, -1), (2, 1), (3, -2), (4294967294, 2147483647)]
)
def test_zigzag(value: int, expected: int) -> None:
    assert wire.zigzag(value) == expected


META = "meta.v1.ObjectMeta"


@pytest.mark.parametrize(
    ("message", "data", "expected"),
    [
        # What JSON shows for what the wire leaves out or holds as zero (gogo writes every
        # non-pointer field, so a kubectl body carries `generateName: ""`).
        pytest.param("core.v1.ContainerPort", b"", {"containerPort": 0}, id="zero-absent-int"),
        pytest.param(
            "core.v1.ContainerPort",
            lenf(1, "") + num(2, 0) + num(3, 80),
            {"containerPort": 80},
            id="omit-empty-zeros",
        ),
        pytest.param(
            "core.v1.ContainerPort", num(3, -1), {"containerPort": -1}, id="negative-int32"
        ),
        pytest.param(META, num(7, -5), {"generation": -5}, id="negative-int64"),
        pytest.param(
            META,
            lenf(1, "a") + lenf(1, "b"),
            {"name": "b"},
            id="a-scalar-twice-the-last-wins",
        ),
        pytest.param(META, lenf(1, b"caf\xe9"), {"name": "caf\ufffd"}, id="invalid-utf8"),
        pytest.param(META, num(99, 1) + lenf(98, "x"), {}, id="unknown-fields-skipped"),
        pytest.param(META, lenf(8, b""), {}, id="omit-zero-time"),
        pytest.param(
            META,
            lenf(8, num(1, 1767323045)),
            {"creationTimestamp": "2026-01-02T03:04:05Z"},
            id="time",
        ),
        pytest.param(
            META, lenf(9, b""), {"deletionTimestamp": None}, id="pointer-to-the-zero-time"
        ),
        pytest.param(META, num(10, 0), {"deletionGracePeriodSeconds": 0}, id="pointer-to-zero"),
        pytest.param(
            META,
            lenf(11, entry("app", "web")) + lenf(11, entry("tier", "")) + lenf(11, lenf(1, "k")),
            {"labels": {"app": "web", "tier": "", "k": ""}},
            id="map",
        ),
        pytest.param(
            META,
            lenf(14, "a") + lenf(14, "b"),
            {"finalizers": ["a", "b"]},
            id="repeated-string",
        ),
        pytest.param(
            "core.v1.PodSecurityContext",
            num(4, 1) + num(4, 2) + lenf(4, varint(3) + varint(-4)),
            {"supplementalGroups": [1, 2, 3, -4]},
            id="repeated-int64-unpacked-and-packed",
        ),
        pytest.param(
            "core.v1.Secret",
            lenf(2, entry("k", b"\x00\xff")),
            {"metadata": {}, "data": {"k": "AP8="}},
            id="bytes-as-base64",
        ),
        pytest.param(
            "core.v1.Secret", num(5, 0), {"metadata": {}, "immutable": False}, id="pointer-bool"
        ),
        pytest.param(
            "core.v1.ConfigMap",
            lenf(1, lenf(1, "web")) + lenf(1, lenf(3, "default")),
            {"metadata": {"name": "web", "namespace": "default"}},
            id="a-message-twice-is-merged",
        ),
        pytest.param(
            "core.v1.Volume",
            lenf(1, "cfg") + lenf(2, lenf(19, lenf(1, lenf(1, "app")))),
            {"name": "cfg", "configMap": {"name": "app"}},
            id="embedded-struct-inlined",
        ),
        pytest.param(
            "apps.v1.DaemonSetSpec",
            b"",
            {
                "selector": None,
                "template": {"metadata": {}, "spec": {"containers": None}},
                "updateStrategy": {},
            },
            id="null-absent-pointer-and-slice",
        ),
        pytest.param(
            "core.v1.ServicePort",
            num(3, 80) + lenf(4, num(1, 0) + num(2, 8080)),
            {"port": 80, "targetPort": 8080},
            id="int-or-string-int",
        ),
        pytest.param(
            "core.v1.ServicePort",
            num(3, 80) + lenf(4, num(1, 1) + lenf(3, "http")),
            {"port": 80, "targetPort": "http"},
            id="int-or-string-string",
        ),
        pytest.param(
            "core.v1.ServicePort",
            num(3, 80) + lenf(4, b""),
            {"port": 80, "targetPort": 0},
            id="int-or-string-zero",
        ),
        pytest.param(
            "core.v1.ResourceRequirements",
            lenf(2, entry("cpu", lenf(1, "1500m"))) + lenf(2, entry("memory", b"")),
            {"requests": {"cpu": "1500m", "memory": "0"}},
            id="quantities",
        ),
        pytest.param(
            "meta.v1.ManagedFieldsEntry",
            lenf(1, "kubectl") + lenf(7, lenf(1, '{"f:data":{}}')),
            {"manager": "kubectl", "fieldsV1": {"f:data": {}}},
            id="fields-v1-json",
        ),
        pytest.param(
            "apps.v1.ControllerRevision",
            lenf(2, lenf(1, '{"spec": [1, "a"]}')) + num(3, 2),
            {"metadata": {}, "data": {"spec": [1, "a"]}, "revision": 2},
            id="raw-extension-json",
        ),
        pytest.param(
            "apps.v1.ControllerRevision",
            b"",
            {"metadata": {}, "data": None, "revision": 0},
            id="raw-extension-absent",
        ),
        pytest.param(
            "authentication.v1.UserInfo",
            lenf(4, entry("scopes", lenf(1, "a") + lenf(1, "b"))) + lenf(4, lenf(1, "none")),
            # generated.pb.go: a map entry's value starts as `&ExtraValue{}`, not nil.
            {"extra": {"scopes": ["a", "b"], "none": []}},
            id="named-slice-extra-value",
        ),
        pytest.param(
            "coordination.v1.LeaseSpec",
            lenf(3, num(1, 1767323045) + num(2, 123456789)) + lenf(4, num(1, 0)),
            {
                "acquireTime": "2026-01-02T03:04:05.123456Z",
                "renewTime": "1970-01-01T00:00:00.000000Z",
            },
            id="microtime",
        ),
        pytest.param(
            "meta.v1.Time",
            num(1, 1767323045) + num(2, 999),
            "2026-01-02T03:04:05Z",
            id="time-drops-nanos",
        ),
        pytest.param("meta.v1.Time", num(1, -62135596800), "0001-01-01T00:00:00Z", id="year-one"),
        pytest.param("meta.v1.Duration", num(1, 90 * 10**9), "1m30s", id="duration"),
    ],
)
def test_messages_decode_to_what_go_prints(message: str, data: bytes, expected: Any) -> None:
    assert decode_message(message, data) == expected


@pytest.mark.parametrize(
    ("message", "data", "words"),
    [
        pytest.param(META, num(1, 5), "a string with wire type 0", id="string-as-varint"),
        pytest.param(META, num(8, 5), "with wire type 0", id="message-as-varint"),
        pytest.param(
            "core.v1.ServicePort",
            lenf(4, num(1, 2)),
            "IntOrString of type 2",
            id="intorstring-type",
        ),
        pytest.param("meta.v1.Time", num(1, 2**62), "out of range", id="time-out-of-range"),
        pytest.param(
            "meta.v1.MicroTime", num(1, 1) + num(2, -1), "nanoseconds", id="negative-nanos"
        ),
        pytest.param("runtime.RawExtension", lenf(1, b"\xd9\xd9\xf7\xa0"), "not JSON", id="cbor"),
        pytest.param("runtime.RawExtension", lenf(1, "{"), "not JSON", id="broken-json"),
        pytest.param(
            "runtime.RawExtension", lenf(1, "[" * 101 + "]" * 101), "nests", id="deep-json"
        ),
    ],
)
def test_bad_values_are_decode_errors(message: str, data: bytes, words: str) -> None:
    with pytest.raises(DecodeError, match=words):
        decode_message(message, data)


@pytest.mark.parametrize(
    ("nanoseconds", "text"),
    [
        pytest.param(0, "0s", id="zero"),
        pytest.param(1, "1ns", id="ns"),
        pytest.param(1500, "1.5µs", id="us"),
        pytest.param(1_500_000, "1.5ms", id="ms"),
        pytest.param(10**9, "1s", id="s"),
        pytest.param(90 * 10**9, "1m30s", id="minutes"),
        pytest.param(3600 * 10**9, "1h0m0s", id="hour"),
        pytest.param(3723 * 10**9 + 5 * 10**8, "1h2m3.5s", id="all"),
        pytest.param(-1500, "-1.5µs", id="negative"),
        pytest.param(2**63 - 1, "2562047h47m16.854775807s", id="max"),
    ],
)
def test_durations_print_as_go_does(nanoseconds: int, text: str) -> None:
    assert go_duration(nanoseconds) == text


def test_an_envelope_names_the_kind() -> None:
    raw = lenf(1, lenf(1, "app")) + lenf(2, entry("a", "b"))
    assert decode_body(envelope("v1", "ConfigMap", raw, lenf(4, ""))) == {
        "kind": "ConfigMap",
        "apiVersion": "v1",
        "metadata": {"name": "app"},
        "data": {"a": "b"},
    }


def test_delete_options_come_under_any_group_version() -> None:
    body = envelope("apps/v1", "DeleteOptions", lenf(4, "Foreground"))
    assert decode_body(body) == {
        "kind": "DeleteOptions",
        "apiVersion": "apps/v1",
        "propagationPolicy": "Foreground",
    }


@pytest.mark.parametrize(
    ("body", "error", "words"),
    [
        pytest.param(b"", DecodeError, "starts with the bytes", id="empty"),
        pytest.param(b'{"kind": "ConfigMap"}', DecodeError, "starts with the bytes", id="json"),
        pytest.param(b"k8s\x00", DecodeError, "no apiVersion", id="only-the-magic"),
        pytest.param(
            b"k8s\x00" + lenf(1, lenf(2, "ConfigMap")),
            DecodeError,
            "no apiVersion",
            id="no-version",
        ),
        pytest.param(b"k8s\x00\x0a\x09", DecodeError, "longer than the data", id="truncated"),
        pytest.param(b"k8s\x00" + num(1, 1), DecodeError, "wire type 0", id="typemeta-as-varint"),
        pytest.param(
            envelope("v1", "ConfigMap", b"\x0a\x05ab"), DecodeError, "longer than", id="bad-raw"
        ),
        pytest.param(envelope("v1", "Bogus", b""), UnknownKind, "v1 Bogus", id="unknown-kind"),
        pytest.param(
            envelope("example.com/v1", "Widget", b""), UnknownKind, "Widget", id="unknown-group"
        ),
        pytest.param(
            envelope("v1", "ConfigMap", b"", lenf(3, "gzip")),
            UnknownKind,
            "gzip",
            id="content-encoding",
        ),
    ],
)
def test_bad_envelopes(body: bytes, error: type[DecodeError], words: str) -> None:
    with pytest.raises(error, match=words):
        decode_body(body)
