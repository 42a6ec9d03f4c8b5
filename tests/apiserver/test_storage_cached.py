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


def configmap_key(name: str) -> str:
    return objects.key(KEYS, core.CONFIGMAP, name, "default")


async def patch(store: FakeStore, cached: Snapshot, body: dict[str, Any]) -> dict[str, Any]:
    """A merge patch of ConfigMap "a"."""
    target = (store, KEYS, CONFIGMAPS, "default", "a")
    patched, _ = await storage.patch_object(
        *target, "application/merge-patch+json", body, **write_options(cached)
    )
    return patched


async def update(store: FakeStore, cached: Snapshot, body: dict[str, Any]) -> dict[str, Any]:
    """A PUT of ConfigMap "a"."""
    target = (store, KEYS, CONFIGMAPS, "default", "a")
    updated, _ = await storage.update_object(*target, body, **write_options(cached))
    return updated


def write_options(cached: Snapshot) -> dict[str, Any]:
    return {"field_validation": "Strict", "dry_run": False, "cached": cached}


async def stale_cache() -> tuple[CountingStore, Snapshot, dict[str, Any]]:
    """A store whose ConfigMap "a" changed (to x=2) after the cache's copy (x=1)."""
    store, cached = CountingStore(), Snapshot()
    await ensure_defaults(store, KEYS)
    cached.take(store)
    await create(store, cached, "default", "a")
    cached.take(store)
    newer = await patch(store, cached, {"data": {"x": "2"}})
    store.reads.clear()
    return store, cached, newer


async def test_patch_from_a_current_cache_reads_nothing_from_etcd() -> None:
    store, cached = CountingStore(), Snapshot()
    await ensure_defaults(store, KEYS)
    cached.take(store)
    await create(store, cached, "default", "a")
    cached.take(store)
    patched = await patch(store, cached, {"data": {"x": "1"}})
    assert patched["data"] == {"x": "1"}
    assert store.reads == []


async def test_patch_after_a_stale_cache_read_retries_from_etcd() -> None:
    store, cached, newer = await stale_cache()
    patched = await patch(store, cached, {"data": {"y": "3"}})
    # Applied to etcd's x=2, not to the cache's stale copy (x absent).
    assert patched["data"] == {"x": "2", "y": "3"}
    assert store.reads == [configmap_key("a")]
    assert int(patched["metadata"]["resourceVersion"]) > int(newer["metadata"]["resourceVersion"])


async def test_patch_with_a_version_newer_than_the_cache_is_no_conflict() -> None:
    store, cached, newer = await stale_cache()
    version = newer["metadata"]["resourceVersion"]
    patched = await patch(store, cached, {"metadata": {"resourceVersion": version}, "data": {}})
    assert patched["data"] == {"x": "2"}


async def test_a_no_op_patch_on_a_stale_copy_is_checked_against_etcd() -> None:
    # On the cache's copy (no data) the patch changes nothing; on etcd's (x=2) it does.
    store, cached, _ = await stale_cache()
    patched = await patch(store, cached, {"data": {"x": None}})
    assert "x" not in patched.get("data", {})
    assert json.loads(store.data[configmap_key("a")].value).get("data") in (None, {})


async def test_update_after_a_stale_cache_read_retries_from_etcd() -> None:
    store, cached, newer = await stale_cache()
    updated = await update(store, cached, configmap("a", z="4"))
    assert updated["data"] == {"z": "4"}
    assert int(updated["metadata"]["resourceVersion"]) > int(newer["metadata"]["resourceVersion"])


async def test_a_conditional_update_newer_than_the_cache_is_no_conflict() -> None:
    store, cached, newer = await stale_cache()
    body = configmap("a", z="4")
    body["metadata"]["resourceVersion"] = newer["metadata"]["resourceVersion"]
    updated = await update(store, cached, body)
    assert updated["data"] == {"z": "4"}


async def test_a_conditional_update_older_than_etcd_is_a_conflict() -> None:
    store, cached, newer = await stale_cache()
    body = configmap("a", z="4")
    body["metadata"]["resourceVersion"] = str(int(newer["metadata"]["resourceVersion"]) - 1)
    with pytest.raises(KubeError) as refused:
        await update(store, cached, body)
    assert refused.value.code == 409
