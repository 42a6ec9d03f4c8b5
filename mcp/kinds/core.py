"""The core (`/api/v1`) kinds mcp serves so far, their validation, and the objects that
exist from the start.

Namespaces: `default`, `kube-system` and `kube-public` exist from the first start, as on
every cluster, each with the `kubernetes.io/metadata.name` label the API server sets.
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import Any

from mcp import rules
from mcp.kinds import Kind

# Served read-only for now: the write path comes with the generic storage.
READ_VERBS = ("get", "list", "watch")

NAMESPACE = Kind(
    group="",
    version="v1",
    resource="namespaces",
    kind="Namespace",
    namespaced=False,
    short_names=("ns",),
    verbs=READ_VERBS,
)

CONFIGMAP = Kind(
    group="",
    version="v1",
    resource="configmaps",
    kind="ConfigMap",
    namespaced=True,
    short_names=("cm",),
    verbs=("create", "delete", "get", "list", "patch", "update", "watch"),
)

DEFAULT_NAMESPACES = ("default", "kube-system", "kube-public")
NAME_LABEL = "kubernetes.io/metadata.name"

KINDS = (NAMESPACE, CONFIGMAP)

# apimachinery's IsConfigMapKey; a ConfigMap's data is limited to 1 MiB, as upstream.
CONFIG_KEY_RE = re.compile(r"[-._a-zA-Z0-9]+")
CONFIG_KEY_MAX = 253
CONFIGMAP_DATA_MAX = 1024 * 1024
CONFIGMAP_FIELDS = frozenset({"apiVersion", "kind", "metadata", "data", "binaryData", "immutable"})


def validate_configmap(obj: dict[str, Any]) -> list[tuple[str, str]]:
    """Why `obj` is not a valid ConfigMap (field path, message), as upstream validates it."""
    problems: list[tuple[str, str]] = []
    size = 0
    keys: set[str] = set()
    for field in ("data", "binaryData"):
        values = obj.get(field)
        if values is None:
            continue
        if not isinstance(values, dict):
            problems.append((field, "must be a map of keys to strings"))
            continue
        for key, value in values.items():
            if len(key) > CONFIG_KEY_MAX or not CONFIG_KEY_RE.fullmatch(key) or key in (".", ".."):
                problems.append(
                    (
                        f"{field}[{key}]",
                        "a valid config key must consist of alphanumeric characters, "
                        "'-', '_' or '.'",
                    )
                )
            if key in keys:
                problems.append((f"{field}[{key}]", "duplicate of a key in data or binaryData"))
            keys.add(key)
            if not isinstance(value, str):
                problems.append((f"{field}[{key}]", "must be a string"))
                continue
            if field == "binaryData":
                try:
                    size += len(base64.b64decode(value, validate=True))
                except (binascii.Error, ValueError):
                    problems.append((f"{field}[{key}]", "must be base64"))
            else:
                size += len(value.encode())
    if size > CONFIGMAP_DATA_MAX:
        problems.append(("data", f"must have at most {CONFIGMAP_DATA_MAX} bytes"))
    if "immutable" in obj and not isinstance(obj["immutable"], bool):
        problems.append(("immutable", "must be a boolean"))
    return problems


def unknown_fields(obj: dict[str, Any], known: frozenset[str]) -> list[str]:
    return sorted(set(obj) - known)


def dns_subdomain_problem(name: Any) -> str | None:
    if not isinstance(name, str) or not name:
        return "must be a non-empty string"
    if len(name) > rules.DNS1123_SUBDOMAIN_MAX or not rules.DNS1123_SUBDOMAIN_RE.fullmatch(name):
        return (
            "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric "
            "characters, '-' or '.', and must start and end with an alphanumeric character"
        )
    return None
