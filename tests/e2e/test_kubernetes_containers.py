"""mcp's Container kind through kubectl: the same objects as `/api/v1/containers`,
reached under mcp's group (`/apis/mcp/v1/containers`), with Tables, watch and errors as
kubectl expects them."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import httpx
import pytest
from support.launcher import McpLauncher
from support.mcp_process import McpProcess

from e2e.test_kubernetes_clients import KUBECTL, kubectl

pytestmark = pytest.mark.e2e


@pytest.fixture
def kubeconfig(mcp: McpProcess, mcp_launcher: McpLauncher) -> Path:
    return mcp_launcher.data_dir / "kubeconfig"


def manifest(tmp_path: Path, image: str) -> Path:
    path = tmp_path / "web.yaml"
    path.write_text(
        json.dumps(
            {
                "apiVersion": "mcp/v1",
                "kind": "Container",
                "metadata": {"name": "web", "labels": {"app": "web"}},
                "spec": {"image": image, "command": ["sleep", "3600"]},
            }
        )
    )
    return path


def ok(kubeconfig: Path, *args: str) -> str:
    done = kubectl(kubeconfig, *args)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_containers_are_in_mcps_group_not_in_core_v1(api: httpx.Client) -> None:
    core = [r["name"] for r in api.get("/api/v1").json()["resources"]]
    assert "containers" not in core
    group = api.get("/apis/mcp/v1").json()
    assert group["groupVersion"] == "mcp/v1"
    [entry] = group["resources"]
    assert (entry["name"], entry["kind"], entry["namespaced"]) == ("containers", "Container", False)
    assert entry["categories"] == ["all"]


def test_kubectl_applies_gets_and_deletes_a_container(
    kubeconfig: Path, tmp_path: Path, busybox_image: str, api: httpx.Client
) -> None:
    path = manifest(tmp_path, busybox_image)
    assert ok(kubeconfig, "apply", "-f", str(path)).strip() == "container.mcp/web created"
    ok(kubeconfig, "wait", "--for=jsonpath={.status.phase}=Running", "container/web")
    rows = [line.split()[:-1] for line in ok(kubeconfig, "get", "containers").splitlines()]
    assert rows == [["NAME", "STATUS", "RESTARTS", "IMAGE"], ["web", "Running", "0", busybox_image]]
    # The same object as mcp's own API shows.
    mine = api.get("/api/v1/containers/web").json()
    theirs = json.loads(ok(kubeconfig, "get", "container", "web", "-o", "json"))
    assert theirs["metadata"]["uid"] == mine["metadata"]["uid"]
    assert ok(kubeconfig, "get", "all", "-o", "name").split() == ["container.mcp/web"]
    assert ok(kubeconfig, "apply", "-f", str(path)).strip() == "container.mcp/web unchanged"
    assert ok(kubeconfig, "label", "container", "web", "tier=front").strip() == (
        "container.mcp/web labeled"
    )
    deleted = ok(kubeconfig, "delete", "container", "web", "--timeout=60s")
    assert deleted.strip() == 'container.mcp "web" deleted'
    assert api.get("/api/v1/containers/web").status_code == 404


def test_a_missing_container_is_a_status_kubectl_prints(kubeconfig: Path) -> None:
    missing = kubectl(kubeconfig, "get", "container", "nope")
    assert missing.returncode == 1
    assert missing.stderr.strip() == "Error from server (NotFound): container 'nope' not found"


def test_kubectl_get_watch_prints_container_rows(
    kubeconfig: Path, tmp_path: Path, busybox_image: str
) -> None:
    watcher = subprocess.Popen(
        [
            KUBECTL,
            "--kubeconfig",
            str(kubeconfig),
            "get",
            "containers",
            "-w",
            "--output-watch-events",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert watcher.stdout is not None
        ok(kubeconfig, "apply", "-f", str(manifest(tmp_path, busybox_image)))
        header = watcher.stdout.readline().split()
        assert header == ["EVENT", "NAME", "STATUS", "RESTARTS", "IMAGE", "AGE"]
        first = watcher.stdout.readline().split()
        assert first[:2] == ["ADDED", "web"]
        while "Running" not in (row := watcher.stdout.readline().split()):
            assert row[:2] == ["MODIFIED", "web"], row
        assert row[:3] == ["MODIFIED", "web", "Running"]
    finally:
        watcher.kill()
        watcher.communicate(timeout=10)
