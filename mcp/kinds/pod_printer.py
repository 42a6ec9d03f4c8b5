"""How a Pod prints as a row of a `Table`: upstream's `printPod`, the STATUS column kubectl
shows (`ContainerCreating`, `Init:1/2`, `Init:CrashLoopBackOff`, `Completed`, `NotReady`,
`Terminating`, `Unknown` for a pod deleted because its node was lost...), which the
server computes, not kubectl.

Ported from kubernetes `pkg/printers/internalversion/printers.go` (`printPod`,
`hasPodReadyCondition`, `isPodInitializedConditionTrue`) with `podutil`'s
`IsRestartableInitContainer` and `IsPodPhaseTerminal`, native sidecars included: an init
container with `restartPolicy: Always` counts in READY once started and its restarts stay
in RESTARTS after initialization. Upstream prints the internal Pod, converted from v1; the
one conversion that shows here is the pod IP (`_pod_ip`). A completed or failed pod's row
carries upstream's `Completed` row condition. Pure functions: no I/O, no trio.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from mcp.kinds.printing import (
    AGE,
    NAME,
    NONE,
    Cells,
    Column,
    Printer,
    age,
    get,
    human_duration,
    metadata,
    name_of,
    parse_time,
)

# kubernetes pkg/util/node: the reason the node lifecycle controller puts on a pod it
# deletes because the pod's node stopped answering.
NODE_UNREACHABLE_POD_REASON = "NodeLost"
POD_REASON_SCHEDULING_GATED = "SchedulingGated"  # k8s.io/api core/v1
TERMINAL_PHASES = frozenset({"Succeeded", "Failed"})  # podutil.IsPodPhaseTerminal
# podSuccessConditions / podFailedConditions: kubectl may give these rows less weight.
POD_ROW_CONDITIONS = {
    "Succeeded": {
        "type": "Completed",
        "status": "True",
        "reason": "Succeeded",
        "message": "The pod has completed successfully.",
    },
    "Failed": {
        "type": "Completed",
        "status": "True",
        "reason": "Failed",
        "message": "The pod failed.",
    },
}


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def is_restartable_init_container(container: dict[str, Any] | None) -> bool:
    """`podutil.IsRestartableInitContainer`: a native sidecar (`restartPolicy: Always`)."""
    return container is not None and container.get("restartPolicy") == "Always"


def _pod_initialized(conditions: list[dict[str, Any]]) -> bool:
    """`isPodInitializedConditionTrue`: the first `Initialized` condition decides."""
    for condition in conditions:
        if condition.get("type") == "Initialized":
            return condition.get("status") == "True"
    return False


def _pod_ready(conditions: list[dict[str, Any]]) -> bool:
    """`hasPodReadyCondition`: any `Ready` condition that is True."""
    return any(c.get("type") == "Ready" and c.get("status") == "True" for c in conditions)


def _terminated_reason(terminated: dict[str, Any], prefix: str) -> str:
    """A terminated container's reason, else `Signal:<n>`, else `ExitCode:<n>`."""
    if reason := terminated.get("reason"):
        return f"{prefix}{reason}"
    if signal := _int(terminated.get("signal")):
        return f"{prefix}Signal:{signal}"
    return f"{prefix}ExitCode:{_int(terminated.get('exitCode'))}"


def _later(last: datetime | None, status: dict[str, Any]) -> datetime | None:
    """The later of `last` and when the container's previous run finished, if it did."""
    terminated = get(status, "lastState", "terminated")
    finished = parse_time(terminated.get("finishedAt")) if isinstance(terminated, dict) else None
    return finished if finished is not None and (last is None or finished > last) else last


def _pod_ip(status: dict[str, Any]) -> str:
    """The first IP of the internal PodStatus: v1's `podIP` wins over `podIPs` where both
    are set, as `Convert_v1_PodStatus_To_core_PodStatus` has it."""
    ips = _dicts(status.get("podIPs"))
    return str(status.get("podIP") or (ips[0].get("ip") if ips else "") or "")


def _readiness_gates(spec: dict[str, Any], conditions: list[dict[str, Any]]) -> str:
    """`<true>/<gates>`: a gate counts when the first condition of its type is True."""
    gates = _dicts(spec.get("readinessGates"))
    if not gates:
        return NONE
    true = 0
    for gate in gates:
        first = next((c for c in conditions if c.get("type") == gate.get("conditionType")), None)
        true += first is not None and first.get("status") == "True"
    return f"{true}/{len(gates)}"


def _pod_cells(obj: dict[str, Any], now: datetime) -> Cells:
    """`printPod` with `Wide`: READY counts started sidecars; STATUS is the phase, then the
    pod's reason, then what the init containers (`Init:...`) or the containers say, then
    `Terminating` or `Unknown` once deleted; RESTARTS adds when the last one ended."""
    spec, status = _dict(obj.get("spec")), _dict(obj.get("status"))
    conditions = _dicts(status.get("conditions"))
    init_specs = _dicts(spec.get("initContainers"))
    phase = str(status.get("phase") or "")
    reason = str(status.get("reason") or phase)
    if any(
        c.get("type") == "PodScheduled" and c.get("reason") == POD_REASON_SCHEDULING_GATED
        for c in conditions
    ):
        reason = POD_REASON_SCHEDULING_GATED

    by_name = {str(c.get("name") or ""): c for c in init_specs}
    total = len(_dicts(spec.get("containers"))) + sum(
        map(is_restartable_init_container, init_specs)
    )
    ready = restarts = sidecar_restarts = 0
    last: datetime | None = None
    sidecar_last: datetime | None = None
    initializing = False
    for i, container in enumerate(_dicts(status.get("initContainerStatuses"))):
        restarts += _int(container.get("restartCount"))
        last = _later(last, container)
        sidecar = is_restartable_init_container(by_name.get(str(container.get("name") or "")))
        if sidecar:
            sidecar_restarts += _int(container.get("restartCount"))
            sidecar_last = _later(sidecar_last, container)
        state = _dict(container.get("state"))
        terminated = state.get("terminated")
        waiting_reason = str(_dict(state.get("waiting")).get("reason") or "")
        if isinstance(terminated, dict) and _int(terminated.get("exitCode")) == 0:
            continue
        if sidecar and container.get("started") is True:
            ready += bool(container.get("ready"))
            continue
        if isinstance(terminated, dict):  # initialization failed
            reason = _terminated_reason(terminated, "Init:")
        elif waiting_reason and waiting_reason != "PodInitializing":
            reason = f"Init:{waiting_reason}"
        else:
            reason = f"Init:{i}/{len(init_specs)}"
        initializing = True
        break

    if not initializing or _pod_initialized(conditions):
        restarts, last = sidecar_restarts, sidecar_last
        has_running = False
        error_reason = ""
        for container in reversed(_dicts(status.get("containerStatuses"))):
            restarts += _int(container.get("restartCount"))
            last = _later(last, container)
            state = _dict(container.get("state"))
            terminated, waiting = state.get("terminated"), state.get("waiting")
            if isinstance(waiting, dict) and waiting.get("reason"):
                reason = str(waiting["reason"])
            elif isinstance(terminated, dict):
                reason = _terminated_reason(terminated, "")
                if _int(terminated.get("exitCode")) != 0:
                    error_reason = reason
            elif container.get("ready") and isinstance(state.get("running"), dict):
                has_running = True
                ready += 1
        # Completed is the first container's word: a pod with a container still running is
        # Running if Ready (else NotReady), and an error another container exited with shows.
        if reason == "Completed":
            if has_running and _pod_ready(conditions):
                reason = "Running"
            elif error_reason:
                reason = error_reason
            elif has_running:
                reason = "NotReady"

    if metadata(obj).get("deletionTimestamp"):
        if status.get("reason") == NODE_UNREACHABLE_POD_REASON:
            reason = "Unknown"
        elif phase not in TERMINAL_PHASES:
            reason = "Terminating"

    shown_restarts = str(restarts)
    if restarts and last is not None:
        shown_restarts = f"{restarts} ({human_duration(now - last)} ago)"
    return [
        name_of(obj),
        f"{ready}/{total}",
        reason,
        shown_restarts,
        age(obj, now),
        _pod_ip(status) or NONE,
        str(spec.get("nodeName") or NONE),
        str(status.get("nominatedNodeName") or NONE),
        _readiness_gates(spec, conditions),
    ]


def _pod_conditions(obj: dict[str, Any]) -> list[dict[str, Any]]:
    condition = POD_ROW_CONDITIONS.get(str(get(obj, "status", "phase") or ""))
    return [dict(condition)] if condition else []


# Descriptions: upstream's own strings, and k8s.io/api v0.37.0-beta.0's SwaggerDoc (the
# client-go OpenAPI test data in apiserver/openapi_schemas.json has older text for two).
POD = Printer(
    (
        NAME,
        Column(
            "Ready", "string", "The aggregate readiness state of this pod for accepting traffic."
        ),
        Column("Status", "string", "The aggregate status of the containers in this pod."),
        Column(
            "Restarts",
            "string",
            "The number of times the containers in this pod have been restarted and when the "
            "last container in this pod has restarted.",
        ),
        AGE,
        Column(
            "IP",
            "string",
            "podIP address allocated to the pod. Routable at least within the cluster. Empty "
            "if not yet allocated.",
            priority=1,
        ),
        Column(
            "Node",
            "string",
            "NodeName indicates in which node this pod is scheduled. If empty, this pod is a "
            "candidate for scheduling by the scheduler defined in schedulerName. Once this "
            "field is set, the kubelet for this node becomes responsible for the lifecycle of "
            "this pod. This field should not be used to express a desire for the pod to be "
            "scheduled on a specific node. "
            "https://kubernetes.io/docs/concepts/scheduling-eviction/assign-pod-node/#nodename",
            priority=1,
        ),
        Column(
            "Nominated Node",
            "string",
            "nominatedNodeName is set only when this pod preempts other pods on the node, but "
            "it cannot be scheduled right away as preemption victims receive their graceful "
            "termination periods. This field does not guarantee that the pod will be "
            "scheduled on this node. Scheduler may decide to place the pod elsewhere if other "
            "nodes become available sooner. Scheduler may also decide to give the resources on "
            "this node to a higher priority pod that is created after preemption. As a result, "
            "this field may be different than PodSpec.nodeName when the pod is scheduled.",
            priority=1,
        ),
        Column(
            "Readiness Gates",
            "string",
            "If specified, all readiness gates will be evaluated for pod readiness. A pod is "
            "ready when all its containers are ready AND all conditions specified in the "
            'readiness gates have status equal to "True" More info: '
            "https://git.k8s.io/enhancements/keps/sig-network/580-pod-readiness-gates",
            priority=1,
        ),
    ),
    _pod_cells,
    _pod_conditions,
)
