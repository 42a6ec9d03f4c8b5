"""What every benchmark scenario shares: the real services, mcp processes, statistics.

A scenario is a module with three functions, run in turn by `python -m bench`:

    add_arguments(parser)            its size flags, prefixed with its name (--converge-sizes)
    run(lab, args) -> dict           measure; the dict is JSON (it goes into results.json)
    table(results) -> list[str]      the lines it prints, ratios included

Everything a scenario measures runs against the real etcd and Docker engine that the
`Lab` holds, side by side with the alternative it is compared with, in the same run.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import os
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import docker
import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from support.containers import remove_clusters  # test support doubles as bench support
from support.etcd import EtcdServer
from support.launcher import McpLauncher
from support.mcp_process import McpProcess

from mcp import metrics

# A container that runs until stopped, and stops at once on SIGTERM.
SLEEPER = ["sh", "-c", "trap 'exit 0' TERM; sleep 3600 & wait"]
THREADS = 8  # mcp's default docker_concurrency: raw Docker gets the same parallelism
TIMEOUT_S = 600.0


@dataclass
class Lab:
    """One benchmark run's real services: the Docker engine, its test image, one etcd."""

    docker: docker.DockerClient
    image: str
    etcd: EtcdServer
    work_dir: Path

    @contextlib.contextmanager
    def mcp_launcher(self, prefix: str) -> Iterator[McpLauncher]:
        """An `McpLauncher` on `prefix`; on exit every mcp it started is stopped and every
        container of its cluster removed (mcp's own logs are not printed)."""
        work = self.work_dir / prefix.strip("/").replace("/", "-")
        launcher = McpLauncher(
            etcd=self.etcd, prefix=prefix, work_dir=work, docker_client=self.docker
        )
        try:
            yield launcher
        finally:
            with contextlib.redirect_stdout(io.StringIO()):
                launcher.close()

    @contextlib.contextmanager
    def mcp(self, prefix: str, extra_args: Sequence[str] = ()) -> Iterator[McpProcess]:
        """One healthy `mcp run` on `prefix`, cleaned up as `mcp_launcher` does."""
        with self.mcp_launcher(prefix) as launcher:
            yield launcher.start(extra_args=extra_args)


def remove_mcp_cluster(lab: Lab, launcher: McpLauncher) -> None:
    """Remove the containers of every cluster `launcher` saw (when its mcp is killed)."""
    remove_clusters(lab.docker, launcher.cluster_ids())


def percentile(samples: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile: the smallest sample with `fraction` of them at or below it."""
    ordered = sorted(samples)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


def latency_summaries(samples: dict[str, list[float]]) -> dict[str, dict[str, Any]]:
    """Each contender's `latency_summary`, with its samples in seconds."""
    return {
        label: {**latency_summary(values), "samples": [round(v, 4) for v in values]}
        for label, values in samples.items()
    }


def latency_rows(results: dict[str, Any], labels: Sequence[str], baseline: str) -> list[str]:
    """A latency table's header and one row per contender in `labels`: n, p50 and p99
    in ms, and the p50 against `baseline`'s."""
    lines = [f"{'contender':26} {'n':>4} {'p50':>8} {'p99':>8} {'p50 / docker':>13}"]
    for label in labels:
        row = results[label]
        lines.append(
            f"{label:26} {row['n']:4d} {row['p50_ms']:8.0f} {row['p99_ms']:8.0f}"
            f" {ratio(row['p50_ms'], results[baseline]['p50_ms']):>13}"
        )
    return lines


def latency_summary(samples: Sequence[float]) -> dict[str, float]:
    """p50, p99, mean and max in milliseconds, and the sample count."""
    return {
        "n": len(samples),
        "p50_ms": percentile(samples, 0.50) * 1000,
        "p99_ms": percentile(samples, 0.99) * 1000,
        "mean_ms": sum(samples) / len(samples) * 1000,
        "max_ms": max(samples) * 1000,
    }


def memory_bytes(pid: int) -> dict[str, int]:
    """Current (VmRSS) and peak (VmHWM) resident set size of `pid`, from /proc."""
    found: dict[str, int] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            found[key] = int(rest.split()[0]) * 1024
    return {"rss": found["VmRSS"], "peak": found["VmHWM"]}


def rss_bytes(pid: int) -> int:
    """Resident set size of process `pid`, from /proc."""
    return memory_bytes(pid)["rss"]


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of process `pid` (all its threads), from /proc."""
    # The command name, field 2, may hold spaces: count fields after its closing paren.
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    utime, stime = int(fields[11]), int(fields[12])  # fields 14 and 15 of proc(5)
    return (utime + stime) / os.sysconf("SC_CLK_TCK")


def post_objects(url: str, bodies: Sequence[dict[str, Any]], threads: int = THREADS) -> float:
    """POST every body to /api/v1/containers from `threads` threads; the seconds taken.

    Raises:
        httpx.HTTPStatusError: a create was refused (the first one, after all are tried).
    """
    return post_all(url, [("/api/v1/containers", body) for body in bodies], threads)


def post_all(
    url: str, requests: Sequence[tuple[str, dict[str, Any]]], threads: int = THREADS
) -> float:
    """POST every (path, body) from `threads` threads; the seconds taken.

    Raises:
        httpx.HTTPStatusError: a create was refused (the first one, after all are tried).
    """
    began = time.monotonic()
    with (
        httpx.Client(base_url=url, timeout=TIMEOUT_S) as api,
        ThreadPoolExecutor(threads) as pool,
    ):

        def create(request: tuple[str, dict[str, Any]]) -> None:
            api.post(request[0], json=request[1]).raise_for_status()

        list(pool.map(create, requests))  # list(): the first failure raises here
    return time.monotonic() - began


def verdict(met: bool) -> str:
    """How a table states a target."""
    return "met" if met else "NOT met"


def scrape(url: str) -> dict[str, float]:
    """mcp's /metrics as {'name{labels}': value}."""
    response = httpx.get(f"{url}/metrics", timeout=10)
    response.raise_for_status()
    return metrics.parse(response.text)


def by_label(scraped: dict[str, float], name: str, label: str) -> dict[str, int]:
    """Counter `name` of a /metrics scrape by the value of its one label `label`."""
    prefix = f'{name}{{{label}="'
    return {
        series[len(prefix) : -2]: int(value)
        for series, value in scraped.items()
        if series.startswith(prefix)
    }


def docker_requests(scraped: dict[str, float]) -> dict[str, int]:
    """Docker requests by operation, from a /metrics scrape."""
    return by_label(scraped, "mcp_docker_requests_total", "operation")


def pod_passes(scraped: dict[str, float]) -> dict[str, int]:
    """Pod passes by outcome, from a /metrics scrape."""
    return by_label(scraped, "mcp_pod_passes_total", "outcome")


def wait_for(condition: Callable[[], bool], what: str, timeout: float = TIMEOUT_S) -> float:
    """Poll `condition` until true; the seconds it took. TimeoutError names `what`."""
    began = time.monotonic()
    while not condition():
        if time.monotonic() - began > timeout:
            raise TimeoutError(f"{what}: not within {timeout:g} s")
        time.sleep(0.02)
    return time.monotonic() - began


def ratio(numerator: float | None, denominator: float | None) -> str:
    """`n.nnx` or `-` when either side is missing."""
    if numerator is None or not denominator:
        return "-"
    return f"{numerator / denominator:.2f}x"


def int_list(text: str) -> list[int]:
    """argparse type for `50,200`."""
    return [int(part) for part in text.split(",") if part]


def dump(results: Any) -> str:
    return json.dumps(results, indent=2, sort_keys=False)


def remove_containers(client: docker.DockerClient, names: Sequence[str]) -> None:
    """Force-remove containers by name, ignoring those already gone."""
    for name in names:
        with contextlib.suppress(docker.errors.NotFound):
            client.api.remove_container(name, force=True)


def cpu_count() -> int:
    return os.cpu_count() or 1
