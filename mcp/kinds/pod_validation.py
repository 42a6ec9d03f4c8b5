"""A Pod validated as kube-apiserver validates it on create, in its words and paths.

A port of pkg/apis/core/validation's ValidatePodCreate past the metadata (which the
generic path validates for every kind): ValidatePodSpec in upstream's order (volumes in
`pod_volumes`; containers, init containers, the host network's ports, restart and DNS
policies, the node selector, the pod's security context, pull secrets, the DNS config,
readiness and scheduling gates, names, deadlines, tolerations, host aliases, priority,
overhead, OS), validateContainerCommon (name, image, ports, env, envFrom, mounts, pull
policy, resources, resize policy, security context), probes and lifecycle handlers,
the pod-only checks and the pod annotations upstream checks.

What mcp refuses until it has authentication and admission, at the field's path and
saying why, is checked where the field is: `pod_security` (privileged containers, added
capabilities, the host's network, PID and IPC namespaces, Windows pods), `pod_volumes`
(hostPath, claims, network storage, tokens) and here (`spec.resourceClaims`).
Affinity and topology spread constraints are taken as they are: mcp has one node.
The input is decoded (`apiserver.gojson`) and defaulted (`pod.normalize`). Pure.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mcp.kinds import apimachinery, pod_resources, pod_scheduling, pod_security, pod_volumes
from mcp.kinds.apimachinery import (
    Problems,
    duplicate,
    forbidden,
    invalid,
    not_supported,
    one_of,
    required,
)

MAX_INT32 = 2**31 - 1
PORT_RANGE = apimachinery.inclusive_range_error(1, 65535)
PROTOCOLS = ("SCTP", "TCP", "UDP")
PULL_POLICIES = ("Always", "IfNotPresent", "Never")
TERMINATION_MESSAGE_POLICIES = ("File", "FallbackToLogsOnError")
RESTART_POLICIES = ("Always", "OnFailure", "Never")
DNS_POLICIES = ("ClusterFirstWithHostNet", "ClusterFirst", "Default", "None")
PREEMPTION_POLICIES = ("PreemptLowerPriority", "Never")
HTTP_SCHEMES = ("HTTP", "HTTPS")
ENV_FIELD_PATHS = frozenset(
    {
        "metadata.name",
        "metadata.namespace",
        "metadata.uid",
        "spec.nodeName",
        "spec.serviceAccountName",
        "status.hostIP",
        "status.hostIPs",
        "status.podIP",
        "status.podIPs",
    }
)
RELAXED_ENV_NAME_ERROR = (
    "a valid environment variable name must consist only of printable ASCII characters "
    "other than '='"
)
HTTP_HEADER_RE = re.compile(r"[-A-Za-z0-9]+")
HTTP_HEADER_ERROR = apimachinery.regex_error(
    "a valid HTTP header must consist of alphanumeric characters or '-'",
    "[-A-Za-z0-9]+",
    "X-Header-Name",
)
PORT_NAME_CHARSET = re.compile(r"[-a-z0-9]+")
MIRROR_ANNOTATION = "kubernetes.io/config.mirror"
DELETION_COST_ANNOTATION = "controller.kubernetes.io/pod-deletion-cost"
NOT_INIT = "may not be set for init containers without restartPolicy=Always"


def validate_pod(obj: dict[str, Any]) -> Problems:
    """ValidatePodCreate past the metadata: why `obj` may not be created."""
    metadata = obj.get("metadata") or {}
    spec = obj.get("spec") or {}
    problems = annotation_problems(metadata.get("annotations") or {}, spec)
    problems += validate_spec(spec, "spec")
    for field in ("containers", "initContainers"):
        for index, container in enumerate(spec.get(field) or []):
            image = container.get("image", "")
            if image != image.strip():
                detail = "must not have leading or trailing whitespace"
                problems.append(invalid(f"spec.{field}[{index}].image", image, detail))
    if spec.get("ephemeralContainers"):
        problems.append(forbidden("spec.ephemeralContainers", "cannot be set on create"))
    if spec.get("nodeName") and spec.get("schedulingGates"):
        detail = "cannot be set until all schedulingGates have been cleared"
        problems.append(forbidden("spec.nodeName", detail))
    return problems


def annotation_problems(
    annotations: dict[str, str], spec: dict[str, Any], path: str = "metadata.annotations"
) -> Problems:
    """ValidatePodSpecificAnnotations at `path` (a Pod's, or a template's
    `spec.template.annotations`): a mirror pod names its node; a deletion cost is an
    int32."""
    problems: Problems = []
    if MIRROR_ANNOTATION in annotations and not spec.get("nodeName"):
        detail = "must set spec.nodeName if mirror pod annotation is set"
        value = annotations[MIRROR_ANNOTATION]
        problems.append(invalid(f"{path}[{MIRROR_ANNOTATION}]", value, detail))
    cost = annotations.get(DELETION_COST_ANNOTATION)
    if cost is not None and not _is_int32(cost):
        problems.append(
            invalid(f"{path}[{DELETION_COST_ANNOTATION}]", cost, "must be a 32bit integer")
        )
    return problems


def _is_int32(text: str) -> bool:
    if re.fullmatch(r"[+-]?[0-9]+", text) is None:
        return False
    return -(2**31) <= int(text) <= MAX_INT32


def validate_spec(spec: dict[str, Any], path: str) -> Problems:
    """ValidatePodSpec, in upstream's order."""
    problems: Problems = []
    grace = spec.get("terminationGracePeriodSeconds")
    if grace is None:
        problems.append(required(f"{path}.terminationGracePeriodSeconds"))
    elif grace < 0:
        # mcp's rule, in ValidateNonnegativeField's words: upstream takes a negative period
        # (and treats it as 1 s when deleting); Docker stops a container within a period.
        at = f"{path}.terminationGracePeriodSeconds"
        problems.append(invalid(at, grace, pod_resources.NEGATIVE))
    security = spec.get("securityContext") or {}
    host_users = security.get("hostUsers") is not False
    volumes, found = pod_volumes.validate_volumes(spec.get("volumes") or [], path)
    problems += found
    if spec.get("resourceClaims"):
        detail = "resource claims are not served yet: mcp allocates no devices"
        problems.append(forbidden(f"{path}.resourceClaims", detail))
    restart = spec.get("restartPolicy", "")
    pod = PodContext(volumes, grace, restart, host_users)
    problems += _containers(spec, pod, path)
    problems += _init_containers(spec, pod, path)
    if spec.get("resources") is not None:
        problems += pod_resources.pod_resources(spec["resources"], f"{path}.resources")
    problems += pod_security.host_network_ports(spec, path)
    problems += one_of(f"{path}.restartPolicy", restart, RESTART_POLICIES)
    problems += one_of(f"{path}.dnsPolicy", spec.get("dnsPolicy", ""), DNS_POLICIES)
    problems += apimachinery.label_problems(spec.get("nodeSelector"), f"{path}.nodeSelector")
    problems += pod_security.host_namespaces(spec, path)
    problems += pod_security.pod_security_context(
        spec.get("securityContext"), f"{path}.securityContext"
    )
    for index, secret in enumerate(spec.get("imagePullSecrets") or []):
        if set(secret) - {"name"}:
            shown = {"Name": secret.get("name", "")}
            problems.append(
                invalid(f"{path}.imagePullSecrets[{index}]", shown, "only name may be set")
            )
    problems += pod_scheduling.dns_config(
        spec.get("dnsConfig"), spec.get("dnsPolicy", ""), f"{path}.dnsConfig"
    )
    for index, gate in enumerate(spec.get("readinessGates") or []):
        condition = gate.get("conditionType", "")
        at = f"{path}.readinessGates[{index}].conditionType"
        problems += [invalid(at, condition, m) for m in apimachinery.is_qualified_name(condition)]
    problems += pod_scheduling.scheduling_gates(
        spec.get("schedulingGates") or [], f"{path}.schedulingGates"
    )
    problems += _names(spec, path)
    deadline = spec.get("activeDeadlineSeconds")
    if deadline is not None and not 1 <= deadline <= MAX_INT32:
        detail = apimachinery.inclusive_range_error(1, MAX_INT32)
        problems.append(invalid(f"{path}.activeDeadlineSeconds", deadline, detail))
    problems += pod_scheduling.tolerations(spec.get("tolerations") or [], f"{path}.tolerations")
    problems += pod_scheduling.host_aliases(spec.get("hostAliases") or [], f"{path}.hostAliases")
    if spec.get("preemptionPolicy") is not None:
        policy = spec["preemptionPolicy"]
        problems += one_of(f"{path}.preemptionPolicy", policy, PREEMPTION_POLICIES)
    if spec.get("overhead"):
        problems += pod_resources.resource_requirements(
            {"limits": spec["overhead"]}, f"{path}.overhead"
        )
    return problems + pod_security.os_problems(spec, path)


def _names(spec: dict[str, Any], path: str) -> Problems:
    """The names a spec gives: service account, node, host and subdomain, priority and
    runtime classes."""
    problems: Problems = []
    for field, rule in (
        ("serviceAccountName", apimachinery.is_dns1123_subdomain),
        ("nodeName", apimachinery.is_dns1123_subdomain),
    ):
        value = spec.get(field) or ""
        if value:
            problems += [invalid(f"{path}.{field}", value, m) for m in rule(value)]
    for field in ("hostname", "subdomain"):
        value = spec.get(field) or ""
        if value:
            problems += [
                invalid(f"{path}.{field}", value, m) for m in apimachinery.is_dns1123_label(value)
            ]
    for field in ("priorityClassName", "runtimeClassName"):
        value = spec.get(field)
        if value or (field == "runtimeClassName" and value is not None):
            problems += [
                invalid(f"{path}.{field}", value, m)
                for m in apimachinery.is_dns1123_subdomain(value)
            ]
    return problems


# --- containers ------------------------------------------------------------------------------


@dataclass(frozen=True)
class PodContext:
    """What validating one container needs of its pod."""

    volumes: Mapping[str, Any]  # the valid volumes, by name
    grace: int | None  # terminationGracePeriodSeconds
    restart: str  # the pod's restartPolicy
    host_users: bool  # not in a user namespace of its own


def _containers(spec: dict[str, Any], pod: PodContext, path: str) -> Problems:
    """validateContainers: at least one, each valid, names unique, host ports unique."""
    containers = spec.get("containers") or []
    at = f"{path}.containers"
    if not containers:
        return [required(at)]
    problems: Problems = []
    names: set[str] = set()
    for index, container in enumerate(containers):
        here = f"{at}[{index}]"
        problems += container_common(container, pod, here)
        name = container.get("name", "")
        if name in names:
            problems.append(duplicate(f"{here}.name", name))
        names.add(name)
        problems += _handlers(container, pod.grace, here)
        if container.get("restartPolicy") is not None:
            detail = "may not be set for non-init containers"
            problems.append(forbidden(f"{here}.restartPolicy", detail))
    return problems + _host_port_conflicts(containers, at)


def _init_containers(spec: dict[str, Any], pod: PodContext, path: str) -> Problems:
    """validateInitContainers: names unique across regular and init containers; probes
    and lifecycle only on restartable (sidecar) ones."""
    problems: Problems = []
    names = {c.get("name", "") for c in spec.get("containers") or []}
    at = f"{path}.initContainers"
    for index, container in enumerate(spec.get("initContainers") or []):
        here = f"{at}[{index}]"
        problems += container_common(container, pod, here)
        policy = container.get("restartPolicy")
        if policy is not None and policy != "Always":
            problems.append(not_supported(f"{here}.restartPolicy", policy, ("Always",)))
        name = container.get("name", "")
        if name in names:
            problems.append(duplicate(f"{here}.name", name))
        elif name:
            names.add(name)
        problems += _host_port_conflicts([container], at)
        if policy == "Always":
            problems += _handlers(container, pod.grace, here)
        else:
            for field in ("lifecycle", "livenessProbe", "readinessProbe", "startupProbe"):
                if container.get(field) is not None:
                    problems.append(forbidden(f"{here}.{field}", NOT_INIT))
    return problems


def container_common(container: dict[str, Any], pod: PodContext, path: str) -> Problems:
    """validateContainerCommon."""
    problems: Problems = []
    name = container.get("name", "")
    if not name:
        problems.append(required(f"{path}.name"))
    else:
        problems += [invalid(f"{path}.name", name, m) for m in apimachinery.is_dns1123_label(name)]
    if not container.get("image"):
        problems.append(required(f"{path}.image"))
    policy = container.get("terminationMessagePolicy", "")
    problems += one_of(f"{path}.terminationMessagePolicy", policy, TERMINATION_MESSAGE_POLICIES)
    problems += container_ports(container.get("ports") or [], f"{path}.ports")
    problems += env_vars(container.get("env") or [], f"{path}.env")
    problems += _env_from(container.get("envFrom") or [], f"{path}.envFrom")
    problems += pod_volumes.volume_mounts(container, pod.volumes, f"{path}.volumeMounts")
    problems += pod_volumes.volume_devices(container, pod.volumes, f"{path}.volumeDevices")
    problems += one_of(
        f"{path}.imagePullPolicy", container.get("imagePullPolicy", ""), PULL_POLICIES
    )
    problems += pod_resources.resource_requirements(
        container.get("resources") or {}, f"{path}.resources"
    )
    problems += pod_resources.resize_policy(
        container.get("resizePolicy") or [], f"{path}.resizePolicy", pod.restart
    )
    return problems + pod_security.security_context(
        container.get("securityContext"), f"{path}.securityContext", pod.host_users
    )


def is_valid_port_name(name: str) -> list[str]:
    """IsValidPortName: an IANA_SVC_NAME."""
    errors = []
    if len(name) > 15:
        errors.append(apimachinery.max_len_error(15))
    if not PORT_NAME_CHARSET.fullmatch(name):
        errors.append("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)")
    if not re.search("[a-z]", name):
        errors.append("must contain at least one letter (a-z)")
    if "--" in name:
        errors.append("must not contain consecutive hyphens")
    if name and (name[0] == "-" or name[-1] == "-"):
        errors.append("must not begin or end with a hyphen")
    return errors


def container_ports(ports: list[dict[str, Any]], path: str) -> Problems:
    """validateContainerPorts: a port number, a unique IANA_SVC_NAME, a protocol."""
    problems: Problems = []
    names: set[str] = set()
    for index, port in enumerate(ports):
        at = f"{path}[{index}]"
        name = port.get("name", "")
        if name:
            messages = is_valid_port_name(name)
            if messages:
                problems += [invalid(f"{at}.name", name, m) for m in messages]
            elif name in names:
                problems.append(duplicate(f"{at}.name", name))
            else:
                names.add(name)
        number = port.get("containerPort", 0)
        if number == 0:
            problems.append(required(f"{at}.containerPort"))
        elif not 1 <= number <= 65535:
            problems.append(invalid(f"{at}.containerPort", number, PORT_RANGE))
        host_port = port.get("hostPort", 0)
        if host_port and not 1 <= host_port <= 65535:
            problems.append(invalid(f"{at}.hostPort", host_port, PORT_RANGE))
        problems += one_of(f"{at}.protocol", port.get("protocol", ""), PROTOCOLS)
    return problems


def _host_port_conflicts(containers: list[dict[str, Any]], path: str) -> Problems:
    """AccumulateUniqueHostPorts: one host port per protocol and host IP."""
    problems: Problems = []
    seen: set[str] = set()
    for index, container in enumerate(containers):
        for port_index, port in enumerate(container.get("ports") or []):
            host_port = port.get("hostPort", 0)
            if not host_port:
                continue
            key = f"{port.get('protocol', '')}/{port.get('hostIP', '')}/{host_port}"
            if key in seen:
                at = f"{path}[{index}].ports[{port_index}].hostPort"
                problems.append(duplicate(at, key))
            seen.add(key)
    return problems


def is_relaxed_env_var_name(name: str) -> list[str]:
    """IsRelaxedEnvVarName (RelaxedEnvironmentVariableValidation, on since 1.32): printable
    ASCII but `=`."""
    errors = [] if name else [f"environment variable name {apimachinery.empty_error()}"]
    if any(ord(c) > 127 or not c.isprintable() or c == "=" for c in name):
        errors.append(RELAXED_ENV_NAME_ERROR)
    return errors


def env_vars(env: list[dict[str, Any]], path: str) -> Problems:
    """ValidateEnv: named, and a valueFrom of exactly one source."""
    problems: Problems = []
    for index, var in enumerate(env):
        at = f"{path}[{index}]"
        name = var.get("name", "")
        if not name:
            problems.append(required(f"{at}.name"))
        else:
            problems += [invalid(f"{at}.name", name, m) for m in is_relaxed_env_var_name(name)]
        value_from = var.get("valueFrom")
        if value_from is not None:
            problems += _value_from(value_from, var.get("value", ""), f"{at}.valueFrom")
    return problems


def _value_from(source: dict[str, Any], value: str, path: str) -> Problems:
    """validateEnvVarValueFrom."""
    problems: Problems = []
    count = 0
    if source.get("fieldRef") is not None:
        count += 1
        problems += pod_volumes.object_field_selector(
            source["fieldRef"], ENV_FIELD_PATHS, f"{path}.fieldRef"
        )
    if source.get("resourceFieldRef") is not None:
        count += 1
        problems += pod_volumes.resource_field_selector(
            source["resourceFieldRef"], f"{path}.resourceFieldRef", volume=False
        )
    for field in ("configMapKeyRef", "secretKeyRef"):
        if source.get(field) is not None:
            count += 1
            problems += _key_selector(source[field], f"{path}.{field}")
    if count == 0:
        detail = (
            "must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or "
            "`secretKeyRef`"
        )
        problems.append(invalid(path, "", detail))
    elif value:
        problems.append(invalid(path, "", "may not be specified when `value` is not empty"))
    elif count > 1:
        problems.append(invalid(path, "", "may not have more than one field specified at a time"))
    return problems


def _key_selector(selector: dict[str, Any], path: str) -> Problems:
    """validateConfigMapKeySelector / validateSecretKeySelector: a name (checked even when
    empty, as upstream) and a config key."""
    name, key = selector.get("name", ""), selector.get("key", "")
    problems = [invalid(f"{path}.name", name, m) for m in apimachinery.is_dns1123_subdomain(name)]
    if not key:
        return [*problems, required(f"{path}.key")]
    return problems + [invalid(f"{path}.key", key, m) for m in apimachinery.is_config_map_key(key)]


def _env_from(sources: list[dict[str, Any]], path: str) -> Problems:
    """ValidateEnvFrom: a prefix that is an env var name, and one source each."""
    problems: Problems = []
    for index, source in enumerate(sources):
        at = f"{path}[{index}]"
        prefix = source.get("prefix", "")
        if prefix:
            problems += [
                invalid(f"{at}.prefix", prefix, m) for m in is_relaxed_env_var_name(prefix)
            ]
        count = 0
        for field in ("configMapRef", "secretRef"):
            reference = source.get(field)
            if reference is None:
                continue
            count += 1
            name = reference.get("name", "")
            if not name:
                problems.append(required(f"{at}.{field}.name"))
            else:
                problems += [
                    invalid(f"{at}.{field}.name", name, m)
                    for m in apimachinery.name_is_dns_subdomain(name, True)
                ]
        if count == 0:
            detail = "must specify one of: `configMapRef` or `secretRef`"
            problems.append(invalid(path, "", detail))
        elif count > 1:
            problems.append(
                invalid(path, "", "may not have more than one field specified at a time")
            )
    return problems


# --- probes and lifecycle --------------------------------------------------------------------


def _handlers(container: dict[str, Any], grace: int | None, path: str) -> Problems:
    """The lifecycle handlers and the probes of a container (or a sidecar)."""
    problems: Problems = []
    lifecycle = container.get("lifecycle")
    if lifecycle is not None:
        for hook in ("postStart", "preStop"):
            if lifecycle.get(hook) is not None:
                problems += _handler(lifecycle[hook], grace, f"{path}.lifecycle.{hook}", sleep=True)
    for field in ("livenessProbe", "readinessProbe", "startupProbe"):
        probe = container.get(field)
        if probe is None:
            continue
        at = f"{path}.{field}"
        problems += _probe(probe, grace, at)
        if field != "readinessProbe" and probe.get("successThreshold") != 1:
            problems.append(
                invalid(f"{at}.successThreshold", probe.get("successThreshold", 0), "must be 1")
            )
        if field == "readinessProbe" and probe.get("terminationGracePeriodSeconds") is not None:
            value = probe["terminationGracePeriodSeconds"]
            detail = "must not be set for readinessProbes"
            problems.append(invalid(f"{at}.terminationGracePeriodSeconds", value, detail))
    return problems


def _probe(probe: dict[str, Any], grace: int | None, path: str) -> Problems:
    """validateProbe: one handler, non-negative timings."""
    problems = _handler(probe, grace, path, sleep=False)
    for field in (
        "initialDelaySeconds",
        "timeoutSeconds",
        "periodSeconds",
        "successThreshold",
        "failureThreshold",
    ):
        value = probe.get(field, 0)
        if value < 0:
            problems.append(invalid(f"{path}.{field}", value, pod_resources.NEGATIVE))
    period = probe.get("terminationGracePeriodSeconds")
    if period is not None and period <= 0:
        problems.append(
            invalid(f"{path}.terminationGracePeriodSeconds", period, "must be greater than 0")
        )
    return problems


def _handler(handler: dict[str, Any], grace: int | None, path: str, *, sleep: bool) -> Problems:
    """validateHandler: exactly one of exec, httpGet, tcpSocket, grpc (probes) or sleep
    (lifecycle hooks)."""
    problems: Problems = []
    count = 0
    kinds = (
        ("exec", "httpGet", "tcpSocket", "sleep")
        if sleep
        else ("exec", "httpGet", "tcpSocket", "grpc")
    )
    for kind in kinds:
        action = handler.get(kind)
        if action is None:
            continue
        at = f"{path}.{kind}"
        if count:
            problems.append(forbidden(at, "may not specify more than 1 handler type"))
            continue
        count += 1
        if kind == "exec" and not action.get("command"):
            problems.append(required(f"{at}.command"))
        elif kind == "httpGet":
            problems += _http_get(action, at)
        elif kind in ("tcpSocket", "grpc"):
            problems += port_number_or_name(action.get("port", 0), f"{at}.port")
        elif kind == "sleep" and grace is not None:
            seconds = action.get("seconds", 0)
            if not 0 <= seconds <= grace:
                detail = (
                    f"must be non-negative and less than terminationGracePeriodSeconds ({grace})"
                )
                problems.append(invalid(at, seconds, detail))
    if not count:
        problems.append(required(path, "must specify a handler type"))
    return problems


def _http_get(action: dict[str, Any], path: str) -> Problems:
    problems: Problems = [] if action.get("path") else [required(f"{path}.path")]
    problems += port_number_or_name(action.get("port", 0), f"{path}.port")
    scheme = action.get("scheme", "")
    if scheme not in HTTP_SCHEMES:
        problems.append(not_supported(f"{path}.scheme", scheme, HTTP_SCHEMES))
    for header in action.get("httpHeaders") or []:
        name = header.get("name", "")
        if not HTTP_HEADER_RE.fullmatch(name):
            problems.append(invalid(f"{path}.httpHeaders", name, HTTP_HEADER_ERROR))
    return problems


def port_number_or_name(port: int | str, path: str) -> Problems:
    """ValidatePortNumOrName: a number in 1..65535, or an IANA_SVC_NAME."""
    if isinstance(port, str):
        return [invalid(path, port, m) for m in is_valid_port_name(port)]
    return [] if 1 <= port <= 65535 else [invalid(path, port, PORT_RANGE)]
