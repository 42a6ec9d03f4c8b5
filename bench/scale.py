"""Scale: thousands of objects through the store and the API, with Docker out of the way.

Every mcp here runs API-only (`mcp run --controllers none`: etcd watched into a cache,
the HTTP API, no Docker at all), which is also how a read-only API replica runs.

    .venv/bin/python -m bench --only scale [--scale-objects 5000 --scale-watchers 20]

1. Load: N objects are created through the API (POST, 8 client threads) by an mcp that
   is then stopped. The create rate is reported as a by-product.
2. Sync: fresh mcps on those N objects, timed from spawn to the first GET /healthz 200
   (the API serves only once the first list is in the cache, so that is "synced"), and
   the same on an empty prefix: start-up is mostly the interpreter and its imports, so
   the figure for N means something only beside the empty one. The two alternate, one
   mcp at a time, `--scale-starts` rounds; medians are reported. The JSON logs split a
   start up: spawn -> `etcd_connected` (interpreter, imports, connect), `etcd_connected`
   -> `etcd_listed` (the list into the cache: the part that grows with N), `etcd_listed`
   -> `mcp_started` (the API starting). `mcp_objects` in /metrics must equal N.
3. RSS: of the empty mcp and of the one with N objects, idle and after the LISTs; per
   object is the difference over N.
4. LIST latency: sequential GET /api/v1/containers returning all N objects.
5. Watch fan-out, twice: `--scale-watchers` streams (`?watch=true&resourceVersion=R`,
   R the current revision), each in its own thread with its own connection, all open
   before the first write; then `--scale-updates` merge-patches from 4 writer threads,
   each setting label `seq` to its own number, so every event is matched to its write.
   First through the watched mcp itself (a lone replica), then through a second API-only
   mcp, so that the watched one spends its CPU on delivery alone. Fan-out rate = events
   delivered to all watchers / time from the first write to the last event at the last
   watcher; delivery lag = each event's arrival - its write's response. Missing,
   duplicate and unexpected events are counted, not hidden. RSS and open file counts of
   the watched mcp before, with and after the streams show what a stream costs and
   that mcp lets go of it.

Caveats:
- Sync time includes the bench's own 10 ms /healthz poll. The log timestamps are
  wall-clock (same machine, same clock), compared with the bench's clock at spawn.
- LIST is served from etcd, not from the watch cache (`registry.list_all`): its latency is
  an etcd range read plus decoding and JSON encoding of N objects in mcp.
- Watch streams are served from mcp's watch cache (one etcd watch for all, the cache's
  objects shared), so a stream costs its bounded buffer, not a copy of the objects. The
  RSS target is still judged twice: with N objects and no streams, and on the peak
  (VmHWM) with the streams open.
- Freed memory mostly stays with the process (the allocator keeps it), so RSS "after
  LISTs" and "after the streams closed" are high-water marks more than live data.
- The fan-out rate is bounded by the write rate whenever mcp keeps up (then it drains
  in milliseconds after the last write): it is a lower bound of what mcp can deliver.
  The watchers, writers and JSON parsing all run in this one Python process (GIL) on a
  shared 2-core machine beside mcp and etcd; CPU seconds of each process during the
  fan-out show who was busy.
- A write's event can reach a watcher before the write's HTTP response reaches the
  writer, so single lag samples may be negative.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

from bench import common
from bench.common import Lab

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from support.launcher import McpLauncher  # test support doubles as bench support
from support.mcp_process import McpProcess, McpStartError, run_argv
from support.ports import free_port

PREFIX = "/bench-scale"
EMPTY_PREFIX = "/bench-scale-empty"
API_ONLY = ("--controllers", "none")
CONTAINERS = "/api/v1/containers"
MERGE_PATCH = "application/merge-patch+json"

CREATE_THREADS = 8
WRITER_THREADS = 4
LIST_WARMUPS = 2  # not timed: the first requests pay for lazy imports and allocations
LIST_REQUESTS = 20
IDLE_SETTLE_S = 1.0  # after /healthz, let start-up garbage be collected before reading RSS
HEALTH_POLL_S = 0.01
START_TIMEOUT_S = 120.0
CONNECT_TIMEOUT_S = 30.0  # for every watcher to have its stream open before writing
DELIVERY_GRACE_S = 60.0  # after the last write, how long watchers may take to catch up
STREAMS_CLOSE_S = 10.0  # for mcp to let go of streams whose clients left
HTTP_TIMEOUT = httpx.Timeout(60.0, connect=10.0)
# mcp sends a BOOKMARK every 10 s on an idle stream, so 30 s of silence means it is broken.
WATCH_TIMEOUT = httpx.Timeout(10.0, read=30.0)

SYNC_TARGET_S = 3.0
RSS_TARGET_MB = 200.0
MB = 1024 * 1024


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("scale (API-only mcp, no Docker)")
    group.add_argument(
        "--scale-objects", type=int, default=5000, help="objects in etcd (default 5000)"
    )
    group.add_argument(
        "--scale-watchers", type=int, default=20, help="concurrent watch streams (default 20)"
    )
    group.add_argument(
        "--scale-updates",
        type=int,
        default=1000,
        help="merge-patches written in each of the two fan-out passes (default 1000)",
    )
    group.add_argument(
        "--scale-starts",
        type=int,
        default=3,
        help="fresh starts timed per prefix, empty and with N objects (default 3)",
    )


# --- process figures ------------------------------------------------------------------------


def open_files(pid: int) -> int:
    """File descriptors `pid` holds: its sockets included, so a stream left open shows."""
    return len(os.listdir(f"/proc/{pid}/fd"))


def mb(value: float) -> float:
    return round(value / MB, 1)


# --- start-up --------------------------------------------------------------------------------


@dataclass
class Start:
    """One timed start of an API-only mcp."""

    process: McpProcess
    healthy_s: float  # spawn -> first GET /healthz 200, as this process saw it
    phases_s: dict[str, float]  # from its JSON logs
    objects_listed: int  # `objects` of its `etcd_listed` log line


def wait_healthy(process: McpProcess, timeout: float = START_TIMEOUT_S) -> None:
    """Poll /healthz every 10 ms (McpProcess.wait_healthy polls every 100 ms: too coarse)."""
    deadline = time.monotonic() + timeout
    with httpx.Client(timeout=2.0) as client:
        while True:
            if process.returncode is not None:
                raise McpStartError(f"mcp exited with {process.returncode}\n{process.output()}")
            try:
                if client.get(f"{process.url}/healthz").status_code == 200:
                    return
            except httpx.HTTPError:
                pass  # not listening yet
            if time.monotonic() > deadline:
                raise McpStartError(f"mcp not healthy after {timeout} s\n{process.output()}")
            time.sleep(HEALTH_POLL_S)


LOG_WAIT_S = 5.0


def log_time(process: McpProcess, event: str) -> float:
    """Wall-clock time of the first `event` line in `process`'s JSON logs."""
    deadline = time.monotonic() + LOG_WAIT_S  # a line may trail the answer that shows it
    while not (records := process.events(event)):
        if time.monotonic() > deadline:
            raise RuntimeError(f"no {event} in mcp's logs\n{process.output()}")
        time.sleep(HEALTH_POLL_S)
    return datetime.fromisoformat(str(records[0]["timestamp"])).timestamp()


def timed_start(lab: Lab, launcher: McpLauncher) -> Start:
    """Spawn an API-only mcp on the launcher's prefix and time it to healthy."""
    listen = f"127.0.0.1:{free_port()}"
    argv = run_argv(
        listen=listen,
        etcd_url=lab.etcd.url,
        prefix=launcher.prefix,
        data_dir=launcher.data_dir,
        extra_args=API_ONLY,
    )
    spawned_wall = time.time()
    began = time.monotonic()
    process = launcher.spawn(argv, url=f"http://{listen}")
    wait_healthy(process)
    healthy_s = time.monotonic() - began
    connected = log_time(process, "etcd_connected")
    listed = log_time(process, "etcd_listed")
    started = log_time(process, "mcp_started")
    return Start(
        process=process,
        healthy_s=healthy_s,
        phases_s={
            "spawn_to_etcd_connected": connected - spawned_wall,
            "list_into_cache": listed - connected,
            "api_start": started - listed,
        },
        objects_listed=int(process.events("etcd_listed")[0]["objects"]),
    )


def summarize_starts(starts: Sequence[Start]) -> dict[str, Any]:
    """The median of every start-up figure, and the raw spawn -> healthy samples."""
    phases = {
        name: round(statistics.median(start.phases_s[name] for start in starts), 4)
        for name in starts[0].phases_s
    }
    return {
        "healthy_s": round(statistics.median(start.healthy_s for start in starts), 4),
        "healthy_samples_s": [round(start.healthy_s, 4) for start in starts],
        "phases_s": phases,
        "objects_listed": starts[-1].objects_listed,
    }


def settled_memory(process: McpProcess) -> dict[str, int]:
    time.sleep(IDLE_SETTLE_S)
    return common.memory_bytes(process.pid)


# --- load and LIST ---------------------------------------------------------------------------


def object_names(count: int) -> list[str]:
    return [f"scale-{index:05d}" for index in range(count)]


def create_objects(url: str, image: str, names: Sequence[str]) -> float:
    """POST every name, stopped, from CREATE_THREADS threads; the seconds taken."""
    bodies = [
        {
            "metadata": {"name": name, "labels": {"app": "scale", "shard": str(index % 16)}},
            "spec": {"image": image, "args": ["sleep", "3600"], "state": "stopped"},
        }
        for index, name in enumerate(names)
    ]
    return common.post_objects(url, bodies, threads=CREATE_THREADS)


def run_threads(calls: Sequence[tuple[Any, tuple[Any, ...]]]) -> None:
    """Run each (function, args) in its own thread and wait for all (bounded by their
    own HTTP timeouts)."""
    threads = [threading.Thread(target=fn, args=args, daemon=True) for fn, args in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def measure_list(url: str, expected: int) -> dict[str, Any]:
    """Sequential LISTs of every object: latency and size of a response."""
    samples: list[float] = []
    with httpx.Client(base_url=url, timeout=HTTP_TIMEOUT) as client:
        for index in range(LIST_WARMUPS + LIST_REQUESTS):
            began = time.monotonic()
            response = client.get(CONTAINERS)
            response.raise_for_status()
            body = response.content
            elapsed = time.monotonic() - began
            if index >= LIST_WARMUPS:
                samples.append(elapsed)
        listing = json.loads(body)
    items = len(listing["items"])
    if items != expected:
        raise RuntimeError(f"LIST returned {items} objects, expected {expected}")
    return {
        "latency": common.latency_summary(samples),
        "bytes": len(body),
        "items": items,
    }


def cached_objects(url: str) -> int:
    return int(common.scrape(url)["mcp_objects"])


# --- watch fan-out ---------------------------------------------------------------------------


@dataclass
class Watcher:
    """What one watch stream received."""

    connected: threading.Event = field(default_factory=threading.Event)
    done: threading.Event = field(default_factory=threading.Event)
    arrivals: dict[int, float] = field(default_factory=dict)  # update seq -> monotonic time
    duplicates: int = 0
    unexpected: int = 0  # events that are not MODIFIED with a `seq` of this pass
    bookmarks: int = 0
    error: str | None = None


def watch(
    url: str, since: str, expected: range, watcher: Watcher, give_up: threading.Event
) -> None:
    """Stream events after `since` until every seq in `expected` arrived, or `give_up` is set
    (noticed at the next line: a BOOKMARK comes every 10 s on an idle stream)."""
    params = {"watch": "true", "resourceVersion": since}
    try:
        with (
            httpx.Client(base_url=url, timeout=WATCH_TIMEOUT) as client,
            client.stream("GET", CONTAINERS, params=params) as response,
        ):
            response.raise_for_status()
            watcher.connected.set()
            for line in response.iter_lines():
                arrived = time.monotonic()  # before parsing: parsing is the bench's cost
                if line:
                    record(watcher, json.loads(line), arrived, expected)
                if len(watcher.arrivals) >= len(expected) or give_up.is_set():
                    break
        # Leaving the `with` closes the connection; mcp then drops the stream's subscription.
    except Exception as exc:  # reported in the results, not raised from a thread
        watcher.error = repr(exc)
    finally:
        watcher.connected.set()  # a failed connect must not hold up the writers
        watcher.done.set()


def record(watcher: Watcher, event: dict[str, Any], arrived: float, expected: range) -> None:
    kind = event.get("type")
    if kind == "BOOKMARK":
        watcher.bookmarks += 1
        return
    if kind == "ERROR":
        raise RuntimeError(f"watch ended with {event.get('object')}")
    seq = event.get("object", {}).get("metadata", {}).get("labels", {}).get("seq")
    if kind != "MODIFIED" or seq is None or int(seq) not in expected:
        watcher.unexpected += 1
    elif int(seq) in watcher.arrivals:
        watcher.duplicates += 1
    else:
        watcher.arrivals[int(seq)] = arrived


@dataclass
class Writes:
    """Each update's send and response time, by seq."""

    sent: dict[int, float] = field(default_factory=dict)
    answered: dict[int, float] = field(default_factory=dict)
    errors: list[BaseException] = field(default_factory=list)


def write_updates(url: str, names: Sequence[str], seqs: Sequence[int], writes: Writes) -> None:
    """Merge-patch label `seq` on object `names[seq % N]` for each seq, one at a time."""
    try:
        with httpx.Client(
            base_url=url, timeout=HTTP_TIMEOUT, headers={"Content-Type": MERGE_PATCH}
        ) as client:
            for seq in seqs:
                patch = json.dumps({"metadata": {"labels": {"seq": str(seq)}}})
                writes.sent[seq] = time.monotonic()
                response = client.patch(f"{CONTAINERS}/{names[seq % len(names)]}", content=patch)
                response.raise_for_status()
                writes.answered[seq] = time.monotonic()
    except BaseException as exc:  # re-raised by the main thread
        writes.errors.append(exc)


def fan_out(
    watched: McpProcess,
    writer: McpProcess,
    names: Sequence[str],
    *,
    watchers: int,
    seqs: range,
) -> dict[str, Any]:
    """`watchers` streams on `watched` from its current revision, then one write per seq
    through `writer` (which may be `watched` itself); who got what, and when."""
    since = current_revision(watched.url)
    memory_before = common.memory_bytes(watched.pid)
    files_before = open_files(watched.pid)
    give_up = threading.Event()
    streams = [Watcher() for _ in range(watchers)]
    threads = [
        threading.Thread(
            target=watch, args=(watched.url, since, seqs, stream, give_up), daemon=True
        )
        for stream in streams
    ]
    connect_began = time.monotonic()
    for thread in threads:
        thread.start()
    # Every stream must be open before the first write, or the first events would find
    # some watchers still listing and the rate would include their connection time.
    connect_deadline = connect_began + CONNECT_TIMEOUT_S
    all_connected = all(
        stream.connected.wait(max(0.0, connect_deadline - time.monotonic())) for stream in streams
    )
    connect_s = time.monotonic() - connect_began
    memory_with_watchers = common.memory_bytes(watched.pid)
    files_with_watchers = open_files(watched.pid)

    writes = Writes()
    pids = {"watched": watched.pid, "writer": writer.pid}
    cpu_before = {role: common.cpu_seconds(pid) for role, pid in pids.items()}
    bench_cpu_before = time.process_time()
    began = time.monotonic()
    run_threads(
        [
            (write_updates, (writer.url, names, seqs[index::WRITER_THREADS], writes))
            for index in range(WRITER_THREADS)
        ]
    )
    writes_done = time.monotonic()
    if writes.errors:
        give_up.set()
        raise writes.errors[0]
    delivery_deadline = writes_done + DELIVERY_GRACE_S
    for stream in streams:
        stream.done.wait(max(0.0, delivery_deadline - time.monotonic()))
    give_up.set()  # whoever is still waiting stops at its next line
    cpu = {role: common.cpu_seconds(pid) - cpu_before[role] for role, pid in pids.items()}
    bench_cpu = time.process_time() - bench_cpu_before
    for thread in threads:
        thread.join(timeout=WATCH_TIMEOUT.read or 30.0)
    # mcp should close its side of every stream (and its cache subscription) once the client
    # is gone; its open files coming back to where they were is the sign.
    with contextlib.suppress(TimeoutError):
        common.wait_for(
            lambda: open_files(watched.pid) <= files_before, "streams closed", STREAMS_CLOSE_S
        )
    files_after = open_files(watched.pid)
    memory_after = common.memory_bytes(watched.pid)

    arrivals = [at for stream in streams for at in stream.arrivals.values()]
    last_arrival = max(arrivals, default=began)
    lags = [
        arrived - writes.answered[seq]
        for stream in streams
        for seq, arrived in stream.arrivals.items()
        if seq in writes.answered
    ]
    missing = [len(seqs) - len(stream.arrivals) for stream in streams]
    delivery_s = last_arrival - began
    write_s = writes_done - began
    return {
        "writes_through": "the watched mcp" if writer is watched else "another API-only mcp",
        "watchers": watchers,
        "updates": len(seqs),
        "connect_s": round(connect_s, 3),
        "all_connected_before_writes": all_connected,
        "write_s": round(write_s, 3),
        "writes_per_s": round(len(seqs) / write_s, 1),
        "events_delivered": len(arrivals),
        "events_expected": len(seqs) * watchers,
        "delivery_s": round(delivery_s, 3),
        "events_per_s": round(len(arrivals) / delivery_s, 1) if delivery_s > 0 else None,
        "drain_after_last_write_s": round(max(0.0, last_arrival - writes_done), 3),
        "lag": common.latency_summary(lags) if lags else None,
        "missing_total": sum(missing),
        "watchers_incomplete": sum(1 for count in missing if count),
        "duplicates": sum(stream.duplicates for stream in streams),
        "unexpected_events": sum(stream.unexpected for stream in streams),
        "watch_errors": [stream.error for stream in streams if stream.error],
        "mcp_cpu_s": round(cpu["watched"], 2),
        "writer_mcp_cpu_s": None if writer is watched else round(cpu["writer"], 2),
        "bench_cpu_s": round(bench_cpu, 2),
        "rss_before_watchers_mb": mb(memory_before["rss"]),
        "rss_with_watchers_mb": mb(memory_with_watchers["rss"]),
        "rss_per_watcher_mb": mb((memory_with_watchers["rss"] - memory_before["rss"]) / watchers),
        "rss_after_close_mb": mb(memory_after["rss"]),
        "open_files": {
            "before": files_before,
            "with_watchers": files_with_watchers,
            "after_close": files_after,
        },
    }


def current_revision(url: str) -> str:
    """etcd's current revision, from a LIST that matches nothing (cheap to send back)."""
    with httpx.Client(base_url=url, timeout=HTTP_TIMEOUT) as client:
        response = client.get(CONTAINERS, params={"labelSelector": "app=no-such-app"})
        response.raise_for_status()
        return str(response.json()["metadata"]["resourceVersion"])


# --- the scenario ----------------------------------------------------------------------------


def run(lab: Lab, args: argparse.Namespace) -> dict[str, Any]:
    count: int = args.scale_objects
    rounds: int = max(1, args.scale_starts)
    updates: int = args.scale_updates
    names = object_names(count)
    results: dict[str, Any] = {"objects": count, "starts_per_prefix": rounds}

    with lab.mcp(PREFIX, API_ONLY) as loader:
        create_s = create_objects(loader.url, lab.image, names)
        results["create"] = {"seconds": round(create_s, 2), "per_s": round(count / create_s, 1)}
    # The loader is stopped here: the mcp measured next must list everything from etcd.

    with (
        lab.mcp_launcher(EMPTY_PREFIX) as empty_launcher,
        lab.mcp_launcher(PREFIX) as full_launcher,
    ):
        # Empty and full starts alternate, one mcp at a time, so that whatever else the
        # machine does at the moment weighs on both alike.
        empty_starts: list[Start] = []
        full_starts: list[Start] = []
        for index in range(rounds):
            last_round = index == rounds - 1
            empty = timed_start(lab, empty_launcher)
            empty_starts.append(empty)
            if last_round:  # the baseline: what an mcp weighs with nothing in it
                empty_idle = settled_memory(empty.process)
                measure_list(empty.process.url, expected=0)
                empty_listed = common.memory_bytes(empty.process.pid)
            empty.process.terminate()
            full = timed_start(lab, full_launcher)
            full_starts.append(full)
            if not last_round:
                full.process.terminate()
        results["sync_empty"] = summarize_starts(empty_starts)
        results["sync_full"] = summarize_starts(full_starts)
        results["rss_empty"] = {
            "idle_mb": mb(empty_idle["rss"]),
            "after_lists_mb": mb(empty_listed["rss"]),
            "peak_mb": mb(empty_listed["peak"]),
        }

        watched = full.process
        results["cached_objects"] = cached_objects(watched.url)
        full_idle = settled_memory(watched)
        listing = measure_list(watched.url, expected=count)
        full_listed = common.memory_bytes(watched.pid)
        results["list"] = listing
        results["rss_full"] = {
            "idle_mb": mb(full_idle["rss"]),
            "after_lists_mb": mb(full_listed["rss"]),
        }
        results["rss_per_object_bytes"] = {
            "idle": round((full_idle["rss"] - empty_idle["rss"]) / count),
            "after_lists": round((full_listed["rss"] - empty_listed["rss"]) / count),
        }

        # Pass 1: one replica takes the writes and serves the watchers, as a lone mcp would.
        # Pass 2: the writes go through a second API-only replica, so the watched one spends
        # its CPU on delivering events alone: its fan-out capacity.
        writer = full_launcher.start(extra_args=API_ONLY)
        results["fan_out"] = [
            fan_out(watched, watched, names, watchers=args.scale_watchers, seqs=range(0, updates)),
            fan_out(
                watched,
                writer,
                names,
                watchers=args.scale_watchers,
                seqs=range(updates, 2 * updates),
            ),
        ]
        memory_end = common.memory_bytes(watched.pid)
        results["rss_full"]["end_mb"] = mb(memory_end["rss"])
        results["rss_full"]["peak_mb"] = mb(memory_end["peak"])  # VmHWM over its whole life
    return results


def fan_out_lines(fan: dict[str, Any]) -> list[str]:
    lag = fan["lag"] or {"p50_ms": float("nan"), "p99_ms": float("nan")}
    files = fan["open_files"]
    cpu = f"mcp {fan['mcp_cpu_s']:.1f} s"
    if fan["writer_mcp_cpu_s"] is not None:
        cpu += f", writer mcp {fan['writer_mcp_cpu_s']:.1f} s"
    return [
        f"watch fan-out, writes through {fan['writes_through']}:",
        f"  delivered:              {fan['events_per_s']:.0f} events/s "
        f"({fan['events_delivered']}/{fan['events_expected']} events to {fan['watchers']} "
        f"watchers in {fan['delivery_s']:.2f} s; streams opened in {fan['connect_s']:.2f} s)",
        f"  writes alone:           {fan['writes_per_s']:.0f} PATCH/s "
        f"({fan['updates']} in {fan['write_s']:.2f} s, {WRITER_THREADS} threads); "
        f"drained {fan['drain_after_last_write_s']:.2f} s after the last write",
        f"  delivery lag:           p50 {lag['p50_ms']:.0f} ms, p99 {lag['p99_ms']:.0f} ms "
        "(event arrival - write response)",
        f"  missing events:         {fan['missing_total']} "
        f"({fan['watchers_incomplete']} watchers incomplete), duplicates {fan['duplicates']}, "
        f"unexpected {fan['unexpected_events']}, errors {len(fan['watch_errors'])}",
        f"  CPU during fan-out:     {cpu}, bench client {fan['bench_cpu_s']:.1f} s",
        f"  RSS:                    {fan['rss_before_watchers_mb']:.1f} MB before, "
        f"{fan['rss_with_watchers_mb']:.1f} MB with the streams open "
        f"({fan['rss_per_watcher_mb']:.1f} MB a stream), "
        f"{fan['rss_after_close_mb']:.1f} MB after they closed",
        f"  open files in mcp:      {files['before']} before, {files['with_watchers']} with "
        f"the streams, {files['after_close']} after they closed",
    ]


def table(results: dict[str, Any]) -> list[str]:
    count = results["objects"]
    empty, full = results["sync_empty"], results["sync_full"]
    rss_empty, rss_full = results["rss_empty"], results["rss_full"]
    per_object = results["rss_per_object_bytes"]
    latency = results["list"]["latency"]
    sync_s = full["healthy_s"]
    peak_mb = rss_full["peak_mb"]
    idle_mb = rss_full["after_lists_mb"]
    watchers = max(fan["watchers"] for fan in results["fan_out"])
    lines = [
        f"API-only mcp (--controllers none), {count} objects; "
        f"start-up figures are medians of {results['starts_per_prefix']} starts",
        f"created through the API:  {results['create']['per_s']:.0f} objects/s "
        f"({results['create']['seconds']:.1f} s, {CREATE_THREADS} client threads)",
        f"spawn -> /healthz 200:    empty {empty['healthy_s']:.2f} s, "
        f"{count} objects {full['healthy_s']:.2f} s "
        f"({full['healthy_s'] - empty['healthy_s']:+.2f} s)",
        f"  of which list to cache: empty {empty['phases_s']['list_into_cache'] * 1000:.0f} ms, "
        f"{count} objects {full['phases_s']['list_into_cache'] * 1000:.0f} ms "
        "(etcd_connected -> etcd_listed)",
        f"  interpreter+imports:    {full['phases_s']['spawn_to_etcd_connected']:.2f} s "
        f"(spawn -> etcd_connected); API start "
        f"{full['phases_s']['api_start'] * 1000:.0f} ms",
        f"objects in cache:         {results['cached_objects']} (mcp_objects; expected {count}"
        f"{')' if results['cached_objects'] == count else ': MISMATCH)'}",
        f"RSS empty:                {rss_empty['idle_mb']:.1f} MB idle, "
        f"{rss_empty['after_lists_mb']:.1f} MB after LISTs",
        f"RSS {count} objects:{' ' * max(1, 13 - len(str(count)))}"
        f"{rss_full['idle_mb']:.1f} MB idle, "
        f"{rss_full['after_lists_mb']:.1f} MB after LISTs, {rss_full['end_mb']:.1f} MB after "
        f"the fan-out, peak {peak_mb:.1f} MB",
        f"RSS per object:           {per_object['idle'] / 1024:.1f} KiB idle, "
        f"{per_object['after_lists'] / 1024:.1f} KiB after LISTs",
        f"LIST all {count} objects:   p50 {latency['p50_ms']:.0f} ms, "
        f"p99 {latency['p99_ms']:.0f} ms, {results['list']['bytes'] / MB:.2f} MB a response "
        f"({latency['n']} sequential)",
    ]
    for fan in results["fan_out"]:
        lines += fan_out_lines(fan)
    lines += [
        f"target sync under {SYNC_TARGET_S:g} s:     {sync_s:.2f} s "
        f"{common.verdict(sync_s < SYNC_TARGET_S)}",
        f"target RSS under {RSS_TARGET_MB:g} MB:   {idle_mb:.0f} MB with {count} objects "
        f"after LISTs {common.verdict(idle_mb < RSS_TARGET_MB)}; {peak_mb:.0f} MB peak with "
        f"{watchers} watch streams open {common.verdict(peak_mb < RSS_TARGET_MB)}",
    ]
    return lines
