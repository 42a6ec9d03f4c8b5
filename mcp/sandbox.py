"""A Pod's sandbox on Docker, as data: names, labels, DNS, the pod network. Pure functions.

A Pod runs as one infra container, which holds the Pod's network namespace on mcp's one
pod network, and its app containers, which join that namespace. This module says what
they are called and how they are labelled, as the kubelet's Docker integration
(dockershim) did: `k8s_<container>_<pod>_<namespace>_<uid>_<attempt>`, the infra container
`k8s_POD_...`, and `io.kubernetes.*` labels, so `docker ps` and tools tell which Pod,
container and namespace each Docker container belongs to. It also judges whether an
existing Docker network is the pod network asked for.

`runtime` (the Docker adapter and its fake) imports it; it imports nothing from mcp but
`model`'s label names, and does no I/O.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from mcp.model import LABEL_CLUSTER, LABEL_ROLE, Observed

PREFIX = "k8s"
DELIMITER = "_"
INFRA_CONTAINER = "POD"  # dockershim's container name for the sandbox
LABEL_POD_NAME = "io.kubernetes.pod.name"
LABEL_POD_NAMESPACE = "io.kubernetes.pod.namespace"
LABEL_POD_UID = "io.kubernetes.pod.uid"
LABEL_CONTAINER_NAME = "io.kubernetes.container.name"
LABEL_DOCKER_TYPE = "io.kubernetes.docker.type"
TYPE_SANDBOX = "podsandbox"
TYPE_CONTAINER = "container"
ROLE_POD_NETWORK = "pod-network"
CLUSTER_DOMAIN = "cluster.local"


@dataclass(frozen=True)
class PodRef:
    """The Pod a Docker container belongs to. Kubernetes' names hold no `_`, so the
    Docker names below split back into these parts unambiguously."""

    name: str
    namespace: str
    uid: str


@dataclass(frozen=True)
class DockerName:
    """A Docker container name of mcp's Pods, split into its parts."""

    pod: PodRef
    container: str  # INFRA_CONTAINER for the infra container
    attempt: int


def container_name(pod: PodRef, container: str, attempt: int) -> str:
    """`k8s_<container>_<pod>_<namespace>_<uid>_<attempt>`; attempt counts re-creations."""
    parts = (PREFIX, container, pod.name, pod.namespace, pod.uid, str(attempt))
    return DELIMITER.join(parts)


def infra_name(pod: PodRef, attempt: int) -> str:
    """`k8s_POD_<pod>_<namespace>_<uid>_<attempt>`."""
    return container_name(pod, INFRA_CONTAINER, attempt)


def parse_name(name: str) -> DockerName | None:
    """The parts of a name made by `container_name` (a leading `/` allowed), else None."""
    parts = name.lstrip("/").split(DELIMITER)
    if len(parts) != 6 or parts[0] != PREFIX or not all(parts) or not parts[5].isdigit():
        return None
    _, container, pod, namespace, uid, attempt = parts
    return DockerName(PodRef(pod, namespace, uid), container, int(attempt))


def is_infra(docker_name: str) -> bool:
    """Whether `docker_name` names a Pod's infra container."""
    parsed = parse_name(docker_name)
    return parsed is not None and parsed.container == INFRA_CONTAINER


def infra_last(containers: Iterable[Observed]) -> list[Observed]:
    """`containers` with every Pod's infra containers after all the others. Docker 20.10
    can hang for good (the container's lock held, every later call on it waiting) when an
    infra container is removed while a container joined to its network namespace still
    runs: whoever removes a Pod's containers removes the joined ones first, as the kubelet
    stops a Pod's containers before its sandbox."""
    return sorted(containers, key=lambda container: is_infra(container.name))


def container_labels(pod: PodRef, container: str, *, cluster_id: str) -> dict[str, str]:
    """The labels of an app container of `pod`: dockershim's, and this cluster's."""
    return {
        LABEL_POD_NAME: pod.name,
        LABEL_POD_NAMESPACE: pod.namespace,
        LABEL_POD_UID: pod.uid,
        LABEL_CONTAINER_NAME: container,
        LABEL_DOCKER_TYPE: TYPE_SANDBOX if container == INFRA_CONTAINER else TYPE_CONTAINER,
        LABEL_CLUSTER: cluster_id,
    }


def infra_labels(pod: PodRef, *, cluster_id: str) -> dict[str, str]:
    """The labels of `pod`'s infra container."""
    return container_labels(pod, INFRA_CONTAINER, cluster_id=cluster_id)


@dataclass(frozen=True)
class PodNews:
    """Docker reported a change in container `container_id` of `pod` (its id is "" when
    Docker's event did not name it): `action` is Docker's word for it (`start`, `die`...)."""

    pod: PodRef
    container_id: str
    action: str = ""


def labelled_pod(labels: Mapping[str, str]) -> PodRef | None:
    """The Pod a Docker container's labels (`container_labels`) say it belongs to, or None
    when one of the three is missing or empty."""
    name, namespace, uid = (
        labels.get(LABEL_POD_NAME),
        labels.get(LABEL_POD_NAMESPACE),
        labels.get(LABEL_POD_UID),
    )
    if not (name and namespace and uid):
        return None
    return PodRef(name, namespace, uid)


@dataclass(frozen=True)
class DnsConfig:
    """What an infra container's resolv.conf says; the Pod's containers share it.

    Empty fields keep Docker's defaults. On a user-defined network Docker's own resolver
    answers in the container (`nameserver 127.0.0.11`) and forwards to `servers`;
    `searches` and `options` are written as given.
    """

    servers: tuple[str, ...] = ()
    searches: tuple[str, ...] = ()
    options: tuple[str, ...] = ()


DEFAULT_DNS = DnsConfig()


def cluster_first_dns(namespace: str, *, server: str, domain: str = CLUSTER_DOMAIN) -> DnsConfig:
    """`dnsPolicy: ClusterFirst`: the cluster's DNS server, the kubelet's search path
    (`<namespace>.svc.<domain>`, `svc.<domain>`, `<domain>`) and `ndots:5`."""
    return DnsConfig(
        servers=(server,),
        searches=(f"{namespace}.svc.{domain}", f"svc.{domain}", domain),
        options=("ndots:5",),
    )


@dataclass(frozen=True)
class PodNetwork:
    """mcp's one Docker network for Pods: every infra container gets its address there."""

    id: str
    name: str
    subnet: ipaddress.IPv4Network
    gateway: ipaddress.IPv4Address


def default_gateway(subnet: ipaddress.IPv4Network) -> ipaddress.IPv4Address:
    """The subnet's first address, which Docker gives its bridge unless told otherwise."""
    return next(subnet.hosts())


def pod_network_problem(
    name: str,
    subnet: ipaddress.IPv4Network,
    *,
    labels: dict[str, str],
    driver: str,
    subnets: Iterable[str],
) -> str | None:
    """Why an existing Docker network `name` cannot serve as the pod network on `subnet`,
    or None when it can: it must be a bridge labelled as mcp's pod network, with `subnet`
    as its only IPv4 subnet. mcp never adopts or changes a network that is not so."""
    if labels.get(LABEL_ROLE) != ROLE_POD_NETWORK:
        return (
            f"Docker network {name} exists and is not mcp's pod network (no label "
            f"{LABEL_ROLE}={ROLE_POD_NETWORK}): remove it or choose another pod_network"
        )
    if driver != "bridge":
        return f"Docker network {name} uses the {driver} driver, not bridge: remove it"
    found = sorted(
        text for text in subnets if ipaddress.ip_network(text, strict=False).version == 4
    )
    if found != [str(subnet)]:
        return (
            f"Docker network {name} has subnet {', '.join(found) or 'none'}, not {subnet}: "
            f"set pod_subnet to match, or remove the network (`docker network rm {name}`, "
            "once no container uses it) to have it made again"
        )
    return None


# --- a Pod's container as Docker is asked to make it ------------------------------------

LOG_MAX_SIZE = "10m"  # the kubelet's containerLogMaxSize default
LOG_MAX_FILES = 5  # and its containerLogMaxFiles


@dataclass(frozen=True)
class Mount:
    """A bind mount: the host directory or file `source` at `target` in the container."""

    source: str
    target: str
    read_only: bool = False


@dataclass(frozen=True)
class ContainerConfig:
    """Everything Docker is told to make one attempt of a Pod's container with, decided
    from the Pod (`engine.pods.dockerspec`) and made by `Runtime.create_pod_container`.

    Attributes:
        image: the image reference as the Pod names it.
        entrypoint: replaces the image's ENTRYPOINT (the container's `command`); None
            keeps it.
        command: replaces the image's CMD (the container's `args`); None keeps it.
        env: `NAME=value`, in order.
        working_dir: None keeps the image's.
        mounts: bind mounts (volumes, subPaths, the termination-message file).
        tmpfs: container path -> mount options, for tmpfs mounts Docker makes itself.
        memory_bytes: `limits.memory`; None for no limit.
        cpu_quota, cpu_period: `limits.cpu` as the kubelet gives it to the CFS
            (`quota = milli * period / 1000`, period 100 000 µs); None for no limit.
        cpu_shares: `requests.cpu` as the kubelet's MilliCPUToShares (2 at least);
            None leaves Docker's default.
        user: `uid` or `uid:gid` (runAsUser, runAsGroup); None keeps the image's.
        group_add: supplemental groups (supplementalGroups, fsGroup).
        read_only_rootfs: readOnlyRootFilesystem.
        cap_drop: capabilities dropped (`ALL` included as written).
        no_new_privileges: allowPrivilegeEscalation false.
        stdin_open, stdin_once, tty: `stdin`, `stdinOnce`, `tty`.
        log_max_size, log_max_files: json-file rotation.
    """

    image: str
    entrypoint: tuple[str, ...] | None = None
    command: tuple[str, ...] | None = None
    env: tuple[str, ...] = ()
    working_dir: str | None = None
    mounts: tuple[Mount, ...] = ()
    tmpfs: tuple[tuple[str, str], ...] = ()
    memory_bytes: int | None = None
    cpu_quota: int | None = None
    cpu_period: int | None = None
    cpu_shares: int | None = None
    user: str | None = None
    group_add: tuple[str, ...] = ()
    read_only_rootfs: bool = False
    cap_drop: tuple[str, ...] = ()
    no_new_privileges: bool = False
    stdin_open: bool = False
    stdin_once: bool = False
    tty: bool = False
    log_max_size: str = LOG_MAX_SIZE
    log_max_files: int = LOG_MAX_FILES
