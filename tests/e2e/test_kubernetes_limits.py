"""Limits on the Kubernetes paths, as kube-apiserver's: request bodies up to 3 MiB, a
ConfigMap's data up to 1 MiB; collection deletes."""

from __future__ import annotations

import json

import httpx
import pytest
from support.etcd import EtcdServer
from support.mcp_process import McpProcess

pytestmark = pytest.mark.e2e

CM_PATH = "/api/v1/namespaces/default/configmaps"


def configmap(name: str, data: dict[str, str], labels: dict[str, str] | None = None) -> bytes:
    body = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}, "data": data}
    if labels:
        body["metadata"]["labels"] = labels  # type: ignore[index]
    return json.dumps(body).encode()


def test_a_body_over_mcps_own_limit_is_taken_on_a_kubernetes_path(
    mcp: McpProcess, api: httpx.Client
) -> None:
    # 1 MiB of data: over mcp's own 1 MiB body limit once wrapped in JSON, under 3 MiB.
    data = {"a": "x" * (512 * 1024), "b": "y" * (512 * 1024 - 16)}
    created = api.post(CM_PATH, content=configmap("big", data))
    assert created.status_code == 201, created.text
    too_much = api.post(CM_PATH, content=configmap("bigger", {"a": "x" * (1024 * 1024 + 1)}))
    assert too_much.status_code == 422
    assert "Too long: may not be more than 1048576 bytes" in too_much.json()["message"]


def test_a_body_over_3_mib_is_a_413_status(mcp: McpProcess) -> None:
    body = configmap("huge", {"a": "x" * (3 * 1024 * 1024)})
    with httpx.Client(base_url=mcp.url, timeout=60) as client:
        response = client.post(CM_PATH, content=body)
    assert response.status_code == 413
    status = response.json()
    assert (status["kind"], status["reason"], status["code"]) == (
        "Status",
        "RequestEntityTooLarge",
        413,
    )
    assert response.headers["connection"] == "close"


def test_a_collection_delete_deletes_what_the_selector_selects(
    mcp: McpProcess, api: httpx.Client
) -> None:
    for name, app in (("a", "x"), ("b", "x"), ("c", "y")):
        assert (
            api.post(CM_PATH, content=configmap(name, {"k": "v"}, {"app": app})).status_code == 201
        )
    dry = api.delete(CM_PATH, params={"labelSelector": "app=x", "dryRun": "All"})
    assert dry.status_code == 200
    assert [i["metadata"]["name"] for i in dry.json()["items"]] == ["a", "b"]
    assert len(api.get(CM_PATH).json()["items"]) == 3
    deleted = api.delete(CM_PATH, params={"labelSelector": "app=x"})
    assert deleted.status_code == 200
    assert deleted.json()["kind"] == "ConfigMapList"
    assert [i["metadata"]["name"] for i in deleted.json()["items"]] == ["a", "b"]
    assert [i["metadata"]["name"] for i in api.get(CM_PATH).json()["items"]] == ["c"]


def test_while_etcd_is_away_a_write_is_a_503_status_and_reads_come_from_the_cache(
    mcp: McpProcess, api: httpx.Client, etcd: EtcdServer
) -> None:
    assert api.post(CM_PATH, content=configmap("before", {"k": "v"})).status_code == 201
    etcd.stop()
    try:
        refused = api.post(CM_PATH, content=configmap("during", {"k": "v"}))
        assert refused.status_code == 503
        status = refused.json()
        assert (status["kind"], status["reason"], status["code"]) == (
            "Status",
            "ServiceUnavailable",
            503,
        )
        assert refused.headers["retry-after"] == "1"
        # The watch cache still answers what it holds.
        listed = api.get(CM_PATH)
        assert listed.status_code == 200
        assert [i["metadata"]["name"] for i in listed.json()["items"]] == ["before"]
        assert mcp.returncode is None
    finally:
        etcd.start()
