"""A Pod's status from one look at Docker: the kubelet's status generation, pure.

`pod_status(observed)` is what the Pod engine's settle step writes to `status`. It ports
the kubelet's `generateAPIPodStatus` (pkg/kubelet/kubelet_pods.go: the container statuses
of `containers`, `getPhase` of `conditions`, the phase's three-way merge, the eviction
past activeDeadlineSeconds of active_deadline.go, the conditions, the addresses), then
what the status manager does before it patches the API (pkg/kubelet/status/
status_manager.go): `updateStatusInternal` keeps a condition's `lastTransitionTime` while
its status holds and `startTime` once set, `normalizeStatus` cuts termination messages to
the Pod's share, `SetPodStatus` sets `observedGeneration`, `mergePodStatus` keeps the
conditions others own and holds a terminal phase back while anything of the Pod runs.

The engine fills `Observed` from Docker and from what it remembers (why a container could
not run, the prober's results) and passes `now`; the output is v1 JSON as the API serves
it. No I/O, no trio.
"""

from __future__ import annotations

import copy
import ipaddress
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from mcp.engine.pods.conditions import (
    POD_COMPLETED,
    POD_FAILED,
    TERMINAL_PHASES,
    Status,
    containers_ready_condition,
    dict_of,
    dicts_of,
    get_phase,
    initialized_condition,
    int_of,
    pod_ready_condition,
    qos_class,
    ready_to_start_condition,
)
from mcp.engine.pods.containers import ContainerObserved, apply_probes, container_statuses
from mcp.kinds.apimachinery import rfc3339
from mcp.model import parse_time

MAX_POD_TERMINATION_MESSAGES = 12 * 1024  # bytes, shared by all the Pod's containers
# active_deadline.go
DEADLINE_EXCEEDED = "DeadlineExceeded"
DEADLINE_MESSAGE = "Pod was active on the node longer than the specified deadline"
# pkg/kubelet/types/pod_status.go PodConditionsByKubelet, PodReadyToStartContainers
# included: the status manager replaces these and keeps every other condition as it is.
KUBELET_CONDITIONS = frozenset(
    {
        "PodScheduled",
        "Ready",
        "Initialized",
        "ContainersReady",
        "PodResizeInProgress",
        "PodResizePending",
        "PodReadyToStartContainers",
    }
)


@dataclass(frozen=True)
class Sandbox:
    """The Pod's infra container, which holds its network namespace."""

    running: bool
    ips: tuple[str, ...] = ()  # its addresses on the pod network


@dataclass(frozen=True)
class Observed:
    """What a pass knows of a Pod: the object as stored and one look at Docker.

    Whether the Pod is being deleted is its `metadata.deletionTimestamp`; what carries
    over (transition times, start time, restart counts, reasons) comes from its `status`.
    """

    pod: Mapping[str, Any]  # the Pod, v1 JSON as served
    containers: Mapping[str, ContainerObserved]  # by container name, init ones included
    sandbox: Sandbox | None  # None: no infra container
    node_ips: tuple[str, ...]  # the node's addresses, the primary first (hostIPs)
    now: datetime

    @property
    def deleting(self) -> bool:
        return bool(dict_of(self.pod.get("metadata")).get("deletionTimestamp"))


def _past_deadline(spec: dict[str, Any], previous: Status, now: datetime) -> bool:
    """activeDeadlineSeconds have passed since the Pod's start time."""
    deadline = spec.get("activeDeadlineSeconds")
    start = parse_time(previous.get("startTime"))
    if not isinstance(deadline, int) or isinstance(deadline, bool) or start is None:
        return False
    return now - start >= timedelta(seconds=deadline)


def _phase(generated: str, spec: dict[str, Any], previous: Status, now: datetime) -> Status:
    """generateAPIPodStatus after getPhase: a terminal phase stays terminal, a phase that
    holds keeps its reason and message, a Pod past its deadline fails."""
    before = str(previous.get("phase") or "")
    phase = before if generated not in TERMINAL_PHASES and before in TERMINAL_PHASES else generated
    reason = message = ""
    if phase == before:
        reason, message = str(previous.get("reason") or ""), str(previous.get("message") or "")
    # The kubelet syncs a Pod no more once it is terminal: the deadline is for the others.
    if before not in TERMINAL_PHASES and _past_deadline(spec, previous, now):
        phase, reason, message = "Failed", DEADLINE_EXCEEDED, DEADLINE_MESSAGE
    return {"phase": phase, "reason": reason, "message": message}


def _condition(generated: Status, generation: int, old: Sequence[Status], at: str) -> Status:
    """A condition of the kubelet's in PodCondition's field order: its observed
    generation, and its transition time kept while its status holds
    (`updateLastTransitionTime`)."""
    kind, status = generated["type"], generated["status"]
    condition: Status = {"type": kind}
    if generation:
        condition["observedGeneration"] = generation
    condition["status"] = status
    condition["lastProbeTime"] = None
    was = next((c for c in old if c.get("type") == kind), None)
    same = was is not None and was.get("status") == status
    condition["lastTransitionTime"] = was.get("lastTransitionTime") if was and same else at
    for key in ("reason", "message"):
        if generated.get(key):
            condition[key] = generated[key]
    return condition


def _conditions(
    observed: Observed, statuses: list[Status], phase: str, generation: int
) -> list[Status]:
    """The conditions others own as they are, then the kubelet's in its order."""
    spec, previous = dict_of(observed.pod.get("spec")), dict_of(observed.pod.get("status"))
    old = dicts_of(previous.get("conditions"))
    kept = [copy.deepcopy(c) for c in old if c.get("type") not in KUBELET_CONDITIONS]
    sandbox = observed.sandbox
    generated = [
        ready_to_start_condition(
            sandbox.running if sandbox else None,
            bool(sandbox and sandbox.ips),
            spec.get("hostNetwork") is True,
        ),
        initialized_condition(spec, statuses, phase),
    ]
    generated.append(pod_ready_condition(spec, [*kept, *generated], statuses, phase))
    generated.append(containers_ready_condition(spec, statuses, phase))
    generated.append({"type": "PodScheduled", "status": "True"})
    at = rfc3339(observed.now)
    return [*kept, *(_condition(c, generation, old, at) for c in generated)]


def _unready_when_terminal(conditions: list[Status], phase: str, generation: int, at: str) -> None:
    """mergePodStatus: a terminal Pod is never reported ready (kubernetes#108594)."""
    if not any(
        c.get("type") in ("Ready", "ContainersReady") and c.get("status") == "True"
        for c in conditions
    ):
        return
    reason = POD_FAILED if phase == "Failed" else POD_COMPLETED
    for kind in ("ContainersReady", "Ready"):
        new = _condition(
            {"type": kind, "status": "False", "reason": reason}, generation, conditions, at
        )
        index = next((i for i, c in enumerate(conditions) if c.get("type") == kind), None)
        if index is None:
            conditions.append(new)
        else:
            conditions[index] = new


def _ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """`ParseIPSloppy`: an address, IPv4 with leading zeros allowed."""
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        parts = text.split(".")
        if len(parts) == 4 and all(p.isdigit() and int(p) < 256 for p in parts):
            return ipaddress.IPv4Address(".".join(str(int(p)) for p in parts))
        return None


def _addresses(texts: Sequence[str]) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    return [ip for ip in map(_ip, texts) if ip is not None]


def sort_pod_ips(pod_ips: Sequence[str], node_ips: Sequence[str]) -> list[str]:
    """`sortPodIPs`: the first address of the node's primary family (IPv4 when the node
    has none), then the first of the other family, written canonically."""
    nodes = _addresses(node_ips[:1])
    primary = nodes[0].version if nodes else 4
    parsed = _addresses(pod_ips)
    ordered = []
    for version in (primary, 10 - primary):  # 4 then 6, or 6 then 4
        found = next((ip for ip in parsed if ip.version == version), None)
        if found is not None:
            ordered.append(str(found))
    return ordered


def _ips(observed: Observed) -> Status:
    """hostIP(s) from the node's addresses, podIP(s) from a running sandbox (or the
    node's, for a Pod on the host's network)."""
    sandbox = observed.sandbox
    pod_ips = sort_pod_ips(sandbox.ips if sandbox and sandbox.running else (), observed.node_ips)
    hosts = _addresses(observed.node_ips[:2])
    ips: Status = {}
    if hosts:
        ips["hostIP"] = str(hosts[0])
        ips["hostIPs"] = [{"ip": str(ip)} for ip in hosts]
        if dict_of(observed.pod.get("spec")).get("hostNetwork") is True:
            if not pod_ips:
                pod_ips = [str(hosts[0])]
            first = _addresses(pod_ips[:1])
            if len(hosts) == 2 and len(pod_ips) == 1 and first[0].version != hosts[1].version:
                pod_ips.append(str(hosts[1]))
    if pod_ips:
        ips["podIP"] = pod_ips[0]
        ips["podIPs"] = [{"ip": ip} for ip in pod_ips]
    return ips


def _head(text: str, limit: int) -> str:
    data = text.encode()
    return data[:limit].decode(errors="replace") if len(data) > limit else text


def _truncate_messages(statuses: list[Status], limit: int) -> None:
    """normalizeStatus: each termination message keeps the container's share of 12 KiB."""
    for status in statuses:
        for key in ("state", "lastState"):
            terminated = dict_of(status.get(key)).get("terminated")
            if isinstance(terminated, dict) and isinstance(terminated.get("message"), str):
                terminated["message"] = _head(terminated["message"], limit)


def _runs(observed: Observed) -> bool:
    """A container of the Pod runs."""
    return any(c.running for seen in observed.containers.values() for c in seen.last_two())


def _generate(observed: Observed) -> tuple[Status, str]:
    """The status to report, and the phase the kubelet generated before the merge."""
    pod, now = observed.pod, observed.now
    spec, previous = dict_of(pod.get("spec")), dict_of(pod.get("status"))
    generation = int_of(dict_of(pod.get("metadata")).get("generation"))
    seen, deleting = observed.containers, observed.deleting
    inits = container_statuses(
        spec, seen, previous.get("initContainerStatuses"), init=True, deleting=deleting
    )
    regulars = container_statuses(
        spec, seen, previous.get("containerStatuses"), init=False, deleting=deleting
    )
    started = any(
        attempt.in_current_sandbox
        for container in dicts_of(spec.get("containers"))
        for attempt in seen.get(str(container.get("name")), ContainerObserved()).attempts
    )
    phase = get_phase(
        dict(pod),
        [*regulars, *inits],
        terminal=deleting and not _runs(observed),
        initialized=started,
    )
    verdict = _phase(phase, spec, previous, now)
    generated = verdict["phase"]
    apply_probes(spec, seen, inits, init=True)
    apply_probes(spec, seen, regulars, init=False)
    conditions = _conditions(observed, [*inits, *regulars], generated, generation)
    # mergePodStatus: no terminal phase while anything of the Pod may still run.
    before = str(previous.get("phase") or "")
    sandbox_runs = observed.sandbox is not None and observed.sandbox.running
    holding = generated in TERMINAL_PHASES and before not in TERMINAL_PHASES
    if holding and (sandbox_runs or _runs(observed)):
        verdict = {key: str(previous.get(key) or "") for key in ("phase", "reason", "message")}
    if verdict["phase"] in TERMINAL_PHASES:
        _unready_when_terminal(conditions, verdict["phase"], generation, rfc3339(now))
    count = len(inits) + len(regulars) + len(dicts_of(spec.get("ephemeralContainers")))
    _truncate_messages([*inits, *regulars], MAX_POD_TERMINATION_MESSAGES // max(count, 1))

    status: Status = {}
    if generation:
        status["observedGeneration"] = generation
    if verdict["phase"]:
        status["phase"] = verdict["phase"]
    status["conditions"] = conditions
    for key in ("message", "reason"):
        if verdict[key]:
            status[key] = verdict[key]
    status.update(_ips(observed))
    status["startTime"] = previous.get("startTime") or rfc3339(now)
    if inits:
        status["initContainerStatuses"] = inits
    status["containerStatuses"] = regulars
    status["qosClass"] = qos_class(dict(pod))
    if claims := previous.get("resourceClaimStatuses"):
        status["resourceClaimStatuses"] = copy.deepcopy(claims)  # not the kubelet's to change
    return status, generated


def pod_status(observed: Observed) -> dict[str, Any]:
    """The Pod's `status` after one look at Docker, as the kubelet would report it.

    Args:
        observed: the Pod as stored (its previous status included) and what Docker and
            the engine show of it now.

    Returns:
        The v1 PodStatus, JSON as the API serves it.
    """
    return _generate(observed)[0]


def generated_phase(observed: Observed) -> str:
    """The phase the kubelet's pod worker acts on (`SyncPod`'s isTerminal): the one it
    generated, before the status manager holds a terminal phase back while a container
    or the sandbox still runs. The engine tears the Pod down (stops its sandbox) once
    this is Succeeded or Failed; the reported phase follows once nothing runs."""
    return _generate(observed)[1]
