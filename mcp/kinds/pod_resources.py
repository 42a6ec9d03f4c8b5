"""A Pod's resource requirements and resize policies, validated in upstream's words.

A port of pkg/apis/core/validation's validateResourceRequirements (for containers, the
pod's overhead and pod-level resources): resource names (standard, or fully qualified
extended ones), amounts that are not negative (and whole for extended resources), a
request no more than its limit (equal to it for a resource that cannot be overcommitted,
which then needs a limit), hugepages with CPU or memory; and validateResizePolicy.
Resource claims name none: mcp serves no `spec.resourceClaims`. Amounts are
`quantity`'s, shown in their canonical form as upstream's Quantity.String(). Pure.
"""

from __future__ import annotations

from typing import Any

from mcp.kinds import apimachinery, quantity
from mcp.kinds.apimachinery import (
    Problems,
    duplicate,
    forbidden,
    invalid,
    not_found,
    not_supported,
    one_of,
    required,
)

NEGATIVE = "must be greater than or equal to 0"
RESIZE_RESOURCES = ("cpu", "memory")
RESIZE_POLICIES = ("NotRequired", "RestartContainer")
# helper.IsStandardContainerResourceName and IsStandardResourceName, unprefixed.
CONTAINER_RESOURCES = frozenset({"cpu", "memory", "ephemeral-storage"})
STANDARD_RESOURCES = CONTAINER_RESOURCES | {
    "requests.cpu",
    "requests.memory",
    "requests.ephemeral-storage",
    "limits.cpu",
    "limits.memory",
    "limits.ephemeral-storage",
    "pods",
    "services",
    "replicationcontrollers",
    "resourcequotas",
    "secrets",
    "configmaps",
    "persistentvolumeclaims",
    "storage",
    "requests.storage",
    "services.nodeports",
    "services.loadbalancers",
}


def _native(name: str) -> bool:
    """helper.IsNativeResource: unprefixed, or in kubernetes.io."""
    return "/" not in name or "kubernetes.io/" in name


def _extended(name: str) -> bool:
    """helper.IsExtendedResourceName."""
    if _native(name) or name.startswith("requests."):
        return False
    return not apimachinery.is_qualified_name(f"requests.{name}")


def _overcommit_allowed(name: str) -> bool:
    return _native(name) and not name.startswith("hugepages-")


def _resource_name_problems(name: str, path: str, *, pod_level: bool = False) -> Problems:
    """validateContainerResourceName (validatePodResourceName for pod-level resources)."""
    problems = [invalid(path, name, m) for m in apimachinery.is_qualified_name(name)]
    if problems:
        return problems
    unprefixed = "/" not in name
    if unprefixed and name not in STANDARD_RESOURCES and not name.startswith("hugepages-"):
        problems.append(invalid(path, name, "must be a standard resource type or fully qualified"))
    if pod_level:
        if name not in ("cpu", "memory") and not name.startswith("hugepages-"):
            return [*problems, not_supported(path, name, ("cpu", "hugepages-", "memory"))]
        return problems
    if unprefixed:
        if name not in CONTAINER_RESOURCES and not name.startswith("hugepages-"):
            problems.append(invalid(path, name, "must be a standard resource for containers"))
    elif not _native(name) and not _extended(name):
        problems.append(invalid(path, name, "doesn't follow extended resource name standard"))
    return problems


def resource_requirements(
    requirements: dict[str, Any], path: str, *, pod_level: bool = False
) -> Problems:
    """validateResourceRequirements: names, non-negative (whole for extended resources)
    amounts, requests at most the limits (equal for resources that cannot overcommit)."""
    problems: Problems = []
    limits = requirements.get("limits") or {}
    requests = requirements.get("requests") or {}
    computed = {"limits": False, "requests": False}
    hugepages = False
    for field, values in (("limits", limits), ("requests", requests)):
        for name, raw in values.items():
            at = f"{path}.{field}[{name}]"
            amount = quantity.from_json(raw)
            problems += _resource_name_problems(name, at, pod_level=pod_level)
            problems += _quantity_problems(name, amount, at)
            if field == "requests":
                problems += _request_within_limit(name, amount, limits, path)
            hugepages = hugepages or name.startswith("hugepages-")
            computed[field] = computed[field] or name in ("cpu", "memory")
    if hugepages and not any(computed.values()):
        problems.append(forbidden(path, "HugePages require cpu or memory"))
    for index, claim in enumerate(requirements.get("claims") or []):
        name = claim.get("name", "")
        if not name:
            problems.append(required(f"{path}.claims[{index}]"))
        else:
            problem = not_found(f"{path}.claims[{index}]", name)
            detail = "must be one of the names in pod.spec.resourceClaims which is empty"
            problems.append((problem[0], f"{problem[1]}: {detail}"))
    return problems


def _quantity_problems(name: str, amount: quantity.Quantity, path: str) -> Problems:
    """ValidateResourceQuantityValue."""
    if amount.value < 0:
        return [invalid(path, str(amount), NEGATIVE)]
    if _extended(name) and amount.value.denominator != 1:
        return [(path, f"Invalid value: {amount}: must be an integer")]
    return []


def _request_within_limit(
    name: str, request: quantity.Quantity, limits: dict[str, Any], path: str
) -> Problems:
    at = f"{path}.requests"
    if name not in limits:
        if _overcommit_allowed(name):
            return []
        return [required(f"{path}.limits", "Limit must be set for non overcommitable resources")]
    limit = quantity.from_json(limits[name])
    order = quantity.compare(request, limit)
    if order != 0 and not _overcommit_allowed(name):
        return [invalid(at, str(request), f"must be equal to {name} limit of {limit}")]
    if order > 0:
        return [invalid(at, str(request), f"must be less than or equal to {name} limit of {limit}")]
    return []


def pod_resources(resources: dict[str, Any], path: str) -> Problems:
    """validatePodResources, its resource rules (pod-level claims are refused)."""
    problems: Problems = []
    if resources.get("claims"):
        detail = "claims cannot be set for Resources at pod-level"
        problems.append(forbidden(f"{path}.claims", detail))
    without_claims = {k: v for k, v in resources.items() if k != "claims"}
    return problems + resource_requirements(without_claims, path, pod_level=True)


def resize_policy(policies: list[dict[str, Any]], path: str, restart: str) -> Problems:
    """validateResizePolicy."""
    problems: Problems = []
    seen: set[str] = set()
    for index, policy in enumerate(policies):
        resource, restart_policy = policy.get("resourceName", ""), policy.get("restartPolicy", "")
        if resource in seen:
            problems.append(duplicate(f"{path}[{index}]", resource))
        seen.add(resource)
        problems += one_of(path, resource, RESIZE_RESOURCES)
        problems += one_of(path, restart_policy, RESIZE_POLICIES)
        if restart == "Never" and restart_policy != "NotRequired":
            detail = "must be 'NotRequired' when `restartPolicy` is 'Never'"
            problems.append(invalid(path, restart_policy, detail))
    return problems
