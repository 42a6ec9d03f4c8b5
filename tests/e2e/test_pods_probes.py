"""Probes on Pods that really run, driven by kubectl as a user types it: a failing liveness
probe restarts its container (Unhealthy, then Killing), a readiness probe flips the
container's `ready` and the Pod's `Ready` condition and nothing else, a startup probe
holds the other probes back. One real `mcp run` shared by the module; each test in a
namespace of its own; the Pods run the local image `mcp-test/pod:1`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from support.polling import wait_until

from e2e.test_kubernetes_pods import kubeconfig, ok, run
from e2e.test_pods_running import (
    apply,
    node,
    ns,
    pod,
    row,
    status_of,
    wait_for,
    wait_ready,
)

pytestmark = pytest.mark.e2e

__all__ = ["kubeconfig", "node", "ns"]  # fixtures, used by name

# httpd serves /www; the readiness probe asks for /www/ready, which the test makes and
# removes with `kubectl exec`. The liveness probe looks for /tmp/alive, made at start.
PROBED = """\
apiVersion: v1
kind: Pod
metadata:
  name: probed
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: web
    image: IMAGE
    command: [sh, -c, "touch /tmp/alive; mkdir -p /www; exec httpd -f -p 8080 -h /www"]
    ports: [{name: http, containerPort: 8080}]
    readinessProbe:
      httpGet: {path: /ready, port: http}
      periodSeconds: 1
      failureThreshold: 1
      timeoutSeconds: 5
    livenessProbe:
      exec: {command: [cat, /tmp/alive]}
      periodSeconds: 1
      failureThreshold: 2
      timeoutSeconds: 5  # a loaded machine's `docker exec` can take more than 1 s
"""


def conditions(found: dict[str, Any]) -> dict[str, str]:
    return {c["type"]: c["status"] for c in found["status"]["conditions"]}


def pod_when(
    kubeconfig: Path, ns: str, holds: Callable[[dict[str, Any]], bool], message: str
) -> dict[str, Any]:
    """The Pod `probed` once `holds` is true of it (polled for 30 s)."""

    def look() -> dict[str, Any] | None:
        found = pod(kubeconfig, ns, "probed")
        return found if holds(found) else None

    return wait_until(look, timeout=30, message=message)


def events(kubeconfig: Path, ns: str, reason: str) -> list[dict[str, Any]]:
    shown = ok(
        kubeconfig, ns, "get", "events", "--field-selector", f"reason={reason}", "-o", "json"
    )
    items: list[dict[str, Any]] = json.loads(shown)["items"]
    return items


def test_readiness_flips_ready_and_nothing_else(
    kubeconfig: Path, ns: str, tmp_path: Path, pod_image: str
) -> None:
    apply(kubeconfig, ns, tmp_path, PROBED, pod_image)

    found = pod_when(
        kubeconfig,
        ns,
        lambda p: (
            "running" in status_of(p, "web")["state"]
            if p["status"].get("containerStatuses")
            else False
        ),
        "the probed container runs",
    )
    # No /www/ready yet: running, started, not ready; the Pod is not Ready either.
    unready = pod_when(
        kubeconfig, ns, lambda p: status_of(p, "web").get("started") is True, "it is started"
    )
    assert status_of(unready, "web")["ready"] is False
    assert conditions(unready)["Ready"] == "False"
    assert conditions(unready)["ContainersReady"] == "False"
    assert row(kubeconfig, ns, "probed")[1:3] == ["0/1", "Running"]
    # The page appears: ready, and the Pod is Ready.
    ok(kubeconfig, ns, "exec", "probed", "--", "touch", "/www/ready")
    ready = wait_ready(kubeconfig, ns, "probed")
    assert status_of(ready, "web")["ready"] is True
    assert row(kubeconfig, ns, "probed")[1:4] == ["1/1", "Running", "0"]
    # It goes: not ready again, and the container is neither restarted nor killed.
    ok(kubeconfig, ns, "exec", "probed", "--", "rm", "/www/ready")
    again = pod_when(kubeconfig, ns, lambda p: conditions(p)["Ready"] == "False", "not Ready again")
    web = status_of(again, "web")
    assert (web["ready"], web["restartCount"]) == (False, 0)
    assert web["containerID"] == status_of(found, "web")["containerID"]
    unhealthy = [e["message"] for e in events(kubeconfig, ns, "Unhealthy")]
    assert unhealthy
    assert [m for m in unhealthy if not m.startswith("Readiness probe failed: ")] == []
    assert events(kubeconfig, ns, "Killing") == []


def test_a_failing_liveness_probe_restarts_the_container(
    kubeconfig: Path, ns: str, tmp_path: Path, pod_image: str
) -> None:
    apply(kubeconfig, ns, tmp_path, PROBED, pod_image)
    ok(
        kubeconfig,
        ns,
        "wait",
        "--for=jsonpath={.status.containerStatuses[0].started}=true",
        "pod/probed",
        "--timeout=30s",
    )
    first = status_of(pod(kubeconfig, ns, "probed"), "web")["containerID"]
    ok(kubeconfig, ns, "exec", "probed", "--", "rm", "/tmp/alive")
    restarted = pod_when(
        kubeconfig,
        ns,
        lambda p: (
            status_of(p, "web")["restartCount"] == 1 and "running" in status_of(p, "web")["state"]
        ),
        "the container is restarted",
    )
    web = status_of(restarted, "web")
    # The kill: SIGTERM, which httpd as PID 1 ignores, then SIGKILL after the grace.
    assert web["lastState"]["terminated"]["exitCode"] == 137
    assert web["lastState"]["terminated"]["containerID"] == first
    assert web["containerID"] != first
    unhealthy = [e["message"] for e in events(kubeconfig, ns, "Unhealthy")]
    assert any(
        m.startswith("Liveness probe failed: cat: can't open '/tmp/alive'") for m in unhealthy
    )
    killing = [e["message"] for e in events(kubeconfig, ns, "Killing")]
    assert killing == ["Container web failed liveness probe, will be restarted"]


HOOKED = """\
apiVersion: v1
kind: Pod
metadata:
  name: hooked
spec:
  terminationGracePeriodSeconds: 10
  volumes: [{name: shared, emptyDir: {}}]
  containers:
  - name: app
    image: IMAGE
    command: [sh, -c, "trap 'exit 0' TERM; sleep 3600 & wait"]
    volumeMounts: [{name: shared, mountPath: /shared}]
    lifecycle:
      postStart:
        exec: {command: [sh, -c, "echo started > /shared/post-start"]}
      preStop:
        exec: {command: [sh, -c, "echo stopping > /shared/pre-stop"]}
  - name: witness  # ignores SIGTERM: it lives out the grace period, to be asked
    image: IMAGE
    command: [sh, -c, "trap '' TERM; sleep 3600 & wait"]
    volumeMounts: [{name: shared, mountPath: /shared}]
"""


def test_post_start_runs_before_the_container_counts_as_started_and_pre_stop_before_the_stop(
    kubeconfig: Path, ns: str, tmp_path: Path, pod_image: str
) -> None:
    apply(kubeconfig, ns, tmp_path, HOOKED, pod_image)
    wait_ready(kubeconfig, ns, "hooked")
    shown = ok(kubeconfig, ns, "exec", "hooked", "-c", "witness", "--", "cat", "/shared/post-start")
    assert shown == "started\n"
    # The witness's view of the emptyDir once the app container is stopped by a delete:
    # the preStop hook wrote there first. Read through the witness before it stops too.
    deleting = run(kubeconfig, ns, "delete", "pod", "hooked", "--wait=false")
    assert deleting.returncode == 0, deleting.stderr

    def written() -> str | None:
        read = run(
            kubeconfig, ns, "exec", "hooked", "-c", "witness", "--", "cat", "/shared/pre-stop"
        )
        return read.stdout if read.returncode == 0 else None

    assert wait_until(written, timeout=30, message="the preStop hook wrote") == "stopping\n"


FAILING_HOOK = """\
apiVersion: v1
kind: Pod
metadata:
  name: hook-fails
spec:
  restartPolicy: Never
  terminationGracePeriodSeconds: 1
  containers:
  - name: app
    image: IMAGE
    command: [sleep, "3600"]
    lifecycle:
      postStart:
        exec: {command: [sh, -c, "echo no; exit 3"]}
"""


def test_a_failing_post_start_hook_kills_the_container(
    kubeconfig: Path, ns: str, tmp_path: Path, pod_image: str
) -> None:
    apply(kubeconfig, ns, tmp_path, FAILING_HOOK, pod_image)
    failed = wait_for(kubeconfig, ns, "hook-fails", "jsonpath={.status.phase}=Failed")
    terminated = status_of(failed, "app")["state"]["terminated"]
    assert terminated["exitCode"] == 137  # sleep as PID 1 ignores SIGTERM: killed
    hooks = [e["message"] for e in events(kubeconfig, ns, "FailedPostStartHook")]
    assert len(hooks) == 1
    assert hooks[0].startswith(
        'Exec lifecycle hook ([sh -c echo no; exit 3]) for Container "app" in Pod "hook-fails_'
    )
    assert hooks[0].endswith(
        """failed - error: command 'sh -c echo no; exit 3' exited with 3: , message: "no\\n\""""
    )
