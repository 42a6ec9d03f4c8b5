"""What an update may change of a Pod, in upstream's words: ValidatePodUpdate and the
status rules of ValidatePodStatusUpdate.

A Pod's spec is immutable but for its containers' and init containers' images, a
shorter (or first) activeDeadlineSeconds, added tolerations (or a toleration's seconds),
removed scheduling gates (and, while gated, added node selector terms), and a negative
terminationGracePeriodSeconds raised to 1. Any other change is upstream's one Forbidden
at `spec`, listing what may change, then a diff of the spec as it is against the spec
as it would be (the caller's `diff`: `apiserver.gojson.diff` prints go-cmp's shape).

The status rules: the QoS class never changes, pod and host IPs are IPs (one per
family), a container that terminated under a restart policy that will not restart it
stays terminated, custom condition types are qualified names. Pure.
"""

from __future__ import annotations

import copy
import ipaddress
from collections.abc import Callable
from typing import Any

from mcp.kinds import apimachinery
from mcp.kinds.apimachinery import Problems, forbidden, invalid, required

MAX_INT32 = 2**31 - 1
UPDATABLE = ",".join(
    (
        "`spec.containers[*].image`",
        "`spec.initContainers[*].image`",
        "`spec.activeDeadlineSeconds`",
        "`spec.tolerations` (only additions to existing tolerations)",
        "`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously "
        "negative)",
    )
)
SYSTEM_CONDITIONS = frozenset({"PodScheduled", "Ready", "Initialized"})


Diff = Callable[[dict[str, Any], dict[str, Any]], str]


def validate_pod_update(old: dict[str, Any], new: dict[str, Any], *, diff: Diff) -> Problems:
    """ValidatePodUpdate's rules for what may change (the new pod itself is validated as
    on create), and ValidatePodStatusUpdate's.

    Args:
        old: the stored pod.
        new: the pod that would replace it.
        diff: how two specs' difference is shown (the API machinery's, which knows the
            Go types: `apiserver.gojson.diff`).
    """
    old_spec, new_spec = old.get("spec") or {}, new.get("spec") or {}
    return _spec_update(old_spec, new_spec, diff) + _status_update(old, new)


def _spec_update(old_spec: dict[str, Any], new_spec: dict[str, Any], diff: Diff) -> Problems:
    problems: Problems = []
    for field in ("containers", "initContainers"):
        found, stop = _container_updates(
            new_spec.get(field) or [], old_spec.get(field) or [], field
        )
        problems += found
        if stop:
            return problems
    new_deadline = new_spec.get("activeDeadlineSeconds")
    old_deadline = old_spec.get("activeDeadlineSeconds")
    path = "spec.activeDeadlineSeconds"
    if new_deadline is not None:
        if not 0 <= new_deadline <= MAX_INT32:
            detail = apimachinery.inclusive_range_error(0, MAX_INT32)
            return [*problems, invalid(path, new_deadline, detail)]
        if old_deadline is not None and old_deadline < new_deadline:
            return [
                *problems,
                invalid(path, new_deadline, "must be less than or equal to previous value"),
            ]
    elif old_deadline is not None:
        problems.append(
            invalid(path, "null", "must not update from a positive integer to nil value")
        )
    problems += _only_added_tolerations(
        new_spec.get("tolerations") or [], old_spec.get("tolerations") or []
    )
    problems += _only_removed_gates(
        new_spec.get("schedulingGates") or [], old_spec.get("schedulingGates") or []
    )
    if new_spec == old_spec:
        return problems
    munged = copy.deepcopy(new_spec)
    for field in ("containers", "initContainers"):
        for container, before in zip(
            munged.get(field) or [], old_spec.get(field) or [], strict=True
        ):
            _set(container, "image", before.get("image"))
    for field in ("activeDeadlineSeconds", "schedulingGates", "tolerations"):
        _set(munged, field, old_spec.get(field))
    old_grace = old_spec.get("terminationGracePeriodSeconds")
    if old_grace is not None and old_grace < 0 and munged.get("terminationGracePeriodSeconds") == 1:
        munged["terminationGracePeriodSeconds"] = old_grace
    if old_spec.get("schedulingGates"):
        selector, before = munged.get("nodeSelector") or {}, old_spec.get("nodeSelector") or {}
        if selector != before:
            if any(selector.get(key) != value for key, value in before.items()):
                detail = (
                    "only additions to spec.nodeSelector are allowed (no mutations or deletions)"
                )
                problems.append(invalid("spec.nodeSelector", selector, detail))
            _set(munged, "nodeSelector", old_spec.get("nodeSelector"))
    if munged != old_spec:
        detail = (
            f"pod updates may not change fields other than {UPDATABLE}\n{diff(old_spec, munged)}"
        )
        problems.append(forbidden("spec", detail))
    return problems


def _set(obj: dict[str, Any], field: str, value: Any) -> None:
    if value is None:
        obj.pop(field, None)
    else:
        obj[field] = copy.deepcopy(value)


def _container_updates(
    new: list[dict[str, Any]], old: list[dict[str, Any]], field: str
) -> tuple[Problems, bool]:
    """ValidateContainerUpdates: as many containers, each with an image."""
    path = f"spec.{field}"
    if len(new) != len(old):
        return [forbidden(path, "pod updates may not add or remove containers")], True
    problems: Problems = []
    for index, container in enumerate(new):
        image = container.get("image", "")
        if not image:
            problems.append(required(f"{path}[{index}].image"))
        if image != image.strip():
            detail = "must not have leading or trailing whitespace"
            problems.append(invalid(f"{path}[{index}].image", image, detail))
    return problems, False


def _only_added_tolerations(new: list[dict[str, Any]], old: list[dict[str, Any]]) -> Problems:
    """validateOnlyAddedTolerations: every old toleration is still there, its seconds
    aside (the new ones are validated with the spec)."""
    for before in old:
        if not any(
            {**before, "tolerationSeconds": after.get("tolerationSeconds")} == _seconds(after)
            for after in new
        ):
            detail = "existing toleration can not be modified except its tolerationSeconds"
            return [forbidden("spec.tolerations", detail)]
    return []


def _seconds(toleration: dict[str, Any]) -> dict[str, Any]:
    return {**toleration, "tolerationSeconds": toleration.get("tolerationSeconds")}


def _only_removed_gates(new: list[dict[str, Any]], old: list[dict[str, Any]]) -> Problems:
    """validateOnlyDeletedSchedulingGates."""
    before = {gate.get("name", "") for gate in old}
    problems: Problems = []
    for index, gate in enumerate(new):
        name = gate.get("name", "")
        if name not in before:
            detail = f"only deletion is allowed, but found new scheduling gate '{name}'"
            problems.append(forbidden(f"spec.schedulingGates[{index}].name", detail))
    return problems


# --- status ----------------------------------------------------------------------------------


def _status_update(old: dict[str, Any], new: dict[str, Any]) -> Problems:
    old_status, status = old.get("status") or {}, new.get("status") or {}
    problems: Problems = []
    for index, condition in enumerate(status.get("conditions") or []):
        kind = condition.get("type", "")
        if kind not in SYSTEM_CONDITIONS:
            at = f"metadata.conditions[{index}].Type"  # sic, upstream's path
            problems += [invalid(at, kind, m) for m in apimachinery.is_qualified_name(kind)]
    if status.get("qosClass", "") != old_status.get("qosClass", ""):
        problems.append(
            invalid("status.qosClass", status.get("qosClass", ""), "field is immutable")
        )
    restart = (old.get("spec") or {}).get("restartPolicy", "")
    if restart != "Always":
        for field in ("containerStatuses", "initContainerStatuses"):
            problems += _stays_terminated(status, old_status, field, restart)
    problems += _ips(status, "podIPs")
    problems += _ips(status, "hostIPs")
    return problems


def _stays_terminated(
    status: dict[str, Any], old_status: dict[str, Any], field: str, restart: str
) -> Problems:
    """ValidateContainerStateTransition."""
    problems: Problems = []
    now = {s.get("name"): s for s in status.get(field) or []}
    for index, before in enumerate(old_status.get(field) or []):
        terminated = (before.get("state") or {}).get("terminated")
        if terminated is None:
            continue
        if terminated.get("exitCode", 0) != 0 and restart == "OnFailure":
            continue
        after = now.get(before.get("name"))
        if after is not None and (after.get("state") or {}).get("terminated") is None:
            detail = "may not be transitioned to non-terminated state"
            problems.append(forbidden(f"status.{field}[{index}].state", detail))
    return problems


def _ips(status: dict[str, Any], field: str) -> Problems:
    """validatePodIPs / validateHostIPs: IPs, at most one of each family, none twice."""
    listed = [entry.get("ip", "") for entry in status.get(field) or []]
    problems: Problems = []
    families = []
    for index, ip in enumerate(listed):
        try:
            families.append(ipaddress.ip_address(ip).version)
        except ValueError:
            detail = "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"
            problems.append(invalid(f"status.{field}[{index}]", ip, detail))
    if len(listed) > 1 and (len(listed) > 2 or len(set(families)) != len(families)):
        shown = status.get(field)
        detail = "may specify no more than one IP for each IP family"
        problems.append(invalid(f"status.{field}", shown, detail))
    return problems
