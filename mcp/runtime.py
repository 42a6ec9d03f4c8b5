"""The Docker adapter: the only module that imports docker (docker-py).

docker-py blocks, so every call runs in a worker thread through
`trio.to_thread.run_sync` with one shared `CapacityLimiter` (kept at or below
docker-py's pool of 10 connections), under a trio deadline. A thread cannot be
interrupted: on a deadline or cancellation the thread is abandoned and finishes on
its own, still holding its limiter token, and docker-py's own socket timeout ends it.

docker and requests exceptions never leave this module: they become
`RuntimeUnavailable` (transient: retry later), `RuntimeBusy` (Docker is removing the
container: retry shortly), `ImageNotFound`, `NameInUse` or `RuntimeRejected` (permanent
until the spec changes), and `PullFailed`. Only `pull` fetches images, under a limiter of
its own: every create takes an image already in the engine.

For Pods it also makes mcp's own Docker objects: the one pod network (a labelled bridge,
checked and never adopted when it is not mcp's), the infra image (built here from
`infra_image`'s program, never pulled), and infra containers holding a Pod's network
namespace, which the Pod's app containers join: `create_pod_container` makes each attempt
of one from a `sandbox.ContainerConfig` (mounts, resources, security, TTY, log rotation),
`image_info` tells the engine what an image is (its ID, its user), and the event stream
names the Pod a changed container belongs to.

A container's log (`open_logs`) is read by a thread of its own (`logstream.pump`) for as
long as the stream lasts (a follow lasts until the container stops), under a limiter of its
own (`LOG_STREAMS`), so streams never hold the slots other calls need. The thread hands what
it reads to trio through a bounded `threadpipe.BytePipe`; when the reader leaves, trio shuts
the response's socket, which ends the thread's blocked read. (`LogQuery` and
`Demultiplexer` live in `logstream`, and are imported from here as before.)
Exec and attach (`open_exec`, `open_attach`) hand back a process's standard streams over
the connection Docker hijacks for them (`process_io`): the API calls that set them up run
as any other, under the limiter and a deadline; the stream itself takes threads from a
limiter of its own (`STREAM_THREADS`) and has no deadline.
"""

from __future__ import annotations

import contextlib
import functools
import ipaddress
import socket
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any, Protocol, TypeVar
from urllib.parse import quote, urlsplit

import docker
import docker.errors
import docker.types
import outcome
import requests
import requests.exceptions
import trio

from mcp import host as local_host
from mcp import infra_image, logstream, process_io
from mcp.errors import (
    ImageNotFound,
    NameInUse,
    PullFailed,
    RuntimeBusy,
    RuntimeRejected,
    RuntimeUnavailable,
)
from mcp.logstream import LOG_BUFFER_BYTES, LogChunks
from mcp.logstream import Demultiplexer as Demultiplexer  # re-exported: imported from here
from mcp.logstream import LogQuery as LogQuery  # re-exported: imported from here
from mcp.metrics import Metrics
from mcp.model import (
    LABEL_CLUSTER,
    LABEL_NAME,
    LABEL_ROLE,
    LABEL_UID,
    ContainerSpec,
    HostInfo,
    ImageInfo,
    Observed,
    Port,
)
from mcp.process_io import ProcessStream
from mcp.sandbox import (
    DEFAULT_DNS,
    LABEL_POD_UID,
    ROLE_POD_NETWORK,
    ContainerConfig,
    DnsConfig,
    PodNetwork,
    PodNews,
    default_gateway,
    labelled_pod,
    pod_network_problem,
)
from mcp.threadpipe import BytePipe

T = TypeVar("T")

CALL_TIMEOUT_S = 20.0  # one Docker API call, apart from stop (which adds the stop timeout)
SOCKET_TIMEOUT_S = 60  # docker-py's own read timeout: it ends abandoned threads
STOP_TIMEOUT_S = 10  # SIGTERM to SIGKILL, like `docker stop`
PULL_TIMEOUT_S = 300.0
PULL_CONCURRENCY = 2
IMPORT_TIMEOUT_S = 60.0  # importing the infra image: a tarball of a few hundred bytes
LOG_STREAMS = 32  # log streams open at once, each a thread and a Docker connection
# Stops wait out a grace period (up to a Pod's terminationGracePeriodSeconds) in Docker:
# slots of their own, so a rollout's or a namespace's many stops never hold the calls
# everything else makes (a Job's Pod waited 11 s behind 8 `docker stop -t 30`).
STOPS = 32
LOG_CLOSE_S = 5.0  # for a stream's thread to end once its socket is shut
# Threads for exec and attach streams: each holds one while its process talks (two while a
# write waits on a process that does not read), apart from the API calls' limiter.
STREAM_THREADS = 64
EXIT_POLL_MAX_S = 1.0  # between looks at an exec that closed its output but runs on
# How docker-py reports an engine it cannot reach or that hung up.
CONNECTION_ERRORS = (requests.exceptions.RequestException, docker.errors.DockerException, OSError)
# Docker's container events that can change what a reconcile decides (exec_*,
# health_status, attach... cannot).
STATE_CHANGING_EVENTS = frozenset(
    {
        "create",
        "start",
        "restart",
        "die",
        "kill",
        "stop",
        "destroy",
        "oom",
        "pause",
        "unpause",
        "rename",
        "update",
    }
)


class Runtime(Protocol):
    """What mcp needs of a container engine."""

    async def inspect(self, name: str) -> Observed | None: ...

    async def create(
        self,
        name: str,
        *,
        spec: ContainerSpec,
        labels: dict[str, str],
        join: str | None = None,
    ) -> str:
        """Create (not start) a container from `spec`; never pulls.

        Args:
            name: its Docker name.
            spec: what to run.
            labels: Docker labels, added to the spec's own.
            join: the id of a container (a Pod's infra container) whose network namespace
                this one shares, hostname and resolv.conf included. The spec's ports are
                then not published here: publish them on that container.

        Raises:
            ImageNotFound: the image is not in the engine.
            NameInUse: a container called `name` exists.
            RuntimeRejected: Docker refused the request (a bad option...).
            RuntimeUnavailable: Docker did not answer.
        """
        ...

    async def create_pod_container(
        self, name: str, config: ContainerConfig, *, labels: dict[str, str], join: str
    ) -> str:
        """Create (not start) one attempt of a Pod's container from `config`; never pulls.

        It shares the network namespace of the container `join` (the Pod's infra
        container, by id: its hostname, resolv.conf and ports are that one's), and keeps
        its log in Docker's json-file driver, rotated as `config` says. As Docker merges a
        container's config with its image's, an `entrypoint` given drops the image's CMD
        too, and a `command` alone runs after the image's ENTRYPOINT (Kubernetes'
        command and args). Bind mounts need their source on the engine's host.

        Args:
            name: its Docker name (`sandbox.container_name`).
            config: what to run, and how.
            labels: its Docker labels (`sandbox.container_labels`).
            join: the id of the container whose network namespace it joins.

        Returns:
            Its id.

        Raises:
            ImageNotFound: `config.image` is not in the engine.
            NameInUse: a container called `name` exists.
            RuntimeRejected: Docker refused it (a mount's source is missing, an unknown
                capability, a bad user or option...).
            RuntimeUnavailable: Docker did not answer.
        """
        ...

    async def image_info(self, reference: str) -> ImageInfo | None:
        """The image `reference` (`name`, `name:tag`, `name@sha256:...` or an image ID)
        names in the engine, as `docker image inspect` shows it; None when it has none.
        Never pulls.

        Raises:
            RuntimeRejected: `reference` is not a valid reference.
            RuntimeUnavailable: Docker did not answer.
        """
        ...

    async def ensure_pod_network(self, name: str, subnet: ipaddress.IPv4Network) -> PodNetwork:
        """Create mcp's pod network (a bridge on `subnet`), or check the one there.

        Raises:
            RuntimeRejected: a network `name` exists but is not mcp's or has another
                subnet (it is never used or changed), or `subnet` overlaps another.
        """
        ...

    async def ensure_infra_image(self, reference: str = infra_image.INFRA_IMAGE) -> str:
        """Build the infra image under `reference` unless it is there; return `reference`.

        Raises:
            RuntimeRejected: an image that is not mcp's holds `reference`, or mcp has no
                infra program for the engine's architecture.
        """
        ...

    async def create_infra(
        self,
        name: str,
        *,
        image: str,
        network: str,
        hostname: str,
        labels: dict[str, str],
        dns: DnsConfig = DEFAULT_DNS,
        ports: Sequence[Port] = (),
    ) -> str:
        """Create (not start) a Pod's infra container on the pod network `network`: it
        holds the Pod's network namespace, hostname, resolv.conf and published ports
        (`ports` with a host port). Its address shows in `inspect` once it runs; a start
        without `network` there is `RuntimeRejected`.

        Raises:
            ImageNotFound: `image` (from `ensure_infra_image`) is not in the engine.
            RuntimeRejected: Docker refused it (name in use, ...).
        """
        ...

    async def pull(self, image: str) -> None:
        """Pull `image` from its registry.

        Raises:
            PullFailed: the registry could not be reached or has no such image.
        """
        ...

    async def start(self, name: str) -> None: ...

    async def unpause(self, name: str) -> None: ...

    async def stop(self, name: str, *, kill_after_s: int = STOP_TIMEOUT_S) -> None:
        """Send SIGTERM, then SIGKILL after `kill_after_s` seconds, like `docker stop`."""
        ...

    async def remove(self, name: str) -> None: ...

    async def list_managed(
        self, cluster_id: str, *, uid: str | None = None, pod_uid: str | None = None
    ) -> list[Observed]:
        """Every container, running or not, labelled with this control plane's cluster
        (given `uid`, made for that mcp object; given `pod_uid`, one of that Pod's, its
        infra containers included), whatever its Docker name. One Docker list: each
        `Observed` says what Docker's summaries say (see `Observed`), `inspect` the rest.
        """
        ...

    async def rename(self, container_id: str, name: str) -> None:
        """Give the container `name` (`docker rename`)."""
        ...

    async def host_info(self) -> HostInfo:
        """The engine's host, as a Node reports it (`docker info`).

        Raises:
            RuntimeUnavailable: the engine did not answer.
        """
        ...

    @property
    def log_streams_open(self) -> int:
        """Log streams (`open_logs`) whose reading has not ended yet."""
        ...

    def open_logs(
        self, container: str, query: LogQuery
    ) -> AbstractAsyncContextManager[AsyncIterator[bytes]]:
        """The log of `container` (a name or an id) as its chunks of bytes, stdout and
        stderr merged in the order they were logged. Without `follow` the chunks end with
        what is logged so far; with it, when the container stops. Leaving the block ends
        the stream, a follow too.

        Raises:
            RuntimeRejected: no such container, or its log cannot be read (log driver).
            RuntimeBusy: `LOG_STREAMS` streams are open already.
            RuntimeUnavailable: the engine did not answer, or (from the chunks) the
                stream broke.
        """
        ...

    def open_exec(
        self,
        container: str,
        *,
        command: Sequence[str],
        stdin: bool,
        stdout: bool,
        stderr: bool,
        tty: bool,
        env: Sequence[str] = (),
    ) -> AbstractAsyncContextManager[ProcessStream]:
        """Run `command` in the running `container` (name or id), as `docker exec` does;
        the block gets its standard streams. Leaving it closes them: the process then lives
        on or ends as Docker has it (a shell reads end-of-file and exits).

        Args:
            stdin, stdout, stderr: which of its streams to connect.
            tty: give it a TTY (its output then comes all as stdout).
            env: `NAME=value` variables to add to the container's.

        Raises:
            RuntimeRejected: no such container, or it is not running.
            RuntimeUnavailable: Docker did not answer.
        """
        ...

    def open_attach(
        self, container: str, *, stdin: bool, stdout: bool, stderr: bool
    ) -> AbstractAsyncContextManager[ProcessStream]:
        """Attach to the main process of the running `container`, as `docker attach` does
        (with a TTY when the container has one). Leaving the block detaches; with `stdin`,
        Docker then closes the process's stdin.

        Raises:
            RuntimeRejected: no such container, or it is not running.
            RuntimeUnavailable: Docker did not answer.
        """
        ...


def _observed_from(attrs: dict[str, Any]) -> Observed:
    state = attrs.get("State") or {}
    config = attrs.get("Config") or {}
    labels = config.get("Labels") or {}
    running = bool(state.get("Running"))
    status = state.get("Status", "unknown")
    return Observed(
        container_id=attrs["Id"],
        uid=labels.get("mcp.uid"),
        spec_hash=labels.get("mcp.spec-hash"),
        running=running,
        # Docker reports 0 for a container that never ran: only an exit has a code.
        exit_code=state.get("ExitCode") if status in ("exited", "dead") else None,
        docker_status=status,
        error=state.get("Error") or "",
        started_at=_docker_time(state.get("StartedAt")),
        finished_at=_docker_time(state.get("FinishedAt")),
        labels=dict(labels),
        name=str(attrs.get("Name") or "").lstrip("/"),
        hostname=str(config.get("Hostname") or ""),
        addresses=_addresses(attrs.get("NetworkSettings")),
        joined=_joined((attrs.get("HostConfig") or {}).get("NetworkMode")),
        image=str(config.get("Image") or ""),
        image_id=str(attrs.get("Image") or ""),
        oom_killed=bool(state.get("OOMKilled")),
        created_at=_docker_time(attrs.get("Created")),
    )


def _pod_host_config(config: ContainerConfig, *, join: str) -> dict[str, Any]:
    """docker-py's `create_host_config` arguments for a Pod's container."""
    return {
        "network_mode": f"container:{join}",
        # Mounts, not binds: a missing source is refused, not made as an empty directory
        # owned by root, and a path may hold a colon.
        "mounts": [
            docker.types.Mount(m.target, m.source, type="bind", read_only=m.read_only)
            for m in config.mounts
        ]
        or None,
        "tmpfs": dict(config.tmpfs) or None,
        "mem_limit": config.memory_bytes,
        # No swap beyond the limit, as the kubelet has it.
        "memswap_limit": config.memory_bytes,
        "cpu_quota": config.cpu_quota,
        "cpu_period": config.cpu_period,
        "cpu_shares": config.cpu_shares,
        "group_add": list(config.group_add) or None,
        "read_only": config.read_only_rootfs or None,
        "cap_drop": list(config.cap_drop) or None,
        "security_opt": ["no-new-privileges"] if config.no_new_privileges else None,
        "log_config": docker.types.LogConfig(
            type=docker.types.LogConfig.types.JSON,
            config={"max-size": config.log_max_size, "max-file": str(config.log_max_files)},
        ),
    }


def _addresses(settings: dict[str, Any] | None) -> dict[str, str]:
    """Network name -> IPv4 address, for the networks a container has an address on."""
    networks = (settings or {}).get("Networks") or {}
    return {name: str(net["IPAddress"]) for name, net in networks.items() if net.get("IPAddress")}


def _joined(network_mode: str | None) -> str | None:
    """The container named in `container:<id>`, Docker's mode for a shared namespace."""
    kind, _, target = str(network_mode or "").partition(":")
    return target if kind == "container" and target else None


def _port_bindings(
    ports: Sequence[Port],
) -> tuple[list[tuple[int, str]], dict[str, list[tuple[str, int] | int]]]:
    """`ports` as docker-py's exposed ports and host port bindings."""
    exposed = [(port.container_port, port.protocol.lower()) for port in ports]
    bindings: dict[str, list[tuple[str, int] | int]] = {}
    for port in ports:
        if port.host_port is not None:
            key = f"{port.container_port}/{port.protocol.lower()}"
            target = (port.host_ip, port.host_port) if port.host_ip else port.host_port
            bindings.setdefault(key, []).append(target)
    return exposed, bindings


def _docker_time(value: str | None) -> str | None:
    """Docker's nanosecond timestamps, or None for its zero time (never happened)."""
    if not value or value.startswith("0001-01-01"):
        return None
    return value


class DockerRuntime:
    """`Runtime` on a Docker engine. Open it with `open_docker_runtime`."""

    def __init__(
        self, client: Any, host: str, limiter: trio.CapacityLimiter, metrics: Metrics
    ) -> None:
        self._client = client
        self._api = client.api
        self.host = host
        self._limiter = limiter
        self._metrics = metrics
        # Pulls can take minutes: their own few slots, so they never starve other calls.
        self._pull_limiter = trio.CapacityLimiter(PULL_CONCURRENCY)
        # A log stream holds its thread for as long as it lasts: slots of their own too.
        self._log_limiter = trio.CapacityLimiter(LOG_STREAMS)
        # Exec and attach streams hold threads for as long as they last: theirs too.
        self._stream_limiter = trio.CapacityLimiter(STREAM_THREADS)
        self._stop_limiter = trio.CapacityLimiter(STOPS)

    async def _call(
        self,
        fn: Callable[..., T],
        *args: Any,
        deadline_s: float = CALL_TIMEOUT_S,
        limiter: trio.CapacityLimiter | None = None,
        about: str | None = None,
        **kwargs: Any,
    ) -> T:
        """`fn(*args, **kwargs)` in a worker thread, its errors as mcp's kinds.

        `about` names the container the call acts on: Docker's answers that name it are
        verdicts on that container, not trouble of the engine's.
        """
        # Named by docker-py's method (inspect_container, containers, start...).
        self._metrics.inc("mcp_docker_requests_total", operation=fn.__name__)
        try:
            with trio.fail_after(deadline_s):
                return await trio.to_thread.run_sync(
                    functools.partial(fn, *args, **kwargs),
                    limiter=limiter or self._limiter,
                    abandon_on_cancel=True,
                )
        except trio.TooSlowError:
            raise RuntimeUnavailable(
                f"Docker at {self.host} did not answer within {deadline_s:g} s"
            ) from None
        except docker.errors.ImageNotFound as exc:
            raise ImageNotFound(_explain(exc)) from exc
        except docker.errors.NotFound:
            raise
        except (docker.errors.NullResource, docker.errors.InvalidArgument) as exc:
            raise RuntimeRejected(str(exc)) from exc  # docker-py's own checks of the request
        except docker.errors.APIError as exc:
            if (
                exc.status_code is not None
                and exc.status_code >= 500
                and _engine_trouble(exc, about=about)
            ):
                raise RuntimeUnavailable(f"Docker at {self.host}: {_explain(exc)}") from exc
            raise RuntimeRejected(_explain(exc)) from exc
        except CONNECTION_ERRORS as exc:
            raise RuntimeUnavailable(f"Docker at {self.host}: {exc}") from exc

    async def ping(self) -> None:
        await self._call(self._api.ping)

    async def inspect(self, name: str) -> Observed | None:
        try:
            attrs = await self._call(self._api.inspect_container, name)
        except docker.errors.NotFound:
            return None
        return _observed_from(attrs)

    async def create(
        self,
        name: str,
        *,
        spec: ContainerSpec,
        labels: dict[str, str],
        join: str | None = None,
    ) -> str:
        # Docker refuses exposed or published ports on a container that joins another's
        # network namespace: they belong on the container that holds it.
        ports, bindings = _port_bindings(spec.ports if join is None else ())
        host_config = self._api.create_host_config(
            port_bindings=bindings or None,
            mem_limit=spec.resources.memory_bytes,
            nano_cpus=spec.resources.nano_cpus,
            network_mode=None if join is None else f"container:{join}",
        )
        container_config = self._api.create_container_config(
            spec.image,
            spec.args,
            # None keeps the image's own ENTRYPOINT / CMD.
            entrypoint=spec.command,
            environment=spec.env_list or None,
            working_dir=spec.working_dir,
            ports=ports or None,
            labels={**spec.labels, **labels},
            stop_timeout=spec.stop_timeout_seconds,
            host_config=host_config,
            detach=True,
        )
        return await self._create(name, container_config)

    async def create_pod_container(
        self, name: str, config: ContainerConfig, *, labels: dict[str, str], join: str
    ) -> str:
        # Docker refuses published ports on a joined container, and the config has none.
        host_config = self._api.create_host_config(**_pod_host_config(config, join=join))
        container_config = self._api.create_container_config(
            config.image,
            None if config.command is None else list(config.command),
            # None keeps the image's own ENTRYPOINT / CMD.
            entrypoint=None if config.entrypoint is None else list(config.entrypoint),
            environment=list(config.env) or None,
            working_dir=config.working_dir,
            user=config.user,
            stdin_open=config.stdin_open,
            tty=config.tty,
            labels=labels,
            host_config=host_config,
            detach=True,
        )
        # docker-py sets StdinOnce only for a container it attaches to at once; mcp never
        # does (the API attaches later, if asked).
        container_config["StdinOnce"] = config.stdin_once
        return await self._create(name, container_config)

    async def _create(self, name: str, container_config: dict[str, Any]) -> str:
        """Create the container `name`; its id. The low-level API never pulls: a missing
        image is ImageNotFound, not a download."""

        def create_container() -> Any:  # the metric's operation, as README lists it
            return self._api.create_container_from_config(container_config, name=name)

        try:
            result = await self._call(create_container, about=name)
        except docker.errors.NotFound as exc:
            raise ImageNotFound(_explain(exc)) from exc
        except RuntimeRejected as exc:
            if "is already in use" in str(exc):  # Docker's 409 for a taken name
                raise NameInUse(str(exc)) from exc
            raise
        return str(result["Id"])

    async def image_info(self, reference: str) -> ImageInfo | None:
        try:
            found = await self._call(self._api.inspect_image, reference)
        except (ImageNotFound, docker.errors.NotFound):
            return None
        return ImageInfo(
            id=str(found["Id"]),
            user=str((found.get("Config") or {}).get("User") or ""),
            repo_tags=tuple(found.get("RepoTags") or ()),
            repo_digests=tuple(found.get("RepoDigests") or ()),
        )

    async def ensure_pod_network(self, name: str, subnet: ipaddress.IPv4Network) -> PodNetwork:
        found = await self._find_network(name)
        if found is None:
            pool = docker.types.IPAMPool(subnet=str(subnet), gateway=str(default_gateway(subnet)))
            try:
                await self._call(
                    self._api.create_network,
                    name,
                    driver="bridge",
                    ipam=docker.types.IPAMConfig(pool_configs=[pool]),
                    labels={LABEL_ROLE: ROLE_POD_NETWORK},
                    check_duplicate=True,
                )
            except RuntimeRejected as exc:
                if "overlaps" in str(exc):
                    raise RuntimeRejected(
                        f"cannot create the pod network {name}: its subnet {subnet} overlaps "
                        f"a network already on Docker at {self.host} ({exc}); "
                        "choose another pod_subnet"
                    ) from exc
                if "already exists" not in str(exc):
                    raise
                # Made meanwhile (another mcp on this engine): judged below like any other.
            found = await self._find_network(name)
            if found is None:
                raise RuntimeRejected(f"the pod network {name} vanished as it was made")
        ipam = found.get("IPAM") or {}
        configs = ipam.get("Config") or []
        problem = pod_network_problem(
            name,
            subnet,
            labels=found.get("Labels") or {},
            driver=str(found.get("Driver") or ""),
            subnets=[str(config["Subnet"]) for config in configs if config.get("Subnet")],
        )
        if problem is not None:
            raise RuntimeRejected(problem)
        gateways = [config["Gateway"] for config in configs if config.get("Gateway")]
        return PodNetwork(
            id=str(found["Id"]),
            name=name,
            subnet=subnet,
            gateway=ipaddress.IPv4Address(gateways[0]) if gateways else default_gateway(subnet),
        )

    async def _find_network(self, name: str) -> dict[str, Any] | None:
        """The network called exactly `name` (Docker's name filter also matches parts of
        names, and inspecting by name would also take an id prefix)."""
        listed = await self._call(self._api.networks, names=[name])
        exact = [network for network in listed if network.get("Name") == name]
        if len(exact) > 1:
            raise RuntimeRejected(
                f"Docker at {self.host} has {len(exact)} networks called {name}: "
                "remove all but one (`docker network ls`)"
            )
        return exact[0] if exact else None

    async def ensure_infra_image(self, reference: str = infra_image.INFRA_IMAGE) -> str:
        try:
            found = await self._call(self._api.inspect_image, reference)
        except ImageNotFound:
            pass
        else:
            labels = (found.get("Config") or {}).get("Labels") or {}
            if labels.get(LABEL_ROLE) != infra_image.ROLE_INFRA:
                raise RuntimeRejected(
                    f"image {reference} is not mcp's infra image (no label "
                    f"{LABEL_ROLE}={infra_image.ROLE_INFRA}): remove it "
                    f"(`docker rmi {reference}`) and mcp builds its own"
                )
            return reference
        architecture = str((await self._call(self._api.info)).get("Architecture") or "")
        if architecture not in infra_image.ARCHITECTURES:
            raise RuntimeRejected(
                f"mcp has no infra program for {architecture or 'an unknown architecture'} "
                f"(Docker at {self.host}); it builds one for "
                f"{' and '.join(infra_image.ARCHITECTURES)} only"
            )
        repository, tag = _split_reference(reference)
        await self._call(
            self._api.import_image_from_data,
            infra_image.rootfs(architecture),
            repository=repository,
            tag=tag,
            changes=infra_image.image_changes(),
            deadline_s=IMPORT_TIMEOUT_S,
        )
        await self._call(self._api.inspect_image, reference)  # an import that said nothing
        return reference

    async def create_infra(
        self,
        name: str,
        *,
        image: str,
        network: str,
        hostname: str,
        labels: dict[str, str],
        dns: DnsConfig = DEFAULT_DNS,
        ports: Sequence[Port] = (),
    ) -> str:
        exposed, bindings = _port_bindings(ports)
        host_config = self._api.create_host_config(
            network_mode=network,
            port_bindings=bindings or None,
            dns=list(dns.servers) or None,
            dns_search=list(dns.searches) or None,
            dns_opt=list(dns.options) or None,
        )
        try:
            result = await self._call(
                self._api.create_container,
                image,
                name=name,
                hostname=hostname,
                labels=labels,
                ports=exposed or None,
                host_config=host_config,
                detach=True,
                about=name,
            )
        except docker.errors.NotFound as exc:
            # Whatever else is missing; Docker 20.10 checks the network only at the start.
            raise RuntimeRejected(_explain(exc)) from exc
        return str(result["Id"])

    async def pull(self, image: str) -> None:
        repository, tag = _split_reference(image)
        try:
            await self._call(
                self._api.pull,
                repository,
                tag=tag,
                deadline_s=PULL_TIMEOUT_S,
                limiter=self._pull_limiter,
            )
        except (docker.errors.NotFound, RuntimeRejected, RuntimeUnavailable) as exc:
            raise PullFailed(f"pulling {image}: {exc}") from exc

    async def start(self, name: str) -> None:
        try:
            await self._call(self._api.start, name, about=name)
        except docker.errors.NotFound as exc:
            text = _explain(exc)
            if name in text:
                # Removed between the pass's inspect and this start (`docker rm -f`): its
                # destroy event brings the next pass, which creates it again.
                raise RuntimeBusy(text) from exc
            if "no such container" in text.lower():
                # Docker names the container whose network namespace it joins: that one is
                # gone, and only this container made again around a new one can run.
                raise RuntimeRejected(
                    f"cannot start {name}: the container whose network namespace it joins "
                    f"is gone ({text})"
                ) from exc
            raise RuntimeRejected(text) from exc  # its network is gone (`network X not found`)
        except RuntimeRejected as exc:
            if "marked for removal" in str(exc):
                # `docker rm -f` under way: its destroy event brings the next pass.
                raise RuntimeBusy(str(exc)) from exc
            raise

    async def unpause(self, name: str) -> None:
        try:
            await self._call(self._api.unpause, name, about=name)
        except docker.errors.NotFound as exc:
            raise RuntimeRejected(_explain(exc)) from exc

    async def stop(self, name: str, *, kill_after_s: int = STOP_TIMEOUT_S) -> None:
        try:
            await self._call(
                self._api.stop,
                name,
                timeout=kill_after_s,
                deadline_s=CALL_TIMEOUT_S + kill_after_s,
                limiter=self._stop_limiter,
                about=name,
            )
        except docker.errors.NotFound:
            return  # already gone: stopped enough

    async def remove(self, name: str) -> None:
        try:
            await self._call(self._api.remove_container, name, force=True, about=name)
        except docker.errors.NotFound:
            return
        except RuntimeRejected as exc:
            if "already in progress" in str(exc):
                return  # Docker is removing it already
            raise

    async def rename(self, container_id: str, name: str) -> None:
        try:
            await self._call(self._api.rename, container_id, name, about=name)
        except docker.errors.NotFound as exc:
            raise RuntimeRejected(_explain(exc)) from exc

    async def host_info(self) -> HostInfo:
        """`docker info`, and, for an engine on this machine (a unix socket), the host's
        ids, its default route's address and the size of Docker's file system."""
        info = await self._call(self._api.info)
        local = urlsplit(self.host).scheme == "unix"

        def read_local() -> tuple[int | None, str, str, str, str | None]:
            root = str(info.get("DockerRootDir") or "/var/lib/docker")
            return (
                local_host.file_system_bytes(root),
                local_host.read_id(local_host.MACHINE_ID),
                local_host.read_id(local_host.SYSTEM_UUID),
                local_host.read_id(local_host.BOOT_ID),
                local_host.default_route_ipv4(),
            )

        facts: tuple[int | None, str, str, str, str | None] = (None, "", "", "", None)
        if local:
            with trio.fail_after(CALL_TIMEOUT_S):
                facts = await trio.to_thread.run_sync(read_local, abandon_on_cancel=True)
        storage, machine_id, system_uuid, boot_id, address = facts
        return HostInfo(
            name=str(info.get("Name") or ""),
            cpus=int(info.get("NCPU") or 0),
            memory_bytes=int(info.get("MemTotal") or 0),
            kernel_version=str(info.get("KernelVersion") or ""),
            os_image=str(info.get("OperatingSystem") or ""),
            operating_system=str(info.get("OSType") or ""),
            architecture=str(info.get("Architecture") or ""),
            runtime_version=str(info.get("ServerVersion") or ""),
            storage_bytes=storage,
            machine_id=machine_id,
            system_uuid=system_uuid,
            boot_id=boot_id,
            internal_ip=address,
        )

    @asynccontextmanager
    async def open_exec(
        self,
        container: str,
        *,
        command: Sequence[str],
        stdin: bool,
        stdout: bool,
        stderr: bool,
        tty: bool,
        env: Sequence[str] = (),
    ) -> AsyncIterator[ProcessStream]:
        try:
            created = await self._call(
                self._api.exec_create,
                container,
                list(command),
                stdin=stdin,
                stdout=stdout,
                stderr=stderr,
                tty=tty,
                environment=list(env) or None,
                about=container,
            )
            exec_id = str(created["Id"])
            hijacked = await self._call(
                self._api.exec_start, exec_id, tty=tty, socket=True, about=container
            )
        except docker.errors.NotFound as exc:
            raise RuntimeRejected(_explain(exc)) from exc

        async def resize(width: int, height: int) -> None:
            try:
                await self._call(self._api.exec_resize, exec_id, height=height, width=width)
            except docker.errors.NotFound as exc:
                raise RuntimeRejected(_explain(exc)) from exc

        async def exit_code() -> int | None:
            # The output can end a moment before Docker records the exit; a process that
            # closed its output and runs on is waited for, one bounded call at a time.
            pause = 0.01
            while True:
                try:
                    inspected = await self._call(self._api.exec_inspect, exec_id)
                except docker.errors.NotFound:
                    return None  # its container is gone, and the exec with it
                if not inspected.get("Running"):
                    code = inspected.get("ExitCode")
                    return None if code is None else int(code)
                await trio.sleep(pause)
                pause = min(pause * 2, EXIT_POLL_MAX_S)

        stream = self._process_stream(hijacked, tty=tty, resize=resize, exit_code=exit_code)
        try:
            yield stream
        finally:
            stream.close()

    @asynccontextmanager
    async def open_attach(
        self, container: str, *, stdin: bool, stdout: bool, stderr: bool
    ) -> AsyncIterator[ProcessStream]:
        try:
            attrs = await self._call(self._api.inspect_container, container, about=container)
            if not (attrs.get("State") or {}).get("Running"):
                raise RuntimeRejected(f"container {container} is not running")
            # Whether Docker frames the stream is the container's, fixed when it was made.
            tty = bool((attrs.get("Config") or {}).get("Tty"))
            params = {"stdin": int(stdin), "stdout": int(stdout), "stderr": int(stderr)}
            hijacked = await self._call(
                self._api.attach_socket,
                container,
                params={**params, "stream": 1, "logs": 0},
                about=container,
            )
        except docker.errors.NotFound as exc:
            raise RuntimeRejected(_explain(exc)) from exc

        async def resize(width: int, height: int) -> None:
            try:
                await self._call(
                    self._api.resize, container, height=height, width=width, about=container
                )
            except docker.errors.NotFound as exc:
                raise RuntimeRejected(_explain(exc)) from exc

        async def no_exit_code() -> int | None:
            return None  # detaching leaves the container running: it has no exit to tell

        stream = self._process_stream(hijacked, tty=tty, resize=resize, exit_code=no_exit_code)
        try:
            yield stream
        finally:
            stream.close()

    def _process_stream(
        self,
        hijacked: Any,
        *,
        tty: bool,
        resize: Callable[[int, int], Awaitable[None]],
        exit_code: Callable[[], Awaitable[int | None]],
    ) -> process_io.SocketProcessStream:
        """A stream over the socket docker-py hands back for a hijacked connection (its
        `SocketIO`, carrying the HTTP response as `_response`). Reads go through the
        response's buffered reader: it may hold the stream's first bytes, read together
        with the `101 UPGRADED` headers."""
        response = getattr(hijacked, "_response", None)
        buffered = getattr(getattr(getattr(response, "raw", None), "_fp", None), "fp", None)
        sock = getattr(hijacked, "_sock", hijacked)
        if not isinstance(sock, socket.socket):
            hijacked.close()
            raise RuntimeRejected(
                f"mcp streams exec and attach over unix and TCP connections to Docker only, "
                f"not over {self.host}"
            )
        reader = buffered if buffered is not None and hasattr(buffered, "read1") else hijacked

        def release() -> None:
            if response is not None:
                response.close()

        return process_io.SocketProcessStream(
            reader=reader,
            sock=sock,
            release=release,
            tty=tty,
            limiter=self._stream_limiter,
            resize=resize,
            exit_code=exit_code,
        )

    async def follow_events(
        self,
        cluster_id: str,
        names: trio.MemorySendChannel[str],
        pods: trio.MemorySendChannel[PodNews] | None = None,
    ) -> None:
        """Say which objects each change Docker reports in this cluster's containers is
        about: the mcp Container's name (label `mcp.name`) on `names`, and, given `pods`,
        the Pod (labels `io.kubernetes.pod.*`, on its infra and app containers) and the
        container on `pods`: Docker's list may show the state before the event for a
        moment, so the Pod's actor inspects that container again.
        Only `STATE_CHANGING_EVENTS` count. A full channel holds the stream up (Docker
        buffers meanwhile); the channels stay open: they are the caller's.

        Returns when Docker ends the stream; cancellation closes it.

        Raises:
            RuntimeUnavailable: the stream could not be opened, or broke.
        """
        label = f"{LABEL_CLUSTER}={cluster_id}"
        stream = await self._call(
            self._api.events, decode=True, filters={"type": ["container"], "label": [label]}
        )

        def pump() -> None:
            for event in stream:
                name, pod = event_subjects(event)
                if name is not None:
                    trio.from_thread.run(names.send, name)
                if pod is not None and pods is not None:
                    trio.from_thread.run(pods.send, pod)

        try:
            # Not under the limiter: the stream holds its connection for as long as it
            # lives (docker-py's pool has a connection set aside for it).
            await trio.to_thread.run_sync(pump, abandon_on_cancel=True)
        except CONNECTION_ERRORS as exc:
            raise RuntimeUnavailable(f"Docker at {self.host}: event stream broke: {exc}") from exc
        finally:
            # Closing the response wakes the thread blocked reading it, which then ends.
            stream.close()

    @property
    def log_streams_open(self) -> int:
        """Log streams whose thread still runs."""
        return int(self._log_limiter.borrowed_tokens)

    @asynccontextmanager
    async def open_logs(self, container: str, query: LogQuery) -> AsyncIterator[LogChunks]:
        """See `Runtime.open_logs`. Opening is one bounded call under the shared limiter
        (inspect, then the request); the reading thread then holds a slot of
        `LOG_STREAMS` until it ends, which leaving the block makes it do at once."""
        borrower = object()  # the stream's slot, held by its thread, not by a task
        try:
            self._log_limiter.acquire_on_behalf_of_nowait(borrower)
        except trio.WouldBlock:
            raise RuntimeBusy(
                f"{LOG_STREAMS} log streams are open on Docker at {self.host}: "
                "try again when one has ended"
            ) from None
        token = trio.lowlevel.current_trio_token()
        response: requests.Response | None = None
        started = False
        try:

            def logs() -> tuple[requests.Response, bool]:
                return self._request_logs(container, query)

            try:
                opened, tty = await self._call(logs, about=container)
            except docker.errors.NotFound as exc:
                raise RuntimeRejected(_explain(exc)) from exc
            response = opened  # closed below should the thread not start
            pipe = BytePipe(LOG_BUFFER_BYTES)

            def done(result: outcome.Outcome[BaseException | None]) -> None:
                # In the thread, as it ends: the stream's slot is free from now on.
                ended = result.error if isinstance(result, outcome.Error) else result.unwrap()
                pipe.finish(ended)
                with contextlib.suppress(trio.RunFinishedError):
                    token.run_sync_soon(self._log_limiter.release_on_behalf_of, borrower)

            trio.lowlevel.start_thread_soon(
                functools.partial(logstream.pump, container, opened, tty, pipe, host=self.host),
                done,
                name=f"mcp logs {container}",
            )
            started = True
            try:
                yield LogChunks(pipe)
            finally:
                pipe.close()
                logstream.shut(opened)  # wakes the thread if it is blocked reading
                with trio.move_on_after(LOG_CLOSE_S, shield=True):
                    await pipe.wait_finished()
        finally:
            if not started:
                if response is not None:
                    response.close()
                self._log_limiter.release_on_behalf_of(borrower)

    def _request_logs(self, container: str, query: LogQuery) -> tuple[requests.Response, bool]:
        """In a worker thread: ask Docker for the log; the response and whether the
        container has a TTY (then its output comes raw, else framed)."""
        config = self._api.inspect_container(container).get("Config") or {}
        params: dict[str, str | int] = {
            "stdout": int(query.stdout),
            "stderr": int(query.stderr),
            "timestamps": int(query.timestamps),
            "follow": int(query.follow),
            "tail": "all" if query.tail is None else str(query.tail),
        }
        if query.since is not None and query.since > 0:
            params["since"] = f"{query.since:.9f}"  # Docker's <seconds>.<nanoseconds>
        # docker-py's `logs` would read the framing a byte or a frame at a time, and only
        # its own way of closing unblocks it: the request is made here, on its session.
        url = f"{self._api.base_url}/v{self._api.api_version}/containers/"
        response = self._api.get(
            url + quote(container, safe="") + "/logs",
            params=params,
            stream=True,
            timeout=SOCKET_TIMEOUT_S,
        )
        try:
            response.raise_for_status()
        except requests.exceptions.HTTPError as exc:
            response.close()
            docker.errors.create_api_error_from_http_exception(exc)  # raises docker's kind
        # The answer has begun; the body may be silent for as long as the container is.
        connection = response.raw.connection
        if connection is not None and connection.sock is not None:
            connection.sock.settimeout(None)
        return response, bool(config.get("Tty"))

    async def list_managed(
        self, cluster_id: str, *, uid: str | None = None, pod_uid: str | None = None
    ) -> list[Observed]:
        """Every container carrying this control plane's cluster label (and `uid`'s, and
        `pod_uid`'s): Docker ANDs label filters."""
        wanted = [f"{LABEL_CLUSTER}={cluster_id}"]
        if uid is not None:
            wanted.append(f"{LABEL_UID}={uid}")
        if pod_uid is not None:
            wanted.append(f"{LABEL_POD_UID}={pod_uid}")
        summaries = await self._call(self._api.containers, all=True, filters={"label": wanted})
        observed = []
        for summary in summaries:
            labels = summary.get("Labels") or {}
            running = summary.get("State") == "running"
            observed.append(
                Observed(
                    container_id=summary["Id"],
                    uid=labels.get("mcp.uid"),
                    spec_hash=labels.get("mcp.spec-hash"),
                    running=running,
                    exit_code=None,
                    docker_status=summary.get("State", "unknown"),
                    labels=dict(labels),
                    name=str((summary.get("Names") or [""])[0]).lstrip("/"),
                    addresses=_addresses(summary.get("NetworkSettings")),
                    joined=_joined((summary.get("HostConfig") or {}).get("NetworkMode")),
                )
            )
        return observed


def event_subjects(event: dict[str, Any]) -> tuple[str | None, PodNews | None]:
    """What one of Docker's container events is about, if it can change a reconcile: the
    mcp Container's name and the Pod its labels name, with the container (either None).
    Pure."""
    action = str(event.get("Action") or event.get("status") or "")
    if action.split(":")[0] not in STATE_CHANGING_EVENTS:  # `exec_start: sh`, ...
        return None, None
    actor = event.get("Actor") or {}
    attributes = actor.get("Attributes") or {}
    pod = labelled_pod(attributes)
    container = str(actor.get("ID") or event.get("id") or "")
    news = None if pod is None else PodNews(pod, container, action.split(":")[0])
    return attributes.get(LABEL_NAME) or None, news


def _split_reference(image: str) -> tuple[str, str | None]:
    """`registry:5000/app:1.2` -> (`registry:5000/app`, `1.2`); a digest stays whole."""
    if "@" in image:
        return image, None
    head, _, last = image.rpartition("/")
    if ":" in last:
        name, _, tag = last.partition(":")
        return (f"{head}/{name}" if head else name), tag
    return image, "latest"


def _explain(exc: docker.errors.APIError) -> str:
    explanation = exc.explanation
    if isinstance(explanation, bytes):
        explanation = explanation.decode(errors="replace")
    return str(explanation or exc)


# Docker's 500s that are about the request, not the engine: the command is not in the
# image, a host port is taken, the network setup for this container failed, it is (not)
# paused, its user or groups are not in the image, its tmpfs or log options are wrong
# (Docker 20.10 finds these four at the start, not at the create).
VERDICTS = (
    "oci runtime",
    "executable file not found",
    "no such",
    "address already in use",
    "port is already allocated",
    "driver failed programming external connectivity",
    "is not paused",
    "is paused",
    "does not support reading",  # a log driver that keeps no log Docker can read back
    "unable to find user",
    "unable to find group",
    "invalid tmpfs option",
    "failed to initialize logging driver",
)


def _engine_trouble(exc: docker.errors.APIError, *, about: str | None = None) -> bool:
    """A 5xx that is the engine's own trouble, not its verdict on our request.

    Docker answers 500 both when it is broken and when, say, the command does not
    exist in the image or a host port is taken: only the first is worth retrying as
    "Docker unavailable". An answer that names the container asked about is about it.
    """
    text = _explain(exc).lower()
    if about is not None and about.lower() in text:
        return False
    return not any(word in text for word in VERDICTS)


async def _probe(host: str) -> None:
    """Fail fast, with the address, when nothing listens at `host`.

    Also spares docker-py's version negotiation from running against a dead
    address, where it leaks the socket of the failed connect.
    """
    parts = urlsplit(host)
    try:
        with trio.fail_after(CALL_TIMEOUT_S):
            if parts.scheme == "unix":
                sock = trio.socket.socket(trio.socket.AF_UNIX, trio.socket.SOCK_STREAM)
                with sock:
                    await sock.connect(parts.path)
            elif parts.scheme in ("tcp", "http"):
                stream = await trio.open_tcp_stream(parts.hostname or "", parts.port or 2375)
                await stream.aclose()
    except trio.TooSlowError:
        raise RuntimeUnavailable(f"cannot reach Docker at {host}: no answer") from None
    except OSError as exc:
        raise RuntimeUnavailable(f"cannot reach Docker at {host}: {exc.strerror or exc}") from exc


@asynccontextmanager
async def open_docker_runtime(
    host: str, *, concurrency: int, metrics: Metrics | None = None
) -> AsyncIterator[DockerRuntime]:
    """Connect to the Docker engine at `host` and check that it answers.

    Raises:
        RuntimeUnavailable: the engine did not answer.
    """
    limiter = trio.CapacityLimiter(concurrency)
    await _probe(host)

    def connect() -> Any:
        # Room in docker-py's pool for every call mcp lets run at once: the limiter's, the stops',
        # the pulls', the event stream's and the log streams', so no connection is opened
        # and thrown away.
        return docker.DockerClient(
            base_url=host,
            version="auto",
            timeout=SOCKET_TIMEOUT_S,
            max_pool_size=concurrency + PULL_CONCURRENCY + 1 + LOG_STREAMS + STOPS,
        )

    try:
        with trio.fail_after(CALL_TIMEOUT_S):
            client = await trio.to_thread.run_sync(connect, abandon_on_cancel=True)
    except trio.TooSlowError:
        raise RuntimeUnavailable(f"cannot reach Docker at {host}: no answer") from None
    except CONNECTION_ERRORS as exc:
        raise RuntimeUnavailable(f"cannot reach Docker at {host}: {exc}") from exc
    metrics = metrics or Metrics()
    metrics.inc("mcp_docker_requests_total", operation="version")  # docker-py's negotiation
    runtime = DockerRuntime(client, host, limiter, metrics)
    try:
        yield runtime
    finally:
        with trio.move_on_after(2, shield=True):
            await trio.to_thread.run_sync(client.close, abandon_on_cancel=True)
