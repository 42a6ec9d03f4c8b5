"""Events over a real `mcp run`: what the controller did, folded, filterable, expiring."""

from __future__ import annotations

import httpx
import pytest
from support.api import SLEEPER, STUBBORN, unique_name
from support.launcher import McpLauncher
from support.polling import wait_until

pytestmark = pytest.mark.e2e


def reasons(api: httpx.Client, name: str) -> dict[str, int]:
    response = api.get(f"/api/v1/containers/{name}/events")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["kind"] == "EventList"
    return {item["reason"]: item["count"] for item in body["items"]}


def create(api: httpx.Client, image: str, name: str, args: list[str], grace: int = 10) -> None:
    body = {
        "metadata": {"name": name},
        "spec": {"image": image, "args": args, "stopTimeoutSeconds": grace},
    }
    response = api.post("/api/v1/containers", json=body, params={"wait": "20"})
    assert response.status_code == 201, response.text


def set_state(api: httpx.Client, name: str, state: str) -> None:
    response = api.patch(
        f"/api/v1/containers/{name}",
        json={"spec": {"state": state}},
        headers={"content-type": "application/merge-patch+json"},
        params={"wait": "20"},
    )
    assert response.status_code == 200, response.text


def test_lifecycle_events_fold_and_filter(api: httpx.Client, busybox_image: str) -> None:
    name, other = unique_name("ev"), unique_name("other")
    create(api, busybox_image, name, SLEEPER)
    create(api, busybox_image, other, SLEEPER)
    for state in ("stopped", "running", "stopped", "running"):
        set_state(api, name, state)
    assert reasons(api, name) == {"Created": 1, "Started": 3, "Stopped": 2}

    everything = api.get("/api/v1/events").json()["items"]
    assert {item["involvedObject"]["name"] for item in everything} >= {name, other}
    only = api.get("/api/v1/events", params={"fieldSelector": f"involvedObject.name={other}"})
    assert {item["involvedObject"]["name"] for item in only.json()["items"]} == {other}
    bad = api.get("/api/v1/events", params={"fieldSelector": "reason=Started"})
    assert bad.status_code == 400

    # Deleting leaves the story readable until it expires.
    assert api.delete(f"/api/v1/containers/{name}", params={"wait": "30"}).status_code == 200
    after = reasons(api, name)
    assert after["Deleted"] == 1
    assert after["Removed"] == 1


def test_a_container_that_ignores_sigterm_is_killed(api: httpx.Client, busybox_image: str) -> None:
    name = unique_name("stubborn")
    create(api, busybox_image, name, STUBBORN, grace=1)
    set_state(api, name, "stopped")
    assert reasons(api, name).get("Killed") == 1


def test_events_expire(mcp_launcher: McpLauncher, busybox_image: str) -> None:
    mcp = mcp_launcher.start(extra_args=["--event-ttl", "2"])
    with httpx.Client(base_url=mcp.url, timeout=60) as api:
        name = unique_name("brief")
        create(api, busybox_image, name, SLEEPER)
        assert reasons(api, name)["Started"] == 1
        wait_until(lambda: reasons(api, name) == {}, timeout=30, message="events to expire")
