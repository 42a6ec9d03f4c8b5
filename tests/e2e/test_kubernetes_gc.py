"""Garbage collection by ownerReferences over a real `mcp run`, as a kubectl user meets it:
`kubectl delete` of an owner takes its dependents with it (background, kubectl's
default), waits for them (`--cascade=foreground`), or leaves them without their reference
(`--cascade=orphan`); a dependent with another owner stays."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from support.kube_namespaces import fresh_namespace, ok_in, run_in
from support.launcher import McpLauncher
from support.polling import wait_until

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def kubeconfig(shared_launcher: McpLauncher) -> Path:
    return shared_launcher.data_dir / "kubeconfig"


@pytest.fixture
def ns(kubeconfig: Path) -> Iterator[str]:
    with fresh_namespace(kubeconfig, "gc") as name:
        yield name


run, ok = run_in, ok_in


def eventually(check: Callable[[], bool]) -> None:
    wait_until(check, timeout=15.0, interval=0.2, message="the collector to act")


def make(kubeconfig: Path, ns: str, tmp_path: Path, name: str, **metadata: Any) -> str:
    """A ConfigMap `name` with `metadata`; its uid."""
    manifest = tmp_path / f"{name}.json"
    body = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, **metadata}}
    manifest.write_text(json.dumps(body))
    ok(kubeconfig, ns, "create", "-f", str(manifest))
    return ok(kubeconfig, ns, "get", "cm", name, "-o", "jsonpath={.metadata.uid}")


def owned_by(name: str, uid: str, *, block: bool = False) -> dict[str, Any]:
    ref: dict[str, Any] = {"apiVersion": "v1", "kind": "ConfigMap", "name": name, "uid": uid}
    if block:
        ref["blockOwnerDeletion"] = True
    return ref


def names(kubeconfig: Path, ns: str) -> list[str]:
    listed = ok(kubeconfig, ns, "get", "cm", "-o", "name").split()
    return sorted(n.removeprefix("configmap/") for n in listed if n != "configmap/kube-root-ca.crt")


def shown(kubeconfig: Path, ns: str, name: str) -> dict[str, Any]:
    found: dict[str, Any] = json.loads(ok(kubeconfig, ns, "get", "cm", name, "-o", "json"))
    return found


def test_deleting_an_owner_deletes_its_dependents_and_keeps_those_with_another_owner(
    kubeconfig: Path, ns: str, tmp_path: Path
) -> None:
    owner = make(kubeconfig, ns, tmp_path, "owner")
    other = make(kubeconfig, ns, tmp_path, "other")
    make(kubeconfig, ns, tmp_path, "one", ownerReferences=[owned_by("owner", owner)])
    make(kubeconfig, ns, tmp_path, "two", ownerReferences=[owned_by("owner", owner)])
    make(
        kubeconfig,
        ns,
        tmp_path,
        "shared",
        ownerReferences=[owned_by("owner", owner), owned_by("other", other)],
    )
    make(kubeconfig, ns, tmp_path, "unrelated")

    assert (
        ok(kubeconfig, ns, "delete", "cm", "owner").strip()
        == f'configmap "owner" deleted from {ns} namespace'
    )
    eventually(lambda: names(kubeconfig, ns) == ["other", "shared", "unrelated"])
    eventually(
        lambda: (
            shown(kubeconfig, ns, "shared")["metadata"].get("ownerReferences")
            == [owned_by("other", other)]
        )
    )


def test_an_owner_deleted_in_the_foreground_stays_until_its_blocking_dependents_are_gone(
    kubeconfig: Path, ns: str, tmp_path: Path
) -> None:
    owner = make(kubeconfig, ns, tmp_path, "owner")
    make(
        kubeconfig,
        ns,
        tmp_path,
        "held",
        ownerReferences=[owned_by("owner", owner, block=True)],
        finalizers=["example.com/hold"],
    )
    make(kubeconfig, ns, tmp_path, "free", ownerReferences=[owned_by("owner", owner)])

    ok(kubeconfig, ns, "delete", "cm", "owner", "--cascade=foreground", "--wait=false")
    eventually(lambda: names(kubeconfig, ns) == ["held", "owner"])  # the free one went
    waiting = shown(kubeconfig, ns, "owner")["metadata"]
    assert waiting["finalizers"] == ["foregroundDeletion"]
    assert waiting["deletionTimestamp"]
    held = shown(kubeconfig, ns, "held")["metadata"]
    assert held["deletionTimestamp"]  # asked to go; its own finalizer holds it
    time.sleep(2)  # the owner keeps waiting while the blocking dependent is there
    assert names(kubeconfig, ns) == ["held", "owner"]

    ok(
        kubeconfig,
        ns,
        "patch",
        "cm",
        "held",
        "--type=json",
        "-p",
        '[{"op": "remove", "path": "/metadata/finalizers"}]',
    )
    eventually(lambda: names(kubeconfig, ns) == [])


def test_kubectls_foreground_delete_waits_for_the_dependents_and_returns(
    kubeconfig: Path, ns: str, tmp_path: Path
) -> None:
    owner = make(kubeconfig, ns, tmp_path, "owner")
    make(kubeconfig, ns, tmp_path, "dep", ownerReferences=[owned_by("owner", owner, block=True)])
    done = run(kubeconfig, ns, "delete", "cm", "owner", "--cascade=foreground", "--timeout=30s")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f'configmap "owner" deleted from {ns} namespace'
    assert names(kubeconfig, ns) == []


def test_an_orphaning_delete_leaves_the_dependents_without_their_reference(
    kubeconfig: Path, ns: str, tmp_path: Path
) -> None:
    owner = make(kubeconfig, ns, tmp_path, "owner")
    make(kubeconfig, ns, tmp_path, "one", ownerReferences=[owned_by("owner", owner)])
    make(kubeconfig, ns, tmp_path, "two", ownerReferences=[owned_by("owner", owner, block=True)])

    done = run(kubeconfig, ns, "delete", "cm", "owner", "--cascade=orphan", "--timeout=30s")
    assert done.returncode == 0, done.stderr
    assert names(kubeconfig, ns) == ["one", "two"]
    for name in ("one", "two"):
        metadata = shown(kubeconfig, ns, name)["metadata"]
        assert "ownerReferences" not in metadata, name
        assert "deletionTimestamp" not in metadata, name
