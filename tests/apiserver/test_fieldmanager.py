"""managedFields as kube-apiserver writes them, and server-side apply's answers."""

from __future__ import annotations

import json
from typing import Any

import pytest

from mcp.apiserver import fieldmanager
from mcp.apiserver.status import KubeError

T0, T1, T2 = "2024-05-01T10:00:00Z", "2024-05-01T10:00:01Z", "2024-05-01T10:00:02Z"


def configmap(data: dict[str, str], **metadata: Any) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "x", "namespace": "default", **metadata},
        "data": data,
    }


def entries(obj: dict[str, Any]) -> list[dict[str, Any]]:
    return list(obj["metadata"].get("managedFields", []))


def applied(live: dict[str, Any], config: dict[str, Any], manager: str, **kw: Any) -> Any:
    return fieldmanager.applied(
        live, config, manager, group_version="v1", kind="ConfigMap", now=T1, **kw
    )


def test_a_create_is_an_update_entry_with_what_it_added() -> None:
    created = fieldmanager.updated(
        {}, configmap({"color": "blue"}, labels={"app": "web"}), "kubectl-create", now=T0
    )
    assert entries(created) == [
        {
            "manager": "kubectl-create",
            "operation": "Update",
            "apiVersion": "v1",
            "time": T0,
            "fieldsType": "FieldsV1",
            "fieldsV1": {
                "f:data": {".": {}, "f:color": {}},
                "f:metadata": {"f:labels": {".": {}, "f:app": {}}},
            },
        }
    ]


def test_an_update_that_changes_nothing_keeps_the_time() -> None:
    created = fieldmanager.updated({}, configmap({"a": "1"}), "kubectl-edit", now=T0)
    again = fieldmanager.updated(created, configmap({"a": "1"}), "kubectl-edit", now=T1)
    assert entries(again) == entries(created)
    other = fieldmanager.updated(created, configmap({"a": "1"}), "someone", now=T1)
    assert [e["manager"] for e in entries(other)] == ["kubectl-edit"]


@pytest.mark.parametrize("sent", [[], [{}]], ids=["empty-list", "one-empty-entry"])
def test_sending_empty_managed_fields_clears_them(sent: list[Any]) -> None:
    created = fieldmanager.updated({}, configmap({"a": "1"}), "kubectl-create", now=T0)
    cleared = fieldmanager.updated(
        created, configmap({"a": "1"}, managedFields=sent), "kubectl-patch", now=T1
    )
    assert "managedFields" not in cleared["metadata"]


def test_sent_managed_fields_replace_the_live_ones() -> None:
    created = fieldmanager.updated({}, configmap({"a": "1"}), "kubectl-client-side-apply", now=T0)
    moved = [{**entries(created)[0], "manager": "kubectl", "operation": "Apply"}]
    del moved[0]["time"]
    written = fieldmanager.updated(
        created, configmap({"a": "1"}, managedFields=moved), "kubectl", now=T1
    )
    assert [(e["manager"], e["operation"]) for e in entries(written)] == [("kubectl", "Apply")]


@pytest.mark.parametrize(
    ("manager", "agent", "name"),
    [
        pytest.param(None, "kubectl/v1.37.1 (linux/amd64) kubernetes/abc", "kubectl", id="kubectl"),
        pytest.param(None, "OpenAPI-Generator/37.0.2/python", "OpenAPI-Generator", id="python"),
        pytest.param("kubectl-edit", "kubectl/v1.37.1", "kubectl-edit", id="given"),
        pytest.param(None, "a\x01b/1", "ab", id="unprintable-dropped"),
        pytest.param(None, "x" * 200, "x" * 128, id="cut"),
    ],
)
def test_default_manager(manager: str | None, agent: str, name: str) -> None:
    assert fieldmanager.default_manager(manager, agent) == name


def test_apply_without_a_field_manager_is_invalid_as_upstream() -> None:
    with pytest.raises(KubeError) as refused:
        fieldmanager.check_options("PatchOptions", None, apply_patch=True, force=None)
    assert refused.value.code == 422
    assert str(refused.value) == (
        'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: '
        "is required for apply patch"
    )
    assert refused.value.details == {
        "group": "meta.k8s.io",
        "kind": "PatchOptions",
        "causes": [
            {
                "reason": "FieldValueRequired",
                "message": "Required value: is required for apply patch",
                "field": "fieldManager",
            }
        ],
    }


@pytest.mark.parametrize(
    ("apply_patch", "force", "code", "words"),
    [
        pytest.param(False, "true", 422, "force: Forbidden", id="force-on-merge-patch"),
        pytest.param(True, "maybe", 400, 'parsing "maybe"', id="not-a-boolean"),
    ],
)
def test_patch_options_refused(apply_patch: bool, force: str, code: int, words: str) -> None:
    with pytest.raises(KubeError) as refused:
        fieldmanager.check_options("PatchOptions", "m", apply_patch=apply_patch, force=force)
    assert refused.value.code == code
    assert words in str(refused.value)


@pytest.mark.parametrize(("raw", "forced"), [("True", True), ("1", True), ("false", False)])
def test_force_reads_as_go_parses_booleans(raw: str, forced: bool) -> None:
    assert fieldmanager.check_options("PatchOptions", "m", apply_patch=True, force=raw) is forced


def test_apply_creates_owns_and_answers_conflicts_as_kubectl_prints_them() -> None:
    first = applied({}, configmap({"color": "blue"}), "kubectl", force=False)
    assert entries(first)[0]["fieldsV1"] == {"f:data": {"f:color": {}}}
    assert (entries(first)[0]["operation"], entries(first)[0]["time"]) == ("Apply", T1)
    with pytest.raises(KubeError) as refused:
        applied(first, configmap({"color": "red"}), "other", force=False)
    assert refused.value.code == 409
    assert (
        str(refused.value) == 'Apply failed with 1 conflict: conflict with "kubectl": .data.color'
    )
    assert refused.value.details == {
        "causes": [
            {
                "reason": "FieldManagerConflict",
                "message": 'conflict with "kubectl"',
                "field": ".data.color",
            }
        ]
    }


def test_a_conflict_with_an_updater_names_its_version() -> None:
    created = fieldmanager.updated({}, configmap({"a": "1", "b": "2"}), "edit", now=T0)
    with pytest.raises(KubeError) as refused:
        applied(created, configmap({"a": "9", "b": "8"}), "other", force=False)
    assert str(refused.value) == (
        'Apply failed with 2 conflicts: conflicts with "edit" using v1:\n- .data.a\n- .data.b'
    )


def test_kubectl_takes_over_what_client_side_apply_set() -> None:
    last = json.dumps(configmap({"color": "blue"}))
    annotations = {fieldmanager.LAST_APPLIED: last}
    live = fieldmanager.updated(
        {},
        configmap({"color": "blue"}, annotations=annotations),
        "kubectl-client-side-apply",
        now=T0,
    )
    config = configmap({"color": "red"})
    with pytest.raises(KubeError):
        applied(live, config, "someone-else", force=False)
    new = applied(live, config, "kubectl", force=False)
    assert new["data"] == {"color": "red"}
    stored = json.loads(new["metadata"]["annotations"][fieldmanager.LAST_APPLIED])
    assert stored["data"] == {"color": "red"}  # kept up to date for a later client-side apply
    managers = {(e["manager"], e["operation"]) for e in entries(new)}
    assert ("kubectl", "Apply") in managers


def test_a_no_op_apply_keeps_the_object_and_its_time() -> None:
    first = applied({}, configmap({"color": "blue"}), "kubectl", force=False)
    again = fieldmanager.applied(
        first,
        configmap({"color": "blue"}),
        "kubectl",
        group_version="v1",
        kind="ConfigMap",
        force=False,
        now=T2,
    )
    assert again == first


@pytest.mark.parametrize(
    ("config", "words"),
    [
        pytest.param(
            {**configmap({}), "kind": "Secret"}, "invalid object type: /v1, Kind=Secret", id="kind"
        ),
        pytest.param(
            configmap({}, managedFields=[]), "metadata.managedFields must be nil", id="managed"
        ),
        pytest.param(
            {**configmap({}), "bogus": 1},
            "failed to create typed patch object (default/x; /v1, Kind=ConfigMap): "
            ".bogus: field not declared in schema",
            id="undeclared",
        ),
    ],
)
def test_apply_refuses(config: dict[str, Any], words: str) -> None:
    with pytest.raises(KubeError) as refused:
        applied({}, config, "kubectl", force=False)
    assert refused.value.code == 400
    assert str(refused.value) == words
