"""The prober of one Pod: a worker per probe of each of its running containers, on trio.

A port of the kubelet's prober manager and workers (pkg/kubelet/prober: `AddPod`,
`worker.run`, `worker.doProbe`, `prober.runProbeWithRetries` and the probe actions), with
the decisions in `probing` and the network probes in `net_probes`. The Pod actor owns the
prober (`open_prober`), tells it what runs (`Prober.sync`, each pass, without awaiting)
and reads its results for the status (`results`) and the kills (`must_restart`).

Workers run in the nursery `open_prober` opens, and nothing else starts there; leaving
its block cancels them all. A worker belongs to one container attempt: `sync` cancels it
when the container is gone or restarted (a new container id). A container's probes run
one at a time (a lock per attempt), each run under its `timeoutSeconds`; an exec probe's
Docker calls (exec create and start, then the exit code) take the caller's limiter,
which keeps probes from starving the Docker calls of other Pods. Network probes take no
token: they leave the host for the Pod's IP, not for Docker.

When a result changes (started, ready, liveness or startup failed) the prober calls
`nudge`, so the actor runs a pass; it `record`s the kubelet's Unhealthy (and
ProbeWarning) Warning events for every failed run, while the failure lasts (the event
writer folds repeats as client-go does). It never writes a status and never stops a
container: that is the actor's, on `must_restart`.
"""

from __future__ import annotations

import contextlib
import random
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import trio

from mcp import logs
from mcp.engine.pods import net_probes, probing
from mcp.engine.pods.conditions import dict_of, dicts_of, format_pod
from mcp.engine.pods.containers import ProbeResults
from mcp.engine.pods.env import expand, mapping_for
from mcp.engine.pods.probing import Kind, Outcome, Verdict
from mcp.errors import RuntimeBusy, RuntimeRejected, RuntimeUnavailable
from mcp.events import EventType
from mcp.kinds.apimachinery import go_quote
from mcp.process_io import ProcessStream
from mcp.runtime import Runtime
from mcp.stdcopy import STDERR, STDOUT

MAX_EXEC_OUTPUT = 10 * 1024  # exec.go's maxReadLength: stdout, then stderr, cut there

Record = Callable[[str, str, str, EventType], None]  # reason, message, container, type


@dataclass(frozen=True)
class RunningContainer:
    """A container of the Pod that runs: its Docker container id, when it started, and the
    Pod's IP (the probes' host)."""

    container_id: str
    started_at: datetime
    pod_ip: str


def _now() -> datetime:
    return datetime.now(UTC)


class _Trigger:
    """A worker's manual run (upstream's `manualTriggerCh`, a buffer of one): fired any
    number of times, it wakes the worker once."""

    def __init__(self) -> None:
        self._event = trio.Event()

    def fire(self) -> None:
        self._event.set()

    async def wait(self) -> None:
        await self._event.wait()
        self._event = trio.Event()  # no await between: a fire after this wakes the next wait


@dataclass(eq=False)
class _Tracked:
    """One running container attempt: its memory (a value, replaced after each run), the
    cancel scopes and triggers of its workers, the lock that keeps its probes apart."""

    container_id: str
    spec: dict[str, Any]
    attempt: probing.Attempt
    started: float  # trio's clock when the container started
    pod_ip: str
    scopes: dict[Kind, trio.CancelScope] = field(default_factory=dict)
    triggers: dict[Kind, _Trigger] = field(default_factory=dict)
    lock: trio.Lock = field(default_factory=trio.Lock)

    def stop(self, *kinds: Kind) -> None:
        """Cancel the workers of `kinds` (all without), and forget their results."""
        for kind in kinds or tuple(self.scopes):
            if kind in self.scopes:
                self.scopes.pop(kind).cancel()
        self.attempt = self.attempt.without(*(kinds or tuple(Kind)))

    def view(self) -> tuple[ProbeResults, str | None]:
        return self.attempt.results(), self.attempt.must_restart()


class Prober:
    """The probe workers of one Pod's containers; made by `open_prober`."""

    def __init__(
        self,
        runtime: Runtime,
        nursery: trio.Nursery,
        *,
        limiter: trio.CapacityLimiter,
        nudge: Callable[[], None],
        record: Record,
        jitter: Callable[[], float],
        wall_clock: Callable[[], datetime],
    ) -> None:
        self._runtime = runtime
        # open_prober's nursery, for `sync` to start workers in without awaiting: its
        # owner is open_prober, which cancels it when its block ends.
        self._nursery = nursery
        self._limiter = limiter
        self._nudge = nudge
        self._record = record
        self._jitter = jitter
        self._wall_clock = wall_clock
        self._opened = wall_clock()
        self._tracked: dict[str, _Tracked] = {}
        self._pod = "?"  # format.Pod: name_namespace(uid), for a missing handler's error
        self._log = logs.get(actor="prober")

    def sync(self, pod: Mapping[str, Any], running: Mapping[str, RunningContainer]) -> None:
        """Start the workers of containers (by name) newly running with probes, and stop
        those of containers gone or restarted (a new container id); in a Pod being
        deleted, stop the liveness and startup workers (`StopLivenessAndStartup`).

        Args:
            pod: the Pod as stored (its spec, and its last status for adopted attempts).
            running: the Pod's containers that run now, by name.
        """
        metadata = dict_of(pod.get("metadata"))
        name, namespace = metadata.get("name"), metadata.get("namespace")
        self._pod = format_pod(pod)
        self._log = logs.get(actor="prober", pod=f"{namespace}/{name}")
        specs = probing.probed_containers(pod)
        deleting, pod_ready = probing.deleting(pod), probing.pod_is_ready(pod)
        for container_name, tracked in list(self._tracked.items()):
            current = running.get(container_name)
            if (
                current is None
                or current.container_id != tracked.container_id
                or container_name not in specs
            ):
                tracked.stop()
                del self._tracked[container_name]
        for container_name, container in running.items():
            spec = specs.get(container_name)
            if spec is None or not probing.probes_of(spec):
                continue
            tracked = self._tracked.get(container_name) or self._start(
                pod, container_name, spec, container, deleting=deleting
            )
            tracked.pod_ip = container.pod_ip
            tracked.attempt = replace(tracked.attempt, pod_ready=pod_ready)
            if deleting:
                tracked.stop(Kind.LIVENESS, Kind.STARTUP)

    def results(self, name: str) -> ProbeResults:
        """The results of container `name` for its status (`UpdatePodStatus`); none for a
        container the prober does not probe."""
        tracked = self._tracked.get(name)
        return tracked.attempt.results() if tracked else ProbeResults()

    def must_restart(self, name: str) -> str | None:
        """The Killing event's message once container `name`'s liveness (or startup) probe
        failed past its threshold (`Container app failed liveness probe`), until `sync`
        sees a new container id; else None."""
        tracked = self._tracked.get(name)
        return tracked.attempt.must_restart() if tracked else None

    def kill_grace_s(self, pod: Mapping[str, Any], name: str) -> int:
        """The grace period of the kill `must_restart(name)` asks for: the failed probe's
        `terminationGracePeriodSeconds`, else the Pod's (`setTerminationGracePeriod`)."""
        tracked = self._tracked.get(name)
        failed = tracked.attempt.failed() if tracked else None
        spec = probing.probed_containers(pod).get(name, {})
        return probing.grace_period_s(pod, spec, failed)

    def _start(
        self,
        pod: Mapping[str, Any],
        name: str,
        spec: dict[str, Any],
        container: RunningContainer,
        *,
        deleting: bool,
    ) -> _Tracked:
        now = self._wall_clock()
        # kubeletRestartGracePeriod: running since well before the prober opened.
        adopted = container.started_at < self._opened - timedelta(seconds=probing.RESTART_GRACE_S)
        attempt = probing.Attempt.begin(
            name,
            spec,
            adopted=adopted,
            remembered_started=probing.remembered_started(pod, name, container.container_id),
            deleting=deleting,
        )
        started = trio.current_time() - (now - container.started_at).total_seconds()
        tracked = _Tracked(container.container_id, spec, attempt, started, container.pod_ip)
        self._tracked[name] = tracked
        for kind in attempt.kinds():
            tracked.scopes[kind] = trio.CancelScope()
            tracked.triggers[kind] = _Trigger()
            self._nursery.start_soon(self._work, tracked, kind)
        return tracked

    async def _work(self, tracked: _Tracked, kind: Kind) -> None:
        """`worker.run`: probe now, then at every tick of the period (or a manual run),
        until the worker is on hold or cancelled."""
        worker = tracked.attempt.worker(kind)
        scope = tracked.scopes.get(kind)
        if worker is None or scope is None:
            return  # stopped before it began
        with scope:
            period = worker.probe.period_s
            adopted = tracked.attempt.adopted
            await trio.sleep(
                probing.first_delay_s(worker.probe, adopted=adopted, jitter=self._jitter())
            )
            tick = trio.current_time()
            while await self._do_probe(tracked, kind, scope):
                when, tick = probing.next_tick(tick, period, trio.current_time())
                with trio.move_on_at(when):
                    await tracked.triggers[kind].wait()
                    tick = trio.current_time()  # a manual run resets the ticker

    async def _do_probe(self, tracked: _Tracked, kind: Kind, scope: trio.CancelScope) -> bool:
        """`worker.doProbe`: one run if it is due, its result counted, the event recorded.
        Returns whether the worker goes on."""
        async with tracked.lock:
            running_for = trio.current_time() - tracked.started
            if tracked.attempt.due(kind, running_for_s=running_for):
                outcome = await self._run(tracked, kind)
            else:
                outcome = None
        worker = tracked.attempt.worker(kind)
        if outcome is None or scope.cancel_called:
            return worker is not None and not worker.on_hold
        judged = probing.judge(kind, outcome)
        name = tracked.attempt.name
        if judged.event is not None:
            self._record(judged.event.reason, judged.event.message, name, "Warning")
        before = tracked.view()
        tracked.attempt = tracked.attempt.observed(kind, judged.result)
        after = tracked.view()
        if after != before:
            self._log.info(
                "probe_result_changed",
                container=name,
                probe=kind.value,
                started=after[0].started,
                ready=after[0].ready,
                failed=after[1],
            )
            if after[0].started and not before[0].started and Kind.READINESS in tracked.triggers:
                tracked.triggers[Kind.READINESS].fire()  # UpdatePodStatus's manual run
            self._nudge()
        worker = tracked.attempt.worker(kind)
        return worker is not None and not worker.on_hold

    async def _run(self, tracked: _Tracked, kind: Kind) -> Outcome:
        """`runProbeWithRetries`: the handler, run again (up to three times in all) while
        it errors."""
        probe = dict_of(tracked.spec.get(kind.field))
        timeout_s = probing.Probe.of(kind, probe).timeout_s
        outcome = Outcome(Verdict.UNKNOWN, error="never run")
        for _ in range(probing.MAX_PROBE_RETRIES):
            outcome = await self._handle(tracked, probe, timeout_s)
            if outcome.error is None:
                break
        return outcome

    async def _handle(self, tracked: _Tracked, probe: dict[str, Any], timeout_s: int) -> Outcome:
        """`newProberAction`'s action for the probe's handler, run once."""
        spec, pod_ip = tracked.spec, tracked.pod_ip
        if isinstance(probe.get("exec"), dict):
            # ExpandContainerCommandOnlyStatic: $(VAR) from the env's plain values only.
            values = {
                str(e.get("name")): str(e.get("value") or "") for e in dicts_of(spec.get("env"))
            }
            command = [
                expand(str(word), mapping_for(values))
                for word in probe["exec"].get("command") or []
            ]
            return await self._exec(tracked.container_id, command, timeout_s)
        if not pod_ip:
            # Upstream would dial an empty host, which is the mcp host itself: refused.
            return Outcome(Verdict.UNKNOWN, error="the Pod has no IP address yet")
        if isinstance(probe.get("httpGet"), dict):
            try:
                request = net_probes.http_request(probe["httpGet"], spec, pod_ip)
            except ValueError as exc:
                return Outcome(Verdict.UNKNOWN, error=str(exc))
            return await net_probes.http_get(request, timeout_s)
        if isinstance(probe.get("tcpSocket"), dict):
            action = probe["tcpSocket"]
            try:
                port = net_probes.resolve_port(action.get("port"), spec)
            except ValueError as exc:
                return Outcome(Verdict.UNKNOWN, error=str(exc))
            return await net_probes.tcp_connect(str(action.get("host") or pod_ip), port, timeout_s)
        if isinstance(probe.get("grpc"), dict):
            action = probe["grpc"]
            port = action.get("port")
            if not isinstance(port, int) or isinstance(port, bool):
                return Outcome(Verdict.UNKNOWN, error=f"invalid port number: {port}")
            service = str(action.get("service") or "")
            return await net_probes.grpc_health(pod_ip, port, service, timeout_s)
        name = tracked.attempt.name
        return Outcome(Verdict.UNKNOWN, error=f"missing probe handler for {self._pod}:{name}")

    async def _exec(self, container_id: str, command: Sequence[str], timeout_s: int) -> Outcome:
        """The exec action (`execProber.Probe` on cri-dockerd's ExecSync): success for exit
        0, the output (stdout then stderr, its first 10 KiB) either way; past the timeout,
        a failure (the command runs on: Docker cannot stop an exec)."""
        timed_out = Outcome(Verdict.FAILURE, f"command {go_quote(' '.join(command))} timed out")
        out: dict[int, bytearray] = {}
        try:
            async with contextlib.AsyncExitStack() as stack:
                process: ProcessStream | None = None
                async with self._limiter:  # exec create and start
                    deadline = trio.current_time() + timeout_s
                    with trio.move_on_at(deadline):
                        process = await stack.enter_async_context(
                            self._runtime.open_exec(
                                container_id,
                                command=command,
                                stdin=False,
                                stdout=True,
                                stderr=True,
                                tty=False,
                            )
                        )
                if process is None:
                    return timed_out
                code: int | None = None
                with trio.move_on_at(deadline) as running:
                    while (chunk := await process.receive_some()) is not None:
                        kept = out.setdefault(chunk[0], bytearray())
                        kept += chunk[1][: MAX_EXEC_OUTPUT - len(kept)]
                    async with self._limiter:  # exec inspect
                        code = await process.wait_exit()
                if running.cancelled_caught:
                    return timed_out
        except (RuntimeRejected, RuntimeUnavailable, RuntimeBusy) as exc:
            return Outcome(Verdict.UNKNOWN, error=str(exc))
        if code is None:
            return Outcome(Verdict.UNKNOWN, error=f"container {container_id} is not running")
        output = bytes(out.get(STDOUT, b"")) + bytes(out.get(STDERR, b""))  # CombinedOutput
        text = output[:MAX_EXEC_OUTPUT].decode(errors="replace")
        return Outcome(Verdict.SUCCESS if code == 0 else Verdict.FAILURE, text)


@asynccontextmanager
async def open_prober(
    runtime: Runtime,
    *,
    limiter: trio.CapacityLimiter,
    nudge: Callable[[], None],
    record: Record,
    jitter: Callable[[], float] = random.random,
    wall_clock: Callable[[], datetime] = _now,
) -> AsyncIterator[Prober]:
    """A prober for one Pod, its workers in a nursery of its own; leaving the block
    cancels them all.

    Args:
        runtime: where exec probes run.
        limiter: the tokens exec probes' Docker calls take (the caller's, sized apart
            from other work).
        nudge: called (never awaited) when a result changes, for the actor to run a pass.
        record: records an event about a container: `(reason, message, container name,
            type)`; must not block.
        jitter: a random number in [0, 1), for the first probe of adopted containers.
        wall_clock: now, as containers' start times are read.
    """
    async with trio.open_nursery() as nursery:
        prober = Prober(
            runtime,
            nursery,
            limiter=limiter,
            nudge=nudge,
            record=record,
            jitter=jitter,
            wall_clock=wall_clock,
        )
        try:
            yield prober
        finally:
            nursery.cancel_scope.cancel()
