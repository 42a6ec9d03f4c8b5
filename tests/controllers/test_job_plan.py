"""The Job controller's decisions, by tables, then driven in a loop against a fake cluster.

The counting tables port rows of kubernetes' pkg/controller/job/job_controller_test.go
(`TestControllerSyncJob`, its Pod counts and expectations). Upstream's sync writes the
status, removes finalizers and counts in one go; mcp's plan counts a finished Pod first in
`uncountedTerminatedPods` and moves it to the counter on the next pass, so "succeeded" and
"failed" here are the counter plus the uncounted list (what upstream's first write holds).
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from mcp.controllers.jobs.backoff import Backoff
from mcp.controllers.jobs.indexes import COMPLETION_INDEX
from mcp.controllers.jobs.plan import Event, Plan, decide, release_orphan
from mcp.controllers.jobs.pods import TRACKING_FINALIZER
from mcp.controllers.jobs.ttl import expire

T0 = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)
LONG_AGO = T0 - timedelta(hours=1)  # a finish time the failure backoff is long over
UID = "uid-pi"
TEMPLATE: dict[str, Any] = {
    "metadata": {"labels": {"app": "pi"}},
    "spec": {"restartPolicy": "Never", "containers": [{"name": "main", "image": "busybox"}]},
}


def stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def make_job(
    *,
    parallelism: int = 2,
    completions: int | None = 5,
    backoff_limit: int = 6,
    status: dict[str, Any] | None = None,
    deleting: bool = False,
    **spec: Any,
) -> dict[str, Any]:
    """A Job named pi; `completions=None` makes it a work queue."""
    body: dict[str, Any] = {
        "parallelism": parallelism,
        "backoffLimit": backoff_limit,
        "template": copy.deepcopy(TEMPLATE),
        **spec,
    }
    if completions is not None:
        body["completions"] = completions
    meta: dict[str, Any] = {"name": "pi", "namespace": "default", "uid": UID}
    if deleting:
        meta["deletionTimestamp"] = stamp(T0)
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": meta,
        "spec": body,
        "status": status or {},
    }


_names = itertools.count()


def make_pod(
    phase: str = "Running",
    *,
    name: str | None = None,
    ready: bool = False,
    index: str | None = None,
    tracked: bool = True,
    deleting: bool = False,
    finished: datetime = LONG_AGO,
    exit_code: int | None = None,
    restarts: int = 0,
    created: datetime | None = None,
    owner: str = UID,
) -> dict[str, Any]:
    """A Pod the Job controls, as the kubelet reports it."""
    name = name or f"pi-{next(_names)}"
    meta: dict[str, Any] = {
        "name": name,
        "namespace": "default",
        "uid": f"{name}-uid",
        "creationTimestamp": stamp(created or LONG_AGO),
        "ownerReferences": [
            {
                "apiVersion": "batch/v1",
                "kind": "Job",
                "name": "pi",
                "uid": owner,
                "controller": True,
            }
        ],
    }
    if tracked:
        meta["finalizers"] = [TRACKING_FINALIZER]
    if index is not None:
        meta["annotations"] = {COMPLETION_INDEX: index}
    if deleting:
        meta["deletionTimestamp"] = stamp(T0)
    status: dict[str, Any] = {"phase": phase}
    if phase in ("Succeeded", "Failed"):
        code = exit_code if exit_code is not None else (0 if phase == "Succeeded" else 1)
        terminated = {"exitCode": code, "finishedAt": stamp(finished)}
        status["containerStatuses"] = [{"name": "main", "state": {"terminated": terminated}}]
    elif phase == "Running":
        state: dict[str, Any] = {"running": {}}
        status["containerStatuses"] = [{"name": "main", "restartCount": restarts, "state": state}]
    if ready:
        status["conditions"] = [{"type": "Ready", "status": "True"}]
    return {"metadata": meta, "spec": {"nodeName": "node-1"}, "status": status}


def pods_of(
    pending: int = 0,
    active: int = 0,
    ready: int = 0,
    succeeded: int = 0,
    failed: int = 0,
    terminating: int = 0,
) -> list[dict[str, Any]]:
    """setPodsStatuses: so many Pods in each state (`ready` of the active ones)."""
    return [
        *(make_pod("Pending") for _ in range(pending)),
        *(make_pod("Running", ready=i < ready) for i in range(active)),
        *(make_pod("Succeeded") for _ in range(succeeded)),
        *(make_pod("Failed") for _ in range(failed)),
        *(make_pod("Running", deleting=True) for _ in range(terminating)),
    ]


def counted(status: dict[str, Any], key: str) -> int:
    """A counter plus the UIDs waiting in uncountedTerminatedPods to join it."""
    return int(status.get(key, 0)) + len(status["uncountedTerminatedPods"].get(key, []))


def conditions(status: dict[str, Any]) -> list[tuple[str, str, str]]:
    return [(c["type"], c["status"], c.get("reason", "")) for c in status.get("conditions", [])]


@dataclass(frozen=True)
class Want:
    creations: int = 0
    deletions: int = 0
    patches: int = 0  # Pods whose tracking finalizer goes
    active: int = 0
    ready: int = 0
    terminating: int = 0
    succeeded: int = 0
    failed: int = 0
    conditions: tuple[tuple[str, str, str], ...] = ()


FAILURE_TARGET = ("FailureTarget", "True", "BackoffLimitExceeded")
SUCCESS_CRITERIA_MET = ("SuccessCriteriaMet", "True", "CompletionsReached")
SUSPENDED = ("Suspended", "True", "JobSuspended")


@pytest.mark.parametrize(
    ("job", "pods", "want"),
    [
        pytest.param(make_job(), [], Want(creations=2, active=2), id="job-start"),
        pytest.param(
            make_job(completions=None), [], Want(creations=2, active=2), id="wq-job-start"
        ),
        pytest.param(make_job(), pods_of(pending=2), Want(active=2), id="pending-pods"),
        pytest.param(
            make_job(parallelism=3),
            pods_of(active=3, ready=2),
            Want(active=3, ready=2),
            id="correct-number-of-pods",
        ),
        pytest.param(
            make_job(completions=None), pods_of(active=2), Want(active=2), id="wq-correct-number"
        ),
        pytest.param(
            make_job(),
            pods_of(active=1, succeeded=1),
            Want(creations=1, active=2, succeeded=1, patches=1),
            id="too-few-active-pods",
        ),
        pytest.param(
            make_job(parallelism=1, completions=None, podReplacementPolicy="Failed"),
            pods_of(active=1, failed=1, terminating=1),
            Want(active=1, terminating=1, failed=1, patches=1),
            id="wq-replace-only-failed-pods",
        ),
        pytest.param(
            make_job(parallelism=1, completions=1),
            pods_of(active=1, failed=1, terminating=1),
            Want(active=1, terminating=1, failed=2, patches=2),
            id="terminating-counts-failed-by-default",
        ),
        pytest.param(
            make_job(parallelism=1, completions=1, podReplacementPolicy="Failed"),
            pods_of(active=2, terminating=4),
            Want(deletions=1, patches=1, active=1, terminating=5),
            id="more-terminating-pods-than-parallelism",
        ),
        pytest.param(
            make_job(parallelism=1, completions=1, podFailurePolicy={"rules": []}),
            pods_of(active=2, terminating=4),
            Want(deletions=1, patches=1, active=1, terminating=5),
            id="pod-failure-policy-replaces-only-failed",
        ),
        pytest.param(
            make_job(),
            pods_of(active=1, succeeded=1, failed=1),
            Want(creations=1, active=2, succeeded=1, failed=1, patches=2),
            id="failed-and-succeeded-pods-reset-backoff",
        ),
        pytest.param(
            make_job(),
            pods_of(active=1, failed=1),
            Want(creations=1, active=2, failed=1, patches=1),
            id="new-failed-pod-long-ago",
        ),
        pytest.param(
            make_job(parallelism=1, completions=1, status={"active": 1, "failed": 1}),
            pods_of(active=1),
            Want(active=1, failed=1),
            id="failed-pod-counted-before",
        ),
        pytest.param(
            make_job(),
            pods_of(succeeded=5),
            Want(succeeded=5, patches=5, conditions=(SUCCESS_CRITERIA_MET,)),
            id="job-finish",
        ),
        pytest.param(
            make_job(completions=None),
            pods_of(active=1, succeeded=1),
            Want(active=1, succeeded=1, patches=1),
            id="wq-job-finishing",
        ),
        pytest.param(
            make_job(completions=None),
            pods_of(succeeded=2),
            Want(succeeded=2, patches=2, conditions=(SUCCESS_CRITERIA_MET,)),
            id="wq-job-all-finished",
        ),
        pytest.param(
            make_job(completions=None),
            pods_of(succeeded=1, failed=1),
            Want(succeeded=1, failed=1, patches=2, conditions=(SUCCESS_CRITERIA_MET,)),
            id="wq-job-all-finished-despite-one-failure",
        ),
        pytest.param(
            make_job(),
            pods_of(active=10),
            Want(deletions=8, patches=8, active=2, terminating=8),
            id="more-active-pods-than-parallelism",
        ),
        pytest.param(
            make_job(parallelism=3, completions=4),
            pods_of(active=3, succeeded=2),
            Want(deletions=1, patches=3, active=2, terminating=1, succeeded=2),
            id="more-active-pods-than-remaining-completions",
        ),
        pytest.param(
            make_job(),
            pods_of(active=3, ready=3),
            Want(deletions=1, patches=1, active=2, ready=2, terminating=1),
            id="count-ready-pods-when-too-many-active",
        ),
        pytest.param(
            make_job(),
            pods_of(active=2, succeeded=2),
            Want(active=2, succeeded=2, patches=2),
            id="status-change",
        ),
        pytest.param(
            make_job(deleting=True),
            pods_of(pending=1, active=1, succeeded=1),
            Want(active=2, succeeded=1, patches=3),
            id="deleting-job-lets-all-pods-go",
        ),
        pytest.param(
            make_job(parallelism=600, completions=1000),
            [],
            Want(creations=500, active=500),
            id="at-most-500-creations",
        ),
        pytest.param(
            make_job(backoff_limit=0),
            pods_of(failed=1),
            Want(failed=1, patches=1, conditions=(FAILURE_TARGET,)),
            id="too-many-job-failures",
        ),
        pytest.param(
            make_job(completions=3, backoff_limit=0),
            pods_of(active=2, ready=2, failed=1),
            Want(deletions=2, patches=3, failed=3, terminating=2, conditions=(FAILURE_TARGET,)),
            id="failing-job-deletes-active-pods-and-counts-them-failed",
        ),
        pytest.param(
            make_job(completions=4, suspend=True),
            pods_of(active=2, ready=2),
            Want(deletions=2, patches=2, terminating=2, conditions=(SUSPENDED,)),
            id="suspending-deletes-active-pods",
        ),
    ],
)
def test_counts(job: dict[str, Any], pods: list[dict[str, Any]], want: Want) -> None:
    plan = decide(job, pods, now=T0)
    assert plan.status is not None
    got = Want(
        creations=len(plan.create),
        deletions=len(plan.delete),
        patches=len(plan.remove_finalizers),
        active=plan.status.get("active", 0),
        ready=plan.status["ready"],
        terminating=plan.status["terminating"],
        succeeded=counted(plan.status, "succeeded"),
        failed=counted(plan.status, "failed"),
        conditions=tuple(conditions(plan.status)),
    )
    assert got == want


# --- Indexed Jobs --------------------------------------------------------------------------------


def indexed(*states: tuple[str | None, str], **kwargs: Any) -> list[dict[str, Any]]:
    """setPodsStatusesWithIndexes: Pods with these (index, phase)."""
    pods = []
    for index, phase in states:
        deleting = phase == "Terminating"
        pods.append(
            make_pod("Running" if deleting else phase, index=index, deleting=deleting, **kwargs)
        )
    return pods


@dataclass(frozen=True)
class WantIndexed:
    created: frozenset[int] = frozenset()
    deleted: tuple[str, ...] = ()  # the deleted Pods' index annotations, sorted
    patches: int = 0
    active: int = 0
    terminating: int = 0
    succeeded: int = 0
    failed: int = 0
    completed: str = ""
    conditions: tuple[tuple[str, str, str], ...] = ()


def indexed_job(**kwargs: Any) -> dict[str, Any]:
    return make_job(completionMode="Indexed", **kwargs)


@pytest.mark.parametrize(
    ("job", "pods", "want"),
    [
        pytest.param(
            indexed_job(), [], WantIndexed(created=frozenset({0, 1}), active=2), id="start"
        ),
        pytest.param(
            indexed_job(podReplacementPolicy="Failed"),
            pods_of(terminating=1),
            WantIndexed(created=frozenset({0}), active=1, terminating=1),
            id="terminating-pod-holds-a-slot-when-only-failed-are-replaced",
        ),
        pytest.param(
            indexed_job(podReplacementPolicy="TerminatingOrFailed"),
            pods_of(terminating=1),
            WantIndexed(created=frozenset({0, 1}), active=2, terminating=1, patches=1),
            id="terminating-pod-replaced",
        ),
        pytest.param(
            indexed_job(completions=3),
            indexed(("0", "Succeeded"), ("1", "Failed"), ("1", "Succeeded"), ("2", "Succeeded")),
            WantIndexed(
                succeeded=3,
                failed=1,
                completed="0-2",
                patches=4,
                conditions=(SUCCESS_CRITERIA_MET,),
            ),
            id="completed",
        ),
        pytest.param(
            indexed_job(completions=3, backoff_limit=0),
            indexed(("0", "Succeeded"), ("1", "Failed"), ("2", "Running")),
            WantIndexed(
                deleted=("2",),
                succeeded=1,
                failed=2,
                completed="0",
                patches=3,
                terminating=1,
                conditions=(FAILURE_TARGET,),
            ),
            id="failed",
        ),
        pytest.param(
            indexed_job(completions=3),
            indexed(("0", "Succeeded"), ("1", "Succeeded"), ("1", "Succeeded")),
            WantIndexed(created=frozenset({2}), active=1, succeeded=2, completed="0,1", patches=3),
            id="repeated-completed-index",
        ),
        pytest.param(
            indexed_job(parallelism=8, completions=20),
            indexed(
                ("0", "Running"),
                ("2", "Succeeded"),
                ("3", "Pending"),
                ("4", "Succeeded"),
                ("5", "Succeeded"),
                ("7", "Succeeded"),
                ("8", "Succeeded"),
                ("9", "Succeeded"),
            ),
            WantIndexed(
                created=frozenset({1, 6, 10, 11, 12, 13}),
                active=8,
                succeeded=6,
                completed="2,4,5,7-9",
                patches=6,
            ),
            id="some-running-and-completed",
        ),
        pytest.param(
            indexed_job(parallelism=3, completions=4),
            indexed(("0", "Failed"), ("1", "Pending"), ("2", "Failed")),
            WantIndexed(created=frozenset({0, 2}), active=3, failed=2, patches=2),
            id="some-failed",
        ),
        pytest.param(
            indexed_job(),
            [
                *pods_of(active=1, succeeded=1, failed=1),
                *indexed(
                    ("invalid", "Running"),
                    ("invalid", "Succeeded"),
                    ("invalid", "Failed"),
                    ("invalid", "Pending"),
                    ("0", "Succeeded"),
                    ("1", "Running"),
                    ("2", "Running"),
                ),
            ],
            WantIndexed(
                deleted=("None", "invalid", "invalid"),
                active=2,
                terminating=3,
                succeeded=1,
                completed="0",
                patches=8,
            ),
            id="pods-without-index-deleted-uncounted",
        ),
        pytest.param(
            indexed_job(parallelism=5, completions=5),
            [
                *pods_of(succeeded=1, failed=1),
                *indexed(
                    ("invalid", "Running"),
                    ("0", "Succeeded"),
                    ("1", "Running"),
                    ("2", "Running"),
                    ("2", "Pending"),
                ),
            ],
            WantIndexed(
                deleted=("2", "invalid"),
                active=2,
                terminating=2,
                succeeded=1,
                completed="0",
                patches=5,
            ),
            id="repeated-indexes-deleted-first",
        ),
        pytest.param(
            indexed_job(),
            indexed(
                ("0", "Succeeded"),
                ("5", "Running"),
                ("6", "Succeeded"),
                ("7", "Pending"),
                ("8", "Failed"),
            ),
            WantIndexed(
                deleted=("5", "7"),
                terminating=2,
                succeeded=1,
                completed="0",
                patches=5,
            ),
            id="indexes-outside-range",
        ),
    ],
)
def test_indexed(job: dict[str, Any], pods: list[dict[str, Any]], want: WantIndexed) -> None:
    plan = decide(job, pods, now=T0)
    assert plan.status is not None
    by_name = {pod["metadata"]["name"]: pod for pod in pods}
    got = WantIndexed(
        created=frozenset(int(p["metadata"]["annotations"][COMPLETION_INDEX]) for p in plan.create),
        deleted=tuple(
            sorted(
                str((by_name[name]["metadata"].get("annotations") or {}).get(COMPLETION_INDEX))
                for name in plan.delete
            )
        ),
        patches=len(plan.remove_finalizers),
        active=plan.status.get("active", 0),
        terminating=plan.status["terminating"],
        succeeded=plan.status.get("succeeded", 0),
        failed=counted(plan.status, "failed"),
        completed=plan.status.get("completedIndexes", ""),
        conditions=tuple(conditions(plan.status)),
    )
    assert got == want


def test_repeated_index_keeps_the_most_advanced_pod() -> None:
    running = make_pod("Running", index="2", ready=True)
    pending = make_pod("Pending", index="2")
    plan = decide(indexed_job(), [pending, running], now=T0)
    assert plan.delete == (pending["metadata"]["name"],)


# --- the Pods created ----------------------------------------------------------------------------

JOB_LABELS = {
    "job-name": "pi",
    "batch.kubernetes.io/job-name": "pi",
    "controller-uid": UID,
    "batch.kubernetes.io/controller-uid": UID,
}
OWNER = {
    "apiVersion": "batch/v1",
    "kind": "Job",
    "name": "pi",
    "uid": UID,
    "controller": True,
    "blockOwnerDeletion": True,
}


def test_pod_from_template() -> None:
    job = make_job(parallelism=1, completions=1)
    template_before = copy.deepcopy(job["spec"]["template"])
    (pod,) = decide(job, [], now=T0).create
    assert pod == {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "generateName": "pi-",
            "namespace": "default",
            "labels": {"app": "pi", **JOB_LABELS},
            "finalizers": [TRACKING_FINALIZER],
            "ownerReferences": [OWNER],
        },
        "spec": TEMPLATE["spec"],
    }
    assert job["spec"]["template"] == template_before  # copied, never changed


def test_indexed_pod_from_template() -> None:
    job = indexed_job(parallelism=1, completions=3)
    job["spec"]["template"]["spec"]["initContainers"] = [{"name": "init", "image": "busybox"}]
    job["spec"]["template"]["spec"]["containers"].append(
        {"name": "own", "image": "busybox", "env": [{"name": "JOB_COMPLETION_INDEX", "value": "x"}]}
    )
    done = make_pod("Succeeded", index="0", tracked=False)
    job["status"] = {"succeeded": 1, "completedIndexes": "0"}
    (pod,) = decide(job, [done], now=T0).create
    env = {
        "name": "JOB_COMPLETION_INDEX",
        "valueFrom": {"fieldRef": {"fieldPath": f"metadata.labels['{COMPLETION_INDEX}']"}},
    }
    assert pod["metadata"]["generateName"] == "pi-1-"
    assert pod["metadata"]["labels"] == {"app": "pi", **JOB_LABELS, COMPLETION_INDEX: "1"}
    assert pod["metadata"]["annotations"] == {COMPLETION_INDEX: "1"}
    assert pod["spec"]["hostname"] == "pi-1"
    assert pod["spec"]["initContainers"][0]["env"] == [env]
    assert pod["spec"]["containers"][0]["env"] == [env]
    assert pod["spec"]["containers"][1]["env"] == [{"name": "JOB_COMPLETION_INDEX", "value": "x"}]


@pytest.mark.parametrize(
    ("template_meta", "spec", "want_labels", "want_finalizers"),
    [
        pytest.param(
            {"labels": {"app": "pi"}, "annotations": {"a": "b"}},
            {"manualSelector": True},
            {"app": "pi"},
            [TRACKING_FINALIZER],
            id="manual-selector-labels-untouched",
        ),
        pytest.param(
            {
                "labels": {"job-name": "mine"},
                "finalizers": ["example.com/keep", TRACKING_FINALIZER],
            },
            {},
            {**JOB_LABELS, "job-name": "mine"},
            ["example.com/keep", TRACKING_FINALIZER],
            id="template-labels-and-finalizers-kept",
        ),
    ],
)
def test_pod_metadata(
    template_meta: dict[str, Any],
    spec: dict[str, Any],
    want_labels: dict[str, str],
    want_finalizers: list[str],
) -> None:
    job = make_job(parallelism=1, completions=1, **spec)
    job["spec"]["template"]["metadata"] = template_meta
    (pod,) = decide(job, [], now=T0).create
    assert pod["metadata"]["labels"] == want_labels
    assert pod["metadata"]["finalizers"] == want_finalizers
    assert pod["metadata"].get("annotations") == template_meta.get("annotations")


def test_pods_of_other_controllers_ignored() -> None:
    strangers = [make_pod("Running", owner="someone-else") for _ in range(3)]
    orphan = make_pod("Running")
    orphan["metadata"]["ownerReferences"] = []
    plan = decide(make_job(), [*strangers, orphan], now=T0)
    assert (len(plan.create), plan.delete) == (2, ())


def ranked(**kwargs: Any) -> dict[str, Any]:
    return make_pod(kwargs.pop("phase", "Running"), **kwargs)


@pytest.mark.parametrize(
    ("first", "second"),
    [
        pytest.param(ranked(), {**ranked(), "spec": {}}, id="unscheduled-first"),
        pytest.param(ranked(), ranked(phase="Pending"), id="pending-before-running"),
        pytest.param(ranked(ready=True), ranked(), id="not-ready-before-ready"),
        pytest.param(ranked(restarts=1), ranked(restarts=3), id="more-restarts-first"),
        pytest.param(ranked(created=T0 - timedelta(hours=2)), ranked(created=T0), id="newer-first"),
    ],
)
def test_which_pod_goes_first(first: dict[str, Any], second: dict[str, Any]) -> None:
    """controller.ActivePods: the Pod listed second here is deleted when one must go."""
    for pods in ([first, second], [second, first]):
        plan = decide(make_job(parallelism=1), pods, now=T0)
        assert plan.delete == (second["metadata"]["name"],)


def test_ready_later_goes_first() -> None:
    older, newer = ranked(ready=True), ranked(ready=True)
    older["status"]["conditions"][0]["lastTransitionTime"] = stamp(T0 - timedelta(minutes=5))
    newer["status"]["conditions"][0]["lastTransitionTime"] = stamp(T0)
    plan = decide(make_job(parallelism=1), [older, newer], now=T0)
    assert plan.delete == (newer["metadata"]["name"],)


# --- the end of a Job ----------------------------------------------------------------------------


def settle(job: dict[str, Any], plan: Plan, pods: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """What the actor's writes make of the cluster: the status, the finalizers off, deleted
    Pods gone once nothing holds them (this kubelet stops a deleted Pod at once)."""
    if plan.status is not None:
        job["status"] = plan.status
    kept = []
    for pod in pods:
        pod = copy.deepcopy(pod)
        meta = pod["metadata"]
        if meta["name"] in plan.remove_finalizers:
            meta["finalizers"] = [f for f in meta.get("finalizers", []) if f != TRACKING_FINALIZER]
        if meta["name"] in plan.delete:
            meta["deletionTimestamp"] = stamp(T0)
            if pod["status"]["phase"] not in ("Succeeded", "Failed"):
                pod["status"]["phase"] = "Failed"
        if meta.get("deletionTimestamp") and not meta.get("finalizers"):
            continue
        kept.append(pod)
    return kept


def test_success_criteria_met_then_complete() -> None:
    job = make_job(parallelism=2, completions=2, ttlSecondsAfterFinished=100)
    pods = pods_of(succeeded=2)
    first = decide(job, pods, now=at(0))
    assert first.status is not None
    assert conditions(first.status) == [SUCCESS_CRITERIA_MET]
    assert "completionTime" not in first.status
    assert first.events == ()
    pods = settle(job, first, pods)
    second = decide(job, pods, now=at(1))
    assert second.status is not None
    met, complete = second.status["conditions"]
    assert met == {
        "type": "SuccessCriteriaMet",
        "status": "True",
        "reason": "CompletionsReached",
        "message": "Reached expected number of succeeded pods",
        "lastProbeTime": stamp(at(0)),
        "lastTransitionTime": stamp(at(0)),
    }
    assert complete == {
        **met,
        "type": "Complete",
        "lastProbeTime": stamp(at(1)),
        "lastTransitionTime": stamp(at(1)),
    }
    assert second.status["completionTime"] == stamp(at(1))
    assert second.status["succeeded"] == 2
    assert second.status["uncountedTerminatedPods"] == {}
    assert second.events == (Event("Normal", "Completed", "Job completed"),)
    assert second.requeue_after == 100  # the TTL's clock starts
    settle(job, second, pods)
    assert decide(job, pods, now=at(2)).status is None  # finished: nothing more to write


def test_indexed_job_completes_in_one_pass() -> None:
    """Indexes need no uncounted list: the last success writes both conditions."""
    job = indexed_job(
        parallelism=1, completions=2, status={"succeeded": 1, "completedIndexes": "0"}
    )
    plan = decide(job, indexed(("1", "Succeeded")), now=T0)
    assert plan.status is not None
    assert [c[0] for c in conditions(plan.status)] == ["SuccessCriteriaMet", "Complete"]
    assert plan.status["completedIndexes"] == "0,1"
    assert plan.remove_finalizers == (plan.remove_finalizers[0],)


def test_failure_target_then_failed_once_pods_stopped() -> None:
    job = make_job(parallelism=2, completions=3, backoff_limit=0)
    pods = pods_of(active=1, failed=1)
    first = decide(job, pods, now=at(0))
    assert first.status is not None
    assert conditions(first.status) == [FAILURE_TARGET]
    assert len(first.delete) == 1
    assert first.status["terminating"] == 1
    # The deleted Pod is still stopping: counted, yet the Job waits for it.
    pods = settle(job, first, pods)
    stopping = copy.deepcopy(pods_of(terminating=1)[0])
    stopping["metadata"]["finalizers"] = []
    second = decide(job, [*pods, stopping], now=at(1))
    assert second.status is not None
    assert conditions(second.status) == [FAILURE_TARGET]
    assert second.status["failed"] == 2
    # Stopped: Failed, with FailureTarget's reason and message, and no completionTime.
    third = decide(job, pods, now=at(2))
    assert third.status is not None
    assert conditions(third.status) == [FAILURE_TARGET, ("Failed", "True", "BackoffLimitExceeded")]
    assert third.status["conditions"][1]["message"] == "Job has reached the specified backoff limit"
    assert "completionTime" not in third.status
    assert third.events == (
        Event("Warning", "BackoffLimitExceeded", "Job has reached the specified backoff limit"),
    )


@pytest.mark.parametrize(
    ("restart_policy", "backoff_limit", "restarts", "fails"),
    [
        pytest.param("OnFailure", 2, 2, True, id="restarts-reach-limit"),
        pytest.param("OnFailure", 3, 2, False, id="restarts-below-limit"),
        pytest.param("OnFailure", 0, 1, True, id="limit-zero-any-restart"),
        pytest.param("OnFailure", 0, 0, False, id="limit-zero-no-restart"),
        pytest.param("Never", 1, 5, False, id="never-restarts-do-not-count"),
    ],
)
def test_backoff_limit_on_failure(
    restart_policy: str, backoff_limit: int, restarts: int, fails: bool
) -> None:
    """pastBackoffLimitOnFailure: restarts of running Pods count when they restart in place."""
    job = make_job(parallelism=1, completions=1, backoff_limit=backoff_limit)
    job["spec"]["template"]["spec"]["restartPolicy"] = restart_policy
    plan = decide(job, [make_pod("Running", restarts=restarts)], now=T0)
    assert plan.status is not None
    assert (FAILURE_TARGET in conditions(plan.status)) is fails


@pytest.mark.parametrize(
    ("now", "suspend", "want_condition", "want_requeue"),
    [
        pytest.param(at(4), False, None, 6.0, id="before-deadline-requeue-at-it"),
        pytest.param(at(10), False, "DeadlineExceeded", None, id="at-deadline"),
        pytest.param(at(60), False, "DeadlineExceeded", None, id="past-deadline"),
        pytest.param(at(60), True, None, None, id="suspended-no-deadline"),
    ],
)
def test_active_deadline(
    now: datetime, suspend: bool, want_condition: str | None, want_requeue: float | None
) -> None:
    job = make_job(
        parallelism=1,
        completions=1,
        activeDeadlineSeconds=10,
        suspend=suspend,
        status={"startTime": stamp(T0), "active": 1},
    )
    running = make_pod("Running")
    plan = decide(job, [running], now=now)
    assert plan.status is not None
    reasons = [c[2] for c in conditions(plan.status) if c[0] == "FailureTarget"]
    assert reasons == ([want_condition] if want_condition else [])
    assert plan.requeue_after == want_requeue
    if want_condition:
        assert plan.delete == (running["metadata"]["name"],)
        assert (
            plan.status["conditions"][0]["message"]
            == "Job was active longer than specified deadline"
        )


@pytest.mark.parametrize(
    ("spec", "status", "want_start"),
    [
        pytest.param({}, {}, stamp(at(7)), id="first-start"),
        pytest.param({}, {"startTime": stamp(T0)}, stamp(T0), id="kept"),
        pytest.param({"suspend": True}, {}, None, id="not-while-suspended"),
    ],
)
def test_start_time(spec: dict[str, Any], status: dict[str, Any], want_start: str | None) -> None:
    plan = decide(make_job(status=status, **spec), [], now=at(7))
    assert plan.status is not None
    assert plan.status.get("startTime") == want_start


def test_suspend_then_resume() -> None:
    job = make_job(completions=4, suspend=True, status={"startTime": stamp(T0)})
    pods = pods_of(active=2)
    suspended = decide(job, pods, now=at(5))
    assert suspended.events == (Event("Normal", "Suspended", "Job suspended"),)
    assert suspended.create == ()
    pods = settle(job, suspended, pods)
    assert pods == []
    stopped = decide(job, pods, now=at(6))
    assert stopped.status is not None
    assert stopped.status["terminating"] == 0  # the deleted Pods are gone
    settle(job, stopped, pods)
    assert decide(job, pods, now=at(7)).status is None  # suspended: nothing changes
    job["spec"]["suspend"] = False
    resumed = decide(job, pods, now=at(20))
    assert resumed.status is not None
    assert resumed.events == (Event("Normal", "Resumed", "Job resumed"),)
    assert conditions(resumed.status) == [("Suspended", "False", "JobResumed")]
    assert resumed.status["conditions"][0]["message"] == "Job resumed"
    assert resumed.status["startTime"] == stamp(at(20))  # the deadline's clock restarts
    assert len(resumed.create) == 2


def test_never_suspended_gets_no_suspended_condition() -> None:
    plan = decide(make_job(), [], now=T0)
    assert plan.status is not None
    assert conditions(plan.status) == []


# --- the failure backoff -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("memory", "now", "want_creations", "want_requeue"),
    [
        pytest.param(Backoff(1, T0), at(0), 0, 10.0, id="first-failure-just-now"),
        pytest.param(Backoff(2, T0), at(5), 0, 15.0, id="second-failure-5s-ago"),
        pytest.param(Backoff(1, T0), at(9.5), 0, 1.0, id="at-least-the-batch-period"),
        pytest.param(Backoff(1, T0), at(10), 1, None, id="backoff-over"),
        pytest.param(Backoff(0, T0), at(0), 1, None, id="no-failures"),
    ],
)
def test_backoff_delays_creation(
    memory: Backoff, now: datetime, want_creations: int, want_requeue: float | None
) -> None:
    job = make_job(parallelism=1, completions=1, status={"startTime": stamp(T0)})
    plan = decide(job, [], memory, now=now)
    assert (len(plan.create), plan.requeue_after) == (want_creations, want_requeue)
    assert plan.backoff == memory


def test_new_failure_enters_the_memory() -> None:
    failed_at = at(3)
    plan = decide(
        make_job(parallelism=1, completions=1), [make_pod("Failed", finished=failed_at)], now=at(4)
    )
    assert plan.backoff == Backoff(1, failed_at)
    assert (plan.create, plan.requeue_after) == ((), 9.0)


# --- podFailurePolicy ----------------------------------------------------------------------------


def policy(action: str, codes: list[int] | None = None) -> dict[str, Any]:
    if codes is None:
        return {"rules": [{"action": action, "onPodConditions": [{"type": "DisruptionTarget"}]}]}
    return {"rules": [{"action": action, "onExitCodes": {"operator": "In", "values": codes}}]}


def test_fail_job_rule() -> None:
    job = make_job(podFailurePolicy=policy("FailJob", [42]))
    pod = make_pod("Failed", name="pi-a", exit_code=42)
    plan = decide(job, [pod, make_pod("Running")], now=T0)
    assert plan.status is not None
    (target,) = plan.status["conditions"]
    assert (target["type"], target["reason"]) == ("FailureTarget", "PodFailurePolicy")
    assert target["message"] == (
        "Container main for pod default/pi-a failed with exit code 42 "
        "matching FailJob rule at index 0"
    )
    assert len(plan.delete) == 1


def test_ignore_rule_keeps_failure_uncounted() -> None:
    job = make_job(
        parallelism=1, completions=1, backoff_limit=0, podFailurePolicy=policy("Ignore", [137])
    )
    pod = make_pod("Failed", exit_code=137)
    plan = decide(job, [pod], now=T0)
    assert plan.status is not None
    assert counted(plan.status, "failed") == 0
    assert conditions(plan.status) == []
    assert plan.remove_finalizers == (pod["metadata"]["name"],)


def test_condition_rule_fails_job() -> None:
    job = make_job(podFailurePolicy=policy("FailJob"))
    pod = make_pod("Failed", name="pi-b")
    pod["status"]["conditions"] = [{"type": "DisruptionTarget", "status": "True"}]
    plan = decide(job, [pod], now=T0)
    assert plan.status is not None
    assert plan.status["conditions"][0]["message"] == (
        "Pod default/pi-b has condition DisruptionTarget matching FailJob rule at index 0"
    )


# --- other controllers' Jobs, finished Jobs, TTL -------------------------------------------------


def test_managed_by_another_controller() -> None:
    job = make_job(managedBy="example.com/mine")
    assert decide(job, pods_of(succeeded=3), now=T0) == Plan()


def test_unknown_completion_mode() -> None:
    plan = decide(make_job(completionMode="Sometimes"), [], now=T0)
    assert plan.events == (
        Event(
            "Warning",
            "UnknownCompletionMode",
            "Skipped Job sync because completion mode is unknown",
        ),
    )
    assert plan.status is None


def finished_job(
    ttl: int | None, finished_at: datetime = T0, kind: str = "Complete"
) -> dict[str, Any]:
    spec: dict[str, Any] = {} if ttl is None else {"ttlSecondsAfterFinished": ttl}
    condition = {"type": kind, "status": "True", "lastTransitionTime": stamp(finished_at)}
    return make_job(status={"conditions": [condition]}, **spec)


@pytest.mark.parametrize(
    ("job", "now", "want"),
    [
        pytest.param(finished_job(None), at(1000), Plan(), id="no-ttl"),
        pytest.param(finished_job(100), at(30), Plan(requeue_after=70.0), id="ttl-pending"),
        pytest.param(finished_job(100), at(100), Plan(delete_job=True), id="ttl-expired"),
        pytest.param(
            finished_job(0, kind="Failed"), at(0), Plan(delete_job=True), id="failed-ttl-zero"
        ),
        pytest.param(
            {
                **finished_job(10),
                "metadata": {"name": "pi", "uid": UID, "deletionTimestamp": stamp(T0)},
            },
            at(100),
            Plan(),
            id="being-deleted",
        ),
    ],
)
def test_finished_job_ttl(job: dict[str, Any], now: datetime, want: Plan) -> None:
    assert decide(job, [], Backoff(3, T0), now=now) == want


def test_finished_job_lets_leftover_finalizers_go() -> None:
    leftover = make_pod("Succeeded")
    plan = decide(finished_job(None), [leftover, make_pod("Succeeded", tracked=False)], now=T0)
    assert plan.remove_finalizers == (leftover["metadata"]["name"],)


def test_expire_without_finish_time() -> None:
    job = finished_job(10)
    del job["status"]["conditions"][0]["lastTransitionTime"]
    assert expire(job, T0).delete is False


def test_status_shape() -> None:
    """Zero counters and empty lists are omitted, as the Go struct serialises;
    ready, terminating and uncountedTerminatedPods are always written."""
    plan = decide(make_job(suspend=True), [], now=T0)
    assert plan.status == {
        "conditions": [
            {
                "type": "Suspended",
                "status": "True",
                "reason": "JobSuspended",
                "message": "Job suspended",
                "lastProbeTime": stamp(T0),
                "lastTransitionTime": stamp(T0),
            }
        ],
        "ready": 0,
        "terminating": 0,
        "uncountedTerminatedPods": {},
    }


# --- the plan driven in a loop against a fake cluster --------------------------------------------


@dataclass
class Cluster:
    """A Job, its Pods, a clock, and a kubelet that runs the n-th Pod created for
    `outcome(n)` = (seconds, final phase). The actor's passes run as mcp's loop runs them:
    again after each write (the watch sees it), else at the earliest of the requeue timers
    and the Pods' next state change."""

    job: dict[str, Any]
    outcome: Callable[[int], tuple[float, str]]
    now: datetime = T0
    pods: dict[str, dict[str, Any]] = field(default_factory=dict)
    ends: dict[str, tuple[datetime, str]] = field(default_factory=dict)
    timers: list[datetime] = field(default_factory=list)
    memory: Backoff = field(default_factory=Backoff)
    created: list[datetime] = field(default_factory=list)
    most_active: int = 0
    counters: list[tuple[int, int]] = field(default_factory=list)
    job_deleted: list[datetime] = field(default_factory=list)

    def run(self, until: datetime, passes: int = 500) -> None:
        for _ in range(passes):
            plan = decide(self.job, list(self.pods.values()), self.memory, now=self.now)
            changed = self.apply(plan)
            if changed:
                continue
            due = [t for t in self.timers if t > self.now] + [end for end, _ in self.ends.values()]
            if not due or min(due) > until:
                return
            self.now = min(due)
            self.timers = [t for t in self.timers if t > self.now]
            self.kubelet()
        raise AssertionError("the passes never settled")

    def apply(self, plan: Plan) -> bool:
        if plan.delete_job:
            self.job_deleted.append(self.now)  # the Job stays, to see the TTL asked once
        if plan.status is not None:
            self.job = {**self.job, "status": plan.status}
            status = plan.status
            self.counters.append((status.get("succeeded", 0), status.get("failed", 0)))
        self.memory = plan.backoff
        if plan.requeue_after is not None:
            self.timers.append(self.now + timedelta(seconds=plan.requeue_after))
        for name in plan.remove_finalizers:
            meta = self.pods[name]["metadata"]
            meta["finalizers"] = [f for f in meta["finalizers"] if f != TRACKING_FINALIZER]
        for name in plan.delete:
            self.pods[name]["metadata"]["deletionTimestamp"] = stamp(self.now)
            self.stop(name, "Failed")
        for manifest in plan.create:
            self.create(manifest)
        for name in [n for n, p in self.pods.items() if self.gone(p)]:
            del self.pods[name]
        active = [p for p in self.pods.values() if p["status"]["phase"] in ("Pending", "Running")]
        self.most_active = max(self.most_active, len(active))
        return bool(plan.status is not None or plan.remove_finalizers or plan.delete or plan.create)

    def create(self, manifest: dict[str, Any]) -> None:
        pod = copy.deepcopy(manifest)
        number = len(self.created)
        name = f"{pod['metadata']['generateName']}{number}"
        pod["metadata"].update(name=name, uid=f"{name}-uid", creationTimestamp=stamp(self.now))
        pod["status"] = {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}]}
        self.pods[name] = pod
        self.created.append(self.now)
        seconds, phase = self.outcome(number)
        self.ends[name] = (self.now + timedelta(seconds=seconds), phase)

    def kubelet(self) -> None:
        for name, (end, phase) in list(self.ends.items()):
            if end <= self.now:
                self.stop(name, phase)

    def stop(self, name: str, phase: str) -> None:
        self.ends.pop(name, None)
        status = self.pods[name]["status"]
        if status["phase"] in ("Succeeded", "Failed"):
            return
        terminated = {"exitCode": 0 if phase == "Succeeded" else 1, "finishedAt": stamp(self.now)}
        status["phase"] = phase
        status["containerStatuses"] = [{"name": "main", "state": {"terminated": terminated}}]
        ready = {"type": "Ready", "status": "False", "lastTransitionTime": stamp(self.now)}
        status["conditions"] = [ready]

    @staticmethod
    def gone(pod: dict[str, Any]) -> bool:
        meta = pod["metadata"]
        return bool(meta.get("deletionTimestamp")) and not meta.get("finalizers")


def job_conditions(cluster: Cluster) -> list[str]:
    return [c["type"] for c in cluster.job["status"].get("conditions", [])]


def test_loop_completions_3_parallelism_2() -> None:
    cluster = Cluster(make_job(parallelism=2, completions=3), outcome=lambda n: (5, "Succeeded"))
    cluster.run(until=at(600))
    status = cluster.job["status"]
    assert cluster.most_active == 2  # never more than parallelism at once
    assert cluster.created == [at(0), at(0), at(5)]  # the third once two have succeeded
    assert job_conditions(cluster) == ["SuccessCriteriaMet", "Complete"]
    assert status["succeeded"] == 3
    assert status.get("failed", 0) == 0
    assert status["completionTime"] == stamp(at(10))
    assert status["uncountedTerminatedPods"] == {}
    assert all(not p["metadata"]["finalizers"] for p in cluster.pods.values())
    assert cluster.counters == sorted(cluster.counters)  # never backwards


def test_loop_backoff_limit_delays() -> None:
    """Every Pod fails a second after it starts; backoffLimit 3 allows three failures.
    Creations come 1 s + 10 s, 20 s, 40 s apart, the failures' backoff doubling."""
    cluster = Cluster(
        make_job(parallelism=1, completions=1, backoff_limit=3), outcome=lambda n: (1, "Failed")
    )
    cluster.run(until=at(3600))
    assert cluster.created == [at(0), at(11), at(32), at(73)]
    gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(cluster.created)]
    assert gaps == [11, 21, 41]
    status = cluster.job["status"]
    assert job_conditions(cluster) == ["FailureTarget", "Failed"]
    assert status["conditions"][-1]["reason"] == "BackoffLimitExceeded"
    assert status["conditions"][-1]["lastTransitionTime"] == stamp(at(74))
    assert status["failed"] == 4
    assert "completionTime" not in status
    assert cluster.counters == sorted(cluster.counters)


def test_loop_success_resets_backoff() -> None:
    """Fail, fail, succeed, fail: the failure after the success waits 10 s again."""
    script = ["Failed", "Failed", "Succeeded", "Failed", "Succeeded"]
    cluster = Cluster(
        make_job(parallelism=1, completions=2, backoff_limit=6),
        outcome=lambda n: (1, script[n]),
    )
    cluster.run(until=at(3600))
    assert cluster.created == [at(0), at(11), at(32), at(33), at(44)]
    assert job_conditions(cluster) == ["SuccessCriteriaMet", "Complete"]
    assert (cluster.job["status"]["succeeded"], cluster.job["status"]["failed"]) == (2, 3)


def test_loop_deadline_stops_running_pods() -> None:
    cluster = Cluster(
        make_job(parallelism=2, completions=4, activeDeadlineSeconds=30),
        outcome=lambda n: (100, "Succeeded"),
    )
    cluster.run(until=at(3600))
    status = cluster.job["status"]
    assert job_conditions(cluster) == ["FailureTarget", "Failed"]
    assert status["conditions"][-1]["reason"] == "DeadlineExceeded"
    assert status["conditions"][0]["lastTransitionTime"] == stamp(at(30))
    assert status["failed"] == 2  # the two Pods the deadline stopped
    assert cluster.pods == {}


def test_loop_ttl_deletes_finished_job() -> None:
    cluster = Cluster(
        make_job(parallelism=1, completions=1, ttlSecondsAfterFinished=60),
        outcome=lambda n: (5, "Succeeded"),
    )
    cluster.run(until=at(100))
    assert job_conditions(cluster) == ["SuccessCriteriaMet", "Complete"]
    assert cluster.job_deleted == [at(65)]  # 60 s after Complete


# --- Pods no live Job counts ---------------------------------------------------------------------


def with_controller(pod: dict[str, Any], api_version: str, kind: str) -> dict[str, Any]:
    pod["metadata"]["ownerReferences"][0].update(apiVersion=api_version, kind=kind)
    return pod


@pytest.mark.parametrize(
    ("pod", "job", "want"),
    [
        pytest.param(make_pod("Succeeded"), None, True, id="job-gone"),
        pytest.param(make_pod("Succeeded"), finished_job(None), True, id="job-finished"),
        pytest.param(make_pod("Running"), make_job(), False, id="job-live"),
        pytest.param(
            make_pod("Running"), make_job(managedBy="example.com/mine"), False, id="other-manager"
        ),
        pytest.param(
            with_controller(make_pod("Running"), "apps/v1", "ReplicaSet"),
            None,
            False,
            id="not-a-job-pod",
        ),
        pytest.param(
            {**make_pod("Running"), "metadata": {"name": "x", "finalizers": [TRACKING_FINALIZER]}},
            None,
            True,
            id="no-controller",
        ),
        pytest.param(make_pod("Running", tracked=False), None, False, id="no-finalizer"),
    ],
)
def test_release_orphan(pod: dict[str, Any], job: dict[str, Any] | None, want: bool) -> None:
    assert release_orphan(pod, job) is want
