"""The Node kind: its fields, its validation, and the labels kubelet gives it.

One Node stands for the Docker host (`mcp.nodestatus` decides its status, the node actor
writes it). Users change its metadata and its spec (`kubectl label`, `taint`, `cordon`);
its status is the actor's: a write of the main resource keeps the stored status, as
upstream's node strategy does (`pkg/registry/core/node/strategy.go`, PrepareForUpdate).

Validation follows upstream's ValidateNode / ValidateNodeUpdate for what users write:
the spec's types, taints (ValidateNodeTaints: a label key, a label value, a known
effect, unique by key and effect), and `podCIDR(s)` / `providerID` that may be set once
and not changed.
"""

from __future__ import annotations

from typing import Any

from mcp.kinds import apimachinery
from mcp.kinds.apimachinery import Problems, invalid
from mcp.kinds.core import status_problems

NODE_FIELDS = frozenset({"apiVersion", "kind", "metadata", "spec", "status"})
SPEC_FIELDS = frozenset(
    {
        "podCIDR",
        "podCIDRs",
        "providerID",
        "unschedulable",
        "taints",
        "configSource",
        "externalID",
    }
)
TAINT_EFFECTS = ("NoSchedule", "PreferNoSchedule", "NoExecute")

# k8s.io/api core/v1 well_known_labels.go and kubelet's initialNode; the role label is
# kubeadm's for a control-plane node (kubectl's ROLES column reads it).
LABEL_HOSTNAME = "kubernetes.io/hostname"
LABEL_OS = "kubernetes.io/os"
LABEL_ARCH = "kubernetes.io/arch"
LABEL_OS_BETA = "beta.kubernetes.io/os"
LABEL_ARCH_BETA = "beta.kubernetes.io/arch"
LABEL_CONTROL_PLANE = "node-role.kubernetes.io/control-plane"
# Go's GOARCH for what Docker reports (`uname -m`).
GO_ARCH = {"x86_64": "amd64", "aarch64": "arm64", "armv7l": "arm", "i686": "386"}


def go_arch(machine: str) -> str:
    return GO_ARCH.get(machine, machine)


def _taint_problems(taints: Any) -> Problems:
    if not isinstance(taints, list):
        return [("spec.taints", "must be a list of taints")]
    problems: Problems = []
    seen: set[tuple[str, str]] = set()
    for index, taint in enumerate(taints):
        path = f"spec.taints[{index}]"
        if not isinstance(taint, dict):
            problems.append((path, "must be a taint"))
            continue
        key, value, effect = taint.get("key", ""), taint.get("value", ""), taint.get("effect", "")
        wrong = [f for f in ("key", "value", "effect") if not isinstance(taint.get(f, ""), str)]
        if wrong:  # what decoding would refuse
            problems += [invalid(f"{path}.{f}", taint[f], "must be a string") for f in wrong]
            continue
        # As upstream's validateNodeTaints: the key a label name, each message on its own;
        # the value a label value, its messages joined.
        problems += [invalid(f"{path}.key", key, m) for m in apimachinery.is_qualified_name(key)]
        if messages := apimachinery.is_valid_label_value(value):
            problems.append(invalid(f"{path}.value", value, ";".join(messages)))
        if not effect:
            problems.append(apimachinery.required(f"{path}.effect"))
        elif effect not in TAINT_EFFECTS:
            problems.append(apimachinery.not_supported(f"{path}.effect", effect, TAINT_EFFECTS))
        if (key, effect) in seen:
            # The taint as Go marshals the internal core.Taint: no JSON tags, Go's names.
            shown = {"Key": key, "Value": value, "Effect": effect}
            shown["TimeAdded"] = taint.get("timeAdded")
            detail = "taints must be unique by key and effect pair"
            problems.append(apimachinery.duplicate(path, shown, detail))
        seen.add((key, effect))
    return problems


def validate_node(obj: dict[str, Any]) -> Problems:
    """Why `obj` is not a valid Node (the parts users write), as upstream's ValidateNode."""
    problems = status_problems(obj)
    spec = obj.get("spec")
    if spec is None:
        return problems
    if not isinstance(spec, dict):
        return [*problems, ("spec", "must be an object")]
    problems += [
        (f"spec.{field}", "must be a string")
        for field in ("podCIDR", "providerID", "externalID")
        if spec.get(field) is not None and not isinstance(spec[field], str)
    ]
    cidrs = spec.get("podCIDRs")
    if cidrs is not None and not (
        isinstance(cidrs, list) and all(isinstance(cidr, str) for cidr in cidrs)
    ):
        problems.append(("spec.podCIDRs", "must be a list of strings"))
    if spec.get("unschedulable") is not None and not isinstance(spec["unschedulable"], bool):
        problems.append(("spec.unschedulable", "must be a boolean"))
    if spec.get("taints") is not None:
        problems += _taint_problems(spec["taints"])
    return problems


def validate_node_update(old: dict[str, Any], new: dict[str, Any]) -> Problems:
    """Upstream's ValidateNodeUpdate: `podCIDR(s)` and `providerID` change only from unset."""
    old_spec, new_spec = old.get("spec") or {}, new.get("spec") or {}
    problems: Problems = []
    if old_spec.get("podCIDRs") and new_spec.get("podCIDRs") != old_spec["podCIDRs"]:
        problems.append(
            (
                "spec.podCIDRs",
                'Forbidden: node updates may not change podCIDR except from "" to valid',
            )
        )
    if old_spec.get("providerID") and new_spec.get("providerID") != old_spec["providerID"]:
        problems.append(
            (
                "spec.providerID",
                'Forbidden: node updates may not change providerID except from "" to valid',
            )
        )
    return problems
