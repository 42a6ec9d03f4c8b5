"""The API's JSON, rendered once per stored version: same answers as rendering afresh."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from fakes import FakeStore

from mcp import model
from mcp.api import seed
from mcp.api.common import ApiContext
from mcp.api.rendering import Renderer
from mcp.api.schemas import ContainerList, ListMeta, SeedObject, container_out, dump
from mcp.cache import Cache
from mcp.registry import Keys

SPEC = model.ContainerSpec.model_validate({"image": "local/busybox:latest", "args": ["true"]})


def container(name: str, revision: int) -> model.Container:
    return model.Container(
        name=name, uid=f"uid-{name}", spec=SPEC, labels={"app": "web"}, resource_version=revision
    )


def test_a_list_reads_as_the_pydantic_model_would_render_it() -> None:
    items = [
        (container("a", 5), model.Status(uid="uid-a", phase="Running", revision=6)),
        (container("b", 7), None),
    ]
    envelope = dump(ContainerList(metadata=ListMeta(resource_version="9"), items=[]))
    del envelope["items"]
    expected = dump(
        ContainerList(
            metadata=ListMeta(resource_version="9"),
            items=[container_out(obj, status) for obj, status in items],
        )
    )
    assert json.loads(Renderer().list_json(envelope, items)) == expected


def test_a_pair_of_instances_is_rendered_once_and_a_new_version_afresh() -> None:
    renderer = Renderer()
    obj = container("a", 5)
    first = renderer.object_json(obj, None)
    assert renderer.object_json(obj, None) is first  # the remembered text
    newer = container("a", 8)  # an equal-looking object of another stored version
    assert json.loads(renderer.object_json(newer, None))["metadata"]["resourceVersion"] == "8"
    assert len(renderer) == 1  # the older version's text is let go
    status = model.Status(uid="uid-a", phase="Running", revision=9)
    assert json.loads(renderer.object_json(newer, status))["status"]["phase"] == "Running"
    line = json.loads(renderer.watch_line("MODIFIED", obj, None))
    assert line == {"type": "MODIFIED", "object": json.loads(first)}  # rendered again


def test_the_memory_is_bounded() -> None:
    renderer = Renderer(capacity=3)
    objects = [container(f"c{index}", index + 1) for index in range(10)]
    for obj in objects:
        renderer.object_json(obj, None)
    assert len(renderer) == 3
    # The oldest were let go; asking again renders them again, correctly.
    assert json.loads(renderer.object_json(objects[0], None))["metadata"]["name"] == "c0"


# The seed calls' objects, to the byte: their shape is the original program's.
SEED_SPEC = model.ContainerSpec.model_validate(
    {"image": "local/busybox:latest", "args": ["sleep", "5"], "state": "running"}
)
SEED_OBJECT = model.Container(
    name="web",
    uid="u-1",
    spec=SEED_SPEC,
    resource_version=5,
    created_at="2024-01-01T00:00:00.000000Z",
    generation=2,
)
SEED_STATUS = model.Status(
    uid="u-1",
    phase="Running",
    container_id="abc123",
    revision=7,
    observed_at="2024-01-01T00:00:01Z",
    observed_generation=2,
)


@pytest.mark.parametrize(
    ("obj", "status", "expected"),
    [
        pytest.param(
            SEED_OBJECT,
            SEED_STATUS,
            '{"name": "web", "uid": "u-1", "image": "local/busybox:latest", "cmd": ["sleep", "5"], '
            '"state": "running", "container_id": "abc123", "resource_version": "7", '
            '"generation": 2, "created_at": "2024-01-01T00:00:00.000000Z", '
            '"deletion_timestamp": null, "status": {"phase": "Running", "container_id": "abc123", '
            '"exit_code": null, "reason": "", "message": "", '
            '"observed_at": "2024-01-01T00:00:01Z", "observed_generation": 2}}',
            id="observed",
        ),
        pytest.param(
            SEED_OBJECT,
            None,
            '{"name": "web", "uid": "u-1", "image": "local/busybox:latest", "cmd": ["sleep", "5"], '
            '"state": "running", "container_id": null, "resource_version": "5", '
            '"generation": 2, "created_at": "2024-01-01T00:00:00.000000Z", '
            '"deletion_timestamp": null, "status": {"phase": "Pending", "container_id": null, '
            '"exit_code": null, "reason": "Waiting", "message": "waiting for the controller", '
            '"observed_at": null, "observed_generation": 0}}',
            id="pending",
        ),
        pytest.param(
            replace(
                SEED_OBJECT,
                spec=SEED_SPEC.model_copy(update={"args": None}),
                deletion_timestamp="2024-01-02T00:00:00Z",
            ),
            None,
            '{"name": "web", "uid": "u-1", "image": "local/busybox:latest", "cmd": [], '
            '"state": "running", "container_id": null, "resource_version": "5", '
            '"generation": 2, "created_at": "2024-01-01T00:00:00.000000Z", '
            '"deletion_timestamp": "2024-01-02T00:00:00Z", "status": {"phase": "Terminating", '
            '"container_id": null, "exit_code": null, "reason": "", '
            '"message": "waiting for the controller", "observed_at": null, '
            '"observed_generation": 0}}',
            id="deleting-without-args",
        ),
        pytest.param(
            replace(SEED_OBJECT, deletion_timestamp="2024-01-02T00:00:00Z"),
            replace(SEED_STATUS, exit_code=137, reason="Killed", message="stopped", revision=3),
            '{"name": "web", "uid": "u-1", "image": "local/busybox:latest", "cmd": ["sleep", "5"], '
            '"state": "running", "container_id": "abc123", "resource_version": "5", '
            '"generation": 2, "created_at": "2024-01-01T00:00:00.000000Z", '
            '"deletion_timestamp": "2024-01-02T00:00:00Z", "status": {"phase": "Terminating", '
            '"container_id": "abc123", "exit_code": 137, "reason": "Killed", '
            '"message": "stopped", "observed_at": "2024-01-01T00:00:01Z", '
            '"observed_generation": 2}}',
            id="deleting-observed",
        ),
    ],
)
def test_a_seed_object_reads_exactly_as_the_seed_program_showed_it(
    obj: model.Container, status: model.Status | None, expected: str
) -> None:
    shown = seed.view(obj, status)
    assert json.dumps(shown) == expected
    # A read takes it from the renderer's remembered v1 JSON: the same.
    ctx = ApiContext(FakeStore(), Keys("/test"), Cache(Keys("/test")))
    assert json.dumps(seed.cached_view(ctx, obj, status)) == expected
    # What `/openapi.json` documents of it.
    assert SeedObject.model_validate(shown).model_dump(mode="json") == shown
