"""The converge plot: containers running over time, one line per contender and N."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # no screen here: draw straight to a file

import matplotlib.pyplot as plt  # after choosing the backend

COLOURS = {
    "raw docker-py": "black",
    "mcp": "tab:blue",
    "swarm": "tab:orange",
    "compose": "tab:green",
}


def converge_timeline(results: dict[str, Any], path: Path) -> Path:
    """One panel per N: the count of running containers against seconds since the start."""
    sizes = results["sizes"]
    figure, axes = plt.subplots(1, len(sizes), figsize=(6 * len(sizes), 4), squeeze=False)
    for axis, (count, runs) in zip(axes[0], sizes.items(), strict=True):
        for contender, run in runs.items():
            arrivals = run["arrivals"]
            # A step up at each arrival, starting from zero at time zero.
            times = [0.0, *arrivals]
            running = list(range(len(times)))
            outcome = "stalled" if run.get("stalled") else f"{run['seconds']:.1f} s"
            label = f"{contender} ({outcome})"
            axis.step(times, running, where="post", label=label, color=COLOURS.get(contender))
        axis.set_title(f"converge {count} containers")
        axis.set_xlabel("seconds since the first request")
        axis.set_ylabel("containers running")
        axis.grid(alpha=0.3)
        axis.legend(loc="lower right")
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return path
