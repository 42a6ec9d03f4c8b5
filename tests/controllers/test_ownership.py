"""Label selectors as upstream's LabelSelectorAsSelector reads them, and claims as its
controller_ref_manager decides them."""

from __future__ import annotations

from typing import Any

import pytest

from controllers.objects import pod
from mcp.controllers import ownership


@pytest.mark.parametrize(
    ("selector", "labels", "expected"),
    [
        pytest.param(None, {"a": "b"}, False, id="null-selects-nothing"),
        pytest.param({}, {"a": "b"}, True, id="empty-selects-everything"),
        pytest.param({"matchLabels": {"a": "b"}}, {"a": "b", "c": "d"}, True, id="match-labels"),
        pytest.param({"matchLabels": {"a": "b"}}, {"a": "x"}, False, id="match-labels-differ"),
        pytest.param(
            {"matchExpressions": [{"key": "a", "operator": "In", "values": ["b", "c"]}]},
            {"a": "c"},
            True,
            id="in",
        ),
        pytest.param(
            {"matchExpressions": [{"key": "a", "operator": "NotIn", "values": ["b"]}]},
            {},
            True,
            id="notin-absent",
        ),
        pytest.param(
            {"matchExpressions": [{"key": "a", "operator": "Exists"}]}, {"a": ""}, True, id="exists"
        ),
        pytest.param(
            {"matchExpressions": [{"key": "a", "operator": "DoesNotExist"}]},
            {"a": "b"},
            False,
            id="does-not-exist",
        ),
        pytest.param(
            {"matchLabels": {"a": "b"}, "matchExpressions": [{"key": "c", "operator": "Exists"}]},
            {"a": "b"},
            False,
            id="conjunction",
        ),
    ],
)
def test_label_selector(selector: Any, labels: dict[str, str], expected: bool) -> None:
    assert ownership.matches(ownership.label_selector(selector), labels) is expected


@pytest.mark.parametrize(
    "selector",
    [
        pytest.param(
            {"matchExpressions": [{"key": "a", "operator": "Gt", "values": ["1"]}]},
            id="unknown-operator",
        ),
        pytest.param(
            {"matchExpressions": [{"key": "a", "operator": "In", "values": []}]},
            id="in-without-values",
        ),
        pytest.param(
            {"matchExpressions": [{"key": "a", "operator": "Exists", "values": ["b"]}]},
            id="exists-with-values",
        ),
        pytest.param({"matchLabels": {"bad key": "b"}}, id="bad-key"),
        pytest.param({"matchLabels": {"a": "bad value"}}, id="bad-value"),
    ],
)
def test_label_selector_refuses(selector: Any) -> None:
    with pytest.raises(ownership.InvalidSelector):
        ownership.label_selector(selector)


RS = {"metadata": {"name": "rs", "namespace": "default", "uid": "rs"}}


def _claim(controller: dict[str, Any], *pods: dict[str, Any]) -> ownership.Claim:
    selector = ownership.label_selector({"matchLabels": {"app": "web"}})

    def match(obj: dict[str, Any]) -> bool:
        return ownership.matches(selector, obj["metadata"].get("labels"))

    return ownership.claim(controller, list(pods), match, "apps/v1", "ReplicaSet")


def test_claim_keeps_adopts_releases_and_skips() -> None:
    owned = pod("owned", owner="rs")
    orphan = pod("orphan")
    strayed = pod("strayed", owner="rs", labels={"app": "other"})
    foreign = pod("foreign", owner="other-rs")
    unmatched_orphan = pod("loner", labels={"app": "other"})
    deleting_orphan = pod("leaving", deleting=True)
    claim = _claim(RS, owned, orphan, strayed, foreign, unmatched_orphan, deleting_orphan)
    assert [p["metadata"]["name"] for p in claim.claimed] == ["owned", "orphan"]
    assert claim.adopt == (
        ownership.Patch(
            "orphan",
            {
                "metadata": {
                    "ownerReferences": [
                        {
                            "apiVersion": "apps/v1",
                            "kind": "ReplicaSet",
                            "name": "rs",
                            "uid": "rs",
                            "controller": True,
                            "blockOwnerDeletion": True,
                        }
                    ],
                    "uid": "orphan-uid",
                }
            },
        ),
    )
    assert claim.release == (
        ownership.Patch(
            "strayed",
            {
                "metadata": {
                    "uid": "strayed-uid",
                    "ownerReferences": [{"$patch": "delete", "uid": "rs"}],
                }
            },
        ),
    )


def test_a_controller_being_deleted_neither_adopts_nor_releases() -> None:
    deleting = {"metadata": {**RS["metadata"], "deletionTimestamp": "2016-01-01T00:00:00Z"}}
    claim = _claim(
        deleting,
        pod("owned", owner="rs"),
        pod("orphan"),
        pod("strayed", owner="rs", labels={"x": "y"}),
    )
    assert [p["metadata"]["name"] for p in claim.claimed] == ["owned"]
    assert (claim.adopt, claim.release) == ((), ())


def test_orphans_of_another_namespace_are_not_adopted() -> None:
    elsewhere = pod("orphan")
    elsewhere["metadata"]["namespace"] = "other"
    assert _claim(RS, elsewhere) == ownership.Claim()


def test_controller_of_is_the_controller_reference() -> None:
    p = pod("p")
    p["metadata"]["ownerReferences"] = [{"uid": "a"}, {"uid": "b", "controller": True}]
    assert ownership.controller_of(p) == {"uid": "b", "controller": True}
    assert ownership.is_controlled_by(p, {"metadata": {"uid": "b"}})
    assert not ownership.is_controlled_by(p, {"metadata": {"uid": "a"}})
