"""Events over a real `mcp run`: what the controller did, as core/v1 Events, folded,
filterable, expiring; mcp's per-container convenience route and Kubernetes' lists.

Events are written by the recorder's writer after the status a `?wait` answers on, so
the tests wait for them (`reasons_once`) as a client would, instead of expecting them
at once."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from support.api import SLEEPER, STUBBORN, unique_name
from support.launcher import McpLauncher
from support.polling import wait_until

pytestmark = pytest.mark.e2e

EVENTS_TIMEOUT_S = 10.0  # events follow their status within milliseconds; a loaded CI is slower


def container_events(api: httpx.Client, name: str) -> list[dict[str, Any]]:
    response = api.get(f"/api/v1/containers/{name}/events")
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["apiVersion"], body["kind"]) == ("v1", "EventList")
    assert body["metadata"]["resourceVersion"].isdigit()
    items: list[dict[str, Any]] = body["items"]
    return items


def reasons(api: httpx.Client, name: str) -> dict[str, int]:
    return {item["reason"]: item["count"] for item in container_events(api, name)}


def reasons_once(
    api: httpx.Client, name: str, ready: Callable[[dict[str, int]], object]
) -> dict[str, int]:
    """`name`'s events (reason: count) once `ready` holds of them, or as they are when
    `EVENTS_TIMEOUT_S` has passed, for the caller's assertion to show."""
    deadline = time.monotonic() + EVENTS_TIMEOUT_S
    while not ready(seen := reasons(api, name)) and time.monotonic() < deadline:
        time.sleep(0.05)
    return seen


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
    want = {"Created": 1, "Started": 3, "Stopped": 2}
    assert reasons_once(api, name, lambda seen: seen == want) == want
    reasons_once(api, other, lambda seen: "Started" in seen)
    # Oldest last occurrence first: the last Started is the newest.
    assert [item["reason"] for item in container_events(api, name)][-1] == "Started"

    everything = api.get("/api/v1/events").json()
    assert (everything["apiVersion"], everything["kind"]) == ("v1", "EventList")
    assert {item["involvedObject"]["name"] for item in everything["items"]} >= {name, other}
    only = api.get("/api/v1/events", params={"fieldSelector": f"involvedObject.name={other}"})
    assert {item["involvedObject"]["name"] for item in only.json()["items"]} == {other}
    started = api.get(
        "/api/v1/namespaces/default/events",
        params={"fieldSelector": f"involvedObject.name={name},reason=Started"},
    ).json()["items"]
    assert [(item["reason"], item["count"]) for item in started] == [("Started", 3)]
    bad = api.get("/api/v1/events", params={"fieldSelector": "message=x"})
    assert bad.status_code == 400
    assert bad.json()["kind"] == "Status"
    assert bad.json()["message"] == "field label not supported: message"

    # Deleting leaves the story readable until it expires.
    assert api.delete(f"/api/v1/containers/{name}", params={"wait": "30"}).status_code == 200
    after = reasons_once(api, name, lambda seen: {"Deleted", "Removed"} <= seen.keys())
    assert after["Deleted"] == 1
    assert after["Removed"] == 1


def test_an_event_as_a_user_reads_it(api: httpx.Client, busybox_image: str) -> None:
    name = unique_name("shape")
    create(api, busybox_image, name, SLEEPER)
    uid = api.get(f"/api/v1/containers/{name}").json()["metadata"]["uid"]
    reasons_once(api, name, lambda seen: "Created" in seen)
    (created,) = [item for item in container_events(api, name) if item["reason"] == "Created"]
    metadata = created.pop("metadata")
    assert re.fullmatch(rf"{name}\.[0-9a-f]+", metadata["name"])
    assert metadata["namespace"] == "default"
    assert metadata["resourceVersion"].isdigit()
    assert sorted(metadata) == ["creationTimestamp", "name", "namespace", "resourceVersion", "uid"]
    host = created["source"]["host"]
    at = created["firstTimestamp"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", at)
    assert created == {
        "apiVersion": "v1",
        "kind": "Event",
        "involvedObject": {"apiVersion": "mcp/v1", "kind": "Container", "name": name, "uid": uid},
        "reason": "Created",
        "message": created["message"],
        "source": {"component": "mcp-controller", "host": host},
        "firstTimestamp": at,
        "lastTimestamp": at,
        "count": 1,
        "type": "Normal",
        "eventTime": None,
        "reportingComponent": "mcp-controller",
        "reportingInstance": host,
    }
    assert name in created["message"]
    # The same object through Kubernetes' path.
    path = f"/api/v1/namespaces/default/events/{metadata['name']}"
    read = api.get(path, params={"resourceVersion": metadata["resourceVersion"]})
    assert read.json() == {**created, "metadata": metadata}


def test_a_missing_containers_events_are_an_empty_list(api: httpx.Client) -> None:
    assert container_events(api, unique_name("never")) == []


def test_a_container_that_ignores_sigterm_is_killed(api: httpx.Client, busybox_image: str) -> None:
    name = unique_name("stubborn")
    create(api, busybox_image, name, STUBBORN, grace=1)
    set_state(api, name, "stopped")
    assert reasons_once(api, name, lambda seen: "Killed" in seen).get("Killed") == 1


def test_events_expire(mcp_launcher: McpLauncher, busybox_image: str) -> None:
    mcp = mcp_launcher.start(extra_args=["--event-ttl", "2"])
    with httpx.Client(base_url=mcp.url, timeout=60) as api:
        name = unique_name("brief")
        create(api, busybox_image, name, SLEEPER)
        assert reasons_once(api, name, lambda seen: "Started" in seen)["Started"] == 1
        wait_until(lambda: reasons(api, name) == {}, timeout=30, message="events to expire")
