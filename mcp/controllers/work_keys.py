"""The keys the workload controllers queue: `<namespace>/<name>` of the object a pass is for,
and which objects a change of another concerns."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mcp.cache import Cache
from mcp.controllers import ownership
from mcp.engine.pods.conditions import dict_of
from mcp.kinds import Kind
from mcp.objectcache import Stored


def key_of(stored: Stored) -> str:
    return f"{stored.namespace}/{stored.name}"


def split(key: str) -> tuple[str, str]:
    namespace, name = key.split("/", 1)
    return namespace, name


def every(cache: Cache, kind: Kind) -> list[str]:
    """The key of every object of `kind` (a controller's first pass, and each resync)."""
    return [key_of(stored) for stored in cache.kube.listed(kind)]


def selecting(cache: Cache, kind: Kind, namespace: str, obj: Mapping[str, Any]) -> set[str]:
    """The objects of `kind` in `namespace` whose selector matches `obj`'s labels: who may
    adopt `obj` while it is an orphan."""
    labels = dict_of(obj.get("metadata")).get("labels")
    wanted = set()
    for candidate in cache.kube.listed(kind, namespace):
        try:
            selector = ownership.label_selector(dict_of(candidate.obj.get("spec")).get("selector"))
        except ownership.InvalidSelector:
            continue  # it selects nothing
        if ownership.matches(selector, labels):
            wanted.add(key_of(candidate))
    return wanted


def controllers_of(cache: Cache, kind: Kind, stored: Stored) -> set[str]:
    """The objects of `kind` a change of `stored` concerns: the one its controller
    reference names, or, for an orphan, those whose selector matches it (they may adopt
    it); none when another kind controls it."""
    reference = ownership.controller_of(stored.obj)
    if reference is None:
        return selecting(cache, kind, stored.namespace, stored.obj)
    if reference.get("kind") != kind.kind:
        return set()
    return {f"{stored.namespace}/{reference.get('name')}"}
