"""An API-only replica (`--controllers none`) beside a full mcp on the same etcd prefix.

The replica never talks to Docker (here it could not: its Docker address leads nowhere),
yet it serves the same objects, and its waits see the controller's status through etcd.
"""

from __future__ import annotations

import httpx
import pytest
from support.api import SLEEPER, unique_name
from support.launcher import McpLauncher

pytestmark = pytest.mark.e2e


def test_an_api_replica_serves_what_the_controller_does(
    mcp_launcher: McpLauncher, busybox_image: str
) -> None:
    controller = mcp_launcher.start()
    replica = mcp_launcher.start(
        extra_args=["--controllers", "none", "--docker-host", "unix:///nonexistent.sock"]
    )
    name = unique_name("replica")
    body = {"metadata": {"name": name}, "spec": {"image": busybox_image, "args": SLEEPER}}
    with (
        httpx.Client(base_url=replica.url, timeout=60) as through_replica,
        httpx.Client(base_url=controller.url, timeout=60) as through_controller,
    ):
        created = through_replica.post("/api/v1/containers", json=body, params={"wait": "30"})
        assert created.status_code == 201, created.text
        assert created.json()["status"]["phase"] == "Running"
        seen = through_controller.get(f"/api/v1/containers/{name}").json()
        assert seen["status"]["containerID"] == created.json()["status"]["containerID"]
        deleted = through_replica.delete(f"/api/v1/containers/{name}", params={"wait": "30"})
        assert deleted.status_code == 200
        # It never takes part in the election: the full mcp leads, the replica says so.
        assert through_replica.get("/healthz").json()["role"] == "api-only"
        assert through_controller.get("/healthz").json()["role"] == "leader"
    logs = [record["event"] for record in replica.json_logs()]
    assert "docker_connected" not in logs
    assert not [event for event in logs if event.startswith("leader_")], logs
