"""`kubectl logs` and the Python client's `read_namespaced_pod_log` against one real
`mcp run` shared by the module, reading real Docker containers.

No engine runs Pods yet, so each test applies its Pods with kubectl and makes by hand, with
docker-py, the Docker containers the engine would make for them: named and labelled as
`mcp.sandbox` says (this run's cluster id, the Pod's uid), attempt 0 and, for `--previous`,
attempt 1. Each test works in a namespace of its own and removes the containers it made.
"""

from __future__ import annotations

import json
import re
import secrets
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import docker
import httpx
import kubernetes
import pytest
from docker.models.containers import Container
from support.launcher import McpLauncher
from support.polling import wait_until

from e2e.test_kubernetes_clients import kubectl
from e2e.test_kubernetes_pods import ok, run
from e2e.test_pods_running import core_api
from mcp.sandbox import PodRef, container_labels, container_name

pytestmark = pytest.mark.e2e

__all__ = ["core_api"]  # a fixture, used by name

# A pause between lines: Docker copies stdout and stderr apart, so only time orders them.
PRINT_THREE = "echo one; sleep 0.1; echo two >&2; sleep 0.1; echo three"

MakeContainer = Callable[..., Container]


@pytest.fixture(scope="module")
def kubeconfig(shared_launcher: McpLauncher) -> Path:
    return shared_launcher.data_dir / "kubeconfig"


@pytest.fixture(scope="module")
def cluster_id(shared_launcher: McpLauncher) -> str:
    (only,) = shared_launcher.cluster_ids()
    return only


@pytest.fixture
def ns(kubeconfig: Path) -> str:
    name = f"logs-{secrets.token_hex(4)}"
    made = kubectl(kubeconfig, "create", "namespace", name)
    assert made.returncode == 0, made.stderr
    return name


def apply_pod(
    kubeconfig: Path, ns: str, tmp_path: Path, name: str, containers: list[str], app: str = "web"
) -> PodRef:
    """Apply a Pod of busybox `containers` labelled `app=<app>`; its reference, uid too."""
    manifest = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "labels": {"app": app}},
        "spec": {"containers": [{"name": c, "image": "busybox"} for c in containers]},
    }
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(manifest))
    ok(kubeconfig, ns, "apply", "-f", str(path))
    uid = ok(kubeconfig, ns, "get", "pod", name, "-o", "jsonpath={.metadata.uid}")
    return PodRef(name, ns, uid)


@pytest.fixture
def make_container(
    docker_client: docker.DockerClient, busybox_image: str, cluster_id: str
) -> Iterator[MakeContainer]:
    """Make (and start) the Docker container of a Pod's container and attempt, running
    `script`; `wait` for it to exit. All removed at the end of the test."""
    made: list[Container] = []

    def make(
        pod: PodRef, container: str, attempt: int, script: str, *, wait: bool = True
    ) -> Container:
        started: Container = docker_client.containers.run(
            busybox_image,
            ["sh", "-c", script],
            name=container_name(pod, container, attempt),
            labels=container_labels(pod, container, cluster_id=cluster_id),
            detach=True,
        )
        made.append(started)
        if wait:
            started.wait(timeout=30)
        return started

    yield make
    for container in made:
        container.remove(force=True)


def test_kubectl_logs_a_container_with_its_options(
    kubeconfig: Path, ns: str, tmp_path: Path, make_container: MakeContainer
) -> None:
    pod = apply_pod(kubeconfig, ns, tmp_path, "web", ["app", "sidecar"])
    make_container(pod, "app", 0, PRINT_THREE)
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
    kubeconfig: Path, ns: str, tmp_path: Path, make_container: MakeContainer
) -> None:
    pod = apply_pod(kubeconfig, ns, tmp_path, "web", ["app"])
    make_container(pod, "app", 0, "echo a; sleep 3; echo b", wait=False)
    began = time.monotonic()
    followed = run(kubeconfig, ns, "logs", "-f", "web")
    assert followed.returncode == 0, followed.stderr
    assert followed.stdout == "a\nb\n"
    assert time.monotonic() - began > 1  # it waited for "b", then for the exit


def test_kubectl_logs_previous_reads_the_attempt_before(
    kubeconfig: Path, ns: str, tmp_path: Path, make_container: MakeContainer
) -> None:
    pod = apply_pod(kubeconfig, ns, tmp_path, "web", ["app", "sidecar"])
    make_container(pod, "app", 0, "echo old")
    make_container(pod, "app", 1, "echo new")
    make_container(pod, "sidecar", 0, "echo only")
    assert ok(kubeconfig, ns, "logs", "web", "-c", "app") == "new\n"
    assert ok(kubeconfig, ns, "logs", "web", "-c", "app", "--previous") == "old\n"
    refused = run(kubeconfig, ns, "logs", "web", "-c", "sidecar", "--previous")
    assert refused.returncode == 1
    assert refused.stderr.strip() == (
        'Error from server (BadRequest): previous terminated container "sidecar" in pod "web" '
        "not found"
    )


def test_kubectl_logs_of_a_container_not_started_is_refused_as_upstream(
    kubeconfig: Path, ns: str, tmp_path: Path
) -> None:
    apply_pod(kubeconfig, ns, tmp_path, "web", ["app"])
    refused = run(kubeconfig, ns, "logs", "web")
    assert refused.returncode == 1
    assert refused.stderr.strip() == (
        'Error from server (BadRequest): container "app" in pod "web" is waiting to start: '
        "ContainerCreating"
    )


def test_kubectl_logs_by_label_over_two_pods(
    kubeconfig: Path, ns: str, tmp_path: Path, make_container: MakeContainer
) -> None:
    for name in ("web-1", "web-2"):
        pod = apply_pod(kubeconfig, ns, tmp_path, name, ["app"], app="x")
        make_container(pod, "app", 0, f"echo hello from {name}")
    apply_pod(kubeconfig, ns, tmp_path, "other", ["app"], app="y")  # not selected: not read
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
    kubeconfig: Path, ns: str, tmp_path: Path, make_container: MakeContainer
) -> None:
    pod = apply_pod(kubeconfig, ns, tmp_path, "web", ["app", "sidecar"])
    make_container(pod, "app", 0, "echo serving; echo done")
    make_container(pod, "sidecar", 0, "echo watching")
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
    core_api: Any, kubeconfig: Path, ns: str, tmp_path: Path, make_container: MakeContainer
) -> None:
    pod = apply_pod(kubeconfig, ns, tmp_path, "web", ["app", "sidecar"])
    make_container(pod, "app", 0, PRINT_THREE)
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
    core_api: Any, kubeconfig: Path, ns: str, tmp_path: Path, make_container: MakeContainer
) -> None:
    pod = apply_pod(kubeconfig, ns, tmp_path, "web", ["app"])
    script = "for i in 1 2 3 4 5; do echo tick $i; sleep 0.4; done"
    make_container(pod, "app", 0, script, wait=False)
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
    make_container: MakeContainer,
) -> None:
    pod = apply_pod(kubeconfig, ns, tmp_path, "web", ["app"])
    make_container(pod, "app", 0, "echo ready; sleep 600", wait=False)
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
