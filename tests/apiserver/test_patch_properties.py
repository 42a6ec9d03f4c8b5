"""Laws of the two RFC patch formats, for generated JSON: what test_merge_patch.py and
test_json_patch.py do not already state (apply inverts create; test after add; copy then
remove is move).

Merge patch (RFC 7396): applying a patch twice is applying it once; the empty patch changes
nothing; a diff is absorbed by its own target. JSON patch (RFC 6902): add then remove
round-trips, `test` of any current value passes, `replace` by the current value and a move
there and back change nothing, a copy's target equals its source, and a patch is the
sequence of its operations (all of them apply, or the patch fails as the sequence does).
"""

from __future__ import annotations

import copy
from collections.abc import Iterator

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from mcp.apiserver.patch import json_patch, merge_patch
from mcp.apiserver.patch.errors import PatchError

PROPERTY = settings(max_examples=300, deadline=None)

KEYS = st.text(alphabet="ab~/", min_size=1, max_size=3)
SCALARS = st.none() | st.booleans() | st.integers(-5, 5) | st.text(alphabet="xy", max_size=2)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(KEYS, inner, max_size=3),
    max_leaves=10,
)
DOCUMENTS = st.dictionaries(KEYS, VALUES, max_size=4)
# Merge patches: values may be null (remove) and nest.
PATCH_VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=2) | st.dictionaries(KEYS, inner, max_size=3),
    max_leaves=8,
)
MERGE_PATCHES = st.dictionaries(KEYS, PATCH_VALUES, max_size=4)
NO_NULLS = st.recursive(
    st.booleans() | st.integers(-5, 5) | st.text(alphabet="xy", max_size=2),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(KEYS, inner, max_size=3),
    max_leaves=10,
)


def escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def locations(document: object, pointer: str = "") -> Iterator[tuple[str, object]]:
    """Every (pointer, value) in `document`, the root ("") first."""
    yield pointer, document
    if isinstance(document, dict):
        for key, value in document.items():
            yield from locations(value, f"{pointer}/{escape(key)}")
    elif isinstance(document, list):
        for index, value in enumerate(document):
            yield from locations(value, f"{pointer}/{index}")


# Merge patch (RFC 7396).


@PROPERTY
@given(document=DOCUMENTS, patch=MERGE_PATCHES)
def test_a_merge_patch_applied_twice_is_applied_once(
    document: dict[str, object], patch: dict[str, object]
) -> None:
    once = merge_patch.apply(document, patch)
    assert merge_patch.apply(once, patch) == once


@PROPERTY
@given(document=DOCUMENTS)
def test_the_empty_merge_patch_changes_nothing(document: dict[str, object]) -> None:
    assert merge_patch.apply(document, {}) == document


@PROPERTY
@given(original=st.dictionaries(KEYS, NO_NULLS, max_size=4), data=st.data())
def test_a_diff_is_absorbed_by_its_target(original: dict[str, object], data: st.DataObject) -> None:
    modified = data.draw(st.dictionaries(KEYS, NO_NULLS, max_size=4))
    diff = merge_patch.create(original, modified)
    assert merge_patch.apply(modified, diff) == modified
    patched = merge_patch.apply(original, diff)
    assert isinstance(patched, dict)
    assert merge_patch.create(modified, patched) == {}


@PROPERTY
@given(document=DOCUMENTS, first=MERGE_PATCHES, second=MERGE_PATCHES)
def test_merge_patches_with_no_key_in_common_commute(
    document: dict[str, object], first: dict[str, object], second: dict[str, object]
) -> None:
    assume(not set(first) & set(second))
    one_way = merge_patch.apply(merge_patch.apply(document, first), second)
    assert one_way == merge_patch.apply(merge_patch.apply(document, second), first)


# JSON patch (RFC 6902).


@PROPERTY
@given(document=DOCUMENTS, key=KEYS, value=VALUES)
def test_add_then_remove_of_a_new_member_round_trips(
    document: dict[str, object], key: str, value: object
) -> None:
    assume(key not in document)
    pointer = "/" + escape(key)
    operations = [{"op": "add", "path": pointer, "value": value}, {"op": "remove", "path": pointer}]
    assert json_patch.apply(document, operations) == document


@PROPERTY
@given(items=st.lists(VALUES, max_size=4), value=VALUES, data=st.data())
def test_add_then_remove_in_an_array_round_trips(
    items: list[object], value: object, data: st.DataObject
) -> None:
    index = data.draw(st.integers(0, len(items)))
    document = {"a": items}
    operations = [
        {"op": "add", "path": f"/a/{index}", "value": value},
        {"op": "remove", "path": f"/a/{index}"},
    ]
    assert json_patch.apply(document, operations) == document
    appended = json_patch.apply(document, [{"op": "add", "path": "/a/-", "value": value}])
    assert appended == {"a": [*items, value]}


@PROPERTY
@given(document=DOCUMENTS, data=st.data())
def test_test_of_any_current_value_passes(document: dict[str, object], data: st.DataObject) -> None:
    pointer, value = data.draw(st.sampled_from(list(locations(document))))
    operations = [{"op": "test", "path": pointer, "value": copy.deepcopy(value)}]
    assert json_patch.apply(document, operations) == document


@PROPERTY
@given(document=DOCUMENTS, data=st.data())
def test_replace_by_the_current_value_changes_nothing(
    document: dict[str, object], data: st.DataObject
) -> None:
    pointer, value = data.draw(st.sampled_from(list(locations(document))))
    operations = [{"op": "replace", "path": pointer, "value": copy.deepcopy(value)}]
    assert json_patch.apply(document, operations) == document


@PROPERTY
@given(document=st.dictionaries(KEYS, VALUES, min_size=1, max_size=4), data=st.data())
def test_a_move_there_and_back_changes_nothing(
    document: dict[str, object], data: st.DataObject
) -> None:
    source = "/" + escape(data.draw(st.sampled_from(sorted(document))))
    target = "/" + escape(data.draw(KEYS.filter(lambda k: k not in document)))
    operations = [
        {"op": "move", "from": source, "path": target},
        {"op": "move", "from": target, "path": source},
    ]
    assert json_patch.apply(document, operations) == document
    itself = [{"op": "move", "from": source, "path": source}]
    assert json_patch.apply(document, itself) == document


@PROPERTY
@given(document=st.dictionaries(KEYS, VALUES, min_size=1, max_size=4), data=st.data())
def test_a_copy_equals_its_source_and_removing_it_undoes_it(
    document: dict[str, object], data: st.DataObject
) -> None:
    source, value = data.draw(st.sampled_from(list(locations(document))[1:]))
    target = "/" + escape(data.draw(KEYS.filter(lambda k: k not in document)))
    copied = [{"op": "copy", "from": source, "path": target}]
    result = json_patch.apply(document, [*copied, {"op": "test", "path": target, "value": value}])
    assert result == {**document, json_patch.parse_pointer(target)[0]: value}
    undone = json_patch.apply(document, [*copied, {"op": "remove", "path": target}])
    assert undone == document


def _operation(data: st.DataObject, document: object) -> dict[str, object]:
    """An operation on a location of `document`, or a new member of one of its objects."""
    op = data.draw(st.sampled_from(["add", "remove", "replace", "test", "move", "copy"]))
    pointer, _ = data.draw(st.sampled_from(list(locations(document))))
    if op == "add" and data.draw(st.booleans()):
        pointer = f"{pointer}/{escape(data.draw(KEYS))}"
    operation: dict[str, object] = {"op": op, "path": pointer}
    if op in ("add", "replace", "test"):
        operation["value"] = data.draw(VALUES)
    if op in ("move", "copy"):
        operation["from"] = data.draw(st.sampled_from(list(locations(document))))[0]
    return operation


def _outcome(document: object, operations: list[dict[str, object]]) -> tuple[bool, object]:
    try:
        return True, json_patch.apply(document, operations)
    except PatchError:
        return False, None


@PROPERTY
@given(document=DOCUMENTS, data=st.data())
def test_a_patch_is_the_sequence_of_its_operations(
    document: dict[str, object], data: st.DataObject
) -> None:
    operations: list[dict[str, object]] = []
    current: object = document
    for _ in range(data.draw(st.integers(1, 4))):
        operation = _operation(data, current)
        operations.append(operation)
        applied, result = _outcome(current, [operation])
        if not applied:
            break
        current = result
    else:
        assert _outcome(document, operations) == (True, current)
        return
    # One operation failed: the whole patch fails, and the document is untouched.
    before = copy.deepcopy(document)
    assert _outcome(document, operations) == (False, None)
    assert document == before
