"""The Pod printer: upstream's `printPod` cells (READY, STATUS, RESTARTS, the wide columns)
and its `Completed` row conditions.

The tables port kubernetes' `pkg/printers/internalversion/printers_test.go` case by case:
`TestPrintPod`, `TestPrintPodWithRestartableInitContainer`, `TestPrintPodwide`,
`TestPrintPodList`, and `TestPrintPodConditions` with `TestPrintNonTerminatedPod` (the
same pod in each phase, one table here). Go structs are written as the v1 JSON they
serialise to, `time.Now()` offsets are made from a fixed now. Cases marked "beyond
upstream" pin behaviour upstream's tables leave untested, each read off `printPod`.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from mcp.apiserver import tables
from mcp.kinds import Kind, pod_printer, printers

NOW = datetime(2026, 7, 1, 12, 0, 0, tzinfo=UTC)
SECOND = timedelta(seconds=1)
MINUTE = timedelta(minutes=1)
DAY = timedelta(days=1)
POD_KIND = Kind(group="", version="v1", resource="pods", kind="Pod", namespaced=True)
SUCCEEDED = [
    {
        "type": "Completed",
        "status": "True",
        "reason": "Succeeded",
        "message": "The pod has completed successfully.",
    }
]
FAILED = [{"type": "Completed", "status": "True", "reason": "Failed", "message": "The pod failed."}]
RUNNING: dict[str, Any] = {"running": {}}
WAITING: dict[str, Any] = {"waiting": {}}
SIDECAR = "Always"


def ago(delta: timedelta) -> str:
    """A timestamp `delta` before NOW, as the API writes one."""
    return (NOW - delta).isoformat().replace("+00:00", "Z")


def waiting(reason: str) -> dict[str, Any]:
    return {"waiting": {"reason": reason}}


def terminated(reason: str = "", exit_code: int = 0, **more: Any) -> dict[str, Any]:
    state = {"exitCode": exit_code, **more}
    return {"terminated": {"reason": reason, **state} if reason else state}


def status(
    state: dict[str, Any] | None = None,
    *,
    ready: bool = False,
    restarts: int = 0,
    finished: timedelta | None = None,
    **more: Any,
) -> dict[str, Any]:
    """A v1 ContainerStatus; `finished` is how long ago its previous run ended."""
    found: dict[str, Any] = {**more, "ready": ready, "restartCount": restarts}
    if state is not None:
        found["state"] = state
    if finished is not None:
        found["lastState"] = {"terminated": {"finishedAt": ago(finished)}}
    return found


def pod(
    name: str,
    *,
    containers: int = 1,
    init: int | list[dict[str, Any]] = 0,
    deleted: bool = False,
    spec: dict[str, Any] | None = None,
    **pod_status: Any,
) -> dict[str, Any]:
    """A v1 Pod; an `init` count is that many unnamed init containers (Go's `make`)."""
    init_containers = [{} for _ in range(init)] if isinstance(init, int) else init
    metadata: dict[str, Any] = {"name": name}
    if deleted:
        metadata["deletionTimestamp"] = ago(10 * SECOND)
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": metadata,
        "spec": {
            **({"initContainers": init_containers} if init_containers else {}),
            "containers": [{} for _ in range(containers)],
            **(spec or {}),
        },
        "status": pod_status,
    }


def sidecars(*names: str) -> list[dict[str, Any]]:
    return [{"name": name, "restartPolicy": SIDECAR} for name in names]


def initialized(value: str) -> list[dict[str, Any]]:
    return [{"type": "Initialized", "status": value}]


RESTARTED_10S_AGO: dict[str, Any] = {"restarts": 3, "finished": 10 * SECOND}


def two_sidecars(
    name: str,
    phase: str,
    first: dict[str, Any],
    second: dict[str, Any],
    container: dict[str, Any],
    conditions: list[dict[str, Any]],
) -> dict[str, Any]:
    """TestPrintPodWithRestartableInitContainer's pod: two sidecars and one container."""
    return pod(
        name,
        init=sidecars("restartable-init-1", "restartable-init-2"),
        phase=phase,
        initContainerStatuses=[
            {"name": "restartable-init-1", **first},
            {"name": "restartable-init-2", **second},
        ],
        containerStatuses=[container],
        conditions=conditions,
    )


TWO_RESTARTED = [status(RUNNING, ready=True, restarts=3), status(restarts=3)]


def row(obj: dict[str, Any]) -> tuple[list[Any], list[dict[str, Any]]]:
    """The narrow cells (what upstream prints without Wide) and the row's conditions."""
    return pod_printer.POD.cells(obj, NOW)[:5], pod_printer.POD.conditions(obj)


@pytest.mark.parametrize(
    ("obj", "cells", "conditions"),
    [
        # TestPrintPod
        pytest.param(
            pod("test1", containers=2, phase="podPhase", containerStatuses=TWO_RESTARTED),
            ["test1", "1/2", "podPhase", "6", "<unknown>"],
            [],
            id="restarts-add-up-ready-counts-running",
        ),
        pytest.param(
            pod(
                "test2",
                containers=2,
                phase="podPhase",
                containerStatuses=[
                    status(RUNNING, ready=True, restarts=3),
                    status(waiting("ContainerWaitingReason"), restarts=3),
                ],
            ),
            ["test2", "1/2", "ContainerWaitingReason", "6", "<unknown>"],
            [],
            id="container-waiting-reason-over-phase",
        ),
        pytest.param(
            pod(
                "test3",
                containers=2,
                phase="podPhase",
                containerStatuses=[
                    status(waiting("ContainerWaitingReason"), restarts=3),
                    status(terminated("ContainerTerminatedReason"), restarts=3),
                ],
            ),
            ["test3", "0/2", "ContainerWaitingReason", "6", "<unknown>"],
            [],
            id="first-container-has-the-last-word",
        ),
        pytest.param(
            pod(
                "test4",
                containers=2,
                phase="podPhase",
                containerStatuses=[
                    status(RUNNING, ready=True, restarts=3),
                    status(ready=True, restarts=3),
                ],
            ),
            ["test4", "1/2", "podPhase", "6", "<unknown>"],
            [],
            id="ready-without-running-is-not-ready",
        ),
        pytest.param(
            pod(
                "test5",
                containers=2,
                reason="podReason",
                phase="podPhase",
                containerStatuses=[
                    status(RUNNING, ready=True, restarts=3),
                    status(ready=True, restarts=3),
                ],
            ),
            ["test5", "1/2", "podReason", "6", "<unknown>"],
            [],
            id="pod-reason-over-phase",
        ),
        pytest.param(
            pod(
                "test6",
                containers=2,
                phase="Running",
                reason="",
                containerStatuses=[
                    status(terminated("Completed"), ready=True, restarts=3),
                    status(RUNNING, ready=True, restarts=3),
                ],
            ),
            ["test6", "1/2", "NotReady", "6", "<unknown>"],
            [],
            id="completed-and-running-without-ready-condition",
        ),
        pytest.param(
            pod(
                "test6",
                containers=2,
                phase="Running",
                reason="",
                containerStatuses=[
                    status(terminated("Completed"), ready=True, restarts=3),
                    status(RUNNING, ready=True, restarts=3),
                ],
                conditions=[{"type": "Ready", "status": "True", "lastProbeTime": ago(0 * SECOND)}],
            ),
            ["test6", "1/2", "Running", "6", "<unknown>"],
            [],
            id="completed-and-running-with-ready-condition",
        ),
        pytest.param(
            pod(
                "test7",
                init=1,
                phase="podPhase",
                initContainerStatuses=[status(RUNNING, restarts=3, finished=10 * SECOND)],
                containerStatuses=[status(WAITING)],
            ),
            ["test7", "0/1", "Init:0/1", "3 (10s ago)", "<unknown>"],
            [],
            id="init-container-restarting",
        ),
        pytest.param(
            pod(
                "test8",
                init=2,
                phase="podPhase",
                initContainerStatuses=[
                    status(RUNNING, restarts=3, finished=10 * SECOND),
                    status(WAITING),
                ],
                containerStatuses=[status(WAITING)],
            ),
            ["test8", "0/1", "Init:0/2", "3 (10s ago)", "<unknown>"],
            [],
            id="first-of-two-init-containers-restarting",
        ),
        pytest.param(
            pod(
                "test9",
                init=2,
                phase="podPhase",
                initContainerStatuses=[
                    status({"terminated": {}}),
                    status(RUNNING, restarts=3, finished=10 * SECOND),
                ],
                containerStatuses=[status(WAITING)],
            ),
            ["test9", "0/1", "Init:1/2", "3 (10s ago)", "<unknown>"],
            [],
            id="second-init-container-restarting",
        ),
        pytest.param(
            pod(
                "test10",
                init=2,
                phase="podPhase",
                initContainerStatuses=[
                    status({"terminated": {}}, restarts=2, finished=2 * MINUTE),
                    status(RUNNING, restarts=3, finished=10 * SECOND),
                ],
                containerStatuses=[status(WAITING)],
            ),
            ["test10", "0/1", "Init:1/2", "5 (10s ago)", "<unknown>"],
            [],
            id="init-restarts-add-up-latest-wins",
        ),
        pytest.param(
            pod(
                "test11",
                init=1,
                phase="Running",
                initContainerStatuses=[status({"terminated": {}}, restarts=2, finished=2 * MINUTE)],
                containerStatuses=[status(RUNNING, restarts=4, finished=20 * SECOND)],
            ),
            ["test11", "0/1", "Running", "4 (20s ago)", "<unknown>"],
            [],
            id="initialized-pod-drops-init-restarts",
        ),
        pytest.param(
            pod(
                "test12",
                phase="Running",
                containerStatuses=[status(RUNNING, ready=True, restarts=3, finished=5 * DAY)],
            ),
            ["test12", "1/1", "Running", "3 (5d ago)", "<unknown>"],
            [],
            id="restarted-5d-ago",
        ),
        pytest.param(
            pod(
                "test13",
                containers=2,
                phase="Running",
                containerStatuses=[
                    status(RUNNING, ready=True),
                    status(RUNNING, ready=True, restarts=3, finished=10 * DAY),
                ],
            ),
            ["test13", "2/2", "Running", "3 (10d ago)", "<unknown>"],
            [],
            id="one-never-restarted-one-10d-ago",
        ),
        pytest.param(
            pod(
                "test14",
                containers=2,
                phase="Running",
                containerStatuses=[
                    status(RUNNING, ready=True, restarts=6, finished=5 * DAY),
                    status(RUNNING, ready=True, restarts=3, finished=20 * DAY),
                ],
            ),
            ["test14", "2/2", "Running", "9 (5d ago)", "<unknown>"],
            [],
            id="most-recent-restart-shown",
        ),
        pytest.param(
            pod(
                "test15",
                containers=2,
                phase="podPhase",
                conditions=[
                    {"type": "PodScheduled", "status": "False", "reason": "SchedulingGated"}
                ],
            ),
            ["test15", "0/2", "SchedulingGated", "0", "<unknown>"],
            [],
            id="scheduling-gated",
        ),
        pytest.param(
            pod("test16", phase="Succeeded", containerStatuses=[status(terminated("Completed"))]),
            ["test16", "0/1", "Completed", "0", "<unknown>"],
            SUCCEEDED,
            id="succeeded",
        ),
        pytest.param(
            pod("test17", phase="Failed", containerStatuses=[status(terminated("Error", 1))]),
            ["test17", "0/1", "Error", "0", "<unknown>"],
            FAILED,
            id="failed",
        ),
        pytest.param(
            pod(
                "test18",
                deleted=True,
                phase="Succeeded",
                containerStatuses=[status(terminated("Completed"))],
            ),
            ["test18", "0/1", "Completed", "0", "<unknown>"],
            SUCCEEDED,
            id="deleted-after-success-is-not-terminating",
        ),
        pytest.param(
            pod("test19", deleted=True, phase="Running", containerStatuses=[status(RUNNING)]),
            ["test19", "0/1", "Terminating", "0", "<unknown>"],
            [],
            id="deleted-running-is-terminating",
        ),
        pytest.param(
            pod("test20", deleted=True, phase="Pending"),
            ["test20", "0/1", "Terminating", "0", "<unknown>"],
            [],
            id="deleted-pending-is-terminating",
        ),
        pytest.param(
            pod(
                "test21",
                containers=2,
                phase="Failed",
                containerStatuses=[
                    status(terminated("podCrash", 1, finishedAt=ago(0 * SECOND))),
                    status({"running": {"startedAt": ago(0 * SECOND)}}, ready=True),
                ],
            ),
            ["test21", "1/2", "podCrash", "0", "<unknown>"],
            FAILED,
            id="error-then-running",
        ),
        pytest.param(
            pod(
                "test22",
                containers=2,
                phase="Failed",
                containerStatuses=[
                    status({"running": {"startedAt": ago(0 * SECOND)}}, ready=True),
                    status(terminated("podCrash", 1, finishedAt=ago(0 * SECOND))),
                ],
            ),
            ["test22", "1/2", "podCrash", "0", "<unknown>"],
            FAILED,
            id="running-then-error",
        ),
        pytest.param(
            pod(
                "test23",
                containers=3,
                phase="Failed",
                containerStatuses=[
                    status(RUNNING, ready=True),
                    status(terminated("podCrash", 1), ready=True),
                    status(terminated(), ready=True),
                ],
            ),
            ["test23", "1/3", "podCrash", "0", "<unknown>"],
            FAILED,
            id="ready-running-error-completed",
        ),
        pytest.param(
            pod(
                "test24",
                containers=3,
                phase="Failed",
                containerStatuses=[
                    status(RUNNING),
                    status(terminated("podCrash", 1)),
                    status(terminated()),
                ],
            ),
            ["test24", "0/3", "podCrash", "0", "<unknown>"],
            FAILED,
            id="not-ready-running-error-completed",
        ),
        # TestPrintPodWithRestartableInitContainer
        pytest.param(
            two_sidecars(
                "test1",
                "Pending",
                status(RUNNING, started=False, **RESTARTED_10S_AGO),
                status(WAITING, started=False),
                status(WAITING),
                initialized("False"),
            ),
            ["test1", "0/3", "Init:0/2", "3 (10s ago)", "<unknown>"],
            [],
            id="sidecar-running-not-started",
        ),
        pytest.param(
            two_sidecars(
                "test1",
                "Pending",
                status(RUNNING, started=True, **RESTARTED_10S_AGO),
                status(RUNNING, started=False),
                status(WAITING),
                initialized("False"),
            ),
            ["test1", "0/3", "Init:1/2", "3 (10s ago)", "<unknown>"],
            [],
            id="first-sidecar-started-second-not",
        ),
        pytest.param(
            two_sidecars(
                "test2",
                "Running",
                status(RUNNING, started=True, **RESTARTED_10S_AGO),
                status(RUNNING, started=True),
                status(RUNNING, ready=True, restarts=4, finished=20 * SECOND),
                initialized("True"),
            ),
            ["test2", "1/3", "Running", "7 (10s ago)", "<unknown>"],
            [],
            id="sidecars-started-container-running",
        ),
        pytest.param(
            two_sidecars(
                "test3",
                "Succeeded",
                status(terminated("Error", 137), started=False, **RESTARTED_10S_AGO),
                status(terminated("Error", 137), started=False),
                status(terminated("Completed"), restarts=4, finished=20 * SECOND),
                initialized("True"),
            ),
            ["test3", "0/3", "Completed", "7 (10s ago)", "<unknown>"],
            SUCCEEDED,
            id="sidecars-killed-after-container-completed",
        ),
        pytest.param(
            pod(
                "test4",
                init=[
                    {"name": "init1", "image": "initimage"},
                    {"name": "sidecar1", "image": "sidecarimage", "restartPolicy": SIDECAR},
                ],
                phase="Running",
                initContainerStatuses=[
                    {"name": "initinvalid"},
                    {"name": "init1"},
                    {"name": "sidecar1"},
                ],
                containerStatuses=[{"name": "containerinvalid"}, {"name": "container1"}],
            ),
            ["test4", "0/2", "Init:0/2", "0", "<unknown>"],
            [],
            id="statuses-of-containers-not-in-the-spec",
        ),
    ],
)
def test_pod_cells_are_upstreams(
    obj: dict[str, Any], cells: list[Any], conditions: list[dict[str, Any]]
) -> None:
    assert row(obj) == (cells, conditions)


@pytest.mark.parametrize(
    ("phase", "conditions"),
    [
        pytest.param("Running", [], id="running"),
        pytest.param("Pending", [], id="pending"),
        pytest.param("Unknown", [], id="unknown"),
        pytest.param("Succeeded", SUCCEEDED, id="succeeded"),
        pytest.param("Failed", FAILED, id="failed"),
    ],
)
def test_the_phase_shows_and_a_finished_one_marks_the_row(
    phase: str, conditions: list[dict[str, Any]]
) -> None:
    """TestPrintPodConditions and TestPrintNonTerminatedPod: one pod in each phase (the
    latter's Failed pod has its second, stateless container ready: the same row)."""
    obj = pod("test1", containers=2, phase=phase, containerStatuses=TWO_RESTARTED)
    assert row(obj) == (["test1", "1/2", phase, "6", "<unknown>"], conditions)


@pytest.mark.parametrize(
    ("obj", "shown"),
    [
        # Beyond upstream: STATUS values kubectl users see, each read off printPod.
        pytest.param(
            pod("p", phase="Pending", containerStatuses=[status(waiting("ContainerCreating"))]),
            "ContainerCreating",
            id="container-creating",
        ),
        pytest.param(
            pod(
                "p",
                init=1,
                phase="Pending",
                initContainerStatuses=[status(terminated("Completed"))],
                containerStatuses=[status(waiting("PodInitializing"))],
            ),
            "PodInitializing",
            id="pod-initializing-after-init",
        ),
        pytest.param(
            # The open upstream PR #141693 would show Init:ContainerCreating here.
            pod(
                "p",
                init=1,
                phase="Pending",
                initContainerStatuses=[status(waiting("PodInitializing"))],
            ),
            "Init:0/1",
            id="init-waiting-pod-initializing-counts",
        ),
        pytest.param(
            pod(
                "p",
                init=1,
                phase="Pending",
                initContainerStatuses=[status(waiting("CrashLoopBackOff"), restarts=2)],
            ),
            "Init:CrashLoopBackOff",
            id="init-crash-loop",
        ),
        pytest.param(
            pod(
                "p",
                init=2,
                phase="Pending",
                initContainerStatuses=[status(terminated()), status(terminated("Error", 1))],
            ),
            "Init:Error",
            id="init-error",
        ),
        pytest.param(
            pod(
                "p",
                init=1,
                phase="Pending",
                initContainerStatuses=[status(terminated("", 137, signal=9))],
            ),
            "Init:Signal:9",
            id="init-signal",
        ),
        pytest.param(
            pod("p", init=1, phase="Pending", initContainerStatuses=[status(terminated("", 2))]),
            "Init:ExitCode:2",
            id="init-exit-code",
        ),
        pytest.param(
            pod("p", phase="Running", containerStatuses=[status(waiting("CrashLoopBackOff"))]),
            "CrashLoopBackOff",
            id="crash-loop",
        ),
        pytest.param(
            pod("p", phase="Running", containerStatuses=[status(terminated("", 1, signal=15))]),
            "Signal:15",
            id="signal",
        ),
        pytest.param(
            pod("p", phase="Failed", containerStatuses=[status(terminated("", 3))]),
            "ExitCode:3",
            id="exit-code",
        ),
        pytest.param(
            pod(
                "p",
                containers=2,
                phase="Failed",
                # The first container has the last word, but its Completed hides no error
                # (kubernetes/kubectl#1511, fixed upstream by #124766).
                containerStatuses=[status(terminated("Completed")), status(terminated("Error", 1))],
            ),
            "Error",
            id="completed-does-not-hide-an-error",
        ),
        pytest.param(
            pod(
                "p",
                containers=3,
                phase="Running",
                containerStatuses=[
                    status(terminated("Completed")),
                    status(terminated("Error", 1)),
                    status(RUNNING, ready=True),
                ],
                conditions=[{"type": "Ready", "status": "True"}],
            ),
            "Running",
            id="running-and-ready-beats-an-error",
        ),
        pytest.param(
            pod(
                "p",
                phase="Running",
                reason="",
                containerStatuses=[status(RUNNING, ready=True)],
                conditions=[{"type": "Ready", "status": "False"}],
            ),
            "Running",
            id="running-without-ready-condition-stays-running",
        ),
        pytest.param(
            pod("p", deleted=True, phase="Running", reason="NodeLost"),
            "Unknown",
            id="node-lost",
        ),
        pytest.param(
            pod("p", deleted=True, phase="Failed", reason="NodeLost"),
            "Unknown",
            id="node-lost-even-when-terminal",
        ),
        pytest.param(
            pod("p", phase="Running", reason="NodeLost"),
            "NodeLost",
            id="node-lost-reason-before-deletion",
        ),
        pytest.param(
            pod(
                "p",
                phase="Pending",
                conditions=[
                    {"type": "PodScheduled", "status": "False", "reason": "Unschedulable"},
                    {"type": "PodScheduled", "status": "False", "reason": "SchedulingGated"},
                ],
            ),
            "SchedulingGated",
            id="scheduling-gated-in-any-condition",
        ),
        pytest.param(pod("p"), "", id="no-status-yet"),
    ],
)
def test_pod_status_column(obj: dict[str, Any], shown: str) -> None:
    assert pod_printer.POD.cells(obj, NOW)[2] == shown


def test_a_started_sidecar_counts_in_ready_and_keeps_its_restarts() -> None:
    """Beyond upstream: once initialized, a regular init container's restarts drop out of
    RESTARTS and a sidecar's stay, with its last restart time."""
    obj = pod(
        "p",
        init=[{"name": "setup"}, *sidecars("proxy")],
        phase="Running",
        initContainerStatuses=[
            status(terminated("Completed"), name="setup", restarts=2, finished=2 * MINUTE),
            status(
                RUNNING, name="proxy", ready=True, started=True, restarts=1, finished=30 * SECOND
            ),
        ],
        containerStatuses=[status(RUNNING, ready=True)],
        conditions=initialized("True"),
    )
    assert row(obj) == (["p", "2/2", "Running", "1 (30s ago)", "<unknown>"], [])


def test_a_started_but_unready_sidecar_is_not_ready() -> None:
    obj = pod(
        "p",
        init=sidecars("proxy"),
        phase="Running",
        initContainerStatuses=[status(RUNNING, name="proxy", started=True)],
        containerStatuses=[status(RUNNING, ready=True)],
        conditions=initialized("True"),
    )
    assert pod_printer.POD.cells(obj, NOW)[1:3] == ["1/2", "Running"]


GATES = {"readinessGates": [{"conditionType": f"condition{i}"} for i in (1, 2, 3)]}
GATE_CONDITIONS = [
    {"type": "condition1", "status": "False"},
    {"type": "condition2", "status": "True"},
]


@pytest.mark.parametrize(
    ("obj", "cells"),
    [
        # TestPrintPodwide
        pytest.param(
            pod(
                "test1",
                containers=2,
                spec={"nodeName": "test1", **GATES},
                conditions=GATE_CONDITIONS,
                phase="podPhase",
                podIPs=[{"ip": "1.1.1.1"}],
                containerStatuses=TWO_RESTARTED,
                nominatedNodeName="node1",
            ),
            ["test1", "1/2", "podPhase", "6", "<unknown>", "1.1.1.1", "test1", "node1", "1/3"],
            id="node-ip-nominated-gates",
        ),
        pytest.param(
            pod(
                "test1",
                containers=2,
                spec={"nodeName": "test1", **GATES},
                conditions=GATE_CONDITIONS,
                phase="podPhase",
                podIPs=[{"ip": "1.1.1.1"}, {"ip": "2001:db8::"}],
                containerStatuses=TWO_RESTARTED,
                nominatedNodeName="node1",
            ),
            ["test1", "1/2", "podPhase", "6", "<unknown>", "1.1.1.1", "test1", "node1", "1/3"],
            id="dual-stack-shows-the-first-ip",
        ),
        pytest.param(
            pod(
                "test2",
                containers=2,
                spec={"nodeName": ""},
                phase="podPhase",
                containerStatuses=[
                    status(RUNNING, ready=True, restarts=3),
                    status(waiting("ContainerWaitingReason"), restarts=3),
                ],
            ),
            [
                "test2",
                "1/2",
                "ContainerWaitingReason",
                "6",
                "<unknown>",
                "<none>",
                "<none>",
                "<none>",
                "<none>",
            ],
            id="nothing-to-show-is-none",
        ),
        # Beyond upstream: the v1 -> internal conversion and the first condition of a type.
        pytest.param(
            pod("p", podIP="10.0.0.1"),
            ["p", "0/1", "", "0", "<unknown>", "10.0.0.1", "<none>", "<none>", "<none>"],
            id="v1-pod-ip-alone",
        ),
        pytest.param(
            pod("p", podIP="10.0.0.1", podIPs=[{"ip": "10.0.0.2"}]),
            ["p", "0/1", "", "0", "<unknown>", "10.0.0.1", "<none>", "<none>", "<none>"],
            id="v1-pod-ip-wins-over-pod-ips",
        ),
        pytest.param(
            pod(
                "p",
                spec={"readinessGates": [{"conditionType": "lb"}]},
                conditions=[{"type": "lb", "status": "False"}, {"type": "lb", "status": "True"}],
            ),
            ["p", "0/1", "", "0", "<unknown>", "<none>", "<none>", "<none>", "0/1"],
            id="a-gate-reads-the-first-condition-of-its-type",
        ),
    ],
)
def test_pod_wide_cells(obj: dict[str, Any], cells: list[Any]) -> None:
    assert pod_printer.POD.cells(obj, NOW) == cells


def test_restarts_show_when_the_last_one_ended_by_the_callers_clock() -> None:
    obj = pod("p", containerStatuses=[status(RUNNING, restarts=1, finished=90 * MINUTE)])
    assert pod_printer.POD.cells(obj, NOW)[3] == "1 (90m ago)"
    assert pod_printer.POD.cells(obj, NOW + 2 * DAY)[3] == "1 (2d1h ago)"
    unfinished = pod("p", containerStatuses=[status(restarts=1, lastState={"terminated": {}})])
    assert pod_printer.POD.cells(unfinished, NOW)[3] == "1"


def test_pod_columns_are_upstreams() -> None:
    columns = pod_printer.POD.columns
    assert [(c.name, c.type, c.format, c.priority) for c in columns] == [
        ("Name", "string", "name", 0),
        ("Ready", "string", "", 0),
        ("Status", "string", "", 0),
        ("Restarts", "string", "", 0),
        ("Age", "string", "", 0),
        ("IP", "string", "", 1),
        ("Node", "string", "", 1),
        ("Nominated Node", "string", "", 1),
        ("Readiness Gates", "string", "", 1),
    ]
    descriptions = {c.name: c.description for c in columns}
    assert descriptions["Restarts"] == (
        "The number of times the containers in this pod have been restarted and when the last "
        "container in this pod has restarted."
    )
    assert descriptions["IP"].startswith("podIP address allocated to the pod.")
    assert descriptions["Node"].startswith("NodeName indicates in which node this pod is")
    assert descriptions["Nominated Node"].startswith("nominatedNodeName is set only when")
    assert descriptions["Readiness Gates"].endswith("/580-pod-readiness-gates")


def test_a_pod_list_as_a_table() -> None:
    """TestPrintPodList, through the Table: rows in order, conditions on finished pods."""
    done = pod("done", phase="Succeeded", containerStatuses=[status(terminated("Completed"))])
    listed = {
        "apiVersion": "v1",
        "kind": "PodList",
        "metadata": {"resourceVersion": "7"},
        "items": [
            pod(
                "test1",
                containers=2,
                phase="podPhase",
                containerStatuses=[
                    status(RUNNING, ready=True, restarts=3),
                    status(RUNNING, ready=True, restarts=3),
                ],
            ),
            pod(
                "test2",
                phase="podPhase",
                containerStatuses=[status(RUNNING, ready=True, restarts=1)],
            ),
            done,
        ],
    }
    table = tables.transform(tables.Output("Table", "v1"), POD_KIND, listed, now=NOW)
    assert len(table["columnDefinitions"]) == 9
    assert [row["cells"][:5] for row in table["rows"]] == [
        ["test1", "2/2", "podPhase", "6", "<unknown>"],
        ["test2", "1/1", "podPhase", "1", "<unknown>"],
        ["done", "0/1", "Completed", "0", "<unknown>"],
    ]
    assert [row.get("conditions") for row in table["rows"]] == [None, None, SUCCEEDED]


def test_the_pod_printer_is_registered() -> None:
    assert printers.printer_for("", "Pod") is pod_printer.POD
