"""apimachinery's validation messages, word for word: cases from upstream's
`validation_test.go`, `content/kube_test.go` and `field/errors_test.go`, and the messages
a real cluster answers (each expected string is upstream's text, not derived from ours)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mcp import rules
from mcp.kinds import apimachinery

# RegexError's texts, as upstream builds them (two spaces before each "or").
LABEL_KEY_REGEX = (
    "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
    "alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for "
    "validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
)
SUBDOMAIN_REGEX = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or "
    "'.', and must start and end with an alphanumeric character (e.g. 'example.com', regex "
    "used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
)
LABEL_REGEX = (
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and "
    "must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex "
    "used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
)
VALUE_REGEX = (
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or "
    "'.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or "
    "'my_value',  or '12345', regex used for validation is "
    "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
)
CONFIG_KEY_REGEX = (
    "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. "
    "'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is "
    "'[-._a-zA-Z0-9]+')"
)


@pytest.mark.parametrize(
    "value",
    [
        "simple",
        "now-with-dashes",
        "1-starts-with-num",
        "1234",
        "simple/simple",
        "now-with-dashes/simple",
        "now.with.dots/simple",
        "1-num.2-num/3-num",
        "1.2.3.4/5678",
        "Uppercase_Is_OK_123",
        "example.com/Uppercase_Is_OK_123",
        "requests.storage-foo",
        "a" * 63,
        "a" * 253 + "/" + "b" * 63,
    ],
)
def test_qualified_names_upstream_takes(value: str) -> None:
    assert apimachinery.is_qualified_name(value) == []


@pytest.mark.parametrize(
    ("value", "messages"),
    [
        pytest.param("Bad Key", [f"name part {LABEL_KEY_REGEX}"], id="space"),
        pytest.param("cantendwithadash-", [f"name part {LABEL_KEY_REGEX}"], id="dash-end"),
        pytest.param(
            "",
            ["name part must be non-empty", f"name part {LABEL_KEY_REGEX}"],
            id="empty",
        ),
        pytest.param("a" * 64, ["name part must be no more than 63 bytes"], id="name-too-long"),
        pytest.param(
            "é" * 32,
            ["name part must be no more than 63 bytes", f"name part {LABEL_KEY_REGEX}"],
            id="bytes-not-characters",
        ),
        pytest.param(
            "only/one/slash",
            [
                f"a valid label key {LABEL_KEY_REGEX} with an optional DNS subdomain prefix and "
                "'/' (e.g. 'example.com/MyName')"
            ],
            id="two-slashes",
        ),
        pytest.param("/simple", ["prefix part must be non-empty"], id="empty-prefix"),
        pytest.param(
            "example.com/",
            ["name part must be non-empty", f"name part {LABEL_KEY_REGEX}"],
            id="empty-name",
        ),
        pytest.param("Example.com/abc", [f"prefix part {SUBDOMAIN_REGEX}"], id="prefix-upper"),
        pytest.param("example_com/abc", [f"prefix part {SUBDOMAIN_REGEX}"], id="prefix-underscore"),
        pytest.param(
            "a" * 254 + "/abc",
            ["prefix part must be no more than 253 bytes"],
            id="prefix-too-long",
        ),
    ],
)
def test_qualified_name_messages(value: str, messages: list[str]) -> None:
    assert apimachinery.is_qualified_name(value) == messages


@pytest.mark.parametrize(
    ("value", "messages"),
    [
        pytest.param("", [], id="empty"),
        pytest.param("a" * 63, [], id="at-the-limit"),
        pytest.param("end-with-num-1", [], id="dashes"),
        pytest.param("ends-with-dash-", [VALUE_REGEX], id="dash-end"),
        pytest.param(".starts.with.dot", [VALUE_REGEX], id="dot-start"),
        pytest.param("Tama-nui-te-rā.is.Māori.sun", [VALUE_REGEX], id="not-ascii"),
        pytest.param("a" * 64, ["must be no more than 63 bytes"], id="too-long"),
    ],
)
def test_label_value_messages(value: str, messages: list[str]) -> None:
    assert apimachinery.is_valid_label_value(value) == messages


@pytest.mark.parametrize(
    ("value", "label", "subdomain"),
    [
        pytest.param("a--1--2--b", [], [], id="dashes"),
        pytest.param("0", [], [], id="digit"),
        pytest.param("a.b", ["must not contain dots"], [], id="dots"),
        pytest.param("A", [LABEL_REGEX], [SUBDOMAIN_REGEX], id="upper"),
        pytest.param("a_b", [LABEL_REGEX], [SUBDOMAIN_REGEX], id="underscore"),
        pytest.param("a..b", [LABEL_REGEX], [SUBDOMAIN_REGEX], id="empty-part"),
        pytest.param("", [LABEL_REGEX], [SUBDOMAIN_REGEX], id="empty"),
        pytest.param("a" * 64, ["must be no more than 63 characters"], [], id="long-label"),
        pytest.param(
            "a" * 254,
            ["must be no more than 63 characters"],
            ["must be no more than 253 characters"],
            id="long-subdomain",
        ),
    ],
)
def test_dns_names(value: str, label: list[str], subdomain: list[str]) -> None:
    assert apimachinery.is_dns1123_label(value) == label
    assert apimachinery.is_dns1123_subdomain(value) == subdomain


@pytest.mark.parametrize(
    ("value", "messages"),
    [
        pytest.param("key.name", [], id="ok"),
        pytest.param("a b", [CONFIG_KEY_REGEX], id="space"),
        pytest.param("..", ["must not be '..'"], id="dot-dot"),
        pytest.param("..a", ["must not start with '..'"], id="dot-dot-start"),
        pytest.param("k" * 254, ["must be no more than 253 characters"], id="too-long"),
    ],
)
def test_config_map_keys(value: str, messages: list[str]) -> None:
    assert apimachinery.is_config_map_key(value) == messages


@pytest.mark.parametrize(
    ("name", "prefix", "valid"),
    [
        # maskTrailingDash drops two characters and appends 'a': "job-" is checked as "joa".
        pytest.param("job-", True, True, id="generate-name"),
        pytest.param("job-", False, False, id="name"),
        pytest.param("-", True, False, id="dash-alone"),
        pytest.param("Job-", True, False, id="upper"),
    ],
)
def test_names_for_generation(name: str, prefix: bool, valid: bool) -> None:
    assert (apimachinery.name_is_dns_subdomain(name, prefix) == []) is valid
    assert (apimachinery.name_is_dns_label(name, prefix) == []) is valid


@given(st.text(alphabet="aZ09-_./ é", max_size=12))
def test_the_words_follow_the_rules(value: str) -> None:
    """The same verdicts as `mcp.rules`, which words them for mcp's own paths, and as
    upstream's patterns compiled as they are."""
    assert (apimachinery.is_qualified_name(value) == []) is (rules.label_key_problem(value) is None)
    assert (apimachinery.is_valid_label_value(value) == []) is (
        rules.label_value_problem(value) is None
    )
    label = re.fullmatch(apimachinery.DNS1123_LABEL_FMT, value)
    assert (apimachinery.is_dns1123_label(value) == []) is bool(label and len(value) <= 63)


@pytest.mark.parametrize(
    ("text", "quoted"),
    [
        pytest.param("Bad Key", '"Bad Key"', id="plain"),
        pytest.param('a"b\\c', '"a\\"b\\\\c"', id="quote-backslash"),
        pytest.param("a\nb\tc\x07", '"a\\nb\\tc\\a"', id="escapes"),
        pytest.param("\x00\x1f\x7f", '"\\x00\\x1f\\x7f"', id="control"),
        pytest.param("é☃😀", '"é☃😀"', id="printable-unicode"),
        pytest.param("\u00ad\u2028", '"\\u00ad\\u2028"', id="unprintable-unicode"),
        pytest.param("\U000e0001", '"\\U000e0001"', id="unprintable-astral"),
        pytest.param("\ud800", '"\ufffd"', id="lone-surrogate"),
    ],
)
def test_values_are_quoted_as_go_quotes_them(text: str, quoted: str) -> None:
    assert apimachinery.go_quote(text) == quoted


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        pytest.param("x", '"x"', id="string"),
        pytest.param(True, "true", id="bool"),
        pytest.param(-3, "-3", id="int"),
        pytest.param(1.5, "1.5", id="float"),
        pytest.param(2.0, "2", id="whole-float"),
        pytest.param(123456.0, "123456", id="six-digits"),
        pytest.param(1e6, "1e+06", id="million"),
        pytest.param(1234567.0, "1.234567e+06", id="exponent"),
        pytest.param(0.0001, "0.0001", id="small"),
        pytest.param(0.00001, "1e-05", id="smaller"),
        pytest.param(
            ["orphan", "foregroundDeletion"], '["orphan","foregroundDeletion"]', id="list"
        ),
        pytest.param({"a": "<&>"}, '{"a":"\\u003c\\u0026\\u003e"}', id="html-escaped"),
    ],
)
def test_bad_values_are_shown_as_field_error_shows_them(value: Any, shown: str) -> None:
    assert apimachinery.go_value(value) == shown


@pytest.mark.parametrize(
    ("problem", "body"),
    [
        pytest.param(
            apimachinery.invalid("f", "v", "d"), ("f", 'Invalid value: "v": d'), id="invalid"
        ),
        pytest.param(apimachinery.required("f"), ("f", "Required value"), id="required"),
        pytest.param(
            apimachinery.required("f", "d"), ("f", "Required value: d"), id="required-detail"
        ),
        pytest.param(apimachinery.forbidden("f", "d"), ("f", "Forbidden: d"), id="forbidden"),
        pytest.param(
            apimachinery.too_long("f", 262144),
            ("f", "Too long: may not be more than 262144 bytes"),
            id="too-long",
        ),
        pytest.param(
            apimachinery.too_long("f", 1), ("f", "Too long: may not be more than 1 byte"), id="one"
        ),
        pytest.param(
            apimachinery.duplicate("f", "v"), ("f", 'Duplicate value: "v"'), id="duplicate"
        ),
        pytest.param(
            apimachinery.not_supported("f", "x", ("A", "B")),
            ("f", 'Unsupported value: "x": supported values: "A", "B"'),
            id="not-supported",
        ),
    ],
)
def test_error_bodies(problem: tuple[str, str], body: tuple[str, str]) -> None:
    assert problem == body


@pytest.mark.parametrize(
    ("problems", "text"),
    [
        pytest.param([("f", "Required value")], "f: Required value", id="one"),
        pytest.param([("f", "a"), ("f", "a")], "f: a", id="duplicates-once"),
        pytest.param([("f", "a"), ("g", "b")], "[f: a, g: b]", id="several"),
    ],
)
def test_the_aggregate(problems: list[tuple[str, str]], text: str) -> None:
    assert apimachinery.aggregate(problems) == text


def meta(**fields: Any) -> dict[str, Any]:
    return {"name": "web", "namespace": "default", **fields}


@pytest.mark.parametrize(
    ("metadata", "namespaced", "problems"),
    [
        pytest.param(meta(), True, [], id="valid"),
        pytest.param(
            meta(name=""),
            True,
            [("metadata.name", "Required value: name or generateName is required")],
            id="no-name",
        ),
        pytest.param(
            meta(name="Web"),
            True,
            [("metadata.name", f'Invalid value: "Web": {SUBDOMAIN_REGEX}')],
            id="bad-name",
        ),
        pytest.param(
            meta(name="Bad-abcde", generateName="Bad-"),
            True,
            [
                ("metadata.generateName", f'Invalid value: "Bad-": {SUBDOMAIN_REGEX}'),
                ("metadata.name", f'Invalid value: "Bad-abcde": {SUBDOMAIN_REGEX}'),
            ],
            id="bad-generate-name",
        ),
        pytest.param(
            meta(namespace=""), True, [("metadata.namespace", "Required value")], id="no-namespace"
        ),
        pytest.param(
            meta(namespace="a.b"),
            True,
            [("metadata.namespace", 'Invalid value: "a.b": must not contain dots')],
            id="namespace-label",
        ),
        pytest.param(
            meta(namespace="x"),
            False,
            [("metadata.namespace", "Forbidden: not allowed on this type")],
            id="cluster-scoped",
        ),
        pytest.param(
            meta(labels={"Bad Key": "x", "ok": "a b"}),
            True,
            [
                ("metadata.labels", f'Invalid value: "Bad Key": name part {LABEL_KEY_REGEX}'),
                ("metadata.labels", f'Invalid value: "a b": {VALUE_REGEX}'),
            ],
            id="labels",
        ),
        pytest.param(
            meta(annotations={"Example.COM/Key": "any value at all", "a b": ""}),
            True,
            # Keys are checked lower-cased, and shown as sent.
            [("metadata.annotations", f'Invalid value: "a b": name part {LABEL_KEY_REGEX}')],
            id="annotations",
        ),
        pytest.param(
            meta(annotations={"big": "x" * (256 * 1024)}),
            True,
            [("metadata.annotations", "Too long: may not be more than 262144 bytes")],
            id="annotations-too-big",
        ),
        pytest.param(
            meta(finalizers=["hold", "a b/c", "example.com/ok", "kubernetes"]),
            True,
            [
                ("metadata.finalizers", f'Invalid value: "a b/c": prefix part {SUBDOMAIN_REGEX}'),
                (
                    "metadata.finalizers[0]",
                    'Invalid value: "hold": name is neither a standard finalizer name nor is it '
                    "fully qualified",
                ),
            ],
            id="finalizers",
        ),
        pytest.param(
            meta(finalizers=["orphan", "foregroundDeletion"]),
            True,
            [
                (
                    "metadata.finalizers",
                    'Invalid value: ["orphan","foregroundDeletion"]: finalizer orphan and '
                    "foregroundDeletion cannot be both set",
                )
            ],
            id="orphan-and-foreground",
        ),
        pytest.param(
            meta(ownerReferences=[{"kind": "ReplicaSet", "name": "web", "uid": "1"}]),
            True,
            [("metadata.ownerReferences[0].apiVersion", "Required value: must not be empty")],
            id="owner-without-api-version",
        ),
        pytest.param(
            meta(ownerReferences=[{"apiVersion": "v1", "kind": "Event", "name": "e", "uid": "1"}]),
            True,
            [
                (
                    "metadata.ownerReferences[0]",
                    'Invalid value: {"apiVersion":"v1","kind":"Event","name":"e","uid":"1"}: '
                    "/v1, Kind=Event is disallowed from being an owner",
                )
            ],
            id="banned-owner",
        ),
    ],
)
def test_object_meta(
    metadata: dict[str, Any], namespaced: bool, problems: list[tuple[str, str]]
) -> None:
    assert apimachinery.object_meta_problems(metadata, namespaced=namespaced) == problems


def test_a_namespace_name_is_a_label() -> None:
    problems = apimachinery.object_meta_problems(
        {"name": "a.b"}, namespaced=False, name_rule=apimachinery.name_is_dns_label
    )
    assert problems == [("metadata.name", 'Invalid value: "a.b": must not contain dots')]


def test_generated_names_are_upstreams() -> None:
    name = apimachinery.generate_name("x" * 70)
    assert name.startswith("x" * 58)
    assert len(name) == 63
    assert set(name[58:]) <= set(apimachinery.GENERATED_ALPHABET)
