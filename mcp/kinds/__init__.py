"""The resource kinds mcp serves, each described by data (`Kind`), not by handlers.

As kube-apiserver's generic registry takes a strategy per kind, mcp's API machinery takes
a `Kind`: where it lives (group, version, resource), whether it is namespaced, how
discovery names it (singular, short names, categories, verbs, subresources), which fields
a field selector may name. Adding a
kind is a new description and its tests; the storage, watch and discovery paths are
written once (`mcp.apiserver`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

# kube-apiserver's verbs for a fully served resource, in its order.
ALL_VERBS = ("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch")


def path_value(obj: dict[str, Any], path: str) -> str:
    """The field at `path` (`involvedObject.name`) as a selector compares it: a string,
    "" when absent, booleans as `true`/`false`."""
    value: Any = obj
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


@dataclass(frozen=True)
class Kind:
    """One resource kind as the API serves it.

    Attributes:
        group: the API group; "" for the core group (`/api/v1`).
        version: the API version within the group.
        resource: the plural, lower-case name in paths (`namespaces`).
        kind: the object's `kind` (`Namespace`).
        namespaced: whether objects live in a namespace.
        short_names: what kubectl also accepts (`ns`).
        categories: `all` for the workload kinds `kubectl get all` shows.
        verbs: the verbs served on the resource.
        subresources: the subresources served (`status`, `log`...).
        field_selectors: the fields a `fieldSelector` may name, as paths into the object
            (`type`, `involvedObject.name`); upstream's default is the two below.
        field_value: how a selector reads one of those fields from an object; the path's
            value unless the kind says otherwise (an Event's `source`, as upstream's
            `ToSelectableFields`).
    """

    group: str
    version: str
    resource: str
    kind: str
    namespaced: bool
    short_names: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    verbs: tuple[str, ...] = ALL_VERBS
    subresources: tuple[str, ...] = ()
    field_selectors: tuple[str, ...] = ("metadata.name", "metadata.namespace")
    field_value: Callable[[dict[str, Any], str], str] = path_value

    @property
    def group_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def singular(self) -> str:
        return self.kind.lower()

    @property
    def qualified_resource(self) -> str:
        """The resource as upstream's errors name it (`schema.GroupResource.String()`):
        `deployments.apps`, or `pods` in the core group."""
        return f"{self.resource}.{self.group}" if self.group else self.resource

    @property
    def key_path(self) -> str:
        """Where its objects are stored below the registry's root, as kube-apiserver lays
        them out: `<resource>/`, or `<group>/<resource>/` for a named group's."""
        return f"{self.group + '/' if self.group else ''}{self.resource}/"
