"""Every decision of one Pod's reconcile pass, from one look at its Docker containers:
pure, as the kubelet's `computePodActions` (pkg/kubelet/kuberuntime/kuberuntime_manager.go).

A Pod on Docker is an infra container (the sandbox: the network namespace, the hostname,
the DNS settings) and, joined to it, one Docker container per attempt of each of the
Pod's containers (`k8s_<container>_<pod>_<namespace>_<uid>_<attempt>`): a restart is a
new attempt, as the kubelet's, so the previous one stays for `lastState` and
`logs --previous`. A pass decides, in the kubelet's order:

1. A Pod being deleted: stop what runs (its grace period), remove every container, and
   finish the deletion once none is left.
2. A Pod that ran to its end (Succeeded or Failed): stop the sandbox, start nothing.
3. No running sandbox: stop what still runs of the Pod, make a new sandbox, and start the
   containers in it afresh (a new attempt each) as below.
4. Init containers one after another: the first that has not completed runs (again,
   under the Pod's restart policy: a failed one under `Never` fails the Pod); native
   sidecars (`restartPolicy: Always`) start in order and keep running.
5. Once the init containers are done, every app container that should run and does not
   starts, a restart under CrashLoopBackOff's schedule.
6. Old attempts are removed: the newest two of each container are kept.

What each container waits on when it cannot run (a crash-loop or image-pull back-off)
is in `Decision.waiting`, worded as the kubelet's reason cache words it, for the status.
The crash-loop back-off is kept per container in `PodMemory`, as the kubelet keeps its
back-off in memory.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from mcp.engine.decide import BackoffPolicy
from mcp.engine.pods.conditions import (
    container_should_restart,
    dict_of,
    dicts_of,
    format_pod,
    int_of,
    is_restartable_init_container,
)
from mcp.engine.pods.containers import DockerContainer, Waiting
from mcp.kinds.apimachinery import go_duration
from mcp.model import parse_time

KEPT_ATTEMPTS = 2  # the current one and the one before, for lastState and --previous


# --- actions ---------------------------------------------------------------------------


@dataclass(frozen=True)
class CreateSandbox:
    """Create and start the infra container, attempt `attempt`."""

    attempt: int


@dataclass(frozen=True)
class StopSandbox:
    """Stop the infra container (its containers have stopped)."""


@dataclass(frozen=True)
class StartContainer:
    """Create container `name`'s attempt `attempt` in the current sandbox, and start it."""

    name: str
    attempt: int


@dataclass(frozen=True)
class StopContainer:
    """Stop a running attempt, SIGKILL after `grace_s` seconds. `container_name` is the
    Pod's container it is an attempt of ("" for the infra container), for the event."""

    container_id: str
    grace_s: int
    container_name: str = ""


@dataclass(frozen=True)
class RemoveContainer:
    """Remove a stopped attempt (or the old sandbox)."""

    container_id: str


@dataclass(frozen=True)
class FinishDeletion:
    """Delete the Pod object for good (a grace-0 delete): nothing of it runs any more."""


PodAction = (
    CreateSandbox | StopSandbox | StartContainer | StopContainer | RemoveContainer | FinishDeletion
)


# --- what a pass reads and remembers ---------------------------------------------------


@dataclass(frozen=True)
class CrashLoop:
    """One container's restarts in its current crash loop, as the kubelet's back-off."""

    restarts: int = 0


@dataclass(frozen=True)
class PodMemory:
    loops: Mapping[str, CrashLoop] = field(default_factory=dict)


@dataclass(frozen=True)
class PodSituation:
    """One look at a Pod: the object and its Docker containers."""

    pod: dict[str, Any]  # as stored, v1 JSON
    sandbox: DockerContainer | None  # the newest infra attempt
    old_sandboxes: tuple[DockerContainer, ...]  # the infra attempts before it
    # By container name (init and app): its attempts, newest first.
    containers: Mapping[str, tuple[DockerContainer, ...]]
    now: datetime
    backoff: BackoffPolicy
    memory: PodMemory = field(default_factory=PodMemory)
    # Containers held back for another reason, as they are to wait (ImagePullBackOff).
    held_back: Mapping[str, Waiting] = field(default_factory=dict)
    # Running containers the prober failed (liveness or startup past its threshold), with
    # the grace their kill gets: killed, and started again under the restart policy.
    unhealthy: Mapping[str, int] = field(default_factory=dict)
    terminal: bool = False  # the Pod's phase is Succeeded or Failed


@dataclass(frozen=True)
class Decision:
    actions: tuple[PodAction, ...]
    waiting: Mapping[str, Waiting] = field(default_factory=dict)
    memory: PodMemory = field(default_factory=PodMemory)
    requeue_in_s: float | None = None  # a back-off that ends then


def decide(situation: PodSituation) -> Decision:
    """Every decision of one pass (see the module)."""
    pod = situation.pod
    if pod.get("metadata", {}).get("deletionTimestamp"):
        return Decision(_tear_down(situation), memory=situation.memory)
    if situation.terminal:
        stops = [
            StopContainer(a.id, grace_period(pod), name)
            for name, a in _all_attempts(situation)
            if a.running
        ]
        sandbox = situation.sandbox
        tail: list[PodAction] = [StopSandbox()] if sandbox is not None and sandbox.running else []
        return Decision((*stops, *tail), memory=situation.memory)
    actions: list[PodAction] = []
    containers = situation.containers
    if situation.sandbox is None or not situation.sandbox.running:
        # A new sandbox: what ran in the old one stops, and every container starts again.
        actions += [
            StopContainer(a.id, grace_period(pod), name)
            for name, a in _all_attempts(situation)
            if a.running
        ]
        attempt = situation.sandbox.attempt + 1 if situation.sandbox is not None else 0
        actions.append(CreateSandbox(attempt))
        containers = {name: () for name in containers}  # none has run in the new one
    plan = _Planner(situation, containers)
    actions += plan.init_containers()
    if plan.initialized:
        actions += plan.app_containers()
    actions += _collect_old(situation)
    return Decision(
        tuple(actions),
        waiting=plan.waiting,
        memory=PodMemory(plan.loops),
        requeue_in_s=plan.requeue_in_s,
    )


class _Planner:
    """The container steps of one pass, with what each container waits on."""

    def __init__(
        self, situation: PodSituation, containers: Mapping[str, tuple[DockerContainer, ...]]
    ) -> None:
        self.situation = situation
        self.spec: dict[str, Any] = situation.pod.get("spec", {})
        self.containers = containers
        self.waiting: dict[str, Waiting] = {}
        self.loops: dict[str, CrashLoop] = dict(situation.memory.loops)
        self.requeue_in_s: float | None = None
        self.initialized = True

    def init_containers(self) -> list[PodAction]:
        actions: list[PodAction] = []
        for container in dicts_of(self.spec.get("initContainers")):
            name = str(container.get("name", ""))
            attempts = self.containers.get(name, ())
            latest = attempts[0] if attempts else None
            if is_restartable_init_container(container):
                # A sidecar: started in order, then it keeps running beside the others.
                actions += self._keep_running(container, latest)
                if latest is None or not latest.running:
                    self.initialized = False
                    return actions
                continue
            if latest is not None and not latest.running and latest.exit_code == 0:
                continue  # completed
            self.initialized = False
            if latest is None:
                actions += self._start(name, self._next_attempt(name))
            elif not latest.running and container_should_restart(
                container, self.spec, latest.exit_code
            ):
                actions += self._restart(name, latest)
            return actions  # the next one waits for this one
        return actions

    def app_containers(self) -> list[PodAction]:
        actions: list[PodAction] = []
        for container in dicts_of(self.spec.get("containers")):
            name = str(container.get("name", ""))
            attempts = self.containers.get(name, ())
            actions += self._keep_running(container, attempts[0] if attempts else None)
        return actions

    def _keep_running(
        self, container: dict[str, Any], latest: DockerContainer | None
    ) -> list[PodAction]:
        name = str(container.get("name", ""))
        if latest is None:
            return self._start(name, self._next_attempt(name))
        if latest.running and name in self.situation.unhealthy:
            # computePodActions: a container failing its liveness probe is killed and,
            # unless the policy is Never, started again in the same pass.
            kill = StopContainer(latest.id, self.situation.unhealthy[name], name)
            if self.spec.get("restartPolicy") == "Never":
                return [kill]
            return [kill, *self._start(name, self._next_attempt(name))]
        if latest.running or not container_should_restart(container, self.spec, latest.exit_code):
            return []
        return self._restart(name, latest)

    def _next_attempt(self, name: str) -> int:
        """A container's next attempt number: one past the newest it ever had (in an old
        sandbox too: Docker's names must not repeat), as the kubelet's restartCount."""
        ever = self.situation.containers.get(name, ())
        newest = max((a.attempt for a in ever), default=-1)
        # An attempt Docker lost (`docker rm -f`) still counts, as the kubelet recovers
        # the count from the container's log directory: the last status reported it.
        status = dict_of(self.situation.pod.get("status"))
        for reported in (
            *dicts_of(status.get("initContainerStatuses")),
            *dicts_of(status.get("containerStatuses")),
        ):
            if reported.get("name") == name and reported.get("containerID"):
                newest = max(newest, int_of(reported.get("restartCount")))
        return newest + 1

    def _start(self, name: str, attempt: int) -> list[PodAction]:
        if name in self.situation.held_back:
            self.waiting[name] = self.situation.held_back[name]
            return []
        return [StartContainer(name, attempt)]

    def _restart(self, name: str, latest: DockerContainer) -> list[PodAction]:
        """A new attempt of an exited container, once its back-off allows: the first
        restart of a loop at once, then `backoff` seconds after the exit, doubling; a
        container that ran `reset_s` before exiting starts a new loop."""
        policy = self.situation.backoff
        loop = self.loops.get(name, CrashLoop())
        started, finished = parse_time(latest.started_at), parse_time(latest.finished_at)
        if started and finished and (finished - started).total_seconds() >= policy.reset_s:
            loop = CrashLoop()
        delay = policy.delay(loop.restarts)
        due = (finished or self.situation.now) + timedelta(seconds=delay)
        if self.situation.now < due:
            self.waiting[name] = Waiting(
                "CrashLoopBackOff",
                f"back-off {go_duration(round(delay * 10**9))} restarting failed container={name} "
                f"pod={format_pod(self.situation.pod)}",
            )
            wait_s = (due - self.situation.now).total_seconds()
            self.requeue_in_s = min(self.requeue_in_s or wait_s, wait_s)
            self.loops[name] = loop
            return []
        started_now = self._start(name, latest.attempt + 1)
        if started_now:
            self.loops[name] = replace(loop, restarts=loop.restarts + 1)
        return started_now


def grace_period(pod: dict[str, Any]) -> int:
    """The seconds a stop gives a container: the deletion's grace period while the Pod is
    being deleted, else the Pod's `terminationGracePeriodSeconds` (30 by default)."""
    metadata, spec = pod.get("metadata", {}), pod.get("spec", {})
    for value in (
        metadata.get("deletionGracePeriodSeconds"),
        spec.get("terminationGracePeriodSeconds"),
    ):
        if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            return value
    return 30


def _all_attempts(situation: PodSituation) -> list[tuple[str, DockerContainer]]:
    """Every attempt of every container, with the container's name."""
    return [(name, a) for name, attempts in situation.containers.items() for a in attempts]


def _tear_down(situation: PodSituation) -> tuple[PodAction, ...]:
    """Stop what runs, remove everything; finish the deletion once nothing is left."""
    grace = grace_period(situation.pod)
    attempts = _all_attempts(situation)
    sandboxes = [s for s in (situation.sandbox, *situation.old_sandboxes) if s is not None]
    running = [StopContainer(a.id, grace, name) for name, a in attempts if a.running]
    if running:
        return tuple(running)
    removals: list[PodAction] = [RemoveContainer(a.id) for _, a in attempts]
    removals += [
        step for s in sandboxes for step in ((StopContainer(s.id, 0),) if s.running else ())
    ]
    removals += [RemoveContainer(s.id) for s in sandboxes]
    return tuple(removals) if removals else (FinishDeletion(),)


def _collect_old(situation: PodSituation) -> list[PodAction]:
    """Attempts beyond the newest `KEPT_ATTEMPTS` of each container, and old sandboxes
    that no longer run."""
    old: list[PodAction] = []
    for attempts in situation.containers.values():
        old += [RemoveContainer(a.id) for a in _newest_first(attempts)[KEPT_ATTEMPTS:]]
    old += [RemoveContainer(s.id) for s in situation.old_sandboxes if not s.running]
    return old


def _newest_first(attempts: Sequence[DockerContainer]) -> list[DockerContainer]:
    return sorted(attempts, key=lambda a: -a.attempt)
