"""A Pod's whole status from one look at Docker: phase, reason, conditions, addresses,
times, container statuses, QoS class.

Ported from kubernetes' pkg/kubelet/kubelet_pods_test.go (`Test_generateAPIPodStatus`,
the cases without RestartAllContainers or pod-level resize, both off by default;
`TestSortPodIPs`; the host-network IP cases) with what the status manager adds
(pkg/kubelet/status/status_manager.go: transition times, start time, observed
generation, `mergePodStatus`). Upstream's fake prober calls every container ready; here
the prober's rules apply, so those cases check phase and states, not readiness. Each
produced status must also parse with the official Python client, and mcp's Table
printer must show the STATUS kubectl shows for it.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from kubernetes.client import ApiClient, V1Pod, V1PodStatus

from mcp.engine.pods.containers import ContainerObserved, DockerContainer, ProbeResults, Waiting
from mcp.engine.pods.status import (
    DEADLINE_MESSAGE,
    Observed,
    Sandbox,
    generated_phase,
    pod_status,
    sort_pod_ips,
)
from mcp.kinds.pod_printer import POD

NOW = datetime(2026, 7, 1, 12, 0, 0, tzinfo=UTC)
NEVER = "0001-01-01T00:00:00Z"
SANDBOX = Sandbox(True, ("10.244.0.5",))
STOPPED = Sandbox(False, ("10.244.0.5",))
NODE = ("192.168.49.2",)


def ago(seconds: float) -> str:
    return (NOW - timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%SZ")


def make_pod(
    *names: Any,
    init: tuple[Any, ...] = (),
    policy: str = "Always",
    status: dict[str, Any] | None = None,
    deleting: bool = False,
    generation: int = 1,
    **spec_more: Any,
) -> dict[str, Any]:
    def container(c: Any) -> dict[str, Any]:
        return {"name": c, "image": "busybox"} if isinstance(c, str) else {"image": "busybox", **c}

    meta: dict[str, Any] = {
        "name": "web",
        "namespace": "default",
        "uid": "0b6e2a4c-3f0d-4c1e-9d5a-6f1e2d3c4b5a",
        "creationTimestamp": ago(3600),
    }
    if generation:
        meta["generation"] = generation
    if deleting:
        meta["deletionTimestamp"] = ago(5)
    spec: dict[str, Any] = {
        "containers": [container(c) for c in names or ("app",)],
        "restartPolicy": policy,
        "nodeName": "mcp",
        **spec_more,
    }
    if init:
        spec["initContainers"] = [container(c) for c in init]
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": meta,
        "spec": spec,
        "status": status if status is not None else {"phase": "Pending"},
    }


def run(attempt: int = 0, since: float = 60) -> DockerContainer:
    return DockerContainer(
        attempt,
        f"c{attempt}",
        True,
        created_at=ago(since + 1),
        started_at=ago(since),
        finished_at=NEVER,
        image="busybox:latest",
        image_id="sha256:beef",
    )


def exited(attempt: int = 0, code: int = 0, at: float = 10, **more: Any) -> DockerContainer:
    return DockerContainer(
        attempt,
        f"c{attempt}",
        False,
        exit_code=code,
        created_at=ago(at + 31),
        started_at=ago(at + 30),
        finished_at=ago(at),
        image="busybox:latest",
        image_id="sha256:beef",
        **more,
    )


def seen(*attempts: DockerContainer, reason: str = "", message: str = "") -> ContainerObserved:
    return ContainerObserved(attempts, Waiting(reason, message) if reason else None)


def observe(
    pod: dict[str, Any],
    containers: dict[str, ContainerObserved] | None = None,
    *,
    sandbox: Sandbox | None = SANDBOX,
    node_ips: tuple[str, ...] = NODE,
) -> Observed:
    return Observed(pod, containers or {}, sandbox, node_ips, NOW)


def condition(status: dict[str, Any], kind: str) -> dict[str, Any]:
    return next(c for c in status["conditions"] if c["type"] == kind)


def brief(status: dict[str, Any]) -> dict[str, Any]:
    """The kubelet's conditions as upstream's expectations write them: type, status, reason."""
    return {
        c["type"]: (c["status"], c.get("reason", ""))
        for c in status["conditions"]
        if c["type"] != "PodReadyToStartContainers"
    }


def running_status(name: str) -> dict[str, Any]:
    return {"name": name, "state": {"running": {}}, "restartCount": 0, "ready": True}


AB = ("containerA", "containerB")


def test_disruption_condition_kept_and_phase_failed_when_deleted() -> None:
    """Test_generateAPIPodStatus: "pod disruption condition is copied over and the phase is
    set to failed when deleted" (terminal: deleted, nothing runs)."""
    disruption = {
        "type": "DisruptionTarget",
        "status": "True",
        "lastTransitionTime": ago(30),
        "reason": "DeletionByTaintManager",
    }
    previous = {
        "phase": "Running",
        "containerStatuses": [running_status(n) for n in AB],
        "conditions": [disruption],
    }
    observed = observe(make_pod(*AB, status=previous, deleting=True), sandbox=STOPPED)
    status = pod_status(observed)
    assert generated_phase(observed) == "Failed"
    assert status["phase"] == "Failed"
    assert status["conditions"][0] == disruption
    assert brief(status) == {
        "DisruptionTarget": ("True", "DeletionByTaintManager"),
        "Initialized": ("True", ""),
        "Ready": ("False", "PodFailed"),
        "ContainersReady": ("False", "PodFailed"),
        "PodScheduled": ("True", ""),
    }
    for container in status["containerStatuses"]:
        assert container["state"] == {"waiting": {"reason": "ContainerCreating"}}
        assert container["lastState"]["terminated"]["reason"] == "ContainerStatusUnknown"
        assert container["restartCount"] == 0  # deleted: not restarted


def test_previous_running_and_not_deleted_restarts() -> None:
    """ "current status ready, with previous statuses and no deletion"."""
    previous = {"phase": "Running", "containerStatuses": [running_status(n) for n in AB]}
    status = pod_status(observe(make_pod(*AB, status=previous)))
    assert status["phase"] == "Running"
    assert [c["restartCount"] for c in status["containerStatuses"]] == [1, 1]


@pytest.mark.parametrize(
    ("previous", "expected"),
    [
        pytest.param(
            {"phase": "Succeeded", "containerStatuses": [running_status(n) for n in AB]},
            ("Succeeded", "", ""),
            id="api-previous-succeeded",
        ),
        pytest.param(
            {
                "phase": "Succeeded",
                "reason": "Test",
                "message": "test",
                "containerStatuses": [running_status(n) for n in AB],
            },
            ("Succeeded", "Test", "test"),
            id="previous-terminal-keeps-reason-and-message",
        ),
    ],
)
def test_terminal_phase_cannot_be_changed(
    previous: dict[str, Any], expected: tuple[str, str, str]
) -> None:
    """ "terminal phase cannot be changed", "terminal phase from previous status must remain
    terminal, restartAlways"."""
    status = pod_status(observe(make_pod(*AB, status=previous), sandbox=None))
    assert (status["phase"], status.get("reason", ""), status.get("message", "")) == expected
    assert brief(status) == {
        "Initialized": ("True", "PodCompleted"),
        "Ready": ("False", "PodCompleted"),
        "ContainersReady": ("False", "PodCompleted"),
        "PodScheduled": ("True", ""),
    }
    assert condition(status, "PodReadyToStartContainers") == {
        "type": "PodReadyToStartContainers",
        "observedGeneration": 1,
        "status": "False",
        "lastProbeTime": None,
        "lastTransitionTime": ago(0),
        "reason": "PodSandboxNotReady",
        "message": "no pod sandbox exists",
    }


def test_terminal_phase_stays_with_restart_never() -> None:
    """ "terminal phase from previous status must remain terminal, restartNever"."""
    done = {"terminated": {"exitCode": 0, "reason": "Completed"}}
    previous = {
        "phase": "Succeeded",
        "reason": "Test",
        "message": "test",
        "containerStatuses": [{"name": n, "state": done, "restartCount": 0} for n in AB],
    }
    status = pod_status(observe(make_pod(*AB, policy="Never", status=previous), sandbox=None))
    assert (status["phase"], status["reason"], status["message"]) == ("Succeeded", "Test", "test")
    assert [c["state"] for c in status["containerStatuses"]] == [done, done]


def test_running_can_revert_to_pending() -> None:
    previous = {
        "phase": "Running",
        "containerStatuses": [{"name": n, "state": {"waiting": {}}} for n in AB],
    }
    status = pod_status(observe(make_pod(*AB, status=previous)))
    assert status["phase"] == "Pending"
    assert [c["state"] for c in status["containerStatuses"]] == [
        {"waiting": {"reason": "ContainerCreating"}}
    ] * 2


@pytest.mark.parametrize(
    ("containers", "expected"),
    [
        pytest.param({"containerB": seen(run())}, ("Pending", "Test", "test"), id="kept"),
        pytest.param(
            {"containerA": seen(run()), "containerB": seen(run())},
            ("Running", "", ""),
            id="cleared-when-phase-changes",
        ),
    ],
)
def test_reason_and_message_stay_with_their_phase(
    containers: dict[str, ContainerObserved], expected: tuple[str, str, str]
) -> None:
    """ "reason and message are preserved when phase doesn't change", "... are cleared when
    phase changes"."""
    previous = {"phase": "Pending", "reason": "Test", "message": "test"}
    status = pod_status(observe(make_pod(*AB, status=previous), containers))
    assert (status["phase"], status.get("reason", ""), status.get("message", "")) == expected


def test_a_running_pod() -> None:
    """Beyond upstream: the whole status of a Pod whose container runs, as the API serves it."""
    status = pod_status(observe(make_pod(), {"app": seen(run())}))
    at = ago(0)

    def kubelet(kind: str) -> dict[str, Any]:
        return {
            "type": kind,
            "observedGeneration": 1,
            "status": "True",
            "lastProbeTime": None,
            "lastTransitionTime": at,
        }

    assert status == {
        "observedGeneration": 1,
        "phase": "Running",
        "conditions": [
            kubelet(kind)
            for kind in (
                "PodReadyToStartContainers",
                "Initialized",
                "Ready",
                "ContainersReady",
                "PodScheduled",
            )
        ],
        "hostIP": "192.168.49.2",
        "hostIPs": [{"ip": "192.168.49.2"}],
        "podIP": "10.244.0.5",
        "podIPs": [{"ip": "10.244.0.5"}],
        "startTime": at,
        "containerStatuses": [
            {
                "name": "app",
                "state": {"running": {"startedAt": ago(60)}},
                "lastState": {},
                "ready": True,
                "restartCount": 0,
                "image": "busybox:latest",
                "imageID": "docker://sha256:beef",
                "containerID": "docker://c0",
                "started": True,
                "resources": {},
            }
        ],
        "qosClass": "BestEffort",
    }


def test_times_carry_over_while_the_status_holds() -> None:
    """updateStatusInternal: a condition's lastTransitionTime moves only with its status;
    the start time is kept once set."""
    previous = {
        "phase": "Running",
        "startTime": ago(600),
        "conditions": [
            {"type": "Ready", "status": "True", "lastTransitionTime": ago(500)},
            {"type": "ContainersReady", "status": "False", "lastTransitionTime": ago(500)},
            {"type": "PodScheduled", "status": "True", "lastTransitionTime": ago(600)},
        ],
    }
    status = pod_status(observe(make_pod(status=previous), {"app": seen(run())}))
    times = {c["type"]: c["lastTransitionTime"] for c in status["conditions"]}
    assert times == {
        "PodReadyToStartContainers": ago(0),
        "Initialized": ago(0),
        "Ready": ago(500),
        "ContainersReady": ago(0),
        "PodScheduled": ago(600),
    }
    assert status["startTime"] == ago(600)


def test_without_a_generation_none_is_observed() -> None:
    status = pod_status(observe(make_pod(generation=0), {"app": seen(run())}))
    assert "observedGeneration" not in status
    assert all("observedGeneration" not in c for c in status["conditions"])


def test_conditions_of_others_kept_and_readiness_gates_read() -> None:
    """The kubelet owns its five conditions (and the resize ones); others stay, first."""
    gate = {"type": "example.com/ready", "status": "True", "lastTransitionTime": ago(50)}
    resize = {"type": "PodResizePending", "status": "True", "lastTransitionTime": ago(50)}
    pod = make_pod(
        status={"phase": "Running", "conditions": [resize, gate]},
        readinessGates=[{"conditionType": "example.com/ready"}],
    )
    status = pod_status(observe(pod, {"app": seen(run())}))
    assert [c["type"] for c in status["conditions"]] == [
        "example.com/ready",
        "PodReadyToStartContainers",
        "Initialized",
        "Ready",
        "ContainersReady",
        "PodScheduled",
    ]
    assert condition(status, "Ready")["status"] == "True"


def test_unready_containers_named_as_the_kubelet_words_it() -> None:
    pod = make_pod("a", "b", "c", readinessGates=[])
    observed = {
        "a": ContainerObserved((run(),), probes=ProbeResults(ready=False)),
        "c": seen(run()),
    }
    pod["spec"]["containers"][0]["readinessProbe"] = {"exec": {"command": ["true"]}}
    ready = condition(pod_status(observe(pod, observed)), "Ready")
    assert (ready["status"], ready["reason"], ready["message"]) == (
        "False",
        "ContainersNotReady",
        "containers with unready status: [a b]",
    )


def test_past_its_deadline_a_pod_fails_once_nothing_runs() -> None:
    """active_deadline.go: DeadlineExceeded; mergePodStatus holds the phase while the
    container still runs, the pod worker acting on the generated one meanwhile."""
    pod = make_pod(activeDeadlineSeconds=30, status={"phase": "Running", "startTime": ago(60)})
    still = observe(pod, {"app": seen(run())})
    assert generated_phase(still) == "Failed"
    assert pod_status(still)["phase"] == "Running"
    gone = pod_status(observe(pod, {"app": seen(exited(code=137))}, sandbox=STOPPED))
    assert (gone["phase"], gone["reason"], gone["message"]) == (
        "Failed",
        "DeadlineExceeded",
        DEADLINE_MESSAGE,
    )


def test_not_yet_past_its_deadline() -> None:
    pod = make_pod(activeDeadlineSeconds=120, status={"phase": "Running", "startTime": ago(60)})
    assert pod_status(observe(pod, {"app": seen(run())}))["phase"] == "Running"


def test_a_completed_pod_is_reported_so_once_its_sandbox_stopped() -> None:
    """mergePodStatus: no terminal phase while the sandbox may still run."""
    pod = make_pod(policy="Never", status={"phase": "Running"})
    containers = {"app": seen(exited())}
    held = observe(pod, containers)
    assert generated_phase(held) == "Succeeded"
    status = pod_status(held)
    assert status["phase"] == "Running"
    assert condition(status, "Ready")["reason"] == "PodCompleted"
    assert pod_status(observe(pod, containers, sandbox=STOPPED))["phase"] == "Succeeded"


def test_termination_messages_share_12_kib() -> None:
    """normalizeStatus: each of the Pod's containers keeps 12 KiB / containers."""
    big = "m" * 4000
    pod = make_pod("a", "b", "c", policy="Never")
    observed = {name: seen(exited(termination_message=big)) for name in ("a", "b", "c")}
    status = pod_status(observe(pod, observed, sandbox=STOPPED))
    lengths = [len(c["state"]["terminated"]["message"]) for c in status["containerStatuses"]]
    assert lengths == [4000, 4000, 4000]
    pod = make_pod("a", "b", "c", "d", policy="Never")
    observed = {name: seen(exited(termination_message=big)) for name in "abcd"}
    status = pod_status(observe(pod, observed, sandbox=STOPPED))
    assert {len(c["state"]["terminated"]["message"]) for c in status["containerStatuses"]} == {3072}


def test_qos_class_from_the_containers() -> None:
    resources = {"requests": {"cpu": "1", "memory": "1Gi"}, "limits": {"cpu": "1", "memory": "1Gi"}}
    pod = make_pod({"name": "app", "resources": resources})
    assert pod_status(observe(pod))["qosClass"] == "Guaranteed"


SORT_POD_IPS = [
    ("", ["10.0.0.1"], ["10.0.0.1"], "simple"),
    ("", ["10.0.0.1", "fd01::1234"], ["10.0.0.1", "fd01::1234"], "dual-stack"),
    (
        "192.168.1.1",
        ["10.0.0.1", "fd01::1234"],
        ["10.0.0.1", "fd01::1234"],
        "dual-stack-explicit-node-ip",
    ),
    ("", ["fd01::1234", "10.0.0.1"], ["10.0.0.1", "fd01::1234"], "dual-stack-cri-wrong-first"),
    (
        "192.168.1.1",
        ["fd01::1234", "10.0.0.1"],
        ["10.0.0.1", "fd01::1234"],
        "dual-stack-explicit-node-ip-cri-wrong-first",
    ),
    ("fd00::5678", ["10.0.0.1", "fd01::1234"], ["fd01::1234", "10.0.0.1"], "ipv6-node-ip"),
    (
        "fd00::5678",
        ["fd01::1234", "10.0.0.1"],
        ["fd01::1234", "10.0.0.1"],
        "ipv6-node-ip-other-cri-order",
    ),
    ("fd00::5678", ["10.0.0.1"], ["10.0.0.1"], "no-pod-ip-matching-node-ip"),
    ("", ["fd01::1234"], ["fd01::1234"], "no-pod-ip-matching-unspecified-node-ip"),
    ("", ["10.0.0.1", "10.0.0.2", "10.0.0.3"], ["10.0.0.1"], "multiple-ipv4"),
    (
        "",
        ["10.0.0.1", "10.0.0.2", "fd01::1234", "10.0.0.3", "fd01::5678"],
        ["10.0.0.1", "fd01::1234"],
        "multiple-dual-stack",
    ),
    (
        "",
        ["010.000.000.001", "fd01:0:0:0:0:0:0:1234"],
        ["10.0.0.1", "fd01::1234"],
        "badly-formatted-ips-from-cri",
    ),
]


@pytest.mark.parametrize(
    ("node_ip", "pod_ips", "expected"),
    [pytest.param(node, pods, want, id=name) for node, pods, want, name in SORT_POD_IPS],
)
def test_sort_pod_ips(node_ip: str, pod_ips: list[str], expected: list[str]) -> None:
    """TestSortPodIPs."""
    assert sort_pod_ips(pod_ips, [node_ip] if node_ip else []) == expected


def test_addresses() -> None:
    """hostIPs are the node's (two at most); podIPs need a running sandbox."""
    dual = ("192.168.49.2", "fd00::2")
    status = pod_status(observe(make_pod(), node_ips=dual))
    assert status["hostIPs"] == [{"ip": "192.168.49.2"}, {"ip": "fd00::2"}]
    assert status["podIPs"] == [{"ip": "10.244.0.5"}]
    stopped = pod_status(observe(make_pod(), sandbox=STOPPED))
    assert "podIP" not in stopped
    assert "podIPs" not in stopped
    assert condition(stopped, "PodReadyToStartContainers")["status"] == "False"
    alone = pod_status(observe(make_pod(), node_ips=()))
    assert "hostIP" not in alone


@pytest.mark.parametrize(
    ("node_ips", "expected"),
    [
        pytest.param(("10.0.0.1",), ["10.0.0.1"], id="single-stack"),
        pytest.param(("10.0.0.1", "fd01::1234"), ["10.0.0.1", "fd01::1234"], id="dual-stack"),
    ],
)
def test_host_network_pods_take_the_node_ips(
    node_ips: tuple[str, ...], expected: list[str]
) -> None:
    """TestGenerateAPIPodStatusHostNetworkPodIPs."""
    pod = make_pod(hostNetwork=True)
    status = pod_status(observe(pod, sandbox=Sandbox(True), node_ips=node_ips))
    assert [ip["ip"] for ip in status["podIPs"]] == expected
    assert status["podIP"] == status["hostIP"]
    assert condition(status, "PodReadyToStartContainers")["status"] == "True"


# --- what kubectl shows ---------------------------------------------------------------------

BACK_OFF = "back-off 40s restarting failed container=app pod=web_default(0b6e2a4c)"
SCENARIOS = [
    pytest.param(make_pod(), {"app": seen(run())}, SANDBOX, "1/1", "Running", id="running"),
    pytest.param(make_pod(), {}, SANDBOX, "0/1", "ContainerCreating", id="container-creating"),
    pytest.param(
        make_pod(),
        {"app": seen(reason="ImagePullBackOff", message='Back-off pulling image "nope"')},
        SANDBOX,
        "0/1",
        "ImagePullBackOff",
        id="image-pull-back-off",
    ),
    pytest.param(
        make_pod(init=("setup",)),
        {"setup": seen(run())},
        SANDBOX,
        "0/1",
        "Init:0/1",
        id="init-running",
    ),
    pytest.param(
        make_pod(init=("setup",)),
        {"setup": seen(exited(code=1), reason="CrashLoopBackOff", message=BACK_OFF)},
        SANDBOX,
        "0/1",
        "Init:CrashLoopBackOff",
        id="init-crash-loop",
    ),
    pytest.param(
        make_pod(init=("setup",)),
        {"setup": seen(exited())},
        SANDBOX,
        "0/1",
        "PodInitializing",
        id="pod-initializing",
    ),
    pytest.param(
        make_pod(init=({"name": "proxy", "restartPolicy": "Always"},)),
        {"proxy": seen(run()), "app": seen(run())},
        SANDBOX,
        "2/2",
        "Running",
        id="sidecar-and-app-running",
    ),
    pytest.param(
        make_pod(status={"phase": "Running"}),
        {
            "app": seen(
                exited(3, code=1), exited(2, code=1), reason="CrashLoopBackOff", message=BACK_OFF
            )
        },
        SANDBOX,
        "0/1",
        "CrashLoopBackOff",
        id="crash-loop-back-off",
    ),
    pytest.param(
        make_pod(status={"phase": "Running"}),
        {"app": seen(exited(1, code=137, oom_killed=True))},
        SANDBOX,
        "0/1",
        "OOMKilled",
        id="oom-killed-before-restart",
    ),
    pytest.param(
        make_pod(policy="Never", status={"phase": "Running"}),
        {"app": seen(exited())},
        STOPPED,
        "0/1",
        "Completed",
        id="completed",
    ),
    pytest.param(
        make_pod(policy="Never", status={"phase": "Running"}),
        {"app": seen(exited(code=1))},
        STOPPED,
        "0/1",
        "Error",
        id="error",
    ),
    pytest.param(
        make_pod(deleting=True, status={"phase": "Running"}),
        {"app": seen(run())},
        SANDBOX,
        "1/1",
        "Terminating",
        id="terminating",
    ),
]


@pytest.mark.parametrize(("pod", "containers", "sandbox", "ready", "shown"), SCENARIOS)
def test_table_printer_shows_what_kubectl_shows(
    pod: dict[str, Any],
    containers: dict[str, ContainerObserved],
    sandbox: Sandbox,
    ready: str,
    shown: str,
) -> None:
    status = pod_status(observe(pod, containers, sandbox=sandbox))
    cells = POD.cells({**pod, "status": status}, NOW)
    assert (cells[1], cells[2]) == (ready, shown)


def test_restarts_column_counts_attempts() -> None:
    pod = make_pod(status={"phase": "Running"})
    observed = {
        "app": seen(
            exited(3, code=1), exited(2, code=1), reason="CrashLoopBackOff", message=BACK_OFF
        )
    }
    status = pod_status(observe(pod, observed))
    app = status["containerStatuses"][0]
    assert app["state"] == {"waiting": {"reason": "CrashLoopBackOff", "message": BACK_OFF}}
    assert app["lastState"]["terminated"]["exitCode"] == 1
    assert app["restartCount"] == 3
    assert status["phase"] == "Running"
    assert POD.cells({**pod, "status": status}, NOW)[3] == "3 (10s ago)"


@pytest.mark.parametrize(("pod", "containers", "sandbox", "ready", "shown"), SCENARIOS)
def test_the_official_client_parses_it(
    pod: dict[str, Any],
    containers: dict[str, ContainerObserved],
    sandbox: Sandbox,
    ready: str,
    shown: str,
) -> None:
    """kubernetes.client deserialises the status, and the Pod, as from a response."""
    status = pod_status(observe(pod, containers, sandbox=sandbox))
    client = ApiClient()
    parsed = client.deserialize(json.dumps(status), "V1PodStatus", "application/json")
    assert isinstance(parsed, V1PodStatus)
    assert parsed.phase == status.get("phase")
    assert parsed.container_statuses is not None
    assert len(parsed.container_statuses) == len(status["containerStatuses"])
    whole = client.deserialize(json.dumps({**pod, "status": status}), "V1Pod", "application/json")
    assert isinstance(whole, V1Pod)
    assert whole.status is not None
    assert whole.status.conditions is not None
    assert [c.type for c in whole.status.conditions] == [c["type"] for c in status["conditions"]]
