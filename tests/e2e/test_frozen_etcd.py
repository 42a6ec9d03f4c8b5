"""An etcd that stops answering without closing its connections (frozen, partitioned).

aetcd's watch would hang on such an etcd forever; mcp's grpc keepalive pings break the
stream, the API answers 503 instead of hanging, and everything resumes when etcd thaws.
"""

from __future__ import annotations

import httpx
import pytest
from support.api import SLEEPER, unique_name
from support.etcd import EtcdServer
from support.mcp_process import McpProcess
from support.polling import wait_until

pytestmark = pytest.mark.e2e


def create(api: httpx.Client, image: str, name: str) -> httpx.Response:
    body = {"metadata": {"name": name}, "spec": {"image": image, "args": SLEEPER}}
    return api.post("/api/v1/containers", json=body, params={"wait": "20"})


def test_a_frozen_etcd_is_survived(
    mcp: McpProcess, api: httpx.Client, etcd: EtcdServer, busybox_image: str
) -> None:
    assert create(api, busybox_image, unique_name("before")).status_code == 201
    etcd.pause()
    try:
        # Answered, not hung: the store's deadline turns silence into 503.
        frozen = api.get("/api/v1/containers", timeout=30)
        assert frozen.status_code == 503
        assert frozen.headers["content-type"].startswith("application/problem+json")
        # Long enough for keepalive pings to declare the watch stream dead.
        wait_until(
            lambda: any(r["event"] == "etcd_watch_broken" for r in mcp.json_logs()),
            timeout=60,
            interval=1,
            message="the watch to notice the frozen etcd",
        )
    finally:
        etcd.resume()
    after = unique_name("after")
    response = wait_until(
        lambda: (r := create(api, busybox_image, after)).status_code in (201, 409) and r,
        timeout=60,
        interval=1,
        message="a create to go through once etcd thaws",
    )
    # Converged: the watch resumed and the controller acted on the new object.
    obj = api.get(f"/api/v1/containers/{after}").json()
    assert response
    wait_until(
        lambda: api.get(f"/api/v1/containers/{after}").json()["status"]["phase"] == "Running",
        timeout=30,
        message="the new object to run",
    )
    assert obj["metadata"]["name"] == after
    assert mcp.returncode is None
