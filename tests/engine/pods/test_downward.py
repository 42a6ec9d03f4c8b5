"""Table tests of the downward API's pieces: quantities (read by `kinds.quantity`), the
node-allocatable defaulting (upstream's TestPodResourceLimitsDefaulting,
pkg/kubelet/kubelet_resources_test.go), the kubelet's ordering of addresses, FormatMap and
subscripts."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import pytest

from mcp.engine.pods.downward import (
    Unresolvable,
    aggregate,
    format_map,
    metadata_field,
    read_quantity,
    sort_ips,
    with_node_limits,
)
from mcp.kinds import quantity
from mcp.kinds.pod_volumes import split_subscript


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("1", Fraction(1), id="plain"),
        pytest.param("250m", Fraction(1, 4), id="milli"),
        pytest.param("1.5Gi", Fraction(3 * 2**29), id="binary-fraction"),
        pytest.param("1e3", Fraction(1000), id="exponent"),
        pytest.param("1E", Fraction(10**18), id="exa-not-exponent"),
        pytest.param("100n", Fraction(1, 10**7), id="nano"),
        pytest.param(".5", Fraction(1, 2), id="leading-point"),
        pytest.param("+2k", Fraction(2000), id="plus-sign"),
        pytest.param(3, Fraction(3), id="json-number"),
        # ParseQuantity reads a missing number as zero: "m" is 0, not an error.
        pytest.param("m", Fraction(0), id="no-number-is-zero"),
    ],
)
def test_read_quantity(text: Any, expected: Fraction) -> None:
    assert read_quantity(text).value == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param("", quantity.FORMAT_ERROR, id="empty"),
        # Q is no suffix letter, so ParseQuantity stops at the format, not the suffix.
        pytest.param("1Qi", quantity.FORMAT_ERROR, id="unknown-letter"),
        pytest.param("1Gi2", quantity.SUFFIX_ERROR, id="bad-suffix"),
        pytest.param(True, quantity.FORMAT_ERROR, id="bool"),
    ],
)
def test_read_quantity_refuses_in_upstreams_words(text: Any, message: str) -> None:
    with pytest.raises(Unresolvable) as raised:
        read_quantity(text)
    assert str(raised.value) == message


def limits(cpu: str, memory: str) -> dict[str, Any]:
    # upstream's getPod: limits only for what is given.
    given = {name: value for name, value in (("cpu", cpu), ("memory", memory)) if value}
    return {"name": "foo", "resources": {"limits": given} if given else {}}


@pytest.mark.parametrize(
    ("container", "expected"),
    [
        pytest.param(limits("0", "0"), limits("6", "4Gi"), id="zero-limits"),
        pytest.param(limits("1", "0"), limits("1", "4Gi"), id="cpu-set"),
        pytest.param(limits("", ""), limits("6", "4Gi"), id="no-limits"),
        pytest.param(limits("0", "1Mi"), limits("6", "1Mi"), id="memory-set"),
    ],
)
def test_with_node_limits(container: dict[str, Any], expected: dict[str, Any]) -> None:
    assert with_node_limits(container, {"cpu": "6", "memory": "4Gi"}) == expected


@pytest.mark.parametrize(
    ("ips", "primary", "expected"),
    [
        pytest.param(["1.2.3.4", "fd00::6"], 4, ["1.2.3.4", "fd00::6"], id="in-order"),
        pytest.param(["fd00::6", "1.2.3.4"], 4, ["1.2.3.4", "fd00::6"], id="reversed"),
        pytest.param(["1.2.3.4", "192.168.1.1.", "fd00::6"], 4, ["1.2.3.4", "fd00::6"], id="bad"),
        pytest.param(["1.2.3.4", "5.6.7.8"], 4, ["1.2.3.4"], id="one-per-family"),
        pytest.param(["1.2.3.4", "fd00::6"], 6, ["fd00::6", "1.2.3.4"], id="ipv6-node"),
        pytest.param(["::ffff:1.2.3.4"], 4, ["::ffff:1.2.3.4"], id="mapped-is-ipv4"),
        pytest.param(["fe80::1%eth0"], 6, [], id="zone-is-no-address"),
        pytest.param([], 4, [], id="none"),
    ],
)
def test_sort_ips(ips: list[str], primary: int, expected: list[str]) -> None:
    assert sort_ips(ips, primary=primary) == expected


def test_format_map_sorts_and_quotes_as_go() -> None:
    values = {"b": "two\nlines", "a": 'say "hi"', "c": "tab\there"}
    assert format_map(values) == 'a="say \\"hi\\""\nb="two\\nlines"\nc="tab\\there"'
    assert format_map({}) == ""


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        pytest.param("metadata.annotations['myKey']", ("metadata.annotations", "myKey"), id="key"),
        pytest.param("metadata.annotations['a[b]c']", ("metadata.annotations", "a[b]c"), id="nest"),
        pytest.param("metadata.labels['']", ("metadata.labels", ""), id="empty-key"),
        pytest.param("metadata.labels", None, id="plain"),
        pytest.param("['x']", None, id="no-path"),
    ],
)
def test_split_subscript(path: str, expected: tuple[str, str] | None) -> None:
    assert split_subscript(path) == expected


def test_annotation_subscript_is_checked_in_lower_case() -> None:
    pod = {"metadata": {"annotations": {"Example.COM/Owner": "ops"}}}
    assert metadata_field(pod, "metadata.annotations['Example.COM/Owner']") == "ops"


def test_aggregate_as_apimachinery() -> None:
    assert aggregate(["a"]) == "a"
    assert aggregate(["a", "b", "a"]) == "[a, b]"
