"""What Docker is asked to make for one of a Pod's containers, as the kubelet decides it. Pure.

`container_config` turns a Pod (v1 JSON as stored, API defaults applied) and one of its
containers into the `sandbox.ContainerConfig` that `Runtime.create_pod_container` makes, or
the `ConfigError` the kubelet reports as CreateContainerConfigError (runAsNonRoot broken);
`host_ports` lists what the infra container publishes. Callers bring what needs I/O: the
environment (`env.container_env`), the mounts and the image's `Config.User`. Ported from the
kubelet's generateContainerConfig and generateLinuxContainerConfig (kuberuntime), its
pkg/securitycontext, pkg/kubelet/cm's CPU conversions and format.Pod, and cri-dockerd's half
of the CRI (the image's user, Docker's `User`), with cpuCFSQuota on, a 100 ms period and
PodLevelResources on; each function names its upstream. ContainerConfig has no field for the
OOM score, hugepages, swap, seccomp, AppArmor or masked paths, so Docker's defaults apply (its
seccomp profile even for a Pod asking `Unconfined`). Privileged containers, added
capabilities and host namespaces never reach here: API validation refuses them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from mcp.engine.pods.conditions import format_pod
from mcp.engine.pods.env import ConfigError, expand, mapping_for
from mcp.kinds import quantity as quantities
from mcp.kinds.apimachinery import go_quote
from mcp.kinds.pod import names_pod_level_resources
from mcp.kinds.pod_security import ID_RANGE, MAX_INT32
from mcp.kinds.quantity import Quantity
from mcp.model import Port
from mcp.sandbox import ContainerConfig, Mount

# pkg/kubelet/cm/helpers_linux.go: the kernel's bounds on cpu.shares and cpu.cfs_quota_us.
MIN_SHARES = 2
MAX_SHARES = 262144
SHARES_PER_CPU = 1024
MILLI_CPU_TO_CPU = 1000
QUOTA_PERIOD = 100000  # µs: the kubelet's cpuCFSQuotaPeriod default, 100 ms
MIN_QUOTA_PERIOD = 1000  # µs: a quota of at least 1 ms
# securityContextFromPodSecurityContext: what a Pod's securityContext gives its containers.
POD_LEVEL_FIELDS = ("seLinuxOptions", "windowsOptions", "runAsUser", "runAsGroup", "runAsNonRoot")
# DetermineEffectiveSecurityContext: the container's fields that override them, and its own.
CONTAINER_FIELDS = (
    *POD_LEVEL_FIELDS,
    "capabilities",
    "privileged",
    "readOnlyRootFilesystem",
    "allowPrivilegeEscalation",
    "procMount",
)
_GO_INT = re.compile(r"[+-]?[0-9]+")  # what strconv.ParseInt(s, 10, 64) reads
_INT64 = range(-(2**63), 2**63)


def milli_cpu_to_shares(milli_cpu: int) -> int:
    """MilliCPUToShares: CPU thousandths as cpu.shares, 1024 a CPU, within the kernel's
    2..262144 (no request is 2, the kernel's own weight for zero)."""
    if milli_cpu == 0:
        return MIN_SHARES
    shares = milli_cpu * SHARES_PER_CPU // MILLI_CPU_TO_CPU
    return min(max(shares, MIN_SHARES), MAX_SHARES)


def milli_cpu_to_quota(milli_cpu: int, period: int = QUOTA_PERIOD) -> int:
    """MilliCPUToQuota: CPU thousandths as cpu.cfs_quota_us over `period` µs, at least 1 ms;
    0 (no limit) for none."""
    if milli_cpu == 0:
        return 0
    return max(milli_cpu * period // MILLI_CPU_TO_CPU, MIN_QUOTA_PERIOD)


def effective_security_context(
    pod: Mapping[str, Any], container: Mapping[str, Any]
) -> dict[str, Any]:
    """DetermineEffectiveSecurityContext: the Pod's runAsUser, runAsGroup, runAsNonRoot (and
    SELinux and Windows options) under the container's own fields, which win where set.

    Differences: fields are JSON values, a `null` one counting as unset; `windowsOptions`
    is replaced whole rather than field by field (Windows Pods are refused anyway).
    """
    pod_context = (pod.get("spec") or {}).get("securityContext") or {}
    effective = {k: pod_context[k] for k in POD_LEVEL_FIELDS if pod_context.get(k) is not None}
    container_context = container.get("securityContext") or {}
    effective.update(
        {k: container_context[k] for k in CONTAINER_FIELDS if container_context.get(k) is not None}
    )
    return effective


def _image_user(image_user: str) -> tuple[int | None, str]:
    """getImageUser over cri-dockerd's getUserFromImageUser: the uid of the image's
    `Config.User` (its group dropped) when numeric as Go's ParseInt reads it, else its user
    name; uid 0 (root) when the image names no user."""
    user = image_user.split(":")[0]
    if not user:
        return 0, ""
    if _GO_INT.fullmatch(user) and int(user) in _INT64:
        return int(user), ""
    return None, user


def _verify_run_as_non_root(
    pod: Mapping[str, Any],
    name: str,
    context: Mapping[str, Any],
    uid: int | None,
    username: str,
) -> ConfigError | None:
    """verifyRunAsNonRoot (security_context_others.go): with runAsNonRoot, a runAsUser of 0,
    or no runAsUser and an image that runs as root, as a user name (which cannot be checked)
    or as a uid out of range, cannot run; the messages are the kubelet's."""
    if context.get("runAsNonRoot") is not True:
        return None
    where = f"(pod: {go_quote(format_pod(pod))}, container: {name})"
    run_as_user = context.get("runAsUser")
    if run_as_user is not None:
        if run_as_user == 0:
            return ConfigError(f"container's runAsUser breaks non-root policy {where}")
        return None
    if uid is None:
        return ConfigError(
            f"container has runAsNonRoot and image has non-numeric user ({username}), "
            f"cannot verify user is non-root {where}"
        )
    if uid == 0:
        return ConfigError(f"container has runAsNonRoot and image will run as root {where}")
    if not 0 <= uid <= MAX_INT32:
        return ConfigError(
            f"container has runAsNonRoot and image has an invalid user id ({uid}). "
            f"(Must be 1-({MAX_INT32})): {ID_RANGE} {where}"
        )
    return None


def _docker_user(context: Mapping[str, Any], uid: int | None, username: str) -> str | None:
    """The Docker `User`: the kubelet's RunAsUser (or, unset, the image's uid or user name)
    and RunAsGroup, joined as cri-dockerd's modifyContainerConfig joins them.

    Difference: with neither runAsUser nor runAsGroup, None, so Docker runs the image's
    `USER` as written. The kubelet would pass the image's uid alone, dropping a group the
    image names (`1000:1000` ran as `1000`, its group looked up or 0).
    """
    run_as_user, run_as_group = context.get("runAsUser"), context.get("runAsGroup")
    if run_as_user is None and run_as_group is None:
        return None
    if run_as_user is None:
        run_as_user = uid  # determineEffectiveSecurityContext: the image's uid, else its name
    user = username if run_as_user is None else str(run_as_user)
    return user if run_as_group is None else f"{user}:{run_as_group}"


def _amount(resources: Mapping[str, Any], field: str, name: str) -> Quantity | None:
    """`resources[field][name]`, None when unset (or not a quantity: validation refuses
    such a Pod first)."""
    listed = resources.get(field) or {}
    if name not in listed:
        return None
    try:
        return quantities.from_json(listed[name])
    except quantities.QuantityError:
        return None


def _limit(pod: Mapping[str, Any], container: Mapping[str, Any], name: str) -> int:
    """getCPULimit / getMemoryLimit: the container's limit, or with PodLevelResources the
    Pod's when the container sets none; in thousandths for CPU, bytes for memory, 0 for
    no limit."""
    limit = _amount(container.get("resources") or {}, "limits", name)
    pod_resources = (pod.get("spec") or {}).get("resources") or {}
    if (limit is None or limit.value == 0) and names_pod_level_resources(pod_resources):
        limit = _amount(pod_resources, "limits", name)
    if limit is None:
        return 0
    return limit.milli_value() if name == "cpu" else limit.whole_value()


def container_config(
    pod: Mapping[str, Any],
    container: Mapping[str, Any],
    *,
    env: Sequence[tuple[str, str]],
    mounts: Sequence[Mount],
    image_user: str,
) -> ContainerConfig | ConfigError:
    """generateContainerConfig with generateLinuxContainerConfig: what Docker makes for
    `container`, or why it cannot be made yet.

    `command` and `args` have `$(VAR)` expanded against `env` (ExpandContainerCommandAndArgs:
    a later name wins, `$$` is `$`, an unknown reference stays) and become Docker's
    entrypoint and command, None when empty so the image's stay. CPU follows
    calculateLinuxResources: shares from the request, else from the limit (the API copies
    limits to requests, so a 1-CPU limit alone is 1024 shares; none at all is 2); the quota
    from the limit over a 100 ms period. The memory limit is in bytes, rounded up. The user
    is runAsUser:runAsGroup, the pod-level values under the container's; group_add is
    fsGroup then supplementalGroups; readOnlyRootFilesystem, capabilities.drop and
    allowPrivilegeEscalation false (no_new_privileges) are the container's own.

    Differences from upstream: no CPU limit is no quota and no period (None), where the
    kubelet sends quota 0 with the 100 ms period (Docker's default, so the same); the user
    is None without runAsUser and runAsGroup (see `_docker_user`).

    Args:
        pod: the Pod, as stored.
        container: one of its containers, init containers or ephemeral containers.
        env: the container's environment (`env.container_env`), in order.
        mounts: its bind mounts (volumes, subPaths, the termination-message file).
        image_user: the image's `Config.User`; "" for none (root).

    Returns:
        The config; or a `ConfigError` with the kubelet's message for a container whose
        runAsNonRoot its user breaks.
    """
    name = str(container.get("name") or "")
    context = effective_security_context(pod, container)
    uid, username = _image_user(image_user)
    if (refused := _verify_run_as_non_root(pod, name, context, uid, username)) is not None:
        return refused
    mapping = mapping_for(dict(env))
    cpu_request = _amount(container.get("resources") or {}, "requests", "cpu")
    cpu_limit, memory_limit = _limit(pod, container, "cpu"), _limit(pod, container, "memory")
    # "If request is not specified, but limit is, we want request to default to limit."
    shares = milli_cpu_to_shares(cpu_limit if cpu_request is None else cpu_request.milli_value())
    quota = milli_cpu_to_quota(cpu_limit)
    pod_context = (pod.get("spec") or {}).get("securityContext") or {}
    groups = [pod_context.get("fsGroup"), *(pod_context.get("supplementalGroups") or [])]
    capabilities = context.get("capabilities") or {}
    return ContainerConfig(
        image=str(container.get("image") or ""),
        entrypoint=tuple(expand(str(c), mapping) for c in container.get("command") or []) or None,
        command=tuple(expand(str(a), mapping) for a in container.get("args") or []) or None,
        env=tuple(f"{key}={value}" for key, value in env),
        working_dir=str(container.get("workingDir") or "") or None,
        mounts=tuple(mounts),
        memory_bytes=memory_limit or None,
        cpu_quota=quota or None,
        cpu_period=QUOTA_PERIOD if quota else None,
        cpu_shares=shares,
        user=_docker_user(context, uid, username),
        group_add=tuple(str(group) for group in groups if group is not None),
        read_only_rootfs=context.get("readOnlyRootFilesystem") is True,
        cap_drop=tuple(str(capability) for capability in capabilities.get("drop") or []),
        no_new_privileges=context.get("allowPrivilegeEscalation") is False,
        stdin_open=container.get("stdin") is True,
        stdin_once=container.get("stdinOnce") is True,
        tty=container.get("tty") is True,
    )


def host_ports(pod: Mapping[str, Any]) -> tuple[Port, ...]:
    """The ports the infra container publishes: every port with a `hostPort`, as
    generatePodSandboxConfig gathers the port mappings (MakePortMappings).

    Difference: upstream maps the ports of `containers` only; mcp maps those of
    `initContainers` after them, so that a sidecar serving on a host port is reachable. The
    API checks host ports for clashes within `containers` and within each init container,
    not between the two, so a port already published (same hostIP, hostPort and protocol)
    is not published twice, which Docker would refuse; the regular container's wins.
    """
    spec = pod.get("spec") or {}
    published: dict[tuple[str | None, int | None, str], Port] = {}
    for container in [*(spec.get("containers") or []), *(spec.get("initContainers") or [])]:
        for port in container.get("ports") or []:
            if not port.get("hostPort"):
                continue
            mapped = Port(
                container_port=port["containerPort"],
                host_port=port["hostPort"],
                host_ip=port.get("hostIP") or None,
                protocol=port.get("protocol") or "TCP",
            )
            published.setdefault((mapped.host_ip, mapped.host_port, mapped.protocol), mapped)
    return tuple(published.values())
