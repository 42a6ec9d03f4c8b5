"""Pods converge N: from N Pods posted to N Pods Ready, beside raw docker-py doing the
same Docker work, and what each Pod costs mcp in Docker calls, passes and writes.

Side by side in one run, on the same engine, images and pod network, for each N, in
`--pods-rounds` rounds; the side that goes first alternates (raw, mcp, mcp, raw, ...)
so that noise lands on both:
- raw docker-py: per Pod, create + start an infra container (mcp's own `mcp/infra:1` on
  mcp's pod network, with the Pod's hostname and ClusterFirst DNS settings), then create +
  start the app container joined to it (`network_mode: container:<infra>`, a bind-mounted
  termination-log file and json-file log rotation, as mcp makes it): 4 calls per Pod, a
  Pod per task on THREADS threads, the parallelism of mcp's Docker limiter;
- mcp: N `POST /api/v1/namespaces/<ns>/pods` from THREADS client threads (what N
  `kubectl create -f` would send), timed until a watch on the namespace's Pods has shown
  every one `Ready` (the user's view, not Docker's). Not `kubectl apply -f` of one file:
  kubectl applies a file's objects one after another (a GET, then a POST each), which
  would time kubectl's one request in flight rather than mcp at the raw side's 8.

Between rounds, not timed: the Pods deleted with grace 0 (one deletecollection) until
Docker shows none of their containers; the raw containers removed.

Each mcp round reads /metrics before the posts, when every Pod is Ready, and once mcp is
idle again: Docker requests by operation, Pod passes by outcome, the etcd revision (every
write: Pods, their status, Events, leases); the watch counts each Pod's status writes
(MODIFIED events) until all are Ready. Shown per Pod, beside raw's 4 Docker calls, with
the CPU each side's round cost the Docker engine's daemons, the clients (this process)
and mcp, from /proc: on a small machine mcp's own CPU is taken from the engine's.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import statistics
import sys
import time
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import docker
import docker.types
import httpx

from bench import common, peers
from bench.common import SLEEPER, THREADS, TIMEOUT_S, Lab
from mcp import infra_image, sandbox
from mcp.config import Config
from mcp.model import LABEL_CLUSTER

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from support.images import ensure_pod_image  # test support doubles as bench support
from support.mcp_process import McpProcess

NAMESPACE = "bench-pods"
APP = "app"
POD_NETWORK = Config.pod_network  # mcp's default, which the benchmark's mcp uses
RAW_LABELS = {"mcp-bench": "raw-pods"}
RAW_LABEL = "mcp-bench=raw-pods"
IDLE_S = 1.0  # /metrics unchanged this long: mcp has settled
# The engine's own daemons, whose CPU a round costs (a container's shim and runc are
# gone by the time it is read, and are the same for both sides).
ENGINE = ("dockerd", "containerd")
RAW_CALLS_PER_POD = 4  # create + start the infra container, create + start the app


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("pods")
    group.add_argument(
        "--pods-sizes", type=common.int_list, default=[50, 200], help="N Pods, e.g. 50,200"
    )
    group.add_argument(
        "--pods-rounds", type=int, default=3, help="rounds of each side per N, alternating"
    )


# --- the Kubernetes side, shared with pod_heal ------------------------------------------


def pod_body(name: str, image: str) -> dict[str, Any]:
    """A one-container Pod that runs until stopped (and stops at once on SIGTERM)."""
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "labels": {"app": "bench"}},
        "spec": {"containers": [{"name": APP, "image": image, "command": SLEEPER}]},
    }


def pods_path(namespace: str) -> str:
    return f"/api/v1/namespaces/{namespace}/pods"


def create_namespace(api: httpx.Client, namespace: str) -> None:
    body = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}}
    api.post("/api/v1/namespaces", json=body).raise_for_status()


def is_ready(pod: dict[str, Any]) -> bool:
    conditions = (pod.get("status") or {}).get("conditions") or []
    return any(c.get("type") == "Ready" and c.get("status") == "True" for c in conditions)


def list_version(api: httpx.Client, namespace: str) -> str:
    """The resourceVersion of a list of the namespace's Pods: where a watch starts."""
    response = api.get(pods_path(namespace))
    response.raise_for_status()
    return str(response.json()["metadata"]["resourceVersion"])


@dataclass
class Watched:
    """What a watch saw of Pods reaching Ready: each one's arrival, in seconds since
    `began`, and its MODIFIED events (status writes) until the last arrived."""

    arrivals: dict[str, float] = field(default_factory=dict)
    modified: Counter[str] = field(default_factory=Counter)


def watch_until_ready(
    api: httpx.Client, namespace: str, since: str, names: Sequence[str], began: float
) -> Watched:
    """Read a watch of the namespace's Pods from `since` until every one of `names` has
    been seen Ready.

    Raises:
        RuntimeError: the stream ended first (an ERROR event, or mcp closed it).
    """
    wanted = set(names)
    watched = Watched()
    params = {"watch": "true", "resourceVersion": since}
    with api.stream("GET", pods_path(namespace), params=params) as stream:
        for line in stream.iter_lines():
            if not line:
                continue
            event = json.loads(line)
            if event["type"] == "ERROR":
                raise RuntimeError(f"watch of {namespace}'s Pods: {event['object']}")
            pod = event["object"]
            name = pod["metadata"]["name"]
            if name not in wanted:
                continue
            if event["type"] == "MODIFIED":
                watched.modified[name] += 1
            if is_ready(pod) and name not in watched.arrivals:
                watched.arrivals[name] = time.monotonic() - began
                if len(watched.arrivals) == len(wanted):
                    return watched
    raise RuntimeError(f"the watch ended with {len(watched.arrivals)} of {len(wanted)} Ready")


def create_ready(
    api: httpx.Client, namespace: str, names: Sequence[str], image: str
) -> tuple[float, Watched]:
    """POST a Pod for each of `names` from THREADS threads, while a watch waits until
    every one is Ready; the seconds from the first POST to the last Ready, and the watch.

    Raises:
        httpx.HTTPStatusError: a create was refused.
    """
    since = list_version(api, namespace)
    began = time.monotonic()

    def create(name: str) -> None:
        api.post(pods_path(namespace), json=pod_body(name, image)).raise_for_status()

    with ThreadPoolExecutor(THREADS) as pool:
        creating = pool.map(create, names)
        watched = watch_until_ready(api, namespace, since, names, began)
        list(creating)  # re-raise a failed create
    return max(watched.arrivals.values()), watched


def pod_containers(client: docker.DockerClient, cluster: str, namespace: str) -> list[str]:
    """The ids of every Docker container of the cluster's Pods in `namespace`."""
    labels = [f"{LABEL_CLUSTER}={cluster}", f"{sandbox.LABEL_POD_NAMESPACE}={namespace}"]
    return [c["Id"] for c in client.api.containers(all=True, filters={"label": labels})]


def delete_pods(api: httpx.Client, client: docker.DockerClient, cluster: str, ns: str) -> float:
    """Delete every Pod of `ns` with grace 0; wait until neither the API nor Docker shows
    any of them. The seconds it took."""
    began = time.monotonic()
    api.delete(pods_path(ns), params={"gracePeriodSeconds": "0"}).raise_for_status()
    common.wait_for(
        lambda: (
            not api.get(pods_path(ns)).json()["items"] and not pod_containers(client, cluster, ns)
        ),
        f"the Pods of {ns} gone from the API and Docker",
    )
    return time.monotonic() - began


def wait_idle(url: str) -> dict[str, float]:
    """Scrape /metrics until Docker requests and Pod passes stay unchanged for IDLE_S;
    that scrape."""

    def activity(scraped: dict[str, float]) -> dict[str, float]:
        return {
            series: value
            for series, value in scraped.items()
            if series.startswith(("mcp_docker_requests_total", "mcp_pod_passes_total"))
        }

    previous = common.scrape(url)
    quiet_since = time.monotonic()
    deadline = quiet_since + TIMEOUT_S
    while time.monotonic() - quiet_since < IDLE_S:
        if time.monotonic() > deadline:
            raise TimeoutError(f"mcp still busy after {TIMEOUT_S:g} s")
        time.sleep(0.2)
        scraped = common.scrape(url)
        if activity(scraped) != activity(previous):
            quiet_since = time.monotonic()
        previous = scraped
    return previous


def delta(after: dict[str, int], before: dict[str, int]) -> dict[str, int]:
    changed = {key: after[key] - before.get(key, 0) for key in after}
    return {key: value for key, value in sorted(changed.items()) if value}


def engine_pids() -> list[int]:
    """The process ids of the Docker engine's daemons (ENGINE), from /proc."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):  # a process that ended meanwhile
                if (entry / "comm").read_text().strip() in ENGINE:
                    found.append(int(entry.name))
    return found


def cpu_now(mcp_pid: int | None = None) -> dict[str, float]:
    """CPU seconds so far: the engine's daemons, this process (the clients), mcp's."""
    now = {
        "engine": sum(common.cpu_seconds(pid) for pid in engine_pids()),
        "client": time.process_time(),
    }
    if mcp_pid is not None:
        now["mcp"] = common.cpu_seconds(mcp_pid)
    return now


def cpu_since(before: dict[str, float], mcp_pid: int | None = None) -> dict[str, float]:
    after = cpu_now(mcp_pid)
    return {key: round(after[key] - before[key], 3) for key in before}


# --- one round of each side -------------------------------------------------------------


def converge_mcp(
    api: httpx.Client, mcp: McpProcess, names: Sequence[str], image: str
) -> dict[str, Any]:
    """One mcp round (see the module); the Pods are left Ready."""
    url = mcp.url
    idle = wait_idle(url)
    cpu = cpu_now(mcp.pid)
    seconds, watched = create_ready(api, NAMESPACE, names, image)
    cpu_s = cpu_since(cpu, mcp.pid)
    ready = common.scrape(url)
    settled = wait_idle(url)
    revision = "mcp_etcd_revision"
    return {
        "seconds": round(seconds, 3),
        "arrivals": sorted(round(t, 3) for t in watched.arrivals.values()),
        "cpu_s": cpu_s,
        "status_writes": sum(watched.modified.values()),
        "docker_to_ready": delta(common.docker_requests(ready), common.docker_requests(idle)),
        "docker_settled": delta(common.docker_requests(settled), common.docker_requests(idle)),
        "passes_to_ready": delta(common.pod_passes(ready), common.pod_passes(idle)),
        "passes_settled": delta(common.pod_passes(settled), common.pod_passes(idle)),
        "etcd_writes_to_ready": int(ready.get(revision, 0) - idle.get(revision, 0)),
        "etcd_writes_settled": int(settled.get(revision, 0) - idle.get(revision, 0)),
    }


@dataclass(frozen=True)
class RawPods:
    """What the raw side makes its containers like: mcp's pod network and infra image."""

    client: docker.DockerClient
    image: str
    dns: sandbox.DnsConfig
    work_dir: Path


def raw_pods(lab: Lab, image: str) -> RawPods:
    """The raw side, on the pod network and with the infra image mcp has made."""
    network = lab.docker.api.inspect_network(POD_NETWORK)
    (ipam,) = [c for c in network["IPAM"]["Config"] if c.get("Gateway")]
    dns = sandbox.cluster_first_dns(NAMESPACE, server=ipam["Gateway"])
    work = lab.work_dir / "raw-pods"
    work.mkdir(exist_ok=True)
    return RawPods(lab.docker, image, dns, work)


def converge_raw(raw: RawPods, names: Sequence[str]) -> dict[str, Any]:
    """create + start an infra container and an app container joined to it, for each of
    `names`, a Pod per task on THREADS threads; the seconds, then every one removed."""
    api = raw.client.api
    log_config = docker.types.LogConfig(
        type=docker.types.LogConfig.types.JSON,
        config={"max-size": sandbox.LOG_MAX_SIZE, "max-file": str(sandbox.LOG_MAX_FILES)},
    )
    cpu = cpu_now()
    began = time.monotonic()

    def create_and_start(image: str, name: str, **options: Any) -> str:
        made = api.create_container(
            image, name=f"mcp-bench-raw-{name}", labels=RAW_LABELS, detach=True, **options
        )
        api.start(made["Id"])
        return str(made["Id"])

    def make_pod(name: str) -> float:
        infra = create_and_start(
            infra_image.INFRA_IMAGE,
            f"{name}-infra",
            hostname=name,
            host_config=api.create_host_config(
                network_mode=POD_NETWORK,
                dns=list(raw.dns.servers),
                dns_search=list(raw.dns.searches),
                dns_opt=list(raw.dns.options),
            ),
        )
        termination_log = raw.work_dir / f"{name}-termination-log"
        termination_log.touch(mode=0o666)
        mount = docker.types.Mount("/dev/termination-log", str(termination_log), type="bind")
        create_and_start(
            raw.image,
            f"{name}-{APP}",
            entrypoint=SLEEPER,
            host_config=api.create_host_config(
                network_mode=f"container:{infra}", mounts=[mount], log_config=log_config
            ),
        )
        return time.monotonic() - began

    try:
        with ThreadPoolExecutor(THREADS) as pool:
            arrivals = sorted(pool.map(make_pod, names))
        seconds = time.monotonic() - began
        return {
            "seconds": round(seconds, 3),
            "arrivals": [round(t, 3) for t in arrivals],
            "cpu_s": cpu_since(cpu),
        }
    finally:
        peers.remove_labelled(raw.client, RAW_LABEL)


# --- the scenario -----------------------------------------------------------------------


def measure(lab: Lab, image: str, count: int, rounds: int) -> dict[str, Any]:
    """`rounds` of each side for `count` Pods, on one mcp (see the module)."""
    with lab.mcp_launcher(f"/bench-pods-{count}") as launcher:
        mcp = launcher.start()
        (cluster,) = launcher.cluster_ids()
        with httpx.Client(base_url=mcp.url, timeout=TIMEOUT_S) as api:
            create_namespace(api, NAMESPACE)
            runs = alternate(lab, api, mcp, cluster, image, count, rounds)
    return summarise(count, runs)


def alternate(
    lab: Lab,
    api: httpx.Client,
    mcp: McpProcess,
    cluster: str,
    image: str,
    count: int,
    rounds: int,
) -> dict[str, list[dict[str, Any]]]:
    """`rounds` of each side, the one that goes first alternating."""
    runs: dict[str, list[dict[str, Any]]] = {"raw docker-py": [], "mcp": []}
    raw = raw_pods(lab, image)
    for index in range(rounds):
        names = [f"r{index}-{n}" for n in range(count)]
        # raw first in rounds 0, 3, 4, 7, ...: each side goes first as often.
        sides = ("raw docker-py", "mcp") if index % 4 in (0, 3) else ("mcp", "raw docker-py")
        for side in sides:
            if side == "raw docker-py":
                runs[side].append(converge_raw(raw, names))
                continue
            runs[side].append(converge_mcp(api, mcp, names, image))
            cleanup_s = delete_pods(api, lab.docker, cluster, NAMESPACE)
            runs[side][-1]["cleanup_s"] = round(cleanup_s, 2)
    return runs


def summarise(count: int, runs: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    raw = [r["seconds"] for r in runs["raw docker-py"]]
    mcp = [r["seconds"] for r in runs["mcp"]]

    def per_pod(key: str) -> dict[str, float]:
        total: Counter[str] = Counter()
        for run in runs["mcp"]:
            total.update(run[key])
        return {op: round(n / count / len(runs["mcp"]), 2) for op, n in sorted(total.items())}

    def mean_per_pod(key: str) -> float:
        return round(statistics.mean(float(r[key]) for r in runs["mcp"]) / count, 2)

    def cpu_ms(side: str) -> dict[str, float]:
        """Median CPU ms per Pod of each process, over the side's rounds."""
        keys = runs[side][0]["cpu_s"]
        return {
            key: round(statistics.median(r["cpu_s"][key] for r in runs[side]) / count * 1000, 1)
            for key in keys
        }

    return {
        "count": count,
        "raw_s": round(statistics.median(raw), 3),
        "mcp_s": round(statistics.median(mcp), 3),
        "ratio": round(statistics.median(mcp) / statistics.median(raw), 3),
        "round_ratios": [round(m / r, 3) for m, r in zip(mcp, raw, strict=True)],
        "per_pod": {
            "docker_to_ready": per_pod("docker_to_ready"),
            "docker_settled": per_pod("docker_settled"),
            "passes_to_ready": per_pod("passes_to_ready"),
            "passes_settled": per_pod("passes_settled"),
            "status_writes": mean_per_pod("status_writes"),
            "etcd_writes_to_ready": mean_per_pod("etcd_writes_to_ready"),
            "etcd_writes_settled": mean_per_pod("etcd_writes_settled"),
            "cpu_ms": {side: cpu_ms(side) for side in runs},
        },
        "runs": runs,
    }


def run(lab: Lab, args: argparse.Namespace) -> dict[str, Any]:
    image = ensure_pod_image(lab.docker)
    return {
        "threads": THREADS,
        "rounds": args.pods_rounds,
        "image": image,
        "sizes": {
            str(count): measure(lab, image, count, args.pods_rounds) for count in args.pods_sizes
        },
    }


def calls(by_operation: dict[str, float]) -> str:
    return ", ".join(f"{op} {n:g}" for op, n in by_operation.items())


def table(results: dict[str, Any]) -> list[str]:
    lines = [
        f"converge N one-container Pods to Ready, {results['threads']}-way parallel, "
        f"median of {results['rounds']} alternating rounds",
        f"{'N':>5} {'raw s':>8} {'mcp s':>8} {'mcp / raw':>10}  each round",
    ]
    for count, row in results["sizes"].items():
        rounds = ", ".join(f"{r:.2f}x" for r in row["round_ratios"])
        lines.append(
            f"{count:>5} {row['raw_s']:8.2f} {row['mcp_s']:8.2f} {row['ratio']:9.2f}x  {rounds}"
        )
    lines.append("per Pod, mcp (raw docker-py: 4 Docker calls, no writes):")
    for count, row in results["sizes"].items():
        per_pod = row["per_pod"]
        raw_cpu, mcp_cpu = per_pod["cpu_ms"]["raw docker-py"], per_pod["cpu_ms"]["mcp"]
        to_ready = sum(per_pod["docker_to_ready"].values())
        settled = sum(per_pod["docker_settled"].values())
        lines += [
            f"{count:>5} Docker calls to Ready {to_ready:.2f} "
            f"({to_ready / RAW_CALLS_PER_POD:.2f}x raw): {calls(per_pod['docker_to_ready'])}",
            f"      Docker calls once settled {settled:.2f}: {calls(per_pod['docker_settled'])}",
            f"      passes to Ready {calls(per_pod['passes_to_ready'])}; "
            f"settled {calls(per_pod['passes_settled'])}",
            f"      status writes {per_pod['status_writes']:.2f}; etcd writes to Ready "
            f"{per_pod['etcd_writes_to_ready']:.2f}, settled {per_pod['etcd_writes_settled']:.2f}",
            f"      CPU ms: Docker engine {raw_cpu['engine']:.0f} raw, {mcp_cpu['engine']:.0f} "
            f"mcp; clients {raw_cpu['client']:.0f} raw, {mcp_cpu['client']:.0f} mcp; "
            f"the mcp process {mcp_cpu['mcp']:.0f}",
        ]
    for count, row in results["sizes"].items():
        lines.append(
            f"target: {count} Pods within 1.15x raw: {row['ratio']:.2f}x, "
            f"{common.verdict(row['ratio'] <= 1.15)}"
        )
    return lines
