"""Objects read through a schema, as structured-merge-diff's `typed` package reads them.

Owns `Shape` (what SMD's schema says of a value: a scalar, a map or struct that merges key
by key or is atomic, a list that is atomic, a set or a map keyed by some of its elements'
fields) and four walks over decoded JSON, ported from `typed/tofieldset.go`, `merge.go`,
`compare.go` and `remove.go`:
- `to_field_set`: the fields a value sets (what an applier owns);
- `merge`: one value merged over another (what apply does to the live object);
- `compare`: what changed between two values (added, modified, removed);
- `remove_items`: a value without some fields (what apply prunes).
`ensure_named_fields_are_members` is `fieldpath.Set.EnsureNamedFieldsAreMembers`.

A value that does not fit its shape (a list where a map should be) is taken as a leaf,
where upstream would fail its validation first; storage validates the result afterwards.
Pure functions; none mutates its arguments.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Literal

from mcp.apiserver.patch import fieldpath
from mcp.apiserver.patch.errors import PatchError
from mcp.apiserver.patch.fieldpath import FieldSet, Path, PathElement


@dataclass(frozen=True)
class Shape:
    """What SMD's schema says of one value.

    Attributes:
        kind: "scalar"; "map" (a struct when it has `fields`, a map such as `labels`
            when only `elements`); "list"; "deduced" (no schema: each value is what it
            looks like, maps granular and lists atomic, as SMD's `__untyped_deduced_`).
        fields: a struct's named fields.
        elements: a map's values (a struct's fields not named), or a list's elements.
        atomic: a map or struct owned and replaced whole (`x-kubernetes-map-type: atomic`).
        list_type: "atomic", "set" or "map" (`x-kubernetes-list-type`).
        keys: a list-map's keys (`x-kubernetes-list-map-keys`).
        closed: a struct whose undeclared fields are refused (`declared_problems`).
    """

    kind: Literal["scalar", "map", "list", "deduced"]
    fields: Mapping[str, Shape] = field(default_factory=dict)
    elements: Shape | None = None
    atomic: bool = False
    list_type: Literal["atomic", "set", "map"] = "atomic"
    keys: tuple[str, ...] = ()
    closed: bool = False

    def field_shape(self, name: str) -> Shape:
        return self.fields.get(name) or self.elements or DEDUCED

    def element_shape(self) -> Shape:
        return self.elements or DEDUCED


SCALAR = Shape("scalar")
DEDUCED = Shape("deduced")
_DEDUCED_MAP = Shape("map", elements=DEDUCED)
_DEDUCED_LIST = Shape("list", elements=DEDUCED)


class _Missing:
    """No value at all (a key absent), as opposed to a JSON null."""


MISSING = _Missing()


def _resolve(shape: Shape, value: object) -> Shape:
    """The shape `value` is walked with: a deduced shape takes the value's own, and a value
    that does not fit its shape is a scalar leaf."""
    if shape.kind == "deduced":
        if isinstance(value, dict):
            return _DEDUCED_MAP
        if isinstance(value, list):
            return _DEDUCED_LIST
        return SCALAR
    if value is None or isinstance(value, _Missing):
        return shape
    if shape.kind == "map" and not isinstance(value, dict):
        return SCALAR
    if shape.kind == "list" and not isinstance(value, list):
        return SCALAR
    return shape


def _is_atomic(shape: Shape) -> bool:
    return shape.atomic if shape.kind == "map" else shape.list_type == "atomic"


def element_of(shape: Shape, item: object) -> PathElement:
    """The path element of a list item (`listItemToPathElement`).

    Raises:
        PatchError: a list-map item that is not an object or has none of the keys; a set
            item that is null, an object or a list.
    """
    if shape.list_type == "map":
        if not isinstance(item, dict):
            raise PatchError("associative list with keys may not have non-map elements")
        present = {k: item[k] for k in shape.keys if k in item}
        if not present:
            raise PatchError(
                "associative list with keys has an element that omits all key fields "
                f"{list(shape.keys)!r} (and doesn't have default values for any key fields)"
            )
        return fieldpath.keyed(present)
    if isinstance(item, dict):
        raise PatchError("associative list without keys has an element that's a map type")
    if isinstance(item, list):
        raise PatchError("not supported: associative list with lists as elements")
    if item is None:
        raise PatchError("associative list without keys has an element that's an explicit null")
    return fieldpath.member(item)


# ---------------------------------------------------------------------------------------------
# to_field_set (tofieldset.go)


def to_field_set(value: object, shape: Shape) -> FieldSet:
    """The fields `value` sets: leaves, list items, map keys, empty or null struct fields."""
    out: set[Path] = set()
    _field_set(value, shape, (), out)
    return frozenset(out)


def _field_set(value: object, shape: Shape, path: Path, out: set[Path]) -> None:
    shape = _resolve(shape, value)
    if shape.kind == "scalar":
        out.add(path)
    elif shape.kind == "list":
        if shape.list_type == "atomic":
            out.add(path)
        elif isinstance(value, list):
            _list_field_set(value, shape, path, out)
    elif shape.kind == "map":
        if shape.atomic:
            out.add(path)
        elif isinstance(value, dict):
            for key, item in value.items():
                child = (*path, fieldpath.field(key))
                _field_set(item, shape.field_shape(key), child, out)
                if item is None or item == {} or key not in shape.fields:
                    out.add(child)


def _list_field_set(items: list[object], shape: Shape, path: Path, out: set[Path]) -> None:
    elements = [element_of(shape, item) for item in items]
    counts: dict[PathElement, int] = {}
    for element in elements:
        counts[element] = counts.get(element, 0) + 1
    for element, item in zip(elements, items, strict=True):
        child = (*path, element)
        if counts[element] > 1:
            out.add(child)  # a duplicated item is owned whole
            continue
        _field_set(item, shape.element_shape(), child, out)
        out.add(child)


# ---------------------------------------------------------------------------------------------
# merge (merge.go, with ruleKeepRHS)


def merge(lhs: object, rhs: object, shape: Shape) -> object:
    """`rhs` merged over `lhs` (`TypedValue.Merge`): maps key by key, list-maps and sets item
    by item in upstream's order, everything else (and atomic values) replaced by `rhs`.

    Returns:
        The merged value, sharing nothing with the arguments; `MISSING` when a map or
        list merges to nothing.

    Raises:
        PatchError: a list item without its keys, or `rhs` listing one item twice.
    """
    if isinstance(rhs, _Missing):
        return copy.deepcopy(lhs)
    if isinstance(lhs, _Missing):
        lhs = None  # walked all the same: upstream checks the applied list's keys
    resolved = _resolve(shape, rhs)
    if resolved != _resolve(shape, lhs) or resolved.kind == "scalar":
        return copy.deepcopy(rhs)
    if resolved.kind == "list":
        assert isinstance(lhs, list | None)
        assert isinstance(rhs, list | None)
        if resolved.list_type == "atomic" or (not lhs and not rhs):
            return copy.deepcopy(rhs)
        return _merge_lists(lhs or [], rhs or [], resolved)
    assert isinstance(lhs, dict | None)
    assert isinstance(rhs, dict | None)
    if resolved.atomic or (not lhs and not rhs):
        return copy.deepcopy(rhs)
    out: dict[str, object] = {}
    left, right = lhs or {}, rhs or {}
    for key in [*left, *(k for k in right if k not in left)]:
        merged = merge(left.get(key, MISSING), right.get(key, MISSING), resolved.field_shape(key))
        if not isinstance(merged, _Missing):
            out[key] = merged
    return out if out else MISSING


def _index(
    items: list[object], shape: Shape, *, allow_duplicates: bool
) -> tuple[list[PathElement], dict[PathElement, object]]:
    elements: list[PathElement] = []
    observed: dict[PathElement, object] = {}
    for item in items:
        element = element_of(shape, item)
        if element in observed:
            if not allow_duplicates:
                raise PatchError(f"duplicate entries for key {element}")
            observed[element] = None  # as upstream: a duplicated item merges as null
        else:
            observed[element] = item
        elements.append(element)
    return elements, observed


def _merge_lists(lhs: list[object], rhs: list[object], shape: Shape) -> object:
    """merge.go `visitListItems`: the live order, with the applied items placed where the
    applied list puts them relative to the items both share."""
    rhs_elements, observed_rhs = _index(rhs, shape, allow_duplicates=False)
    lhs_elements, observed_lhs = _index(lhs, shape, allow_duplicates=True)
    shared = iter([e for e in rhs_elements if e in observed_lhs])
    next_shared = next(shared, None)
    merged_rhs: set[PathElement] = set()
    out: list[object] = []
    element_shape = shape.element_shape()

    def add(element: PathElement, left: object, right: object) -> None:
        value = merge(left, right, element_shape)
        if not isinstance(value, _Missing):
            out.append(value)

    li = ri = 0
    while li < len(lhs_elements) or ri < len(rhs_elements):
        if li < len(lhs_elements) and ri < len(rhs_elements):
            element = lhs_elements[li]
            if element == rhs_elements[ri]:
                merged_rhs.add(element)
                add(element, observed_lhs[element], observed_rhs[element])
                li, ri = li + 1, ri + 1
                next_shared = next(shared, None)
                continue
            if element in observed_rhs and next_shared is not None and next_shared != element:
                li += 1  # shared, but not the one this round places
                continue
        if li < len(lhs_elements):
            element = lhs_elements[li]
            if element not in observed_rhs:
                add(element, lhs[li], MISSING)
                li += 1
                continue
            if element in merged_rhs:
                li += 1
        if ri < len(rhs_elements):
            element = rhs_elements[ri]
            merged_rhs.add(element)
            add(element, observed_lhs.get(element, MISSING), observed_rhs[element])
            ri += 1
            if next_shared is not None and next_shared == element:
                next_shared = next(shared, None)
    return out if out else MISSING


# ---------------------------------------------------------------------------------------------
# compare (compare.go)


@dataclass(frozen=True)
class Comparison:
    added: FieldSet
    modified: FieldSet
    removed: FieldSet


def compare(lhs: object, rhs: object, shape: Shape) -> Comparison:
    """What changed from `lhs` to `rhs` (`TypedValue.Compare`)."""
    added: set[Path] = set()
    modified: set[Path] = set()
    removed: set[Path] = set()
    _Comparer(added, modified, removed).walk(lhs, rhs, shape, ())
    return Comparison(frozenset(added), frozenset(modified), frozenset(removed))


@dataclass
class _Comparer:
    added: set[Path]
    modified: set[Path]
    removed: set[Path]

    def leaf(self, lhs: object, rhs: object, path: Path) -> None:
        if isinstance(lhs, _Missing):
            self.added.add(path)
        elif isinstance(rhs, _Missing):
            self.removed.add(path)
        elif lhs != rhs or type(lhs) is not type(rhs):
            self.modified.add(path)

    def walk(self, lhs: object, rhs: object, shape: Shape, path: Path) -> None:
        resolved = _resolve(shape, rhs if not isinstance(rhs, _Missing) else lhs)
        both = not isinstance(lhs, _Missing) and not isinstance(rhs, _Missing)
        if both and _resolve(shape, lhs) != resolved:
            resolved = SCALAR  # of two kinds: compared whole
        in_leaf = self.visit(lhs, rhs, resolved, path)
        if not in_leaf and path:
            if isinstance(lhs, _Missing):
                self.added.add(path)
            elif isinstance(rhs, _Missing):
                self.removed.add(path)

    def visit(self, lhs: object, rhs: object, shape: Shape, path: Path) -> bool:
        """Compare below `path`; whether it was compared as one leaf."""
        left = None if isinstance(lhs, _Missing) else lhs
        right = None if isinstance(rhs, _Missing) else rhs
        if shape.kind == "scalar" or _is_atomic(shape) or (not left and not right):
            self.leaf(lhs, rhs, path)
            return True
        if shape.kind == "map":
            assert isinstance(left, dict | None)
            assert isinstance(right, dict | None)
            lmap, rmap = left or {}, right or {}
            for key in [*lmap, *(k for k in rmap if k not in lmap)]:
                self.walk(
                    lmap.get(key, MISSING),
                    rmap.get(key, MISSING),
                    shape.field_shape(key),
                    (*path, fieldpath.field(key)),
                )
            return False
        assert isinstance(left, list | None)
        assert isinstance(right, list | None)
        self.lists(left or [], right or [], shape, path)
        return False

    def lists(self, lhs: list[object], rhs: list[object], shape: Shape, path: Path) -> None:
        order: list[PathElement] = []
        lvalues: dict[PathElement, list[object]] = {}
        rvalues: dict[PathElement, list[object]] = {}
        for item in lhs:
            element = element_of(shape, item)
            if element not in lvalues:
                order.append(element)
            lvalues.setdefault(element, []).append(item)
        for item in rhs:
            element = element_of(shape, item)
            if element not in rvalues and element not in lvalues:
                order.append(element)
            rvalues.setdefault(element, []).append(item)
        element_shape = shape.element_shape()
        for element in order:
            left, right = lvalues.get(element, []), rvalues.get(element, [])
            child = (*path, element)
            if len(left) <= 1 and len(right) <= 1:
                only_left = left[0] if left else MISSING
                self.walk(only_left, right[0] if right else MISSING, element_shape, child)
            elif len(left) >= 2 and len(right) >= 2:
                if left != right:
                    self.modified.add(child)
            elif len(left) >= 2:
                if right:
                    self.walk(MISSING, right[0], element_shape, child)
                self.removed.add(child)
            else:
                if left:
                    self.walk(left[0], MISSING, element_shape, child)
                self.added.add(child)


# ---------------------------------------------------------------------------------------------
# remove_items (remove.go, not extracting)


def remove_items(value: object, paths: FieldSet, shape: Shape) -> object:
    """`value` without the fields, list items and map keys in `paths`
    (`TypedValue.RemoveItems`): a map or list left empty becomes null, as upstream's."""
    shape = _resolve(shape, value)
    if shape.kind == "list" and isinstance(value, list):
        if not value or shape.list_type == "atomic":
            return copy.deepcopy(value)
        items: list[object] = []
        for item in value:
            element = element_of(shape, item)
            if (element,) in paths:
                continue
            below = fieldpath.with_prefix(paths, element)
            items.append(
                remove_items(item, below, shape.element_shape()) if below else copy.deepcopy(item)
            )
        return items or None
    if shape.kind == "map" and isinstance(value, dict):
        if not value or shape.atomic:
            return copy.deepcopy(value)
        kept: dict[str, object] = {}
        for key, item in value.items():
            element = fieldpath.field(key)
            if (element,) in paths:
                continue
            below = fieldpath.with_prefix(paths, element)
            kept[key] = (
                remove_items(item, below, shape.field_shape(key)) if below else copy.deepcopy(item)
            )
        return kept or None
    return copy.deepcopy(value)


def ensure_named_fields_are_members(paths: FieldSet, shape: Shape) -> FieldSet:
    """`paths` and every struct field they pass through (not map keys, not list items):
    so that removing a set that owns `.data.color` can remove `.data` whole."""
    out = set(paths)
    for path in paths:
        current: Shape | None = shape
        for depth, element in enumerate(path[:-1]):
            if current is None:
                break
            if element.kind == "f" and current.kind == "map" and element.name in current.fields:
                out.add(path[: depth + 1])
                current = current.fields[element.name]
            elif element.kind == "f":
                current = current.elements if current.kind == "map" else None
            else:
                current = current.elements if current.kind == "list" else None
    return frozenset(out)


def declared_problems(value: object, shape: Shape, path: Path = ()) -> Iterator[str]:
    """Where `value` has fields its closed structs do not declare, as upstream's typed
    conversion reports them: `.bogus: field not declared in schema`."""
    shape = _resolve(shape, value)
    if shape.kind == "map" and isinstance(value, dict) and not shape.atomic:
        for key, item in value.items():
            child = (*path, fieldpath.field(key))
            if shape.closed and key not in shape.fields:
                yield f"{fieldpath.path_string(child)}: field not declared in schema"
                continue
            yield from declared_problems(item, shape.field_shape(key), child)
    elif shape.kind == "list" and isinstance(value, list) and shape.list_type != "atomic":
        for item in value:
            element = element_of(shape, item)
            yield from declared_problems(item, shape.element_shape(), (*path, element))
