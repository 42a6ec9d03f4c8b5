r"""Field selectors (`--field-selector`, `?fieldSelector=`): parse them as upstream does, and
the same grammar as a pattern for the OpenAPI documents.

The grammar is apimachinery's `fields.ParseSelector`: terms split at the commas no
backslash escapes (empty terms skipped), each cut at its first operator (`!=`, `==` or `=`)
into a field and a value, nothing trimmed; in a value `\\`, `\,` and `\=` stand for a
backslash, a comma and an equals sign, and any other backslash, or an unescaped `,` or
`=`, is refused. The field must be one the kind selects on (`Kind.field_selectors`, the
field label conversion upstream). `schema(kind)` is a string matching exactly what `parse`
accepts for that kind, so what the documents say and what the routes do agree.

Pure: no I/O. Every refusal is a 400 `KubeError` in upstream's words.
"""

from __future__ import annotations

import re
from typing import Any

from mcp.apiserver.status import KubeError
from mcp.kinds import Kind

OPERATORS = ("!=", "==", "=")  # tried in this order at each position, as upstream
ESCAPED = frozenset("\\,=")
# A value, as a pattern: no unescaped `\`, `,` or `=`.
_VALUE = r"(?:[^\\,=]|\\[\\,=])*"
# The core kinds with a field label conversion of their own (pkg/apis/core/v1/conversion.go);
# any other falls to runtime.DefaultMetaV1FieldSelectorConversion, worded otherwise.
_CONVERTED_FIELD_LABELS = frozenset(
    {"Pod", "Node", "ReplicationController", "Event", "Namespace", "Secret", "Service"}
)

Term = tuple[str, str, bool]  # (field, value, whether it must equal)


def parse(kind: Kind, raw: str | None) -> list[Term]:
    """`metadata.name=x,type!=y` as (field, value, equal) terms.

    Raises:
        KubeError: 400 for a term with no operator, a value with a bad escape or an
            unescaped `,` or `=`, or a field `kind` cannot select on.
    """
    text = raw or ""
    cut: list[tuple[str, str, str]] = []
    for part in _split_terms(text):
        if not part:
            continue
        term = _split_term(part)
        if term is None:
            raise KubeError(400, f"invalid selector: '{text}'; can't understand '{part}'")
        cut.append(term)
    # As upstream: the whole selector parses before its fields are converted.
    terms = [(field, _unescape(value), operator != "!=") for field, operator, value in cut]
    for field, _, _ in terms:
        if field not in kind.field_selectors:
            raise KubeError(400, _unknown_field_label(kind, field))
    return terms


def schema(kind: Kind) -> dict[str, Any]:
    """The JSON Schema (OpenAPI 3.0) of a field selector `parse` accepts for `kind`."""
    fields = "|".join(re.escape(field) for field in kind.field_selectors)
    term = rf"(?:{fields})(?:!=|==|=){_VALUE}"
    return {"type": "string", "pattern": rf"^(?:{term})?(?:,(?:{term})?)*$"}


def _split_terms(text: str) -> list[str]:
    """`text` split at each comma a backslash does not escape (`splitTerms`)."""
    terms, start, escaped = [], 0, False
    for i, char in enumerate(text):
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == ",":
            terms.append(text[start:i])
            start = i + 1
    terms.append(text[start:])
    return terms


def _split_term(term: str) -> tuple[str, str, str] | None:
    """(field, operator, value), cut at the term's first operator (`splitTerm`)."""
    for i in range(len(term)):
        for operator in OPERATORS:
            if term.startswith(operator, i):
                return term[:i], operator, term[i + len(operator) :]
    return None


def _unescape(value: str) -> str:
    r"""A value's escapes resolved (`UnescapeValue`).

    Raises:
        KubeError: 400 for an escape other than `\\`, `\,` or `\=`, or a bare `,` or `=`.
    """
    out: list[str] = []
    escaped = False
    for char in value:
        if escaped:
            if char not in ESCAPED:
                raise KubeError(400, f"invalid field selector: invalid escape sequence: \\{char}")
            out.append(char)
            escaped = False
        elif char == "\\":
            escaped = True
        elif char in ",=":
            raise KubeError(400, f"invalid field selector: unescaped character in value: {char}")
        else:
            out.append(char)
    if escaped:
        raise KubeError(400, "invalid field selector: invalid escape sequence: \\")
    return "".join(out)


def _unknown_field_label(kind: Kind, field: str) -> str:
    """Upstream's words for a field `kind` cannot select on."""
    if kind.group == "" and kind.kind in _CONVERTED_FIELD_LABELS:
        return f"field label not supported: {field}"
    return f'"{field}" is not a known field selector: only "metadata.name", "metadata.namespace"'
