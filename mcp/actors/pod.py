"""One Pod's actor: the kubelet's pod worker, on Docker.

What the Pod kind feeds the one reconcile engine (`mcp.engine.reconciler`), as
`PodReconciler`: read the Pod from the watch cache and its Docker containers from one
Docker list (`docker inspect` only for containers not seen in this state before), with
the phase the kubelet would act on (`status.generated_phase`) and what the prober says;
decide with `mcp.engine.pods.decide`; act with `mcp.engine.pods.execute`; look at Docker
again if anything was done; settle into the kubelet's status (`status.pod_status`), its
events and when to run again; write the status when it says something new. A Pod gone
from the cache (deleted, or made again under another uid) has its Docker containers and
volume directories removed by the actor, which then ends.

The engine runs the pass and its loop (`pods.py` starts one actor per Pod, nudges it
through a capacity-1 inbox) and supervises it: a crash is logged with its traceback,
recorded as a Warning event on the Pod, the actor restarted with backoff, its memory and
its prober kept.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

import trio

from mcp import failpoints, logs
from mcp.apiserver import deletion, storage
from mcp.apiserver.status import KubeError
from mcp.backoff import Backoff, doubling
from mcp.cache import Cache
from mcp.engine import reconciler
from mcp.engine.decide import BackoffPolicy
from mcp.engine.pods import env as pod_env
from mcp.engine.pods import status as pod_status
from mcp.engine.pods import volume_dirs, volumes
from mcp.engine.pods.atomic_writer import VolumeWriteError
from mcp.engine.pods.conditions import (
    TERMINAL_PHASES,
    all_containers,
    dict_of,
    dicts_of,
    format_pod,
    qos_class,
)
from mcp.engine.pods.containers import (
    ERR_IMAGE_PULL,
    IMAGE_PULL_BACK_OFF,
    ContainerObserved,
    DockerContainer,
    ProbeResults,
    Waiting,
)
from mcp.engine.pods.decide import (
    CreateSandbox,
    Decision,
    FinishDeletion,
    PodMemory,
    PodSituation,
    StartContainer,
    decide,
)
from mcp.engine.pods.execute import Event, Outcome, Step, Where, execute, involved
from mcp.engine.pods.prober import Prober, RunningContainer, open_prober
from mcp.engine.pods.sources import CacheLookup
from mcp.engine.pods.volume_dirs import VolumeDirError
from mcp.engine.reconciler import Settled
from mcp.events import EventType, Happened, Recorder
from mcp.kinds import core
from mcp.kinds.apimachinery import go_quote, rfc3339
from mcp.metrics import Metrics
from mcp.model import Observed, parse_time
from mcp.registry import Keys
from mcp.sandbox import INFRA_CONTAINER, PodRef, infra_last, parse_name
from mcp.store import Store

log = logs.get(actor="pod")

PULL_BACKOFF_BASE_S = 10.0  # the kubelet's image pull back-off: 10 s doubling to 5 min
PULL_BACKOFF_CAP_S = 300.0
# Who Pods' events come from, as on a cluster: the kubelet, and the scheduler's Scheduled.
KUBELET = "kubelet"
SCHEDULER = "default-scheduler"
NODE_NOT_FOUND = "NodeNotFound"
SETTLED_STATES = ("running", "exited", "dead")  # what inspect said holds until an event


@dataclass(frozen=True)
class PodContext:
    """What every Pod actor shares."""

    store: Store
    keys: Keys
    cache: Cache
    where: Where
    events: Recorder
    resync_interval: float
    actor_backoff: Backoff
    backoff: BackoffPolicy = field(default_factory=BackoffPolicy)
    passes: trio.CapacityLimiter = field(default_factory=lambda: trio.CapacityLimiter(16))
    # Exec probes' Docker calls, apart from everything else's: probes never starve passes.
    probes: trio.CapacityLimiter = field(default_factory=lambda: trio.CapacityLimiter(4))
    metrics: Metrics = field(default_factory=Metrics)
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))


@dataclass
class PullFailure:
    """A container's image pulls failing in a row: the last at `at`, of `image`, for
    `error`."""

    at: datetime
    failures: int
    image: str
    error: str


@dataclass
class Memory:
    """What a Pod's actor keeps between passes (and across its crashes): the crash-loop
    back-offs, image pull failures, and what Docker showed of each container (by id) in a
    state that holds until Docker reports a change."""

    uid: str = ""  # the incarnation its containers were made for
    pod: PodMemory = field(default_factory=PodMemory)
    pulls: dict[str, PullFailure] = field(default_factory=dict)
    seen: dict[str, Observed] = field(default_factory=dict)
    # What each exited attempt left in its termination-message file, by container id.
    messages: dict[str, str] = field(default_factory=dict)
    # Containers Docker reported a change in since the last look, with Docker's word for
    # it (the controller adds).
    changed: dict[str, str] = field(default_factory=dict)
    scheduled: bool = False  # the Scheduled event recorded

    def forget(self) -> None:
        self.uid, self.pod, self.scheduled = "", PodMemory(), False
        self.pulls.clear()
        self.seen.clear()
        self.messages.clear()


class Finished(Exception):
    """The Pod is gone and nothing of it is left on Docker."""


# --- reading ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Look:
    """One look at the Pod's Docker containers."""

    sandbox: Observed | None
    sandbox_attempt: int
    old_sandboxes: tuple[tuple[int, Observed], ...]
    containers: Mapping[str, tuple[tuple[int, Observed], ...]]  # newest first


async def _look(ctx: PodContext, ref: PodRef, memory: Memory) -> Look:
    """The Pod's Docker containers: one list, and an inspect of each container not seen in
    its listed state before, or that Docker reported a change in since (`memory.changed`:
    Docker's list may show a container's state before its event for a moment, an
    inspect shows it after)."""
    runtime = ctx.where.runtime
    for changed, action in list(memory.changed.items()):
        del memory.changed[changed]
        known = memory.seen.get(changed)
        if action in ("create", "start") and known is not None and known.running:
            continue  # its start, seen running already (this actor's own, mostly)
        memory.seen.pop(changed, None)
    listed = await runtime.list_managed(ctx.where.cluster_id, pod_uid=ref.uid)
    seen: dict[str, Observed] = {}
    found: dict[str, list[tuple[int, Observed]]] = {}
    for summary in listed:
        parsed = parse_name(summary.name)
        if parsed is None or parsed.pod != ref:
            continue  # renamed by hand: not one of the Pod's attempts
        known = memory.seen.get(summary.container_id)
        if (
            known is None
            or known.docker_status != summary.docker_status
            or (summary.docker_status not in SETTLED_STATES)
        ):
            known = await runtime.inspect(summary.container_id)
            if known is None:
                continue  # removed meanwhile
        seen[summary.container_id] = known
        found.setdefault(parsed.container, []).append((parsed.attempt, known))
        infra = parsed.container == INFRA_CONTAINER  # writes no termination message
        if not known.running and not infra and known.container_id not in memory.messages:
            dirs = volume_dirs.PodDirs(ctx.where.data_root, ref.uid)
            memory.messages[known.container_id] = await volume_dirs.read_termination_message(
                dirs, parsed.container, parsed.attempt
            )
    memory.seen = seen
    memory.messages = {cid: text for cid, text in memory.messages.items() if cid in seen}
    ordered = {name: tuple(sorted(a, key=lambda p: -p[0])) for name, a in found.items()}
    sandboxes = ordered.pop(INFRA_CONTAINER, ())
    newest = sandboxes[0] if sandboxes else None
    return Look(
        sandbox=newest[1] if newest else None,
        sandbox_attempt=newest[0] if newest else -1,
        old_sandboxes=sandboxes[1:],
        containers=ordered,
    )


def with_made(look: Look, outcome: Outcome) -> Look | None:
    """The look after a pass that only made containers (a new sandbox, new attempts), each
    started and inspected by the executor: the look before it with what was made, so no
    list of the Pod's containers is needed. None for any other pass: one that stopped,
    removed or failed to make something looks at Docker again."""
    made_only = all(isinstance(a, (CreateSandbox, StartContainer)) for a in outcome.done)
    if not made_only or outcome.failed or len(outcome.seen) != len(outcome.done):
        return None
    sandbox, sandbox_attempt = look.sandbox, look.sandbox_attempt
    old_sandboxes = look.old_sandboxes
    containers = dict(look.containers)
    for seen in outcome.seen.values():
        parsed = parse_name(seen.name)
        if parsed is None:
            return None
        if parsed.container == INFRA_CONTAINER:
            if sandbox is not None:
                old_sandboxes = ((sandbox_attempt, sandbox), *old_sandboxes)
            sandbox, sandbox_attempt = seen, parsed.attempt
        else:
            before = containers.get(parsed.container, ())
            containers[parsed.container] = ((parsed.attempt, seen), *before)
    return Look(sandbox, sandbox_attempt, old_sandboxes, containers)


def _docker(
    attempt: int, seen: Observed, sandbox: Observed | None, message: str = ""
) -> DockerContainer:
    return DockerContainer(
        attempt=attempt,
        id=seen.container_id,
        running=seen.running,
        exit_code=seen.exit_code or 0,
        oom_killed=seen.oom_killed,
        error=seen.error,
        created_at=seen.created_at or "",
        started_at=seen.started_at or "",
        finished_at=seen.finished_at or "",
        image=seen.image,
        image_id=seen.image_id,
        termination_message=message,
        in_current_sandbox=sandbox is not None and seen.joined == sandbox.container_id,
    )


def _attempts(look: Look, messages: Mapping[str, str]) -> dict[str, tuple[DockerContainer, ...]]:
    return {
        name: tuple(
            _docker(attempt, seen, look.sandbox, messages.get(seen.container_id, ""))
            for attempt, seen in attempts
        )
        for name, attempts in look.containers.items()
    }


def _sandbox_docker(look: Look) -> DockerContainer | None:
    if look.sandbox is None:
        return None
    return _docker(look.sandbox_attempt, look.sandbox, None)


# --- one pass --------------------------------------------------------------------------


async def reconcile(
    ctx: PodContext, namespace: str, name: str, memory: Memory, prober: Prober | None = None
) -> float | None:
    """One level-triggered pass for Pod `namespace/name` on the engine
    (`reconciler.reconcile`); the seconds until one is due again whatever happens (a
    back-off ending), or None.

    Raises:
        Finished: the Pod is gone and so is everything it had on Docker.
        RuntimeUnavailable, RuntimeBusy, StoreUnavailable: transient; retried later.
    """
    return await reconciler.reconcile(
        PodReconciler(ctx, namespace, name, memory, prober), ctx.events
    )


@dataclass(frozen=True)
class Reading:
    """What one pass read of a Pod: the object, one look at its Docker containers, its
    volumes' files, what the prober says, and the engine's situation made of them."""

    pod: dict[str, Any]
    ref: PodRef
    now: datetime
    deleting: bool
    look: Look = field(default_factory=lambda: Look(None, -1, (), {}))
    # None for a Pod bound to another node: nothing of it runs here, nothing else is read.
    situation: PodSituation | None = None
    payloads: Mapping[str, volumes.Payload | None] = field(default_factory=dict)
    mount_errors: Mapping[str, str] = field(default_factory=dict)  # volume -> why not yet
    pod_ip: str = ""
    held_back: Mapping[str, Waiting] = field(default_factory=dict)  # pulls backing off
    probes: Probes = field(default_factory=lambda: Probes())
    scheduled: tuple[Happened, ...] = ()  # the scheduler's event, on a Pod's first pass

    @property
    def elsewhere(self) -> bool:
        return self.situation is None


@dataclass(frozen=True)
class After:
    """Docker's and the prober's view after a pass's actions."""

    look: Look
    probes: Probes


class PodReconciler:
    """What the Pod kind feeds the engine for one Pod: its reading (`_look`), the kubelet's
    decisions (`mcp.engine.pods.decide`), the executor (`mcp.engine.pods.execute`), and
    the kubelet's status (`mcp.engine.pods.status`) with its events."""

    def __init__(
        self,
        ctx: PodContext,
        namespace: str,
        name: str,
        memory: Memory,
        prober: Prober | None = None,
    ) -> None:
        self.ctx = ctx
        self.namespace = namespace
        self.name = name
        self.memory = memory
        self.prober = prober

    async def read(self, *, may_guess: bool) -> Reading:
        ctx, memory, namespace, name = self.ctx, self.memory, self.namespace, self.name
        stored = ctx.cache.kube.get(core.POD, namespace, name)
        failpoints.hit("reconcile", f"{namespace}/{name}")
        pod = stored.obj if stored is not None else None
        uid = str(dict_of(pod.get("metadata")).get("uid") or "") if pod is not None else ""
        if memory.uid and memory.uid != uid:
            await _clean_up(ctx, PodRef(name, namespace, memory.uid))
            memory.forget()  # a new incarnation starts afresh
        if pod is None:
            raise Finished
        memory.uid = uid
        ref = PodRef(name, namespace, uid)
        now = ctx.clock()
        deleting = bool(dict_of(pod.get("metadata")).get("deletionTimestamp"))
        if dict_of(pod.get("spec")).get("nodeName") not in (None, "", ctx.where.node_name):
            return Reading(pod, ref, now, deleting)
        scheduled: tuple[Happened, ...] = ()
        if not memory.scheduled:
            memory.scheduled = True
            if not dict_of(pod.get("status")).get("conditions"):
                message = f"Successfully assigned {namespace}/{name} to {ctx.where.node_name}"
                scheduled = (Happened(involved(pod), "Scheduled", message, component=SCHEDULER),)
        look = await _look(ctx, ref, memory)
        payloads, mount_errors = _volume_files(pod, CacheLookup(ctx.cache.kube))
        pod_ip = _pod_ip(ctx, look)
        held_back = _pull_waiting(memory, now)
        probes = _probe(self.prober, pod, look, pod_ip)
        before = _observed(ctx, pod, look, memory, held_back, now, probes)
        terminal = (
            dict_of(pod.get("status")).get("phase") in TERMINAL_PHASES
            or pod_status.generated_phase(before) in TERMINAL_PHASES
        )
        situation = PodSituation(
            pod=pod,
            sandbox=_sandbox_docker(look),
            old_sandboxes=tuple(_docker(a, s, None) for a, s in look.old_sandboxes),
            containers=_attempts(look, memory.messages),
            now=now,
            backoff=ctx.backoff,
            memory=memory.pod,
            held_back=held_back,
            unhealthy=probes.unhealthy,
            terminal=terminal,
        )
        return Reading(
            pod,
            ref,
            now,
            deleting,
            look=look,
            situation=situation,
            payloads=payloads,
            mount_errors=mount_errors,
            pod_ip=pod_ip,
            held_back=held_back,
            probes=probes,
            scheduled=scheduled,
        )

    def noticed(self, reading: Reading) -> tuple[Happened, ...]:
        return reading.scheduled

    def decide(self, reading: Reading) -> Decision:
        if reading.situation is None:  # elsewhere: only a deletion to finish
            return Decision((FinishDeletion(),) if reading.deleting else ())
        decision = decide(reading.situation)
        if reading.mount_errors and not reading.deleting:
            # The kubelet waits for every volume before it makes the sandbox.
            return replace(decision, actions=())
        return decision

    async def act(self, reading: Reading, decision: Decision) -> Outcome:
        ctx, memory, pod, look = self.ctx, self.memory, reading.pod, reading.look
        refreshed: list[Event] = []
        sandbox = look.sandbox
        running = sandbox is not None and sandbox.running
        if running and not reading.deleting and not reading.mount_errors:
            refreshed = await _refresh_volumes(ctx, pod, reading.ref, reading.payloads)

        def env_for(
            container: Mapping[str, Any], ip: str
        ) -> list[tuple[str, str]] | pod_env.ConfigError:
            return pod_env.container_env(
                pod,
                container,
                CacheLookup(ctx.cache.kube),
                pod_ip=ip,
                node_name=ctx.where.node_name,
                host_ip=ctx.where.node_ips[0] if ctx.where.node_ips else "",
                host_ips=ctx.where.node_ips,
            )

        step = Step(
            pod=pod,
            ref=reading.ref,
            sandbox_id=sandbox.container_id if sandbox and sandbox.running else None,
            pod_ip=reading.pod_ip,
            env=env_for,
            volumes=reading.payloads,
            kill_messages=reading.probes.kill_messages,
        )

        async def finish() -> None:
            await _finish_deletion(ctx, self.namespace, self.name, reading.ref.uid)

        outcome = await execute(ctx.where, step, decision.actions, finish_deletion=finish)
        outcome.events[:0] = refreshed
        # What the actor remembers of what it did: what it saw made, the pulls that
        # failed or came good, the crash loops.
        memory.seen.update(outcome.seen)
        _remember_pulls(memory, outcome, reading.now)
        memory.pod = decision.memory
        if outcome.finished:
            log.info("pod_deleted", namespace=self.namespace, pod=self.name, uid=reading.ref.uid)
            memory.seen.clear()
        return outcome

    def guessed_wrong(self, outcome: Outcome) -> bool:
        return False  # a Pod's reading never guesses: it lists the Pod's containers

    async def look_again(self, reading: Reading, outcome: Outcome) -> After:
        if outcome.done and not outcome.finished and not reading.elsewhere:
            look = with_made(reading.look, outcome) or await _look(
                self.ctx, reading.ref, self.memory
            )
            probes = _probe(self.prober, reading.pod, look, _pod_ip(self.ctx, look))
            return After(look, probes)
        return After(reading.look, reading.probes)

    def settle(
        self, reading: Reading, decision: Decision, outcome: Outcome, after: After
    ) -> Settled[dict[str, Any] | None]:
        """The Pod's status and the pass's events, in the order things happened, and when
        a pass is due again; nothing to report once the Pod is deleted for good."""
        pod, memory = reading.pod, self.memory
        events: list[Happened] = []
        if reading.mount_errors and not reading.deleting:  # `decide` held everything back
            events += [
                Happened(
                    involved(pod),
                    volumes.REASON,
                    volumes.mount_failed_message(volume_name, message),
                    "Warning",
                    KUBELET,
                )
                for volume_name, message in reading.mount_errors.items()
            ]
        events += [
            Happened(e.involved, e.reason, e.message, e.type_, KUBELET) for e in outcome.events
        ]
        if outcome.finished:
            return Settled(None, events)
        if reading.elsewhere:
            return Settled(_elsewhere(pod, self.ctx.where.node_name, reading.now), events)
        for container, reason in decision.waiting.items():
            about = involved(pod, container)
            if reason.reason == IMAGE_PULL_BACK_OFF and container in memory.pulls:
                # EnsureImageExists' Normal BackOff, then startContainer's Warning Failed.
                image = go_quote(memory.pulls[container].image)
                events += [
                    Happened(
                        about, "BackOff", f"Back-off pulling image {image}", "Normal", KUBELET
                    ),
                    Happened(about, "Failed", f"Error: {IMAGE_PULL_BACK_OFF}", "Warning", KUBELET),
                ]
            if reason.reason == "CrashLoopBackOff" and container not in outcome.failed:
                message = (
                    f"Back-off restarting failed container {container} in pod {format_pod(pod)}"
                )
                events.append(Happened(about, "BackOff", message, "Warning", KUBELET))
        waiting = {**decision.waiting, **reading.held_back, **outcome.failed}
        # At the pass's start, as the kubelet's sync: a new Pod's startTime comes before
        # its containers' start.
        observed = _observed(self.ctx, pod, after.look, memory, waiting, reading.now, after.probes)
        reported = pod_status.pod_status(observed)
        deadline_in = _deadline_in(pod, reported, reading.now)
        return Settled(reported, events, _requeue(decision, memory, reading.now, deadline_in))

    async def report(self, reading: Reading, settled: Settled[dict[str, Any] | None]) -> None:
        if settled.report is not None:
            await _report(self.ctx, reading.pod, settled.report)


def _elsewhere(pod: dict[str, Any], node_name: str, now: datetime) -> dict[str, Any]:
    """The status of a Pod bound to a node that is not mcp's: Pending, saying why (the
    condition's transition time kept once written)."""
    node = dict_of(pod.get("spec")).get("nodeName")
    message = f'node "{node}" does not exist: mcp runs Pods on its one node "{node_name}"'
    previous = dict_of(pod.get("status"))
    was = next(
        (c for c in dicts_of(previous.get("conditions")) if c.get("type") == "PodScheduled"),
        {},
    )
    condition = {
        "type": "PodScheduled",
        "status": "False",
        "lastProbeTime": None,
        "lastTransitionTime": was.get("lastTransitionTime") or rfc3339(now),
        "reason": NODE_NOT_FOUND,
        "message": message,
    }
    return {
        "phase": "Pending",
        "conditions": [condition],
        "message": message,
        "reason": NODE_NOT_FOUND,
        "qosClass": previous.get("qosClass") or qos_class(pod),
    }


async def _refresh_volumes(
    ctx: PodContext,
    pod: dict[str, Any],
    ref: PodRef,
    payloads: Mapping[str, volumes.Payload | None],
) -> list[Event]:
    """The files of the running Pod's volumes brought up to date, as the kubelet's volume
    manager does on every sync: a changed ConfigMap or Secret is swapped in at once.
    Returns the events of the volumes that could not be."""
    dirs = volume_dirs.PodDirs(ctx.where.data_root, ref.uid)
    failed: list[Event] = []
    for volume in dicts_of(dict_of(pod.get("spec")).get("volumes")):
        payload = payloads.get(str(volume.get("name")))
        if payload is None:
            continue  # no files: an emptyDir holds what the containers wrote
        try:
            await volume_dirs.set_up(dirs, pod, volume, payload)
        except (VolumeDirError, VolumeWriteError) as exc:
            failed.append(Event(involved(pod), volumes.REASON, str(exc), "Warning"))
    return failed


@dataclass(frozen=True)
class Probes:
    """What the prober says of the Pod's running containers, for one pass."""

    results: Mapping[str, ProbeResults] = field(default_factory=dict)
    unhealthy: Mapping[str, int] = field(default_factory=dict)  # name -> the kill's grace
    kill_messages: Mapping[str, str] = field(default_factory=dict)


def _probe(prober: Prober | None, pod: dict[str, Any], look: Look, pod_ip: str) -> Probes:
    """Tell the prober what runs now (its workers follow), and read what it says."""
    if prober is None:
        return Probes()
    running = {
        name: RunningContainer(seen.container_id, started, pod_ip)
        for name, attempts in look.containers.items()
        if attempts
        and (seen := attempts[0][1]).running
        and look.sandbox is not None
        and seen.joined == look.sandbox.container_id
        and (started := parse_time(seen.started_at)) is not None
    }
    prober.sync(pod, running)
    policy = dict_of(pod.get("spec")).get("restartPolicy")
    unhealthy: dict[str, int] = {}
    messages: dict[str, str] = {}
    for name in running:
        if (message := prober.must_restart(name)) is not None:
            unhealthy[name] = prober.kill_grace_s(pod, name)
            restarted = ", will be restarted" if policy != "Never" else ""
            messages[name] = f"{message}{restarted}"
    return Probes(
        results={name: prober.results(name) for name in running},
        unhealthy=unhealthy,
        kill_messages=messages,
    )


def _pod_ip(ctx: PodContext, look: Look) -> str:
    sandbox = look.sandbox
    if sandbox is None or not sandbox.running:
        return ""
    return sandbox.addresses.get(ctx.where.network.name, "")


def _volume_files(
    pod: Mapping[str, Any], lookup: CacheLookup
) -> tuple[dict[str, volumes.Payload | None], dict[str, str]]:
    """Each volume's files (None for a volume with none, such as an emptyDir), and the
    volumes whose files cannot be made yet, with why."""
    payloads: dict[str, volumes.Payload | None] = {}
    errors: dict[str, str] = {}
    for volume in dicts_of(dict_of(pod.get("spec")).get("volumes")):
        files = volumes.volume_files(pod, volume, lookup)
        volume_name = str(volume.get("name"))
        if isinstance(files, volumes.MountError):
            errors[volume_name] = files.message
        else:
            payloads[volume_name] = files
    return payloads, errors


def _observed(
    ctx: PodContext,
    pod: dict[str, Any],
    look: Look,
    memory: Memory,
    waiting: Mapping[str, Waiting],
    now: datetime,
    probes: Probes,
) -> pod_status.Observed:
    attempts = _attempts(look, memory.messages)
    spec = dict_of(pod.get("spec"))
    containers = {
        str(c.get("name")): ContainerObserved(
            attempts=attempts.get(str(c.get("name")), ()),
            waiting=waiting.get(str(c.get("name"))),
            probes=probes.results.get(str(c.get("name")), ProbeResults()),
        )
        for c in all_containers(spec)
    }
    sandbox = look.sandbox
    return pod_status.Observed(
        pod=pod,
        containers=containers,
        sandbox=(
            None
            if sandbox is None
            else pod_status.Sandbox(
                running=sandbox.running,
                ips=tuple(ip for ip in (_pod_ip(ctx, look),) if ip),
            )
        ),
        node_ips=ctx.where.node_ips,
        now=now,
    )


def _pull_delay(failures: int) -> float:
    """The wait after `failures` failed pulls in a row (at least one)."""
    return doubling(PULL_BACKOFF_BASE_S, PULL_BACKOFF_CAP_S, max(0, failures - 1))


def _pull_waiting(memory: Memory, now: datetime) -> dict[str, Waiting]:
    """Containers whose image pull is backing off: ImagePullBackOff, as the kubelet's."""
    waiting = {}
    for name, failure in memory.pulls.items():
        if (now - failure.at).total_seconds() < _pull_delay(failure.failures):
            # images/image_manager.go pullImage in back-off: the last pull's error wrapped.
            message = f"Back-off pulling image {go_quote(failure.image)}"
            waiting[name] = Waiting(
                IMAGE_PULL_BACK_OFF, f"{message}: {ERR_IMAGE_PULL}: {failure.error}"
            )
    return waiting


def _remember_pulls(memory: Memory, outcome: Outcome, now: datetime) -> None:
    for name in [
        n for n in memory.pulls if any(getattr(a, "name", None) == n for a in outcome.done)
    ]:
        del memory.pulls[name]  # started: its image is there now
    for name, (image, error) in outcome.pull_failed.items():
        previous = memory.pulls.get(name)
        failures = (previous.failures if previous else 0) + 1
        memory.pulls[name] = PullFailure(now, failures, image, error)


def _deadline_in(pod: dict[str, Any], status: dict[str, Any], now: datetime) -> float | None:
    """Seconds until a running Pod's activeDeadlineSeconds are over, counted from its
    startTime (the kubelet's activeDeadlineHandler); None for no deadline to wait for."""
    deadline = dict_of(pod.get("spec")).get("activeDeadlineSeconds")
    started = parse_time(status.get("startTime"))
    if not isinstance(deadline, int) or isinstance(deadline, bool) or started is None:
        return None
    if status.get("phase") in TERMINAL_PHASES:
        return None
    return max(0.0, deadline - (now - started).total_seconds())


def _requeue(
    decision: Decision, memory: Memory, now: datetime, deadline_in: float | None
) -> float | None:
    """When a pass is due whatever happens: a back-off ending, the active deadline."""
    due = [decision.requeue_in_s] if decision.requeue_in_s is not None else []
    if deadline_in is not None:
        due.append(deadline_in)
    for failure in memory.pulls.values():
        left = _pull_delay(failure.failures) - (now - failure.at).total_seconds()
        due.append(max(0.0, left))
    return min(due) if due else None


# --- writing ---------------------------------------------------------------------------


async def _report(ctx: PodContext, pod: dict[str, Any], status: dict[str, Any]) -> None:
    """Write `status` unless the Pod shows it already; only on the incarnation it is for."""
    if status == pod.get("status"):
        return
    metadata = dict_of(pod.get("metadata"))
    uid = metadata.get("uid")

    def change(current: dict[str, Any]) -> dict[str, Any] | None:
        if current["metadata"].get("uid") != uid or current.get("status") == status:
            return None
        current["status"] = status
        return current

    written = await storage.rewrite(
        ctx.store,
        ctx.keys,
        storage.STRATEGIES[core.POD.resource],
        str(metadata.get("namespace")),
        str(metadata.get("name")),
        change,
    )
    if written is not None:
        log.debug(
            "pod_status_written",
            namespace=metadata.get("namespace"),
            pod=metadata.get("name"),
            phase=status.get("phase"),
        )


async def _finish_deletion(ctx: PodContext, namespace: str, name: str, uid: str) -> None:
    """The kubelet's last word on a deleted Pod: the delete with no grace, for this
    incarnation only (its uid as the precondition)."""
    options = deletion.Options(grace_period_seconds=0, uid=uid)
    try:
        await storage.delete_object(
            ctx.store,
            ctx.keys,
            storage.STRATEGIES[core.POD.resource],
            namespace,
            name,
            dry_run=False,
            options=options,
        )
    except KubeError as exc:
        if exc.code not in (404, 409):  # gone, or made again: nothing left of ours
            raise


async def _clean_up(ctx: PodContext, ref: PodRef) -> None:
    """Remove what an incarnation of the Pod left on Docker and on disk (a forced delete,
    or a Pod made again under the same name)."""
    runtime = ctx.where.runtime
    listed = await runtime.list_managed(ctx.where.cluster_id, pod_uid=ref.uid)
    for container in infra_last(listed):  # the joined ones first: see `infra_last`
        await runtime.remove(container.container_id)
    await volume_dirs.tear_down(volume_dirs.PodDirs(ctx.where.data_root, ref.uid))
    log.info("pod_cleaned_up", namespace=ref.namespace, pod=ref.name, uid=ref.uid)


# --- the actor -------------------------------------------------------------------------


def _count(ctx: PodContext) -> Callable[[str], None]:
    return lambda outcome: ctx.metrics.inc("mcp_pod_passes_total", outcome=outcome)


async def run(
    ctx: PodContext,
    namespace: str,
    name: str,
    nudges: trio.MemoryReceiveChannel[None],
    memory: Memory,
    prober: Prober | None = None,
) -> None:
    """Reconcile the Pod until it is gone or `nudges` is closed. Closes `nudges`.
    Transient failures are retried with capped backoff; anything else propagates."""
    one = PodReconciler(ctx, namespace, name, memory, prober)
    await reconciler.loop(
        lambda: reconciler.reconcile(one, ctx.events),
        nudges,
        finished=Finished,
        resync_s=ctx.resync_interval,
        backoff=Backoff(base=ctx.actor_backoff.base, cap=ctx.actor_backoff.cap),
        passes=ctx.passes,
        count=_count(ctx),
        log=log.bind(namespace=namespace, pod=name),
    )


async def supervise(
    ctx: PodContext,
    namespace: str,
    name: str,
    nudges: trio.MemoryReceiveChannel[None],
    changed: dict[str, str] | None = None,
    nudge: Callable[[], None] = lambda: None,
) -> None:
    """Run the Pod's actor under the engine's supervisor: a crash is recorded as the
    kubelet's FailedSync event and the actor restarted with backoff; its memory and its
    prober (which calls `nudge` when a result changes) outlive the crash. Ends when the
    actor ends, or when `nudges` closes."""
    memory = Memory(changed=changed if changed is not None else {})

    def record(reason: str, message: str, container: str, type_: EventType) -> None:
        stored = ctx.cache.kube.get(core.POD, namespace, name)
        if stored is not None:
            about = involved(stored.obj, container)
            ctx.events.record(about, reason, message, type_=type_, component=KUBELET)

    async def crashed(exc: Exception) -> None:
        stored = ctx.cache.kube.get(core.POD, namespace, name)
        if stored is not None:
            ctx.events.record(
                involved(stored.obj),
                "FailedSync",
                f"error determining status: {type(exc).__name__}: {exc}",
                type_="Warning",
                component=KUBELET,
            )

    # The inbox closes last, once the prober has stopped: the dispatcher forgets this
    # actor only then (no await between), and nudges it meanwhile find it open.
    with nudges:
        async with open_prober(
            ctx.where.runtime, limiter=ctx.probes, nudge=nudge, record=record
        ) as prober:
            await reconciler.supervise(
                lambda inbox: run(ctx, namespace, name, inbox, memory, prober),
                nudges.clone(),
                backoff=Backoff(base=ctx.actor_backoff.base, cap=ctx.actor_backoff.cap),
                crashed=crashed,
                count=_count(ctx),
                log=log.bind(namespace=namespace, pod=name),
                event="pod_actor_crashed",
            )
