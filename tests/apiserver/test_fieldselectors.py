r"""Field selectors: upstream's grammar (first operator, `\`-escapes, nothing trimmed), each
kind's fields, upstream's words, and the documents' pattern accepting exactly what parses."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mcp.apiserver import fieldselectors
from mcp.apiserver.status import KubeError
from mcp.kinds import Kind, core

PROPERTY = settings(max_examples=300, deadline=None)


CM, SECRET, EVENT = core.CONFIGMAP, core.SECRET, core.EVENT
NAME = "metadata.name"


@pytest.mark.parametrize(
    ("kind", "text", "terms"),
    [
        pytest.param(CM, "metadata.name=web", [(NAME, "web", True)], id="equals"),
        pytest.param(CM, "metadata.name==web", [(NAME, "web", True)], id="double"),
        pytest.param(
            CM,
            "metadata.name!=web,metadata.namespace=default",
            [(NAME, "web", False), ("metadata.namespace", "default", True)],
            id="two-terms",
        ),
        pytest.param(CM, "", [], id="empty"),
        pytest.param(CM, ",metadata.name=a,,", [(NAME, "a", True)], id="empty-terms-skipped"),
        pytest.param(CM, "metadata.name=", [(NAME, "", True)], id="no-value"),
        pytest.param(SECRET, "type=Opaque", [("type", "Opaque", True)], id="secret-type"),
        pytest.param(SECRET, "type=a.io/tls", [("type", "a.io/tls", True)], id="slash"),
        pytest.param(EVENT, "reason=a b", [("reason", "a b", True)], id="spaces-kept"),
        pytest.param(
            EVENT,
            r"reason=a\,b\=c\\,type=x",
            [("reason", "a,b=c\\", True), ("type", "x", True)],
            id="escapes",
        ),
    ],
)
def test_a_selector_parses_to_terms(
    kind: Kind, text: str, terms: list[fieldselectors.Term]
) -> None:
    assert fieldselectors.parse(kind, text) == terms


# ConfigMaps and ServiceAccounts have no field label conversion of their own upstream, so
# runtime.DefaultMetaV1FieldSelectorConversion words the refusal; the kinds with one
# (pkg/apis/core/v1/conversion.go) say "field label not supported".
NOT_KNOWN = '"{}" is not a known field selector: only "metadata.name", "metadata.namespace"'
NOT_SUPPORTED = "field label not supported: {}"
NO_OPERATOR = "invalid selector: '{0}'; can't understand '{0}'"


@pytest.mark.parametrize(
    ("kind", "text", "message"),
    [
        pytest.param(CM, "spec.x=1", NOT_KNOWN.format("spec.x"), id="unknown-field"),
        pytest.param(CM, "metadata.name", NO_OPERATOR.format("metadata.name"), id="no-op"),
        pytest.param(CM, "type=Opaque", NOT_KNOWN.format("type"), id="a-secret-field"),
        pytest.param(core.SERVICEACCOUNT, "type=Opaque", NOT_KNOWN.format("type"), id="accounts"),
        pytest.param(SECRET, "data.x=1", NOT_SUPPORTED.format("data.x"), id="secret"),
        pytest.param(core.NAMESPACE, "spec.x=1", NOT_SUPPORTED.format("spec.x"), id="namespace"),
        pytest.param(core.NODE, "spec.x=1", NOT_SUPPORTED.format("spec.x"), id="node"),
        pytest.param(EVENT, "message=x", NOT_SUPPORTED.format("message"), id="event"),
        # Nothing is trimmed, as upstream: the field is " type".
        pytest.param(EVENT, " type=x", NOT_SUPPORTED.format(" type"), id="space-before"),
        pytest.param(EVENT, "type =x", NOT_SUPPORTED.format("type "), id="space-after"),
        # The first operator cuts the term: the rest is the value, and `=` is no value.
        pytest.param(
            EVENT, "type!==x", "unescaped character in value: =", id="value-starts-with-="
        ),
        pytest.param(EVENT, "type=a=b", "unescaped character in value: =", id="bare-="),
        pytest.param(EVENT, r"type=a\b", r"invalid escape sequence: \b", id="bad-escape"),
        pytest.param(EVENT, "type=a\\", "invalid escape sequence: \\", id="trailing-slash"),
        pytest.param(EVENT, "=x", NOT_SUPPORTED.format(""), id="no-field"),
    ],
)
def test_a_selector_is_refused_in_upstreams_words(kind: Kind, text: str, message: str) -> None:
    with pytest.raises(KubeError) as refused:
        fieldselectors.parse(kind, text)
    assert refused.value.code == 400
    assert message in str(refused.value)


def _parses(kind: Kind, text: str) -> bool:
    try:
        fieldselectors.parse(kind, text)
    except KubeError:
        return False
    return True


def _pattern(kind: Kind) -> str:
    """The documents' pattern without its anchors: ECMA's `$` is the end of the string,
    which Python's is not (it also matches before a last newline)."""
    pattern: str = fieldselectors.schema(kind)["pattern"]
    return pattern.removeprefix("^").removesuffix("$")


KINDS = [CM, SECRET, EVENT]
# The characters the grammar turns on, and a field's pieces, so that random text often
# comes close to a selector.
PIECES = st.lists(
    st.sampled_from(["metadata.name", "type", "reason", "=", "!", ",", "\\", " ", "a", "é"]),
    max_size=8,
).map("".join)


@PROPERTY
@given(kind=st.sampled_from(KINDS), data=st.data())
def test_what_the_pattern_matches_parses(kind: Kind, data: st.DataObject) -> None:
    text = data.draw(st.from_regex(_pattern(kind), fullmatch=True))
    assert _parses(kind, text), text


@PROPERTY
@given(kind=st.sampled_from(KINDS), text=PIECES | st.text(max_size=12))
def test_the_pattern_matches_exactly_what_parses(kind: Kind, text: str) -> None:
    assert (re.fullmatch(_pattern(kind), text) is not None) == _parses(kind, text), text
