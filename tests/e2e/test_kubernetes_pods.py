"""Pods over one real `mcp run` shared by the module, as a kubectl user meets them: applied
and shown with upstream's defaults, refused in upstream's words (or mcp's, for what it
refuses until it has admission), deleted gracefully, a namespace being deleted waiting for
its pods, `kubectl run` and `explain`.

mcp's engine runs every Pod on the local Docker engine, as the kubelet would. The Pod
`web` names images no registry here can give (`nginx:1.27`, and `busybox`, untagged, so
pulled `Always`): it is Pending on the one Node, its sandbox up (its IP shown) and each
container waiting in ErrImagePull, then ImagePullBackOff, as on a cluster that cannot
reach a registry. A graceful delete lasts as long as the Pod's containers take to stop:
the grace period for a `sleep` that ignores SIGTERM (the local image `mcp-test/pod:1`,
never pulled), less for one that ends on it; `--force` is at once. Each test works in a
namespace of its own, deleted at its end.
"""

from __future__ import annotations

import ipaddress
import json
import secrets
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from support.kube_namespaces import fresh_namespace, ok_in, run_in
from support.launcher import McpLauncher
from support.polling import wait_until

from e2e.test_kubernetes_clients import kubectl

pytestmark = pytest.mark.e2e

NODE = socket.gethostname().strip().lower()  # the Node's name, as kubelet's (and mcp's)
POD_SUBNET = ipaddress.IPv4Network("10.244.0.0/16")
# What the kubelet says of a container whose image it cannot pull: first the pull's error,
# then the back-off before the next try.
PULL_FAILED = {"ErrImagePull", "ImagePullBackOff"}
WEB = """\
apiVersion: v1
kind: Pod
metadata:
  name: web
  labels: {app: web}
spec:
  containers:
  - name: web
    image: nginx:1.27
    ports:
    - {name: http, containerPort: 80}
    resources:
      limits: {cpu: 500m, memory: 128Mi}
  - name: sidecar
    image: busybox
    command: [sleep, infinity]
    env:
    - name: NODE
      valueFrom: {fieldRef: {fieldPath: spec.nodeName}}
    volumeMounts:
    - {name: scratch, mountPath: /scratch}
  volumes:
  - {name: scratch, emptyDir: {}}
"""


@pytest.fixture(scope="module")
def kubeconfig(shared_launcher: McpLauncher) -> Path:
    return shared_launcher.data_dir / "kubeconfig"


@pytest.fixture
def ns(kubeconfig: Path) -> Iterator[str]:
    with fresh_namespace(kubeconfig, "po") as name:
        yield name


run, ok = run_in, ok_in


def apply(
    kubeconfig: Path, ns: str, tmp_path: Path, text: str, *args: str
) -> subprocess.CompletedProcess[str]:
    manifest = tmp_path / f"{secrets.token_hex(3)}.yaml"
    manifest.write_text(text)
    return run(kubeconfig, ns, "apply", "-f", str(manifest), *args)


def refusal(kubeconfig: Path, ns: str, tmp_path: Path, text: str) -> str:
    """kubectl's words for an apply the server refuses (exit code 1)."""
    refused = apply(kubeconfig, ns, tmp_path, text)
    assert refused.returncode == 1, refused.stdout
    return refused.stderr.strip()


def pod(kubeconfig: Path, ns: str, name: str = "web") -> dict[str, Any] | None:
    shown = run(kubeconfig, ns, "get", "pod", name, "-o", "json")
    return json.loads(shown.stdout) if shown.returncode == 0 else None


def app_pod(name: str, command: str, *, spec: str = "", container: str = "", grace: int = 1) -> str:
    """The manifest of a Pod `name` whose one container `app` runs `command` (a YAML flow
    sequence), with more of its spec (`spec`) and of the container (`container`), each YAML
    lines indented as in a spec. A short grace: the namespace's deletion need not wait."""
    return f"""\
apiVersion: v1
kind: Pod
metadata: {{name: {name}}}
spec:
  terminationGracePeriodSeconds: {grace}
{spec}  containers:
  - name: app
    image: IMAGE
    command: {command}
{container}"""


def test_an_applied_pod_shows_upstreams_defaults(kubeconfig: Path, ns: str, tmp_path: Path) -> None:
    # The Pod as the server answers its creation: the engine writes the kubelet's status
    # soon after, so a later `get` would show more than the API server's own.
    applied = apply(kubeconfig, ns, tmp_path, WEB, "-o", "yaml")
    assert applied.returncode == 0, applied.stderr
    shown = yaml.safe_load(applied.stdout)
    metadata, spec, status = shown["metadata"], shown["spec"], shown["status"]
    assert (shown["kind"], metadata["name"]) == ("Pod", "web")
    assert metadata["generation"] == 1
    assert "kubectl.kubernetes.io/last-applied-configuration" in metadata["annotations"]
    assert {
        key: spec[key] for key in spec if key not in ("containers", "volumes", "tolerations")
    } == {
        "dnsPolicy": "ClusterFirst",
        "enableServiceLinks": True,
        "nodeName": NODE,
        "preemptionPolicy": "PreemptLowerPriority",
        "priority": 0,
        "restartPolicy": "Always",
        "schedulerName": "default-scheduler",
        "securityContext": {},
        "serviceAccount": "default",
        "serviceAccountName": "default",
        "terminationGracePeriodSeconds": 30,
    }
    web, sidecar = spec["containers"]
    assert web == {
        "image": "nginx:1.27",
        "imagePullPolicy": "IfNotPresent",
        "name": "web",
        "ports": [{"containerPort": 80, "name": "http", "protocol": "TCP"}],
        "resources": {
            "limits": {"cpu": "500m", "memory": "128Mi"},
            "requests": {"cpu": "500m", "memory": "128Mi"},
        },
        "terminationMessagePath": "/dev/termination-log",
        "terminationMessagePolicy": "File",
    }
    assert sidecar["imagePullPolicy"] == "Always"  # untagged: latest
    assert sidecar["resources"] == {}
    assert sidecar["env"][0]["valueFrom"]["fieldRef"] == {
        "apiVersion": "v1",
        "fieldPath": "spec.nodeName",
    }
    assert spec["volumes"] == [{"emptyDir": {}, "name": "scratch"}]
    assert [t["key"] for t in spec["tolerations"]] == [
        "node.kubernetes.io/not-ready",
        "node.kubernetes.io/unreachable",
    ]
    assert status == {"phase": "Pending", "qosClass": "Burstable"}

    again = apply(kubeconfig, ns, tmp_path, WEB)
    assert again.stdout.strip() == "pod/web unchanged", again.stderr
    newer = apply(kubeconfig, ns, tmp_path, WEB.replace("nginx:1.27", "nginx:1.28"))
    assert newer.stdout.strip() == "pod/web configured", newer.stderr
    changed = pod(kubeconfig, ns) or {}
    assert changed["spec"]["containers"][0]["image"] == "nginx:1.28"
    assert changed["metadata"]["generation"] == 2
    other_port = WEB.replace("containerPort: 80", "containerPort: 81")
    assert refusal(kubeconfig, ns, tmp_path, other_port).startswith(
        'The Pod "web" is invalid: spec: Forbidden: pod updates may not change fields other '
    )


def test_kubectl_get_shows_it_pending_on_the_node(
    kubeconfig: Path, ns: str, tmp_path: Path
) -> None:
    apply(kubeconfig, ns, tmp_path, WEB)

    def pull_failed() -> list[str] | None:
        header, row = ok(kubeconfig, ns, "get", "pods", "-o", "wide").splitlines()
        assert header.split() == [
            "NAME", "READY", "STATUS", "RESTARTS", "AGE", "IP", "NODE", "NOMINATED", "NODE",
            "READINESS", "GATES",
        ]  # fmt: skip
        cells = row.split()
        return cells if cells[2] in PULL_FAILED else None

    cells = wait_until(pull_failed, timeout=30, message="the pull's failure shown")
    assert cells[:2] == ["web", "0/2"]
    assert cells[3] == "0"
    assert ipaddress.IPv4Address(cells[5]) in POD_SUBNET  # the sandbox runs, with its IP
    assert cells[6:] == [NODE, "<none>", "<none>"]
    shown = pod(kubeconfig, ns) or {}
    assert shown["status"]["phase"] == "Pending"
    assert shown["status"]["podIP"] == cells[5]
    for status in shown["status"]["containerStatuses"]:
        assert (status["ready"], status["started"], status["restartCount"]) == (False, False, 0)
        assert status["state"]["waiting"]["reason"] in PULL_FAILED
    selected = ok(
        kubeconfig, ns, "get", "pods", "--field-selector", f"spec.nodeName={NODE}", "-o", "name"
    )
    assert selected.split() == ["pod/web"]
    running = ok(
        kubeconfig, ns, "get", "pods", "--field-selector", "status.phase=Running", "-o", "name"
    )
    assert running.split() == []
    pending = ok(
        kubeconfig, ns, "get", "pods", "--field-selector", "status.phase=Pending", "-o", "name"
    )
    assert pending.split() == ["pod/web"]
    every = ok(kubeconfig, ns, "get", "all", "-o", "name")
    assert "pod/web" in every.split()


def test_a_pull_back_off_is_told_in_the_kubelets_words(
    kubeconfig: Path, ns: str, tmp_path: Path
) -> None:
    apply(kubeconfig, ns, tmp_path, WEB)

    def backing_off() -> dict[str, str] | None:
        statuses = (pod(kubeconfig, ns) or {}).get("status", {}).get("containerStatuses") or []
        waiting = {s["name"]: s["state"].get("waiting") or {} for s in statuses}
        web: dict[str, str] = waiting.get("web") or {}
        return web if web.get("reason") == "ImagePullBackOff" else None

    waiting = wait_until(backing_off, timeout=30, message="the pull backing off")
    assert waiting["message"].startswith('Back-off pulling image "nginx:1.27": ErrImagePull: ')

    def back_offs() -> set[tuple[str, str, str]] | None:
        listed = json.loads(ok(kubeconfig, ns, "get", "events", "-o", "json"))["items"]
        said = {(e["type"], e["reason"], e["message"]) for e in listed}
        return said if ("Normal", "BackOff", 'Back-off pulling image "busybox"') in said else None

    said = wait_until(back_offs, timeout=30, message="the BackOff events")
    assert ("Normal", "BackOff", 'Back-off pulling image "nginx:1.27"') in said
    assert ("Warning", "Failed", "Error: ImagePullBackOff") in said


INVALID = """\
apiVersion: v1
kind: Pod
metadata: {name: bad}
spec:
  containers:
  - name: web
  - name: web
    image: nginx:1.27
    ports: [{containerPort: 0}]
  restartPolicy: Sometimes
"""


def test_an_invalid_pod_is_refused_in_upstreams_words(
    kubeconfig: Path, ns: str, tmp_path: Path
) -> None:
    assert refusal(kubeconfig, ns, tmp_path, INVALID) == (
        'The Pod "bad" is invalid: \n'
        "* spec.containers[0].image: Required value\n"
        "* spec.containers[1].ports[0].containerPort: Required value\n"
        '* spec.containers[1].name: Duplicate value: "web"\n'
        '* spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", '
        '"OnFailure", "Never"'
    )
    typo = WEB.replace("    image: nginx:1.27", "    imagee: nginx:1.27")
    assert 'strict decoding error: unknown field "spec.containers[0].imagee"' in refusal(
        kubeconfig, ns, tmp_path, typo
    )
    assert pod(kubeconfig, ns, "bad") is None


PRIVILEGED = """\
apiVersion: v1
kind: Pod
metadata: {name: root}
spec:
  containers:
  - name: root
    image: busybox:1.36
    securityContext: {privileged: true}
"""


def test_a_privileged_pod_is_refused_until_mcp_has_admission(
    kubeconfig: Path, ns: str, tmp_path: Path
) -> None:
    assert refusal(kubeconfig, ns, tmp_path, PRIVILEGED) == (
        'The Pod "root" is invalid: spec.containers[0].securityContext.privileged: Forbidden: '
        "privileged containers are not allowed: mcp has no authentication or admission policy "
        "yet, and a privileged container is root on the host"
    )
    assert pod(kubeconfig, ns, "root") is None


SLEEP = '[sleep, "3600"]'  # as PID 1, `sleep` ignores SIGTERM: killed when the grace is over


def apply_ready(
    kubeconfig: Path,
    ns: str,
    tmp_path: Path,
    image: str,
    name: str,
    *,
    grace: int,
    command: str = SLEEP,
) -> None:
    """Apply `app_pod(name, command)` of `image`, then `kubectl wait` for it to be Ready:
    its container runs."""
    text = app_pod(name, command, grace=grace).replace("image: IMAGE", f"image: {image}")
    applied = apply(kubeconfig, ns, tmp_path, text)
    assert applied.returncode == 0, applied.stderr
    waited = run(kubeconfig, ns, "wait", "--for=condition=Ready", f"pod/{name}", "--timeout=30s")
    assert waited.returncode == 0, waited.stderr


def test_a_graceful_delete_leaves_it_terminating_until_forced(
    kubeconfig: Path, ns: str, tmp_path: Path, pod_image: str
) -> None:
    apply_ready(kubeconfig, ns, tmp_path, pod_image, "web", grace=30)
    deleted = ok(kubeconfig, ns, "delete", "pod", "web", "--wait=false")
    assert deleted.strip() == f'pod "web" deleted from {ns} namespace'
    marked = pod(kubeconfig, ns) or {}
    assert marked["metadata"]["deletionGracePeriodSeconds"] == 30
    assert marked["metadata"]["deletionTimestamp"]
    status = ok(kubeconfig, ns, "get", "pod", "web", "--no-headers").split()[2]
    assert status == "Terminating"
    forced = run(kubeconfig, ns, "delete", "pod", "web", "--grace-period=0", "--force")
    assert forced.returncode == 0, forced.stderr
    assert forced.stdout.strip() == f'pod "web" force deleted from {ns} namespace'
    assert "Immediate deletion does not wait for confirmation" in forced.stderr
    assert pod(kubeconfig, ns) is None


QUICK_GRACE_S = 2


def test_a_graceful_delete_finishes_when_its_grace_is_over(
    kubeconfig: Path, ns: str, tmp_path: Path, pod_image: str
) -> None:
    apply_ready(kubeconfig, ns, tmp_path, pod_image, "quick", grace=QUICK_GRACE_S)
    # kubectl waits for the pod to go, which it does once its container is killed, when
    # its grace is over.
    began = time.monotonic()
    deleted = run(kubeconfig, ns, "delete", "pod", "quick", "--timeout=30s")
    took = time.monotonic() - began
    assert deleted.returncode == 0, deleted.stderr
    assert pod(kubeconfig, ns, "quick") is None
    assert QUICK_GRACE_S <= took < QUICK_GRACE_S + 10


def test_a_graceful_delete_finishes_once_its_containers_have_stopped(
    kubeconfig: Path, ns: str, tmp_path: Path, pod_image: str
) -> None:
    # A shell that ends on SIGTERM: the Pod goes as soon as it has, long before its grace.
    polite = """[sh, -c, "trap 'exit 0' TERM; sleep 3600 & wait"]"""
    apply_ready(kubeconfig, ns, tmp_path, pod_image, "polite", grace=30, command=polite)
    began = time.monotonic()
    deleted = run(kubeconfig, ns, "delete", "pod", "polite", "--timeout=30s")
    assert deleted.returncode == 0, deleted.stderr
    assert time.monotonic() - began < 10
    assert pod(kubeconfig, ns, "polite") is None


def test_a_namespace_being_deleted_waits_for_its_pods(
    kubeconfig: Path, ns: str, tmp_path: Path, pod_image: str
) -> None:
    apply_ready(kubeconfig, ns, tmp_path, pod_image, "quick", grace=QUICK_GRACE_S)
    assert ok(kubeconfig, ns, "delete", "namespace", ns, "--wait=false").strip() == (
        f'namespace "{ns}" deleted'
    )
    # The namespace stays while its pod is Terminating, for the pod's grace period.
    phase = kubectl(kubeconfig, "get", "namespace", ns, "-o", "jsonpath={.status.phase}")
    assert phase.stdout == "Terminating"

    def gone() -> bool:
        return kubectl(kubeconfig, "get", "namespace", ns).returncode == 1

    wait_until(gone, timeout=30, message="the namespace gone once its pod's grace was over")


def test_kubectl_run_and_explain(kubeconfig: Path, ns: str) -> None:
    made = ok(kubeconfig, ns, "run", "one", "--image=busybox:1.36", "--restart=Never", "--", "true")
    assert made.strip() == "pod/one created"
    one = pod(kubeconfig, ns, "one") or {}
    assert one["spec"]["restartPolicy"] == "Never"
    assert one["spec"]["containers"][0]["args"] == ["true"]
    assert one["metadata"]["labels"] == {"run": "one"}
    explained = kubectl(kubeconfig, "explain", "pod.spec.containers.image")
    assert explained.returncode == 0, explained.stderr
    assert "FIELD: image <string>" in explained.stdout
    assert "Container image name." in explained.stdout
    fields = kubectl(kubeconfig, "explain", "pod.spec.containers")
    assert "FIELD: containers <[]Container>" in fields.stdout
