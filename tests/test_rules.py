"""Kubernetes' validation rules and quantities: each rule's edges, then properties on open input."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mcp import rules

PROPERTY = settings(max_examples=200, deadline=None)
Mi = 1024**2

# Values of the wrong type every `*_problem` must turn into a message, not an exception.
NOT_STRINGS = [
    pytest.param(None, id="none"),
    pytest.param(5, id="int"),
    pytest.param(b"web", id="bytes"),
    pytest.param(["web"], id="list"),
]

PROBLEMS: list[Callable[[Any], str | None]] = [
    rules.dns1123_label_problem,
    rules.label_key_problem,
    rules.label_value_problem,
    rules.annotation_value_problem,
    rules.annotations_problem,
    rules.env_name_problem,
    rules.image_problem,
    rules.memory_problem,
    rules.cpus_problem,
]


# --- numbers in text ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "whole"),
    [
        pytest.param("0", True, id="zero"),
        pytest.param("0042", True, id="leading-zeros"),
        pytest.param("", False, id="empty"),
        pytest.param("-1", False, id="negative"),
        pytest.param("1.5", False, id="fraction"),
        pytest.param("\u00b2", False, id="superscript-two"),  # isdigit, and int() refuses it
        pytest.param("\u0663", False, id="arabic-indic-three"),  # isdigit, and int() reads 3
        pytest.param("1\n", False, id="trailing-newline"),
    ],
)
def test_is_whole_number(text: str, whole: bool) -> None:
    assert rules.is_whole_number(text) is whole


# --- names and labels -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        pytest.param("a", id="one-letter"),
        pytest.param("0", id="one-digit"),
        pytest.param("web-1", id="dash-inside"),
        pytest.param("a" * 63, id="63-chars"),
    ],
)
def test_dns1123_label_valid(name: str) -> None:
    assert rules.dns1123_label_problem(name) is None


@pytest.mark.parametrize(
    "name",
    [
        pytest.param("", id="empty"),
        pytest.param("a" * 64, id="64-chars"),
        pytest.param("Web", id="uppercase"),
        pytest.param("-web", id="leading-dash"),
        pytest.param("web-", id="trailing-dash"),
        pytest.param("web_1", id="underscore"),
        pytest.param("web.1", id="dot"),
        pytest.param("web\n", id="trailing-newline"),
        pytest.param("wéb", id="non-ascii"),
        *NOT_STRINGS,
    ],
)
def test_dns1123_label_invalid(name: Any) -> None:
    assert rules.dns1123_label_problem(name)


@pytest.mark.parametrize(
    "key",
    [
        pytest.param("app", id="name-only"),
        pytest.param("App_Name.v-1", id="name-mixed"),
        pytest.param("a", id="one-char"),
        pytest.param("a" * 63, id="name-63"),
        pytest.param("example.com/tier", id="prefixed"),
        pytest.param("mcp.uid", id="dotted-name"),
        pytest.param("k8s.io/Name", id="uppercase-name-with-prefix"),
        pytest.param(".".join(["a" * 63] * 3) + "." + "b" * 61 + "/x", id="prefix-253"),
    ],
)
def test_label_key_valid(key: str) -> None:
    assert rules.label_key_problem(key) is None


@pytest.mark.parametrize(
    ("key", "part"),
    [
        pytest.param("", "empty", id="empty"),
        pytest.param("a" * 64, "name", id="name-64"),
        pytest.param("-app", "name", id="name-leading-dash"),
        pytest.param("app.", "name", id="name-trailing-dot"),
        pytest.param("a b", "name", id="name-space"),
        pytest.param("app\n", "name", id="name-trailing-newline"),
        pytest.param("/app", "prefix", id="prefix-empty"),
        pytest.param("example.com/", "name", id="name-empty"),
        pytest.param("Example.com/app", "prefix", id="prefix-uppercase"),
        pytest.param("example..com/app", "prefix", id="prefix-empty-label"),
        pytest.param("-example.com/app", "prefix", id="prefix-leading-dash"),
        pytest.param("example_com/app", "prefix", id="prefix-underscore"),
        pytest.param("a/b/c", "'/'", id="two-slashes"),
        pytest.param(".".join(["a" * 63] * 4) + "/x", "prefix", id="prefix-255"),
        pytest.param(5, "string", id="not-a-string"),
    ],
)
def test_label_key_invalid_names_the_bad_part(key: Any, part: str) -> None:
    problem = rules.label_key_problem(key)
    assert problem is not None
    assert part in problem


@pytest.mark.parametrize(
    "value",
    [
        pytest.param("", id="empty"),
        pytest.param("web", id="word"),
        pytest.param("v1.2_rc-3", id="mixed"),
        pytest.param("A", id="one-uppercase"),
        pytest.param("a" * 63, id="63-chars"),
    ],
)
def test_label_value_valid(value: str) -> None:
    assert rules.label_value_problem(value) is None


@pytest.mark.parametrize(
    "value",
    [
        pytest.param("a" * 64, id="64-chars"),
        pytest.param("_web", id="leading-underscore"),
        pytest.param("web.", id="trailing-dot"),
        pytest.param("a/b", id="slash"),
        pytest.param("a b", id="space"),
        pytest.param("web\n", id="trailing-newline"),
        *NOT_STRINGS,
    ],
)
def test_label_value_invalid(value: Any) -> None:
    assert rules.label_value_problem(value)


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        pytest.param("", True, id="empty"),
        pytest.param("any text: {json} \n\0 é", True, id="anything"),
        pytest.param(None, False, id="none"),
        pytest.param(1, False, id="int"),
    ],
)
def test_annotation_value(value: Any, valid: bool) -> None:
    assert (rules.annotation_value_problem(value) is None) == valid


LIMIT = rules.ANNOTATIONS_MAX_BYTES


@pytest.mark.parametrize(
    ("annotations", "problem_has"),
    [
        pytest.param({}, None, id="empty"),
        pytest.param({"example.com/note": "hello"}, None, id="one"),
        pytest.param({"k": "v" * (LIMIT - 1)}, None, id="exactly-the-limit"),
        pytest.param({"k": "v" * LIMIT}, "at most", id="one-byte-over"),
        pytest.param({"k": "é" * (LIMIT // 2)}, "at most", id="utf8-bytes-count"),
        pytest.param({"a": "v" * (LIMIT // 2), "b": "v" * (LIMIT // 2)}, "at most", id="sum"),
        pytest.param({"Bad Key": "v"}, "'Bad Key'", id="bad-key"),
        pytest.param({"k": 1}, "'k'", id="value-not-string"),
        pytest.param(["k"], "object", id="not-a-mapping"),
    ],
)
def test_annotations(annotations: Any, problem_has: str | None) -> None:
    problem = rules.annotations_problem(annotations)
    if problem_has is None:
        assert problem is None
    else:
        assert problem is not None
        assert problem_has in problem


@pytest.mark.parametrize(
    ("name", "valid"),
    [
        pytest.param("PATH", True, id="upper"),
        pytest.param("_x1", True, id="underscore-first"),
        pytest.param("http_proxy", True, id="lower"),
        pytest.param("", False, id="empty"),
        pytest.param("1X", False, id="digit-first"),
        pytest.param("A=B", False, id="equals"),
        pytest.param("A\0", False, id="nul"),
        pytest.param("A-B", False, id="dash"),
        pytest.param("A\n", False, id="trailing-newline"),
        pytest.param("É", False, id="non-ascii"),
        pytest.param(None, False, id="none"),
    ],
)
def test_env_name(name: Any, valid: bool) -> None:
    assert (rules.env_name_problem(name) is None) == valid


@pytest.mark.parametrize(
    ("ref", "valid"),
    [
        pytest.param("busybox", True, id="bare"),
        pytest.param("busybox:latest", True, id="tag"),
        pytest.param("library/busybox:1.36", True, id="path"),
        pytest.param("registry:5000/team/app:1.2", True, id="registry-port"),
        pytest.param("ghcr.io/o/app@sha256:" + "a" * 64, True, id="digest"),
        pytest.param("app:v1@sha256:" + "0" * 64, True, id="tag-and-digest"),
        pytest.param("", False, id="empty"),
        pytest.param("Busybox", False, id="uppercase-path"),
        pytest.param("has spaces", False, id="spaces"),
        pytest.param("app:", False, id="empty-tag"),
        pytest.param("app@sha256:abc", False, id="short-digest"),
        pytest.param("app:tâg", False, id="non-ascii-tag"),
        pytest.param("busybox\n", False, id="trailing-newline"),
        pytest.param("a" * 256, False, id="too-long"),
        pytest.param(None, False, id="none"),
    ],
)
def test_image(ref: Any, valid: bool) -> None:
    assert (rules.image_problem(ref) is None) == valid


# --- memory ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("1048576", 1048576, id="plain-string"),
        pytest.param(1048576, 1048576, id="int"),
        pytest.param(1048576.0, 1048576, id="whole-float"),
        pytest.param("1", 1, id="one-byte"),
        pytest.param("64Mi", 64 * Mi, id="mebi"),
        pytest.param("1Ki", 1024, id="kibi"),
        pytest.param("1Gi", 1024**3, id="gibi"),
        pytest.param("1.5Gi", 1024**3 * 3 // 2, id="fraction-of-gibi"),
        pytest.param("1Ti", 1024**4, id="tebi"),
        pytest.param("1Pi", 1024**5, id="pebi"),
        pytest.param("7Ei", 7 * 1024**6, id="exbi"),
        pytest.param("1k", 1000, id="kilo"),
        pytest.param("1M", 1000**2, id="mega"),
        pytest.param("1G", 1000**3, id="giga"),
        pytest.param("1T", 1000**4, id="tera"),
        pytest.param("1P", 1000**5, id="peta"),
        pytest.param("1E", 1000**6, id="exa"),
        pytest.param("1e6", 10**6, id="exponent"),
        pytest.param("1E6", 10**6, id="exponent-uppercase"),
        pytest.param("1.5e3", 1500, id="exponent-fraction"),
        pytest.param("2e+3", 2000, id="exponent-plus"),
        pytest.param("5000e-3", 5, id="exponent-negative-whole"),
        pytest.param(".5k", 500, id="leading-dot"),
        pytest.param("+1Gi", 1024**3, id="plus-sign"),
        pytest.param(str(2**63 - 1), 2**63 - 1, id="int64-max"),
    ],
)
def test_parse_memory_valid(value: Any, expected: int) -> None:
    assert rules.parse_memory(value) == expected


@pytest.mark.parametrize(
    ("value", "message_has"),
    [
        pytest.param("0.5", "whole", id="half-byte"),
        pytest.param("1.5", "whole", id="fraction"),
        pytest.param(1.5, "whole", id="fractional-float"),
        pytest.param("1e-3", "whole", id="negative-exponent"),
        pytest.param("1e-1000", "whole", id="tiny-exponent"),
        pytest.param("0", "positive", id="zero"),
        pytest.param(0, "positive", id="zero-int"),
        pytest.param("0Gi", "positive", id="zero-gibi"),
        pytest.param("-1Gi", "positive", id="negative"),
        pytest.param(-5, "positive", id="negative-int"),
        pytest.param("8Ei", "at most", id="over-int64"),
        pytest.param(2**63, "at most", id="over-int64-int"),
        pytest.param("1e1000000000", "at most", id="huge-exponent"),
        pytest.param(float("inf"), "quantity", id="inf"),
        pytest.param(float("nan"), "quantity", id="nan"),
        pytest.param(True, "quantity", id="bool"),
        pytest.param(None, "quantity", id="none"),
        pytest.param("", "quantity", id="empty"),
        pytest.param(".", "quantity", id="dot"),
        pytest.param("Mi", "quantity", id="suffix-only"),
        pytest.param("1K", "quantity", id="uppercase-k"),
        pytest.param("1mi", "quantity", id="lowercase-mi"),
        pytest.param("500m", "quantity", id="milli"),
        pytest.param("1 Gi", "quantity", id="space"),
        pytest.param(" 1Gi", "quantity", id="leading-space"),
        pytest.param("1Gi\n", "quantity", id="trailing-newline"),
        pytest.param("1_000", "quantity", id="underscore"),
        pytest.param("١٢", "quantity", id="arabic-digits"),
        pytest.param("1e", "quantity", id="exponent-without-digits"),
        pytest.param("1" * 65, "quantity", id="too-long"),
        pytest.param("inf", "quantity", id="inf-string"),
        pytest.param("0x10", "quantity", id="hex"),
    ],
)
def test_parse_memory_invalid(value: Any, message_has: str) -> None:
    with pytest.raises(ValueError, match=message_has):
        rules.parse_memory(value)


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        pytest.param("6Mi", None, id="minimum"),
        pytest.param("1Gi", None, id="gibi"),
        pytest.param(6 * Mi - 1, "must be at least 6Mi", id="one-byte-short"),
        pytest.param("1k", "must be at least 6Mi", id="kilo"),
        pytest.param("0.5", "must be a whole number of bytes", id="half-byte"),
        pytest.param("lots", rules.MEMORY_HINT, id="word"),
    ],
)
def test_memory_problem(value: Any, problem: str | None) -> None:
    assert rules.memory_problem(value) == problem


@PROPERTY
@given(st.integers(min_value=6, max_value=(2**63 - 1) // Mi))
def test_mebibytes_are_whole_bytes(n: int) -> None:
    assert rules.parse_memory(f"{n}Mi") == n * Mi
    assert rules.memory_problem(f"{n}Mi") is None


@PROPERTY
@given(st.integers(min_value=1, max_value=2**63 - 1))
def test_plain_integer_string_and_int_agree(n: int) -> None:
    assert rules.parse_memory(str(n)) == rules.parse_memory(n) == n


@PROPERTY
@given(st.integers(min_value=1, max_value=10**9), st.sampled_from(sorted(rules.MEMORY_SUFFIXES)))
def test_suffixes_multiply(n: int, suffix: str) -> None:
    expected = n * rules.MEMORY_SUFFIXES[suffix]
    if expected <= rules.MEMORY_MAX:
        assert rules.parse_memory(f"{n}{suffix}") == expected
    else:
        with pytest.raises(ValueError, match="at most"):
            rules.parse_memory(f"{n}{suffix}")


# --- cpus -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param(1, 1.0, id="int"),
        pytest.param(0.5, 0.5, id="float"),
        pytest.param(0.1, 0.1, id="float-not-exact-in-binary"),
        pytest.param(0.001, 0.001, id="float-one-millicore"),
        pytest.param("2", 2.0, id="string-int"),
        pytest.param("0.5", 0.5, id="string-decimal"),
        pytest.param(".25", 0.25, id="leading-dot"),
        pytest.param("1.", 1.0, id="trailing-dot"),
        pytest.param("0.001", 0.001, id="one-millicore"),
        pytest.param("500m", 0.5, id="millicores"),
        pytest.param("1m", 0.001, id="one-millicore-suffix"),
        pytest.param("2500m", 2.5, id="millicores-over-one"),
    ],
)
def test_parse_cpus_valid(value: Any, expected: float) -> None:
    assert rules.parse_cpus(value) == expected


@pytest.mark.parametrize(
    ("value", "message_has"),
    [
        pytest.param(0, "more than 0", id="zero"),
        pytest.param("0", "more than 0", id="zero-string"),
        pytest.param("0m", "more than 0", id="zero-millicores"),
        pytest.param(-1, "more than 0", id="negative"),
        pytest.param(-0.5, "more than 0", id="negative-float"),
        pytest.param("0.0001", "millicores", id="below-millicore"),
        pytest.param(0.0001, "millicores", id="below-millicore-float"),
        pytest.param("1.0005", "millicores", id="fourth-decimal"),
        pytest.param(10**12, "at most", id="too-many"),
        pytest.param(float("inf"), "number of CPUs", id="inf"),
        pytest.param(float("nan"), "number of CPUs", id="nan"),
        pytest.param(True, "number of CPUs", id="bool"),
        pytest.param(None, "number of CPUs", id="none"),
        pytest.param("", "number of CPUs", id="empty"),
        pytest.param("-1", "number of CPUs", id="negative-string"),
        pytest.param("1.5m", "number of CPUs", id="fractional-millicores"),
        pytest.param("1 m", "number of CPUs", id="space"),
        pytest.param("1\n", "number of CPUs", id="trailing-newline"),
        pytest.param("nan", "number of CPUs", id="nan-string"),
        pytest.param("1e3", "number of CPUs", id="exponent"),
        pytest.param("1_000", "number of CPUs", id="underscore"),
        pytest.param("٣", "number of CPUs", id="arabic-digit"),
    ],
)
def test_parse_cpus_invalid(value: Any, message_has: str) -> None:
    with pytest.raises(ValueError, match=message_has):
        rules.parse_cpus(value)


@pytest.mark.parametrize(
    ("value", "valid"),
    [pytest.param("250m", True, id="valid"), pytest.param("x", False, id="invalid")],
)
def test_cpus_problem(value: Any, valid: bool) -> None:
    assert (rules.cpus_problem(value) is None) == valid


@PROPERTY
@given(st.integers(min_value=1, max_value=10**9))
def test_millicores_and_decimals_agree(milli: int) -> None:
    decimal = f"{milli // 1000}.{milli % 1000:03d}"
    assert rules.parse_cpus(f"{milli}m") == rules.parse_cpus(decimal) == milli / 1000


# --- properties on open input ---------------------------------------------------------------

LABEL_NAMES = st.from_regex(r"[A-Za-z0-9](?:[-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?", fullmatch=True)
DNS_LABELS = st.from_regex(r"[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?", fullmatch=True)
PREFIXES = (
    st.lists(DNS_LABELS, min_size=1, max_size=5)
    .map(".".join)
    .filter(lambda prefix: len(prefix) <= rules.DNS1123_SUBDOMAIN_MAX)
)
LABEL_KEYS = st.one_of(LABEL_NAMES, st.builds(lambda p, n: f"{p}/{n}", PREFIXES, LABEL_NAMES))

ANYTHING = st.one_of(
    st.text(),
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.binary(),
    st.lists(st.text(), max_size=3),
    st.dictionaries(st.text(), st.text(), max_size=3),
)


@PROPERTY
@given(LABEL_KEYS)
def test_generated_label_keys_pass(key: str) -> None:
    assert rules.label_key_problem(key) is None


@PROPERTY
@given(DNS_LABELS)
def test_dns1123_labels_are_label_keys_and_values(name: str) -> None:
    assert rules.dns1123_label_problem(name) is None
    assert rules.label_key_problem(name) is None
    assert rules.label_value_problem(name) is None


@PROPERTY
@given(st.dictionaries(LABEL_KEYS, st.text(max_size=100), max_size=5))
def test_small_annotations_pass(annotations: dict[str, str]) -> None:
    assert rules.annotations_problem(annotations) is None


@PROPERTY
@given(ANYTHING)
def test_problems_never_raise(value: Any) -> None:
    for problem in PROBLEMS:
        assert problem(value) is None or isinstance(problem(value), str)


@PROPERTY
@given(
    st.one_of(ANYTHING, st.from_regex(r"[-+]?[0-9.]{0,8}(?:[eE][-+]?[0-9]{0,4}|[kKMGTPEmi]{0,2})"))
)
def test_parsers_raise_only_value_error(value: Any) -> None:
    for parser in (rules.parse_memory, rules.parse_cpus):
        message = "must "  # what a valid value gives: anything else than ValueError fails
        try:
            parser(value)
        except ValueError as error:
            message = str(error)
        assert message.startswith("must ")
