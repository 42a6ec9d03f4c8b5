"""The verdicts read off v1 container statuses: the phase, the conditions, the QoS class.

Ported case by case from kubernetes' pkg/kubelet/kubelet_pods_test.go (`TestPodPhaseWith*`,
the getPhase tables, sidecar ones included) and pkg/kubelet/status/generate_test.go
(`TestGenerateContainersReadyCondition`, `TestGeneratePodReadyCondition`,
`TestGeneratePodInitializedCondition`); Go structs are written as the v1 JSON they
serialise to. Cases marked "beyond upstream" pin behaviour upstream's tables leave out.
"""

from __future__ import annotations

from typing import Any

import pytest

from mcp.engine.pods.conditions import (
    container_should_restart,
    containers_ready_condition,
    get_phase,
    initialized_condition,
    pod_ready_condition,
    qos_class,
    quantity,
    ready_to_start_condition,
)

ALWAYS: dict[str, Any] = {"restartPolicy": "Always"}  # a container's own policy: a sidecar


# The helpers of kubelet_pods_test.go.
def waiting(name: str, reason: str = "") -> dict[str, Any]:
    return {"name": name, "state": {"waiting": {"reason": reason} if reason else {}}}


def waiting_last_zero(name: str) -> dict[str, Any]:
    """waitingStateWithLastTermination"""
    return {**waiting(name), "lastState": {"terminated": {"exitCode": 0}}}


def waiting_last_nonzero(name: str) -> dict[str, Any]:
    """waitingStateWithNonZeroTermination"""
    return {**waiting(name), "lastState": {"terminated": {"exitCode": -1}}}


def running(name: str) -> dict[str, Any]:
    return {"name": name, "state": {"running": {}}}


def started(name: str) -> dict[str, Any]:
    return {**running(name), "started": True}


def stopped(name: str) -> dict[str, Any]:
    return {"name": name, "state": {"terminated": {"exitCode": 0}}}


succeeded = stopped


def failed(name: str, code: int = -1) -> dict[str, Any]:
    return {"name": name, "state": {"terminated": {"exitCode": code}}}


def pod(
    containers: list[Any],
    policy: str = "Always",
    init: list[Any] | None = None,
) -> dict[str, Any]:
    def spec(c: Any) -> dict[str, Any]:
        return {"name": c} if isinstance(c, str) else c

    body: dict[str, Any] = {"containers": [spec(c) for c in containers], "restartPolicy": policy}
    if init:
        body["initContainers"] = [spec(c) for c in init]
    return {"spec": body}


AB = ["containerA", "containerB"]
X_AB = {"containers": AB, "init": ["containerX"]}
SIDECAR_X_AB = {"containers": AB, "init": [{"name": "containerX", **ALWAYS}]}
HAS_RUN = {"containers": ["containerA"], "init": ["containerX", {"name": "containerY", **ALWAYS}]}


def phase_case(
    layout: dict[str, Any] | list[Any],
    policy: str,
    statuses: list[dict[str, Any]],
    expected: str,
    *,
    terminal: bool = False,
    initialized: bool = False,
    id: str,
) -> Any:
    shape = layout if isinstance(layout, dict) else {"containers": layout}
    return pytest.param(
        pod(shape["containers"], policy, shape.get("init")),
        statuses,
        terminal,
        initialized,
        expected,
        id=id,
    )


PHASES = [
    # TestPodPhaseWithRestartAlways
    phase_case(AB, "Always", [], "Pending", id="always-waiting"),
    phase_case(
        AB,
        "Always",
        [running("containerA"), running("containerB")],
        "Running",
        id="always-all-running",
    ),
    phase_case(
        AB,
        "Always",
        [stopped("containerA"), stopped("containerB")],
        "Running",
        id="always-all-stopped",
    ),
    phase_case(
        AB,
        "Always",
        [succeeded("containerA"), succeeded("containerB")],
        "Succeeded",
        terminal=True,
        id="always-all-succeeded-terminal",
    ),
    phase_case(
        AB,
        "Always",
        [succeeded("containerA"), failed("containerB")],
        "Failed",
        terminal=True,
        id="always-all-stopped-terminal",
    ),
    phase_case(
        AB, "Always", [running("containerA"), stopped("containerB")], "Running", id="always-mixed-1"
    ),
    phase_case(AB, "Always", [running("containerA")], "Pending", id="always-mixed-2"),
    phase_case(
        AB, "Always", [running("containerA"), waiting("containerB")], "Pending", id="always-mixed-3"
    ),
    phase_case(
        AB,
        "Always",
        [running("containerA"), waiting_last_zero("containerB")],
        "Running",
        id="always-crash-loop-back-off",
    ),
    # TestPodPhaseWithRestartAlwaysInitContainers
    phase_case(X_AB, "Always", [], "Pending", id="always-init-empty"),
    phase_case(X_AB, "Always", [running("containerX")], "Pending", id="always-init-running"),
    phase_case(X_AB, "Always", [failed("containerX")], "Pending", id="always-init-failed"),
    phase_case(
        X_AB, "Always", [waiting_last_zero("containerX")], "Pending", id="always-init-waiting-zero"
    ),
    phase_case(
        X_AB,
        "Always",
        [waiting_last_nonzero("containerX")],
        "Pending",
        id="always-init-waiting-nonzero",
    ),
    phase_case(X_AB, "Always", [waiting("containerX")], "Pending", id="always-init-waiting"),
    phase_case(
        X_AB,
        "Always",
        [succeeded("containerX"), running("containerA"), running("containerB")],
        "Running",
        id="always-init-succeeded",
    ),
    # TestPodPhaseWithRestartAlwaysRestartableInitContainers
    phase_case(SIDECAR_X_AB, "Always", [], "Pending", id="sidecar-empty"),
    phase_case(SIDECAR_X_AB, "Always", [running("containerX")], "Pending", id="sidecar-running"),
    phase_case(SIDECAR_X_AB, "Always", [stopped("containerX")], "Pending", id="sidecar-stopped"),
    phase_case(
        SIDECAR_X_AB,
        "Always",
        [waiting_last_zero("containerX")],
        "Pending",
        id="sidecar-waiting-zero",
    ),
    phase_case(
        SIDECAR_X_AB,
        "Always",
        [waiting_last_nonzero("containerX")],
        "Pending",
        id="sidecar-waiting-nonzero",
    ),
    phase_case(SIDECAR_X_AB, "Always", [waiting("containerX")], "Pending", id="sidecar-waiting"),
    phase_case(
        SIDECAR_X_AB,
        "Always",
        [started("containerX"), running("containerA")],
        "Pending",
        initialized=True,
        id="sidecar-started-one-of-two-running",
    ),
    phase_case(
        SIDECAR_X_AB,
        "Always",
        [started("containerX"), running("containerA"), running("containerB")],
        "Running",
        initialized=True,
        id="sidecar-started-all-running",
    ),
    phase_case(
        SIDECAR_X_AB,
        "Always",
        [running("containerX"), running("containerA"), running("containerB")],
        "Running",
        initialized=True,
        id="sidecar-running-all-running",
    ),
    phase_case(
        SIDECAR_X_AB,
        "Always",
        [stopped("containerX"), running("containerA"), running("containerB")],
        "Running",
        initialized=True,
        id="sidecar-stopped-all-running",
    ),
    phase_case(
        SIDECAR_X_AB,
        "Always",
        [waiting_last_zero("containerX"), running("containerA"), running("containerB")],
        "Running",
        initialized=True,
        id="sidecar-crash-loop-all-running",
    ),
    phase_case(
        SIDECAR_X_AB,
        "Always",
        [failed("containerX"), succeeded("containerA"), succeeded("containerB")],
        "Succeeded",
        terminal=True,
        initialized=True,
        id="sidecar-failed-all-succeeded-terminal",
    ),
    phase_case(
        SIDECAR_X_AB,
        "Always",
        [succeeded("containerX"), succeeded("containerA"), succeeded("containerB")],
        "Succeeded",
        terminal=True,
        initialized=True,
        id="sidecar-succeeded-all-succeeded-terminal",
    ),
    phase_case(
        SIDECAR_X_AB,
        "Always",
        [running("containerX"), running("containerA"), running("containerB")],
        "Pending",
        id="sidecar-reinitializing-after-sandbox-recreated",
    ),
    # TestPodPhaseWithRestartAlwaysAndPodHasRun
    phase_case(
        HAS_RUN,
        "Always",
        [running("containerX"), running("containerY"), running("containerA")],
        "Pending",
        id="has-run-all-running",
    ),
    phase_case(
        HAS_RUN,
        "Always",
        [running("containerX"), running("containerY"), stopped("containerA")],
        "Pending",
        id="has-run-regular-stopped-inits-running",
    ),
    phase_case(
        HAS_RUN,
        "Always",
        [succeeded("containerX"), running("containerY"), stopped("containerA")],
        "Pending",
        id="has-run-recreated-sandbox",
    ),
    phase_case(
        HAS_RUN,
        "Always",
        [succeeded("containerX"), running("containerY"), stopped("containerA")],
        "Running",
        initialized=True,
        id="has-run-regular-stopped",
    ),
    phase_case(
        HAS_RUN,
        "Always",
        [succeeded("containerX"), running("containerY"), running("containerA")],
        "Running",
        initialized=True,
        id="has-run-all-running-initialized",
    ),
    # TestPodPhaseWithRestartNever
    phase_case(AB, "Never", [], "Pending", id="never-waiting"),
    phase_case(
        AB,
        "Never",
        [running("containerA"), running("containerB")],
        "Running",
        id="never-all-running",
    ),
    phase_case(
        AB,
        "Never",
        [succeeded("containerA"), succeeded("containerB")],
        "Succeeded",
        id="never-all-succeeded",
    ),
    phase_case(
        AB, "Never", [failed("containerA"), failed("containerB")], "Failed", id="never-all-failed"
    ),
    phase_case(
        AB, "Never", [running("containerA"), succeeded("containerB")], "Running", id="never-mixed-1"
    ),
    phase_case(AB, "Never", [running("containerA")], "Pending", id="never-mixed-2"),
    phase_case(
        AB, "Never", [running("containerA"), waiting("containerB")], "Pending", id="never-mixed-3"
    ),
    # TestPodPhaseWithRestartNeverInitContainers
    phase_case(X_AB, "Never", [], "Pending", id="never-init-empty"),
    phase_case(X_AB, "Never", [running("containerX")], "Pending", id="never-init-running"),
    phase_case(X_AB, "Never", [failed("containerX")], "Failed", id="never-init-failed"),
    phase_case(
        X_AB, "Never", [waiting_last_zero("containerX")], "Pending", id="never-init-waiting-zero"
    ),
    phase_case(
        X_AB,
        "Never",
        [waiting_last_nonzero("containerX")],
        "Failed",
        id="never-init-waiting-nonzero",
    ),
    phase_case(X_AB, "Never", [waiting("containerX")], "Pending", id="never-init-waiting"),
    phase_case(
        X_AB,
        "Never",
        [succeeded("containerX"), running("containerA"), running("containerB")],
        "Running",
        id="never-init-succeeded",
    ),
    # TestPodPhaseWithRestartNeverRestartableInitContainers
    phase_case(SIDECAR_X_AB, "Never", [], "Pending", id="never-sidecar-empty"),
    phase_case(
        SIDECAR_X_AB, "Never", [running("containerX")], "Pending", id="never-sidecar-running"
    ),
    phase_case(
        SIDECAR_X_AB, "Never", [stopped("containerX")], "Pending", id="never-sidecar-stopped"
    ),
    phase_case(
        SIDECAR_X_AB,
        "Never",
        [waiting_last_zero("containerX")],
        "Pending",
        id="never-sidecar-waiting-zero",
    ),
    phase_case(
        SIDECAR_X_AB,
        "Never",
        [waiting_last_nonzero("containerX")],
        "Pending",
        id="never-sidecar-waiting-nonzero",
    ),
    phase_case(
        SIDECAR_X_AB, "Never", [waiting("containerX")], "Pending", id="never-sidecar-waiting"
    ),
    phase_case(
        SIDECAR_X_AB,
        "Never",
        [started("containerX"), running("containerA")],
        "Pending",
        initialized=True,
        id="never-sidecar-started-one-running",
    ),
    phase_case(
        SIDECAR_X_AB,
        "Never",
        [started("containerX"), succeeded("containerA"), succeeded("containerB")],
        "Running",
        initialized=True,
        id="never-sidecar-started-main-succeeded",
    ),
    phase_case(
        SIDECAR_X_AB,
        "Never",
        [running("containerX"), succeeded("containerA"), succeeded("containerB")],
        "Running",
        initialized=True,
        id="never-sidecar-rerunning-main-succeeded",
    ),
    phase_case(
        SIDECAR_X_AB,
        "Never",
        [succeeded("containerX"), succeeded("containerA"), succeeded("containerB")],
        "Succeeded",
        initialized=True,
        id="never-all-containers-succeeded",
    ),
    phase_case(
        SIDECAR_X_AB,
        "Never",
        [failed("containerX"), succeeded("containerA"), succeeded("containerB")],
        "Succeeded",
        initialized=True,
        id="never-sidecar-failed-main-succeeded",
    ),
    phase_case(
        SIDECAR_X_AB,
        "Never",
        [waiting_last_zero("containerX"), succeeded("containerA"), succeeded("containerB")],
        "Succeeded",
        initialized=True,
        id="never-sidecar-crash-loop-main-succeeded",
    ),
    phase_case(
        SIDECAR_X_AB,
        "Never",
        [waiting_last_nonzero("containerX"), succeeded("containerA"), succeeded("containerB")],
        "Succeeded",
        initialized=True,
        id="never-sidecar-crash-loop-nonzero-main-succeeded",
    ),
    # TestPodPhaseWithRestartOnFailure
    phase_case(AB, "OnFailure", [], "Pending", id="on-failure-waiting"),
    phase_case(
        AB,
        "OnFailure",
        [running("containerA"), running("containerB")],
        "Running",
        id="on-failure-all-running",
    ),
    phase_case(
        AB,
        "OnFailure",
        [succeeded("containerA"), succeeded("containerB")],
        "Succeeded",
        id="on-failure-all-succeeded",
    ),
    phase_case(
        AB,
        "OnFailure",
        [failed("containerA"), failed("containerB")],
        "Running",
        id="on-failure-all-failed",
    ),
    phase_case(
        AB,
        "OnFailure",
        [running("containerA"), succeeded("containerB")],
        "Running",
        id="on-failure-mixed-1",
    ),
    phase_case(AB, "OnFailure", [running("containerA")], "Pending", id="on-failure-mixed-2"),
    phase_case(
        AB,
        "OnFailure",
        [running("containerA"), waiting("containerB")],
        "Pending",
        id="on-failure-mixed-3",
    ),
    phase_case(
        AB,
        "OnFailure",
        [running("containerA"), waiting_last_zero("containerB")],
        "Running",
        id="on-failure-crash-loop-back-off",
    ),
    # TestPodPhaseWithContainerRestartPolicy
    phase_case(
        [{"name": "failed-container", "restartPolicy": "Never"}],
        "Always",
        [failed("failed-container")],
        "Failed",
        initialized=True,
        id="container-never-failed",
    ),
    phase_case(
        [{"name": "failed-container", "restartPolicy": "OnFailure"}],
        "Always",
        [failed("failed-container")],
        "Running",
        initialized=True,
        id="container-on-failure-failed",
    ),
    phase_case(
        [{"name": "failed-container", **ALWAYS}],
        "Always",
        [failed("failed-container")],
        "Running",
        initialized=True,
        id="container-always-failed",
    ),
    phase_case(
        [{"name": "containerA", **ALWAYS}, "containerB"],
        "Never",
        [succeeded("containerA"), failed("containerB")],
        "Running",
        initialized=True,
        id="container-restartable-one-failed",
    ),
    phase_case(
        [
            {"name": "containerA", "restartPolicy": "Never"},
            {"name": "containerB", "restartPolicy": "OnFailure"},
        ],
        "Always",
        [failed("containerA"), succeeded("containerB")],
        "Failed",
        initialized=True,
        id="container-none-restartable-failed",
    ),
    phase_case(
        [
            {"name": "containerA", "restartPolicy": "Never"},
            {"name": "containerB", "restartPolicy": "OnFailure"},
        ],
        "Always",
        [succeeded("containerA"), succeeded("containerB")],
        "Succeeded",
        initialized=True,
        id="container-all-succeeded",
    ),
    # TestPodPhaseWithContainerRestartPolicyInitContainers
    phase_case(
        {
            "containers": ["container"],
            "init": [{"name": "failed-container", "restartPolicy": "Never"}],
        },
        "Always",
        [failed("failed-container")],
        "Failed",
        initialized=True,
        id="init-never-failed",
    ),
    phase_case(
        {
            "containers": ["container"],
            "init": [{"name": "failed-container", "restartPolicy": "OnFailure"}],
        },
        "Never",
        [failed("failed-container")],
        "Pending",
        initialized=True,
        id="init-on-failure-failed",
    ),
    phase_case(
        {"containers": ["container"], "init": [{"name": "failed-container", **ALWAYS}]},
        "Never",
        [failed("failed-container")],
        "Pending",
        initialized=True,
        id="init-always-failed",
    ),
]


@pytest.mark.parametrize(("pod", "statuses", "terminal", "initialized", "expected"), PHASES)
def test_get_phase(
    pod: dict[str, Any],
    statuses: list[dict[str, Any]],
    terminal: bool,
    initialized: bool,
    expected: str,
) -> None:
    assert get_phase(pod, statuses, terminal=terminal, initialized=initialized) == expected


@pytest.mark.parametrize(
    ("container", "policy", "code", "expected"),
    [
        pytest.param({}, "Always", 0, True, id="pod-always"),
        pytest.param({}, "OnFailure", 0, False, id="pod-on-failure-success"),
        pytest.param({}, "OnFailure", 1, True, id="pod-on-failure-failure"),
        pytest.param({}, "Never", 1, False, id="pod-never"),
        pytest.param({}, None, 0, True, id="pod-unset-is-always"),
        pytest.param({"restartPolicy": "Never"}, "Always", 1, False, id="container-overrides"),
        pytest.param(
            {
                "restartPolicy": "Never",
                "restartPolicyRules": [
                    {"action": "Restart", "exitCodes": {"operator": "In", "values": [42]}}
                ],
            },
            "Never",
            42,
            True,
            id="rule-restarts-on-42",
        ),
        pytest.param(
            {
                "restartPolicy": "Never",
                "restartPolicyRules": [
                    {"action": "Restart", "exitCodes": {"operator": "NotIn", "values": [0]}}
                ],
            },
            "Never",
            0,
            False,
            id="rule-not-in-leaves-success",
        ),
    ],
)
def test_container_should_restart(
    container: dict[str, Any], policy: str | None, code: int, expected: bool
) -> None:
    spec = {"restartPolicy": policy} if policy else {}
    assert container_should_restart({"name": "c", **container}, spec, code) is expected


def cases(table: list[tuple[Any, ...]]) -> list[Any]:
    """Upstream's unnamed cases, named by their index there ("On test case 3")."""
    return [pytest.param(*case, id=f"case-{i}") for i, case in enumerate(table)]


def ready(name: str) -> dict[str, Any]:
    """getReadyStatus"""
    return {"name": name, "ready": True}


def not_ready(name: str) -> dict[str, Any]:
    return {"name": name, "ready": False}


def cond(kind: str, status: str, reason: str = "", message: str = "") -> dict[str, Any]:
    """getPodCondition"""
    condition = {"type": kind, "status": status}
    if reason:
        condition["reason"] = reason
    if message:
        condition["message"] = message
    return condition


ONE = {"containers": [{"name": "1234"}]}
TWO = {"containers": [{"name": "1234"}, {"name": "5678"}]}
SIDECARS_1 = {
    "initContainers": [{"name": "restartable-init-1", **ALWAYS}],
    "containers": [{"name": "regular-1"}],
}
SIDECARS_2 = {
    "initContainers": [
        {"name": "restartable-init-1", **ALWAYS},
        {"name": "restartable-init-2", **ALWAYS},
    ],
    "containers": [{"name": "regular-1"}],
}
CONTAINERS_READY = [
    ({}, None, "Running", ("False", "UnknownContainerStatuses", "")),
    ({}, [], "Running", ("True", "", "")),
    (ONE, [], "Running", ("False", "ContainersNotReady", "containers with unknown status: [1234]")),
    (TWO, [ready("1234"), ready("5678")], "Running", ("True", "", "")),
    (
        TWO,
        [ready("1234")],
        "Running",
        ("False", "ContainersNotReady", "containers with unknown status: [5678]"),
    ),
    (
        TWO,
        [ready("1234"), not_ready("5678")],
        "Running",
        ("False", "ContainersNotReady", "containers with unready status: [5678]"),
    ),
    (ONE, [not_ready("1234")], "Succeeded", ("False", "PodCompleted", "")),
    (
        SIDECARS_1,
        [ready("regular-1")],
        "Running",
        ("False", "ContainersNotReady", "containers with unknown status: [restartable-init-1]"),
    ),
    (
        SIDECARS_2,
        [ready("restartable-init-1"), ready("restartable-init-2"), ready("regular-1")],
        "Running",
        ("True", "", ""),
    ),
    (
        SIDECARS_2,
        [ready("restartable-init-1"), ready("regular-1")],
        "Running",
        ("False", "ContainersNotReady", "containers with unknown status: [restartable-init-2]"),
    ),
    (
        SIDECARS_2,
        [ready("restartable-init-1"), not_ready("restartable-init-2"), ready("regular-1")],
        "Running",
        ("False", "ContainersNotReady", "containers with unready status: [restartable-init-2]"),
    ),
    # Beyond upstream: a failed Pod is never ready, whatever its containers say; names
    # listed as Go prints a []string.
    (ONE, [ready("1234")], "Failed", ("False", "PodFailed", "")),
    (
        TWO,
        [],
        "Running",
        ("False", "ContainersNotReady", "containers with unknown status: [1234 5678]"),
    ),
]


@pytest.mark.parametrize(("spec", "statuses", "phase", "expected"), cases(CONTAINERS_READY))
def test_containers_ready_condition(
    spec: dict[str, Any],
    statuses: list[dict[str, Any]] | None,
    phase: str,
    expected: tuple[str, str, str],
) -> None:
    got = containers_ready_condition(spec, statuses, phase)
    assert got == cond("ContainersReady", *expected)


GATE_1 = {"readinessGates": [{"conditionType": "gate1"}]}
GATES_2 = {"readinessGates": [{"conditionType": "gate1"}, {"conditionType": "gate2"}]}
POD_READY = [
    ({}, [], None, "Running", ("False", "UnknownContainerStatuses", "")),
    ({}, [], [], "Running", ("True", "", "")),
    (
        ONE,
        [],
        [],
        "Running",
        ("False", "ContainersNotReady", "containers with unknown status: [1234]"),
    ),
    (TWO, [], [ready("1234"), ready("5678")], "Running", ("True", "", "")),
    (
        TWO,
        [],
        [ready("1234")],
        "Running",
        ("False", "ContainersNotReady", "containers with unknown status: [5678]"),
    ),
    (
        TWO,
        [],
        [ready("1234"), not_ready("5678")],
        "Running",
        ("False", "ContainersNotReady", "containers with unready status: [5678]"),
    ),
    (ONE, [], [not_ready("1234")], "Succeeded", ("False", "PodCompleted", "")),
    (
        GATE_1,
        [],
        [],
        "Running",
        (
            "False",
            "ReadinessGatesNotReady",
            'corresponding condition of pod readiness gate "gate1" does not exist.',
        ),
    ),
    (
        GATE_1,
        [cond("gate1", "False")],
        [],
        "Running",
        (
            "False",
            "ReadinessGatesNotReady",
            'the status of pod readiness gate "gate1" is not "True", but False',
        ),
    ),
    (GATE_1, [cond("gate1", "True")], [], "Running", ("True", "", "")),
    (
        GATES_2,
        [cond("gate1", "True")],
        [],
        "Running",
        (
            "False",
            "ReadinessGatesNotReady",
            'corresponding condition of pod readiness gate "gate2" does not exist.',
        ),
    ),
    (
        GATES_2,
        [cond("gate1", "True"), cond("gate2", "False")],
        [],
        "Running",
        (
            "False",
            "ReadinessGatesNotReady",
            'the status of pod readiness gate "gate2" is not "True", but False',
        ),
    ),
    (GATES_2, [cond("gate1", "True"), cond("gate2", "True")], [], "Running", ("True", "", "")),
    (
        {**ONE, **GATE_1},
        [cond("gate1", "True")],
        [not_ready("1234")],
        "Running",
        ("False", "ContainersNotReady", "containers with unready status: [1234]"),
    ),
]


@pytest.mark.parametrize(("spec", "conditions", "statuses", "phase", "expected"), cases(POD_READY))
def test_pod_ready_condition(
    spec: dict[str, Any],
    conditions: list[dict[str, Any]],
    statuses: list[dict[str, Any]] | None,
    phase: str,
    expected: tuple[str, str, str],
) -> None:
    assert pod_ready_condition(spec, conditions, statuses, phase) == cond("Ready", *expected)


NO_INIT: dict[str, Any] = {}
ONE_INIT = {"initContainers": [{"name": "1234"}], "containers": [{"name": "regular"}]}
TWO_INIT = {
    "initContainers": [{"name": "1234"}, {"name": "5678"}],
    "containers": [{"name": "regular"}],
}
ONE_SIDECAR = {"initContainers": [{"name": "1234", **ALWAYS}], "containers": [{"name": "regular"}]}
INITIALIZED = [
    (TWO_INIT, None, "Running", ("False", "UnknownContainerStatuses", "")),
    (NO_INIT, [], "Running", ("True", "", "")),
    (
        ONE_INIT,
        [],
        "Running",
        ("False", "ContainersNotInitialized", "containers with unknown status: [1234]"),
    ),
    (TWO_INIT, [ready("1234"), ready("5678")], "Running", ("True", "", "")),
    (
        TWO_INIT,
        [ready("1234")],
        "Running",
        ("False", "ContainersNotInitialized", "containers with unknown status: [5678]"),
    ),
    (
        TWO_INIT,
        [ready("1234"), not_ready("5678")],
        "Running",
        ("False", "ContainersNotInitialized", "containers with incomplete status: [5678]"),
    ),
    (ONE_INIT, [ready("1234")], "Succeeded", ("True", "PodCompleted", "")),
    (
        ONE_SIDECAR,
        [{"name": "1234", "started": False}],
        "Pending",
        ("False", "ContainersNotInitialized", "containers with incomplete status: [1234]"),
    ),
    (ONE_SIDECAR, [{"name": "1234", "started": True}], "Running", ("True", "", "")),
    (
        ONE_SIDECAR,
        [{"name": "1234", "started": False}, running("regular")],
        "Running",
        ("True", "", ""),
    ),
    (
        ONE_INIT,
        [{"name": "1234", "state": {"waiting": {}}}, running("regular")],
        "Running",
        ("True", "", ""),
    ),
]


@pytest.mark.parametrize(("spec", "statuses", "phase", "expected"), cases(INITIALIZED))
def test_initialized_condition(
    spec: dict[str, Any],
    statuses: list[dict[str, Any]] | None,
    phase: str,
    expected: tuple[str, str, str],
) -> None:
    assert initialized_condition(spec, statuses, phase) == cond("Initialized", *expected)


@pytest.mark.parametrize(
    ("running", "has_ip", "host_network", "expected"),
    [
        pytest.param(True, True, False, ("True", "", ""), id="ready"),
        pytest.param(
            None, False, False, ("False", "PodSandboxNotReady", "no pod sandbox exists"), id="none"
        ),
        pytest.param(False, True, False, ("False", "PodSandboxNotReady", ""), id="stopped"),
        pytest.param(
            True,
            False,
            False,
            ("False", "PodSandboxNotReady", "pod sandbox has no IP address"),
            id="no-ip",
        ),
        pytest.param(True, False, True, ("True", "", ""), id="host-network-needs-no-ip"),
    ],
)
def test_ready_to_start_condition(
    running: bool | None, has_ip: bool, host_network: bool, expected: tuple[str, str, str]
) -> None:
    got = ready_to_start_condition(running, has_ip, host_network)
    assert got == cond("PodReadyToStartContainers", *expected)


def resources(requests: dict[str, Any] | None = None, limits: dict[str, Any] | None = None) -> Any:
    given: dict[str, Any] = {}
    if requests:
        given["requests"] = requests
    if limits:
        given["limits"] = limits
    return {"name": "c", "resources": given}


CPU_MEM = {"cpu": "1", "memory": "1Gi"}


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        pytest.param({"containers": [{"name": "c"}]}, "BestEffort", id="nothing-asked"),
        pytest.param({"containers": [resources(CPU_MEM, CPU_MEM)]}, "Guaranteed", id="equal"),
        pytest.param(
            {"containers": [resources({"cpu": "1000m", "memory": "1024Mi"}, CPU_MEM)]},
            "Guaranteed",
            id="equal-quantities-written-differently",
        ),
        pytest.param({"containers": [resources(CPU_MEM)]}, "Burstable", id="requests-only"),
        pytest.param(
            {"containers": [resources({"cpu": "1"}, {"cpu": "1"})]}, "Burstable", id="cpu-only"
        ),
        pytest.param(
            {"containers": [resources(CPU_MEM, CPU_MEM), {"name": "d"}]},
            "Burstable",
            id="guaranteed-and-best-effort",
        ),
        pytest.param(
            {"containers": [resources({"ephemeral-storage": "1Gi"})]},
            "BestEffort",
            id="other-resources-do-not-count",
        ),
        pytest.param(
            {
                "initContainers": [resources({"cpu": "1"})],
                "containers": [resources(CPU_MEM, CPU_MEM)],
            },
            "Burstable",
            id="init-containers-count",
        ),
        pytest.param(
            {"resources": {"requests": CPU_MEM, "limits": CPU_MEM}, "containers": [{"name": "c"}]},
            "Guaranteed",
            id="pod-level-resources-decide",
        ),
    ],
)
def test_qos_class(spec: dict[str, Any], expected: str) -> None:
    assert qos_class({"spec": spec}) == expected


def test_qos_class_already_recorded_stays() -> None:
    assert qos_class(
        {"spec": {"containers": [{"name": "c"}]}, "status": {"qosClass": "Burstable"}}
    ) == ("Burstable")


@pytest.mark.parametrize(
    ("text", "value"),
    [("500m", 0.5), ("1", 1), ("1Gi", 1024**3), ("1e3", 1000), ("1.5k", 1500), ("", 0), ("x", 0)],
)
def test_quantity(text: str, value: float) -> None:
    assert quantity(text) == value
