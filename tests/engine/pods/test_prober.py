"""The prober of a Pod: workers started and stopped by `sync`, exec probes through the
Runtime (FakeRuntime under trio's MockClock, and once a real busybox container), HTTP and
TCP probes against servers on 127.0.0.1 (the Pod's IP here), results, nudges and events.
"""

from __future__ import annotations

import contextlib
import functools
import os
import secrets
import socket
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import docker
import h11
import pytest
import trio
import trio.testing
from fakes import FakeRuntime

from mcp.engine.pods.containers import ProbeResults
from mcp.engine.pods.prober import Prober, RunningContainer, open_prober
from mcp.model import ContainerSpec
from mcp.process_io import ProcessStream
from mcp.runtime import open_docker_runtime

T0 = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)
IMAGE = "mcp-test/busybox:latest"
SLEEP = ["sh", "-c", "trap 'exit 0' TERM; sleep 600 & wait"]


def exec_probe(script: str, **timings: Any) -> dict[str, Any]:
    return {"exec": {"command": ["sh", "-c", script]}, **timings}


def app(name: str = "app", **probes: dict[str, Any]) -> dict[str, Any]:
    """A container with probes: `liveness=exec_probe("exit 1")`..."""
    spec: dict[str, Any] = {"name": name, "image": IMAGE}
    spec.update({f"{kind}Probe": probe for kind, probe in probes.items()})
    return spec


def pod(*containers: dict[str, Any], **more: Any) -> dict[str, Any]:
    return {
        "metadata": {"name": "web", "namespace": "default", "uid": "u-1", **more.pop("meta", {})},
        "spec": {"containers": list(containers)},
        **more,
    }


@dataclass
class Seen:
    """What the prober told the Pod actor, with trio's clock."""

    events: list[tuple[float, str, str, str]] = field(default_factory=list)
    nudges: list[float] = field(default_factory=list)

    def record(self, reason: str, message: str, container: str, type_: str) -> None:
        assert type_ == "Warning"
        self.events.append((trio.current_time(), reason, message, container))

    def nudge(self) -> None:
        self.nudges.append(trio.current_time())

    def messages(self) -> list[str]:
        return [message for _, _, message, _ in self.events]


@asynccontextmanager
async def probing(
    runtime: Any,
    *,
    limiter: trio.CapacityLimiter | None = None,
    jitter: float = 0.0,
    wall_clock: Callable[[], datetime] = lambda: T0,
) -> AsyncIterator[tuple[Prober, Seen]]:
    seen = Seen()
    async with open_prober(
        runtime,
        limiter=limiter or trio.CapacityLimiter(4),
        nudge=seen.nudge,
        record=seen.record,
        jitter=lambda: jitter,
        wall_clock=wall_clock,
    ) as prober:
        yield prober, seen


async def fake_running(runtime: FakeRuntime, name: str = "k8s_app") -> str:
    container_id = await runtime.create(name, spec=ContainerSpec(image=IMAGE), labels={})
    await runtime.start(name)
    return container_id


Fake = tuple[FakeRuntime, str]


@pytest.fixture
async def fake() -> Fake:
    """A FakeRuntime with a running container, and the container's id."""
    runtime = FakeRuntime()
    return runtime, await fake_running(runtime)


def running(container_id: str, *, started_at: datetime = T0, ip: str = "127.0.0.1") -> Any:
    return {"app": RunningContainer(container_id, started_at, ip)}


def execs(runtime: FakeRuntime) -> int:
    return sum(call.startswith("exec ") for call in runtime.calls)


# --- exec probes, on the fake ------------------------------------------------------------


async def test_readiness_is_false_until_its_first_success(fake: Fake, autojump_clock: Any) -> None:
    runtime, container_id = fake
    async with probing(runtime) as (prober, seen):
        spec = pod(app(readiness=exec_probe("exit 0")))
        assert prober.results("app") == ProbeResults()
        prober.sync(spec, running(container_id))
        assert prober.results("app") == ProbeResults(started=True, ready=False)
        await trio.sleep(0.5)
        assert prober.results("app") == ProbeResults(started=True, ready=True)
        assert seen.nudges == [0.0]
        await trio.sleep(30)
    assert execs(runtime) == 4  # at 0, 10, 20 and 30 s
    assert seen.events == []


async def test_liveness_failing_past_its_threshold_asks_for_a_restart(
    fake: Fake, autojump_clock: Any
) -> None:
    runtime, container_id = fake
    spec = pod(app(liveness=exec_probe("echo sick; exit 1", failureThreshold=3)))
    async with probing(runtime) as (prober, seen):
        prober.sync(spec, running(container_id))
        await trio.sleep(19)
        assert prober.must_restart("app") is None
        await trio.sleep(2)
        assert prober.must_restart("app") == "Container app failed liveness probe"
        assert seen.nudges == [20.0]
        await trio.sleep(60)  # on hold: no more runs
        assert [(at, reason, message) for at, reason, message, _ in seen.events] == [
            (at, "Unhealthy", "Liveness probe failed: sick\n") for at in (0.0, 10.0, 20.0)
        ]
        # The actor restarts it: a new container id, fresh workers.
        restarted = await fake_running(runtime, "k8s_app_1")
        prober.sync(spec, running(restarted))
        assert prober.must_restart("app") is None
        await trio.sleep(0.5)
        assert len(seen.events) == 4


async def test_the_kill_takes_the_failed_probes_grace_period(
    fake: Fake, autojump_clock: Any
) -> None:
    runtime, container_id = fake
    probe = exec_probe("exit 1", failureThreshold=1, terminationGracePeriodSeconds=3)
    spec = pod(app(liveness=probe))
    spec["spec"]["terminationGracePeriodSeconds"] = 60
    async with probing(runtime) as (prober, _):
        prober.sync(spec, running(container_id))
        assert prober.kill_grace_s(spec, "app") == 60
        await trio.sleep(0.5)
        assert prober.kill_grace_s(spec, "app") == 3


async def test_an_exec_probe_past_its_timeout_fails(fake: Fake, autojump_clock: Any) -> None:
    runtime, container_id = fake
    spec = pod(app(liveness=exec_probe("sleep 5", timeoutSeconds=1, failureThreshold=1)))
    async with probing(runtime) as (prober, seen):
        prober.sync(spec, running(container_id))
        await trio.sleep(1.5)
        assert seen.events == [
            (1.0, "Unhealthy", 'Liveness probe failed: command "sh -c sleep 5" timed out', "app")
        ]
        assert prober.must_restart("app") == "Container app failed liveness probe"


async def test_the_output_is_stdout_then_stderr(fake: Fake, autojump_clock: Any) -> None:
    runtime, container_id = fake
    script = "echo really >&2; echo not ready; exit 1"
    async with probing(runtime) as (prober, seen):
        prober.sync(pod(app(readiness=exec_probe(script))), running(container_id))
        await trio.sleep(0.5)
    assert seen.messages() == ["Readiness probe failed: not ready\nreally\n"]


async def test_a_failing_startup_probe_keeps_the_others_waiting(
    fake: Fake, autojump_clock: Any
) -> None:
    runtime, container_id = fake
    spec = pod(
        app(
            startup=exec_probe("exit 1", failureThreshold=3),
            liveness=exec_probe("exit 1", failureThreshold=1),
            readiness=exec_probe("exit 0"),
        )
    )
    async with probing(runtime) as (prober, seen):
        prober.sync(spec, running(container_id))
        await trio.sleep(25)
        assert prober.results("app") == ProbeResults(started=False, ready=False)
        assert prober.must_restart("app") == "Container app failed startup probe"
    assert seen.messages() == ["Startup probe failed: "] * 3
    assert execs(runtime) == 3


async def test_startup_success_runs_readiness_at_once(fake: Fake, autojump_clock: Any) -> None:
    runtime, container_id = fake
    spec = pod(
        app(
            startup=exec_probe("exit 0", initialDelaySeconds=5),
            readiness=exec_probe("exit 0", periodSeconds=30),
        )
    )
    async with probing(runtime) as (prober, seen):
        prober.sync(spec, running(container_id))
        await trio.sleep(9)
        assert prober.results("app") == ProbeResults(started=False, ready=False)
        await trio.sleep(2)  # startup ran at 10 s (its first tick after 5 s), readiness too
        assert prober.results("app") == ProbeResults(started=True, ready=True)
    assert seen.nudges == [10.0, 10.0]


async def test_a_container_gone_or_restarted_stops_its_workers(
    fake: Fake, autojump_clock: Any
) -> None:
    runtime, container_id = fake
    spec = pod(app(readiness=exec_probe("exit 0")))
    async with probing(runtime) as (prober, _):
        prober.sync(spec, running(container_id))
        await trio.sleep(0.5)
        assert prober.results("app").ready
        prober.sync(spec, {})
        assert prober.results("app") == ProbeResults()
        await trio.sleep(60)
        assert execs(runtime) == 1
        restarted = await fake_running(runtime, "k8s_app_1")
        prober.sync(spec, running(restarted))
        assert prober.results("app") == ProbeResults(started=True, ready=False)


async def test_deleting_stops_liveness_and_forgets_its_failure(
    fake: Fake, autojump_clock: Any
) -> None:
    runtime, container_id = fake
    spec = pod(
        app(liveness=exec_probe("exit 1", failureThreshold=1), readiness=exec_probe("exit 0"))
    )
    async with probing(runtime) as (prober, seen):
        prober.sync(spec, running(container_id))
        await trio.sleep(0.5)
        assert prober.must_restart("app") is not None
        deleting = {
            **spec,
            "metadata": {**spec["metadata"], "deletionTimestamp": "2026-07-01T12:00:01Z"},
        }
        prober.sync(deleting, running(container_id))
        assert prober.must_restart("app") is None
        await trio.sleep(20)
    assert seen.messages() == ["Liveness probe failed: "]
    assert execs(runtime) == 4  # liveness once; readiness at 0, 10 and 20 s


async def test_an_errored_probe_is_recorded_and_thrown_away(
    fake: Fake, autojump_clock: Any
) -> None:
    runtime, container_id = fake
    runtime.exit_by_hand("k8s_app")  # Docker says it stopped; the actor has not seen it yet
    async with probing(runtime) as (prober, seen):
        prober.sync(pod(app(readiness=exec_probe("exit 0"))), running(container_id))
        await trio.sleep(0.5)
        assert prober.results("app") == ProbeResults(started=True, ready=False)
    assert seen.messages() == [
        f"Readiness probe errored and resulted in unknown state: Container {container_id} "
        "is not running"
    ]
    assert execs(runtime) == 3  # runProbeWithRetries
    assert seen.nudges == []


class CountingRuntime(FakeRuntime):
    """Counts the execs running at once, per container."""

    def __init__(self) -> None:
        super().__init__()
        self.now: dict[str, int] = {}
        self.most = 0

    @asynccontextmanager
    async def open_exec(self, container: str, **kwargs: Any) -> AsyncIterator[ProcessStream]:
        self.now[container] = self.now.get(container, 0) + 1
        self.most = max(self.most, self.now[container])
        try:
            async with super().open_exec(container, **kwargs) as process:
                yield process
        finally:
            self.now[container] -= 1


async def test_a_containers_probes_run_one_at_a_time(autojump_clock: Any) -> None:
    runtime = CountingRuntime()
    container_id = await fake_running(runtime)
    slow = exec_probe("sleep 0.6", timeoutSeconds=1, periodSeconds=1)
    async with probing(runtime) as (prober, seen):
        prober.sync(pod(app(liveness=slow, readiness=slow)), running(container_id))
        await trio.sleep(10)
        assert prober.results("app").ready
    assert runtime.most == 1
    assert seen.events == []


async def test_exec_probes_take_the_callers_limiter(fake: Fake, autojump_clock: Any) -> None:
    runtime, container_id = fake
    limiter = trio.CapacityLimiter(1)
    async with probing(runtime, limiter=limiter) as (prober, _):
        await limiter.acquire()
        prober.sync(pod(app(readiness=exec_probe("exit 0"))), running(container_id))
        await trio.sleep(5)
        assert execs(runtime) == 0
        limiter.release()
        await trio.sleep(0.5)
        assert prober.results("app").ready


async def test_an_adopted_container_stays_ready_and_is_probed_after_a_jitter(
    fake: Fake, autojump_clock: Any
) -> None:
    runtime, container_id = fake
    spec = pod(
        app(readiness=exec_probe("exit 1", failureThreshold=1)),
        status={"conditions": [{"type": "Ready", "status": "True"}]},
    )
    async with probing(runtime, jitter=0.5) as (prober, seen):
        prober.sync(spec, running(container_id, started_at=T0 - timedelta(hours=1)))
        await trio.sleep(4.9)
        assert prober.results("app") == ProbeResults(started=True, ready=True)
        await trio.sleep(0.2)
        assert prober.results("app") == ProbeResults(started=True, ready=False)
    assert [at for at, *_ in seen.events] == [5.0]


# --- network probes, against 127.0.0.1 ----------------------------------------------------


@asynccontextmanager
async def statuses(codes: Sequence[int]) -> AsyncIterator[int]:
    """An HTTP server answering each request with the next of `codes` (then the last)."""
    left = list(codes)

    async def handle(stream: trio.SocketStream) -> None:
        with contextlib.suppress(trio.BrokenResourceError):
            async with stream:
                connection = h11.Connection(h11.SERVER)
                while not isinstance(connection.next_event(), h11.Request):
                    connection.receive_data(await stream.receive_some(4096))
                code = left.pop(0) if len(left) > 1 else left[0]
                await stream.send_all(f"HTTP/1.1 {code} X\r\nContent-Length: 0\r\n\r\n".encode())

    async with trio.open_nursery() as nursery:
        serve = functools.partial(trio.serve_tcp, handle, 0, host="127.0.0.1")
        listeners = await nursery.start(serve)
        yield listeners[0].socket.getsockname()[1]
        nursery.cancel_scope.cancel()


async def until(done: Callable[[], bool]) -> None:
    # Polling on purpose: results are read as the actor reads them, and an errored run
    # records an event without a nudge.
    with trio.fail_after(30):
        while not done():  # noqa: ASYNC110
            await trio.sleep(0.01)


async def test_http_readiness_on_a_named_port() -> None:
    async with statuses([500, 200]) as port:
        spec = app(readiness={"httpGet": {"path": "/ready", "port": "http"}, "periodSeconds": 1})
        spec["ports"] = [{"name": "http", "containerPort": port}]
        async with probing(FakeRuntime()) as (prober, seen):
            prober.sync(pod(spec), running("c0ffee"))
            await until(lambda: prober.results("app").ready is True)
    assert seen.messages() == ["Readiness probe failed: HTTP probe failed with statuscode: 500"]


async def test_tcp_liveness_of_a_port_nothing_listens_on() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    spec = app(liveness={"tcpSocket": {"port": port}, "failureThreshold": 1})
    async with probing(FakeRuntime()) as (prober, seen):
        prober.sync(pod(spec), running("c0ffee"))
        await until(lambda: prober.must_restart("app") is not None)
    text = f"Liveness probe failed: dial tcp 127.0.0.1:{port}: connect: connection refused"
    assert seen.messages() == [text]


async def test_a_port_that_resolves_to_none_errors() -> None:
    spec = app(readiness={"tcpSocket": {"port": "metrics"}})
    async with probing(FakeRuntime()) as (prober, seen):
        prober.sync(pod(spec), running("c0ffee"))
        await until(lambda: bool(seen.events))
    assert seen.messages() == [
        'Readiness probe errored and resulted in unknown state: strconv.Atoi: parsing "metrics": '
        "invalid syntax"
    ]


# --- a real container ---------------------------------------------------------------------


@pytest.fixture
def busybox(docker_client: docker.DockerClient, busybox_image: str) -> Any:
    name = f"mcp-prober-{secrets.token_hex(4)}"
    container = docker_client.containers.run(busybox_image, SLEEP, name=name, detach=True)
    yield container.id
    with contextlib.suppress(docker.errors.NotFound):
        docker_client.api.remove_container(name, force=True)


async def test_exec_probes_on_docker(busybox: str) -> None:
    host = os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock")
    spec = app(
        readiness=exec_probe("echo out; echo err >&2; exit 3"),
        liveness={"exec": {"command": ["true"]}, "failureThreshold": 1},
    )
    now = functools.partial(datetime.now, UTC)
    async with (
        open_docker_runtime(host, concurrency=4) as runtime,
        probing(runtime, wall_clock=now) as (prober, seen),
    ):
        prober.sync(pod(spec), running(busybox, started_at=now()))
        await until(lambda: bool(seen.events))
        await trio.sleep(0.5)  # liveness's run, at the same time
        assert prober.results("app") == ProbeResults(started=True, ready=False)
        assert prober.must_restart("app") is None
    assert seen.messages() == ["Readiness probe failed: out\nerr\n"]
