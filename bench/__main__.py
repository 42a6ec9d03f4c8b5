"""Run mcp's benchmarks: `python -m bench` (what `make bench` and `scripts/dev bench` run).

Every scenario runs against the real etcd and Docker engine, beside what a user would
use instead, in the same run: this machine is shared and noisy, so the ratios mean
more than the seconds. Prints one table per scenario as it finishes, then writes to `--out`:
`results.json` (every figure, with the date, the machine and the command line),
`tables.txt` (the printed tables) and `converge.png` (containers running over time,
per contender).

    python -m bench                       # everything at full size
    python -m bench --quick               # the same code at small sizes, for a smoke test
    python -m bench --only converge,api   # some scenarios
"""

from __future__ import annotations

import argparse
import importlib
import platform
import shlex
import sys
import tempfile
import time
import traceback
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

import docker

from bench import common
from bench.common import Lab

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from support.etcd import open_etcd
from support.images import ensure_busybox_image

# Scenario name -> its module under bench/, in the order they run.
SCENARIOS: dict[str, str] = {
    "converge": "bench.converge",
    "self_heal": "bench.self_heal",
    "pods": "bench.pods",
    "pod_heal": "bench.pod_heal",
    "restart": "bench.restart",
    "api": "bench.api_load",
    "scale": "bench.scale",
    "slow_watchers": "bench.slow_watchers",
    "kube": "bench.kube_api",
}
# --quick: flag -> value, small enough that the whole run takes a couple of minutes.
QUICK_SIZES: dict[str, Any] = {
    "converge_sizes": [10],
    "self_heal_kills": 5,
    "self_heal_swarm_kills": 1,
    "pods_sizes": [10],
    "pods_rounds": 2,
    "pod_heal_kills": 5,
    "restart_count": 20,
    "adopt_count": 50,
    "api_objects": 100,
    "api_clients": [1, 8],
    "api_seconds": 2.0,
    "scale_objects": 500,
    "scale_watchers": 5,
    "slow_watchers": 10,
    "slow_patches": 3000,
    "kube_objects": 100,
    "kube_list": 50,
    "kube_clients": [1, 8],
    "kube_seconds": 1.0,
    "kube_kubectl_runs": 1,
}


def machine() -> dict[str, Any]:
    memory_kib = next(
        int(line.split()[1])
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal:")
    )
    cpu_model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor() or "unknown",
    )
    return {
        "cores": common.cpu_count(),
        "cpu": cpu_model,
        "memory_gib": round(memory_kib / 1024 / 1024, 1),
        "kernel": platform.release(),
        "python": platform.python_version(),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument(
        "--only", type=lambda text: text.split(","), default=list(SCENARIOS), help="scenarios"
    )
    parser.add_argument("--quick", action="store_true", help="small sizes (a smoke test)")
    parser.add_argument("--out", type=Path, default=Path("bench/results"), help="output folder")
    chosen, _ = parser.parse_known_args()
    unknown = set(chosen.only) - set(SCENARIOS)
    if unknown:
        parser.error(f"unknown scenarios {sorted(unknown)}; known: {', '.join(SCENARIOS)}")
    # Only the chosen scenarios are imported, and only their flags exist.
    modules: dict[str, ModuleType] = {
        name: importlib.import_module(SCENARIOS[name]) for name in chosen.only
    }
    for module in modules.values():
        module.add_arguments(parser)
    if chosen.quick:  # small sizes as the defaults; a size given explicitly still wins
        parser.set_defaults(**QUICK_SIZES)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)

    client = docker.from_env(version="auto", max_pool_size=64, timeout=300)
    engine = client.version()
    report: dict[str, Any] = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": shlex.join(["python", "-m", "bench", *sys.argv[1:]]),
        "machine": {**machine(), "docker": engine.get("Version")},
        "scenarios": {},
        "failed": {},
    }
    print(f"mcp benchmarks, {report['date']}, {report['machine']}", flush=True)
    tables: list[str] = []  # what is printed, again in tables.txt
    with (
        tempfile.TemporaryDirectory(prefix="mcp-bench-") as work,
        open_etcd(Path(work)) as etcd,
    ):
        lab = Lab(docker=client, image=ensure_busybox_image(client), etcd=etcd, work_dir=Path(work))
        for name in args.only:
            module = modules[name]
            began = time.monotonic()
            print(f"\n## {name}", flush=True)
            try:
                results = module.run(lab, args)
            except Exception:  # one broken scenario must not lose the others' figures
                traceback.print_exc()
                report["failed"][name] = traceback.format_exc()
                continue
            results["elapsed_s"] = round(time.monotonic() - began, 1)
            report["scenarios"][name] = results
            lines = module.table(results)
            tables += [f"## {name}", *lines, ""]
            for line in lines:
                print(line, flush=True)
    (args.out / "results.json").write_text(common.dump(report) + "\n")
    header = f"{report['command']}, {report['date']}, {report['machine']}"
    (args.out / "tables.txt").write_text("\n".join([header, "", *tables]))
    print(f"\nwrote {args.out / 'results.json'} and {args.out / 'tables.txt'}")
    if "converge" in report["scenarios"]:
        from bench import plot  # matplotlib only when there is something to draw

        path = plot.converge_timeline(report["scenarios"]["converge"], args.out / "converge.png")
        print(f"wrote {path}")
    return 1 if report["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
