"""A container's environment, as the kubelet's `makeEnvironmentVariables` makes it. Pure.

`container_env` reads the container's `envFrom` sources first (each ConfigMap's `data` or
Secret's decoded `data`, keys behind the source's `prefix`), then its `env` in order: a
`value` with `$(VAR)` references expanded against what is defined so far and the
Service variables (`expand`, a port of `third_party/forked/golang/expansion`; `$$` is a
literal `$`, an unknown reference stays as written), or a `valueFrom` (`fieldRef`,
`resourceFieldRef`, `configMapKeyRef`, `secretKeyRef`). A later definition of a name
wins; the Service variables come last, for names not defined otherwise.

When something referenced is missing and not `optional`, the container cannot be made:
`ConfigError` carries the kubelet's message (`configmap "x" not found`, `couldn't find
key k in ConfigMap ns/x`...), which the engine reports as the container's waiting
reason `CreateContainerConfigError`; the next pass after the object appears starts it.

Differences from upstream, all deliberate:
- Order: the kubelet hands the runtime its map in Go's random order; here a name keeps
  the place of its first definition (envFrom keys sorted per source), so the list is
  stable from pass to pass.
- envFrom keys are never skipped: since Kubernetes 1.30 (RelaxedEnvironmentVariable-
  Validation, kubernetes#123385) the kubelet takes every key, as its
  "configmap_invalid_keys_valid" case shows; the old InvalidEnvironmentVariableNames
  event is gone (kubernetes#130099). API validation keeps `=` out of names: ConfigMap and
  Secret keys are `[-._a-zA-Z0-9]+`, and Pod validation refuses a prefix or a name with
  `=` (the Pod kind must, as upstream's validateEnvFrom does).
- Service links (`enableServiceLinks`) are a hook: `service_links` makes no variables
  until mcp serves Services; callers pass its result as `service_env`.
- The API defaults what the kubelet relies on; a Pod stored without them means the
  defaults: `enableServiceLinks` true, a `fieldRef`'s `apiVersion` v1.
- `fileKeyRef` (the EnvFiles feature gate, off by default) reads as upstream with the
  gate off: an empty value.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from mcp.engine.pods import downward, sources
from mcp.engine.pods.downward import Unresolvable
from mcp.engine.pods.sources import Lookup

REASON = "CreateContainerConfigError"  # the kubelet's ErrCreateContainerConfig


@dataclass(frozen=True)
class ConfigError:
    """The container's configuration cannot be made yet: `message` is the kubelet's, the
    container waits with `reason`. A value, not an exception (mcp.errors.ConfigError is
    mcp's own configuration)."""

    message: str
    reason: str = REASON


# --- $(VAR) expansion ---------------------------------------------------------------------

OPERATOR, OPENER, CLOSER = "$", "(", ")"


def mapping_for(*contexts: Mapping[str, str]) -> Callable[[str], str]:
    """MappingFuncFor: a name's value from the first context that has it, else the
    reference as written (`$(NAME)`)."""

    def mapping(name: str) -> str:
        for context in contexts:
            if name in context:
                return context[name]
        return f"{OPERATOR}{OPENER}{name}{CLOSER}"

    return mapping


def _read_reference(rest: str) -> tuple[str, bool, int]:
    # tryReadVariableName: (text read, whether it is a name, characters consumed).
    if rest[0] == OPERATOR:
        return OPERATOR, False, 1  # `$$`: an escaped operator
    if rest[0] == OPENER:
        closer = rest.find(CLOSER, 1)
        if closer != -1:
            return rest[1:closer], True, closer + 1
        return OPERATOR + OPENER, False, 1  # an unterminated reference, kept
    return OPERATOR + rest[0], False, 1


def expand(text: str, mapping: Callable[[str], str]) -> str:
    """Expand: `$(NAME)` replaced by `mapping(NAME)`, `$$` read as `$`, anything else
    (`$NAME`, `${NAME}`, a lone `$`) kept as written."""
    out: list[str] = []
    checkpoint = cursor = 0
    while cursor < len(text):
        if text[cursor] == OPERATOR and cursor + 1 < len(text):
            out.append(text[checkpoint:cursor])
            read, is_name, advance = _read_reference(text[cursor + 1 :])
            out.append(mapping(read) if is_name else read)
            cursor += advance
            checkpoint = cursor + 1
        cursor += 1
    return "".join(out) + text[checkpoint:]


# --- service links ------------------------------------------------------------------------


def service_links(pod: Mapping[str, Any]) -> dict[str, str]:
    """The variables of the Services a Pod sees (`getServiceEnvVarMap`: the `kubernetes`
    Service of `default`, and with `enableServiceLinks` those of its own namespace, as
    `<NAME>_SERVICE_HOST`, `<NAME>_PORT_<port>_TCP`...). mcp serves no Services yet, so
    there are none; when it does, this takes them and ports `envvars.FromServices`."""
    del pod  # read once Services exist: its namespace and spec.enableServiceLinks
    return {}


# --- the environment ----------------------------------------------------------------------


class _Sources:
    """The ConfigMaps and Secrets one computation has read, each read once (as the
    kubelet's per-call maps), so every reference sees the same object."""

    def __init__(self, lookup: Lookup, namespace: str) -> None:
        self._lookup = lookup
        self._namespace = namespace
        self._configmaps: dict[str, Mapping[str, Any] | None] = {}
        self._secrets: dict[str, Mapping[str, Any] | None] = {}

    def configmap(self, name: str) -> dict[str, str] | None:
        if name not in self._configmaps:
            self._configmaps[name] = self._lookup.configmap(self._namespace, name)
        found = self._configmaps[name]
        return None if found is None else sources.configmap_text(found)

    def secret(self, name: str) -> dict[str, str] | None:
        if name not in self._secrets:
            self._secrets[name] = self._lookup.secret(self._namespace, name)
        found = self._secrets[name]
        if found is None:
            return None
        return {key: sources.as_text(value) for key, value in sources.secret_bytes(found).items()}


def _optional(reference: Mapping[str, Any]) -> bool:
    return reference.get("optional") is True


def _from_sources(container: Mapping[str, Any], found: _Sources) -> dict[str, str]:
    """The variables of `envFrom`, in order, later sources winning."""
    env: dict[str, str] = {}
    for source in container.get("envFrom") or []:
        prefix = str(source.get("prefix") or "")
        if (reference := source.get("configMapRef")) is not None:
            resource, values = sources.CONFIGMAP_RESOURCE, found.configmap
        elif (reference := source.get("secretRef")) is not None:
            resource, values = sources.SECRET_RESOURCE, found.secret
        else:
            continue
        name = str(reference.get("name") or "")
        data = values(name)
        if data is None:
            if _optional(reference):
                continue
            raise Unresolvable(sources.not_found(resource, name))
        for key in sorted(data):
            env[prefix + key] = data[key]
    return env


def _key_value(
    reference: Mapping[str, Any], found: _Sources, kind: str, namespace: str
) -> str | None:
    # A configMapKeyRef's or secretKeyRef's value; None when optional and missing.
    name, key = str(reference.get("name") or ""), str(reference.get("key") or "")
    if kind == "ConfigMap":
        data, resource = found.configmap(name), sources.CONFIGMAP_RESOURCE
    else:
        data, resource = found.secret(name), sources.SECRET_RESOURCE
    if data is None:
        if _optional(reference):
            return None
        raise Unresolvable(sources.not_found(resource, name))
    if key not in data:
        if _optional(reference):
            return None
        raise Unresolvable(f"couldn't find key {key} in {kind} {namespace}/{name}")
    return data[key]


def container_env(
    pod: Mapping[str, Any],
    container: Mapping[str, Any],
    lookup: Lookup,
    *,
    pod_ip: str,
    node_name: str,
    host_ip: str,
    pod_ips: Sequence[str] = (),
    host_ips: Sequence[str] = (),
    allocatable: Mapping[str, Any] | None = None,
    service_env: Mapping[str, str] | None = None,
) -> list[tuple[str, str]] | ConfigError:
    """The container's environment as `(name, value)` pairs, or why it cannot be made.

    Args:
        pod: the Pod, as stored.
        container: one of its containers (or init containers).
        lookup: the ConfigMaps and Secrets of the Pod's namespace.
        pod_ip: the sandbox's address (`status.podIP`); "" before it has one.
        node_name: the node mcp runs Pods on; `spec.nodeName` when the Pod names one.
        host_ip: the node's address (`status.hostIP`).
        pod_ips: all the sandbox's addresses when there are several (dual stack); the
            kubelet keeps one per family, the node's family first.
        host_ips: all the node's addresses, likewise.
        allocatable: the node's allocatable resources (`cpu`, `memory`,
            `ephemeral-storage` quantities): what a `resourceFieldRef` reads for a limit
            the container does not set.
        service_env: the Service variables (`service_links`).

    Returns:
        The pairs, each name once, in the order of first definition; or a `ConfigError`
        with the kubelet's message.
    """
    node_ips = [ip for ip in (host_ips or [host_ip]) if ip]
    primary = 6 if node_ips and downward.ip_family(node_ips[0]) == 6 else 4
    node_ips = downward.sort_ips(node_ips, primary=primary)
    sandbox_ips = downward.sort_ips(pod_ips or [pod_ip], primary=primary)
    namespace = str((pod.get("metadata") or {}).get("namespace") or "")
    services = dict(service_env or {})
    found = _Sources(lookup, namespace)
    try:
        env = _from_sources(container, found)
        mapping = mapping_for(env, services)
        for variable in container.get("env") or []:
            value = str(variable.get("value") or "")
            source = variable.get("valueFrom") or {}
            if value:
                value = expand(value, mapping)
            elif (reference := source.get("fieldRef")) is not None:
                value = downward.pod_field(
                    pod,
                    reference,
                    node_name=node_name,
                    pod_ip=sandbox_ips[0] if sandbox_ips else pod_ip,
                    pod_ips=sandbox_ips,
                    host_ips=node_ips,
                )
            elif (reference := source.get("resourceFieldRef")) is not None:
                value = downward.resource_value(reference, pod, container, allocatable or {})
            elif (reference := source.get("configMapKeyRef")) is not None:
                if (read := _key_value(reference, found, "ConfigMap", namespace)) is None:
                    continue
                value = read
            elif (reference := source.get("secretKeyRef")) is not None:
                if (read := _key_value(reference, found, "Secret", namespace)) is None:
                    continue
                value = read
            env[str(variable.get("name") or "")] = value
    except Unresolvable as error:
        return ConfigError(str(error))
    return [*env.items(), *((k, v) for k, v in services.items() if k not in env)]
