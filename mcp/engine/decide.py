"""Every decision of a reconcile pass, from what the pass read: pure.

`decide(situation)` is level-based, like controller-runtime's reconcile: it looks at the
current desired state (from etcd), the current observed state (from Docker) and the few
facts the actor keeps between passes (`Memory`: back-off histories, whether it has
looked at Docker yet, its last report), never at what a previous pass did, so running it
again after a crash or a missed event is always safe. No I/O, no trio: the tests drive
it from tables.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

from mcp.backoff import doubling
from mcp.model import (
    LABEL_CLUSTER,
    Container,
    Observed,
    Status,
    docker_name,
    format_time,
    parse_time,
)


@dataclass(frozen=True)
class CreateContainer:
    """Create the Docker container from the object's spec (not started)."""


@dataclass(frozen=True)
class StartContainer:
    """Start the container; `restart` when it exited on its own and the policy restarts it."""

    restart: bool = False


@dataclass(frozen=True)
class StopContainer:
    pass


@dataclass(frozen=True)
class UnpauseContainer:
    """Unpause a container paused outside mcp (`docker pause`): a paused container that
    should run is drift, and one that must stop or go cannot take SIGTERM while frozen."""


@dataclass(frozen=True)
class RemoveContainer:
    """Remove the Docker container (force: it may still run when replaced)."""


@dataclass(frozen=True)
class FinalizeDeletion:
    """Delete the object and its status from etcd: Docker holds nothing of it any more."""


@dataclass(frozen=True)
class RenameContainer:
    """Give the object's Docker name back to its container, renamed outside mcp."""

    container_id: str
    was: str  # the name it had


@dataclass(frozen=True)
class RemoveStray:
    """Remove another container of this object (found under another name): one object
    never has two."""

    container_id: str
    name: str


Action = (
    RenameContainer
    | RemoveStray
    | CreateContainer
    | StartContainer
    | StopContainer
    | UnpauseContainer
    | RemoveContainer
    | FinalizeDeletion
)


@dataclass(frozen=True)
class BackoffPolicy:
    """CrashLoopBackOff timing, as Kubernetes': the first restart at once, then `base_s`
    doubling up to `cap_s`; a container that ran `reset_s` before exiting starts afresh."""

    base_s: float = 10.0
    cap_s: float = 300.0
    reset_s: float = 600.0

    def delay(self, loop_restarts: int) -> float:
        """The pause before the next restart, after `loop_restarts` restarts in this loop."""
        if loop_restarts == 0:
            return 0.0
        return doubling(self.base_s, self.cap_s, loop_restarts - 1)

    def for_container(self, desired: Container) -> BackoffPolicy:
        """This policy with the container's own settings (spec.restartBackoff) on top."""
        own = desired.spec.restart_backoff
        return BackoffPolicy(
            base_s=own.base_seconds or self.base_s,
            cap_s=own.cap_seconds or self.cap_s,
            reset_s=own.reset_seconds or self.reset_s,
        )


@dataclass(frozen=True)
class CrashLoop:
    """A restart the policy wants: how many came before it in this loop, and when it is due."""

    loop_restarts: int
    delay_s: float
    due_at: datetime


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def pending_restart(
    desired: Container, observed: Observed | None, last: Status | None, backoff: BackoffPolicy
) -> CrashLoop | None:
    """The restart the policy wants for a container that exited on its own, or None."""
    if not _ran_for(desired, last):
        return None
    return restart_due(desired, observed, last.crash_loop_restarts if last else 0, backoff)


def restart_due(
    desired: Container, observed: Observed | None, loop_restarts: int, backoff: BackoffPolicy
) -> CrashLoop | None:
    """The restart the policy wants for `observed`, which exited on its own after
    `loop_restarts` restarts in this crash loop (or None: it runs, it is not this
    object's current container, or the policy leaves it)."""
    if (
        desired.deleting
        or desired.spec.state != "running"
        or observed is None
        or observed.running
        or observed.docker_status == "created"
        or observed.uid != desired.uid
        or observed.spec_hash != desired.spec.runtime_hash()
        or not restarts(desired, observed)
    ):
        return None
    policy = backoff.for_container(desired)
    started, finished = parse_time(observed.started_at), parse_time(observed.finished_at)
    if started and finished and (finished - started).total_seconds() >= policy.reset_s:
        loop_restarts = 0  # it ran long enough: this exit starts a new loop
    delay = policy.delay(loop_restarts)
    return CrashLoop(loop_restarts, delay, (finished or EPOCH) + timedelta(seconds=delay))


def as_reported(desired: Container, observed: Observed, last: Status | None) -> bool:
    """Docker still shows exactly what the last report says, and that report is current.

    Then a restarted control plane has nothing to do for this object: it adopts the
    container without asking Docker anything more than the one list it made for all.
    """
    return (
        last is not None
        and not desired.deleting
        and last.uid == desired.uid == observed.uid
        and last.observed_generation == desired.generation
        and last.container_id == observed.container_id
        and observed.spec_hash == desired.spec.runtime_hash()
        and not paused(observed)
        and (
            (desired.spec.state == "running" and observed.running and last.phase == "Running")
            or (
                desired.spec.state == "stopped" and not observed.running and last.phase == "Stopped"
            )
        )
    )


def foreign(observed: Observed | None, cluster_id: str) -> bool:
    """A container holds the object's Docker name but is not this control plane's.

    mcp never touches such a container (made by hand, or by another mcp cluster):
    the object reports the clash instead.
    """
    return observed is not None and observed.labels.get(LABEL_CLUSTER) != cluster_id


def steps(
    desired: Container,
    observed: Observed | None,
    last: Status | None,
    loop: CrashLoop | None,
    now: datetime,
) -> list[Action]:
    """The steps that take Docker from `observed` to `desired`, in order.

    Args:
        desired: the object as stored in etcd.
        observed: its Docker container, or None when Docker has none by its name.
        last: the status reported last, which tells whether an exited container ran
            for this generation of the spec (then the restart policy decides) or the
            user has asked for it to run since (then it starts).
        loop: the restart the policy wants (`pending_restart`), if any.
        now: the pass's time: a restart not due yet waits.

    Returns:
        The actions to run in order; empty when Docker already matches.
    """
    if desired.deleting:
        if observed is None:
            return [FinalizeDeletion()]
        if observed.running:
            return [*_stop(observed), RemoveContainer(), FinalizeDeletion()]
        return [RemoveContainer(), FinalizeDeletion()]

    then_start: list[Action] = [StartContainer()] if desired.spec.state == "running" else []
    if observed is None:
        return [CreateContainer(), *then_start]
    if observed.uid != desired.uid or observed.spec_hash != desired.spec.runtime_hash():
        # Another incarnation's container holds the name, or the spec changed: replace it.
        stop_first = _stop(observed) if observed.running else []
        return [*stop_first, RemoveContainer(), CreateContainer(), *then_start]
    if paused(observed):
        return [UnpauseContainer()] if desired.spec.state == "running" else _stop(observed)
    if desired.spec.state == "running" and not observed.running:
        if observed.docker_status == "created" or not _ran_for(desired, last):
            return [StartContainer()]
        if loop is None or now < loop.due_at:
            return []  # the policy leaves it, or it is backing off
        return [StartContainer(restart=True)]
    if desired.spec.state == "stopped" and observed.running:
        return [StopContainer()]
    return []


def paused(observed: Observed) -> bool:
    """Docker froze the container (`docker pause`); it still counts as running there."""
    return observed.docker_status == "paused"


def _stop(observed: Observed) -> list[Action]:
    """Stopping a running container, unpausing it first when it is paused."""
    return [UnpauseContainer(), StopContainer()] if paused(observed) else [StopContainer()]


def _ran_for(desired: Container, last: Status | None) -> bool:
    """Did the last report already cover this generation (so an exit is the container's own)?"""
    return (
        last is not None
        and last.uid == desired.uid
        and last.observed_generation >= desired.generation
        and last.phase != "Pending"
    )


def restarts(desired: Container, observed: Observed) -> bool:
    """Whether the restart policy restarts a container that exited on its own."""
    policy = desired.spec.restart_policy
    return policy == "Always" or (policy == "OnFailure" and observed.exit_code != 0)


@dataclass(frozen=True)
class Failure:
    """Why a pass could not finish: a machine word (Kubernetes' where one fits) and a text."""

    reason: str  # ErrImagePull, ErrImageNeverPull, CreateContainerError, RunContainerError
    message: str


# --- what an actor keeps between passes ------------------------------------------------

IMAGE_FAILURES = frozenset({"ErrImagePull", "ErrImageNeverPull"})
START_FAILURES = frozenset({"RunContainerError"})


@dataclass(frozen=True)
class Attempts:
    """Failed attempts at one step (pulling the image, starting the container) for one
    generation of the spec and one container, kept in memory as the kubelet does: a new
    generation (a new image, a fixed port) or a new container (the old one was removed)
    starts a fresh history."""

    generation: int = 0
    container_id: str | None = None  # the container whose start failed (starts only)
    failures: int = 0
    retry_at: datetime | None = None
    last_error: str = ""

    def about(self, generation: int, container_id: str | None = None) -> Attempts:
        """This history if it is about this generation and container, else a fresh one."""
        if (generation, container_id) == (self.generation, self.container_id):
            return self
        return Attempts(generation, container_id)

    def waiting(self, now: datetime) -> bool:
        return self.retry_at is not None and now < self.retry_at

    def failed(self, error: str, delay_s: float, now: datetime) -> Attempts:
        return replace(
            self,
            failures=self.failures + 1,
            retry_at=now + timedelta(seconds=delay_s),
            last_error=error,
        )

    def succeeded(self) -> Attempts:
        return Attempts(self.generation, self.container_id)


@dataclass(frozen=True)
class Memory:
    """What one actor remembers between its passes, and across its own crash restarts
    (its supervisor keeps it): the first look at Docker is made once per object and
    process, so an adoption is counted once."""

    pulls: Attempts = field(default_factory=Attempts)
    starts: Attempts = field(default_factory=Attempts)
    # Whether a pass has looked at Docker yet: only the first look adopts a container
    # (one found there already). A retry after a failed step finds the container this
    # actor just made, which is not an adoption.
    looked: bool = False
    # The status this actor wrote last, with its revision. The cache learns of it from
    # etcd's watch, which can lag behind under load: a pass that took the cache's older
    # status would, say, take an exit right after a start for one that came before the
    # report and not count the restart.
    reported: Status | None = None

    def last_status(self, cache_status: Status | None, desired: Container) -> Status | None:
        """The newer of the cache's status and this actor's own last report."""
        mine = self.reported
        if mine is None or mine.uid != desired.uid:
            return cache_status
        if cache_status is None or cache_status.revision < mine.revision:
            return mine
        return cache_status


# --- one pass's decisions --------------------------------------------------------------


@dataclass(frozen=True)
class Situation:
    """What a pass read: the object, Docker's view of it, and what the actor remembers."""

    desired: Container
    # The container holding the object's Docker name (None: none does), from an inspect
    # or, on a first look, from the start-up list.
    observed: Observed | None
    last: Status | None  # the newest status: the cache's or this actor's last report
    memory: Memory
    cluster_id: str
    now: datetime
    backoff: BackoffPolicy
    # When no container holds the name: this object's containers under other names.
    strays: tuple[Observed, ...] = ()
    # A first look that the start-up list settled (`primed_is_enough`): Docker shows
    # exactly what the last report says, and `observed` is the list's summary.
    as_reported: bool = False
    # `observed` is None by a guess, not an inspect (`may_guess_absent`): a create that
    # finds the name taken sends the pass back to look.
    guessed: bool = False


@dataclass(frozen=True)
class Decision:
    """Every decision of one pass (`decide`)."""

    actions: tuple[Action, ...]
    # What holds the next step back (ImagePullBackOff, CrashLoopBackOff, NameConflict):
    # the actions stop before it; None when nothing does.
    blocked: Failure | None = None
    retry_in_s: float | None = None  # when a back-off that blocks ends
    adopted: Observed | None = None  # this object's container, found on the first look
    replaced: Observed | None = None  # another incarnation's container holding the name
    restart: CrashLoop | None = None  # the policy restart the actions make
    # The step histories, as of this pass (a new generation or container starts afresh).
    pulls: Attempts = field(default_factory=Attempts)
    starts: Attempts = field(default_factory=Attempts)

    @property
    def name_clash(self) -> bool:
        return self.blocked is not None and self.blocked.reason == "NameConflict"


def primed_is_enough(desired: Container, summary: Observed | None, last: Status | None) -> bool:
    """Whether the start-up list's `summary` of the object's container settles a first
    look without inspecting it (`as_reported`): then adopting N unchanged containers
    after a restart costs no call per container."""
    return summary is not None and as_reported(desired, summary, last)


def may_guess_absent(desired: Container, last: Status | None) -> bool:
    """Whether a pass may skip asking Docker for the object's container and create it
    straight away: nothing was ever reported for this incarnation of the object, so no
    pass has made its container, as far as anyone knows (a pass that made one and
    crashed before its report is found by the create's name clash, and a second
    container of one object by the orphan sweeper). A raw create-and-start is two
    Docker calls; this keeps a new object's first pass at that, plus the look after."""
    return not desired.deleting and (last is None or last.uid != desired.uid)


def decide(situation: Situation) -> Decision:
    """Every decision of a pass, from what it read."""
    desired, now = situation.desired, situation.now
    observed = situation.observed
    renames: list[Action] = []
    if observed is None and situation.strays:
        # Renamed behind mcp's back: the object's container by its uid label, not its
        # name. Keep a running one; the others go.
        kept, *extra = sorted(situation.strays, key=lambda stray: not stray.running)
        renames = [
            RenameContainer(kept.container_id, kept.name),
            *(RemoveStray(stray.container_id, stray.name) for stray in extra),
        ]
        observed = replace(kept, name=docker_name(desired.name))
    first_look = not situation.memory.looked
    adopted = (
        observed if first_look and observed is not None and observed.uid == desired.uid else None
    )
    if foreign(observed, situation.cluster_id):
        assert observed is not None
        return Decision((), blocked=_name_clash(desired, observed))
    replaced = observed if observed is not None and observed.uid != desired.uid else None
    loop = pending_restart(desired, observed, situation.last, situation.backoff)
    pulls = situation.memory.pulls.about(desired.generation)
    starts = situation.memory.starts.about(
        desired.generation, observed.container_id if observed else None
    )
    planned = steps(desired, observed, situation.last, loop, now)
    blocked: Failure | None = None
    retry_in_s: float | None = None
    for index, step in enumerate(planned):
        held = _held_back(desired, step, pulls, starts, now)
        if held is not None:
            blocked, retry_in_s = held
            planned = planned[:index]
            break
    restart = loop if StartContainer(restart=True) in planned else None
    return Decision(
        (*renames, *planned),
        blocked=blocked,
        retry_in_s=retry_in_s,
        adopted=adopted,
        replaced=replaced,
        restart=restart,
        pulls=pulls,
        starts=starts,
    )


def _name_clash(desired: Container, observed: Observed) -> Failure:
    owner = observed.labels.get(LABEL_CLUSTER)
    whose = f"mcp cluster {owner}" if owner else "no mcp (made outside mcp)"
    return Failure(
        "NameConflict",
        f"a Docker container named {docker_name(desired.name)} ({observed.container_id[:12]}) "
        f"belongs to {whose}; mcp leaves it alone: remove or rename it",
    )


def _held_back(
    desired: Container, action: Action, pulls: Attempts, starts: Attempts, now: datetime
) -> tuple[Failure, float] | None:
    """The back-off that holds `action` back (its failure and seconds left), or None."""
    if isinstance(action, CreateContainer) and pulls.waiting(now):
        history, reason = pulls, "ImagePullBackOff"
        what = f"pulling image {desired.spec.image}"
    elif isinstance(action, StartContainer) and starts.waiting(now):
        history, reason = starts, "CrashLoopBackOff"
        what = "starting the container"
    else:
        return None
    assert history.retry_at is not None  # waiting() says so
    message = f"back-off {what}: {history.last_error}; next try at {format_time(history.retry_at)}"
    return Failure(reason, message), (history.retry_at - now).total_seconds()
