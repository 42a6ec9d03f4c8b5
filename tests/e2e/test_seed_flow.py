"""The seed API's curl flow against a real `mcp run`, checked from both sides: HTTP and Docker.

Each test gets its own mcp process and etcd prefix; the containers it made are force-removed
afterwards by the `mcp_launcher` fixture.
"""

from __future__ import annotations

import re
import time
from typing import Any

import docker
import httpx
import pytest
from support.api import (
    OBJECT_KEYS,
    SLEEPER,
    STATUS_KEYS,
    STUBBORN,
    assert_problem,
    assert_status,
    body_of,
    create,
    get_object,
    problem_fields,
    unique_name,
    wait_gone,
    wait_phase,
)
from support.containers import docker_status, get_or_none, labelled
from support.polling import wait_until

pytestmark = pytest.mark.e2e

JSON = "application/json"
DOCKER_ID = re.compile(r"[0-9a-f]{64}")


def test_create_defaults_to_a_stopped_container(
    api: httpx.Client, docker_client: docker.DockerClient, busybox_image: str
) -> None:
    name = unique_name("web")

    response = create(api, image=busybox_image, name=name)

    obj = body_of(response, 201)
    assert response.headers["content-type"].startswith("application/json")
    assert obj.keys() >= OBJECT_KEYS, f"missing {sorted(OBJECT_KEYS - obj.keys())}"
    assert obj["status"].keys() >= STATUS_KEYS, f"missing {sorted(STATUS_KEYS - obj['status'])}"
    assert obj["name"] == name
    assert obj["image"] == busybox_image
    assert obj["cmd"] == SLEEPER
    assert obj["state"] == "stopped"
    assert obj["deletion_timestamp"] is None
    assert isinstance(obj["uid"], str)
    assert obj["uid"]
    assert DOCKER_ID.fullmatch(obj["container_id"] or ""), obj
    assert obj["status"]["phase"] == "Stopped", obj["status"]

    container = docker_client.containers.get(f"mcp-{name}")
    assert container.id == obj["container_id"]
    assert container.attrs["State"]["Status"] == "created"
    assert container.labels["mcp.uid"] == obj["uid"]
    assert container.labels["mcp.name"] == name
    assert container.labels["mcp.cluster"]
    assert container.attrs["Config"]["Cmd"] == SLEEPER
    assert container.attrs["Config"]["Image"] == busybox_image


def test_create_running(
    api: httpx.Client, docker_client: docker.DockerClient, busybox_image: str
) -> None:
    name = unique_name("run")

    obj = body_of(create(api, image=busybox_image, name=name, state="running"), 201)

    assert obj["state"] == "running"
    assert obj["status"]["phase"] == "Running", obj["status"]
    container = docker_client.containers.get(f"mcp-{name}")
    assert container.id == obj["container_id"]
    assert container.attrs["State"]["Status"] == "running"


def test_start_and_stop_by_name_id_prefix_uid_and_full_id(
    api: httpx.Client, docker_client: docker.DockerClient, busybox_image: str
) -> None:
    name = unique_name("cycle")
    created = body_of(create(api, image=busybox_image, name=name), 201)
    container_id: str = created["container_id"]
    uid: str = created["uid"]

    steps = [
        ("start", name, "running", "Running"),
        ("stop", name, "exited", "Stopped"),
        ("start", container_id[:12], "running", "Running"),
        ("stop", uid, "exited", "Stopped"),
        ("start", uid, "running", "Running"),
        ("stop", container_id, "exited", "Stopped"),
    ]
    for action, ref, docker_state, phase in steps:
        obj = body_of(api.post(f"/containers/{ref}/{action}"), 200)
        assert obj["uid"] == uid, (action, ref)
        assert obj["state"] == ("running" if action == "start" else "stopped"), (action, ref)
        assert obj["status"]["phase"] == phase, (action, ref, obj["status"])
        # The same Docker container all along: start/stop never recreate it.
        assert obj["container_id"] == container_id, (action, ref)
        assert docker_status(docker_client, container_id) == docker_state, (action, ref)


def test_list_and_get(api: httpx.Client, busybox_image: str) -> None:
    stopped = body_of(create(api, image=busybox_image, name=unique_name("a")), 201)
    running = body_of(create(api, image=busybox_image, name=unique_name("b"), state="running"), 201)

    listing = body_of(api.get("/containers"), 200)

    items = listing["items"]
    assert isinstance(items, list)
    by_name = {item["name"]: item for item in items}
    assert len(by_name) == len(items) == 2, items
    assert by_name[stopped["name"]]["uid"] == stopped["uid"]
    assert by_name[running["name"]]["uid"] == running["uid"]
    for item in items:
        assert item.keys() >= OBJECT_KEYS, item
    for obj in (stopped, running):
        for ref in (obj["name"], obj["uid"], obj["container_id"], obj["container_id"][:12]):
            got = get_object(api, ref)
            assert got["uid"] == obj["uid"], ref
            assert got["name"] == obj["name"], ref
    assert get_object(api, running["name"])["status"]["phase"] == "Running"


def test_delete_stops_and_removes_the_container(
    api: httpx.Client, docker_client: docker.DockerClient, busybox_image: str
) -> None:
    name = unique_name("del")
    obj = body_of(create(api, image=busybox_image, name=name, state="running"), 201)

    assert_status(api.delete(f"/containers/{name}"), 200)

    assert_problem(api.get(f"/containers/{name}"), 404)
    assert_problem(api.get(f"/containers/{obj['uid']}"), 404)
    assert get_or_none(docker_client, obj["container_id"]) is None
    assert labelled(docker_client, mcp_uid=obj["uid"]) == []
    assert body_of(api.get("/containers"), 200)["items"] == []


def test_delete_with_wait_0_answers_202_then_finishes(
    api: httpx.Client, docker_client: docker.DockerClient, busybox_image: str
) -> None:
    name = unique_name("del")
    obj = body_of(create(api, image=busybox_image, name=name, state="running"), 201)

    assert_status(api.delete(f"/containers/{name}", params={"wait": "0"}), 202)

    response = api.get(f"/containers/{name}")
    if response.status_code == 200:  # not gone yet: it must say so
        current = response.json()
        assert current["status"]["phase"] == "Terminating", current
        assert current["deletion_timestamp"] is not None, current
    else:
        assert_problem(response, 404)
    wait_gone(api, name)
    wait_until(
        lambda: get_or_none(docker_client, obj["container_id"]) is None,
        timeout=10.0,
        message="Docker container removed",
    )


def test_create_with_wait_0_answers_202_at_once(
    api: httpx.Client, docker_client: docker.DockerClient, busybox_image: str
) -> None:
    name = unique_name("async")

    started = time.monotonic()
    response = create(api, image=busybox_image, name=name, state="running", wait="0")
    elapsed = time.monotonic() - started

    obj = body_of(response, 202)
    assert elapsed < 2.0
    assert obj["name"] == name
    assert obj["state"] == "running"
    settled = wait_phase(api, name, "Running")
    assert settled["container_id"]
    assert docker_status(docker_client, settled["container_id"]) == "running"


def test_start_with_wait_0_answers_202(
    api: httpx.Client, docker_client: docker.DockerClient, busybox_image: str
) -> None:
    name = unique_name("async")
    obj = body_of(create(api, image=busybox_image, name=name), 201)

    response = body_of(api.post(f"/containers/{name}/start", params={"wait": "0"}), 202)

    assert response["state"] == "running"
    wait_phase(api, name, "Running")
    assert docker_status(docker_client, obj["container_id"]) == "running"


def test_stop_answers_202_when_the_wait_runs_out(
    api: httpx.Client, docker_client: docker.DockerClient, busybox_image: str
) -> None:
    # `sh` as PID 1 ignores SIGTERM, so Docker needs its kill timeout to stop this one.
    name = unique_name("slow")
    obj = body_of(create(api, image=busybox_image, name=name, cmd=STUBBORN, state="running"), 201)

    started = time.monotonic()
    response = api.post(f"/containers/{name}/stop", params={"wait": "1"})
    elapsed = time.monotonic() - started

    current = body_of(response, 202)
    assert elapsed < 5.0
    assert current["state"] == "stopped"
    wait_until(
        lambda: docker_status(docker_client, obj["container_id"]) == "exited",
        timeout=30.0,
        message="Docker container exited",
    )
    wait_phase(api, name, "Stopped")


# --- errors ------------------------------------------------------------------------------
# Rejected requests leave nothing behind, so these share one mcp process (`shared_api`).


def uids(api: httpx.Client) -> set[str]:
    return {item["uid"] for item in body_of(api.get("/containers"), 200)["items"]}


def assert_nothing_created(
    api: httpx.Client, docker_client: docker.DockerClient, before: set[str], name: object
) -> None:
    """No new object in the API, and (when `name` is a usable name) no container in Docker."""
    assert uids(api) == before
    if isinstance(name, str) and name:
        assert labelled(docker_client, mcp_name=name) == []


def test_malformed_json_is_400(
    shared_api: httpx.Client, docker_client: docker.DockerClient
) -> None:
    before = uids(shared_api)

    response = shared_api.post(
        "/containers/create",
        content=b'{"image": "x", "cmd": [',
        headers={"content-type": "application/json"},
    )

    assert_problem(response, 400)
    assert_nothing_created(shared_api, docker_client, before, None)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        pytest.param({"cmd": ["true"], "name": "ok-name"}, "image", id="image-missing"),
        pytest.param({"image": 42, "cmd": ["true"], "name": "ok-name"}, "image", id="image-int"),
        pytest.param(
            {"image": "IMAGE", "cmd": ["true"], "name": "ok-name", "ports": []},
            "ports",
            id="unknown-field",
        ),
        pytest.param({"image": "IMAGE", "cmd": "true", "name": "ok-name"}, "cmd", id="cmd-str"),
        pytest.param(
            {"image": "IMAGE", "cmd": ["sleep", 5], "name": "ok-name"}, "cmd", id="cmd-int-item"
        ),
        pytest.param(
            {"image": "IMAGE", "cmd": ["true"], "name": "Bad_Name"}, "name", id="name-not-dns"
        ),
        pytest.param(
            {"image": "IMAGE", "cmd": ["true"], "name": "a" * 64}, "name", id="name-too-long"
        ),
        pytest.param({"image": "IMAGE", "cmd": ["true"], "name": 7}, "name", id="name-int"),
        pytest.param(
            {"image": "IMAGE", "cmd": ["true"], "name": "ok-name", "state": "paused"},
            "state",
            id="state-unknown",
        ),
    ],
)
def test_invalid_field_is_422_naming_it(
    shared_api: httpx.Client,
    docker_client: docker.DockerClient,
    busybox_image: str,
    body: dict[str, Any],
    field: str,
) -> None:
    if body.get("image") == "IMAGE":
        body = {**body, "image": busybox_image}
    if body.get("name") == "ok-name":
        body = {**body, "name": unique_name("bad")}

    before = uids(shared_api)

    response = shared_api.post("/containers/create", json=body)

    problem = assert_problem(response, 422)
    fields = problem_fields(problem)
    assert any(f == field or f.startswith(tuple(field + sep for sep in "[./")) for f in fields), (
        f"no error names {field!r}: {problem}"
    )
    assert_nothing_created(shared_api, docker_client, before, body.get("name"))


@pytest.mark.parametrize(
    ("method", "path"),
    [
        pytest.param("GET", "/containers/{ref}", id="get"),
        pytest.param("POST", "/containers/{ref}/start", id="start"),
        pytest.param("POST", "/containers/{ref}/stop", id="stop"),
        pytest.param("DELETE", "/containers/{ref}", id="delete"),
    ],
)
@pytest.mark.parametrize(
    "ref",
    [
        pytest.param("no-such-container", id="name"),
        pytest.param("0123456789ab", id="id-prefix"),
        pytest.param("0123456789ab" * 5 + "cdef", id="full-id"),
    ],
)
def test_unknown_ref_is_404(shared_api: httpx.Client, method: str, path: str, ref: str) -> None:
    assert_problem(shared_api.request(method, path.format(ref=ref)), 404)


def test_duplicate_name_is_409_and_keeps_the_first(
    api: httpx.Client, docker_client: docker.DockerClient, busybox_image: str
) -> None:
    name = unique_name("dup")
    first = body_of(create(api, image=busybox_image, name=name), 201)

    response = create(api, image=busybox_image, name=name, cmd=["sh", "-c", "echo other"])

    assert_problem(response, 409)
    items = body_of(api.get("/containers"), 200)["items"]
    assert [item["uid"] for item in items] == [first["uid"]]
    assert get_object(api, name)["cmd"] == SLEEPER
    containers = labelled(docker_client, mcp_name=name)
    assert [c.id for c in containers] == [first["container_id"]]


def test_start_stop_delete_keep_answering_after_errors(
    api: httpx.Client, docker_client: docker.DockerClient, busybox_image: str
) -> None:
    """Rejected requests leave the API healthy: the full flow still works afterwards."""
    assert_problem(
        api.post("/containers/create", content=b"nope", headers={"content-type": JSON}), 400
    )
    assert_problem(api.post("/containers/create", content=b"nope"), 415)
    assert_problem(api.post("/containers/create", json={"cmd": ["true"]}), 422)
    name = unique_name("after")

    obj = body_of(create(api, image=busybox_image, name=name, state="running"), 201)
    body_of(api.post(f"/containers/{name}/stop"), 200)
    assert_status(api.delete(f"/containers/{name}"), 200)

    assert get_or_none(docker_client, obj["container_id"]) is None
    assert api.get("/healthz").status_code == 200
