"""The Node's status, decided: what Docker says of its host and the stored Node in, the
Node to store out. Pure: no I/O, no trio; `now` is handed in.

As kubelet's status setters do (`pkg/kubelet/nodestatus/setters.go`):
- `Ready` is True (`KubeletReady`) while Docker answers, False (`KubeletNotReady`, "container
  runtime is down: ...") when it does not; MemoryPressure, DiskPressure and PIDPressure are
  False (mcp does not evict). Ready is the last condition, as kubelet keeps it.
- Every condition's `lastHeartbeatTime` is now; its `lastTransitionTime` moves only when its
  status changes.
- While Docker does not answer, what it said last (capacity, nodeInfo, addresses) stays;
  a Node registered then has kubelet's fallback capacity (cpu 0, memory 0, pods 110) and
  empty nodeInfo strings (the typed clients require every nodeInfo field).
- The default labels (hostname, os, arch) are set at registration, and put right at each
  start (kubelet's `updateDefaultLabels`); the control-plane role label only when the Node
  is new, so a user may take it off. Any other label, annotation and the spec are the
  users' and stay as stored.

`needs_write` keeps etcd calm: a Node whose status differs from the stored one only in its
heartbeats is written once the stored heartbeat is `HEARTBEAT_S` old.
"""

from __future__ import annotations

import copy
from datetime import datetime, timedelta
from typing import Any

from mcp.kinds import core, node
from mcp.model import HostInfo

MAX_PODS = "110"  # kubelet's default maxPods
HEARTBEAT_S = 40.0  # the node lifecycle controller's default grace period
CONDITIONS = (
    ("MemoryPressure", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
    ("DiskPressure", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
    ("PIDPressure", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
)
READY = "Ready"
READY_REASON = "KubeletReady"
READY_MESSAGE = "kubelet is posting ready status"
NOT_READY_REASON = "KubeletNotReady"
RUNTIME_DOWN = "container runtime is down"
NODE_INFO_FIELDS = (
    "machineID",
    "systemUUID",
    "bootID",
    "kernelVersion",
    "osImage",
    "containerRuntimeVersion",
    "kubeletVersion",
    "kubeProxyVersion",
    "operatingSystem",
    "architecture",
)


def timestamp(moment: datetime) -> str:
    """`moment` as Kubernetes writes condition times: RFC 3339, to the second."""
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _kibibytes(size: int) -> str:
    return f"{size // 1024}Ki"


def _capacity(host: HostInfo) -> dict[str, str]:
    capacity = {
        "cpu": str(host.cpus),
        "memory": _kibibytes(host.memory_bytes),
        "pods": MAX_PODS,
    }
    if host.storage_bytes is not None:
        capacity["ephemeral-storage"] = _kibibytes(host.storage_bytes)
    return capacity


def _node_info(host: HostInfo, version: str) -> dict[str, str]:
    return {
        "machineID": host.machine_id,
        "systemUUID": host.system_uuid,
        "bootID": host.boot_id,
        "kernelVersion": host.kernel_version,
        "osImage": host.os_image,
        "containerRuntimeVersion": f"docker://{host.runtime_version}",
        "kubeletVersion": version,
        "kubeProxyVersion": version,
        "operatingSystem": host.operating_system,
        "architecture": node.go_arch(host.architecture),
    }


def _addresses(name: str, host: HostInfo) -> list[dict[str, str]]:
    addresses = [{"type": "InternalIP", "address": host.internal_ip}] if host.internal_ip else []
    return [*addresses, {"type": "Hostname", "address": name}]


def _condition(
    previous: dict[str, Any] | None, kind: str, status: str, reason: str, message: str, now: str
) -> dict[str, Any]:
    since = now
    if previous is not None and previous.get("status") == status:
        since = previous.get("lastTransitionTime") or now
    return {
        "type": kind,
        "status": status,
        "lastHeartbeatTime": now,
        "lastTransitionTime": since,
        "reason": reason,
        "message": message,
    }


def conditions(previous: list[Any], runtime_error: str | None, now: str) -> list[dict[str, Any]]:
    """The four conditions kubelet posts, Ready last; `runtime_error` is why Docker did not
    answer (None: it did)."""
    before = {c.get("type"): c for c in previous if isinstance(c, dict)}
    decided = [
        _condition(before.get(kind), kind, "False", reason, message, now)
        for kind, reason, message in CONDITIONS
    ]
    if runtime_error is None:
        ready = _condition(before.get(READY), READY, "True", READY_REASON, READY_MESSAGE, now)
    else:
        message = f"{RUNTIME_DOWN}: {runtime_error}"
        ready = _condition(before.get(READY), READY, "False", NOT_READY_REASON, message, now)
    return [*decided, ready]


def default_labels(name: str, host: HostInfo | None, stored: dict[str, str]) -> dict[str, str]:
    """The labels kubelet sets on its Node (os and arch only once Docker has told them)."""
    labels = {node.LABEL_HOSTNAME: name}
    if host is not None:
        arch = node.go_arch(host.architecture)
        labels |= {
            node.LABEL_OS: host.operating_system,
            node.LABEL_ARCH: arch,
            node.LABEL_OS_BETA: host.operating_system,
            node.LABEL_ARCH_BETA: arch,
        }
    return {**stored, **labels}


def decide(
    previous: dict[str, Any] | None,
    *,
    name: str,
    host: HostInfo | None,
    runtime_error: str | None,
    version: str,
    now: datetime,
    registering: bool,
    created: dict[str, str],
) -> dict[str, Any]:
    """The Node to store.

    Args:
        previous: the stored Node (without it: register one).
        name: the Node's name.
        host: what Docker says of its host; None when it did not answer.
        runtime_error: why it did not answer.
        version: kubelet's and kube-proxy's version to report (the server's gitVersion).
        now: the time of this pass.
        registering: the actor's first pass since it started: put the default labels right.
        created: the `metadata` a new Node starts with (uid, creationTimestamp).
    """
    stamp = timestamp(now)
    if previous is None:
        obj: dict[str, Any] = {
            "apiVersion": core.NODE.group_version,
            "kind": core.NODE.kind,
            "metadata": {**copy.deepcopy(created), "name": name},
            "spec": {},
        }
        labels = {node.LABEL_CONTROL_PLANE: ""}
        before: dict[str, Any] = {}
    else:
        obj = copy.deepcopy(previous)
        obj["metadata"].pop("resourceVersion", None)  # etcd's, never stored
        labels = obj["metadata"].get("labels") or {}
        stored_status = obj.get("status")
        before = stored_status if isinstance(stored_status, dict) else {}
    if previous is None or registering:
        labels = default_labels(name, host, labels)
    obj["metadata"]["labels"] = labels
    status: dict[str, Any] = {}
    if host is not None:
        status["capacity"] = _capacity(host)
        status["allocatable"] = dict(status["capacity"])
        status["addresses"] = _addresses(name, host)
        status["nodeInfo"] = _node_info(host, version)
    else:
        fallback = {"cpu": "0", "memory": "0", "pods": MAX_PODS}
        status["capacity"] = before.get("capacity") or fallback
        status["allocatable"] = before.get("allocatable") or dict(status["capacity"])
        status["addresses"] = before.get("addresses") or [{"type": "Hostname", "address": name}]
        info = before.get("nodeInfo") or {}
        status["nodeInfo"] = {field: str(info.get(field) or "") for field in NODE_INFO_FIELDS}
        status["nodeInfo"]["kubeletVersion"] = status["nodeInfo"]["kubeProxyVersion"] = version
    status["conditions"] = conditions(before.get("conditions") or [], runtime_error, stamp)
    status["daemonEndpoints"] = {"kubeletEndpoint": {"Port": 0}}
    obj["status"] = status
    return obj


def _without_heartbeats(obj: dict[str, Any] | None) -> Any:
    if obj is None:
        return None
    trimmed = copy.deepcopy(obj)
    trimmed["metadata"].pop("resourceVersion", None)
    for condition in (trimmed.get("status") or {}).get("conditions") or []:
        if isinstance(condition, dict):
            condition.pop("lastHeartbeatTime", None)
    return trimmed


def last_heartbeat(obj: dict[str, Any]) -> datetime | None:
    """When the stored Node's Ready condition was last posted."""
    for condition in (obj.get("status") or {}).get("conditions") or []:
        if isinstance(condition, dict) and condition.get("type") == READY:
            try:
                return datetime.strptime(
                    str(condition.get("lastHeartbeatTime")), "%Y-%m-%dT%H:%M:%S%z"
                )
            except ValueError:
                return None
    return None


def needs_write(
    previous: dict[str, Any] | None,
    new: dict[str, Any],
    *,
    now: datetime,
    heartbeat_s: float = HEARTBEAT_S,
) -> bool:
    """Whether `new` must be stored over `previous`: something besides the heartbeats
    changed, or the stored heartbeat is `heartbeat_s` old (or unreadable)."""
    if previous is None or _without_heartbeats(previous) != _without_heartbeats(new):
        return True
    beat = last_heartbeat(previous)
    return beat is None or now - beat >= timedelta(seconds=heartbeat_s)
