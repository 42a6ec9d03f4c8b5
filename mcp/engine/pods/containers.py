"""The v1 status of each of a Pod's containers, from its Docker containers: pure.

`container_statuses` ports the kubelet's `convertToAPIContainerStatuses` and
`convertContainerStatus` (pkg/kubelet/kubelet_pods.go) on top of cri-dockerd's reading of
`docker inspect` (core/container_status.go): a container's newest attempt gives its
state, the one before its `lastState`; with none yet it waits (ContainerCreating, or
PodInitializing in a Pod with init containers) with the restart count and last state
the previous status had; when it cannot run, the reason the engine gives replaces the
state, as the kubelet's reason cache does. `apply_probes` is the prober's
`UpdatePodStatus` (pkg/kubelet/prober/prober_manager.go): `started` and `ready`.

The inputs are the frozen dataclasses the engine fills, one `ContainerObserved` per
container; `status` assembles the Pod around them.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from mcp.engine.pods.conditions import (
    Status,
    container_should_restart,
    dict_of,
    dicts_of,
    int_of,
    is_restartable_init_container,
)
from mcp.kinds.apimachinery import rfc3339
from mcp.model import parse_time

# kubelet_pods.go: what a container waits for before it has a Docker container.
POD_INITIALIZING = "PodInitializing"
CONTAINER_CREATING = "ContainerCreating"
# The reasons the engine gives for a container it could not run, as the kubelet words
# them (pkg/kubelet/images/types.go, pkg/kubelet/container/sync_result.go).
ERR_IMAGE_PULL = "ErrImagePull"
IMAGE_PULL_BACK_OFF = "ImagePullBackOff"
CRASH_LOOP_BACK_OFF = "CrashLoopBackOff"
CREATE_CONTAINER_CONFIG_ERROR = "CreateContainerConfigError"
CREATE_CONTAINER_ERROR = "CreateContainerError"
RUN_CONTAINER_ERROR = "RunContainerError"
# pkg/kubelet/container/runtime.go
CONTAINER_STATUS_UNKNOWN = "ContainerStatusUnknown"
MAX_TERMINATION_MESSAGE = 4 * 1024  # bytes read from the end of terminationMessagePath
MAX_LOG_MESSAGE = 2 * 1024  # bytes kept from the log's end (FallbackToLogsOnError)
MAX_LOG_LINES = 80
VANISHED = (
    "The container could not be located when the pod was deleted.  The container used to be Running"
)
# v1.ContainerStatus's fields in the order Go writes them.
FIELD_ORDER = (
    "name",
    "state",
    "lastState",
    "ready",
    "restartCount",
    "image",
    "imageID",
    "containerID",
    "started",
    "allocatedResources",
    "resources",
    "volumeMounts",
)
INIT_ASSUMED_DONE = (
    "Unable to get init container status from container runtime and pod has been "
    "initialized, treat it as exited normally"
)


@dataclass(frozen=True)
class DockerContainer:
    """One attempt at one of the Pod's containers: the Docker container
    `k8s_<container>_<pod>_<namespace>_<uid>_<attempt>` as `docker inspect` shows it."""

    attempt: int  # from the name; the status's restartCount
    id: str  # Docker's full container ID
    running: bool  # State.Running (true while paused or restarting, as for cri-dockerd)
    exit_code: int = 0  # State.ExitCode
    oom_killed: bool = False  # State.OOMKilled
    error: str = ""  # State.Error: why Docker could not start it
    created_at: str = ""  # Created, RFC 3339 as Docker writes it
    started_at: str = ""  # State.StartedAt; Docker's zero time (year 1) for never
    finished_at: str = ""  # State.FinishedAt; Docker's zero time for never
    image: str = ""  # its image's first repo tag, else Config.Image (else the spec's)
    image_id: str = ""  # its image's ID, `sha256:...`
    repo_digest: str = ""  # its image's first repo digest, if any (none for local builds)
    # Read by the engine from an exited container: what it wrote to its
    # terminationMessagePath, and the end of its log for FallbackToLogsOnError (both
    # are cut here to what the kubelet keeps, so whole texts may be passed).
    termination_message: str = ""
    log_tail: str = ""
    # It joined the current infra container (False: a sandbox since replaced), as the
    # kubelet's ActiveContainerStatuses.
    in_current_sandbox: bool = True


@dataclass(frozen=True)
class Waiting:
    """Why the engine could not (re)start a container, as the kubelet's reason cache holds
    it: ErrImagePull, ImagePullBackOff, CrashLoopBackOff (worded as the kubelet's
    `doBackOff`: `back-off 10s restarting failed container=app pod=web_default(<uid>)`,
    the delay as Go prints a Duration), CreateContainerConfigError, CreateContainerError,
    RunContainerError."""

    reason: str
    message: str = ""


@dataclass(frozen=True)
class ProbeResults:
    """The prober's last results for a container's running attempt; None: none yet (a
    container without the probe is started, or ready, once it runs)."""

    started: bool | None = None  # the startup probe's
    ready: bool | None = None  # the readiness probe's


@dataclass(frozen=True)
class ContainerObserved:
    """One container of the Pod (an init container or not): its Docker containers, the
    engine's reason it could not run it, the prober's results."""

    attempts: tuple[DockerContainer, ...] = ()  # any order; the last two count
    waiting: Waiting | None = None
    probes: ProbeResults = field(default_factory=ProbeResults)

    def last_two(self) -> list[DockerContainer]:
        """The newest attempt and the one before it."""
        return sorted(self.attempts, key=lambda c: (c.attempt, c.created_at), reverse=True)[:2]


def _moment(text: str) -> datetime | None:
    """A Docker time, None for none or Docker's zero time."""
    moment = parse_time(text)
    return moment if moment is not None and moment.year > 1 else None


def _rfc3339(moment: datetime | None) -> str | None:
    """metav1.Time as JSON: RFC 3339 to the second in UTC, null for the zero time."""
    return rfc3339(moment) if moment else None


def _tail(text: str, limit: int) -> str:
    data = text.encode()
    return data[-limit:].decode(errors="replace") if len(data) > limit else text


# --- one Docker container as a v1 ContainerState --------------------------------------------


def _termination_message(spec: dict[str, Any], docker: DockerContainer, reason: str) -> str:
    """Docker's error, then what the container left (`getPodContainerStatuses`): its
    terminationMessagePath file, or, for FallbackToLogsOnError after a failure with the
    file empty, the end of its log."""
    fallback = (
        spec.get("terminationMessagePolicy") == "FallbackToLogsOnError"
        and docker.exit_code != 0
        and reason != "ContainerCannotRun"  # it never ran: no logs
    )
    left = _tail(docker.termination_message, MAX_TERMINATION_MESSAGE)
    if fallback and not left:
        lines = docker.log_tail.splitlines(keepends=True)[-MAX_LOG_LINES:]
        left = _tail("".join(lines), MAX_LOG_MESSAGE)
    if docker.error and left:
        return f"{docker.error}: {left}"
    return docker.error or left


def _state(spec: dict[str, Any], docker: DockerContainer) -> dict[str, Any]:
    """cri-dockerd's `ContainerStatus`, then the kubelet's `convertContainerStatus`."""
    if docker.running:
        return {"running": {"startedAt": _rfc3339(_moment(docker.started_at))}}
    started, finished = _moment(docker.started_at), _moment(docker.finished_at)
    if finished is not None:
        reason = "OOMKilled" if docker.oom_killed else "Error" if docker.exit_code else "Completed"
    elif docker.exit_code != 0:  # it failed to start: no finish time
        reason = "ContainerCannotRun"
        started = finished = _moment(docker.created_at)
    else:
        return {"waiting": {}}  # created, not started yet
    terminated: dict[str, Any] = {"exitCode": docker.exit_code, "reason": reason}
    if message := _termination_message(spec, docker, reason):
        terminated["message"] = message
    terminated["startedAt"] = _rfc3339(started)
    terminated["finishedAt"] = _rfc3339(finished)
    terminated["containerID"] = f"docker://{docker.id}"
    return {"terminated": terminated}


def _image_id(docker: DockerContainer) -> str:
    """cri-dockerd's `toPullableImageID`: the repo digest when the image has one."""
    if docker.repo_digest:
        return f"docker-pullable://{docker.repo_digest}"
    return f"docker://{docker.image_id}" if docker.image_id else ""


def _resources(spec: dict[str, Any]) -> dict[str, Any]:
    """The resources the container was given (Docker reports none back)."""
    given = dict_of(spec.get("resources"))
    return {key: copy.deepcopy(value) for key, value in given.items() if value}


def _from_docker(spec: dict[str, Any], docker: DockerContainer, before: Status | None) -> Status:
    """`convertContainerStatus` of the container's newest attempt."""
    state = _state(spec, docker)
    status: Status = {
        "name": str(spec.get("name")),
        "state": state,
        "lastState": {},
        "ready": False,
        "restartCount": docker.attempt,
        "image": docker.image or str(spec.get("image") or ""),
        "imageID": _image_id(docker),
        "containerID": f"docker://{docker.id}",
    }
    if before is not None and "volumeMounts" in before:
        status["volumeMounts"] = copy.deepcopy(before["volumeMounts"])  # immutable
    if before is not None and "running" in state and isinstance(before.get("started"), bool):
        # ChangeContainerStatusOnKubeletRestart is off: the last word stands until the
        # prober's next one.
        status["started"] = before["started"]
    # InPlacePodVerticalScaling: what the container was given, as Docker reports nothing.
    status["resources"] = _resources(spec)
    if requests := dict_of(spec.get("resources")).get("requests"):
        status["allocatedResources"] = copy.deepcopy(requests)
    return status


# --- the statuses of one list of containers -------------------------------------------------


def _mounts(spec: dict[str, Any]) -> list[dict[str, Any]]:
    """RecursiveReadOnlyMounts: the mounts as set up (recursive read-only is never on:
    Docker's runtime handler does not offer it)."""
    mounts = []
    for mount in dicts_of(spec.get("volumeMounts")):
        entry: dict[str, Any] = {"name": mount.get("name"), "mountPath": mount.get("mountPath")}
        if mount.get("readOnly"):
            entry["readOnly"] = True
            entry["recursiveReadOnly"] = "Disabled"
        mounts.append(entry)
    return mounts


def _default(spec: dict[str, Any], waiting_for: str, before: Status | None) -> Status:
    """A container's status before Docker has a container for it: the previous one if
    it had terminated, else waiting with the previous restart count and last state."""
    if before is not None and "terminated" in dict_of(before.get("state")):
        return copy.deepcopy(before)
    status: Status = {
        "name": str(spec.get("name")),
        "state": {"waiting": {"reason": waiting_for}},
        "lastState": copy.deepcopy(dict_of(before.get("lastState"))) if before else {},
        "ready": False,
        "restartCount": int_of(before.get("restartCount")) if before else 0,
        "image": str(spec.get("image") or ""),
        "imageID": "",
    }
    if mounts := _mounts(spec):
        status["volumeMounts"] = mounts
    return status


def _vanished(status: Status, before: Status | None, deleting: bool) -> None:
    """A container that ran at the last report and has no Docker container now stopped
    for an unknown reason: not waiting for a first start (which would make the Pod
    Pending again)."""
    if before is None or "running" not in dict_of(before.get("state")):
        return
    if "terminated" in status["lastState"] or "terminated" in status["state"]:
        return
    status["lastState"] = {
        "terminated": {
            "exitCode": 137,
            "reason": CONTAINER_STATUS_UNKNOWN,
            "message": VANISHED,
            "startedAt": None,
            "finishedAt": None,
        }
    }
    if not deleting:
        status["restartCount"] += 1  # it was restarted


def _restarts(
    spec: dict[str, Any], pod_spec: dict[str, Any], latest: DockerContainer | None
) -> bool:
    """`ShouldContainerBeRestarted` of a Pod not being deleted: it never ran, or is only
    created, or exited and its restart policy (ContainerRestartRules) runs it again."""
    if latest is None:
        return True
    state = _state(spec, latest)
    if "running" in state:
        return False
    return "waiting" in state or container_should_restart(spec, pod_spec, latest.exit_code)


def _assumed_done(spec: dict[str, Any], status: Status, regular_created: bool) -> bool:
    """An init container Docker has lost although the regular containers exist must have
    succeeded (a sidecar waits to be restarted instead): say so."""
    if not regular_created or is_restartable_init_container(spec):
        return False
    if "waiting" not in status["state"]:
        return False
    status["state"] = {
        "terminated": {
            "exitCode": 0,
            "reason": "Completed",
            "message": INIT_ASSUMED_DONE,
            "startedAt": None,
            "finishedAt": None,
        }
    }
    return True


def _seen(seen: Mapping[str, ContainerObserved], name: str) -> ContainerObserved:
    return seen.get(name) or ContainerObserved()


def container_statuses(
    pod_spec: dict[str, Any],
    seen: Mapping[str, ContainerObserved],
    previous: Any,
    *,
    init: bool,
    deleting: bool,
) -> list[Status]:
    """`convertToAPIContainerStatuses`: the statuses of the Pod's init containers (in
    spec order) or of its containers (by name, as the kubelet sorts them).

    Args:
        pod_spec: the Pod's spec.
        seen: what the engine observed, by container name.
        previous: the statuses of the same list in the previous status.
        init: the init containers, not the containers.
        deleting: the Pod is being deleted, so nothing restarts.
    """
    specs = dicts_of(pod_spec.get("initContainers" if init else "containers"))
    waiting_for = (
        POD_INITIALIZING if dicts_of(pod_spec.get("initContainers")) else CONTAINER_CREATING
    )
    before_by_name = {str(s.get("name")): s for s in dicts_of(previous)}
    statuses: dict[str, Status] = {}
    for spec in specs:
        name = str(spec.get("name"))
        before = before_by_name.get(name)
        attempts = _seen(seen, name).last_two()
        if attempts:
            status = _from_docker(spec, attempts[0], before)
            if len(attempts) > 1:
                status["lastState"] = _state(spec, attempts[1])
        else:
            status = _default(spec, waiting_for, before)
            _vanished(status, before, deleting)
        statuses[name] = status
    regular_created = any(
        _seen(seen, str(c.get("name"))).attempts for c in dicts_of(pod_spec.get("containers"))
    )
    for spec in specs:
        name = str(spec.get("name"))
        status, observed = statuses[name], _seen(seen, name)
        attempts = observed.last_two()
        latest = attempts[0] if attempts else None
        if init and latest is not None and not latest.exit_code:
            if "terminated" in _state(spec, latest):
                continue  # an init container that succeeded is done
        elif init and latest is None and _assumed_done(spec, status, regular_created):
            continue
        if deleting or observed.waiting is None or not _restarts(spec, pod_spec, latest):
            continue
        if "terminated" in status["state"]:
            status["lastState"] = status["state"]
        waiting = {"reason": observed.waiting.reason}
        if observed.waiting.message:
            waiting["message"] = observed.waiting.message
        status["state"] = {"waiting": waiting}
    if init:
        return list(statuses.values())
    return [statuses[name] for name in sorted(statuses)]  # SortedContainerStatuses


# --- the prober -----------------------------------------------------------------------------


def _probe(spec: dict[str, Any], status: Status, probes: ProbeResults, *, gate: bool) -> None:
    """The prober's `UpdatePodStatus` for one container: started once running and its
    startup probe (if any) has passed; if `gate` (a regular container or a sidecar),
    then ready once started and its readiness probe (if any) has passed."""
    running = "running" in dict_of(status.get("state"))
    if not running:
        started = False
    elif probes.started is not None:
        started = probes.started
    else:
        # A container the last report called started stays so until the prober says
        # otherwise (ChangeContainerStatusOnKubeletRestart is off).
        started = status.get("started") is True or "startupProbe" not in spec
    status["started"] = started
    if gate and started:
        status["ready"] = probes.ready is True or "readinessProbe" not in spec


def apply_probes(
    pod_spec: dict[str, Any],
    seen: Mapping[str, ContainerObserved],
    statuses: list[Status],
    *,
    init: bool,
) -> None:
    """`UpdatePodStatus`: `started` on every status; `ready` on the containers' and the
    sidecars' once started, on the other init containers' once they succeeded."""
    specs = dicts_of(pod_spec.get("initContainers" if init else "containers"))
    by_name = {str(s.get("name")): s for s in specs}
    for status in statuses:
        name = str(status.get("name"))
        spec = by_name[name]
        sidecar = init and is_restartable_init_container(spec)
        _probe(spec, status, _seen(seen, name).probes, gate=not init or sidecar)
        if init and not sidecar:
            terminated = dict_of(status.get("state")).get("terminated")
            if isinstance(terminated, dict) and not int_of(terminated.get("exitCode")):
                status["ready"] = True
        # Go's field order, for whoever reads the JSON.
        ordered = {key: status[key] for key in FIELD_ORDER if key in status}
        rest = {key: value for key, value in status.items() if key not in ordered}
        status.clear()
        status.update(ordered | rest)
