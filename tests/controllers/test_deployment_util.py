"""Tables for the deployment_util ports, most rows from upstream's deployment_util_test.go."""

from __future__ import annotations

import copy
from datetime import timedelta
from typing import Any

import pytest

from controllers.objects import T0, at, deployment, replicaset
from mcp.controllers.deployments import conditions, templates, util


@pytest.mark.parametrize(
    ("max_surge", "max_unavailable", "desired", "expected"),
    [
        # upstream's TestResolveFenceposts
        pytest.param("0%", "0%", 0, (0, 1), id="both-zero-percent-unavailable-1"),
        pytest.param("39%", "39%", 10, (4, 3), id="surge-rounds-up-unavailable-down"),
        pytest.param(None, "39%", 10, (0, 3), id="surge-absent"),
        pytest.param("39%", None, 10, (4, 0), id="unavailable-absent"),
        pytest.param(None, None, 10, (0, 1), id="both-absent-unavailable-1"),
        # the rounding, spelled out
        pytest.param("25%", "25%", 3, (1, 0), id="25pct-of-3"),
        pytest.param("25%", "25%", 4, (1, 1), id="25pct-of-4"),
        pytest.param("25%", "25%", 5, (2, 1), id="25pct-of-5"),
        pytest.param("1%", "1%", 2, (1, 0), id="1pct-of-2"),
        pytest.param("0%", "1%", 2, (0, 1), id="both-round-to-zero-unavailable-1"),
        pytest.param("0%", "100%", 5, (0, 5), id="all-unavailable"),
        pytest.param("100%", "0%", 5, (5, 0), id="all-surge"),
        pytest.param(2, 1, 10, (2, 1), id="absolute"),
        pytest.param(0, 0, 10, (0, 1), id="absolute-zeros"),
        pytest.param("10%", 3, 7, (1, 3), id="mixed"),
    ],
)
def test_resolve_fenceposts(
    max_surge: Any, max_unavailable: Any, desired: int, expected: tuple[int, int]
) -> None:
    assert util.resolve_fenceposts(max_surge, max_unavailable, desired) == expected


@pytest.mark.parametrize(
    ("max_surge", "max_unavailable"),
    [
        pytest.param("oops", "39%", id="surge-not-a-percentage"),
        pytest.param("55%", "urg", id="unavailable-not-a-percentage"),
        pytest.param("x%", 1, id="not-a-number"),
        pytest.param(True, 1, id="not-an-int"),
    ],
)
def test_resolve_fenceposts_refuses(max_surge: Any, max_unavailable: Any) -> None:
    with pytest.raises(ValueError, match="invalid"):
        util.resolve_fenceposts(max_surge, max_unavailable, 10)


@pytest.mark.parametrize(
    ("replicas", "max_unavailable", "strategy", "expected"),
    [
        # upstream's TestMaxUnavailable
        pytest.param(10, 5, "RollingUpdate", 5, id="less-than-replicas"),
        pytest.param(10, 10, "RollingUpdate", 10, id="equal-replicas"),
        pytest.param(5, 10, "RollingUpdate", 5, id="capped-at-replicas"),
        pytest.param(0, 10, "RollingUpdate", 0, id="zero-replicas"),
        pytest.param(10, 5, "Recreate", 0, id="recreate"),
        pytest.param(10, "50%", "RollingUpdate", 5, id="percent"),
        pytest.param(10, "100%", "RollingUpdate", 10, id="percent-all"),
        pytest.param(5, "100%", "RollingUpdate", 5, id="percent-all-of-5"),
        pytest.param(10, "bad", "RollingUpdate", 0, id="invalid-counts-as-0"),
    ],
)
def test_max_unavailable(replicas: int, max_unavailable: Any, strategy: str, expected: int) -> None:
    d = deployment(replicas, strategy=strategy, max_surge=1, max_unavailable=max_unavailable)
    assert util.max_unavailable(d) == expected


def test_max_surge_and_min_available() -> None:
    d = deployment(10, max_surge="25%", max_unavailable="25%")
    assert (util.max_surge(d), util.max_unavailable(d), util.min_available(d)) == (3, 2, 8)
    recreate = deployment(10, strategy="Recreate")
    assert (util.max_surge(recreate), util.min_available(recreate)) == (0, 0)


def test_defaulted_fills_upstream_defaults() -> None:
    bare: dict[str, Any] = {
        "metadata": {"name": "web"},
        "spec": {"selector": {"matchLabels": {"a": "b"}}},
    }
    d = util.defaulted(bare)
    assert d["spec"]["replicas"] == 1
    assert d["spec"]["strategy"] == {
        "type": "RollingUpdate",
        "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"},
    }
    assert (d["spec"]["revisionHistoryLimit"], d["spec"]["progressDeadlineSeconds"]) == (10, 600)
    assert "replicas" not in bare["spec"]  # a copy


@pytest.mark.parametrize(
    ("strategy", "deployment_replicas", "new_replicas", "max_surge", "expected"),
    [
        # upstream's TestNewRSNewReplicas: another ReplicaSet holds 5
        pytest.param("RollingUpdate", 1, 5, 1, 5, id="cannot-scale-up"),
        pytest.param("RollingUpdate", 6, 2, 10, 6, id="up-to-deployment-replicas"),
        pytest.param("Recreate", 3, 1, 1, 3, id="recreate-to-deployment-replicas"),
        pytest.param("RollingUpdate", 10, 0, 2, 0, id="old-at-max-total"),
    ],
)
def test_new_rs_new_replicas(
    strategy: str, deployment_replicas: int, new_replicas: int, max_surge: int, expected: int
) -> None:
    d = deployment(deployment_replicas, strategy=strategy, max_surge=max_surge, max_unavailable=1)
    if strategy == "Recreate":
        d["spec"]["strategy"] = {"type": "Recreate"}
    other = replicaset("web-old", 5 if expected != 0 else 12)
    new = replicaset("web-new", new_replicas)
    assert util.new_rs_new_replicas(d, [other, new], new) == expected


def test_new_rs_new_replicas_needs_max_surge() -> None:
    d = deployment(3)
    d["spec"]["strategy"]["rollingUpdate"] = {}
    new = replicaset("web-new", 0)
    with pytest.raises(ValueError, match="nil value"):
        util.new_rs_new_replicas(d, [new], new)


@pytest.mark.parametrize(
    ("desired", "current", "updated", "available", "expected"),
    [
        # upstream's TestDeploymentComplete
        pytest.param(5, 5, 5, 4, False, id="not-all-available"),
        pytest.param(5, 5, 5, 3, False, id="min-availability-not-honored"),
        pytest.param(5, 5, 5, 5, True, id="complete"),
        pytest.param(5, 5, 4, 5, False, id="not-all-updated"),
        pytest.param(1, 2, 1, 1, False, id="old-pods-running"),
        pytest.param(1, 1, 1, 0, False, id="never-comes-up"),
    ],
)
def test_deployment_complete(
    desired: int, current: int, updated: int, available: int, expected: bool
) -> None:
    d = deployment(desired)
    status = {
        "replicas": current,
        "updatedReplicas": updated,
        "availableReplicas": available,
        "observedGeneration": 1,
    }
    assert util.deployment_complete(d, status) is expected


def test_deployment_complete_needs_the_generation_observed() -> None:
    d = deployment(1, generation=2)
    status = {"replicas": 1, "updatedReplicas": 1, "availableReplicas": 1, "observedGeneration": 1}
    assert not util.deployment_complete(d, status)


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        # upstream's TestDeploymentProgressing: (replicas, updated, ready, available)
        pytest.param((10, 4, 4, 4), (10, 6, 4, 4), True, id="updated-pods"),
        pytest.param((10, 4, 4, 4), (10, 4, 4, 4), False, id="not-progressing"),
        pytest.param((10, 4, 6, 6), (8, 4, 6, 6), True, id="old-pods-removed"),
        pytest.param((10, 7, 3, 3), (10, 6, 3, 3), False, id="less-new-pods"),
        pytest.param((10, 4, 7, 7), (8, 8, 5, 5), True, id="less-overall-more-new"),
        pytest.param((10, 10, 9, 8), (10, 10, 10, 8), True, id="more-ready"),
        pytest.param((10, 10, 10, 9), (10, 10, 10, 10), True, id="more-available"),
    ],
)
def test_deployment_progressing(old: tuple[int, ...], new: tuple[int, ...], expected: bool) -> None:
    keys = ("replicas", "updatedReplicas", "readyReplicas", "availableReplicas")
    d = deployment(10, status=dict(zip(keys, old, strict=True)))
    assert util.deployment_progressing(d, dict(zip(keys, new, strict=True))) is expected


@pytest.mark.parametrize(
    ("deadline", "reason", "since", "now", "expected"),
    [
        # upstream's TestDeploymentTimedOut (times from 00:00:00)
        pytest.param(None, "", 69, 80, False, id="no-deadline"),
        pytest.param(util.MAX_INT32, "", 69, 80, False, id="infinite-deadline"),
        pytest.param(10, "", 69, 80, True, id="11s-past-10s"),
        pytest.param(10, "", 71, 80, False, id="9s-within-10s"),
        pytest.param(10, "", 70, 80, False, id="exactly-10s-not-yet"),
        pytest.param(10, conditions.NEW_RS_AVAILABLE, 0, 80, False, id="previous-rollout-complete"),
        pytest.param(10, conditions.TIMED_OUT, 79, 80, True, id="already-timed-out"),
    ],
)
def test_deployment_timed_out(
    deadline: int | None, reason: str, since: int, now: int, expected: bool
) -> None:
    d = deployment(1, progressDeadlineSeconds=deadline)
    status = {
        "conditions": [
            {"type": "Progressing", "status": "True", "reason": reason, "lastUpdateTime": at(since)}
        ]
    }
    assert util.deployment_timed_out(d, status, T0 + timedelta(seconds=now)) is expected


def test_equal_ignore_hash() -> None:
    # upstream's TestEqualIgnoreHash, in spirit: the hash label alone does not count.
    a = replicaset("web-abc", 1)["spec"]["template"]
    b = copy.deepcopy(a)
    b["metadata"]["labels"]["pod-template-hash"] = "other"
    assert templates.equal_ignore_hash(a, b)
    del b["metadata"]["labels"]["pod-template-hash"]
    assert templates.equal_ignore_hash(a, b)
    b["metadata"]["labels"]["extra"] = "x"
    assert not templates.equal_ignore_hash(a, b)
    # nil and empty are the same to Semantic.DeepEqual
    c = copy.deepcopy(a)
    c["metadata"]["annotations"] = {}
    c["spec"]["volumes"] = []
    assert templates.equal_ignore_hash(a, c)
    c["spec"]["containers"][0]["image"] = "nginx:2"
    assert not templates.equal_ignore_hash(a, c)


def test_find_new_and_old_replica_sets() -> None:
    # upstream's TestFindNewReplicaSet / TestFindOldReplicaSets
    d = deployment(3, image="nginx:2")
    newest = replicaset("web-new", 3, created=20, image="nginx:2")
    oldest_match = replicaset("web-twin", 3, created=10, image="nginx:2")
    old = replicaset("web-old", 0, created=5, image="nginx:1")
    older = replicaset("web-older", 2, created=1, image="nginx:0")
    rss = [newest, old, oldest_match, older]
    assert util.find_new_replica_set(d, rss) is oldest_match  # the oldest of the twins
    assert [r["metadata"]["name"] for r in rss] == ["web-older", "web-old", "web-twin", "web-new"]
    required, everything = util.find_old_replica_sets(d, rss)
    assert [r["metadata"]["name"] for r in required] == ["web-older", "web-new"]
    assert [r["metadata"]["name"] for r in everything] == ["web-older", "web-old", "web-new"]
    assert util.find_new_replica_set(deployment(3, image="nginx:9"), rss) is None


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        pytest.param([], None, None, id="nothing"),
        pytest.param([("a", 0, 1), ("b", 0, 2)], None, "b", id="none-active-newest-old"),
        pytest.param([("a", 0, 1)], ("n", 0, 3), "n", id="none-active-new"),
        pytest.param([("a", 2, 1), ("b", 0, 2)], ("n", 0, 3), "a", id="one-active"),
        pytest.param([("a", 2, 1)], ("n", 1, 3), None, id="two-active"),
    ],
)
def test_find_active_or_latest(
    old: list[tuple[str, int, int]], new: tuple[str, int, int] | None, expected: str | None
) -> None:
    olds = [replicaset(name, n, created=c) for name, n, c in old]
    new_rs = replicaset(new[0], new[1], created=new[2]) if new else None
    found = util.find_active_or_latest(new_rs, olds)
    assert (found["metadata"]["name"] if found else None) == expected


def test_set_new_replica_set_annotations_revision_history() -> None:
    # upstream's TestAnnotationUtils: revisions 11 to 20 with a 5-character history limit.
    d = deployment(1, annotations={util.REVISION: "1"})
    rs = replicaset("web-abc", 1, annotations={util.REVISION: "10"})
    for i in range(10, 20):
        util.set_new_replica_set_annotations(d, rs, str(i + 1), exists=True, history_limit_chars=5)
        annotations = rs["metadata"]["annotations"]
        assert annotations[util.REVISION] == str(i + 1)
        if i >= 12:
            assert annotations[util.REVISION_HISTORY] == f"{i - 1},{i}"
    assert d["metadata"]["annotations"] == {util.REVISION: "1"}  # the Deployment is left alone


@pytest.mark.parametrize(
    ("rs_annotations", "deployment_annotations", "new_revision", "exists", "changed", "expected"),
    [
        pytest.param(
            {},
            {},
            "1",
            False,
            True,
            {util.REVISION: "1", util.DESIRED_REPLICAS: "3", util.MAX_REPLICAS: "4"},
            id="new-rs",
        ),
        pytest.param(
            {util.REVISION: "3"}, {}, "2", True, False, {util.REVISION: "3"}, id="never-lowered"
        ),
        pytest.param(
            {util.REVISION: "1"},
            {},
            "4",
            True,
            True,
            {util.REVISION: "4", util.REVISION_HISTORY: "1"},
            id="rollback-keeps-history",
        ),
        pytest.param(
            {util.REVISION: "x"},
            {"note": "a"},
            "4",
            True,
            False,
            {util.REVISION: "x", "note": "a"},
            id="unreadable-revision",
        ),
        pytest.param(
            {util.REVISION: "2"},
            {
                "kubernetes.io/change-cause": "v2",
                util.LAST_APPLIED: "{}",
                util.REVISION: "9",
                util.ROLLBACK_TO: "1",
            },
            "2",
            True,
            True,
            {util.REVISION: "2", "kubernetes.io/change-cause": "v2"},
            id="copies-all-but-skipped",
        ),
    ],
)
def test_set_new_replica_set_annotations(
    rs_annotations: dict[str, str],
    deployment_annotations: dict[str, str],
    new_revision: str,
    exists: bool,
    changed: bool,
    expected: dict[str, str],
) -> None:
    d = deployment(3, max_surge=1, annotations=deployment_annotations)
    rs = replicaset("web-abc", 3, annotations=rs_annotations)
    assert util.set_new_replica_set_annotations(d, rs, new_revision, exists=exists) is changed
    assert rs["metadata"]["annotations"] == expected


def test_replicas_annotations_and_saturation() -> None:
    # upstream's TestAnnotationUtils (SetReplicasAnnotations, IsSaturated) and
    # TestReplicasAnnotationsNeedUpdate
    rs = replicaset("web-abc", 1)
    assert util.replicas_annotations_need_update(rs, 10, 11)
    assert util.set_replicas_annotations(rs, 10, 11)
    assert not util.set_replicas_annotations(rs, 10, 11)
    assert rs["metadata"]["annotations"] == {util.DESIRED_REPLICAS: "10", util.MAX_REPLICAS: "11"}
    assert not util.replicas_annotations_need_update(rs, 10, 11)
    d = deployment(1)
    rs["metadata"]["annotations"][util.DESIRED_REPLICAS] = "1"
    assert util.is_saturated(d, rs)
    rs["status"]["availableReplicas"] = 0
    assert not util.is_saturated(d, rs)
    rs["metadata"]["annotations"][util.DESIRED_REPLICAS] = "one"
    assert not util.is_saturated(d, replicaset("web-x", 1))
    assert not util.is_saturated(d, rs)


def test_orderings() -> None:
    a = replicaset("web-a", 3, created=1, revision=2)
    b = replicaset("web-b", 3, created=2, revision=1)
    c = replicaset("web-c", 5, created=3)
    same_time = replicaset("web-0", 3, created=1, revision=2)
    assert [
        r["metadata"]["name"] for r in sorted([c, b, a, same_time], key=util.by_creation_timestamp)
    ] == [
        "web-0",
        "web-a",
        "web-b",
        "web-c",
    ]
    assert [r["metadata"]["name"] for r in sorted([a, b, c], key=util.BY_SIZE_NEWER)] == [
        "web-c",
        "web-b",
        "web-a",
    ]
    assert [r["metadata"]["name"] for r in sorted([a, b, c], key=util.BY_SIZE_OLDER)] == [
        "web-c",
        "web-a",
        "web-b",
    ]
    # no revision is revision 0; equal revisions go oldest first
    assert [r["metadata"]["name"] for r in sorted([a, b, c, same_time], key=util.BY_REVISION)] == [
        "web-c",
        "web-b",
        "web-0",
        "web-a",
    ]
    assert (
        util.max_revision([a, b, c, None, replicaset("web-x", 1, annotations={util.REVISION: "x"})])
        == 2
    )


def test_get_proportion() -> None:
    d = deployment(10, max_surge=2, status={"replicas": 8})
    rs = replicaset("web-a", 4, annotations={util.MAX_REPLICAS: "8"})
    # 4 * (10 + 2) / 8 = 6: two more, within what is left to add
    assert util.get_proportion(rs, d, to_add=4, added=0) == 2
    assert util.get_proportion(rs, d, to_add=4, added=3) == 1  # capped by what is left
    assert util.get_proportion(rs, d, to_add=4, added=4) == 0
    del rs["metadata"]["annotations"][util.MAX_REPLICAS]  # falls back to status.replicas
    assert util.get_proportion(rs, d, to_add=4, added=0) == 2
    d["status"]["replicas"] = 0
    assert util.get_proportion(rs, d, to_add=4, added=0) == 0  # upstream divides by zero
    assert util.get_proportion(rs, deployment(0), to_add=-4, added=0) == -4


def test_terminating_replica_count() -> None:
    seen = replicaset("web-a", 1)
    seen["status"]["terminatingReplicas"] = 2
    unseen = replicaset("web-b", 1)
    unseen["status"] = {}
    assert util.terminating_replica_count([seen, unseen, None]) == 2
    silent = replicaset("web-c", 1)
    del silent["status"]["terminatingReplicas"]
    assert util.terminating_replica_count([seen, silent]) is None


def test_compute_hash() -> None:
    t = deployment(1)["spec"]["template"]
    h = templates.compute_hash(t, None)
    assert h == templates.compute_hash(copy.deepcopy(t), None)
    assert set(h) <= set("bcdfghjklmnpqrstvwxz2456789")
    assert 1 <= len(h) <= 10
    assert templates.compute_hash(t, 1) != h != templates.compute_hash(t, 0)
    other = copy.deepcopy(t)
    other["spec"]["containers"][0]["image"] = "nginx:2"
    assert templates.compute_hash(other, None) != h
    # key order and empty fields do not change it
    reordered = {"spec": t["spec"], "metadata": {**t["metadata"], "annotations": {}}}
    assert templates.compute_hash(reordered, None) == h


def test_safe_encode_is_upstreams() -> None:
    # rand.SafeEncodeString maps each byte b to alphanums[b % 27].
    assert templates.safe_encode("0123456789") == "456789bcdf"


def test_set_condition_keeps_transition_time() -> None:
    status: dict[str, Any] = {}
    first = conditions.new_condition("Progressing", "True", "A", "a", T0)
    conditions.set_condition(status, first)
    later = conditions.new_condition("Progressing", "True", "A", "again", T0 + timedelta(seconds=5))
    conditions.set_condition(status, later)
    assert status["conditions"] == [first]  # same status and reason: no change
    other = conditions.new_condition("Progressing", "True", "B", "b", T0 + timedelta(seconds=9))
    conditions.set_condition(status, other)
    assert status["conditions"] == [{**other, "lastTransitionTime": first["lastTransitionTime"]}]
    conditions.remove_condition(status, "Progressing")
    assert status == {}
