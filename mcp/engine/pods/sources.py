"""Where a Pod's configuration comes from: the ConfigMaps and Secrets of its namespace.

`Lookup` is what the environment (`env`) and volume (`volumes`) computations read them
through: the watch cache in mcp (`CacheLookup`), a dict in tests. Both see an object as
the API stores it: a ConfigMap's `data` as text and its `binaryData` base64, a Secret's
`data` base64 (`stringData` is folded into `data` on write). The kubelet reads them
through its configMap and secret managers, whose not-found errors are apimachinery's
`NewNotFound` for the resources "configmap" and "secret": `configmap "x" not found`;
`not_found` says the same. Pure: no I/O.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol

from mcp.kinds.core import CONFIGMAP, SECRET

if TYPE_CHECKING:
    from mcp.objectcache import ObjectCache

CONFIGMAP_RESOURCE = "configmap"
SECRET_RESOURCE = "secret"


class Lookup(Protocol):
    """ConfigMaps and Secrets by namespace and name, as stored; None when there is none."""

    def configmap(self, namespace: str, name: str) -> Mapping[str, Any] | None: ...

    def secret(self, namespace: str, name: str) -> Mapping[str, Any] | None: ...


class CacheLookup:
    """`Lookup` over the watch cache: what mcp's etcd watch has delivered so far, as the
    kubelet's watch-based managers read their informers' caches."""

    def __init__(self, objects: ObjectCache) -> None:
        self._objects = objects

    def configmap(self, namespace: str, name: str) -> Mapping[str, Any] | None:
        stored = self._objects.get(CONFIGMAP, namespace, name)
        return None if stored is None else stored.obj

    def secret(self, namespace: str, name: str) -> Mapping[str, Any] | None:
        stored = self._objects.get(SECRET, namespace, name)
        return None if stored is None else stored.obj


def not_found(resource: str, name: str) -> str:
    """apimachinery's NotFound message for the kubelet's managers: `secret "x" not found`."""
    return f'{resource} "{name}" not found'


def _decoded(values: Any) -> dict[str, bytes]:
    if not isinstance(values, dict):
        return {}
    decoded = {}
    for key, value in values.items():
        try:
            decoded[str(key)] = base64.b64decode(str(value), validate=True)
        except (binascii.Error, ValueError):
            # The API stores only valid base64; a value written behind its back is skipped
            # rather than guessed at.
            continue
    return decoded


def configmap_text(configmap: Mapping[str, Any]) -> dict[str, str]:
    """A ConfigMap's `data`: what env vars read (`binaryData` never reaches them)."""
    data = configmap.get("data")
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def configmap_files(configmap: Mapping[str, Any]) -> dict[str, bytes]:
    """A ConfigMap's keys as file contents: `data` as UTF-8, then `binaryData` decoded
    (the API keeps their keys apart, so neither overwrites the other)."""
    text = {key: value.encode() for key, value in configmap_text(configmap).items()}
    return {**text, **_decoded(configmap.get("binaryData"))}


def secret_bytes(secret: Mapping[str, Any]) -> dict[str, bytes]:
    """A Secret's `data`, decoded."""
    return _decoded(secret.get("data"))


def as_text(value: bytes) -> str:
    """Secret bytes as an env var's value. Go hands the runtime the bytes as they are;
    Docker's API is JSON, whose encoders turn invalid UTF-8 into U+FFFD, as done here."""
    return value.decode("utf-8", errors="replace")
