"""Stops that wait out a grace period hold no Docker slot other calls need (real Docker).

A container whose PID 1 ignores SIGTERM (`sleep` as PID 1) keeps `docker stop -t N` waiting
N seconds. With more such stops under way than mcp has Docker slots, an inspect must still
be answered while they wait: before stops had slots of their own, it queued behind them,
and every Pod's pass with it (a Job's Pod waited 11 s behind a deleted Deployment's)."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator

import docker
import pytest
import trio

from mcp.runtime import open_docker_runtime

SLOTS = 2  # Docker slots for this runtime: fewer than the stops below
GRACE_S = 30  # longer than the test lasts: the stops end when the test kills the sleepers


@pytest.fixture
def sleepers(docker_client: docker.DockerClient, busybox_image: str) -> Iterator[list[str]]:
    """SLOTS + 1 running containers whose PID 1 ignores SIGTERM; removed afterwards."""
    made = [
        docker_client.containers.run(
            busybox_image, ["sleep", "600"], name=f"mcp-stops-{secrets.token_hex(4)}", detach=True
        ).id
        for _ in range(SLOTS + 1)
    ]
    try:
        yield [str(container_id) for container_id in made]
    finally:
        for container_id in made:
            docker_client.api.remove_container(container_id, force=True)


async def test_an_inspect_is_answered_while_more_stops_than_slots_wait_out_their_grace(
    sleepers: list[str], docker_client: docker.DockerClient
) -> None:
    host = os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock")
    async with open_docker_runtime(host, concurrency=SLOTS) as runtime:
        stopped: list[str] = []

        async def stop(container_id: str) -> None:
            await runtime.stop(container_id, kill_after_s=GRACE_S)
            stopped.append(container_id)

        async with trio.open_nursery() as nursery:
            for container_id in sleepers:
                nursery.start_soon(stop, container_id)
            await trio.sleep(1)  # every stop has reached Docker and waits
            with trio.fail_after(GRACE_S / 2):
                seen = await runtime.inspect(sleepers[0])
            assert seen is not None
            assert seen.running  # answered while its own stop still waits
            assert stopped == []
            for container_id in sleepers:  # end the stops' waits
                docker_client.api.kill(container_id)
        assert sorted(stopped) == sorted(sleepers)
