"""Resource quantities as apimachinery's `resource.Quantity` reads, rounds and prints them.

A port of k8s.io/apimachinery `pkg/api/resource` (quantity.go, suffix.go, amount.go):
`parse` is ParseQuantity (its three formats: DecimalSI `500m` `2k`, BinarySI `1Gi`,
DecimalExponent `1e3`; a value finer than a nano rounded up, away from zero; BinarySI
capped at 2^63-1 and shown as DecimalSI below 1024), `str()` is String() (the canonical
form kube-apiserver stores and answers: `0.5` is `500m`, `1024Mi` is `1Gi`, `2000` is
`2k`), `round_up` is RoundUp (what SetDefaults_ResourceList does at milli scale),
`milli_value` and `whole_value` are MilliValue and Value (what the kubelet hands the runtime).

Values are exact fractions, so the int64 and inf.Dec paths of upstream are one here.
One deliberate difference: a DecimalSI value past the largest suffix (`1000E`), which
upstream prints without a suffix (a different number), is printed in exponent form.
Pure; nothing from mcp.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Literal

Format = Literal["DecimalSI", "BinarySI", "DecimalExponent"]

FORMAT_ERROR = (
    "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
)
SUFFIX_ERROR = "unable to parse quantity's suffix"
NUMERIC_ERROR = "unable to parse numeric part of quantity"

DECIMAL_SUFFIXES = {"n": -9, "u": -6, "m": -3, "": 0, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15}
DECIMAL_SUFFIXES["E"] = 18
BINARY_SUFFIXES = {"Ki": 10, "Mi": 20, "Gi": 30, "Ti": 40, "Pi": 50, "Ei": 60}
_DECIMAL_BY_EXPONENT = {exponent: suffix for suffix, exponent in DECIMAL_SUFFIXES.items()}
_BINARY_BY_EXPONENT = {exponent: suffix for suffix, exponent in BINARY_SUFFIXES.items()}
# parseQuantityString's grammar: a signed number, then suffix letters and an exponent.
_QUANTITY_RE = re.compile(
    r"(?P<sign>[+-]?)(?P<number>[0-9]*(?:\.[0-9]*)?)(?P<suffix>[eEinumkKMGTP]*[-+]?[0-9]*)"
)
NANO = Fraction(1, 10**9)
MAX_ALLOWED = 2**63 - 1  # maxAllowed: what a BinarySI value is capped at
# Far past any real quantity; keeps 10**exponent from exhausting memory.
MAX_EXPONENT = 1000


class QuantityError(ValueError):
    """Why a string is not a quantity, in ParseQuantity's words."""


@dataclass(frozen=True)
class Quantity:
    """An exact amount and the format it prints in."""

    value: Fraction
    format: Format = "DecimalSI"

    def __str__(self) -> str:
        return canonical(self)

    def round_up(self, scale: int) -> Quantity:
        """RoundUp: the amount at 10^scale precision, rounded away from zero."""
        step = Fraction(10) ** scale
        units = self.value / step
        if units.denominator == 1:
            return self
        rounded = math.ceil(abs(units)) * (1 if units > 0 else -1)
        return Quantity(rounded * step, self.format)

    def scaled_value(self, scale: int) -> int:
        """ScaledValue: the amount in units of 10^scale, rounded away from zero."""
        return int(self.round_up(scale).value / Fraction(10) ** scale)

    def milli_value(self) -> int:
        """MilliValue: thousandths, rounded away from zero (`100m` CPU is 100)."""
        return self.scaled_value(-3)

    def whole_value(self) -> int:
        """Value: whole units, rounded away from zero (`1Ki` is 1024, `1m` is 1)."""
        return self.scaled_value(0)


def parse(text: str) -> Quantity:
    """ParseQuantity.

    Raises:
        QuantityError: with upstream's message.
    """
    if not text:
        raise QuantityError(FORMAT_ERROR)
    match = _QUANTITY_RE.fullmatch(text)
    if match is None:
        raise QuantityError(FORMAT_ERROR)
    # As upstream's scanner, a missing number is zero: "-", "." and "Ki" all parse as 0.
    suffix = match["suffix"]
    base, exponent, format_ = _interpret(suffix)
    whole, _, fraction = match["number"].partition(".")
    mantissa = Fraction(int(whole or "0") * 10 ** len(fraction) + int(fraction or "0"))
    mantissa /= 10 ** len(fraction)
    value = mantissa * (Fraction(base) ** exponent)
    if match["sign"] == "-":
        value = -value
    quantity = Quantity(value, format_)
    # Values below a nano are rounded up, so that asking for some gets some.
    quantity = quantity.round_up(-9)
    if format_ == "BinarySI":
        if abs(quantity.value) > MAX_ALLOWED:
            capped = MAX_ALLOWED if quantity.value > 0 else -MAX_ALLOWED
            quantity = Quantity(Fraction(capped), "BinarySI")
        if abs(quantity.value) < 1024 and fraction:
            # The slow path's rule (taken for a fraction): a small amount shows as DecimalSI.
            quantity = Quantity(quantity.value, "DecimalSI")
    return quantity


def _interpret(suffix: str) -> tuple[int, int, Format]:
    """suffixHandler.interpret: a suffix's base, exponent and format."""
    if suffix in DECIMAL_SUFFIXES:
        return 10, DECIMAL_SUFFIXES[suffix], "DecimalSI"
    if suffix in BINARY_SUFFIXES:
        return 2, BINARY_SUFFIXES[suffix], "BinarySI"
    if len(suffix) > 1 and suffix[0] in "eE":
        digits = suffix[1:]
        if re.fullmatch(r"[-+]?[0-9]+", digits) is None:
            raise QuantityError(SUFFIX_ERROR)
        exponent = int(digits)
        if abs(exponent) > MAX_EXPONENT:
            raise QuantityError(NUMERIC_ERROR)
        return 10, exponent, "DecimalExponent"
    raise QuantityError(SUFFIX_ERROR)


def from_json(value: Any) -> Quantity:
    """A quantity as Quantity.UnmarshalJSON reads a JSON value: a string, or the text of a
    number (YAML's `cpu: 0.5`).

    Raises:
        QuantityError: anything else, or a malformed quantity.
    """
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise QuantityError(FORMAT_ERROR)
    text = repr(value) if isinstance(value, float) else str(value).strip()
    if text == "0":
        return Quantity(Fraction(0))
    return parse(text)


def canonical(quantity: Quantity) -> str:
    """String(): the canonical form, N with the largest suffix that keeps N whole."""
    value = quantity.value
    if value == 0:
        return "0"
    sign = "-" if value < 0 else ""
    magnitude = abs(value)
    format_ = quantity.format
    if format_ == "BinarySI" and (magnitude < 1024 or magnitude.denominator != 1):
        format_ = "DecimalSI"  # no rounding: shown in decimal instead
    if format_ == "BinarySI":
        number, power = int(magnitude), 0
        while number % 1024 == 0 and power < 6:
            number //= 1024
            power += 1
        return f"{sign}{number}{_BINARY_BY_EXPONENT.get(power * 10, '')}"
    number, exponent = _decimal(magnitude)
    if format_ == "DecimalSI" and exponent in _DECIMAL_BY_EXPONENT:
        return f"{sign}{number}{_DECIMAL_BY_EXPONENT[exponent]}"
    return f"{sign}{number}" + (f"e{exponent}" if exponent else "")


def _decimal(magnitude: Fraction) -> tuple[int, int]:
    """AsCanonicalBytes: N and E with N * 10^E == magnitude, E a multiple of 3, N whole and
    with no factor of ten a lower E would not need."""
    exponent = 0
    while magnitude.denominator != 1:  # at most nine steps: values are whole nanos
        magnitude *= 10
        exponent -= 1
    number = int(magnitude)
    while number % 10 == 0:
        number //= 10
        exponent += 1
    shift = exponent % 3
    return number * 10**shift, exponent - shift


def compare(left: Quantity, right: Quantity) -> int:
    """Cmp: -1, 0 or 1."""
    return (left.value > right.value) - (left.value < right.value)
