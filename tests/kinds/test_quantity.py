"""Quantities as apimachinery's resource.Quantity reads and prints them: cases from upstream's
quantity_test.go (TestQuantityParse, TestQuantityString, TestQuantityRoundUp) and what a
cluster stores for a Pod's resources."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mcp.kinds import quantity


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        pytest.param("0", "0", id="zero"),
        pytest.param("0.5", "500m", id="half-a-cpu"),
        pytest.param("1000m", "1", id="milli-to-whole"),
        pytest.param("100m", "100m", id="milli"),
        pytest.param("1.1", "1100m", id="fraction"),
        pytest.param("0.0001", "100u", id="micro"),
        pytest.param("1n", "1n", id="nano"),
        pytest.param("0.0000000001", "1n", id="below-nano-rounds-up"),
        pytest.param("2000", "2k", id="thousands"),
        pytest.param("1k", "1k", id="kilo"),
        pytest.param("1023", "1023", id="plain"),
        pytest.param("129M", "129M", id="mega"),
        pytest.param("1E", "1E", id="exa"),
        pytest.param("1Ki", "1Ki", id="kibi"),
        pytest.param("1024Mi", "1Gi", id="binary-up"),
        pytest.param("1.5Gi", "1536Mi", id="binary-fraction"),
        pytest.param("0.5Gi", "512Mi", id="half-gibi"),
        pytest.param("0.1Ki", "102400m", id="small-binary-is-decimal"),
        pytest.param("8Ei", "9223372036854775807", id="binary-capped"),
        pytest.param("1e3", "1e3", id="exponent"),
        pytest.param("129e6", "129e6", id="exponent-kept"),
        pytest.param("1.5e3", "1500", id="exponent-fraction"),
        pytest.param("2e-3", "2e-3", id="negative-exponent"),
        pytest.param("-1", "-1", id="negative"),
        pytest.param("+5", "5", id="plus"),
        pytest.param("1.G", "1G", id="trailing-point"),
        pytest.param(".5", "500m", id="leading-point"),
        pytest.param("Ki", "0", id="no-number-is-zero"),
    ],
)
def test_parse_and_print_as_upstream(text: str, canonical: str) -> None:
    assert str(quantity.parse(text)) == canonical


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param("", quantity.FORMAT_ERROR, id="empty"),
        pytest.param("abc", quantity.FORMAT_ERROR, id="letters"),
        pytest.param("1.2.3", quantity.FORMAT_ERROR, id="two-points"),
        pytest.param("1 Gi", quantity.FORMAT_ERROR, id="space"),
        pytest.param("e", quantity.SUFFIX_ERROR, id="lone-e"),
        pytest.param("1Gi2", quantity.SUFFIX_ERROR, id="bad-suffix"),
        pytest.param("1Qi", quantity.FORMAT_ERROR, id="unknown-letter"),
    ],
)
def test_bad_quantities_are_refused_in_upstreams_words(text: str, message: str) -> None:
    with pytest.raises(quantity.QuantityError) as refused:
        quantity.parse(text)
    assert str(refused.value) == message


def test_the_format_error_names_upstreams_regular_expression() -> None:
    assert quantity.FORMAT_ERROR == (
        "quantities must match the regular expression "
        "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
    )


@pytest.mark.parametrize(
    ("value", "canonical"),
    [
        pytest.param(0.5, "500m", id="float"),
        pytest.param(2, "2", id="int"),
        pytest.param(0, "0", id="zero"),
        pytest.param("  1Gi ", "1Gi", id="spaces"),
    ],
)
def test_json_numbers_are_read_as_their_text(value: object, canonical: str) -> None:
    assert str(quantity.from_json(value)) == canonical


@pytest.mark.parametrize("value", [True, None, [], {}])
def test_other_json_values_are_not_quantities(value: object) -> None:
    with pytest.raises(quantity.QuantityError):
        quantity.from_json(value)


@pytest.mark.parametrize(
    ("text", "scale", "rounded"),
    [
        pytest.param("1001m", -3, "1001m", id="exact"),
        pytest.param("1.0001", -3, "1001m", id="up"),
        pytest.param("1n", -3, "1m", id="nano-to-milli"),
        pytest.param("-1.0001", -3, "-1001m", id="away-from-zero"),
        pytest.param("1.5", 0, "2", id="whole"),
    ],
)
def test_round_up(text: str, scale: int, rounded: str) -> None:
    assert str(quantity.parse(text).round_up(scale)) == rounded


@pytest.mark.parametrize(
    ("text", "milli", "whole"),
    [
        pytest.param("100m", 100, 1, id="milli-cpu"),
        pytest.param("1", 1000, 1, id="one"),
        pytest.param("1n", 1, 1, id="nano-rounds-up"),
        pytest.param("0", 0, 0, id="zero"),
        pytest.param("128Mi", 134217728000, 134217728, id="mebibytes"),
        pytest.param("1.5", 1500, 2, id="fraction"),
        pytest.param("-1.5", -1500, -2, id="away-from-zero"),
    ],
)
def test_milli_and_whole_values_round_up_as_upstream(text: str, milli: int, whole: int) -> None:
    # MilliValue and Value, as the kubelet reads a Pod's CPU and memory.
    parsed = quantity.parse(text)
    assert (parsed.milli_value(), parsed.whole_value()) == (milli, whole)


def test_compare_is_by_value_whatever_the_format() -> None:
    assert quantity.compare(quantity.parse("1Gi"), quantity.parse("1073741824")) == 0
    assert quantity.compare(quantity.parse("500m"), quantity.parse("1")) == -1
    assert quantity.compare(quantity.parse("2k"), quantity.parse("1Ki")) == 1


@given(st.integers(min_value=-(10**15), max_value=10**15), st.sampled_from(["", "m", "k", "Mi"]))
def test_the_canonical_form_reads_back_as_the_same_amount(number: int, suffix: str) -> None:
    parsed = quantity.parse(f"{number}{suffix}")
    again = quantity.parse(str(parsed))
    assert again.value == parsed.value
    assert str(again) == str(parsed)


def test_values_are_exact() -> None:
    assert quantity.parse("1.5Gi").value == Fraction(3 * 2**29)
