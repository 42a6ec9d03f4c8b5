"""Namespaces over a real `mcp run`, as a kubectl user meets them: created with what is
inside, a `default` ServiceAccount in each, deleted with everything in them, held while a
finalizer holds an object, closed to new objects while they end."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from support.launcher import McpLauncher
from support.mcp_process import McpProcess

from e2e.test_kubernetes_clients import kubectl

pytestmark = pytest.mark.e2e

TEAM = """\
apiVersion: v1
kind: Namespace
metadata:
  name: team-a
  labels: {team: a}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: app, namespace: team-a}
data: {color: blue}
---
apiVersion: v1
kind: Secret
metadata: {name: db, namespace: team-a}
stringData: {password: hunter2}
"""


@pytest.fixture
def kubeconfig(mcp: McpProcess, mcp_launcher: McpLauncher) -> Path:
    return mcp_launcher.data_dir / "kubeconfig"


def ok(kubeconfig: Path, *args: str) -> str:
    done = kubectl(kubeconfig, *args)
    assert done.returncode == 0, done.stderr
    return done.stdout


def eventually(check: Callable[[], bool], timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "the condition never held"
        time.sleep(0.2)


def test_a_namespace_applied_with_its_contents_gets_a_default_service_account(
    kubeconfig: Path, tmp_path: Path
) -> None:
    manifest = tmp_path / "team.yaml"
    manifest.write_text(TEAM)
    assert ok(kubeconfig, "apply", "-f", str(manifest)).splitlines() == [
        "namespace/team-a created",
        "configmap/app created",
        "secret/db created",
    ]
    shown = json.loads(ok(kubeconfig, "get", "ns", "team-a", "-o", "json"))
    assert shown["metadata"]["labels"] == {"team": "a", "kubernetes.io/metadata.name": "team-a"}
    assert shown["status"] == {"phase": "Active"}

    def has_default_account() -> bool:
        names = kubectl(kubeconfig, "get", "sa", "-n", "team-a", "-o", "name").stdout.split()
        return names == ["serviceaccount/default"]

    eventually(has_default_account)
    assert ok(kubeconfig, "apply", "-f", str(manifest)).splitlines() == [
        "namespace/team-a unchanged",
        "configmap/app unchanged",
        "secret/db configured",  # stringData is never stored, so kubectl sends it again
    ]


def test_kubectl_create_namespace_then_delete_it_with_everything_in_it(
    kubeconfig: Path,
) -> None:
    assert ok(kubeconfig, "create", "namespace", "team-b").strip() == "namespace/team-b created"
    ok(kubeconfig, "-n", "team-b", "create", "configmap", "app", "--from-literal=a=b")
    # kubectl waits until the namespace is gone: the controller emptied and finalized it.
    deleted = ok(kubeconfig, "delete", "namespace", "team-b")
    assert deleted.strip() == 'namespace "team-b" deleted'
    missing = kubectl(kubeconfig, "get", "namespace", "team-b")
    assert missing.stderr.strip() == 'Error from server (NotFound): namespaces "team-b" not found'
    assert kubectl(kubeconfig, "get", "cm", "-A", "-o", "name").stdout.split() == []


def test_a_finalizer_keeps_a_namespace_terminating_and_closed_to_new_objects(
    kubeconfig: Path,
) -> None:
    ok(kubeconfig, "create", "namespace", "team-c")
    ok(kubeconfig, "-n", "team-c", "create", "configmap", "held", "--from-literal=a=b")
    patch = json.dumps({"metadata": {"finalizers": ["example.com/hold"]}})
    ok(kubeconfig, "-n", "team-c", "patch", "cm", "held", "-p", patch)
    ok(kubeconfig, "delete", "namespace", "team-c", "--wait=false")

    def held_is_being_deleted() -> bool:
        shown = kubectl(kubeconfig, "-n", "team-c", "get", "cm", "held", "-o", "json")
        return bool(json.loads(shown.stdout)["metadata"].get("deletionTimestamp"))

    eventually(held_is_being_deleted)
    rows = ok(kubeconfig, "get", "ns", "team-c", "--no-headers").split()
    assert rows[:2] == ["team-c", "Terminating"]
    refused = kubectl(kubeconfig, "-n", "team-c", "create", "configmap", "late")
    assert refused.returncode == 1
    assert refused.stderr.strip() == (
        'error: failed to create configmap: configmaps "late" is forbidden: unable to create '
        "new content in namespace team-c because it is being terminated"
    )
    # The finalizer's owner lets go: the object goes, then the namespace.
    release = json.dumps([{"op": "remove", "path": "/metadata/finalizers"}])
    ok(kubeconfig, "-n", "team-c", "patch", "cm", "held", "--type=json", "-p", release)
    ok(kubeconfig, "wait", "--for=delete", "namespace/team-c", "--timeout=15s")
    assert kubectl(kubeconfig, "get", "namespace", "team-c").returncode == 1


def test_the_default_namespace_may_not_be_deleted(kubeconfig: Path) -> None:
    refused = kubectl(kubeconfig, "delete", "namespace", "default")
    assert refused.returncode == 1
    assert refused.stderr.strip() == (
        'Error from server (Forbidden): namespaces "default" is forbidden: '
        "this namespace may not be deleted"
    )
