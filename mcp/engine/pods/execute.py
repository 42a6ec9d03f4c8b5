"""The Pod pass's executor: runs `decide`'s actions on Docker, one after another, and says
what became of each. Thin: every choice was made by `decide`; what is left here is how
each step is done (the kubelet's `SyncPod`, `startContainer`, `killContainer` in
pkg/kubelet/kuberuntime) and how Docker's answers map onto the kubelet's reasons and
events.

A sandbox that cannot be made stops the pass; a container that cannot be started does not
hold up the others, as in the kubelet's SyncPod. What could not be done is the
`Outcome`'s failure, worded as the kubelet words it (`ErrImagePull`, `CreateContainerConfigError`,
`CreateContainerError`, `RunContainerError`), for the status's waiting reason and a
Warning event. The next pass looks at Docker afresh and decides again.

Events are recorded as the kubelet records them, on the Pod with the container's
`fieldPath` (`spec.containers{app}`, `spec.initContainers{init}`), and held by the
caller until the status is written.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import trio

from mcp import logs
from mcp.engine.pods import hooks, volume_dirs
from mcp.engine.pods.atomic_writer import SubPathError, VolumeWriteError
from mcp.engine.pods.conditions import all_containers, dict_of, dicts_of
from mcp.engine.pods.containers import (
    CREATE_CONTAINER_CONFIG_ERROR,
    CREATE_CONTAINER_ERROR,
    ERR_IMAGE_PULL,
    RUN_CONTAINER_ERROR,
    Waiting,
)
from mcp.engine.pods.decide import (
    CreateSandbox,
    FinishDeletion,
    PodAction,
    RemoveContainer,
    StartContainer,
    StopContainer,
    StopSandbox,
    grace_period,
)
from mcp.engine.pods.dockerspec import container_config, host_ports
from mcp.engine.pods.env import ConfigError
from mcp.engine.pods.volume_dirs import VolumeDirError
from mcp.engine.pods.volumes import REASON as FAILED_MOUNT
from mcp.engine.pods.volumes import Payload
from mcp.errors import ImageNotFound, NameInUse, PullFailed, RuntimeRejected
from mcp.events import EventType, Involved
from mcp.model import Observed
from mcp.runtime import Runtime
from mcp.sandbox import (
    Mount,
    PodNetwork,
    PodRef,
    cluster_first_dns,
    container_labels,
    container_name,
    infra_labels,
    infra_name,
)

log = logs.get(actor="pod")

ERR_IMAGE_NEVER_PULL = "ErrImageNeverPull"  # pkg/kubelet/images/types.go
# The kubelet's Pod sandbox events (pkg/kubelet/events/event.go).
SANDBOX_CHANGED = "SandboxChanged"
FAILED_CREATE_SANDBOX = "FailedCreatePodSandBox"
TERMINATION_LOG = "/dev/termination-log"  # the API's default terminationMessagePath
MINIMUM_GRACE_S = 2  # kuberuntime_container.go's minimumGracePeriodInSeconds


@dataclass(frozen=True)
class Where:
    """What every step of every Pod needs: the Docker side of the node."""

    runtime: Runtime
    cluster_id: str
    network: PodNetwork
    infra_image: str
    dns_server: str  # where the Pods' resolv.conf points (the cluster DNS)
    cluster_domain: str
    data_root: Path  # volume_dirs' root
    node_name: str
    node_ips: tuple[str, ...]


@dataclass(frozen=True)
class Event:
    involved: Involved
    reason: str
    message: str
    type_: EventType = "Normal"


@dataclass
class Outcome:
    """What the executor did: the actions done, in order; the container that could not be
    (re)started and why; the events to record."""

    done: list[PodAction] = field(default_factory=list)
    failed: dict[str, Waiting] = field(default_factory=dict)  # by container name
    # container -> its image and why its pull failed
    pull_failed: dict[str, tuple[str, str]] = field(default_factory=dict)
    events: list[Event] = field(default_factory=list)
    # What the executor inspected after its actions (the new sandbox), by container id:
    # the look after the pass need not ask again.
    seen: dict[str, Observed] = field(default_factory=dict)

    @property
    def finished(self) -> bool:
        return FinishDeletion() in self.done


@dataclass(frozen=True)
class Step:
    """One pass's view for the executor: the Pod, its reference, what its sandbox is now,
    the ConfigMaps and Secrets' files for its volumes."""

    pod: dict[str, Any]
    ref: PodRef
    sandbox_id: str | None  # the running infra container, if any
    pod_ip: str
    # A container's environment with the sandbox at that address (env.container_env).
    env: Callable[[Mapping[str, Any], str], list[tuple[str, str]] | ConfigError]
    volumes: Mapping[str, Payload | None]  # by volume name: files, or none
    # The Killing event's words for a container the prober failed (else "Stopping ...").
    kill_messages: Mapping[str, str] = field(default_factory=dict)


def involved(pod: Mapping[str, Any], container: str | None = None) -> Involved:
    """The Pod as an event's involvedObject; with `container`, that container's part of
    it, as the kubelet's `GenerateContainerRef` (`spec.containers{app}`)."""
    metadata = dict_of(pod.get("metadata"))
    field_path = ""
    if container is not None:
        spec = dict_of(pod.get("spec"))
        inits = {str(c.get("name")) for c in dicts_of(spec.get("initContainers"))}
        kind = "initContainers" if container in inits else "containers"
        field_path = f"spec.{kind}{{{container}}}"
    return Involved(
        "v1",
        "Pod",
        str(metadata.get("name") or ""),
        str(metadata.get("uid") or ""),
        str(metadata.get("namespace") or ""),
        field_path,
    )


def container_spec(pod: Mapping[str, Any], name: str) -> dict[str, Any]:
    for container in all_containers(dict_of(pod.get("spec"))):
        if container.get("name") == name:
            return container
    raise KeyError(name)


async def execute(
    where: Where,
    step: Step,
    actions: Sequence[PodAction],
    *,
    finish_deletion: Callable[[], Any],
) -> Outcome:
    """Run `actions` in order: a sandbox that cannot be made ends the run, a container
    that cannot be started does not (see the module).

    Args:
        finish_deletion: deletes the Pod object for good (awaited for FinishDeletion).

    Raises:
        RuntimeUnavailable, RuntimeBusy, StoreUnavailable: transient; the pass is retried.
    """
    outcome = Outcome()
    sandbox_id = step.sandbox_id
    pod_ip = step.pod_ip
    index = 0
    while index < len(actions):
        action = actions[index]
        index += 1
        log.info(
            "pod_action",
            namespace=step.ref.namespace,
            pod=step.ref.name,
            action=type(action).__name__,
            container=getattr(action, "name", None) or getattr(action, "container_name", None),
        )
        if isinstance(action, StopContainer):
            # The kubelet kills a Pod's containers at once, each with the whole grace.
            stops = [action]
            while index < len(actions) and isinstance(actions[index], StopContainer):
                stops.append(actions[index])  # type: ignore[arg-type]
                index += 1
            await _stop_all(where, step, stops, outcome)
            continue
        # A sandbox or a container made counts itself done (`_create_sandbox`, `_start`).
        if isinstance(action, CreateSandbox):
            made = await _create_sandbox(where, step, action, outcome)
            if made is None:
                return outcome
            sandbox_id, pod_ip = made
            continue
        if isinstance(action, StartContainer):
            if sandbox_id is None:
                return outcome
            # SyncPod: one container failing to start does not hold up the others
            # (`decide` starts one init container at a time, the next when it is done).
            await _start(where, step, action, sandbox_id, pod_ip, outcome)
            continue
        if isinstance(action, RemoveContainer):
            await where.runtime.remove(action.container_id)
        elif isinstance(action, StopSandbox):
            if step.sandbox_id is not None:
                await where.runtime.stop(step.sandbox_id, kill_after_s=0)
        elif isinstance(action, FinishDeletion):
            await volume_dirs.tear_down(volume_dirs.PodDirs(where.data_root, step.ref.uid))
            await finish_deletion()
        outcome.done.append(action)
    return outcome


async def _stop_all(
    where: Where, step: Step, stops: Sequence[StopContainer], outcome: Outcome
) -> None:
    """Stop every container of `stops` side by side: SIGTERM, SIGKILL after its grace."""
    for stop in stops:
        if stop.container_name:
            outcome.events.append(
                Event(
                    involved(step.pod, stop.container_name),
                    "Killing",
                    step.kill_messages.get(
                        stop.container_name, f"Stopping container {stop.container_name}"
                    ),
                )
            )
    async with trio.open_nursery() as nursery:
        for stop in stops:
            nursery.start_soon(_stop, where, step, stop, outcome)
    outcome.done.extend(stops)


async def _stop(where: Where, step: Step, stop: StopContainer, outcome: Outcome) -> None:
    """The kubelet's `killContainer`: the preStop hook within the grace period, then
    SIGTERM, and SIGKILL once what is left of the grace (two seconds at least) is over."""
    grace = stop.grace_s
    if stop.container_name and grace > 0:
        container = container_spec(step.pod, stop.container_name)
        pre_stop = dict_of(dict_of(container.get("lifecycle")).get("preStop"))
        if pre_stop:
            began = trio.current_time()
            failed = await hooks.run(
                where.runtime,
                step.pod,
                container,
                pre_stop,
                container_id=stop.container_id,
                pod_ip=step.pod_ip,
                timeout_s=grace,
            )
            if failed is not None:
                about = involved(step.pod, stop.container_name)
                outcome.events.append(Event(about, hooks.FAILED_PRE_STOP, failed, "Warning"))
            left = grace - int(trio.current_time() - began)
            grace = max(left, MINIMUM_GRACE_S)
    await where.runtime.stop(stop.container_id, kill_after_s=grace)


async def _create_sandbox(
    where: Where, step: Step, action: CreateSandbox, outcome: Outcome
) -> tuple[str, str] | None:
    """The infra container, made and started: its id and address, or None (failed)."""
    pod, ref = step.pod, step.ref
    if action.attempt > 0:
        outcome.events.append(
            Event(
                involved(pod),
                SANDBOX_CHANGED,
                "Pod sandbox changed, it will be killed and re-created.",
            )
        )
    spec = dict_of(pod.get("spec"))
    name = infra_name(ref, action.attempt)
    try:
        infra_id = await where.runtime.create_infra(
            name,
            image=where.infra_image,
            network=where.network.name,
            hostname=str(spec.get("hostname") or ref.name),
            labels=infra_labels(ref, cluster_id=where.cluster_id),
            dns=cluster_first_dns(
                ref.namespace, server=where.dns_server, domain=where.cluster_domain
            ),
            ports=host_ports(pod),
        )
    except NameInUse:
        # A pass before this one made it and did not see it listed yet: look again.
        outcome.done.append(action)
        return None
    except (ImageNotFound, RuntimeRejected) as exc:
        outcome.events.append(
            Event(
                involved(pod),
                FAILED_CREATE_SANDBOX,
                f"Failed to create pod sandbox: {exc}",
                "Warning",
            )
        )
        return None
    await where.runtime.start(infra_id)
    seen = await where.runtime.inspect(infra_id)
    address = seen.addresses.get(where.network.name, "") if seen is not None else ""
    if seen is not None:
        outcome.seen[infra_id] = seen
    outcome.done.append(action)
    return infra_id, address


async def _start(
    where: Where,
    step: Step,
    action: StartContainer,
    sandbox_id: str,
    pod_ip: str,
    outcome: Outcome,
) -> bool:
    """The kubelet's `startContainer`: the image, the configuration, create, start."""
    pod, ref, name = step.pod, step.ref, action.name
    container = container_spec(pod, name)
    about = involved(pod, name)
    image = str(container.get("image") or "")
    present = await _ensure_image(where, image, container, name, about, outcome)
    if present is None:
        return False
    env = step.env(container, pod_ip)  # now: `status.podIP` is the new sandbox's
    if isinstance(env, ConfigError):
        outcome.failed[name] = Waiting(CREATE_CONTAINER_CONFIG_ERROR, env.message)
        outcome.events.append(Event(about, "Failed", f"Error: {env.message}", "Warning"))
        return False
    dirs = volume_dirs.PodDirs(where.data_root, ref.uid)
    try:
        mounts = await _mounts(dirs, pod, container, step, action.attempt)
    except SubPathError as exc:
        # The kubelet's makeMounts failing: the container cannot be configured.
        outcome.failed[name] = Waiting(CREATE_CONTAINER_CONFIG_ERROR, str(exc))
        outcome.events.append(Event(about, "Failed", f"Error: {exc}", "Warning"))
        return False
    except (VolumeDirError, VolumeWriteError) as exc:
        outcome.events.append(Event(involved(pod), FAILED_MOUNT, str(exc), "Warning"))
        return False
    config = container_config(pod, container, env=env, mounts=mounts, image_user=present)
    if isinstance(config, ConfigError):
        outcome.failed[name] = Waiting(CREATE_CONTAINER_CONFIG_ERROR, config.message)
        outcome.events.append(Event(about, "Failed", f"Error: {config.message}", "Warning"))
        return False
    docker_name = container_name(ref, name, action.attempt)
    try:
        made = await where.runtime.create_pod_container(
            docker_name,
            config,
            labels=container_labels(ref, name, cluster_id=where.cluster_id),
            join=sandbox_id,
        )
    except NameInUse:
        outcome.done.append(action)  # made by an earlier pass: the next one sees it
        return False
    except (ImageNotFound, RuntimeRejected) as exc:
        outcome.failed[name] = Waiting(CREATE_CONTAINER_ERROR, str(exc))
        outcome.events.append(Event(about, "Failed", f"Error: {exc}", "Warning"))
        return False
    outcome.events.append(Event(about, "Created", f"Created container: {name}"))
    try:
        await where.runtime.start(made)
    except RuntimeRejected as exc:
        outcome.failed[name] = Waiting(RUN_CONTAINER_ERROR, str(exc))
        outcome.events.append(Event(about, "Failed", f"Error: {exc}", "Warning"))
        return False
    outcome.events.append(Event(about, "Started", f"Started container {name}"))
    post_start = dict_of(dict_of(container.get("lifecycle")).get("postStart"))
    if post_start:
        failed = await hooks.run(
            where.runtime,
            pod,
            container,
            post_start,
            container_id=made,
            pod_ip=pod_ip,
            timeout_s=hooks.POST_START_TIMEOUT_S,
        )
        if failed is not None:
            # killContainer with reason FailedPostStartHook: the restart policy decides.
            outcome.events.append(Event(about, hooks.FAILED_POST_START, failed, "Warning"))
            outcome.failed[name] = Waiting("PostStartHookError", failed)
            await where.runtime.stop(made, kill_after_s=grace_period(pod))
            return False
    # What it is now, for the look after the pass (which then need not list the Pod's
    # containers again): the inspect that look would make of a container it never saw.
    seen = await where.runtime.inspect(made)
    if seen is not None:
        outcome.seen[made] = seen
    outcome.done.append(action)
    return True


async def _ensure_image(
    where: Where,
    image: str,
    container: Mapping[str, Any],
    name: str,
    about: Involved,
    outcome: Outcome,
) -> str | None:
    """The kubelet's `EnsureImageExists`: the image's user when it is there (pulled if the
    policy says so), else None with the failure recorded."""
    policy = str(container.get("imagePullPolicy") or "IfNotPresent")
    info = await where.runtime.image_info(image)
    if info is not None and policy != "Always":
        outcome.events.append(
            Event(about, "Pulled", f'Container image "{image}" already present on machine')
        )
        return info.user
    if info is None and policy == "Never":
        message = f'Container image "{image}" is not present with pull policy of Never'
        outcome.failed[name] = Waiting(ERR_IMAGE_NEVER_PULL, message)
        outcome.events.append(Event(about, ERR_IMAGE_NEVER_PULL, message, "Warning"))
        return None
    outcome.events.append(Event(about, "Pulling", f'Pulling image "{image}"'))
    try:
        await where.runtime.pull(image)
    except PullFailed as exc:
        message = f'Failed to pull image "{image}": {exc}'
        outcome.failed[name] = Waiting(ERR_IMAGE_PULL, message)
        outcome.pull_failed[name] = (image, str(exc))
        outcome.events.append(Event(about, "Failed", message, "Warning"))
        outcome.events.append(Event(about, "Failed", f"Error: {ERR_IMAGE_PULL}", "Warning"))
        return None
    pulled = await where.runtime.image_info(image)
    outcome.events.append(Event(about, "Pulled", f'Successfully pulled image "{image}"'))
    return pulled.user if pulled is not None else ""


async def _mounts(
    dirs: volume_dirs.PodDirs,
    pod: Mapping[str, Any],
    container: Mapping[str, Any],
    step: Step,
    attempt: int,
) -> list[Mount]:
    """The container's volumeMounts as bind mounts of the Pod's volume directories (made
    or updated now), and its termination-message file."""
    volumes = {str(v.get("name")): v for v in dicts_of(dict_of(pod.get("spec")).get("volumes"))}
    mounts: list[Mount] = []
    for mount in dicts_of(container.get("volumeMounts")):
        volume_name = str(mount.get("name"))
        volume = volumes.get(volume_name)
        plugin = volume_dirs.plugin_of(volume) if volume is not None else None
        if volume is None or plugin is None:
            continue  # validation refuses a mount of no volume, and volumes mcp lacks
        await volume_dirs.set_up(dirs, pod, volume, step.volumes.get(volume_name))
        source = await volume_dirs.mount_source(
            dirs, volume_name, plugin, str(mount.get("subPath") or "")
        )
        mounts.append(Mount(str(source), str(mount.get("mountPath")), bool(mount.get("readOnly"))))
    message_path = str(container.get("terminationMessagePath") or TERMINATION_LOG)
    log_file = await volume_dirs.make_termination_log(dirs, str(container.get("name")), attempt)
    mounts.append(Mount(str(log_file), message_path))
    return mounts
