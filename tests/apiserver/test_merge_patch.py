"""JSON merge patch: RFC 7396 appendix A verbatim, `create`, and the round trip."""

from __future__ import annotations

import copy

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mcp.apiserver.patch import merge_patch

PROPERTY = settings(max_examples=300, deadline=None)

# RFC 7396 appendix A, every row, in order: original, patch, result.
RFC_7396_APPENDIX_A = [
    pytest.param({"a": "b"}, {"a": "c"}, {"a": "c"}, id="A-1-replace"),
    pytest.param({"a": "b"}, {"b": "c"}, {"a": "b", "b": "c"}, id="A-2-add"),
    pytest.param({"a": "b"}, {"a": None}, {}, id="A-3-remove"),
    pytest.param({"a": "b", "b": "c"}, {"a": None}, {"b": "c"}, id="A-4-remove-one"),
    pytest.param({"a": ["b"]}, {"a": "c"}, {"a": "c"}, id="A-5-list-by-scalar"),
    pytest.param({"a": "c"}, {"a": ["b"]}, {"a": ["b"]}, id="A-6-scalar-by-list"),
    pytest.param(
        {"a": {"b": "c"}}, {"a": {"b": "d", "c": None}}, {"a": {"b": "d"}}, id="A-7-nested"
    ),
    pytest.param({"a": [{"b": "c"}]}, {"a": [1]}, {"a": [1]}, id="A-8-lists-replace"),
    pytest.param(["a", "b"], ["c", "d"], ["c", "d"], id="A-9-list-document"),
    pytest.param({"a": "b"}, ["c"], ["c"], id="A-10-object-by-list"),
    pytest.param({"a": "foo"}, None, None, id="A-11-null-patch"),
    pytest.param({"a": "foo"}, "bar", "bar", id="A-12-scalar-patch"),
    pytest.param({"e": None}, {"a": 1}, {"e": None, "a": 1}, id="A-13-null-in-target-kept"),
    pytest.param([1, 2], {"a": "b", "c": None}, {"a": "b"}, id="A-14-list-by-object"),
    pytest.param(
        {}, {"a": {"bb": {"ccc": None}}}, {"a": {"bb": {}}}, id="A-15-nested-null-dropped"
    ),
]


@pytest.mark.parametrize(("target", "patch", "expected"), RFC_7396_APPENDIX_A)
def test_apply(target: object, patch: object, expected: object) -> None:
    before = (copy.deepcopy(target), copy.deepcopy(patch))
    assert merge_patch.apply(target, patch) == expected
    assert (target, patch) == before


@pytest.mark.parametrize(
    ("original", "modified", "expected"),
    [
        pytest.param({}, {}, {}, id="both-empty"),
        pytest.param({"a": 1}, {"a": 1.0}, {}, id="same-number"),
        pytest.param({"a": 1}, {"a": True}, {"a": True}, id="bool-is-not-number"),
        pytest.param({"a": 1, "b": 2}, {"a": 1}, {"b": None}, id="removed"),
        pytest.param(
            {"a": {"b": 1, "c": 2}}, {"a": {"b": 1}}, {"a": {"c": None}}, id="nested-removed"
        ),
        pytest.param({"a": {"b": 1}}, {"a": {"b": 1}}, {}, id="nested-equal"),
        pytest.param({"a": [1, 2]}, {"a": [2, 1]}, {"a": [2, 1]}, id="list-whole"),
        pytest.param({"a": {"b": 1}}, {"a": [1]}, {"a": [1]}, id="type-changed"),
    ],
)
def test_create(
    original: dict[str, object], modified: dict[str, object], expected: dict[str, object]
) -> None:
    assert merge_patch.create(original, modified) == expected


def test_apply_shares_nothing_with_its_arguments() -> None:
    target: dict[str, object] = {"keep": {"x": [1]}}
    patch: dict[str, object] = {"new": {"y": [2]}}
    result = merge_patch.apply(target, patch)
    assert isinstance(result, dict)
    result["keep"]["x"].append(9)
    result["new"]["y"].append(9)
    assert target == {"keep": {"x": [1]}}
    assert patch == {"new": {"y": [2]}}


KEYS = st.sampled_from(["a", "b", "c", "d"])
NO_NULLS = st.recursive(
    st.booleans() | st.integers() | st.text(max_size=2),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(KEYS, inner, max_size=3),
    max_leaves=10,
)
OBJECTS = st.dictionaries(KEYS, NO_NULLS, max_size=4)


@PROPERTY
@given(original=OBJECTS, modified=OBJECTS)
def test_apply_inverts_create(original: dict[str, object], modified: dict[str, object]) -> None:
    assert merge_patch.apply(original, merge_patch.create(original, modified)) == modified


@PROPERTY
@given(document=OBJECTS)
def test_create_of_equal_documents_is_empty(document: dict[str, object]) -> None:
    assert merge_patch.create(document, copy.deepcopy(document)) == {}
