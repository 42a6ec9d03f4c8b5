"""The leader election: its decisions by tables, its loop on the fake store.

trio's autojump clock drives the fake's leases, so a 15 s lease costs no real time and the
times asserted are the election's own: when a standby takes over, when a leader gives up.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from dataclasses import replace

import pytest
import trio
import trio.testing
from fakes import FakeStore
from structlog.testing import capture_logs

from mcp.actors import leader
from mcp.actors.leader import Holder, Role, Timing, Verdict
from mcp.store import Compare, Delete, Put

KEY = "/t/leader"
TIMING = Timing(15)
ME = Holder(host="box", pid=100, id="me", boot_id="boot-1", pid_namespace="pid:[1]", start_ticks=5)
ELSEWHERE = Holder(
    host="other", pid=200, id="them", boot_id="boot-9", pid_namespace="pid:[1]", start_ticks=7
)
NEIGHBOUR = replace(ME, pid=300, id="neighbour", start_ticks=9)  # same machine


# --- decisions ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("held", "alive", "verdict"),
    [
        pytest.param(None, False, Verdict.ACQUIRE, id="free"),
        pytest.param(ELSEWHERE, False, Verdict.STAND_BY, id="other-host-never-judged"),
        pytest.param(NEIGHBOUR, True, Verdict.STAND_BY, id="same-host-alive"),
        pytest.param(NEIGHBOUR, False, Verdict.TAKE_OVER, id="same-host-process-gone"),
        pytest.param(ME, True, Verdict.TAKE_OVER, id="ours-answer-lost"),
        pytest.param(
            replace(NEIGHBOUR, boot_id="boot-0"), False, Verdict.STAND_BY, id="earlier-boot"
        ),
        pytest.param(
            replace(NEIGHBOUR, pid_namespace="pid:[2]"),
            False,
            Verdict.STAND_BY,
            id="other-pid-namespace",
        ),
        pytest.param(
            replace(NEIGHBOUR, boot_id=""), False, Verdict.STAND_BY, id="holder-without-proc"
        ),
        pytest.param(Holder.decode(b"{not json"), False, Verdict.STAND_BY, id="unreadable"),
    ],
)
def test_decide(held: Holder | None, alive: bool, verdict: Verdict) -> None:
    assert leader.decide(held, me=ME, holder_alive=alive) is verdict


def test_without_proc_this_process_is_never_stale() -> None:
    blind = replace(ME, boot_id="", pid_namespace="")
    assert leader.decide(replace(blind, id="x"), me=blind, holder_alive=False) is Verdict.STAND_BY


@pytest.mark.parametrize(
    ("ttl_left", "held", "reason"),
    [
        pytest.param(15, ME, None, id="renewed"),
        pytest.param(0, ME, "lease_expired", id="lease-gone"),
        pytest.param(15, None, "key_deleted", id="key-deleted"),
        pytest.param(15, ELSEWHERE, "key_taken", id="key-taken"),
    ],
)
def test_lost_reason(ttl_left: int, held: Holder | None, reason: str | None) -> None:
    assert leader.lost_reason(ttl_left, held, me=ME) == reason


def test_timing_follows_the_lease() -> None:
    assert (TIMING.renew_every, TIMING.renew_deadline, TIMING.retry) == (5.0, 10.0, 2.0)
    assert Timing(3).retry == 1.0


def test_a_holder_round_trips_and_names_itself() -> None:
    record = replace(ME, acquired_at="2026-01-01T00:00:00.000Z")
    assert Holder.decode(record.encode()) == record
    assert ME.identity == "box/100/me"
    assert b'"holder": "box/100/me"' in ME.encode()


def test_this_process_is_alive_and_a_reused_pid_is_not() -> None:
    me = leader.this_process()
    assert leader.process_alive(me)
    assert not leader.process_alive(replace(me, start_ticks=me.start_ticks + 1))
    assert not leader.process_alive(replace(me, pid=2**22 + 1))  # above Linux's pid_max


# --- the loop on the fake store ------------------------------------------------------------


async def hold(store: FakeStore, holder: Holder, ttl: int = 10_000) -> int:
    """Put the key as another process would; its lease (never renewed here)."""
    lease = await store.grant_lease(ttl)
    assert await store.txn([Compare(KEY, "version", 0)], [Put(KEY, holder.encode(), lease=lease)])
    return lease


async def holder_of(store: FakeStore) -> str | None:
    item = await store.get(KEY)
    return None if item is None else Holder.decode(item.value).identity


async def candidate(
    nursery: trio.Nursery,
    store: FakeStore,
    me: Holder,
    lead: Callable[[], Awaitable[None]] = trio.sleep_forever,
) -> Role:
    role = Role()
    await nursery.start(
        functools.partial(leader.run, store, KEY, timing=TIMING, me=me, role=role, lead=lead)
    )
    return role


async def test_acquires_a_free_key(autojump_clock: trio.testing.MockClock) -> None:
    store = FakeStore()
    with capture_logs() as logs:
        async with trio.open_nursery() as nursery:
            role = await candidate(nursery, store, ME)
            assert (role.name, role.holder) == ("leader", ME.identity)
            assert await holder_of(store) == ME.identity
            nursery.cancel_scope.cancel()
    # Cancelled while leading (a grace period ran out): still released, shielded.
    assert [e["event"] for e in logs if e["event"].startswith("leader_")] == [
        "leader_elected",
        "leader_released",
    ]
    assert await holder_of(store) is None


async def test_stands_by_while_held_and_never_leads(
    autojump_clock: trio.testing.MockClock,
) -> None:
    store = FakeStore()
    await hold(store, ELSEWHERE)
    led = trio.Event()

    async def lead() -> None:
        led.set()

    with capture_logs() as logs:
        async with trio.open_nursery() as nursery:
            role = await candidate(nursery, store, ME, lead)
            assert (role.name, role.holder) == ("standby", ELSEWHERE.identity)
            await trio.sleep(120)  # many polls
            nursery.cancel_scope.cancel()
    assert not led.is_set()
    standby = [e for e in logs if e["event"] == "leader_standby"]
    assert [e["holder"] for e in standby] == [ELSEWHERE.identity]  # once per holder
    assert await holder_of(store) == ELSEWHERE.identity
    assert len(store.leases) == 1, "a standby holds no lease"


async def test_takes_over_when_the_holders_lease_expires(
    autojump_clock: trio.testing.MockClock,
) -> None:
    store = FakeStore()
    await hold(store, ELSEWHERE, ttl=15)  # granted now, never renewed: a dead leader
    async with trio.open_nursery() as nursery:
        role = await candidate(nursery, store, ME)
        assert role.name == "standby"
        with trio.fail_after(20):
            while role.name != "leader":  # noqa: ASYNC110  # the role is state, not an event
                await trio.sleep(0.01)
        took = trio.current_time()
        nursery.cancel_scope.cancel()
    # The watch sees the expiry as a delete: no wait for the next poll.
    assert 15.0 <= took < 15.1


async def test_renewal_keeps_the_lease(autojump_clock: trio.testing.MockClock) -> None:
    store = FakeStore()
    async with trio.open_nursery() as nursery:
        first = await candidate(nursery, store, ME)
        second = await candidate(nursery, store, ELSEWHERE)
        await trio.sleep(600)  # forty lease lengths
        assert (first.name, second.name) == ("leader", "standby")
        assert await holder_of(store) == ME.identity
        nursery.cancel_scope.cancel()


async def test_a_stale_holder_on_this_machine_is_replaced_at_once(
    autojump_clock: trio.testing.MockClock,
) -> None:
    store = FakeStore()
    me = leader.this_process()
    # Same pid, other start time: the pid now belongs to another process (this one).
    await hold(store, replace(me, id="before", start_ticks=me.start_ticks + 1))
    with capture_logs() as logs:
        async with trio.open_nursery() as nursery:
            role = await candidate(nursery, store, me)
            assert role.name == "leader"
            assert trio.current_time() < 0.1
            nursery.cancel_scope.cancel()
    replaced = [e for e in logs if e["event"] == "leader_stale_replaced"]
    assert [e["holder"] for e in replaced] == [f"{me.host}/{me.pid}/before"]


async def test_a_live_holder_on_this_machine_is_left_alone(
    autojump_clock: trio.testing.MockClock,
) -> None:
    store = FakeStore()
    me = leader.this_process()
    await hold(store, replace(me, id="sibling"))  # this very process: alive
    async with trio.open_nursery() as nursery:
        role = await candidate(nursery, store, me)
        await trio.sleep(60)
        assert role.name == "standby"
        nursery.cancel_scope.cancel()


async def test_etcd_away_past_the_deadline_stops_the_controllers_before_expiry(
    autojump_clock: trio.testing.MockClock,
) -> None:
    store = FakeStore()
    terms: list[list[float]] = []  # when each term's controllers acted

    async def lead() -> None:
        acting: list[float] = []
        terms.append(acting)
        while True:
            acting.append(trio.current_time())
            await trio.sleep(0.5)

    with capture_logs() as logs:
        async with trio.open_nursery() as nursery:
            role = await candidate(nursery, store, ME, lead)
            await trio.sleep(1)
            store.available = False  # every renewal fails from here on
            await trio.sleep(12)
            # Renewed last at 0 (the grant): gave up at 10 s, before the lease ends at 15 s.
            assert role.name == "standby"
            assert len(terms) == 1
            assert max(terms[0]) <= TIMING.renew_deadline < TIMING.lease_s
            store.available = True  # etcd is back, the process never went away
            with trio.fail_after(TIMING.retry + 1):
                while role.name != "leader":  # noqa: ASYNC110  # the role is state
                    await trio.sleep(0.01)
            await trio.sleep(1)
            nursery.cancel_scope.cancel()
    lost = [e for e in logs if e["event"] == "leader_lost"]
    assert [e["reason"] for e in lost] == ["not_renewed_in_time"]
    assert len(terms) == 2, "a second term after etcd came back"
    assert min(terms[1]) > max(terms[0]), "never two terms acting at once"
    assert [e["event"] for e in logs].count("leader_elected") == 2


@pytest.mark.parametrize("how", ["deleted", "taken"])
async def test_the_key_lost_to_someone_else_stops_the_controllers(
    autojump_clock: trio.testing.MockClock, how: str
) -> None:
    store = FakeStore()
    stopped: list[float] = []

    async def lead() -> None:
        try:
            await trio.sleep_forever()
        finally:
            stopped.append(trio.current_time())

    with capture_logs() as logs:
        async with trio.open_nursery() as nursery:
            role = await candidate(nursery, store, ME, lead)
            await trio.sleep(1)
            # An operator's etcdctl, or another process wrongly sure this one is gone.
            await store.txn([], [Delete(KEY)])
            if how == "taken":
                await hold(store, ELSEWHERE)
            await trio.sleep(10)
            nursery.cancel_scope.cancel()
    assert [e["reason"] for e in logs if e["event"] == "leader_lost"] == [f"key_{how}"]
    assert stopped[0] <= TIMING.renew_every + 0.01  # found at the next renewal
    if how == "deleted":  # nobody else wants it: this process leads again at once
        assert (role.name, len(stopped)) == ("leader", 2)
    else:
        assert (role.name, role.holder, stopped) == ("standby", ELSEWHERE.identity, stopped[:1])


async def test_a_graceful_stop_revokes_and_a_standby_takes_over_at_once(
    autojump_clock: trio.testing.MockClock,
) -> None:
    store = FakeStore()
    done = trio.Event()

    async def lead_until_done() -> None:
        await done.wait()

    with capture_logs() as logs:
        async with trio.open_nursery() as nursery:
            await candidate(nursery, store, ME, lead_until_done)
            second = await candidate(nursery, store, ELSEWHERE)
            await trio.sleep(30)
            done.set()  # the controllers wound down: shutdown
            stopped_at = trio.current_time()
            with trio.fail_after(1):
                while second.name != "leader":  # noqa: ASYNC110  # the role is state
                    await trio.sleep(0.001)
            assert trio.current_time() - stopped_at < 0.01
            assert await holder_of(store) == ELSEWHERE.identity
            nursery.cancel_scope.cancel()
    assert any(e["event"] == "leader_released" for e in logs)


async def test_cancelled_while_standing_by_it_holds_nothing(
    autojump_clock: trio.testing.MockClock,
) -> None:
    store = FakeStore()
    held = await hold(store, ELSEWHERE)
    async with trio.open_nursery() as nursery:
        await candidate(nursery, store, ME)
        await trio.sleep(7)
        nursery.cancel_scope.cancel()
    assert list(store.leases) == [held]


async def test_etcd_away_at_start_it_reports_and_keeps_trying(
    autojump_clock: trio.testing.MockClock,
) -> None:
    store = FakeStore()
    store.available = False
    async with trio.open_nursery() as nursery:
        role = await candidate(nursery, store, ME)
        assert role.name == "standby"
        await trio.sleep(5)
        store.available = True
        with trio.fail_after(TIMING.retry + 1):
            while role.name != "leader":  # noqa: ASYNC110  # the role is state
                await trio.sleep(0.01)
        nursery.cancel_scope.cancel()
