"""Nodes on the generic storage path: users write metadata and spec, the status is kept
(or written alone, through `/status`), and their validation is upstream's."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import pytest
from fakes import FAKE_HOST, FakeStore

from mcp import nodestatus
from mcp.apiserver import objects, storage
from mcp.apiserver.status import KubeError
from mcp.kinds import core, node
from mcp.registry import Keys

KEYS = Keys("/t")
NODES = storage.STRATEGIES["nodes"]
KEY = objects.key(KEYS, core.NODE, "fake-host")


async def registered() -> tuple[FakeStore, dict[str, Any]]:
    store = FakeStore()
    obj = nodestatus.decide(
        None,
        name="fake-host",
        host=FAKE_HOST,
        runtime_error=None,
        version="v1",
        now=datetime(2026, 1, 1, tzinfo=UTC),
        registering=True,
        created={"uid": "u-1", "creationTimestamp": "2026-01-01T00:00:00Z"},
    )
    assert await objects.create_if_absent(store, KEY, obj)
    return store, storage_read(store)


def storage_read(store: FakeStore) -> dict[str, Any]:
    return objects.decode(store.data[KEY])


def the_node(store: FakeStore) -> tuple[FakeStore, Keys, storage.Strategy, str, str]:
    """What a write of the node names: its store, keys, strategy, namespace and name."""
    return store, KEYS, NODES, "", "fake-host"


async def update(store: FakeStore, body: dict[str, Any], **options: Any) -> dict[str, Any]:
    written, _ = await storage.update_object(
        *the_node(store), body, field_validation="Strict", dry_run=False, **options
    )
    return written


async def test_a_users_update_keeps_the_stored_status_and_sets_no_namespace() -> None:
    store, current = await registered()
    body = copy.deepcopy(current)
    body["metadata"]["labels"]["a"] = "b"
    body["spec"] = {"unschedulable": True}
    body["status"] = {"conditions": [{"type": "Ready", "status": "False"}]}
    written = await update(store, body)
    assert written["metadata"]["labels"]["a"] == "b"
    assert written["spec"] == {"unschedulable": True}
    assert written["status"] == current["status"]
    assert "namespace" not in written["metadata"]
    assert storage_read(store)["status"] == current["status"]


async def test_a_status_update_changes_the_status_alone() -> None:
    store, current = await registered()
    body = copy.deepcopy(current)
    body["metadata"]["labels"]["a"] = "b"
    body["spec"] = {"unschedulable": True}
    body["status"]["capacity"]["pods"] = "3"
    written = await update(store, body, subresource="status")
    assert written["status"]["capacity"]["pods"] == "3"
    assert "a" not in written["metadata"]["labels"]
    assert written["spec"] == {}
    assert written["metadata"]["uid"] == "u-1"


async def apply(store: FakeStore, config: dict[str, Any], **options: Any) -> dict[str, Any]:
    applied, _ = await storage.apply_object(
        *the_node(store), config, manager="k", force=False, dry_run=False, **options
    )
    return applied


def node_config(**fields: Any) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "fake-host"}, **fields}


async def test_an_apply_keeps_the_stored_status_and_one_to_status_changes_it_alone() -> None:
    store, current = await registered()
    ready = {"conditions": [{"type": "Ready", "status": "False"}]}
    applied = await apply(store, node_config(spec={"unschedulable": True}, status=ready))
    assert applied["spec"] == {"unschedulable": True}
    assert applied["status"] == current["status"]
    on_status = await apply(store, node_config(spec={}, status=ready), subresource="status")
    assert on_status["status"] == {**current["status"], **ready}  # merged into the stored one
    assert on_status["spec"] == {"unschedulable": True}
    assert on_status["metadata"]["managedFields"][0]["manager"] == "k"


async def test_an_apply_to_the_status_of_no_node_is_not_found() -> None:
    with pytest.raises(KubeError) as missing:
        await apply(FakeStore(), node_config(status={}), subresource="status")
    assert missing.value.code == 404


async def test_a_merge_patch_of_labels_keeps_the_status() -> None:
    store, current = await registered()
    patched, _ = await storage.patch_object(
        store,
        KEYS,
        NODES,
        "",
        "fake-host",
        "application/merge-patch+json",
        {"metadata": {"labels": {"a": "b"}}, "status": {"capacity": None}},
        field_validation="Strict",
        dry_run=False,
    )
    assert patched["metadata"]["labels"]["a"] == "b"
    assert patched["status"] == current["status"]


@pytest.mark.parametrize("validate", [node.validate_node, core.validate_namespace])
@pytest.mark.parametrize(
    ("status", "problems"),
    [
        pytest.param([1], [("status", "must be an object")], id="a-list"),
        pytest.param("Ready", [("status", "must be an object")], id="a-string"),
        pytest.param(None, [], id="null-is-none"),
        pytest.param({}, [], id="an-object"),
    ],
)
def test_a_status_is_an_object_without_a_spec_too(
    validate: Any, status: Any, problems: list[tuple[str, str]]
) -> None:
    assert validate({"metadata": {"name": "n"}, "status": status}) == problems


def with_spec(**spec: Any) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "n"}, "spec": spec}


@pytest.mark.parametrize(
    ("spec", "field", "words"),
    [
        pytest.param(
            {"taints": [{"key": "a", "effect": "Sometimes"}]},
            "spec.taints[0].effect",
            'Unsupported value: "Sometimes": supported values: "NoSchedule", '
            '"PreferNoSchedule", "NoExecute"',
            id="taint-effect",
        ),
        pytest.param(
            {"taints": [{"key": "a"}]}, "spec.taints[0].effect", "Required value", id="no-effect"
        ),
        pytest.param(
            {"taints": [{"key": "a b", "effect": "NoSchedule"}]},
            "spec.taints[0].key",
            'Invalid value: "a b"',
            id="taint-key",
        ),
        pytest.param(
            {"taints": [{"key": "a", "effect": "NoSchedule"}] * 2},
            "spec.taints[1]",
            "taints must be unique by key and effect pair",
            id="duplicate-taint",
        ),
        pytest.param(
            {"unschedulable": "yes"}, "spec.unschedulable", "must be a boolean", id="bool"
        ),
    ],
)
def test_node_validation(spec: dict[str, Any], field: str, words: str) -> None:
    with pytest.raises(KubeError) as refused:
        storage.prepare(NODES, with_spec(**spec), "", field_validation="Strict")
    assert refused.value.code == 422
    assert refused.value.details is not None
    causes = refused.value.details["causes"]
    assert any(c["field"] == field and words in c["message"] for c in causes), causes


def test_pod_cidrs_and_provider_id_are_set_once() -> None:
    old = with_spec(podCIDRs=["10.0.0.0/24"], providerID="docker://a")
    assert node.validate_node_update(with_spec(), with_spec(podCIDRs=["10.0.1.0/24"])) == []
    assert [field for field, _ in node.validate_node_update(old, with_spec())] == [
        "spec.podCIDRs",
        "spec.providerID",
    ]
    assert node.validate_node_update(old, old) == []
