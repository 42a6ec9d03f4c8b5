"""The Deployment controller's decisions: the new ReplicaSet and its revision, rolling and
Recreate rollouts (driven to completion on a simulated cluster), scaling, pausing, the
progress deadline, history cleanup, adoption, collisions and the status."""

from __future__ import annotations

import copy
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from controllers.cluster import Cluster
from controllers.objects import DEPLOYMENT_UID, T0, at, deployment, pod, replicaset
from mcp.controllers import timestamps
from mcp.controllers.deployments import conditions, templates, util
from mcp.controllers.deployments import plan as dplan

NOW = T0 + timedelta(seconds=100)
Obj = dict[str, Any]


def new_name(d: Obj, collision_count: int | None = None) -> str:
    return (
        f"{d['metadata']['name']}-{templates.compute_hash(d['spec']['template'], collision_count)}"
    )


def condition(status: Obj | None, kind: str) -> Obj | None:
    assert status is not None
    return conditions.get_condition(status, kind)


def complete_status(replicas: int, generation: int = 1) -> Obj:
    return {
        "observedGeneration": generation,
        "replicas": replicas,
        "updatedReplicas": replicas,
        "readyReplicas": replicas,
        "availableReplicas": replicas,
        "conditions": [
            {
                "type": "Progressing",
                "status": "True",
                "lastUpdateTime": at(0),
                "lastTransitionTime": at(0),
                "reason": conditions.NEW_RS_AVAILABLE,
                "message": "done",
            }
        ],
    }


# --- the new ReplicaSet ---------------------------------------------------------------


def test_a_new_deployment_creates_its_replicaset() -> None:
    d = deployment(
        3, max_surge=1, max_unavailable=0, annotations={"kubernetes.io/change-cause": "v1"}
    )
    p = dplan.plan(d, [], [], NOW)
    pod_template_hash = templates.compute_hash(d["spec"]["template"], None)
    name = f"web-{pod_template_hash}"
    labels = {"app": "web", "pod-template-hash": pod_template_hash}
    assert p.creates == (
        dplan.CreateReplicaSet(
            {
                "apiVersion": "apps/v1",
                "kind": "ReplicaSet",
                "metadata": {
                    "name": name,
                    "namespace": "default",
                    "labels": labels,
                    "ownerReferences": [
                        {
                            "apiVersion": "apps/v1",
                            "kind": "Deployment",
                            "name": "web",
                            "uid": DEPLOYMENT_UID,
                            "controller": True,
                            "blockOwnerDeletion": True,
                        }
                    ],
                    "annotations": {
                        "kubernetes.io/change-cause": "v1",
                        util.REVISION: "1",
                        util.DESIRED_REPLICAS: "3",
                        util.MAX_REPLICAS: "4",
                    },
                },
                "spec": {
                    "replicas": 3,
                    "selector": {"matchLabels": labels},
                    "template": {
                        "metadata": {"labels": labels},
                        "spec": d["spec"]["template"]["spec"],
                    },
                },
            },
            (dplan.Event("Normal", "ScalingReplicaSet", f"Scaled up replica set {name} to 3"),),
        ),
    )
    assert p.actions == p.creates
    assert p.annotations == {"kubernetes.io/change-cause": "v1", util.REVISION: "1"}
    assert p.status is not None
    assert p.status["observedGeneration"] == 1
    assert condition(p.status, "Progressing") == conditions.new_condition(
        "Progressing", "True", conditions.NEW_REPLICA_SET, f'Created new replica set "{name}"', NOW
    )
    assert condition(p.status, "Available") == conditions.new_condition(
        "Available",
        "False",
        conditions.MINIMUM_REPLICAS_UNAVAILABLE,
        "Deployment does not have minimum availability.",
        NOW,
    )


def test_min_ready_seconds_goes_to_the_new_replicaset() -> None:
    d = deployment(1, minReadySeconds=7)
    (create,) = dplan.plan(d, [], [], NOW).creates
    assert create.replica_set["spec"]["minReadySeconds"] == 7
    existing = replicaset(new_name(d), 1, revision=1)
    (update,) = dplan.plan(
        {**d, "metadata": {**d["metadata"], "annotations": {util.REVISION: "1"}}},
        [existing],
        [],
        NOW,
    ).updates
    assert (update.name, update.min_ready_seconds) == (new_name(d), 7)


@pytest.mark.parametrize(
    ("old_revisions", "expected"),
    [
        pytest.param([], "1", id="first"),
        pytest.param([1], "2", id="after-one"),
        pytest.param([1, 3], "4", id="max-plus-one"),
        pytest.param([None, 2], "3", id="unannotated-counts-0"),
    ],
)
def test_revision_is_the_highest_old_one_plus_one(
    old_revisions: list[int | None], expected: str
) -> None:
    d = deployment(2, image="nginx:9")
    olds = [
        replicaset(f"web-old{i}", 0, created=i, revision=r, image=f"nginx:{i}")
        for i, r in enumerate(old_revisions)
    ]
    p = dplan.plan(d, olds, [], NOW)
    (create,) = p.creates
    assert create.replica_set["metadata"]["annotations"][util.REVISION] == expected
    assert p.annotations is not None
    assert p.annotations[util.REVISION] == expected


def test_rolling_back_to_an_old_template_gives_its_replicaset_a_new_revision() -> None:
    d = deployment(2, image="nginx:1", annotations={util.REVISION: "3"})
    back = replicaset("web-one", 0, created=1, revision=1, image="nginx:1")
    middle = replicaset("web-two", 0, created=2, revision=2, image="nginx:2")
    current = replicaset("web-three", 2, created=3, revision=3, image="nginx:3")
    for rs in (back, middle, current):
        util.set_replicas_annotations(rs, 2, 3)
    p = dplan.plan(d, [back, middle, current], [], NOW)
    assert p.creates == ()
    first = p.updates[0]
    assert first.name == "web-one"
    assert first.annotations[util.REVISION] == "4"
    assert first.annotations[util.REVISION_HISTORY] == "1"
    assert p.annotations is not None
    assert p.annotations[util.REVISION] == "4"
    # and the rollout starts: the old template's ReplicaSet scales up first
    assert first.replicas == 1


def test_an_existing_new_replicaset_is_found() -> None:
    d = deployment(2)
    rs = replicaset(
        new_name(d), 2, revision=1, annotations={util.DESIRED_REPLICAS: "2", util.MAX_REPLICAS: "3"}
    )
    p = dplan.plan(d, [rs], [], NOW)
    assert p.actions == ()
    assert p.annotations == {util.REVISION: "1"}
    assert condition(p.status, "Progressing") is not None
    # FoundNewReplicaSet is in memory only until the rollout status replaces it:
    assert condition(p.status, "Progressing")["reason"] == conditions.NEW_RS_AVAILABLE  # type: ignore[index]


def test_a_hash_collision_bumps_collision_count() -> None:
    d = deployment(2)
    squatter = replicaset(new_name(d), 1, image="other:1", owner=None)
    squatter["metadata"]["labels"] = {"unrelated": "yes"}
    p = dplan.plan(d, [squatter], [], NOW)
    assert p.creates == ()
    assert p.status is not None
    assert p.status["collisionCount"] == 1
    assert p.requeue_after == 0.0
    assert p.problem is not None
    # the next pass hashes with the count and creates under another name
    again = dplan.plan({**d, "status": p.status}, [squatter], [], NOW)
    (create,) = again.creates
    assert create.replica_set["metadata"]["name"] == new_name(d, 1) != new_name(d)


def test_create_failed_reports_replicaset_create_error() -> None:
    p = dplan.plan(deployment(1), [], [], NOW)
    status, event = p.create_failed("quota exceeded", NOW)
    name = p.creates[0].replica_set["metadata"]["name"]
    message = f'Failed to create new replica set "{name}": quota exceeded'
    assert event == dplan.Event("Warning", conditions.FAILED_RS_CREATE, message)
    assert condition(status, "Progressing") == conditions.new_condition(
        "Progressing", "False", conditions.FAILED_RS_CREATE, message, NOW
    )


# --- rolling updates ------------------------------------------------------------------


def _rolled_out(replicas: int, **kwargs: Any) -> tuple[Obj, Obj]:
    d = deployment(replicas, **kwargs)
    rs = replicaset(new_name(d), replicas, revision=1)
    util.set_replicas_annotations(rs, replicas, replicas + util.max_surge(d))
    d["metadata"]["annotations"][util.REVISION] = "1"
    d["status"] = complete_status(replicas)
    return d, rs


def test_rolling_update_first_step_surges_the_new_replicaset() -> None:
    d, old = _rolled_out(3, max_surge=1, max_unavailable=0)
    d["spec"]["template"]["spec"]["containers"][0]["image"] = "nginx:2"
    d["metadata"]["generation"] = 2
    p = dplan.plan(d, [old], [], NOW)
    (create,) = p.creates
    assert create.replica_set["spec"]["replicas"] == 1  # 3 + 1 surge - 3 old
    assert p.updates == ()  # nothing scaled down before the new Pod is available


def test_rolling_update_scales_old_down_as_new_becomes_available() -> None:
    d, old = _rolled_out(3, max_surge=1, max_unavailable=0)
    d["spec"]["template"]["spec"]["containers"][0]["image"] = "nginx:2"
    new = replicaset(new_name(d), 1, revision=2, image="nginx:2", created=5, available=0)
    util.set_replicas_annotations(new, 3, 4)
    assert dplan.plan(d, [old, new], [], NOW).updates == ()  # the new Pod is not yet available
    new["status"]["availableReplicas"] = 1
    (update,) = dplan.plan(d, [old, new], [], NOW).updates
    assert (update.name, update.replicas) == (old["metadata"]["name"], 2)
    assert update.events == (
        dplan.Event(
            "Normal",
            "ScalingReplicaSet",
            f"Scaled down replica set {old['metadata']['name']} to 2 from 3",
        ),
    )


def test_unhealthy_old_replicas_are_cleaned_up_first() -> None:
    d, old = _rolled_out(4, max_surge=0, max_unavailable=1)
    d["spec"]["template"]["spec"]["containers"][0]["image"] = "nginx:2"
    old["status"]["availableReplicas"] = 2  # two of its four Pods are unavailable
    new = replicaset(new_name(d), 0, revision=2, image="nginx:2", created=5)
    util.set_replicas_annotations(new, 4, 4)
    # maxScaledDown = 4 - 3 - 0 = 1: one unhealthy replica goes, then no more is allowed
    (update,) = dplan.plan(d, [old, new], [], NOW).updates
    assert (update.name, update.replicas) == (old["metadata"]["name"], 3)


def _fenceposts() -> st.SearchStrategy[tuple[int | str, int | str]]:
    value = st.one_of(st.integers(0, 4), st.sampled_from(["0%", "10%", "25%", "50%", "100%"]))
    return st.tuples(value, value).filter(
        lambda pair: pair[0] not in (0, "0%") or pair[1] not in (0, "0%")
    )


def _bounds(replicas: int, max_surge: int | str, max_unavailable: int | str) -> tuple[int, int]:
    """The fewest Pods ready and the most running that a rolling update allows, worked
    out here from the API's documentation rather than through `util`."""

    def resolve(value: int | str, round_up: bool) -> int:
        if isinstance(value, int):
            return value
        share = int(value[:-1]) * replicas
        return -(-share // 100) if round_up else share // 100

    surge, unavailable = resolve(max_surge, True), resolve(max_unavailable, False)
    if surge == 0 and unavailable == 0:
        unavailable = 1
    return replicas - min(unavailable, replicas), replicas + surge


@settings(max_examples=60, deadline=None)
@given(replicas=st.integers(1, 8), fenceposts=_fenceposts())
def test_rolling_update_stays_within_surge_and_unavailability(
    replicas: int, fenceposts: tuple[Any, Any]
) -> None:
    max_surge, max_unavailable = fenceposts
    d = deployment(replicas, max_surge=max_surge, max_unavailable=max_unavailable)
    cluster = Cluster(d, T0)
    cluster.roll_out(steps=4 * replicas + 10)
    floor, ceiling = _bounds(replicas, max_surge, max_unavailable)

    def within_bounds(c: Cluster) -> None:
        assert len(c.live_pods()) <= ceiling
        assert len(c.ready_pods()) >= floor

    cluster.observers.append(within_bounds)
    old_name = cluster.new_replicaset()["metadata"]["name"]  # type: ignore[index]
    cluster.update_template("nginx:2")
    cluster.roll_out(steps=6 * replicas + 10)
    new = cluster.new_replicaset()
    assert new is not None
    assert new["metadata"]["name"] != old_name
    assert new["spec"]["replicas"] == replicas
    assert cluster.replicasets[old_name]["spec"]["replicas"] == 0
    assert {p["metadata"]["ownerReferences"][0]["uid"] for p in cluster.live_pods()} == {
        new["metadata"]["uid"]
    }


def test_a_rollout_records_its_progress() -> None:
    cluster = Cluster(deployment(2, max_surge=1, max_unavailable=0), T0)
    cluster.roll_out(steps=10)
    reasons = [
        condition(p.status, "Progressing")["reason"]  # type: ignore[index]
        for p in cluster.deployment_plans
        if p.status is not None
    ]
    assert reasons[0] == conditions.NEW_REPLICA_SET
    assert conditions.REPLICA_SET_UPDATED in reasons
    assert reasons[-1] == conditions.NEW_RS_AVAILABLE
    available = condition(cluster.deployment["status"], "Available")
    assert available is not None
    assert available["reason"] == conditions.MINIMUM_REPLICAS_AVAILABLE
    # once complete, a pass changes nothing
    cluster.settle_replicasets()
    quiet = dplan.plan(
        cluster.deployment,
        list(cluster.replicasets.values()),
        list(cluster.pods.values()),
        cluster.now,
    )
    assert (quiet.actions, quiet.status, quiet.annotations, quiet.requeue_after) == (
        (),
        None,
        None,
        None,
    )


# --- Recreate -------------------------------------------------------------------------


def test_recreate_scales_old_to_zero_before_creating_the_new() -> None:
    d, old = _rolled_out(2, strategy="Recreate")
    d["spec"]["template"]["spec"]["containers"][0]["image"] = "nginx:2"
    first = dplan.plan(d, [old], [], NOW)
    assert first.creates == ()
    (update,) = first.updates
    assert (update.name, update.replicas) == (old["metadata"]["name"], 0)
    # scaled to 0 but still reporting Pods: wait
    old["spec"]["replicas"] = 0
    waiting = dplan.plan(d, [old], [], NOW)
    assert (waiting.creates, waiting.updates) == ((), ())
    # no Pods reported, but one is still running (being deleted): wait
    old["status"] = {"replicas": 0, "observedGeneration": 2, "terminatingReplicas": 1}
    lingering = pod("old-pod", owner=old["metadata"]["uid"], deleting=True, labels={"app": "web"})
    assert dplan.plan(d, [old], [lingering], NOW).creates == ()
    # a finished Pod does not hold it up
    lingering["status"]["phase"] = "Succeeded"
    (create,) = dplan.plan(d, [old], [lingering], NOW).creates
    assert create.replica_set["spec"]["replicas"] == 2


@pytest.mark.parametrize("replicas", [1, 3])
def test_recreate_never_runs_old_and_new_pods_together(replicas: int) -> None:
    cluster = Cluster(deployment(replicas, strategy="Recreate"), T0)
    cluster.roll_out(steps=10)
    old_uid = cluster.new_replicaset()["metadata"]["uid"]  # type: ignore[index]

    def never_together(c: Cluster) -> None:
        owners = {p["metadata"]["ownerReferences"][0]["uid"] for p in c.pods.values()}
        assert len(owners) <= 1 or old_uid not in owners, owners

    cluster.observers.append(never_together)
    cluster.update_template("nginx:2")
    cluster.roll_out(steps=15)
    assert cluster.new_replicaset()["metadata"]["uid"] != old_uid  # type: ignore[index]


# --- scaling --------------------------------------------------------------------------

# upstream's TestScale: (name, replicas, created) of the new and old ReplicaSets, the
# Deployment's size before and after, and the sizes expected.
_NEW, _OLD, _OLDER = 2, 1, 0


@pytest.mark.parametrize(
    ("before", "after", "surge", "new", "olds", "expected"),
    [
        pytest.param(10, 12, 0, ("v1", 10, _NEW), [], {"v1": 12}, id="scale-up"),
        pytest.param(10, 5, 0, ("v1", 10, _NEW), [], {"v1": 5}, id="scale-down"),
        pytest.param(
            5, 10, 0, ("v2", 2, _NEW), [("v1", 3, _OLD)], {"v2": 4, "v1": 6}, id="proportional-5-10"
        ),
        pytest.param(
            5, 3, 0, ("v2", 2, _NEW), [("v1", 3, _OLD)], {"v2": 1, "v1": 2}, id="proportional-5-3"
        ),
        pytest.param(
            9, 4, 0, ("v2", 8, _NEW), [("v1", 1, _OLD)], {"v2": 4, "v1": 0}, id="proportional-9-4"
        ),
        pytest.param(
            7,
            10,
            0,
            ("v3", 2, _NEW),
            [("v2", 3, _OLD), ("v1", 2, _OLDER)],
            {"v3": 3, "v2": 4, "v1": 3},
            id="proportional-7-10",
        ),
        pytest.param(
            13,
            8,
            0,
            ("v3", 2, _NEW),
            [("v2", 8, _OLD), ("v1", 3, _OLDER)],
            {"v3": 1, "v2": 5, "v1": 2},
            id="proportional-13-8",
        ),
        pytest.param(
            3,
            4,
            0,
            ("v3", 1, _NEW),
            [("v2", 1, _OLD), ("v1", 1, _OLDER)],
            {"v3": 2, "v2": 1, "v1": 1},
            id="leftover-up-newest",
        ),
        pytest.param(
            3,
            2,
            0,
            ("v3", 1, _NEW),
            [("v2", 1, _OLD), ("v1", 1, _OLDER)],
            {"v3": 1, "v2": 1, "v1": 0},
            id="leftover-down-oldest",
        ),
        pytest.param(
            4, 5, 0, None, [("v2", 2, _OLD), ("v1", 2, _OLDER)], {"v2": 3, "v1": 2}, id="no-new-rs"
        ),
        pytest.param(
            6,
            0,
            0,
            ("v3", 3, _NEW),
            [("v2", 2, _OLD), ("v1", 1, _OLDER)],
            {"v3": 0, "v2": 0, "v1": 0},
            id="to-zero",
        ),
        pytest.param(
            10, 20, 2, ("v2", 6, _NEW), [("v1", 6, _OLD)], {"v2": 11, "v1": 11}, id="with-surge"
        ),
    ],
)
def test_scale(
    before: int,
    after: int,
    surge: int,
    new: tuple[str, int, int] | None,
    olds: list[tuple[str, int, int]],
    expected: dict[str, int],
) -> None:
    old_d = deployment(before, max_surge=surge, max_unavailable=0)
    d = deployment(after, max_surge=surge, max_unavailable=0)

    def make(name: str, size: int, created: int) -> Obj:
        rs = replicaset(f"foo-{name}", size, created=created)
        util.set_replicas_annotations(rs, before, before + util.max_surge(old_d))
        return rs

    new_rs = make(*new) if new else None
    old_rss = [make(*o) for o in olds]
    sizes = {
        rs["metadata"]["name"]: util.replicas(rs)
        for rs in [*old_rss, *([new_rs] if new_rs else [])]
    }
    for update in dplan.scale(d, new_rs, old_rss, NOW):
        sizes[update.name] = update.replicas
    assert sizes == {f"foo-{k}": v for k, v in expected.items()}


def test_a_scaling_event_scales_proportionally_mid_rollout() -> None:
    d, old = _rolled_out(5, max_surge=0, max_unavailable=1)
    d["spec"]["template"]["spec"]["containers"][0]["image"] = "nginx:2"
    new = replicaset(new_name(d), 2, revision=2, image="nginx:2", created=5)
    old["spec"]["replicas"] = 3
    util.set_replicas_annotations(new, 5, 5)
    d["spec"]["replicas"] = 10  # the user scales mid-rollout
    p = dplan.plan(d, [old, new], [], NOW)
    assert p.creates == ()
    assert {u.name: u.replicas for u in p.updates} == {
        new["metadata"]["name"]: 4,
        old["metadata"]["name"]: 6,
    }


# --- paused ---------------------------------------------------------------------------


def test_paused_does_not_roll_out_but_scales() -> None:
    d, old = _rolled_out(3, paused=True)
    d["spec"]["template"]["spec"]["containers"][0]["image"] = "nginx:2"
    p = dplan.plan(d, [old], [], NOW)
    assert (p.creates, p.updates) == ((), ())
    assert condition(p.status, "Progressing") == conditions.new_condition(
        "Progressing", "Unknown", conditions.PAUSED, "Deployment is paused", NOW
    )
    d["spec"]["replicas"] = 5
    (update,) = dplan.plan(d, [old], [], NOW).updates
    assert (update.name, update.replicas) == (old["metadata"]["name"], 5)


def test_resuming_notes_it() -> None:
    d, rs = _rolled_out(1)
    d["status"]["conditions"] = [
        conditions.new_condition(
            "Progressing", "Unknown", conditions.PAUSED, "Deployment is paused", T0
        )
    ]
    p = dplan.plan(d, [rs], [], NOW)
    # resumed, then (nothing to roll out) complete again
    assert condition(p.status, "Progressing")["reason"] == conditions.NEW_RS_AVAILABLE  # type: ignore[index]


# --- the progress deadline ------------------------------------------------------------


def _stuck(updated_at: float) -> tuple[Obj, list[Obj]]:
    """A rollout whose new Pod never becomes available."""
    d, old = _rolled_out(1, max_surge=1, max_unavailable=0)
    d["spec"]["template"]["spec"]["containers"][0]["image"] = "nginx:2"
    d["metadata"]["generation"] = 2
    new = replicaset(new_name(d), 1, revision=2, image="nginx:2", created=5, available=0, ready=0)
    util.set_replicas_annotations(new, 1, 2)
    d["metadata"]["annotations"][util.REVISION] = "2"
    d["status"] = {
        "observedGeneration": 2,
        "replicas": 2,
        "updatedReplicas": 1,
        "availableReplicas": 1,
        "readyReplicas": 1,
        "unavailableReplicas": 1,
        "terminatingReplicas": 0,
        "conditions": [
            conditions.new_condition(
                "Available",
                "True",
                conditions.MINIMUM_REPLICAS_AVAILABLE,
                "Deployment has minimum availability.",
                T0,
            ),
            {
                **conditions.new_condition(
                    "Progressing", "True", conditions.REPLICA_SET_UPDATED, "progressing", T0
                ),
                "lastUpdateTime": at(updated_at),
            },
        ],
    }
    return d, [old, new]


def test_no_progress_asks_for_a_pass_at_the_deadline() -> None:
    d, rss = _stuck(updated_at=0)
    p = dplan.plan(d, rss, [], T0 + timedelta(seconds=300))
    assert (p.actions, p.status) == ((), None)
    assert p.requeue_after == 301.0  # 600 after the last progress, plus a second


def test_just_before_the_deadline_the_pass_comes_right_after_it() -> None:
    d, rss = _stuck(updated_at=0)
    p = dplan.plan(d, rss, [], T0 + timedelta(seconds=599, milliseconds=500))
    assert p.requeue_after == pytest.approx(0.505)


def test_past_the_deadline_the_rollout_has_timed_out() -> None:
    d, rss = _stuck(updated_at=0)
    p = dplan.plan(d, rss, [], T0 + timedelta(seconds=601))
    progressing = condition(p.status, "Progressing")
    assert progressing is not None
    assert (progressing["status"], progressing["reason"]) == ("False", conditions.TIMED_OUT)
    assert (
        progressing["message"]
        == f'ReplicaSet "{rss[1]["metadata"]["name"]}" has timed out progressing.'
    )
    timed_out = {**d, "status": p.status}
    after = dplan.plan(timed_out, rss, [], T0 + timedelta(seconds=700))
    assert (after.status, after.requeue_after) == (None, None)  # stays timed out, no more checks


def test_progress_resets_the_deadline() -> None:
    d, rss = _stuck(updated_at=0)
    rss[1]["status"]["readyReplicas"] = 1  # readiness is progress
    p = dplan.plan(d, rss, [], T0 + timedelta(seconds=601))
    progressing = condition(p.status, "Progressing")
    assert progressing is not None
    assert (progressing["reason"], progressing["lastUpdateTime"]) == (
        conditions.REPLICA_SET_UPDATED,
        timestamps.rfc3339(T0 + timedelta(seconds=601)),
    )
    assert progressing["lastTransitionTime"] == at(0)  # still True: the transition stands


def test_no_deadline_no_progressing_condition() -> None:
    d, rss = _stuck(updated_at=0)
    d["spec"]["progressDeadlineSeconds"] = util.MAX_INT32
    p = dplan.plan(d, rss, [], T0 + timedelta(seconds=10_000))
    assert condition(p.status, "Progressing") is None
    assert p.requeue_after is None


# --- history --------------------------------------------------------------------------


def test_history_beyond_the_limit_is_deleted_oldest_revision_first() -> None:
    d, current = _rolled_out(1, revisionHistoryLimit=2)
    d["metadata"]["annotations"][util.REVISION] = "6"
    current["metadata"]["annotations"][util.REVISION] = "6"
    olds = [
        replicaset(f"web-r{r}", 0, revision=r, created=10 - r, image=f"nginx:r{r}")
        for r in (1, 2, 3, 4, 5)
    ]
    busy = olds[1]
    busy["status"]["replicas"] = 1  # revision 2 still has a Pod: kept
    unobserved = replicaset("web-r0", 0, revision=0, image="nginx:r0", generation=2)
    unobserved["status"]["observedGeneration"] = 1  # a scale-down not yet seen: kept
    leaving = replicaset("web-rx", 0, revision=7, image="nginx:rx")
    leaving["metadata"]["deletionTimestamp"] = at(1)  # being deleted: not counted
    p = dplan.plan(d, [current, *olds, unobserved, leaving], [], NOW)
    # 6 cleanable old ones, limit 2: the 4 oldest by revision are r0 (kept), r1, r2 (kept), r3
    assert p.deletes == (dplan.DeleteReplicaSet("web-r1"), dplan.DeleteReplicaSet("web-r3"))


def test_no_history_is_deleted_mid_rollout() -> None:
    d, old = _rolled_out(1, revisionHistoryLimit=0)
    d["spec"]["template"]["spec"]["containers"][0]["image"] = "nginx:2"
    d["metadata"]["generation"] = 2  # the stored status, complete, is of generation 1
    ancient = replicaset("web-ancient", 0, revision=0, image="nginx:0")
    assert dplan.plan(d, [old, ancient], [], NOW).deletes == ()


# --- ownership ------------------------------------------------------------------------


def test_orphans_are_adopted_and_strays_released() -> None:
    d, rs = _rolled_out(1)
    orphan = replicaset("web-orphan", 0, owner=None, image="nginx:0")
    stray = replicaset("web-stray", 0, image="nginx:9", labels={"app": "other"})
    foreign = replicaset("web-foreign", 0, owner="someone-else", image="nginx:8")
    p = dplan.plan(d, [rs, orphan, stray, foreign], [], NOW)
    assert [(x.name, x.release) for x in p.patches] == [("web-orphan", False), ("web-stray", True)]
    assert p.patches[0].patch["metadata"]["ownerReferences"][0]["kind"] == "Deployment"


def test_a_deployment_being_deleted_only_reports() -> None:
    d, rs = _rolled_out(2)
    d["metadata"]["deletionTimestamp"] = at(50)
    d["spec"]["replicas"] = 5
    d["spec"]["template"]["spec"]["containers"][0]["image"] = "nginx:2"
    p = dplan.plan(d, [rs], [], NOW)
    assert p.actions == ()  # no scaling, no new ReplicaSet: only the status
    assert condition(p.status, "Available")["reason"] == conditions.MINIMUM_REPLICAS_UNAVAILABLE  # type: ignore[index]


def test_an_empty_selector_selects_nothing_and_warns() -> None:
    d = deployment(1, generation=4)
    d["spec"]["selector"] = {}
    p = dplan.plan(d, [replicaset("web-x", 1)], [], NOW)
    assert p.actions == ()
    assert p.events == (
        dplan.Event(
            "Warning",
            "SelectingAll",
            "This deployment is selecting all pods. A non-empty selector is required.",
        ),
    )
    assert p.status == {"observedGeneration": 4}


# --- status ---------------------------------------------------------------------------


def test_status_counts_and_availability() -> None:
    d, old = _rolled_out(4, max_surge=1, max_unavailable=1)
    d["spec"]["template"]["spec"]["containers"][0]["image"] = "nginx:2"
    old["spec"]["replicas"] = 3
    old["status"].update(replicas=3, readyReplicas=3, availableReplicas=3, terminatingReplicas=1)
    new = replicaset(
        new_name(d), 2, revision=2, image="nginx:2", created=5, actual=2, ready=1, available=0
    )
    util.set_replicas_annotations(new, 4, 5)
    p = dplan.plan(d, [old, new], [], NOW)
    assert p.status is not None
    counts = {k: v for k, v in p.status.items() if k != "conditions"}
    assert counts == {
        "observedGeneration": 1,
        "replicas": 5,
        "updatedReplicas": 2,
        "readyReplicas": 4,
        "availableReplicas": 3,
        "unavailableReplicas": 2,
        "terminatingReplicas": 1,
    }
    assert condition(p.status, "Available")["reason"] == conditions.MINIMUM_REPLICAS_AVAILABLE  # type: ignore[index]


def test_replica_failures_are_reported() -> None:
    d, rs = _rolled_out(2)
    failure = {
        "type": "ReplicaFailure",
        "status": "True",
        "lastTransitionTime": at(9),
        "reason": "FailedCreate",
        "message": "quota",
    }
    rs["status"]["conditions"] = [failure]
    p = dplan.plan(d, [rs], [], NOW)
    assert condition(p.status, "ReplicaFailure") == {
        "type": "ReplicaFailure",
        "status": "True",
        "lastUpdateTime": at(9),
        "lastTransitionTime": at(9),
        "reason": "FailedCreate",
        "message": "quota",
    }
    rs["status"]["conditions"] = []
    cleared = dplan.plan({**d, "status": p.status}, [rs], [], NOW)
    assert condition(cleared.status, "ReplicaFailure") is None


def test_the_plan_does_not_change_its_inputs() -> None:
    d, old = _rolled_out(3)
    d["spec"]["template"]["spec"]["containers"][0]["image"] = "nginx:2"
    before = copy.deepcopy((d, old))
    dplan.plan(d, [old], [], NOW)
    assert (d, old) == before
