"""JSON patch: RFC 6902 appendix A verbatim, evanphx v4's leniencies, errors, and properties."""

from __future__ import annotations

import copy
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mcp.apiserver.patch import json_patch
from mcp.apiserver.patch.errors import MalformedPatch, PatchError

PROPERTY = settings(max_examples=200, deadline=None)

# RFC 6902 appendix A, in order. A.13's duplicate "op" decodes (as in Go) to its last value,
# a remove of a missing member: still an error.
RFC_6902_APPENDIX_A = [
    pytest.param(
        {"foo": "bar"},
        [{"op": "add", "path": "/baz", "value": "qux"}],
        {"baz": "qux", "foo": "bar"},
        id="A.1-adding-an-object-member",
    ),
    pytest.param(
        {"foo": ["bar", "baz"]},
        [{"op": "add", "path": "/foo/1", "value": "qux"}],
        {"foo": ["bar", "qux", "baz"]},
        id="A.2-adding-an-array-element",
    ),
    pytest.param(
        {"baz": "qux", "foo": "bar"},
        [{"op": "remove", "path": "/baz"}],
        {"foo": "bar"},
        id="A.3-removing-an-object-member",
    ),
    pytest.param(
        {"foo": ["bar", "qux", "baz"]},
        [{"op": "remove", "path": "/foo/1"}],
        {"foo": ["bar", "baz"]},
        id="A.4-removing-an-array-element",
    ),
    pytest.param(
        {"baz": "qux", "foo": "bar"},
        [{"op": "replace", "path": "/baz", "value": "boo"}],
        {"baz": "boo", "foo": "bar"},
        id="A.5-replacing-a-value",
    ),
    pytest.param(
        {"foo": {"bar": "baz", "waldo": "fred"}, "qux": {"corge": "grault"}},
        [{"op": "move", "from": "/foo/waldo", "path": "/qux/thud"}],
        {"foo": {"bar": "baz"}, "qux": {"corge": "grault", "thud": "fred"}},
        id="A.6-moving-a-value",
    ),
    pytest.param(
        {"foo": ["all", "grass", "cows", "eat"]},
        [{"op": "move", "from": "/foo/1", "path": "/foo/3"}],
        {"foo": ["all", "cows", "eat", "grass"]},
        id="A.7-moving-an-array-element",
    ),
    pytest.param(
        {"baz": "qux", "foo": ["a", 2, "c"]},
        [
            {"op": "test", "path": "/baz", "value": "qux"},
            {"op": "test", "path": "/foo/1", "value": 2},
        ],
        {"baz": "qux", "foo": ["a", 2, "c"]},
        id="A.8-testing-a-value-success",
    ),
    pytest.param(
        {"baz": "qux"},
        [{"op": "test", "path": "/baz", "value": "bar"}],
        PatchError,
        id="A.9-testing-a-value-error",
    ),
    pytest.param(
        {"foo": "bar"},
        [{"op": "add", "path": "/child", "value": {"grandchild": {}}}],
        {"foo": "bar", "child": {"grandchild": {}}},
        id="A.10-adding-a-nested-member-object",
    ),
    pytest.param(
        {"foo": "bar"},
        [{"op": "add", "path": "/baz", "value": "qux", "xyz": 123}],
        {"foo": "bar", "baz": "qux"},
        id="A.11-ignoring-unrecognized-elements",
    ),
    pytest.param(
        {"foo": "bar"},
        [{"op": "add", "path": "/baz/bat", "value": "qux"}],
        PatchError,
        id="A.12-adding-to-a-nonexistent-target",
    ),
    pytest.param(
        {"foo": "bar"},
        json.loads('[{ "op": "add", "path": "/baz", "value": "qux", "op": "remove" }]'),
        PatchError,
        id="A.13-invalid-json-patch-document",
    ),
    pytest.param(
        {"/": 9, "~1": 10},
        [{"op": "test", "path": "/~01", "value": 10}],
        {"/": 9, "~1": 10},
        id="A.14-escape-ordering",
    ),
    pytest.param(
        {"/": 9, "~1": 10},
        [{"op": "test", "path": "/~01", "value": "10"}],
        PatchError,
        id="A.15-comparing-strings-and-numbers",
    ),
    pytest.param(
        {"foo": ["bar"]},
        [{"op": "add", "path": "/foo/-", "value": ["abc", "def"]}],
        {"foo": ["bar", ["abc", "def"]]},
        id="A.16-adding-an-array-value",
    ),
]

BEYOND_THE_APPENDIX = [
    pytest.param({"a": 1}, [{"op": "add", "path": "", "value": [1]}], [1], id="add-root"),
    pytest.param({"a": 1}, [{"op": "replace", "path": "", "value": {}}], {}, id="replace-root"),
    pytest.param(
        {"a": 1}, [{"op": "test", "path": "", "value": {"a": 1.0}}], {"a": 1}, id="test-root"
    ),
    pytest.param(
        {"a": [1, 2, 3]}, [{"op": "remove", "path": "/a/-1"}], {"a": [1, 2]}, id="negative-index-v4"
    ),
    pytest.param(
        {"a": [1, 2]},
        [{"op": "add", "path": "/a/2", "value": 3}],
        {"a": [1, 2, 3]},
        id="add-at-end",
    ),
    pytest.param(
        {"a": [1, 2]}, [{"op": "add", "path": "/a/3", "value": 3}], PatchError, id="add-past-end"
    ),
    pytest.param(
        {"a": [1, 2]},
        [{"op": "replace", "path": "/a/2", "value": 3}],
        PatchError,
        id="replace-past-end",
    ),
    pytest.param(
        {"a": [1]},
        [{"op": "add", "path": "/a/01", "value": 0}],
        PatchError,
        id="leading-zero-index",
    ),
    pytest.param(
        {"a": [1]}, [{"op": "add", "path": "/a/x", "value": 0}], PatchError, id="word-index"
    ),
    pytest.param(
        {"labels": {}},
        [{"op": "replace", "path": "/labels/app", "value": "web"}],
        {"labels": {"app": "web"}},
        id="replace-missing-member-adds-v4",
    ),
    pytest.param(
        {"a": 1}, [{"op": "test", "path": "/b", "value": None}], {"a": 1}, id="test-missing-null-v4"
    ),
    pytest.param(
        {"a": 1}, [{"op": "test", "path": "/b", "value": 1}], PatchError, id="test-missing"
    ),
    pytest.param({"a": 1}, [{"op": "remove", "path": "/b"}], PatchError, id="remove-missing"),
    pytest.param({"a": 1}, [{"op": "remove", "path": ""}], PatchError, id="remove-root"),
    pytest.param(
        {"a": 1}, [{"op": "copy", "from": "/b", "path": "/c"}], PatchError, id="copy-missing"
    ),
    pytest.param(
        {"a": {"b": [1]}},
        [{"op": "copy", "from": "/a/b", "path": "/c"}],
        {"a": {"b": [1]}, "c": [1]},
        id="copy",
    ),
    pytest.param(
        {"a": {"b": 1}},
        [{"op": "move", "from": "/a", "path": "/a/c"}],
        PatchError,
        id="move-into-child",
    ),
    pytest.param(
        {"a": 1}, [{"op": "move", "from": "/a", "path": "/a"}], {"a": 1}, id="move-onto-itself"
    ),
    pytest.param(
        {"a": None}, [{"op": "add", "path": "/a/b", "value": 1}], PatchError, id="through-null"
    ),
    pytest.param(
        {"a": "s"}, [{"op": "add", "path": "/a/b", "value": 1}], PatchError, id="through-scalar"
    ),
    pytest.param(
        {"a": 1}, [{"op": "add", "path": "a", "value": 1}], PatchError, id="pointer-no-slash"
    ),
    pytest.param({"a": 1}, [{"op": "add", "path": "/b"}], PatchError, id="add-without-value"),
    pytest.param({"a": 1}, [{"op": "jump", "path": "/a"}], PatchError, id="unknown-op"),
    pytest.param({"a": 1}, [{"path": "/a"}], PatchError, id="missing-op"),
    pytest.param({"a": 1}, [{"op": "remove"}], PatchError, id="missing-path"),
    pytest.param(
        {"a": True}, [{"op": "test", "path": "/a", "value": 1}], PatchError, id="true-is-not-1"
    ),
    pytest.param(
        {"a/b": {"m~n": 1}},
        [{"op": "replace", "path": "/a~1b/m~0n", "value": 2}],
        {"a/b": {"m~n": 2}},
        id="escapes",
    ),
    pytest.param({"a": 1}, {"op": "remove", "path": "/a"}, MalformedPatch, id="not-a-list"),
    pytest.param({"a": 1}, ["remove"], MalformedPatch, id="not-an-object"),
]


@pytest.mark.parametrize(
    ("document", "operations", "expected"), RFC_6902_APPENDIX_A + BEYOND_THE_APPENDIX
)
def test_apply(document: object, operations: object, expected: object) -> None:
    before = copy.deepcopy(document)
    if isinstance(expected, type):
        with pytest.raises(expected):
            json_patch.apply(document, operations)
    else:
        assert json_patch.apply(document, operations) == expected
    assert document == before


def test_error_names_the_operation_and_path() -> None:
    operations = [{"op": "test", "path": "/a", "value": 1}, {"op": "remove", "path": "/b/c"}]
    with pytest.raises(PatchError, match=r"operation 1 \('remove' at '/b/c'\)"):
        json_patch.apply({"a": 1}, operations)


def test_error_is_a_value_error() -> None:
    assert issubclass(PatchError, ValueError)
    assert issubclass(MalformedPatch, PatchError)


def test_result_shares_nothing_with_the_value() -> None:
    value: dict[str, list[int]] = {"b": [1]}
    result = json_patch.apply({}, [{"op": "add", "path": "/a", "value": value}])
    assert isinstance(result, dict)
    result["a"]["b"].append(2)
    assert value == {"b": [1]}


KEYS = st.text(alphabet="ab~/", min_size=1, max_size=4)
SCALARS = st.none() | st.booleans() | st.integers() | st.text(max_size=3)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(KEYS, inner, max_size=3),
    max_leaves=8,
)


def _pointer(key: str) -> str:
    return "/" + key.replace("~", "~0").replace("/", "~1")


@PROPERTY
@given(document=st.dictionaries(KEYS, VALUES, max_size=4), key=KEYS, value=VALUES)
def test_test_after_add_succeeds(document: dict[str, object], key: str, value: object) -> None:
    pointer = _pointer(key)
    operations = [
        {"op": "add", "path": pointer, "value": value},
        {"op": "test", "path": pointer, "value": value},
    ]
    result = json_patch.apply(document, operations)
    assert result == {**document, key: value}


@PROPERTY
@given(document=st.dictionaries(KEYS, VALUES, min_size=1, max_size=4), data=st.data())
def test_copy_then_remove_is_move(document: dict[str, object], data: st.DataObject) -> None:
    source = data.draw(st.sampled_from(sorted(document)))
    target = data.draw(KEYS.filter(lambda k: k != source))
    moved = json_patch.apply(
        document, [{"op": "move", "from": _pointer(source), "path": _pointer(target)}]
    )
    copied = json_patch.apply(
        document,
        [
            {"op": "copy", "from": _pointer(source), "path": _pointer(target)},
            {"op": "remove", "path": _pointer(source)},
        ],
    )
    assert moved == copied
