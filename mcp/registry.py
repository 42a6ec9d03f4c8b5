"""Where objects live in etcd, and the few transactions that change them.

Layout under the configured prefix (default `/mcp`):

    <prefix>/cluster-id                   this control plane's id, written once
    <prefix>/registry/containers/<name>   the object: desired state (written by the API)
    <prefix>/registry/status/<name>       what the controller observed (by controllers)
    <prefix>/registry/events/default/<container>.<hex time>
                                          what the controller did and saw: core/v1
                                          Events, on leases (events.py)
    <prefix>/registry/<resource>/...      the Kubernetes kinds (apiserver/objects.py)

Objects and statuses share the `registry/` prefix so one range read gives a
consistent view of both, and one watch follows both.

Desired state and status are separate keys so a controller's status write never
conflicts with a user's update. A status write is guarded by the object key's
create revision, so a controller cannot leave a status behind for an object that
was deleted meanwhile, nor write one onto a new object of the same name.
"""

from __future__ import annotations

import uuid
import weakref
from dataclasses import dataclass, field, replace
from typing import Literal

from mcp import logs, model
from mcp.errors import Conflict, Unreadable
from mcp.model import Container, Status
from mcp.store import Compare, Delete, KeyValue, Put, Store, WatchEvent

log = logs.get(actor="registry")

Stored = Literal["container", "status"]  # what a key of the registry holds


@dataclass(frozen=True)
class Keys:
    prefix: str

    @property
    def root(self) -> str:
        """Objects and their statuses: what the informer lists and watches."""
        return f"{self.prefix}/registry/"

    @property
    def cluster_id(self) -> str:
        return f"{self.prefix}/cluster-id"

    @property
    def containers(self) -> str:
        return f"{self.root}containers/"

    @property
    def statuses(self) -> str:
        return f"{self.root}status/"

    def container(self, name: str) -> str:
        return self.containers + name

    def status(self, name: str) -> str:
        return self.statuses + name

    def parse(self, key: str) -> tuple[Stored, str] | None:
        """What `key` holds, a container or a status, and the name of its object; None
        for any other key."""
        if key.startswith(self.containers):
            return "container", key[len(self.containers) :]
        if key.startswith(self.statuses):
            return "status", key[len(self.statuses) :]
        return None


def container_from(item: KeyValue) -> Container:
    return model.decode_container(
        item.value, resource_version=item.mod_revision, create_revision=item.create_revision
    )


# The cache, every GET and every LIST decode the same stored values.
# A stored value is fixed by its key, its revisions and its bytes, so while any reader
# holds the decoded (immutable) object, the others get that same instance, and validation
# runs once. Weak values: the memo keeps nothing alive that no reader holds.
_DecodeKey = tuple[str, int, int, bytes]
_decoded: weakref.WeakValueDictionary[_DecodeKey, Container | Status] = (
    weakref.WeakValueDictionary()
)


def decode_item(keys: Keys, item: KeyValue | WatchEvent) -> Container | Status | None:
    """The object or the status stored in `item` (a read or a watch put).

    None for a key that is neither, and for a value mcp cannot read (written by hand or
    by a newer version), which is logged: readers skip it, they never crash on it.
    """
    memo_key = (item.key, item.mod_revision, item.create_revision, item.value)
    known = _decoded.get(memo_key)
    if known is not None:
        return known
    decoded: Container | Status | None = None
    located = keys.parse(item.key)
    try:
        if located is not None and located[0] == "container":
            decoded = container_from(
                KeyValue(item.key, item.value, item.mod_revision, item.create_revision)
            )
        elif located is not None:
            decoded = model.decode_status(item.value, revision=item.mod_revision)
    except model.UNDECODABLE as exc:
        log.error(
            "stored_value_undecodable", key=item.key, revision=item.mod_revision, error=str(exc)
        )
    if decoded is not None:
        _decoded[memo_key] = decoded
    return decoded


@dataclass
class Mirror:
    """Objects and their statuses as stored, by name: what the cache and a LIST hold."""

    keys: Keys
    objects: dict[str, Container] = field(default_factory=dict, kw_only=True)
    statuses: dict[str, Status] = field(default_factory=dict, kw_only=True)

    def put(self, item: KeyValue | WatchEvent) -> Container | Status | None:
        """Take in a stored value; what it decoded to (None: not readable, nothing kept)."""
        decoded = decode_item(self.keys, item)
        if isinstance(decoded, Container):
            self.objects[decoded.name] = decoded
        elif isinstance(decoded, Status) and (located := self.keys.parse(item.key)):
            self.statuses[located[1]] = decoded
        return decoded

    def status_of(self, obj: Container) -> Status | None:
        """`obj`'s status, if it is about this incarnation of it (a stale one reads as None)."""
        status = self.statuses.get(obj.name)
        return status if status is not None and status.uid == obj.uid else None


async def ensure_cluster_id(store: Store, keys: Keys) -> str:
    """This control plane's id: made once, then read back by every later start."""
    existing = await store.get(keys.cluster_id)
    if existing is not None:
        return existing.value.decode()
    candidate = uuid.uuid4().hex[:16]
    written = await store.txn(
        [Compare(keys.cluster_id, "version", 0)], [Put(keys.cluster_id, candidate.encode())]
    )
    if written is not None:
        return candidate
    # Another mcp wrote it between our read and our write: use theirs.
    winner = await store.get(keys.cluster_id)
    assert winner is not None, "cluster id vanished right after a failed create"
    return winner.value.decode()


async def read_object(store: Store, keys: Keys, name: str) -> Container | None:
    """The object `name` without its status (what a write starts from); None if there is
    no such object.

    Raises:
        Unreadable: the object is stored, but its value cannot be decoded.
    """
    item = await store.get(keys.container(name))
    if item is None:
        return None
    # Through decode_item, for the instances every other reader shares.
    obj = decode_item(keys, item)
    if not isinstance(obj, Container):
        raise Unreadable(
            f"container {name!r} is stored, but this mcp cannot read its value (written by "
            "hand, or by a newer mcp); DELETE it to remove it",
            mod_revision=item.mod_revision,
        )
    return obj


async def read(store: Store, keys: Keys, name: str) -> tuple[Container, Status | None] | None:
    """The object `name` and its status; None if there is no such object.

    Raises:
        Unreadable: the object is stored, but its value cannot be decoded.
    """
    obj = await read_object(store, keys, name)
    if obj is None:
        return None
    raw_status = await store.get(keys.status(name))
    status = decode_item(keys, raw_status) if raw_status else None
    if not isinstance(status, Status) or status.uid != obj.uid:
        status = None
    return obj, status


async def list_all(store: Store, keys: Keys) -> tuple[list[tuple[Container, Status | None]], int]:
    """Every object with its status, from one consistent read, and that read's revision."""
    listing = await store.list_prefix(keys.root)
    mirror = Mirror(keys)
    for item in listing.items:
        mirror.put(item)
    objects = [mirror.objects[name] for name in sorted(mirror.objects)]
    return [(obj, mirror.status_of(obj)) for obj in objects], listing.revision


async def create(store: Store, keys: Keys, obj: Container) -> Container:
    """Store a new object.

    Raises:
        Conflict: an object of that name exists.
    """
    key = keys.container(obj.name)
    revision = await store.txn(
        [Compare(key, "version", 0)], [Put(key, model.encode_container(obj))]
    )
    if revision is None:
        raise Conflict(f"a container named {obj.name!r} already exists")
    return replace(obj, resource_version=revision, create_revision=revision)


async def update(
    store: Store, keys: Keys, obj: Container, *, seen_version: int | None = None
) -> Container | None:
    """Replace the object if nobody changed it since the writer read it (compare-and-swap).

    Args:
        obj: the new object; its `create_revision` names the incarnation to replace.
        seen_version: the resourceVersion the writer read (default: obj's own). The
            write holds if the object's spec has not changed after that revision;
            status writes in between do not count, so they never cause a conflict.

    Returns:
        The stored object with its new resource version, or None when someone else
        changed or deleted it first (re-read and try again).
    """
    key = keys.container(obj.name)
    seen = obj.resource_version if seen_version is None else seen_version
    revision = await store.txn(
        [Compare(key, "create", obj.create_revision), Compare(key, "mod", seen + 1, op="<")],
        [Put(key, model.encode_container(obj))],
    )
    return None if revision is None else replace(obj, resource_version=revision)


async def write_status(store: Store, keys: Keys, obj: Container, status: Status) -> int | None:
    """Record `status` for this incarnation of `obj`: the revision it was written at, or
    None if the object is gone."""
    return await store.txn(
        [Compare(keys.container(obj.name), "create", obj.create_revision)],
        [Put(keys.status(obj.name), model.encode_status(status))],
    )


async def discard_unreadable(store: Store, keys: Keys, name: str, mod_revision: int) -> bool:
    """Delete an object whose stored value cannot be read, and its status.

    Nothing can run such an object (the controller never sees it), so there is nothing to
    wind down. Guarded by the value's revision: False if it changed meanwhile.
    """
    revision = await store.txn(
        [Compare(keys.container(name), "mod", mod_revision)],
        [Delete(keys.container(name)), Delete(keys.status(name))],
    )
    return revision is not None


async def finalize(store: Store, keys: Keys, obj: Container) -> bool:
    """Delete the object and its status together; False if it was already replaced."""
    revision = await store.txn(
        [Compare(keys.container(obj.name), "create", obj.create_revision)],
        [Delete(keys.container(obj.name)), Delete(keys.status(obj.name))],
    )
    return revision is not None
