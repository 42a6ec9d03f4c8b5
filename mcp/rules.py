"""Kubernetes' validation rules and quantities, as pure functions.

Owns the shape of names, label and annotation keys and values, environment variable
names, image references, memory quantities and CPU counts. Each `*_problem(value)`
accepts anything (decoded JSON included) and returns a short message saying what the
value must be, or None when it is valid; callers attach the field's path. `parse_*`
turn a valid quantity into the number Docker wants and raise `ValueError` otherwise.

No I/O and no trio here, and nothing from mcp but this module's own constants: the API,
selectors and specs build on it, never the other way round. The messages are mcp's own
paths'; the Kubernetes paths word the same rules as apimachinery does
(`mcp.kinds.apimachinery`, which matches with the patterns here).

Every pattern is matched with `re.fullmatch` on ASCII classes: `$` would accept a
trailing newline, and `\\w` or `str.isdigit` would accept non-ASCII letters and digits.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from fractions import Fraction
from typing import Any

# --- numbers in text ------------------------------------------------------------------------

# A whole number in ASCII digits, as a query parameter or header carries one: `str.isdigit`
# also takes "²" (which `int` refuses) and "٣" (which it reads as 3).
WHOLE_NUMBER_RE = re.compile(r"[0-9]+")


def is_whole_number(text: str) -> bool:
    """Whether `text` is a whole number in ASCII digits ("0", "0042"; not "", "-1", "²")."""
    return WHOLE_NUMBER_RE.fullmatch(text) is not None


# --- names and labels -----------------------------------------------------------------------

# Kubernetes' DNS-1123 label: what a name must be to work as a Docker name and a key.
DNS1123_LABEL_RE = re.compile(r"[a-z0-9](?:[-a-z0-9]*[a-z0-9])?")
DNS1123_LABEL_MAX = 63
# A DNS-1123 subdomain: DNS-1123 labels joined by dots.
DNS1123_SUBDOMAIN_RE = re.compile(
    r"[a-z0-9](?:[-a-z0-9]*[a-z0-9])?(?:\.[a-z0-9](?:[-a-z0-9]*[a-z0-9])?)*"
)
DNS1123_SUBDOMAIN_MAX = 253
# The name part of a label key, and a non-empty label value ("qualified name" in Kubernetes).
LABEL_NAME_RE = re.compile(r"[A-Za-z0-9](?:[-A-Za-z0-9_.]*[A-Za-z0-9])?")
LABEL_NAME_MAX = 63
LABEL_VALUE_MAX = 63
# Kubernetes' TotalAnnotationSizeLimitB: keys plus values, in bytes of UTF-8.
ANNOTATIONS_MAX_BYTES = 256 * 1024

# Docker passes environment variables as NAME=value strings: '=' or NUL in a name would
# corrupt the environment, so names are kept to what every shell accepts.
ENV_NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")

# Docker's reference grammar, simplified: [registry[:port]/]path[:tag][@digest].
# As in Docker, a first component is a registry only if it has a '.' or a port or is
# localhost; otherwise it is part of the (lowercase) path, so "UPPER/case" is invalid.
IMAGE_DOMAIN = (
    r"(?:localhost(?::[0-9]+)?|[a-zA-Z0-9-]+(?:\.[a-zA-Z0-9-]+)+(?::[0-9]+)?"
    r"|[a-zA-Z0-9-]+:[0-9]+)/"
)
IMAGE_RE = re.compile(
    rf"(?:{IMAGE_DOMAIN})?[a-z0-9]+(?:[._-][a-z0-9]+)*"
    r"(?:/[a-z0-9]+(?:[._-][a-z0-9]+)*)*(?::\w[\w.-]{0,127})?(?:@sha256:[a-f0-9]{64})?",
    re.ASCII,
)
IMAGE_MAX = 255


# --- the same rules as JSON Schema, for the OpenAPI documents ---------------------------------
# Each bound on a length is inside the pattern where it can be ({0,61}), so a schema-valid
# value is one the functions below accept; `^...$` as JSON Schema reads a pattern.
_LABEL_NAME_BOUNDED = r"[A-Za-z0-9](?:[-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?"
DNS1123_LABEL_SCHEMA: dict[str, Any] = {
    "type": "string",
    "pattern": r"^[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?$",
}
LABEL_KEY_SCHEMA: dict[str, Any] = {
    "type": "string",
    # The prefix's own bound (253) is the one the pattern does not carry.
    "maxLength": DNS1123_SUBDOMAIN_MAX + 1 + LABEL_NAME_MAX,
    "pattern": rf"^(?:{DNS1123_SUBDOMAIN_RE.pattern}/)?{_LABEL_NAME_BOUNDED}$",
}
LABEL_VALUE_SCHEMA: dict[str, Any] = {"type": "string", "pattern": rf"^(?:{_LABEL_NAME_BOUNDED})?$"}
LABELS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "propertyNames": LABEL_KEY_SCHEMA,
    "additionalProperties": LABEL_VALUE_SCHEMA,
}
ANNOTATIONS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "propertyNames": LABEL_KEY_SCHEMA,
    "additionalProperties": {"type": "string"},
    "description": f"keys and values take at most {ANNOTATIONS_MAX_BYTES} bytes in all",
}


def schema_pattern(regex: re.Pattern[str]) -> dict[str, Any]:
    """A `fullmatch` regex as a JSON Schema pattern (ECMA 262 has no `(?P<name>`)."""
    return {"pattern": "^(?:" + re.sub(r"\(\?P<\w+>", "(", regex.pattern) + ")$"}


ENV_NAME_SCHEMA: dict[str, Any] = {"type": "string", **schema_pattern(ENV_NAME_RE)}
IMAGE_SCHEMA: dict[str, Any] = {
    "type": "string",
    "maxLength": IMAGE_MAX,
    # `\w` spelled out: JSON Schema's would not be ASCII-only everywhere.
    "pattern": "^"
    + IMAGE_RE.pattern.replace(r"[\w", "[A-Za-z0-9_").replace(r"\w", "[A-Za-z0-9_]")
    + "$",
}


def _quote(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def dns1123_label_problem(name: Any) -> str | None:
    """Why `name` is not a DNS-1123 label (an object name), or None if it is.

    Args:
        name: anything; a valid label is 1 to 63 lowercase letters, digits and '-',
            starting and ending with a letter or digit.

    Returns:
        A short message saying what the value must be, or None.
    """
    if not isinstance(name, str):
        return "must be a string"
    if not name or len(name) > DNS1123_LABEL_MAX or not DNS1123_LABEL_RE.fullmatch(name):
        return (
            f"must be a DNS-1123 label: at most {DNS1123_LABEL_MAX} lowercase letters, digits "
            "and '-', starting and ending with a letter or digit"
        )
    return None


def _label_name_problem(name: str) -> str | None:
    if not name:
        return "must not be empty"
    if len(name) > LABEL_NAME_MAX:
        return f"must be at most {LABEL_NAME_MAX} characters"
    if not LABEL_NAME_RE.fullmatch(name):
        return (
            "must consist of letters, digits, '-', '_' and '.', "
            "starting and ending with a letter or digit"
        )
    return None


def label_key_problem(key: Any) -> str | None:
    """Why `key` is not a label or annotation key, or None if it is.

    A key is an optional prefix and '/', then a name: `app`, `example.com/tier`. The
    prefix is a DNS-1123 subdomain of at most 253 characters; the name is 1 to 63
    letters, digits, '-', '_' and '.', starting and ending with a letter or digit.

    Args:
        key: anything.

    Returns:
        A short message naming the bad part, or None.
    """
    if not isinstance(key, str):
        return "must be a string"
    if not key:
        return "must not be empty"
    parts = key.split("/")
    if len(parts) > 2:
        return "must contain at most one '/' (between the prefix and the name)"
    if len(parts) == 2:
        prefix, name = parts
        if not prefix:
            return "prefix before '/' must not be empty"
        if len(prefix) > DNS1123_SUBDOMAIN_MAX:
            return f"prefix must be at most {DNS1123_SUBDOMAIN_MAX} characters"
        if not DNS1123_SUBDOMAIN_RE.fullmatch(prefix):
            return (
                "prefix must be a DNS-1123 subdomain: lowercase letters, digits, '-' and '.', "
                "each dot-separated part starting and ending with a letter or digit"
            )
    else:
        name = key
    if problem := _label_name_problem(name):
        return f"name {problem}"
    return None


def label_value_problem(value: Any) -> str | None:
    """Why `value` is not a label value, or None if it is.

    Args:
        value: anything; a valid value is empty, or at most 63 letters, digits, '-', '_'
            and '.', starting and ending with a letter or digit.

    Returns:
        A short message saying what the value must be, or None.
    """
    if not isinstance(value, str):
        return "must be a string"
    if value and (len(value) > LABEL_VALUE_MAX or not LABEL_NAME_RE.fullmatch(value)):
        return (
            f"must be empty or at most {LABEL_VALUE_MAX} letters, digits, '-', '_' and '.', "
            "starting and ending with a letter or digit"
        )
    return None


def annotation_value_problem(value: Any) -> str | None:
    """Why `value` is not an annotation value, or None if it is.

    Any string will do; the size limit applies to all annotations together (see
    `annotations_problem`).

    Args:
        value: anything.

    Returns:
        "must be a string", or None.
    """
    if not isinstance(value, str):
        return "must be a string"
    return None


def _utf8_size(text: str) -> int:
    # surrogatepass: JSON can carry lone surrogates ("\ud800"); they still take room.
    return len(text.encode("utf-8", "surrogatepass"))


def annotations_problem(annotations: Any) -> str | None:
    """Why `annotations` is not a valid annotations mapping, or None if it is.

    Every key must pass `label_key_problem`, every value `annotation_value_problem`,
    and keys and values together must take at most 256 KiB of UTF-8.

    Args:
        annotations: anything.

    Returns:
        A short message naming the first bad key, or None.
    """
    if not isinstance(annotations, Mapping):
        return "must be an object"
    total = 0
    for key, value in annotations.items():
        if problem := label_key_problem(key):
            return f"key {_quote(key)}: {problem}"
        if problem := annotation_value_problem(value):
            return f"value of {_quote(key)}: {problem}"
        total += _utf8_size(key) + _utf8_size(value)
    if total > ANNOTATIONS_MAX_BYTES:
        return f"must take at most {ANNOTATIONS_MAX_BYTES} bytes (256Ki) in total, not {total}"
    return None


def env_name_problem(name: Any) -> str | None:
    """Why `name` is not an environment variable name, or None if it is.

    Args:
        name: anything; a valid name is a C identifier, `[A-Za-z_][A-Za-z0-9_]*`.

    Returns:
        A short message saying what the value must be, or None.
    """
    if not isinstance(name, str):
        return "must be a string"
    if not ENV_NAME_RE.fullmatch(name):
        return "must be letters, digits and '_', not starting with a digit"
    return None


def image_problem(ref: Any) -> str | None:
    """Why `ref` is not a Docker image reference, or None if it is.

    Args:
        ref: anything; a valid reference is `[registry[:port]/]path[:tag][@sha256:<64 hex>]`
            of at most 255 characters.

    Returns:
        A short message saying what the value must be, or None.
    """
    if not isinstance(ref, str):
        return "must be a string"
    if not ref or len(ref) > IMAGE_MAX or not IMAGE_RE.fullmatch(ref):
        return "must be an image reference such as busybox:latest or registry:5000/team/app:1.2"
    return None


# --- quantities -----------------------------------------------------------------------------

# Longer strings are never sensible quantities; the cap also keeps int() far from
# Python's limit on digits and 10**exponent from exhausting memory.
QUANTITY_MAX_CHARS = 64
MEMORY_HINT = "must be a quantity such as 64Mi or 1G"
MEMORY_SUFFIXES: dict[str, int] = {
    "": 1,
    "k": 1000,
    "M": 1000**2,
    "G": 1000**3,
    "T": 1000**4,
    "P": 1000**5,
    "E": 1000**6,
    "Ki": 1024,
    "Mi": 1024**2,
    "Gi": 1024**3,
    "Ti": 1024**4,
    "Pi": 1024**5,
    "Ei": 1024**6,
}
# Kubernetes' quantity syntax without the milli suffix (a fraction of a byte is useless).
# "1E" is an exabyte, "1E6" a million: fullmatch tries both readings.
MEMORY_RE = re.compile(
    r"(?P<sign>[+-]?)(?P<int>[0-9]*)(?:\.(?P<frac>[0-9]*))?"
    r"(?:(?P<suffix>[KMGTPE]i|[kMGTPE])|[eE](?P<exp>[+-]?[0-9]+))?"
)
# Docker stores memory limits as int64.
MEMORY_MAX = 2**63 - 1
# Docker refuses a memory limit under 6 MiB.
MEMORY_MIN = 6 * 1024**2

CPUS_HINT = "must be a number of CPUs such as 0.5, 2 or 500m"
CPUS_RE = re.compile(r"(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)|(?P<milli>[0-9]+)m")
# Docker takes CPUs as NanoCPUs in an int64.
CPUS_MAX = (2**63 - 1) // 10**9
# Kubernetes' granularity is one millicore.
CPUS_PER_MILLI = Fraction(1, 1000)


def parse_memory(value: Any) -> int:
    """A Kubernetes memory quantity in bytes.

    Accepts an int, a finite float that is a whole number of bytes, or a string: a
    number (`"1048576"`, `"1.5"`) with an optional decimal suffix `k M G T P E` (powers
    of 1000), binary suffix `Ki Mi Gi Ti Pi Ei` (powers of 1024) or exponent (`"1e6"`).
    `"1.5Gi"` is fine; `"0.5"` is not, being half a byte. Docker's 6 MiB minimum is
    checked by `memory_problem`, not here.

    Args:
        value: anything.

    Returns:
        The number of bytes, at least 1 and at most 2**63 - 1.

    Raises:
        ValueError: the value is not such a quantity; the message says what it must be.
    """
    if isinstance(value, bool):
        raise ValueError(MEMORY_HINT)
    if isinstance(value, int):
        amount = Fraction(value)
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(MEMORY_HINT)
        amount = Fraction(value)
    elif isinstance(value, str):
        amount = _parse_memory_text(value)
    else:
        raise ValueError(MEMORY_HINT)
    if amount <= 0:
        raise ValueError("must be positive")
    if amount.denominator != 1:
        raise ValueError("must be a whole number of bytes")
    if amount > MEMORY_MAX:
        raise ValueError(f"must be at most {MEMORY_MAX} bytes (8Ei - 1)")
    return int(amount)


def _parse_memory_text(text: str) -> Fraction:
    match = MEMORY_RE.fullmatch(text) if len(text) <= QUANTITY_MAX_CHARS else None
    if match is None:
        raise ValueError(MEMORY_HINT)
    digits, fraction = match["int"], match["frac"] or ""
    if not digits and not fraction:
        raise ValueError(MEMORY_HINT)
    mantissa = int(digits + fraction or "0")
    if mantissa == 0:
        raise ValueError("must be positive")
    if match["sign"] == "-":
        raise ValueError("must be positive")
    scale = int(match["exp"] or 0) - len(fraction)
    # The mantissa has at most 64 digits, so these bounds decide without computing
    # 10**scale: far above MEMORY_MAX, or far below one byte.
    if scale > 40:
        raise ValueError(f"must be at most {MEMORY_MAX} bytes (8Ei - 1)")
    if scale < -100:
        raise ValueError("must be a whole number of bytes")
    return mantissa * Fraction(10) ** scale * MEMORY_SUFFIXES[match["suffix"] or ""]


def memory_problem(value: Any) -> str | None:
    """Why `value` is not a usable memory limit, or None if it is.

    Args:
        value: anything; see `parse_memory`. Docker refuses less than 6Mi.

    Returns:
        A short message saying what the value must be, or None.
    """
    try:
        amount = parse_memory(value)
    except ValueError as error:
        return str(error)
    if amount < MEMORY_MIN:
        return "must be at least 6Mi"
    return None


def parse_cpus(value: Any) -> float:
    """A number of CPUs, as Kubernetes and `docker run --cpus` take it.

    Accepts an int or finite float (not a bool), or a string: a decimal number
    (`"0.5"`, `"2"`) or whole millicores (`"500m"`). Precision stops at one millicore,
    as in Kubernetes: `"0.0001"` is refused rather than rounded.

    Args:
        value: anything.

    Returns:
        The number of CPUs, more than 0 and at most what Docker's NanoCPUs (an int64) holds.

    Raises:
        ValueError: the value is not such a number; the message says what it must be.
    """
    if isinstance(value, bool):
        raise ValueError(CPUS_HINT)
    if isinstance(value, int):
        amount = Fraction(value)
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(CPUS_HINT)
        # The shortest decimal that reads back as this float: 0.1 means 0.1, not
        # 0.1000000000000000055511151231257827.
        amount = Fraction(repr(value))
    elif isinstance(value, str):
        match = CPUS_RE.fullmatch(value) if len(value) <= QUANTITY_MAX_CHARS else None
        if match is None:
            raise ValueError(CPUS_HINT)
        milli = match["milli"]
        amount = Fraction(int(milli), 1000) if milli is not None else Fraction(value)
    else:
        raise ValueError(CPUS_HINT)
    if amount <= 0:
        raise ValueError("must be more than 0")
    if amount > CPUS_MAX:
        raise ValueError(f"must be at most {CPUS_MAX}")
    if (amount / CPUS_PER_MILLI).denominator != 1:
        raise ValueError("must be a whole number of millicores (at most 3 decimal places)")
    return float(amount)


def cpus_problem(value: Any) -> str | None:
    """Why `value` is not a usable number of CPUs, or None if it is.

    Args:
        value: anything; see `parse_cpus`.

    Returns:
        A short message saying what the value must be, or None.
    """
    try:
        parse_cpus(value)
    except ValueError as error:
        return str(error)
    return None
