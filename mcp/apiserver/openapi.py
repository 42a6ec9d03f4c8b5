"""OpenAPI v3 for the Kubernetes paths: `/openapi/v3` and one document per group version.

Enough for kubectl to leave validation to the server: cli-runtime's
`query_param_verifier_v3.go` looks, in the group version's document, for a PATCH
operation tagged `x-kubernetes-group-version-kind` with the kind that lists a
`fieldValidation` query parameter (on the operation, not the path); then `kubectl
apply` sends `fieldValidation=Strict` and the server refuses unknown fields itself
(`storage.prepare`). The schemas name each kind's top-level fields (kubectl computes
its apply patch from them, and warns when a field is missing); `kubectl explain` needs
full ones, which come later.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from typing import Any

from mcp.kinds import Kind, core


def _path_key(group_version: str) -> str:
    return "api/v1" if group_version == "v1" else f"apis/{group_version}"


def _schema_name(kind: Kind) -> str:
    group = kind.group or "core"
    return f"io.k8s.api.{group}.{kind.version}.{kind.kind}"


STRING_MAP = {"type": "object", "additionalProperties": {"type": "string"}}
BYTES_MAP = {"type": "object", "additionalProperties": {"type": "string", "format": "byte"}}
STRING = {"type": "string"}
BOOLEAN = {"type": "boolean"}
# ObjectMeta, with the patch strategies of upstream's schema (merge keys as in
# `patch/schemas.py`).
OBJECT_META: dict[str, Any] = {
    "type": "object",
    "properties": {
        "name": STRING,
        "generateName": STRING,
        "namespace": STRING,
        "uid": STRING,
        "resourceVersion": STRING,
        "generation": {"type": "integer", "format": "int64"},
        "creationTimestamp": {"type": "string", "format": "date-time"},
        "deletionTimestamp": {"type": "string", "format": "date-time"},
        "deletionGracePeriodSeconds": {"type": "integer", "format": "int64"},
        "labels": STRING_MAP,
        "annotations": STRING_MAP,
        "finalizers": {
            "type": "array",
            "items": STRING,
            "x-kubernetes-list-type": "set",
            "x-kubernetes-patch-strategy": "merge",
        },
        "ownerReferences": {
            "type": "array",
            "items": {"type": "object"},
            "x-kubernetes-list-map-keys": ["uid"],
            "x-kubernetes-list-type": "map",
            "x-kubernetes-patch-merge-key": "uid",
            "x-kubernetes-patch-strategy": "merge",
        },
        "managedFields": {"type": "array", "items": {"type": "object"}},
    },
}
COMMON_PROPERTIES: dict[str, Any] = {
    "apiVersion": STRING,
    "kind": STRING,
    "metadata": OBJECT_META,
}


def _references(fields: frozenset[str]) -> dict[str, Any]:
    """An array of ObjectReference or LocalObjectReference (every field a string)."""
    properties = {field: STRING for field in sorted(fields)}
    return {"type": "array", "items": {"type": "object", "properties": properties}}


# Each kind's own top-level fields, as upstream's schemas have them (patch strategies as in
# `patch/schemas.py`: a ServiceAccount's secrets merge by name, its imagePullSecrets are
# replaced whole).
_OBJECT_REFERENCE = {
    "type": "object",
    "properties": {field: STRING for field in sorted(core.OBJECT_REFERENCE_FIELDS)},
}
_TIME = {"type": "string", "format": "date-time"}
PROPERTIES: dict[str, dict[str, Any]] = {
    "Event": {
        "involvedObject": _OBJECT_REFERENCE,
        "related": _OBJECT_REFERENCE,
        "reason": STRING,
        "message": STRING,
        "type": STRING,
        "action": STRING,
        "source": {"type": "object", "properties": {"component": STRING, "host": STRING}},
        "firstTimestamp": _TIME,
        "lastTimestamp": _TIME,
        "eventTime": _TIME,
        "count": {"type": "integer", "format": "int32"},
        "series": {"type": "object"},
        "reportingComponent": STRING,
        "reportingInstance": STRING,
    },
    "ConfigMap": {"data": STRING_MAP, "binaryData": BYTES_MAP, "immutable": BOOLEAN},
    "Namespace": {
        "spec": {
            "type": "object",
            "properties": {"finalizers": {"type": "array", "items": STRING}},
        },
        "status": {
            "type": "object",
            "properties": {
                "phase": STRING,
                "conditions": {"type": "array", "items": {"type": "object"}},
            },
        },
    },
    "Node": {"spec": {"type": "object"}, "status": {"type": "object"}},
    "Secret": {"data": BYTES_MAP, "stringData": STRING_MAP, "type": STRING, "immutable": BOOLEAN},
    "ServiceAccount": {
        "secrets": {
            **_references(core.OBJECT_REFERENCE_FIELDS),
            "x-kubernetes-patch-merge-key": "name",
            "x-kubernetes-patch-strategy": "merge",
        },
        "imagePullSecrets": _references(core.LOCAL_OBJECT_REFERENCE_FIELDS),
        "automountServiceAccountToken": BOOLEAN,
    },
}


def _gvk(kind: Kind) -> list[dict[str, str]]:
    return [{"group": kind.group, "version": kind.version, "kind": kind.kind}]


def group_version_document(group_version: str, kinds: Iterable[Kind]) -> dict[str, Any]:
    """The OpenAPI 3.0 document of one group version."""
    paths: dict[str, Any] = {}
    schemas: dict[str, Any] = {}
    base = "/api/v1" if group_version == "v1" else f"/apis/{group_version}"
    for kind in kinds:
        if kind.group_version != group_version:
            continue
        schemas[_schema_name(kind)] = {
            "type": "object",
            "properties": {**COMMON_PROPERTIES, **PROPERTIES.get(kind.kind, {})},
            "x-kubernetes-group-version-kind": _gvk(kind),
        }
        if "patch" not in kind.verbs:
            continue
        item = (
            f"{base}/namespaces/{{namespace}}/{kind.resource}/{{name}}"
            if kind.namespaced
            else f"{base}/{kind.resource}/{{name}}"
        )
        path_parameters = [
            {"name": "name", "in": "path", "required": True, "schema": {"type": "string"}}
        ]
        if kind.namespaced:
            path_parameters.append(
                {"name": "namespace", "in": "path", "required": True, "schema": {"type": "string"}}
            )
        paths[item] = {
            "parameters": path_parameters,
            "patch": {
                "operationId": f"patch{kind.kind}",
                "x-kubernetes-action": "patch",
                "x-kubernetes-group-version-kind": _gvk(kind)[0],
                # On the operation: that is where kubectl looks for fieldValidation.
                "parameters": [
                    {"name": query, "in": "query", "schema": {"type": "string"}}
                    for query in ("dryRun", "fieldManager", "fieldValidation")
                ],
                "requestBody": {
                    "content": {
                        media: {"schema": {"type": "object"}}
                        for media in (
                            "application/json-patch+json",
                            "application/merge-patch+json",
                            "application/strategic-merge-patch+json",
                        )
                    },
                    "required": True,
                },
                "responses": {
                    "200": {
                        "description": "OK",
                        "content": {
                            "application/json": {
                                "schema": {"$ref": f"#/components/schemas/{_schema_name(kind)}"}
                            }
                        },
                    }
                },
            },
        }
    return {
        "openapi": "3.0.0",
        "info": {"title": "Kubernetes", "version": "v1.37.0-mcp"},
        "paths": paths,
        "components": {"schemas": schemas},
    }


def root_document(kinds: Iterable[Kind]) -> dict[str, Any]:
    """`/openapi/v3`: where each group version's document is, with a hash of it (clients
    cache documents by that URL)."""
    listed = list(kinds)
    paths: dict[str, Any] = {}
    for group_version in sorted({kind.group_version for kind in listed}):
        document = json.dumps(group_version_document(group_version, listed), sort_keys=True)
        digest = hashlib.sha512(document.encode()).hexdigest()[:32].upper()
        key = _path_key(group_version)
        paths[key] = {"serverRelativeURL": f"/openapi/v3/{key}?hash={digest}"}
    return {"paths": paths}
