"""The Pods of a Job: the one to create from its template (`pod_facts.pod_from_template`
with manageJob's additions), which to delete first, and which the Job tracks. Pure.

Ported from kube-controller-manager: pkg/controller/controller_utils.go (the ActivePods
order) and pkg/controller/job (manageJob's additions to the template,
activePodsForRemoval, appendDuplicatedIndexPodsForRemoval, hasJobTrackingFinalizer).
What any controller reads of a Pod (active, terminating, ready) is `pod_facts`'.
"""

from __future__ import annotations

import functools
from datetime import datetime
from typing import Any

from mcp.controllers import pod_facts
from mcp.controllers.jobs import indexes
from mcp.controllers.jobs.indexes import COMPLETION_INDEX, UNKNOWN
from mcp.controllers.pod_facts import is_ready, max_container_restarts, node_name, phase
from mcp.engine.pods.conditions import dict_of, dicts_of
from mcp.model import parse_time

TRACKING_FINALIZER = "batch.kubernetes.io/job-tracking"
JOB_NAME_LABEL = "batch.kubernetes.io/job-name"
LEGACY_JOB_NAME_LABEL = "job-name"
CONTROLLER_UID_LABEL = "batch.kubernetes.io/controller-uid"
LEGACY_CONTROLLER_UID_LABEL = "controller-uid"
COMPLETION_INDEX_ENV = "JOB_COMPLETION_INDEX"


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
    owner = {"metadata": {"name": job, "namespace": namespace, "uid": uid}}
    pod = pod_facts.pod_from_template(template, owner, "batch/v1", "Job")
    metadata, pod_spec = pod["metadata"], pod["spec"]
    labels = metadata.pop("labels")
    if not manual_selector:
        labels.setdefault(LEGACY_JOB_NAME_LABEL, job)
        labels.setdefault(JOB_NAME_LABEL, job)
        labels.setdefault(LEGACY_CONTROLLER_UID_LABEL, uid)
        labels.setdefault(CONTROLLER_UID_LABEL, uid)
    finalizers = metadata.setdefault("finalizers", [])
    if TRACKING_FINALIZER not in finalizers:
        finalizers.append(TRACKING_FINALIZER)
    if index is not None:
        for key in ("initContainers", "containers"):
            for container in dicts_of(pod_spec.get(key)):
                _add_index_env(container)
        metadata.setdefault("annotations", {})[COMPLETION_INDEX] = str(index)
        labels[COMPLETION_INDEX] = str(index)
        pod_spec["hostname"] = f"{job}-{index}"
        metadata["generateName"] = indexes.generate_name(job, index)
    if labels:
        metadata["labels"] = labels
    return pod


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
    a_node, b_node = node_name(a), node_name(b)
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
    a_restarts, b_restarts = max_container_restarts(a), max_container_restarts(b)
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


def _ready_since(pod: dict[str, Any]) -> datetime | None:
    for condition in dicts_of(dict_of(pod.get("status")).get("conditions")):
        if condition.get("type") == "Ready" and condition.get("status") == "True":
            return parse_time(condition.get("lastTransitionTime"))
    return None


def _created(pod: dict[str, Any]) -> datetime | None:
    return parse_time(dict_of(pod.get("metadata")).get("creationTimestamp"))


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
