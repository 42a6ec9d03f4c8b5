"""The API's JSON, rendered once per stored version: same answers as rendering afresh."""

from __future__ import annotations

import json

from mcp import model
from mcp.api.rendering import Renderer
from mcp.api.schemas import ContainerList, ListMeta, container_out, dump

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
