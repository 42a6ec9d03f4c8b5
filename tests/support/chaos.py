"""Helpers for the chaos tests: what "converged" means, and the faults themselves.

Convergence is judged from the outside, the way an operator would check it: the API lists
exactly the expected objects, each in its desired phase with its latest generation observed,
and Docker holds exactly one container per object (found by this cluster's `mcp.cluster` and
`mcp.name` labels) in the matching state, and no container of this cluster that no object
claims. For Pods (`pod_convergence_problems`) the same, as `kubectl get pods -o json` and
`docker ps -a --filter label=mcp.cluster=<id>` show them: every Pod Running and Ready, and
exactly one running Docker container per container of its spec and one running infra
container, which are the ones its status names. Faults are injected the way an operator
could cause them: signals to processes, keys removed and history compacted through etcd's
JSON gateway, and dockerd itself restarted.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import docker
import docker.errors
import httpx

from support.api import V1
from support.containers import LABEL_CLUSTER, LABEL_NAME
from support.etcd import EtcdServer
from support.mcp_process import McpProcess
from support.polling import wait_until

DOCKER_SOCKET = Path("/var/run/docker.sock")
# Where scripts/dev sends dockerd's output; a restarted dockerd appends to it.
DOCKERD_LOG = Path("/var/log/mcp-dockerd.log")
# Docker's states for a container that is not running and was not removed.
NOT_RUNNING = frozenset({"created", "exited", "dead"})
# dockerd processes this session started: kept referenced, so that no `Popen` of a daemon
# that outlives the test is ever garbage-collected (which warns "still running"), and reaped
# once they exit (see `dockerd_pids`).
_STARTED_DOCKERDS: list[subprocess.Popen[bytes]] = []


def cluster_id(etcd: EtcdServer, prefix: str) -> str:
    """The cluster id mcp stored under `<prefix>/cluster-id` (it exists once mcp is healthy)."""
    stored = wait_until(
        lambda: etcd.get(f"{prefix}/cluster-id"),
        timeout=10.0,
        message=f"{prefix}/cluster-id in etcd",
    )
    return stored.strip().strip('"')


def cluster_containers(client: docker.DockerClient, cluster: str) -> list[dict[str, Any]]:
    """Docker's list entries (`Id`, `State`, `Labels`, ...) of every container of `cluster`.

    The low-level list: one call, no per-container inspect that could race a removal.
    """
    entries: list[dict[str, Any]] = client.api.containers(
        all=True, filters={"label": [f"{LABEL_CLUSTER}={cluster}"]}
    )
    return entries


def containers_by_name(client: docker.DockerClient, cluster: str) -> dict[str, list[str]]:
    """Container ids of `cluster` grouped by their `mcp.name` label."""
    grouped: dict[str, list[str]] = {}
    for entry in cluster_containers(client, cluster):
        name = (entry.get("Labels") or {}).get(LABEL_NAME, "")
        grouped.setdefault(name, []).append(entry["Id"])
    return grouped


def running_count(client: docker.DockerClient, cluster: str) -> int:
    """How many containers of `cluster` Docker shows running."""
    return sum(entry["State"] == "running" for entry in cluster_containers(client, cluster))


@dataclass(frozen=True)
class Converged:
    """What the API and Docker showed at the moment everything matched."""

    objects: dict[str, dict[str, Any]]  # name -> the v1 object
    container_ids: dict[str, str]  # name -> its one Docker container's id


def convergence_problems(
    api: httpx.Client,
    client: docker.DockerClient,
    cluster: str,
    want: Mapping[str, str],
    *,
    without_container: Collection[str] = (),
) -> tuple[list[str], Converged | None]:
    """Everything that keeps the system from matching `want` (object name -> desired phase).

    Objects named in `without_container` must be listed too, but must have no Docker
    container; their status is not judged (a poisoned object's, say).

    Returns:
        The problems found (empty when converged) and, when there are none, a `Converged`.
    """
    problems: list[str] = []
    try:
        response = api.get(V1)
    except httpx.HTTPError as exc:
        return [f"GET {V1} failed: {exc!r}"], None
    if response.status_code != 200:
        return [f"GET {V1} answered {response.status_code}: {response.text[:200]}"], None
    objects = {item["metadata"]["name"]: item for item in response.json()["items"]}
    expected = set(want) | set(without_container)
    if set(objects) != expected:
        problems.append(
            f"objects listed: missing {sorted(expected - set(objects))}, "
            f"unexpected {sorted(set(objects) - expected)}"
        )
    try:
        entries = cluster_containers(client, cluster)
    except docker.errors.DockerException as exc:
        return [*problems, f"Docker list failed: {exc!r}"], None
    by_name: dict[str, list[dict[str, Any]]] = {}
    for entry in entries:
        by_name.setdefault((entry.get("Labels") or {}).get(LABEL_NAME, ""), []).append(entry)
    orphans = sorted(set(by_name) - set(want))
    if orphans:
        problems.append(f"containers of no object, or of one that should have none: {orphans}")
    container_ids: dict[str, str] = {}
    for name, phase in sorted(want.items()):
        obj = objects.get(name)
        if obj is None:
            continue
        status = obj["status"]
        if status["phase"] != phase:
            problems.append(
                f"{name}: phase {status['phase']} ({status.get('reason')}), not {phase}"
            )
        if status["observedGeneration"] != obj["metadata"]["generation"]:
            problems.append(
                f"{name}: generation {obj['metadata']['generation']} not observed yet "
                f"({status['observedGeneration']})"
            )
        found = by_name.get(name, [])
        if len(found) != 1:
            problems.append(f"{name}: {len(found)} Docker containers, not exactly one")
            continue
        entry = found[0]
        container_ids[name] = entry["Id"]
        if phase == "Running" and entry["State"] != "running":
            problems.append(f"{name}: Docker shows {entry['State']}, not running")
        if phase == "Stopped" and entry["State"] not in NOT_RUNNING:
            problems.append(f"{name}: Docker shows {entry['State']}, not stopped")
        if status.get("containerID") != entry["Id"]:
            problems.append(f"{name}: status names {status.get('containerID')}, not {entry['Id']}")
    if problems:
        return problems, None
    return [], Converged(objects=objects, container_ids=container_ids)


def wait_converged(
    api: httpx.Client,
    client: docker.DockerClient,
    cluster: str,
    want: Mapping[str, str],
    *,
    timeout: float,
    without_container: Collection[str] = (),
) -> Converged:
    """Poll until `convergence_problems` finds none; fail with the last problems otherwise."""
    deadline = time.monotonic() + timeout
    while True:
        problems, converged = convergence_problems(
            api, client, cluster, want, without_container=without_container
        )
        if converged is not None:
            return converged
        if time.monotonic() >= deadline:
            shown = "\n  ".join(problems[:40])
            raise AssertionError(
                f"not converged after {timeout:.0f} s ({len(problems)} problems):\n  {shown}"
            )
        time.sleep(0.25)


# --- Pods ----------------------------------------------------------------------------------

# The labels and names of a Pod's Docker containers (the kubelet's dockershim labels):
# `k8s_<container>_<pod>_<namespace>_<uid>_<attempt>`, the infra container's `POD`.
LABEL_POD_UID = "io.kubernetes.pod.uid"
LABEL_CONTAINER_NAME = "io.kubernetes.container.name"
INFRA = "POD"


@dataclass(frozen=True)
class PodContainer:
    """One Docker container of a Pod, as `docker ps -a` lists it."""

    id: str
    pod_uid: str
    container: str  # the Pod's container it is an attempt of; INFRA for the sandbox
    attempt: int  # the last part of its Docker name
    running: bool


def pod_containers(client: docker.DockerClient, cluster: str) -> list[PodContainer]:
    """Every Docker container of `cluster`'s Pods (running or not), in one list call."""
    found: list[PodContainer] = []
    for entry in cluster_containers(client, cluster):
        labels = entry.get("Labels") or {}
        if LABEL_POD_UID not in labels:
            continue  # one of mcp's own Container kind
        name = str(entry["Names"][0]).lstrip("/")
        found.append(
            PodContainer(
                id=entry["Id"],
                pod_uid=labels[LABEL_POD_UID],
                container=labels.get(LABEL_CONTAINER_NAME, ""),
                attempt=int(name.rsplit("_", 1)[-1]),
                running=entry["State"] == "running",
            )
        )
    return found


@dataclass(frozen=True)
class PodsConverged:
    """What kubectl and Docker showed at the moment every Pod ran as it should."""

    pods: dict[str, dict[str, Any]]  # Pod name -> the Pod, as `kubectl get -o json` shows it
    # Pod name -> container name (INFRA for the sandbox) -> its one running Docker container.
    running: dict[str, dict[str, PodContainer]]


def pod_convergence_problems(
    pods: list[dict[str, Any]],
    containers: list[PodContainer],
    want: Collection[str],
    *,
    without_container: Collection[str] = (),
) -> tuple[list[str], PodsConverged | None]:
    """Everything that keeps Pods `want` (by name, one namespace) from running as they should.

    Each Pod listed, phase Running, condition Ready True, each container of its spec ready
    and running in exactly one running Docker container (the `containerID` of its status),
    one running infra container, and nothing else running for it; no Docker container of
    the cluster (running or not) for any other Pod. Pods named in `without_container` must
    be listed too, but their status is not judged (a poisoned one's, say).

    Returns:
        The problems found (empty when converged) and, when there are none, what was seen.
    """
    problems: list[str] = []
    listed = {str(item["metadata"]["name"]): item for item in pods}
    expected = set(want) | set(without_container)
    if set(listed) != expected:
        problems.append(
            f"pods listed: missing {sorted(expected - set(listed))}, "
            f"unexpected {sorted(set(listed) - expected)}"
        )
    uids = {str(item["metadata"]["uid"]): name for name, item in listed.items() if name in want}
    strays = sorted({c.pod_uid for c in containers if c.pod_uid not in uids})
    if strays:
        problems.append(f"Docker containers of Pods that do not exist (uids): {strays}")
    running: dict[str, dict[str, PodContainer]] = {}
    for name in sorted(set(want) & set(listed)):
        item = listed[name]
        uid = str(item["metadata"]["uid"])
        status = item.get("status") or {}
        ready = {c["type"]: c["status"] for c in status.get("conditions") or []}.get("Ready")
        if (status.get("phase"), ready) != ("Running", "True"):
            problems.append(f"{name}: phase {status.get('phase')}, Ready {ready}")
        by_name: dict[str, list[PodContainer]] = {}
        for container in containers:
            if container.pod_uid == uid and container.running:
                by_name.setdefault(container.container, []).append(container)
        spec_names = [str(c["name"]) for c in item["spec"]["containers"]]
        extra = sorted(set(by_name) - {INFRA, *spec_names})
        if extra:
            problems.append(f"{name}: running Docker containers of no container: {extra}")
        statuses = {str(s["name"]): s for s in status.get("containerStatuses") or []}
        for container_name in [INFRA, *spec_names]:
            instances = by_name.get(container_name, [])
            if len(instances) != 1:
                problems.append(
                    f"{name}/{container_name}: {len(instances)} running Docker containers"
                )
                continue
            if container_name == INFRA:
                continue
            shown = statuses.get(container_name, {})
            if shown.get("containerID") != f"docker://{instances[0].id}":
                problems.append(
                    f"{name}/{container_name}: status names {shown.get('containerID')}, "
                    f"Docker runs {instances[0].id}"
                )
            if "running" not in (shown.get("state") or {}) or shown.get("ready") is not True:
                problems.append(f"{name}/{container_name}: {shown.get('state')}, not ready")
        running[name] = {key: found[0] for key, found in by_name.items() if len(found) == 1}
    if problems:
        return problems, None
    return [], PodsConverged(pods=listed, running=running)


# --- dockerd -------------------------------------------------------------------------------


def dockerd_pids() -> list[int]:
    """The pids of every running process named exactly `dockerd`.

    A dockerd that an earlier test of this session started is this process's child: once
    stopped it stays a zombie until reaped, and pgrep and `kill(pid, 0)` still find it. The
    second restart of a session then waited for that zombie to exit and saw no need to start
    a new dockerd, which left the rest of the suite without an engine.
    """
    for process in _STARTED_DOCKERDS:
        process.poll()  # reaps it if it has exited
    found = subprocess.run(["pgrep", "-x", "dockerd"], capture_output=True, text=True, check=False)
    return [int(pid) for pid in found.stdout.split() if _alive(int(pid))]


def docker_answers(client: docker.DockerClient) -> bool:
    """Whether the engine answers a ping."""
    try:
        return bool(client.ping())
    except (docker.errors.DockerException, OSError):
        return False


def _alive(pid: int) -> bool:
    """Whether `pid` is a process that has not exited (a zombie has)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    # The state follows the command name, which is in parentheses and may hold spaces.
    return stat.rpartition(")")[2].split()[0] != "Z"


def stop_dockerd(timeout: float = 60.0) -> None:
    """SIGTERM the running dockerd and wait until it has exited (it stops its containers)."""
    pids = dockerd_pids()
    assert len(pids) == 1, f"expected one dockerd, found pids {pids}"
    pid = pids[0]
    os.kill(pid, signal.SIGTERM)
    wait_until(
        lambda: pid not in dockerd_pids(), timeout=timeout, interval=0.2, message="dockerd to exit"
    )


def start_dockerd(client: docker.DockerClient, timeout: float = 60.0) -> None:
    """Start dockerd the way scripts/dev does (own session, output to its log), unless one
    runs, and wait until the engine answers."""
    if not dockerd_pids():
        with DOCKERD_LOG.open("ab") as log:
            process = subprocess.Popen(
                ["dockerd"],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                cwd="/",
                start_new_session=True,
            )
        _STARTED_DOCKERDS.append(process)
    wait_until(
        lambda: DOCKER_SOCKET.exists() and docker_answers(client),
        timeout=timeout,
        interval=0.5,
        message="dockerd to answer again",
    )


# What mcp logs once it finds Docker gone: its event stream ended or broke, or a pass failed.
DOCKER_GONE_EVENTS = ("docker_events_ended", "docker_events_broken", "reconcile_retry")


def restart_dockerd_under(mcp: McpProcess, client: docker.DockerClient, *, timeout: float) -> None:
    """Stop dockerd (without live-restore it stops every container on its way out), wait
    until `mcp` notices Docker is gone and goes on running, and start dockerd again.

    mcp is frozen while dockerd shuts down, and thawed once it has exited: it then finds
    Docker gone (calls fail, the event stream is broken) and must start every container
    again once the engine is back. Not frozen, it would start the containers dockerd is
    stopping, during its shutdown; Docker 20.10 on a machine whose / is not a shared mount
    (dockerd then bind-mounts /var/lib/docker itself) strands those containers' overlay
    mounts, and they can never be removed afterwards.
    """
    mcp.signal(signal.SIGSTOP)
    try:
        stop_dockerd()
        mcp.signal(signal.SIGCONT)
        wait_until(
            lambda: any(mcp.events(event) for event in DOCKER_GONE_EVENTS),
            timeout=timeout,
            message="mcp to notice that Docker is gone",
        )
        assert mcp.returncode is None, f"mcp exited without Docker\n{mcp.output()}"
    finally:
        mcp.signal(signal.SIGCONT)
        start_dockerd(client)  # the rest of the suite needs an engine
