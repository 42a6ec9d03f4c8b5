"""The declarative API, `/api/v1/containers`, against a real `mcp run`: HTTP and Docker sides.

What a user of the v1 API would notice: every spec field reaches Docker, list and label
selectors, full replace and merge patch with their generation and resourceVersion rules,
graceful deletion in the right order, `?wait=`, `?dryRun=All` writing nothing, and RFC 7807
problems for everything rejected. Tests that write get their own mcp process and etcd prefix
(`api`); rejected requests and read-only calls share one (`shared_api`).
"""

from __future__ import annotations

import copy
import time
from typing import Any

import docker
import httpx
import pytest
from support.api import (
    MERGE_PATCH_JSON,
    SLEEPER,
    SPEC_FIELDS,
    STUBBORN,
    V1,
    assert_problem,
    assert_status,
    body_of,
    problem_fields,
    unique_name,
    v1_create,
    v1_get,
    v1_list,
    v1_list_version,
    v1_names,
    v1_object,
    v1_patch,
    v1_put,
    wait_v1_phase,
)
from support.containers import docker_status, get_or_none, labelled
from support.polling import wait_until
from support.ports import free_port

pytestmark = pytest.mark.e2e

WAIT = "30"  # seconds: generous, a settled write answers long before
# sh as PID 1 with a TERM trap: exits at once when stopped.
SHELL = ["sh", "-c"]
SLEEP_SCRIPT = SLEEPER[2]
MISSING_IMAGE = "mcp-test/no-such-image:latest"


def sleeper_spec(image: str, **fields: Any) -> dict[str, Any]:
    """A spec whose container runs until stopped, and stops at once on SIGTERM."""
    return {"image": image, "command": SHELL, "args": [SLEEP_SCRIPT], **fields}


def host_ip_key(api: httpx.Client) -> str:
    """The port field for the host address, as the OpenAPI document spells it.

    It is being renamed (`hostIp` -> `hostIP`): the tests follow the document.
    """
    schemas = body_of(api.get("/openapi.json"), 200)["components"]["schemas"]
    keys = [key for key in schemas["Port"]["properties"] if key.lower() == "hostip"]
    assert len(keys) == 1, schemas["Port"]
    key: str = keys[0]
    return key


def docker_attrs(client: docker.DockerClient, name: str) -> dict[str, Any]:
    """`docker inspect mcp-<name>`."""
    container = get_or_none(client, f"mcp-{name}")
    assert container is not None, f"Docker has no container mcp-{name}"
    attrs: dict[str, Any] = container.attrs
    return attrs


def wait_quiet(api: httpx.Client, quiet_s: float = 0.6, timeout: float = 15.0) -> str:
    """Wait until the list's resourceVersion holds still for `quiet_s`; return it.

    The controller writes status asynchronously: comparing revisions around a dry run
    needs a store that nobody is writing to.
    """
    last = v1_list_version(api)
    steady_since = time.monotonic()
    deadline = steady_since + timeout
    while time.monotonic() - steady_since < quiet_s:
        assert time.monotonic() < deadline, f"the store kept changing for {timeout} s"
        time.sleep(0.1)
        current = v1_list_version(api)
        if current != last:
            last, steady_since = current, time.monotonic()
    return last


def alone(api: httpx.Client, method: str, url: str, **kwargs: Any) -> httpx.Response:
    """One request on a connection of its own, closed afterwards.

    For requests the API refuses before reading their body (415): the keep-alive connection
    they leave behind is not always usable, and these tests are about the answer, not the
    connection (`test_connection_stays_usable_after_refusing_a_body` is).
    """
    with httpx.Client(base_url=api.base_url, timeout=10.0) as client:
        return client.request(method, url, **kwargs)


def field_matches(field: str, expected: str) -> bool:
    """`spec.ports[0].containerPort` names `spec.ports[0].containerPort`, `spec.ports[0]`..."""
    return field == expected or field.startswith((expected + ".", expected + "["))


def assert_names_field(problem: dict[str, Any], expected: str) -> None:
    fields = problem_fields(problem)
    assert any(field_matches(field, expected) for field in fields), (
        f"no error names {expected!r}: {problem}"
    )


def create_settled(api: httpx.Client, body: dict[str, Any]) -> dict[str, Any]:
    """Create with a wait and return the object once Running at its generation."""
    obj = body_of(v1_create(api, body, wait=WAIT), 201)
    assert obj["status"]["phase"] == "Running", obj["status"]
    assert obj["status"]["observedGeneration"] == obj["metadata"]["generation"], obj
    return obj


def docker_env(client: docker.DockerClient, name: str) -> list[str]:
    env: list[str] = docker_attrs(client, name)["Config"]["Env"] or []
    return env


# --- create, get, list ---------------------------------------------------------------------


def test_create_with_wait_reaches_docker_with_every_spec_field(
    api: httpx.Client, docker_client: docker.DockerClient, busybox_image: str
) -> None:
    name = unique_name("full")
    host_port = free_port()
    spec = sleeper_spec(
        busybox_image,
        env={"GREETING": "hello world", "EMPTY": ""},
        workingDir="/tmp",
        ports=[
            {"containerPort": 80, "hostPort": host_port, host_ip_key(api): "127.0.0.1"},
            {"containerPort": 53, "protocol": "UDP"},
        ],
        restartPolicy="OnFailure",
        resources={"memory": "64Mi", "cpus": "0.5"},
        stopTimeoutSeconds=5,
        imagePullPolicy="Never",
        labels={"team": "blue", "example.com/tier": "front"},
    )
    body = v1_object(name, spec, labels={"app": "web"}, annotations={"note": "first"})

    response = v1_create(api, body, wait=WAIT)

    obj = body_of(response, 201)
    assert response.headers["content-type"].startswith("application/json")
    assert obj["apiVersion"] == "mcp/v1"
    assert obj["kind"] == "Container"
    meta = obj["metadata"]
    assert meta["name"] == name
    assert meta["uid"]
    assert meta["labels"] == {"app": "web"}
    assert meta["annotations"] == {"note": "first"}
    assert isinstance(meta["resourceVersion"], str)
    assert meta["resourceVersion"].isdigit(), meta
    assert meta["generation"] == 1
    assert meta["creationTimestamp"]
    assert meta["deletionTimestamp"] is None
    got = obj["spec"]
    assert got["image"] == busybox_image
    assert got["command"] == SHELL
    assert got["args"] == [SLEEP_SCRIPT]
    assert got["env"] == [
        {"name": "GREETING", "value": "hello world"},
        {"name": "EMPTY", "value": ""},
    ]
    assert got["workingDir"] == "/tmp"
    assert [(p["containerPort"], p["hostPort"], p["protocol"]) for p in got["ports"]] == [
        (80, host_port, "TCP"),
        (53, None, "UDP"),
    ]
    assert got["restartPolicy"] == "OnFailure"
    assert got["state"] == "running"
    assert got["resources"] == {"memory": "64Mi", "cpus": "0.5"}
    assert got["stopTimeoutSeconds"] == 5
    assert got["imagePullPolicy"] == "Never"
    assert got["labels"] == {"team": "blue", "example.com/tier": "front"}
    status = obj["status"]
    assert status["phase"] == "Running", status
    assert status["observedGeneration"] == 1, status
    assert status["restartCount"] == 0
    assert status["startedAt"]

    attrs = docker_attrs(docker_client, name)
    assert attrs["Id"] == status["containerID"]
    assert attrs["State"]["Status"] == "running"
    config, host_config = attrs["Config"], attrs["HostConfig"]
    assert config["Image"] == busybox_image
    assert config["Entrypoint"] == SHELL
    assert config["Cmd"] == [SLEEP_SCRIPT]
    assert {"GREETING=hello world", "EMPTY="} <= set(config["Env"]), config["Env"]
    assert config["WorkingDir"] == "/tmp"
    assert config["Labels"]["team"] == "blue"
    assert config["Labels"]["example.com/tier"] == "front"
    assert config["Labels"]["mcp.uid"] == meta["uid"]
    assert config["Labels"]["mcp.name"] == name
    assert {"80/tcp", "53/udp"} <= set(config["ExposedPorts"]), config["ExposedPorts"]
    assert host_config["PortBindings"]["80/tcp"] == [
        {"HostIp": "127.0.0.1", "HostPort": str(host_port)}
    ], host_config["PortBindings"]
    assert host_config["Memory"] == 64 * 1024 * 1024
    assert host_config["NanoCpus"] == 500_000_000


def test_create_fills_defaults_and_answers_at_once(
    api: httpx.Client, docker_client: docker.DockerClient, busybox_image: str
) -> None:
    name = unique_name("min")

    response = v1_create(api, {"metadata": {"name": name}, "spec": {"image": busybox_image}})

    obj = body_of(response, 201)
    spec = obj["spec"]
    assert spec["restartPolicy"] == "Always"
    assert spec["state"] == "running"
    assert spec["stopTimeoutSeconds"] == 10
    assert spec["imagePullPolicy"] == "IfNotPresent"
    assert spec["env"] == []
    assert spec["ports"] == []
    assert obj["metadata"]["labels"] == {}
    assert obj["metadata"]["annotations"] == {}
    assert obj["metadata"]["generation"] == 1
    # Without ?wait= the answer does not wait for the controller (Kubernetes' default).
    assert obj["status"]["observedGeneration"] == 0, obj["status"]
    # ...which then does its work.
    wait_until(
        lambda: get_or_none(docker_client, f"mcp-{name}"),
        timeout=15.0,
        message="Docker container created",
    )


def test_create_an_existing_name_is_409_and_keeps_the_first(
    api: httpx.Client, docker_client: docker.DockerClient, busybox_image: str
) -> None:
    name = unique_name("dup")
    first = create_settled(api, v1_object(name, sleeper_spec(busybox_image, env={"N": "1"})))

    again = v1_object(name, sleeper_spec(busybox_image, env={"N": "2"}))
    assert_problem(v1_create(api, again), 409)
    assert_problem(v1_create(api, again, wait=WAIT), 409)

    current = v1_get(api, name)
    assert current["metadata"]["uid"] == first["metadata"]["uid"]
    assert current["metadata"]["generation"] == 1
    assert current["spec"]["env"] == [{"name": "N", "value": "1"}]
    assert v1_names(api) == {name}
    containers = labelled(docker_client, mcp_name=name)
    assert [c.id for c in containers] == [first["status"]["containerID"]]
    assert "N=1" in docker_env(docker_client, name)


def test_get_and_list(api: httpx.Client, busybox_image: str) -> None:
    first = body_of(v1_create(api, v1_object(unique_name("a"), {"image": busybox_image})), 201)
    second = body_of(v1_create(api, v1_object(unique_name("b"), {"image": busybox_image})), 201)

    listing = v1_list(api)

    assert listing["apiVersion"] == "mcp/v1"
    assert listing["kind"] == "ContainerList"
    version = listing["metadata"]["resourceVersion"]
    assert isinstance(version, str)
    assert version.isdigit(), listing["metadata"]
    items = {item["metadata"]["name"]: item for item in listing["items"]}
    assert items.keys() == {first["metadata"]["name"], second["metadata"]["name"]}
    for created in (first, second):
        name = created["metadata"]["name"]
        listed = items[name]
        got = v1_get(api, name)
        assert listed["apiVersion"] == got["apiVersion"] == "mcp/v1"
        assert listed["kind"] == got["kind"] == "Container"
        assert listed["metadata"]["uid"] == got["metadata"]["uid"] == created["metadata"]["uid"]
        assert got["spec"] == created["spec"]
        assert got["status"].keys() >= {
            "phase",
            "containerID",
            "observedGeneration",
            "restartCount",
            "exitCode",
            "startedAt",
            "finishedAt",
            "reason",
            "message",
            "lastTransitionTime",
        }, got["status"]
    assert_problem(api.get(f"{V1}/no-such-container"), 404)


SELECTOR_LABELS = {
    "a": {"app": "web", "tier": "front"},
    "b": {"app": "web", "tier": "back"},
    "c": {"app": "db", "tier": "back"},
    "d": {"env": "prod"},
}


# selector -> the objects (keys of SELECTOR_LABELS) it selects.
SELECTOR_CASES = {
    "": "abcd",
    "app=web": "ab",
    "app!=web": "cd",  # as in Kubernetes, != also matches objects without the key
    "tier in (front,back)": "abc",
    "app in (db)": "c",
    "app notin (web)": "cd",
    "tier": "abc",
    "!tier": "d",
    "app=web,tier=back": "b",
    "tier,app notin (db)": "ab",
    "app=cache": "",
}


def test_label_selector(api: httpx.Client, busybox_image: str) -> None:
    # One set of objects for the whole table: a process and four containers per row would
    # cost seconds each.
    names = {key: unique_name(key) for key in SELECTOR_LABELS}
    for key, labels in SELECTOR_LABELS.items():
        body = v1_object(names[key], {"image": busybox_image, "state": "stopped"}, labels=labels)
        body_of(v1_create(api, body), 201)
    keys = {name: key for key, name in names.items()}

    selected = {
        selector: "".join(sorted(keys[name] for name in v1_names(api, selector)))
        for selector in SELECTOR_CASES
    }

    assert selected == SELECTOR_CASES
    for item in v1_list(api, "app")["items"]:
        assert item["metadata"]["labels"] == SELECTOR_LABELS[keys[item["metadata"]["name"]]]


# --- replace (PUT) -------------------------------------------------------------------------


def test_put_replaces_the_spec_and_the_container(
    api: httpx.Client, docker_client: docker.DockerClient, busybox_image: str
) -> None:
    name = unique_name("put")
    created = create_settled(
        api,
        v1_object(
            name,
            sleeper_spec(busybox_image, env={"VERSION": "1"}),
            labels={"app": "web", "tier": "front"},
            annotations={"note": "first"},
        ),
    )
    first_id = created["status"]["containerID"]

    # Metadata only: the spec is the same, so no new generation and no new container.
    relabelled = body_of(
        v1_put(
            api,
            name,
            v1_object(name, created["spec"], labels={"app": "web"}),
            wait=WAIT,
        ),
        200,
    )
    assert relabelled["metadata"]["labels"] == {"app": "web"}
    assert relabelled["metadata"]["annotations"] == {}
    assert relabelled["metadata"]["generation"] == 1
    assert relabelled["status"]["containerID"] == first_id

    # A new spec: generation 2, and the controller replaces the Docker container.
    replaced = body_of(
        v1_put(
            api,
            name,
            v1_object(
                name,
                sleeper_spec(busybox_image, env={"VERSION": "2"}, workingDir="/bin"),
                labels={"app": "api"},
                annotations={"note": "second"},
            ),
            wait=WAIT,
        ),
        200,
    )

    meta, status = replaced["metadata"], replaced["status"]
    assert meta["uid"] == created["metadata"]["uid"]
    assert meta["labels"] == {"app": "api"}
    assert meta["annotations"] == {"note": "second"}
    assert meta["generation"] == 2
    assert status["observedGeneration"] == 2, status
    assert status["phase"] == "Running", status
    assert status["containerID"] not in (None, first_id), status
    assert replaced["spec"]["env"] == [{"name": "VERSION", "value": "2"}]
    assert get_or_none(docker_client, first_id) is None
    attrs = docker_attrs(docker_client, name)
    assert attrs["Id"] == status["containerID"]
    assert attrs["State"]["Status"] == "running"
    assert "VERSION=2" in attrs["Config"]["Env"]
    assert "VERSION=1" not in attrs["Config"]["Env"]
    assert attrs["Config"]["WorkingDir"] == "/bin"
    assert v1_get(api, name)["metadata"]["generation"] == 2


def test_put_with_a_stale_resource_version_is_409_and_changes_nothing(
    api: httpx.Client, docker_client: docker.DockerClient, busybox_image: str
) -> None:
    name = unique_name("cas")
    create_settled(api, v1_object(name, sleeper_spec(busybox_image, env={"N": "0"})))
    read = v1_get(api, name)
    seen = read["metadata"]["resourceVersion"]

    def body(value: str, version: str) -> dict[str, Any]:
        obj = v1_object(name, sleeper_spec(busybox_image, env={"N": value}))
        obj["metadata"]["resourceVersion"] = version
        return obj

    first = body_of(v1_put(api, name, body("1", seen), wait=WAIT), 200)
    assert first["metadata"]["generation"] == 2
    assert first["metadata"]["resourceVersion"] != seen
    settled_id = first["status"]["containerID"]

    assert_problem(v1_put(api, name, body("2", seen), wait=WAIT), 409)
    stale_patch = {"metadata": {"resourceVersion": seen}, "spec": {"env": {"N": "3"}}}
    assert_problem(v1_patch(api, name, stale_patch), 409)

    current = v1_get(api, name)
    assert current["spec"]["env"] == [{"name": "N", "value": "1"}]
    assert current["metadata"]["generation"] == 2
    assert current["status"]["containerID"] == settled_id
    assert "N=1" in docker_env(docker_client, name)
    # The current version works.
    fresh = body_of(v1_put(api, name, body("4", current["metadata"]["resourceVersion"])), 200)
    assert fresh["metadata"]["generation"] == 3


def test_put_with_a_version_read_before_a_status_update_succeeds(
    api: httpx.Client, busybox_image: str
) -> None:
    """Only spec changes make a version stale: the controller's status writes do not."""
    name = unique_name("status")
    created = body_of(v1_create(api, v1_object(name, sleeper_spec(busybox_image))), 201)
    seen = created["metadata"]["resourceVersion"]
    settled = wait_v1_phase(api, name, "Running")
    assert settled["metadata"]["resourceVersion"] != seen, "the status write moved nothing"

    body = v1_object(name, sleeper_spec(busybox_image), labels={"app": "web"})
    body["metadata"]["resourceVersion"] = seen
    replaced = body_of(v1_put(api, name, body), 200)

    assert replaced["metadata"]["labels"] == {"app": "web"}
    assert replaced["metadata"]["generation"] == 1


def test_put_with_another_name_is_422(api: httpx.Client, busybox_image: str) -> None:
    name = unique_name("named")
    body_of(v1_create(api, v1_object(name, {"image": busybox_image, "state": "stopped"})), 201)
    before = v1_get(api, name)

    other = v1_object(unique_name("other"), {"image": busybox_image, "state": "stopped"})
    problem = assert_problem(v1_put(api, name, other), 422)

    assert_names_field(problem, "metadata.name")
    after = v1_get(api, name)
    assert after["metadata"]["generation"] == before["metadata"]["generation"]
    assert after["spec"] == before["spec"]
    assert v1_names(api) == {name}


def test_state_change_starts_and_stops_the_same_container(
    api: httpx.Client, docker_client: docker.DockerClient, busybox_image: str
) -> None:
    name = unique_name("state")
    created = create_settled(api, v1_object(name, sleeper_spec(busybox_image)))
    container_id = created["status"]["containerID"]

    stopped = body_of(v1_patch(api, name, {"spec": {"state": "stopped"}}, wait=WAIT), 200)

    assert stopped["metadata"]["generation"] == 2
    assert stopped["status"]["observedGeneration"] == 2, stopped["status"]
    assert stopped["status"]["phase"] == "Stopped", stopped["status"]
    assert stopped["status"]["containerID"] == container_id
    assert docker_status(docker_client, container_id) == "exited"

    body = v1_object(name, sleeper_spec(busybox_image, state="running"))
    running = body_of(v1_put(api, name, body, wait=WAIT), 200)

    assert running["metadata"]["generation"] == 3
    assert running["status"]["observedGeneration"] == 3, running["status"]
    assert running["status"]["phase"] == "Running", running["status"]
    assert running["status"]["containerID"] == container_id
    assert docker_status(docker_client, container_id) == "running"
    assert [c.id for c in labelled(docker_client, mcp_name=name)] == [container_id]


# --- merge patch ---------------------------------------------------------------------------


def test_patch_merges(
    api: httpx.Client, docker_client: docker.DockerClient, busybox_image: str
) -> None:
    name = unique_name("patch")
    created = create_settled(
        api,
        v1_object(
            name,
            sleeper_spec(busybox_image, env={"A": "1"}),
            labels={"app": "web", "tier": "front"},
            annotations={"note": "kept"},
        ),
    )
    patch = {
        "metadata": {"labels": {"tier": None, "track": "canary"}},
        "spec": {"env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]},
    }

    patched = body_of(v1_patch(api, name, patch, wait=WAIT), 200)

    meta, spec = patched["metadata"], patched["spec"]
    assert meta["labels"] == {"app": "web", "track": "canary"}
    assert meta["annotations"] == {"note": "kept"}
    assert meta["generation"] == 2
    assert spec["env"] == [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]
    assert spec["image"] == busybox_image
    assert spec["command"] == SHELL
    assert spec["args"] == [SLEEP_SCRIPT]
    assert patched["status"]["observedGeneration"] == 2, patched["status"]
    assert patched["status"]["phase"] == "Running", patched["status"]
    assert patched["status"]["containerID"] != created["status"]["containerID"]
    assert {"A=1", "B=2"} <= set(docker_env(docker_client, name))

    # null removes a whole map; objects merge, so the rest stays.
    cleared = body_of(v1_patch(api, name, {"metadata": {"annotations": None}}), 200)
    assert cleared["metadata"]["annotations"] == {}
    assert cleared["metadata"]["labels"] == {"app": "web", "track": "canary"}
    assert cleared["metadata"]["generation"] == 2
    assert v1_get(api, name)["metadata"]["annotations"] == {}


def test_patch_of_env_as_a_map_merges_by_name(
    api: httpx.Client, docker_client: docker.DockerClient, busybox_image: str
) -> None:
    """The README's map form: a patch sets the variables it names and keeps the rest (it
    once replaced the whole list, dropping every other variable, secrets included)."""
    name = unique_name("envmap")
    create_settled(
        api,
        v1_object(name, sleeper_spec(busybox_image, env={"A": "1", "B": "2", "DB_PASSWORD": "s"})),
    )

    patched = body_of(v1_patch(api, name, {"spec": {"env": {"B": "3"}}}, wait=WAIT), 200)

    assert patched["spec"]["env"] == [
        {"name": "A", "value": "1"},
        {"name": "B", "value": "3"},
        {"name": "DB_PASSWORD", "value": "s"},
    ]
    assert patched["status"]["phase"] == "Running", patched["status"]
    assert {"A=1", "B=3", "DB_PASSWORD=s"} <= set(docker_env(docker_client, name))

    removed = body_of(v1_patch(api, name, {"spec": {"env": {"A": None, "C": "4"}}}), 200)
    assert removed["spec"]["env"] == [
        {"name": "B", "value": "3"},
        {"name": "DB_PASSWORD", "value": "s"},
        {"name": "C", "value": "4"},
    ]
    # A list still replaces the list, as RFC 7396 says.
    replaced = body_of(v1_patch(api, name, {"spec": {"env": [{"name": "Z", "value": "9"}]}}), 200)
    assert replaced["spec"]["env"] == [{"name": "Z", "value": "9"}]


def test_patch_rejects_other_content_types_and_bad_bodies(
    api: httpx.Client, busybox_image: str
) -> None:
    name = unique_name("ctype")
    stopped = v1_object(name, {"image": busybox_image, "state": "stopped"})
    before = body_of(v1_create(api, stopped, wait=WAIT), 201)
    url = f"{V1}/{name}"
    patch = {"metadata": {"labels": {"app": "web"}}}

    for content_type in ("application/json", "application/json-patch+json", "text/plain"):
        response = alone(api, "PATCH", url, json=patch, headers={"content-type": content_type})
        assert_problem(response, 415)
    content = b'{"metadata": {"labels": {"app": "web"}}}'
    assert_problem(alone(api, "PATCH", url, content=content), 415)
    headers = {"content-type": MERGE_PATCH_JSON}
    assert_problem(api.patch(url, content=b'{"metadata": ', headers=headers), 400)
    json_headers = {"content-type": "application/json"}
    assert_problem(api.put(url, content=b'{"metadata": ', headers=json_headers), 400)
    text = {"content-type": "text/plain"}
    assert_problem(alone(api, "PUT", url, content=b"{}", headers=text), 415)
    invalid = assert_problem(v1_patch(api, name, {"spec": {"env": {"1BAD": "x"}}}), 422)
    assert_names_field(invalid, "spec.env[0].name")
    unknown = assert_problem(v1_patch(api, name, {"spec": {"bogus": 1}}), 422)
    assert_names_field(unknown, "spec.bogus")

    after = v1_get(api, name)
    assert after["metadata"] == before["metadata"]
    assert after["spec"] == before["spec"]


# --- delete --------------------------------------------------------------------------------


def test_delete_is_graceful_and_in_order(
    api: httpx.Client, docker_client: docker.DockerClient, busybox_image: str
) -> None:
    # `sleep` as PID 1 ignores SIGTERM: Docker waits stopTimeoutSeconds, then kills it.
    name = unique_name("grace")
    spec = {"image": busybox_image, "command": STUBBORN, "stopTimeoutSeconds": 2}
    created = create_settled(api, v1_object(name, spec))
    container_id = created["status"]["containerID"]

    started = time.monotonic()
    deleting = body_of(api.delete(f"{V1}/{name}"), 202)

    assert deleting["metadata"]["deletionTimestamp"], deleting["metadata"]
    assert deleting["status"]["phase"] == "Terminating", deleting["status"]
    # While Docker still stops it, the object is there, saying so.
    current = v1_get(api, name)
    assert current["status"]["phase"] == "Terminating", current["status"]
    assert current["metadata"]["deletionTimestamp"] == deleting["metadata"]["deletionTimestamp"]
    assert get_or_none(docker_client, container_id) is not None
    # A second DELETE is harmless.
    again = body_of(api.delete(f"{V1}/{name}"), 202)
    assert again["metadata"]["deletionTimestamp"] == deleting["metadata"]["deletionTimestamp"]
    assert again["status"]["phase"] == "Terminating"

    seen_terminating_with_container = False
    while True:
        assert time.monotonic() - started < 30.0, "the object was never deleted"
        response = api.get(f"{V1}/{name}")  # first the API, then Docker: see below
        in_docker = get_or_none(docker_client, container_id) is not None
        if response.status_code == 404:
            # The object goes only after its container: once it is gone, so is the container.
            assert not in_docker, "the object was deleted before its Docker container"
            break
        assert response.json()["status"]["phase"] == "Terminating"
        seen_terminating_with_container |= in_docker
        time.sleep(0.1)
    elapsed = time.monotonic() - started

    assert_problem(response, 404)
    assert seen_terminating_with_container
    assert elapsed >= 1.5, f"gone after {elapsed:.1f} s: stopTimeoutSeconds (2) not waited out"
    assert elapsed < 9.0, f"gone after {elapsed:.1f} s: killed late (default stop timeout?)"
    assert labelled(docker_client, mcp_name=name) == []
    assert v1_names(api) == set()
    assert_problem(api.delete(f"{V1}/{name}"), 404)


def test_delete_with_wait_answers_200_once_gone(
    api: httpx.Client, docker_client: docker.DockerClient, busybox_image: str
) -> None:
    name = unique_name("delw")
    created = create_settled(api, v1_object(name, sleeper_spec(busybox_image)))

    deleted = body_of(api.delete(f"{V1}/{name}", params={"wait": WAIT}), 200)

    assert deleted["metadata"]["name"] == name
    assert deleted["metadata"]["deletionTimestamp"]
    assert_problem(api.get(f"{V1}/{name}"), 404)
    assert get_or_none(docker_client, created["status"]["containerID"]) is None
    assert v1_names(api) == set()


# --- wait ----------------------------------------------------------------------------------


def test_wait_runs_out_with_202_while_the_controller_works(
    api: httpx.Client, docker_client: docker.DockerClient, busybox_image: str
) -> None:
    name = unique_name("slow")
    spec = {"image": busybox_image, "command": STUBBORN, "stopTimeoutSeconds": 3}
    created = create_settled(api, v1_object(name, spec))
    container_id = created["status"]["containerID"]

    # No wait: the answer comes before Docker has stopped anything.
    started = time.monotonic()
    stopping = body_of(v1_patch(api, name, {"spec": {"state": "stopped"}}), 200)
    assert time.monotonic() - started < 1.5
    assert stopping["metadata"]["generation"] == 2
    assert stopping["spec"]["state"] == "stopped"
    assert stopping["status"]["phase"] != "Stopped", stopping["status"]

    # A wait shorter than the stop: 202 with the object as it is.
    started = time.monotonic()
    response = v1_patch(api, name, {"metadata": {"annotations": {"note": "x"}}}, wait="1")
    elapsed = time.monotonic() - started
    current = body_of(response, 202)
    assert 0.8 <= elapsed < 2.5, elapsed
    assert current["metadata"]["annotations"] == {"note": "x"}
    assert current["status"]["phase"] != "Stopped", current["status"]

    settled = wait_v1_phase(api, name, "Stopped")
    assert settled["status"]["containerID"] == container_id
    assert docker_status(docker_client, container_id) == "exited"


def test_wait_ends_on_a_missing_image_that_must_not_be_pulled(
    api: httpx.Client, docker_client: docker.DockerClient
) -> None:
    name = unique_name("noimg")
    body = v1_object(name, {"image": MISSING_IMAGE, "imagePullPolicy": "Never"})

    started = time.monotonic()
    response = v1_create(api, body, wait="20")
    elapsed = time.monotonic() - started

    obj = body_of(response, 201)
    assert elapsed < 10.0, f"the wait ran {elapsed:.1f} s instead of ending on the failure"
    status = obj["status"]
    assert status["phase"] == "Failed", status
    assert status["reason"] == "ErrImageNeverPull", status
    assert status["message"], status
    assert status["observedGeneration"] == obj["metadata"]["generation"], status
    assert get_or_none(docker_client, f"mcp-{name}") is None


# --- dry run -------------------------------------------------------------------------------


def test_dry_run_create_writes_nothing(
    api: httpx.Client, docker_client: docker.DockerClient, busybox_image: str
) -> None:
    name = unique_name("dry")
    body = v1_object(name, sleeper_spec(busybox_image, env={"A": "1"}), labels={"app": "web"})
    version = wait_quiet(api)

    obj = body_of(v1_create(api, body, dryRun="All"), 201)

    assert obj["metadata"]["name"] == name
    assert obj["metadata"]["labels"] == {"app": "web"}
    assert obj["spec"]["env"] == [{"name": "A", "value": "1"}]
    assert obj["spec"]["image"] == busybox_image
    invalid = copy.deepcopy(body)
    invalid["spec"]["ports"] = [{"containerPort": 0}]
    problem = assert_problem(v1_create(api, invalid, dryRun="All"), 422)
    assert_names_field(problem, "spec.ports[0].containerPort")
    time.sleep(0.5)  # a controller acting on a write would have done so by now
    assert_problem(api.get(f"{V1}/{name}"), 404)
    assert v1_names(api) == set()
    assert v1_list_version(api) == version
    assert get_or_none(docker_client, f"mcp-{name}") is None

    # Where the real create would be a conflict, so is the dry run.
    existing = create_settled(api, v1_object(name, sleeper_spec(busybox_image)))
    version = wait_quiet(api)
    assert_problem(v1_create(api, body, dryRun="All"), 409)
    assert v1_get(api, name)["metadata"]["uid"] == existing["metadata"]["uid"]
    assert v1_list_version(api) == version


def test_dry_run_put_and_patch_write_nothing(
    api: httpx.Client, docker_client: docker.DockerClient, busybox_image: str
) -> None:
    name = unique_name("dry")
    created = create_settled(
        api, v1_object(name, sleeper_spec(busybox_image, env={"A": "1"}), labels={"app": "web"})
    )
    container_id = created["status"]["containerID"]
    stale = v1_get(api, name)["metadata"]["resourceVersion"]
    # A real write that leaves `stale` behind without touching the spec or Docker.
    body_of(v1_patch(api, name, {"metadata": {"annotations": {"note": "real"}}}), 200)
    before = v1_get(api, name)
    version = wait_quiet(api)

    changed = v1_object(name, sleeper_spec(busybox_image, env={"A": "2"}), labels={"app": "x"})
    put = body_of(v1_put(api, name, changed, dryRun="All"), 200)
    assert put["spec"]["env"] == [{"name": "A", "value": "2"}]
    assert put["metadata"]["labels"] == {"app": "x"}
    assert put["metadata"]["generation"] == 2  # as if written
    patch = {"metadata": {"labels": {"app": None}}, "spec": {"env": {"A": "3"}}}
    patched = body_of(v1_patch(api, name, patch, dryRun="All"), 200)
    assert patched["spec"]["env"] == [{"name": "A", "value": "3"}]
    assert patched["metadata"]["labels"] == {}
    assert patched["metadata"]["generation"] == 2

    # Where the real write would be refused, so is the dry run.
    stale_put = copy.deepcopy(changed)
    stale_put["metadata"]["resourceVersion"] = stale
    assert_problem(v1_put(api, name, stale_put, dryRun="All"), 409)
    stale_patch = {**patch, "metadata": {"resourceVersion": stale}}
    assert_problem(v1_patch(api, name, stale_patch, dryRun="All"), 409)
    renamed = v1_object(unique_name("other"), sleeper_spec(busybox_image))
    assert_names_field(
        assert_problem(v1_put(api, name, renamed, dryRun="All"), 422), "metadata.name"
    )
    bad_patch = {"spec": {"resources": {"memory": "lots"}}}
    problem = assert_problem(v1_patch(api, name, bad_patch, dryRun="All"), 422)
    assert_names_field(problem, "spec.resources.memory")

    time.sleep(0.5)  # a controller acting on a write would have done so by now
    after = v1_get(api, name)
    assert after["metadata"] == before["metadata"]
    assert after["spec"] == before["spec"]
    assert after["status"]["containerID"] == container_id
    assert v1_list_version(api) == version
    assert [c.id for c in labelled(docker_client, mcp_name=name)] == [container_id]
    assert "A=1" in docker_env(docker_client, name)


# --- rejected requests ---------------------------------------------------------------------
# Rejected requests leave nothing behind, so these share one mcp process (`shared_api`).

HOST_IP = "HOST_IP"  # replaced by the document's spelling of the field


def merged(base: Any, patch: Any) -> Any:
    """RFC 7396 applied locally: how a table row changes the valid body."""
    if not isinstance(patch, dict):
        return patch
    result = dict(base) if isinstance(base, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merged(result.get(key), value)
    return result


def assert_nothing_stored(
    api: httpx.Client, docker_client: docker.DockerClient, before: set[str], name: Any
) -> None:
    assert v1_names(api) == before
    if isinstance(name, str) and name:
        assert get_or_none(docker_client, f"mcp-{name}") is None
        assert labelled(docker_client, mcp_name=name) == []


@pytest.mark.parametrize(
    ("change", "field"),
    [
        pytest.param({"metadata": {"name": "Web"}}, "metadata.name", id="name-uppercase"),
        pytest.param({"metadata": {"name": "a" * 64}}, "metadata.name", id="name-64-chars"),
        pytest.param({"metadata": {"name": "-web"}}, "metadata.name", id="name-leading-dash"),
        pytest.param({"metadata": {"name": None}}, "metadata.name", id="name-missing"),
        pytest.param({"metadata": {"name": 7}}, "metadata.name", id="name-int"),
        pytest.param({"spec": {"image": None}}, "spec.image", id="image-missing"),
        pytest.param({"spec": {"image": "UPPER/case"}}, "spec.image", id="image-uppercase"),
        pytest.param(
            {"spec": {"ports": [{"containerPort": 0}]}},
            "spec.ports[0].containerPort",
            id="port-0",
        ),
        pytest.param(
            {"spec": {"ports": [{"containerPort": 70000}]}},
            "spec.ports[0].containerPort",
            id="port-70000",
        ),
        pytest.param(
            {"spec": {"ports": [{"containerPort": 80}, {"containerPort": 80}]}},
            "spec.ports",
            id="port-duplicate",
        ),
        pytest.param(
            {"spec": {"ports": [{"containerPort": 80, "hostPort": 0}]}},
            "spec.ports[0].hostPort",
            id="host-port-0",
        ),
        pytest.param(
            {"spec": {"ports": [{"containerPort": 80, "hostPort": 8080, HOST_IP: "not-an-ip"}]}},
            "spec.ports[0]",
            id="host-ip-not-an-ip",
        ),
        pytest.param(
            {"spec": {"ports": [{"containerPort": 80, "protocol": "ICMP"}]}},
            "spec.ports[0].protocol",
            id="protocol-unknown",
        ),
        pytest.param(
            {"spec": {"resources": {"memory": "lots"}}}, "spec.resources.memory", id="memory-lots"
        ),
        pytest.param(
            {"spec": {"resources": {"memory": "1Ki"}}},
            "spec.resources.memory",
            id="memory-below-6Mi",
        ),
        pytest.param({"spec": {"resources": {"cpus": "0"}}}, "spec.resources.cpus", id="cpus-0"),
        pytest.param(
            {"spec": {"resources": {"cpus": "-1"}}}, "spec.resources.cpus", id="cpus-negative"
        ),
        pytest.param(
            {"spec": {"env": [{"name": "1BAD", "value": "x"}]}},
            "spec.env[0].name",
            id="env-name-digit",
        ),
        pytest.param({"spec": {"env": {"1BAD": "x"}}}, "spec.env", id="env-map-name-digit"),
        pytest.param(
            {"spec": {"env": [{"name": "A", "value": "1"}, {"name": "A", "value": "2"}]}},
            "spec.env",
            id="env-name-duplicate",
        ),
        pytest.param(
            {"metadata": {"labels": {"-bad": "x"}}}, "metadata.labels", id="label-key-dash"
        ),
        pytest.param(
            {"metadata": {"labels": {"app": "a b"}}}, "metadata.labels", id="label-value-space"
        ),
        pytest.param(
            {"spec": {"labels": {"mcp.owner": "me"}}}, "spec.labels", id="docker-label-reserved"
        ),
        pytest.param(
            {"spec": {"labels": {"team": "a b"}}}, "spec.labels", id="docker-label-value-space"
        ),
        pytest.param(
            {"spec": {"restartPolicy": "Sometimes"}}, "spec.restartPolicy", id="restart-policy"
        ),
        pytest.param({"spec": {"state": "paused"}}, "spec.state", id="state-unknown"),
        pytest.param(
            {"spec": {"imagePullPolicy": "Sometimes"}},
            "spec.imagePullPolicy",
            id="pull-policy-unknown",
        ),
        pytest.param(
            {"spec": {"stopTimeoutSeconds": -1}},
            "spec.stopTimeoutSeconds",
            id="stop-timeout-negative",
        ),
        pytest.param(
            {"spec": {"workingDir": "relative/path"}}, "spec.workingDir", id="working-dir-relative"
        ),
        pytest.param({"spec": {"command": "sleep 5"}}, "spec.command", id="command-string"),
        pytest.param({"spec": {"args": ["sleep", 5]}}, "spec.args", id="args-int-item"),
        pytest.param({"spec": {"bogus": 1}}, "spec.bogus", id="unknown-spec-field"),
        pytest.param({"metadata": {"bogus": 1}}, "metadata.bogus", id="unknown-metadata-field"),
        pytest.param({"bogus": 1}, "bogus", id="unknown-top-level-field"),
        pytest.param(
            {"spec": {"ports": [{"containerPort": 80, "bogus": 1}]}},
            "spec.ports[0].bogus",
            id="unknown-port-field",
        ),
        pytest.param(
            {"spec": {"resources": {"disk": "1Gi"}}},
            "spec.resources.disk",
            id="unknown-resources-field",
        ),
        pytest.param(
            {"spec": {"env": [{"name": "A", "value": "1", "bogus": 1}]}},
            "spec.env[0].bogus",
            id="unknown-env-field",
        ),
        pytest.param({"apiVersion": "mcp/v2"}, "apiVersion", id="api-version-unknown"),
        pytest.param({"kind": "Pod"}, "kind", id="kind-unknown"),
    ],
)
def test_invalid_create_is_422_naming_the_field(
    shared_api: httpx.Client,
    docker_client: docker.DockerClient,
    busybox_image: str,
    change: dict[str, Any],
    field: str,
) -> None:
    valid = v1_object(unique_name("bad"), sleeper_spec(busybox_image, state="stopped"))
    body = merged(valid, change)
    for port in body["spec"].get("ports") or []:
        if HOST_IP in port:
            port[host_ip_key(shared_api)] = port.pop(HOST_IP)
    before = v1_names(shared_api)

    response = v1_create(shared_api, body)

    problem = assert_problem(response, 422)
    assert_names_field(problem, field)
    assert_nothing_stored(shared_api, docker_client, before, body["metadata"].get("name"))


@pytest.mark.parametrize(
    "selector",
    [
        pytest.param("app in web", id="in-without-parens"),
        pytest.param("app in (web", id="unclosed-paren"),
        pytest.param("=web", id="no-key"),
        pytest.param("app=web,", id="trailing-comma"),
        pytest.param("-bad=x", id="bad-key"),
        pytest.param("app=a b", id="space-in-value"),
    ],
)
def test_bad_label_selector_is_422(shared_api: httpx.Client, selector: str) -> None:
    problem = assert_problem(shared_api.get(V1, params={"labelSelector": selector}), 422)

    assert_names_field(problem, "labelSelector")


def test_malformed_json_is_400(shared_api: httpx.Client) -> None:
    before = v1_names(shared_api)

    response = shared_api.post(
        V1,
        content=b'{"metadata": {"name": "x"}, "spec": {',
        headers={"content-type": "application/json"},
    )

    assert_problem(response, 400)
    assert v1_names(shared_api) == before


def test_body_over_1_mib_is_413_and_the_connection_stays_usable(
    shared_api: httpx.Client, docker_client: docker.DockerClient, busybox_image: str
) -> None:
    name = unique_name("big")
    body = v1_object(name, {"image": busybox_image}, annotations={"big": "x" * (1024 * 1024)})
    before = v1_names(shared_api)
    # A client of its own, with a short timeout: a connection the server leaves in a bad
    # state must neither hang this test for long nor break `shared_api` for the others.
    with httpx.Client(base_url=shared_api.base_url, timeout=3.0) as client:
        assert_status(client.get(V1), 200)  # the connection the big request reuses

        response = v1_create(client, body)

        assert_problem(response, 413)
        assert_nothing_stored(shared_api, docker_client, before, name)
        # The unread rest of the big body must not be taken for the next request.
        try:
            after = client.get(V1)
        except httpx.TransportError as exc:
            pytest.fail(f"the next request on the same connection failed after a 413: {exc!r}")
        assert_status(after, 200)


@pytest.mark.parametrize(
    "content_type",
    [
        pytest.param("text/plain", id="text"),
        pytest.param(MERGE_PATCH_JSON, id="merge-patch"),
        pytest.param("application/x-www-form-urlencoded", id="form"),
        pytest.param(None, id="none"),
    ],
)
def test_create_with_another_content_type_is_415(
    shared_api: httpx.Client,
    docker_client: docker.DockerClient,
    busybox_image: str,
    content_type: str | None,
) -> None:
    name = unique_name("ctype")
    content = httpx.Request("POST", "/", json=v1_object(name, {"image": busybox_image})).content
    headers = {} if content_type is None else {"content-type": content_type}
    before = v1_names(shared_api)

    response = alone(shared_api, "POST", V1, content=content, headers=headers)

    assert_problem(response, 415)
    assert_nothing_stored(shared_api, docker_client, before, name)


def test_connection_stays_usable_after_refusing_a_body(
    shared_api: httpx.Client, busybox_image: str
) -> None:
    """A keep-alive client whose body was refused (415) can go on using its connection.

    Half a MiB: within the size limit, and more than the server reads in one go, so the
    part it has not read is still on the way when it answers.
    """
    name = unique_name("ctype")
    body = v1_object(name, {"image": busybox_image}, annotations={"big": "x" * (512 * 1024)})
    content = httpx.Request("POST", "/", json=body).content
    with httpx.Client(base_url=shared_api.base_url, timeout=3.0) as client:
        for round_ in range(3):
            try:
                refused = client.post(V1, content=content, headers={"content-type": "text/plain"})
                listed = client.get(V1)
            except httpx.TransportError as exc:
                pytest.fail(f"round {round_}: the connection broke after a 415: {exc!r}")
            assert_problem(refused, 415)
            assert_status(listed, 200)
    assert name not in v1_names(shared_api)


@pytest.mark.parametrize("method", ["GET", "PUT", "PATCH", "DELETE"])
def test_unknown_name_is_404(shared_api: httpx.Client, busybox_image: str, method: str) -> None:
    name = unique_name("nobody")
    url = f"{V1}/{name}"
    match method:
        case "PUT":
            response = shared_api.put(url, json=v1_object(name, {"image": busybox_image}))
        case "PATCH":
            response = v1_patch(shared_api, name, {"metadata": {"labels": {"a": "b"}}})
        case _:
            response = shared_api.request(method, url)

    assert_problem(response, 404)
    assert name not in v1_names(shared_api)


# --- OpenAPI -------------------------------------------------------------------------------


def resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """Follow a local `$ref` (once is enough for these schemas)."""
    ref = schema.get("$ref")
    if ref is None:
        return schema
    node: Any = document
    for part in ref.removeprefix("#/").split("/"):
        node = node[part]
    assert isinstance(node, dict), ref
    return node


def test_openapi_documents_the_v1_api(shared_api: httpx.Client) -> None:
    document = body_of(shared_api.get("/openapi.json"), 200)

    assert str(document["openapi"]).startswith("3.1"), document["openapi"]
    paths = document["paths"]
    assert {"get", "post"} <= set(paths[V1]), paths[V1]
    assert {"get", "put", "patch", "delete"} <= set(paths[f"{V1}/{{name}}"])
    for path, method in [(V1, "post"), (f"{V1}/{{name}}", "put")]:
        content = paths[path][method]["requestBody"]["content"]
        request_schema = resolve(document, content["application/json"]["schema"])
        assert {"metadata", "spec"} <= set(request_schema["properties"]), (method, request_schema)
        spec_schema = resolve(document, request_schema["properties"]["spec"])
        assert set(SPEC_FIELDS) <= set(spec_schema["properties"]), spec_schema
        assert "image" in spec_schema.get("required", []), spec_schema
    for path, method, code in [
        (V1, "post", "201"),
        (V1, "get", "200"),
        (f"{V1}/{{name}}", "get", "200"),
        (f"{V1}/{{name}}", "put", "200"),
        (f"{V1}/{{name}}", "patch", "200"),
        (f"{V1}/{{name}}", "delete", "202"),
    ]:
        responses = paths[path][method]["responses"]
        assert code in responses, (method, path, sorted(responses))
        schema = resolve(document, responses[code]["content"]["application/json"]["schema"])
        assert {"apiVersion", "kind", "metadata"} <= set(schema["properties"]), (method, path)
        assert ("items" if method == "get" and path == V1 else "spec") in schema["properties"]


def test_openapi_documents_the_merge_patch_body(shared_api: httpx.Client) -> None:
    document = body_of(shared_api.get("/openapi.json"), 200)

    patch = document["paths"][f"{V1}/{{name}}"]["patch"]

    assert "requestBody" in patch, f"PATCH documents no request body: {sorted(patch)}"
    assert MERGE_PATCH_JSON in patch["requestBody"]["content"], patch["requestBody"]
