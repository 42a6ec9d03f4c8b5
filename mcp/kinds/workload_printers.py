"""How Deployments, ReplicaSets, Jobs and CronJobs print as rows of a `Table`.

Ported from kubernetes `pkg/printers/internalversion/printers.go` (`printDeployment`,
`printReplicaSet`, `printJob` with its STATUS column, `printCronJob`,
`layoutContainerCells`, `hasJobCondition`, `printBoolPtr`) and apimachinery's
`FormatLabelSelector`: the same columns, descriptions (upstream takes them from k8s.io/api's
extensions/v1beta1 and batch SwaggerDocs, here as of v0.37.0-beta.0) and cells. Every
column is given (the server prints wide); kubectl shows the CONTAINERS, IMAGES and
SELECTOR columns with `-o wide`.
Pure functions: no I/O, no trio.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from mcp.kinds import templates
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
    since,
)

CONTAINERS = Column("Containers", "string", "Names of each container in the template.", priority=1)
IMAGES = Column(
    "Images", "string", "Images referenced by each container in the template.", priority=1
)


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def layout_containers(template: Any) -> tuple[str, str]:
    """layoutContainerCells: the template's containers' names and images, comma-joined."""
    containers = get(template, "spec", "containers")
    listed = [c for c in containers if isinstance(c, dict)] if isinstance(containers, list) else []
    names = ",".join(str(c.get("name") or "") for c in listed)
    images = ",".join(str(c.get("image") or "") for c in listed)
    return names, images


# --- apps/v1 -----------------------------------------------------------------------------------


def _deployment_cells(obj: dict[str, Any], now: datetime) -> Cells:
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    try:
        selector = templates.selector_text(templates.as_selector(spec.get("selector")))
    except templates.BadSelector:
        selector = "<invalid>"
    names, images = layout_containers(spec.get("template"))
    ready, desired = _int(status.get("readyReplicas")), _int(spec.get("replicas"))
    return [
        name_of(obj),
        f"{ready}/{desired}",
        _int(status.get("updatedReplicas")),
        _int(status.get("availableReplicas")),
        age(obj, now),
        names,
        images,
        selector,
    ]


DEPLOYMENT = Printer(
    (
        NAME,
        Column("Ready", "string", "Number of the pod with ready state"),
        Column(
            "Up-to-date",
            "string",
            "Total number of non-terminating pods targeted by this deployment that have the "
            "desired template spec.",
        ),
        Column(
            "Available",
            "string",
            "Total number of available non-terminating pods (ready for at least "
            "minReadySeconds) targeted by this deployment.",
        ),
        AGE,
        CONTAINERS,
        IMAGES,
        Column(
            "Selector",
            "string",
            "Label selector for pods. Existing ReplicaSets whose pods are selected by this will "
            "be the ones affected by this deployment.",
            priority=1,
        ),
    ),
    _deployment_cells,
)


def _replicaset_cells(obj: dict[str, Any], now: datetime) -> Cells:
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    names, images = layout_containers(spec.get("template"))
    return [
        name_of(obj),
        _int(spec.get("replicas")),
        _int(status.get("replicas")),
        _int(status.get("readyReplicas")),
        age(obj, now),
        names,
        images,
        templates.format_selector(spec.get("selector")),
    ]


REPLICASET = Printer(
    (
        NAME,
        Column(
            "Desired",
            "integer",
            "Replicas is the number of desired pods. This is a pointer to distinguish between "
            "explicit zero and unspecified. Defaults to 1. More info: "
            "https://kubernetes.io/docs/concepts/workloads/controllers/replicaset",
        ),
        Column(
            "Current",
            "integer",
            "Replicas is the most recently observed number of non-terminating pods. More info: "
            "https://kubernetes.io/docs/concepts/workloads/controllers/replicaset",
        ),
        Column(
            "Ready",
            "integer",
            "The number of non-terminating pods targeted by this ReplicaSet with a Ready "
            "Condition.",
        ),
        AGE,
        CONTAINERS,
        IMAGES,
        Column(
            "Selector",
            "string",
            "Selector is a label query over pods that should match the replica count. If the "
            "selector is empty, it is defaulted to the labels present on the pod template. "
            "Label keys and values that must match in order to be controlled by this replica "
            "set. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/"
            "labels/#label-selectors",
            priority=1,
        ),
    ),
    _replicaset_cells,
)


# --- batch/v1 ----------------------------------------------------------------------------------


def has_job_condition(status: dict[str, Any], kind: str) -> bool:
    """hasJobCondition: the first condition of that type decides, True or not."""
    for condition in status.get("conditions") or []:
        if isinstance(condition, dict) and condition.get("type") == kind:
            return condition.get("status") == "True"
    return False


def _job_status(obj: dict[str, Any]) -> str:
    status = obj.get("status") or {}
    if has_job_condition(status, "Complete"):
        return "Complete"
    if has_job_condition(status, "Failed"):
        return "Failed"
    if metadata(obj).get("deletionTimestamp"):
        return "Terminating"
    if has_job_condition(status, "Suspended"):
        return "Suspended"
    if has_job_condition(status, "FailureTarget"):
        return "FailureTarget"
    return "Running"


def _completions(spec: dict[str, Any], succeeded: int) -> str:
    completions = spec.get("completions")
    if isinstance(completions, int):
        return f"{succeeded}/{completions}"
    parallelism = _int(spec.get("parallelism"))
    return f"{succeeded}/1 of {parallelism}" if parallelism > 1 else f"{succeeded}/1"


def _duration(status: dict[str, Any], now: datetime) -> str:
    started = parse_time(status.get("startTime"))
    if started is None:
        return ""
    completed = parse_time(status.get("completionTime"))
    return human_duration((completed or now) - started)


def _job_cells(obj: dict[str, Any], now: datetime) -> Cells:
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    names, images = layout_containers(spec.get("template"))
    return [
        name_of(obj),
        _job_status(obj),
        _completions(spec, _int(status.get("succeeded"))),
        _duration(status, now),
        age(obj, now),
        names,
        images,
        templates.format_selector(spec.get("selector")),
    ]


JOB_SELECTOR = (
    "A label query over pods that should match the pod count. Normally, the system sets "
    "this field for you. More info: https://kubernetes.io/docs/concepts/overview/"
    "working-with-objects/labels/#label-selectors"
)
JOB = Printer(
    (
        NAME,
        Column("Status", "string", "Status of the job."),
        Column(
            "Completions",
            "string",
            "The number of pods which reached phase Succeeded. The value increases "
            "monotonically for a given spec. However, it may decrease in reaction to scale "
            "down of elastic indexed jobs.",
        ),
        Column("Duration", "string", "Time required to complete the job."),
        AGE,
        CONTAINERS,
        IMAGES,
        Column("Selector", "string", JOB_SELECTOR, priority=1),
    ),
    _job_cells,
)


def _bool_pointer(value: Any) -> str:
    """printBoolPtr: `True`, `False`, or `<unset>`."""
    if isinstance(value, bool):
        return "True" if value else "False"
    return "<unset>"


def _cronjob_cells(obj: dict[str, Any], now: datetime) -> Cells:
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    job_spec = get(spec, "jobTemplate", "spec") or {}
    last = status.get("lastScheduleTime")
    names, images = layout_containers(job_spec.get("template"))
    active = status.get("active")
    return [
        name_of(obj),
        str(spec.get("schedule") or ""),
        str(spec["timeZone"]) if isinstance(spec.get("timeZone"), str) else NONE,
        _bool_pointer(spec.get("suspend")),
        len(active) if isinstance(active, list) else 0,
        since(last, now) if last else NONE,
        age(obj, now),
        names,
        images,
        templates.format_selector(job_spec.get("selector")),
    ]


CRONJOB = Printer(
    (
        NAME,
        Column(
            "Schedule",
            "string",
            "The schedule in Cron format, see https://en.wikipedia.org/wiki/Cron.",
        ),
        Column(
            "Timezone",
            "string",
            "The time zone name for the given schedule, see "
            "https://en.wikipedia.org/wiki/List_of_tz_database_time_zones. If not specified, "
            "this will default to the time zone of the kube-controller-manager process. The "
            "set of valid time zone names and the time zone offset is loaded from the "
            "system-wide time zone database by the API server during CronJob validation and "
            "the controller manager during execution. If no system-wide time zone database "
            "can be found a bundled version of the database is used instead. If the time zone "
            "name becomes invalid during the lifetime of a CronJob or due to a change in host "
            "configuration, the controller will stop creating new new Jobs and will create a "
            "system event with the reason UnknownTimeZone. More information can be found in "
            "https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/#time-zones",
        ),
        Column(
            "Suspend",
            "boolean",
            "This flag tells the controller to suspend subsequent executions, it does not "
            "apply to already started executions.  Defaults to false.",
        ),
        Column("Active", "integer", "A list of pointers to currently running jobs."),
        Column(
            "Last Schedule",
            "string",
            "Information when was the last time the job was successfully scheduled.",
        ),
        AGE,
        CONTAINERS,
        IMAGES,
        Column("Selector", "string", JOB_SELECTOR, priority=1),
    ),
    _cronjob_cells,
)
