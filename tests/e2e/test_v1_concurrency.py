"""Many clients writing one v1 object at once, against a real `mcp run`: no update is lost.

Each client is a thread with its own HTTP connection. A conditional write (PUT, or a merge
patch carrying `metadata.resourceVersion`) from a version someone else has already replaced
must be refused with 409, so a counter kept in an annotation counts exactly the writes that
were accepted. Unconditional merge patches apply to whatever is current, so none is lost
either. Creating one name from many clients at once makes exactly one object.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

import docker
import httpx
import pytest
from support.api import (
    SLEEPER,
    body_of,
    unique_name,
    v1_create,
    v1_get,
    v1_object,
    v1_patch,
    v1_put,
    wait_v1_phase,
)
from support.containers import labelled
from support.mcp_process import McpProcess

pytestmark = pytest.mark.e2e

CLIENTS = 10
ROUNDS = 10
COUNTER = "example.com/counter"
BARRIER_TIMEOUT_S = 30.0
HTTP_TIMEOUT_S = 30.0

T = TypeVar("T")


@contextmanager
def open_client(mcp: McpProcess) -> Iterator[httpx.Client]:
    """One client's own connection to `mcp`."""
    with httpx.Client(base_url=mcp.url, timeout=HTTP_TIMEOUT_S) as client:
        yield client


def run_clients(count: int, work: Callable[[int], T]) -> list[T]:
    """Run `work(0)` ... `work(count - 1)` in threads at once; return their results in order."""
    with ThreadPoolExecutor(max_workers=count) as pool:
        futures = [pool.submit(work, index) for index in range(count)]
        return [future.result() for future in futures]


def create_counter_object(api: httpx.Client, image: str) -> dict[str, Any]:
    """A running object whose counter annotation is 0, settled so nothing else writes it."""
    name = unique_name("counted")
    body = v1_object(name, {"image": image, "command": SLEEPER}, annotations={COUNTER: "0"})
    obj = body_of(v1_create(api, body, wait="30"), 201)
    assert obj["status"]["phase"] == "Running", obj["status"]
    return obj


def conditional_increment(client: httpx.Client, index: int, read: dict[str, Any]) -> int:
    """Write counter + 1 on top of `read`, conditionally; even clients PUT, odd ones PATCH."""
    name = read["metadata"]["name"]
    version = read["metadata"]["resourceVersion"]
    value = str(int(read["metadata"]["annotations"][COUNTER]) + 1)
    if index % 2 == 0:
        body = v1_object(
            name,
            read["spec"],
            labels=read["metadata"]["labels"],
            annotations={**read["metadata"]["annotations"], COUNTER: value},
        )
        body["metadata"]["resourceVersion"] = version
        response = v1_put(client, name, body)
    else:
        patch = {"metadata": {"resourceVersion": version, "annotations": {COUNTER: value}}}
        response = v1_patch(client, name, patch)
    assert response.status_code in (200, 409), (
        f"client {index}: {response.request.method} answered {response.status_code}: "
        f"{response.text}"
    )
    return response.status_code


@dataclass(frozen=True)
class Attempt:
    round: int
    client: int
    version: str
    counter: int
    status_code: int


def test_lockstep_read_modify_write_loses_no_update(
    mcp: McpProcess, api: httpx.Client, docker_client: docker.DockerClient, busybox_image: str
) -> None:
    """In each round every client reads the same version, then all write: exactly one wins."""
    created = create_counter_object(api, busybox_image)
    name = created["metadata"]["name"]
    barrier = threading.Barrier(CLIENTS, timeout=BARRIER_TIMEOUT_S)

    def client_rounds(index: int) -> list[Attempt]:
        attempts: list[Attempt] = []
        with open_client(mcp) as client:
            for round_ in range(ROUNDS):
                barrier.wait()  # the previous round's writes are all answered
                read = v1_get(client, name)
                barrier.wait()  # everyone has read before anyone writes
                code = conditional_increment(client, index, read)
                attempts.append(
                    Attempt(
                        round=round_,
                        client=index,
                        version=read["metadata"]["resourceVersion"],
                        counter=int(read["metadata"]["annotations"][COUNTER]),
                        status_code=code,
                    )
                )
        return attempts

    attempts = [a for per_client in run_clients(CLIENTS, client_rounds) for a in per_client]

    for round_ in range(ROUNDS):
        in_round = [a for a in attempts if a.round == round_]
        assert len({a.version for a in in_round}) == 1, f"round {round_}: {in_round}"
        assert {a.counter for a in in_round} == {round_}, f"round {round_}: {in_round}"
        winners = [a.client for a in in_round if a.status_code == 200]
        assert len(winners) == 1, f"round {round_}: winners {winners}"
    final = v1_get(api, name)
    successes = sum(a.status_code == 200 for a in attempts)
    assert int(final["metadata"]["annotations"][COUNTER]) == successes == ROUNDS
    # Annotations are not spec: no new generation, no new container.
    assert final["metadata"]["generation"] == 1
    assert final["spec"] == created["spec"]
    assert final["status"]["containerID"] == created["status"]["containerID"]
    assert [c.id for c in labelled(docker_client, mcp_name=name)] == [
        created["status"]["containerID"]
    ]


def test_free_running_writers_with_retries_all_land(
    mcp: McpProcess, api: httpx.Client, busybox_image: str
) -> None:
    """Clients race without lockstep, re-reading after each 409: every increment lands once."""
    per_client = 5
    max_attempts = 500  # far more than 10 writers need; only a livelock gets near it
    created = create_counter_object(api, busybox_image)
    name = created["metadata"]["name"]

    def increment_until_done(index: int) -> Counter[int]:
        codes: Counter[int] = Counter()
        with open_client(mcp) as client:
            while codes[200] < per_client:
                assert codes.total() < max_attempts, f"client {index}: {codes}"
                codes[conditional_increment(client, index, v1_get(client, name))] += 1
        return codes

    results = run_clients(CLIENTS, increment_until_done)

    total: Counter[int] = sum(results, Counter())
    final = v1_get(api, name)
    assert total[200] == CLIENTS * per_client
    assert int(final["metadata"]["annotations"][COUNTER]) == CLIENTS * per_client, total
    assert final["metadata"]["generation"] == 1


def test_unconditional_patches_all_apply(
    mcp: McpProcess, api: httpx.Client, busybox_image: str
) -> None:
    """Merge patches without a resourceVersion apply to what is current: none is lost.

    Nor is any refused: a 409 is only for a stale resourceVersion, and these carry none.
    """
    per_client = 10
    created = create_counter_object(api, busybox_image)
    name = created["metadata"]["name"]

    def add_annotations(index: int) -> dict[str, httpx.Response]:
        answers: dict[str, httpx.Response] = {}
        with open_client(mcp) as client:
            for number in range(per_client):
                key = f"example.com/c{index}-{number}"
                answers[key] = v1_patch(client, name, {"metadata": {"annotations": {key: "x"}}})
        return answers

    answers = {
        key: response
        for per_client_answers in run_clients(CLIENTS, add_annotations)
        for key, response in per_client_answers.items()
    }

    annotations = v1_get(api, name)["metadata"]["annotations"]
    accepted = {key for key, response in answers.items() if response.status_code == 200}
    assert accepted <= annotations.keys(), f"lost: {sorted(accepted - annotations.keys())}"
    assert annotations[COUNTER] == "0"
    refused = {
        key: f"{response.status_code} {response.text}"
        for key, response in answers.items()
        if response.status_code != 200
    }
    assert not refused, f"{len(refused)} of {len(answers)} unconditional patches refused: {refused}"


def test_concurrent_creates_of_one_name_make_one_object(
    mcp: McpProcess, api: httpx.Client, docker_client: docker.DockerClient, busybox_image: str
) -> None:
    name = unique_name("race")
    barrier = threading.Barrier(CLIENTS, timeout=BARRIER_TIMEOUT_S)

    def create_mine(index: int) -> int:
        spec = {"image": busybox_image, "command": SLEEPER, "env": {"WRITER": str(index)}}
        body = v1_object(name, spec, annotations={"writer": str(index)})
        with open_client(mcp) as client:
            barrier.wait()
            response = v1_create(client, body)
        assert response.status_code in (201, 409), response.text
        return response.status_code

    codes = run_clients(CLIENTS, create_mine)

    winners = [index for index, code in enumerate(codes) if code == 201]
    assert len(winners) == 1, codes
    obj = v1_get(api, name)
    assert obj["metadata"]["annotations"] == {"writer": str(winners[0])}
    assert obj["spec"]["env"] == [{"name": "WRITER", "value": str(winners[0])}]
    running = wait_v1_phase(api, name, "Running")
    containers = labelled(docker_client, mcp_name=name)
    assert [c.id for c in containers] == [running["status"]["containerID"]]
    assert f"WRITER={winners[0]}" in containers[0].attrs["Config"]["Env"]
