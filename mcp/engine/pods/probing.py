"""The kubelet's prober as data: one container attempt's probe workers, pure.

Ported from pkg/kubelet/prober with the feature gates as they default today
(ContainerLifecycleProber and ChangeContainerStatusOnKubeletRestart off):

- `Probe.of` reads a v1.Probe's timings, with the API's defaults.
- `judge` is `prober.probe`: a handler's `Outcome` (upstream's probe.Result, output and
  error) becomes the worker's `Result` and the event to record: `Unhealthy` with
  `Liveness probe failed: <output>` or `... probe errored and resulted in unknown state:
  <error>` (an error throws the result away), `ProbeWarning` for a redirect not followed.
- `Worker` is `worker.doProbe`'s memory: the result the results manager holds (its initial
  value: readiness Failure, liveness Success, startup Unknown), the run of equal results
  (a result is reported once its threshold is reached and stays until the other one's
  is), and the hold after liveness fails or startup ends.
- `Attempt` is one running container attempt with its workers: the startup gate before
  liveness and readiness, `UpdatePodStatus`'s started and ready (`results`), and
  `computePodActions`' reason to kill it (`must_restart`).
- `next_tick` is `worker.run`'s ticker; `grace_period_s` is `setTerminationGracePeriod`.

Where mcp differs, on purpose:
- A worker belongs to one container attempt (as ContainerLifecycleProber's
  container-bound workers): a restarted container gets fresh workers, so a run of results
  never carries over from the attempt before.
- The initial jitter is for adopted attempts only (running since before the prober opened,
  as after an mcp restart), as the container-bound workers have it: upstream's classic
  worker jitters every worker started within one period of the kubelet's start, which in
  mcp, where each Pod opens its own prober, would delay every new Pod's first probe.
- Readiness is triggered at once when startup succeeds (upstream's `UpdatePodStatus`
  triggers it on every status sync while the container is not ready; mcp keeps to the
  period otherwise, so a busy Pod is probed no more often than a quiet one).
"""

from __future__ import annotations

import enum
import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from mcp.engine.pods.conditions import dict_of, dicts_of
from mcp.engine.pods.containers import ProbeResults

# pkg/kubelet/events
UNHEALTHY = "Unhealthy"
PROBE_WARNING = "ProbeWarning"
MAX_PROBE_RETRIES = 3  # prober.go's maxProbeRetries: runs of a handler that errors
RESTART_GRACE_S = 10  # kubeletRestartGracePeriod: started this long before: adopted
MINIMUM_GRACE_S = 2  # kuberuntime's minimumGracePeriodInSeconds
DEFAULT_GRACE_S = 30  # the API's default terminationGracePeriodSeconds


class Kind(enum.Enum):
    """A probe's type, as upstream's probeType prints it."""

    STARTUP = "Startup"
    LIVENESS = "Liveness"
    READINESS = "Readiness"

    @property
    def field(self) -> str:
        """The container's field that holds it: `startupProbe`..."""
        return f"{self.value.lower()}Probe"


class Result(enum.Enum):
    """results.Result: what a worker reports. UNKNOWN is also a run whose result was thrown
    away (the handler errored)."""

    UNKNOWN = "Unknown"
    SUCCESS = "Success"
    FAILURE = "Failure"


class Verdict(enum.Enum):
    """probe.Result: what one run of a handler came to."""

    SUCCESS = "success"
    WARNING = "warning"
    FAILURE = "failure"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Outcome:
    """One run of a probe's handler: its verdict, its output (exec's, or the failure's
    words), and an error when it could not be run at all (a port that resolves to nothing,
    Docker away): the run is then retried and its result thrown away."""

    verdict: Verdict
    output: str = ""
    error: str | None = None


@dataclass(frozen=True)
class Event:
    """An event to record about the container: always a Warning."""

    reason: str
    message: str


@dataclass(frozen=True)
class Judged:
    result: Result  # UNKNOWN: thrown away
    event: Event | None = None


def judge(kind: Kind, outcome: Outcome) -> Judged:
    """`prober.probe`: the worker's result of a run, and the event the kubelet records."""
    if outcome.error is not None:
        message = (
            f"{kind.value} probe errored and resulted in {outcome.verdict.value} state: "
            f"{outcome.error}"
        )
        return Judged(Result.UNKNOWN, Event(UNHEALTHY, message))
    match outcome.verdict:
        case Verdict.SUCCESS:
            return Judged(Result.SUCCESS)
        case Verdict.WARNING:
            message = f"{kind.value} probe warning: {outcome.output}"
            return Judged(Result.SUCCESS, Event(PROBE_WARNING, message))
        case Verdict.FAILURE:
            message = f"{kind.value} probe failed: {outcome.output}"
            return Judged(Result.FAILURE, Event(UNHEALTHY, message))
    return Judged(Result.FAILURE)  # unknown without an error: a failure, unrecorded


# --- one probe's spec ---------------------------------------------------------------------


def _count(value: Any, default: int, *, least: int) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and value >= least:
        return value
    return default


@dataclass(frozen=True)
class Probe:
    """A v1.Probe's timings (the API defaults them; a Pod stored without means these)."""

    kind: Kind
    initial_delay_s: int = 0
    period_s: int = 10
    timeout_s: int = 1
    success_threshold: int = 1
    failure_threshold: int = 3
    termination_grace_s: int | None = None  # liveness and startup only

    @classmethod
    def of(cls, kind: Kind, probe: Mapping[str, Any]) -> Probe:
        grace = probe.get("terminationGracePeriodSeconds")
        return cls(
            kind=kind,
            initial_delay_s=_count(probe.get("initialDelaySeconds"), 0, least=0),
            period_s=_count(probe.get("periodSeconds"), 10, least=1),
            timeout_s=_count(probe.get("timeoutSeconds"), 1, least=1),
            success_threshold=_count(probe.get("successThreshold"), 1, least=1),
            failure_threshold=_count(probe.get("failureThreshold"), 3, least=1),
            termination_grace_s=_count(grace, 0, least=1) if grace is not None else None,
        )


def probes_of(container: Mapping[str, Any]) -> dict[Kind, Probe]:
    """The container's probes, by kind."""
    return {
        kind: Probe.of(kind, container[kind.field])
        for kind in Kind
        if isinstance(container.get(kind.field), dict)
    }


# --- one worker ---------------------------------------------------------------------------

# newWorker's initialValue: what is reported before any probe has.
INITIAL = {
    Kind.READINESS: Result.FAILURE,
    Kind.LIVENESS: Result.SUCCESS,
    Kind.STARTUP: Result.UNKNOWN,
}


@dataclass(frozen=True)
class Worker:
    """One probe's worker (upstream's `worker` fields) for one container attempt."""

    probe: Probe
    # The results manager's entry; None: none (an adopted attempt not probed yet).
    result: Result | None
    last: Result | None = None  # lastResult
    run: int = 0  # resultRun: how many times in a row `last` came
    on_hold: bool = False  # probing stops: liveness failed, or startup is over

    @classmethod
    def begin(cls, probe: Probe, *, adopted: bool) -> Worker:
        """A new attempt's worker: the initial value, or for an adopted attempt none (the
        last status stands), as `doProbe` does with ChangeContainerStatusOnKubeletRestart
        off."""
        return cls(probe, None if adopted else INITIAL[probe.kind])

    def observed(self, result: Result) -> Worker:
        """`doProbe` after a run: count it, report once its threshold is reached."""
        if result is Result.UNKNOWN:
            return self  # "Prober error, throw away the result."
        run = self.run + 1 if result is self.last else 1
        threshold = (
            self.probe.failure_threshold
            if result is Result.FAILURE
            else self.probe.success_threshold
        )
        if run < threshold:
            # Below its threshold: the probe state stays unchanged.
            return replace(self, last=result, run=run)
        kind = self.probe.kind
        if (kind is Kind.LIVENESS and result is Result.FAILURE) or kind is Kind.STARTUP:
            # The container will be restarted (or has started): stop probing it, which
            # also keeps `docker exec` away from a container being stopped (#21751).
            return replace(self, result=result, last=result, run=0, on_hold=True)
        return replace(self, result=result, last=result, run=run)


# --- one container attempt ----------------------------------------------------------------


@dataclass(frozen=True)
class Attempt:
    """One running container attempt and its probe workers.

    `remembered_started` and `pod_ready` are what the Pod's last status says (for an
    adopted attempt, as `isContainerStarted` and `setReadyStateOnKubeletRestart` read
    it): the attempt's `started`, and the Pod's Ready condition.
    """

    name: str
    startup: Worker | None = None
    liveness: Worker | None = None
    readiness: Worker | None = None
    adopted: bool = False
    remembered_started: bool = False
    pod_ready: bool = False

    @classmethod
    def begin(
        cls,
        name: str,
        container: Mapping[str, Any],
        *,
        adopted: bool = False,
        remembered_started: bool = False,
        pod_ready: bool = False,
        deleting: bool = False,
    ) -> Attempt:
        """A newly running attempt of `container` (its spec). In a Pod being deleted,
        only readiness is probed (`StopLivenessAndStartup`)."""
        probes = probes_of(container)

        def worker(kind: Kind) -> Worker | None:
            if kind not in probes or (deleting and kind is not Kind.READINESS):
                return None
            return Worker.begin(probes[kind], adopted=adopted)

        return cls(
            name,
            startup=worker(Kind.STARTUP),
            liveness=worker(Kind.LIVENESS),
            readiness=worker(Kind.READINESS),
            adopted=adopted,
            remembered_started=remembered_started,
            pod_ready=pod_ready,
        )

    def worker(self, kind: Kind) -> Worker | None:
        if kind is Kind.STARTUP:
            return self.startup
        return self.liveness if kind is Kind.LIVENESS else self.readiness

    def kinds(self) -> list[Kind]:
        """The kinds it has workers for."""
        return [kind for kind in Kind if self.worker(kind) is not None]

    def with_worker(self, kind: Kind, worker: Worker | None) -> Attempt:
        if kind is Kind.STARTUP:
            return replace(self, startup=worker)
        if kind is Kind.LIVENESS:
            return replace(self, liveness=worker)
        return replace(self, readiness=worker)

    def without(self, *kinds: Kind) -> Attempt:
        """Its workers of `kinds` stopped and their results gone."""
        attempt = self
        for kind in kinds:
            attempt = attempt.with_worker(kind, None)
        return attempt

    def observed(self, kind: Kind, result: Result) -> Attempt:
        """After a run of its `kind` probe came to `result`."""
        worker = self.worker(kind)
        return self if worker is None else self.with_worker(kind, worker.observed(result))

    def started(self) -> bool:
        """`isContainerStarted` of the running attempt."""
        if self.startup is not None and self.startup.result is not None:
            return self.startup.result is Result.SUCCESS
        if self.remembered_started:
            return True  # ChangeContainerStatusOnKubeletRestart is off
        return self.startup is None  # a startup probe not run yet: not started

    def ready(self) -> bool:
        """`UpdatePodStatus`'s ready of the running attempt."""
        if not self.started():
            return False
        worker = self.readiness
        if worker is None:
            return True  # no readinessProbe: always ready
        if worker.result is Result.SUCCESS:
            return True
        if self.adopted and worker.result is None:
            # setReadyStateOnKubeletRestart: an attempt that was running before stays as
            # ready as its Pod was, until its readiness probe says otherwise.
            return self.pod_ready
        return False

    def results(self) -> ProbeResults:
        return ProbeResults(started=self.started(), ready=self.ready())

    def must_restart(self) -> str | None:
        """`computePodActions`' message for the Killing event, once liveness (or startup)
        failed past its threshold."""
        if self.liveness is not None and self.liveness.result is Result.FAILURE:
            return f"Container {self.name} failed liveness probe"
        if self.startup is not None and self.startup.result is Result.FAILURE:
            return f"Container {self.name} failed startup probe"
        return None

    def failed(self) -> Kind | None:
        """Which probe `must_restart` is about."""
        for worker in (self.liveness, self.startup):
            if worker is not None and worker.result is Result.FAILURE:
                return worker.probe.kind
        return None

    def due(self, kind: Kind, *, running_for_s: float) -> bool:
        """`doProbe`'s gates before a run: not on hold, past its initial delay, and the
        startup probe before the container has started, the others after."""
        worker = self.worker(kind)
        if worker is None or worker.on_hold:
            return False
        # int32(time.Since(startedAt).Seconds()): truncated toward zero.
        if math.trunc(running_for_s) < worker.probe.initial_delay_s:
            return False
        return (kind is Kind.STARTUP) is not self.started()


# --- timing -------------------------------------------------------------------------------


def next_tick(tick: float, period_s: float, now: float) -> tuple[float, float]:
    """When `worker.run` probes next, after a run that ended at `now`, and the tick it
    takes then. Go's ticker ticks at `tick + k * period`; a tick that fell while the probe
    ran waits in its channel (it holds one, and drops the rest), so the next run is at
    once; otherwise it is at the next tick."""
    following = tick + period_s
    if following > now:
        return following, following
    return now, tick + period_s * math.floor((now - tick) / period_s)


def first_delay_s(probe: Probe, *, adopted: bool, jitter: float) -> float:
    """`worker.run`'s initial jitter: a random part (`jitter`, in [0, 1)) of a period,
    for an adopted attempt, so probes do not all start at once after a restart."""
    return jitter * probe.period_s if adopted else 0.0


def grace_period_s(
    pod: Mapping[str, Any], container: Mapping[str, Any], failed: Kind | None
) -> int:
    """`setTerminationGracePeriod` for a kill: the deletion's grace period, else the failed
    probe's `terminationGracePeriodSeconds`, else the Pod's; never under the minimum
    `killContainer` gives."""
    metadata, spec = dict_of(pod.get("metadata")), dict_of(pod.get("spec"))
    deletion = metadata.get("deletionGracePeriodSeconds")
    grace = _count(spec.get("terminationGracePeriodSeconds"), DEFAULT_GRACE_S, least=0)
    if isinstance(deletion, int) and not isinstance(deletion, bool) and deletion >= 0:
        grace = deletion
    elif failed in (Kind.LIVENESS, Kind.STARTUP):
        probe = probes_of(container).get(failed)
        if probe is not None and probe.termination_grace_s is not None:
            grace = probe.termination_grace_s
    return max(grace, MINIMUM_GRACE_S)


# --- reading the Pod ----------------------------------------------------------------------


def probed_containers(pod: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """The containers the prober probes (`AddPod`): the regular ones and the sidecars
    (init containers with `restartPolicy: Always`), by name."""
    spec = dict_of(pod.get("spec"))
    sidecars = [
        c for c in dicts_of(spec.get("initContainers")) if c.get("restartPolicy") == "Always"
    ]
    return {str(c.get("name")): c for c in [*dicts_of(spec.get("containers")), *sidecars]}


def remembered_started(pod: Mapping[str, Any], name: str, container_id: str) -> bool:
    """Whether the Pod's last status says this attempt (`docker://<id>`) has started."""
    status = dict_of(pod.get("status"))
    for entry in [
        *dicts_of(status.get("containerStatuses")),
        *dicts_of(status.get("initContainerStatuses")),
    ]:
        if entry.get("name") == name and entry.get("containerID") == f"docker://{container_id}":
            return entry.get("started") is True
    return False


def pod_is_ready(pod: Mapping[str, Any]) -> bool:
    """The Pod's Ready condition is True."""
    conditions = dicts_of(dict_of(pod.get("status")).get("conditions"))
    return any(c.get("type") == "Ready" and c.get("status") == "True" for c in conditions)


def deleting(pod: Mapping[str, Any]) -> bool:
    return bool(dict_of(pod.get("metadata")).get("deletionTimestamp"))
