"""The v1 model: validation never fails in an unexpected way, and what is stored reads back."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from support.api import SPEC_FIELDS

from mcp import model, validation
from mcp.errors import Invalid
from mcp.model import Container, ContainerSpec

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=12,
)
near_valid_specs = st.fixed_dictionaries(
    {"image": st.sampled_from(["busybox:latest", "mcp-test/busybox:latest", "BAD IMAGE"])},
    optional={name: json_values for name in SPEC_FIELDS[1:]},
)
valid_specs: st.SearchStrategy[dict[str, Any]] = st.builds(
    dict,
    image=st.sampled_from(["busybox:latest", "registry:5000/team/app:1.2"]),
    args=st.lists(
        st.text(alphabet=st.characters(blacklist_characters="\0"), max_size=10), max_size=4
    ),
    env=st.dictionaries(
        st.from_regex(r"[A-Z_][A-Z0-9_]{0,8}", fullmatch=True),
        st.text(alphabet="abc=", max_size=5),
        max_size=3,
    ),
    ports=st.lists(st.integers(1, 65535), max_size=3, unique=True).map(
        lambda ports: [{"containerPort": port} for port in ports]
    ),
    state=st.sampled_from(["running", "stopped"]),
    restartPolicy=st.sampled_from(["Always", "OnFailure", "Never"]),
    resources=st.fixed_dictionaries(
        {},
        optional={
            "memory": st.sampled_from(["64Mi", "1G", "6Mi"]),
            "cpus": st.sampled_from(["0.5", "2", "250m"]),
        },
    ),
)


@settings(max_examples=300, deadline=None)
@given(body=json_values | near_valid_specs)
def test_any_json_is_either_a_spec_or_invalid_with_fields(body: Any) -> None:
    problems: list[tuple[str, str]] = []
    try:
        spec = validation.spec(body)
    except Invalid as exc:
        problems = exc.errors
    else:
        assert isinstance(spec, ContainerSpec)
        return
    assert problems
    assert all(field.startswith("spec") and message for field, message in problems)


@settings(max_examples=200, deadline=None)
@given(body=valid_specs)
def test_stored_objects_read_back_unchanged(body: dict[str, Any]) -> None:
    spec = validation.spec(body)
    obj = Container(name="web", uid="u", spec=spec, labels={"app": "web"}, created_at="t")
    stored = model.encode_container(obj)
    back = model.decode_container(stored, resource_version=7, create_revision=3)
    assert back.spec == spec
    assert (back.name, back.uid, back.labels, back.resource_version) == ("web", "u", obj.labels, 7)
    # Only what needs a new Docker container changes the runtime hash.
    other_state = "stopped" if spec.state == "running" else "running"
    assert spec.model_copy(update={"state": other_state}).runtime_hash() == spec.runtime_hash()


def test_env_map_and_list_are_the_same_spec() -> None:
    as_map = validation.spec({"image": "busybox", "env": {"A": "1", "B": "2"}})
    as_list = validation.spec(
        {"image": "busybox", "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]}
    )
    assert as_map == as_list
    assert as_map.env_list == ["A=1", "B=2"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        pytest.param({"image": "busybox", "bogus": 1}, "spec.bogus", id="unknown-field"),
        pytest.param(
            {"image": "busybox", "ports": [{"containerPort": 0}]},
            "spec.ports[0].containerPort",
            id="port-zero",
        ),
        pytest.param(
            {"image": "busybox", "ports": [{"containerPort": 80}, {"containerPort": 80}]},
            "spec.ports",
            id="duplicate-port",
        ),
        pytest.param(
            {"image": "busybox", "resources": {"memory": "1Ki"}},
            "spec.resources.memory",
            id="memory",
        ),
        pytest.param(
            {"image": "busybox", "env": [{"name": "1X"}]}, "spec.env[0].name", id="env-name"
        ),
        pytest.param(
            {"image": "busybox", "labels": {"mcp.uid": "x"}}, "spec.labels", id="reserved-label"
        ),
        pytest.param(
            {"image": "busybox", "workingDir": "rel"}, "spec.workingDir", id="relative-dir"
        ),
    ],
)
def test_invalid_fields_are_named_by_json_path(body: dict[str, Any], field: str) -> None:
    with pytest.raises(Invalid) as caught:
        validation.spec(body)
    assert [name for name, _ in caught.value.errors] == [field]
