"""How each kind prints as a row of a `Table`: its columns, and a pure function from one
object (a dict, as served) to that row's cells.

Ported from kube-apiserver's printers (kubernetes `pkg/printers/internalversion/printers.go`):
the same column names, types, formats, descriptions and priorities, and the same cells.
The server always prints wide (`GenerateOptions{Wide: true}`, `pkg/printers/storage`), so
`cells` returns every column, in column order; kubectl hides the priority-1 columns
unless `-o wide`. `PRINTERS` holds each kind's printer (the workload kinds' are in
`workload_printers`, a Pod's in `pod_printer`); the machinery they share is in
`printing`. Pure functions: no I/O, no trio.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from mcp.kinds import workload_printers
from mcp.kinds.pod_printer import POD
from mcp.kinds.printing import (
    AGE,
    DEFAULT,
    NAME,
    NAME_DESCRIPTION,
    NONE,
    UNKNOWN,
    Cells,
    Column,
    Printer,
    age,
    count,
    get,
    metadata,
    name_of,
    parse_time,
    since,
)

# --- core/v1 ---------------------------------------------------------------------------


def _namespace_cells(obj: dict[str, Any], now: datetime) -> Cells:
    return [name_of(obj), str(get(obj, "status", "phase") or ""), age(obj, now)]


def _configmap_cells(obj: dict[str, Any], now: datetime) -> Cells:
    return [name_of(obj), count(obj.get("data")) + count(obj.get("binaryData")), age(obj, now)]


def _secret_cells(obj: dict[str, Any], now: datetime) -> Cells:
    # Upstream prints the internal object, whose data already holds stringData's keys
    # (the v1 conversion folds them in); a stored Secret has no stringData.
    keys = set(obj.get("data") or {}) | set(obj.get("stringData") or {})
    return [name_of(obj), str(obj.get("type") or ""), len(keys), age(obj, now)]


def _service_account_cells(obj: dict[str, Any], now: datetime) -> Cells:
    return [name_of(obj), count(obj.get("secrets")), age(obj, now)]


NODE_ROLE_PREFIX = "node-role.kubernetes.io/"
NODE_ROLE_LABEL = "kubernetes.io/role"


def node_roles(labels: Mapping[str, str]) -> list[str]:
    """`findNodeRoles`: `node-role.kubernetes.io/<role>` keys and `kubernetes.io/role`
    values, sorted and without repeats."""
    roles: set[str] = set()
    for key, value in labels.items():
        if key.startswith(NODE_ROLE_PREFIX):
            if role := key.removeprefix(NODE_ROLE_PREFIX):
                roles.add(role)
        elif key == NODE_ROLE_LABEL and value:
            roles.add(value)
    return sorted(roles)


def _node_status(obj: dict[str, Any]) -> str:
    conditions: dict[str, Any] = {}
    for condition in get(obj, "status", "conditions") or []:
        if isinstance(condition, dict):
            conditions[condition.get("type", "")] = condition  # the last one of a type wins
    status = []
    if (ready := conditions.get("Ready")) is not None:
        status.append("Ready" if ready.get("status") == "True" else "NotReady")
    if not status:
        status.append("Unknown")
    if get(obj, "spec", "unschedulable"):
        status.append("SchedulingDisabled")
    return ",".join(status)


def _node_address(obj: dict[str, Any], address_type: str) -> str:
    for address in get(obj, "status", "addresses") or []:
        if isinstance(address, dict) and address.get("type") == address_type:
            return str(address.get("address", ""))
    return NONE


def _node_cells(obj: dict[str, Any], now: datetime) -> Cells:
    info = get(obj, "status", "nodeInfo") or {}
    roles = ",".join(node_roles(metadata(obj).get("labels") or {})) or NONE
    return [
        name_of(obj),
        _node_status(obj),
        roles,
        age(obj, now),
        str(info.get("kubeletVersion") or ""),
        _node_address(obj, "InternalIP"),
        _node_address(obj, "ExternalIP"),
        str(info.get("osImage") or UNKNOWN),
        str(info.get("kernelVersion") or UNKNOWN),
        str(info.get("containerRuntimeVersion") or UNKNOWN),
    ]


def event_source(source: Any, reporting_controller: str, reporting_instance: str) -> str:
    """`formatEventSource`: component (else the reporting controller), then `, host`
    (else the reporting instance) when there is one."""
    source = source if isinstance(source, dict) else {}
    component = source.get("component") or reporting_controller
    instance = source.get("host") or reporting_instance
    return f"{component}, {instance}" if instance else component


def _event_cells(obj: dict[str, Any], now: datetime) -> Cells:
    first = (
        since(obj["firstTimestamp"], now)
        if parse_time(obj.get("firstTimestamp"))
        else since(obj.get("eventTime"), now)
    )
    last = since(obj["lastTimestamp"], now) if parse_time(obj.get("lastTimestamp")) else first
    count = obj.get("count") or 0
    series = obj.get("series")
    if isinstance(series, dict):
        last = since(series.get("lastObservedTime"), now)
        count = series.get("count") or 0
    elif count == 0:
        count = 1  # singleton events have no count in the events.k8s.io API
    involved = obj.get("involvedObject") or {}
    kind = str(involved.get("kind") or "").lower()
    target = f"{kind}/{involved['name']}" if involved.get("name") else kind
    return [
        last,
        obj.get("type") or "",
        obj.get("reason") or "",
        target,
        involved.get("fieldPath") or "",
        event_source(
            obj.get("source"),
            obj.get("reportingComponent") or "",  # v1's name for ReportingController
            obj.get("reportingInstance") or "",
        ),
        str(obj.get("message") or "").strip(),
        first,
        int(count),
        name_of(obj),
    ]


# Descriptions are the fields' documentation in k8s.io/api (SwaggerDoc), as upstream uses.
NAMESPACE = Printer(
    (NAME, Column("Status", "string", "The status of the namespace"), AGE), _namespace_cells
)
CONFIGMAP = Printer(
    (
        NAME,
        Column(
            "Data",
            "string",
            "Data contains the configuration data. Each key must consist of alphanumeric "
            "characters, '-', '_' or '.'. Values with non-UTF-8 byte sequences must use the "
            "BinaryData field. The keys stored in Data must not overlap with the keys in the "
            "BinaryData field, this is enforced during validation process.",
        ),
        AGE,
    ),
    _configmap_cells,
)
SECRET = Printer(
    (
        NAME,
        Column(
            "Type",
            "string",
            "Used to facilitate programmatic handling of secret data. More info: "
            "https://kubernetes.io/docs/concepts/configuration/secret/#secret-types",
        ),
        Column(
            "Data",
            "string",
            "Data contains the secret data. Each key must consist of alphanumeric characters, "
            "'-', '_' or '.'. The serialized form of the secret data is a base64 encoded "
            "string, representing the arbitrary (possibly non-string) data value here. "
            "Described in https://tools.ietf.org/html/rfc4648#section-4",
        ),
        AGE,
    ),
    _secret_cells,
)
SERVICE_ACCOUNT = Printer(
    (
        NAME,
        Column(
            "Secrets",
            "string",
            "Secrets is a list of the secrets in the same namespace that pods running using "
            "this ServiceAccount are allowed to use. Pods are only limited to this list if this "
            'service account has a "kubernetes.io/enforce-mountable-secrets" annotation set to '
            '"true". The "kubernetes.io/enforce-mountable-secrets" annotation is deprecated '
            "since v1.32. Prefer separate namespaces to isolate access to mounted secrets. This "
            "field should not be used to find auto-generated service account token secrets for "
            "use outside of pods. Instead, tokens can be requested directly using the "
            "TokenRequest API, or service account token secrets can be manually created. More "
            "info: https://kubernetes.io/docs/concepts/configuration/secret",
        ),
        AGE,
    ),
    _service_account_cells,
)
NODE_ADDRESSES_DESCRIPTION = (
    "List of addresses reachable to the node. Queried from cloud provider, if available. "
    "More info: https://kubernetes.io/docs/reference/node/node-status/#addresses Note: This "
    "field is declared as mergeable, but the merge key is not sufficiently unique, which can "
    "cause data corruption when it is merged. Callers should instead use a full-replacement "
    "patch. See https://pr.k8s.io/79391 for an example. Consumers should assume that "
    "addresses can change during the lifetime of a Node. However, there are some exceptions "
    "where this may not be possible, such as Pods that inherit a Node's address in its own "
    "status or consumers of the downward API (status.hostIP)."
)
NODE = Printer(
    (
        NAME,
        Column("Status", "string", "The status of the node"),
        Column("Roles", "string", "The roles of the node"),
        AGE,
        Column("Version", "string", "Kubelet Version reported by the node."),
        Column("Internal-IP", "string", NODE_ADDRESSES_DESCRIPTION, priority=1),
        Column("External-IP", "string", NODE_ADDRESSES_DESCRIPTION, priority=1),
        Column(
            "OS-Image",
            "string",
            "OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 "
            "(wheezy)).",
            priority=1,
        ),
        Column(
            "Kernel-Version",
            "string",
            "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).",
            priority=1,
        ),
        Column(
            "Container-Runtime",
            "string",
            "ContainerRuntime Version reported by the node through runtime remote API (e.g. "
            "containerd://1.4.2).",
            priority=1,
        ),
    ),
    _node_cells,
)
EVENT = Printer(
    (
        Column(
            "Last Seen",
            "string",
            "The time at which the most recent occurrence of this event was recorded.",
        ),
        Column(
            "Type",
            "string",
            "Type of this event (Normal, Warning), new types could be added in the future",
        ),
        Column(
            "Reason",
            "string",
            "This should be a short, machine understandable string that gives the reason for "
            "the transition into the object's current status.",
        ),
        Column("Object", "string", "The object that this event is about."),
        Column(
            "Subobject",
            "string",
            "If referring to a piece of an object instead of an entire object, this string "
            "should contain a valid JSON/Go field access statement, such as "
            "desiredState.manifest.containers[2]. For example, if the object reference is to a "
            'container within a pod, this would take on a value like: "spec.containers{name}" '
            '(where "name" refers to the name of the container that triggered the event) or if '
            'no container name is specified "spec.containers[2]" (container with index 2 in '
            "this pod). This syntax is chosen only to have some well-defined way of referencing "
            "a part of an object.",
            priority=1,
        ),
        Column(
            "Source",
            "string",
            "The component reporting this event. Should be a short machine understandable string.",
            priority=1,
        ),
        Column(
            "Message", "string", "A human-readable description of the status of this operation."
        ),
        Column(
            "First Seen",
            "string",
            "The time at which the event was first recorded. (Time of server receipt is in "
            "TypeMeta.)",
            priority=1,
        ),
        Column("Count", "string", "The number of times this event has occurred.", priority=1),
        Column("Name", "string", NAME_DESCRIPTION, format="name", priority=1),
    ),
    _event_cells,
)


# --- mcp/v1 ----------------------------------------------------------------------------


def _container_status(obj: dict[str, Any]) -> str:
    """As kubectl's STATUS of a pod: the reason when there is one (ContainerCreating,
    CrashLoopBackOff, ErrImagePull, Completed...), else the phase; Terminating once deleted."""
    if metadata(obj).get("deletionTimestamp"):
        return "Terminating"
    status = obj.get("status") or {}
    return str(status.get("reason") or status.get("phase") or "Pending")


def _container_cells(obj: dict[str, Any], now: datetime) -> Cells:
    container_id = str(get(obj, "status", "containerID") or "")
    return [
        name_of(obj),
        _container_status(obj),
        int(get(obj, "status", "restartCount") or 0),
        str(get(obj, "spec", "image") or ""),
        age(obj, now),
        str(get(obj, "spec", "state") or "running"),
        container_id[:12] or NONE,  # as `docker ps` shortens it
    ]


CONTAINER = Printer(
    (
        NAME,
        Column(
            "Status",
            "string",
            "The container's reason when it has one (ContainerCreating, CrashLoopBackOff, "
            "ErrImagePull, Completed...), else its phase.",
        ),
        Column("Restarts", "integer", "How many times the container has been restarted."),
        Column("Image", "string", "The image the container runs."),
        AGE,
        Column("State", "string", "The desired state: running or stopped.", priority=1),
        Column("Container-ID", "string", "The Docker container's id, shortened.", priority=1),
    ),
    _container_cells,
)

# Keyed by (group, kind): "" is the core group.
PRINTERS: Mapping[tuple[str, str], Printer] = {
    ("", "Namespace"): NAMESPACE,
    ("", "ConfigMap"): CONFIGMAP,
    ("", "Secret"): SECRET,
    ("", "ServiceAccount"): SERVICE_ACCOUNT,
    ("", "Node"): NODE,
    ("", "Event"): EVENT,
    ("", "Pod"): POD,
    ("apps", "Deployment"): workload_printers.DEPLOYMENT,
    ("apps", "ReplicaSet"): workload_printers.REPLICASET,
    ("batch", "Job"): workload_printers.JOB,
    ("batch", "CronJob"): workload_printers.CRONJOB,
    ("mcp", "Container"): CONTAINER,
}


def printer_for(group: str, kind: str) -> Printer:
    """The printer of a kind, or upstream's default (Name, Created At)."""
    return PRINTERS.get((group, kind), DEFAULT)
