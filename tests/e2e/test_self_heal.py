"""Drift by hand, healed by Docker's events: `docker kill`, `stop`, `rm -f` and `start`
behind mcp's back. The resync is set to an hour, so only the event stream can explain
the repair."""

from __future__ import annotations

import re
import socket
import time
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


def test_a_crash_looping_container_backs_off_on_schedule(
    api: httpx.Client, busybox_image: str
) -> None:
    name = unique_name("crash")
    body = {
        "metadata": {"name": name},
        "spec": {
            "image": busybox_image,
            "command": ["sh", "-c", "exit 3"],
            # Milliseconds instead of Kubernetes' 10 s doubling to 300 s.
            "restartBackoff": {"baseSeconds": 0.5, "capSeconds": 2, "resetSeconds": 600},
        },
    }
    assert api.post("/api/v1/containers", json=body).status_code == 201

    def backoffs() -> list[str]:
        items = api.get(f"/api/v1/containers/{name}/events").json()["items"]
        return sorted(
            {item["message"].split()[1] for item in items if item["reason"] == "BackOff"},
            key=lambda delay: float(delay.rstrip("s")),
        )

    wait_until(
        lambda: backoffs() == ["0.5s", "1s", "2s"],
        timeout=60,
        message="back-off steps of 0.5 s, 1 s, then the 2 s cap",
    )
    status = api.get(f"/api/v1/containers/{name}").json()["status"]
    assert status["restartCount"] >= 3
    assert status["exitCode"] == 3
    # Asking for it to stop ends the loop: no restart after that.
    stop = api.patch(
        f"/api/v1/containers/{name}",
        json={"spec": {"state": "stopped"}},
        headers={"content-type": "application/merge-patch+json"},
        params={"wait": "20"},
    )
    assert stop.status_code == 200, stop.text
    count = stop.json()["status"]["restartCount"]
    assert stop.json()["status"]["phase"] == "Stopped"
    time.sleep(3)  # longer than the 2 s cap: a loop still going would have restarted
    assert api.get(f"/api/v1/containers/{name}").json()["status"]["restartCount"] == count


def events_of(api: httpx.Client, name: str) -> list[dict[str, object]]:
    response = api.get(f"/api/v1/containers/{name}/events")
    assert response.status_code == 200, response.text
    items: list[dict[str, object]] = response.json()["items"]
    return items


def test_a_paused_container_that_should_run_is_unpaused(
    api: httpx.Client, docker_client: docker.DockerClient, busybox_image: str
) -> None:
    """`docker pause` is drift: it was reported as Running for minutes."""
    name = create(api, busybox_image)
    before = docker_client.api.inspect_container(f"mcp-{name}")["Id"]

    docker_client.api.pause(f"mcp-{name}")

    wait_until(
        lambda: docker_state(docker_client, name) == "running",
        timeout=HEAL_TIMEOUT_S,
        message=f"mcp-{name} unpaused",
    )
    assert docker_client.api.inspect_container(f"mcp-{name}")["Id"] == before  # the same one
    wait_until(
        lambda: any(event["reason"] == "Unpaused" for event in events_of(api, name)),
        timeout=HEAL_TIMEOUT_S,
        message="an Unpaused event",
    )
    status = api.get(f"/api/v1/containers/{name}").json()["status"]
    assert status["phase"] == "Running", status


def test_a_taken_host_port_is_reported_and_retried(
    mcp_launcher: McpLauncher, busybox_image: str
) -> None:
    """Docker's 500 for a taken host port is about the container: Failed with the reason at
    once, retried on the back-off schedule, Running once the port is free. It was read as
    "Docker unavailable": 202 Pending after the whole wait, and no event."""
    mcp = mcp_launcher.start()
    holder = socket.socket()
    holder.bind(("127.0.0.1", 0))
    holder.listen()
    port = holder.getsockname()[1]
    name = unique_name("port")
    body = {
        "metadata": {"name": name},
        "spec": {
            "image": busybox_image,
            "args": SLEEPER,
            "ports": [{"containerPort": 80, "hostPort": port, "hostIP": "127.0.0.1"}],
            "restartBackoff": {"baseSeconds": 1, "capSeconds": 2},
        },
    }
    with httpx.Client(base_url=mcp.url, timeout=60) as client:
        try:
            response = client.post("/api/v1/containers", json=body, params={"wait": "10"})
            assert response.status_code == 201, response.text
            status = response.json()["status"]
            # RunContainerError from the failed start; CrashLoopBackOff if a pass came while
            # it backs off. Either way the message says why.
            assert status["phase"] == "Failed", status
            assert "address already in use" in status["message"], status
            assert status["observedGeneration"] == 1

            def telling(found: list[dict[str, object]]) -> list[dict[str, object]] | None:
                return found if {"Failed", "BackOff"} <= {e["reason"] for e in found} else None

            # Written after the status the POST waited for.
            events = wait_until(
                lambda: telling(events_of(client, name)),
                timeout=10,
                message="its Failed and BackOff events",
            )
            failed = [str(event["message"]) for event in events if event["reason"] == "Failed"]
            assert failed, events
            assert failed[0].startswith("RunContainerError: "), failed
            assert "address already in use" in failed[0]
            backoffs = {str(e["message"]) for e in events if e["reason"] == "BackOff"}
            assert f"Back-off 1s starting failed container mcp-{name}" in backoffs, events
            assert "Adopted" not in {event["reason"] for event in events}
        finally:
            holder.close()
        wait_until(
            lambda: client.get(f"/api/v1/containers/{name}").json()["status"]["phase"] == "Running",
            timeout=HEAL_TIMEOUT_S,
            message="Running once the port is free",
        )
        metrics = client.get("/metrics").text
        # Nothing was adopted: mcp made this container itself (retries once counted 5).
        assert not re.search(r"^mcp_containers_adopted_total [1-9]", metrics, re.MULTILINE)


def test_a_renamed_container_is_taken_back_not_duplicated(
    api: httpx.Client, docker_client: docker.DockerClient, busybox_image: str
) -> None:
    """`docker rename` once left two workloads: mcp made a new container under the old name
    while the renamed one, still carrying mcp's labels, kept running."""
    name = create(api, busybox_image)
    container_id = docker_client.api.inspect_container(f"mcp-{name}")["Id"]
    uid = api.get(f"/api/v1/containers/{name}").json()["metadata"]["uid"]

    docker_client.api.rename(f"mcp-{name}", f"renamed-{name}")

    wait_until(
        lambda: any(event["reason"] == "Renamed" for event in events_of(api, name)),
        timeout=HEAL_TIMEOUT_S,
        message="a Renamed event",
    )
    mine = docker_client.api.containers(all=True, filters={"label": f"mcp.uid={uid}"})
    assert [(c["Id"], c["Names"]) for c in mine] == [(container_id, [f"/mcp-{name}"])]
    assert docker_state(docker_client, name) == "running"


def test_fixing_the_image_does_not_wait_out_the_old_back_off(
    api: httpx.Client, busybox_image: str
) -> None:
    """A new generation starts a fresh pull history: the fix of a missing image once waited
    out the old image's 60 s back-off, answered with a message naming the new image."""
    name = unique_name("image")
    body = {
        "metadata": {"name": name},
        "spec": {
            "image": "missing.invalid/a:1",
            "imagePullPolicy": "Never",
            "args": SLEEPER,
            "restartBackoff": {"baseSeconds": 60},
        },
    }
    created = api.post("/api/v1/containers", json=body, params={"wait": "20"})
    assert created.status_code == 201, created.text
    assert created.json()["status"]["reason"] == "ErrImageNeverPull", created.text

    patched = api.patch(
        f"/api/v1/containers/{name}",
        params={"wait": "30"},
        json={"spec": {"image": busybox_image}},
        headers={"Content-Type": "application/merge-patch+json"},
    )

    assert patched.status_code == 200, patched.text
    status = patched.json()["status"]
    assert (status["phase"], status["observedGeneration"]) == ("Running", 2), status
