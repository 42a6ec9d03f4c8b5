"""Deployments, ReplicaSets and Jobs over a real `mcp run`, as a kubectl user drives them:
a Deployment rolled out, updated one Pod at a time gated on readiness, its history and an
undo, scaled up and down, deleted with its ReplicaSets and Pods; a Job run to completion."""

from __future__ import annotations

import json
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import docker
import pytest
from support.kube_namespaces import fresh_namespace, ok_in, run_in
from support.launcher import McpLauncher
from support.polling import wait_until

from e2e.test_kubernetes_clients import KUBECTL

pytestmark = pytest.mark.e2e

# Three replicas of an httpd that is ready once it answers; one extra Pod at a time and
# never one fewer available (maxUnavailable 0).
WEB = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  strategy:
    type: RollingUpdate
    rollingUpdate: {maxSurge: 1, maxUnavailable: 0}
  template:
    metadata: {labels: {app: web}}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - name: httpd
        image: IMAGE
        command: [sh, -c, 'hostname > /tmp/index.html; exec httpd -f -p 8080 -h /tmp']
        readinessProbe:
          httpGet: {path: /index.html, port: 8080}
          periodSeconds: 1
"""


@pytest.fixture(scope="module")
def kubeconfig(shared_launcher: McpLauncher) -> Path:
    return shared_launcher.data_dir / "kubeconfig"


@pytest.fixture
def ns(kubeconfig: Path) -> Iterator[str]:
    with fresh_namespace(kubeconfig, "wl") as name:
        yield name


@pytest.fixture(scope="module")
def second_image(pod_image: str, docker_client: docker.DockerClient) -> str:
    """The Pod image under a second tag, for a rolling update to a new template."""
    repository = pod_image.split(":")[0]
    docker_client.images.get(pod_image).tag(repository, "2")
    return f"{repository}:2"


run, ok = run_in, ok_in


def apply(kubeconfig: Path, ns: str, tmp_path: Path, text: str) -> str:
    manifest = tmp_path / "manifest.yaml"
    manifest.write_text(text)
    return ok(kubeconfig, ns, "apply", "-f", str(manifest))


def get(kubeconfig: Path, ns: str, *what: str) -> dict[str, Any]:
    found: dict[str, Any] = json.loads(ok(kubeconfig, ns, "get", *what, "-o", "json"))
    return found


def replicasets(kubeconfig: Path, ns: str) -> dict[str, dict[str, Any]]:
    listed = get(kubeconfig, ns, "rs")["items"]
    return {rs["metadata"]["name"]: rs for rs in listed}


def rollout(kubeconfig: Path, ns: str) -> None:
    done = run(kubeconfig, ns, "rollout", "status", "deployment/web", "--timeout=120s")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == 'deployment "web" successfully rolled out'


def running_pods(kubeconfig: Path, ns: str) -> list[dict[str, Any]]:
    return [
        pod
        for pod in get(kubeconfig, ns, "pods")["items"]
        if not pod["metadata"].get("deletionTimestamp") and pod["status"].get("phase") == "Running"
    ]


class StatusWatch:
    """`kubectl get deployment web -w -o json` in the background: every status it shows."""

    def __init__(self, kubeconfig: Path, ns: str) -> None:
        self.seen: list[dict[str, Any]] = []
        self.process = subprocess.Popen(
            [
                KUBECTL,
                "--kubeconfig",
                str(kubeconfig),
                "-n",
                ns,
                "get",
                "deployment",
                "web",
                "-w",
                "-o",
                "json",
                "--output-watch-events",
            ],
            stdout=subprocess.PIPE,
            text=True,
        )
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        decoder, buffer = json.JSONDecoder(), ""
        for line in self.process.stdout:
            buffer += line
            try:
                event, _ = decoder.raw_decode(buffer.strip())
            except json.JSONDecodeError:
                continue
            buffer = ""
            self.seen.append(event["object"].get("status") or {})

    def stop(self) -> list[dict[str, Any]]:
        self.process.terminate()
        self.process.wait(timeout=10)
        self.reader.join(timeout=10)
        assert self.process.stdout is not None
        self.process.stdout.close()
        return self.seen


def test_a_deployment_rolls_out_updates_one_by_one_and_undoes(
    kubeconfig: Path, ns: str, tmp_path: Path, pod_image: str, second_image: str
) -> None:
    assert apply(kubeconfig, ns, tmp_path, WEB.replace("IMAGE", pod_image)).strip() == (
        "deployment.apps/web created"
    )
    rollout(kubeconfig, ns)
    shown = ok(kubeconfig, ns, "get", "deployment", "web", "--no-headers").split()
    assert shown[:4] == ["web", "3/3", "3", "3"]
    first = replicasets(kubeconfig, ns)
    assert len(first) == 1
    [(first_name, first_rs)] = first.items()
    template_hash = first_rs["metadata"]["labels"]["pod-template-hash"]
    assert first_name == f"web-{template_hash}"
    assert first_rs["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "1"
    pods = running_pods(kubeconfig, ns)
    assert len(pods) == 3
    assert {p["metadata"]["labels"]["pod-template-hash"] for p in pods} == {template_hash}
    assert {p["metadata"]["ownerReferences"][0]["name"] for p in pods} == {first_name}

    watch = StatusWatch(kubeconfig, ns)
    ok(kubeconfig, ns, "set", "image", "deployment/web", f"httpd={second_image}")
    rollout(kubeconfig, ns)
    statuses = watch.stop()
    # Never fewer than 3 available (maxUnavailable 0), never more than 4 Pods (maxSurge 1).
    assert statuses, "the watch showed no status"
    assert min(s.get("availableReplicas", 0) for s in statuses) >= 3
    assert max(s.get("replicas", 0) for s in statuses) <= 4
    after = replicasets(kubeconfig, ns)
    assert len(after) == 2
    assert after[first_name]["spec"]["replicas"] == 0
    [second_name] = [name for name in after if name != first_name]
    assert after[second_name]["spec"]["replicas"] == 3
    assert after[second_name]["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "2"
    images = {p["spec"]["containers"][0]["image"] for p in running_pods(kubeconfig, ns)}
    assert images == {second_image}

    history = ok(kubeconfig, ns, "rollout", "history", "deployment/web").split("\n")
    assert [line.split()[0] for line in history if line[:1].isdigit()] == ["1", "2"]
    ok(kubeconfig, ns, "rollout", "undo", "deployment/web")
    rollout(kubeconfig, ns)
    undone = replicasets(kubeconfig, ns)
    assert undone[first_name]["spec"]["replicas"] == 3
    assert undone[first_name]["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "3"
    assert undone[second_name]["spec"]["replicas"] == 0
    images = {p["spec"]["containers"][0]["image"] for p in running_pods(kubeconfig, ns)}
    assert images == {pod_image}


def test_a_deployment_scales_and_is_deleted_with_its_replicasets_and_pods(
    kubeconfig: Path, ns: str, tmp_path: Path, pod_image: str
) -> None:
    apply(kubeconfig, ns, tmp_path, WEB.replace("IMAGE", pod_image))
    rollout(kubeconfig, ns)
    assert ok(kubeconfig, ns, "scale", "deployment/web", "--replicas=5").strip() == (
        "deployment.apps/web scaled"
    )
    rollout(kubeconfig, ns)
    assert len(running_pods(kubeconfig, ns)) == 5
    ok(kubeconfig, ns, "scale", "deployment/web", "--replicas=1")
    rollout(kubeconfig, ns)
    wait_until(
        lambda: len(get(kubeconfig, ns, "pods")["items"]) == 1,
        timeout=60,
        message="the scaled-down Pods to go",
    )
    assert ok(kubeconfig, ns, "delete", "deployment", "web").strip() == (
        f'deployment.apps "web" deleted from {ns} namespace'
    )
    wait_until(
        lambda: not get(kubeconfig, ns, "rs")["items"] and not get(kubeconfig, ns, "pods")["items"],
        timeout=60,
        message="the ReplicaSets and Pods to follow their Deployment",
    )


def test_a_job_runs_to_completion(kubeconfig: Path, ns: str, pod_image: str) -> None:
    made = run(
        kubeconfig,
        ns,
        "create",
        "job",
        "once",
        f"--image={pod_image}",
        "--",
        "sh",
        "-c",
        "echo done",
    )
    assert made.returncode == 0, made.stderr
    assert made.stdout.strip() == "job.batch/once created"
    waited = run(kubeconfig, ns, "wait", "--for=condition=complete", "job/once", "--timeout=90s")
    assert waited.returncode == 0, waited.stderr
    assert waited.stdout.strip() == "job.batch/once condition met"
    job = get(kubeconfig, ns, "job", "once")
    assert job["status"]["succeeded"] == 1
    assert ok(kubeconfig, ns, "logs", "job/once").strip() == "done"


JOB = """\
apiVersion: batch/v1
kind: Job
metadata: {name: three}
spec:
  completions: 3
  parallelism: 2
  template:
    spec:
      restartPolicy: Never
      terminationGracePeriodSeconds: 1
      containers:
      - name: work
        image: IMAGE
        command: [sh, -c, 'sleep 1; echo worked']
"""


def test_a_job_with_three_completions_runs_at_most_two_pods_at_once(
    kubeconfig: Path, ns: str, tmp_path: Path, pod_image: str
) -> None:
    apply(kubeconfig, ns, tmp_path, JOB.replace("IMAGE", pod_image))
    most = 0

    def complete() -> bool:
        nonlocal most
        job = get(kubeconfig, ns, "job", "three")
        most = max(most, job.get("status", {}).get("active", 0))
        return any(
            c["type"] == "Complete" and c["status"] == "True"
            for c in job.get("status", {}).get("conditions", [])
        )

    wait_until(complete, timeout=120, interval=0.3, message="the Job to complete")
    job = get(kubeconfig, ns, "job", "three")
    assert job["status"]["succeeded"] == 3
    assert most <= 2
    pods = get(kubeconfig, ns, "pods", "-l", "batch.kubernetes.io/job-name=three")["items"]
    assert sorted(p["status"]["phase"] for p in pods) == ["Succeeded"] * 3
