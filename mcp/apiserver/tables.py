"""What a read answers, by the client's Accept header: the object or list itself, or a
`Table` (what `kubectl get` asks for), or its `PartialObjectMetadata` form.

Follows kube-apiserver (apiserver `pkg/endpoints/handlers/negotiation` and
`handlers/response.go`): the Accept clauses are ordered as goautoneg orders them and the
first one mcp can serve wins. mcp serves JSON only, so a clause must be
`application/json`, `application/*` or `*/*`; its `as`/`g`/`v` parameters ask for a
conversion, of which `Table`, `PartialObjectMetadata` and `PartialObjectMetadataList` in
`meta.k8s.io/v1` or `v1beta1` are served. A clause asking for anything else is skipped; if
no clause is left the answer is 406 NotAcceptable. (Upstream negotiates before it reads, so
a 406 comes before a 404 there; mcp's routes negotiate as they answer.)

Rows come from the kind's printer (`mcp.kinds.printers`). In a watch, only the first
event's Table carries column definitions (`watch_object`). Pure functions.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from mcp.apiserver.status import KubeError
from mcp.kinds import Kind, printers

META_GROUP = "meta.k8s.io"
META_VERSIONS = ("v1", "v1beta1")
CONVERSIONS = ("Table", "PartialObjectMetadata", "PartialObjectMetadataList")
SERVED_MEDIA_TYPES = ("application/json",)
# The media ranges that take JSON, as upstream matches a clause to a serializer.
JSON_RANGES = frozenset({("application", "json"), ("application", "*"), ("*", "*")})
INCLUDE_OBJECT = ("None", "Metadata", "Object")


@dataclass(frozen=True)
class Clause:
    """One media range of an Accept header."""

    type: str
    subtype: str
    q: float = 1.0
    params: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Output:
    """What the client asked for: `conversion` None for the object as it is, else
    `Table`, `PartialObjectMetadata` or `PartialObjectMetadataList` in `meta.k8s.io/<version>`;
    `include_object` is the raw `includeObject` query parameter (Tables only)."""

    conversion: str | None = None
    version: str = "v1"
    include_object: str | None = None

    @property
    def api_version(self) -> str:
        return f"{META_GROUP}/{self.version}"


AS_IS = Output()


def _split(text: str, separator: str) -> tuple[str, str]:
    """goautoneg's nextSplitElement: before and after the first `separator`."""
    head, _, tail = text.partition(separator)
    return head, tail


def _parse_q(text: str) -> float:
    """Go's `strconv.ParseFloat`, which takes no spaces or underscores; an error is 0."""
    if text != text.strip() or "_" in text:
        return 0.0
    try:
        return float(text)
    except ValueError:
        return 0.0


def _before(a: Clause, b: Clause) -> bool:
    """goautoneg's Less, kept as it is (it is not a strict order: a lower q without a
    wildcard can come before a higher one with one)."""
    if a.q > b.q:
        return True
    if a.type != "*" and b.type == "*":
        return True
    return a.subtype != "*" and b.subtype == "*"


def parse_accept(header: str) -> list[Clause]:
    """The clauses of an Accept header in goautoneg's order (`ParseAccept`): malformed ones
    dropped, then sorted; Go sorts short slices by insertion, which this repeats."""
    clauses: list[Clause] = []
    remaining = header
    while remaining:
        part, remaining = _split(remaining, ",")
        part = part.strip(" ")
        media_range, rest = _split(part, ";")
        main, sub = _split(media_range, "/")
        main = main.strip(" ")
        if not sub:
            if main != "*":
                continue
            subtype = "*"
        else:
            subtype, extra = _split(sub, "/")
            if extra:
                continue
            subtype = subtype.strip(" ")
        q = 1.0
        params: dict[str, str] = {}
        while rest:
            param, rest = _split(rest, ";")
            key, value = _split(param, "=")
            if not value:
                continue
            value, extra = _split(value, "=")
            if extra:
                continue
            key = key.strip(" ")
            if key == "q":
                q = _parse_q(value)
            else:
                params[key] = value.strip(" ")
        clauses.append(Clause(main, subtype, q, tuple(params.items())))
    for i in range(1, len(clauses)):  # Go's insertionSort, stable
        j = i
        while j > 0 and _before(clauses[j], clauses[j - 1]):
            clauses[j], clauses[j - 1] = clauses[j - 1], clauses[j]
            j -= 1
    return clauses


def _options(clause: Clause) -> Output | None:
    """`acceptMediaTypeOptions` for the JSON serializer: the output a clause asks for, or
    None when mcp cannot serve it (the clause is then skipped)."""
    params = dict(clause.params)
    if params.get("stream") not in (None, "", "watch"):
        return None
    if params.get("sv") not in (None, "", "v1"):
        return None
    if not {"as", "g", "v"} & set(params):
        return AS_IS
    conversion, group, version = params.get("as", ""), params.get("g", ""), params.get("v", "")
    if group != META_GROUP or version not in META_VERSIONS or conversion not in CONVERSIONS:
        return None
    return Output(conversion, version)


def negotiate(accept: str | None, include_object: str | None = None) -> Output:
    """What to answer a read with, from its Accept header and `includeObject` parameter.

    Raises:
        KubeError: 406 NotAcceptable when no clause asks for something mcp serves.
    """
    if not accept:
        return AS_IS
    for clause in parse_accept(accept):
        if (clause.type, clause.subtype) not in JSON_RANGES:
            continue
        output = _options(clause)
        if output is not None:
            if output.conversion == "Table":
                return Output("Table", output.version, include_object)
            return output
    raise KubeError(
        406, f"only the following media types are accepted: {', '.join(SERVED_MEDIA_TYPES)}"
    )


def _is_list(obj: dict[str, Any]) -> bool:
    return isinstance(obj.get("items"), list)


def _go_type(kind: Kind, obj: dict[str, Any]) -> str:
    """How upstream's messages name the Go type (`*core.ConfigMapList`)."""
    package = kind.group.split(".")[0] if kind.group else "core"
    return f"*{package}.{kind.kind}{'List' if _is_list(obj) else ''}"


def _partial(obj: dict[str, Any], api_version: str) -> dict[str, Any]:
    return {
        "kind": "PartialObjectMetadata",
        "apiVersion": api_version,
        "metadata": obj.get("metadata") or {},
    }


def _list_metadata(obj: dict[str, Any]) -> dict[str, Any]:
    metadata = obj.get("metadata") or {}
    kept = {"resourceVersion": str(metadata.get("resourceVersion", ""))}
    for field in ("continue", "remainingItemCount"):
        if metadata.get(field):
            kept[field] = metadata[field]
    return kept


def include_object(value: str | None) -> str:
    """`includeObject` (default Metadata), checked as `ValidateTableOptions` does.

    Raises:
        KubeError: 400 for a value other than None, Metadata, Object or empty.
    """
    if value in (None, ""):
        return "Metadata"
    if value not in INCLUDE_OBJECT:
        raise KubeError(
            400,
            "Unable to convert to Table as requested: includeObject: Invalid value: "
            f"{json.dumps(value)}: must be 'Metadata', 'Object', 'None', or empty",
        )
    return value


def table(
    output: Output,
    kind: Kind,
    obj: dict[str, Any],
    *,
    now: datetime,
    headers: bool = True,
) -> dict[str, Any]:
    """`obj` (one object or a list) as a `Table` in `output`'s version; column definitions
    unless `headers` is false (then null, as upstream's NoHeaders)."""
    include = include_object(output.include_object)
    printer = printers.printer_for(kind.group, kind.kind)
    items = obj["items"] if _is_list(obj) else [obj]
    rows = []
    for item in items:
        row_object: dict[str, Any] | None = item
        if include == "Metadata":
            row_object = _partial(item, output.api_version)
        elif include == "None":
            row_object = None
        row: dict[str, Any] = {"cells": printer.cells(item, now)}
        if conditions := printer.conditions(item):
            row["conditions"] = conditions  # omitempty upstream
        row["object"] = row_object
        rows.append(row)
    if _is_list(obj):
        metadata = _list_metadata(obj)
    else:
        metadata = {"resourceVersion": str((obj.get("metadata") or {}).get("resourceVersion", ""))}
    return {
        "kind": "Table",
        "apiVersion": output.api_version,
        "metadata": metadata,
        "columnDefinitions": (
            [column.definition() for column in printer.columns] if headers else None
        ),
        "rows": rows,
    }


def transform(
    output: Output,
    kind: Kind,
    obj: dict[str, Any],
    *,
    now: datetime | None = None,
    headers: bool = True,
) -> dict[str, Any]:
    """`obj` (an object or a `<Kind>List` of `kind`) in the form `output` asks for.

    Args:
        output: from `negotiate`.
        kind: the kind of `obj` (of its items, for a list).
        obj: the object or list as mcp serves it.
        now: the clock for AGE cells; read once per answer (default: now).
        headers: whether a Table carries its column definitions.

    Raises:
        KubeError: 406 for PartialObjectMetadata of a list or PartialObjectMetadataList of
            one object; 400 for an invalid `includeObject`.
    """
    if output.conversion is None or obj.get("kind") == "Status":
        return obj  # a Status (a watch's ERROR event) is never converted, as upstream
    if output.conversion == "Table":
        return table(output, kind, obj, now=now or datetime.now(UTC), headers=headers)
    if output.conversion == "PartialObjectMetadata":
        if _is_list(obj):
            raise KubeError(
                406,
                "you requested PartialObjectMetadata, but the requested object is a list "
                f"({_go_type(kind, obj)})",
            )
        return _partial(obj, output.api_version)
    if not _is_list(obj):
        raise KubeError(
            406,
            "you requested PartialObjectMetadataList, but the requested object is not a list "
            f"({_go_type(kind, obj)})",
        )
    return {
        "kind": "PartialObjectMetadataList",
        "apiVersion": output.api_version,
        "metadata": _list_metadata(obj),
        "items": [_partial(item, output.api_version) for item in obj["items"]],
    }


def watch_object(
    output: Output,
    kind: Kind,
    obj: dict[str, Any],
    *,
    first: bool,
    now: datetime | None = None,
) -> dict[str, Any]:
    """The `object` of one watch event, in the form `output` asks for.

    As apiserver's `watchEmbeddedEncoder`: a Table carries column definitions only in the
    first event of a stream (`first`), a `Status` (an ERROR event) goes as it is, and an
    object that cannot be converted (a PartialObjectMetadataList was asked for) goes
    unconverted rather than ending the stream.

    Args:
        output: from `negotiate` on the watch request's Accept and `includeObject`.
        kind: the watched kind.
        obj: the event's object as mcp serves it.
        first: whether this is the stream's first event.
        now: the clock for AGE cells (default: now).

    Raises:
        KubeError: 400 for an invalid `includeObject`: check it with `include_object` before
            the stream starts, as upstream does.
    """
    try:
        return transform(output, kind, obj, now=now, headers=first)
    except KubeError as exc:
        if exc.code == 406:
            return obj
        raise
