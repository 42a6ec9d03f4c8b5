"""The workload kinds' printers: upstream's `printDeployment`, `printReplicaSet`, `printJob`
(its STATUS column and the nil-completions rule) and `printCronJob` cells, read off
`pkg/printers/internalversion/printers.go`, and their columns as `kubectl get` receives
them in a Table. Times are offsets from a fixed now."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from mcp.apiserver import tables
from mcp.kinds import apps, batch, printers

NOW = datetime(2026, 7, 1, 12, 0, 0, tzinfo=UTC)
TABLE = tables.Output("Table")


def ago(delta: timedelta) -> str:
    return (NOW - delta).isoformat().replace("+00:00", "Z")


CONTAINERS = [
    {"name": "fake-container1", "image": "fake-image1"},
    {"name": "fake-container2", "image": "fake-image2"},
]


def workload(
    kind: str, spec: dict[str, Any], status: dict[str, Any] | None = None
) -> dict[str, Any]:
    return {
        "kind": kind,
        "metadata": {"name": "test1", "creationTimestamp": ago(timedelta(seconds=10))},
        "spec": spec,
        "status": status or {},
    }


def cells(group: str, obj: dict[str, Any]) -> list[Any]:
    return printers.printer_for(group, obj["kind"]).cells(obj, NOW)


def test_deployment_rows() -> None:
    obj = workload(
        "Deployment",
        {
            "replicas": 5,
            "selector": {"matchLabels": {"foo": "bar"}},
            "template": {"spec": {"containers": CONTAINERS}},
        },
        {"replicas": 10, "updatedReplicas": 2, "availableReplicas": 1, "readyReplicas": 1},
    )
    assert cells("apps", obj) == [
        "test1",
        "1/5",
        2,
        1,
        "10s",
        "fake-container1,fake-container2",
        "fake-image1,fake-image2",
        "foo=bar",
    ]
    expressions = {"matchExpressions": [{"key": "tier", "operator": "In", "values": ["b", "a"]}]}
    obj["spec"]["selector"] = expressions
    assert cells("apps", obj)[-1] == "tier in (a,b)"
    obj["spec"]["selector"] = {"matchExpressions": [{"key": "tier", "operator": "Near"}]}
    assert cells("apps", obj)[-1] == "<invalid>"


def test_replicaset_rows() -> None:
    obj = workload(
        "ReplicaSet",
        {"replicas": 5, "selector": {}, "template": {"spec": {"containers": CONTAINERS[:1]}}},
        {"replicas": 5, "readyReplicas": 2},
    )
    assert cells("apps", obj) == [
        "test1",
        5,
        5,
        2,
        "10s",
        "fake-container1",
        "fake-image1",
        "<none>",  # FormatLabelSelector of an empty selector
    ]


@pytest.mark.parametrize(
    ("spec", "status", "metadata", "shown"),
    [
        pytest.param(
            {"completions": 2}, {"succeeded": 1}, {}, ["Running", "1/2", ""], id="running"
        ),
        pytest.param(
            {"parallelism": 3},
            {},
            {},
            ["Running", "0/1 of 3", ""],
            id="nil-completions-parallel",
        ),
        pytest.param({}, {}, {}, ["Running", "0/1", ""], id="nil-completions"),
        pytest.param(
            {"completions": 1},
            {"startTime": ago(timedelta(minutes=5))},
            {},
            ["Running", "0/1", "5m"],
            id="duration-so-far",
        ),
        pytest.param(
            {"completions": 1},
            {
                "succeeded": 1,
                "startTime": ago(timedelta(minutes=10)),
                "completionTime": ago(timedelta(minutes=9)),
                "conditions": [{"type": "Complete", "status": "True"}],
            },
            {},
            ["Complete", "1/1", "60s"],
            id="complete",
        ),
        pytest.param(
            {"completions": 1},
            {"conditions": [{"type": "Failed", "status": "True"}]},
            {},
            ["Failed", "0/1", ""],
            id="failed",
        ),
        pytest.param(
            {"completions": 1},
            {"conditions": [{"type": "Suspended", "status": "True"}]},
            {"deletionTimestamp": ago(timedelta(0))},
            ["Terminating", "0/1", ""],
            id="terminating-before-suspended",
        ),
        pytest.param(
            {"completions": 1},
            {"conditions": [{"type": "Suspended", "status": "True"}]},
            {},
            ["Suspended", "0/1", ""],
            id="suspended",
        ),
        pytest.param(
            {"completions": 1},
            {
                "conditions": [
                    {"type": "FailureTarget", "status": "True"},
                    {"type": "Complete", "status": "False"},
                ]
            },
            {},
            ["FailureTarget", "0/1", ""],
            id="failure-target",
        ),
    ],
)
def test_job_rows(
    spec: dict[str, Any], status: dict[str, Any], metadata: dict[str, Any], shown: list[Any]
) -> None:
    obj = workload(
        "Job",
        {
            **spec,
            "selector": {"matchLabels": {"job-label": "job-label-value"}},
            "template": {"spec": {"containers": CONTAINERS}},
        },
        status,
    )
    obj["metadata"] |= metadata
    assert cells("batch", obj) == [
        "test1",
        *shown,
        "10s",
        "fake-container1,fake-container2",
        "fake-image1,fake-image2",
        "job-label=job-label-value",
    ]


def test_cronjob_rows() -> None:
    job_spec = {"template": {"spec": {"containers": CONTAINERS[:1]}}}
    obj = workload(
        "CronJob",
        {"schedule": "0/5 * * * ?", "suspend": False, "jobTemplate": {"spec": job_spec}},
        {"lastScheduleTime": ago(timedelta(seconds=30))},
    )
    assert cells("batch", obj) == [
        "test1",
        "0/5 * * * ?",
        "<none>",
        "False",
        0,
        "30s",
        "10s",
        "fake-container1",
        "fake-image1",
        "<none>",
    ]
    obj["spec"] |= {"timeZone": "Europe/Paris"}
    del obj["spec"]["suspend"]
    obj["status"] = {"active": [{"name": "a"}, {"name": "b"}]}
    assert cells("batch", obj)[2:6] == ["Europe/Paris", "<unset>", 2, "<none>"]


@pytest.mark.parametrize(
    ("kind", "names"),
    [
        pytest.param(
            apps.DEPLOYMENT,
            ["Name", "Ready", "Up-to-date", "Available", "Age", "Containers", "Images", "Selector"],
            id="deployments",
        ),
        pytest.param(
            apps.REPLICASET,
            ["Name", "Desired", "Current", "Ready", "Age", "Containers", "Images", "Selector"],
            id="replicasets",
        ),
        pytest.param(
            batch.JOB,
            [
                "Name",
                "Status",
                "Completions",
                "Duration",
                "Age",
                "Containers",
                "Images",
                "Selector",
            ],
            id="jobs",
        ),
        pytest.param(
            batch.CRONJOB,
            [
                "Name",
                "Schedule",
                "Timezone",
                "Suspend",
                "Active",
                "Last Schedule",
                "Age",
                "Containers",
                "Images",
                "Selector",
            ],
            id="cronjobs",
        ),
    ],
)
def test_the_tables_columns_with_the_wide_ones_at_priority_1(kind: Any, names: list[str]) -> None:
    listed = {"kind": f"{kind.kind}List", "metadata": {}, "items": []}
    table = tables.transform(TABLE, kind, listed, now=NOW)
    columns = table["columnDefinitions"]
    assert [column["name"] for column in columns] == names
    wide = [c["name"] for c in columns if c["priority"] == 1]
    assert wide == ["Containers", "Images", "Selector"]
