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


def manifest(tmp_path: Path, image: str, **extra: object) -> Path:
    path = tmp_path / "web.yaml"
    path.write_text(
        json.dumps(
            {
                "apiVersion": "mcp/v1",
                "kind": "Container",
                "metadata": {"name": "web", "labels": {"app": "web"}},
                "spec": {"image": image, "command": ["sleep", "3600"], **extra},
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


def test_kubectl_apply_refuses_an_unknown_field_as_a_cluster_does(
    kubeconfig: Path, tmp_path: Path, busybox_image: str, api: httpx.Client
) -> None:
    # kubectl finds fieldValidation in the group's document and sends Strict.
    path = manifest(tmp_path, busybox_image, foo="bar")
    refused = kubectl(kubeconfig, "apply", "-f", str(path))
    assert refused.returncode == 1
    assert refused.stderr.strip() == (
        f'Error from server (BadRequest): error when creating "{path}": '
        'strict decoding error: unknown field "spec.foo"'
    )
    assert api.get("/api/v1/containers/web").status_code == 404  # nothing stored


def test_kubectl_apply_validate_warn_prints_the_servers_warning(
    kubeconfig: Path, tmp_path: Path, busybox_image: str, api: httpx.Client
) -> None:
    path = manifest(tmp_path, busybox_image, foo="bar")
    warned = kubectl(kubeconfig, "apply", "--validate=warn", "-f", str(path))
    assert warned.returncode == 0, warned.stderr
    assert warned.stdout.strip() == "container.mcp/web created"
    assert warned.stderr.strip() == 'Warning: unknown field "spec.foo"'
    assert "foo" not in api.get("/api/v1/containers/web").json()["spec"]
    # An apply of the same manifest patches: the unknown field is warned of again.
    again = kubectl(kubeconfig, "apply", "--validate=warn", "-f", str(path))
    assert again.returncode == 0, again.stderr
    assert again.stderr.strip() == 'Warning: unknown field "spec.foo"'
    ok(kubeconfig, "delete", "container", "web", "--timeout=60s")


def test_a_bad_label_is_refused_in_upstreams_words(
    kubeconfig: Path, tmp_path: Path, busybox_image: str
) -> None:
    path = manifest(tmp_path, busybox_image)
    path.write_text(path.read_text().replace('"app"', '"Bad Key"'))
    refused = kubectl(kubeconfig, "apply", "-f", str(path))
    assert refused.returncode == 1
    assert refused.stderr.strip() == (
        'The Container "web" is invalid: metadata.labels: Invalid value: "Bad Key": name part '
        "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with "
        "an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used "
        "for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
    )


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
