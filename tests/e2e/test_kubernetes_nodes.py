"""The Node that stands for the Docker host, against a real `mcp run` and the real Docker
engine: as kubectl shows and changes it, and as the typed Python client reads it.

Docker going away is tested on the fake runtime (`tests/test_node_actor.py`): the engine
here is shared with other work and is never stopped.
"""

from __future__ import annotations

import json
import socket
from pathlib import Path
from typing import Any

import kubernetes
import pytest
from support.polling import wait_until

from e2e.test_kubernetes_clients import kubeconfig_path, kubectl

pytestmark = pytest.mark.e2e

__all__ = ["kubeconfig_path"]  # a fixture, used by name

NAME = socket.gethostname().strip().lower()  # as kubelet names its Node
REGISTERED_WITHIN_S = 20.0


def node(kubeconfig: Path) -> dict[str, Any] | None:
    shown = kubectl(kubeconfig, "get", "node", NAME, "-o", "json")
    return json.loads(shown.stdout) if shown.returncode == 0 else None


def wait_registered(kubeconfig: Path) -> dict[str, Any]:
    return wait_until(
        lambda: node(kubeconfig), timeout=REGISTERED_WITHIN_S, message="the Node registered"
    )


def test_kubectl_shows_the_docker_host_as_a_ready_control_plane_node(
    kubeconfig_path: Path,
) -> None:
    wait_registered(kubeconfig_path)

    listed = kubectl(kubeconfig_path, "get", "nodes")
    assert listed.returncode == 0, listed.stderr
    header, row, *rest = listed.stdout.splitlines()
    assert header.split() == ["NAME", "STATUS", "ROLES", "AGE", "VERSION"]
    assert row.split()[:3] == [NAME, "Ready", "control-plane"]
    assert row.split()[4] == "v1.37.0-mcp.0.1.0"
    assert rest == []

    wide = kubectl(kubeconfig_path, "get", "nodes", "-o", "wide")
    assert wide.returncode == 0, wide.stderr
    header_line, row_line = wide.stdout.splitlines()
    columns = ["INTERNAL-IP", "EXTERNAL-IP", "OS-IMAGE", "KERNEL-VERSION", "CONTAINER-RUNTIME"]
    assert header_line.split()[5:] == columns
    # The OS image has spaces: read the cells at their columns' offsets.
    offsets = [header_line.index(column) for column in columns] + [len(row_line) + 1]
    shown = {
        column: row_line[start:end].strip()
        for column, start, end in zip(columns, offsets, offsets[1:], strict=False)
    }
    info = (node(kubeconfig_path) or {})["status"]["nodeInfo"]
    assert shown["CONTAINER-RUNTIME"] == info["containerRuntimeVersion"]
    assert shown["CONTAINER-RUNTIME"].startswith("docker://")
    assert shown["KERNEL-VERSION"] == info["kernelVersion"] != ""
    assert shown["OS-IMAGE"] == info["osImage"] != ""
    assert shown["EXTERNAL-IP"] == "<none>"
    assert shown["INTERNAL-IP"].count(".") == 3

    described = kubectl(kubeconfig_path, "describe", "node", NAME)
    assert described.returncode == 0, described.stderr
    assert f"Name:               {NAME}" in described.stdout
    assert "Roles:              control-plane" in described.stdout
    assert "KubeletReady" in described.stdout
    assert "Container Runtime Version:  docker://" in described.stdout


def test_a_label_survives_the_actors_next_status_write(kubeconfig_path: Path) -> None:
    wait_registered(kubeconfig_path)
    labeled = kubectl(kubeconfig_path, "label", "node", NAME, "tier=edge")
    assert labeled.stdout.strip() == f"node/{NAME} labeled", labeled.stderr
    # A user's write of the main resource cannot change the status...
    body = json.dumps({"status": {"capacity": {"pods": "3"}}})
    patched = kubectl(kubeconfig_path, "patch", "node", NAME, "--type=merge", "-p", body)
    assert patched.returncode == 0, patched.stderr
    assert (node(kubeconfig_path) or {})["status"]["capacity"]["pods"] == "110"
    # ...a write of /status can, and the node actor's next pass puts it right.
    status = kubectl(
        kubeconfig_path, "patch", "node", NAME, "--subresource=status", "--type=merge", "-p", body
    )
    assert status.returncode == 0, status.stderr
    rewritten = wait_until(
        lambda: (n := node(kubeconfig_path)) and n["status"]["capacity"]["pods"] == "110" and n,
        timeout=15,
        message="the node actor's next status write",
    )
    assert rewritten["metadata"]["labels"]["tier"] == "edge"
    assert rewritten["metadata"]["labels"]["node-role.kubernetes.io/control-plane"] == ""
    selected = kubectl(kubeconfig_path, "get", "nodes", "-l", "tier=edge", "-o", "name")
    assert selected.stdout.split() == [f"node/{NAME}"]


def test_kubectl_taints_and_cordons_the_node(kubeconfig_path: Path) -> None:
    wait_registered(kubeconfig_path)
    tainted = kubectl(kubeconfig_path, "taint", "node", NAME, "dedicated=ci:NoSchedule")
    assert tainted.stdout.strip() == f"node/{NAME} tainted", tainted.stderr
    bad = kubectl(kubeconfig_path, "taint", "node", NAME, "x=y:Sometimes")
    assert bad.returncode == 1
    cordoned = kubectl(kubeconfig_path, "cordon", NAME)
    assert cordoned.stdout.strip() == f"node/{NAME} cordoned", cordoned.stderr
    shown = node(kubeconfig_path) or {}
    assert shown["spec"] == {
        "taints": [{"key": "dedicated", "value": "ci", "effect": "NoSchedule"}],
        "unschedulable": True,
    }
    row = kubectl(kubeconfig_path, "get", "nodes", "--no-headers").stdout.split()
    assert row[1] == "Ready,SchedulingDisabled"
    assert kubectl(kubeconfig_path, "uncordon", NAME).returncode == 0
    assert "unschedulable" not in (node(kubeconfig_path) or {})["spec"]


def test_the_python_client_reads_nodes_as_typed_models(kubeconfig_path: Path) -> None:
    wait_registered(kubeconfig_path)
    api_client = kubernetes.config.new_client_from_config(  # type: ignore[no-untyped-call]  # the package ships no types
        config_file=str(kubeconfig_path)
    )
    with api_client:
        core = kubernetes.client.CoreV1Api(api_client)
        listed = core.list_node()
        read = core.read_node(NAME)
        read_status = core.read_node_status(NAME)
    assert [item.metadata.name for item in listed.items if item.metadata] == [NAME]
    assert read.status is not None
    assert read.status.node_info is not None
    assert read.status.node_info.container_runtime_version.startswith("docker://")
    assert read.status.node_info.kubelet_version == "v1.37.0-mcp.0.1.0"
    assert read.status.conditions is not None
    ready = read.status.conditions[-1]
    assert (ready.type, ready.status, ready.reason) == ("Ready", "True", "KubeletReady")
    assert read.status.capacity is not None
    assert read.status.capacity["pods"] == "110"
    assert int(read.status.capacity["cpu"]) >= 1
    assert read.metadata is not None
    assert read.metadata.namespace is None
    assert read_status.status is not None
