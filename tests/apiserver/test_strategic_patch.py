"""Strategic merge patch: upstream's cases, directives one by one, and properties.

The upstream cases (strategic_upstream.py) run against upstream's test type, `mergeItem`,
described here as `MERGE_ITEM` from the Go struct tags in patch_test.go.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence

import pytest
from _pytest.mark.structures import ParameterSet
from hypothesis import given, settings
from hypothesis import strategies as st

from apiserver.strategic_upstream import APPLY_RAW, APPLY_TABLE, TWO_WAY_RAW, TWO_WAY_TABLE, Case
from mcp.apiserver.patch import schemas, strategic
from mcp.apiserver.patch.errors import MalformedPatch, PatchError
from mcp.apiserver.patch.strategic import Field, Schema

PROPERTY = settings(max_examples=300, deadline=None)

_MERGE_ITEM_FIELDS: dict[str, Field] = {}
_RETAIN_KEYS_ITEM_FIELDS: dict[str, Field] = {}
MERGE_ITEM = Schema("mergeItem", _MERGE_ITEM_FIELDS)
RETAIN_KEYS_ITEM = Schema("retainKeysMergeItem", _RETAIN_KEYS_ITEM_FIELDS)
# The type is recursive, so its fields are filled in once both schemas exist.
_MERGE_ITEM_FIELDS.update(
    mergingList=Field("merge", "name", schema=MERGE_ITEM),
    nonMergingList=Field(schema=MERGE_ITEM),
    mergingIntList=Field("merge"),
    nonMergingIntList=Field(),
    mergeItemPtr=Field("merge", "name", schema=MERGE_ITEM),
    replacingItem=Field("replace"),
    retainKeysMap=Field(retain_keys=True, schema=RETAIN_KEYS_ITEM),
    retainKeysMergingList=Field("merge", "name", retain_keys=True, schema=MERGE_ITEM),
)
_RETAIN_KEYS_ITEM_FIELDS.update(
    mergingIntList=Field("merge"),
    mergingList=Field("merge", "name", schema=MERGE_ITEM),
    nonMergingList=Field(schema=MERGE_ITEM),
)


def sort_merge_lists(document: Mapping[str, object], schema: Schema) -> dict[str, object]:
    """Upstream's sortMergeListsByNameMap: merging lists sorted by merge key, recursively."""
    result: dict[str, object] = {}
    for key, value in document.items():
        if key == strategic.RETAIN_KEYS or key.startswith(strategic.DELETE_FROM_PRIMITIVE_LIST):
            assert isinstance(value, list)
            value = sorted(value, key=strategic.go_string)
        elif key.startswith(strategic.SET_ELEMENT_ORDER) or key == strategic.DIRECTIVE:
            pass
        elif isinstance(value, dict):
            value = sort_merge_lists(value, schema.lookup(key).schema or strategic.OPEN)
        elif isinstance(value, list) and schema.lookup(key).strategy == "merge":
            value = _sort_merge_list(value, schema.lookup(key))
        result[key] = value
    return result


def _sort_merge_list(items: list[object], meta: Field) -> list[object]:
    if not items:
        return items
    if not isinstance(items[0], dict):
        unique: list[object] = []
        for item in items:
            if item not in unique:
                unique.append(item)
        return sorted(unique, key=strategic.go_string)
    elements = [
        sort_merge_lists(i, meta.schema or strategic.OPEN) for i in items if isinstance(i, dict)
    ]
    ordered: list[dict[str, object]] = sorted(
        elements, key=lambda e: strategic.go_string(e.get(meta.merge_key))
    )
    return list(ordered)


def _sorted(document: dict[str, object] | None) -> dict[str, object]:
    return sort_merge_lists(document or {}, MERGE_ITEM)


def _two_way_documents(case: Case, sort: bool) -> tuple[dict[str, object], ...]:
    documents = (case.original, case.two_way, case.modified, case.two_way_result or case.modified)
    if sort:
        return tuple(_sorted(d) for d in documents)
    return tuple(d or {} for d in documents)


def _rows(table: list[ParameterSet], sort: bool, *, three_way: bool = False) -> list[ParameterSet]:
    """(case, whether to sort its documents as upstream does) for each upstream case."""
    rows = []
    for row in table:
        case = row.values[0]
        assert isinstance(case, Case)
        if not three_way or case.result:
            rows.append(pytest.param(case, sort, id=row.id))
    return rows


TWO_WAY = _rows(TWO_WAY_TABLE, True) + _rows(TWO_WAY_RAW, False)
THREE_WAY = _rows(TWO_WAY_TABLE, True, three_way=True) + _rows(TWO_WAY_RAW, False, three_way=True)
APPLY = _rows(APPLY_TABLE, True) + _rows(APPLY_RAW, False)


@pytest.mark.parametrize(("case", "sort"), TWO_WAY)
def test_create_two_way(case: Case, sort: bool) -> None:
    original, two_way, modified, _ = _two_way_documents(case, sort)
    assert strategic.create_two_way(original, modified, MERGE_ITEM) == two_way


@pytest.mark.parametrize(("case", "sort"), TWO_WAY + APPLY)
def test_apply_two_way(case: Case, sort: bool) -> None:
    """The two-way patch applied to `original` (for the APPLY cases, the patch under test)."""
    original, two_way, _, expected = _two_way_documents(case, sort)
    if case.error:
        with pytest.raises(PatchError, match=case.error):
            strategic.apply(original, two_way, MERGE_ITEM)
    else:
        assert strategic.apply(original, two_way, MERGE_ITEM) == expected


@pytest.mark.parametrize(("case", "sort"), THREE_WAY)
def test_apply_three_way(case: Case, sort: bool) -> None:
    """The patch kubectl's client-side apply sends, applied to the live object."""
    documents = (case.current, case.three_way, case.result)
    current, three_way, result = (_sorted(d) if sort else d or {} for d in documents)
    assert strategic.apply(current, three_way, MERGE_ITEM) == result


def _deployment(spec: dict[str, object], **metadata: object) -> dict[str, object]:
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": metadata, "spec": spec}


def _pod_template(**pod_spec: object) -> dict[str, object]:
    return {"template": {"spec": pod_spec}}


WEB = {"name": "web", "image": "web:1", "env": [{"name": "A", "value": "1"}]}
SIDE = {"name": "side", "image": "side:1"}

DEPLOYMENT_CASES = [
    pytest.param(
        _deployment(_pod_template(containers=[WEB, SIDE])),
        {
            "spec": {
                "template": {
                    "spec": {
                        "$setElementOrder/containers": [{"name": "web"}],
                        "containers": [
                            {"name": "web", "image": "web:2"},
                            {"name": "side", "$patch": "delete"},
                        ],
                    }
                }
            }
        },
        _deployment(_pod_template(containers=[{**WEB, "image": "web:2"}])),
        id="kubectl-apply-drops-a-container",
    ),
    pytest.param(
        _deployment(_pod_template(containers=[WEB, SIDE])),
        {
            "spec": {
                "template": {
                    "spec": {
                        "$setElementOrder/containers": [{"name": "side"}, {"name": "web"}],
                    }
                }
            }
        },
        _deployment(_pod_template(containers=[SIDE, WEB])),
        id="set-element-order-alone-reorders",
    ),
    pytest.param(
        _deployment(_pod_template(containers=[WEB])),
        {"spec": {"template": {"spec": {"containers": [{"name": "web", "env": [{"name": "B"}]}]}}}},
        _deployment(
            _pod_template(containers=[{**WEB, "env": [{"name": "B"}, {"name": "A", "value": "1"}]}])
        ),
        id="env-merges-by-name-new-first-without-set-element-order",
    ),
    pytest.param(
        _deployment(_pod_template(containers=[{"name": "web", "ports": [{"containerPort": 80}]}])),
        {
            "spec": {
                "template": {
                    "spec": {
                        "containers": [
                            {"name": "web", "ports": [{"containerPort": 80, "name": "http"}]}
                        ]
                    }
                }
            }
        },
        _deployment(
            _pod_template(
                containers=[{"name": "web", "ports": [{"containerPort": 80, "name": "http"}]}]
            )
        ),
        id="ports-merge-by-container-port",
    ),
    pytest.param(
        _deployment(_pod_template(containers=[WEB, SIDE])),
        {"spec": {"template": {"spec": {"containers": [{"$patch": "replace"}, SIDE]}}}},
        _deployment(_pod_template(containers=[SIDE])),
        id="patch-replace-in-a-list",
    ),
    pytest.param(
        _deployment({"replicas": 1}, labels={"app": "web", "tier": "front"}),
        {"metadata": {"labels": {"tier": None, "canary": "yes"}}},
        _deployment({"replicas": 1}, labels={"app": "web", "canary": "yes"}),
        id="labels-merge-null-deletes",
    ),
    pytest.param(
        _deployment({"replicas": 1}, annotations={"a": "1"}),
        {"metadata": {"annotations": {"$patch": "delete"}}},
        _deployment({"replicas": 1}, annotations={}),
        id="patch-delete-a-map",
    ),
    pytest.param(
        _deployment({"replicas": 1}, annotations={"a": "1"}),
        {"metadata": {"annotations": {"$patch": "replace", "b": "2"}}},
        _deployment({"replicas": 1}, annotations={"b": "2"}),
        id="patch-replace-a-map",
    ),
    pytest.param(
        _deployment({"replicas": 1}, finalizers=["a", "b", "c"]),
        {"metadata": {"$deleteFromPrimitiveList/finalizers": ["b"], "finalizers": ["d"]}},
        _deployment({"replicas": 1}, finalizers=["d", "a", "c"]),
        id="finalizers-merge-and-delete",
    ),
    pytest.param(
        _deployment({"strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1}}}),
        {"spec": {"strategy": {"$retainKeys": ["type"], "type": "Recreate"}}},
        _deployment({"strategy": {"type": "Recreate"}}),
        id="retain-keys-clears-rolling-update",
    ),
    pytest.param(
        _deployment(_pod_template(volumes=[{"name": "v", "emptyDir": {}}])),
        {
            "spec": {
                "template": {
                    "spec": {
                        "volumes": [
                            {
                                "name": "v",
                                "$retainKeys": ["configMap", "name"],
                                "configMap": {"name": "c"},
                            }
                        ]
                    }
                }
            }
        },
        _deployment(_pod_template(volumes=[{"name": "v", "configMap": {"name": "c"}}])),
        id="volume-source-switched-with-retain-keys",
    ),
    pytest.param(
        _deployment(_pod_template(tolerations=[{"key": "a"}, {"key": "b"}])),
        {"spec": {"template": {"spec": {"tolerations": [{"key": "c"}]}}}},
        _deployment(_pod_template(tolerations=[{"key": "c"}])),
        id="tolerations-are-atomic",
    ),
    pytest.param(
        _deployment(_pod_template(tolerations=[{"key": "a"}])),
        {
            "spec": {
                "template": {
                    "spec": {"tolerations": [{"key": "b", "$patch": "delete"}, {"key": "c"}]}
                }
            }
        },
        _deployment(_pod_template(tolerations=[{"key": "c"}])),
        id="directive-in-replaced-list-not-stored",
    ),
    pytest.param(
        _deployment(_pod_template(containers=[WEB])),
        {
            "spec": {
                "template": {
                    "spec": {
                        "containers": [
                            {
                                "name": "new",
                                "env": [{"name": "X", "$patch": "delete"}, {"name": "Y"}],
                            }
                        ]
                    }
                }
            }
        },
        _deployment(_pod_template(containers=[{"name": "new", "env": [{"name": "Y"}]}, WEB])),
        id="directive-in-new-element-not-stored",
    ),
    pytest.param(
        _deployment({"replicas": 1}),
        {
            "spec": {
                "template": {
                    "spec": {
                        "$setElementOrder/containers": [{"name": "a"}],
                        "containers": [{"name": "a"}],
                    }
                }
            }
        },
        _deployment({"replicas": 1, "template": {"spec": {"containers": [{"name": "a"}]}}}),
        id="directive-in-new-field-not-stored",
    ),
    pytest.param(
        _deployment({"replicas": 1}), {"$patch": "delete"}, {}, id="patch-delete-the-object"
    ),
    pytest.param(
        _deployment({"replicas": 1}),
        {"metadata": {"$patch": "merge"}},
        PatchError,
        id="patch-merge-in-a-map-refused",
    ),
    pytest.param(
        _deployment(_pod_template(containers=[WEB])),
        {"spec": {"template": {"spec": {"containers": [{"$patch": "merge"}]}}}},
        PatchError,
        id="patch-merge-in-a-list-refused",
    ),
    pytest.param(
        _deployment(_pod_template(containers=[WEB])),
        {"spec": {"template": {"spec": {"containers": [{"image": "x"}]}}}},
        PatchError,
        id="missing-merge-key",
    ),
    pytest.param(
        _deployment({"replicas": 1}),
        {"spec": {"$setElementOrder/containers": {"name": "a"}}},
        MalformedPatch,
        id="set-element-order-not-a-list",
    ),
    pytest.param(
        _deployment({"replicas": 1}),
        {"spec": {"$setElementOrderX": []}},
        MalformedPatch,
        id="set-element-order-without-slash",
    ),
    pytest.param(
        _deployment({"replicas": 1}),
        {"spec": {"$retainKeys": "replicas"}},
        MalformedPatch,
        id="retain-keys-not-a-list",
    ),
    pytest.param(
        _deployment({"replicas": 1}),
        {"spec": {"$retainKeys": ["paused"], "replicas": 2}},
        MalformedPatch,
        id="retain-keys-missing-a-patched-field",
    ),
    pytest.param(
        {"metadata": {"finalizers": [["a"]]}},
        {"metadata": {"finalizers": [["b"]]}},
        PatchError,
        id="lists-of-lists",
    ),
    pytest.param(
        _deployment({}), ["not", "an", "object"], MalformedPatch, id="patch-not-an-object"
    ),
]


@pytest.mark.parametrize(("original", "patch", "expected"), DEPLOYMENT_CASES)
def test_apply_to_a_deployment(
    original: dict[str, object], patch: object, expected: object
) -> None:
    schema = schemas.schema_for("apps/v1", "Deployment")
    assert schema is not None
    before = copy.deepcopy((original, patch))
    if isinstance(expected, type):
        with pytest.raises(expected):
            strategic.apply(original, patch, schema)  # type: ignore[arg-type]  # a bad patch on purpose
    else:
        assert strategic.apply(original, patch, schema) == expected  # type: ignore[arg-type]
    assert (original, patch) == before


@pytest.mark.parametrize(
    ("api_version", "kind", "field", "expected"),
    [
        pytest.param("v1", "ConfigMap", "metadata", "ObjectMeta", id="configmap-has-object-meta"),
        pytest.param("batch/v1", "CronJob", "spec", "CronJobSpec", id="cronjob"),
        pytest.param("apps/v1", "Deployment", "spec", "DeploymentSpec", id="deployment"),
    ],
)
def test_schema_for(api_version: str, kind: str, field: str, expected: str) -> None:
    schema = schemas.schema_for(api_version, kind)
    assert schema is not None
    assert (schema.lookup(field).schema or strategic.OPEN).name == expected


@pytest.mark.parametrize(
    ("api_version", "kind"),
    [
        pytest.param("stable.example.com/v1", "CronTab", id="custom-resource"),
        pytest.param("apps/v1beta1", "Deployment", id="unserved-version"),
    ],
)
def test_schema_for_unknown_kinds_is_none(api_version: str, kind: str) -> None:
    assert schemas.schema_for(api_version, kind) is None


def test_cronjob_template_containers_merge_by_name() -> None:
    schema = schemas.schema_for("batch/v1", "CronJob")
    assert schema is not None
    original = {"spec": {"jobTemplate": {"spec": {"template": {"spec": {"containers": [WEB]}}}}}}
    patch = {"spec": {"jobTemplate": {"spec": {"template": {"spec": {"containers": [SIDE]}}}}}}
    result = strategic.apply(original, patch, schema)
    assert result == {
        "spec": {"jobTemplate": {"spec": {"template": {"spec": {"containers": [SIDE, WEB]}}}}}
    }


# Without `$setElementOrder`, upstream's mergeSortedSlice puts a patch's new elements before
# the server's (kubectl always sends the order): hence [SIDE, WEB] above, ["d", "a", "c"].

# Properties. Keys never start with "$", so the documents hold no directives of their own.
NAMES = st.sampled_from(["a", "b", "c", "d"])
SCALARS = st.booleans() | st.integers(-3, 3) | st.text("xy", max_size=2)
PLAIN = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(NAMES, inner, max_size=3),
    max_leaves=8,
)


def _unique_by_name(items: Sequence[Mapping[str, object]]) -> list[Mapping[str, object]]:
    seen: dict[object, Mapping[str, object]] = {}
    for item in items:
        seen.setdefault(item["name"], item)
    return list(seen.values())


ELEMENTS = st.lists(
    st.fixed_dictionaries(
        {"name": NAMES}, optional={"value": st.text("vw", max_size=1), "other": SCALARS}
    ),
    max_size=4,
).map(_unique_by_name)
MERGE_ITEMS = st.fixed_dictionaries(
    {},
    optional={
        "name": st.text("n", max_size=2),
        "value": SCALARS,
        "mergingList": ELEMENTS,
        "nonMergingList": ELEMENTS,
        "mergingIntList": st.lists(st.integers(0, 5), unique=True, max_size=4),
        "nonMergingIntList": st.lists(st.integers(0, 5), max_size=4),
        "simpleMap": st.dictionaries(NAMES, st.text("s", max_size=2), max_size=3),
        "retainKeysMap": st.fixed_dictionaries({}, optional={"name": NAMES, "value": SCALARS}),
        "retainKeysMergingList": ELEMENTS,
    },
)


@PROPERTY
@given(original=MERGE_ITEMS, modified=MERGE_ITEMS)
def test_apply_inverts_create_two_way(
    original: dict[str, object], modified: dict[str, object]
) -> None:
    patch = strategic.create_two_way(original, modified, MERGE_ITEM)
    assert strategic.apply(original, patch, MERGE_ITEM) == modified


@PROPERTY
@given(document=st.dictionaries(NAMES, PLAIN, max_size=4) | MERGE_ITEMS)
def test_empty_patch_changes_nothing(document: dict[str, object]) -> None:
    for schema in (MERGE_ITEM, strategic.OPEN):
        assert strategic.apply(document, {}, schema) == document


DIRECTIVE_KEYS = st.sampled_from(
    [
        "$patch",
        "$retainKeys",
        "$setElementOrder/mergingList",
        "$setElementOrder/mergingIntList",
        "$deleteFromPrimitiveList/mergingIntList",
        "$deleteFromPrimitiveList/simpleMap",
    ]
)
FIELD_KEYS = st.sampled_from(
    ["name", "value", "mergingList", "mergingIntList", "nonMergingList", "simpleMap"]
)
PATCH_VALUES = st.recursive(
    st.none() | SCALARS | st.sampled_from(["delete", "replace", "merge"]),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(FIELD_KEYS | DIRECTIVE_KEYS, inner, max_size=4)
    ),
    max_leaves=12,
)


def _directive_keys(value: object) -> list[str]:
    if isinstance(value, dict):
        found = [k for k in value if k.startswith("$")]
        return found + [k for v in value.values() for k in _directive_keys(v)]
    if isinstance(value, list):
        return [k for v in value for k in _directive_keys(v)]
    return []


@PROPERTY
@given(
    original=MERGE_ITEMS,
    patch=st.dictionaries(FIELD_KEYS | DIRECTIVE_KEYS, PATCH_VALUES, max_size=5),
)
def test_no_directive_survives(original: dict[str, object], patch: dict[str, object]) -> None:
    try:
        result = strategic.apply(original, patch, MERGE_ITEM)
    except PatchError:
        return
    assert _directive_keys(result) == []
