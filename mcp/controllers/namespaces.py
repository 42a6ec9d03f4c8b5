"""The namespace controller, and the service account controller's one job mcp needs.

As kube-controller-manager's namespace controller does: a namespace whose deletion was
asked for (`deletionTimestamp` set, phase Terminating) has every namespaced object in it
deleted; once none is left, the controller removes its `kubernetes` finalizer, and the
write that removes the last finalizer deletes the namespace. Objects held by their own
finalizers keep the namespace Terminating until their owners let them go.

As the service account controller does: every active namespace has a `default`
ServiceAccount, made again if it is deleted.

`decide` is the pure part (what to do for one namespace, from the cache); `reconcile`
does it through the generic storage path.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from mcp import logs
from mcp.apiserver import storage
from mcp.apiserver.status import KubeError
from mcp.cache import Cache
from mcp.controllers.loop import Controller
from mcp.kinds import Kind, core
from mcp.objectcache import ObjectChange
from mcp.registry import Keys
from mcp.store import Store

log = logs.get(actor="namespaces")

DEFAULT_SERVICE_ACCOUNT = "default"


@dataclass(frozen=True)
class Plan:
    """What one pass does for a namespace."""

    delete: tuple[tuple[Kind, str], ...] = ()  # (kind, name) of objects to delete
    finalize: bool = False  # remove the `kubernetes` finalizer: the namespace is empty
    make_default_service_account: bool = False


def decide(namespace: dict[str, Any] | None, contents: dict[Kind, list[dict[str, Any]]]) -> Plan:
    """What to do for a namespace (None: gone) holding `contents` (objects by kind)."""
    if namespace is None:
        return Plan()
    metadata = namespace["metadata"]
    if not metadata.get("deletionTimestamp"):
        accounts = {obj["metadata"]["name"] for obj in contents.get(core.SERVICEACCOUNT, [])}
        return Plan(make_default_service_account=DEFAULT_SERVICE_ACCOUNT not in accounts)
    to_delete = tuple(
        (kind, obj["metadata"]["name"])
        for kind, objs in contents.items()
        for obj in objs
        if not obj["metadata"].get("deletionTimestamp")  # asked already: its owners finish
    )
    empty = not any(contents.values())
    finalizers = (namespace.get("spec") or {}).get("finalizers") or []
    return Plan(delete=to_delete, finalize=empty and core.NAMESPACE_FINALIZER in finalizers)


def without_finalizer(namespace: dict[str, Any]) -> dict[str, Any] | None:
    finalizers = (namespace.get("spec") or {}).get("finalizers") or []
    if core.NAMESPACE_FINALIZER not in finalizers:
        return None
    kept = [f for f in finalizers if f != core.NAMESPACE_FINALIZER]
    return {**namespace, "spec": {**namespace.get("spec", {}), "finalizers": kept}}


def controller(store: Store, keys: Keys, cache: Cache, kinds: Iterable[Kind]) -> Controller:
    """The namespace controller over the namespaced `kinds` the cache holds."""
    namespaced = [kind for kind in kinds if kind.namespaced]
    namespaces = storage.STRATEGIES[core.NAMESPACE.resource]

    def keys_of(change: ObjectChange) -> list[str]:
        stored = change.after or change.before
        if stored is None:
            return []
        if change.kind == core.NAMESPACE:
            return [stored.name]
        if change.kind in namespaced:
            return [stored.namespace]
        return []

    def all_keys() -> list[str]:
        return [stored.name for stored in cache.kube.listed(core.NAMESPACE)]

    async def reconcile(name: str) -> None:
        found = cache.kube.get(core.NAMESPACE, None, name)
        contents = {
            kind: [stored.obj for stored in cache.kube.listed(kind, name)] for kind in namespaced
        }
        plan = decide(found.obj if found is not None else None, contents)
        for kind, object_name in plan.delete:
            strategy = storage.STRATEGIES.get(kind.resource)
            if strategy is None:
                continue
            try:
                await storage.delete_object(store, keys, strategy, name, object_name, dry_run=False)
            except KubeError as exc:
                if exc.code != 404:  # gone meanwhile: what was wanted
                    raise
        if plan.delete:
            log.info("namespace_contents_deleted", namespace=name, objects=len(plan.delete))
        if plan.finalize:
            await storage.rewrite(store, keys, namespaces, "", name, without_finalizer)
            log.info("namespace_finalized", namespace=name)
        if plan.make_default_service_account:
            await _make_default_service_account(store, keys, name)

    return Controller("namespaces", reconcile, keys_of, all_keys)


async def _make_default_service_account(store: Store, keys: Keys, namespace: str) -> None:
    account = {
        "apiVersion": "v1",
        "kind": "ServiceAccount",
        "metadata": {"name": DEFAULT_SERVICE_ACCOUNT, "namespace": namespace},
    }
    try:
        await storage.create_object(
            store,
            keys,
            storage.STRATEGIES[core.SERVICEACCOUNT.resource],
            namespace,
            account,
            field_validation="Strict",
            dry_run=False,
        )
    except KubeError as exc:
        # It exists (another pass made it), or the namespace went away or is ending.
        if exc.code not in (403, 404, 409):
            raise
        return
    log.info("service_account_created", namespace=namespace, name=DEFAULT_SERVICE_ACCOUNT)
