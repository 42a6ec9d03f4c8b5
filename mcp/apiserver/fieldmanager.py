"""`metadata.managedFields` on every write of the generic path, and server-side apply.

kube-apiserver wraps structured-merge-diff in a chain of managers (k8s.io/apimachinery
`pkg/util/managedfields/internal`, `NewDefaultFieldManager`); this module is that chain for
one version per kind, over the pure rules of `patch.apply`:
- managers are named as upstream names them (`BuildManagerIdentifier`: the manager, the
  operation, and for an Update the API version), each with the time it last changed the
  object, to the second; entries sorted as `sortEncodedManagedFields` sorts them;
- fields the server sets (`apiVersion`, `kind`, `metadata.name`, `uid`...) are never owned
  (`stripMeta`);
- a write that sends `managedFields` uses them (how kubectl migrates client-side apply's
  fields), `[]` or `[{}]` clears them, and none keeps the live ones (`decodeLiveOrNew`);
- an apply by `kubectl` may take, without `force`, the fields its client-side apply
  annotation shows it set (`lastAppliedManager`), and keeps that annotation up to date
  (`lastAppliedUpdater`).
Conflicts become the 409 `Status` kubectl prints (`NewConflictError`). Not ported: the cap
of ten Update managers (`capManagers` merging the oldest into `ancient-changes`) and
subresource managers (no subresource is served yet).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mcp.apiserver import status
from mcp.apiserver.patch import apply, fieldpath, shapes, typed
from mcp.apiserver.patch.apply import Conflicts, Owned
from mcp.apiserver.patch.errors import PatchError
from mcp.apiserver.patch.fieldpath import FieldSet, path_of
from mcp.apiserver.patch.typed import Shape
from mcp.apiserver.status import KubeError

APPLY = "Apply"
UPDATE = "Update"
KUBECTL = "kubectl"
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
FIELD_MANAGER_MAX = 128
# What Go's strconv.ParseBool reads, as upstream decodes `force`.
TRUE = ("1", "t", "T", "true", "TRUE", "True")
FALSE = ("0", "f", "F", "false", "FALSE", "False")
# The name the Update manager takes while it runs (managedFieldsUpdater): what it took
# is merged into the writer's entry afterwards, and only then is the writer's time set.
CURRENT_OPERATION = "current-operation"
STRIPPED: FieldSet = frozenset(
    {
        path_of("apiVersion"),
        path_of("kind"),
        path_of("metadata"),
        *(
            path_of("metadata", name)
            for name in (
                "name",
                "namespace",
                "creationTimestamp",
                "selfLink",
                "uid",
                "clusterName",
                "generation",
                "managedFields",
                "resourceVersion",
            )
        ),
    }
)


def identifier(manager: str, operation: str, api_version: str) -> str:
    """A manager's identity, as upstream's `BuildManagerIdentifier` writes it: the JSON of
    its entry without fields and time, and without the API version for an applier."""
    entry = {"manager": manager, "operation": operation}
    if operation != APPLY:
        entry["apiVersion"] = api_version
    return json.dumps(entry, separators=(",", ":"))


def printed(manager_id: str) -> str:
    """A manager as a conflict message names it (`printManager`): `"kubectl"`, or
    `"kubectl-client-side-apply" using v1` for an Update manager."""
    entry = json.loads(manager_id)
    shown = json.dumps(entry.get("manager", ""), ensure_ascii=False)
    if entry.get("operation") == UPDATE:
        return f"{shown} using {entry.get('apiVersion', '')}"
    return shown


def default_manager(field_manager: str | None, user_agent: str) -> str:
    """The request's `fieldManager`, else the start of its User-Agent up to the first `/`
    (`managerOrUserAgent`: `kubectl/v1.37.1 (linux/amd64)...` is `kubectl`)."""
    if field_manager:
        return field_manager
    prefix = ""
    for char in user_agent.split("/")[0]:
        if not char.isprintable():
            continue
        if len((prefix + char).encode()) > FIELD_MANAGER_MAX:
            break
        prefix += char
    return prefix


def check_options(
    options_kind: str, field_manager: str | None, *, apply_patch: bool, force: str | None
) -> bool:
    """Refuse what upstream's `ValidatePatchOptions` (and its Create and Update twins)
    refuse; the value of `force` (upstream parses it as Go's `strconv.ParseBool`).

    Raises:
        KubeError: 400 for a `force` that is not a boolean; 422 for a missing
            `fieldManager` on apply, `force` on another patch, a manager too long or not
            printable.
    """
    if force is not None and force not in TRUE + FALSE:
        raise KubeError(400, f'strconv.ParseBool: parsing "{force}": invalid syntax')
    forced = force in TRUE
    problems: list[tuple[str, str, str]] = []
    if not apply_patch and force is not None:
        problems.append(
            ("force", "FieldValueForbidden", "Forbidden: may not be specified for non-apply patch")
        )
    if apply_patch and not field_manager:
        problems.append(
            ("fieldManager", "FieldValueRequired", "Required value: is required for apply patch")
        )
    manager = field_manager or ""
    if len(manager) > FIELD_MANAGER_MAX:
        problems.append(
            (
                "fieldManager",
                "FieldValueTooLong",
                f"Too long: may not be more than {FIELD_MANAGER_MAX} bytes",
            )
        )
    problems += [
        (
            "fieldManager",
            "FieldValueInvalid",
            f"Invalid value: {json.dumps(manager)}: invalid character U+{ord(c):04X} "
            f"(at position {len(manager[:i].encode())})",
        )
        for i, c in enumerate(manager)
        if not c.isprintable()
    ]
    if problems:
        raise status.options_invalid(options_kind, problems)
    return forced


@dataclass(frozen=True)
class Managed:
    """Decoded `managedFields`: who owns what (by manager identity), and since when."""

    owners: Mapping[str, Owned]
    times: Mapping[str, str | None]


NONE = Managed({}, {})


def decode(entries: Any) -> Managed:
    """`managedFields` as ownership (`DecodeManagedFields`).

    Raises:
        ValueError: an entry upstream would not decode.
    """
    if entries is None:
        return NONE
    if not isinstance(entries, list):
        raise ValueError("managedFields must be a list")
    owners: dict[str, Owned] = {}
    times: dict[str, str | None] = {}
    for entry in entries:
        if not isinstance(entry, dict):
            raise ValueError("a managedFields entry must be an object")
        operation, version = entry.get("operation"), entry.get("apiVersion")
        if operation not in (APPLY, UPDATE):
            raise ValueError("operation must be `Apply` or `Update`")
        if not isinstance(version, str) or not version:
            raise ValueError("apiVersion must not be empty")
        if entry.get("fieldsType") != "FieldsV1":
            raise ValueError("fieldsType must be FieldsV1")
        manager_id = identifier(str(entry.get("manager", "")), operation, version)
        fields = fieldpath.from_fields(entry.get("fieldsV1") or {})
        owners[manager_id] = Owned(fields, version, applied=operation == APPLY)
        times[manager_id] = entry.get("time")
    return Managed(owners, times)


def encode(managed: Managed) -> list[dict[str, Any]]:
    """Ownership as `managedFields` entries, in upstream's order: operation, time,
    manager, API version (`encodeManagedFields`)."""
    entries = []
    for manager_id, owned in managed.owners.items():
        entry: dict[str, Any] = {
            "manager": json.loads(manager_id).get("manager", ""),
            "operation": APPLY if owned.applied else UPDATE,
            "apiVersion": owned.api_version,
        }
        if (time := managed.times.get(manager_id)) is not None:
            entry["time"] = time
        entry["fieldsType"] = "FieldsV1"
        entry["fieldsV1"] = fieldpath.to_fields(owned.fields)
        entries.append(entry)
    entries.sort(key=lambda e: (e["operation"], e.get("time") or "", e["manager"], e["apiVersion"]))
    return entries


def _plain(obj: Mapping[str, Any]) -> dict[str, Any]:
    """`obj` without its managedFields, as upstream compares and merges objects."""
    plain = copy.deepcopy(dict(obj))
    if isinstance(plain.get("metadata"), dict):
        plain["metadata"].pop("managedFields", None)
    return plain


def _without_managed_fields(obj: Mapping[str, Any]) -> dict[str, Any]:
    """`obj` without its managedFields, sharing all but its top level and its metadata:
    for what is only read (compared), or written only there (`_with`)."""
    plain = dict(obj)
    if isinstance(plain.get("metadata"), dict):
        plain["metadata"] = {k: v for k, v in plain["metadata"].items() if k != "managedFields"}
    return plain


def _with(obj: dict[str, Any], managed: Managed) -> dict[str, Any]:
    entries = encode(managed)
    metadata = obj.setdefault("metadata", {})
    if entries:
        metadata["managedFields"] = entries
    return obj


def _strip(owners: dict[str, Owned], manager_id: str) -> None:
    owned = owners.get(manager_id)
    if owned is None:
        return
    fields = owned.fields - STRIPPED
    if fields:
        owners[manager_id] = Owned(fields, owned.api_version, owned.applied)
    else:
        del owners[manager_id]


def _live_or_new(live: Mapping[str, Any], new: Mapping[str, Any]) -> Managed:
    """decodeLiveOrNew: the managedFields a write sends, when it sends some that decode;
    an empty list (or one empty entry) clears them; otherwise the live object's."""
    sent = (new.get("metadata") or {}).get("managedFields")
    if sent == [] or sent == [{}]:
        return NONE
    try:
        managed = decode(sent)
    except ValueError:
        managed = NONE
    if managed.owners:
        return managed
    try:
        return decode((live.get("metadata") or {}).get("managedFields"))
    except ValueError:
        return NONE


def updated(
    live: Mapping[str, Any], new: Mapping[str, Any], manager: str, *, now: str
) -> dict[str, Any]:
    """`new`, written over `live` by `manager` (a create when `live` is `{}`), with its
    managedFields: the writer's Update entry holds what it added or changed, and others
    lose those fields (`FieldManager.Update`).

    Raises:
        KubeError: 422 for an object its schema's keyed lists cannot index.
    """
    version = str(new.get("apiVersion", ""))
    shape = shapes.shape_for(version, str(new.get("kind", "")))
    managed = _live_or_new(live, new)
    # No deep copies: `apply.update` only compares the two, and `_with` sets the result's
    # managedFields in its own metadata. The result shares the rest with `new`.
    result = _without_managed_fields(new)
    try:
        owners = apply.update(
            _without_managed_fields(live),
            result,
            shape,
            version,
            managed.owners,
            CURRENT_OPERATION,
        )
    except PatchError as exc:
        # An object its schema cannot index (a keyed list's element without its key) is
        # invalid, not a failure of the server.
        raise KubeError(422, str(exc)) from None
    _strip(owners, CURRENT_OPERATION)
    times = dict(managed.times)
    if (took := owners.pop(CURRENT_OPERATION, None)) is not None:
        manager_id = identifier(manager, UPDATE, version)
        previous = owners.get(manager_id)
        fields = took.fields | (previous.fields if previous else frozenset())
        owners[manager_id] = Owned(fields, version, applied=False)
        times[manager_id] = now
    return _with(result, Managed(owners, times))


def applied(
    live: Mapping[str, Any],
    config: Mapping[str, Any],
    manager: str,
    *,
    group_version: str,
    kind: str,
    force: bool,
    now: str,
) -> dict[str, Any]:
    """`config` applied by `manager` to `live` (`{}` when the object does not exist yet),
    with its managedFields (`FieldManager.Apply`).

    Raises:
        KubeError: 400 for a configuration of another kind or version, one whose
            metadata is no object, sets managedFields or has undeclared fields; 409 for
            conflicts; 422 for a list item without its keys.
    """
    applied_kind = (config.get("apiVersion"), config.get("kind"))
    if applied_kind != (group_version, kind):
        group, _, version = str(applied_kind[0] or "").rpartition("/")
        raise KubeError(
            400, f"invalid object type: {group}/{version}, Kind={applied_kind[1] or ''}"
        )
    metadata = config.get("metadata")
    if metadata is not None and not isinstance(metadata, dict):  # a list here was a 500
        raise KubeError(400, "metadata must be an object")
    if isinstance(metadata, dict) and metadata.get("managedFields") is not None:
        raise KubeError(400, "metadata.managedFields must be nil")
    shape = shapes.shape_for(group_version, kind)
    problems = list(typed.declared_problems(config, shape))
    if problems:
        meta = metadata if isinstance(metadata, dict) else {}
        group, _, version = group_version.rpartition("/")
        raise KubeError(
            400,
            f"failed to create typed patch object ({meta.get('namespace', '')}/"
            f"{meta.get('name', '')}; {group}/{version}, Kind={kind}): {problems[0]}",
        )
    try:
        managed = decode((live.get("metadata") or {}).get("managedFields"))
    except ValueError:
        managed = NONE
    manager_id = identifier(manager, APPLY, group_version)
    plain_live = _plain(live)
    try:
        new, owners = _apply(plain_live, config, shape, group_version, managed, manager_id, force)
    except PatchError as exc:
        raise KubeError(422, str(exc)) from None
    except Conflicts as refused:
        allowed = _allowed_by_last_applied(plain_live, shape, group_version)
        if manager != KUBECTL or allowed is None:
            raise conflict_error(refused) from None
        left = [c for c in refused.conflicts if c.path not in allowed]
        if left:
            raise conflict_error(Conflicts(left)) from None
        new, owners = _apply(plain_live, config, shape, group_version, managed, manager_id, True)
    times = dict(managed.times)
    if new is None:
        new = plain_live
    else:
        times[manager_id] = now
    if manager == KUBECTL and _last_applied(new) is not None:
        annotations = new["metadata"]["annotations"]
        annotations[LAST_APPLIED] = _last_applied_value(config)
    return _with(new, Managed(owners, times))


def _apply(
    live: dict[str, Any],
    config: Mapping[str, Any],
    shape: Shape,
    version: str,
    managed: Managed,
    manager_id: str,
    force: bool,
) -> tuple[dict[str, Any] | None, dict[str, Owned]]:
    new, owners = apply.apply(
        live, dict(config), shape, version, managed.owners, manager_id, force=force
    )
    _strip(owners, manager_id)
    return (None if new is None else _without_nulls(new)), owners


def _without_nulls(value: Any) -> Any:
    """Nulls left by merging and pruning dropped, as decoding into Go types drops them."""
    if isinstance(value, dict):
        return {k: _without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_nulls(v) for v in value]
    return value


def _last_applied(obj: Mapping[str, Any]) -> str | None:
    annotations = (obj.get("metadata") or {}).get("annotations") or {}
    value = annotations.get(LAST_APPLIED) if isinstance(annotations, dict) else None
    return value if isinstance(value, str) and value else None


def _last_applied_value(config: Mapping[str, Any]) -> str:
    """buildLastApplied: the applied configuration without the annotation, as JSON."""
    shown = copy.deepcopy(dict(config))
    annotations = (shown.get("metadata") or {}).get("annotations")
    if isinstance(annotations, dict):
        annotations.pop(LAST_APPLIED, None)
    return json.dumps(shown, sort_keys=True, separators=(",", ":")) + "\n"


def _allowed_by_last_applied(
    live: Mapping[str, Any], shape: Shape, version: str
) -> FieldSet | None:
    """allowedConflictsFromLastApplied: the fields client-side apply's annotation shows
    kubectl set, and that still hold the value it set; None without a usable annotation."""
    raw = _last_applied(live)
    if raw is None:
        return None
    try:
        last = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(last, dict) or last.get("apiVersion") != version:
        return None
    try:
        fields = typed.to_field_set(last, shape)
        changed = typed.compare(last, live, shape)
    except ValueError:
        return None
    return fields - changed.modified - changed.added - changed.removed


def conflict_error(conflicts: Conflicts) -> KubeError:
    """The 409 kube-apiserver answers (`NewConflictError`, `getConflictMessage`)."""
    found = conflicts.conflicts
    causes = [
        {
            "reason": "FieldManagerConflict",
            "message": f"conflict with {printed(c.manager)}",
            "field": fieldpath.path_string(c.path),
        }
        for c in found
    ]
    if len(found) == 1:
        only = found[0]
        message = (
            f"Apply failed with 1 conflict: conflict with {printed(only.manager)}: "
            f"{fieldpath.path_string(only.path)}"
        )
    else:
        lines: list[str] = []
        for manager_id in sorted({c.manager for c in found}):
            lines.append(f"conflicts with {printed(manager_id)}:")
            lines += [
                f"- {fieldpath.path_string(c.path)}" for c in found if c.manager == manager_id
            ]
        message = f"Apply failed with {len(found)} conflicts: " + "\n".join(lines)
    return KubeError(409, message, details={"causes": causes})
