"""The `Runtime` contract: the fake and the real Docker adapter pass the same cases."""

from __future__ import annotations

import contextlib
import os
import secrets
import socket
from collections.abc import AsyncIterator
from typing import Any

import docker
import pytest
import trio
from fakes import FakeRuntime

from mcp.errors import (
    ImageNotFound,
    NameInUse,
    RuntimeBusy,
    RuntimeRejected,
    RuntimeUnavailable,
)
from mcp.model import ContainerSpec, Port
from mcp.runtime import open_docker_runtime

SLEEP = ["sh", "-c", "trap 'exit 0' TERM; sleep 600 & wait"]


@pytest.fixture(params=["fake", "docker"])
async def runtime(
    request: pytest.FixtureRequest, busybox_image: str, docker_client: docker.DockerClient
) -> AsyncIterator[Any]:
    if request.param == "fake":
        yield FakeRuntime(images={busybox_image})
        return
    host = os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock")
    async with open_docker_runtime(host, concurrency=4) as real:
        yield real


@pytest.fixture
def name(docker_client: docker.DockerClient) -> Any:
    container_name = f"mcp-contract-{secrets.token_hex(4)}"
    yield container_name
    with contextlib.suppress(docker.errors.NotFound):
        docker_client.api.remove_container(container_name, force=True)


SLEEPER = ContainerSpec(image="mcp-test/busybox:latest", args=SLEEP)
ABSENT = ContainerSpec(image="mcp-test/absent:never", args=SLEEP)
LABELS = {"mcp.uid": "u-1", "mcp.name": "x", "mcp.cluster": "test", "mcp.spec-hash": "h"}


async def test_lifecycle(runtime: Any, name: str, busybox_image: str) -> None:
    assert await runtime.inspect(name) is None
    container_id = await runtime.create(name, spec=SLEEPER, labels=LABELS)
    created = await runtime.inspect(name)
    assert created.container_id == container_id
    assert (created.uid, created.spec_hash, created.running) == ("u-1", "h", False)
    assert created.docker_status == "created"
    assert created.exit_code is None  # it never ran, so it has no exit code

    await runtime.start(name)
    started = await runtime.inspect(name)
    assert started.running
    assert started.docker_status == "running"

    with trio.fail_after(30):
        await runtime.stop(name)
    stopped = await runtime.inspect(name)
    assert not stopped.running
    assert stopped.docker_status == "exited"
    assert stopped.exit_code is not None

    await runtime.remove(name)
    assert await runtime.inspect(name) is None
    await runtime.remove(name)  # removing what is gone is not an error
    await runtime.stop(name)  # nor is stopping it


async def test_missing_image(runtime: Any, name: str) -> None:
    with pytest.raises(ImageNotFound):
        await runtime.create(name, spec=ABSENT, labels=LABELS)
    assert await runtime.inspect(name) is None


async def test_name_in_use_is_rejected(runtime: Any, name: str, busybox_image: str) -> None:
    await runtime.create(name, spec=SLEEPER, labels=LABELS)
    with pytest.raises(NameInUse):
        await runtime.create(name, spec=SLEEPER, labels=LABELS)


async def test_command_not_found_is_rejected(runtime: Any, name: str, busybox_image: str) -> None:
    await runtime.create(
        name,
        spec=ContainerSpec(image=busybox_image, command=["no-such-command"]),
        labels=LABELS,
    )
    with pytest.raises(RuntimeRejected):
        await runtime.start(name)
    assert not (await runtime.inspect(name)).running


async def test_paused_shows_as_paused_until_unpaused(
    runtime: Any, name: str, docker_client: docker.DockerClient
) -> None:
    await runtime.create(name, spec=SLEEPER, labels=LABELS)
    await runtime.start(name)
    if isinstance(runtime, FakeRuntime):
        runtime.pause(name)
    else:
        docker_client.api.pause(name)
    paused = await runtime.inspect(name)
    assert (paused.docker_status, paused.running) == ("paused", True)

    await runtime.unpause(name)

    unpaused = await runtime.inspect(name)
    assert (unpaused.docker_status, unpaused.running) == ("running", True)
    with pytest.raises(RuntimeRejected):
        await runtime.unpause(name)  # not paused


async def test_a_taken_host_port_rejects_the_start(runtime: Any, name: str) -> None:
    """Docker answers 500 for it, but it is a verdict on this container, not engine trouble:
    it must not read as `RuntimeUnavailable` (it once did, and the status never said why)."""
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        if isinstance(runtime, FakeRuntime):
            runtime.busy_host_ports.add(port)
        spec = SLEEPER.model_copy(
            update={
                "ports": [
                    Port.model_validate(
                        {"containerPort": 80, "hostPort": port, "hostIP": "127.0.0.1"}
                    )
                ]
            }
        )
        await runtime.create(name, spec=spec, labels=LABELS)
        with pytest.raises(RuntimeRejected, match="address already in use"):
            await runtime.start(name)
    assert not (await runtime.inspect(name)).running


async def test_starting_a_container_that_is_gone_is_transient(runtime: Any, name: str) -> None:
    # Removed between a pass's inspect and its start: the next pass recreates it, so this
    # must not read as a start that failed (which backs off).
    with pytest.raises(RuntimeBusy):
        await runtime.start(name)


async def test_host_info_describes_the_engine_host(runtime: Any) -> None:
    host = await runtime.host_info()
    assert host.name
    assert host.cpus >= 1
    assert host.memory_bytes > 0
    assert host.kernel_version
    assert host.os_image
    assert host.operating_system == "linux"
    assert host.architecture in ("x86_64", "aarch64")
    assert host.runtime_version[:1].isdigit()
    # The engine is on this machine in both cases: its ids and address are readable.
    assert host.boot_id
    assert host.internal_ip is None or not host.internal_ip.startswith("127.")
    assert host.storage_bytes is None or host.storage_bytes > 0


async def test_unreachable_docker() -> None:
    with trio.fail_after(30), pytest.raises(RuntimeUnavailable, match=r"/nonexistent\.sock"):
        async with open_docker_runtime("unix:///nonexistent.sock", concurrency=1):
            pass
