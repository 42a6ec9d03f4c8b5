"""Strategic merge patch, as kube-apiserver applies `application/strategic-merge-patch+json`.

Owns `apply(original, patch, schema)` (upstream `StrategicMergeMapPatch`, the server side:
parallel lists merged, unmatched nulls ignored) and `create_two_way(original, modified,
schema)` (upstream `CreateTwoWayMergeMapPatch`), ported function by function from
k8s.io/apimachinery `pkg/util/strategicpatch/patch.go` (mergeMap, mergeSlice,
mergePatchIntoOriginal, normalizeElementOrder, diffMaps, diffLists...) and `meta.go` (how a
field's strategy is looked up). A `Schema` says, per field, what `x-kubernetes-patch-strategy`
and `x-kubernetes-patch-merge-key` say upstream; `schemas.schema_for` has the built-in kinds.

Directives: `$patch: replace` and `$patch: delete` in a map or as a list element,
`$setElementOrder/<list>`, `$deleteFromPrimitiveList/<list>`, `$retainKeys`, and `null`
removing a field. `$patch: merge` is refused, as upstream refuses it (in a map: "unknown patch
type"; in a list: "merging lists cannot yet be specified").

Where this differs from upstream, on purpose:
- a field the schema does not describe has no strategy (its lists replace, its maps merge),
  as upstream's OpenAPI lookup does for a nil schema; upstream's Go-struct lookup would fail
  with "unable to find api field" when both sides hold a list or map there;
- upstream stores directives found inside values it takes whole (a list of the replace
  strategy, an element new to a merging list, a `$patch: replace` map); here a last pass
  drops them (a map holding `$patch` goes, as upstream's removeDirectives does for new
  fields, and so do `$setElementOrder/`, `$deleteFromPrimitiveList/` and `$retainKeys`
  keys), so a result never contains a directive;
- every failure is `PatchError` (422) or `MalformedPatch` (400) where upstream returns some
  as plain errors (500s); a list with no elements on either side of a `$setElementOrder` is
  left as it is where upstream fails.
Go's slices alias: upstream's in-place deletions and appends while merging a list show
through to the list mergePatchIntoOriginal then orders by, and its results depend on that;
`_merge_map_elements` models it for lists of objects. For repeated primitives the effect also
depends on a slice's capacity, which is not modelled.
Not implemented: the three-way patch (kubectl computes it) and upstream's patch-merging
helpers (MergeStrategicMergeMapPatchUsingLookupPatchMeta, MergingMapsHaveConflicts).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from mcp.apiserver.patch.errors import MalformedPatch, PatchError

DIRECTIVE = "$patch"
DELETE = "delete"
REPLACE = "replace"
MERGE = "merge"
RETAIN_KEYS = "$retainKeys"
DELETE_FROM_PRIMITIVE_LIST = "$deleteFromPrimitiveList"
SET_ELEMENT_ORDER = "$setElementOrder"

Strategy = Literal["", "merge", "replace"]


@dataclass(frozen=True)
class Field:
    """What upstream's patch tags say of one field.

    `strategy` is "merge" for a list merged element by element (by `merge_key` for lists of
    objects, by value for lists of primitives), "replace" for a value always replaced, ""
    for the default (lists replace, objects merge). `retain_keys` is the `retainKeys`
    strategy: two-way patches carry `$retainKeys` for this field's object (or, on a merging
    list, for each element). `schema` describes the field's object, or a list's elements.
    """

    strategy: Strategy = ""
    merge_key: str = ""
    retain_keys: bool = False
    schema: Schema | None = None


@dataclass(frozen=True)
class Schema:
    """The patch metadata of one object type.

    `fields` names the fields with a strategy or a described type; any other field is
    `Field()`. `values`, when set, makes this a map (Go's `map[string]T`) whose every value
    is described by it; a map of primitives needs nothing (it merges key by key either way).
    """

    name: str = "object"
    fields: Mapping[str, Field] = field(default_factory=dict)
    values: Field | None = None

    def lookup(self, key: str) -> Field:
        """The metadata of `key` in this object (or of any value, for a map)."""
        if self.values is not None:
            return self.values
        return self.fields.get(key, _NO_METADATA)


_NO_METADATA = Field()
OPEN = Schema("open")
"""No metadata anywhere: every list is replaced, every map merged (as for a nil OpenAPI schema)."""


def _sub(f: Field) -> Schema:
    return f.schema if f.schema is not None else OPEN


def apply(
    original: Mapping[str, object], patch: Mapping[str, object], schema: Schema
) -> dict[str, object]:
    """Apply a strategic merge patch, as kube-apiserver does (`StrategicMergeMapPatch`).

    Args:
        original: the stored object, decoded; left untouched.
        patch: the decoded patch; left untouched.
        schema: the object's patch metadata (`schemas.schema_for`).

    Returns:
        The patched object: no directive key anywhere in it.

    Raises:
        MalformedPatch: the patch is not an object, or a directive has the wrong shape.
        PatchError: the patch does not fit this object (a missing merge key, an order that
            contradicts `$setElementOrder`, lists of lists, an unknown `$patch`).
    """
    if not isinstance(patch, Mapping):
        raise MalformedPatch("a strategic merge patch must be a JSON object")
    if not isinstance(original, Mapping):
        raise PatchError("a strategic merge patch applies to a JSON object")
    merged = _merge_map(copy.deepcopy(dict(original)), copy.deepcopy(dict(patch)), schema)
    scrubbed, _ = _remove_directives(merged, every_directive=True)
    assert isinstance(scrubbed, dict)
    return scrubbed


# ---------------------------------------------------------------------------------------------
# Applying (patch.go: mergeMap and what it calls), with MergeParallelList and
# IgnoreUnmatchedNulls on. The helpers mutate the deep copies `apply` made.


def _merge_map(
    original: dict[str, object], patch: dict[str, object], schema: Schema
) -> dict[str, object]:
    if DIRECTIVE in patch:
        return _directive_in_map(patch[DIRECTIVE], patch)
    _apply_retain_keys(original, patch)
    _merge_set_element_order(original, patch, schema)
    for key, patch_value in list(patch.items()):
        is_delete_list = key.startswith(DELETE_FROM_PRIMITIVE_LIST)
        if is_delete_list:
            key = _unprefixed(key, DELETE_FROM_PRIMITIVE_LIST)
        if patch_value is None:
            original.pop(key, None)
            continue
        if key not in original or _kind(original[key]) != _kind(patch_value):
            if not is_delete_list:
                _discard_nulls(patch_value)
                value, keep = _remove_directives(patch_value)
                if keep:
                    original[key] = value
                else:
                    original.pop(key, None)
            continue
        current = original[key]
        meta = schema.lookup(key)
        if isinstance(current, dict) and isinstance(patch_value, dict):
            if meta.strategy == REPLACE:
                original[key] = patch_value
            else:
                original[key] = _merge_map(current, patch_value, _sub(meta))
        elif isinstance(current, list) and isinstance(patch_value, list):
            original[key] = _merge_list_field(current, patch_value, meta, is_delete_list)[0]
        else:
            original[key] = patch_value
    return original


def _directive_in_map(directive: object, patch: dict[str, object]) -> dict[str, object]:
    if directive == REPLACE:
        del patch[DIRECTIVE]
        return patch
    if directive == DELETE:
        return {}
    raise PatchError(f"unknown patch type: {directive} in map: {patch}")


def _apply_retain_keys(original: dict[str, object], patch: dict[str, object]) -> None:
    if RETAIN_KEYS not in patch:
        return
    retained = patch.pop(RETAIN_KEYS)
    if not isinstance(retained, list) or not all(isinstance(k, str) for k in retained):
        raise MalformedPatch("invalid patch format of retainKeys")
    keep = set(retained)
    for key, value in patch.items():
        if value is None or key.startswith((DELETE_FROM_PRIMITIVE_LIST, SET_ELEMENT_ORDER)):
            continue
        if key not in keep:
            raise MalformedPatch("invalid patch format of retainKeys")
    for key in list(original):
        if key not in keep:
            del original[key]


def _merge_set_element_order(
    original: dict[str, object], patch: dict[str, object], schema: Schema
) -> None:
    """mergePatchIntoOriginal: merge each list named by a `$setElementOrder`, then order it."""
    for directive_key in [k for k in patch if k.startswith(SET_ELEMENT_ORDER)]:
        order = patch.pop(directive_key)
        if not isinstance(order, list):
            raise MalformedPatch("invalid patch format of setElementOrder list")
        key = _unprefixed(directive_key, SET_ELEMENT_ORDER)
        original_list = _list_or_none(original, key, "field")
        patch_list = _list_or_none(patch, key, "patch value")
        meta = schema.lookup(key)
        merge_key = meta.merge_key
        _validate_against_order(patch_list or [], order, merge_key)
        server_order = original_list or []
        if isinstance(original_list, list) and patch_list is None:
            merged = original_list
        elif isinstance(patch_list, list) and original_list is None:
            value, _ = _remove_directives(patch_list)
            assert isinstance(value, list)
            merged = value
        elif isinstance(original_list, list) and isinstance(patch_list, list):
            merged, server_order = _merge_list_field(original_list, patch_list, meta, False)
        else:
            continue
        kind = _element_kind(original_list or [], patch_list or [], empty_ok=True)
        if kind is not None:
            if merge_key:
                in_patch, server_only = _partition_maps(merged, order, merge_key)
            else:
                in_patch, server_only = _partition_primitives(merged, order)
            merged = _normalize_element_order(
                in_patch, server_only, order, server_order, merge_key, kind
            )
        original[key] = merged
        patch.pop(key, None)


def _list_or_none(document: dict[str, object], key: str, what: str) -> list[object] | None:
    value = document.get(key)
    if key in document and not isinstance(value, list):
        raise PatchError(f"$setElementOrder/{key} names a {what} that is not a list")
    return value if isinstance(value, list) else None


def _validate_against_order(patch_list: list[object], order: list[object], merge_key: str) -> None:
    """validatePatchWithSetOrderList: patch items appear in `order`, in the same order."""
    if not order or not patch_list:
        return
    items = _split_deletions(patch_list)[0] if merge_key else patch_list
    at_patch = at_order = 0
    while at_patch < len(items) and at_order < len(order):
        if _has_directive(items[at_patch]):
            at_patch += 1
            continue
        if _merge_key_equal(items[at_patch], order[at_order], merge_key):
            at_patch += 1
        at_order += 1
    if at_patch < len(items) and at_order >= len(order):
        raise PatchError(
            f"The order in patch list: {patch_list} doesn't match {SET_ELEMENT_ORDER} list: {order}"
        )


def _merge_list_field(
    original: list[object], patch: list[object], meta: Field, is_delete_list: bool
) -> tuple[list[object], list[object]]:
    """mergeSliceHandler: deletion lists and merging lists merge; any other list is replaced.

    Returns the merged list, and `original` as upstream's caller reads it afterwards: Go's
    in-place deletions and appends write through to the caller's slice, and
    mergePatchIntoOriginal orders server-only elements by what it then reads.
    """
    if meta.strategy == MERGE or is_delete_list:
        return _merge_list(original, patch, meta, is_delete_list)
    return patch, original


def _merge_list(
    original: list[object], patch: list[object], meta: Field, is_delete_list: bool
) -> tuple[list[object], list[object]]:
    """mergeSlice: (the merged list, `original` as the caller's slice then reads)."""
    if not original and not patch:
        return original, original
    kind = _element_kind(original, patch)
    assert kind is not None
    merge_key = meta.merge_key
    if kind != "map":
        if is_delete_list:
            deleted = {_scalar_key(v) for v in patch}
            return [v for v in original if _scalar_key(v) not in deleted], original
        # Upstream's in-place deduplication can also write through to the caller's slice,
        # depending on its capacity: not modelled (it matters only for repeated primitives).
        merged = _deduplicate_scalars(original + patch)
        in_patch, server_only = _partition_primitives(merged, patch)
        view = original
    else:
        if not merge_key:
            raise PatchError(f"cannot merge lists without merge key for {_sub(meta).name}")
        merged, original, patch, view = _merge_map_elements(original, patch, merge_key, _sub(meta))
        in_patch, server_only = _partition_maps(merged, patch, merge_key)
    ordered = _normalize_element_order(in_patch, server_only, patch, original, merge_key, kind)
    return ordered, view


def _merge_map_elements(
    original: list[object], patch: list[object], merge_key: str, schema: Schema
) -> tuple[list[object], list[object], list[object], list[object]]:
    """mergeSliceWithSpecialElements then mergeSliceWithoutSpecialElements.

    Returns (merged, the server's order, the patch without `$patch` elements, the caller's
    view). `backing` is the Go array under the caller's slice, `length` the length of the
    slice upstream keeps deleting from and appending to.
    """
    backing = list(original)
    length = len(backing)
    rest: list[object] = []
    replace = False
    for item in patch:
        assert isinstance(item, dict)  # _element_kind said "map"
        if DIRECTIVE not in item:
            rest.append(item)
            continue
        directive = item[DIRECTIVE]
        if directive == DELETE:
            if merge_key not in item:
                raise _no_merge_key(item, merge_key)
            while (at := _find_by_key(backing[:length], merge_key, item[merge_key])) is not None:
                backing[at : length - 1] = backing[at + 1 : length]
                length -= 1
        elif directive == REPLACE:
            replace = True
        elif directive == MERGE:
            raise PatchError("merging lists cannot yet be specified in the patch")
        else:
            raise PatchError(f"unknown patch type: {directive} in map: {item}")
    if replace:
        return rest, rest, [], backing
    server_order = backing[:length]
    merged = list(server_order)
    for item in rest:
        assert isinstance(item, dict)
        if merge_key not in item:
            raise _no_merge_key(item, merge_key)
        # Upstream appends to the list it searches: a repeated key merges into the first.
        at = _find_by_key(merged, merge_key, item[merge_key])
        if at is None:
            at = len(merged)
            merged.append(item)
        else:
            current = merged[at]
            assert isinstance(current, dict)
            merged[at] = _merge_map(current, item, schema)
        if at < len(backing):
            backing[at] = merged[at]
    return merged, server_order, rest, backing


def _find_by_key(items: list[object], merge_key: str, value: object) -> int | None:
    """findMapInSliceBasedOnKeyValue: the first element whose merge key has `value`."""
    for position, item in enumerate(items):
        if not isinstance(item, dict):
            raise PatchError(f"value for key {position} is not a map")
        if _has_key_value(item, merge_key, value):
            return position
    return None


def _has_key_value(item: object, merge_key: str, value: object) -> bool:
    if not isinstance(item, dict):
        raise PatchError(f"expected a map, but received {item!r}")
    return merge_key in item and _scalar_equal(item[merge_key], value)


def _partition_primitives(
    items: list[object], by: list[object]
) -> tuple[list[object], list[object]]:
    present = {_scalar_key(v) for v in by}
    return (
        [v for v in items if _scalar_key(v) in present],
        [v for v in items if _scalar_key(v) not in present],
    )


def _partition_maps(
    items: list[object], by: list[object], merge_key: str
) -> tuple[list[object], list[object]]:
    in_patch: list[object] = []
    server_only: list[object] = []
    for item in items:
        if not isinstance(item, dict):
            raise PatchError(f"expected a map, but received {item!r}")
        if merge_key not in item:
            raise _no_merge_key(item, merge_key)
        found = _find_by_key(by, merge_key, item[merge_key]) is not None
        (in_patch if found else server_only).append(item)
    return in_patch, server_only


def _discard_nulls(value: object) -> None:
    """discardNullValuesFromPatch."""
    if isinstance(value, dict):
        for key in [k for k, v in value.items() if v is None]:
            del value[key]
        for v in value.values():
            _discard_nulls(v)
    elif isinstance(value, list):
        for v in value:
            _discard_nulls(v)


def _is_parallel_key(key: str) -> bool:
    return key == RETAIN_KEYS or key.startswith(
        (SET_ELEMENT_ORDER + "/", DELETE_FROM_PRIMITIVE_LIST + "/")
    )


def _remove_directives(value: object, *, every_directive: bool = False) -> tuple[object, bool]:
    """removeDirectives: (the value without `$patch` maps, whether to keep it at all).

    With `every_directive`, the parallel-list keys go too (the last pass of `apply`).
    """
    if isinstance(value, dict):
        if DIRECTIVE in value:
            return None, False
        result: dict[str, object] = {}
        for key, item in value.items():
            if every_directive and _is_parallel_key(key):
                continue
            cleaned, keep = _remove_directives(item, every_directive=every_directive)
            if keep:
                result[key] = cleaned
        return result, True
    if isinstance(value, list):
        kept = [_remove_directives(v, every_directive=every_directive) for v in value]
        return [v for v, keep in kept if keep], True
    return value, True


# ---------------------------------------------------------------------------------------------
# Ordering (normalizeElementOrder, mergeSortedSlice, index).


def _normalize_element_order(
    in_patch: list[object],
    server_only: list[object],
    patch_order: list[object],
    server_order: list[object],
    merge_key: str,
    kind: str,
) -> list[object]:
    """Patch items in the patch's order, server-only items in the server's, interleaved."""
    in_patch = _sort_by_order(in_patch, patch_order, merge_key, kind)
    server_only = _sort_by_order(server_only, server_order, merge_key, kind)
    return _merge_sorted(server_only, in_patch, server_order, merge_key, kind)


def _sort_by_order(
    items: list[object], order: list[object], merge_key: str, kind: str
) -> list[object]:
    """normalizeSliceOrder: sort `items` by their place in `order`, deletions last."""
    deletions: list[object] = []
    if kind == "map":
        for item in [*items, *order]:
            if not isinstance(item, dict):
                raise PatchError(f"expected a map, but received {item!r}")
            if merge_key not in item:
                raise _no_merge_key(item, merge_key)
        items, deletions = _split_deletions(items)
    # Upstream's comparator is undefined for items missing from `order`; they go last here.
    positions = [_index(order, item, merge_key, kind) for item in items]
    ranked = sorted(
        range(len(items)), key=lambda i: positions[i] if positions[i] >= 0 else len(order)
    )
    return [items[i] for i in ranked] + deletions


def _merge_sorted(
    left: list[object], right: list[object], server_order: list[object], merge_key: str, kind: str
) -> list[object]:
    """mergeSortedSlice: insert each `left` item before the first `right` item after it."""
    result: list[object] = []
    i = j = 0
    while i < len(left) or j < len(right):
        if i >= len(left):
            result.append(right[j])
            j += 1
        elif j >= len(right):
            result.append(left[i])
            i += 1
        else:
            at_left = _index(server_order, left[i], merge_key, kind)
            at_right = _index(server_order, right[j], merge_key, kind)
            if at_left >= 0 and at_right >= 0 and at_left < at_right:
                result.append(left[i])
                i += 1
            else:
                result.append(right[j])
                j += 1
    return result


def _index(items: list[object], wanted: object, merge_key: str, kind: str) -> int:
    """index: where `wanted` is in `items` (by merge key for maps), or -1."""

    def probe(item: object) -> object:
        if kind == "map":
            return item.get(merge_key) if isinstance(item, dict) else None
        return item

    target = probe(wanted)
    for position, item in enumerate(items):
        if _scalar_equal(probe(item), target):
            return position
    return -1


def _split_deletions(items: list[object]) -> tuple[list[object], list[object]]:
    """extractToDeleteItems: (items to keep, `$patch: delete` items)."""
    keep: list[object] = []
    deletions: list[object] = []
    for item in items:
        if not isinstance(item, dict):
            raise PatchError(f"expected a map, but received {item!r}")
        (deletions if item.get(DIRECTIVE) == DELETE else keep).append(item)
    return keep, deletions


# ---------------------------------------------------------------------------------------------
# Values as Go's encoding/json sees them: every number one type, `==` on scalars.

Kind = Literal["null", "bool", "number", "string", "map", "list"]


def _kind(value: object) -> Kind:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, dict):
        return "map"
    if isinstance(value, list):
        return "list"
    raise PatchError(f"not a JSON value: {value!r}")


def _element_kind(*lists: list[object], empty_ok: bool = False) -> Kind | None:
    """sliceElementType: the one kind of every element; no lists of lists."""
    found: Kind | None = None
    for items in lists:
        for item in items:
            kind = _kind(item)
            if found is None:
                if kind == "list":
                    raise PatchError("lists of lists are not supported")
                found = kind
            elif kind != found:
                raise PatchError(f"list element types are not identical: {list(lists)}")
    if found is None and not empty_ok:
        raise PatchError("no elements in any of the given slices")
    return found


def _scalar_key(value: object) -> tuple[str, object]:
    """A set key that keeps `True` apart from `1`, as Go's interface equality does."""
    kind = _kind(value)
    if kind in ("map", "list"):
        return kind, json.dumps(value, sort_keys=True)
    return kind, value


def _scalar_equal(left: object, right: object) -> bool:
    return _scalar_key(left) == _scalar_key(right)


def _has_directive(item: object) -> bool:
    return isinstance(item, dict) and DIRECTIVE in item


def _merge_key_equal(left: object, right: object, merge_key: str) -> bool:
    """mergeKeyValueEqual."""
    if not merge_key:
        return _scalar_equal(left, right)
    if not isinstance(left, dict) or not isinstance(right, dict):
        raise PatchError(f"expected maps with merge key {merge_key!r}: {left!r}, {right!r}")
    for item in (left, right):
        if merge_key not in item:
            raise _no_merge_key(item, merge_key)
    return _scalar_equal(left[merge_key], right[merge_key])


def _deduplicate_scalars(items: list[object]) -> list[object]:
    """deduplicateScalars, order quirks included (a duplicate is overwritten by the last item)."""
    items = list(items)
    length = len(items) - 1
    i = 0
    while i < length:
        j = i + 1
        while j <= length:
            if _scalar_equal(items[i], items[j]):
                items[j] = items[length]
                items = items[:length]
                length -= 1
                j -= 1
            j += 1
        i += 1
    return items


def _unprefixed(key: str, prefix: str) -> str:
    """extractKey: the list a `<prefix>/<list>` key names."""
    head, slash, rest = key.partition("/")
    if not slash or head != prefix:
        which = "primitive list" if prefix == DELETE_FROM_PRIMITIVE_LIST else "setElementOrder list"
        raise MalformedPatch(f"invalid patch format of {which}: {key!r}")
    return rest


def _no_merge_key(item: Mapping[str, object], merge_key: str) -> PatchError:
    return PatchError(f"map: {dict(item)} does not contain declared merge key: {merge_key}")


def go_string(value: object) -> str:
    """Go's `fmt.Sprintf("%v", v)` of a decoded JSON scalar: upstream sorts by this text."""
    if value is None:
        return "<nil>"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e21:
            return str(int(value))
        return repr(value)
    if isinstance(value, str):
        return value
    return json.dumps(value, sort_keys=True)


# ---------------------------------------------------------------------------------------------
# Creating a two-way patch (diffMaps and what it calls), with SetElementOrder on.


def create_two_way(
    original: Mapping[str, object], modified: Mapping[str, object], schema: Schema
) -> dict[str, object]:
    """The patch that `apply` turns `original` into `modified` with (CreateTwoWayMergeMapPatch).

    Args:
        original: the object before.
        modified: the object after.
        schema: the object's patch metadata.

    Returns:
        A strategic merge patch with the directives upstream would put in it.

    Raises:
        PatchError: a merging list lacks its merge key, or holds lists.
    """
    return _diff_maps(copy.deepcopy(dict(original)), copy.deepcopy(dict(modified)), schema, False)


def _diff_maps(
    original: dict[str, object], modified: dict[str, object], schema: Schema, retain_keys: bool
) -> dict[str, object]:
    patch: dict[str, object] = {}
    retained: list[object] = []
    for key, after in modified.items():
        if retain_keys and after is not None:
            retained.append(key)
        if key not in original:
            patch[key] = after
            continue
        before = original[key]
        if key == DIRECTIVE:
            if not isinstance(before, str) or not isinstance(after, str):
                raise PatchError(f"invalid value for special key: {DIRECTIVE}")
            if before != after:
                patch[key] = after
            continue
        if _kind(before) != _kind(after):
            patch[key] = after
        elif isinstance(before, dict) and isinstance(after, dict):
            meta = schema.lookup(key)
            if meta.strategy == REPLACE:
                patch[key] = after
            else:
                nested = _diff_maps(before, after, _sub(meta), meta.retain_keys)
                if nested:
                    patch[key] = nested
        elif isinstance(before, list) and isinstance(after, list):
            _diff_list_field(key, before, after, schema.lookup(key), patch)
        elif not _scalar_equal(before, after):
            patch[key] = after
    for key in original:
        if key not in modified:
            patch[key] = None
    if retained and (patch or _has_additional_field(original, modified)):
        patch[RETAIN_KEYS] = sorted(retained, key=go_string)
    return patch


def _has_additional_field(original: dict[str, object], modified: dict[str, object]) -> bool:
    return any(v is not None and k not in modified for k, v in original.items())


def _diff_list_field(
    key: str, before: list[object], after: list[object], meta: Field, patch: dict[str, object]
) -> None:
    """handleSliceDiff."""
    if meta.strategy != MERGE:
        if not _deep_equal(before, after):
            patch[key] = after
        return
    additions, deletions, order = _diff_lists(before, after, meta)
    if additions:
        patch[key] = additions
    if deletions:
        patch[f"{DELETE_FROM_PRIMITIVE_LIST}/{key}"] = deletions
    if order:
        patch[f"{SET_ELEMENT_ORDER}/{key}"] = order


def _deep_equal(left: object, right: object) -> bool:
    """reflect.DeepEqual on decoded JSON (numbers by value, `True` apart from `1`)."""
    if isinstance(left, dict) and isinstance(right, dict):
        return left.keys() == right.keys() and all(
            _deep_equal(v, right[k]) for k, v in left.items()
        )
    if isinstance(left, list) and isinstance(right, list):
        return len(left) == len(right) and all(map(_deep_equal, left, right))
    return _scalar_equal(left, right)


def _diff_lists(
    original: list[object], modified: list[object], meta: Field
) -> tuple[list[object], list[object], list[object]]:
    """diffLists: (the patch list, the deletion list, the `$setElementOrder` list)."""
    if not original:
        return list(modified), [], []
    merge_key = meta.merge_key
    kind = _element_kind(original, modified)
    assert kind is not None
    if kind == "map":
        additions, deletions = _diff_lists_of_maps(original, modified, meta)
        additions = _sort_by_order(additions, modified, merge_key, kind) + deletions
        same_order = len(original) == len(modified) and all(
            _merge_key_equal(o, m, merge_key) for o, m in zip(original, modified, strict=True)
        )
        order: list[object] = []
        if additions or not same_order:
            order = [{merge_key: m[merge_key]} for m in modified if isinstance(m, dict)]
        return additions, [], order
    # Upstream sorts `original` in place before comparing it with `modified` below.
    original_sorted = sorted(original, key=go_string)
    additions, deletions = _diff_lists_of_scalars(original_sorted, modified)
    additions = _sort_by_order(additions, modified, merge_key, kind)
    reordered = not _deep_equal(original_sorted, modified)
    return additions, deletions, list(modified) if deletions or reordered else []


def _diff_lists_of_scalars(
    original_sorted: list[object], modified: list[object]
) -> tuple[list[object], list[object]]:
    """diffListsOfScalars: walk both lists sorted by text; (added, deleted)."""
    modified_sorted = sorted(modified, key=go_string)
    additions: list[object] = []
    deletions: list[object] = []
    i = j = 0
    while i < len(original_sorted) or j < len(modified_sorted):
        before = go_string(original_sorted[i]) if i < len(original_sorted) else None
        after = go_string(modified_sorted[j]) if j < len(modified_sorted) else None
        if before is not None and after is not None and before == after:
            i += 1
            j += 1
        elif before is None or (after is not None and before > after):
            additions.append(modified_sorted[j])
            j += 1
        else:
            deletions.append(original_sorted[i])
            i += 1
    return additions, _deduplicate_scalars(deletions)


def _diff_lists_of_maps(
    original: list[object], modified: list[object], meta: Field
) -> tuple[list[object], list[object]]:
    """diffListsOfMaps: (changed and added elements, `$patch: delete` elements)."""
    merge_key = meta.merge_key
    schema = _sub(meta)

    def keyed(items: list[object]) -> list[tuple[str, dict[str, object]]]:
        result = []
        for item in items:
            if not isinstance(item, dict):
                raise PatchError(f"expected a map, but received {item!r}")
            if merge_key not in item:
                raise _no_merge_key(item, merge_key)
            result.append((go_string(item[merge_key]), item))
        return sorted(result, key=lambda pair: pair[0])

    before, after = keyed(original), keyed(modified)
    patch: list[object] = []
    deletions: list[object] = []
    i = j = 0
    while i < len(before) or j < len(after):
        if i < len(before) and j < len(after) and before[i][0] == after[j][0]:
            nested = _diff_maps(before[i][1], after[j][1], schema, meta.retain_keys)
            if nested:
                nested[merge_key] = after[j][1][merge_key]
                patch.append(nested)
            i += 1
            j += 1
        elif i >= len(before) or (j < len(after) and before[i][0] > after[j][0]):
            patch.append(after[j][1])
            j += 1
        else:
            deletions.append({merge_key: before[i][1][merge_key], DIRECTIVE: DELETE})
            i += 1
    return patch, deletions
