"""What the kubelet concludes from a Pod's v1 container statuses: its phase, its
conditions, its QoS class, and whether a container that stopped runs again. Pure.

Every function takes the Pod's `spec` and statuses as v1 JSON (dicts), as the upstream
ones take v1 structs, so the tables of upstream's tests port case by case. Ported from:

    get_phase                        pkg/kubelet/kubelet_pods.go getPhase
    container_should_restart         pkg/api/v1/pod/util.go ContainerShouldRestart
    is_restartable_init_container    pkg/api/v1/pod/util.go IsRestartableInitContainer
    containers_ready_condition       pkg/kubelet/status/generate.go GenerateContainersReadyCondition
    pod_ready_condition              ... GeneratePodReadyCondition
    initialized_condition            ... GeneratePodInitializedCondition
    ready_to_start_condition         ... GeneratePodReadyToStartContainersCondition
    qos_class                        pkg/apis/core/v1/helper/qos/qos.go GetPodQOS, ComputePodQOS

with the feature gates as they default today: ContainerRestartRules on (a container's
own `restartPolicy` and `restartPolicyRules` count), PodLevelResources on (`spec.resources`
decides the QoS class), RestartAllContainersOnContainerExits off. The `status` module
feeds them; they know nothing of Docker.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from fractions import Fraction
from typing import Any

from mcp.kinds import quantity as quantities

TERMINAL_PHASES = frozenset({"Succeeded", "Failed"})

# pkg/kubelet/status/generate.go
UNKNOWN_CONTAINER_STATUSES = "UnknownContainerStatuses"
POD_COMPLETED = "PodCompleted"
POD_FAILED = "PodFailed"
CONTAINERS_NOT_READY = "ContainersNotReady"
CONTAINERS_NOT_INITIALIZED = "ContainersNotInitialized"
READINESS_GATES_NOT_READY = "ReadinessGatesNotReady"
# pkg/kubelet/types (kubernetes#135300): why PodReadyToStartContainers is False.
POD_SANDBOX_NOT_READY = "PodSandboxNotReady"
NO_POD_SANDBOX = "no pod sandbox exists"
SANDBOX_WITHOUT_IP = "pod sandbox has no IP address"

Status = dict[str, Any]


def dicts_of(value: Any) -> list[dict[str, Any]]:
    """The objects of a JSON list (none when it is not one)."""
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def dict_of(value: Any) -> dict[str, Any]:
    """A JSON object, empty when `value` is not one."""
    return value if isinstance(value, dict) else {}


def int_of(value: Any) -> int:
    """A JSON integer, 0 when `value` is not one."""
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def all_containers(spec: Mapping[str, Any]) -> list[dict[str, Any]]:
    """A Pod spec's init containers, then its containers."""
    return [*dicts_of(spec.get("initContainers")), *dicts_of(spec.get("containers"))]


def format_pod(pod: Mapping[str, Any]) -> str:
    """format.Pod: `<name>_<namespace>(<uid>)`, how the kubelet names a Pod in messages."""
    meta = pod.get("metadata") or {}
    return f"{meta.get('name') or ''}_{meta.get('namespace') or ''}({meta.get('uid') or ''})"


def _go_list(names: Sequence[str]) -> str:
    """A []string as Go's `%s` prints it: `[a b]`."""
    return "[" + " ".join(names) + "]"


def find(statuses: Sequence[Status] | None, name: str) -> Status | None:
    """`podutil.GetContainerStatus`: the first status named `name`."""
    return next((s for s in statuses or () if s.get("name") == name), None)


def is_restartable_init_container(container: dict[str, Any]) -> bool:
    """A native sidecar: an init container with `restartPolicy: Always`."""
    return container.get("restartPolicy") == "Always"


def _rule_matches(rule: dict[str, Any], exit_code: int) -> bool:
    """`findMatchingContainerRestartRule`, for one rule."""
    codes = rule.get("exitCodes")
    if not isinstance(codes, dict):
        return False
    matched = exit_code in (codes.get("values") or [])
    operator = codes.get("operator")
    return (operator == "In" and matched) or (operator == "NotIn" and not matched)


def container_should_restart(
    container: dict[str, Any], spec: dict[str, Any], exit_code: int
) -> bool:
    """Whether `container`, stopped with `exit_code`, runs again: its first matching
    `restartPolicyRules` rule with action Restart, else its own `restartPolicy`, else the
    Pod's (unset is Always)."""
    own = container.get("restartPolicy")
    if own is not None:
        for rule in dicts_of(container.get("restartPolicyRules")):
            if _rule_matches(rule, exit_code):
                if rule.get("action") == "Restart":
                    return True
                break  # another action: the container's policy decides
        if own == "Always":
            return True
        if own == "OnFailure":
            return exit_code != 0
        if own == "Never":
            return False
    policy = spec.get("restartPolicy")
    if policy == "OnFailure":
        return exit_code != 0
    return policy != "Never"


def _terminated(status: Status, key: str = "state") -> dict[str, Any] | None:
    inner = dict_of(status.get(key)).get("terminated")
    return inner if isinstance(inner, dict) else None


def _in_state(status: Status, which: str) -> bool:
    return isinstance(dict_of(status.get("state")).get(which), dict)


def _exit_code(terminated: dict[str, Any]) -> int:
    return int_of(terminated.get("exitCode"))


def get_phase(
    pod: dict[str, Any], statuses: Sequence[Status], *, terminal: bool, initialized: bool
) -> str:
    """`getPhase`: the Pod's phase from its container statuses (init ones included).

    Args:
        pod: the Pod, v1 JSON (its `spec` is what counts).
        statuses: the container statuses and the init container statuses.
        terminal: the Pod is being torn down for good and nothing of it runs, so its
            containers will not restart whatever the policy (`podIsTerminal`).
        initialized: a regular container of the current sandbox has started
            (`HasAnyActiveRegularContainerStarted`): a restarting sidecar does not put
            the Pod back to Pending.

    Returns:
        Pending, Running, Succeeded or Failed.
    """
    spec = dict_of(pod.get("spec"))
    pending_init = failed_init = pending_sidecars = 0
    unknown = running = waiting = stopped = stopped_for_good = succeeded = 0
    inits = dicts_of(spec.get("initContainers"))
    for container in inits:
        if is_restartable_init_container(container):
            continue
        status = find(statuses, str(container.get("name")))
        if status is None or _in_state(status, "running"):
            pending_init += 1
        elif (done := _terminated(status)) is not None:
            code = _exit_code(done)
            failed_init += code != 0 and not container_should_restart(container, spec, code)
        elif _in_state(status, "waiting"):
            if (last := _terminated(status, "lastState")) is not None:
                code = _exit_code(last)
                failed_init += code != 0 and not container_should_restart(container, spec, code)
            else:
                pending_init += 1
        else:
            pending_init += 1
    for container in inits:
        if not is_restartable_init_container(container):
            continue
        status = find(statuses, str(container.get("name")))
        if status is None:
            unknown += 1
        elif _in_state(status, "running"):
            pending_sidecars += status.get("started") is not True
            running += 1
        elif _terminated(status) is not None:
            pass  # a stopped sidecar does not count for the phase
        elif _in_state(status, "waiting"):
            if _terminated(status, "lastState") is None:
                pending_sidecars += 1
                waiting += 1
        else:
            pending_sidecars += 1
            unknown += 1
    for container in dicts_of(spec.get("containers")):
        status = find(statuses, str(container.get("name")))
        if status is None:
            unknown += 1
        elif _in_state(status, "running"):
            running += 1
        elif (done := _terminated(status)) is not None:
            stopped += 1
            code = _exit_code(done)
            stopped_for_good += not container_should_restart(container, spec, code)
            succeeded += code == 0
        elif _in_state(status, "waiting"):
            if (last := _terminated(status, "lastState")) is not None:
                stopped += 1
                code = _exit_code(last)
                stopped_for_good += not container_should_restart(container, spec, code)
            else:
                waiting += 1
        else:
            unknown += 1

    if failed_init:
        return "Failed"
    if pending_init or (pending_sidecars and not initialized) or waiting:
        return "Pending"
    if running and not unknown:
        return "Running"
    if not running and stopped and not unknown:
        if terminal:
            return "Succeeded" if stopped == succeeded else "Failed"
        if stopped != stopped_for_good:
            return "Running"  # some are restarting
        return "Succeeded" if stopped == succeeded else "Failed"
    return "Pending"


def has_any_regular_container_started(spec: dict[str, Any], statuses: Sequence[Status]) -> bool:
    """`HasAnyRegularContainerStarted`: a regular container runs or ran."""
    names = {c.get("name") for c in dicts_of(spec.get("containers"))}
    return any(
        s.get("name") in names and (_in_state(s, "running") or _terminated(s) is not None)
        for s in statuses
    )


def _condition(kind: str, status: str, reason: str = "", message: str = "") -> Status:
    """A PodCondition as Go serialises it: reason and message only when set."""
    condition: Status = {"type": kind, "status": status}
    if reason:
        condition["reason"] = reason
    if message:
        condition["message"] = message
    return condition


def _unready_message(unknown: list[str], bad: list[str], adjective: str) -> str:
    parts = []
    if unknown:
        parts.append(f"containers with unknown status: {_go_list(unknown)}")
    if bad:
        parts.append(f"containers with {adjective} status: {_go_list(bad)}")
    return ", ".join(parts)


def containers_ready_condition(
    spec: dict[str, Any], statuses: Sequence[Status] | None, phase: str
) -> Status:
    """`GenerateContainersReadyCondition`: every container and sidecar is ready."""
    if statuses is None:
        return _condition("ContainersReady", "False", UNKNOWN_CONTAINER_STATUSES)
    unknown: list[str] = []
    unready: list[str] = []
    sidecars = [c for c in dicts_of(spec.get("initContainers")) if is_restartable_init_container(c)]
    for container in [*sidecars, *dicts_of(spec.get("containers"))]:
        name = str(container.get("name"))
        status = find(statuses, name)
        if status is None:
            unknown.append(name)
        elif not status.get("ready"):
            unready.append(name)
    if (phase == "Succeeded" and not unknown) or phase == "Failed":
        reason = POD_FAILED if phase == "Failed" else POD_COMPLETED
        return _condition("ContainersReady", "False", reason)
    if message := _unready_message(unknown, unready, "unready"):
        return _condition("ContainersReady", "False", CONTAINERS_NOT_READY, message)
    return _condition("ContainersReady", "True")


def pod_ready_condition(
    spec: dict[str, Any],
    conditions: Sequence[Status],
    statuses: Sequence[Status] | None,
    phase: str,
) -> Status:
    """`GeneratePodReadyCondition`: the containers are ready and so is every readiness
    gate (the first condition of its type in `conditions` is True)."""
    containers = containers_ready_condition(spec, statuses, phase)
    if containers["status"] != "True":
        return {**containers, "type": "Ready"}
    messages = []
    for gate in dicts_of(spec.get("readinessGates")):
        kind = gate.get("conditionType")
        found = next((c for c in conditions if c.get("type") == kind), None)
        if found is None:
            messages.append(
                f'corresponding condition of pod readiness gate "{kind}" does not exist.'
            )
        elif found.get("status") != "True":
            status = found.get("status") or ""
            messages.append(
                f'the status of pod readiness gate "{kind}" is not "True", but {status}'
            )
    if messages:
        return _condition("Ready", "False", READINESS_GATES_NOT_READY, ", ".join(messages))
    return _condition("Ready", "True")


def _init_done(container: dict[str, Any], status: Status) -> bool:
    """`isInitContainerInitialized`: a sidecar once started, another init once ready."""
    if is_restartable_init_container(container):
        return status.get("started") is True
    return bool(status.get("ready"))


def initialized_condition(
    spec: dict[str, Any], statuses: Sequence[Status] | None, phase: str
) -> Status:
    """`GeneratePodInitializedCondition`: every init container has done its part."""
    inits = dicts_of(spec.get("initContainers"))
    if statuses is None and inits:
        return _condition("Initialized", "False", UNKNOWN_CONTAINER_STATUSES)
    unknown: list[str] = []
    incomplete: list[str] = []
    for container in inits:
        name = str(container.get("name"))
        status = find(statuses, name)
        if status is None:
            unknown.append(name)
        elif not _init_done(container, status):
            incomplete.append(name)
    if phase == "Succeeded" and not unknown:
        return _condition("Initialized", "True", POD_COMPLETED)
    if has_any_regular_container_started(spec, statuses or ()):
        return _condition("Initialized", "True")  # initialized before; sidecars restarting
    if message := _unready_message(unknown, incomplete, "incomplete"):
        return _condition("Initialized", "False", CONTAINERS_NOT_INITIALIZED, message)
    return _condition("Initialized", "True")


def ready_to_start_condition(
    sandbox_running: bool | None, has_ip: bool, host_network: bool
) -> Status:
    """`GeneratePodReadyToStartContainersCondition`: the sandbox (infra container) runs
    with its network set up, so containers can start (`PodSandboxChanged` is false).

    Args:
        sandbox_running: whether the infra container runs; None when there is none.
        has_ip: it has an address on the pod network.
        host_network: the Pod uses the host's network, so needs no address of its own.
    """
    if sandbox_running is None:
        return _condition(
            "PodReadyToStartContainers", "False", POD_SANDBOX_NOT_READY, NO_POD_SANDBOX
        )
    if not sandbox_running:
        # Upstream words this case too; its text was not to be found, so none is given.
        return _condition("PodReadyToStartContainers", "False", POD_SANDBOX_NOT_READY)
    if not host_network and not has_ip:
        return _condition(
            "PodReadyToStartContainers", "False", POD_SANDBOX_NOT_READY, SANDBOX_WITHOUT_IP
        )
    return _condition("PodReadyToStartContainers", "True")


# --- QoS class ---------------------------------------------------------------------------


def quantity(value: Any) -> Fraction:
    """A resource quantity's value (`"500m"`, `"1Gi"`, `"1e3"`, `2`) as `kinds.quantity`
    reads it; 0 when it is none (the API server has validated stored ones)."""
    try:
        return quantities.from_json(value).value
    except quantities.QuantityError:
        return Fraction(0)


def _resource_qos(resources: dict[str, Any]) -> str:
    """`resourceQOS`: one set of requests and limits, judged on cpu and memory."""
    requests, limits = dict_of(resources.get("requests")), dict_of(resources.get("limits"))
    if not requests and not limits:
        return "BestEffort"
    qos = ""
    for name in ("cpu", "memory"):
        request, limit = quantity(requests.get(name, 0)), quantity(limits.get(name, 0))
        if request != limit:
            return "Burstable"
        best_effort = request == 0
        if not qos:
            qos = "BestEffort" if best_effort else "Guaranteed"
        elif best_effort != (qos == "BestEffort"):
            return "Burstable"
    return qos


def qos_class(pod: dict[str, Any]) -> str:
    """`GetPodQOS`: the class already in the status, else `ComputePodQOS`: the Pod-level
    resources when set, else every container's and init container's, all alike or
    Burstable."""
    if recorded := dict_of(pod.get("status")).get("qosClass"):
        return str(recorded)
    spec = dict_of(pod.get("spec"))
    if isinstance(spec.get("resources"), dict):
        return _resource_qos(spec["resources"])
    classes = {_resource_qos(dict_of(c.get("resources"))) for c in all_containers(spec)}
    if "Burstable" in classes or len(classes) > 1:
        return "Burstable"
    return classes.pop() if classes else "BestEffort"
