"""The benchmark harness still runs: `python -m bench --quick` at tiny sizes.

Not a benchmark (no figure is judged here: benchmarks are never timed assertions);
it keeps `make bench` from rotting between full runs. The kube scenario runs its wrk
load (wrk is installed by `scripts/dev`); the api scenario's wrk runs are the same code
and compose is optional, so neither is run here; everything else is, against the real
etcd and Docker, and what a user reads off the results must be there and sane. The Pod
scenarios (convergence beside raw docker-py, calls per Pod, self-heal) run in a test of
their own.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.e2e

REPO_ROOT = Path(__file__).resolve().parents[2]


def run_quick(out: Path, *flags: str) -> dict[str, Any]:
    """`python -m bench --quick FLAGS --out OUT`; it must succeed; its results.json."""
    argv = [sys.executable, "-m", "bench", "--quick", *flags, "--out", str(out)]
    done = subprocess.run(argv, cwd=REPO_ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    report: dict[str, Any] = json.loads((out / "results.json").read_text())
    assert report["failed"] == {}
    return report


def test_the_quick_benchmark_run_measures_what_it_reports(tmp_path: Path) -> None:
    report = run_quick(
        tmp_path,
        "--only",
        "converge,restart,scale",
        "--converge-sizes",
        "4",
        "--restart-count",
        "5",
        "--adopt-count",
        "8",
        "--scale-objects",
        "40",
        "--scale-watchers",
        "2",
        "--scale-updates",
        "20",
        "--scale-starts",
        "1",
    )
    assert report["machine"]["cores"] >= 1

    sizes = report["scenarios"]["converge"]["sizes"]["4"]
    for contender in ("raw docker-py", "mcp", "swarm"):
        assert len(sizes[contender]["arrivals"]) == 4, contender
        assert not sizes[contender]["stalled"], contender

    restart = report["scenarios"]["restart"]
    for key, count in (("running", 5), ("stopped", 8)):
        assert restart[key]["count"] == count
        assert restart[key]["same_containers"], key
        assert restart[key]["containers_after"] == count
        # Adopted from one list: no inspect per container.
        assert "inspect_container" not in restart[key]["docker_requests"]

    scale = report["scenarios"]["scale"]
    assert scale["cached_objects"] == 40
    assert scale["list"]["items"] == 40
    for fan_out in scale["fan_out"]:  # every update reached every watcher, once
        assert fan_out["events_delivered"] == fan_out["events_expected"] == 2 * 20
        assert fan_out["missing_total"] == fan_out["duplicates"] == 0
    assert (tmp_path / "converge.png").stat().st_size > 0
    assert "## restart" in (tmp_path / "tables.txt").read_text()


def test_the_quick_kube_benchmark_measures_every_operation_beside_its_floors(
    tmp_path: Path,
) -> None:
    report = run_quick(
        tmp_path,
        "--only",
        "kube",
        "--kube-objects",
        "30",
        "--kube-list",
        "10",
        "--kube-seconds",
        "1",
    )
    kube = report["scenarios"]["kube"]
    assert kube["failures"] == []
    runs = [kube["floor"], *kube["mcp"].values(), *kube["etcd"].values()]
    for by_clients in runs:
        assert set(by_clients) == {"1", "8"}  # --quick
    for by_clients in [kube["floor"], *kube["mcp"].values()]:
        for run in by_clients.values():  # wrk drove it, and nothing failed
            assert run["requests"] > 0
            assert run["errors"] == 0
            assert run["client_cpu_s"] > 0
    assert kube["get_body_bytes"] > 0
    assert kube["sync"]["total_s"] > 0
    assert kube["rss_mb"] > 0
    tables = (tmp_path / "tables.txt").read_text()
    assert tables.count("target: ") == 10  # each target judged, none "not measured"
    assert "not measured" not in tables


def test_the_quick_pods_benchmarks_measure_mcp_beside_raw_docker(tmp_path: Path) -> None:
    report = run_quick(
        tmp_path,
        "--only",
        "pods,pod_heal",
        "--pods-sizes",
        "3",
        "--pods-rounds",
        "2",
        "--pod-heal-kills",
        "2",
    )
    pods = report["scenarios"]["pods"]["sizes"]["3"]
    for side in ("raw docker-py", "mcp"):
        assert len(pods["runs"][side]) == 2, side
        for run in pods["runs"][side]:
            assert len(run["arrivals"]) == 3, side
    assert len(pods["round_ratios"]) == 2
    per_pod = pods["per_pod"]
    # Each Pod is one infra and one app container, made once each, as the raw side's.
    assert per_pod["docker_to_ready"]["create_container"] == 2
    assert per_pod["docker_to_ready"]["start"] == 2
    assert per_pod["status_writes"] >= 1
    assert per_pod["passes_to_ready"]["done"] >= 1

    heal = report["scenarios"]["pod_heal"]
    for contender in ("mcp Pod, status running", "mcp Container", "docker --restart=always"):
        assert heal[contender]["n"] == 2, contender
    tables = (tmp_path / "tables.txt").read_text()
    assert "target: 3 Pods within 1.15x raw" in tables
    assert "Docker calls to Ready" in tables
    assert "target: Pod status p99 under 1 s" in tables
