"""A built-in kind's JSON as kube-apiserver's Go decoding reads it and encoding/json prints it.

kube-apiserver decodes a body into its Go type (sigs.k8s.io/json, strictly when asked),
then stores and answers what encoding/json prints for that value. Two things follow that
a JSON-in, JSON-out server must do itself for a kind with a deep schema (a Pod):

- `decode`: refuse what the Go type cannot hold, in Go's words (`json: cannot unmarshal
  string into Go struct field ContainerPort.spec.containers.ports.containerPort of type
  int32`), a malformed quantity in apimachinery's, and list every field the type does
  not have by its path (`spec.containers[0].imagee`), for `fieldValidation`;
- `encode`: print the value as Go does: a `null` or an omitempty field's empty value
  dropped, a non-pointer struct always shown (`resources: {}`), quantities in canonical
  form (`0.5` is `500m`), fields in the struct's order.

The types come from the generated protobuf schemas (`protobuf.schemas.MESSAGES`: each
field's JSON name, type and what JSON shows when it is absent or zero). Go's named string
types (`v1.RestartPolicy`) are reported as `string`, the schemas not naming them. Pure.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mcp.apiserver.protobuf import schemas
from mcp.kinds import quantity
from mcp.kinds.apimachinery import go_json, go_value

Field = tuple[str, str, str, str]  # (type, label, policy, the Go struct holding it)

INT_RANGES = {
    "int32": (-(2**31), 2**31 - 1),
    "int64": (-(2**63), 2**63 - 1),
    "uint32": (0, 2**32 - 1),
    "uint64": (0, 2**64 - 1),
}
GO_SCALARS = {"string": "string", "bool": "bool", "double": "float64", "float": "float32"}
GO_SCALARS.update({name: name for name in INT_RANGES})
GO_SCALARS["bytes"] = "[]uint8"


class GoDecodeError(ValueError):
    """What Go's decoding says of a value its type cannot hold."""


def decode(
    message: str, obj: Mapping[str, Any], *, keep: frozenset[str] = frozenset()
) -> tuple[dict[str, Any], list[str]]:
    """`obj`, a JSON object of protobuf message `message` (`core.v1.Pod`), as Go decodes and
    prints it, and the paths of the fields the type does not have (dropped). The
    top-level fields in `keep` (TypeMeta, a metadata checked elsewhere) pass as they are.

    Raises:
        GoDecodeError: a value of the wrong type, or a malformed quantity.
    """
    unknown: list[str] = []
    return _kept_and_printed(message, obj, keep, unknown), unknown


def encode(
    message: str, obj: Mapping[str, Any], *, keep: frozenset[str] = frozenset()
) -> dict[str, Any]:
    """`obj` as encoding/json prints its Go value; `obj` is already decoded (`decode`)."""
    return _kept_and_printed(message, obj, keep, [])


def _kept_and_printed(
    message: str, obj: Mapping[str, Any], keep: frozenset[str], unknown: list[str]
) -> dict[str, Any]:
    kept = {key: value for key, value in obj.items() if key in keep}
    rest = {key: value for key, value in obj.items() if key not in keep}
    printed = _struct(message, rest, _At(), unknown)
    return {**kept, **{key: value for key, value in printed.items() if key not in keep}}


@functools.cache
def _fields(message: str) -> dict[str, Field]:
    """A message's fields by JSON name, in the struct's order, an embedded (inline)
    struct's fields promoted into it (Go names the outer struct in its errors)."""
    found: dict[str, Field] = {}
    for json_name, type_name, label, policy in schemas.MESSAGES[message].values():
        if policy == "inline":
            for key, (inner_type, inner_label, inner_policy, _) in _fields(type_name).items():
                found[key] = (inner_type, inner_label, inner_policy, message)
        else:
            found[json_name] = (type_name, label, policy, message)
    return found


def go_type(type_name: str, label: str = "") -> str:
    """The Go type a decoding error names: `int32`, `v1.Container`, `[]v1.Container`."""
    if type_name in GO_SCALARS:
        named = GO_SCALARS[type_name]
    else:
        package, _, name = type_name.rpartition(".")
        named = f"{package.rpartition('.')[2]}.{name}"
    if label == "repeated":
        return f"[]{named}"
    if label == "map":
        return "v1.ResourceList" if type_name == "resource.Quantity" else f"map[string]{named}"
    return named


def _describe(value: Any) -> str:
    """How Go names a JSON value it could not store: `string`, `number`, `object`..."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


@dataclass(frozen=True)
class _At:
    """Where a value is: the Go struct holding its field, the field's path as Go's
    errors name it (JSON names, no indices), and its path as fieldValidation names it."""

    struct: str = ""
    go_path: tuple[str, ...] = ()
    path: str = ""

    def field(self, struct: str, key: str) -> _At:
        return _At(struct, (*self.go_path, key), f"{self.path}.{key}" if self.path else key)

    def element(self, suffix: str) -> _At:
        return _At(self.struct, self.go_path, f"{self.path}{suffix}")

    def mismatch(self, value: Any, type_text: str, shown: str = "") -> GoDecodeError:
        """Go's UnmarshalTypeError for a value its field's type cannot hold."""
        short = self.struct.rpartition(".")[2]
        return GoDecodeError(
            f"json: cannot unmarshal {shown or _describe(value)} into Go struct field "
            f"{short}.{'.'.join(self.go_path)} of type {type_text}"
        )


def _struct(message: str, obj: Any, at: _At, unknown: list[str]) -> dict[str, Any]:
    fields = _fields(message)
    values: dict[str, Any] = {}
    for key, raw in obj.items():
        spec = fields.get(key)
        if spec is None:
            unknown.append(at.field(message, key).path)
            continue
        if raw is None:
            continue  # a null leaves Go's zero value
        type_name, label, _, struct = spec
        values[key] = _field(type_name, label, raw, at.field(struct, key), unknown)
    printed: dict[str, Any] = {}
    for key, (type_name, label, policy, _) in fields.items():
        if key in values:
            value = values[key]
            if policy == "omit-empty" and _empty(value):
                continue
            if policy == "omit-zero" and value == _zero(type_name, label):
                continue
            printed[key] = value
        elif policy == "zero-absent":
            printed[key] = _zero(type_name, label)
        elif policy == "null-absent":
            printed[key] = None
    return printed


def _field(type_name: str, label: str, raw: Any, at: _At, unknown: list[str]) -> Any:
    """A field's value: one value, or a list or map of them."""
    if label == "repeated":
        if not isinstance(raw, list):
            raise at.mismatch(raw, go_type(type_name, label))
        return [_one(type_name, item, at.element(f"[{i}]"), unknown) for i, item in enumerate(raw)]
    if label == "map":
        if not isinstance(raw, dict):
            raise at.mismatch(raw, go_type(type_name, label))
        return {
            key: _one(type_name, item, at.element(f"[{key}]"), unknown) for key, item in raw.items()
        }
    return _one(type_name, raw, at, unknown)


def _one(type_name: str, raw: Any, at: _At, unknown: list[str]) -> Any:
    """One value of `type_name` (an element, a map value, or a field's)."""
    if raw is None:
        return _zero(type_name, "")
    custom = schemas.CUSTOM.get(type_name)
    if custom is not None:
        return _custom(custom, raw)
    if type_name in schemas.MESSAGES:
        if not isinstance(raw, dict):
            raise at.mismatch(raw, go_type(type_name))
        return _struct(type_name, raw, at, unknown)
    return _scalar(type_name, raw, at)


def _scalar(type_name: str, raw: Any, at: _At) -> Any:
    if type_name in ("string", "bytes"):
        if not isinstance(raw, str):
            raise at.mismatch(raw, go_type(type_name))
        return raw
    if type_name == "bool":
        if not isinstance(raw, bool):
            raise at.mismatch(raw, "bool")
        return raw
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        raise at.mismatch(raw, go_type(type_name))
    if type_name in INT_RANGES:
        low, high = INT_RANGES[type_name]
        if isinstance(raw, float) or not low <= raw <= high:
            raise at.mismatch(raw, type_name, shown=f"number {raw!r}")
    return raw


def _custom(kind: str, raw: Any) -> Any:
    """A type whose JSON is its own (its UnmarshalJSON, or a named slice)."""
    if kind == "quantity":
        try:
            return str(quantity.from_json(raw))
        except quantity.QuantityError as exc:
            raise GoDecodeError(str(exc)) from None
    if kind == "int-or-string":
        if isinstance(raw, str):
            return raw
        if isinstance(raw, int) and not isinstance(raw, bool):
            if INT_RANGES["int32"][0] <= raw <= INT_RANGES["int32"][1]:
                return raw
            raise GoDecodeError(f"json: cannot unmarshal number {raw} into Go value of type int32")
        shown = f"number {raw!r}" if isinstance(raw, float) else _describe(raw)
        raise GoDecodeError(f"json: cannot unmarshal {shown} into Go value of type int32")
    if kind in ("time", "microtime", "duration"):
        if not isinstance(raw, str):
            raise GoDecodeError(
                f"json: cannot unmarshal {_describe(raw)} into Go value of type string"
            )
        return raw
    if kind == "items":
        if not isinstance(raw, list) or not all(isinstance(item, str) for item in raw):
            raise GoDecodeError(
                f"json: cannot unmarshal {_describe(raw)} into Go value of type []string"
            )
        return raw
    return raw  # raw-extension, json: any JSON


def _zero(type_name: str, label: str) -> Any:
    """What encoding/json prints for a field of this type left at its zero value."""
    if label in ("repeated", "map"):
        return None
    custom = schemas.CUSTOM.get(type_name)
    if custom is not None:
        return {"quantity": "0", "int-or-string": 0}.get(custom)
    if type_name in schemas.MESSAGES:
        return _struct(type_name, {}, _At(), [])
    if type_name in ("string", "bytes"):
        return ""
    return False if type_name == "bool" else 0


def _empty(value: Any) -> bool:
    """Go's omitempty: false, 0, "", and a nil or empty slice or map."""
    return value is None or value is False or value == 0 or value in ("", [], {})


# --- diff ------------------------------------------------------------------------------------


def diff(message: str, old: Mapping[str, Any], new: Mapping[str, Any]) -> str:
    """The difference of two values of `message`, in the shape go-cmp's Diff prints (as
    upstream's `pod updates may not change fields` shows it): the type, the changed fields
    with `-` and `+` in the struct's order, each run of unchanged fields (or elements)
    as `... // N identical fields`. go-cmp names the internal Go types and fields
    (`core.PodSpec`, `Containers`); here the v1 JSON names, capitalized, stand for the
    fields. go-cmp keeps its output deliberately unstable: the shape, not the bytes."""
    lines = [f"  {_internal(message)}{{", *_struct_diff(message, old, new, 1), "  }"]
    return "\n".join(lines)


def _internal(message: str) -> str:
    """`core.v1.Container` as go-cmp names the internal type: `core.Container`."""
    return f"core.{message.rpartition('.')[2]}"


def _shown(value: Any) -> str:
    if value is None:
        return "nil"
    if isinstance(value, str | bool | int | float):
        return go_value(value)
    return go_json(value)


def _struct_diff(
    message: str, old: Mapping[str, Any], new: Mapping[str, Any], depth: int
) -> list[str]:
    lines: list[str] = []
    same = 0
    tabs = "\t" * depth
    for key, (type_name, label, _, _) in _fields(message).items():
        before, after = old.get(key), new.get(key)
        if before == after:
            same += 1
            continue
        if same:
            lines.append(f"  {tabs}... // {same} identical fields")
            same = 0
        lines += _field_diff(key[:1].upper() + key[1:], type_name, label, before, after, depth)
    if same:
        lines.append(f"  {tabs}... // {same} identical fields")
    return lines


def _field_diff(
    name: str, type_name: str, label: str, before: Any, after: Any, depth: int
) -> list[str]:
    tabs = "\t" * depth
    nested = type_name in schemas.MESSAGES and type_name not in schemas.CUSTOM
    if nested and not label and isinstance(before, dict) and isinstance(after, dict):
        return [
            f"  {tabs}{name}: {_internal(type_name)}{{",
            *_struct_diff(type_name, before, after, depth + 1),
            f"  {tabs}}},",
        ]
    if (
        nested
        and label == "repeated"
        and isinstance(before, list)
        and isinstance(after, list)
        and len(before) == len(after)
    ):
        inner = "\t" * (depth + 1)
        lines = [f"  {tabs}{name}: []{_internal(type_name)}{{"]
        same = 0
        for item_before, item_after in zip(before, after, strict=True):
            if item_before == item_after:
                same += 1
                continue
            if same:
                lines.append(f"  {inner}... // {same} identical elements")
                same = 0
            lines += [
                f"  {inner}{{",
                *_struct_diff(type_name, item_before, item_after, depth + 2),
                f"  {inner}}},",
            ]
        if same:
            lines.append(f"  {inner}... // {same} identical elements")
        return [*lines, f"  {tabs}}},"]
    return [f"- {tabs}{name}: {_shown(before)},", f"+ {tabs}{name}: {_shown(after)},"]
