"""A Pod's settings reaching Docker as a user of a cluster expects them: resources (and the
QoS class), the security context, the termination message, activeDeadlineSeconds. One
real `mcp run` shared by the module, driven by kubectl; Docker is looked at only where a
user would (`docker inspect` of the Pod's container).
"""

from __future__ import annotations

from pathlib import Path

import docker
import pytest

from e2e.test_kubernetes_pods import kubeconfig, ok, run
from e2e.test_pods_running import apply, docker_id, node, ns, status_of, wait_for, wait_ready

pytestmark = pytest.mark.e2e

__all__ = ["kubeconfig", "node", "ns"]  # fixtures, used by name

LIMITED = """\
apiVersion: v1
kind: Pod
metadata:
  name: limited
spec:
  terminationGracePeriodSeconds: 1
  securityContext: {runAsUser: 1000, runAsGroup: 3000, supplementalGroups: [4000]}
  containers:
  - name: app
    image: IMAGE
    command: [sh, -c, "sleep 3600 & wait"]
    resources:
      limits: {memory: 64Mi, cpu: 500m}
    securityContext:
      readOnlyRootFilesystem: true
      allowPrivilegeEscalation: false
      capabilities: {drop: [ALL]}
"""


def test_resources_and_the_security_context_reach_docker(
    kubeconfig: Path, ns: str, tmp_path: Path, pod_image: str, docker_client: docker.DockerClient
) -> None:
    apply(kubeconfig, ns, tmp_path, LIMITED, pod_image)
    found = wait_ready(kubeconfig, ns, "limited")
    # Limits alone: the API defaults the requests to them, so the Pod is Guaranteed.
    assert found["status"]["qosClass"] == "Guaranteed"
    host = docker_client.api.inspect_container(docker_id(found, "app"))["HostConfig"]
    assert (host["Memory"], host["CpuQuota"], host["CpuPeriod"], host["CpuShares"]) == (
        64 * 1024**2,
        50_000,
        100_000,
        512,
    )
    assert ok(kubeconfig, ns, "exec", "limited", "--", "id", "-u") == "1000\n"
    assert ok(kubeconfig, ns, "exec", "limited", "--", "id", "-g") == "3000\n"
    assert "4000" in ok(kubeconfig, ns, "exec", "limited", "--", "id", "-G").split()
    written = run(kubeconfig, ns, "exec", "limited", "--", "touch", "/written")
    assert written.returncode != 0
    assert "Read-only file system" in written.stderr
    status = ok(
        kubeconfig,
        ns,
        "exec",
        "limited",
        "--",
        "grep",
        "-E",
        "CapEff|NoNewPrivs",
        "/proc/self/status",
    )
    assert status.split() == ["CapEff:", "0000000000000000", "NoNewPrivs:", "1"]


SAYS_WHY = """\
apiVersion: v1
kind: Pod
metadata:
  name: says-why
spec:
  restartPolicy: Never
  containers:
  - name: app
    image: IMAGE
    command: [sh, -c, "echo 'the disk is full' > /dev/termination-log; exit 2"]
"""


def test_the_termination_message_is_in_the_status(
    kubeconfig: Path, ns: str, tmp_path: Path, pod_image: str
) -> None:
    apply(kubeconfig, ns, tmp_path, SAYS_WHY, pod_image)
    found = wait_for(kubeconfig, ns, "says-why", "jsonpath={.status.phase}=Failed")
    terminated = status_of(found, "app")["state"]["terminated"]
    assert (terminated["exitCode"], terminated["reason"], terminated["message"]) == (
        2,
        "Error",
        "the disk is full\n",
    )


DEADLINED = """\
apiVersion: v1
kind: Pod
metadata:
  name: deadlined
spec:
  activeDeadlineSeconds: 3
  terminationGracePeriodSeconds: 1
  containers:
  - name: app
    image: IMAGE
    command: [sh, -c, "trap 'exit 0' TERM; sleep 3600 & wait"]
"""


def test_a_pod_past_its_active_deadline_fails_and_its_containers_stop(
    kubeconfig: Path, ns: str, tmp_path: Path, pod_image: str, docker_client: docker.DockerClient
) -> None:
    apply(kubeconfig, ns, tmp_path, DEADLINED, pod_image)
    running = wait_ready(kubeconfig, ns, "deadlined")
    found = wait_for(kubeconfig, ns, "deadlined", "jsonpath={.status.phase}=Failed")
    assert (found["status"]["reason"], found["status"]["message"]) == (
        "DeadlineExceeded",
        "Pod was active on the node longer than the specified deadline",
    )
    app = docker_client.api.inspect_container(docker_id(running, "app"))
    assert app["State"]["Running"] is False
