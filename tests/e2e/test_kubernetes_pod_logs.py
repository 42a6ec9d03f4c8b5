"""`kubectl logs` and the Python client's `read_namespaced_pod_log` against one real
`mcp run` shared by the module, reading the Docker containers its engine runs.

Each test applies its Pods with kubectl, each container a shell script of the local image
`mcp-test/pod:1`, and waits for them as a user does (`kubectl wait`): for a Pod that ran
to its end (`restartPolicy: Never`, phase Succeeded) when every line must be in the log, or
Ready when the test follows a log that is still being written. `--previous` reads the
attempt before a real restart: the container ends once, the kubelet runs it again, and the
second attempt says so (an emptyDir keeps what the first left). A container the engine
cannot make yet (its configMap volume's ConfigMap is missing) has no log to read. Each test
works in a namespace of its own, deleted at its end.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import kubernetes
import pytest
from support.launcher import McpLauncher
from support.polling import wait_until

from e2e.test_kubernetes_pods import kubeconfig, ok, run
from e2e.test_pods_running import core_api, ns, pod, status_of, wait_for, wait_ready

pytestmark = pytest.mark.e2e

__all__ = ["core_api", "kubeconfig", "ns"]  # fixtures, used by name

# A pause between lines: Docker copies stdout and stderr apart, so only time orders them.
PRINT_THREE = "echo one; sleep 0.1; echo two >&2; sleep 0.1; echo three"


def manifest(
    name: str, scripts: dict[str, str], image: str, *, app: str = "web", restart: str = "Never"
) -> dict[str, Any]:
    """A Pod `name` labelled `app=<app>`, each container running its shell script; a short
    grace, so that deleting the namespace need not wait for a `sleep`."""
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "labels": {"app": app}},
        "spec": {
            "restartPolicy": restart,
            "terminationGracePeriodSeconds": 1,
            "containers": [
                {"name": container, "image": image, "command": ["sh", "-c", script]}
                for container, script in scripts.items()
            ],
        },
    }


def apply_pod(kubeconfig: Path, ns: str, tmp_path: Path, made: dict[str, Any]) -> None:
    path = tmp_path / f"{made['metadata']['name']}.json"
    path.write_text(json.dumps(made))
    ok(kubeconfig, ns, "apply", "-f", str(path))


def ran(kubeconfig: Path, ns: str, name: str) -> None:
    """Wait for the Pod `name` to have run to its end, every line logged."""
    wait_for(kubeconfig, ns, name, "jsonpath={.status.phase}=Succeeded")


def test_kubectl_logs_a_container_with_its_options(
    kubeconfig: Path, ns: str, tmp_path: Path, pod_image: str
) -> None:
    scripts = {"app": PRINT_THREE, "sidecar": "true"}
    apply_pod(kubeconfig, ns, tmp_path, manifest("web", scripts, pod_image))
    ran(kubeconfig, ns, "web")
    assert ok(kubeconfig, ns, "logs", "web", "-c", "app") == "one\ntwo\nthree\n"
    assert ok(kubeconfig, ns, "logs", "web", "-c", "app", "--tail=2") == "two\nthree\n"
    assert ok(kubeconfig, ns, "logs", "web", "-c", "app", "--since=1h") == "one\ntwo\nthree\n"
    assert ok(kubeconfig, ns, "logs", "web", "-c", "app", "--limit-bytes=6") == "one\ntw"
    stamped = ok(kubeconfig, ns, "logs", "web", "-c", "app", "--timestamps").splitlines()
    assert [line.split(" ", 1)[1] for line in stamped] == ["one", "two", "three"]
    for line in stamped:
        stamp = line.split(" ", 1)[0]
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z", stamp), line
        logged = datetime.fromisoformat(stamp[:26] + "+00:00")  # to the microsecond
        assert abs(datetime.now(UTC) - logged) < timedelta(minutes=5)
    # Without -c, kubectl picks the first container itself and says so.
    defaulted = run(kubeconfig, ns, "logs", "web")
    assert defaulted.returncode == 0, defaulted.stderr
    assert defaulted.stdout == "one\ntwo\nthree\n"
    assert 'Defaulted container "app" out of: app, sidecar' in defaulted.stderr


def test_kubectl_logs_follow_ends_when_the_container_exits(
    kubeconfig: Path, ns: str, tmp_path: Path, pod_image: str
) -> None:
    apply_pod(
        kubeconfig, ns, tmp_path, manifest("web", {"app": "echo a; sleep 3; echo b"}, pod_image)
    )
    wait_ready(kubeconfig, ns, "web")
    began = time.monotonic()
    followed = run(kubeconfig, ns, "logs", "-f", "web")
    assert followed.returncode == 0, followed.stderr
    assert followed.stdout == "a\nb\n"
    assert time.monotonic() - began > 1  # it waited for "b", then for the exit


# The first attempt leaves a mark in the Pod's emptyDir and ends; under `Always` the
# kubelet runs the container again, and the second attempt finds the mark.
RESTARTED = "if [ -e /state/ran ]; then echo new; exec sleep 3600; fi; touch /state/ran; echo old"


def test_kubectl_logs_previous_reads_the_attempt_before(
    kubeconfig: Path, ns: str, tmp_path: Path, pod_image: str
) -> None:
    scripts = {"app": RESTARTED, "sidecar": "echo only; exec sleep 3600"}
    made = manifest("web", scripts, pod_image, restart="Always")
    made["spec"]["volumes"] = [{"name": "state", "emptyDir": {}}]
    made["spec"]["containers"][0]["volumeMounts"] = [{"name": "state", "mountPath": "/state"}]
    apply_pod(kubeconfig, ns, tmp_path, made)

    def restarted() -> dict[str, Any] | None:
        statuses = pod(kubeconfig, ns, "web")["status"].get("containerStatuses") or []
        app = [s for s in statuses if s["name"] == "app" and "running" in s["state"]]
        return app[0] if app and app[0]["restartCount"] >= 1 else None

    status = wait_until(restarted, timeout=30, message="the app container run again")
    assert status["restartCount"] == 1
    assert status["lastState"]["terminated"]["exitCode"] == 0

    def logged() -> str | None:
        shown = ok(kubeconfig, ns, "logs", "web", "-c", "app")
        return shown or None

    assert wait_until(logged, timeout=10, message="the second attempt's log") == "new\n"
    assert ok(kubeconfig, ns, "logs", "web", "-c", "app", "--previous") == "old\n"
    assert status_of(pod(kubeconfig, ns, "web"), "sidecar")["restartCount"] == 0
    refused = run(kubeconfig, ns, "logs", "web", "-c", "sidecar", "--previous")
    assert refused.returncode == 1
    assert refused.stderr.strip() == (
        'Error from server (BadRequest): previous terminated container "sidecar" in pod "web" '
        "not found"
    )


def test_kubectl_logs_of_a_container_not_started_is_refused_as_upstream(
    kubeconfig: Path, ns: str, tmp_path: Path, pod_image: str
) -> None:
    # The kubelet makes no container before its volumes are set up, and a configMap volume
    # of a ConfigMap that does not exist cannot be: the container waits, ContainerCreating.
    made = manifest("web", {"app": "echo never"}, pod_image)
    made["spec"]["volumes"] = [{"name": "config", "configMap": {"name": "missing"}}]
    made["spec"]["containers"][0]["volumeMounts"] = [{"name": "config", "mountPath": "/config"}]
    apply_pod(kubeconfig, ns, tmp_path, made)

    def failed_mount() -> list[str] | None:
        listed = json.loads(ok(kubeconfig, ns, "get", "events", "-o", "json"))["items"]
        said = [e["message"] for e in listed if e["reason"] == "FailedMount"]
        return said or None

    assert wait_until(failed_mount, timeout=30, message="the FailedMount event") == [
        'MountVolume.SetUp failed for volume "config" : configmap "missing" not found'
    ]
    refused = run(kubeconfig, ns, "logs", "web")
    assert refused.returncode == 1
    assert refused.stderr.strip() == (
        'Error from server (BadRequest): container "app" in pod "web" is waiting to start: '
        "ContainerCreating"
    )


def test_kubectl_logs_by_label_over_two_pods(
    kubeconfig: Path, ns: str, tmp_path: Path, pod_image: str
) -> None:
    for name, app in (("web-1", "x"), ("web-2", "x"), ("other", "y")):  # other: not selected
        made = manifest(name, {"app": f"echo hello from {name}"}, pod_image, app=app)
        apply_pod(kubeconfig, ns, tmp_path, made)
    for name in ("web-1", "web-2", "other"):
        ran(kubeconfig, ns, name)
    assert sorted(ok(kubeconfig, ns, "logs", "-l", "app=x").splitlines()) == [
        "hello from web-1",
        "hello from web-2",
    ]
    prefixed = [
        "[pod/web-1/app] hello from web-1",
        "[pod/web-2/app] hello from web-2",
    ]
    assert sorted(ok(kubeconfig, ns, "logs", "-l", "app=x", "--prefix").splitlines()) == prefixed
    # Following both at once (kubectl reads them in parallel): each ends as its container has.
    followed = ok(kubeconfig, ns, "logs", "-f", "-l", "app=x", "--prefix")
    assert sorted(followed.splitlines()) == prefixed


def test_kubectl_logs_all_containers_with_prefixes(
    kubeconfig: Path, ns: str, tmp_path: Path, pod_image: str
) -> None:
    scripts = {"app": "echo serving; echo done", "sidecar": "echo watching"}
    apply_pod(kubeconfig, ns, tmp_path, manifest("web", scripts, pod_image))
    ran(kubeconfig, ns, "web")
    shown = ok(kubeconfig, ns, "logs", "web", "--all-containers", "--prefix")
    assert sorted(shown.splitlines()) == [
        "[pod/web/app] done",
        "[pod/web/app] serving",
        "[pod/web/sidecar] watching",
    ]


def refusal(call: Callable[[], Any]) -> tuple[int, str]:
    with pytest.raises(kubernetes.client.ApiException) as refused:
        call()
    body = refused.value.body
    assert body is not None
    return refused.value.status, json.loads(body)["message"]


def test_the_python_client_reads_logs_and_its_refusals(
    core_api: Any, kubeconfig: Path, ns: str, tmp_path: Path, pod_image: str
) -> None:
    scripts = {"app": PRINT_THREE, "sidecar": "true"}
    apply_pod(kubeconfig, ns, tmp_path, manifest("web", scripts, pod_image))
    ran(kubeconfig, ns, "web")
    read = core_api.read_namespaced_pod_log
    assert read("web", ns, container="app") == "one\ntwo\nthree\n"
    assert read("web", ns, container="app", tail_lines=1) == "three\n"
    assert read("web", ns, container="app", since_seconds=3600) == "one\ntwo\nthree\n"
    assert refusal(lambda: read("web", ns)) == (
        400,
        "a container name must be specified for pod web, choose one of: [app sidecar]",
    )
    assert refusal(lambda: read("web", ns, container="x")) == (
        400,
        "container x is not valid for pod web",
    )
    assert refusal(lambda: read("web", ns, container="app", limit_bytes=0)) == (
        422,
        'PodLogOptions "web" is invalid: limitBytes: Invalid value: 0: must be greater than 0',
    )
    assert refusal(lambda: read("nope", ns, container="app")) == (404, 'pods "nope" not found')


def test_the_python_client_streams_a_follow(
    core_api: Any, kubeconfig: Path, ns: str, tmp_path: Path, pod_image: str
) -> None:
    # The first tick after a pause: the follow begins before it, once the Pod is Ready.
    script = "sleep 2; for i in 1 2 3 4 5; do echo tick $i; sleep 0.4; done"
    apply_pod(kubeconfig, ns, tmp_path, manifest("web", {"app": script}, pod_image))
    wait_ready(kubeconfig, ns, "web")
    response = core_api.read_namespaced_pod_log(
        "web", ns, follow=True, timestamps=True, _preload_content=False
    )
    arrivals = []
    try:
        for line in response:
            arrivals.append((time.monotonic(), line.decode().rstrip("\n").split(" ", 1)[1]))
    finally:
        response.release_conn()
    assert [text for _, text in arrivals] == [f"tick {i}" for i in range(1, 6)]
    assert arrivals[-1][0] - arrivals[0][0] > 1  # each line as it was logged, not at the end


def test_a_client_leaving_a_follow_ends_its_stream(
    shared_launcher: McpLauncher,
    kubeconfig: Path,
    ns: str,
    tmp_path: Path,
    pod_image: str,
) -> None:
    apply_pod(
        kubeconfig, ns, tmp_path, manifest("web", {"app": "echo ready; sleep 600"}, pod_image)
    )
    wait_ready(kubeconfig, ns, "web")
    url = shared_launcher.processes[0].url
    path = f"/api/v1/namespaces/{ns}/pods/web/log"

    def open_streams() -> int:
        metrics = httpx.get(f"{url}/metrics", timeout=10).text
        (value,) = re.findall(r"^mcp_log_streams (\S+)$", metrics, re.MULTILINE)
        return int(float(value))

    with httpx.Client(base_url=url, timeout=30) as client:
        with client.stream("GET", path, params={"follow": "true"}) as streamed:
            assert streamed.status_code == 200
            assert streamed.headers["content-type"] == "text/plain"
            assert streamed.headers["transfer-encoding"] == "chunked"
            chunks = streamed.iter_raw()  # held: a generator dropped closes the connection
            assert next(chunks) == b"ready\n"
            assert open_streams() == 1
        # The client left: mcp's stream and its thread end, Docker's container runs on.
        wait_until(lambda: open_streams() == 0, timeout=10, message="the stream to end")
        assert client.get(path).text == "ready\n"
