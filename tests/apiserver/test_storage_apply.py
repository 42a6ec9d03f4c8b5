"""The generic write path with managedFields and server-side apply, on the fake store."""

from __future__ import annotations

from typing import Any

import pytest
from fakes import FakeStore

from mcp.apiserver import storage
from mcp.apiserver.namespaces import ensure_defaults
from mcp.apiserver.status import KubeError
from mcp.kinds import core
from mcp.registry import Keys

KEYS = Keys("/t")
CONFIGMAPS = storage.STRATEGIES["configmaps"]


def configmap(data: dict[str, str], name: str = "web") -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}, "data": data}


async def applied(store: FakeStore, config: dict[str, Any], **kw: Any) -> tuple[Any, bool]:
    options = {"manager": "kubectl", "force": False, "dry_run": False, **kw}
    return await storage.apply_object(
        store, KEYS, CONFIGMAPS, "default", config["metadata"]["name"], config, **options
    )


async def fresh_store() -> FakeStore:
    store = FakeStore()
    await ensure_defaults(store, KEYS)
    return store


async def test_apply_creates_then_changes_and_a_no_op_writes_nothing() -> None:
    store = await fresh_store()
    created, was_created = await applied(store, configmap({"a": "1"}))
    assert was_created
    assert created["metadata"]["uid"]
    assert created["metadata"]["managedFields"][0]["manager"] == "kubectl"
    revision = store.revision
    same, was_created = await applied(store, configmap({"a": "1"}))
    assert not was_created
    assert store.revision == revision  # nothing written
    assert same["metadata"]["resourceVersion"] == created["metadata"]["resourceVersion"]
    changed, _ = await applied(store, configmap({"a": "2"}))
    assert changed["data"] == {"a": "2"}
    assert changed["metadata"]["uid"] == created["metadata"]["uid"]


async def test_apply_under_dry_run_stores_nothing() -> None:
    store = await fresh_store()
    created, was_created = await applied(store, configmap({"a": "1"}), dry_run=True)
    assert was_created
    assert created["data"] == {"a": "1"}
    with pytest.raises(KubeError) as missing:
        await storage.get_object(store, KEYS, core.CONFIGMAP, "default", "web")
    assert missing.value.code == 404


async def test_apply_in_a_missing_namespace_is_not_found() -> None:
    store = await fresh_store()
    with pytest.raises(KubeError) as refused:
        await storage.apply_object(
            store,
            KEYS,
            CONFIGMAPS,
            "nope",
            "web",
            configmap({}),
            manager="kubectl",
            force=False,
            dry_run=False,
        )
    assert refused.value.code == 404
    assert str(refused.value) == 'namespaces "nope" not found'


@pytest.mark.parametrize(
    ("config", "code"),
    [
        pytest.param(configmap({"a": "1"}, name="other"), 400, id="name-not-the-url's"),
        pytest.param(
            {**configmap({}), "metadata": {"name": "web", "resourceVersion": "1"}},
            409,
            id="stale-resource-version",
        ),
        pytest.param(configmap({"a b": "1"}), 422, id="invalid-result"),
    ],
)
async def test_apply_refuses(config: dict[str, Any], code: int) -> None:
    store = await fresh_store()
    await applied(store, configmap({"a": "1"}))
    with pytest.raises(KubeError) as refused:
        await storage.apply_object(
            store,
            KEYS,
            CONFIGMAPS,
            "default",
            "web",
            config,
            manager="kubectl",
            force=False,
            dry_run=False,
        )
    assert refused.value.code == code


async def test_create_update_and_patch_record_their_managers() -> None:
    store = await fresh_store()
    write: dict[str, Any] = {"field_validation": "Strict", "dry_run": False}
    await storage.create_object(
        store, KEYS, CONFIGMAPS, "default", configmap({"a": "1"}), manager="maker", **write
    )
    await storage.patch_object(
        store,
        KEYS,
        CONFIGMAPS,
        "default",
        "web",
        "application/merge-patch+json",
        {"data": {"b": "2"}},
        manager="patcher",
        **write,
    )
    current = await storage.get_object(store, KEYS, core.CONFIGMAP, "default", "web")
    replaced = {**current, "data": {"a": "1", "b": "2", "c": "3"}}
    await storage.update_object(
        store, KEYS, CONFIGMAPS, "default", "web", replaced, manager="replacer", **write
    )
    stored = await storage.get_object(store, KEYS, core.CONFIGMAP, "default", "web")
    owners = {e["manager"]: e["fieldsV1"] for e in stored["metadata"]["managedFields"]}
    assert owners == {
        "maker": {"f:data": {".": {}, "f:a": {}}},
        "patcher": {"f:data": {"f:b": {}}},
        "replacer": {"f:data": {"f:c": {}}},
    }
