"""Kubernetes objects in etcd: their keys, and the metadata the server keeps for them.

Keys follow kube-apiserver's layout under mcp's prefix: `<prefix>/registry/<resource>/<name>`
for cluster-scoped kinds, `<prefix>/registry/<resource>/<namespace>/<name>` for namespaced
ones (a named group's resources under `<prefix>/registry/<group>/<resource>/...`). The
stored value is the object's JSON without `resourceVersion`, which is etcd's mod revision,
added on every read (as kube-apiserver's etcd3 store does).
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from mcp.kinds import Kind
from mcp.model import now_iso
from mcp.registry import Keys
from mcp.store import Compare, KeyValue, Put, Store


def kind_prefix(keys: Keys, kind: Kind, namespace: str | None = None) -> str:
    """Where objects of `kind` live (in `namespace`, when given)."""
    base = keys.root + kind.key_path
    return f"{base}{namespace}/" if namespace is not None else base


def key(keys: Keys, kind: Kind, name: str, namespace: str | None = None) -> str:
    return kind_prefix(keys, kind, namespace if kind.namespaced else None) + name


def decode(item: KeyValue) -> dict[str, Any]:
    """A stored object, with `metadata.resourceVersion` from etcd."""
    obj: dict[str, Any] = json.loads(item.value)
    obj.setdefault("metadata", {})["resourceVersion"] = str(item.mod_revision)
    return obj


def creation_timestamp() -> str:
    """Now, to the second, as Kubernetes writes `creationTimestamp`."""
    return now_iso().split(".")[0] + "Z"


def new_object(
    kind: Kind, name: str, *, labels: dict[str, str] | None = None, spec: Any = None
) -> dict[str, Any]:
    """A fresh object of `kind` with the metadata the server sets on create."""
    obj: dict[str, Any] = {
        "apiVersion": kind.group_version,
        "kind": kind.kind,
        "metadata": {
            "name": name,
            "uid": str(uuid.uuid4()),
            "creationTimestamp": creation_timestamp(),
            "labels": labels or {},
        },
    }
    if spec is not None:
        obj["spec"] = spec
    return obj


async def create_if_absent(store: Store, object_key: str, obj: dict[str, Any]) -> bool:
    """Store `obj` unless the key exists; whether it was written."""
    written = await store.txn(
        [Compare(object_key, "version", 0)], [Put(object_key, json.dumps(obj).encode())]
    )
    return written is not None


async def replace_if_unchanged(
    store: Store, object_key: str, obj: dict[str, Any], mod_revision: int
) -> bool:
    """Store `obj` over the object read at `mod_revision`, unless it changed since (a
    compare-and-swap); whether it was written. Its `resourceVersion` is not stored."""
    metadata = {k: v for k, v in obj["metadata"].items() if k != "resourceVersion"}
    value = json.dumps({**obj, "metadata": metadata}).encode()
    written = await store.txn([Compare(object_key, "mod", mod_revision)], [Put(object_key, value)])
    return written is not None
