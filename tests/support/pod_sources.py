"""What the tests of `mcp.engine.pods` share: a `Lookup` over dicts, objects as stored."""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import Any


class DictLookup:
    """`Lookup` over ConfigMaps and Secrets given by name (one namespace)."""

    def __init__(
        self,
        configmaps: Mapping[str, Mapping[str, Any]] | None = None,
        secrets: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> None:
        self.configmaps = dict(configmaps or {})
        self.secrets = dict(secrets or {})

    def configmap(self, namespace: str, name: str) -> Mapping[str, Any] | None:
        del namespace
        return self.configmaps.get(name)

    def secret(self, namespace: str, name: str) -> Mapping[str, Any] | None:
        del namespace
        return self.secrets.get(name)


def configmap(data: Mapping[str, str] | None = None, **binary: bytes) -> dict[str, Any]:
    """A ConfigMap as stored: `data` as text, `binaryData` (the keywords) base64."""
    found: dict[str, Any] = {"data": dict(data or {})}
    if binary:
        found["binaryData"] = {k: base64.b64encode(v).decode() for k, v in binary.items()}
    return found


def secret(**data: bytes) -> dict[str, Any]:
    """A Secret as stored: `data` base64."""
    return {"data": {key: base64.b64encode(value).decode() for key, value in data.items()}}
