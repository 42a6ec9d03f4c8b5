"""Namespaces and finalizers on the generic path, and the namespace controller's decisions."""

from __future__ import annotations

from typing import Any

import pytest
from fakes import FakeStore

from mcp.apiserver import storage
from mcp.apiserver.namespaces import ensure_defaults
from mcp.apiserver.status import KubeError
from mcp.controllers.namespaces import Plan, decide, without_finalizer
from mcp.kinds import core
from mcp.registry import Keys

KEYS = Keys("/t")
NAMESPACES = storage.STRATEGIES["namespaces"]
CONFIGMAPS = storage.STRATEGIES["configmaps"]


def namespace(name: str, **fields: Any) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}, **fields}


def configmap(name: str, **metadata: Any) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, **metadata}}


async def write(store: FakeStore, strategy: storage.Strategy, namespace: str, body: Any) -> Any:
    obj, _ = await storage.create_object(
        store, KEYS, strategy, namespace, body, field_validation="Strict", dry_run=False
    )
    return obj


async def test_a_new_namespace_is_active_labelled_and_finalized_by_the_controller() -> None:
    store = FakeStore()
    made = await write(store, NAMESPACES, "", namespace("team-a", status={"phase": "Terminating"}))
    assert made["metadata"]["labels"] == {core.NAME_LABEL: "team-a"}
    assert "namespace" not in made["metadata"]
    assert made["spec"] == {"finalizers": ["kubernetes"]}
    assert made["status"] == {"phase": "Active"}


async def test_a_users_update_keeps_the_namespaces_spec_and_status() -> None:
    store = FakeStore()
    await write(store, NAMESPACES, "", namespace("team-a"))
    updated, _ = await storage.update_object(
        store,
        KEYS,
        NAMESPACES,
        "",
        "team-a",
        namespace(
            "team-a",
            spec={"finalizers": []},
            status={"phase": "Terminating"},
            metadata={"name": "team-a", "labels": {"team": "a"}},
        ),
        field_validation="Strict",
        dry_run=False,
    )
    assert updated["spec"] == {"finalizers": ["kubernetes"]}
    assert updated["status"] == {"phase": "Active"}
    assert updated["metadata"]["labels"] == {"team": "a", core.NAME_LABEL: "team-a"}


async def test_an_apply_makes_and_keeps_a_namespace_as_a_create_and_an_update_do() -> None:
    store = FakeStore()

    async def apply(config: dict[str, Any]) -> dict[str, Any]:
        obj, _ = await storage.apply_object(
            store, KEYS, NAMESPACES, "", "team-a", config, manager="k", force=False, dry_run=False
        )
        return obj

    made = await apply(namespace("team-a", status={"phase": "Terminating"}))
    assert made["spec"] == {"finalizers": ["kubernetes"]}
    assert made["status"] == {"phase": "Active"}
    again = await apply(namespace("team-a", spec={"finalizers": []}, status={"phase": "x"}))
    assert (again["spec"], again["status"]) == (made["spec"], made["status"])


@pytest.mark.parametrize(
    ("name", "words"),
    [
        pytest.param("Team_A", "a lowercase RFC 1123 label must consist of", id="uppercase"),
        pytest.param("a" * 64, ": must be no more than 63 characters", id="too-long"),
        pytest.param("a.b", ': Invalid value: "a.b": must not contain dots', id="dots"),
    ],
)
async def test_a_namespace_name_is_a_dns_label(name: str, words: str) -> None:
    with pytest.raises(KubeError) as refused:
        await write(FakeStore(), NAMESPACES, "", namespace(name))
    assert refused.value.code == 422
    assert str(refused.value).startswith(f'Namespace "{name}" is invalid: metadata.name: ')
    assert words in str(refused.value)


async def test_the_default_namespaces_may_not_be_deleted() -> None:
    store = FakeStore()
    await ensure_defaults(store, KEYS)
    with pytest.raises(KubeError) as refused:
        await storage.delete_object(store, KEYS, NAMESPACES, "", "default", dry_run=False)
    assert (refused.value.code, refused.value.reason) == (403, "Forbidden")
    assert (
        str(refused.value) == 'namespaces "default" is forbidden: this namespace may not be deleted'
    )


async def test_deleting_a_namespace_makes_it_terminating_and_closes_it_to_new_objects() -> None:
    store = FakeStore()
    await write(store, NAMESPACES, "", namespace("team-a"))
    marked, _ = await storage.delete_object(store, KEYS, NAMESPACES, "", "team-a", dry_run=False)
    assert marked["status"]["phase"] == "Terminating"
    assert marked["metadata"]["deletionTimestamp"]
    with pytest.raises(KubeError) as refused:
        await write(store, CONFIGMAPS, "team-a", configmap("late"))
    assert refused.value.code == 403
    assert str(refused.value) == (
        'configmaps "late" is forbidden: unable to create new content in namespace team-a '
        "because it is being terminated"
    )
    # The controller's finalize is the last finalizer: the write deletes the namespace.
    assert await storage.rewrite(store, KEYS, NAMESPACES, "", "team-a", without_finalizer)
    with pytest.raises(KubeError) as gone:
        await storage.get_object(store, KEYS, core.NAMESPACE, None, "team-a")
    assert gone.value.code == 404


async def set_finalizers(store: FakeStore, finalizers: list[str] | None) -> None:
    await storage.patch_object(
        store,
        KEYS,
        CONFIGMAPS,
        "default",
        "held",
        "application/merge-patch+json",
        {"metadata": {"finalizers": finalizers}},
        field_validation="Strict",
        dry_run=False,
    )


async def test_a_finalizer_holds_a_deleted_object_until_the_write_that_removes_it() -> None:
    store = FakeStore()
    await ensure_defaults(store, KEYS)
    await write(store, CONFIGMAPS, "default", configmap("held", finalizers=["example.com/a"]))
    marked, _ = await storage.delete_object(
        store, KEYS, CONFIGMAPS, "default", "held", dry_run=False
    )
    assert marked["kind"] == "ConfigMap"  # the object, not a Status: it is still there
    stored = await storage.get_object(store, KEYS, core.CONFIGMAP, "default", "held")
    assert stored["metadata"]["deletionTimestamp"] == marked["metadata"]["deletionTimestamp"]
    assert stored["metadata"]["deletionGracePeriodSeconds"] == 0
    again, _ = await storage.delete_object(
        store, KEYS, CONFIGMAPS, "default", "held", dry_run=False
    )
    assert again["metadata"]["resourceVersion"] == stored["metadata"]["resourceVersion"]

    with pytest.raises(KubeError) as refused:
        await set_finalizers(store, ["example.com/a", "example.com/b"])
    assert refused.value.code == 422
    assert "no new finalizers can be added if the object is being deleted" in str(refused.value)

    await set_finalizers(store, None)
    with pytest.raises(KubeError) as gone:
        await storage.get_object(store, KEYS, core.CONFIGMAP, "default", "held")
    assert gone.value.code == 404


def ns(
    name: str, *, deleting: bool = False, finalizers: tuple[str, ...] = ("kubernetes",)
) -> dict[str, Any]:
    metadata: dict[str, Any] = {"name": name}
    if deleting:
        metadata["deletionTimestamp"] = "2026-12-01T00:00:00Z"
    return {"metadata": metadata, "spec": {"finalizers": list(finalizers)}}


def obj(name: str, *, deleting: bool = False) -> dict[str, Any]:
    metadata: dict[str, Any] = {"name": name}
    if deleting:
        metadata["deletionTimestamp"] = "2026-12-01T00:00:00Z"
    return {"metadata": metadata}


DEFAULT_SA = {core.SERVICEACCOUNT: [obj("default")]}


@pytest.mark.parametrize(
    ("namespace", "contents", "plan"),
    [
        pytest.param(None, {}, Plan(), id="gone"),
        pytest.param(ns("a"), {}, Plan(make_default_service_account=True), id="new"),
        pytest.param(ns("a"), DEFAULT_SA, Plan(), id="active-with-its-account"),
        pytest.param(
            ns("a", deleting=True),
            {core.CONFIGMAP: [obj("x"), obj("held", deleting=True)], **DEFAULT_SA},
            Plan(delete=((core.CONFIGMAP, "x"), (core.SERVICEACCOUNT, "default"))),
            id="terminating-deletes-what-is-not-being-deleted",
        ),
        pytest.param(
            ns("a", deleting=True),
            {core.CONFIGMAP: [obj("held", deleting=True)]},
            Plan(),
            id="terminating-waits-for-held-objects",
        ),
        pytest.param(ns("a", deleting=True), {}, Plan(finalize=True), id="empty-finalizes"),
        pytest.param(ns("a", deleting=True, finalizers=()), {}, Plan(), id="already-finalized"),
    ],
)
def test_what_the_namespace_controller_does(
    namespace: dict[str, Any] | None, contents: dict[Any, list[dict[str, Any]]], plan: Plan
) -> None:
    assert decide(namespace, contents) == plan


async def test_a_collection_delete_removes_the_selected_and_marks_the_held() -> None:
    store = FakeStore()
    await ensure_defaults(store, KEYS)
    await write(store, CONFIGMAPS, "default", configmap("a", labels={"app": "x"}))
    await write(
        store,
        CONFIGMAPS,
        "default",
        configmap("held", labels={"app": "x"}, finalizers=["example.com/a"]),
    )
    await write(store, CONFIGMAPS, "default", configmap("other", labels={"app": "y"}))
    listed, _ = await storage.delete_collection(
        store,
        KEYS,
        CONFIGMAPS,
        "default",
        label_selector="app=x",
        field_selector_text=None,
        dry_run=False,
    )
    assert listed["kind"] == "ConfigMapList"
    assert [item["metadata"]["name"] for item in listed["items"]] == ["a", "held"]
    assert listed["items"][1]["metadata"]["deletionTimestamp"]
    left = await storage.list_objects(
        store, KEYS, core.CONFIGMAP, "default", label_selector=None, field_selector_text=None
    )
    assert [item["metadata"]["name"] for item in left["items"]] == ["held", "other"]


OWNER = {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web", "uid": "1"}


@pytest.mark.parametrize(
    ("metadata", "field", "words"),
    [
        ({"finalizers": ["hold"]}, "metadata.finalizers[0]", "neither a standard finalizer"),
        # apimachinery's ValidateFinalizers names the list, core/v1's rule the item.
        ({"finalizers": ["a b/c"]}, "metadata.finalizers", 'Invalid value: "a b/c": prefix part'),
        ({"ownerReferences": [{**OWNER, "uid": ""}]}, "metadata.ownerReferences[0].uid", ""),
        (
            {"ownerReferences": [{k: v for k, v in OWNER.items() if k != "apiVersion"}]},
            "metadata.ownerReferences[0].apiVersion",
            "Required value",
        ),
        (
            {"ownerReferences": [{**OWNER, "controller": True}, {**OWNER, "controller": True}]},
            "metadata.ownerReferences",
            "Only one reference can have Controller set to true",
        ),
    ],
)
async def test_finalizers_and_owner_references_are_validated_as_upstream(
    metadata: dict[str, Any], field: str, words: str
) -> None:
    store = FakeStore()
    await ensure_defaults(store, KEYS)
    with pytest.raises(KubeError) as refused:
        await write(store, CONFIGMAPS, "default", configmap("x", **metadata))
    assert refused.value.code == 422
    causes = (refused.value.details or {})["causes"]
    assert [cause["field"] for cause in causes] == [field]
    assert words in causes[0]["message"]


async def test_standard_and_qualified_finalizers_and_one_controller_are_taken() -> None:
    store = FakeStore()
    await ensure_defaults(store, KEYS)
    made = await write(
        store,
        CONFIGMAPS,
        "default",
        configmap(
            "x",
            finalizers=["kubernetes", "foregroundDeletion", "example.com/hold"],
            ownerReferences=[{**OWNER, "controller": True, "blockOwnerDeletion": True}, OWNER],
        ),
    )
    assert made["metadata"]["finalizers"] == [
        "kubernetes",
        "foregroundDeletion",
        "example.com/hold",
    ]
