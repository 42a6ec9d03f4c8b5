"""What a DELETE does, as pure decisions (rest.BeforeDelete and the generic store's
updateForGracefulDeletionAndFinalizers): each row a stored object, what the request asks
for, and what is done."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from mcp.apiserver import deletion
from mcp.kinds import pod

NOW = datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)
STAMP = "2030-01-02T03:04:05Z"


def a_pod(**metadata: Any) -> dict[str, Any]:
    return {
        "metadata": {"name": "p", "uid": "u1", "resourceVersion": "7", **metadata},
        "spec": {"nodeName": "box", "terminationGracePeriodSeconds": 30},
        "status": {"phase": "Pending"},
    }


def decide(obj: dict[str, Any], requested: int | None, *, graceful: bool = True) -> Any:
    return deletion.decide(
        obj,
        held=bool(obj["metadata"].get("finalizers")),
        grace_period=pod.grace_period if graceful else None,
        being_deleted=lambda o: o,
        requested=requested,
        now=NOW,
    )


@pytest.mark.parametrize(
    ("metadata", "requested", "action", "deadline", "grace"),
    [
        pytest.param({}, None, "mark", "2030-01-02T03:04:35Z", 30, id="the-pods-grace"),
        pytest.param({}, 5, "mark", "2030-01-02T03:04:10Z", 5, id="asked-for"),
        pytest.param({}, 0, "delete", STAMP, 0, id="forced"),
        pytest.param({}, -4, "mark", "2030-01-02T03:04:06Z", 1, id="negative-is-a-second"),
        pytest.param(
            {"deletionTimestamp": "2030-01-02T03:04:35Z", "deletionGracePeriodSeconds": 30},
            None,
            "pending",
            "2030-01-02T03:04:35Z",
            30,
            id="again-pending",
        ),
        pytest.param(
            {"deletionTimestamp": "2030-01-02T03:04:35Z", "deletionGracePeriodSeconds": 30},
            30,
            "pending",
            "2030-01-02T03:04:35Z",
            30,
            id="again-no-shorter",
        ),
        pytest.param(
            {"deletionTimestamp": "2030-01-02T03:04:35Z", "deletionGracePeriodSeconds": 30},
            10,
            "mark",
            "2030-01-02T03:04:15Z",
            10,
            id="shortened",
        ),
        pytest.param(
            {"deletionTimestamp": "2030-01-02T03:04:35Z", "deletionGracePeriodSeconds": 30},
            0,
            "delete",
            STAMP,
            0,
            id="shortened-to-nothing",
        ),
        pytest.param(
            {"deletionTimestamp": STAMP, "deletionGracePeriodSeconds": 0},
            None,
            "delete",
            STAMP,
            0,
            id="left-at-zero-is-deleted",
        ),
        pytest.param(
            {"finalizers": ["example.com/hold"]},
            0,
            "mark",
            STAMP,
            0,
            id="forced-but-finalized",
        ),
        pytest.param(
            {"finalizers": ["example.com/hold"]},
            None,
            "mark",
            "2030-01-02T03:04:35Z",
            30,
            id="graceful-and-finalized",
        ),
    ],
)
def test_a_pods_delete(
    metadata: dict[str, Any], requested: int | None, action: str, deadline: str, grace: int
) -> None:
    decided = decide(a_pod(**metadata), requested)
    assert decided.action == action
    assert decided.obj["metadata"]["deletionTimestamp"] == deadline
    assert decided.obj["metadata"]["deletionGracePeriodSeconds"] == grace


def test_an_unscheduled_pod_goes_at_once() -> None:
    obj = a_pod()
    del obj["spec"]["nodeName"]
    assert decide(obj, None).action == "delete"


def test_a_graceful_delete_bumps_a_generation() -> None:
    decided = decide(a_pod(generation=2), None)
    assert decided.obj["metadata"]["generation"] == 3


@pytest.mark.parametrize(
    ("metadata", "action", "deadline"),
    [
        pytest.param({}, "delete", None, id="no-finalizers"),
        pytest.param({"finalizers": ["kubernetes"]}, "mark", STAMP, id="held"),
        pytest.param(
            {"finalizers": ["kubernetes"], "deletionTimestamp": "2030-01-01T00:00:00Z"},
            "mark",
            "2030-01-01T00:00:00Z",
            id="held-keeps-its-start",
        ),
    ],
)
def test_a_kind_without_grace(metadata: dict[str, Any], action: str, deadline: str | None) -> None:
    decided = decide(a_pod(**metadata), 30, graceful=False)
    assert decided.action == action
    assert decided.obj["metadata"].get("deletionTimestamp") == deadline
    if action == "mark":
        assert decided.obj["metadata"]["deletionGracePeriodSeconds"] == 0


def test_the_stored_object_is_not_changed() -> None:
    obj = a_pod()
    decide(obj, None)
    assert "deletionTimestamp" not in obj["metadata"]


@pytest.mark.parametrize(
    ("body", "query", "options"),
    [
        pytest.param(None, {}, deletion.Options(), id="nothing"),
        pytest.param(
            {"gracePeriodSeconds": 0, "propagationPolicy": "Background"},
            {},
            deletion.Options(grace_period_seconds=0, propagation="Background"),
            id="kubectl-force",
        ),
        pytest.param({}, {"gracePeriodSeconds": "5"}, deletion.Options(5), id="query"),
        pytest.param(
            {"gracePeriodSeconds": 9},
            {"gracePeriodSeconds": "5"},
            deletion.Options(5),
            id="query-wins",
        ),
        pytest.param(
            {"preconditions": {"uid": "u1", "resourceVersion": "7"}, "dryRun": ["All"]},
            {},
            deletion.Options(uid="u1", resource_version="7", dry_run=True),
            id="preconditions",
        ),
    ],
)
def test_options(body: Any, query: dict[str, str], options: deletion.Options) -> None:
    assert deletion.options(body, query) == options


@pytest.mark.parametrize(
    ("body", "query", "words"),
    [
        pytest.param(
            {"gracePeriodSeconds": "soon"}, {}, "gracePeriodSeconds must be an integer", id="type"
        ),
        pytest.param(
            {},
            {"gracePeriodSeconds": "soon"},
            "gracePeriodSeconds must be an integer",
            id="query-type",
        ),
        pytest.param(
            {"propagationPolicy": "Later"},
            {},
            'propagationPolicy: Unsupported value: "Later": supported values: "Foreground", '
            '"Background", "Orphan", "nil"',
            id="policy",
        ),
        pytest.param(
            {"propagationPolicy": "Orphan", "orphanDependents": True},
            {},
            "orphanDependents and deletionPropagation cannot be both set",
            id="both",
        ),
        pytest.param({"dryRun": ["Some"]}, {}, "dryRun may only be All", id="dry-run"),
        pytest.param([], {}, "must be a DeleteOptions object", id="not-an-object"),
    ],
)
def test_bad_options(body: Any, query: dict[str, str], words: str) -> None:
    with pytest.raises(deletion.BadOptions) as refused:
        deletion.options(body, query)
    assert words in str(refused.value)


def test_preconditions_name_the_object() -> None:
    obj = a_pod()
    assert deletion.precondition_failure("Pod", "p", obj, deletion.Options(uid="u1")) is None
    assert deletion.precondition_failure("Pod", "p", obj, deletion.Options(uid="u2")) == (
        'Operation cannot be fulfilled on Pod "p": the UID in the precondition (u2) does not '
        "match the UID in record (u1). The object might have been deleted and then recreated"
    )
    stale = deletion.Options(resource_version="6")
    assert deletion.precondition_failure("Pod", "p", obj, stale) == (
        'Operation cannot be fulfilled on Pod "p": the ResourceVersion in the precondition (6) '
        "does not match the ResourceVersion in record (7). The object might have been modified"
    )
