"""The peers mcp is measured beside: raw docker-py, Docker Swarm, docker compose.

Each `converge_*` starts N copies of the same sleeper container on the same engine
and returns a `Convergence`: the seconds until all N run, and when each one came up
(for the plot of containers running over time). What "running" means is each
contender's own: raw docker-py, its start call returned; Swarm and compose, Docker
lists the container as running (polled every `POLL_S`, which bounds the error).
"""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import docker
import docker.types

from bench.common import SLEEPER, THREADS, TIMEOUT_S

POLL_S = 0.05
RAW_LABEL = "mcp-bench=raw"


@dataclass
class Convergence:
    """N containers from nothing to running: the total, and each one's arrival."""

    seconds: float
    arrivals: list[float] = field(default_factory=list)  # seconds since the start, sorted
    stalled: bool = False  # gave up after `seconds` with fewer than N running

    def as_json(self) -> dict[str, Any]:
        return {
            "seconds": round(self.seconds, 3),
            "arrivals": [round(t, 3) for t in self.arrivals],
            "stalled": self.stalled,
        }


def converge_raw(client: docker.DockerClient, image: str, count: int) -> Convergence:
    """create + start of `count` containers from THREADS threads: the engine's own pace."""
    names = [f"mcp-bench-raw-{index}" for index in range(count)]
    began = time.monotonic()

    def create_and_start(name: str) -> float:
        container = client.api.create_container(
            image, command=SLEEPER, name=name, labels={"mcp-bench": "raw"}
        )
        client.api.start(container["Id"])
        return time.monotonic() - began

    try:
        with ThreadPoolExecutor(THREADS) as pool:
            arrivals = sorted(pool.map(create_and_start, names))
        return Convergence(time.monotonic() - began, arrivals)
    finally:
        remove_labelled(client, RAW_LABEL)


def remove_labelled(client: docker.DockerClient, label: str) -> None:
    """Force-remove every container carrying `label` (key=value), in parallel."""
    ids = [c["Id"] for c in client.api.containers(all=True, filters={"label": label})]

    def remove(container_id: str) -> None:
        with contextlib.suppress(docker.errors.NotFound, docker.errors.APIError):
            client.api.remove_container(container_id, force=True)

    with ThreadPoolExecutor(THREADS) as pool:
        list(pool.map(remove, ids))


def _poll_running(
    client: docker.DockerClient, label: str, count: int, *, timeout_s: float | None = None
) -> Convergence:
    """Poll Docker's list of running containers with `label` until `count` run.

    With `timeout_s`, a contender that has not got there by then is reported stalled
    (with the arrivals so far); without, that is a TimeoutError after TIMEOUT_S.
    """
    began = time.monotonic()
    arrivals: list[float] = []
    seen: set[str] = set()
    while len(seen) < count:
        elapsed = time.monotonic() - began
        if timeout_s is not None and elapsed > timeout_s:
            return Convergence(elapsed, arrivals, stalled=True)
        if elapsed > TIMEOUT_S:
            raise TimeoutError(f"{len(seen)} of {count} containers ({label}) running")
        running = client.api.containers(filters={"label": label, "status": "running"})
        now = time.monotonic() - began
        for summary in running:
            if summary["Id"] not in seen:
                seen.add(summary["Id"])
                arrivals.append(now)
        time.sleep(POLL_S)
    return Convergence(arrivals[-1] if arrivals else 0.0, arrivals)


@contextlib.contextmanager
def single_node_swarm(client: docker.DockerClient) -> Iterator[None]:
    """A one-node swarm for the duration: initialised here and left afterwards (an
    engine already in a swarm is used as it is, and left in it)."""
    state = client.info().get("Swarm", {}).get("LocalNodeState")
    if state == "active":
        yield
        return
    client.swarm.init(advertise_addr="127.0.0.1", listen_addr="127.0.0.1:2377")
    try:
        yield
    finally:
        client.swarm.leave(force=True)


def converge_swarm(client: docker.DockerClient, image: str, count: int) -> Convergence:
    """`docker service create --replicas count` of the sleeper; until all tasks run."""
    name = f"mcp-bench-swarm-{count}"
    label = f"com.docker.swarm.service.name={name}"
    service = client.services.create(
        image,
        command=SLEEPER[:1],
        args=SLEEPER[1:],
        name=name,
        mode=docker.types.ServiceMode("replicated", replicas=count),
    )
    try:
        return _poll_running(client, label, count)
    finally:
        service.remove()
        # Swarm removes its containers in the background: wait, so the next run is clean.
        deadline = time.monotonic() + TIMEOUT_S
        while client.api.containers(all=True, filters={"label": label}):
            if time.monotonic() > deadline:
                break
            time.sleep(0.2)


def compose_available() -> bool:
    return shutil.which("docker-compose") is not None


def converge_compose(client: docker.DockerClient, image: str, count: int) -> Convergence:
    """`docker-compose up -d` of `count` services, each one sleeper.

    Compose's own parallelism: Debian's docker-compose (v1) deadlocks when
    COMPOSE_PARALLEL_LIMIT is below the number of services (docker/compose#5864), and
    is known to stall with some hundreds of services (docker/compose#8161). A run that
    has not finished within `_compose_timeout(count)` is ended and reported as stalled,
    with how many containers it had running by then.
    """
    project = f"mcpbench{count}"
    label = f"com.docker.compose.project={project}"
    services = "".join(
        f"  s{index}:\n    image: {image}\n    command: {SLEEPER!r}\n" for index in range(count)
    )
    timeout_s = _compose_timeout(count)
    with tempfile.TemporaryDirectory() as work:
        compose_file = Path(work) / "docker-compose.yml"
        compose_file.write_text(f"version: '3'\nservices:\n{services}")
        argv = ["docker-compose", "-p", project, "-f", str(compose_file)]
        try:
            began = time.monotonic()
            with subprocess.Popen(
                [*argv, "up", "-d", "--no-build"],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            ) as up:
                polled = _poll_running(client, label, count, timeout_s=timeout_s)
                try:
                    up.wait(timeout=max(1.0, timeout_s - (time.monotonic() - began)))
                except subprocess.TimeoutExpired:
                    up.kill()
                    up.wait()
                    return Convergence(time.monotonic() - began, polled.arrivals, stalled=True)
                finished = time.monotonic() - began
                if up.returncode != 0:
                    raise RuntimeError(f"docker-compose up exited {up.returncode}")
            return Convergence(max(finished, polled.seconds), polled.arrivals, polled.stalled)
        finally:
            subprocess.run(
                [*argv, "down", "--timeout", "1"],
                capture_output=True,
                timeout=TIMEOUT_S,
                check=False,
            )
            remove_labelled(client, label)


def _compose_timeout(count: int) -> float:
    """Generous: raw Docker starts about ten containers a second here."""
    return 30.0 + 0.5 * count
