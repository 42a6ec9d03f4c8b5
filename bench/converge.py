"""Converge N: from N create requests to N containers running, beside raw docker-py.

Side by side in one run, on the same engine and image:
- mcp: N `POST /api/v1/containers` (from 8 client threads), then the watch stream
  until every object reports Running;
- raw docker-py: create + start of N containers from the same number of threads as
  mcp's Docker limiter (the physical limit of this engine at that parallelism).

    .venv/bin/python -m bench.converge -n 50

Prints seconds and the ratio mcp / raw; `--json PATH` writes the figures.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import docker
import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from support.etcd import open_etcd  # test support doubles as bench support
from support.images import ensure_busybox_image
from support.launcher import McpLauncher

SLEEPER = ["sh", "-c", "trap 'exit 0' TERM; sleep 3600 & wait"]
THREADS = 8  # mcp's default docker_concurrency
TIMEOUT_S = 600.0


def converge_mcp(base_url: str, image: str, count: int) -> float:
    names = [f"conv-{index}" for index in range(count)]
    running: set[str] = set()
    with httpx.Client(base_url=base_url, timeout=TIMEOUT_S) as api:
        since = api.get("/api/v1/containers").json()["metadata"]["resourceVersion"]
        began = time.monotonic()

        def create(name: str) -> None:
            body = {"metadata": {"name": name}, "spec": {"image": image, "args": SLEEPER}}
            api.post("/api/v1/containers", json=body).raise_for_status()

        with ThreadPoolExecutor(THREADS) as pool:
            list(pool.map(create, names))
            params = {"watch": "true", "resourceVersion": since}
            with api.stream("GET", "/api/v1/containers", params=params) as stream:
                for line in stream.iter_lines():
                    event = json.loads(line) if line else None
                    if event and event["type"] in ("ADDED", "MODIFIED"):
                        obj = event["object"]
                        if obj["status"]["phase"] == "Running":
                            running.add(obj["metadata"]["name"])
                    if len(running) == count:
                        break
        return time.monotonic() - began


def converge_raw(client: docker.DockerClient, image: str, count: int) -> float:
    names = [f"bench-raw-{index}" for index in range(count)]
    began = time.monotonic()

    def create_and_start(name: str) -> str:
        container = client.api.create_container(image, command=SLEEPER, name=name)
        client.api.start(container["Id"])
        return str(container["Id"])

    try:
        with ThreadPoolExecutor(THREADS) as pool:
            list(pool.map(create_and_start, names))
        return time.monotonic() - began
    finally:
        for name in names:
            with contextlib.suppress(docker.errors.NotFound):
                client.api.remove_container(name, force=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("-n", "--count", type=int, default=50)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    client = docker.from_env(version="auto", max_pool_size=THREADS + 2)
    image = ensure_busybox_image(client)
    results: dict[str, Any] = {"count": args.count}
    results["raw docker-py"] = converge_raw(client, image, args.count)
    with tempfile.TemporaryDirectory() as work, open_etcd(Path(work)) as etcd:
        launcher = McpLauncher(
            etcd=etcd, prefix="/bench", work_dir=Path(work), docker_client=client
        )
        try:
            mcp = launcher.start()
            results["mcp"] = converge_mcp(mcp.url, image, args.count)
        finally:
            with contextlib.redirect_stdout(io.StringIO()):  # mcp's own log dump
                launcher.close()
    print(f"converge {args.count} containers to running, {THREADS}-way parallel, seconds")
    for label in ("raw docker-py", "mcp"):
        print(f"{label:16} {results[label]:8.2f}")
    print(f"ratio mcp / raw docker-py: {results['mcp'] / results['raw docker-py']:.2f}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
