"""The Pods of a Job: the one to create from its template, which to delete first, and
what a Pod's state means to the Job controller. Pure.

Ported from kube-controller-manager: pkg/controller/controller_utils.go (GetPodFromTemplate,
getPodsPrefix, the ActivePods order, IsPodActive, IsPodTerminating), pkg/api/v1/pod's
IsPodReady, and pkg/controller/job (manageJob's additions to the template,
activePodsForRemoval, appendDuplicatedIndexPodsForRemoval, hasJobTrackingFinalizer).
"""

from __future__ import annotations

import copy
import functools
from datetime import datetime
from typing import Any

from mcp.controllers.jobs import indexes
from mcp.controllers.jobs.backoff import parse_time
from mcp.controllers.jobs.indexes import COMPLETION_INDEX, UNKNOWN
from mcp.engine.pods.conditions import dict_of, dicts_of, int_of
from mcp.kinds.apimachinery import name_is_dns_subdomain

TRACKING_FINALIZER = "batch.kubernetes.io/job-tracking"
JOB_NAME_LABEL = "batch.kubernetes.io/job-name"
LEGACY_JOB_NAME_LABEL = "job-name"
CONTROLLER_UID_LABEL = "batch.kubernetes.io/controller-uid"
LEGACY_CONTROLLER_UID_LABEL = "controller-uid"
COMPLETION_INDEX_ENV = "JOB_COMPLETION_INDEX"
SUCCEEDED, FAILED = "Succeeded", "Failed"


def from_template(
    template: dict[str, Any],
    *,
    job: str,
    namespace: str,
    uid: str,
    manual_selector: bool,
    index: int | None,
) -> dict[str, Any]:
    """The Pod to create from the template (GetPodFromTemplate, with manageJob's additions):
    the template's labels, annotations and finalizers plus the tracking finalizer, the Job
    as controller (blocking its deletion), `generateName: <job>-`; for an Indexed Job its
    index as annotation, label and JOB_COMPLETION_INDEX, hostname `<job>-<index>` and
    `generateName: <job>-<index>-`. The labels the API server's Job strategy puts on the
    template (job-name and controller-uid, plain and batch.kubernetes.io/) are added when
    the template lacks them and `manualSelector` is not set, so that the Pods are the
    same whoever defaulted the Job."""
    template = copy.deepcopy(template)
    meta = dict_of(template.get("metadata"))
    labels = {str(k): v for k, v in dict_of(meta.get("labels")).items()}
    if not manual_selector:
        labels.setdefault(LEGACY_JOB_NAME_LABEL, job)
        labels.setdefault(JOB_NAME_LABEL, job)
        labels.setdefault(LEGACY_CONTROLLER_UID_LABEL, uid)
        labels.setdefault(CONTROLLER_UID_LABEL, uid)
    notes = {str(k): v for k, v in dict_of(meta.get("annotations")).items()}
    finalizers = [f for f in meta.get("finalizers") or [] if isinstance(f, str)]
    if TRACKING_FINALIZER not in finalizers:
        finalizers.append(TRACKING_FINALIZER)
    pod_spec = dict_of(template.get("spec"))
    if index is not None:
        for key in ("initContainers", "containers"):
            for container in dicts_of(pod_spec.get(key)):
                _add_index_env(container)
        notes[COMPLETION_INDEX] = str(index)
        labels[COMPLETION_INDEX] = str(index)
        pod_spec["hostname"] = f"{job}-{index}"
        generate_name = indexes.generate_name(job, index)
    else:
        generate_name = _prefix(job)
    metadata: dict[str, Any] = {"generateName": generate_name, "namespace": namespace}
    if labels:
        metadata["labels"] = labels
    if notes:
        metadata["annotations"] = notes
    metadata["finalizers"] = finalizers
    metadata["ownerReferences"] = [
        {
            "apiVersion": "batch/v1",
            "kind": "Job",
            "name": job,
            "uid": uid,
            "controller": True,
            "blockOwnerDeletion": True,
        }
    ]
    return {"apiVersion": "v1", "kind": "Pod", "metadata": metadata, "spec": pod_spec}


def _add_index_env(container: dict[str, Any]) -> None:
    """addCompletionIndexEnvVariable: JOB_COMPLETION_INDEX from the index label."""
    env = dicts_of(container.get("env"))
    if any(v.get("name") == COMPLETION_INDEX_ENV for v in env):
        return
    path = f"metadata.labels['{COMPLETION_INDEX}']"
    container["env"] = [
        *env,
        {"name": COMPLETION_INDEX_ENV, "valueFrom": {"fieldRef": {"fieldPath": path}}},
    ]


def _prefix(name: str) -> str:
    """getPodsPrefix: `<job>-`, unless that is no valid generateName."""
    prefix = f"{name}-"
    return name if name_is_dns_subdomain(prefix, True) else prefix


def for_removal(
    pods: list[dict[str, Any]], at_least: int, completions: int | None
) -> list[dict[str, Any]]:
    """activePodsForRemoval: for an Indexed Job, Pods without a valid index or sharing one
    (all but the most advanced); then, to reach `at_least`, the least advanced Pods
    (controller.ActivePods: unscheduled, pending, not ready, ready for less time, restarted
    more, newer)."""
    remove: list[dict[str, Any]] = []
    left = list(pods)
    if completions is not None:
        remove, left = _duplicated_indexes(pods, completions)
    if len(remove) < at_least:
        left.sort(key=functools.cmp_to_key(_active_order))
        remove += left[: at_least - len(remove)]
    return remove


def _duplicated_indexes(
    pods: list[dict[str, Any]], completions: int
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """appendDuplicatedIndexPodsForRemoval: (to remove, to keep)."""
    remove: list[dict[str, Any]] = []
    keep: list[dict[str, Any]] = []
    groups: dict[int, list[dict[str, Any]]] = {}
    for pod in sorted(pods, key=index_of):
        ix = index_of(pod)
        if ix >= completions:
            remove.append(pod)
        else:
            groups.setdefault(ix, []).append(pod)
    for ix, group in groups.items():
        if ix == UNKNOWN:
            remove += group
        elif len(group) == 1:
            keep += group
        else:
            group.sort(key=functools.cmp_to_key(_active_order))
            remove += group[:-1]
            keep.append(group[-1])
    return remove, keep


_PHASE_ORDER = {"Pending": 0, "Unknown": 1, "Running": 2}


def _active_order(a: dict[str, Any], b: dict[str, Any]) -> int:
    """controller.ActivePods' Less, as a comparison: negative when `a` goes first."""
    a_node, b_node = _node(a), _node(b)
    if a_node != b_node and (not a_node or not b_node):
        return -1 if not a_node else 1
    a_phase, b_phase = _PHASE_ORDER.get(phase(a), 0), _PHASE_ORDER.get(phase(b), 0)
    if a_phase != b_phase:
        return -1 if a_phase < b_phase else 1
    if is_ready(a) != is_ready(b):
        return -1 if not is_ready(a) else 1
    if is_ready(a) and is_ready(b):
        a_ready, b_ready = _ready_since(a), _ready_since(b)
        if a_ready != b_ready:
            return -1 if _after_or_zero(a_ready, b_ready) else 1
    a_restarts, b_restarts = _max_restarts(a), _max_restarts(b)
    if a_restarts != b_restarts:
        return -1 if a_restarts > b_restarts else 1
    a_made, b_made = _created(a), _created(b)
    if a_made != b_made:
        return -1 if _after_or_zero(a_made, b_made) else 1
    return 0


def _after_or_zero(a: datetime | None, b: datetime | None) -> bool:
    """afterOrZero: `a` is after `b`, an unset time counting as after any set one."""
    if a is None or b is None:
        return a is None
    return a > b


def _node(pod: dict[str, Any]) -> str:
    return str(dict_of(pod.get("spec")).get("nodeName") or "")


def _ready_since(pod: dict[str, Any]) -> datetime | None:
    for condition in dicts_of(dict_of(pod.get("status")).get("conditions")):
        if condition.get("type") == "Ready" and condition.get("status") == "True":
            return parse_time(condition.get("lastTransitionTime"))
    return None


def _max_restarts(pod: dict[str, Any]) -> int:
    statuses = dicts_of(dict_of(pod.get("status")).get("containerStatuses"))
    return max((int_of(c.get("restartCount")) for c in statuses), default=0)


def _created(pod: dict[str, Any]) -> datetime | None:
    return parse_time(dict_of(pod.get("metadata")).get("creationTimestamp"))


def phase(pod: dict[str, Any]) -> str:
    return str(dict_of(pod.get("status")).get("phase") or "")


def deleting(pod: dict[str, Any]) -> bool:
    return bool(dict_of(pod.get("metadata")).get("deletionTimestamp"))


def is_active(pod: dict[str, Any]) -> bool:
    """IsPodActive: not terminal and not being deleted."""
    return phase(pod) not in (SUCCEEDED, FAILED) and not deleting(pod)


def is_terminating(pod: dict[str, Any]) -> bool:
    """IsPodTerminating: being deleted and not yet terminal."""
    return phase(pod) not in (SUCCEEDED, FAILED) and deleting(pod)


def is_ready(pod: dict[str, Any]) -> bool:
    """podutil.IsPodReady: the Ready condition is True."""
    return _ready_condition(pod) == "True"


def _ready_condition(pod: dict[str, Any]) -> str | None:
    for condition in dicts_of(dict_of(pod.get("status")).get("conditions")):
        if condition.get("type") == "Ready":
            return str(condition.get("status"))
    return None


def tracked(pod: dict[str, Any]) -> bool:
    """hasJobTrackingFinalizer."""
    return TRACKING_FINALIZER in (dict_of(pod.get("metadata")).get("finalizers") or [])


def controlled_by(pod: dict[str, Any], uid: str) -> bool:
    """metav1.IsControlledBy: the Pod's controller reference has the Job's uid."""
    for reference in dicts_of(dict_of(pod.get("metadata")).get("ownerReferences")):
        if reference.get("controller") is True:
            return bool(uid) and reference.get("uid") == uid
    return False


def name_of(pod: dict[str, Any]) -> str:
    return str(dict_of(pod.get("metadata")).get("name") or "")


def uid_of(pod: dict[str, Any]) -> str:
    return str(dict_of(pod.get("metadata")).get("uid") or "")


def annotations_of(pod: dict[str, Any]) -> Any:
    return dict_of(pod.get("metadata")).get("annotations")


def index_of(pod: dict[str, Any]) -> int:
    """The Pod's completion index (UNKNOWN without a valid one)."""
    return indexes.completion_index(annotations_of(pod))
