"""Control-plane restart: `kill -9` mcp with N containers under it, start it again.

Two sizes of the same measurement:
- N running containers (`--restart-count`, 200 by default): the control plane dies
  and comes back while the workloads run;
- N stopped containers (`--adopt-count`, 2,000 by default): objects with
  `state: stopped` whose containers exist, the most a restart has to adopt.

Not timed: creating the objects through mcp's API and waiting until every one
reports its phase (Running, Stopped). Then the first mcp gets SIGKILL (no shutdown
of any kind) and a second starts on the same etcd prefix. Timed: from spawning the
second process until its /metrics shows every object adopted (an `Adopted` event
recorded for each) and a reconcile pass finished for each. At that moment the
Docker requests it made so far are read from the same /metrics, by operation; the
count that matters is per container: one list for all is O(1), an inspect each is
O(N). Afterwards the benchmark checks that no container was replaced or duplicated:
the same Docker ids as before the kill, one per object.
"""

from __future__ import annotations

import argparse
import time
from typing import Any

import docker
import httpx

from bench import common, peers
from bench.common import SLEEPER, TIMEOUT_S, Lab

CLUSTER_LABEL = "mcp.cluster"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("restart")
    group.add_argument("--restart-count", type=int, default=200, help="running containers")
    group.add_argument("--adopt-count", type=int, default=2000, help="stopped containers")


def _create_all(url: str, image: str, count: int, state: str) -> float:
    """Create `count` objects and wait until each reports its phase; the seconds taken."""
    phase = "Running" if state == "running" else "Stopped"
    began = time.monotonic()
    bodies = [
        {
            "metadata": {"name": f"restart-{index}"},
            "spec": {"image": image, "args": SLEEPER, "state": state},
        }
        for index in range(count)
    ]
    common.post_objects(url, bodies)
    with httpx.Client(base_url=url, timeout=TIMEOUT_S) as api:

        def all_settled() -> bool:
            items = api.get("/api/v1/containers").json()["items"]
            return sum(1 for item in items if item["status"].get("phase") == phase) == count

        common.wait_for(all_settled, f"{count} objects {phase}")
    return time.monotonic() - began


def _containers_of(client: docker.DockerClient, cluster: str) -> dict[str, str]:
    """Docker id -> object name, for every container of `cluster`."""
    summaries = client.api.containers(all=True, filters={"label": f"{CLUSTER_LABEL}={cluster}"})
    return {s["Id"]: (s.get("Labels") or {}).get("mcp.name", "?") for s in summaries}


def measure(lab: Lab, *, prefix: str, count: int, state: str) -> dict[str, Any]:
    with lab.mcp_launcher(prefix) as launcher:
        first = launcher.start()
        setup_s = _create_all(first.url, lab.image, count, state)
        (cluster,) = launcher.cluster_ids()
        before = _containers_of(lab.docker, cluster)
        first.kill()  # SIGKILL: no graceful anything

        began = time.monotonic()
        second = launcher.start()
        healthy_s = time.monotonic() - began
        scraped: dict[str, float] = {}

        def all_adopted() -> bool:
            nonlocal scraped
            scraped = common.scrape(second.url)
            adopted = scraped.get("mcp_containers_adopted_total", 0)
            passes = scraped.get('mcp_reconcile_passes_total{outcome="done"}', 0)
            return adopted >= count and passes >= count

        common.wait_for(all_adopted, f"{count} containers adopted", TIMEOUT_S)
        adopted_s = time.monotonic() - began
        rss = common.rss_bytes(second.pid)
        after = _containers_of(lab.docker, cluster)
        try:
            return {
                "count": count,
                "state": state,
                "setup_s": round(setup_s, 2),
                "healthy_s": round(healthy_s, 3),
                "adopted_s": round(adopted_s, 3),
                "docker_requests": common.docker_requests(scraped),
                "rss_mb": round(rss / 1e6, 1),
                "containers_before": len(before),
                "containers_after": len(after),
                "same_containers": before == after,
            }
        finally:
            # In parallel: the launcher's own clean-up removes one at a time.
            peers.remove_labelled(lab.docker, f"{CLUSTER_LABEL}={cluster}")


def run(lab: Lab, args: argparse.Namespace) -> dict[str, Any]:
    return {
        "running": measure(lab, prefix="/bench-restart", count=args.restart_count, state="running"),
        "stopped": measure(lab, prefix="/bench-adopt", count=args.adopt_count, state="stopped"),
    }


def table(results: dict[str, Any]) -> list[str]:
    lines = [
        "control-plane restart: kill -9 mcp, start it again, until every object is adopted",
        f"{'containers':>16} {'healthy s':>10} {'adopted s':>10} {'RSS MB':>7}  Docker requests",
    ]
    for key in ("running", "stopped"):
        row = results[key]
        calls = ", ".join(f"{op} {n}" for op, n in sorted(row["docker_requests"].items()))
        lines.append(
            f"{row['count']:>8} {row['state']:>7} {row['healthy_s']:10.2f} {row['adopted_s']:10.2f}"
            f" {row['rss_mb']:7.0f}  {calls}"
        )
        if not row["same_containers"]:
            lines.append(
                f"  FAILED: containers changed across the restart "
                f"({row['containers_before']} before, {row['containers_after']} after)"
            )
    for key, limit in (("running", 5.0), ("stopped", 10.0)):
        row = results[key]
        per_container = sum(
            n for op, n in row["docker_requests"].items() if op not in ("containers", "events")
        )
        met = row["adopted_s"] < limit and per_container < row["count"] / 10
        lists = row["docker_requests"].get("containers", 0)
        lines.append(
            f"target: {row['count']} {row['state']} adopted under {limit:g} s with O(1) Docker "
            f"lists: {row['adopted_s']:.2f} s, {lists} lists, {per_container} other calls: "
            f"{common.verdict(met)}"
        )
    return lines
