"""etcd going away under a running `mcp run`, as an operator would see it.

Not in the seed API's contract, but from the project's error rules (STYLE.md, Errors): etcd
unavailable is transient, so the API answers 503 problems (never a 500, never a hang) while it
is gone, the process keeps running, and everything works again once etcd is back.
"""

from __future__ import annotations

import time

import docker
import httpx
import pytest
from support.api import assert_problem, body_of, create, unique_name
from support.containers import docker_status
from support.etcd import EtcdServer
from support.mcp_process import McpProcess
from support.polling import wait_until

pytestmark = pytest.mark.e2e


def test_etcd_restart_is_survived(
    mcp: McpProcess,
    api: httpx.Client,
    etcd: EtcdServer,
    docker_client: docker.DockerClient,
    busybox_image: str,
) -> None:
    before = body_of(create(api, image=busybox_image, name=unique_name("pre")), 201)

    etcd.stop()
    try:
        begun = time.monotonic()
        response = create(api, image=busybox_image, name=unique_name("during"))
        assert time.monotonic() - begun < 35.0
        assert_problem(response, 503)
        listing = api.get("/containers")
        if listing.status_code != 200:  # a cached answer is fine too
            assert_problem(listing, 503)
        assert mcp.returncode is None, f"mcp exited while etcd was down\n{mcp.output()}"
    finally:
        etcd.start()

    def create_works() -> dict[str, object] | None:
        response = create(api, image=busybox_image, name=unique_name("post"), state="running")
        return response.json() if response.status_code == 201 else None

    after = wait_until(create_works, timeout=30.0, interval=1.0, message="create after outage")
    assert docker_status(docker_client, str(after["container_id"])) == "running"
    # The object from before the outage is still there and still driven.
    body_of(api.post(f"/containers/{before['name']}/start"), 200)
    assert docker_status(docker_client, before["container_id"]) == "running"
    assert mcp.returncode is None
