"""The downward API: what a Pod may read of itself, as the kubelet resolves it. Pure.

A `fieldRef` names a field of the Pod (its name, labels, node, IPs) and a
`resourceFieldRef` a resource of one of its containers (a limit or request, divided and
rounded up). Environment variables (`env`) and downwardAPI volume files (`volumes`) both
read them through this module, in the kubelet's words when a reference cannot be
resolved (`Unresolvable`).

Ported from upstream: `pkg/fieldpath/fieldpath.go` (ExtractFieldPathAsString, FormatMap,
SplitMaybeSubscriptedPath), `pkg/apis/core/pods/helpers.go`
(ConvertDownwardAPIFieldLabel), `pkg/kubelet/kubelet_pods.go`
(podFieldSelectorRuntimeValue, sortPodIPs), `pkg/kubelet/kubelet_resources.go`
(defaultPodLimitsForDownwardAPI), `pkg/api/v1/resource/helpers.go`
(ExtractContainerResourceValue, MergeContainerResourceLimits, findContainerInPod);
quantities are `kinds.quantity`'s.
No I/O; objects are the JSON dicts the API stores, never changed here.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping, Sequence
from typing import Any

from mcp.kinds import pod_volumes, quantity
from mcp.kinds.apimachinery import go_quote, is_qualified_name
from mcp.kinds.pod_volumes import split_subscript
from mcp.kinds.quantity import Quantity


class Unresolvable(Exception):
    """A reference the kubelet cannot resolve; the message is the kubelet's."""


def aggregate(messages: Sequence[str]) -> str:
    """Several errors as apimachinery's `utilerrors.NewAggregate(...).Error()` writes
    them: each message once, one alone, several as `[a, b]`."""
    unique = list(dict.fromkeys(messages))
    return unique[0] if len(unique) == 1 else f"[{', '.join(unique)}]"


# --- quantities -----------------------------------------------------------------------------


def read_quantity(value: Any) -> Quantity:
    """A quantity of the Pod (`"500m"`, `"1.5Gi"`, a JSON number) as `kinds.quantity` reads
    it, upstream's ParseQuantity.

    Raises:
        Unresolvable: not a quantity, in ParseQuantity's words (Pod validation refuses such
            a spec first).
    """
    try:
        return quantity.from_json(value)
    except quantity.QuantityError as exc:
        raise Unresolvable(str(exc)) from None


# --- fieldRef -----------------------------------------------------------------------------


def format_map(values: Mapping[str, str]) -> str:
    """FormatMap: `key="value"` lines (Go's `%q`), keys sorted, no trailing newline."""
    return "\n".join(f"{key}={go_quote(values[key])}" for key in sorted(values))


def _string_map(value: Any) -> dict[str, str]:
    return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else {}


def metadata_field(pod: Mapping[str, Any], field_path: str) -> str:
    """ExtractFieldPathAsString: a metadata field of the Pod as text; a missing label or
    annotation is empty. Volume files read only these (Pod validation allows no others).

    Raises:
        Unresolvable: a field path it does not know, or a subscript that is no key.
    """
    meta = pod.get("metadata") or {}
    labels, annotations = _string_map(meta.get("labels")), _string_map(meta.get("annotations"))
    subscripted = split_subscript(field_path)
    if subscripted is not None:
        path, key = subscripted
        if path == "metadata.annotations":
            problems = is_qualified_name(key.lower())
            found = annotations
        elif path == "metadata.labels":
            problems = is_qualified_name(key)
            found = labels
        else:
            raise Unresolvable(f"fieldPath {go_quote(field_path)} does not support subscript")
        if problems:
            raise Unresolvable(f"invalid key subscript in {field_path}: {';'.join(problems)}")
        return found.get(key, "")
    simple = {
        "metadata.annotations": lambda: format_map(annotations),
        "metadata.labels": lambda: format_map(labels),
        "metadata.name": lambda: str(meta.get("name") or ""),
        "metadata.namespace": lambda: str(meta.get("namespace") or ""),
        "metadata.uid": lambda: str(meta.get("uid") or ""),
    }
    if field_path not in simple:
        raise Unresolvable(f"unsupported fieldPath: {field_path}")
    return simple[field_path]()


def convert_field_label(api_version: str, label: str) -> str:
    """ConvertDownwardAPIFieldLabel: the field path a v1 `fieldRef` means
    (`pod_volumes.convert_field_label`, which validation uses too)."""
    try:
        return pod_volumes.convert_field_label(api_version, label)
    except pod_volumes.FieldLabelError as exc:
        raise Unresolvable(str(exc)) from None


def ip_family(text: str) -> int | None:
    """4 or 6 as Go's `net.ParseIP` reads `text` (an IPv4-mapped IPv6 address is 4);
    None for no address (Go takes no zone)."""
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address):
        if address.scope_id is not None:
            return None
        return 4 if address.ipv4_mapped is not None else 6
    return 4


def sort_ips(ips: Sequence[str], *, primary: int) -> list[str]:
    """sortPodIPs: the first address of the `primary` family, then the first of the other;
    what is no address is dropped."""
    secondary = 6 if primary == 4 else 4
    first = [
        next((ip for ip in ips if ip_family(ip) == family), None) for family in (primary, secondary)
    ]
    return [ip for ip in first if ip is not None]


def pod_field(
    pod: Mapping[str, Any],
    selector: Mapping[str, Any],
    *,
    node_name: str,
    pod_ip: str,
    pod_ips: Sequence[str],
    host_ips: Sequence[str],
) -> str:
    """podFieldSelectorRuntimeValue: what an env var's `fieldRef` reads.

    Args:
        pod: the Pod.
        selector: the `fieldRef` (`fieldPath`, `apiVersion`, which defaults to v1).
        node_name: the node the Pod runs on, for a Pod whose `spec.nodeName` is unset.
        pod_ip: the sandbox's address: the first of `pod_ips`, if any.
        pod_ips: the sandbox's addresses, ordered as the kubelet orders them (`sort_ips`).
        host_ips: the node's addresses, likewise.

    Raises:
        Unresolvable: the field is not one the kubelet resolves, or the node has no address.
    """
    path = convert_field_label(
        str(selector.get("apiVersion") or "v1"), str(selector.get("fieldPath") or "")
    )
    spec = pod.get("spec") or {}
    if path == "spec.nodeName":
        return str(spec.get("nodeName") or node_name)
    if path == "spec.serviceAccountName":
        return str(spec.get("serviceAccountName") or "")
    if path in ("status.hostIP", "status.hostIPs"):
        if not host_ips:
            raise Unresolvable("host IP unknown; known addresses: []")
        return host_ips[0] if path == "status.hostIP" else ",".join(host_ips)
    if path == "status.podIP":
        return pod_ip
    if path == "status.podIPs":
        return ",".join(pod_ips)
    return metadata_field(pod, path)


# --- resourceFieldRef ---------------------------------------------------------------------

# MergeContainerResourceLimits fills these from the node's allocatable when unset or zero.
NODE_DEFAULTED = ("cpu", "memory", "ephemeral-storage")
HUGE_PAGES_PREFIX = "hugepages-"
ZERO, ONE = quantity.parse("0"), quantity.parse("1")


def with_node_limits(
    container: Mapping[str, Any], allocatable: Mapping[str, Any]
) -> dict[str, Any]:
    """MergeContainerResourceLimits: a copy of `container` whose unset (or zero) cpu,
    memory and ephemeral-storage limits are the node's allocatable amounts."""
    resources = dict(container.get("resources") or {})
    limits = dict(resources.get("limits") or {})
    for name in NODE_DEFAULTED:
        unset = name not in limits or read_quantity(limits[name]).value == 0
        if unset and name in allocatable:
            limits[name] = allocatable[name]
    return {**container, "resources": {**resources, "limits": limits}}


def container_resource(selector: Mapping[str, Any], container: Mapping[str, Any]) -> str:
    """ExtractContainerResourceValue: the amount `selector` names in `container`, divided
    by its `divisor` (1 when unset or zero) and rounded up; cpu in thousandths first, so
    a 250m limit is "1" by default and "250" with divisor 1m. Unset amounts are 0.

    Raises:
        Unresolvable: a resource the downward API does not offer, or no quantity.
    """
    divisor = read_quantity(selector.get("divisor") or "0")
    if divisor.value == 0:
        divisor = ONE
    resource = str(selector.get("resource") or "")
    kind, _, name = resource.partition(".")
    known = name in NODE_DEFAULTED or name.startswith(HUGE_PAGES_PREFIX)
    if kind not in ("limits", "requests") or not known:
        raise Unresolvable(f"Unsupported container resource : {resource}")
    amounts = (container.get("resources") or {}).get(kind) or {}
    amount = read_quantity(amounts[name]) if name in amounts else ZERO
    if name == "cpu":
        return str(-(-amount.milli_value() // divisor.milli_value()))
    return str(-(-amount.whole_value() // divisor.whole_value()))


def resource_value(
    selector: Mapping[str, Any],
    pod: Mapping[str, Any],
    container: Mapping[str, Any] | None,
    allocatable: Mapping[str, Any],
) -> str:
    """What a `resourceFieldRef` reads, unset limits being the node's allocatable
    (defaultPodLimitsForDownwardAPI): of `container` when the selector names none (an
    env var's own container), else of the Pod's container it names (`containerName`; a
    volume's files always name one; init containers are not searched, as upstream).

    Raises:
        Unresolvable: `container <name> not found`, or as `container_resource`.
    """
    name = str(selector.get("containerName") or "")
    if not name and container is not None:
        return container_resource(selector, with_node_limits(container, allocatable))
    for candidate in (pod.get("spec") or {}).get("containers") or []:
        if candidate.get("name") == name:
            return container_resource(selector, with_node_limits(candidate, allocatable))
    raise Unresolvable(f"container {name} not found")
