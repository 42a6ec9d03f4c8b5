"""The OpenAPI v3 documents: what kubectl looks for before it leaves validation to mcp."""

from __future__ import annotations

from mcp.apiserver import openapi
from mcp.kinds import Kind
from mcp.kinds.core import CONFIGMAP, KINDS, NAMESPACE


def test_the_root_points_at_each_group_version_with_a_hash() -> None:
    root = openapi.root_document(KINDS)
    assert list(root["paths"]) == ["api/v1"]
    url = root["paths"]["api/v1"]["serverRelativeURL"]
    assert url.startswith("/openapi/v3/api/v1?hash=")
    assert openapi.root_document(KINDS) == root  # stable while the kinds are


def test_a_patchable_kind_offers_field_validation_on_its_patch_operation() -> None:
    document = openapi.group_version_document("v1", KINDS)
    patch = document["paths"]["/api/v1/namespaces/{namespace}/configmaps/{name}"]["patch"]
    assert patch["x-kubernetes-group-version-kind"] == {
        "group": "",
        "version": "v1",
        "kind": "ConfigMap",
    }
    queries = {p["name"] for p in patch["parameters"] if p["in"] == "query"}
    assert "fieldValidation" in queries
    schema = document["components"]["schemas"]["io.k8s.api.core.v1.ConfigMap"]
    assert {"data", "binaryData", "immutable", "metadata"} <= set(schema["properties"])
    assert "annotations" in schema["properties"]["metadata"]["properties"]


def test_a_read_only_kind_has_a_schema_but_no_patch_operation() -> None:
    read_only = Kind("", "v1", "componentstatuses", "ComponentStatus", False, verbs=("get", "list"))
    document = openapi.group_version_document("v1", [read_only, CONFIGMAP])
    assert not any(path.startswith("/api/v1/componentstatuses") for path in document["paths"])
    assert "io.k8s.api.core.v1.ComponentStatus" in document["components"]["schemas"]


def test_a_cluster_scoped_kind_is_patched_at_its_name() -> None:
    document = openapi.group_version_document("v1", [NAMESPACE, CONFIGMAP])
    patch = document["paths"]["/api/v1/namespaces/{name}"]["patch"]
    assert patch["x-kubernetes-group-version-kind"]["kind"] == "Namespace"


def test_secrets_and_service_accounts_have_their_schemas_and_patch_operations() -> None:
    document = openapi.group_version_document("v1", KINDS)
    for resource in ("secrets", "serviceaccounts"):
        assert f"/api/v1/namespaces/{{namespace}}/{resource}/{{name}}" in document["paths"]
    schemas = document["components"]["schemas"]
    secret = schemas["io.k8s.api.core.v1.Secret"]["properties"]
    assert {"data", "stringData", "type", "immutable"} <= set(secret)
    assert secret["data"]["additionalProperties"]["format"] == "byte"
    account = schemas["io.k8s.api.core.v1.ServiceAccount"]["properties"]
    # As upstream's: secrets merge by name, imagePullSecrets are replaced whole.
    assert account["secrets"]["x-kubernetes-patch-merge-key"] == "name"
    assert account["secrets"]["x-kubernetes-patch-strategy"] == "merge"
    assert "x-kubernetes-patch-strategy" not in account["imagePullSecrets"]
    assert set(account["imagePullSecrets"]["items"]["properties"]) == {"name"}
    assert account["automountServiceAccountToken"] == {"type": "boolean"}
