"""Namespaces: the defaults every cluster has, made at start-up."""

from __future__ import annotations

from mcp.apiserver import objects
from mcp.kinds import core
from mcp.registry import Keys
from mcp.store import Store


async def ensure_defaults(store: Store, keys: Keys) -> None:
    """Create `default`, `kube-system` and `kube-public` unless they exist (idempotent;
    several mcp starting at once create each once)."""
    for name in core.DEFAULT_NAMESPACES:
        namespace = objects.new_object(
            core.NAMESPACE,
            name,
            labels={core.NAME_LABEL: name},
            spec={"finalizers": ["kubernetes"]},
        )
        namespace["status"] = {"phase": "Active"}
        await objects.create_if_absent(store, objects.key(keys, core.NAMESPACE, name), namespace)
