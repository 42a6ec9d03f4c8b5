"""Converge N: from N create requests to N containers running.

Side by side in one run, on the same engine and image, for each N:
- raw docker-py: create + start from THREADS threads, the same parallelism as mcp's
  Docker limiter: the physical limit of this engine at that parallelism;
- mcp: N `POST /api/v1/containers` from THREADS client threads, until the watch
  stream has reported every object Running (the user's view, not Docker's);
- Docker Swarm: `docker service create --replicas N` on a one-node swarm that the
  benchmark initialises and leaves;
- docker compose (`docker-compose up -d` of N services), when it is installed; a
  run that stalls (a known bug of compose v1 with many services) is reported so.

Reports seconds and the ratio to raw docker-py, and each container's arrival time for
the plot of containers running over time.
"""

from __future__ import annotations

import argparse
import json
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx

from bench import common, peers
from bench.common import SLEEPER, THREADS, TIMEOUT_S, Lab
from bench.peers import Convergence

CONTENDERS = ("raw docker-py", "mcp", "swarm", "compose")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("converge")
    group.add_argument(
        "--converge-sizes", type=common.int_list, default=[50, 200], help="N, e.g. 50,200"
    )


def converge_mcp(base_url: str, image: str, count: int) -> Convergence:
    names = [f"conv-{index}" for index in range(count)]
    arrivals: dict[str, float] = {}
    with httpx.Client(base_url=base_url, timeout=TIMEOUT_S) as api:
        since = api.get("/api/v1/containers").json()["metadata"]["resourceVersion"]
        began = time.monotonic()

        def create(name: str) -> None:
            body = {"metadata": {"name": name}, "spec": {"image": image, "args": SLEEPER}}
            api.post("/api/v1/containers", json=body).raise_for_status()

        with ThreadPoolExecutor(THREADS) as pool:
            creating = pool.map(create, names)
            params = {"watch": "true", "resourceVersion": since}
            with api.stream("GET", "/api/v1/containers", params=params) as stream:
                for line in stream.iter_lines():
                    event = json.loads(line) if line else None
                    if event and event["type"] in ("ADDED", "MODIFIED"):
                        obj = event["object"]
                        name = obj["metadata"]["name"]
                        if obj["status"]["phase"] == "Running" and name not in arrivals:
                            arrivals[name] = time.monotonic() - began
                    if len(arrivals) == count:
                        break
            list(creating)  # re-raise a failed create
    return Convergence(max(arrivals.values()), sorted(arrivals.values()))


def run(lab: Lab, args: argparse.Namespace) -> dict[str, Any]:
    results: dict[str, Any] = {"threads": THREADS, "sizes": {}}
    for count in args.converge_sizes:
        runs: dict[str, Any] = {}
        runs["raw docker-py"] = peers.converge_raw(lab.docker, lab.image, count).as_json()
        with lab.mcp(f"/bench-converge-{count}") as mcp:
            runs["mcp"] = converge_mcp(mcp.url, lab.image, count).as_json()
        with peers.single_node_swarm(lab.docker):
            runs["swarm"] = peers.converge_swarm(lab.docker, lab.image, count).as_json()
        if peers.compose_available():
            runs["compose"] = peers.converge_compose(lab.docker, lab.image, count).as_json()
        results["sizes"][str(count)] = runs
    return results


def table(results: dict[str, Any]) -> list[str]:
    lines = [
        f"converge N containers to running, {results['threads']}-way parallel",
        f"{'N':>5} {'contender':16} {'seconds':>9} {'/ raw':>7}",
    ]
    for count, runs in results["sizes"].items():
        raw = runs["raw docker-py"]["seconds"]
        for contender in CONTENDERS:
            if contender not in runs:
                lines.append(f"{count:>5} {contender:16} {'n/a':>9}")
                continue
            seconds = runs[contender]["seconds"]
            if runs[contender].get("stalled"):
                reached = len(runs[contender]["arrivals"])
                lines.append(
                    f"{count:>5} {contender:16} {'stalled':>9}  {reached} of {count} running"
                    f" when given up after {seconds:.0f} s"
                )
                continue
            lines.append(
                f"{count:>5} {contender:16} {seconds:9.2f} {common.ratio(seconds, raw):>7}"
            )
        mcp = runs["mcp"]["seconds"]
        swarm = runs.get("swarm", {}).get("seconds")
        met = mcp <= 1.15 * raw and (swarm is None or mcp < swarm)
        lines.append(
            f"      target: mcp within 1.15x raw and faster than swarm: {common.verdict(met)}"
        )
    return lines
