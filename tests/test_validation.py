"""Request validation: every bad field is named, good input becomes a spec; a v1 body's
unknown fields are refused, or dropped and named."""

from __future__ import annotations

from typing import Any

import pytest

from mcp import validation
from mcp.errors import Invalid
from mcp.validation import seed_create

IMAGE = "mcp-test/busybox:latest"


def test_minimal_body_defaults_to_stopped_like_docker_create() -> None:
    result = seed_create({"image": IMAGE, "cmd": ["sh", "-c", "true"]}, default_state="stopped")
    assert result.name is None
    assert result.spec.image == IMAGE
    assert result.spec.args == ["sh", "-c", "true"]  # the seed's cmd is Docker's CMD
    assert result.spec.state == "stopped"


def test_all_fields() -> None:
    body = {"image": IMAGE, "cmd": [], "name": "web-1", "state": "running"}
    result = seed_create(body, default_state="stopped")
    assert (result.name, result.spec.state, result.spec.args) == ("web-1", "running", None)


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        pytest.param([], ["body"], id="not-an-object"),
        pytest.param({}, ["image"], id="image-missing"),
        pytest.param({"image": 5}, ["image"], id="image-not-string"),
        pytest.param({"image": "Has Spaces"}, ["image"], id="image-bad-reference"),
        pytest.param({"image": IMAGE, "cmd": "sleep 1"}, ["cmd"], id="cmd-string"),
        pytest.param({"image": IMAGE, "cmd": ["a", 1]}, ["cmd[1]"], id="cmd-mixed"),
        pytest.param({"image": IMAGE, "name": "Web"}, ["name"], id="name-uppercase"),
        pytest.param({"image": IMAGE, "name": "-web"}, ["name"], id="name-leading-dash"),
        pytest.param({"image": IMAGE, "name": "a" * 64}, ["name"], id="name-too-long"),
        pytest.param({"image": IMAGE, "name": 7}, ["name"], id="name-not-string"),
        pytest.param({"image": IMAGE, "state": "paused"}, ["state"], id="state-unknown"),
        pytest.param({"image": IMAGE, "envv": {}}, ["envv"], id="unknown-field"),
        pytest.param({"cmd": 1, "name": "B"}, ["image", "cmd", "name"], id="every-problem"),
    ],
)
def test_invalid_bodies_name_each_field(body: Any, fields: list[str]) -> None:
    with pytest.raises(Invalid) as caught:
        seed_create(body, default_state="stopped")
    assert sorted(field for field, _ in caught.value.errors) == sorted(fields)
    assert all(message for _, message in caught.value.errors)


CONTAINER = {"metadata": {"name": "web"}, "spec": {"image": IMAGE}}


@pytest.mark.parametrize(
    ("body", "unknown"),
    [
        pytest.param(CONTAINER, [], id="none"),
        pytest.param({**CONTAINER, "bogus": 1}, ["bogus"], id="top-level"),
        pytest.param(
            {"metadata": {"name": "web", "bogus": 1}, "spec": {"image": IMAGE, "foo": {}}},
            ["metadata.bogus", "spec.foo"],
            id="nested",
        ),
        pytest.param(
            {**CONTAINER, "spec": {"image": IMAGE, "ports": [{"containerPort": 80, "x": 1}]}},
            ["spec.ports[0].x"],
            id="in-a-list",
        ),
        pytest.param(
            {**CONTAINER, "spec": {"image": "Bad Image", "foo": 1}},
            ["spec.foo"],
            id="beside-a-bad-value",
        ),
    ],
)
def test_unknown_fields_are_found_by_path(body: dict[str, Any], unknown: list[str]) -> None:
    assert validation.unknown_fields(body) == unknown


def test_unknown_fields_are_refused_or_dropped() -> None:
    body = {**CONTAINER, "spec": {"image": IMAGE, "foo": 1}, "bogus": 2}
    with pytest.raises(Invalid) as refused:
        validation.container(body)
    assert refused.value.errors == [("spec.foo", "unknown field"), ("bogus", "unknown field")]
    dropped = validation.container(body, drop_unknown=True)
    assert dropped == validation.container(CONTAINER)
    assert body["spec"] == {"image": IMAGE, "foo": 1}  # the caller's body is left as it was


def test_dropping_unknown_fields_still_refuses_bad_values() -> None:
    body = {**CONTAINER, "spec": {"image": "Bad Image", "foo": 1}}
    with pytest.raises(Invalid) as refused:
        validation.container(body, drop_unknown=True)
    assert [field for field, _ in refused.value.errors] == ["spec.image"]
