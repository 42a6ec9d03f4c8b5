"""The garbage collector's decisions, and the finalizers a delete's propagation policy
leaves for it (the generic store's deletionFinalizersForGarbageCollection)."""

from __future__ import annotations

from typing import Any

import pytest
from fakes import FakeStore

from mcp.apiserver import deletion, storage
from mcp.apiserver.namespaces import ensure_defaults
from mcp.apiserver.status import KubeError
from mcp.controllers.gc import Plan, decide, without_finalizer, without_owners
from mcp.registry import Keys

KEYS = Keys("/t")
CONFIGMAPS = storage.STRATEGIES["configmaps"]


def obj(
    uid: str,
    *,
    owners: list[dict[str, Any]] | None = None,
    deleted: bool = False,
    **metadata: Any,
) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": uid, "uid": uid, **metadata}
    if deleted:
        meta["deletionTimestamp"] = "2026-12-01T00:00:00Z"
    if owners is not None:
        meta["ownerReferences"] = owners
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta}


def ref(uid: str, *, block: bool | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"apiVersion": "v1", "kind": "ConfigMap", "name": uid, "uid": uid}
    if block is not None:
        out["blockOwnerDeletion"] = block
    return out


@pytest.mark.parametrize(
    ("finalizers", "policy", "default", "after"),
    [
        ([], None, "Background", None),  # nothing to hold it: deleted at once
        ([], "Background", "Background", None),
        ([], "Foreground", "Background", ["foregroundDeletion"]),
        ([], "Orphan", "Background", ["orphan"]),
        ([], None, "Orphan", ["orphan"]),  # a batch/v1 Job's default
        ([], "Background", "Orphan", None),  # kubectl's explicit Background wins
        (["orphan"], None, "Background", None),  # the object's own finalizer is the policy
        (["foregroundDeletion"], None, "Background", None),
        (["orphan"], "Foreground", "Background", ["foregroundDeletion"]),
        (["orphan"], "Background", "Background", []),  # explicit Background drops it
        (["example.com/x"], "Orphan", "Background", ["example.com/x", "orphan"]),
        (["example.com/x"], None, "Background", None),
        ([], "Orphan", "Unsupported", None),
    ],
)
def test_a_deletes_policy_leaves_the_finalizers_upstream_leaves(
    finalizers: list[str], policy: str | None, default: str, after: list[str] | None
) -> None:
    assert deletion.gc_finalizers(obj("a", finalizers=finalizers), policy, default) == after


@pytest.mark.parametrize(
    ("query", "body", "policy"),
    [
        ({}, {}, None),
        ({"propagationPolicy": "Foreground"}, {}, "Foreground"),
        ({}, {"propagationPolicy": "Orphan"}, "Orphan"),
        ({"orphanDependents": "true"}, {}, "Orphan"),
        ({}, {"orphanDependents": False}, "Background"),
    ],
)
def test_the_propagation_policy_is_read_from_the_query_or_the_body(
    query: dict[str, str], body: dict[str, Any], policy: str | None
) -> None:
    assert deletion.options(body, query).propagation == policy


def test_orphan_dependents_must_be_a_boolean() -> None:
    with pytest.raises(deletion.BadOptions, match="orphanDependents must be a boolean"):
        deletion.options({}, {"orphanDependents": "yes"})


OWNER = obj("owner")
FOREGROUND_OWNER = obj("owner", finalizers=["foregroundDeletion"], deleted=True)


@pytest.mark.parametrize(
    ("item", "owners", "dependents", "plan"),
    [
        # No ownerReferences: nothing to collect.
        (obj("a"), {}, [], Plan()),
        # Its owner exists: kept.
        (obj("a", owners=[ref("owner")]), {"owner": OWNER}, [], Plan()),
        # Its only owner is gone: deleted, in the background.
        (obj("a", owners=[ref("owner")]), {"owner": None}, [], Plan(delete="Background")),
        # ... with the policy its own finalizers ask for.
        (
            obj("a", owners=[ref("owner")], finalizers=["orphan"]),
            {"owner": None},
            [],
            Plan(delete="Orphan"),
        ),
        (
            obj("a", owners=[ref("owner")], finalizers=["foregroundDeletion"]),
            {"owner": None},
            [],
            Plan(delete="Foreground"),
        ),
        # One owner gone, one there: it loses the reference to the one gone.
        (
            obj("a", owners=[ref("gone"), ref("owner")]),
            {"gone": None, "owner": OWNER},
            [],
            Plan(drop_owners=("gone",)),
        ),
        # Its owner deletes its dependents in the foreground: deleted (at once, having none).
        (
            obj("a", owners=[ref("owner", block=True)]),
            {"owner": FOREGROUND_OWNER},
            [],
            Plan(delete="Background"),
        ),
        # ... in the foreground itself when it has dependents of its own.
        (
            obj("a", owners=[ref("owner", block=True)]),
            {"owner": FOREGROUND_OWNER},
            [obj("b", owners=[ref("a")])],
            Plan(delete="Foreground"),
        ),
        # ... or kept, without that reference, when another owner stays.
        (
            obj("a", owners=[ref("owner"), ref("other")]),
            {"owner": FOREGROUND_OWNER, "other": obj("other")},
            [],
            Plan(drop_owners=("owner",)),
        ),
        # An owner deleting in the foreground waits for dependents that block it...
        (
            FOREGROUND_OWNER,
            {},
            [obj("a", owners=[ref("owner", block=True)])],
            Plan(),
        ),
        # ... not for those that do not: its finalizer goes.
        (
            FOREGROUND_OWNER,
            {},
            [obj("a", owners=[ref("owner")]), obj("b", owners=[ref("owner", block=False)])],
            Plan(remove_finalizer="foregroundDeletion"),
        ),
        (FOREGROUND_OWNER, {}, [], Plan(remove_finalizer="foregroundDeletion")),
        # An Orphan delete: the dependents lose their reference, then the finalizer goes.
        (
            obj("owner", finalizers=["orphan"], deleted=True),
            {},
            [obj("a", owners=[ref("owner")]), obj("b", owners=[ref("owner")])],
            Plan(orphan=("a", "b"), remove_finalizer="orphan"),
        ),
        # Being deleted with no collector's finalizer: a one-way trip, nothing to do.
        (obj("a", owners=[ref("owner")], deleted=True), {"owner": None}, [], Plan()),
    ],
)
def test_the_collector_decides_as_upstreams(
    item: dict[str, Any],
    owners: dict[str, dict[str, Any] | None],
    dependents: list[dict[str, Any]],
    plan: Plan,
) -> None:
    assert decide(item, owners, dependents) == plan


def test_dropping_references_and_finalizers_keeps_the_rest() -> None:
    item = obj("a", owners=[ref("x"), ref("y")], finalizers=["orphan", "example.com/keep"])
    assert without_owners(obj("a", owners=[ref("x")]), ["y"]) is None
    assert without_owners(item, ["x"])["metadata"]["ownerReferences"] == [ref("y")]  # type: ignore[index]
    assert "ownerReferences" not in without_owners(item, ["y"])["metadata"]  # type: ignore[index]
    assert without_finalizer(item, "orphan")["metadata"]["finalizers"] == ["example.com/keep"]  # type: ignore[index]
    assert without_finalizer(item, "orphan") is None


async def _make(store: FakeStore, name: str) -> dict[str, Any]:
    await ensure_defaults(store, KEYS)
    made, _ = await storage.create_object(
        store,
        KEYS,
        CONFIGMAPS,
        "default",
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}},
        field_validation="Strict",
        dry_run=False,
    )
    return made


@pytest.mark.parametrize(
    ("policy", "kept_with"),
    [("Foreground", ["foregroundDeletion"]), ("Orphan", ["orphan"]), ("Background", None)],
)
async def test_a_delete_keeps_the_owner_with_its_policys_finalizer(
    policy: str, kept_with: list[str] | None
) -> None:
    store = FakeStore()
    await _make(store, "owner")
    answer, _ = await storage.delete_object(
        store,
        KEYS,
        CONFIGMAPS,
        "default",
        "owner",
        dry_run=False,
        options=deletion.Options(propagation=policy),
    )
    if kept_with is None:
        assert answer["kind"] == "Status"
        with pytest.raises(KubeError):
            await storage.get_object(store, KEYS, CONFIGMAPS.kind, "default", "owner")
        return
    stored = await storage.get_object(store, KEYS, CONFIGMAPS.kind, "default", "owner")
    assert stored["metadata"]["finalizers"] == kept_with
    assert stored["metadata"]["deletionTimestamp"]
