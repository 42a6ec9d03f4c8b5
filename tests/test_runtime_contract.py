"""The `Runtime` contract: the fake and the real Docker adapter pass the same cases."""

from __future__ import annotations

import contextlib
import ipaddress
import os
import re
import secrets
import socket
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import docker
import pytest
import trio
from fakes import FakeRuntime

from mcp import sandbox
from mcp.errors import (
    ImageNotFound,
    NameInUse,
    RuntimeBusy,
    RuntimeRejected,
    RuntimeUnavailable,
)
from mcp.model import ContainerSpec, Port, parse_time
from mcp.runtime import LogQuery, open_docker_runtime
from mcp.sandbox import ContainerConfig, DnsConfig, Mount, PodRef

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


async def test_killed_then_removed_by_hand(
    runtime: Any, name: str, docker_client: docker.DockerClient
) -> None:
    """`docker kill` (the fake's `exit_by_hand` with SIGKILL's 137), then `docker rm -f`
    (its `remove_by_hand`), both behind mcp's back: what the Pod actor's tests do."""
    await runtime.create(name, spec=SLEEPER, labels=LABELS)
    await runtime.start(name)
    if isinstance(runtime, FakeRuntime):
        runtime.exit_by_hand(name, 137)
    else:
        docker_client.api.kill(name)
        await _wait_exited(runtime, name)
    killed = await runtime.inspect(name)
    assert (killed.docker_status, killed.running, killed.exit_code) == ("exited", False, 137)

    if isinstance(runtime, FakeRuntime):
        runtime.remove_by_hand(name)
    else:
        docker_client.api.remove_container(name, force=True)

    assert await runtime.inspect(name) is None
    assert name not in [c.name for c in await runtime.list_managed("test")]


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


# --- Pods: the pod network, the infra image, infra and joined containers -----------------


@pytest.fixture
def names(docker_client: docker.DockerClient) -> Any:
    """A maker of container names for this test; each is force-removed at its end."""
    made: list[str] = []

    def make(role: str) -> str:
        made.append(f"mcp-contract-{role}-{secrets.token_hex(4)}")
        return made[-1]

    yield make
    for made_name in made:
        with contextlib.suppress(docker.errors.NotFound):
            docker_client.api.remove_container(made_name, force=True)


def _free_subnet(docker_client: docker.DockerClient) -> ipaddress.IPv4Network:
    """A /24 no Docker network uses, so tests running at once do not clash."""
    taken = [
        ipaddress.ip_network(config["Subnet"], strict=False)
        for network in docker_client.api.networks()
        for config in (network.get("IPAM") or {}).get("Config") or []
        if config.get("Subnet")
    ]
    while True:
        candidate = ipaddress.IPv4Network(
            (int(ipaddress.IPv4Address("10.192.0.0")) + secrets.randbelow(4096) * 256, 24)
        )
        if not any(candidate.overlaps(other) for other in taken):
            return candidate


@pytest.fixture
def networks(docker_client: docker.DockerClient) -> Any:
    """A maker of (network name, free subnet) pairs for this test; at its end each network
    is removed, with the containers still attached to it."""
    made: list[str] = []

    def make() -> tuple[str, ipaddress.IPv4Network]:
        made.append(f"mcp-contract-net-{secrets.token_hex(4)}")
        return made[-1], _free_subnet(docker_client)

    yield make
    for network in made:
        with contextlib.suppress(docker.errors.NotFound):
            attached = docker_client.api.inspect_network(network).get("Containers") or {}
            for container_id in attached:
                with contextlib.suppress(docker.errors.NotFound):
                    docker_client.api.remove_container(container_id, force=True)
            docker_client.api.remove_network(network)


def _fake(runtime: Any) -> bool:
    return isinstance(runtime, FakeRuntime)


async def _wait_exited(runtime: Any, name: str) -> Any:
    with trio.fail_after(30):
        while (observed := await runtime.inspect(name)).running:  # noqa: ASYNC110  # Docker's state
            await trio.sleep(0.1)
    return observed


def _exec(docker_client: docker.DockerClient, name: str, command: str) -> str:
    """What `docker exec NAME sh -c COMMAND` prints (real Docker only)."""
    created = docker_client.api.exec_create(name, ["sh", "-c", command])
    output: bytes = docker_client.api.exec_start(created)
    return output.decode()


POD_LABELS = {"io.kubernetes.pod.name": "web", "mcp.cluster": "test"}
POD_DNS = DnsConfig(
    servers=("10.96.0.10",), searches=("shop.svc.cluster.local",), options=("ndots:5",)
)
SERVE = "echo hello > /tmp/index.html; exec busybox httpd -f -p {port} -h /tmp"
# Retries while the server comes up; exits 0 once it answered.
FETCH = (
    "i=0; while [ $i -lt 100 ]; do busybox wget -qO- http://localhost:{port}/ && exit 0; "
    "i=$((i+1)); sleep 0.1; done; exit 1"
)


async def _infra(
    runtime: Any, names: Any, network: str, *, hostname: str = "web", ports: Any = ()
) -> str:
    """A created infra container on `network`; returns its id."""
    infra = await runtime.create_infra(
        names("infra"),
        image=await runtime.ensure_infra_image(),
        network=network,
        hostname=hostname,
        labels=POD_LABELS,
        dns=POD_DNS,
        ports=ports,
    )
    return str(infra)


async def _pod(runtime: Any, names: Any, networks: Any, *, hostname: str = "web") -> str:
    """A started infra container on a network of this test's; returns its id."""
    network, subnet = networks()
    await runtime.ensure_pod_network(network, subnet)
    infra = await _infra(runtime, names, network, hostname=hostname)
    await runtime.start(infra)
    return infra


def _host_port(port: int) -> Port:
    return Port.model_validate({"containerPort": 80, "hostPort": port, "hostIP": "127.0.0.1"})


async def test_pod_network_is_made_once_and_reused(
    runtime: Any, networks: Any, docker_client: docker.DockerClient
) -> None:
    network, subnet = networks()
    made = await runtime.ensure_pod_network(network, subnet)
    assert (made.name, made.subnet, made.gateway) == (network, subnet, next(subnet.hosts()))
    again = await runtime.ensure_pod_network(network, subnet)
    assert again == made
    if not _fake(runtime):
        listed = [n for n in docker_client.api.networks(names=[network]) if n["Name"] == network]
        assert [n["Id"] for n in listed] == [made.id]
        assert listed[0]["Labels"] == {"mcp.role": "pod-network"}


async def test_a_pod_network_with_another_subnet_is_refused(runtime: Any, networks: Any) -> None:
    network, subnet = networks()
    await runtime.ensure_pod_network(network, subnet)
    other = ipaddress.IPv4Network((int(subnet.network_address) ^ 0x100, 24))
    with pytest.raises(RuntimeRejected, match=rf"has subnet {subnet}, not {other}"):
        await runtime.ensure_pod_network(network, other)


async def test_a_network_that_is_not_mcps_is_refused(
    runtime: Any, networks: Any, docker_client: docker.DockerClient
) -> None:
    network, subnet = networks()
    if _fake(runtime):
        runtime.add_network(network, str(subnet), labels={})
    else:
        pool = docker.types.IPAMPool(subnet=str(subnet))
        docker_client.api.create_network(network, ipam=docker.types.IPAMConfig(pool_configs=[pool]))
    with pytest.raises(RuntimeRejected, match="not mcp's pod network"):
        await runtime.ensure_pod_network(network, subnet)


async def test_a_subnet_overlapping_another_network_is_refused(runtime: Any, networks: Any) -> None:
    network, subnet = networks()
    await runtime.ensure_pod_network(network, subnet)
    second, _ = networks()
    with pytest.raises(RuntimeRejected, match=rf"subnet {subnet} overlaps"):
        await runtime.ensure_pod_network(second, subnet)


async def test_the_infra_image_is_built_when_missing_and_reused(
    runtime: Any, docker_client: docker.DockerClient, busybox_image: str
) -> None:
    reference = f"mcp-test/infra-{secrets.token_hex(4)}:1"
    foreign = f"mcp-test/not-infra-{secrets.token_hex(4)}:1"
    try:
        assert await runtime.ensure_infra_image(reference) == reference
        if not _fake(runtime):
            built = docker_client.api.inspect_image(reference)
            assert built["Config"]["Entrypoint"] == ["/pause"]
            assert built["Size"] < 4096  # the program alone
        assert await runtime.ensure_infra_image(reference) == reference
        if not _fake(runtime):
            assert docker_client.api.inspect_image(reference)["Id"] == built["Id"]  # not rebuilt

        if _fake(runtime):
            runtime.images.add(foreign)
        else:
            docker_client.api.tag(busybox_image, *foreign.split(":"))
        with pytest.raises(RuntimeRejected, match="not mcp's infra image"):
            await runtime.ensure_infra_image(foreign)
    finally:
        for made in (reference, foreign):
            with contextlib.suppress(docker.errors.ImageNotFound):
                docker_client.api.remove_image(made)


async def test_the_infra_container_holds_the_pods_address_hostname_and_dns(
    runtime: Any, names: Any, networks: Any, docker_client: docker.DockerClient
) -> None:
    network, subnet = networks()
    await runtime.ensure_pod_network(network, subnet)
    infra = await _infra(runtime, names, network)
    assert (await runtime.inspect(infra)).addresses == {}  # given at the start
    await runtime.start(infra)
    started = await runtime.inspect(infra)
    assert started.running
    assert (started.hostname, started.joined) == ("web", None)
    assert started.labels == {**POD_LABELS, "mcp.role": "infra"}  # the image's label too
    address = ipaddress.IPv4Address(started.addresses[network])
    assert address in subnet
    assert address != next(subnet.hosts())  # the gateway's

    app = names("app")
    await runtime.create(app, spec=SLEEPER, labels=LABELS, join=infra)
    await runtime.start(app)
    joined = await runtime.inspect(app)
    assert (joined.joined, joined.addresses, joined.hostname) == (infra, {}, "web")
    if not _fake(runtime):
        assert _exec(docker_client, app, "hostname").strip() == "web"
        resolv = _exec(docker_client, app, "cat /etc/resolv.conf")
        assert "search shop.svc.cluster.local" in resolv
        assert "options ndots:5" in resolv
        # Docker's own resolver answers on a user-defined network, forwarding to 10.96.0.10.
        assert "nameserver 127.0.0.11" in resolv

    with trio.fail_after(30):
        await runtime.stop(app)
    await runtime.start(app)
    assert (await runtime.inspect(infra)).addresses == {network: str(address)}


async def test_joined_containers_reach_each_other_on_localhost(
    runtime: Any, names: Any, networks: Any
) -> None:
    port = 8080
    infra = await _pod(runtime, names, networks)
    server = names("server")
    serving = SLEEPER.model_copy(
        update={
            "args": ["sh", "-c", SERVE.format(port=port)],
            "ports": [Port.model_validate({"containerPort": port})],
        }
    )
    await runtime.create(server, spec=serving, labels=LABELS, join=infra)
    await runtime.start(server)

    client = names("client")
    fetching = SLEEPER.model_copy(update={"args": ["sh", "-c", FETCH.format(port=port)]})
    await runtime.create(client, spec=fetching, labels=LABELS, join=infra)
    await runtime.start(client)
    assert (await _wait_exited(runtime, client)).exit_code == 0

    # From another Pod, localhost is another namespace: nothing listens there.
    elsewhere = await _pod(runtime, names, networks, hostname="other")
    stranger = names("stranger")
    once = f"busybox wget -qO- -T 5 http://localhost:{port}/"
    await runtime.create(
        stranger,
        spec=SLEEPER.model_copy(update={"args": ["sh", "-c", once]}),
        labels=LABELS,
        join=elsewhere,
    )
    await runtime.start(stranger)
    assert (await _wait_exited(runtime, stranger)).exit_code != 0


async def test_the_infra_container_publishes_the_pods_host_ports(
    runtime: Any, names: Any, networks: Any
) -> None:
    """Published on the infra container: the port taken, its start is refused as any."""
    network, subnet = networks()
    await runtime.ensure_pod_network(network, subnet)
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        if _fake(runtime):
            runtime.busy_host_ports.add(port)
        infra = await _infra(runtime, names, network, ports=[_host_port(port)])
        with pytest.raises(RuntimeRejected, match="address already in use"):
            await runtime.start(infra)


@pytest.mark.parametrize("runtime", ["docker"], indirect=True)  # the fake has no network
async def test_a_host_port_of_the_infra_container_reaches_its_pod(
    runtime: Any, names: Any, networks: Any
) -> None:
    network, subnet = networks()
    await runtime.ensure_pod_network(network, subnet)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    infra = await _infra(runtime, names, network, ports=[_host_port(port)])
    await runtime.start(infra)
    server = names("server")
    serving = SLEEPER.model_copy(update={"args": ["sh", "-c", SERVE.format(port=80)]})
    await runtime.create(server, spec=serving, labels=LABELS, join=infra)
    await runtime.start(server)
    with trio.fail_after(30):
        while True:
            try:
                stream = await trio.open_tcp_stream("127.0.0.1", port)
                async with stream:
                    await stream.send_all(b"GET / HTTP/1.0\r\n\r\n")
                    answer = await stream.receive_some(4096)
                if answer.startswith(b"HTTP/1.1 200"):  # busybox httpd answers 1.1
                    break
            except OSError:
                pass
            await trio.sleep(0.1)


async def test_the_infra_container_stops_at_once_and_with_success(
    runtime: Any, names: Any, networks: Any
) -> None:
    infra = await _pod(runtime, names, networks)
    with trio.fail_after(5):  # docker stop would wait 10 s for a program ignoring SIGTERM
        await runtime.stop(infra)
    stopped = await runtime.inspect(infra)
    assert (stopped.docker_status, stopped.exit_code, stopped.addresses) == ("exited", 0, {})


async def test_without_its_infra_container_a_joined_one_has_no_network(
    runtime: Any, names: Any, networks: Any, docker_client: docker.DockerClient
) -> None:
    """Docker keeps a joined container running when the container holding its namespace is
    removed, but takes that namespace's interface away (only `lo` is left), and refuses to
    start it again: the Pod's containers must be made again around a new infra container."""
    infra = await _pod(runtime, names, networks)
    app = names("app")
    await runtime.create(app, spec=SLEEPER, labels=LABELS, join=infra)
    await runtime.start(app)

    await runtime.remove(infra)

    left = await runtime.inspect(app)
    assert (left.running, left.joined) == (True, infra)
    if not _fake(runtime):
        assert _exec(docker_client, app, "ls /sys/class/net").split() == ["lo"]
    with trio.fail_after(30):
        await runtime.stop(app)
    with pytest.raises(RuntimeRejected, match="network namespace it joins is gone"):
        await runtime.start(app)


async def test_joining_a_stopped_infra_container_is_refused(
    runtime: Any, names: Any, networks: Any
) -> None:
    infra = await _pod(runtime, names, networks)
    await runtime.stop(infra)
    app = names("app")
    await runtime.create(app, spec=SLEEPER, labels=LABELS, join=infra)
    with pytest.raises(RuntimeRejected, match="non running container"):
        await runtime.start(app)


async def test_an_infra_container_needs_its_network(runtime: Any, names: Any) -> None:
    infra = await _infra(runtime, names, f"mcp-contract-absent-{secrets.token_hex(4)}")
    with pytest.raises(RuntimeRejected, match=r"network mcp-contract-absent-\w+ not found"):
        await runtime.start(infra)


# --- container logs ------------------------------------------------------------------------


async def _printed(runtime: Any, name: str, lines: list[tuple[str, str]]) -> None:
    """A container that printed `lines` ((stream, text), in this order) and exited."""
    if isinstance(runtime, FakeRuntime):
        await runtime.create(name, spec=SLEEPER, labels=LABELS)
        await runtime.start(name)
        for stream, text in lines:
            runtime.write_log(name, f"{text}\n", stream=stream)
        runtime.exit_by_hand(name)
        return
    # A pause between lines: Docker copies stdout and stderr apart, so only time orders them.
    script = "; ".join(
        f"echo {text}{' >&2' if stream == 'stderr' else ''}; sleep 0.1" for stream, text in lines
    )
    spec = ContainerSpec(image=SLEEPER.image, args=["sh", "-c", script])
    await runtime.create(name, spec=spec, labels=LABELS)
    await runtime.start(name)
    with trio.fail_after(30):
        while (await runtime.inspect(name)).running:  # noqa: ASYNC110  # Docker's state
            await trio.sleep(0.1)


async def _read(runtime: Any, name: str, query: LogQuery) -> bytes:
    with trio.fail_after(30):
        async with runtime.open_logs(name, query) as chunks:
            return b"".join([chunk async for chunk in chunks])


PRINTED = [("stdout", "one"), ("stderr", "two"), ("stdout", "three")]


async def test_logs_merge_output_and_errors_in_the_order_logged(runtime: Any, name: str) -> None:
    await _printed(runtime, name, PRINTED)
    assert await _read(runtime, name, LogQuery()) == b"one\ntwo\nthree\n"
    assert await _read(runtime, name, LogQuery(stderr=False)) == b"one\nthree\n"
    assert await _read(runtime, name, LogQuery(stdout=False)) == b"two\n"


@pytest.mark.parametrize(
    ("tail", "expected"),
    [
        pytest.param(2, b"two\nthree\n", id="last-two"),
        pytest.param(0, b"", id="none"),
        pytest.param(10, b"one\ntwo\nthree\n", id="more-than-there-are"),
    ],
)
async def test_logs_tail(runtime: Any, name: str, tail: int, expected: bytes) -> None:
    await _printed(runtime, name, PRINTED)
    assert await _read(runtime, name, LogQuery(tail=tail)) == expected


async def test_logs_since(runtime: Any, name: str) -> None:
    began = time.time()
    await _printed(runtime, name, PRINTED)
    assert await _read(runtime, name, LogQuery(since=began - 3600)) == b"one\ntwo\nthree\n"
    assert await _read(runtime, name, LogQuery(since=time.time() + 3600)) == b""


STAMPED = re.compile(rb"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z) (.*)")


async def test_logs_with_timestamps_as_the_kubelet_writes_them(runtime: Any, name: str) -> None:
    began = datetime.now(UTC)
    await _printed(runtime, name, PRINTED)
    lines = (await _read(runtime, name, LogQuery(timestamps=True))).splitlines()
    matched = [STAMPED.fullmatch(line) for line in lines]
    assert all(matched), lines
    assert [m.group(2) for m in matched if m] == [b"one", b"two", b"three"]
    for m in matched:
        assert m is not None
        logged = datetime.fromisoformat(m.group(1).decode()[:26] + "+00:00")
        assert began - timedelta(seconds=5) < logged < datetime.now(UTC) + timedelta(seconds=5)


async def test_a_follow_ends_when_the_container_stops(runtime: Any, name: str) -> None:
    if isinstance(runtime, FakeRuntime):
        await runtime.create(name, spec=SLEEPER, labels=LABELS)
        await runtime.start(name)
        runtime.write_log(name, "a\n")
    else:
        spec = ContainerSpec(image=SLEEPER.image, args=["sh", "-c", "echo a; sleep 1; echo b"])
        await runtime.create(name, spec=spec, labels=LABELS)
        await runtime.start(name)
    seen: list[bytes] = []
    with trio.fail_after(30):
        async with runtime.open_logs(name, LogQuery(follow=True)) as chunks:
            async for chunk in chunks:
                seen.append(chunk)
                if isinstance(runtime, FakeRuntime) and b"".join(seen) == b"a\n":
                    runtime.write_log(name, "b\n")
                    runtime.exit_by_hand(name)
    assert b"".join(seen) == b"a\nb\n"


async def test_a_wait_for_a_chunk_cut_short_loses_nothing(
    runtime: Any, name: str, docker_client: docker.DockerClient
) -> None:
    """The API looks up from a silent follow now and then (`podlogs.CLOSING_POLL_S`)."""
    if isinstance(runtime, FakeRuntime):
        await runtime.create(name, spec=SLEEPER, labels=LABELS)
        await runtime.start(name)
    else:
        spec = ContainerSpec(image=SLEEPER.image, args=["sh", "-c", "sleep 1; echo late"])
        await runtime.create(name, spec=spec, labels=LABELS)
        await runtime.start(name)
    with trio.fail_after(30):
        async with runtime.open_logs(name, LogQuery(follow=True)) as chunks:
            with trio.move_on_after(0.3) as waited:
                await anext(chunks)
            assert waited.cancelled_caught
            if isinstance(runtime, FakeRuntime):
                runtime.write_log(name, "late\n")
                runtime.exit_by_hand(name)
            assert b"".join([chunk async for chunk in chunks]) == b"late\n"


async def test_leaving_a_follow_ends_it_and_frees_its_slot(runtime: Any, name: str) -> None:
    """More silent follows than the shared limiter has slots (4 here): other calls still
    go through, and leaving each block ends its stream at once."""
    await runtime.create(name, spec=SLEEPER, labels=LABELS)
    await runtime.start(name)
    opened = trio.Semaphore(0)

    async def follow(cancel_scope: trio.CancelScope) -> None:
        with cancel_scope:
            async with runtime.open_logs(name, LogQuery(follow=True)) as chunks:
                opened.release()
                async for _ in chunks:
                    pass  # it prints nothing
            pytest.fail("a follow of a running container ended by itself")  # pragma: no cover

    scopes = [trio.CancelScope() for _ in range(6)]
    with trio.fail_after(30):
        async with trio.open_nursery() as nursery:
            for scope in scopes:
                nursery.start_soon(follow, scope)
            for _ in scopes:
                await opened.acquire()
            assert runtime.log_streams_open == 6
            assert (await runtime.inspect(name)).running  # the shared slots are free
            left = trio.current_time()
            for scope in scopes:
                scope.cancel()
        assert trio.current_time() - left < 3  # not the LOG_CLOSE_S deadline
        while runtime.log_streams_open:  # noqa: ASYNC110  # freed as each thread ends
            await trio.sleep(0.05)


async def test_logs_of_a_missing_container_are_rejected(runtime: Any, name: str) -> None:
    with pytest.raises(RuntimeRejected, match="No such container"):
        async with runtime.open_logs(name, LogQuery()):
            pass  # pragma: no cover


# --- exec and attach: a process's standard streams ----------------------------------------


async def _output(process: Any) -> dict[int, bytes]:
    """Everything the process writes until its output ends, by stream."""
    seen: dict[int, bytes] = {}
    with trio.fail_after(30):
        while (piece := await process.receive_some()) is not None:
            stream, data = piece
            seen[stream] = seen.get(stream, b"") + data
    return seen


async def _running(runtime: Any, name: str) -> None:
    await runtime.create(name, spec=SLEEPER, labels=LABELS)
    await runtime.start(name)


async def test_exec_runs_a_command_and_reports_its_exit(runtime: Any, name: str) -> None:
    await _running(runtime, name)
    streams = {"stdin": False, "stdout": True, "stderr": True, "tty": False}
    async with runtime.open_exec(name, command=["echo", "hi"], **streams) as process:
        assert not process.tty
        assert await _output(process) == {1: b"hi\n"}
        assert await process.wait_exit() == 0
    script = "echo out; echo err >&2; exit 3"
    async with runtime.open_exec(name, command=["sh", "-c", script], **streams) as process:
        assert await _output(process) == {1: b"out\n", 2: b"err\n"}
        assert await process.wait_exit() == 3


async def test_exec_feeds_stdin_until_it_is_closed(runtime: Any, name: str) -> None:
    await _running(runtime, name)
    streams = {"stdin": True, "stdout": True, "stderr": True, "tty": False}
    async with runtime.open_exec(name, command=["cat"], **streams) as process:
        await process.send_all(b"data\n")
        await process.send_all(b"more\n")
        process.close_stdin()
        process.close_stdin()  # idempotent
        assert await _output(process) == {1: b"data\nmore\n"}
        assert await process.wait_exit() == 0
        with pytest.raises(RuntimeRejected, match="stdin is closed"):
            await process.send_all(b"late\n")


async def test_exec_of_a_command_the_image_lacks_fails_as_docker_says(
    runtime: Any, name: str
) -> None:
    await _running(runtime, name)
    streams = {"stdin": False, "stdout": True, "stderr": True, "tty": False}
    async with runtime.open_exec(name, command=["no-such-tool"], **streams) as process:
        output = await _output(process)
        assert b'"no-such-tool": executable file not found' in output[1]
        assert await process.wait_exit() == 126


async def test_exec_on_a_tty_is_resized_and_unframed(runtime: Any, name: str) -> None:
    await _running(runtime, name)
    streams = {"stdin": True, "stdout": True, "stderr": False, "tty": True}
    script = "sleep 0.5; stty size; echo err >&2"
    async with runtime.open_exec(name, command=["sh", "-c", script], **streams) as process:
        assert process.tty
        await process.resize(111, 33)
        assert await _output(process) == {1: b"33 111\r\nerr\r\n"}
        assert await process.wait_exit() == 0


async def test_exec_needs_a_running_container(runtime: Any, name: str) -> None:
    streams = {"stdin": False, "stdout": True, "stderr": True, "tty": False}
    with pytest.raises(RuntimeRejected):
        async with runtime.open_exec(name, command=["true"], **streams):
            pass
    await runtime.create(name, spec=SLEEPER, labels=LABELS)
    with pytest.raises(RuntimeRejected, match="is not running"):
        async with runtime.open_exec(name, command=["true"], **streams):
            pass


async def test_leaving_an_exec_ends_its_stream_at_once(runtime: Any, name: str) -> None:
    """A read blocked on a silent process is woken when the block is left: no thread stays
    behind (the real adapter's stream threads all come back)."""
    await _running(runtime, name)
    streams = {"stdin": True, "stdout": True, "stderr": True, "tty": False}
    with trio.fail_after(10):
        async with runtime.open_exec(name, command=["sleep", "30"], **streams) as process:
            with trio.move_on_after(0.3):
                await process.receive_some()
        if not _fake(runtime):
            while runtime._stream_limiter.borrowed_tokens:  # noqa: ASYNC110  # threads, not tasks
                await trio.sleep(0.05)


async def test_attach_joins_the_main_process(
    runtime: Any, name: str, docker_client: docker.DockerClient
) -> None:
    if _fake(runtime):
        await runtime.create(name, spec=SLEEPER.model_copy(update={"args": ["cat"]}), labels=LABELS)
        await runtime.start(name)
    else:
        # mcp's specs never keep stdin open; `docker run -i` does, by hand.
        docker_client.api.create_container(
            SLEEPER.image, ["cat"], name=name, labels=LABELS, stdin_open=True
        )
        docker_client.api.start(name)
    async with runtime.open_attach(name, stdin=False, stdout=True, stderr=True) as process:
        assert not process.tty
        assert await process.wait_exit() is None  # it runs on: an attach has no exit to tell
    assert (await runtime.inspect(name)).running  # detached, and it runs on
    async with runtime.open_attach(name, stdin=True, stdout=True, stderr=True) as process:
        await process.send_all(b"x\n")
        with trio.fail_after(30):
            assert await process.receive_some() == (1, b"x\n")
    # Detaching with stdin closes it (Docker's way): `cat` then ends.


async def test_attach_needs_a_running_container(runtime: Any, name: str) -> None:
    streams = {"stdin": False, "stdout": True, "stderr": True}
    with pytest.raises(RuntimeRejected):
        async with runtime.open_attach(name, **streams):
            pass
    await runtime.create(name, spec=SLEEPER, labels=LABELS)
    with pytest.raises(RuntimeRejected, match="is not running"):
        async with runtime.open_attach(name, **streams):
            pass


# --- a Pod's containers: made from a ContainerConfig, images, listed by Pod --------------


def _pod_ref() -> PodRef:
    return PodRef("web", "shop", secrets.token_hex(8))


async def _pod_container(
    runtime: Any, names: Any, networks: Any, config: ContainerConfig
) -> tuple[str, str]:
    """A created container of a new Pod, made from `config`: its name and its infra's id."""
    infra = await _pod(runtime, names, networks)
    name = names("app")
    labels = sandbox.container_labels(_pod_ref(), "app", cluster_id="test")
    await runtime.create_pod_container(name, config, labels=labels, join=infra)
    return name, infra


async def _ran(runtime: Any, names: Any, networks: Any, config: ContainerConfig) -> Any:
    """The Pod container made from `config`, started and run to its end: its last inspect
    and the standard output it logged."""
    name, _ = await _pod_container(runtime, names, networks, config)
    await runtime.start(name)
    exited = await _wait_exited(runtime, name)
    return exited, await _read(runtime, name, LogQuery(stderr=False))


def _script(image: str, script: str, **fields: Any) -> ContainerConfig:
    return ContainerConfig(image=image, entrypoint=("sh", "-c"), command=(script,), **fields)


async def test_a_pod_container_joins_its_pod_and_shows_its_image(
    runtime: Any, names: Any, networks: Any, busybox_image: str
) -> None:
    image = await runtime.image_info(busybox_image)
    assert image is not None
    assert image.id.startswith("sha256:")
    assert busybox_image in image.repo_tags
    assert image.user == ""
    config = ContainerConfig(image=busybox_image, entrypoint=tuple(SLEEP))
    name, infra = await _pod_container(runtime, names, networks, config)

    created = await runtime.inspect(name)
    assert (created.docker_status, created.joined, created.addresses) == ("created", infra, {})
    assert (created.image, created.image_id, created.oom_killed) == (
        busybox_image,
        image.id,
        False,
    )
    assert created.created_at is not None
    assert created.labels["io.kubernetes.container.name"] == "app"

    await runtime.start(name)
    started = await runtime.inspect(name)
    assert (started.running, started.hostname) == (True, "web")  # the infra container's
    assert started.created_at == created.created_at


async def test_an_image_that_is_absent_has_no_info(runtime: Any) -> None:
    assert await runtime.image_info("mcp-test/absent:never") is None
    assert await runtime.image_info(f"mcp-test/absent@sha256:{'0' * 64}") is None


INVALID_REFERENCES = ("mcp-test/UPPER:1", "")


@pytest.mark.parametrize("reference", INVALID_REFERENCES)
async def test_an_invalid_image_reference_is_rejected(runtime: Any, reference: str) -> None:
    """As the kubelet's InvalidImageName: no pull or retry will make it an image."""
    with pytest.raises(RuntimeRejected):
        await runtime.image_info(reference)


async def test_inspect_tells_the_image_and_when_it_was_made(
    runtime: Any, name: str, busybox_image: str
) -> None:
    began = datetime.now(UTC)
    await runtime.create(name, spec=SLEEPER, labels=LABELS)
    image = await runtime.image_info(busybox_image)
    created = await runtime.inspect(name)
    assert (created.image, created.image_id, created.oom_killed) == (busybox_image, image.id, False)
    made = parse_time(created.created_at)
    assert made is not None
    assert began - timedelta(seconds=5) < made < datetime.now(UTC) + timedelta(seconds=5)


async def test_a_pod_container_needs_a_valid_present_image_and_a_free_name(
    runtime: Any, names: Any, networks: Any, busybox_image: str
) -> None:
    config = ContainerConfig(image=busybox_image, entrypoint=tuple(SLEEP))
    name, infra = await _pod_container(runtime, names, networks, config)
    labels = sandbox.container_labels(_pod_ref(), "app", cluster_id="test")
    with pytest.raises(NameInUse):
        await runtime.create_pod_container(name, config, labels=labels, join=infra)
    other = names("absent")
    with pytest.raises(ImageNotFound):
        await runtime.create_pod_container(
            other, ContainerConfig(image=ABSENT.image), labels=labels, join=infra
        )
    for reference in INVALID_REFERENCES:
        with pytest.raises(RuntimeRejected):
            await runtime.create_pod_container(
                other, ContainerConfig(image=reference), labels=labels, join=infra
            )
    assert await runtime.inspect(other) is None


async def test_containers_are_listed_by_pod(runtime: Any, names: Any, networks: Any) -> None:
    network, subnet = networks()
    await runtime.ensure_pod_network(network, subnet)
    pods = [_pod_ref(), _pod_ref()]
    made: dict[str, set[str]] = {}
    for pod in pods:
        infra = await runtime.create_infra(
            names("infra"),
            image=await runtime.ensure_infra_image(),
            network=network,
            hostname="web",
            labels=sandbox.infra_labels(pod, cluster_id="test"),
        )
        app = await runtime.create(
            names("app"),
            spec=SLEEPER,
            labels=sandbox.container_labels(pod, "app", cluster_id="test"),
            join=infra,
        )
        made[pod.uid] = {infra, app}
    for pod in pods:
        listed = await runtime.list_managed("test", pod_uid=pod.uid)
        assert {observed.container_id for observed in listed} == made[pod.uid]
    assert await runtime.list_managed("another-cluster", pod_uid=pods[0].uid) == []


async def test_a_pod_containers_process_runs_as_configured(
    runtime: Any, names: Any, networks: Any, busybox_image: str
) -> None:
    config = _script(
        busybox_image,
        "echo $GREETING; pwd; id -u; id -g; id -G; exit 3",
        env=("GREETING=hello",),
        working_dir="/tmp",
        user="1234:5678",
        group_add=("2000", "3000"),
    )
    exited, output = await _ran(runtime, names, networks, config)
    assert (exited.exit_code, exited.oom_killed) == (3, False)
    assert output == b"hello\n/tmp\n1234\n5678\n5678 2000 3000\n"


async def test_a_pod_container_runs_as_its_images_user_unless_told(
    runtime: Any, names: Any, networks: Any, busybox_image: str, docker_client: docker.DockerClient
) -> None:
    reference = f"mcp-test/busybox-user-{secrets.token_hex(4)}:1"
    if _fake(runtime):
        runtime.images.add(reference)
        runtime.image_users[reference] = "4321:4321"
    else:
        base = names("base")
        docker_client.api.create_container(busybox_image, name=base)
        repository, tag = reference.split(":")
        docker_client.api.commit(base, repository, tag, changes=["USER 4321:4321"])
    try:
        image = await runtime.image_info(reference)
        assert image is not None
        assert (image.user, image.repo_tags) == ("4321:4321", (reference,))
        _, output = await _ran(runtime, names, networks, _script(reference, "id -u; id -g"))
        assert output == b"4321\n4321\n"
        told = _script(reference, "id -u; id -g", user="1000")
        _, output = await _ran(runtime, names, networks, told)
        assert output == b"1000\n0\n"  # a user without a group: no passwd file says one
    finally:
        if not _fake(runtime):
            # This test's containers of the image first: Docker keeps an image in use.
            for made in docker_client.api.containers(all=True, filters={"ancestor": reference}):
                docker_client.api.remove_container(made["Id"], force=True)
            docker_client.api.remove_image(reference)


async def test_a_user_the_image_lacks_refuses_the_start(
    runtime: Any, names: Any, networks: Any, busybox_image: str
) -> None:
    """Docker answers 500, but it is a verdict on this container, not engine trouble."""
    config = _script(busybox_image, "id -u", user="nobody")
    name, _ = await _pod_container(runtime, names, networks, config)
    with pytest.raises(RuntimeRejected, match="unable to find user nobody"):
        await runtime.start(name)


async def test_a_pod_containers_file_systems(
    runtime: Any, names: Any, networks: Any, busybox_image: str, tmp_path: Path
) -> None:
    """Bind mounts read-only or not, a tmpfs, and the rest read-only."""
    given, out = tmp_path / "given", tmp_path / "out"
    given.mkdir()
    out.mkdir()
    (given / "greeting").write_text("hello\n")
    script = (
        "cat /data/greeting; touch /data/new; echo $?; touch /out/made; echo $?; "
        "touch /new; echo $?; touch /scratch/new; echo $?"
    )
    config = _script(
        busybox_image,
        script,
        mounts=(Mount(str(given), "/data", read_only=True), Mount(str(out), "/out")),
        tmpfs=(("/scratch", "size=1m"),),
        read_only_rootfs=True,
    )
    exited, output = await _ran(runtime, names, networks, config)
    assert exited.exit_code == 0
    assert output == b"hello\n1\n0\n1\n0\n"
    assert [path.name for path in out.iterdir()] == ["made"]
    assert [path.name for path in given.iterdir()] == ["greeting"]


CAPABILITIES = "grep CapEff /proc/self/status; grep NoNewPrivs /proc/self/status"


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        pytest.param({}, b"CapEff:\t00000000a80425fb\nNoNewPrivs:\t0\n", id="docker-default"),
        pytest.param(
            {"cap_drop": ("ALL",), "no_new_privileges": True},
            b"CapEff:\t0000000000000000\nNoNewPrivs:\t1\n",
            id="all-dropped",
        ),
        pytest.param(
            {"cap_drop": ("NET_RAW", "chown")},
            b"CapEff:\t00000000a80405fa\nNoNewPrivs:\t0\n",
            id="some-dropped",
        ),
        pytest.param(
            {"user": "1000"}, b"CapEff:\t0000000000000000\nNoNewPrivs:\t0\n", id="not-root"
        ),
    ],
)
async def test_a_pod_containers_privileges(
    runtime: Any,
    names: Any,
    networks: Any,
    busybox_image: str,
    fields: dict[str, Any],
    expected: bytes,
) -> None:
    config = _script(busybox_image, CAPABILITIES, **fields)
    _, output = await _ran(runtime, names, networks, config)
    assert output == expected


async def test_a_pod_container_on_a_tty_logs_one_stream(
    runtime: Any, names: Any, networks: Any, busybox_image: str
) -> None:
    config = _script(busybox_image, "echo out; echo err >&2", tty=True)
    name, _ = await _pod_container(runtime, names, networks, config)
    await runtime.start(name)
    await _wait_exited(runtime, name)
    assert await _read(runtime, name, LogQuery()) == b"out\r\nerr\r\n"
    assert await _read(runtime, name, LogQuery(stdout=False)) == b""


async def test_a_pod_container_past_its_memory_limit_is_oom_killed(
    runtime: Any, names: Any, networks: Any, busybox_image: str
) -> None:
    config = _script(busybox_image, "busybox tail /dev/zero", memory_bytes=8 * 1024**2)
    exited, _ = await _ran(runtime, names, networks, config)
    assert (exited.exit_code, exited.oom_killed) == (137, True)


@pytest.mark.parametrize("runtime", ["docker"], indirect=True)  # what Docker was told
async def test_a_pod_container_is_made_as_configured(
    runtime: Any, names: Any, networks: Any, docker_client: docker.DockerClient, tmp_path: Path
) -> None:
    config = ContainerConfig(
        image=SLEEPER.image,
        entrypoint=("sh", "-c"),
        command=("sleep 600",),
        env=("A=1", "B=two words"),
        working_dir="/tmp",
        mounts=(Mount(str(tmp_path), "/data", read_only=True),),
        tmpfs=(("/scratch", "size=1m"),),
        memory_bytes=64 * 1024**2,
        cpu_quota=50_000,
        cpu_period=100_000,
        cpu_shares=512,
        user="1000:1000",
        group_add=("2000",),
        read_only_rootfs=True,
        cap_drop=("ALL",),
        no_new_privileges=True,
        stdin_open=True,
        stdin_once=True,
        tty=True,
        log_max_size="1m",
        log_max_files=2,
    )
    name, infra = await _pod_container(runtime, names, networks, config)
    attrs = docker_client.api.inspect_container(name)
    made, host = attrs["Config"], attrs["HostConfig"]
    assert (made["Entrypoint"], made["Cmd"]) == (["sh", "-c"], ["sleep 600"])
    assert made["Env"][:2] == ["A=1", "B=two words"]  # then the image's PATH
    assert (made["WorkingDir"], made["User"]) == ("/tmp", "1000:1000")
    assert (made["OpenStdin"], made["StdinOnce"], made["Tty"]) == (True, True, True)
    assert host["NetworkMode"] == f"container:{infra}"
    assert host["Mounts"] == [
        {"Type": "bind", "Source": str(tmp_path), "Target": "/data", "ReadOnly": True}
    ]
    assert host["Tmpfs"] == {"/scratch": "size=1m"}
    assert (host["Memory"], host["MemorySwap"]) == (64 * 1024**2, 64 * 1024**2)
    assert (host["CpuQuota"], host["CpuPeriod"], host["CpuShares"]) == (50_000, 100_000, 512)
    assert host["GroupAdd"] == ["2000"]
    assert host["ReadonlyRootfs"] is True
    assert host["CapDrop"] == ["ALL"]
    assert host["SecurityOpt"] == ["no-new-privileges"]
    assert host["LogConfig"] == {
        "Type": "json-file",
        "Config": {"max-size": "1m", "max-file": "2"},
    }
    assert host["PortBindings"] in (None, {})


@pytest.mark.parametrize("runtime", ["docker"], indirect=True)  # the fake has no event stream
async def test_events_name_the_container_and_the_pod_they_are_about(
    runtime: Any, names: Any, networks: Any, busybox_image: str
) -> None:
    cluster = f"contract-{secrets.token_hex(4)}"  # no one else's events
    infra = await _pod(runtime, names, networks)
    pod = _pod_ref()
    names_send, names_receive = trio.open_memory_channel[str](16)
    pods_send, pods_receive = trio.open_memory_channel[sandbox.PodNews](16)
    with trio.fail_after(30):
        async with trio.open_nursery() as nursery:
            nursery.start_soon(runtime.follow_events, cluster, names_send, pods_send)
            await trio.sleep(0.5)  # the stream is open (Docker sends nothing before)
            made = await runtime.create_pod_container(
                names("app"),
                ContainerConfig(image=busybox_image),
                labels=sandbox.container_labels(pod, "app", cluster_id=cluster),
                join=infra,
            )
            assert await pods_receive.receive() == sandbox.PodNews(pod, made, "create")
            await runtime.create(
                names("object"),
                spec=SLEEPER,
                labels={**LABELS, "mcp.cluster": cluster, "mcp.name": "web-object"},
            )
            assert await names_receive.receive() == "web-object"
            nursery.cancel_scope.cancel()
    with pytest.raises(trio.WouldBlock):
        names_receive.receive_nowait()  # the Pod's container has no mcp object
    with pytest.raises(trio.WouldBlock):
        pods_receive.receive_nowait()  # nor the mcp object's a Pod
