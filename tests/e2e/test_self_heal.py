"""Drift by hand, healed by Docker's events: `docker kill`, `stop`, `rm -f` and `start`
behind mcp's back. The resync is set to an hour, so only the event stream can explain
the repair."""

from __future__ import annotations

from collections.abc import Iterator

import docker
import httpx
import pytest
from support.api import SLEEPER, unique_name
from support.launcher import McpLauncher
from support.polling import wait_until

pytestmark = pytest.mark.e2e

HEAL_TIMEOUT_S = 20.0  # generous: convergence is the point, speed is the benchmark's


@pytest.fixture
def api(mcp_launcher: McpLauncher) -> Iterator[httpx.Client]:
    mcp = mcp_launcher.start(extra_args=["--resync-interval", "3600"])
    with httpx.Client(base_url=mcp.url, timeout=60) as client:
        yield client


def create(api: httpx.Client, image: str, state: str = "running") -> str:
    name = unique_name("heal")
    body = {"metadata": {"name": name}, "spec": {"image": image, "args": SLEEPER, "state": state}}
    response = api.post("/api/v1/containers", json=body, params={"wait": "20"})
    assert response.status_code == 201, response.text
    return name


def docker_state(client: docker.DockerClient, name: str) -> str | None:
    try:
        return str(client.api.inspect_container(f"mcp-{name}")["State"]["Status"])
    except docker.errors.NotFound:
        return None


@pytest.mark.parametrize("how", ["kill", "stop", "rm"])
def test_a_container_that_should_run_comes_back(
    api: httpx.Client, docker_client: docker.DockerClient, busybox_image: str, how: str
) -> None:
    name = create(api, busybox_image)
    before = docker_client.api.inspect_container(f"mcp-{name}")["Id"]
    if how == "kill":
        docker_client.api.kill(f"mcp-{name}")
    elif how == "stop":
        docker_client.api.stop(f"mcp-{name}", timeout=1)
    else:
        docker_client.api.remove_container(f"mcp-{name}", force=True)
    wait_until(
        lambda: docker_state(docker_client, name) == "running",
        timeout=HEAL_TIMEOUT_S,
        message=f"mcp-{name} running again after docker {how}",
    )
    after = docker_client.api.inspect_container(f"mcp-{name}")["Id"]
    assert (after == before) is (how != "rm")  # restarted in place, or recreated
    status = api.get(f"/api/v1/containers/{name}").json()["status"]
    if how != "rm":
        # A kill or stop behind mcp's back counts as an exit for the restart policy.
        wait_until(
            lambda: api.get(f"/api/v1/containers/{name}").json()["status"]["restartCount"] == 1,
            timeout=HEAL_TIMEOUT_S,
            message="restartCount 1",
        )
    assert status["phase"] in ("Running", "Failed")
    labelled = docker_client.containers.list(all=True, filters={"label": f"mcp.name={name}"})
    assert len(labelled) == 1  # never a duplicate


def test_a_container_that_should_be_stopped_is_stopped_again(
    api: httpx.Client, docker_client: docker.DockerClient, busybox_image: str
) -> None:
    name = create(api, busybox_image, state="stopped")
    docker_client.api.start(f"mcp-{name}")
    wait_until(
        lambda: docker_state(docker_client, name) == "exited",
        timeout=HEAL_TIMEOUT_S,
        message=f"mcp-{name} stopped again after docker start",
    )
