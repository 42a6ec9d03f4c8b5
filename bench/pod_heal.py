"""Self-heal of a Pod's container: `docker kill` of its app container, until the Pod's
status shows it running again.

`--pod-heal-kills` one-container Pods are made and left Ready (not timed); then each is
killed once, so CrashLoopBackOff never applies (the first restart of a loop is at once).
A sample: a watch on that one Pod (`fieldSelector=metadata.name`) opened at its current
resourceVersion, then `docker kill` (SIGKILL through the engine, as `docker kill` sends
it) of its app container; the clock stops at the first event whose status shows the
container `running` with its `restartCount` one higher. The same sample also says when
Docker started the new attempt (its `StartedAt`, against the wall clock at the kill),
so the time to Docker and the time to the status are told apart.

Beside it, one sample of each after each Pod's, so noise lands on all: mcp's own
Container kind and Docker's `--restart=always` (`bench.self_heal`'s measurements: a
fresh container each, SIGKILL of its process from the host, until Docker shows it
running again). mcp runs with a resync interval of an hour, so only Docker's event
stream can explain a heal.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

import docker
import httpx

from bench import common, pods, self_heal
from bench.common import Lab
from mcp.model import parse_time

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from support.images import ensure_pod_image  # test support doubles as bench support

TIMEOUT_S = 30.0
POD = "mcp Pod, status running"
POD_DOCKER = "mcp Pod, Docker running"
CONTAINER = "mcp Container"
RESTART_ALWAYS = "docker --restart=always"
CONTENDERS = (POD, POD_DOCKER, CONTAINER, RESTART_ALWAYS)
TARGET_P99_MS = 1000.0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("pod_heal")
    group.add_argument("--pod-heal-kills", type=int, default=20, help="Pods killed, once each (20)")


def app_status(pod: dict[str, Any]) -> dict[str, Any]:
    statuses = (pod.get("status") or {}).get("containerStatuses") or []
    (found,) = [s for s in statuses if s["name"] == pods.APP]
    return dict(found)


def time_heal(api: httpx.Client, client: docker.DockerClient, name: str) -> tuple[float, float]:
    """Kill Pod `name`'s app container; the seconds until the watch shows it running
    again, and until Docker started it.

    Raises:
        TimeoutError: not within TIMEOUT_S.
        RuntimeError: the watch ended first.
    """
    path = pods.pods_path(pods.NAMESPACE)
    pod = api.get(f"{path}/{name}").json()
    before = app_status(pod)
    params = {
        "watch": "true",
        "fieldSelector": f"metadata.name={name}",
        "resourceVersion": pod["metadata"]["resourceVersion"],
        "timeoutSeconds": str(int(TIMEOUT_S)),
    }
    with api.stream("GET", path, params=params) as stream:
        killed_at = time.time()
        began = time.monotonic()
        client.api.kill(before["containerID"].removeprefix("docker://"))
        for line in stream.iter_lines():
            event = json.loads(line) if line else None
            if event is None or event["type"] != "MODIFIED":
                continue
            now = app_status(event["object"])
            if now["restartCount"] > before["restartCount"] and "running" in now["state"]:
                seconds = time.monotonic() - began
                new_id = now["containerID"].removeprefix("docker://")
                state = client.api.inspect_container(new_id)["State"]
                started = parse_time(state["StartedAt"])
                assert started is not None, state
                return seconds, started.timestamp() - killed_at
    raise TimeoutError(f"Pod {name} did not show its container running again in time")


def run(lab: Lab, args: argparse.Namespace) -> dict[str, Any]:
    image = ensure_pod_image(lab.docker)
    names = [f"heal-{index}" for index in range(args.pod_heal_kills)]
    samples: dict[str, list[float]] = {contender: [] for contender in CONTENDERS}
    with lab.mcp_launcher("/bench-pod-heal") as launcher:
        url = launcher.start(extra_args=["--resync-interval", "3600"]).url
        (cluster,) = launcher.cluster_ids()
        with httpx.Client(base_url=url, timeout=60) as api:
            pods.create_namespace(api, pods.NAMESPACE)
            pods.create_ready(api, pods.NAMESPACE, names, image)
            for name in names:
                status_s, docker_s = time_heal(api, lab.docker, name)
                samples[POD].append(status_s)
                samples[POD_DOCKER].append(docker_s)
                samples[CONTAINER] += self_heal.measure_mcp(api, lab.docker, lab.image, 1)
                samples[RESTART_ALWAYS] += self_heal.measure_docker(lab.docker, lab.image, 1)
            pods.delete_pods(api, lab.docker, cluster, pods.NAMESPACE)
    return common.latency_summaries(samples)


def table(results: dict[str, Any]) -> list[str]:
    lines = [
        "self-heal: docker kill of a Pod's app container, until its status shows it running",
        "again (restartCount + 1, watched), beside a Container and --restart=always, ms",
        *common.latency_rows(results, CONTENDERS, RESTART_ALWAYS),
    ]
    p99 = results[POD]["p99_ms"]
    lines.append(
        f"target: Pod status p99 under 1 s: {p99:.0f} ms, {common.verdict(p99 < TARGET_P99_MS)}"
    )
    return lines
