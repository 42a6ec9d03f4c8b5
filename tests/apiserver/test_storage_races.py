"""Writes that lose a race with another writer (`storage._guaranteed_update`): retried
from what is stored now, as kube-apiserver's GuaranteedUpdate, except where the client
named the version it saw."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import pytest
from fakes import FakeStore

from mcp.apiserver import objects, storage
from mcp.apiserver.namespaces import ensure_defaults
from mcp.apiserver.status import KubeError
from mcp.kinds import core
from mcp.registry import Keys
from mcp.store import Compare, Delete, Put

KEYS = Keys("/t")
CONFIGMAPS = storage.STRATEGIES["configmaps"]
KEY = objects.key(KEYS, core.CONFIGMAP, "web", "default")


class RacingStore(FakeStore):
    """A store where, before each of the next `races` transactions on `KEY`, another
    writer changes the ConfigMap's `data.racer` first."""

    def __init__(self) -> None:
        super().__init__()
        self.races = 0
        self.transactions = 0

    async def txn(self, compare: Sequence[Compare], success: Sequence[Put | Delete]) -> int | None:
        if any(c.key == KEY for c in compare) and self.races:
            self.races -= 1
            stored = objects.decode(self.data[KEY])
            stored["data"] = {**stored.get("data", {}), "racer": str(self.races)}
            del stored["metadata"]["resourceVersion"]
            await super().txn([], [Put(KEY, json.dumps(stored).encode())])
        if any(c.key == KEY for c in compare):
            self.transactions += 1
        return await super().txn(compare, success)


async def stored_web(store: RacingStore) -> dict[str, Any]:
    return objects.decode(store.data[KEY])


async def a_store_with_web() -> RacingStore:
    store = RacingStore()
    await ensure_defaults(store, KEYS)
    await storage.create_object(
        store,
        KEYS,
        CONFIGMAPS,
        "default",
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "web"}, "data": {}},
        field_validation="Strict",
        dry_run=False,
    )
    store.transactions = 0
    return store


async def put(store: RacingStore, body: dict[str, Any]) -> dict[str, Any]:
    written, _ = await storage.update_object(
        store,
        KEYS,
        CONFIGMAPS,
        "default",
        "web",
        body,
        field_validation="Strict",
        dry_run=False,
    )
    return written


def web(data: dict[str, str], **metadata: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "web", **metadata},
        "data": data,
    }


async def test_an_update_without_a_version_that_loses_a_race_is_retried() -> None:
    store = await a_store_with_web()
    store.races = 1
    written = await put(store, web({"mine": "1"}))
    assert written["data"] == {"mine": "1"}
    assert (await stored_web(store))["data"] == {"mine": "1"}
    assert store.transactions == 2


async def test_an_update_naming_the_version_it_saw_is_a_conflict_after_a_race() -> None:
    store = await a_store_with_web()
    seen = str(store.data[KEY].mod_revision)
    store.races = 1
    with pytest.raises(KubeError) as refused:
        await put(store, web({"mine": "1"}, resourceVersion=seen))
    assert refused.value.code == 409
    assert (await stored_web(store))["data"] == {"racer": "0"}


async def test_a_patch_that_loses_races_applies_to_what_won() -> None:
    store = await a_store_with_web()
    store.races = 3
    written, _ = await storage.patch_object(
        store,
        KEYS,
        CONFIGMAPS,
        "default",
        "web",
        "application/merge-patch+json",
        {"data": {"mine": "1"}},
        field_validation="Strict",
        dry_run=False,
    )
    assert written["data"] == {"racer": "0", "mine": "1"}
    assert store.transactions == 4


async def test_a_delete_that_loses_a_race_deletes_what_won() -> None:
    store = await a_store_with_web()
    store.races = 1
    answer, _ = await storage.delete_object(
        store, KEYS, CONFIGMAPS, "default", "web", dry_run=False
    )
    assert answer["status"] == "Success"
    assert KEY not in store.data


async def test_a_write_that_always_loses_gives_up_with_a_conflict() -> None:
    store = await a_store_with_web()
    store.races = storage.PATCH_ATTEMPTS
    with pytest.raises(KubeError) as refused:
        await put(store, web({"mine": "1"}))
    assert refused.value.code == 409
    assert store.transactions == storage.PATCH_ATTEMPTS
