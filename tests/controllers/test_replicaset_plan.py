"""The ReplicaSet controller's decisions, one row per rule of upstream's syncReplicaSet,
manageReplicas, getPodsToDelete, ActivePodsWithRanks and calculateStatus."""

from __future__ import annotations

import copy
from datetime import datetime, timedelta
from typing import Any

import pytest

from controllers.objects import NAMESPACE, T0, at, pod
from mcp.controllers import pod_facts, timestamps
from mcp.controllers.replicasets import plan as rsplan
from mcp.controllers.replicasets import pods as podutil

NOW = T0 + timedelta(seconds=100)
Obj = dict[str, Any]


def rs(
    replicas: int = 3,
    *,
    name: str = "web-abc",
    uid: str = "rs",
    generation: int = 1,
    status: Obj | None = None,
    min_ready_seconds: int = 0,
    owner: str | None = None,
    selector: Obj | None = None,
) -> Obj:
    obj: Obj = {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": {"name": name, "namespace": NAMESPACE, "uid": uid, "generation": generation},
        "spec": {
            "replicas": replicas,
            "selector": selector if selector is not None else {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {
                    "labels": {"app": "web", "tier": "front"},
                    "annotations": {"note": "x"},
                    "finalizers": ["example.com/keep"],
                    "name": "ignored",
                },
                "spec": {"containers": [{"name": "web", "image": "nginx:1"}]},
            },
        },
        "status": status if status is not None else {"replicas": 0},
    }
    if min_ready_seconds:
        obj["spec"]["minReadySeconds"] = min_ready_seconds
    if owner is not None:
        obj["metadata"]["ownerReferences"] = [
            {"kind": "Deployment", "name": owner, "uid": owner, "controller": True}
        ]
    return obj


def owned(name: str, **kwargs: Any) -> Obj:
    kwargs.setdefault("labels", {"app": "web", "tier": "front"})
    return pod(name, owner="rs", **kwargs)


def names(plan: rsplan.ReplicaSetPlan) -> list[str]:
    return list(plan.delete)


# --- creating -------------------------------------------------------------------------


def test_too_few_creates_the_difference_from_the_template() -> None:
    p = rsplan.plan(rs(3), [owned("a")], NOW)
    assert p.create == 2
    assert p.pod == {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "generateName": "web-abc-",
            "namespace": NAMESPACE,
            "labels": {"app": "web", "tier": "front"},
            "annotations": {"note": "x"},
            "ownerReferences": [
                {
                    "apiVersion": "apps/v1",
                    "kind": "ReplicaSet",
                    "name": "web-abc",
                    "uid": "rs",
                    "controller": True,
                    "blockOwnerDeletion": True,
                }
            ],
            "finalizers": ["example.com/keep"],
        },
        "spec": {"containers": [{"name": "web", "image": "nginx:1"}]},
    }
    assert (p.delete, p.adopt, p.release) == ((), (), ())


def test_creates_are_capped_at_the_burst() -> None:
    assert rsplan.plan(rs(rsplan.BURST_REPLICAS + 100), [], NOW).create == rsplan.BURST_REPLICAS


def test_a_template_without_labels_creates_nothing_and_says_why() -> None:
    bare = rs(1)
    bare["spec"]["template"]["metadata"]["labels"] = {}
    bare["spec"]["selector"] = {}
    p = rsplan.plan(bare, [], NOW)
    assert (p.create, p.pod) == (0, None)
    assert p.status is not None
    assert p.status["conditions"] == [
        {
            "type": "ReplicaFailure",
            "status": "True",
            "lastTransitionTime": timestamps.rfc3339(NOW),
            "reason": "FailedCreate",
            "message": rsplan.NO_LABELS,
        }
    ]


@pytest.mark.parametrize(
    ("name", "prefix"),
    [
        pytest.param("web", "web-", id="dash"),
        pytest.param("x" * 252, "x" * 252 + "-", id="dash-fits"),
        pytest.param("x" * 253, "x" * 253, id="no-room-for-dash"),
    ],
)
def test_generate_name_prefix(name: str, prefix: str) -> None:
    assert pod_facts.generate_name_prefix(name) == prefix


def test_pods_being_deleted_are_replaced_and_counted_terminating() -> None:
    p = rsplan.plan(rs(2), [owned("a"), owned("b", deleting=True)], NOW)
    assert p.create == 1
    assert p.status is not None
    assert (p.status["replicas"], p.status["terminatingReplicas"]) == (1, 1)


@pytest.mark.parametrize("phase", ["Succeeded", "Failed"])
def test_finished_pods_do_not_count(phase: str) -> None:
    p = rsplan.plan(rs(1), [owned("done", phase=phase), pod("orphan-done", phase=phase)], NOW)
    assert p.create == 1
    assert p.adopt == ()  # an inactive orphan is not adopted


# --- deleting -------------------------------------------------------------------------


def test_too_many_deletes_those_least_far_in_starting_up_first() -> None:
    pods = [
        owned("ready-old", created=0, ready_since=10),
        owned("ready-new", created=50, ready_since=60),
        owned("not-ready", ready=False),
        owned("pending", phase="Pending", ready=False),
        owned("unscheduled", phase="Pending", ready=False, node=""),
    ]
    assert names(rsplan.plan(rs(3), pods, NOW)) == ["unscheduled", "pending"]
    assert names(rsplan.plan(rs(1), pods, NOW)) == [
        "unscheduled",
        "pending",
        "not-ready",
        "ready-new",
    ]


def test_deleting_all_keeps_the_given_order() -> None:
    pods = [owned("b"), owned("a", phase="Pending", ready=False)]
    assert names(rsplan.plan(rs(0), pods, NOW)) == ["b", "a"]


def test_deletes_are_capped_at_the_burst() -> None:
    pods = [owned(f"p{i}") for i in range(rsplan.BURST_REPLICAS + 10)]
    assert len(rsplan.plan(rs(0), pods, NOW).delete) == rsplan.BURST_REPLICAS


def test_scale_down_prefers_pods_doubled_up_with_their_relatives() -> None:
    # Two ReplicaSets of one Deployment; node-a holds three of their Pods, node-b one.
    mine = rs(1, owner="dep")
    sibling = rs(
        1, name="web-old", uid="rs-old", owner="dep", selector={"matchLabels": {"app": "old"}}
    )
    pods = [
        owned("lonely", node="node-b"),
        owned("crowded", node="node-a"),
        pod("old-1", owner="rs-old", labels={"app": "old"}, node="node-a"),
        pod("old-2", owner="rs-old", labels={"app": "old"}, node="node-a"),
    ]
    assert names(rsplan.plan(mine, pods, NOW, replicasets=[mine, sibling])) == ["crowded"]
    # without the sibling ReplicaSets every rank is equal, and no rule tells the two apart
    assert names(rsplan.plan(mine, pods, NOW)) == ["lonely"]


# upstream's TestSortingActivePodsWithRanks: (pod, rank) pairs where the first goes first.
_MONTH, _2H, _5H, _8H = (
    timedelta(days=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=8),
)


def _ranked(
    name: str,
    node: str,
    phase: str,
    ready: bool,
    restarts: int = 0,
    ready_since: datetime | None = None,
    created: datetime | None = None,
    cost: str | None = None,
) -> Obj:
    meta: Obj = {"name": name}
    if created is not None:
        meta["creationTimestamp"] = timestamps.rfc3339(created)
    if cost is not None:
        meta["annotations"] = {podutil.POD_DELETION_COST: cost}
    status: Obj = {"phase": phase}
    if ready:
        condition: Obj = {"type": "Ready", "status": "True"}
        if ready_since is not None:
            condition["lastTransitionTime"] = timestamps.rfc3339(ready_since)
        status["conditions"] = [condition]
        status["containerStatuses"] = [{"restartCount": restarts}]
    return {"metadata": meta, "spec": {"nodeName": node}, "status": status}


UNSCHEDULED = _ranked("unscheduled", "", "Pending", False)
SCHEDULED_PENDING = _ranked("pending", "node", "Pending", False)
UNKNOWN_PHASE = _ranked("unknown-phase", "node", "Unknown", False)
NOT_READY = _ranked("not-ready", "node", "Running", False)
READY_NO_TIME = _ranked("ready-no-last-transition-time", "node", "Running", True)
READY_NOW = _ranked("ready-now", "node", "Running", True, 0, NOW, NOW)
READY_THEN = _ranked("ready-then", "node", "Running", True, 0, NOW - _MONTH, NOW - _MONTH)
READY_NOW_RESTARTS = _ranked("ready-high-restarts", "node", "Running", True, 9001, NOW, NOW)
READY_NOW_CREATED_THEN = _ranked(
    "ready-now-created-then", "node", "Running", True, 0, NOW, NOW - _MONTH
)
LOW_COST = _ranked("low-deletion-cost", "node", "Running", True, 0, NOW, NOW - _MONTH, "10")
HIGH_COST = _ranked("high-deletion-cost", "node", "Running", True, 0, NOW, NOW - _MONTH, "100")
UNSCHEDULED_5H = _ranked("unscheduled-5-hours", "", "Pending", False, 0, NOW - _5H, NOW - _5H)
UNSCHEDULED_8H = _ranked("unscheduled-10-hours", "", "Pending", False, 0, NOW - _8H, NOW - _8H)
READY_2H = _ranked("ready-2-hours", "", "Running", True, 0, NOW - _2H, NOW - _MONTH)
READY_5H = _ranked("ready-5-hours", "", "Running", True, 0, NOW - _5H, NOW - _MONTH)
READY_10H = _ranked("ready-10-hours", "", "Running", True, 0, NOW - _8H, NOW - _MONTH)


@pytest.mark.parametrize(
    ("first", "second"),
    [
        pytest.param(UNSCHEDULED, None, id="unscheduled"),
        pytest.param(SCHEDULED_PENDING, None, id="pending"),
        pytest.param(UNKNOWN_PHASE, None, id="unknown-phase"),
        pytest.param(NOT_READY, None, id="not-ready"),
        pytest.param(READY_NOW_CREATED_THEN, None, id="ready-now-created-then"),
        pytest.param(READY_NOW, None, id="ready-now"),
        pytest.param(READY_THEN, None, id="ready-then"),
        pytest.param(READY_NOW_RESTARTS, None, id="restarts"),
        pytest.param(UNSCHEDULED_5H, UNSCHEDULED_8H, id="same-log-rank-created"),
        pytest.param(READY_5H, READY_10H, id="same-log-rank-ready"),
    ],
)
def test_ranking_equal(first: Obj, second: Obj | None) -> None:
    other = second or first
    assert not podutil.deletes_first(first, 1, other, 1, NOW)
    assert not podutil.deletes_first(other, 1, first, 1, NOW)


@pytest.mark.parametrize(
    ("lesser", "lesser_rank", "greater", "greater_rank"),
    [
        pytest.param(UNSCHEDULED, 1, SCHEDULED_PENDING, 2, id="unscheduled-first"),
        pytest.param(UNSCHEDULED, 2, SCHEDULED_PENDING, 1, id="unscheduled-first-whatever-rank"),
        pytest.param(SCHEDULED_PENDING, 1, UNKNOWN_PHASE, 2, id="pending-before-unknown"),
        pytest.param(UNKNOWN_PHASE, 1, NOT_READY, 2, id="unknown-before-running"),
        pytest.param(NOT_READY, 1, READY_NO_TIME, 1, id="not-ready-before-ready"),
        pytest.param(READY_NO_TIME, 1, READY_NOW, 1, id="zero-ready-time-first"),
        pytest.param(READY_NOW, 2, READY_NO_TIME, 1, id="higher-rank-first"),
        pytest.param(READY_NOW, 1, READY_THEN, 1, id="ready-for-less-time-first"),
        pytest.param(READY_NOW, 2, READY_THEN, 1, id="rank-before-ready-time"),
        pytest.param(READY_NOW_RESTARTS, 1, READY_NOW, 1, id="more-restarts-first"),
        pytest.param(READY_NOW, 2, READY_NOW_RESTARTS, 1, id="rank-before-restarts"),
        pytest.param(READY_NOW, 1, READY_NOW_CREATED_THEN, 1, id="newer-first"),
        pytest.param(READY_NOW_CREATED_THEN, 2, READY_NOW, 1, id="rank-before-age"),
        pytest.param(LOW_COST, 2, HIGH_COST, 1, id="lower-deletion-cost-first"),
        pytest.param(READY_2H, 1, READY_5H, 1, id="different-log-rank"),
    ],
)
def test_ranking_order(lesser: Obj, lesser_rank: int, greater: Obj, greater_rank: int) -> None:
    assert podutil.deletes_first(lesser, lesser_rank, greater, greater_rank, NOW)
    assert not podutil.deletes_first(greater, greater_rank, lesser, lesser_rank, NOW)


@pytest.mark.parametrize(
    ("value", "cost"),
    [
        pytest.param("10", 10, id="positive"),
        pytest.param("-5", -5, id="negative"),
        pytest.param("0", 0, id="zero"),
        pytest.param("+10", 0, id="plus-sign-invalid"),
        pytest.param("008", 0, id="leading-zero-invalid"),
        pytest.param("3000000000", 0, id="over-int32"),
        pytest.param("ten", 0, id="not-a-number"),
    ],
)
def test_deletion_cost(value: str, cost: int) -> None:
    assert (
        podutil.deletion_cost({"metadata": {"annotations": {podutil.POD_DELETION_COST: value}}})
        == cost
    )


# --- adoption and release -------------------------------------------------------------


def test_matching_orphans_are_adopted_and_counted() -> None:
    p = rsplan.plan(rs(2), [owned("a"), pod("orphan", labels={"app": "web"})], NOW)
    assert [patch.name for patch in p.adopt] == ["orphan"]
    assert p.create == 0
    assert p.status is not None
    assert (p.status["replicas"], p.status.get("fullyLabeledReplicas")) == (
        2,
        1,
    )  # the orphan lacks tier


def test_owned_pods_no_longer_selected_are_released_and_replaced() -> None:
    p = rsplan.plan(rs(2), [owned("a"), owned("relabelled", labels={"app": "other"})], NOW)
    assert [patch.name for patch in p.release] == ["relabelled"]
    assert p.release[0].patch == {
        "metadata": {
            "uid": "relabelled-uid",
            "ownerReferences": [{"$patch": "delete", "uid": "rs"}],
        }
    }
    assert p.create == 1


def test_other_controllers_pods_are_left_alone() -> None:
    p = rsplan.plan(rs(1), [pod("theirs", owner="other")], NOW)
    assert (p.adopt, p.release, p.create) == ((), (), 1)


def test_pods_of_other_namespaces_are_ignored() -> None:
    stranger = owned("a")
    stranger["metadata"]["namespace"] = "elsewhere"
    assert rsplan.plan(rs(1), [stranger], NOW).create == 1


def test_a_replicaset_being_deleted_only_reports() -> None:
    deleting = rs(1)
    deleting["metadata"]["deletionTimestamp"] = at(50)
    p = rsplan.plan(deleting, [owned("a"), owned("b"), pod("orphan")], NOW)
    assert (p.create, p.delete, p.adopt, p.release) == (0, (), (), ())
    assert p.status is not None
    assert p.status["replicas"] == 2


def test_an_invalid_selector_decides_nothing() -> None:
    bad = rs(1, selector={"matchExpressions": [{"key": "app", "operator": "Near"}]})
    p = rsplan.plan(bad, [owned("a")], NOW)
    assert p.problem is not None
    assert (p.create, p.status) == (0, None)


# --- status ---------------------------------------------------------------------------


def test_status_counts() -> None:
    pods = [
        owned("ready-long", ready_since=0),
        owned("ready-just", ready_since=95),
        owned("not-ready", ready=False),
        pod("half-labelled", owner="rs", labels={"app": "web"}),
        owned("leaving", deleting=True),
    ]
    p = rsplan.plan(rs(4, generation=3, min_ready_seconds=10), pods, NOW)
    assert p.status == {
        "replicas": 4,
        "fullyLabeledReplicas": 3,
        "readyReplicas": 3,  # ready-long, ready-just, half-labelled
        "availableReplicas": 2,  # ready-just has 5 of its 10 seconds to go
        "terminatingReplicas": 1,
        "observedGeneration": 3,
    }
    assert p.counts == rsplan.Counts(
        replicas=4, fully_labeled=3, ready=3, available=2, terminating=1
    )
    assert p.requeue_after == 5.0  # when ready-just becomes available


@pytest.mark.parametrize(
    ("ready_since", "available", "requeue"),
    [
        pytest.param(89, True, None, id="past"),
        pytest.param(90, False, 0.0, id="exactly-now-is-not-yet"),
        pytest.param(99, False, 9.0, id="nine-to-go"),
    ],
)
def test_min_ready_seconds(ready_since: int, available: bool, requeue: float | None) -> None:
    p = rsplan.plan(rs(1, min_ready_seconds=10), [owned("a", ready_since=ready_since)], NOW)
    assert p.counts.available == int(available)
    assert p.requeue_after == requeue


def test_ready_without_a_transition_time_is_never_available_with_min_ready_seconds() -> None:
    a = owned("a")
    del a["status"]["conditions"][0]["lastTransitionTime"]
    p = rsplan.plan(rs(1, min_ready_seconds=10), [a], NOW)
    assert (p.counts.ready, p.counts.available) == (1, 0)
    assert p.requeue_after == 10.0  # upstream's fallback: minReadySeconds


def test_an_unchanged_status_is_not_written() -> None:
    first = rsplan.plan(rs(1), [owned("a")], NOW)
    assert first.status is not None
    again = rsplan.plan(rs(1, status=first.status), [owned("a")], NOW)
    assert again.status is None
    # a new generation is observed even when the counts stand still
    assert (
        rsplan.plan(rs(1, status=first.status, generation=2), [owned("a")], NOW).status is not None
    )


def test_failure_condition_set_kept_and_cleared() -> None:
    replicaset = rs(3)
    p = rsplan.plan(replicaset, [owned("a")], NOW)
    failed = rsplan.calculate_status(replicaset, p.counts, "quota exceeded", NOW)
    condition = {
        "type": "ReplicaFailure",
        "status": "True",
        "lastTransitionTime": timestamps.rfc3339(NOW),
        "reason": "FailedCreate",
        "message": "quota exceeded",
    }
    assert failed["conditions"] == [condition]
    # failing again keeps the first condition, message and time included
    later = NOW + timedelta(seconds=30)
    again = rsplan.calculate_status(rs(3, status=failed), p.counts, "other", later)
    assert again["conditions"] == [condition]
    # a pass without failure clears it
    cleared = rsplan.plan(rs(3, status=failed), [owned("a")], later).status
    assert cleared is not None
    assert "conditions" not in cleared
    too_many = rsplan.plan(rs(0), [owned("a")], NOW)
    assert (
        rsplan.calculate_status(rs(0), too_many.counts, "boom", NOW)["conditions"][0]["reason"]
        == "FailedDelete"
    )


def test_the_plan_does_not_change_its_inputs() -> None:
    replicaset = rs(1)
    pods = [owned("a"), owned("b"), pod("orphan")]
    before = copy.deepcopy((replicaset, pods))
    rsplan.plan(replicaset, pods, NOW)
    assert (replicaset, pods) == before


@pytest.mark.parametrize(
    ("count", "batches"),
    [
        pytest.param(0, [], id="none"),
        pytest.param(1, [1], id="one"),
        pytest.param(10, [1, 2, 4, 3], id="ten"),
        pytest.param(16, [1, 2, 4, 8, 1], id="sixteen"),
    ],
)
def test_slow_start_batches(count: int, batches: list[int]) -> None:
    assert rsplan.slow_start_batches(count) == batches
