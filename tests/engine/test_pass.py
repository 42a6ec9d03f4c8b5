"""One reconcile pass's decisions and settlement, by tables: `decide` from what a pass
read, `settle` from what the executor did. The decisions that lived between Docker calls
in the actor (adoption, name clashes, strays, replacement, back-offs, failures, the
event's wording after a stop, the requeue time) are all here."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from mcp.engine.decide import (
    Attempts,
    BackoffPolicy,
    CreateContainer,
    Decision,
    Failure,
    FinalizeDeletion,
    Memory,
    RemoveContainer,
    RemoveStray,
    RenameContainer,
    Situation,
    StartContainer,
    StopContainer,
    decide,
)
from mcp.engine.settle import Event, Outcome, Settlement, settle, status_for
from mcp.model import LABEL_CLUSTER, Container, ContainerSpec, Observed, format_time

NOW = datetime(2026, 12, 1, 12, 0, 0, tzinfo=UTC)
SPEC = ContainerSpec(image="local/busybox:1", args=["sleep", "60"], state="running")
WEB = Container(name="web", uid="u1", spec=SPEC, generation=1)
BACKOFF = BackoffPolicy(base_s=10, cap_s=40, reset_s=600)
OURS = {LABEL_CLUSTER: "c1"}


def seen(*, running: bool = True, uid: str = "u1", cid: str = "a" * 64, **more: object) -> Observed:
    fields: dict[str, object] = {
        "container_id": cid,
        "uid": uid,
        "spec_hash": SPEC.runtime_hash(),
        "running": running,
        "exit_code": None if running else 1,
        "docker_status": "running" if running else "exited",
        "labels": OURS,
        "name": "mcp-web",
        "started_at": format_time(NOW - timedelta(seconds=30)),
        "finished_at": None if running else format_time(NOW - timedelta(seconds=1)),
    }
    fields.update(more)
    return Observed(**fields)  # type: ignore[arg-type]


def situation(observed: Observed | None, **more: object) -> Situation:
    fields: dict[str, object] = {
        "desired": WEB,
        "observed": observed,
        "last": None,
        "memory": Memory(looked=True),
        "cluster_id": "c1",
        "now": NOW,
        "backoff": BACKOFF,
    }
    fields.update(more)
    return Situation(**fields)  # type: ignore[arg-type]


def reasons(settled: Settlement) -> list[str]:
    return [event.reason for event in settled.events]


# --- decide ----------------------------------------------------------------------------


def test_a_first_look_at_this_objects_container_adopts_it() -> None:
    up = seen()
    assert decide(situation(up, memory=Memory())).adopted == up
    assert decide(situation(up)).adopted is None  # looked already: not an adoption


def test_a_first_look_at_another_incarnations_container_replaces_it_without_adopting() -> None:
    other = seen(uid="u0")
    decision = decide(situation(other, memory=Memory()))
    assert decision.adopted is None
    assert decision.replaced == other
    assert decision.actions == (
        StopContainer(),
        RemoveContainer(),
        CreateContainer(),
        StartContainer(),
    )


def test_a_container_of_another_cluster_holding_the_name_is_left_alone() -> None:
    foreign = seen(labels={LABEL_CLUSTER: "c2"})
    decision = decide(situation(foreign))
    assert decision.actions == ()
    assert decision.blocked == Failure(
        "NameConflict",
        f"a Docker container named mcp-web ({'a' * 12}) belongs to mcp cluster c2; "
        "mcp leaves it alone: remove or rename it",
    )


def test_strays_renamed_outside_mcp_are_renamed_back_keeping_a_running_one() -> None:
    stopped = seen(running=False, cid="b" * 64, name="old-web")
    up = seen(cid="c" * 64, name="renamed-web")
    decision = decide(situation(None, strays=(stopped, up)))
    assert decision.actions == (
        RenameContainer("c" * 64, "renamed-web"),
        RemoveStray("b" * 64, "old-web"),
    )


@pytest.mark.parametrize(
    ("memory", "actions", "blocked", "retry_in_s"),
    [
        pytest.param(
            Memory(looked=True), (CreateContainer(), StartContainer()), None, None, id="free"
        ),
        pytest.param(
            Memory(
                looked=True,
                pulls=Attempts(1, None, 1, NOW + timedelta(seconds=10), "no such image"),
            ),
            (),
            Failure(
                "ImagePullBackOff",
                "back-off pulling image local/busybox:1: no such image; "
                "next try at 2026-12-01T12:00:10.000Z",
            ),
            10.0,
            id="pull-backing-off",
        ),
        pytest.param(
            Memory(
                looked=True,
                pulls=Attempts(1, None, 1, NOW - timedelta(seconds=1), "no such image"),
            ),
            (CreateContainer(), StartContainer()),
            None,
            None,
            id="pull-back-off-over",
        ),
        pytest.param(
            Memory(
                looked=True,
                pulls=Attempts(0, None, 1, NOW + timedelta(seconds=10), "no such image"),
            ),
            (CreateContainer(), StartContainer()),
            None,
            None,
            id="pull-history-of-an-older-generation",
        ),
        pytest.param(
            Memory(
                looked=True,
                starts=Attempts(1, None, 2, NOW + timedelta(seconds=20), "exec failed"),
            ),
            (CreateContainer(),),
            Failure(
                "CrashLoopBackOff",
                "back-off starting the container: exec failed; "
                "next try at 2026-12-01T12:00:20.000Z",
            ),
            20.0,
            id="start-backing-off-after-the-create",
        ),
    ],
)
def test_back_offs_hold_their_step_back(
    memory: Memory,
    actions: tuple[object, ...],
    blocked: Failure | None,
    retry_in_s: float | None,
) -> None:
    decision = decide(situation(None, memory=memory))
    assert (decision.actions, decision.blocked, decision.retry_in_s) == (
        actions,
        blocked,
        retry_in_s,
    )


def test_an_exit_the_policy_restarts_at_once_first_then_after_the_back_off() -> None:
    down = seen(running=False)
    ran = status_for(WEB, seen(), failure=None, previous=None, at="t0")
    first = decide(situation(down, last=ran))
    assert first.actions == (StartContainer(restart=True),)
    assert first.restart is not None
    assert first.restart.delay_s == 0
    looping = replace(ran, crash_loop_restarts=1)
    backing_off = decide(situation(down, last=looping))
    assert backing_off.actions == ()  # due 10 s after the exit


# --- settle ----------------------------------------------------------------------------


def test_an_adoption_as_reported_reports_nothing_and_records_the_adoption() -> None:
    up = seen()
    read = situation(up, memory=Memory(), as_reported=True)
    settled = settle(read, decide(read), Outcome(), up)
    assert settled.status is None
    assert settled.events == (Event("Adopted", f"Adopted existing Docker container {'a' * 12}"),)
    assert settled.adopted
    assert settled.memory.looked


def test_a_name_clash_is_recorded_once() -> None:
    read = situation(seen(labels={}))
    decision = decide(read)
    first = settle(read, decision, Outcome(), None)
    assert first.status is not None
    assert first.status.reason == "NameConflict"
    assert reasons(first) == ["NameConflict"]
    again = settle(replace(read, last=first.status), decision, Outcome(), None)
    assert reasons(again) == []


def test_create_and_start_record_created_and_started_and_report_running() -> None:
    read = situation(None)
    decision = decide(read)
    settled = settle(read, decision, Outcome(decision.actions), seen())
    assert reasons(settled) == ["Created", "Started"]
    assert settled.status is not None
    assert settled.status.phase == "Running"
    assert settled.requeue_in_s is None


@pytest.mark.parametrize(
    ("killed", "event"),
    [
        pytest.param(False, Event("Stopped", "Stopped container mcp-web"), id="stopped"),
        pytest.param(
            True,
            Event("Killed", "Killed container mcp-web: still running 10 s after SIGTERM"),
            id="killed",
        ),
    ],
)
def test_a_stop_is_worded_by_whether_it_ran_out_its_grace_period(
    killed: bool, event: Event
) -> None:
    stopped = replace(WEB, spec=SPEC.model_copy(update={"state": "stopped"}))
    read = situation(seen(), desired=stopped)
    decision = decide(read)
    settled = settle(
        read, decision, Outcome(decision.actions, killed=killed), seen(running=False, exit_code=137)
    )
    assert settled.events == (event,)


@pytest.mark.parametrize(
    ("reason", "history", "what"),
    [
        ("ErrImagePull", "pulls", "pulling image local/busybox:1"),
        ("RunContainerError", "starts", "starting failed container mcp-web"),
    ],
)
def test_a_failed_pull_or_start_backs_off_on_crashloop_schedule(
    reason: str, history: str, what: str
) -> None:
    read = situation(None)
    decision = decide(read)
    done = decision.actions[:1] if reason == "RunContainerError" else ()
    failure = Failure(reason, "refused")
    after = seen(running=False, docker_status="created") if done else None
    settled = settle(read, decision, Outcome(done, failure), after)
    assert settled.events[-2:] == (
        Event("Failed", f"{reason}: refused", "Warning"),
        Event("BackOff", f"Back-off 10s {what}", "Warning"),
    )
    attempts: Attempts = getattr(settled.memory, history)
    assert (attempts.failures, attempts.retry_at) == (1, NOW + timedelta(seconds=10))
    assert settled.requeue_in_s == 10.0
    assert settled.status is not None
    assert settled.status.reason == reason


def test_a_deletion_records_deleted_only_when_this_pass_removed_the_object() -> None:
    deleting = replace(WEB, deletion_timestamp="2026-12-01T11:59:00Z")
    read = situation(None, desired=deleting)
    decision = decide(read)
    assert decision.actions == (FinalizeDeletion(),)
    removed = settle(read, decision, Outcome(decision.actions, finalized=True), None)
    assert reasons(removed) == ["Deleted"]
    assert removed.status is None
    late = settle(read, decision, Outcome(decision.actions, finalized=False), None)
    assert reasons(late) == []
    assert late.status is None


def test_a_restart_counts_and_a_crash_loop_reports_its_back_off_once_per_step() -> None:
    ran = status_for(WEB, seen(), failure=None, previous=None, at="t0")
    down = seen(running=False)
    read = situation(down, last=ran)
    decision = decide(read)
    restarted = settle(read, decision, Outcome(decision.actions), seen())
    assert reasons(restarted) == ["Restarted"]
    assert restarted.status is not None
    assert (restarted.status.restart_count, restarted.status.crash_loop_restarts) == (1, 1)
    # It exits again at once: the next restart waits 10 s from the exit.
    again = situation(down, last=restarted.status)
    waiting = settle(again, decide(again), Outcome(), down)
    assert waiting.status is not None
    assert waiting.status.reason == "CrashLoopBackOff"
    assert reasons(waiting) == ["BackOff"]
    assert waiting.requeue_in_s == pytest.approx(9.0)
    still = situation(down, last=waiting.status)
    assert reasons(settle(still, decide(still), Outcome(), down)) == []


def test_a_decision_with_nothing_to_do_reports_what_docker_shows() -> None:
    read = situation(seen())
    settled = settle(read, Decision(()), Outcome(), seen())
    assert settled.events == ()
    assert settled.status is not None
    assert settled.status.phase == "Running"


def test_a_pull_before_a_failed_create_is_recorded_before_the_failure() -> None:
    read = situation(None)
    failure = Failure("CreateContainerError", "invalid mount config")
    settled = settle(read, decide(read), Outcome((), failure, pulled=True), None)
    assert reasons(settled) == ["Pulled", "Failed"]
