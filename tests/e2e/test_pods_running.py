"""Pods that really run, as a user of a real cluster meets them: one real `mcp run` shared by
the module, driven by kubectl as a user types it (and the official Python client).

mcp's Pod engine runs each Pod on the local Docker engine as the kubelet would: an infra
container holding the Pod's network namespace on the pod network (10.244.0.0/16), one
Docker container per attempt of each container, labelled `io.kubernetes.pod.uid` and
`io.kubernetes.container.name`, and the Pod's `status` and Events written back. What these
tests expect is upstream's behaviour (kubelet, kubectl's printers), not mcp's internals:
the Docker engine is only looked at where a user would look (`docker ps`, `docker kill`).

Every Pod runs the local image `mcp-test/pod:1` (tagged, so `IfNotPresent`: never pulled).
Each test works in a namespace of its own, deleted at its end; the module's launcher
removes every Docker container of its cluster when the module is done.
"""

from __future__ import annotations

import ipaddress
import json
import re
import secrets
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import docker
import kubernetes
import pytest
from docker.models.containers import Container
from support.polling import wait_until

from e2e.test_kubernetes_clients import kubectl
from e2e.test_kubernetes_pods import POD_SUBNET, app_pod, kubeconfig, ns, ok, run

pytestmark = pytest.mark.e2e

__all__ = ["kubeconfig", "ns"]  # fixtures, used by name

# A Pod of a local image runs in a few seconds; kubectl wait's --timeout is the same.
READY_TIMEOUT_S = 30.0
LABEL_POD_UID = "io.kubernetes.pod.uid"
LABEL_CONTAINER_NAME = "io.kubernetes.container.name"
# The conditions the kubelet writes on a running Pod (PodReadyToStartContainers is on by
# default since 1.29), beside the scheduler's PodScheduled.
RUNNING_CONDITIONS = {
    "PodReadyToStartContainers": "True",
    "Initialized": "True",
    "Ready": "True",
    "ContainersReady": "True",
    "PodScheduled": "True",
}

# The user story. busybox httpd runs as PID 1 and ignores SIGTERM, so a delete waits
# for the grace period, kept short here; the sidecar ends on SIGTERM at once.
WEB_GRACE_S = 5
WEB = f"""\
apiVersion: v1
kind: Pod
metadata:
  name: web
  labels: {{app: web}}
spec:
  terminationGracePeriodSeconds: {WEB_GRACE_S}
  containers:
  - name: httpd
    image: IMAGE
    command: [httpd, -f, -v, -p, "80", -h, /www]
    ports: [{{containerPort: 80}}]
    volumeMounts: [{{name: www, mountPath: /www}}]
  - name: sidecar
    image: IMAGE
    command:
    - sh
    - -c
    - echo 'hello from the sidecar' > /www/index.html; trap 'exit 0' TERM; sleep 3600 & wait
    volumeMounts: [{{name: www, mountPath: /www}}]
  volumes:
  - {{name: www, emptyDir: {{}}}}
"""
PAGE = "hello from the sidecar\n"


@pytest.fixture(scope="module")
def node(kubeconfig: Path) -> str:
    """The name of the cluster's one Node, as `kubectl get nodes` shows it."""
    listed = kubectl(kubeconfig, "get", "nodes", "-o", "name")
    assert listed.returncode == 0, listed.stderr
    (name,) = listed.stdout.split()
    return name.removeprefix("node/")


@pytest.fixture
def core_api(kubeconfig: Path) -> Iterator[Any]:
    """The official Python client's `CoreV1Api`, configured by the module's kubeconfig."""
    api_client = kubernetes.config.new_client_from_config(  # type: ignore[no-untyped-call]  # the package ships no types
        config_file=str(kubeconfig)
    )
    with api_client:
        yield kubernetes.client.CoreV1Api(api_client)


def apply(kubeconfig: Path, ns: str, tmp_path: Path, text: str, image: str) -> str:
    """`kubectl apply -f` of `text` (its `image: IMAGE` naming `image`); kubectl's output."""
    manifest = tmp_path / f"{secrets.token_hex(3)}.yaml"
    manifest.write_text(text.replace("image: IMAGE", f"image: {image}"))
    return ok(kubeconfig, ns, "apply", "-f", str(manifest))


def pod(kubeconfig: Path, ns: str, name: str) -> dict[str, Any]:
    shown: dict[str, Any] = json.loads(ok(kubeconfig, ns, "get", "pod", name, "-o", "json"))
    return shown


def wait_for(kubeconfig: Path, ns: str, name: str, condition: str) -> dict[str, Any]:
    """`kubectl wait --for=<condition> pod/<name> --timeout=30s` as a user types it; the
    Pod once it holds. On a timeout the error shows the Pod as it was."""
    waited = run(kubeconfig, ns, "wait", f"--for={condition}", f"pod/{name}", "--timeout=30s")
    if waited.returncode != 0:
        shown = run(kubeconfig, ns, "get", "pod", name, "-o", "yaml").stdout
        raise AssertionError(f"{waited.stderr}\nthe pod:\n{shown}")
    assert waited.stdout.strip() == f"pod/{name} condition met"
    return pod(kubeconfig, ns, name)


def wait_ready(kubeconfig: Path, ns: str, name: str) -> dict[str, Any]:
    return wait_for(kubeconfig, ns, name, "condition=Ready")


def row(kubeconfig: Path, ns: str, name: str) -> list[str]:
    """The cells of the Pod's row in `kubectl get pod` (NAME READY STATUS RESTARTS AGE)."""
    return ok(kubeconfig, ns, "get", "pod", name, "--no-headers").split()


def status_of(found: dict[str, Any], container: str, key: str = "containerStatuses") -> Any:
    (status,) = [s for s in found["status"].get(key, []) if s["name"] == container]
    return status


def docker_containers(
    client: docker.DockerClient, uid: str, container: str | None = None, *, running: bool = False
) -> list[Container]:
    """What `docker ps [-a] --filter label=io.kubernetes.pod.uid=<uid>` lists."""
    labels = [f"{LABEL_POD_UID}={uid}"]
    if container is not None:
        labels.append(f"{LABEL_CONTAINER_NAME}={container}")
    found: list[Container] = client.containers.list(all=not running, filters={"label": labels})
    return found


def docker_id(found: dict[str, Any], container: str) -> str:
    """The Docker id of the container's current attempt, from its `containerID`."""
    container_id: str = status_of(found, container)["containerID"]
    assert container_id.startswith("docker://"), container_id
    return container_id.removeprefix("docker://")


# --- the user story ----------------------------------------------------------------------


@pytest.fixture
def web(kubeconfig: Path, ns: str, tmp_path: Path, pod_image: str) -> dict[str, Any]:
    """The story's Pod `web`, applied and Ready."""
    apply(kubeconfig, ns, tmp_path, WEB, pod_image)
    return wait_ready(kubeconfig, ns, "web")


def test_an_applied_pod_becomes_ready(
    kubeconfig: Path, ns: str, tmp_path: Path, pod_image: str
) -> None:
    assert apply(kubeconfig, ns, tmp_path, WEB, pod_image).strip() == "pod/web created"
    found = wait_ready(kubeconfig, ns, "web")  # `pod/web condition met`
    assert found["status"]["phase"] == "Running"
    assert {c["type"]: c["status"] for c in found["status"]["conditions"]} == RUNNING_CONDITIONS
    for name in ("httpd", "sidecar"):
        status = status_of(found, name)
        assert (status["ready"], status["started"], status["restartCount"]) == (True, True, 0)
        assert set(status["state"]) == {"running"}
        assert status["image"] == pod_image
    assert found["status"]["qosClass"] == "BestEffort"


def test_kubectl_get_wide_shows_it_running_on_the_node(
    kubeconfig: Path, ns: str, web: dict[str, Any], node: str
) -> None:
    header, line = ok(kubeconfig, ns, "get", "pods", "-o", "wide").splitlines()
    assert header.split()[:7] == ["NAME", "READY", "STATUS", "RESTARTS", "AGE", "IP", "NODE"]
    cells = line.split()
    assert cells[:4] == ["web", "2/2", "Running", "0"]
    assert ipaddress.IPv4Address(cells[5]) in POD_SUBNET
    assert cells[5] == web["status"]["podIP"]
    assert cells[6] == node
    running = ok(kubeconfig, ns, "get", "pods", "--field-selector=status.phase=Running", "-o=name")
    assert running.split() == ["pod/web"]


def test_the_containers_share_localhost_and_the_empty_dir(
    kubeconfig: Path, ns: str, web: dict[str, Any]
) -> None:
    fetched = run(
        kubeconfig, ns, "exec", "web", "-c", "sidecar", "--", "wget", "-qO-", "http://localhost:80/"
    )
    assert (fetched.returncode, fetched.stdout, fetched.stderr) == (0, PAGE, "")


def test_kubectl_logs_shows_what_httpd_logged(
    kubeconfig: Path, ns: str, web: dict[str, Any]
) -> None:
    assert ok(kubeconfig, ns, "logs", "web", "-c", "httpd") == ""  # it has served nothing yet
    ok(kubeconfig, ns, "exec", "web", "-c", "sidecar", "--", "wget", "-qO-", "http://localhost/")

    def logged() -> str | None:
        shown = ok(kubeconfig, ns, "logs", "web", "-c", "httpd")
        return shown if "response:200" in shown else None

    lines = wait_until(logged, timeout=10, message="httpd's log of the request").splitlines()
    assert len(lines) == 1
    assert re.fullmatch(r"\[[0-9a-f:.]+\]:\d+: response:200", lines[0]), lines


def test_kubectl_describe_shows_containers_conditions_and_events(
    kubeconfig: Path, ns: str, web: dict[str, Any], node: str
) -> None:
    wanted = [
        f"Successfully assigned {ns}/web to {node}",
        "Created container: httpd",
        "Started container httpd",
        "Created container: sidecar",
        "Started container sidecar",
    ]

    def described() -> str | None:
        # The kubelet records its Events beside the status, not before it: they may trail.
        shown = ok(kubeconfig, ns, "describe", "pod", "web")
        return shown if all(message in shown for message in wanted) else None

    shown = wait_until(described, timeout=10, message="the Pod's Events in describe")
    lines = shown.splitlines()
    # The Pod's own fields are the unindented `Key:   value` lines.
    fields = dict(re.findall(r"^([A-Z][A-Za-z ]*):[ \t]+(\S.*)$", shown, re.MULTILINE))
    assert fields["Status"] == "Running"
    assert fields["Node"] == f"{node}/{web['status']['hostIP']}"
    assert fields["IP"] == web["status"]["podIP"]
    assert fields["QoS Class"] == "BestEffort"
    section = lines[lines.index("Containers:") + 1 : lines.index("Conditions:")]
    assert [line.strip(" :") for line in section if re.fullmatch(r"  \S+:", line)] == [
        "httpd",
        "sidecar",
    ]
    states = [line.split(":", 1)[1].strip() for line in section if line.startswith("    State:")]
    assert states == ["Running", "Running"]
    start = lines.index("Conditions:")
    assert lines[start + 1].split() == ["Type", "Status"]
    conditions = dict(line.split() for line in lines[start + 2 : start + 7])
    assert conditions == RUNNING_CONDITIONS
    start = lines.index("Events:")
    assert lines[start + 1].split() == ["Type", "Reason", "Age", "From", "Message"]
    reasons = [line.split()[1] for line in lines[start + 3 :] if line.strip()]
    assert {"Scheduled", "Created", "Started"} <= set(reasons)
    events = [line for line in lines[start + 3 :] if "Started container" in line]
    assert all(line.split()[:2] == ["Normal", "Started"] for line in events)
    assert all("kubelet" in line.split() for line in events)


def test_kubectl_delete_stops_it_and_removes_its_containers(
    kubeconfig: Path, ns: str, web: dict[str, Any], docker_client: docker.DockerClient
) -> None:
    uid = web["metadata"]["uid"]
    before = docker_containers(docker_client, uid, running=True)
    assert sorted(c.labels[LABEL_CONTAINER_NAME] for c in before) == ["POD", "httpd", "sidecar"]
    began = time.monotonic()
    deleted = run(kubeconfig, ns, "delete", "pod", "web")
    took = time.monotonic() - began
    assert deleted.returncode == 0, deleted.stderr
    assert deleted.stdout.strip() == f'pod "web" deleted from {ns} namespace'
    # httpd ignores SIGTERM (PID 1 without a handler) and is killed when the grace is over.
    assert took < WEB_GRACE_S + 5
    wait_until(
        lambda: docker_containers(docker_client, uid) == [],
        timeout=10,
        message="the Pod's Docker containers removed",
    )
    gone = run(kubeconfig, ns, "get", "pod", "web")
    assert gone.returncode == 1
    assert gone.stderr.strip() == 'Error from server (NotFound): pods "web" not found'

    def killing() -> set[str] | None:
        listed = json.loads(ok(kubeconfig, ns, "get", "events", "-o", "json"))["items"]
        said = {e["message"] for e in listed if e["reason"] == "Killing"}
        return said if len(said) == 2 else None

    assert wait_until(killing, timeout=10, message="the Killing events") == {
        "Stopping container httpd",
        "Stopping container sidecar",
    }


# --- the environment ---------------------------------------------------------------------

SOURCES = """\
apiVersion: v1
kind: ConfigMap
metadata: {name: settings}
data: {color: blue, size: large}
---
apiVersion: v1
kind: Secret
metadata: {name: creds}
stringData: {user: admin, password: s3cret}
"""
ENV = app_pod(
    "env",
    '[sh, -c, "env; exec sleep 3600"]',
    container="""\
    env:
    - {name: GREETING, value: hello}
    - {name: PHRASE, value: "$(GREETING) world"}
    - name: POD_NAME
      valueFrom: {fieldRef: {fieldPath: metadata.name}}
    - name: POD_NAMESPACE
      valueFrom: {fieldRef: {fieldPath: metadata.namespace}}
    - name: POD_IP
      valueFrom: {fieldRef: {fieldPath: status.podIP}}
    - name: COLOR
      valueFrom: {configMapKeyRef: {name: settings, key: color}}
    - name: PASSWORD
      valueFrom: {secretKeyRef: {name: creds, key: password}}
    envFrom:
    - {prefix: CFG_, configMapRef: {name: settings}}
    - {prefix: SEC_, secretRef: {name: creds}}
""",
)


def environment(kubeconfig: Path, ns: str, name: str) -> dict[str, str]:
    """The environment the Pod's container printed with `env`, from `kubectl logs`."""
    printed = ok(kubeconfig, ns, "logs", name)
    return dict(line.split("=", 1) for line in printed.splitlines() if "=" in line)


def test_env_from_values_fields_configmaps_and_secrets(
    kubeconfig: Path, ns: str, tmp_path: Path, pod_image: str
) -> None:
    apply(kubeconfig, ns, tmp_path, SOURCES, pod_image)
    apply(kubeconfig, ns, tmp_path, ENV, pod_image)
    found = wait_ready(kubeconfig, ns, "env")
    expected = {
        "GREETING": "hello",
        "PHRASE": "hello world",  # $(GREETING) expanded
        "POD_NAME": "env",
        "POD_NAMESPACE": ns,
        "POD_IP": found["status"]["podIP"],
        "COLOR": "blue",
        "PASSWORD": "s3cret",
        "CFG_color": "blue",
        "CFG_size": "large",
        "SEC_user": "admin",
        "SEC_password": "s3cret",
        "HOSTNAME": "env",  # the Pod's name is its containers' host name
    }
    env = environment(kubeconfig, ns, "env")
    assert {key: env.get(key) for key in expected} == expected
    assert ipaddress.IPv4Address(env["POD_IP"]) in POD_SUBNET


MISSING_KEY = app_pod(
    "wants",
    '[sh, -c, "echo shade=$SHADE; exec sleep 3600"]',
    container="""\
    env:
    - name: SHADE
      valueFrom: {configMapKeyRef: {name: settings, key: shade}}
""",
)


def test_a_missing_configmap_key_holds_the_container_until_it_appears(
    kubeconfig: Path, ns: str, tmp_path: Path, pod_image: str
) -> None:
    apply(kubeconfig, ns, tmp_path, SOURCES, pod_image)
    apply(kubeconfig, ns, tmp_path, MISSING_KEY, pod_image)

    def held() -> dict[str, Any] | None:
        statuses = pod(kubeconfig, ns, "wants")["status"].get("containerStatuses") or [{}]
        waiting: dict[str, Any] | None = statuses[0].get("state", {}).get("waiting")
        return waiting if waiting and waiting.get("reason") != "ContainerCreating" else None

    waiting = wait_until(held, timeout=READY_TIMEOUT_S, message="the container held")
    assert waiting == {
        "reason": "CreateContainerConfigError",
        "message": f"couldn't find key shade in ConfigMap {ns}/settings",
    }
    assert row(kubeconfig, ns, "wants")[:3] == ["wants", "0/1", "CreateContainerConfigError"]

    patch = json.dumps({"data": {"shade": "teal"}})
    ok(kubeconfig, ns, "patch", "configmap", "settings", "--type=merge", "-p", patch)
    wait_ready(kubeconfig, ns, "wants")
    assert ok(kubeconfig, ns, "logs", "wants") == "shade=teal\n"
    assert row(kubeconfig, ns, "wants")[:4] == ["wants", "1/1", "Running", "0"]


# --- configMap and secret volumes --------------------------------------------------------

FILES = """\
apiVersion: v1
kind: ConfigMap
metadata: {name: settings}
data:
  color: blue
  app.conf: "port=80\\n"
---
apiVersion: v1
kind: Secret
metadata: {name: creds}
stringData: {password: s3cret}
"""
VOLUMES = app_pod(
    "files",
    '[sleep, "3600"]',
    container="""\
    volumeMounts:
    - {name: config, mountPath: /etc/config}
    - {name: picked, mountPath: /etc/picked}
    - {name: creds, mountPath: /etc/creds, readOnly: true}
""",
    spec="""\
  volumes:
  - name: config
    configMap: {name: settings}
  - name: picked
    configMap:
      name: settings
      defaultMode: 0600
      items:
      - {key: app.conf, path: conf/app.conf}
      - {key: color, path: colour, mode: 0640}
  - name: creds
    secret: {secretName: creds, defaultMode: 0400}
""",
)


def test_configmap_and_secret_volumes_hold_their_files(
    kubeconfig: Path, ns: str, tmp_path: Path, pod_image: str
) -> None:
    apply(kubeconfig, ns, tmp_path, FILES, pod_image)
    apply(kubeconfig, ns, tmp_path, VOLUMES, pod_image)
    wait_ready(kubeconfig, ns, "files")

    def sh(script: str) -> str:
        return ok(kubeconfig, ns, "exec", "files", "--", "sh", "-c", script)

    assert sh("ls /etc/config; cat /etc/config/color /etc/config/app.conf") == (
        "app.conf\ncolor\nblueport=80\n"
    )
    assert sh("ls /etc/picked /etc/picked/conf; cat /etc/picked/colour") == (
        "/etc/picked:\ncolour\nconf\n\n/etc/picked/conf:\napp.conf\nblue"
    )
    assert sh("cat /etc/creds/password") == "s3cret"
    # The files are links into `..data`: stat what they point at.
    modes = sh(
        "stat -L -c '%n %a' /etc/config/color /etc/picked/conf/app.conf /etc/picked/colour "
        "/etc/creds/password"
    )
    assert modes.splitlines() == [
        "/etc/config/color 644",
        "/etc/picked/conf/app.conf 600",
        "/etc/picked/colour 640",
        "/etc/creds/password 400",
    ]
    # The kubelet updates a configMap volume in place (not a subPath one).
    apply(kubeconfig, ns, tmp_path, FILES.replace("color: blue", "color: green"), pod_image)

    def updated() -> str | None:
        shown = sh("cat /etc/config/color /etc/picked/colour")
        return shown if shown == "greengreen" else None

    wait_until(updated, timeout=30, interval=0.5, message="the volume's files updated")
    assert sh("cat /etc/config/app.conf") == "port=80\n"


# --- restartPolicy -----------------------------------------------------------------------


def exiting(policy: str, code: int) -> str:
    """A Pod `crash` that says it is exiting, then exits `code`, under `policy`."""
    command = f'[sh, -c, "echo exiting with {code}; exit {code}"]'
    return app_pod("crash", command, spec=f"  restartPolicy: {policy}\n")


def test_a_container_that_fails_under_always_is_restarted(
    kubeconfig: Path, ns: str, tmp_path: Path, pod_image: str
) -> None:
    apply(kubeconfig, ns, tmp_path, exiting("Always", 1), pod_image)

    def restarted() -> dict[str, Any] | None:
        statuses = pod(kubeconfig, ns, "crash")["status"].get("containerStatuses") or [{}]
        status: dict[str, Any] = statuses[0]
        return status if status.get("restartCount", 0) >= 1 else None

    status = wait_until(restarted, timeout=READY_TIMEOUT_S, message="a restart")
    terminated = status["lastState"]["terminated"]
    assert (terminated["exitCode"], terminated["reason"]) == (1, "Error")
    cells = row(kubeconfig, ns, "crash")
    # Between attempts upstream's printer shows the last exit or the back-off.
    assert cells[2] in {"Running", "Error", "CrashLoopBackOff"}
    assert int(cells[3]) >= 1  # RESTARTS, then "(<age> ago)"
    assert ok(kubeconfig, ns, "logs", "crash", "--previous") == "exiting with 1\n"
    assert ok(kubeconfig, ns, "get", "pod", "crash", "-o", "jsonpath={.status.phase}") == "Running"


@pytest.mark.parametrize(
    ("code", "phase", "shown", "reason", "unready"),
    [
        pytest.param(
            0, "Succeeded", "Completed", "Completed", "PodCompleted", id="exit-0-succeeded"
        ),
        # GenerateContainersReadyCondition: a Failed Pod's containers are PodFailed.
        pytest.param(3, "Failed", "Error", "Error", "PodFailed", id="exit-3-failed"),
    ],
)
def test_a_pod_that_never_restarts_ends_with_its_exit(
    kubeconfig: Path,
    ns: str,
    tmp_path: Path,
    pod_image: str,
    code: int,
    phase: str,
    shown: str,
    reason: str,
    unready: str,
) -> None:
    apply(kubeconfig, ns, tmp_path, exiting("Never", code), pod_image)
    found = wait_for(kubeconfig, ns, "crash", f"jsonpath={{.status.phase}}={phase}")
    status = status_of(found, "app")
    terminated = status["state"]["terminated"]
    assert (terminated["exitCode"], terminated["reason"]) == (code, reason)
    assert terminated["startedAt"] <= terminated["finishedAt"]
    assert (status["restartCount"], status["ready"], status["lastState"]) == (0, False, {})
    assert row(kubeconfig, ns, "crash")[:4] == ["crash", "0/1", shown, "0"]
    assert ok(kubeconfig, ns, "logs", "crash") == f"exiting with {code}\n"
    conditions = {c["type"]: c for c in found["status"]["conditions"]}
    assert conditions["Ready"]["status"] == "False"
    assert conditions["Ready"]["reason"] == unready


# --- init containers ---------------------------------------------------------------------

INIT = app_pod(
    "init",
    '[sh, -c, "cat /work/order; exec sleep 3600"]',
    spec="""\
  initContainers:
  - name: first
    image: IMAGE
    command: [sh, -c, "sleep 1; echo first >> /work/order"]
    volumeMounts: [{name: work, mountPath: /work}]
  - name: second
    image: IMAGE
    command: [sh, -c, "echo second >> /work/order"]
    volumeMounts: [{name: work, mountPath: /work}]
  volumes:
  - {name: work, emptyDir: {}}
""",
    container="    volumeMounts: [{name: work, mountPath: /work}]\n",
)


def test_init_containers_run_in_order_before_the_app(
    kubeconfig: Path, ns: str, tmp_path: Path, pod_image: str
) -> None:
    apply(kubeconfig, ns, tmp_path, INIT, pod_image)
    found = wait_ready(kubeconfig, ns, "init")
    # The first sleeps before it writes: had the second not waited for it, it would be first.
    assert ok(kubeconfig, ns, "logs", "init", "-c", "app") == "first\nsecond\n"
    statuses = found["status"]["initContainerStatuses"]
    assert [s["name"] for s in statuses] == ["first", "second"]
    for status in statuses:
        terminated = status["state"]["terminated"]
        assert (terminated["exitCode"], terminated["reason"]) == (0, "Completed")
        assert status["restartCount"] == 0
    first, second = (s["state"]["terminated"] for s in statuses)
    assert first["finishedAt"] <= second["startedAt"]
    assert status_of(found, "app")["state"]["running"]["startedAt"] >= second["finishedAt"]
    assert row(kubeconfig, ns, "init")[:4] == ["init", "1/1", "Running", "0"]


# --- self-heal ---------------------------------------------------------------------------


def sleeper(name: str, grace: int = 1) -> str:
    return app_pod(name, '[sleep, "3600"]', grace=grace)


def wait_new_attempt(kubeconfig: Path, ns: str, name: str, old_id: str) -> dict[str, Any]:
    """Wait for the app container to run Ready again in a Docker container other than
    `old_id`; the Pod then."""

    def again() -> dict[str, Any] | None:
        found = pod(kubeconfig, ns, name)
        statuses = found["status"].get("containerStatuses") or [{}]
        status = statuses[0]
        fresh = status.get("containerID") not in (None, f"docker://{old_id}")
        running = "running" in status.get("state", {})
        return found if fresh and running and status.get("ready") else None

    return wait_until(again, timeout=READY_TIMEOUT_S, message="a new attempt running")


def heal(
    kubeconfig: Path,
    ns: str,
    tmp_path: Path,
    image: str,
    client: docker.DockerClient,
    act: Callable[[Container], None],
) -> tuple[str, dict[str, Any]]:
    """Run a Pod `heal`, `act` on its app's Docker container behind mcp's back, and wait
    for a new attempt to run in the same sandbox (its IP unchanged), the one Docker shows
    running. The old attempt's Docker id, and the Pod healed."""
    apply(kubeconfig, ns, tmp_path, sleeper("heal"), image)
    found = wait_ready(kubeconfig, ns, "heal")
    old_id = docker_id(found, "app")
    (running,) = docker_containers(client, found["metadata"]["uid"], "app", running=True)
    assert running.id == old_id
    act(running)
    healed = wait_new_attempt(kubeconfig, ns, "heal", old_id)
    assert healed["status"]["podIP"] == found["status"]["podIP"]
    (now,) = docker_containers(client, found["metadata"]["uid"], "app", running=True)
    assert now.id == docker_id(healed, "app")
    assert row(kubeconfig, ns, "heal")[:3] == ["heal", "1/1", "Running"]
    return old_id, healed


def test_a_killed_container_is_run_again(
    kubeconfig: Path, ns: str, tmp_path: Path, pod_image: str, docker_client: docker.DockerClient
) -> None:
    old_id, healed = heal(kubeconfig, ns, tmp_path, pod_image, docker_client, Container.kill)
    status = status_of(healed, "app")  # `docker kill` sends SIGKILL
    assert status["restartCount"] == 1
    terminated = status["lastState"]["terminated"]
    assert (terminated["exitCode"], terminated["reason"]) == (137, "Error")
    assert terminated["containerID"] == f"docker://{old_id}"
    assert row(kubeconfig, ns, "heal")[3] == "1"


def test_a_removed_container_is_run_again(
    kubeconfig: Path, ns: str, tmp_path: Path, pod_image: str, docker_client: docker.DockerClient
) -> None:
    def remove(container: Container) -> None:
        container.remove(force=True)  # `docker rm -f`

    _, healed = heal(kubeconfig, ns, tmp_path, pod_image, docker_client, remove)
    # The attempt Docker lost still counts: the kubelet counts on (from its logs), not from 0.
    assert status_of(healed, "app")["restartCount"] >= 1


# --- forced delete -----------------------------------------------------------------------


def test_a_forced_delete_is_at_once_and_its_containers_go_soon_after(
    kubeconfig: Path, ns: str, tmp_path: Path, pod_image: str, docker_client: docker.DockerClient
) -> None:
    # A grace a graceful delete would wait out: `sleep` as PID 1 ignores SIGTERM.
    apply(kubeconfig, ns, tmp_path, sleeper("x", grace=30), pod_image)
    uid = wait_ready(kubeconfig, ns, "x")["metadata"]["uid"]
    running = docker_containers(docker_client, uid, running=True)
    assert sorted(c.labels[LABEL_CONTAINER_NAME] for c in running) == ["POD", "app"]
    began = time.monotonic()
    forced = run(kubeconfig, ns, "delete", "pod", "x", "--grace-period=0", "--force")
    assert forced.returncode == 0, forced.stderr
    assert forced.stdout.strip() == f'pod "x" force deleted from {ns} namespace'
    assert time.monotonic() - began < 10
    gone = run(kubeconfig, ns, "get", "pod", "x")
    assert gone.stderr.strip() == 'Error from server (NotFound): pods "x" not found'
    wait_until(
        lambda: docker_containers(docker_client, uid) == [],
        timeout=30,
        message="the Pod's Docker containers removed",
    )


# --- the Python client -------------------------------------------------------------------


PRINTER = app_pod("py", '[sh, -c, "echo from python; exec sleep 3600"]')


def test_the_python_client_parses_a_running_pod_and_reads_its_logs(
    kubeconfig: Path, ns: str, tmp_path: Path, pod_image: str, core_api: Any, node: str
) -> None:
    apply(kubeconfig, ns, tmp_path, PRINTER, pod_image)
    wait_ready(kubeconfig, ns, "py")
    (listed,) = core_api.list_namespaced_pod(ns).items
    status = listed.status
    assert status.phase == "Running"
    assert ipaddress.IPv4Address(status.pod_ip) in POD_SUBNET
    assert [ip.ip for ip in status.pod_ips] == [status.pod_ip]
    assert {c.type: c.status for c in status.conditions} == RUNNING_CONDITIONS
    assert all(isinstance(c.last_transition_time, datetime) for c in status.conditions)
    assert isinstance(status.start_time, datetime)
    (container,) = status.container_statuses
    assert (container.name, container.ready, container.restart_count) == ("app", True, 0)
    assert container.container_id.startswith("docker://")
    assert container.image == pod_image
    started = container.state.running.started_at
    assert isinstance(started, datetime)
    assert started.tzinfo is not None
    assert started >= status.start_time
    assert status.qos_class == "BestEffort"
    addresses = core_api.read_node(node).status.addresses or []
    internal = [a.address for a in addresses if a.type == "InternalIP"]
    if internal:  # the kubelet's hostIP is the Node's InternalIP
        assert status.host_ip == internal[0]
    else:
        assert status.host_ip
    assert core_api.read_namespaced_pod_log("py", ns, container="app") == "from python\n"


ELSEWHERE = """\
apiVersion: v1
kind: Pod
metadata:
  name: elsewhere
spec:
  nodeName: node-b
  containers:
  - name: app
    image: IMAGE
    command: [sleep, "3600"]
"""


def test_a_pod_bound_to_another_node_stays_pending_saying_why(
    kubeconfig: Path,
    ns: str,
    tmp_path: Path,
    pod_image: str,
    node: str,
    docker_client: docker.DockerClient,
) -> None:
    apply(kubeconfig, ns, tmp_path, ELSEWHERE, pod_image)
    found = wait_for(kubeconfig, ns, "elsewhere", "jsonpath={.status.reason}=NodeNotFound")
    message = f'node "node-b" does not exist: mcp runs Pods on its one node "{node}"'
    assert (found["status"]["phase"], found["status"]["message"]) == ("Pending", message)
    (scheduled,) = found["status"]["conditions"]
    assert (scheduled["type"], scheduled["status"], scheduled["message"]) == (
        "PodScheduled",
        "False",
        message,
    )
    assert row(kubeconfig, ns, "elsewhere")[1:3] == ["0/1", "NodeNotFound"]
    assert docker_containers(docker_client, found["metadata"]["uid"]) == []  # nothing here
    # Deleted, nobody else would finish it: mcp does at once.
    done = run(kubeconfig, ns, "delete", "pod", "elsewhere", "--timeout=10s")
    assert done.returncode == 0, done.stderr
