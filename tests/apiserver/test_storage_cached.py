"""Writes that start from the watch cache's copy of an object (`storage.Lookup`): what
they decide from it, and that a stale copy costs a read of etcd, never a wrong answer."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fakes import FakeStore

from mcp.apiserver import objects, storage
from mcp.apiserver.namespaces import ensure_defaults
from mcp.apiserver.status import KubeError
from mcp.kinds import core
from mcp.registry import Keys
from mcp.store import KeyValue

KEYS = Keys("/t")
CONFIGMAPS = storage.STRATEGIES["configmaps"]


class CountingStore(FakeStore):
    """A fake store that counts its reads by key."""

    def __init__(self) -> None:
        super().__init__()
        self.reads: list[str] = []

    async def get(self, key: str) -> KeyValue | None:
        self.reads.append(key)
        return await super().get(key)


class Snapshot:
    """A watch cache as a copy of the store taken when asked (`take`): stale after."""

    def __init__(self) -> None:
        self.held: dict[str, storage.Current] = {}

    def take(self, store: FakeStore) -> None:
        self.held = {
            key: storage.Current(objects.decode(item), item.mod_revision)
            for key, item in store.data.items()
        }

    def __call__(self, key: str) -> storage.Current | None:
        found = self.held.get(key)
        if found is None:
            return None
        return storage.Current(json.loads(json.dumps(found.obj)), found.mod_revision)


def configmap(name: str, **data: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}, "data": data}


async def create(store: FakeStore, cached: Snapshot, namespace: str, name: str) -> dict[str, Any]:
    created, _ = await storage.create_object(
        store,
        KEYS,
        CONFIGMAPS,
        namespace,
        configmap(name),
        field_validation="Strict",
        dry_run=False,
        cached=cached,
    )
    return created


def namespace_key(name: str) -> str:
    return objects.key(KEYS, core.NAMESPACE, name)


async def test_create_checks_a_cached_namespace_without_reading_etcd() -> None:
    store, cached = CountingStore(), Snapshot()
    await ensure_defaults(store, KEYS)
    cached.take(store)
    await create(store, cached, "default", "a")
    assert namespace_key("default") not in store.reads


async def test_create_reads_etcd_for_a_namespace_the_cache_does_not_hold() -> None:
    # Made through another mcp a moment ago: only etcd has it yet.
    store, cached = CountingStore(), Snapshot()
    await ensure_defaults(store, KEYS)
    created = await create(store, cached, "default", "a")
    assert created["metadata"]["namespace"] == "default"
    assert namespace_key("default") in store.reads


async def test_create_refuses_a_namespace_neither_holds() -> None:
    store, cached = CountingStore(), Snapshot()
    await ensure_defaults(store, KEYS)
    cached.take(store)
    with pytest.raises(KubeError) as refused:
        await create(store, cached, "missing", "a")
    assert refused.value.code == 404


async def test_create_refuses_a_namespace_the_cache_shows_terminating() -> None:
    store, cached = CountingStore(), Snapshot()
    await ensure_defaults(store, KEYS)
    cached.take(store)
    held = cached.held[namespace_key("default")]
    held.obj["metadata"]["deletionTimestamp"] = "2026-12-01T00:00:00Z"
    with pytest.raises(KubeError) as refused:
        await create(store, cached, "default", "a")
    assert refused.value.code == 403
    assert refused.value.reason == "Forbidden"
    assert store.reads == []
