"""Leader election per etcd prefix: one `mcp run` runs the controllers, the others stand by.

The leader holds `<prefix>/leader`: a key written in a transaction only if absent
(`version == 0`) and attached to an etcd lease of `leader_lease` seconds, its value naming
the holder (host, pid, a random id, when acquired). The shape is client-go's
`tools/leaderelection` on an etcd lease: the leader renews every third of the lease and
gives up when no renewal succeeded for two thirds of it (client-go's RenewDeadline below
LeaseDuration), counted from before the last successful keep-alive was sent. So the leader
stops acting before etcd, whose clock starts later, can let anyone else have the key.

A standby re-reads the key whenever a watch on it fires (a release or an expiry deletes
it) and every `retry` seconds, logging `leader_standby` whenever the holder changes.

A holder on this same host (same host name, boot id and pid namespace) whose process is
gone (its pid is not alive, or is another process now: the start time differs) is stale:
a `kill -9` left its lease to run out. Its key is replaced at once, guarded by its mod
revision, so mcp restarted after a crash (tests, benchmarks, an operator) adopts its
containers without waiting out the lease. Holders on other hosts are never judged so.

Losing the lease while leading (`leader_lost`: not renewed in time, the lease gone, the
key deleted or someone else's) cancels `lead()` at once, and this process campaigns
again as a standby. kube-controller-manager exits instead and relies on the kubelet to
restart it; mcp usually runs alone with nobody to restart it, and its rule is that etcd
being away is transient: a single mcp whose etcd is down or frozen past the renew
deadline must come back as leader when etcd does, not be dead. Stepping down in process
is safe because nothing outlives its nursery: when `lead()` has returned every controller
task has ended, and the next term starts afresh and adopts the containers by their
labels, as a restart does. This is not fencing: a Docker call already in flight (in its
thread) when the lease is lost still completes, exactly as if the process had exited.

A graceful stop revokes the lease once the controllers have finished, so a standby (or
the next start) takes over at once instead of after the lease's time.
"""

from __future__ import annotations

import enum
import json
import os
import secrets
import socket
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import trio

from mcp import logs
from mcp.errors import Compacted, StoreUnavailable
from mcp.model import now_iso
from mcp.store import Compare, KeyValue, Put, Store

log = logs.get(actor="leader")

CLEANUP_S = 2.0
PROC = Path("/proc")


def key_for(prefix: str) -> str:
    """The election key under an etcd prefix (outside `registry/`: the watch ignores it)."""
    return f"{prefix}/leader"


@dataclass(frozen=True)
class Timing:
    """Every interval of the election, from the lease's length."""

    lease_s: int

    @property
    def renew_every(self) -> float:
        return self.lease_s / 3

    @property
    def renew_deadline(self) -> float:
        """No renewal for this long: give up, well before etcd lets the lease expire."""
        return self.lease_s * 2 / 3

    @property
    def retry(self) -> float:
        """A standby's poll, and the pause after a failed renewal or campaign step."""
        return min(2.0, self.lease_s / 3)


@dataclass(frozen=True)
class Holder:
    """Who holds, or asks for, the leadership: stored as the key's value."""

    host: str
    pid: int
    id: str  # random: tells two lives of one pid apart
    boot_id: str = ""  # with the pid namespace and start time, names one process exactly
    pid_namespace: str = ""
    start_ticks: int = 0  # the process's start, in clock ticks since boot (/proc/PID/stat)
    acquired_at: str = ""

    @property
    def identity(self) -> str:
        return f"{self.host}/{self.pid}/{self.id}"

    def encode(self) -> bytes:
        return json.dumps({"holder": self.identity, **asdict(self)}).encode()

    @classmethod
    def decode(cls, value: bytes) -> Holder:
        """The holder a stored value names; one that can be read no other way is a holder
        nobody can judge (so a standby waits for its lease)."""
        try:
            fields = json.loads(value)
            return cls(
                host=str(fields["host"]),
                pid=int(fields["pid"]),
                id=str(fields["id"]),
                boot_id=str(fields.get("boot_id", "")),
                pid_namespace=str(fields.get("pid_namespace", "")),
                start_ticks=int(fields.get("start_ticks", 0)),
                acquired_at=str(fields.get("acquired_at", "")),
            )
        except (ValueError, TypeError, KeyError):
            return cls(host="?", pid=0, id=value[:32].decode(errors="replace"))


def same_machine(a: Holder, b: Holder) -> bool:
    """Whether `b`'s pid can be looked up where `a` runs: same host, boot and pid namespace."""
    return bool(a.boot_id and a.pid_namespace) and (a.host, a.boot_id, a.pid_namespace) == (
        b.host,
        b.boot_id,
        b.pid_namespace,
    )


class Verdict(enum.Enum):
    ACQUIRE = "acquire"  # nobody holds it: create the key
    TAKE_OVER = "take-over"  # replace the key, guarded by its mod revision
    STAND_BY = "stand-by"


def decide(held: Holder | None, *, me: Holder, holder_alive: bool) -> Verdict:
    """What a candidate does about the key it read.

    Args:
        held: the key's holder, None if there is no key.
        me: this process.
        holder_alive: whether `held`'s process runs (only asked when on this machine).
    """
    if held is None:
        return Verdict.ACQUIRE
    if held.identity == me.identity:
        return Verdict.TAKE_OVER  # ours: a write whose answer was lost; renew it anew
    if same_machine(me, held) and not holder_alive:
        return Verdict.TAKE_OVER
    return Verdict.STAND_BY


def lost_reason(ttl_left: int, held: Holder | None, *, me: Holder) -> str | None:
    """Why a renewal round shows the leadership lost, or None if it is still ours."""
    if ttl_left <= 0:
        return "lease_expired"
    if held is None:
        return "key_deleted"
    if held.identity != me.identity:
        return "key_taken"
    return None


# --- this process, as /proc shows it ---------------------------------------------------------


def _stat_fields(pid: int | str) -> list[str] | None:
    """/proc/PID/stat from the state field on (the command name may hold spaces)."""
    try:
        text = (PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    return text.rpartition(")")[2].split()


def _read(path: Path) -> str:
    try:
        return path.read_text().strip()
    except OSError:
        return ""


def this_process() -> Holder:
    """This process as a candidate; without /proc (not Linux) it is never judged stale."""
    fields = _stat_fields("self")
    try:
        namespace = os.readlink(PROC / "self" / "ns" / "pid")
    except OSError:
        namespace = ""
    return Holder(
        host=socket.gethostname(),
        pid=os.getpid(),
        id=secrets.token_hex(4),
        boot_id=_read(PROC / "sys" / "kernel" / "random" / "boot_id"),
        pid_namespace=namespace,
        start_ticks=int(fields[19]) if fields else 0,
    )


def process_alive(holder: Holder) -> bool:
    """Whether `holder`'s process still runs here (a zombie does not)."""
    fields = _stat_fields(holder.pid)
    if fields is None:
        return False
    return fields[0] not in ("Z", "X") and int(fields[19]) == holder.start_ticks


# --- the election ----------------------------------------------------------------------------


class Role:
    """This process's part, for /healthz. Written by the election only."""

    def __init__(self) -> None:
        self.name = "standby"
        self.holder: str | None = None


@dataclass(frozen=True)
class Lease:
    id: int
    granted_at: float  # trio clock, before the grant was sent: etcd's timer starts later


@dataclass(frozen=True)
class _Held:
    holder: Holder
    revision: int  # the key's mod revision: watch for what comes after


async def run(
    store: Store,
    key: str,
    *,
    timing: Timing,
    me: Holder,
    role: Role,
    lead: Callable[[], Awaitable[None]],
    task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED,
) -> None:
    """Campaign until elected, run `lead()` while the lease holds; again after each loss.

    Reports started once this process first stands by or leads. `lead()` is cancelled at
    once when the leadership is lost, and called again in the next term. Returns when
    `lead()` returns (shutdown), after revoking the lease. Cancelled while standing by,
    it holds nothing.
    """
    reported = False

    def report() -> None:
        nonlocal reported
        if not reported:
            reported = True
            task_status.started()

    while True:
        lease = await _campaign(store, key, timing=timing, me=me, role=role, report=report)
        role.name, role.holder = "leader", me.identity
        log.info("leader_elected", holder=me.identity, key=key, lease_s=timing.lease_s)
        report()
        try:
            lost = await _lead_while_held(store, key, lease, me, timing, lead)
        finally:
            # Only now: the controllers have stopped, so nobody acts once a standby leads.
            with trio.move_on_after(CLEANUP_S, shield=True):
                if await _revoke(store, lease.id):
                    log.info("leader_released", holder=me.identity)
        if not lost:
            return
        role.name, role.holder = "standby", None


async def _lead_while_held(
    store: Store,
    key: str,
    lease: Lease,
    me: Holder,
    timing: Timing,
    lead: Callable[[], Awaitable[None]],
) -> bool:
    """Run `lead()` while renewing; True if it was cancelled because the lease was lost."""
    lost = False
    async with trio.open_nursery() as nursery:

        async def renew() -> None:
            nonlocal lost
            await _renew(store, key, lease, me, timing)
            lost = True
            nursery.cancel_scope.cancel()  # the controllers stop wherever they are

        nursery.start_soon(renew)
        await lead()
        nursery.cancel_scope.cancel()
    return lost


async def _campaign(
    store: Store,
    key: str,
    *,
    timing: Timing,
    me: Holder,
    role: Role,
    report: Callable[[], None],
) -> Lease:
    """Wait until this process holds the key; the lease it holds it with."""
    shown: str | None = None
    while True:
        try:
            outcome = await _try_acquire(store, key, timing=timing, me=me)
        except StoreUnavailable as exc:
            log.warning("leader_campaign_failed", error=str(exc), retry_in=timing.retry)
            report()
            await trio.sleep(timing.retry)
            continue
        if isinstance(outcome, Lease):
            return outcome
        if outcome is None:
            continue  # the key changed under us: look again
        role.name, role.holder = "standby", outcome.holder.identity
        if outcome.holder.identity != shown:
            shown = outcome.holder.identity
            log.info(
                "leader_standby",
                holder=shown,
                acquired_at=outcome.holder.acquired_at,
                retry_every=timing.retry,
            )
        report()
        with trio.move_on_after(timing.retry):
            await _wait_for_change(store, key, outcome.revision)


async def _try_acquire(
    store: Store, key: str, *, timing: Timing, me: Holder
) -> Lease | _Held | None:
    """One look at the key and, if it is free or stale, one transaction for it.

    Returns:
        The lease now holding the key; who holds it instead; or None if it changed
        between the read and the transaction.
    """
    current = await store.get(key)
    held: Holder | None = None
    if current is not None:
        held = Holder.decode(current.value)
        alive = same_machine(me, held) and process_alive(held)
        if decide(held, me=me, holder_alive=alive) is Verdict.STAND_BY:
            return _Held(held, current.mod_revision)
    granted_at = trio.current_time()
    lease = await store.grant_lease(timing.lease_s)
    won: int | None = None
    try:
        record = replace(me, acquired_at=now_iso())
        won = await store.txn([_unchanged(key, current)], [Put(key, record.encode(), lease=lease)])
    finally:
        if won is None:  # lost the race, or cannot tell: the lease must not hold the key
            with trio.move_on_after(CLEANUP_S, shield=True):
                await _revoke(store, lease)
    if won is None:
        return None
    if held is not None and held.identity != me.identity:
        log.info("leader_stale_replaced", holder=held.identity, reason="process_gone")
    return Lease(lease, granted_at)


def _unchanged(key: str, current: KeyValue | None) -> Compare:
    if current is None:
        return Compare(key, "version", 0)  # create(key) == 0: nobody holds it
    return Compare(key, "mod", current.mod_revision)


async def _wait_for_change(store: Store, key: str, revision: int) -> None:
    """Until the key changes after `revision` (a release or an expiry deletes it).

    The caller bounds the wait: when the watch cannot be had, only its deadline ends it.
    """
    try:
        async with store.open_watch(key, revision + 1) as stream:
            await stream.next_batch()
    except (StoreUnavailable, Compacted) as exc:
        # Compacted: the key is older than etcd's history; the caller's poll still notices.
        log.debug("leader_watch_failed", error=str(exc))
        await trio.sleep_forever()


async def _renew(store: Store, key: str, lease: Lease, me: Holder, timing: Timing) -> None:
    """Keep the lease alive until cancelled; return when it is lost (`leader_lost`)."""
    renewed_at = lease.granted_at
    next_at = renewed_at + timing.renew_every
    while True:
        await trio.sleep_until(next_at)
        sent = trio.current_time()
        reason: str | None = None
        with trio.move_on_at(renewed_at + timing.renew_deadline):
            try:
                ttl_left = await store.refresh_lease(lease.id)
                current = await store.get(key)
            except StoreUnavailable as exc:
                log.warning("leader_renew_failed", error=str(exc), retry_in=timing.retry)
            else:
                held = None if current is None else Holder.decode(current.value)
                reason = lost_reason(ttl_left, held, me=me)
                if reason is None:
                    renewed_at = sent
        now = trio.current_time()
        if reason is None and now >= renewed_at + timing.renew_deadline:
            reason = "not_renewed_in_time"
        if reason is not None:
            log.error("leader_lost", reason=reason, holder=me.identity, key=key)
            return
        if renewed_at == sent:
            next_at = renewed_at + timing.renew_every
        else:  # try again soon, and be back by the deadline to give up on time
            next_at = min(now + timing.retry, renewed_at + timing.renew_deadline)


async def _revoke(store: Store, lease: int) -> bool:
    """Revoke `lease`; False if etcd could not be told (the lease then runs out)."""
    try:
        await store.revoke_lease(lease)
    except StoreUnavailable as exc:
        log.warning("leader_release_failed", error=str(exc))
        return False
    return True
