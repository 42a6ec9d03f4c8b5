"""The garbage collector: dependents follow their owners by `metadata.ownerReferences`.

As kube-controller-manager's garbage collector (pkg/controller/garbagecollector) does,
over the watch cache (one ordered etcd watch, so the cache is a consistent snapshot: an
owner missing from it is missing from etcd at that revision, and no live GET is needed):

- An object whose owners are all gone (no object with the reference's kind, name and
  uid) is deleted: with the propagation its own finalizers ask for, else Background.
  One that still has an owner loses its references to the owners that are gone, and to
  those deleting their dependents in the foreground (`attemptToDeleteItem`).
- An owner deleted with `propagationPolicy: Foreground` carries the `foregroundDeletion`
  finalizer: every dependent is deleted (in the foreground itself when it has
  dependents of its own), and the finalizer removed once no dependent with
  `blockOwnerDeletion` is left (`processDeletingDependentsItem`), which ends the owner.
- An owner deleted with `Orphan` carries the `orphan` finalizer: its dependents lose
  their reference to it, then the finalizer is removed (`attemptToOrphanWorker`).
- Background (the default of kubectl and most kinds) needs no finalizer: the owner goes
  at once, and its dependents are then owner-less, as above.

`decide` is the pure part, for one object, from the objects its references name and the
objects that name it; `controller` keeps the index of who names whom from the cache's
changes and writes what `decide` says through the generic storage path.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from mcp import logs
from mcp.apiserver import deletion, storage
from mcp.apiserver.status import KubeError
from mcp.cache import Cache
from mcp.controllers.loop import Controller
from mcp.kinds import Kind
from mcp.objectcache import ObjectChange, Stored
from mcp.registry import Keys
from mcp.store import Store

log = logs.get(actor="gc")

ORPHAN = deletion.ORPHAN_FINALIZER
FOREGROUND = deletion.FOREGROUND_FINALIZER


def owner_references(obj: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    if obj is None:
        return []
    refs = obj.get("metadata", {}).get("ownerReferences") or []
    return [ref for ref in refs if isinstance(ref, dict)]


def _uid(obj: Mapping[str, Any]) -> str:
    return str(obj.get("metadata", {}).get("uid") or "")


def _finalizers(obj: Mapping[str, Any]) -> list[str]:
    return list(obj.get("metadata", {}).get("finalizers") or [])


def _deleting(obj: Mapping[str, Any]) -> bool:
    return bool(obj.get("metadata", {}).get("deletionTimestamp"))


def deleting_dependents(obj: Mapping[str, Any]) -> bool:
    """Being deleted in the foreground: waiting for its dependents (`isDeletingDependents`)."""
    return _deleting(obj) and FOREGROUND in _finalizers(obj)


@dataclass(frozen=True)
class Plan:
    """What one pass does for one object."""

    # Delete the object with this propagation policy (None: do not delete it).
    delete: str | None = None
    # Drop its references to these owner uids (gone, or deleting their dependents).
    drop_owners: tuple[str, ...] = ()
    # Remove this finalizer from it (its dependents are gone, or orphaned).
    remove_finalizer: str | None = None
    # Its dependents (their uids) to drop their reference to it (an Orphan delete).
    orphan: tuple[str, ...] = ()


def decide(
    obj: Mapping[str, Any],
    owners: Mapping[str, Mapping[str, Any] | None],
    dependents: Sequence[Mapping[str, Any]],
) -> Plan:
    """What to do for `obj`.

    Args:
        owners: by the uid of each of `obj`'s ownerReferences, the object it names as
            the cache has it (the same kind, namespace and name, and that uid), or None.
        dependents: the objects whose ownerReferences name `obj`'s uid.
    """
    uid = _uid(obj)
    if _deleting(obj):
        finalizers = _finalizers(obj)
        if ORPHAN in finalizers:
            orphans = tuple(_uid(d) for d in dependents)
            return Plan(orphan=orphans, remove_finalizer=ORPHAN)
        if FOREGROUND in finalizers:
            blocking = [d for d in dependents if _blocks(d, uid)]
            # Its dependents are deleted by their own passes (each now has an owner
            # deleting its dependents: see below), which the controller gives them when
            # the owner's deletion starts, and the owner's again as each goes.
            return Plan() if blocking else Plan(remove_finalizer=FOREGROUND)
        return Plan()  # a one-way trip to its deletion: its dependents come after
    refs = owner_references(obj)
    if not refs:
        return Plan()
    solid, gone, waiting = [], [], []
    for ref in refs:
        owner = owners.get(str(ref.get("uid") or ""))
        if owner is None:
            gone.append(str(ref.get("uid") or ""))
        elif deleting_dependents(owner):
            waiting.append(str(ref.get("uid") or ""))
        else:
            solid.append(ref)
    if solid:
        return Plan(drop_owners=tuple(gone + waiting))
    if waiting and dependents:
        return Plan(delete="Foreground")
    finalizers = _finalizers(obj)
    if ORPHAN in finalizers:
        return Plan(delete="Orphan")
    if FOREGROUND in finalizers:
        return Plan(delete="Foreground")
    return Plan(delete="Background")


def _blocks(dependent: Mapping[str, Any], owner_uid: str) -> bool:
    return any(
        ref.get("uid") == owner_uid and ref.get("blockOwnerDeletion") is True
        for ref in owner_references(dependent)
    )


def without_owners(obj: dict[str, Any], uids: Iterable[str]) -> dict[str, Any] | None:
    """`obj` without its references to `uids` (None: it has none of them)."""
    dropped = set(uids)
    refs = owner_references(obj)
    kept = [ref for ref in refs if ref.get("uid") not in dropped]
    if len(kept) == len(refs):
        return None
    metadata = obj["metadata"]
    if kept:
        metadata["ownerReferences"] = kept
    else:
        metadata.pop("ownerReferences", None)
    return obj


def without_finalizer(obj: dict[str, Any], finalizer: str) -> dict[str, Any] | None:
    finalizers = _finalizers(obj)
    if finalizer not in finalizers:
        return None
    kept = [f for f in finalizers if f != finalizer]
    if kept:
        obj["metadata"]["finalizers"] = kept
    else:
        obj["metadata"].pop("finalizers", None)
    return obj


# --- the controller ----------------------------------------------------------------------


@dataclass(frozen=True)
class Place:
    """Where an object is: its kind, namespace ("" for a cluster-scoped one) and name."""

    kind: Kind
    namespace: str
    name: str


@dataclass
class Graph:
    """Who names whom: each object's place by uid, and the uids of the objects naming
    each uid as an owner. Kept from the cache's changes."""

    places: dict[str, Place] = field(default_factory=dict)
    dependents: dict[str, set[str]] = field(default_factory=dict)
    owners_of: dict[str, set[str]] = field(default_factory=dict)

    def update(self, stored: Stored, obj: Mapping[str, Any] | None) -> None:
        """`stored`'s object is now `obj` (None: gone)."""
        uid = _uid(stored.obj)
        for owner in self.owners_of.pop(uid, set()):
            named = self.dependents.get(owner)
            if named is not None:
                named.discard(uid)
                if not named:
                    del self.dependents[owner]
        if obj is None:
            self.places.pop(uid, None)
            return
        self.places[uid] = Place(stored.kind, stored.namespace, stored.name)
        owners = {str(ref.get("uid") or "") for ref in owner_references(obj)} - {""}
        if owners:
            self.owners_of[uid] = owners
        for owner in owners:
            self.dependents.setdefault(owner, set()).add(uid)

    def clear(self) -> None:
        self.places.clear()
        self.dependents.clear()
        self.owners_of.clear()


def _kind_of(kinds: Iterable[Kind], ref: Mapping[str, Any]) -> Kind | None:
    """The served kind an ownerReference names (apiVersion `group/version`, kind)."""
    api_version = str(ref.get("apiVersion") or "")
    group = api_version.rpartition("/")[0]
    for kind in kinds:
        if kind.group == group and kind.kind == ref.get("kind"):
            return kind
    return None


def controller(store: Store, keys: Keys, cache: Cache, kinds: Sequence[Kind]) -> Controller:
    """The garbage collector over `kinds` (each with a strategy in the generic storage)."""
    collected = [kind for kind in kinds if kind.resource in storage.STRATEGIES]
    graph = Graph()

    def key(ref: Place) -> str:
        return f"{ref.kind.group}/{ref.kind.resource}/{ref.namespace}/{ref.name}"

    by_key_prefix = {f"{kind.group}/{kind.resource}/": kind for kind in collected}

    def place(text: str) -> Place | None:
        group, resource, namespace, name = text.split("/", 3)
        kind = by_key_prefix.get(f"{group}/{resource}/")
        return Place(kind, namespace, name) if kind is not None else None

    def keys_of(change: ObjectChange) -> list[str]:
        if change.kind not in collected:
            return []
        stored = change.after or change.before
        if stored is None:
            return []
        obj = change.after.obj if change.after is not None else None
        uid = _uid(stored.obj)
        # From the change, not the graph: the loop asks twice about each change.
        before = change.before.obj if change.before is not None else None
        named = {str(r.get("uid") or "") for r in owner_references(before) + owner_references(obj)}
        graph.update(stored, obj)
        here = Place(stored.kind, stored.namespace, stored.name)
        wanted: list[str] = []
        if obj is not None and (owner_references(obj) or _gc_finalizer(obj)):
            wanted.append(key(here))
        if obj is None or _deleting(obj):
            # An owner gone or going: its dependents' owners changed.
            wanted += [
                key(graph.places[d]) for d in graph.dependents.get(uid, ()) if d in graph.places
            ]
        # A dependent that changed or went: an owner waiting for its dependents may be done.
        for owner in named:
            if owner in graph.places:
                wanted.append(key(graph.places[owner]))
        return wanted

    def all_keys() -> list[str]:
        graph.clear()
        wanted = []
        for kind in collected:
            for stored in cache.kube.listed(kind):
                graph.update(stored, stored.obj)
                if owner_references(stored.obj) or _gc_finalizer(stored.obj):
                    wanted.append(key(Place(kind, stored.namespace, stored.name)))
        return wanted

    def found(ref: Place) -> Stored | None:
        return cache.kube.get(ref.kind, ref.namespace or None, ref.name)

    def owner_of(obj: Mapping[str, Any], ref: Place, reference: Mapping[str, Any]) -> Any:
        kind = _kind_of(collected, reference)
        if kind is None:
            return _UNKNOWN
        namespace = ref.namespace if kind.namespaced else ""
        stored = cache.kube.get(kind, namespace or None, str(reference.get("name") or ""))
        if stored is None or _uid(stored.obj) != reference.get("uid"):
            return None
        return stored.obj

    async def reconcile(text: str) -> float | None:
        ref = place(text)
        stored = found(ref) if ref is not None else None
        if ref is None or stored is None:
            return None
        obj = stored.obj
        owners: dict[str, Mapping[str, Any] | None] = {}
        for reference in owner_references(obj):
            owner = owner_of(obj, ref, reference)
            if owner is _UNKNOWN:
                # A kind mcp does not serve: as upstream, never collect on a guess.
                log.warning("gc_owner_kind_unknown", object=text, owner=reference.get("kind"))
                return None
            owners[str(reference.get("uid") or "")] = owner
        uid = _uid(obj)
        dependent_places = [
            graph.places[d] for d in graph.dependents.get(uid, ()) if d in graph.places
        ]
        dependents = [s.obj for s in (found(p) for p in dependent_places) if s is not None]
        plan = decide(obj, owners, dependents)
        await _carry_out(store, keys, ref, obj, plan, dependent_places, found)
        return None

    return Controller("gc", reconcile, keys_of, all_keys)


_UNKNOWN: Any = object()


def _on(
    uid: str, change: Callable[[dict[str, Any]], dict[str, Any] | None]
) -> Callable[[dict[str, Any]], dict[str, Any] | None]:
    """`change`, for the incarnation `uid` only (an object made again under the same name
    is another object)."""
    return lambda current: change(current) if _uid(current) == uid else None


def _gc_finalizer(obj: Mapping[str, Any]) -> bool:
    return any(f in deletion.GC_FINALIZERS for f in _finalizers(obj))


async def _carry_out(
    store: Store,
    keys: Keys,
    place: Place,
    obj: Mapping[str, Any],
    plan: Plan,
    dependents: Sequence[Place],
    found: Callable[[Place], Stored | None],
) -> None:
    uid = _uid(obj)
    about = log.bind(kind=place.kind.kind, namespace=place.namespace, name=place.name)

    async def rewrite(
        where: Place, incarnation: str, change: Callable[[dict[str, Any]], dict[str, Any] | None]
    ) -> None:
        strategy = storage.STRATEGIES[where.kind.resource]
        await storage.rewrite(
            store, keys, strategy, where.namespace, where.name, _on(incarnation, change)
        )

    if plan.drop_owners:
        await rewrite(place, uid, lambda current: without_owners(current, plan.drop_owners))
        about.info("gc_owner_references_dropped", owners=list(plan.drop_owners))
    if plan.orphan:
        for dependent in dependents:
            stored = found(dependent)
            if stored is not None and _uid(stored.obj) in plan.orphan:
                await rewrite(
                    dependent, _uid(stored.obj), lambda current: without_owners(current, [uid])
                )
        about.info("gc_dependents_orphaned", dependents=len(plan.orphan))
    if plan.remove_finalizer is not None:
        finalizer = plan.remove_finalizer
        await rewrite(place, uid, lambda current: without_finalizer(current, finalizer))
        about.info("gc_finalizer_removed", finalizer=finalizer)
    if plan.delete is not None:
        options = deletion.Options(
            uid=uid,
            resource_version=str(obj["metadata"].get("resourceVersion") or "") or None,
            propagation=plan.delete,
        )
        strategy = storage.STRATEGIES[place.kind.resource]
        try:
            await storage.delete_object(
                store, keys, strategy, place.namespace, place.name, dry_run=False, options=options
            )
        except KubeError as exc:
            if exc.code not in (404, 409):  # gone, or changed: the change brings a new pass
                raise
            return
        about.info("gc_deleted", propagation=plan.delete)
