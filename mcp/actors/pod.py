"""One Pod's actor: the kubelet's pod worker, on Docker.

A pass reads the Pod from the watch cache and its Docker containers from one Docker list
(`docker inspect` only for containers not seen in this state before), judges the phase
the kubelet would act on (`status.generated_phase`), calls `decide`, runs the actions
(`execute`), looks at Docker again if anything was done, and writes the Pod's `status`
(`status.pod_status`) when it says something new; then the events it held are queued.
A Pod gone from the cache (deleted, or made again under another uid) has its Docker
containers and volume directories removed by the actor, which then ends.

`run` is the thin loop around a pass (`pods.py` starts one per Pod, nudges it with a
capacity-1 inbox); `supervise` contains an actor's crash: logged with its traceback,
recorded as a Warning event on the Pod, the actor restarted with backoff, its memory
kept.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import trio

from mcp import failpoints, logs
from mcp.actors import nudged
from mcp.apiserver import deletion, storage
from mcp.apiserver.status import KubeError
from mcp.backoff import Backoff
from mcp.cache import Cache
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
from mcp.engine.pods.decide import Decision, PodMemory, PodSituation, decide
from mcp.engine.pods.execute import Outcome, Step, Where, execute, involved
from mcp.engine.pods.prober import Prober, RunningContainer, open_prober
from mcp.engine.pods.sources import CacheLookup
from mcp.engine.pods.volume_dirs import VolumeDirError
from mcp.events import EventType, Held, Recorder
from mcp.kinds import core
from mcp.kinds.apimachinery import go_quote
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
    """One level-triggered pass for Pod `namespace/name`; the seconds until one is due
    again whatever happens (a back-off ending), or None.

    Raises:
        Finished: the Pod is gone and so is everything it had on Docker.
        RuntimeUnavailable, RuntimeBusy, StoreUnavailable: transient; retried later.
    """
    held = Held(ctx.events)
    try:
        return await _pass(ctx, held, namespace, name, memory, prober)
    finally:
        held.release()


async def _pass(
    ctx: PodContext,
    held: Held,
    namespace: str,
    name: str,
    memory: Memory,
    prober: Prober | None,
) -> float | None:
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
    spec = dict_of(pod.get("spec"))
    if spec.get("nodeName") not in (None, "", ctx.where.node_name):
        # Another node's: nothing of it runs here. Deleted, nobody else would finish it
        # (the PodGC's job upstream for a Pod bound to a node that does not exist).
        if dict_of(pod.get("metadata")).get("deletionTimestamp"):
            await _finish_deletion(ctx, namespace, name, uid)
        else:
            await _report(ctx, pod, _elsewhere(pod, ctx.where.node_name, ctx.clock()))
        return None
    if not memory.scheduled:
        memory.scheduled = True
        if not dict_of(pod.get("status")).get("conditions"):
            held.record(
                involved(pod),
                "Scheduled",
                f"Successfully assigned {namespace}/{name} to {ctx.where.node_name}",
                component=SCHEDULER,
            )
    lookup = CacheLookup(ctx.cache.kube)
    look = await _look(ctx, ref, memory)

    now = ctx.clock()
    payloads, mount_errors = _volume_files(pod, lookup)
    pod_ip = _pod_ip(ctx, look)

    def env_for(
        container: Mapping[str, Any], ip: str
    ) -> list[tuple[str, str]] | pod_env.ConfigError:
        return pod_env.container_env(
            pod,
            container,
            lookup,
            pod_ip=ip,
            node_name=ctx.where.node_name,
            host_ip=ctx.where.node_ips[0] if ctx.where.node_ips else "",
            host_ips=ctx.where.node_ips,
        )

    waiting_before = _pull_waiting(memory, now)
    probes = _probe(prober, pod, look, pod_ip)
    before = _observed(ctx, pod, look, memory, waiting_before, now, probes)
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
        held_back=waiting_before,
        unhealthy=probes.unhealthy,
        terminal=terminal,
    )
    decision = decide(situation)
    actions = decision.actions
    deleting = bool(dict_of(pod.get("metadata")).get("deletionTimestamp"))
    if mount_errors and not deleting:
        # The kubelet waits for every volume before it makes the sandbox.
        for volume_name, message in mount_errors.items():
            held.record(
                involved(pod),
                volumes.REASON,
                volumes.mount_failed_message(volume_name, message),
                type_="Warning",
                component=KUBELET,
            )
        actions = ()
    if look.sandbox is not None and look.sandbox.running and not deleting and not mount_errors:
        await _refresh_volumes(ctx, held, pod, ref, payloads)
    step = Step(
        pod=pod,
        ref=ref,
        sandbox_id=look.sandbox.container_id if look.sandbox and look.sandbox.running else None,
        pod_ip=pod_ip,
        env=env_for,
        volumes=payloads,
        kill_messages=probes.kill_messages,
    )

    async def finish() -> None:
        await _finish_deletion(ctx, namespace, name, uid)

    outcome = await execute(ctx.where, step, actions, finish_deletion=finish)
    for event in outcome.events:
        held.record(
            event.involved, event.reason, event.message, type_=event.type_, component=KUBELET
        )
    memory.seen.update(outcome.seen)
    _remember_pulls(memory, outcome, now)
    memory.pod = decision.memory
    if outcome.finished:
        log.info("pod_deleted", namespace=namespace, pod=name, uid=uid)
        memory.seen.clear()
        return None
    if outcome.done:
        look = await _look(ctx, ref, memory)
    waiting = {**decision.waiting, **waiting_before, **outcome.failed}
    for container, reason in decision.waiting.items():
        if reason.reason == IMAGE_PULL_BACK_OFF and container in memory.pulls:
            # EnsureImageExists' Normal BackOff, then startContainer's Warning Failed.
            about = involved(pod, container)
            image = go_quote(memory.pulls[container].image)
            held.record(about, "BackOff", f"Back-off pulling image {image}", component=KUBELET)
            held.record(
                about,
                "Failed",
                f"Error: {IMAGE_PULL_BACK_OFF}",
                type_="Warning",
                component=KUBELET,
            )
        if reason.reason == "CrashLoopBackOff" and container not in outcome.failed:
            held.record(
                involved(pod, container),
                "BackOff",
                f"Back-off restarting failed container {container} in pod {format_pod(pod)}",
                type_="Warning",
                component=KUBELET,
            )
    if outcome.done:
        probes = _probe(prober, pod, look, _pod_ip(ctx, look))
    after = _observed(ctx, pod, look, memory, waiting, ctx.clock(), probes)
    reported = pod_status.pod_status(after)
    await _report(ctx, pod, reported)
    return _requeue(decision, memory, now, _deadline_in(pod, reported, now))


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
        "lastTransitionTime": was.get("lastTransitionTime") or pod_status.rfc3339(now),
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
    held: Held,
    pod: dict[str, Any],
    ref: PodRef,
    payloads: Mapping[str, volumes.Payload | None],
) -> None:
    """The files of the running Pod's volumes brought up to date, as the kubelet's volume
    manager does on every sync: a changed ConfigMap or Secret is swapped in at once."""
    dirs = volume_dirs.PodDirs(ctx.where.data_root, ref.uid)
    for volume in dicts_of(dict_of(pod.get("spec")).get("volumes")):
        payload = payloads.get(str(volume.get("name")))
        if payload is None:
            continue  # no files: an emptyDir holds what the containers wrote
        try:
            await volume_dirs.set_up(dirs, pod, volume, payload)
        except (VolumeDirError, VolumeWriteError) as exc:
            held.record(involved(pod), volumes.REASON, str(exc), type_="Warning", component=KUBELET)


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
    return min(PULL_BACKOFF_CAP_S, PULL_BACKOFF_BASE_S * 2.0 ** max(0, failures - 1))


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
    await nudged.loop(
        lambda: reconcile(ctx, namespace, name, memory, prober),
        nudges,
        finished=Finished,
        resync_s=ctx.resync_interval,
        backoff=Backoff(base=ctx.actor_backoff.base, cap=ctx.actor_backoff.cap),
        passes=ctx.passes,
        count=lambda outcome: ctx.metrics.inc("mcp_pod_passes_total", outcome=outcome),
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
    """Run the Pod's actor, restarting it with backoff after an unexpected error; its
    memory and its prober (which calls `nudge` when a result changes) outlive the crash.
    Ends when the actor ends, or when `nudges` closes."""
    actor_log = log.bind(namespace=namespace, pod=name)
    backoff = Backoff(base=ctx.actor_backoff.base, cap=ctx.actor_backoff.cap)
    memory = Memory(changed=changed if changed is not None else {})

    def record(reason: str, message: str, container: str, type_: EventType) -> None:
        stored = ctx.cache.kube.get(core.POD, namespace, name)
        if stored is not None:
            about = involved(stored.obj, container)
            ctx.events.record(about, reason, message, type_=type_, component=KUBELET)

    with nudges:
        async with open_prober(
            ctx.where.runtime, limiter=ctx.probes, nudge=nudge, record=record
        ) as prober:
            while True:
                try:
                    await run(ctx, namespace, name, nudges.clone(), memory, prober)
                    return
                except Exception as exc:  # an actor bug: contain it to this one Pod
                    ctx.metrics.inc("mcp_pod_passes_total", outcome="crashed")
                    delay = backoff.next_delay()
                    actor_log.exception(
                        "pod_actor_crashed", attempt=backoff.attempt, retry_in=delay
                    )
                    stored = ctx.cache.kube.get(core.POD, namespace, name)
                    if stored is not None:
                        ctx.events.record(
                            involved(stored.obj),
                            "FailedSync",
                            f"error determining status: {type(exc).__name__}: {exc}",
                            type_="Warning",
                            component=KUBELET,
                        )
                if not await nudged.sit_out(nudges, delay):
                    return
