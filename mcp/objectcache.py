"""The watch cache of Kubernetes objects: every stored object of the served kinds, by
kind, namespace and name, and the fan-out of their changes to watch streams.

It is part of the `Cache` the watch actor keeps (`Cache.objects_of_kinds`), fed by the
same etcd watch, at the same revision: a put or a delete of a key under a served kind's
prefix (`<prefix>/registry/<resource>/[<namespace>/]<name>`) becomes an `ObjectChange`
published to the feed, and the object as readers see it. Each object is decoded once,
with its `resourceVersion`, and rendered to JSON once (`Stored.raw`), so a GET or a LIST
from the cache writes out bytes it already has, and every reader shares one instance.
Readers must not change `Stored.obj`: one that needs its own copy calls `Stored.copy()`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from mcp import logs
from mcp.feeds import Feed, Subscription
from mcp.kinds import Kind
from mcp.store import KeyValue, WatchEvent

log = logs.get(actor="cache")

RING_CAPACITY = 4096


@dataclass(frozen=True, eq=False)
class Stored:
    """One stored object as the cache holds it: decoded, with its resourceVersion."""

    kind: Kind
    namespace: str  # "" for a cluster-scoped kind
    name: str
    revision: int  # etcd's mod revision: the resourceVersion
    obj: dict[str, Any]

    @cached_property
    def raw(self) -> bytes:
        """The object's JSON, rendered once for every reader."""
        return json.dumps(self.obj).encode()

    def copy(self) -> dict[str, Any]:
        """A copy of the object the caller may change."""
        copied: dict[str, Any] = json.loads(self.raw)
        return copied

    def at(self, revision: int) -> Stored:
        """This object as a DELETED event shows it: its last state, at the deletion's
        revision (as kube-apiserver's watch does)."""
        obj = {**self.obj, "metadata": {**self.obj["metadata"], "resourceVersion": str(revision)}}
        return Stored(self.kind, self.namespace, self.name, revision, obj)


@dataclass(frozen=True)
class ObjectChange:
    """One object's change at one revision: before and after (None: did not exist)."""

    revision: int
    kind: Kind
    before: Stored | None
    after: Stored | None


ObjectSubscription = Subscription[ObjectChange, Stored]


def decode_stored(kind: Kind, namespace: str, name: str, item: KeyValue | WatchEvent) -> Stored:
    """Raises ValueError (json's errors are ValueErrors) for a value that is no object."""
    obj = json.loads(item.value)
    if not isinstance(obj, dict) or not isinstance(obj.get("metadata", {}), dict):
        raise ValueError("the stored value is not a JSON object with metadata")
    obj.setdefault("metadata", {})["resourceVersion"] = str(item.mod_revision)
    return Stored(kind, namespace, name, item.mod_revision, obj)


class ObjectCache:
    """Objects of `kinds` whose keys live under `root`, as of the owning cache's revision."""

    def __init__(self, root: str, kinds: Iterable[Kind]) -> None:
        # Longest prefix first: a named group's `<group>/<resource>/` is never taken for a
        # core resource's namespace.
        self._prefixes = sorted(
            ((root + kind.key_path, kind) for kind in kinds), key=lambda entry: -len(entry[0])
        )
        self._objects: dict[Kind, dict[str, dict[str, Stored]]] = {
            kind: {} for _, kind in self._prefixes
        }
        self.feed: Feed[ObjectChange, Stored] = Feed(RING_CAPACITY)

    def locate(self, key: str) -> tuple[Kind, str, str] | None:
        """The kind, namespace ("" when cluster-scoped) and name a key stores; None for a
        key of no served kind (or a malformed one)."""
        for prefix, kind in self._prefixes:
            if key.startswith(prefix):
                rest = key[len(prefix) :]
                namespace, _, name = rest.rpartition("/") if kind.namespaced else ("", "", rest)
                if not name or "/" in namespace or (kind.namespaced and not namespace):
                    return None
                return kind, namespace, name
        return None

    def get(self, kind: Kind, namespace: str | None, name: str) -> Stored | None:
        return self._objects[kind].get(namespace or "", {}).get(name)

    def listed(self, kind: Kind, namespace: str | None = None) -> list[Stored]:
        """The objects of `kind` (in `namespace`; None: all), in key order as etcd lists."""
        by_namespace = self._objects[kind]
        if namespace is not None:
            found = by_namespace.get(namespace if kind.namespaced else "", {})
            return [found[name] for name in sorted(found)]
        return [
            by_namespace[ns][name]
            for ns in sorted(by_namespace)
            for name in sorted(by_namespace[ns])
        ]

    def count(self) -> int:
        return sum(len(names) for kind in self._objects.values() for names in kind.values())

    def apply(self, event: WatchEvent) -> bool:
        """Apply one watch event; whether its key belongs to a served kind."""
        located = self.locate(event.key)
        if located is None:
            return False
        kind, namespace, name = located
        names = self._objects[kind].setdefault(namespace, {})
        before = names.get(name)
        after: Stored | None = None
        if event.kind == "put":
            after = self._decode(kind, namespace, name, event)
            if after is None:
                return True  # unreadable: keep what was known
            names[name] = after
        else:
            names.pop(name, None)
            if not names:
                del self._objects[kind][namespace]
            if before is None:
                return True
        self.feed.publish(ObjectChange(event.mod_revision, kind, before, after))
        return True

    def replace_all(self, items: Iterable[KeyValue], revision: int) -> None:
        """Load a full listing; every stream ends "expired" (see `Cache.replace_all`)."""
        for by_namespace in self._objects.values():
            by_namespace.clear()
        for item in items:
            located = self.locate(item.key)
            if located is None:
                continue
            kind, namespace, name = located
            stored = self._decode(kind, namespace, name, item)
            if stored is not None:
                self._objects[kind].setdefault(namespace, {})[name] = stored
        self.feed.relisted(revision)

    def _decode(
        self, kind: Kind, namespace: str, name: str, item: KeyValue | WatchEvent
    ) -> Stored | None:
        try:
            return decode_stored(kind, namespace, name, item)
        except ValueError as exc:
            log.error(
                "stored_value_undecodable", key=item.key, revision=item.mod_revision, error=str(exc)
            )
            return None

    @contextmanager
    def subscribe(
        self,
        since: int | None,
        revision: int,
        *,
        wants: Callable[[ObjectChange], bool],
        initial: Callable[[], list[Stored]],
        on_dropped: Callable[[ObjectSubscription], None] | None = None,
    ) -> Iterator[ObjectSubscription]:
        """`Feed.subscribe`: without `since`, starting with `initial()` as of `revision`
        (the owning cache's)."""
        with self.feed.subscribe(
            since, current=lambda: (initial(), revision), wants=wants, on_dropped=on_dropped
        ) as subscription:
            yield subscription
