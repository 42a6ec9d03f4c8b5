"""How the workload controllers write: through the generic storage path, as a client of the
API would, with the events upstream's controllers record for each write, and reading their
own writes before the next pass.

Upstream's controllers keep "expectations" (the creates and deletes a pass made, which the
next pass waits to see in its informer cache). mcp's cache is fed by one ordered etcd watch
and every write returns its revision, so a `Writes` remembers the newest revision it wrote
and `caught_up` waits until the cache has applied it: a pass then never runs on a cache
that does not show the Pods the pass before it created, and never creates them twice.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from mcp.apiserver import deletion, reads, storage
from mcp.apiserver.status import KubeError
from mcp.cache import Cache
from mcp.events import EventType, Involved, Recorder
from mcp.kinds import Kind
from mcp.registry import Keys
from mcp.store import Store

CAUGHT_UP_WAIT_S = 5.0  # as long as a write waits for the cache before it answers
STRATEGIC = "application/strategic-merge-patch+json"


def involved(kind: Kind, obj: Mapping[str, Any]) -> Involved:
    """`obj` (of `kind`) as an event's involvedObject."""
    meta = obj.get("metadata") or {}
    return Involved(
        kind.group_version,
        kind.kind,
        str(meta.get("name") or ""),
        str(meta.get("uid") or ""),
        str(meta.get("namespace") or ""),
    )


def namespace_ending(exc: KubeError) -> bool:
    """Whether a create was refused because its namespace is being deleted: no failure for
    a controller, whose objects go with the namespace (upstream ignores it too)."""
    causes = (exc.details or {}).get("causes") or []
    return exc.code == 403 and any(c.get("reason") == "NamespaceTerminating" for c in causes)


def revision_of(obj: Mapping[str, Any]) -> int:
    text = str((obj.get("metadata") or {}).get("resourceVersion") or "0")
    return int(text) if text.isdigit() else 0


@dataclass
class Writes:
    """One controller's writes: `component` names it in its events (`replicaset-controller`)."""

    store: Store
    keys: Keys
    cache: Cache
    strategies: Mapping[str, storage.Strategy]
    events: Recorder
    component: str
    written: int = field(default=0)  # the newest revision this controller wrote

    def _wrote(self, revision: int) -> None:
        self.written = max(self.written, revision)

    def record(self, about: Involved, reason: str, message: str, type_: str = "Normal") -> None:
        """An event on `about`; `type_` as a plan says it (anything but Warning is Normal)."""
        kind: EventType = "Warning" if type_ == "Warning" else "Normal"
        self.events.record(about, reason, message, type_=kind, component=self.component)

    async def caught_up(self) -> bool:
        """Wait until the cache shows every write made so far (False: it did not in time)."""
        return await reads.caught_up(self.cache, self.written, CAUGHT_UP_WAIT_S)

    async def create(self, kind: Kind, namespace: str, obj: dict[str, Any]) -> dict[str, Any]:
        """Create `obj`; the object made (its name, when `obj` had a generateName)."""
        created, _ = await storage.create_object(
            self.store,
            self.keys,
            self.strategies[kind.resource],
            namespace,
            obj,
            field_validation="Ignore",
            dry_run=False,
            manager=self.component,
            cached=reads.cache_lookup(self.cache),
        )
        self._wrote(revision_of(created))
        return created

    async def delete(
        self,
        kind: Kind,
        namespace: str,
        name: str,
        *,
        uid: str | None = None,
        propagation: str | None = None,
    ) -> bool:
        """Delete `name` (only the incarnation `uid`, when given); False when it was gone
        (or is another object now)."""
        options = deletion.Options(uid=uid or None, propagation=propagation)
        try:
            _, revision = await storage.delete_object(
                self.store,
                self.keys,
                self.strategies[kind.resource],
                namespace,
                name,
                dry_run=False,
                options=options,
            )
        except KubeError as exc:
            if exc.code in (404, 409):
                return False
            raise
        self._wrote(revision)
        return True

    async def update(self, kind: Kind, namespace: str, obj: dict[str, Any]) -> dict[str, Any]:
        """Replace the object with `obj`, as a client's PUT: validated, its generation
        bumped by a spec change, and refused (409) when its `resourceVersion` is stale."""
        updated, _ = await storage.update_object(
            self.store,
            self.keys,
            self.strategies[kind.resource],
            namespace,
            str(obj["metadata"]["name"]),
            obj,
            field_validation="Ignore",
            dry_run=False,
            manager=self.component,
            cached=reads.cache_lookup(self.cache),
        )
        self._wrote(revision_of(updated))
        return updated

    async def patch(
        self, kind: Kind, namespace: str, name: str, patch: dict[str, Any]
    ) -> dict[str, Any] | None:
        """A strategic merge patch of `name`; the object written, None when it is gone."""
        try:
            patched, _ = await storage.patch_object(
                self.store,
                self.keys,
                self.strategies[kind.resource],
                namespace,
                name,
                STRATEGIC,
                patch,
                field_validation="Ignore",
                dry_run=False,
                manager=self.component,
                cached=reads.cache_lookup(self.cache),
            )
        except KubeError as exc:
            if exc.code == 404:
                return None
            raise
        self._wrote(revision_of(patched))
        return patched

    async def rewrite(
        self,
        kind: Kind,
        namespace: str,
        name: str,
        uid: str,
        change: Callable[[dict[str, Any]], dict[str, Any] | None],
        *,
        resource_version: str | None = None,
    ) -> dict[str, Any] | None:
        """`change` the stored object, the incarnation `uid` only (a status write, an
        annotation the controller keeps); the object written, or None. With
        `resource_version`, only over that version: a later one is a 409 (the pass that
        read the older one is planned again)."""

        def guarded(current: dict[str, Any]) -> dict[str, Any] | None:
            metadata = current.get("metadata") or {}
            if metadata.get("uid") != uid:
                return None
            if resource_version is not None and metadata.get("resourceVersion") != resource_version:
                raise storage.conflict(kind, name)
            return change(current)

        written = await storage.rewrite(
            self.store, self.keys, self.strategies[kind.resource], namespace, name, guarded
        )
        if written is not None:
            self._wrote(revision_of(written))
        return written

    async def write_status(
        self,
        kind: Kind,
        namespace: str,
        name: str,
        uid: str,
        status: dict[str, Any],
        *,
        resource_version: str | None = None,
    ) -> dict[str, Any] | None:
        """Replace the object's status (the incarnation `uid`, at `resource_version` when
        given, as `rewrite`), unless it says that already."""

        def change(current: dict[str, Any]) -> dict[str, Any] | None:
            if current.get("status") == status:
                return None
            current["status"] = status
            return current

        return await self.rewrite(
            kind, namespace, name, uid, change, resource_version=resource_version
        )
