"""Server-side apply's field ownership: `update` and `apply`, as structured-merge-diff's
`merge.Updater` computes them (`merge/update.go`).

Owns the rules, not the wire format: a manager owns a `FieldSet` (`Owned`); `update` (a
create, a replace or a patch) gives the writer what it added or changed and takes those
fields from everyone else; `apply` merges an applied configuration into the live object,
prunes what the applier applied last time and no longer sends (unless another manager owns
it), and refuses with `Conflicts` to change a field another manager owns to another value,
unless forced (then the field moves). The apiserver layer (mcp/apiserver/fieldmanager.py)
encodes the sets as `managedFields`, names managers and keeps their times.

One version per kind, so upstream's conversions and per-version comparisons fall away; so
does `reconcileManagedFieldsWithSchemaChanges` (the shapes here do not change), and no kind
here has reset fields (`IgnoredFields`). Pure functions over decoded JSON.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from mcp.apiserver.patch import fieldpath, typed
from mcp.apiserver.patch.fieldpath import EMPTY, FieldSet, Path
from mcp.apiserver.patch.typed import Shape


@dataclass(frozen=True)
class Owned:
    """What one manager owns (SMD's `VersionedSet`): its fields, at which API version,
    and whether by applying."""

    fields: FieldSet
    api_version: str
    applied: bool


Managers = Mapping[str, Owned]


@dataclass(frozen=True)
class Conflict:
    manager: str
    path: Path


class Conflicts(Exception):
    """The applier would change fields other managers own (`merge.Conflicts`)."""

    def __init__(self, conflicts: list[Conflict]):
        super().__init__(f"{len(conflicts)} conflicts")
        self.conflicts = conflicts


def _as_object(value: object) -> dict[str, object]:
    return value if isinstance(value, dict) else {}


def _update(
    old: object,
    new: object,
    shape: Shape,
    version: str,
    managers: Managers,
    workflow: str,
    *,
    force: bool,
) -> tuple[dict[str, Owned], typed.Comparison]:
    """update.go `update`: what changed from `old` to `new`, and every manager but
    `workflow` without what it loses (changed fields taken, removed fields gone).

    Raises:
        Conflicts: other managers own fields that changed, and not `force`.
    """
    compare = typed.compare(old, new, shape)
    changed = compare.modified | compare.added
    conflicts: dict[str, FieldSet] = {}
    for manager, owned in managers.items():
        if manager == workflow:
            continue
        if taken := owned.fields & changed:
            conflicts[manager] = taken
    if conflicts and not force:
        raise Conflicts(
            [
                Conflict(manager, path)
                for manager in sorted(conflicts)
                for path in fieldpath.sorted_paths(conflicts[manager])
            ]
        )
    result: dict[str, Owned] = {}
    for manager, owned in managers.items():
        fields = owned.fields
        if manager != workflow:
            fields = fields - conflicts.get(manager, EMPTY) - compare.removed
        if fields:
            result[manager] = Owned(fields, owned.api_version, owned.applied)
    return result, compare


def update(
    live: object, new: object, shape: Shape, version: str, managers: Managers, manager: str
) -> dict[str, Owned]:
    """Ownership after `manager` wrote `new` over `live` (`Updater.Update`): a create
    (`live` empty), a replace or a non-apply patch. Never conflicts: writers take fields.

    Args:
        live: the object before (`{}` for a create), without `managedFields`.
        new: the object written, without `managedFields`.
        shape: the kind's shape (`shapes.shape_for`).
        version: the API version written.
        managers: who owned what before.
        manager: the writer's manager identifier.

    Returns:
        Who owns what now; a manager left with nothing is gone.
    """
    result, compare = _update(live, new, shape, version, managers, manager, force=True)
    previous = result.get(manager, Owned(EMPTY, version, applied=False)).fields
    fields = (previous - compare.removed) | compare.modified | compare.added
    result.pop(manager, None)
    if fields:
        result[manager] = Owned(fields, version, applied=False)
    return result


def apply(
    live: object,
    config: object,
    shape: Shape,
    version: str,
    managers: Managers,
    manager: str,
    *,
    force: bool,
) -> tuple[dict[str, object] | None, dict[str, Owned]]:
    """`config` applied by `manager` to `live` (`Updater.Apply`).

    Args:
        live: the live object (`{}` when it does not exist yet), without `managedFields`.
        config: the applied configuration.
        shape: the kind's shape.
        version: the API version applied.
        managers: who owned what before.
        manager: the applier's manager identifier.
        force: take fields other managers own instead of refusing.

    Returns:
        The new object (None when applying changed nothing), and who owns what now.

    Raises:
        Conflicts: `config` changes fields other managers own, and not `force`.
        PatchError: `config` has a list item without its keys, or one twice.
    """
    merged = typed.merge(live, config, shape)
    last = managers.get(manager)
    owned = dict(managers)
    owned[manager] = Owned(typed.to_field_set(config, shape), version, applied=True)
    new = _prune(_as_object(merged), shape, owned, manager, last)
    result, _ = _update(live, new, shape, version, owned, manager, force=force)
    return (None if new == live else new), result


def _prune(
    merged: dict[str, object],
    shape: Shape,
    managers: Mapping[str, Owned],
    manager: str,
    last: Owned | None,
) -> dict[str, object]:
    """update.go `prune`: remove what `manager` applied last time and not this time,
    unless another manager (or this one's new configuration) owns it, and only what it
    owned (`addBackOwnedItems`, `addBackDanglingItems`)."""
    if last is None or not last.fields:
        return merged

    def named(paths: FieldSet) -> FieldSet:
        return typed.ensure_named_fields_are_members(paths, shape)

    pruned = _as_object(typed.remove_items(merged, named(last.fields), shape))
    managed: FieldSet = frozenset().union(*(owned.fields for owned in managers.values()))
    merged_set = named(typed.to_field_set(merged, shape))
    # Add back what anyone owns.
    pruned_set = named(typed.to_field_set(pruned, shape))
    pruned = _as_object(
        typed.remove_items(merged, merged_set - (pruned_set | named(managed)), shape)
    )
    # Add back what was not the applier's to remove (unowned, or owned by updaters).
    pruned_set = named(typed.to_field_set(pruned, shape))
    return _as_object(
        typed.remove_items(merged, (merged_set - pruned_set) & named(last.fields), shape)
    )
