"""Small helpers for talking to mcp's HTTP API the way the README's curl examples do."""

from __future__ import annotations

import secrets
from typing import Any

import httpx

from support.polling import wait_until

PROBLEM_JSON = "application/problem+json"
OBJECT_KEYS = frozenset(
    {
        "name",
        "uid",
        "image",
        "cmd",
        "state",
        "container_id",
        "resource_version",
        "generation",
        "created_at",
        "deletion_timestamp",
        "status",
    }
)
STATUS_KEYS = frozenset(
    {"phase", "container_id", "exit_code", "message", "observed_at", "observed_generation"}
)

# Every field of a v1 spec a user can set, by its JSON name; `image` is the one required.
SPEC_FIELDS = [
    "image",
    "command",
    "args",
    "env",
    "workingDir",
    "ports",
    "restartPolicy",
    "state",
    "resources",
    "stopTimeoutSeconds",
    "imagePullPolicy",
    "labels",
]

# Exits at once on SIGTERM, so `stop` does not wait out Docker's kill timeout.
SLEEPER = ["sh", "-c", "trap 'exit 0' TERM; sleep 3600 & wait"]
# PID 1 without a TERM handler ignores SIGTERM: Docker must wait, then SIGKILL it.
STUBBORN = ["sh", "-c", "sleep 3600"]


def unique_name(stem: str = "c") -> str:
    """A DNS-1123 label no other test run uses, like "web-3f9a0c"."""
    return f"{stem}-{secrets.token_hex(3)}"


def create(
    api: httpx.Client,
    *,
    image: str,
    name: str,
    cmd: list[str] | None = None,
    state: str | None = None,
    wait: str | None = None,
) -> httpx.Response:
    """POST /containers/create with the given fields (state and wait only when given)."""
    body: dict[str, Any] = {"image": image, "cmd": SLEEPER if cmd is None else cmd, "name": name}
    if state is not None:
        body["state"] = state
    params = {} if wait is None else {"wait": wait}
    return api.post("/containers/create", json=body, params=params)


def assert_status(response: httpx.Response, expected_status: int) -> None:
    """Assert the status code, showing the request and the body when it differs."""
    assert response.status_code == expected_status, (
        f"{response.request.method} {response.request.url} answered "
        f"{response.status_code}, wanted {expected_status}: {response.text}"
    )


def body_of(response: httpx.Response, expected_status: int) -> dict[str, Any]:
    """Assert the status code and return the JSON object body."""
    assert_status(response, expected_status)
    body = response.json()
    assert isinstance(body, dict), body
    return body


def assert_problem(response: httpx.Response, status: int) -> dict[str, Any]:
    """Assert an RFC 7807 problem with this status, and return it."""
    assert_status(response, status)
    content_type = response.headers.get("content-type", "")
    assert content_type.split(";")[0].strip() == PROBLEM_JSON, content_type
    problem = response.json()
    assert isinstance(problem, dict), problem
    missing = {"type", "title", "status", "detail"} - problem.keys()
    assert not missing, f"problem lacks {sorted(missing)}: {problem}"
    assert problem["status"] == status, problem
    return problem


def problem_fields(problem: dict[str, Any]) -> list[str]:
    """The `field` of each entry of a 422 problem's `errors`, normalized to start at the name.

    "cmd", "/cmd/1", "$.cmd[1]" and "body.cmd" all start with "cmd" after this.
    """
    errors = problem.get("errors")
    assert isinstance(errors, list), f"422 problem without an errors list: {problem}"
    fields: list[str] = []
    for error in errors:
        assert isinstance(error, dict), problem
        assert isinstance(error.get("message"), str), f"error without a message: {error}"
        field = str(error.get("field", ""))
        for head in ("$", "/", ".", "body"):
            field = field.removeprefix(head)
        fields.append(field.lstrip("/."))
    return fields


def get_object(api: httpx.Client, ref: str) -> dict[str, Any]:
    """GET /containers/{ref} and return the object."""
    return body_of(api.get(f"/containers/{ref}"), 200)


def wait_phase(api: httpx.Client, ref: str, phase: str, timeout: float = 30.0) -> dict[str, Any]:
    """Poll GET /containers/{ref} until status.phase is `phase`; return the object."""

    def probe() -> dict[str, Any] | None:
        response = api.get(f"/containers/{ref}")
        if response.status_code != 200:
            return None
        body: dict[str, Any] = response.json()
        return body if body["status"]["phase"] == phase else None

    return wait_until(probe, timeout=timeout, interval=0.2, message=f"{ref} phase {phase}")


def wait_gone(api: httpx.Client, ref: str, timeout: float = 30.0) -> None:
    """Poll GET /containers/{ref} until it answers 404."""
    _wait_not_found(api, f"/containers/{ref}", ref, timeout=timeout, interval=0.2)


def _wait_not_found(
    api: httpx.Client, path: str, what: str, *, timeout: float, interval: float
) -> None:
    wait_until(
        lambda: api.get(path).status_code == 404,
        timeout=timeout,
        interval=interval,
        message=f"{what} to be gone",
    )


# --- the declarative API, /api/v1/containers ----------------------------------------------

V1 = "/api/v1/containers"
MERGE_PATCH_JSON = "application/merge-patch+json"


def v1_object(
    name: str,
    spec: dict[str, Any],
    *,
    labels: dict[str, str] | None = None,
    annotations: dict[str, str] | None = None,
) -> dict[str, Any]:
    """A v1 Container body as a client writes it (labels and annotations only when given)."""
    metadata: dict[str, Any] = {"name": name}
    if labels is not None:
        metadata["labels"] = labels
    if annotations is not None:
        metadata["annotations"] = annotations
    return {"apiVersion": "mcp/v1", "kind": "Container", "metadata": metadata, "spec": spec}


def v1_create(
    api: httpx.Client, body: dict[str, Any], **params: str | int | float
) -> httpx.Response:
    """POST /api/v1/containers with `body` as JSON and `params` (wait, dryRun) as the query."""
    return api.post(V1, json=body, params=params)


def v1_put(
    api: httpx.Client, name: str, body: dict[str, Any], **params: str | int | float
) -> httpx.Response:
    """PUT /api/v1/containers/{name} with `body` as JSON."""
    return api.put(f"{V1}/{name}", json=body, params=params)


def v1_patch(
    api: httpx.Client, name: str, patch: dict[str, Any], **params: str | int | float
) -> httpx.Response:
    """PATCH /api/v1/containers/{name} with `patch` as an RFC 7396 merge patch."""
    return api.patch(
        f"{V1}/{name}",
        json=patch,
        headers={"content-type": MERGE_PATCH_JSON},
        params=params,
    )


def v1_get(api: httpx.Client, name: str) -> dict[str, Any]:
    """GET /api/v1/containers/{name} and return the object."""
    return body_of(api.get(f"{V1}/{name}"), 200)


def v1_list(api: httpx.Client, selector: str | None = None) -> dict[str, Any]:
    """GET /api/v1/containers (with `labelSelector` when given) and return the list."""
    params = {} if selector is None else {"labelSelector": selector}
    return body_of(api.get(V1, params=params), 200)


def v1_names(api: httpx.Client, selector: str | None = None) -> set[str]:
    """The names of the objects GET /api/v1/containers lists (matching `selector`)."""
    return {item["metadata"]["name"] for item in v1_list(api, selector)["items"]}


def v1_list_version(api: httpx.Client) -> str:
    """The list's metadata.resourceVersion: it moves with every write to the store."""
    version = v1_list(api)["metadata"]["resourceVersion"]
    assert isinstance(version, str), version
    return version


def wait_v1_phase(
    api: httpx.Client, name: str, phase: str, timeout: float = 30.0
) -> dict[str, Any]:
    """Poll GET /api/v1/containers/{name} until this generation is observed in `phase`."""

    def probe() -> dict[str, Any] | None:
        response = api.get(f"{V1}/{name}")
        if response.status_code != 200:
            return None
        obj: dict[str, Any] = response.json()
        status = obj["status"]
        observed = status["observedGeneration"] == obj["metadata"]["generation"]
        return obj if observed and status["phase"] == phase else None

    return wait_until(probe, timeout=timeout, interval=0.1, message=f"{name} phase {phase}")


def wait_v1_gone(api: httpx.Client, name: str, timeout: float = 30.0) -> None:
    """Poll GET /api/v1/containers/{name} until it answers 404."""
    _wait_not_found(api, f"{V1}/{name}", name, timeout=timeout, interval=0.1)
