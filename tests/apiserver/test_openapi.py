"""The OpenAPI v3 documents: every served operation, upstream's schemas, and what kubectl
looks for before it leaves validation to mcp."""

from __future__ import annotations

import json
from typing import Any

import pytest

from mcp.apiserver import logoptions, openapi
from mcp.apiserver.routes import DELETE_COLLECTION_PARAMS, DELETE_PARAMS, SERVED, WATCH_PARAMS
from mcp.kinds import apps, batch
from mcp.kinds.core import CONFIGMAP, KINDS, NAMESPACE, NODE, POD

CORE = "io.k8s.api.core.v1."
META = "io.k8s.apimachinery.pkg.apis.meta.v1."


def _refs(node: Any) -> set[str]:
    text = json.dumps(node)
    return {part.split('"', 1)[0] for part in text.split('"#/components/schemas/')[1:]}


def test_the_root_points_at_each_group_version_with_a_hash() -> None:
    root = openapi.root_document(SERVED)
    assert set(root["paths"]) == {"api/v1", "apis/apps/v1", "apis/batch/v1", "apis/mcp/v1"}
    url = root["paths"]["api/v1"]["serverRelativeURL"]
    assert url.startswith("/openapi/v3/api/v1?hash=")
    assert openapi.root_document(SERVED) == root  # stable while the kinds are


def test_the_hash_changes_when_the_document_does() -> None:
    fewer = openapi.root_document([kind for kind in KINDS if kind is not POD])
    assert fewer["paths"]["api/v1"] != openapi.root_document(KINDS)["paths"]["api/v1"]


def test_a_patchable_kind_offers_field_validation_and_every_patch_type() -> None:
    document = openapi.group_version_document("v1", KINDS)
    patch = document["paths"]["/api/v1/namespaces/{namespace}/configmaps/{name}"]["patch"]
    assert patch["x-kubernetes-group-version-kind"] == {
        "group": "",
        "version": "v1",
        "kind": "ConfigMap",
    }
    queries = {p["name"] for p in patch["parameters"] if p["in"] == "query"}
    assert {"fieldValidation", "fieldManager", "force", "dryRun"} <= queries
    assert set(patch["requestBody"]["content"]) == set(openapi.PATCH_TYPES)
    assert "application/apply-patch+yaml" in openapi.PATCH_TYPES


@pytest.mark.parametrize(
    ("path", "methods"),
    [
        pytest.param(
            "/api/v1/namespaces/{namespace}/configmaps", {"get", "post", "delete"}, id="collection"
        ),
        pytest.param("/api/v1/configmaps", {"get"}, id="all-namespaces"),
        pytest.param(
            "/api/v1/namespaces/{namespace}/configmaps/{name}",
            {"get", "put", "patch", "delete"},
            id="item",
        ),
        pytest.param("/api/v1/namespaces", {"get", "post"}, id="cluster-collection"),
        pytest.param("/api/v1/nodes/{name}", {"get", "put", "patch"}, id="node-no-delete"),
        pytest.param("/api/v1/nodes/{name}/status", {"get", "put", "patch"}, id="status"),
        pytest.param(
            "/api/v1/namespaces/{namespace}/pods/{name}",
            {"get", "put", "patch", "delete"},
            id="pod",
        ),
        pytest.param(
            "/api/v1/namespaces/{namespace}/pods/{name}/status",
            {"get", "put", "patch"},
            id="pod-status",
        ),
        pytest.param("/api/v1/namespaces/{namespace}/pods/{name}/log", {"get"}, id="pod-log"),
    ],
)
def test_each_served_operation_is_described(path: str, methods: set[str]) -> None:
    document = openapi.group_version_document("v1", KINDS)
    assert set(document["paths"][path]) - {"parameters"} == methods


def test_a_pods_log_is_text_read_with_the_options_the_route_takes() -> None:
    document = openapi.group_version_document("v1", KINDS)
    read = document["paths"]["/api/v1/namespaces/{namespace}/pods/{name}/log"]["get"]
    assert read["operationId"] == "readNamespacedPodLog"
    assert {p["name"] for p in read["parameters"]} == logoptions.PARAMETERS
    assert read["responses"]["200"]["content"] == {"text/plain": {"schema": {"type": "string"}}}


def test_list_takes_the_list_and_watch_parameters() -> None:
    document = openapi.group_version_document("v1", KINDS)
    listing = document["paths"]["/api/v1/namespaces/{namespace}/secrets"]["get"]
    names = {p["name"] for p in listing["parameters"]}
    assert names == WATCH_PARAMS  # every one the route takes
    assert listing["responses"]["410"]["content"]["application/json"]["schema"] == {
        "$ref": f"#/components/schemas/{META}Status"
    }


def test_deletes_take_what_the_routes_take() -> None:
    document = openapi.group_version_document("v1", KINDS)
    collection = document["paths"]["/api/v1/namespaces/{namespace}/secrets"]
    item = document["paths"]["/api/v1/namespaces/{namespace}/secrets/{name}"]
    assert {p["name"] for p in item["delete"]["parameters"]} == DELETE_PARAMS
    assert {p["name"] for p in collection["delete"]["parameters"]} == DELETE_COLLECTION_PARAMS


def test_a_deletecollection_selects_as_a_list_does() -> None:
    document = openapi.group_version_document("v1", KINDS)
    collection = document["paths"]["/api/v1/namespaces/{namespace}/secrets"]

    def selectors(operation: dict[str, Any]) -> list[Any]:
        return [p for p in operation["parameters"] if p["name"].endswith("Selector")]

    assert selectors(collection["delete"]) == selectors(collection["get"])
    assert len(selectors(collection["delete"])) == 2


def test_the_schemas_are_upstreams() -> None:
    schemas = openapi.group_version_document("v1", KINDS)["components"]["schemas"]
    config_map = schemas[CORE + "ConfigMap"]
    assert config_map["x-kubernetes-group-version-kind"] == [
        {"group": "", "kind": "ConfigMap", "version": "v1"}
    ]
    assert "Each key must consist of" in config_map["properties"]["data"]["description"]
    meta = schemas[META + "ObjectMeta"]["properties"]
    assert meta["finalizers"]["x-kubernetes-patch-strategy"] == "merge"
    assert meta["ownerReferences"]["x-kubernetes-patch-merge-key"] == "uid"
    account = schemas[CORE + "ServiceAccount"]["properties"]
    assert account["secrets"]["x-kubernetes-patch-merge-key"] == "name"
    assert "nodeInfo" in schemas[CORE + "NodeStatus"]["properties"]
    assert {CORE + "PodList", CORE + "EventList", META + "Status"} <= set(schemas)


@pytest.mark.parametrize("group_version", ["v1", "apps/v1", "batch/v1", "mcp/v1"])
def test_every_reference_resolves(group_version: str) -> None:
    document = openapi.group_version_document(group_version, SERVED)
    assert _refs(document) <= set(document["components"]["schemas"])


def test_a_cluster_scoped_kind_is_patched_at_its_name() -> None:
    document = openapi.group_version_document("v1", [NAMESPACE, CONFIGMAP, NODE])
    patch = document["paths"]["/api/v1/namespaces/{name}"]["patch"]
    assert patch["x-kubernetes-group-version-kind"]["kind"] == "Namespace"
    assert "/api/v1/pods" not in document["paths"]


def test_mcps_containers_are_described_under_their_group() -> None:
    document = openapi.group_version_document("mcp/v1", SERVED)
    assert set(document["paths"]) == {"/apis/mcp/v1/containers", "/apis/mcp/v1/containers/{name}"}
    patch = document["paths"]["/apis/mcp/v1/containers/{name}"]["patch"]
    assert patch["x-kubernetes-group-version-kind"]["kind"] == "Container"
    assert set(patch["requestBody"]["content"]) == {"application/merge-patch+json"}


def test_the_workload_kinds_have_upstreams_schemas_for_kubectl_explain() -> None:
    schemas = openapi.group_version_document("apps/v1", SERVED)["components"]["schemas"]
    deployment = schemas["io.k8s.api.apps.v1.Deployment"]
    assert deployment["x-kubernetes-group-version-kind"] == [
        {"group": "apps", "kind": "Deployment", "version": "v1"}
    ]
    assert deployment["properties"]["kind"]["enum"] == ["Deployment"]  # mcp's stricter rule
    strategy = schemas["io.k8s.api.apps.v1.DeploymentSpec"]["properties"]["strategy"]
    assert strategy["x-kubernetes-patch-strategy"] == "retainKeys"
    assert "io.k8s.api.core.v1.PodTemplateSpec" in schemas
    batch_schemas = openapi.group_version_document("batch/v1", SERVED)["components"]["schemas"]
    assert {"io.k8s.api.batch.v1.Job", "io.k8s.api.batch.v1.CronJob"} <= set(batch_schemas)


@pytest.mark.parametrize(
    ("kind", "path", "methods"),
    [
        pytest.param(
            apps.DEPLOYMENT,
            "/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale",
            {"get", "put", "patch"},
            id="deployment-scale",
        ),
        pytest.param(
            apps.REPLICASET,
            "/apis/apps/v1/namespaces/{namespace}/replicasets/{name}/status",
            {"get", "put", "patch"},
            id="replicaset-status",
        ),
        pytest.param(
            batch.JOB,
            "/apis/batch/v1/namespaces/{namespace}/jobs",
            {"get", "post", "delete"},
            id="jobs",
        ),
        pytest.param(batch.CRONJOB, "/apis/batch/v1/cronjobs", {"get"}, id="cronjobs-everywhere"),
    ],
)
def test_the_workload_kinds_operations_are_described(
    kind: Any, path: str, methods: set[str]
) -> None:
    document = openapi.group_version_document(kind.group_version, SERVED)
    assert set(document["paths"][path]) - {"parameters"} == methods


def test_the_scale_subresource_reads_and_writes_an_autoscaling_scale() -> None:
    document = openapi.group_version_document("apps/v1", SERVED)
    scale = document["paths"]["/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale"]
    assert scale["patch"]["x-kubernetes-group-version-kind"] == {
        "group": "autoscaling",
        "version": "v1",
        "kind": "Scale",
    }
    assert scale["get"]["operationId"] == "readNamespacedDeploymentScale"
    ok = scale["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert ok == {"$ref": "#/components/schemas/io.k8s.api.autoscaling.v1.Scale"}
    assert "application/apply-patch+yaml" not in scale["patch"]["requestBody"]["content"]
