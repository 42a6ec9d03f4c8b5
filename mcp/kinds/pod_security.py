"""A Pod's security contexts, the host namespaces it asks for and its OS, validated in
upstream's words.

A port of pkg/apis/core/validation's ValidateSecurityContext, validatePodSpecSecurityContext
(IDs, sysctls, the change policies, seccomp and AppArmor profiles), validatePodHostNetworkDeps
and validateOS. Refused until mcp has authentication and admission, at the field's path and
saying why: privileged containers, added capabilities, the host's network, PID and IPC
namespaces; and Windows pods, which a Linux Docker host cannot run. Pure.
"""

from __future__ import annotations

import re
from typing import Any

from mcp.kinds import apimachinery, pod_volumes
from mcp.kinds.apimachinery import (
    Problems,
    duplicate,
    forbidden,
    invalid,
    not_supported,
    required,
)
from mcp.kinds.pod_volumes import NO_ADMISSION

MAX_INT32 = 2**31 - 1
ID_RANGE = apimachinery.inclusive_range_error(0, MAX_INT32)
SECCOMP_TYPES = ("Localhost", "RuntimeDefault", "Unconfined")
APPARMOR_TYPES = SECCOMP_TYPES
PROC_MOUNTS = ("Default", "Unmasked")
FS_GROUP_CHANGE_POLICIES = ("Always", "OnRootMismatch")
SUPPLEMENTAL_GROUPS_POLICIES = ("Merge", "Strict")
SELINUX_CHANGE_POLICIES = ("MountOption", "Recursive")
OS_NAMES = ("linux", "windows")
SYSCTL_SEGMENT = "[a-z0-9]([-_a-z0-9]*[a-z0-9])?"
SYSCTL_RE = re.compile(f"^({SYSCTL_SEGMENT}[\\./])*{SYSCTL_SEGMENT}$")
SYSCTL_MAX = 253


def _refused(path: str, what: str, why: str) -> apimachinery.Problem:
    return forbidden(path, f"{what} are not allowed: {NO_ADMISSION}, and {why}")


def security_context(context: dict[str, Any] | None, path: str, host_users: bool) -> Problems:
    """ValidateSecurityContext, with what mcp refuses without an admission policy."""
    if context is None:
        return []
    problems: Problems = []
    if context.get("privileged") is True:
        why = "a privileged container is root on the host"
        problems.append(_refused(f"{path}.privileged", "privileged containers", why))
    if ((context.get("capabilities") or {}).get("add")) or []:
        why = "an added capability widens what the container may do to the host"
        problems.append(_refused(f"{path}.capabilities.add", "added capabilities", why))
    for field in ("runAsUser", "runAsGroup"):
        value = context.get(field)
        if value is not None and not 0 <= value <= MAX_INT32:
            problems.append(invalid(f"{path}.{field}", value, ID_RANGE))
    proc_mount = context.get("procMount")
    if proc_mount is not None:
        if proc_mount not in PROC_MOUNTS:
            problems.append(not_supported(f"{path}.procMount", proc_mount, PROC_MOUNTS))
        if host_users and proc_mount == "Unmasked":
            detail = "`hostUsers` must be false to use `Unmasked`"
            problems.append(invalid(f"{path}.procMount", proc_mount, detail))
    problems += _seccomp(context.get("seccompProfile"), f"{path}.seccompProfile")
    return problems + _apparmor(context.get("appArmorProfile"), f"{path}.appArmorProfile")


def host_namespaces(spec: dict[str, Any], path: str) -> Problems:
    """The host's namespaces, refused; hostUsers false wants none of them anyway."""
    problems: Problems = []
    for field, what, why in (
        ("hostNetwork", "the host's network", "the pod would share the host's network stack"),
        (
            "hostPID",
            "the host's PID namespace",
            "the pod would see and signal the host's processes",
        ),
        ("hostIPC", "the host's IPC namespace", "the pod would share the host's shared memory"),
    ):
        if spec.get(field) is True:
            problems.append(
                forbidden(f"{path}.{field}", f"{what} is not allowed: {NO_ADMISSION}, and {why}")
            )
    return problems


def pod_security_context(context: dict[str, Any] | None, path: str) -> Problems:
    """validatePodSpecSecurityContext."""
    if context is None:
        return []
    problems: Problems = []
    for field in ("fsGroup", "runAsUser", "runAsGroup"):
        value = context.get(field)
        if value is not None and not 0 <= value <= MAX_INT32:
            problems.append(invalid(f"{path}.{field}", value, ID_RANGE))
    for index, group in enumerate(context.get("supplementalGroups") or []):
        if not 0 <= group <= MAX_INT32:
            problems.append(invalid(f"{path}.supplementalGroups[{index}]", group, ID_RANGE))
    names: set[str] = set()
    for index, sysctl in enumerate(context.get("sysctls") or []):
        name = sysctl.get("name", "")
        at = f"{path}.sysctls[{index}].name"
        if not name:
            problems.append(required(at))
        elif len(name) > SYSCTL_MAX or not SYSCTL_RE.fullmatch(name):
            detail = (
                f"must have at most {SYSCTL_MAX} characters and match regex {SYSCTL_RE.pattern}"
            )
            problems.append(invalid(at, name, detail))
        elif name in names:
            problems.append(duplicate(at, name))
        names.add(name)
    for field, allowed in (
        ("fsGroupChangePolicy", FS_GROUP_CHANGE_POLICIES),
        ("supplementalGroupsPolicy", SUPPLEMENTAL_GROUPS_POLICIES),
        ("seLinuxChangePolicy", SELINUX_CHANGE_POLICIES),
    ):
        value = context.get(field)
        if value is not None and value not in allowed:
            problems.append(not_supported(f"{path}.{field}", value, allowed))
    problems += _seccomp(context.get("seccompProfile"), f"{path}.seccompProfile")
    return problems + _apparmor(context.get("appArmorProfile"), f"{path}.appArmorProfile")


def _seccomp(profile: dict[str, Any] | None, path: str) -> Problems:
    """validateSeccompProfileField."""
    if profile is None:
        return []
    kind, localhost = profile.get("type", ""), profile.get("localhostProfile")
    if not kind:
        problems = [required(f"{path}.type", "type is required when seccompProfile is set")]
    elif kind not in SECCOMP_TYPES:
        problems = [not_supported(f"{path}.type", kind, SECCOMP_TYPES)]
    else:
        problems = []
    if kind == "Localhost":
        if localhost is None:
            detail = "must be set when seccomp type is Localhost"
            return [*problems, required(f"{path}.localhostProfile", detail)]
        return problems + pod_volumes.local_descending_path(localhost, f"{path}.localhostProfile")
    if localhost is not None:
        detail = "can only be set when seccomp type is Localhost"
        problems.append(invalid(f"{path}.localhostProfile", profile, detail))
    return problems


def _apparmor(profile: dict[str, Any] | None, path: str) -> Problems:
    """ValidateAppArmorProfileField."""
    if profile is None:
        return []
    kind, localhost = profile.get("type", ""), profile.get("localhostProfile")
    if kind == "Localhost":
        if localhost is None or not localhost.strip():
            if localhost is not None and localhost != localhost.strip():
                detail = "must not be padded with whitespace"
                return [invalid(f"{path}.localhostProfile", localhost, detail)]
            detail = "must be set when AppArmor type is Localhost"
            return [required(f"{path}.localhostProfile", detail)]
        if localhost != localhost.strip():
            return [
                invalid(f"{path}.localhostProfile", localhost, "must not be padded with whitespace")
            ]
        return (
            [apimachinery.too_long(f"{path}.localhostProfile", 4095)]
            if len(localhost) > 4095
            else []
        )
    if kind in ("RuntimeDefault", "Unconfined"):
        if localhost is not None:
            detail = "can only be set when AppArmor type is Localhost"
            return [invalid(f"{path}.localhostProfile", localhost, detail)]
        return []
    if not kind:
        return [required(f"{path}.type", "type is required when appArmorProfile is set")]
    return [not_supported(f"{path}.type", kind, APPARMOR_TYPES)]


def os_problems(spec: dict[str, Any], path: str) -> Problems:
    """validateOS: linux or windows; mcp's Docker host runs Linux containers only."""
    system = spec.get("os")
    if system is None:
        return []
    name = system.get("name", "")
    if not name:
        return [required(f"{path}.os.name")]
    if name not in OS_NAMES:
        return [not_supported(f"{path}.os.name", name, OS_NAMES)]
    if name == "windows":
        detail = "windows pods are not supported: mcp runs Linux containers on one Docker host"
        return [forbidden(f"{path}.os.name", detail)]
    problems: Problems = []
    if (spec.get("securityContext") or {}).get("windowsOptions") is not None:
        detail = "windows options cannot be set for a linux pod"
        problems.append(forbidden(f"{path}.securityContext.windowsOptions", detail))
    for field in ("initContainers", "containers", "ephemeralContainers"):
        for index, container in enumerate(spec.get(field) or []):
            if (container.get("securityContext") or {}).get("windowsOptions") is not None:
                at = f"{path}.{field}[{index}].securityContext.windowsOptions"
                problems.append(forbidden(at, "windows options cannot be set for a linux pod"))
    return problems


def host_network_ports(spec: dict[str, Any], path: str) -> Problems:
    """validatePodHostNetworkDeps: with the host's network, a host port is the container
    port (the host's network itself is refused, by `_host_namespaces`)."""
    if spec.get("hostNetwork") is not True:
        return []
    problems: Problems = []
    for index, container in enumerate(spec.get("containers") or []):
        for port_index, port in enumerate(container.get("ports") or []):
            if port.get("hostPort", 0) != port.get("containerPort", 0):
                at = f"{path}.containers[{index}].ports[{port_index}].hostPort"
                detail = "must match `containerPort` when `hostNetwork` is true"
                problems.append(invalid(at, port.get("hostPort", 0), detail))
    return problems
