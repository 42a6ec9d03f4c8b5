"""JSON patch (RFC 6902): `apply(document, operations)` for `application/json-patch+json`.

Owns the six operations (add, remove, replace, move, copy, test) over JSON pointers (RFC 6901:
`~1` is `/`, `~0` is `~`, decoded in that order; `-` appends to an array). The input is never
mutated: the document is deep-copied once and the operations work on the copy.

kube-apiserver applies JSON patches with evanphx/json-patch v4 (`patch.go` at the root of
github.com/evanphx/json-patch; `apply` in `handlers/patch.go`), which accepts more than the
RFC. Ported from v4, because clients rely on it:
- negative array indices count from the end (`/a/-1` is the last element);
- `replace` of a missing object member adds it (the RFC says that is an error);
- `test` of a missing object member succeeds when the value is null.
Where v4 gets it wrong, the RFC wins: `copy` from a missing member is an error (v4 copies a
null), `add` at the root (`""`) replaces the document, numbers are equal when their values are
(v4 compares their text), and leading zeros in an index are refused.

Errors: `MalformedPatch` (400) when `operations` is not a list of objects; `PatchError` (422,
as upstream) for everything else, with a message naming the operation's index, op and path.
"""

from __future__ import annotations

import copy as _copy
import re
from collections.abc import Callable

from mcp.apiserver.patch.errors import MalformedPatch, PatchError

_INDEX = re.compile(r"-?(0|[1-9][0-9]*)")


def apply(document: object, operations: object) -> object:
    """Apply the RFC 6902 `operations` to `document`, returning a new document.

    Args:
        document: decoded JSON, left untouched.
        operations: the decoded patch: a list of operation objects.

    Returns:
        The patched document (sharing nothing with `document`).

    Raises:
        MalformedPatch: `operations` is not a list of objects.
        PatchError: an operation is invalid or does not apply; the message names its index.
    """
    if not isinstance(operations, list):
        raise MalformedPatch("a JSON patch must be a list of operations")
    for index, operation in enumerate(operations):
        if not isinstance(operation, dict):
            raise MalformedPatch(f"operation {index}: must be an object")
    result = _copy.deepcopy(document)
    for index, operation in enumerate(operations):
        op = operation.get("op")
        where = f"operation {index} ({op!r} at {operation.get('path')!r})"
        handler = _OPERATIONS.get(op) if isinstance(op, str) else None
        if handler is None:
            raise PatchError(f"operation {index}: unknown op {op!r}")
        try:
            result = handler(result, operation)
        except _Failed as failure:
            raise PatchError(f"{where}: {failure}") from None
    return result


class _Failed(Exception):
    """One operation failed; `apply` adds which one."""


def _member(operation: dict[str, object], name: str) -> str:
    value = operation.get(name)
    if not isinstance(value, str):
        raise _Failed(f"{name!r} must be a string")
    return value


def _value(operation: dict[str, object]) -> object:
    if "value" not in operation:
        raise _Failed("'value' is missing")
    return _copy.deepcopy(operation["value"])


def parse_pointer(pointer: str) -> list[str]:
    """Split a JSON pointer into its decoded reference tokens (`""` is the whole document).

    Raises:
        PatchError: the pointer is neither empty nor starts with `/`.
    """
    if pointer == "":
        return []
    if not pointer.startswith("/"):
        raise PatchError(f"JSON pointer {pointer!r} must be empty or start with '/'")
    return [token.replace("~1", "/").replace("~0", "~") for token in pointer[1:].split("/")]


def _tokens(pointer: str) -> list[str]:
    try:
        return parse_pointer(pointer)
    except PatchError as error:
        raise _Failed(str(error)) from None


def _index(array: list[object], token: str, *, extra: int = 0) -> int:
    """The position `token` names in `array`; `extra` is 1 where one past the end is allowed."""
    if not _INDEX.fullmatch(token):
        raise _Failed(f"{token!r} is not an array index")
    index = int(token)
    size = len(array) + extra
    if index < 0:
        index += size
    if not 0 <= index < size:
        raise _Failed(f"index {token} is out of range")
    return index


def _parent(document: object, tokens: list[str]) -> object:
    """The container holding the value `tokens` points at (all tokens but the last)."""
    node = document
    for token in tokens[:-1]:
        if isinstance(node, dict):
            if token not in node:
                raise _Failed(f"path is missing {token!r}")
            node = node[token]
        elif isinstance(node, list):
            node = node[_index(node, token)]
        else:
            raise _Failed(f"cannot descend into {token!r} of a scalar")
        if node is None:
            raise _Failed(f"path reaches null at {token!r}")
    if not isinstance(node, dict | list):
        raise _Failed("the parent of the target is not an object or array")
    return node


def _get(document: object, pointer: str) -> object:
    tokens = _tokens(pointer)
    if not tokens:
        return document
    parent = _parent(document, tokens)
    key = tokens[-1]
    if isinstance(parent, dict):
        if key not in parent:
            raise _Failed(f"{pointer!r} does not exist")
        return parent[key]
    assert isinstance(parent, list)
    return parent[_index(parent, key)]


def _add_at(document: object, pointer: str, value: object) -> object:
    tokens = _tokens(pointer)
    if not tokens:
        return value
    parent = _parent(document, tokens)
    key = tokens[-1]
    if isinstance(parent, dict):
        parent[key] = value
    else:
        assert isinstance(parent, list)
        position = len(parent) if key == "-" else _index(parent, key, extra=1)
        parent.insert(position, value)
    return document


def _remove_at(document: object, pointer: str) -> tuple[object, object]:
    """Remove the value at `pointer`: (the document, the removed value)."""
    tokens = _tokens(pointer)
    if not tokens:
        raise _Failed("cannot remove the whole document")
    parent = _parent(document, tokens)
    key = tokens[-1]
    if isinstance(parent, dict):
        if key not in parent:
            raise _Failed(f"{pointer!r} does not exist")
        return document, parent.pop(key)
    assert isinstance(parent, list)
    return document, parent.pop(_index(parent, key))


def _add(document: object, operation: dict[str, object]) -> object:
    return _add_at(document, _member(operation, "path"), _value(operation))


def _remove(document: object, operation: dict[str, object]) -> object:
    return _remove_at(document, _member(operation, "path"))[0]


def _replace(document: object, operation: dict[str, object]) -> object:
    pointer = _member(operation, "path")
    value = _value(operation)
    tokens = _tokens(pointer)
    if not tokens:
        return value
    parent = _parent(document, tokens)
    if isinstance(parent, dict):
        # evanphx v4: a missing member is added, not refused.
        parent[tokens[-1]] = value
    else:
        assert isinstance(parent, list)
        parent[_index(parent, tokens[-1])] = value
    return document


def _move(document: object, operation: dict[str, object]) -> object:
    source = _member(operation, "from")
    target = _member(operation, "path")
    if target.startswith(source + "/"):
        raise _Failed(f"cannot move {source!r} into its own child")
    document, value = _remove_at(document, source)
    return _add_at(document, target, value)


def _copy_op(document: object, operation: dict[str, object]) -> object:
    value = _copy.deepcopy(_get(document, _member(operation, "from")))
    return _add_at(document, _member(operation, "path"), value)


def _test(document: object, operation: dict[str, object]) -> object:
    pointer = _member(operation, "path")
    expected = operation.get("value")
    tokens = _tokens(pointer)
    if tokens:
        parent = _parent(document, tokens)
        # evanphx v4: a missing member tests equal to null.
        if isinstance(parent, dict) and tokens[-1] not in parent and expected is None:
            return document
    if not json_equal(_get(document, pointer), expected):
        raise _Failed("test failed: the value differs")
    return document


def json_equal(left: object, right: object) -> bool:
    """JSON equality: numbers by value, booleans never equal to numbers, order of keys ignored."""
    if isinstance(left, bool) or isinstance(right, bool):
        return type(left) is type(right) and left == right
    if isinstance(left, int | float) and isinstance(right, int | float):
        return left == right
    if isinstance(left, dict) and isinstance(right, dict):
        return left.keys() == right.keys() and all(json_equal(v, right[k]) for k, v in left.items())
    if isinstance(left, list) and isinstance(right, list):
        return len(left) == len(right) and all(map(json_equal, left, right))
    return type(left) is type(right) and left == right


_OPERATIONS: dict[str, Callable[[object, dict[str, object]], object]] = {
    "add": _add,
    "remove": _remove,
    "replace": _replace,
    "move": _move,
    "copy": _copy_op,
    "test": _test,
}
