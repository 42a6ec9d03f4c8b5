"""The seed API's request validation: every bad field is named, good input becomes a spec."""

from __future__ import annotations

from typing import Any

import pytest

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
