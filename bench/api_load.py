"""API load: latency and throughput of mcp's declarative API, beside raw etcd (the floor).

One `mcp run` in API-only mode (`--controllers none`: no Docker call at all, so the
engine cannot get in the way) on a fresh prefix, seeded with `--api-objects` stopped
containers through the API. Then, for each operation and each client count in
`--api-clients`, wrk (a second process, closed loop: each connection sends its next
request when the last one is answered) drives the API for `--api-seconds`:

    get      GET /api/v1/containers/seed-<i>, round-robin over the seeded objects
    list     GET /api/v1/containers: every seeded object, no more (runs before create)
    patch    PATCH a new label value onto seed-<i>, round-robin (a merge patch)
    create   POST a new, uniquely named stopped container

The Lua script (bench/wrk/api.lua) prints wrk's p50, p99, request and error counts
as one JSON line. Any failed request (a non-2xx answer, a timeout, a broken socket)
marks the run FAILED in the table; its figures are still shown. Before each run the
scenario waits until mcp is idle, so no run pays for requests left over from the last.

The floor is raw etcd from this process: C asyncio tasks on one aetcd (grpc) client,
each putting (then getting) a value the size of a stored mcp object, one after the
other, for `--api-seconds`. The comparison is not symmetric, and the table says so:
mcp is measured over HTTP from wrk, in C, while etcd is measured in-process from
Python, whose own client overhead is in the floor; and mcp's operations are not one
etcd call each (GET reads the object and its status; PATCH reads both, then writes
under compare-and-swap; CREATE is one transaction; LIST one range read).

wrk must be installed (Debian: `apt-get install wrk`); the scenario stops with an error
saying so if it is not. The machine is shared and has few cores: wrk, mcp, etcd and
this process compete for them, which shows most at 32 clients.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import shutil
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aetcd
import httpx

from bench import common
from bench.common import Lab
from mcp.registry import Keys

PREFIX = "/bench-api"
# Raw etcd keys live outside mcp's prefix, so its watch never sees them.
FLOOR_PREFIX = "/bench-api-floor"
# List runs before create: LIST must see exactly the seeded objects.
OPERATIONS = ("get", "list", "patch", "create")
MUTATING = ("patch", "create")
SEED_NAME = "seed-{index}"
SEED_THREADS = 8
WRK_SCRIPT = Path(__file__).resolve().parent / "wrk" / "api.lua"
WRK_MAX_THREADS = 2  # the machine has 2 cores; more wrk threads only steal from mcp
WRK_REQUEST_TIMEOUT = "30s"  # wrk's default 2 s would count slow LISTs at 32 clients as errors
WRK_GRACE_S = 60.0  # on top of the run's duration, before the subprocess is abandoned
HTTP_TIMEOUT_S = 30.0
# Between runs mcp counts as idle when it uses under IDLE_CPU_S of CPU in IDLE_WINDOW_S.
IDLE_WINDOW_S = 0.25
IDLE_CPU_S = 0.02
IDLE_TIMEOUT_S = 60.0
ETCD_TIMEOUT_S = 10
# Targets from the issue.
MUTATING_P99_MS = 25.0  # at MUTATING_CLIENTS clients
MUTATING_CLIENTS = 8
GET_P99_MS = 5.0
WRITE_VS_ETCD = 2.0  # a single write (create, 1 client), p50 against etcd's put p50


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("api")
    group.add_argument(
        "--api-objects", type=int, default=1000, help="objects seeded (and listed), e.g. 1000"
    )
    group.add_argument(
        "--api-clients",
        type=common.int_list,
        default=[1, 8, 32],
        help="concurrent clients, e.g. 1,8,32",
    )
    group.add_argument(
        "--api-seconds", type=float, default=10.0, help="duration of each load run, in seconds"
    )


def run(lab: Lab, args: argparse.Namespace) -> dict[str, Any]:
    wrk = shutil.which("wrk")
    if wrk is None:
        raise RuntimeError("the api scenario needs wrk on PATH (Debian: apt-get install wrk)")
    objects: int = args.api_objects
    clients: list[int] = args.api_clients
    seconds: float = args.api_seconds
    results: dict[str, Any] = {
        "objects": objects,
        "clients": clients,
        "seconds": seconds,
        "mcp": {operation: {} for operation in OPERATIONS},
        "etcd": {},
        "failures": [],
    }
    with lab.mcp(PREFIX, ["--controllers", "none"]) as mcp:
        seed(mcp.url, objects)
        value = stored_value(lab.etcd.url, SEED_NAME.format(index=0))
        results["value_bytes"] = len(value)
        results["etcd"] = asyncio.run(etcd_floor(lab.etcd.url, value, clients, seconds))
        for operation in OPERATIONS:
            if operation == "list":
                check_list_size(mcp.url, objects)
            for count in clients:
                # wrk stops timing at the deadline, but mcp still serves what it had
                # accepted (32 queued LISTs take seconds): the next run must not pay for it.
                wait_idle(mcp.pid)
                measured = run_wrk(wrk, mcp.url, operation, count, seconds, objects)
                results["mcp"][operation][str(count)] = measured
                if measured["errors"]:
                    results["failures"].append(
                        f"{operation} at {count} clients: {measured['errors']} failed requests"
                        f" {measured['error_kinds']}"
                    )
        results["mcp_rss_bytes"] = common.rss_bytes(mcp.pid)
    return results


# --- setup, not timed ---------------------------------------------------------------------


def seed(base_url: str, objects: int) -> None:
    """Create the seeded objects through the API: stopped, labelled bench=seed."""
    bodies = [
        {
            "metadata": {"name": SEED_NAME.format(index=index), "labels": {"bench": "seed"}},
            "spec": {"image": "local/busybox:latest", "args": ["true"], "state": "stopped"},
        }
        for index in range(objects)
    ]
    common.post_objects(base_url, bodies, threads=SEED_THREADS)


def check_list_size(base_url: str, objects: int) -> None:
    """LIST must measure exactly the seeded objects: nothing else may be stored yet."""
    response = httpx.get(f"{base_url}/api/v1/containers", timeout=HTTP_TIMEOUT_S)
    response.raise_for_status()
    listed = len(response.json()["items"])
    if listed != objects:
        raise RuntimeError(f"LIST returns {listed} objects, expected the {objects} seeded")


def stored_value(etcd_url: str, name: str) -> bytes:
    """The bytes mcp stored for object `name`: the floor writes values of this size."""

    async def read() -> bytes:
        async with etcd_client(etcd_url) as client:
            found = await client.get(Keys(PREFIX).container(name).encode())
        if found is None:
            raise RuntimeError(f"{name} is not stored under {PREFIX}")
        value: bytes = found.value
        return value

    return asyncio.run(read())


def etcd_client(etcd_url: str) -> Any:
    parts = urlsplit(etcd_url)
    return aetcd.Client(host=parts.hostname, port=parts.port, timeout=ETCD_TIMEOUT_S)


def wait_idle(pid: int) -> None:
    """Return once process `pid` uses next to no CPU (it has finished the last run's work)."""
    deadline = time.monotonic() + IDLE_TIMEOUT_S
    used = common.cpu_seconds(pid)
    while True:
        time.sleep(IDLE_WINDOW_S)
        now = common.cpu_seconds(pid)
        if now - used < IDLE_CPU_S:
            return
        if time.monotonic() > deadline:
            raise TimeoutError(f"mcp (pid {pid}) still busy after {IDLE_TIMEOUT_S:g} s")
        used = now


# --- mcp through wrk ----------------------------------------------------------------------


def run_wrk(
    wrk: str,
    base_url: str,
    operation: str,
    count: int,
    seconds: float,
    objects: int,
    *,
    script: Path = WRK_SCRIPT,
    extra_args: Sequence[str] = (),
) -> dict[str, Any]:
    """One wrk run of `operation` with `count` connections; its figures in ms and per s,
    and the CPU seconds wrk itself used (`client_cpu_s`).

    Args:
        script: the Lua script; it is given `operation objects tag *extra_args`.
    """
    duration = max(1, round(seconds))  # wrk takes whole seconds
    tag = f"{operation[0]}{count}"  # create's names differ between runs
    argv = [
        wrk,
        "--threads",
        str(min(count, WRK_MAX_THREADS)),
        "--connections",
        str(count),
        "--duration",
        f"{duration}s",
        "--timeout",
        WRK_REQUEST_TIMEOUT,
        "--script",
        str(script),
        base_url,
        "--",
        operation,
        str(objects),
        tag,
        *extra_args,
    ]
    # wrk is the only child reaped meanwhile: the children's CPU grows by its own.
    children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run(
        argv, capture_output=True, text=True, timeout=duration + WRK_GRACE_S, check=False
    )
    children_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    client_cpu_s = (children_after.ru_utime + children_after.ru_stime) - (
        children_before.ru_utime + children_before.ru_stime
    )
    marker = "WRK_RESULT "
    lines = [line for line in done.stdout.splitlines() if line.startswith(marker)]
    if done.returncode != 0 or len(lines) != 1:
        raise RuntimeError(
            f"wrk {operation} at {count} clients exited {done.returncode}:\n"
            f"{done.stdout}\n{done.stderr}"
        )
    raw = json.loads(lines[0].removeprefix(marker))
    error_kinds = {
        kind: raw[key]
        for kind, key in (
            ("status", "status_errors"),
            ("connect", "connect_errors"),
            ("read", "read_errors"),
            ("write", "write_errors"),
            ("timeout", "timeouts"),
        )
        if raw[key]
    }
    return {
        "requests": raw["requests"],
        "p50_ms": raw["p50_us"] / 1000,
        "p99_ms": raw["p99_us"] / 1000,
        "mean_ms": raw["mean_us"] / 1000,
        "max_ms": raw["max_us"] / 1000,
        "rps": raw["requests"] / (raw["duration_us"] / 1e6),
        "errors": sum(error_kinds.values()),
        "error_kinds": error_kinds,
        "client_cpu_s": client_cpu_s,
    }


# --- the floor: raw etcd from this process ------------------------------------------------


async def etcd_floor(
    etcd_url: str, value: bytes, clients: Sequence[int], seconds: float
) -> dict[str, dict[str, dict[str, float]]]:
    """etcd put and get latency at each client count: {"put": {"8": {...}}, "get": ...}."""
    floor: dict[str, dict[str, dict[str, float]]] = {"put": {}, "get": {}}
    async with etcd_client(etcd_url) as client:
        for count in clients:
            # Put first: it also writes the keys the gets then read.
            for operation in ("put", "get"):
                floor[operation][str(count)] = await etcd_load(
                    client, operation, count, seconds, value
                )
        await client.delete_prefix(FLOOR_PREFIX.encode())
    return floor


async def etcd_load(
    client: Any, operation: str, count: int, seconds: float, value: bytes
) -> dict[str, float]:
    """`count` tasks, each doing `operation` on its own key back to back for `seconds`."""
    samples: list[float] = []
    deadline = time.monotonic() + seconds

    async def worker(index: int) -> None:
        key = f"{FLOOR_PREFIX}/{index}".encode()
        while time.monotonic() < deadline:
            began = time.perf_counter()
            if operation == "put":
                await client.put(key, value)
            else:
                await client.get(key)  # linearizable, as mcp's reads
            samples.append(time.perf_counter() - began)

    began = time.monotonic()
    await asyncio.gather(*(worker(index) for index in range(count)))
    elapsed = time.monotonic() - began
    return {**common.latency_summary(samples), "rps": len(samples) / elapsed}


# --- the table ----------------------------------------------------------------------------


def table(results: dict[str, Any]) -> list[str]:
    mcp, etcd = results["mcp"], results["etcd"]
    # What each mcp operation is compared with: one etcd write, or one etcd read.
    floor_of = {"get": "get", "list": "get", "patch": "put", "create": "put"}
    lines = [
        f"API load: mcp API-only (--controllers none, no Docker calls), "
        f"{results['objects']} stopped objects, wrk {results['seconds']:g} s per run",
        f"{'operation':12} {'clients':>7} {'p50 ms':>8} {'p99 ms':>8} {'per s':>8}"
        f" {'p50 / etcd':>10}  errors",
    ]
    for operation in OPERATIONS:
        for count in results["clients"]:
            run = mcp[operation][str(count)]
            floor = etcd[floor_of[operation]][str(count)]
            errors = f"FAILED: {run['errors']} {run['error_kinds']}" if run["errors"] else "0"
            lines.append(
                f"{'mcp ' + operation:12} {count:>7} {run['p50_ms']:8.2f} {run['p99_ms']:8.2f}"
                f" {run['rps']:8.0f} {common.ratio(run['p50_ms'], floor['p50_ms']):>10}  {errors}"
            )
    for operation in ("put", "get"):
        for count in results["clients"]:
            floor = etcd[operation][str(count)]
            lines.append(
                f"{'etcd ' + operation:12} {count:>7} {floor['p50_ms']:8.2f}"
                f" {floor['p99_ms']:8.2f} {floor['rps']:8.0f}"
            )
    lines += targets(results)
    lines += [
        f"mcp RSS at the end: {results['mcp_rss_bytes'] / 2**20:.0f} MiB; "
        f"etcd values of {results['value_bytes']} bytes (one stored object)",
        "note: mcp is measured through wrk over HTTP; the etcd floor in-process from Python",
        "  (aetcd/grpc, asyncio), its client overhead included. mcp GET = 2 etcd reads,",
        "  PATCH = 2 reads + 1 CAS write, CREATE = 1 txn, LIST = 1 range read; p50 / etcd",
        "  compares with one etcd get (get, list) or put (patch, create) at the same clients.",
    ]
    for failure in results["failures"]:
        lines.append(f"FAILED: {failure}")
    return lines


def targets(results: dict[str, Any]) -> list[str]:
    """One line per target from the issue: the figure, the target, met or not."""
    mcp, etcd = results["mcp"], results["etcd"]

    def verdict(met: bool, run: dict[str, Any]) -> str:
        # Failed requests can be fast ones (a 409, a 404): their figures prove nothing.
        if run["errors"]:
            return "NOT met (the run had failed requests)"
        return common.verdict(met)

    lines = []
    at = str(MUTATING_CLIENTS)
    if at in mcp["create"]:
        for operation in MUTATING:
            run = mcp[operation][at]
            met = verdict(run["p99_ms"] < MUTATING_P99_MS, run)
            lines.append(
                f"target: {operation} p99 at {at} clients: {run['p99_ms']:.1f} ms"
                f" (< {MUTATING_P99_MS:g} ms): {met}"
            )
    else:
        lines.append(f"target: mutating p99 at {at} clients: not measured (not in --api-clients)")
    for count in results["clients"]:
        run = mcp["get"][str(count)]
        met = verdict(run["p99_ms"] < GET_P99_MS, run)
        lines.append(
            f"target: GET p99 at {count} client{'s' if count > 1 else ''}:"
            f" {run['p99_ms']:.1f} ms (< {GET_P99_MS:g} ms): {met}"
        )
    if "1" in mcp["create"]:
        run = mcp["create"]["1"]
        write, floor = run["p50_ms"], etcd["put"]["1"]["p50_ms"]
        met = verdict(write <= WRITE_VS_ETCD * floor, run)
        lines.append(
            f"target: single write (create p50, 1 client) {write:.2f} ms vs etcd put"
            f" {floor:.2f} ms: {common.ratio(write, floor)} (<= {WRITE_VS_ETCD:g}x): {met}"
        )
    else:
        lines.append("target: single write vs etcd: not measured (1 not in --api-clients)")
    return lines
