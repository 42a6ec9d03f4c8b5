"""Self-heal latency: a managed container crashes; how long until it runs again?

Side by side in one run, on the same engine and image: mcp (restartPolicy Always,
healed through Docker's event stream; resync set to an hour so nothing else can
explain it), Docker's own `--restart=always`, and Swarm's task replacement (a
one-replica service; Swarm starts a new task in a new container, after its default
5 s restart delay). Each mcp and Docker sample uses a fresh container, so no back-off
applies. The crash is a SIGKILL of the container's main process from the host, as a
real crash would be; the clock stops when Docker reports the container (for Swarm:
a container of the service) running again with a new start time.
"""

from __future__ import annotations

import argparse
import functools
import os
import signal
import time
from typing import Any

import docker
import docker.types
import httpx

from bench import common, peers
from bench.common import SLEEPER, Lab

POLL_S = 0.005
TIMEOUT_S = 30.0
CONTENDERS = ("mcp", "docker --restart=always", "swarm")


def started_at(client: docker.DockerClient, name: str) -> tuple[str, str, int]:
    state = client.api.inspect_container(name)["State"]
    return str(state["Status"]), str(state["StartedAt"]), int(state["Pid"] or 0)


def is_running(client: docker.DockerClient, name: str) -> bool:
    return started_at(client, name)[0] == "running"


def time_recovery(client: docker.DockerClient, name: str) -> float:
    """SIGKILL the container's process; seconds until it runs again (new start time)."""
    _status, before, pid = started_at(client, name)
    began = time.monotonic()
    os.kill(pid, signal.SIGKILL)
    while time.monotonic() - began < TIMEOUT_S:
        status, now, _pid = started_at(client, name)
        if status == "running" and now != before:
            return time.monotonic() - began
        time.sleep(POLL_S)
    raise TimeoutError(f"{name} did not run again within {TIMEOUT_S} s")


def measure_mcp(
    api: httpx.Client, client: docker.DockerClient, image: str, kills: int
) -> list[float]:
    samples = []
    for index in range(kills):
        name = f"heal-{index}"
        body = {"metadata": {"name": name}, "spec": {"image": image, "args": SLEEPER}}
        response = api.post("/api/v1/containers", json=body, params={"wait": "30"})
        response.raise_for_status()
        samples.append(time_recovery(client, f"mcp-{name}"))
        api.delete(f"/api/v1/containers/{name}", params={"wait": "30"})
    return samples


def measure_docker(client: docker.DockerClient, image: str, kills: int) -> list[float]:
    samples = []
    for index in range(kills):
        name = f"bench-restart-always-{index}"
        container = client.containers.run(
            image, SLEEPER, name=name, detach=True, restart_policy={"Name": "always"}
        )
        try:
            common.wait_for(functools.partial(is_running, client, name), f"{name} running")
            samples.append(time_recovery(client, name))
        finally:
            container.remove(force=True)
    return samples


def measure_swarm(client: docker.DockerClient, image: str, kills: int) -> list[float]:
    """SIGKILL the one task of a one-replica service; until a new task's container runs."""
    name = "mcp-bench-heal-swarm"
    label = f"com.docker.swarm.service.name={name}"

    def running_task() -> dict[str, Any] | None:
        found = client.api.containers(filters={"label": label, "status": "running"})
        return found[0] if found else None

    def replaced(victim_id: str) -> bool:
        task = running_task()
        return task is not None and task["Id"] != victim_id

    samples = []
    with peers.single_node_swarm(client):
        service = client.services.create(
            image,
            command=SLEEPER[:1],
            args=SLEEPER[1:],
            name=name,
            mode=docker.types.ServiceMode("replicated", replicas=1),
        )
        try:
            for _ in range(kills):
                common.wait_for(lambda: running_task() is not None, "swarm task running")
                victim = running_task()
                assert victim is not None
                pid = client.api.inspect_container(victim["Id"])["State"]["Pid"]
                began = time.monotonic()
                os.kill(pid, signal.SIGKILL)
                common.wait_for(functools.partial(replaced, victim["Id"]), "a new swarm task")
                samples.append(time.monotonic() - began)
        finally:
            service.remove()
            peers.remove_labelled(client, label)
    return samples


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("self_heal")
    group.add_argument("--self-heal-kills", type=int, default=20, help="kills for mcp and Docker")
    group.add_argument(
        "--self-heal-swarm-kills", type=int, default=5, help="kills for Swarm (~5.5 s each)"
    )


def run(lab: Lab, args: argparse.Namespace) -> dict[str, Any]:
    samples: dict[str, list[float]] = {}
    with (
        lab.mcp("/bench-heal", ["--resync-interval", "3600"]) as mcp,
        httpx.Client(base_url=mcp.url, timeout=60) as api,
    ):
        samples["mcp"] = measure_mcp(api, lab.docker, lab.image, args.self_heal_kills)
    samples["docker --restart=always"] = measure_docker(lab.docker, lab.image, args.self_heal_kills)
    samples["swarm"] = measure_swarm(lab.docker, lab.image, args.self_heal_swarm_kills)
    return common.latency_summaries(samples)


def table(results: dict[str, Any]) -> list[str]:
    lines = [
        "self-heal after SIGKILL of the container's process, until it runs again, ms",
        *common.latency_rows(results, CONTENDERS, "docker --restart=always"),
    ]
    mcp_p99 = results["mcp"]["p99_ms"]
    met = mcp_p99 < 1000 and mcp_p99 < results["swarm"]["p50_ms"]
    lines.append(
        f"target: mcp p99 under 1 s and ahead of swarm: {mcp_p99:.0f} ms, {common.verdict(met)}"
    )
    return lines
