"""A namespace of its own for each e2e test that shares one `mcp run` with its module."""

from __future__ import annotations

import secrets
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from e2e.test_kubernetes_clients import kubectl


@contextmanager
def fresh_namespace(kubeconfig: Path, stem: str) -> Iterator[str]:
    """A new namespace `<stem>-<random>`, deleted afterwards without waiting: what is in
    it goes with it (Pods after their grace period), and no test needs to wait for that."""
    name = f"{stem}-{secrets.token_hex(4)}"
    made = kubectl(kubeconfig, "create", "namespace", name)
    assert made.returncode == 0, made.stderr
    try:
        yield name
    finally:
        kubectl(kubeconfig, "delete", "namespace", name, "--wait=false")


def run_in(kubeconfig: Path, ns: str, *args: str) -> subprocess.CompletedProcess[str]:
    """kubectl `args` in namespace `ns`."""
    return kubectl(kubeconfig, "-n", ns, *args)


def ok_in(kubeconfig: Path, ns: str, *args: str) -> str:
    """kubectl `args` in namespace `ns`, which must succeed: its output."""
    done = run_in(kubeconfig, ns, *args)
    assert done.returncode == 0, done.stderr
    return done.stdout
