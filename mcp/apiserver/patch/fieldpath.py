"""Field paths and sets of them, as structured-merge-diff's `fieldpath` package has them.

A path names one field of an object: a struct field or map key (`f:data`), an element of a
list keyed by the schema's list-map keys (`k:{"name":"web"}`), an element of a set (`v:"a"`)
or an index (`i:0`). A `FieldSet` is a frozen set of paths; what a manager owns is one.
This module owns their two spellings: FieldsV1 (the `managedFields[].fieldsV1` JSON, as
`fieldpath/serialize.go` and `serialize-pe.go` write it: members as `{}`, a member that also
has children as `".": {}` among them, keys in upstream's order) and the string form conflict
messages print (`.data.color`, `.spec.containers[name="web"].image`, `Path.String()`).

Pure functions over decoded JSON; no mcp imports.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Literal

# Upstream orders path elements by kind (field names, then keys, values, indexes).
_RANK = {"f": 0, "k": 1, "v": 2, "i": 3}


@dataclass(frozen=True)
class PathElement:
    """One step of a path.

    `kind` is "f" (a field name or map key: `name` is it), "k" (a list-map element:
    `key` holds its key fields as (name, canonical JSON) pairs, sorted by name), "v" (a set
    element: `name` is its canonical JSON) or "i" (an index: `index`).
    """

    kind: Literal["f", "k", "v", "i"]
    name: str = ""
    key: tuple[tuple[str, str], ...] = ()
    index: int = 0

    def sort_key(self) -> tuple[int, str, tuple[tuple[str, str], ...], int]:
        return (_RANK[self.kind], self.name, self.key, self.index)

    def __str__(self) -> str:
        """As upstream's `PathElement.String()`: `.name`, `[k="v"]`, `[="v"]`, `[0]`."""
        if self.kind == "f":
            return f".{self.name}"
        if self.kind == "k":
            return "[" + ",".join(f"{n}={_shown(v)}" for n, v in self.key) + "]"
        if self.kind == "v":
            return f"[={_shown(self.name)}]"
        return f"[{self.index}]"


Path = tuple[PathElement, ...]
FieldSet = frozenset[Path]
EMPTY: FieldSet = frozenset()


def canonical(value: object) -> str:
    """A value as the JSON upstream writes in a path element: compact, keys sorted."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def field(name: str) -> PathElement:
    return PathElement("f", name=name)


def keyed(fields: Mapping[str, object]) -> PathElement:
    """The element of a list-map whose key fields have these values."""
    return PathElement("k", key=tuple(sorted((n, canonical(v)) for n, v in fields.items())))


def member(value: object) -> PathElement:
    """The element of a set (`x-kubernetes-list-type: set`) with this value."""
    return PathElement("v", name=canonical(value))


def path_of(*names: str) -> Path:
    """A path of field names: `path_of("data", "color")` is `.data.color`."""
    return tuple(field(name) for name in names)


def _shown(raw: str) -> str:
    """A canonical JSON value as upstream's `value.ToString` prints it (strings quoted)."""
    value = json.loads(raw)
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # Go's %q, for printable text
    return raw


def path_string(path: Path) -> str:
    """A path as conflict messages print it (`fieldpath.Path.String()`)."""
    return "".join(str(element) for element in path)


def serialize(element: PathElement) -> str:
    """A path element as a FieldsV1 key (`f:data`, `k:{"name":"web"}`, `v:"a"`, `i:0`)."""
    if element.kind == "f":
        return f"f:{element.name}"
    if element.kind == "k":
        return "k:{" + ",".join(f"{json.dumps(n)}:{v}" for n, v in element.key) + "}"
    if element.kind == "v":
        return f"v:{element.name}"
    return f"i:{element.index}"


def deserialize(text: str) -> PathElement:
    """A FieldsV1 key as a path element.

    Raises:
        ValueError: not a path element upstream would write.
    """
    if len(text) < 2 or text[1] != ":":
        raise ValueError(f"not a path element: {text!r}")
    kind, rest = text[0], text[2:]
    if kind == "f":
        return field(rest)
    if kind == "k":
        fields = json.loads(rest)
        if not isinstance(fields, dict):
            raise ValueError(f"a key must be a JSON object: {text!r}")
        return keyed(fields)
    if kind == "v":
        return member(json.loads(rest))
    if kind == "i":
        return PathElement("i", index=int(rest))
    raise ValueError(f"unknown path element type: {text!r}")


def to_fields(paths: Iterable[Path]) -> dict[str, object]:
    """A set of paths as FieldsV1 JSON (`SetToFields`)."""
    trie: dict[PathElement, _Node] = {}
    for path in paths:
        if not path:
            continue  # the object itself is never listed
        children = trie
        node = None
        for element in path:
            node = children.setdefault(element, _Node())
            children = node.children
        assert node is not None
        node.member = True
    return _emit(trie)


@dataclass
class _Node:
    member: bool = False
    children: dict[PathElement, _Node] = dataclass_field(default_factory=dict)


def _emit(children: Mapping[PathElement, _Node]) -> dict[str, object]:
    out: dict[str, object] = {}
    for element in sorted(children, key=PathElement.sort_key):
        node = children[element]
        if not node.children:
            out[serialize(element)] = {}
            continue
        nested: dict[str, object] = {".": {}} if node.member else {}
        nested.update(_emit(node.children))
        out[serialize(element)] = nested
    return out


def from_fields(fields: object, prefix: Path = ()) -> FieldSet:
    """FieldsV1 JSON as a set of paths (`FieldsToSet`).

    Raises:
        ValueError: the JSON is not FieldsV1.
    """
    if not isinstance(fields, dict):
        raise ValueError("fieldsV1 must be a JSON object")
    paths: set[Path] = set()
    for text, nested in fields.items():
        if text == ".":
            if prefix:
                paths.add(prefix)
            continue
        path = (*prefix, deserialize(text))
        if isinstance(nested, dict) and nested:
            paths |= from_fields(nested, path)
        else:
            paths.add(path)
    return frozenset(paths)


def with_prefix(paths: FieldSet, element: PathElement) -> FieldSet:
    """The paths under `element`, with it taken off (`Set.WithPrefix`)."""
    return frozenset(p[1:] for p in paths if len(p) > 1 and p[0] == element)


def sorted_paths(paths: Iterable[Path]) -> list[Path]:
    """Paths in upstream's iteration order (element by element)."""
    return sorted(paths, key=lambda p: [e.sort_key() for e in p])
