"""Slow watchers: what watch clients that stop reading cost mcp (the issue's experiment).

    .venv/bin/python -m bench --only slow_watchers [--slow-watchers 10 --slow-patches 12800]

An API-only mcp (`--controllers none`) with one object. `--slow-watchers` watch streams
(`?watch=true&resourceVersion=R`, R current) each on a raw socket with a 4 KiB receive
buffer that reads the response head and then nothing; then `--slow-patches` label
merge-patches from 4 writer threads. mcp's RSS is read before the watchers open, right
after the last patch, and once the sockets are closed and mcp's open files are back to
where they were. Growth per event per watcher = (end - before) / (patches x watchers).
`mcp_watch_streams_dropped_total` and `mcp_watch_streams` from /metrics show whether mcp
let go of the streams that fell behind.

Caveats: RSS is a high-water mark more than live data (the allocator keeps freed
memory), so "after close" shows what is kept, not what is in use; the writes are as
fast as one mcp answers them on a shared 2-core machine.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from bench import common
from bench.common import Lab
from bench.scale import (
    WRITER_THREADS as WRITERS,
)
from bench.scale import (
    Writes,
    current_revision,
    mb,
    open_files,
    run_threads,
    write_updates,
)

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from support.stuck_watch import open_stuck_watch  # test support doubles as bench support

PREFIX = "/bench-slow-watchers"
API_ONLY = ("--controllers", "none")
CONTAINERS = "/api/v1/containers"
SETTLE_S = 1.0  # before each RSS reading: let the last requests' garbage go
CLOSE_TIMEOUT_S = 30.0
HTTP_TIMEOUT = httpx.Timeout(60.0, connect=10.0)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("slow_watchers (watch clients that stop reading)")
    group.add_argument(
        "--slow-watchers", type=int, default=10, help="non-reading watch streams (default 10)"
    )
    group.add_argument(
        "--slow-patches", type=int, default=12800, help="label patches written (default 12800)"
    )


def settled_rss(pid: int) -> int:
    time.sleep(SETTLE_S)
    return common.rss_bytes(pid)


def run(lab: Lab, args: argparse.Namespace) -> dict[str, Any]:
    watchers: int = args.slow_watchers
    patches: int = args.slow_patches
    with (
        lab.mcp(PREFIX, API_ONLY) as process,
        httpx.Client(base_url=process.url, timeout=HTTP_TIMEOUT) as api,
    ):
        name = "slow-watchers"
        body = {"metadata": {"name": name}, "spec": {"image": lab.image, "args": common.SLEEPER}}
        api.post(CONTAINERS, json=body).raise_for_status()
        files_before = open_files(process.pid)
        rss_before = settled_rss(process.pid)
        since = current_revision(process.url)
        path = f"{CONTAINERS}?watch=true&resourceVersion={since}"
        sockets = [open_stuck_watch(process.url, path) for _ in range(watchers)]
        began = time.monotonic()
        writes = Writes()
        run_threads(
            [
                (write_updates, (process.url, [name], range(index, patches, WRITERS), writes))
                for index in range(WRITERS)
            ]
        )
        write_s = time.monotonic() - began
        if writes.errors:
            raise writes.errors[0]
        rss_end = settled_rss(process.pid)
        scraped_end = common.scrape(process.url)
        for sock in sockets:
            sock.close()
        with contextlib.suppress(TimeoutError):
            common.wait_for(
                lambda: open_files(process.pid) <= files_before, "sockets closed", CLOSE_TIMEOUT_S
            )
        rss_after = settled_rss(process.pid)
        scraped_after = common.scrape(process.url)
        peak = common.memory_bytes(process.pid)["peak"]
    growth = rss_end - rss_before
    return {
        "watchers": watchers,
        "patches": patches,
        "write_s": round(write_s, 2),
        "patches_per_s": round(patches / write_s, 1),
        "rss_before_mb": mb(rss_before),
        "rss_end_mb": mb(rss_end),
        "rss_after_close_mb": mb(rss_after),
        "rss_peak_mb": mb(peak),
        "growth_ratio": round(rss_end / rss_before, 3),
        "bytes_per_event_per_watcher": round(growth / (patches * watchers), 1),
        "streams_dropped": scraped_end.get('mcp_watch_streams_dropped_total{reason="buffer_full"}'),
        "streams_open_at_end": scraped_end.get("mcp_watch_streams"),
        "streams_open_after_close": scraped_after.get("mcp_watch_streams"),
    }


def table(results: dict[str, Any]) -> list[str]:
    return [
        f"{results['watchers']} watchers that never read (4 KiB receive buffer), "
        f"{results['patches']} label patches in {results['write_s']:.1f} s "
        f"({results['patches_per_s']:.0f}/s)",
        f"mcp RSS: {results['rss_before_mb']:.1f} MB before, {results['rss_end_mb']:.1f} MB after "
        f"the patches (x{results['growth_ratio']:.2f}, "
        f"{results['bytes_per_event_per_watcher']:.1f} B per event per watcher), "
        f"{results['rss_after_close_mb']:.1f} MB after the sockets closed "
        f"(peak {results['rss_peak_mb']:.1f} MB)",
        f"streams dropped: {results['streams_dropped']}; open at the end: "
        f"{results['streams_open_at_end']}, after close: {results['streams_open_after_close']}",
    ]
