"""The core (`/api/v1`) kinds mcp serves so far, their validation, and the objects that
exist from the start.

Namespaces: `default`, `kube-system` and `kube-public` exist from the first start, as on
every cluster, each with the `kubernetes.io/metadata.name` label the API server sets.

Validation follows upstream's `pkg/apis/core/validation` (ValidateConfigMap and its Update
twin), worded as its `field.Error` bodies so that kubectl prints what it prints against a
cluster.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from typing import Any

from mcp import rules
from mcp.kinds import Kind

# Served read-only for now: the write path comes with the generic storage.
READ_VERBS = ("get", "list")

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
    verbs=("create", "delete", "get", "list", "patch", "update"),  # no watch yet
)

DEFAULT_NAMESPACES = ("default", "kube-system", "kube-public")
NAME_LABEL = "kubernetes.io/metadata.name"

KINDS = (NAMESPACE, CONFIGMAP)

Problems = list[tuple[str, str]]

# apimachinery's IsConfigMapKey; a ConfigMap's data is at most 1 MiB (`MaxSecretSize`).
CONFIG_KEY_RE = re.compile(r"[-._a-zA-Z0-9]+")
CONFIG_KEY_MAX = 253
CONFIG_KEY_MESSAGE = (
    "a valid config key must consist of alphanumeric characters, '-', '_' or '.' "
    "(e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is "
    "'[-._a-zA-Z0-9]+')"
)
DATA_MAX = 1024 * 1024
TOO_LONG = f"Too long: may not be more than {DATA_MAX} bytes"
IMMUTABLE = "Forbidden: field is immutable when `immutable` is set"
CONFIGMAP_FIELDS = frozenset({"apiVersion", "kind", "metadata", "data", "binaryData", "immutable"})


def invalid(field: str, value: str, detail: str) -> tuple[str, str]:
    """An `Invalid value` problem; `value` is shown, so never pass a secret's."""
    return field, f"Invalid value: {json.dumps(value, ensure_ascii=False)}: {detail}"


def config_key_problems(field: str, key: str) -> Problems:
    """Why `key` may not be a key of `field` (apimachinery's IsConfigMapKey)."""
    messages = []
    if len(key) > CONFIG_KEY_MAX:
        messages.append(f"must be no more than {CONFIG_KEY_MAX} characters")
    if not CONFIG_KEY_RE.fullmatch(key):
        messages.append(CONFIG_KEY_MESSAGE)
    if key in (".", ".."):
        messages.append(f"must not be '{key}'")
    elif key.startswith(".."):
        messages.append("must not start with '..'")
    return [invalid(f"{field}[{key}]", key, message) for message in messages]


def immutable_problems(
    old: dict[str, Any], new: dict[str, Any], fields: tuple[str, ...]
) -> Problems:
    """Once `immutable` is true it stays true and `fields` stay as they are (upstream's
    ValidateConfigMapUpdate and ValidateSecretUpdate). An absent map and an empty one are
    the same map: what is stored keeps whichever the client sent."""
    if old.get("immutable") is not True:
        return []
    problems = [] if new.get("immutable") is True else [("immutable", IMMUTABLE)]
    return problems + [(f, IMMUTABLE) for f in fields if (new.get(f) or {}) != (old.get(f) or {})]


def validate_configmap_update(old: dict[str, Any], new: dict[str, Any]) -> Problems:
    return immutable_problems(old, new, ("data", "binaryData"))


def validate_configmap(obj: dict[str, Any]) -> Problems:
    """Why `obj` is not a valid ConfigMap (field path, message), as upstream validates it."""
    problems: Problems = []
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
            problems += config_key_problems(field, key)
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
    if size > DATA_MAX:
        problems.append(("", TOO_LONG))  # upstream's path: the whole object
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
