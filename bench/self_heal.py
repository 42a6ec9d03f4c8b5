"""Self-heal latency: a managed container crashes; how long until it runs again?

Side by side in one run, on the same engine and image: mcp (restartPolicy Always,
healed through Docker's event stream; resync set to an hour so nothing else can
explain it) and Docker's own `--restart=always`. Each sample uses a fresh container,
so no back-off applies. The crash is a SIGKILL of the container's main process from
the host, as a real crash would be; the clock stops when Docker reports the container
running again with a new start time.

    .venv/bin/python -m bench.self_heal --kills 20

Prints p50 and p99 for both and their ratio, and writes JSON with `--json PATH`.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import io
import json
import os
import signal
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import docker
import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from support.etcd import open_etcd  # test support doubles as bench support
from support.images import ensure_busybox_image
from support.launcher import McpLauncher

SLEEPER = ["sh", "-c", "trap 'exit 0' TERM; sleep 3600 & wait"]
POLL_S = 0.005
TIMEOUT_S = 30.0


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


def wait_for(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + TIMEOUT_S
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(what)
        time.sleep(0.05)


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
            wait_for(functools.partial(is_running, client, name), f"{name} running")
            samples.append(time_recovery(client, name))
        finally:
            container.remove(force=True)
    return samples


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    client = docker.from_env(version="auto")
    image = ensure_busybox_image(client)
    with tempfile.TemporaryDirectory() as work, open_etcd(Path(work)) as etcd:
        launcher = McpLauncher(
            etcd=etcd, prefix="/bench", work_dir=Path(work), docker_client=client
        )
        try:
            mcp = launcher.start(extra_args=["--resync-interval", "3600"])
            with httpx.Client(base_url=mcp.url, timeout=60) as api:
                results: dict[str, Any] = {
                    "mcp": measure_mcp(api, client, image, args.kills),
                    "docker --restart=always": measure_docker(client, image, args.kills),
                }
        finally:
            with contextlib.redirect_stdout(io.StringIO()):  # mcp's own log dump
                launcher.close()
    print(f"self-heal after SIGKILL, {args.kills} fresh containers each, seconds")
    print(f"{'':26} {'p50':>8} {'p99':>8} {'mean':>8}")
    for label, samples in results.items():
        print(
            f"{label:26} {percentile(samples, 0.5):8.3f} {percentile(samples, 0.99):8.3f}"
            f" {statistics.fmean(samples):8.3f}"
        )
    mcp_p50 = percentile(results["mcp"], 0.5)
    docker_p50 = percentile(results["docker --restart=always"], 0.5)
    print(f"ratio mcp / docker (p50): {mcp_p50 / docker_p50:.2f}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
