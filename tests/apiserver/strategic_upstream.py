"""Strategic merge patch cases ported from upstream, one `pytest.param` per case, ids as upstream.

From k8s.io/apimachinery `pkg/util/strategicpatch/patch_test.go` (Apache License 2.0) at
commit eed236ceee2c19c2753a3d93ac0631dc20750454 (v0.37 development):
- `TWO_WAY_TABLE`: every case of `createStrategicMergePatchTestCaseData`;
- `TWO_WAY_RAW`: every case of `strategicMergePatchRawTestCases`;
- `APPLY_TABLE`: every case of `customStrategicMergePatchTestCaseData`;
- `APPLY_RAW`: every case of `customStrategicMergePatchRawTestCases`.
The documents are upstream's YAML decoded; a repeated description gets " (2)". The field names
are upstream's: `two_way` is the patch from `original` to `modified` (and, for the APPLY
tables, the patch to apply), `three_way` the patch kubectl sends when the live object is
`current`, `result` what applying it gives. The tests use upstream's `mergeItem` schema
(`MERGE_ITEM` in test_strategic_patch.py). Upstream sorts the documents of the two YAML
tables by merge key before using them, and so do the tests.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest


@dataclass(frozen=True)
class Case:
    original: dict[str, object] | None = None
    two_way: dict[str, object] | None = None
    modified: dict[str, object] | None = None
    two_way_result: dict[str, object] | None = None
    current: dict[str, object] | None = None
    three_way: dict[str, object] | None = None
    result: dict[str, object] | None = None
    error: str = ""


TWO_WAY_TABLE = [
    pytest.param(
        Case(
            two_way={"name": 1, "value": 1},
            modified={"name": 1, "value": 1},
            current={"name": 1, "other": "a"},
            three_way={"value": 1},
            result={"name": 1, "value": 1, "other": "a"},
        ),
        id="nil original",
    ),
    pytest.param(
        Case(
            original={"name": 1},
            two_way={},
            modified={"name": 1},
            current={"name": 1},
            three_way={},
            result={"name": 1},
        ),
        id="nil patch",
    ),
    pytest.param(
        Case(
            original={"name": 1},
            two_way={"value": 1},
            modified={"name": 1, "value": 1},
            current={"name": 1, "other": "a"},
            three_way={"value": 1},
            result={"name": 1, "value": 1, "other": "a"},
        ),
        id="add field to map",
    ),
    pytest.param(
        Case(
            original={"name": 1},
            two_way={"value": 1},
            modified={"name": 1, "value": 1},
            current={"name": "a", "other": "a"},
            three_way={"name": 1, "value": 1},
            result={"name": 1, "value": 1, "other": "a"},
        ),
        id="add field to map with conflict",
    ),
    pytest.param(
        Case(
            original={"name": 1},
            two_way={"name": None, "value": 1},
            modified={"value": 1},
            current={"name": 1, "other": "a"},
            three_way={"name": None, "value": 1},
            result={"value": 1, "other": "a"},
        ),
        id="add field and delete field from map",
    ),
    pytest.param(
        Case(
            original={"name": 1},
            two_way={"name": None, "value": 1},
            modified={"value": 1},
            current={"name": "a", "other": "a"},
            three_way={"name": None, "value": 1},
            result={"value": 1, "other": "a"},
        ),
        id="add field and delete field from map with conflict",
    ),
    pytest.param(
        Case(
            original={"simpleMap": {"key1": 1, "key2": 1}},
            two_way={"simpleMap": {"key2": None}},
            modified={"simpleMap": {"key1": 1}},
            current={"simpleMap": {"key1": 1, "key2": 1, "other": "a"}},
            three_way={"simpleMap": {"key2": None}},
            result={"simpleMap": {"key1": 1, "other": "a"}},
        ),
        id="delete field from nested map",
    ),
    pytest.param(
        Case(
            original={"simpleMap": {"key1": 1, "key2": 1}},
            two_way={"simpleMap": {"key2": None}},
            modified={"simpleMap": {"key1": 1}},
            current={"simpleMap": {"key1": "a", "key2": 1, "other": "a"}},
            three_way={"simpleMap": {"key1": 1, "key2": None}},
            result={"simpleMap": {"key1": 1, "other": "a"}},
        ),
        id="delete field from nested map with conflict",
    ),
    pytest.param(
        Case(
            original={"name": 1, "value": 1},
            two_way={"name": None, "value": None},
            modified={},
            current={"name": 1, "value": 1, "other": "a"},
            three_way={"name": None, "value": None},
            result={"other": "a"},
        ),
        id="delete all fields from map",
    ),
    pytest.param(
        Case(
            original={"name": 1, "value": 1},
            two_way={"name": None, "value": None},
            modified={},
            current={"name": 1, "value": "a", "other": "a"},
            three_way={"name": None, "value": None},
            result={"other": "a"},
        ),
        id="delete all fields from map with conflict",
    ),
    pytest.param(
        Case(
            original={"name": 1, "value": 1},
            two_way={"name": None, "value": None, "other": "a"},
            modified={"other": "a"},
            current={"name": 1, "value": 1, "other": "a"},
            three_way={"name": None, "value": None},
            result={"other": "a"},
        ),
        id="add field and delete all fields from map",
    ),
    pytest.param(
        Case(
            original={"name": 1, "value": 1},
            two_way={"name": None, "value": None, "other": "a"},
            modified={"other": "a"},
            current={"name": 1, "value": 1, "other": "b"},
            three_way={"name": None, "value": None, "other": "a"},
            result={"other": "a"},
        ),
        id="add field and delete all fields from map with conflict",
    ),
    pytest.param(
        Case(
            original={"nonMergingIntList": [1, 2]},
            two_way={"nonMergingIntList": [2, 3]},
            modified={"nonMergingIntList": [2, 3]},
            current={"nonMergingIntList": [1, 2]},
            three_way={"nonMergingIntList": [2, 3]},
            result={"nonMergingIntList": [2, 3]},
        ),
        id="replace list of scalars",
    ),
    pytest.param(
        Case(
            original={"nonMergingIntList": [1, 2]},
            two_way={"nonMergingIntList": [2, 3]},
            modified={"nonMergingIntList": [2, 3]},
            current={"nonMergingIntList": [1, 4]},
            three_way={"nonMergingIntList": [2, 3]},
            result={"nonMergingIntList": [2, 3]},
        ),
        id="replace list of scalars with conflict",
    ),
    pytest.param(
        Case(
            original={"mergingList": [{"name": 1}, {"name": 2}]},
            two_way={
                "mergingList": [{"name": 1, "$patch": "delete"}, {"name": 2, "$patch": "delete"}]
            },
            modified={"mergingList": []},
            current={"mergingList": [{"name": 1}, {"name": 2}]},
            three_way={
                "mergingList": [{"name": 1, "$patch": "delete"}, {"name": 2, "$patch": "delete"}]
            },
            result={"mergingList": []},
        ),
        id="delete all maps from merging list",
    ),
    pytest.param(
        Case(
            original={"mergingList": [{"name": 1}, {"name": 2}]},
            two_way={
                "mergingList": [{"name": 1, "$patch": "delete"}, {"name": 2, "$patch": "delete"}]
            },
            modified={"mergingList": []},
            current={"mergingList": [{"name": 1, "other": "a"}, {"name": 2, "other": "b"}]},
            three_way={
                "mergingList": [{"name": 1, "$patch": "delete"}, {"name": 2, "$patch": "delete"}]
            },
            result={"mergingList": []},
        ),
        id="delete all maps from merging list with conflict",
    ),
    pytest.param(
        Case(
            original={"mergingList": [{"name": 1}, {"name": 2}]},
            two_way={
                "mergingList": [{"name": 1, "$patch": "delete"}, {"name": 2, "$patch": "delete"}]
            },
            modified={"mergingList": []},
            current={"mergingList": []},
            three_way={
                "mergingList": [{"name": 1, "$patch": "delete"}, {"name": 2, "$patch": "delete"}]
            },
            result={"mergingList": []},
        ),
        id="delete all maps from empty merging list",
    ),
    pytest.param(
        Case(
            original={"mergingList": []},
            two_way={},
            modified={"mergingList": []},
            current={"mergingList": []},
            three_way={},
            result={"mergingList": []},
        ),
        id="merge empty merging lists",
    ),
    pytest.param(
        Case(
            original={"name": 2},
            two_way={"name": 1, "value": 1, "other": None},
            modified={"name": 1, "value": 1, "other": None},
            two_way_result={"name": 1, "value": 1},
            current={"name": "a", "other": "a"},
            three_way={"name": 1, "value": 1, "other": None},
            result={"name": 1, "value": 1},
        ),
        id="defined null values should propagate overwrite current fields (with conflict)",
    ),
    pytest.param(
        Case(
            original={"name": "original-name", "value": "original-value"},
            two_way={"name": "modified-name", "value": None},
            modified={"name": "modified-name", "value": None},
            two_way_result={"name": "modified-name"},
            current={"name": "original-name", "value": "original-value", "other": "current-other"},
            three_way={"name": "modified-name", "value": None},
            result={"name": "modified-name", "other": "current-other"},
        ),
        id="defined null values should propagate removing original fields",
    ),
    pytest.param(
        Case(
            original={"name": "a", "retainKeysMap": {"name": "foo"}},
            two_way={},
            modified={"name": "a", "retainKeysMap": {"name": "foo"}},
            current={"name": "a", "value": "b", "retainKeysMap": {"name": "foo"}},
            three_way={},
            result={"name": "a", "value": "b", "retainKeysMap": {"name": "foo"}},
        ),
        id="nil patch with retainKeys map",
    ),
    pytest.param(
        Case(
            original={"name": "a", "retainKeysMap": {"name": "foo"}},
            two_way={"value": "b"},
            modified={"name": "a", "value": "b", "retainKeysMap": {"name": "foo"}},
            current={"name": "a", "other": "c", "retainKeysMap": {"name": "foo"}},
            three_way={"value": "b"},
            result={"name": "a", "value": "b", "other": "c", "retainKeysMap": {"name": "foo"}},
        ),
        id="retainKeys map with no change should not be present",
    ),
]

TWO_WAY_RAW = [
    pytest.param(
        Case(
            original={"name": "hi"},
            two_way={
                "mergingList": [{"name": "hello"}, {"$patch": "delete", "name": "doesntexist"}]
            },
            modified={
                "name": "hi",
                "mergingList": [{"name": "hello"}, {"$patch": "delete", "name": "doesntexist"}],
            },
            two_way_result={"name": "hi", "mergingList": [{"name": "hello"}]},
            current={"name": "hi", "mergingList": [{"name": "hello2"}]},
            three_way={
                "$setElementOrder/mergingList": [{"name": "hello"}, {"name": "doesntexist"}],
                "mergingList": [{"name": "hello"}],
            },
            result={"name": "hi", "mergingList": [{"name": "hello"}, {"name": "hello2"}]},
        ),
        id="nested patch merge with empty list",
    ),
    pytest.param(
        Case(
            original={"mergingIntList": [1, 2, 3]},
            two_way={
                "$setElementOrder/mergingIntList": [1, 2],
                "$deleteFromPrimitiveList/mergingIntList": [3],
            },
            modified={"mergingIntList": [1, 2]},
            current={"mergingIntList": [1, 2, 3, 4]},
            three_way={
                "$setElementOrder/mergingIntList": [1, 2],
                "$deleteFromPrimitiveList/mergingIntList": [3],
            },
            result={"mergingIntList": [1, 2, 4]},
        ),
        id="delete items in lists of scalars",
    ),
    pytest.param(
        Case(
            original={"mergingIntList": [1, 2, 3, 3]},
            two_way={
                "$setElementOrder/mergingIntList": [1, 2],
                "$deleteFromPrimitiveList/mergingIntList": [3],
            },
            modified={"mergingIntList": [1, 2]},
            current={"mergingIntList": [1, 2, 3, 3, 4]},
            three_way={
                "$setElementOrder/mergingIntList": [1, 2],
                "$deleteFromPrimitiveList/mergingIntList": [3],
            },
            result={"mergingIntList": [1, 2, 4]},
        ),
        id="delete all duplicate items in lists of scalars",
    ),
    pytest.param(
        Case(
            original={"mergingIntList": [1, 2, 3]},
            two_way={
                "$setElementOrder/mergingIntList": [1, 2, 4],
                "$deleteFromPrimitiveList/mergingIntList": [3],
                "mergingIntList": [4],
            },
            modified={"mergingIntList": [1, 2, 4]},
            current={"mergingIntList": [1, 2, 3, 4]},
            three_way={
                "$setElementOrder/mergingIntList": [1, 2, 4],
                "$deleteFromPrimitiveList/mergingIntList": [3],
            },
            result={"mergingIntList": [1, 2, 4]},
        ),
        id="add and delete items in lists of scalars",
    ),
    pytest.param(
        Case(
            original={"mergingList": [{"name": 1}, {"name": 2, "value": 2}]},
            two_way={
                "$setElementOrder/mergingList": [
                    {"name": 4},
                    {"name": 1},
                    {"name": 2},
                    {"name": 3},
                ],
                "mergingList": [{"name": 4, "value": 4}, {"name": 3, "value": 3}],
            },
            modified={
                "mergingList": [
                    {"name": 4, "value": 4},
                    {"name": 1},
                    {"name": 2, "value": 2},
                    {"name": 3, "value": 3},
                ]
            },
            current={
                "mergingList": [{"name": 1, "other": "a"}, {"name": 2, "value": 2, "other": "b"}]
            },
            three_way={
                "$setElementOrder/mergingList": [
                    {"name": 4},
                    {"name": 1},
                    {"name": 2},
                    {"name": 3},
                ],
                "mergingList": [{"name": 4, "value": 4}, {"name": 3, "value": 3}],
            },
            result={
                "mergingList": [
                    {"name": 4, "value": 4},
                    {"name": 1, "other": "a"},
                    {"name": 2, "value": 2, "other": "b"},
                    {"name": 3, "value": 3},
                ]
            },
        ),
        id="merge lists of maps",
    ),
    pytest.param(
        Case(
            original={"mergingList": [{"name": 1}, {"name": 2, "value": 2}]},
            two_way={
                "$setElementOrder/mergingList": [{"name": 1}, {"name": 2}, {"name": 3}],
                "mergingList": [{"name": 3, "value": 3}],
            },
            modified={
                "mergingList": [{"name": 1}, {"name": 2, "value": 2}, {"name": 3, "value": 3}]
            },
            current={
                "mergingList": [{"name": 1, "other": "a"}, {"name": 2, "value": 3, "other": "b"}]
            },
            three_way={
                "$setElementOrder/mergingList": [{"name": 1}, {"name": 2}, {"name": 3}],
                "mergingList": [{"name": 2, "value": 2}, {"name": 3, "value": 3}],
            },
            result={
                "mergingList": [
                    {"name": 1, "other": "a"},
                    {"name": 2, "value": 2, "other": "b"},
                    {"name": 3, "value": 3},
                ]
            },
        ),
        id="merge lists of maps with conflict",
    ),
    pytest.param(
        Case(
            original={"mergingList": [{"name": 1}, {"name": 2, "value": 2}]},
            two_way={
                "$setElementOrder/mergingList": [{"name": 1}, {"name": 2}],
                "mergingList": [{"name": 1, "value": 1}],
            },
            modified={"mergingList": [{"name": 1, "value": 1}, {"name": 2, "value": 2}]},
            current={
                "mergingList": [{"name": 1, "other": "a"}, {"name": 2, "value": 2, "other": "b"}]
            },
            three_way={
                "$setElementOrder/mergingList": [{"name": 1}, {"name": 2}],
                "mergingList": [{"name": 1, "value": 1}],
            },
            result={
                "mergingList": [
                    {"name": 1, "value": 1, "other": "a"},
                    {"name": 2, "value": 2, "other": "b"},
                ]
            },
        ),
        id="add field to map in merging list",
    ),
    pytest.param(
        Case(
            original={"mergingList": [{"name": 1}, {"name": 2, "value": 2}]},
            two_way={
                "$setElementOrder/mergingList": [{"name": 1}, {"name": 2}],
                "mergingList": [{"name": 1, "value": 1}],
            },
            modified={"mergingList": [{"name": 1, "value": 1}, {"name": 2, "value": 2}]},
            current={
                "mergingList": [{"name": 1, "other": "a"}, {"name": 2, "value": 2, "other": "b"}]
            },
            three_way={
                "$setElementOrder/mergingList": [{"name": 1}, {"name": 2}],
                "mergingList": [{"name": 1, "value": 1}],
            },
            result={
                "mergingList": [
                    {"name": 1, "value": 1, "other": "a"},
                    {"name": 2, "value": 2, "other": "b"},
                ]
            },
        ),
        id="add field to map in merging list (2)",
    ),
    pytest.param(
        Case(
            original={"mergingList": [{"name": 1}, {"name": 2, "value": 2}]},
            two_way={
                "$setElementOrder/mergingList": [{"name": 1}, {"name": 2}],
                "mergingList": [{"name": 1, "value": 1}],
            },
            modified={"mergingList": [{"name": 1, "value": 1}, {"name": 2, "value": 2}]},
            current={
                "mergingList": [{"name": 1, "other": "a"}, {"name": 3, "value": 2, "other": "b"}]
            },
            three_way={
                "$setElementOrder/mergingList": [{"name": 1}, {"name": 2}],
                "mergingList": [{"name": 1, "value": 1}, {"name": 2, "value": 2}],
            },
            result={
                "mergingList": [
                    {"name": 1, "value": 1, "other": "a"},
                    {"name": 2, "value": 2},
                    {"name": 3, "value": 2, "other": "b"},
                ]
            },
        ),
        id="add field to map in merging list with conflict",
    ),
    pytest.param(
        Case(
            original={"mergingList": [{"name": 1}, {"name": 2, "value": 2}]},
            two_way={
                "$setElementOrder/mergingList": [{"name": 1}, {"name": 2}],
                "mergingList": [{"name": 1, "value": 1}],
            },
            modified={"mergingList": [{"name": 1, "value": 1}, {"name": 2, "value": 2}]},
            current={
                "mergingList": [
                    {"name": 1, "value": 1, "other": "a"},
                    {"name": 2, "value": 2, "other": "b"},
                ]
            },
            three_way={},
            result={
                "mergingList": [
                    {"name": 1, "value": 1, "other": "a"},
                    {"name": 2, "value": 2, "other": "b"},
                ]
            },
        ),
        id="add duplicate field to map in merging list",
    ),
    pytest.param(
        Case(
            original={"mergingList": [{"name": 1, "value": "a"}, {"name": 2}]},
            two_way={
                "$setElementOrder/mergingList": [{"name": 1}, {"name": 2}, {"name": 3}],
                "mergingList": [{"name": 3}],
            },
            modified={"mergingList": [{"name": 1, "value": "a"}, {"name": 2}, {"name": 3}]},
            current={
                "mergingList": [{"name": 1, "value": "a", "other": "x"}, {"name": 2}, {"name": 3}]
            },
            three_way={},
            result={
                "mergingList": [{"name": 1, "value": "a", "other": "x"}, {"name": 2}, {"name": 3}]
            },
        ),
        id="add an item that already exists in current object in merging list",
    ),
    pytest.param(
        Case(
            original={"mergingList": [{"name": 1}, {"name": 2, "value": 2}]},
            two_way={
                "$setElementOrder/mergingList": [{"name": 1}, {"name": 2}],
                "mergingList": [{"name": 1, "value": 1}],
            },
            modified={"mergingList": [{"name": 1, "value": 1}, {"name": 2, "value": 2}]},
            current={
                "mergingList": [
                    {"name": 1, "value": 1, "other": "a"},
                    {"name": 2, "value": 3, "other": "b"},
                ]
            },
            three_way={
                "$setElementOrder/mergingList": [{"name": 1}, {"name": 2}],
                "mergingList": [{"name": 2, "value": 2}],
            },
            result={
                "mergingList": [
                    {"name": 1, "value": 1, "other": "a"},
                    {"name": 2, "value": 2, "other": "b"},
                ]
            },
        ),
        id="add duplicate field to map in merging list with conflict",
    ),
    pytest.param(
        Case(
            original={"mergingList": [{"name": 1, "value": 1}, {"name": 2, "value": 2}]},
            two_way={
                "$setElementOrder/mergingList": [{"name": 1}, {"name": 2}],
                "mergingList": [{"name": 1, "value": "a"}],
            },
            modified={"mergingList": [{"name": 1, "value": "a"}, {"name": 2, "value": 2}]},
            current={
                "mergingList": [
                    {"name": 1, "value": 1, "other": "a"},
                    {"name": 2, "value": 2, "other": "b"},
                ]
            },
            three_way={
                "$setElementOrder/mergingList": [{"name": 1}, {"name": 2}],
                "mergingList": [{"name": 1, "value": "a"}],
            },
            result={
                "mergingList": [
                    {"name": 1, "value": "a", "other": "a"},
                    {"name": 2, "value": 2, "other": "b"},
                ]
            },
        ),
        id="replace map field value in merging list",
    ),
    pytest.param(
        Case(
            original={"mergingList": [{"name": 1, "value": 1}, {"name": 2, "value": 2}]},
            two_way={
                "$setElementOrder/mergingList": [{"name": 1}, {"name": 2}],
                "mergingList": [{"name": 1, "value": "a"}],
            },
            modified={"mergingList": [{"name": 1, "value": "a"}, {"name": 2, "value": 2}]},
            current={
                "mergingList": [
                    {"name": 1, "value": 3, "other": "a"},
                    {"name": 2, "value": 2, "other": "b"},
                ]
            },
            three_way={
                "$setElementOrder/mergingList": [{"name": 1}, {"name": 2}],
                "mergingList": [{"name": 1, "value": "a"}],
            },
            result={
                "mergingList": [
                    {"name": 1, "value": "a", "other": "a"},
                    {"name": 2, "value": 2, "other": "b"},
                ]
            },
        ),
        id="replace map field value in merging list with conflict",
    ),
    pytest.param(
        Case(
            original={"mergingList": [{"name": 1}, {"name": 2}]},
            two_way={
                "$setElementOrder/mergingList": [{"name": 2}],
                "mergingList": [{"name": 1, "$patch": "delete"}],
            },
            modified={"mergingList": [{"name": 2}]},
            current={"mergingList": [{"name": 1}, {"name": 2, "other": "b"}]},
            three_way={
                "$setElementOrder/mergingList": [{"name": 2}],
                "mergingList": [{"name": 1, "$patch": "delete"}],
            },
            result={"mergingList": [{"name": 2, "other": "b"}]},
        ),
        id="delete map from merging list",
    ),
    pytest.param(
        Case(
            original={"mergingList": [{"name": 1}, {"name": 2}]},
            two_way={
                "$setElementOrder/mergingList": [{"name": 2}],
                "mergingList": [{"name": 1, "$patch": "delete"}],
            },
            modified={"mergingList": [{"name": 2}]},
            current={"mergingList": [{"name": 1, "other": "a"}, {"name": 2, "other": "b"}]},
            three_way={
                "$setElementOrder/mergingList": [{"name": 2}],
                "mergingList": [{"name": 1, "$patch": "delete"}],
            },
            result={"mergingList": [{"name": 2, "other": "b"}]},
        ),
        id="delete map from merging list with conflict",
    ),
    pytest.param(
        Case(
            original={"mergingList": [{"name": 1}, {"name": 2}]},
            two_way={
                "$setElementOrder/mergingList": [{"name": 2}],
                "mergingList": [{"name": 1, "$patch": "delete"}],
            },
            modified={"mergingList": [{"name": 2}]},
            current={"mergingList": [{"name": 2, "other": "b"}]},
            three_way={
                "$setElementOrder/mergingList": [{"name": 2}],
                "mergingList": [{"name": 1, "$patch": "delete"}],
            },
            result={"mergingList": [{"name": 2, "other": "b"}]},
        ),
        id="delete missing map from merging list",
    ),
    pytest.param(
        Case(
            original={"mergingList": [{"name": 1}, {"name": 2}]},
            two_way={
                "$setElementOrder/mergingList": [{"name": 2}],
                "mergingList": [{"name": 1, "$patch": "delete"}],
            },
            modified={"mergingList": [{"name": 2}]},
            current={"mergingList": [{"name": 3, "other": "a"}]},
            three_way={
                "$setElementOrder/mergingList": [{"name": 2}],
                "mergingList": [{"name": 2}, {"name": 1, "$patch": "delete"}],
            },
            result={"mergingList": [{"name": 2}, {"name": 3, "other": "a"}]},
        ),
        id="delete missing map from merging list with conflict",
    ),
    pytest.param(
        Case(
            original={"mergingList": [{"name": 1}, {"name": 2}]},
            two_way={
                "$setElementOrder/mergingList": [{"name": 2}, {"name": 3}],
                "mergingList": [{"name": 3}, {"name": 1, "$patch": "delete"}],
            },
            modified={"mergingList": [{"name": 2}, {"name": 3}]},
            current={
                "mergingList": [{"name": 1}, {"name": 2, "other": "b"}, {"name": 4, "other": "c"}]
            },
            three_way={
                "$setElementOrder/mergingList": [{"name": 2}, {"name": 3}],
                "mergingList": [{"name": 3}, {"name": 1, "$patch": "delete"}],
            },
            result={
                "mergingList": [{"name": 2, "other": "b"}, {"name": 4, "other": "c"}, {"name": 3}]
            },
        ),
        id="add map and delete map from merging list",
    ),
    pytest.param(
        Case(
            original={"mergingList": [{"name": 1}, {"name": 2}]},
            two_way={
                "$setElementOrder/mergingList": [{"name": 2}, {"name": 3}],
                "mergingList": [{"name": 3}, {"name": 1, "$patch": "delete"}],
            },
            modified={"mergingList": [{"name": 2}, {"name": 3}]},
            current={"mergingList": [{"name": 1, "other": "a"}, {"name": 4, "other": "c"}]},
            three_way={
                "$setElementOrder/mergingList": [{"name": 2}, {"name": 3}],
                "mergingList": [{"name": 2}, {"name": 3}, {"name": 1, "$patch": "delete"}],
            },
            result={"mergingList": [{"name": 4, "other": "c"}, {"name": 2}, {"name": 3}]},
        ),
        id="add map and delete map from merging list with conflict",
    ),
    pytest.param(
        Case(
            original={"mergingList": [{"name": 1, "value": 1}, {"name": 2, "value": 2}]},
            two_way={
                "$setElementOrder/mergingList": [{"name": 1}, {"name": 2}],
                "mergingList": [{"name": 1, "value": None}],
            },
            modified={"mergingList": [{"name": 1}, {"name": 2, "value": 2}]},
            current={
                "mergingList": [
                    {"name": 1, "value": 1, "other": "a"},
                    {"name": 2, "value": 2, "other": "b"},
                ]
            },
            three_way={
                "$setElementOrder/mergingList": [{"name": 1}, {"name": 2}],
                "mergingList": [{"name": 1, "value": None}],
            },
            result={
                "mergingList": [{"name": 1, "other": "a"}, {"name": 2, "value": 2, "other": "b"}]
            },
        ),
        id="delete field from map in merging list",
    ),
    pytest.param(
        Case(
            original={"mergingList": [{"name": 1, "value": 1}, {"name": 2, "value": 2}]},
            two_way={
                "$setElementOrder/mergingList": [{"name": 1}, {"name": 2}],
                "mergingList": [{"name": 1, "value": None}],
            },
            modified={"mergingList": [{"name": 1}, {"name": 2, "value": 2}]},
            current={
                "mergingList": [{"name": 1, "value": "a", "other": "a"}, {"name": 2, "value": 2}]
            },
            three_way={
                "$setElementOrder/mergingList": [{"name": 1}, {"name": 2}],
                "mergingList": [{"name": 1, "value": None}],
            },
            result={"mergingList": [{"name": 1, "other": "a"}, {"name": 2, "value": 2}]},
        ),
        id="delete field from map in merging list with conflict",
    ),
    pytest.param(
        Case(
            original={"mergingList": [{"name": 1, "value": 1}, {"name": 2, "value": 2}]},
            two_way={
                "$setElementOrder/mergingList": [{"name": 1}, {"name": 2}],
                "mergingList": [{"name": 1, "value": None}],
            },
            modified={"mergingList": [{"name": 1}, {"name": 2, "value": 2}]},
            current={
                "mergingList": [{"name": 1, "other": "a"}, {"name": 2, "value": 2, "other": "b"}]
            },
            three_way={
                "$setElementOrder/mergingList": [{"name": 1}, {"name": 2}],
                "mergingList": [{"name": 1, "value": None}],
            },
            result={
                "mergingList": [{"name": 1, "other": "a"}, {"name": 2, "value": 2, "other": "b"}]
            },
        ),
        id="delete missing field from map in merging list",
    ),
    pytest.param(
        Case(
            original={"mergingList": [{"name": 1, "value": 1}, {"name": 2, "value": 2}]},
            two_way={
                "$setElementOrder/mergingList": [{"name": 1}, {"name": 2}],
                "mergingList": [{"name": 1, "value": None}],
            },
            modified={"mergingList": [{"name": 1}, {"name": 2, "value": 2}]},
            current={"mergingList": [{"name": 1, "other": "a"}, {"name": 2, "other": "b"}]},
            three_way={
                "$setElementOrder/mergingList": [{"name": 1}, {"name": 2}],
                "mergingList": [{"name": 1, "value": None}, {"name": 2, "value": 2}],
            },
            result={
                "mergingList": [{"name": 1, "other": "a"}, {"name": 2, "value": 2, "other": "b"}]
            },
        ),
        id="delete missing field from map in merging list with conflict",
    ),
    pytest.param(
        Case(
            original={
                "mergingList": [
                    {"name": 1, "nonMergingList": [{"name": 1}, {"name": 2, "value": 2}]},
                    {"name": 2},
                ]
            },
            two_way={
                "$setElementOrder/mergingList": [{"name": 1}, {"name": 2}],
                "mergingList": [{"name": 1, "nonMergingList": [{"name": 1, "value": 1}]}],
            },
            modified={
                "mergingList": [
                    {"name": 1, "nonMergingList": [{"name": 1, "value": 1}]},
                    {"name": 2},
                ]
            },
            current={
                "mergingList": [
                    {
                        "name": 1,
                        "other": "a",
                        "nonMergingList": [{"name": 1}, {"name": 2, "value": 2}],
                    },
                    {"name": 2, "other": "b"},
                ]
            },
            three_way={
                "$setElementOrder/mergingList": [{"name": 1}, {"name": 2}],
                "mergingList": [{"name": 1, "nonMergingList": [{"name": 1, "value": 1}]}],
            },
            result={
                "mergingList": [
                    {"name": 1, "other": "a", "nonMergingList": [{"name": 1, "value": 1}]},
                    {"name": 2, "other": "b"},
                ]
            },
        ),
        id="replace non merging list nested in merging list",
    ),
    pytest.param(
        Case(
            original={
                "mergingList": [
                    {"name": 1, "nonMergingList": [{"name": 1}, {"name": 2, "value": 2}]},
                    {"name": 2},
                ]
            },
            two_way={
                "$setElementOrder/mergingList": [{"name": 1}, {"name": 2}],
                "mergingList": [{"name": 1, "nonMergingList": [{"name": 1, "value": 1}]}],
            },
            modified={
                "mergingList": [
                    {"name": 1, "nonMergingList": [{"name": 1, "value": 1}]},
                    {"name": 2},
                ]
            },
            current={
                "mergingList": [
                    {"name": 1, "other": "a", "nonMergingList": [{"name": 1, "value": "c"}]},
                    {"name": 2, "other": "b"},
                ]
            },
            three_way={
                "$setElementOrder/mergingList": [{"name": 1}, {"name": 2}],
                "mergingList": [{"name": 1, "nonMergingList": [{"name": 1, "value": 1}]}],
            },
            result={
                "mergingList": [
                    {"name": 1, "other": "a", "nonMergingList": [{"name": 1, "value": 1}]},
                    {"name": 2, "other": "b"},
                ]
            },
        ),
        id="replace non merging list nested in merging list with value conflict",
    ),
    pytest.param(
        Case(
            original={
                "mergingList": [
                    {"name": 1, "nonMergingList": [{"name": 1}, {"name": 2, "value": 2}]},
                    {"name": 2},
                ]
            },
            two_way={
                "$setElementOrder/mergingList": [{"name": 1}, {"name": 2}],
                "mergingList": [{"name": 1, "nonMergingList": [{"name": 1, "value": 1}]}],
            },
            modified={
                "mergingList": [
                    {"name": 1, "nonMergingList": [{"name": 1, "value": 1}]},
                    {"name": 2},
                ]
            },
            current={
                "mergingList": [
                    {"name": 1, "other": "a", "nonMergingList": [{"name": 2, "value": 2}]},
                    {"name": 2, "other": "b"},
                ]
            },
            three_way={
                "$setElementOrder/mergingList": [{"name": 1}, {"name": 2}],
                "mergingList": [{"name": 1, "nonMergingList": [{"name": 1, "value": 1}]}],
            },
            result={
                "mergingList": [
                    {"name": 1, "other": "a", "nonMergingList": [{"name": 1, "value": 1}]},
                    {"name": 2, "other": "b"},
                ]
            },
        ),
        id="replace non merging list nested in merging list with deletion conflict",
    ),
    pytest.param(
        Case(
            original={
                "mergingList": [
                    {"name": 1, "mergingList": [{"name": 1}, {"name": 2, "value": 2}]},
                    {"name": 2},
                ]
            },
            two_way={
                "$setElementOrder/mergingList": [{"name": 1}, {"name": 2}],
                "mergingList": [
                    {
                        "$setElementOrder/mergingList": [{"name": 1}, {"name": 2}],
                        "name": 1,
                        "mergingList": [{"name": 1, "value": 1}],
                    }
                ],
            },
            modified={
                "mergingList": [
                    {"name": 1, "mergingList": [{"name": 1, "value": 1}, {"name": 2, "value": 2}]},
                    {"name": 2},
                ]
            },
            current={
                "mergingList": [
                    {
                        "name": 1,
                        "other": "a",
                        "mergingList": [{"name": 1}, {"name": 2, "value": 2}],
                    },
                    {"name": 2, "other": "b"},
                ]
            },
            three_way={
                "$setElementOrder/mergingList": [{"name": 1}, {"name": 2}],
                "mergingList": [
                    {
                        "$setElementOrder/mergingList": [{"name": 1}, {"name": 2}],
                        "name": 1,
                        "mergingList": [{"name": 1, "value": 1}],
                    }
                ],
            },
            result={
                "mergingList": [
                    {
                        "name": 1,
                        "other": "a",
                        "mergingList": [{"name": 1, "value": 1}, {"name": 2, "value": 2}],
                    },
                    {"name": 2, "other": "b"},
                ]
            },
        ),
        id="add field to map in merging list nested in merging list",
    ),
    pytest.param(
        Case(
            original={
                "mergingList": [
                    {"name": 1, "mergingList": [{"name": 1}, {"name": 2, "value": 2}]},
                    {"name": 2},
                ]
            },
            two_way={
                "$setElementOrder/mergingList": [{"name": 1}, {"name": 2}],
                "mergingList": [
                    {
                        "$setElementOrder/mergingList": [{"name": 1}, {"name": 2}],
                        "name": 1,
                        "mergingList": [{"name": 1, "value": 1}],
                    }
                ],
            },
            modified={
                "mergingList": [
                    {"name": 1, "mergingList": [{"name": 1, "value": 1}, {"name": 2, "value": 2}]},
                    {"name": 2},
                ]
            },
            current={
                "mergingList": [
                    {
                        "name": 1,
                        "other": "a",
                        "mergingList": [
                            {"name": 1, "value": "a", "other": "c"},
                            {"name": 2, "value": "b", "other": "d"},
                        ],
                    },
                    {"name": 2, "other": "b"},
                ]
            },
            three_way={
                "$setElementOrder/mergingList": [{"name": 1}, {"name": 2}],
                "mergingList": [
                    {
                        "$setElementOrder/mergingList": [{"name": 1}, {"name": 2}],
                        "name": 1,
                        "mergingList": [{"name": 1, "value": 1}, {"name": 2, "value": 2}],
                    }
                ],
            },
            result={
                "mergingList": [
                    {
                        "name": 1,
                        "other": "a",
                        "mergingList": [
                            {"name": 1, "value": 1, "other": "c"},
                            {"name": 2, "value": 2, "other": "d"},
                        ],
                    },
                    {"name": 2, "other": "b"},
                ]
            },
        ),
        id="add field to map in merging list nested in merging list with value conflict",
    ),
    pytest.param(
        Case(
            original={
                "mergingList": [
                    {"name": 1, "mergingList": [{"name": 1}, {"name": 2, "value": 2}]},
                    {"name": 2},
                ]
            },
            two_way={
                "$setElementOrder/mergingList": [{"name": 1}, {"name": 2}],
                "mergingList": [
                    {
                        "$setElementOrder/mergingList": [{"name": 1}, {"name": 2}],
                        "name": 1,
                        "mergingList": [{"name": 1, "value": 1}],
                    }
                ],
            },
            modified={
                "mergingList": [
                    {"name": 1, "mergingList": [{"name": 1, "value": 1}, {"name": 2, "value": 2}]},
                    {"name": 2},
                ]
            },
            current={
                "mergingList": [
                    {
                        "name": 1,
                        "other": "a",
                        "mergingList": [{"name": 2, "value": 2, "other": "d"}],
                    },
                    {"name": 2, "other": "b"},
                ]
            },
            three_way={
                "$setElementOrder/mergingList": [{"name": 1}, {"name": 2}],
                "mergingList": [
                    {
                        "$setElementOrder/mergingList": [{"name": 1}, {"name": 2}],
                        "name": 1,
                        "mergingList": [{"name": 1, "value": 1}],
                    }
                ],
            },
            result={
                "mergingList": [
                    {
                        "name": 1,
                        "other": "a",
                        "mergingList": [
                            {"name": 1, "value": 1},
                            {"name": 2, "value": 2, "other": "d"},
                        ],
                    },
                    {"name": 2, "other": "b"},
                ]
            },
        ),
        id="add field to map in merging list nested in merging list with deletion conflict",
    ),
    pytest.param(
        Case(
            original={
                "mergingList": [
                    {"name": 1, "mergingList": [{"name": 1}, {"name": 2, "value": 2}]},
                    {"name": 2},
                ]
            },
            two_way={
                "$setElementOrder/mergingList": [{"name": 1}, {"name": 2}],
                "mergingList": [
                    {
                        "$setElementOrder/mergingList": [{"name": 2}, {"name": 1}],
                        "name": 1,
                        "mergingList": [{"name": 1, "value": 1}],
                    }
                ],
            },
            modified={
                "mergingList": [
                    {"name": 1, "mergingList": [{"name": 2, "value": 2}, {"name": 1, "value": 1}]},
                    {"name": 2},
                ]
            },
            current={
                "mergingList": [
                    {
                        "name": 1,
                        "other": "a",
                        "mergingList": [{"name": 2, "value": 2, "other": "d"}],
                    },
                    {"name": 2, "other": "b"},
                ]
            },
            three_way={
                "$setElementOrder/mergingList": [{"name": 1}, {"name": 2}],
                "mergingList": [
                    {
                        "$setElementOrder/mergingList": [{"name": 2}, {"name": 1}],
                        "name": 1,
                        "mergingList": [{"name": 1, "value": 1}],
                    }
                ],
            },
            result={
                "mergingList": [
                    {
                        "name": 1,
                        "other": "a",
                        "mergingList": [
                            {"name": 2, "value": 2, "other": "d"},
                            {"name": 1, "value": 1},
                        ],
                    },
                    {"name": 2, "other": "b"},
                ]
            },
        ),
        id="add field to map in merging list nested in merging list with deletion conflict (2)",
    ),
    pytest.param(
        Case(
            original={"mergeItemPtr": [{"name": 1}]},
            two_way={
                "$setElementOrder/mergeItemPtr": [{"name": 1}, {"name": 2}],
                "mergeItemPtr": [{"name": 2}],
            },
            modified={"mergeItemPtr": [{"name": 1}, {"name": 2}]},
            current={"mergeItemPtr": [{"name": 1, "other": "a"}, {"name": 3}]},
            three_way={
                "$setElementOrder/mergeItemPtr": [{"name": 1}, {"name": 2}],
                "mergeItemPtr": [{"name": 2}],
            },
            result={"mergeItemPtr": [{"name": 1, "other": "a"}, {"name": 2}, {"name": 3}]},
        ),
        id="add map to merging list by pointer",
    ),
    pytest.param(
        Case(
            original={"mergeItemPtr": [{"name": 1}]},
            two_way={
                "$setElementOrder/mergeItemPtr": [{"name": 1}, {"name": 2}],
                "mergeItemPtr": [{"name": 2}],
            },
            modified={"mergeItemPtr": [{"name": 1}, {"name": 2}]},
            current={"mergeItemPtr": [{"name": 3}]},
            three_way={
                "$setElementOrder/mergeItemPtr": [{"name": 1}, {"name": 2}],
                "mergeItemPtr": [{"name": 1}, {"name": 2}],
            },
            result={"mergeItemPtr": [{"name": 1}, {"name": 2}, {"name": 3}]},
        ),
        id="add map to merging list by pointer with conflict",
    ),
    pytest.param(
        Case(
            original={
                "mergeItemPtr": [
                    {"name": 1, "mergeItemPtr": [{"name": 1}, {"name": 2, "value": 2}]},
                    {"name": 2},
                ]
            },
            two_way={
                "$setElementOrder/mergeItemPtr": [{"name": 1}, {"name": 2}],
                "mergeItemPtr": [
                    {
                        "$setElementOrder/mergeItemPtr": [{"name": 1}, {"name": 2}],
                        "name": 1,
                        "mergeItemPtr": [{"name": 1, "value": 1}],
                    }
                ],
            },
            modified={
                "mergeItemPtr": [
                    {"name": 1, "mergeItemPtr": [{"name": 1, "value": 1}, {"name": 2, "value": 2}]},
                    {"name": 2},
                ]
            },
            current={
                "mergeItemPtr": [
                    {
                        "name": 1,
                        "other": "a",
                        "mergeItemPtr": [
                            {"name": 1, "other": "a"},
                            {"name": 2, "value": 2, "other": "b"},
                        ],
                    },
                    {"name": 2, "other": "b"},
                ]
            },
            three_way={
                "$setElementOrder/mergeItemPtr": [{"name": 1}, {"name": 2}],
                "mergeItemPtr": [
                    {
                        "$setElementOrder/mergeItemPtr": [{"name": 1}, {"name": 2}],
                        "name": 1,
                        "mergeItemPtr": [{"name": 1, "value": 1}],
                    }
                ],
            },
            result={
                "mergeItemPtr": [
                    {
                        "name": 1,
                        "other": "a",
                        "mergeItemPtr": [
                            {"name": 1, "value": 1, "other": "a"},
                            {"name": 2, "value": 2, "other": "b"},
                        ],
                    },
                    {"name": 2, "other": "b"},
                ]
            },
        ),
        id="add field to map in merging list by pointer",
    ),
    pytest.param(
        Case(
            original={
                "mergeItemPtr": [
                    {"name": 1, "mergeItemPtr": [{"name": 1}, {"name": 2, "value": 2}]},
                    {"name": 2},
                ]
            },
            two_way={
                "$setElementOrder/mergeItemPtr": [{"name": 1}, {"name": 2}],
                "mergeItemPtr": [
                    {
                        "$setElementOrder/mergeItemPtr": [{"name": 1}, {"name": 2}],
                        "name": 1,
                        "mergeItemPtr": [{"name": 1, "value": 1}],
                    }
                ],
            },
            modified={
                "mergeItemPtr": [
                    {"name": 1, "mergeItemPtr": [{"name": 1, "value": 1}, {"name": 2, "value": 2}]},
                    {"name": 2},
                ]
            },
            current={
                "mergeItemPtr": [
                    {
                        "name": 1,
                        "other": "a",
                        "mergeItemPtr": [
                            {"name": 1, "value": "a"},
                            {"name": 2, "value": 2, "other": "b"},
                        ],
                    },
                    {"name": 2, "other": "b"},
                ]
            },
            three_way={
                "$setElementOrder/mergeItemPtr": [{"name": 1}, {"name": 2}],
                "mergeItemPtr": [
                    {
                        "$setElementOrder/mergeItemPtr": [{"name": 1}, {"name": 2}],
                        "name": 1,
                        "mergeItemPtr": [{"name": 1, "value": 1}],
                    }
                ],
            },
            result={
                "mergeItemPtr": [
                    {
                        "name": 1,
                        "other": "a",
                        "mergeItemPtr": [
                            {"name": 1, "value": 1},
                            {"name": 2, "value": 2, "other": "b"},
                        ],
                    },
                    {"name": 2, "other": "b"},
                ]
            },
        ),
        id="add field to map in merging list by pointer with conflict",
    ),
    pytest.param(
        Case(
            original={"mergingIntList": [1, 2]},
            two_way={"$setElementOrder/mergingIntList": [1, 2, 3], "mergingIntList": [3]},
            modified={"mergingIntList": [1, 2, 3]},
            current={"mergingIntList": [1, 2, 4]},
            three_way={"$setElementOrder/mergingIntList": [1, 2, 3], "mergingIntList": [3]},
            result={"mergingIntList": [1, 2, 3, 4]},
        ),
        id="merge lists of scalars",
    ),
    pytest.param(
        Case(
            original={"mergingIntList": [1, 2]},
            two_way={"$setElementOrder/mergingIntList": [1, 2, 3], "mergingIntList": [3]},
            modified={"mergingIntList": [1, 2, 3]},
            current={"mergingIntList": [1, 2, 3]},
            three_way={},
            result={"mergingIntList": [1, 2, 3]},
        ),
        id="add duplicate field to map in merging int list",
    ),
    pytest.param(
        Case(
            original={"mergingIntList": [1, 2]},
            two_way={"$setElementOrder/mergingIntList": [3, 1, 2], "mergingIntList": [3]},
            modified={"mergingIntList": [3, 1, 2]},
            current={"mergingIntList": [1, 4, 2]},
            three_way={"$setElementOrder/mergingIntList": [3, 1, 2], "mergingIntList": [3]},
            result={"mergingIntList": [3, 1, 4, 2]},
        ),
        id="add an item in a list of primitives and preserve order",
    ),
    pytest.param(
        Case(
            original={"mergingIntList": [1, 2, 3]},
            two_way={
                "$setElementOrder/mergingIntList": [2, 1],
                "$deleteFromPrimitiveList/mergingIntList": [3],
            },
            modified={"mergingIntList": [2, 1]},
            current={"mergingIntList": [1, 2, 3]},
            three_way={
                "$setElementOrder/mergingIntList": [2, 1],
                "$deleteFromPrimitiveList/mergingIntList": [3],
            },
            result={"mergingIntList": [2, 1]},
        ),
        id="delete an item in a list of primitives and preserve order",
    ),
    pytest.param(
        Case(
            original={"mergingList": [{"name": 1}, {"name": 2, "value": 2}]},
            two_way={
                "$setElementOrder/mergingList": [{"name": 3}, {"name": 1}, {"name": 2}],
                "mergingList": [{"name": 3, "value": 3}],
            },
            modified={
                "mergingList": [{"name": 3, "value": 3}, {"name": 1}, {"name": 2, "value": 2}]
            },
            current={
                "mergingList": [{"name": 1, "other": "a"}, {"name": 2, "value": 2, "other": "b"}]
            },
            three_way={
                "$setElementOrder/mergingList": [{"name": 3}, {"name": 1}, {"name": 2}],
                "mergingList": [{"name": 3, "value": 3}],
            },
            result={
                "mergingList": [
                    {"name": 3, "value": 3},
                    {"name": 1, "other": "a"},
                    {"name": 2, "value": 2, "other": "b"},
                ]
            },
        ),
        id="add an item in a list and preserve order",
    ),
    pytest.param(
        Case(
            original={"mergingList": [{"name": 1}, {"name": 2, "value": 2}]},
            two_way={
                "$setElementOrder/mergingList": [
                    {"name": 1},
                    {"name": 4},
                    {"name": 2},
                    {"name": 3},
                ],
                "mergingList": [{"name": 4, "value": 4}, {"name": 3, "value": 3}],
            },
            modified={
                "mergingList": [
                    {"name": 1},
                    {"name": 4, "value": 4},
                    {"name": 2, "value": 2},
                    {"name": 3, "value": 3},
                ]
            },
            current={
                "mergingList": [{"name": 1, "other": "a"}, {"name": 2, "value": 2, "other": "b"}]
            },
            three_way={
                "$setElementOrder/mergingList": [
                    {"name": 1},
                    {"name": 4},
                    {"name": 2},
                    {"name": 3},
                ],
                "mergingList": [{"name": 4, "value": 4}, {"name": 3, "value": 3}],
            },
            result={
                "mergingList": [
                    {"name": 1, "other": "a"},
                    {"name": 4, "value": 4},
                    {"name": 2, "value": 2, "other": "b"},
                    {"name": 3, "value": 3},
                ]
            },
        ),
        id="add multiple items in a list and preserve order",
    ),
    pytest.param(
        Case(
            original={
                "mergingList": [{"name": 1}, {"name": 3, "value": 3}, {"name": 2, "value": 2}]
            },
            two_way={
                "$setElementOrder/mergingList": [{"name": 2}, {"name": 1}],
                "mergingList": [{"name": 3, "$patch": "delete"}],
            },
            modified={"mergingList": [{"name": 2, "value": 2}, {"name": 1}]},
            current={
                "mergingList": [
                    {"name": 1, "other": "a"},
                    {"name": 2, "value": 2, "other": "b"},
                    {"name": 3, "value": 3},
                ]
            },
            three_way={
                "$setElementOrder/mergingList": [{"name": 2}, {"name": 1}],
                "mergingList": [{"name": 3, "$patch": "delete"}],
            },
            result={
                "mergingList": [{"name": 2, "value": 2, "other": "b"}, {"name": 1, "other": "a"}]
            },
        ),
        id="delete an item in a list and preserve order",
    ),
    pytest.param(
        Case(
            original={
                "mergingList": [{"name": 1}, {"name": 3, "value": 3}, {"name": 2, "value": 2}]
            },
            two_way={
                "$setElementOrder/mergingList": [{"name": 2}, {"name": 3}, {"name": 1}],
                "mergingList": [{"name": 3, "value": "x"}],
            },
            modified={
                "mergingList": [{"name": 2, "value": 2}, {"name": 3, "value": "x"}, {"name": 1}]
            },
            current={
                "mergingList": [
                    {"name": 1, "other": "a"},
                    {"name": 2, "value": 2, "other": "b"},
                    {"name": 3, "value": 3},
                ]
            },
            three_way={
                "$setElementOrder/mergingList": [{"name": 2}, {"name": 3}, {"name": 1}],
                "mergingList": [{"name": 3, "value": "x"}],
            },
            result={
                "mergingList": [
                    {"name": 2, "value": 2, "other": "b"},
                    {"name": 3, "value": "x"},
                    {"name": 1, "other": "a"},
                ]
            },
        ),
        id="change an item in a list and preserve order",
    ),
    pytest.param(
        Case(
            original={
                "mergingList": [{"name": 1}, {"name": 3, "value": 3}, {"name": 2, "value": 2}]
            },
            two_way={
                "$setElementOrder/mergingList": [{"name": 4}, {"name": 2}, {"name": 1}],
                "mergingList": [{"name": 4, "value": 4}, {"name": 3, "$patch": "delete"}],
            },
            modified={
                "mergingList": [{"name": 4, "value": 4}, {"name": 2, "value": 2}, {"name": 1}]
            },
            current={
                "mergingList": [
                    {"name": 1, "other": "a"},
                    {"name": 2, "value": 2, "other": "b"},
                    {"name": 3, "value": 3},
                ]
            },
            three_way={
                "$setElementOrder/mergingList": [{"name": 4}, {"name": 2}, {"name": 1}],
                "mergingList": [{"name": 4, "value": 4}, {"name": 3, "$patch": "delete"}],
            },
            result={
                "mergingList": [
                    {"name": 4, "value": 4},
                    {"name": 2, "value": 2, "other": "b"},
                    {"name": 1, "other": "a"},
                ]
            },
        ),
        id="add and delete an item in a list and preserve order",
    ),
    pytest.param(
        Case(
            original={
                "mergingList": [
                    {"name": 1},
                    {"name": 3, "value": 3},
                    {"name": 4, "value": 4},
                    {"name": 2, "value": 2},
                ]
            },
            two_way={
                "$setElementOrder/mergingList": [{"name": 4}, {"name": 2}, {"name": 3}, {"name": 1}]
            },
            modified={
                "mergingList": [
                    {"name": 4, "value": 4},
                    {"name": 2, "value": 2},
                    {"name": 3, "value": 3},
                    {"name": 1},
                ]
            },
            current={
                "mergingList": [
                    {"name": 1, "other": "a"},
                    {"name": 3, "value": 3},
                    {"name": 4, "value": 4},
                    {"name": 2, "value": 2},
                ]
            },
            three_way={
                "$setElementOrder/mergingList": [{"name": 4}, {"name": 2}, {"name": 3}, {"name": 1}]
            },
            result={
                "mergingList": [
                    {"name": 4, "value": 4},
                    {"name": 2, "value": 2},
                    {"name": 3, "value": 3},
                    {"name": 1, "other": "a"},
                ]
            },
        ),
        id="set elements order in a list",
    ),
    pytest.param(
        Case(
            original={
                "mergingList": [
                    {"name": 1},
                    {"name": 3, "value": 3},
                    {"name": 4, "value": 4},
                    {"name": 2, "value": 2},
                ]
            },
            two_way={
                "$setElementOrder/mergingList": [{"name": 4}, {"name": 2}, {"name": 3}, {"name": 1}]
            },
            modified={
                "mergingList": [
                    {"name": 4, "value": 4},
                    {"name": 2, "value": 2},
                    {"name": 3, "value": 3},
                    {"name": 1},
                ]
            },
            current={
                "mergingList": [
                    {"name": 1, "other": "a"},
                    {"name": 3, "value": 3},
                    {"name": 4, "value": 4},
                    {"name": 2, "value": 2},
                    {"name": 9},
                ]
            },
            three_way={
                "$setElementOrder/mergingList": [{"name": 4}, {"name": 2}, {"name": 3}, {"name": 1}]
            },
            result={
                "mergingList": [
                    {"name": 4, "value": 4},
                    {"name": 2, "value": 2},
                    {"name": 3, "value": 3},
                    {"name": 1, "other": "a"},
                    {"name": 9},
                ]
            },
        ),
        id="set elements order in a list with server-only items",
    ),
    pytest.param(
        Case(
            original={
                "mergingList": [
                    {"name": 1},
                    {"name": 2, "value": 2},
                    {"name": 3, "value": 3},
                    {"name": 4, "value": 4},
                ]
            },
            two_way={
                "$setElementOrder/mergingList": [{"name": 2}, {"name": 1}, {"name": 4}, {"name": 3}]
            },
            modified={
                "mergingList": [
                    {"name": 2, "value": 2},
                    {"name": 1},
                    {"name": 4, "value": 4},
                    {"name": 3, "value": 3},
                ]
            },
            current={
                "mergingList": [
                    {"name": 1, "other": "a"},
                    {"name": 2, "value": 2},
                    {"name": 9},
                    {"name": 3, "value": 3},
                    {"name": 4, "value": 4},
                ]
            },
            three_way={
                "$setElementOrder/mergingList": [{"name": 2}, {"name": 1}, {"name": 4}, {"name": 3}]
            },
            result={
                "mergingList": [
                    {"name": 2, "value": 2},
                    {"name": 1, "other": "a"},
                    {"name": 9},
                    {"name": 4, "value": 4},
                    {"name": 3, "value": 3},
                ]
            },
        ),
        id="set elements order in a list with server-only items 2",
    ),
    pytest.param(
        Case(
            original={
                "mergingList": [
                    {"name": 1},
                    {"name": 2, "value": 2},
                    {"name": 3, "value": 3},
                    {"name": 4, "value": 4},
                ]
            },
            two_way={
                "$setElementOrder/mergingList": [{"name": 2}, {"name": 1}, {"name": 4}, {"name": 3}]
            },
            modified={
                "mergingList": [
                    {"name": 2, "value": 2},
                    {"name": 1},
                    {"name": 4, "value": 4},
                    {"name": 3, "value": 3},
                ]
            },
            current={
                "mergingList": [
                    {"name": 1, "other": "a"},
                    {"name": 2, "value": 2},
                    {"name": 7},
                    {"name": 9},
                    {"name": 8},
                    {"name": 3, "value": 3},
                    {"name": 4, "value": 4},
                ]
            },
            three_way={
                "$setElementOrder/mergingList": [{"name": 2}, {"name": 1}, {"name": 4}, {"name": 3}]
            },
            result={
                "mergingList": [
                    {"name": 2, "value": 2},
                    {"name": 1, "other": "a"},
                    {"name": 7},
                    {"name": 9},
                    {"name": 8},
                    {"name": 4, "value": 4},
                    {"name": 3, "value": 3},
                ]
            },
        ),
        id="set elements order in a list with server-only items 3",
    ),
    pytest.param(
        Case(
            original={"mergingIntList": [1, 2]},
            two_way={"$setElementOrder/mergingIntList": [3, 1, 2], "mergingIntList": [3]},
            modified={"mergingIntList": [3, 1, 2]},
            current={"mergingIntList": [1, 2]},
            three_way={"$setElementOrder/mergingIntList": [3, 1, 2], "mergingIntList": [3]},
            result={"mergingIntList": [3, 1, 2]},
        ),
        id="add an item in a int list and preserve order",
    ),
    pytest.param(
        Case(
            original={"mergingIntList": [1, 2]},
            two_way={"$setElementOrder/mergingIntList": [1, 4, 2, 3], "mergingIntList": [4, 3]},
            modified={"mergingIntList": [1, 4, 2, 3]},
            current={"mergingIntList": [1, 2]},
            three_way={"$setElementOrder/mergingIntList": [1, 4, 2, 3], "mergingIntList": [4, 3]},
            result={"mergingIntList": [1, 4, 2, 3]},
        ),
        id="add multiple items in a int list and preserve order",
    ),
    pytest.param(
        Case(
            original={"mergingIntList": [1, 3, 2]},
            two_way={
                "$setElementOrder/mergingIntList": [2, 1],
                "$deleteFromPrimitiveList/mergingIntList": [3],
            },
            modified={"mergingIntList": [2, 1]},
            current={"mergingIntList": [1, 2, 3]},
            three_way={
                "$setElementOrder/mergingIntList": [2, 1],
                "$deleteFromPrimitiveList/mergingIntList": [3],
            },
            result={"mergingIntList": [2, 1]},
        ),
        id="delete an item in a int list and preserve order",
    ),
    pytest.param(
        Case(
            original={"mergingIntList": [1, 3, 2]},
            two_way={
                "$setElementOrder/mergingIntList": [4, 2, 1],
                "mergingIntList": [4],
                "$deleteFromPrimitiveList/mergingIntList": [3],
            },
            modified={"mergingIntList": [4, 2, 1]},
            current={"mergingIntList": [1, 2, 3]},
            three_way={
                "$setElementOrder/mergingIntList": [4, 2, 1],
                "mergingIntList": [4],
                "$deleteFromPrimitiveList/mergingIntList": [3],
            },
            result={"mergingIntList": [4, 2, 1]},
        ),
        id="add and delete an item in a int list and preserve order",
    ),
    pytest.param(
        Case(
            original={"mergingIntList": [1, 3, 4, 2]},
            two_way={"$setElementOrder/mergingIntList": [4, 2, 3, 1]},
            modified={"mergingIntList": [4, 2, 3, 1]},
            current={"mergingIntList": [1, 3, 4, 2]},
            three_way={"$setElementOrder/mergingIntList": [4, 2, 3, 1]},
            result={"mergingIntList": [4, 2, 3, 1]},
        ),
        id="set elements order in a int list",
    ),
    pytest.param(
        Case(
            original={"mergingIntList": [1, 3, 4, 2]},
            two_way={"$setElementOrder/mergingIntList": [4, 2, 3, 1]},
            modified={"mergingIntList": [4, 2, 3, 1]},
            current={"mergingIntList": [1, 3, 4, 2, 9]},
            three_way={"$setElementOrder/mergingIntList": [4, 2, 3, 1]},
            result={"mergingIntList": [4, 2, 3, 1, 9]},
        ),
        id="set elements order in a int list with server-only items",
    ),
    pytest.param(
        Case(
            original={"mergingIntList": [1, 2, 3, 4]},
            two_way={"$setElementOrder/mergingIntList": [2, 1, 4, 3]},
            modified={"mergingIntList": [2, 1, 4, 3]},
            current={"mergingIntList": [1, 2, 9, 3, 4]},
            three_way={"$setElementOrder/mergingIntList": [2, 1, 4, 3]},
            result={"mergingIntList": [2, 1, 9, 4, 3]},
        ),
        id="set elements order in a int list with server-only items 2",
    ),
    pytest.param(
        Case(
            original={"mergingIntList": [1, 2, 3, 4]},
            two_way={"$setElementOrder/mergingIntList": [2, 1, 4, 3]},
            modified={"mergingIntList": [2, 1, 4, 3]},
            current={"mergingIntList": [1, 2, 7, 9, 8, 3, 4]},
            three_way={"$setElementOrder/mergingIntList": [2, 1, 4, 3]},
            result={"mergingIntList": [2, 1, 7, 9, 8, 4, 3]},
        ),
        id="set elements order in a int list with server-only items 3",
    ),
    pytest.param(
        Case(
            original={
                "mergingList": [
                    {"name": 1},
                    {"name": 2, "value": "dup1"},
                    {"name": 3},
                    {"name": 2, "value": "dup2"},
                    {"name": 4},
                ]
            },
            two_way={
                "$setElementOrder/mergingList": [
                    {"name": 2},
                    {"name": 1},
                    {"name": 4},
                    {"name": 3},
                    {"name": 2},
                ]
            },
            modified={
                "mergingList": [
                    {"name": 2, "value": "dup1"},
                    {"name": 1},
                    {"name": 4},
                    {"name": 3},
                    {"name": 2, "value": "dup2"},
                ]
            },
            two_way_result={
                "mergingList": [
                    {"name": 2, "value": "dup1"},
                    {"name": 2, "value": "dup2"},
                    {"name": 1},
                    {"name": 4},
                    {"name": 3},
                ]
            },
            current={
                "mergingList": [
                    {"name": 1},
                    {"name": 2, "value": "dup1"},
                    {"name": 3},
                    {"name": 2, "value": "dup2"},
                    {"name": 4},
                ]
            },
            three_way={
                "$setElementOrder/mergingList": [
                    {"name": 2},
                    {"name": 1},
                    {"name": 4},
                    {"name": 3},
                    {"name": 2},
                ]
            },
            result={
                "mergingList": [
                    {"name": 2, "value": "dup1"},
                    {"name": 2, "value": "dup2"},
                    {"name": 1},
                    {"name": 4},
                    {"name": 3},
                ]
            },
        ),
        id="behavior of set element order for a merging list with duplicate",
    ),
    pytest.param(
        Case(
            original={"mergingIntList": [1, 2, 3, 2, 4]},
            two_way={"$setElementOrder/mergingIntList": [2, 1, 4, 3, 2]},
            modified={"mergingIntList": [2, 1, 4, 3, 2]},
            two_way_result={"mergingIntList": [2, 2, 1, 4, 3]},
            current={"mergingIntList": [1, 2, 3, 2, 4]},
            three_way={"$setElementOrder/mergingIntList": [2, 1, 4, 3, 2]},
            result={"mergingIntList": [2, 2, 1, 4, 3]},
        ),
        id="behavior of set element order for a merging int list with duplicate",
    ),
    pytest.param(
        Case(
            original={},
            two_way={"retainKeysMap": {"other": "bar"}},
            modified={"retainKeysMap": {"other": "bar"}},
            current={"retainKeysMap": {"value": "foo"}},
            three_way={"retainKeysMap": {"$retainKeys": ["other"], "other": "bar"}},
            result={"retainKeysMap": {"other": "bar"}},
        ),
        id="retainKeys map should clear defaulted field",
    ),
    pytest.param(
        Case(
            original={},
            two_way={"retainKeysMap": {"name": "type2", "other": "bar"}},
            modified={"retainKeysMap": {"name": "type2", "other": "bar"}},
            current={"retainKeysMap": {"name": "type1", "value": "foo"}},
            three_way={
                "retainKeysMap": {"$retainKeys": ["name", "other"], "name": "type2", "other": "bar"}
            },
            result={"retainKeysMap": {"name": "type2", "other": "bar"}},
        ),
        id="retainKeys map should clear defaulted field with conflict (discriminated union)",
    ),
    pytest.param(
        Case(
            original={"retainKeysMap": {"name": "foo"}},
            two_way={"retainKeysMap": {"$retainKeys": ["name", "value"], "value": "bar"}},
            modified={"retainKeysMap": {"name": "foo", "value": "bar"}},
            current={"retainKeysMap": {"name": "foo"}},
            three_way={"retainKeysMap": {"$retainKeys": ["name", "value"], "value": "bar"}},
            result={"retainKeysMap": {"name": "foo", "value": "bar"}},
        ),
        id="retainKeys map adds a field",
    ),
    pytest.param(
        Case(
            original={"retainKeysMap": {"name": "foo"}},
            two_way={"retainKeysMap": {"$retainKeys": ["name", "value"], "value": "bar"}},
            modified={"retainKeysMap": {"name": "foo", "value": "bar"}},
            current={"retainKeysMap": {"name": "foo", "other": "a"}},
            three_way={"retainKeysMap": {"$retainKeys": ["name", "value"], "value": "bar"}},
            result={"retainKeysMap": {"name": "foo", "value": "bar"}},
        ),
        id="retainKeys map adds a field and clear a field",
    ),
    pytest.param(
        Case(
            original={"retainKeysMap": {"name": "foo", "value": "bar"}},
            two_way={"retainKeysMap": {"$retainKeys": ["name"], "value": None}},
            modified={"retainKeysMap": {"name": "foo"}},
            current={"retainKeysMap": {"name": "foo", "value": "bar"}},
            three_way={"retainKeysMap": {"$retainKeys": ["name"], "value": None}},
            result={"retainKeysMap": {"name": "foo"}},
        ),
        id="retainKeys map deletes a field",
    ),
    pytest.param(
        Case(
            original={"retainKeysMap": {"name": "foo", "value": "bar"}},
            two_way={"retainKeysMap": {"$retainKeys": ["name"], "value": None}},
            modified={"retainKeysMap": {"name": "foo"}},
            current={"retainKeysMap": {"name": "foo", "value": "bar", "other": "a"}},
            three_way={"retainKeysMap": {"$retainKeys": ["name"], "value": None}},
            result={"retainKeysMap": {"name": "foo"}},
        ),
        id="retainKeys map deletes a field and clears a field",
    ),
    pytest.param(
        Case(
            original={"retainKeysMap": {"name": "foo", "value": "bar"}},
            two_way={},
            modified={"retainKeysMap": {"name": "foo", "value": "bar"}},
            current={"retainKeysMap": {"name": "foo", "value": "bar", "other": "a"}},
            three_way={"retainKeysMap": {"$retainKeys": ["name", "value"]}},
            result={"retainKeysMap": {"name": "foo", "value": "bar"}},
        ),
        id="retainKeys map clears a field",
    ),
    pytest.param(
        Case(
            original={"retainKeysMap": {"name": "foo", "simpleMap": {"key1": "a"}}},
            two_way={
                "retainKeysMap": {"$retainKeys": ["name", "simpleMap", "value"], "value": "bar"}
            },
            modified={"retainKeysMap": {"name": "foo", "value": "bar", "simpleMap": {"key1": "a"}}},
            current={"retainKeysMap": {"name": "foo", "simpleMap": {"key1": "a"}}},
            three_way={
                "retainKeysMap": {"$retainKeys": ["name", "simpleMap", "value"], "value": "bar"}
            },
            result={"retainKeysMap": {"name": "foo", "value": "bar", "simpleMap": {"key1": "a"}}},
        ),
        id="retainKeys map nested map with no change",
    ),
    pytest.param(
        Case(
            original={"retainKeysMap": {"name": "foo", "value": "bar", "simpleMap": {"key1": "a"}}},
            two_way={
                "retainKeysMap": {
                    "$retainKeys": ["name", "simpleMap", "value"],
                    "simpleMap": {"key2": "b"},
                }
            },
            modified={
                "retainKeysMap": {
                    "name": "foo",
                    "value": "bar",
                    "simpleMap": {"key1": "a", "key2": "b"},
                }
            },
            current={
                "retainKeysMap": {
                    "name": "foo",
                    "value": "bar",
                    "simpleMap": {"key1": "a", "key3": "c"},
                }
            },
            three_way={
                "retainKeysMap": {
                    "$retainKeys": ["name", "simpleMap", "value"],
                    "simpleMap": {"key2": "b"},
                }
            },
            result={
                "retainKeysMap": {
                    "name": "foo",
                    "value": "bar",
                    "simpleMap": {"key1": "a", "key2": "b", "key3": "c"},
                }
            },
        ),
        id="retainKeys map adds a field in a nested map",
    ),
    pytest.param(
        Case(
            original={
                "retainKeysMap": {
                    "name": "foo",
                    "value": "bar",
                    "simpleMap": {"key1": "a", "key2": "b"},
                }
            },
            two_way={
                "retainKeysMap": {
                    "$retainKeys": ["name", "simpleMap", "value"],
                    "simpleMap": {"key2": None},
                }
            },
            modified={"retainKeysMap": {"name": "foo", "value": "bar", "simpleMap": {"key1": "a"}}},
            current={
                "retainKeysMap": {
                    "name": "foo",
                    "value": "bar",
                    "simpleMap": {"key1": "a", "key2": "b", "key3": "c"},
                }
            },
            three_way={
                "retainKeysMap": {
                    "$retainKeys": ["name", "simpleMap", "value"],
                    "simpleMap": {"key2": None},
                }
            },
            result={
                "retainKeysMap": {
                    "name": "foo",
                    "value": "bar",
                    "simpleMap": {"key1": "a", "key3": "c"},
                }
            },
        ),
        id="retainKeys map deletes a field in a nested map",
    ),
    pytest.param(
        Case(
            original={
                "retainKeysMap": {
                    "name": "foo",
                    "value": "bar",
                    "simpleMap": {"key1": "a", "key2": "b"},
                }
            },
            two_way={
                "retainKeysMap": {
                    "$retainKeys": ["name", "simpleMap", "value"],
                    "simpleMap": {"key1": "x"},
                }
            },
            modified={
                "retainKeysMap": {
                    "name": "foo",
                    "value": "bar",
                    "simpleMap": {"key1": "x", "key2": "b"},
                }
            },
            current={
                "retainKeysMap": {
                    "name": "foo",
                    "value": "bar",
                    "simpleMap": {"key1": "a", "key2": "b", "key3": "c"},
                }
            },
            three_way={
                "retainKeysMap": {
                    "$retainKeys": ["name", "simpleMap", "value"],
                    "simpleMap": {"key1": "x"},
                }
            },
            result={
                "retainKeysMap": {
                    "name": "foo",
                    "value": "bar",
                    "simpleMap": {"key1": "x", "key2": "b", "key3": "c"},
                }
            },
        ),
        id="retainKeys map changes a field in a nested map",
    ),
    pytest.param(
        Case(
            original={
                "retainKeysMap": {
                    "name": "foo",
                    "value": "bar",
                    "simpleMap": {"key1": "old", "key2": "b"},
                }
            },
            two_way={
                "retainKeysMap": {
                    "$retainKeys": ["name", "simpleMap", "value"],
                    "simpleMap": {"key1": "modified"},
                }
            },
            modified={
                "retainKeysMap": {
                    "name": "foo",
                    "value": "bar",
                    "simpleMap": {"key1": "modified", "key2": "b"},
                }
            },
            current={
                "retainKeysMap": {
                    "name": "foo",
                    "value": "bar",
                    "simpleMap": {"key1": "new", "key2": "b", "key3": "c"},
                }
            },
            three_way={
                "retainKeysMap": {
                    "$retainKeys": ["name", "simpleMap", "value"],
                    "simpleMap": {"key1": "modified"},
                }
            },
            result={
                "retainKeysMap": {
                    "name": "foo",
                    "value": "bar",
                    "simpleMap": {"key1": "modified", "key2": "b", "key3": "c"},
                }
            },
        ),
        id="retainKeys map changes a field in a nested map with conflict",
    ),
    pytest.param(
        Case(
            original={
                "retainKeysMap": {
                    "name": "foo",
                    "value": "bar",
                    "nonMergingList": [{"name": "a"}, {"name": "b"}],
                }
            },
            two_way={
                "retainKeysMap": {
                    "$retainKeys": ["name", "nonMergingList", "value"],
                    "nonMergingList": [{"name": "a"}, {"name": "c"}, {"name": "b"}],
                }
            },
            modified={
                "retainKeysMap": {
                    "name": "foo",
                    "value": "bar",
                    "nonMergingList": [{"name": "a"}, {"name": "c"}, {"name": "b"}],
                }
            },
            current={
                "retainKeysMap": {
                    "name": "foo",
                    "value": "bar",
                    "nonMergingList": [{"name": "a"}, {"name": "b"}],
                }
            },
            three_way={
                "retainKeysMap": {
                    "$retainKeys": ["name", "nonMergingList", "value"],
                    "nonMergingList": [{"name": "a"}, {"name": "c"}, {"name": "b"}],
                }
            },
            result={
                "retainKeysMap": {
                    "name": "foo",
                    "value": "bar",
                    "nonMergingList": [{"name": "a"}, {"name": "c"}, {"name": "b"}],
                }
            },
        ),
        id="retainKeys map replaces non-merging list",
    ),
    pytest.param(
        Case(
            original={
                "retainKeysMap": {"name": "foo", "nonMergingList": [{"name": "a"}, {"name": "b"}]}
            },
            two_way={
                "retainKeysMap": {
                    "$retainKeys": ["name", "nonMergingList", "value"],
                    "value": "bar",
                }
            },
            modified={
                "retainKeysMap": {
                    "name": "foo",
                    "value": "bar",
                    "nonMergingList": [{"name": "a"}, {"name": "b"}],
                }
            },
            current={
                "retainKeysMap": {"name": "foo", "nonMergingList": [{"name": "a"}, {"name": "b"}]}
            },
            three_way={
                "retainKeysMap": {
                    "$retainKeys": ["name", "nonMergingList", "value"],
                    "value": "bar",
                }
            },
            result={
                "retainKeysMap": {
                    "name": "foo",
                    "value": "bar",
                    "nonMergingList": [{"name": "a"}, {"name": "b"}],
                }
            },
        ),
        id="retainKeys map nested non-merging list with no change",
    ),
    pytest.param(
        Case(
            original={
                "retainKeysMap": {"name": "foo", "nonMergingList": [{"name": "a"}, {"name": "b"}]}
            },
            two_way={
                "retainKeysMap": {
                    "$retainKeys": ["name", "nonMergingList", "value"],
                    "value": "bar",
                }
            },
            modified={
                "retainKeysMap": {
                    "name": "foo",
                    "value": "bar",
                    "nonMergingList": [{"name": "a"}, {"name": "b"}],
                }
            },
            current={
                "retainKeysMap": {
                    "name": "foo",
                    "nonMergingList": [{"name": "a"}, {"name": "b"}, {"name": "c"}],
                }
            },
            three_way={
                "retainKeysMap": {
                    "$retainKeys": ["name", "nonMergingList", "value"],
                    "value": "bar",
                    "nonMergingList": [{"name": "a"}, {"name": "b"}],
                }
            },
            result={
                "retainKeysMap": {
                    "name": "foo",
                    "value": "bar",
                    "nonMergingList": [{"name": "a"}, {"name": "b"}],
                }
            },
        ),
        id="retainKeys map nested non-merging list with no change with conflict",
    ),
    pytest.param(
        Case(
            original={
                "retainKeysMap": {"name": "foo", "nonMergingList": [{"name": "a"}, {"name": "b"}]}
            },
            two_way={
                "retainKeysMap": {
                    "$retainKeys": ["name", "value"],
                    "value": "bar",
                    "nonMergingList": None,
                }
            },
            modified={"retainKeysMap": {"name": "foo", "value": "bar"}},
            current={
                "retainKeysMap": {"name": "foo", "nonMergingList": [{"name": "a"}, {"name": "b"}]}
            },
            three_way={
                "retainKeysMap": {
                    "$retainKeys": ["name", "value"],
                    "value": "bar",
                    "nonMergingList": None,
                }
            },
            result={"retainKeysMap": {"name": "foo", "value": "bar"}},
        ),
        id="retainKeys map deletes nested non-merging list",
    ),
    pytest.param(
        Case(
            original={
                "retainKeysMap": {"name": "foo", "nonMergingList": [{"name": "a"}, {"name": "b"}]}
            },
            two_way={
                "retainKeysMap": {
                    "$retainKeys": ["name", "value"],
                    "value": "bar",
                    "nonMergingList": None,
                }
            },
            modified={"retainKeysMap": {"name": "foo", "value": "bar"}},
            current={
                "retainKeysMap": {
                    "name": "foo",
                    "nonMergingList": [{"name": "a"}, {"name": "b"}, {"name": "c"}],
                }
            },
            three_way={
                "retainKeysMap": {
                    "$retainKeys": ["name", "value"],
                    "value": "bar",
                    "nonMergingList": None,
                }
            },
            result={"retainKeysMap": {"name": "foo", "value": "bar"}},
        ),
        id="retainKeys map delete nested non-merging list with conflict",
    ),
    pytest.param(
        Case(
            original={"retainKeysMap": {"name": "foo", "mergingIntList": [1, 2]}},
            two_way={
                "retainKeysMap": {
                    "$retainKeys": ["mergingIntList", "name", "value"],
                    "value": "bar",
                }
            },
            modified={"retainKeysMap": {"name": "foo", "value": "bar", "mergingIntList": [1, 2]}},
            current={"retainKeysMap": {"name": "foo", "mergingIntList": [1, 2, 3]}},
            three_way={
                "retainKeysMap": {
                    "$retainKeys": ["mergingIntList", "name", "value"],
                    "$setElementOrder/mergingIntList": [1, 2],
                    "value": "bar",
                }
            },
            result={"retainKeysMap": {"name": "foo", "value": "bar", "mergingIntList": [1, 2, 3]}},
        ),
        id="retainKeys map nested merging int list with no change",
    ),
    pytest.param(
        Case(
            original={"retainKeysMap": {"name": "foo", "mergingIntList": [1, 2]}},
            two_way={
                "retainKeysMap": {
                    "$setElementOrder/mergingIntList": [1, 2, 4],
                    "$retainKeys": ["mergingIntList", "name"],
                    "mergingIntList": [4],
                }
            },
            modified={"retainKeysMap": {"name": "foo", "mergingIntList": [1, 2, 4]}},
            current={"retainKeysMap": {"name": "foo", "mergingIntList": [1, 2, 3]}},
            three_way={
                "retainKeysMap": {
                    "$setElementOrder/mergingIntList": [1, 2, 4],
                    "$retainKeys": ["mergingIntList", "name"],
                    "mergingIntList": [4],
                }
            },
            result={"retainKeysMap": {"name": "foo", "mergingIntList": [1, 2, 4, 3]}},
        ),
        id="retainKeys map adds an item in nested merging int list",
    ),
    pytest.param(
        Case(
            original={"retainKeysMap": {"name": "foo", "mergingIntList": [1, 2, 3]}},
            two_way={
                "retainKeysMap": {
                    "$retainKeys": ["mergingIntList", "name"],
                    "$deleteFromPrimitiveList/mergingIntList": [2],
                    "$setElementOrder/mergingIntList": [1, 3],
                }
            },
            modified={"retainKeysMap": {"name": "foo", "mergingIntList": [1, 3]}},
            current={"retainKeysMap": {"name": "foo", "mergingIntList": [1, 2, 3, 4]}},
            three_way={
                "retainKeysMap": {
                    "$retainKeys": ["mergingIntList", "name"],
                    "$deleteFromPrimitiveList/mergingIntList": [2],
                    "$setElementOrder/mergingIntList": [1, 3],
                }
            },
            result={"retainKeysMap": {"name": "foo", "mergingIntList": [1, 3, 4]}},
        ),
        id="retainKeys map deletes an item in nested merging int list",
    ),
    pytest.param(
        Case(
            original={"retainKeysMap": {"name": "foo", "mergingIntList": [1, 2, 3]}},
            two_way={
                "retainKeysMap": {
                    "$retainKeys": ["mergingIntList", "name"],
                    "mergingIntList": [5],
                    "$deleteFromPrimitiveList/mergingIntList": [2],
                    "$setElementOrder/mergingIntList": [1, 3, 5],
                }
            },
            modified={"retainKeysMap": {"name": "foo", "mergingIntList": [1, 3, 5]}},
            current={"retainKeysMap": {"name": "foo", "mergingIntList": [1, 2, 3, 4]}},
            three_way={
                "retainKeysMap": {
                    "$retainKeys": ["mergingIntList", "name"],
                    "mergingIntList": [5],
                    "$deleteFromPrimitiveList/mergingIntList": [2],
                    "$setElementOrder/mergingIntList": [1, 3, 5],
                }
            },
            result={"retainKeysMap": {"name": "foo", "mergingIntList": [1, 3, 5, 4]}},
        ),
        id="retainKeys map adds an item and deletes an item in nested merging int list",
    ),
    pytest.param(
        Case(
            original={"retainKeysMap": {"name": "foo", "mergingIntList": [1, 2, 3]}},
            two_way={"retainKeysMap": {"$retainKeys": ["name"], "mergingIntList": None}},
            modified={"retainKeysMap": {"name": "foo"}},
            current={"retainKeysMap": {"name": "foo", "mergingIntList": [1, 2, 3]}},
            three_way={"retainKeysMap": {"$retainKeys": ["name"], "mergingIntList": None}},
            result={"retainKeysMap": {"name": "foo"}},
        ),
        id="retainKeys map deletes nested merging int list",
    ),
    pytest.param(
        Case(
            original={
                "retainKeysMap": {"name": "foo", "mergingList": [{"name": "a"}, {"name": "b"}]}
            },
            two_way={
                "retainKeysMap": {"$retainKeys": ["mergingList", "name", "value"], "value": "bar"}
            },
            modified={
                "retainKeysMap": {
                    "name": "foo",
                    "value": "bar",
                    "mergingList": [{"name": "a"}, {"name": "b"}],
                }
            },
            current={
                "retainKeysMap": {
                    "name": "foo",
                    "mergingList": [{"name": "a"}, {"name": "b"}, {"name": "c"}],
                }
            },
            three_way={
                "retainKeysMap": {
                    "$retainKeys": ["mergingList", "name", "value"],
                    "$setElementOrder/mergingList": [{"name": "a"}, {"name": "b"}],
                    "value": "bar",
                }
            },
            result={
                "retainKeysMap": {
                    "name": "foo",
                    "value": "bar",
                    "mergingList": [{"name": "a"}, {"name": "b"}, {"name": "c"}],
                }
            },
        ),
        id="retainKeys map nested merging list with no change",
    ),
    pytest.param(
        Case(
            original={
                "retainKeysMap": {"name": "foo", "mergingList": [{"name": "a"}, {"name": "b"}]}
            },
            two_way={
                "retainKeysMap": {
                    "$retainKeys": ["mergingList", "name"],
                    "$setElementOrder/mergingList": [{"name": "a"}, {"name": "b"}, {"name": "c"}],
                    "mergingList": [{"name": "c"}],
                }
            },
            modified={
                "retainKeysMap": {
                    "name": "foo",
                    "mergingList": [{"name": "a"}, {"name": "b"}, {"name": "c"}],
                }
            },
            current={
                "retainKeysMap": {
                    "name": "foo",
                    "mergingList": [{"name": "a"}, {"name": "b"}, {"name": "x"}],
                }
            },
            three_way={
                "retainKeysMap": {
                    "$retainKeys": ["mergingList", "name"],
                    "$setElementOrder/mergingList": [{"name": "a"}, {"name": "b"}, {"name": "c"}],
                    "mergingList": [{"name": "c"}],
                }
            },
            result={
                "retainKeysMap": {
                    "name": "foo",
                    "mergingList": [{"name": "a"}, {"name": "b"}, {"name": "c"}, {"name": "x"}],
                }
            },
        ),
        id="retainKeys map adds an item in nested merging list",
    ),
    pytest.param(
        Case(
            original={
                "retainKeysMap": {
                    "name": "foo",
                    "mergingList": [{"name": "a"}, {"name": "b", "value": "foo"}],
                }
            },
            two_way={
                "retainKeysMap": {
                    "$retainKeys": ["mergingList", "name"],
                    "$setElementOrder/mergingList": [{"name": "a"}, {"name": "b"}],
                    "mergingList": [{"name": "b", "value": "bar"}],
                }
            },
            modified={
                "retainKeysMap": {
                    "name": "foo",
                    "mergingList": [{"name": "a"}, {"name": "b", "value": "bar"}],
                }
            },
            current={
                "retainKeysMap": {
                    "name": "foo",
                    "mergingList": [{"name": "a"}, {"name": "b", "value": "foo"}, {"name": "x"}],
                }
            },
            three_way={
                "retainKeysMap": {
                    "$retainKeys": ["mergingList", "name"],
                    "$setElementOrder/mergingList": [{"name": "a"}, {"name": "b"}],
                    "mergingList": [{"name": "b", "value": "bar"}],
                }
            },
            result={
                "retainKeysMap": {
                    "name": "foo",
                    "mergingList": [{"name": "a"}, {"name": "b", "value": "bar"}, {"name": "x"}],
                }
            },
        ),
        id="retainKeys map changes an item in nested merging list",
    ),
    pytest.param(
        Case(
            original={
                "retainKeysMap": {"name": "foo", "mergingList": [{"name": "a"}, {"name": "b"}]}
            },
            two_way={
                "retainKeysMap": {
                    "$retainKeys": ["name", "value"],
                    "value": "bar",
                    "mergingList": None,
                }
            },
            modified={"retainKeysMap": {"name": "foo", "value": "bar"}},
            current={
                "retainKeysMap": {"name": "foo", "mergingList": [{"name": "a"}, {"name": "b"}]}
            },
            three_way={
                "retainKeysMap": {
                    "$retainKeys": ["name", "value"],
                    "value": "bar",
                    "mergingList": None,
                }
            },
            result={"retainKeysMap": {"name": "foo", "value": "bar"}},
        ),
        id="retainKeys map deletes nested merging list",
    ),
    pytest.param(
        Case(
            original={
                "retainKeysMap": {"name": "foo", "mergingList": [{"name": "a"}, {"name": "b"}]}
            },
            two_way={
                "retainKeysMap": {
                    "$retainKeys": ["mergingList", "name"],
                    "$setElementOrder/mergingList": [{"name": "a"}],
                    "mergingList": [{"name": "b", "$patch": "delete"}],
                }
            },
            modified={"retainKeysMap": {"name": "foo", "mergingList": [{"name": "a"}]}},
            current={
                "retainKeysMap": {
                    "name": "foo",
                    "mergingList": [{"name": "a"}, {"name": "b"}, {"name": "x"}],
                }
            },
            three_way={
                "retainKeysMap": {
                    "$retainKeys": ["mergingList", "name"],
                    "$setElementOrder/mergingList": [{"name": "a"}],
                    "mergingList": [{"name": "b", "$patch": "delete"}],
                }
            },
            result={
                "retainKeysMap": {"name": "foo", "mergingList": [{"name": "a"}, {"name": "x"}]}
            },
        ),
        id="retainKeys map deletes an item in nested merging list",
    ),
    pytest.param(
        Case(
            original={"retainKeysMergingList": [{"name": "bar"}, {"name": "foo", "value": "a"}]},
            two_way={},
            modified={"retainKeysMergingList": [{"name": "bar"}, {"name": "foo", "value": "a"}]},
            current={
                "retainKeysMergingList": [
                    {"name": "bar"},
                    {"name": "foo", "value": "a", "other": "x"},
                ]
            },
            three_way={
                "$setElementOrder/retainKeysMergingList": [{"name": "bar"}, {"name": "foo"}],
                "retainKeysMergingList": [{"$retainKeys": ["name", "value"], "name": "foo"}],
            },
            result={"retainKeysMergingList": [{"name": "bar"}, {"name": "foo", "value": "a"}]},
        ),
        id="retainKeys list of maps clears a field",
    ),
    pytest.param(
        Case(
            original={"retainKeysMergingList": [{"name": "bar"}, {"name": "foo", "value": "old"}]},
            two_way={
                "$setElementOrder/retainKeysMergingList": [{"name": "bar"}, {"name": "foo"}],
                "retainKeysMergingList": [
                    {"$retainKeys": ["name", "value"], "name": "foo", "value": "modified"}
                ],
            },
            modified={
                "retainKeysMergingList": [{"name": "bar"}, {"name": "foo", "value": "modified"}]
            },
            current={
                "retainKeysMergingList": [
                    {"name": "bar"},
                    {"name": "foo", "value": "new", "other": "x"},
                ]
            },
            three_way={
                "$setElementOrder/retainKeysMergingList": [{"name": "bar"}, {"name": "foo"}],
                "retainKeysMergingList": [
                    {"$retainKeys": ["name", "value"], "name": "foo", "value": "modified"}
                ],
            },
            result={
                "retainKeysMergingList": [{"name": "bar"}, {"name": "foo", "value": "modified"}]
            },
        ),
        id="retainKeys list of maps clears a field with conflict",
    ),
    pytest.param(
        Case(
            original={"retainKeysMergingList": [{"name": "bar"}, {"name": "foo", "value": "old"}]},
            two_way={
                "$setElementOrder/retainKeysMergingList": [{"name": "bar"}, {"name": "foo"}],
                "retainKeysMergingList": [
                    {"$retainKeys": ["name", "value"], "name": "foo", "value": "new"}
                ],
            },
            modified={"retainKeysMergingList": [{"name": "bar"}, {"name": "foo", "value": "new"}]},
            current={
                "retainKeysMergingList": [
                    {"name": "bar"},
                    {"name": "foo", "value": "old", "other": "x"},
                ]
            },
            three_way={
                "$setElementOrder/retainKeysMergingList": [{"name": "bar"}, {"name": "foo"}],
                "retainKeysMergingList": [
                    {"$retainKeys": ["name", "value"], "name": "foo", "value": "new"}
                ],
            },
            result={"retainKeysMergingList": [{"name": "bar"}, {"name": "foo", "value": "new"}]},
        ),
        id="retainKeys list of maps changes a field and clear a field",
    ),
    pytest.param(
        Case(
            original={"retainKeysMergingList": [{"name": "bar"}, {"name": "foo", "value": "old"}]},
            two_way={
                "$setElementOrder/retainKeysMergingList": [{"name": "bar"}, {"name": "foo"}],
                "retainKeysMergingList": [
                    {"$retainKeys": ["name", "value"], "name": "foo", "value": "new"}
                ],
            },
            modified={"retainKeysMergingList": [{"name": "bar"}, {"name": "foo", "value": "new"}]},
            current={
                "retainKeysMergingList": [
                    {"name": "bar"},
                    {"name": "foo", "value": "modified", "other": "x"},
                ]
            },
            three_way={
                "$setElementOrder/retainKeysMergingList": [{"name": "bar"}, {"name": "foo"}],
                "retainKeysMergingList": [
                    {"$retainKeys": ["name", "value"], "name": "foo", "value": "new"}
                ],
            },
            result={"retainKeysMergingList": [{"name": "bar"}, {"name": "foo", "value": "new"}]},
        ),
        id="retainKeys list of maps changes a field and clear a field with conflict",
    ),
    pytest.param(
        Case(
            original={"retainKeysMergingList": [{"name": "bar"}, {"name": "foo"}]},
            two_way={
                "$setElementOrder/retainKeysMergingList": [{"name": "bar"}, {"name": "foo"}],
                "retainKeysMergingList": [
                    {"$retainKeys": ["name", "value"], "name": "foo", "value": "a"}
                ],
            },
            modified={"retainKeysMergingList": [{"name": "bar"}, {"name": "foo", "value": "a"}]},
            current={"retainKeysMergingList": [{"name": "bar"}, {"name": "foo"}]},
            three_way={
                "$setElementOrder/retainKeysMergingList": [{"name": "bar"}, {"name": "foo"}],
                "retainKeysMergingList": [
                    {"$retainKeys": ["name", "value"], "name": "foo", "value": "a"}
                ],
            },
            result={"retainKeysMergingList": [{"name": "bar"}, {"name": "foo", "value": "a"}]},
        ),
        id="retainKeys list of maps adds a field",
    ),
    pytest.param(
        Case(
            original={"retainKeysMergingList": [{"name": "bar"}, {"name": "foo"}]},
            two_way={
                "$setElementOrder/retainKeysMergingList": [{"name": "bar"}, {"name": "foo"}],
                "retainKeysMergingList": [
                    {"$retainKeys": ["name", "value"], "name": "foo", "value": "a"}
                ],
            },
            modified={"retainKeysMergingList": [{"name": "bar"}, {"name": "foo", "value": "a"}]},
            current={"retainKeysMergingList": [{"name": "bar"}, {"name": "foo", "other": "x"}]},
            three_way={
                "$setElementOrder/retainKeysMergingList": [{"name": "bar"}, {"name": "foo"}],
                "retainKeysMergingList": [
                    {"$retainKeys": ["name", "value"], "name": "foo", "value": "a"}
                ],
            },
            result={"retainKeysMergingList": [{"name": "bar"}, {"name": "foo", "value": "a"}]},
        ),
        id="retainKeys list of maps adds a field and clear a field",
    ),
    pytest.param(
        Case(
            original={"retainKeysMergingList": [{"name": "bar"}, {"name": "foo", "value": "a"}]},
            two_way={
                "$setElementOrder/retainKeysMergingList": [{"name": "bar"}, {"name": "foo"}],
                "retainKeysMergingList": [{"$retainKeys": ["name"], "name": "foo", "value": None}],
            },
            modified={"retainKeysMergingList": [{"name": "bar"}, {"name": "foo"}]},
            current={"retainKeysMergingList": [{"name": "bar"}, {"name": "foo", "value": "a"}]},
            three_way={
                "$setElementOrder/retainKeysMergingList": [{"name": "bar"}, {"name": "foo"}],
                "retainKeysMergingList": [{"$retainKeys": ["name"], "name": "foo", "value": None}],
            },
            result={"retainKeysMergingList": [{"name": "bar"}, {"name": "foo"}]},
        ),
        id="retainKeys list of maps deletes a field",
    ),
    pytest.param(
        Case(
            original={"retainKeysMergingList": [{"name": "bar"}, {"name": "foo", "value": "a"}]},
            two_way={
                "$setElementOrder/retainKeysMergingList": [{"name": "bar"}, {"name": "foo"}],
                "retainKeysMergingList": [{"$retainKeys": ["name"], "name": "foo", "value": None}],
            },
            modified={"retainKeysMergingList": [{"name": "bar"}, {"name": "foo"}]},
            current={
                "retainKeysMergingList": [
                    {"name": "bar"},
                    {"name": "foo", "value": "a", "other": "x"},
                ]
            },
            three_way={
                "$setElementOrder/retainKeysMergingList": [{"name": "bar"}, {"name": "foo"}],
                "retainKeysMergingList": [{"$retainKeys": ["name"], "name": "foo", "value": None}],
            },
            result={"retainKeysMergingList": [{"name": "bar"}, {"name": "foo"}]},
        ),
        id="retainKeys list of maps deletes a field and clear a field",
    ),
    pytest.param(
        Case(
            original={
                "mergingList": [{"name": "a", "value": "a"}, {"name": "b", "value": "b"}],
                "mergeItemPtr": [{"name": "c", "value": "c"}, {"name": "d", "value": "d"}],
            },
            two_way={
                "$setElementOrder/mergingList": [{"name": "b"}],
                "$setElementOrder/mergeItemPtr": [{"name": "d"}, {"name": "c"}],
                "mergingList": [{"$patch": "delete", "name": "a"}],
            },
            modified={
                "mergingList": [{"name": "b", "value": "b"}],
                "mergeItemPtr": [{"name": "d", "value": "d"}, {"name": "c", "value": "c"}],
            },
            current={
                "mergingList": [{"name": "a", "value": "a"}, {"name": "b", "value": "b"}],
                "mergeItemPtr": [{"name": "c", "value": "c"}, {"name": "d", "value": "d"}],
            },
            three_way={
                "$setElementOrder/mergingList": [{"name": "b"}],
                "$setElementOrder/mergeItemPtr": [{"name": "d"}, {"name": "c"}],
                "mergingList": [{"$patch": "delete", "name": "a"}],
            },
            result={
                "mergingList": [{"name": "b", "value": "b"}],
                "mergeItemPtr": [{"name": "d", "value": "d"}, {"name": "c", "value": "c"}],
            },
        ),
        id="delete and reorder in one list, reorder in another",
    ),
]

APPLY_TABLE = [
    pytest.param(
        Case(
            original={"mergingIntList": [1, 2]},
            two_way={"mergingIntList": [2, 3]},
            modified={"mergingIntList": [1, 2, 3]},
        ),
        id="unique scalars when merging lists",
    ),
    pytest.param(
        Case(
            original={"simpleMap": {"key1": 1, "key2": 1}},
            two_way={"simpleMap": {"$patch": "delete"}},
            modified={"simpleMap": {}},
        ),
        id="delete map from nested map",
    ),
    pytest.param(
        Case(
            original={"mergingList": [{"name": 1}, {"name": 2}]},
            two_way={"mergingList": [{"$patch": "replace"}]},
            modified={"mergingList": []},
        ),
        id="delete all items from merging list",
    ),
    pytest.param(
        Case(
            original={"mergingList": []}, two_way={"mergingList": []}, modified={"mergingList": []}
        ),
        id="merge empty merging lists",
    ),
    pytest.param(
        Case(original={"name": 1, "value": 1}, two_way={"$patch": "replace"}, modified={}),
        id="delete all keys from map",
    ),
    pytest.param(
        Case(
            original={"name": 1, "value": 1},
            two_way={"other": "a", "$patch": "replace"},
            modified={"other": "a"},
        ),
        id="add key and delete all keys from map",
    ),
    pytest.param(
        Case(
            original={
                "mergingList": [
                    {"name": 1},
                    {"name": 1},
                    {"name": 2, "value": "a"},
                    {"name": 3},
                    {"name": 3},
                ]
            },
            two_way={
                "mergingList": [{"name": 1, "$patch": "delete"}, {"name": 3, "$patch": "delete"}]
            },
            modified={"mergingList": [{"name": 2, "value": "a"}]},
        ),
        id="delete all duplicate entries in a merging list",
    ),
    pytest.param(
        Case(
            original={"retainKeysMap": {"name": "foo"}},
            two_way={"retainKeysMap": {"value": "bar"}},
            modified={"retainKeysMap": {"name": "foo", "value": "bar"}},
        ),
        id="retainKeys map can add a field when no retainKeys directive present",
    ),
    pytest.param(
        Case(
            original={"retainKeysMap": {"name": "foo", "value": "a"}},
            two_way={"retainKeysMap": {"value": "b"}},
            modified={"retainKeysMap": {"name": "foo", "value": "b"}},
        ),
        id="retainKeys map can change a field when no retainKeys directive present",
    ),
    pytest.param(
        Case(
            original={"retainKeysMap": {"name": "foo", "value": "a"}},
            two_way={"retainKeysMap": {"value": None}},
            modified={"retainKeysMap": {"name": "foo"}},
        ),
        id="retainKeys map can delete a field when no retainKeys directive present",
    ),
    pytest.param(
        Case(
            original={"retainKeysMap": {"name": "foo", "value": "a"}},
            two_way={"retainKeysMap": {}},
            modified={"retainKeysMap": {"name": "foo", "value": "a"}},
        ),
        id="retainKeys map merge an empty map",
    ),
    pytest.param(
        Case(
            original={"retainKeysMergingList": [{"name": "bar"}, {"name": "foo"}]},
            two_way={"retainKeysMergingList": [{"name": "foo", "value": "a"}]},
            modified={"retainKeysMergingList": [{"name": "bar"}, {"name": "foo", "value": "a"}]},
        ),
        id="retainKeys list can add a field when no retainKeys directive present",
    ),
    pytest.param(
        Case(
            original={"retainKeysMergingList": [{"name": "bar"}, {"name": "foo", "value": "a"}]},
            two_way={"retainKeysMergingList": [{"name": "foo", "value": "b"}]},
            modified={"retainKeysMergingList": [{"name": "bar"}, {"name": "foo", "value": "b"}]},
        ),
        id="retainKeys list can change a field when no retainKeys directive present",
    ),
    pytest.param(
        Case(
            original={"retainKeysMergingList": [{"name": "bar"}, {"name": "foo", "value": "a"}]},
            two_way={"retainKeysMergingList": [{"name": "foo", "value": None}]},
            modified={"retainKeysMergingList": [{"name": "bar"}, {"name": "foo"}]},
        ),
        id="retainKeys list can delete a field when no retainKeys directive present",
    ),
    pytest.param(
        Case(
            original={"mergingList": [{"name": 1}, {"name": 2, "value": "b"}, {"name": 3}]},
            two_way={
                "mergingList": [
                    {"name": 3, "value": "c"},
                    {"name": 1, "value": "a"},
                    {"name": 2, "other": "x"},
                ]
            },
            modified={
                "mergingList": [
                    {"name": 3, "value": "c"},
                    {"name": 1, "value": "a"},
                    {"name": 2, "value": "b", "other": "x"},
                ]
            },
        ),
        id="preserve the order from the patch in a merging list",
    ),
    pytest.param(
        Case(
            original={"mergingList": [{"name": 1}, {"name": 2, "value": "b"}, {"name": 3}]},
            two_way={"mergingList": [{"name": 3, "value": "c"}, {"name": 1, "value": "a"}]},
            modified={
                "mergingList": [
                    {"name": 2, "value": "b"},
                    {"name": 3, "value": "c"},
                    {"name": 1, "value": "a"},
                ]
            },
        ),
        id="preserve the order from the patch in a merging list 2",
    ),
    pytest.param(
        Case(
            original={"mergingIntList": [1, 2, 3]},
            two_way={"mergingIntList": [3, 1, 2]},
            modified={"mergingIntList": [3, 1, 2]},
        ),
        id="preserve the order from the patch in a merging int list",
    ),
    pytest.param(
        Case(
            original={"mergingIntList": [1, 2, 3]},
            two_way={"mergingIntList": [3, 1]},
            modified={"mergingIntList": [2, 3, 1]},
        ),
        id="preserve the order from the patch in a merging int list (2)",
    ),
]

APPLY_RAW = [
    pytest.param(
        Case(
            original={"mergingList": [{"name": 1}, {"name": 3}]},
            two_way={
                "$setElementOrder/mergingList": [{"name": 3}, {"name": 2}, {"name": 1}],
                "mergingList": [{"name": 3, "value": 3}, {"name": 1, "value": 1}],
            },
            modified={"mergingList": [{"name": 3, "value": 3}, {"name": 1, "value": 1}]},
        ),
        id="$setElementOrder contains item that is not present in the list to be merged",
    ),
    pytest.param(
        Case(
            original={"mergingIntList": [1, 3]},
            two_way={"$setElementOrder/mergingIntList": [3, 2, 1]},
            modified={"mergingIntList": [3, 1]},
        ),
        id="$setElementOrder contains item that is not present in the int list to be merged",
    ),
    pytest.param(
        Case(
            original={"mergingList": [{"name": 1}, {"name": 3}, {"name": 2}]},
            two_way={
                "$setElementOrder/mergingList": [{"name": 1}, {"name": 2}, {"name": 3}],
                "mergingList": [{"name": 3, "value": 3}, {"name": 1, "value": 1}],
            },
            error="doesn't match",
        ),
        id="should check if order in $setElementOrder and patch list match",
    ),
    pytest.param(
        Case(
            original={"mergingIntList": [1, 3, 2]},
            two_way={"$setElementOrder/mergingIntList": [1, 2, 3], "mergingIntList": [3, 1]},
            error="doesn't match",
        ),
        id="$setElementOrder contains item that is not present in the int list to be merged (2)",
    ),
    pytest.param(
        Case(
            original={"mergingList": [{"name": 1, "value": "a"}]},
            two_way={"mergingList": [{"value": "b"}]},
            error="does not contain declared merge key",
        ),
        id="missing merge key should error out",
    ),
    pytest.param(
        Case(
            original={"mergingIntList": [1, 2]},
            two_way={"$deleteFromPrimitiveList/mergingIntList": [3]},
            modified={"mergingIntList": [1, 2]},
        ),
        id=(
            "$deleteFromPrimitiveList of nonexistent item in primitive list"
            " should not add the item to the list"
        ),
    ),
    pytest.param(
        Case(
            original={"mergingIntList": None},
            two_way={"$deleteFromPrimitiveList/mergingIntList": [3]},
            modified={"mergingIntList": None},
        ),
        id="$deleteFromPrimitiveList on empty primitive list should not add the item to the list",
    ),
    pytest.param(
        Case(
            original={"foo": ["bar"]},
            two_way={"$deleteFromPrimitiveList/mergingIntList": [3]},
            modified={"foo": ["bar"]},
        ),
        id=(
            "$deleteFromPrimitiveList on nonexistent primitive list"
            " should not add the primitive list"
        ),
    ),
    pytest.param(
        Case(
            original={"mergingIntList": [1, 2, 3]},
            two_way={"$deleteFromPrimitiveList/mergingIntList": [2]},
            modified={"mergingIntList": [1, 3]},
        ),
        id="$deleteFromPrimitiveList should delete item from a list with merge patch strategy",
    ),
    pytest.param(
        Case(
            original={"nonMergingIntList": [1, 2, 3]},
            two_way={"$deleteFromPrimitiveList/nonMergingIntList": [2]},
            modified={"nonMergingIntList": [1, 3]},
        ),
        id="$deleteFromPrimitiveList should delete item from a list without merge patch strategy",
    ),
]
