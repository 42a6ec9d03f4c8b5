"""Server-side apply's pure core: field paths, the typed walks, and ownership.

The ownership tables replay cases of structured-merge-diff's `merge/set_test.go`,
`merge/key_test.go` and `merge/multiple_appliers_test.go` (one version; their schemas
written as `Shape`s): a sequence of applies and updates, then the object and who owns what.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
import yaml

from mcp.apiserver.patch import apply, fieldpath, typed
from mcp.apiserver.patch.errors import PatchError
from mcp.apiserver.patch.fieldpath import Path, field, keyed, member, path_of
from mcp.apiserver.patch.shapes import OBJECT_META, STRINGS, shape_for
from mcp.apiserver.patch.typed import SCALAR, Shape

SETS = Shape("map", fields={"list": Shape("list", elements=SCALAR, list_type="set")})
ELEMENT = Shape("map", fields={"name": SCALAR, "value": SCALAR})
ASSOCIATIVE = Shape(
    "map", fields={"list": Shape("list", elements=ELEMENT, list_type="map", keys=("name",))}
)
CONFIGMAP = shape_for("v1", "ConfigMap")


def v(*items: str) -> frozenset[Path]:
    return frozenset((field("list"), member(item)) for item in items)


@dataclass(frozen=True)
class Apply:
    manager: str
    object: str
    force: bool = False


@dataclass(frozen=True)
class Update:
    manager: str
    object: str


def replay(shape: Shape, ops: list[Apply | Update]) -> tuple[Any, dict[str, apply.Owned]]:
    live: Any = {}
    managers: dict[str, apply.Owned] = {}
    for op in ops:
        obj = yaml.safe_load(op.object)
        if isinstance(op, Apply):
            new, managers = apply.apply(
                live, obj, shape, "v1", managers, op.manager, force=op.force
            )
            live = live if new is None else new
        else:
            managers = apply.update(live, obj, shape, "v1", managers, op.manager)
            live = obj
    return live, managers


@pytest.mark.parametrize(
    ("ops", "expected", "owners"),
    [
        pytest.param(
            [Apply("default", "list: [a, c]"), Apply("default", "list: [a, b, c, d]")],
            ["a", "b", "c", "d"],
            {"default": v("a", "b", "c", "d")},
            id="set-apply-twice",
        ),
        pytest.param(
            [
                Apply("default", "list: [a, c]"),
                Update("controller", "list: [a, b, c, d]"),
                Apply("default", "list: [a, aprime, c, cprime]"),
            ],
            ["a", "b", "aprime", "c", "d", "cprime"],
            {"default": v("a", "aprime", "c", "cprime"), "controller": v("b", "d")},
            id="set-apply-update-apply-no-overlap",
        ),
        pytest.param(
            [
                Apply("default", "list: [a, c]"),
                Update("controller", "list: [a, b, c, d]"),
                Apply("default", "list: [a, b, c]"),
            ],
            ["a", "b", "c", "d"],
            {"default": v("a", "b", "c"), "controller": v("b", "d")},
            id="set-apply-update-apply-with-overlap",
        ),
        pytest.param(
            [Apply("default", "list: [a, b, c, d]"), Apply("default", "list: [a, d, c, b]")],
            ["a", "d", "c", "b"],
            {"default": v("a", "b", "c", "d")},
            id="set-apply-twice-reorder",
        ),
        pytest.param(
            [
                Apply("default", "list: [a, b, c, d]"),
                Update("controller", "list: [a, d, c, b]"),
                Apply("default", "list: [a, b, c, d]"),
            ],
            ["a", "b", "c", "d"],
            {"default": v("a", "b", "c", "d")},
            id="set-apply-update-apply-reorder",
        ),
        pytest.param(
            [Apply("default", "list: [a, b, c, d]"), Apply("default", "list: [a, c]")],
            ["a", "c"],
            {"default": v("a", "c")},
            id="set-apply-twice-remove",
        ),
    ],
)
def test_sets_merge_and_own_as_upstream(
    ops: list[Apply | Update], expected: list[str], owners: dict[str, frozenset[Path]]
) -> None:
    live, managers = replay(SETS, ops)
    assert live == {"list": expected}
    assert {m: owned.fields for m, owned in managers.items()} == owners


def test_an_obsolete_applied_struct_is_removed_from_a_list_map() -> None:
    live, managers = replay(
        ASSOCIATIVE,
        [
            Apply("default", "list: [{name: a, value: 1}]"),
            Apply("default", "list: [{name: b, value: 2}]"),
        ],
    )
    assert live == {"list": [{"name": "b", "value": 2}]}
    b = (field("list"), keyed({"name": "b"}))
    assert managers["default"].fields == {b, (*b, field("name")), (*b, field("value"))}


def test_an_item_another_applier_owns_is_not_pruned() -> None:
    live, managers = replay(
        ASSOCIATIVE,
        [
            Apply("one", "list: [{name: a, value: 1}]"),
            Apply("two", "list: [{name: a, value: 1}, {name: b, value: 2}]"),
            Apply("two", "list: [{name: b, value: 2}]"),
        ],
    )
    assert live == {"list": [{"name": "a", "value": 1}, {"name": "b", "value": 2}]}
    assert set(managers) == {"one", "two"}


CM = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n"


@pytest.mark.parametrize(
    ("ops", "data", "owners"),
    [
        pytest.param(
            [
                Apply("kubectl", CM + "data: {color: blue, size: large}"),
                Apply("kubectl", CM + "data: {color: blue}"),
            ],
            {"color": "blue"},
            {"kubectl"},
            id="removed-key-is-pruned",
        ),
        pytest.param(
            [
                Apply("kubectl", CM + "data: {color: blue, size: large}"),
                Update("edit", CM + "data: {color: blue, size: xl}"),
                Apply("kubectl", CM + "data: {color: blue}"),
            ],
            {"color": "blue", "size": "xl"},
            {"kubectl", "edit"},
            id="key-an-updater-changed-stays",
        ),
        pytest.param(
            [
                Apply("kubectl", CM + "data: {color: blue}"),
                Apply("other", CM + "data: {color: blue}"),
                Apply("kubectl", CM + "data: {}"),
            ],
            {"color": "blue"},
            {"other", "kubectl"},
            id="shared-key-stays-with-the-other-applier",
        ),
        pytest.param(
            [
                Apply("kubectl", CM + "data: {color: blue}"),
                Apply("other", CM + "data: {color: red}", force=True),
            ],
            {"color": "red"},
            {"other", "kubectl"},
            id="force-moves-the-field",
        ),
    ],
)
def test_configmap_applies(
    ops: list[Apply | Update], data: dict[str, str], owners: set[str]
) -> None:
    live, managers = replay(CONFIGMAP, ops)
    assert live["data"] == data
    assert set(managers) == owners


def test_a_changed_field_another_manager_owns_is_a_conflict() -> None:
    with pytest.raises(apply.Conflicts) as refused:
        replay(
            CONFIGMAP,
            [
                Apply("kubectl", CM + "data: {color: blue, size: large}"),
                Apply("other", CM + "data: {color: red, size: large}"),  # same size: shared
            ],
        )
    assert refused.value.conflicts == [apply.Conflict("kubectl", path_of("data", "color"))]


def test_an_updater_takes_fields_without_conflict() -> None:
    live, managers = replay(
        CONFIGMAP,
        [Apply("kubectl", CM + "data: {color: blue}"), Update("edit", CM + "data: {color: red}")],
    )
    assert live["data"] == {"color": "red"}
    assert set(managers) == {"edit", "kubectl"}
    assert path_of("data", "color") not in managers["kubectl"].fields
    assert path_of("data", "color") in managers["edit"].fields


@pytest.mark.parametrize(
    ("fields", "paths"),
    [
        pytest.param(
            {"f:data": {"f:color": {}}, "f:metadata": {"f:labels": {"f:app": {}}}},
            {path_of("data", "color"), path_of("metadata", "labels", "app")},
            id="leaves",
        ),
        pytest.param(
            {"f:data": {".": {}, "f:color": {}}},
            {path_of("data"), path_of("data", "color")},
            id="member-with-children",
        ),
        pytest.param(
            {"f:secrets": {'k:{"name":"a"}': {}, 'k:{"name":"b"}': {".": {}, "f:name": {}}}},
            {
                (field("secrets"), keyed({"name": "a"})),
                (field("secrets"), keyed({"name": "b"})),
                (field("secrets"), keyed({"name": "b"}), field("name")),
            },
            id="keys",
        ),
        pytest.param(
            {"f:metadata": {"f:finalizers": {'v:"x"': {}}}},
            {(field("metadata"), field("finalizers"), member("x"))},
            id="set-values",
        ),
    ],
)
def test_fields_v1_round_trips(fields: dict[str, Any], paths: set[Path]) -> None:
    assert fieldpath.from_fields(fields) == paths
    assert fieldpath.to_fields(paths) == fields


def test_keys_are_written_sorted_and_compact() -> None:
    element = keyed({"protocol": "TCP", "containerPort": 80})
    assert fieldpath.serialize(element) == 'k:{"containerPort":80,"protocol":"TCP"}'
    assert fieldpath.deserialize(fieldpath.serialize(element)) == element
    path = (field("spec"), field("containers"), keyed({"name": "web"}), field("image"))
    assert fieldpath.path_string(path) == '.spec.containers[name="web"].image'
    assert fieldpath.path_string(
        (field("list"), member("a"), fieldpath.PathElement("i", index=2))
    ) == ('.list[="a"][2]')


@pytest.mark.parametrize(
    ("obj", "paths"),
    [
        pytest.param(
            {"data": {"color": "blue"}, "metadata": {"labels": {"app": "web"}}},
            {path_of("data", "color"), path_of("metadata", "labels", "app")},
            id="struct-fields-are-not-members",
        ),
        pytest.param(
            {"data": {}, "immutable": None},
            {path_of("data"), path_of("immutable")},
            id="empty-and-null-are-members",
        ),
    ],
)
def test_to_field_set(obj: dict[str, Any], paths: set[Path]) -> None:
    assert typed.to_field_set(obj, CONFIGMAP) == paths


def test_compare_marks_a_new_map_as_added() -> None:
    compared = typed.compare(
        {"metadata": {"name": "x"}}, {"metadata": {"name": "x", "labels": {"a": "1"}}}, CONFIGMAP
    )
    assert compared.added == {path_of("metadata", "labels"), path_of("metadata", "labels", "a")}
    assert not compared.modified
    assert not compared.removed


def test_remove_items_leaves_null_for_an_emptied_map() -> None:
    removed = typed.remove_items(
        {"data": {"a": "1"}, "metadata": {"name": "x"}},
        frozenset({path_of("data", "a")}),
        CONFIGMAP,
    )
    assert removed == {"data": None, "metadata": {"name": "x"}}


def test_named_fields_become_members_but_map_keys_do_not() -> None:
    paths = frozenset({path_of("metadata", "labels", "app")})
    assert typed.ensure_named_fields_are_members(paths, CONFIGMAP) == {
        path_of("metadata"),
        path_of("metadata", "labels"),
        path_of("metadata", "labels", "app"),
    }
    assert typed.ensure_named_fields_are_members(frozenset({path_of("a", "b")}), STRINGS) == {
        path_of("a", "b")
    }


def test_undeclared_fields_are_named_as_upstream_names_them() -> None:
    config = {"metadata": {"name": "x", "bogus": 1}, "spec": {}}
    assert list(typed.declared_problems(config, CONFIGMAP)) == [
        ".metadata.bogus: field not declared in schema",
        ".spec: field not declared in schema",
    ]
    assert list(typed.declared_problems({"labels": {"any": "x"}}, OBJECT_META)) == []


@pytest.mark.parametrize(
    ("items", "words"),
    [
        pytest.param([{"value": 1}], "omits all key fields", id="no-key"),
        pytest.param([{"name": "a"}, {"name": "a"}], "duplicate entries", id="duplicate"),
    ],
)
def test_applied_list_maps_need_unique_keys(items: list[Any], words: str) -> None:
    with pytest.raises(PatchError, match=words):
        apply.apply({}, {"list": items}, ASSOCIATIVE, "v1", {}, "m", force=False)
