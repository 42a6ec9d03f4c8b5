"""Table-driven tests of the engine's pure decisions (`steps`, the crash loop, adoption
as reported) and of the status they settle on: every desired x observed pair the seed
API makes."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from mcp.engine.decide import (
    EPOCH,
    Action,
    BackoffPolicy,
    CrashLoop,
    CreateContainer,
    Failure,
    FinalizeDeletion,
    RemoveContainer,
    StartContainer,
    StopContainer,
    UnpauseContainer,
    as_reported,
    pending_restart,
    steps,
)
from mcp.engine.settle import matches, status_for
from mcp.model import Container, ContainerSpec, Observed, RestartBackoff, Status, format_time

WHENEVER = datetime.max.replace(tzinfo=UTC)  # a time when every restart is due


def plan(
    desired: Container,
    seen: Observed | None,
    last: Status | None = None,
    *,
    now: datetime = WHENEVER,
) -> list[Action]:
    """`steps` with the crash loop `decide` works out for them."""
    return steps(desired, seen, last, pending_restart(desired, seen, last, BackoffPolicy()), now)


SPEC = ContainerSpec(image="busybox:latest", args=["sleep", "60"], state="running")
RUNNING_OBJ = Container(name="web", uid="u1", spec=SPEC, generation=3)
STOPPED_OBJ = replace(RUNNING_OBJ, spec=SPEC.model_copy(update={"state": "stopped"}))
DELETING_OBJ = replace(RUNNING_OBJ, deletion_timestamp="2026-01-01T00:00:00Z")


def observed(*, running: bool, uid: str = "u1", spec_hash: str | None = None) -> Observed:
    return Observed(
        container_id="c" * 64,
        uid=uid,
        spec_hash=SPEC.runtime_hash() if spec_hash is None else spec_hash,
        running=running,
        exit_code=None if running else 137,
        docker_status="running" if running else "exited",
    )


UP = observed(running=True)
DOWN = observed(running=False)
PAUSED = replace(UP, docker_status="paused")  # Docker reports a paused container as running


@pytest.mark.parametrize(
    ("desired", "seen", "expected"),
    [
        pytest.param(RUNNING_OBJ, None, [CreateContainer(), StartContainer()], id="missing-run"),
        pytest.param(STOPPED_OBJ, None, [CreateContainer()], id="missing-stopped"),
        pytest.param(RUNNING_OBJ, UP, [], id="running-as-wanted"),
        pytest.param(RUNNING_OBJ, DOWN, [StartContainer()], id="exited-should-run"),
        pytest.param(STOPPED_OBJ, UP, [StopContainer()], id="running-should-stop"),
        pytest.param(STOPPED_OBJ, DOWN, [], id="stopped-as-wanted"),
        pytest.param(
            RUNNING_OBJ,
            observed(running=True, uid="someone-else"),
            [StopContainer(), RemoveContainer(), CreateContainer(), StartContainer()],
            id="name-held-by-other-uid",
        ),
        pytest.param(
            STOPPED_OBJ,
            observed(running=False, spec_hash="old"),
            [RemoveContainer(), CreateContainer()],
            id="spec-changed-stopped",
        ),
        pytest.param(
            RUNNING_OBJ,
            observed(running=True, spec_hash="old"),
            [StopContainer(), RemoveContainer(), CreateContainer(), StartContainer()],
            id="spec-changed-running",
        ),
        pytest.param(DELETING_OBJ, None, [FinalizeDeletion()], id="deleting-nothing-left"),
        pytest.param(
            DELETING_OBJ, UP, [StopContainer(), RemoveContainer(), FinalizeDeletion()], id="del-up"
        ),
        pytest.param(DELETING_OBJ, DOWN, [RemoveContainer(), FinalizeDeletion()], id="del-down"),
        pytest.param(RUNNING_OBJ, PAUSED, [UnpauseContainer()], id="paused-should-run"),
        pytest.param(
            STOPPED_OBJ, PAUSED, [UnpauseContainer(), StopContainer()], id="paused-should-stop"
        ),
        pytest.param(
            DELETING_OBJ,
            PAUSED,
            [UnpauseContainer(), StopContainer(), RemoveContainer(), FinalizeDeletion()],
            id="paused-deleting",
        ),
        pytest.param(
            RUNNING_OBJ,
            replace(PAUSED, spec_hash="old"),
            [
                UnpauseContainer(),
                StopContainer(),
                RemoveContainer(),
                CreateContainer(),
                StartContainer(),
            ],
            id="paused-spec-changed",
        ),
    ],
)
def test_plan(desired: Container, seen: Observed | None, expected: list[Action]) -> None:
    assert plan(desired, seen) == expected


def test_a_paused_container_is_never_adopted_as_reported() -> None:
    last = status_for(RUNNING_OBJ, UP, failure=None, previous=None, at="now")
    assert as_reported(RUNNING_OBJ, UP, last)
    assert not as_reported(RUNNING_OBJ, PAUSED, last)


def test_state_change_alone_keeps_the_container() -> None:
    # Changing only the desired state must not look like a spec change (no replace).
    assert STOPPED_OBJ.spec.runtime_hash() == RUNNING_OBJ.spec.runtime_hash()
    assert plan(STOPPED_OBJ, UP) == [StopContainer()]


@pytest.mark.parametrize(
    ("desired", "seen", "failure", "phase"),
    [
        pytest.param(RUNNING_OBJ, UP, None, "Running", id="running"),
        pytest.param(STOPPED_OBJ, DOWN, None, "Stopped", id="stopped"),
        pytest.param(RUNNING_OBJ, DOWN, None, "Failed", id="exited-should-run"),
        pytest.param(RUNNING_OBJ, None, None, "Pending", id="not-created"),
        pytest.param(
            RUNNING_OBJ, None, Failure("ErrImagePull", "no image"), "Failed", id="image-missing"
        ),
        pytest.param(DELETING_OBJ, UP, None, "Terminating", id="deleting"),
        pytest.param(
            RUNNING_OBJ,
            replace(DOWN, docker_status="created", exit_code=None),
            None,
            "Pending",
            id="created-not-started",
        ),
        pytest.param(RUNNING_OBJ, PAUSED, None, "Pending", id="paused-is-not-running"),
    ],
)
def test_status_phase(
    desired: Container, seen: Observed | None, failure: Failure | None, phase: str
) -> None:
    status = status_for(desired, seen, failure=failure, previous=None, at="now")
    assert status.phase == phase
    assert status.uid == desired.uid
    assert status.observed_generation == desired.generation
    assert status.container_id == (seen.container_id if seen else None)


def test_status_reports_exit_code_and_failure_message() -> None:
    status = status_for(RUNNING_OBJ, DOWN, failure=None, previous=None, at="now")
    assert status.exit_code == 137
    assert "137" in status.message
    assert status.reason == "Error"
    failure = Failure("ErrImageNeverPull", "No such image: nope")
    failed = status_for(RUNNING_OBJ, None, failure=failure, previous=None, at="now")
    assert (failed.reason, failed.message) == ("ErrImageNeverPull", "No such image: nope")


def test_transition_time_moves_only_when_the_phase_changes() -> None:
    first = status_for(RUNNING_OBJ, UP, failure=None, previous=None, at="t1")
    same = status_for(RUNNING_OBJ, UP, failure=None, previous=first, at="t2")
    assert (same.last_transition_time, same.observed_at) == ("t1", "t2")
    changed = status_for(STOPPED_OBJ, DOWN, failure=None, previous=same, at="t3")
    assert changed.last_transition_time == "t3"
    other_uid = replace(first, uid="someone-else")
    fresh = status_for(RUNNING_OBJ, UP, failure=None, previous=other_uid, at="t4")
    assert fresh.last_transition_time == "t4"


@pytest.mark.parametrize(
    ("desired", "phase", "generation", "uid", "expected"),
    [
        pytest.param(RUNNING_OBJ, "Running", 3, "u1", True, id="running-current"),
        pytest.param(RUNNING_OBJ, "Running", 2, "u1", False, id="older-generation"),
        pytest.param(RUNNING_OBJ, "Running", 3, "u0", False, id="other-incarnation"),
        pytest.param(RUNNING_OBJ, "Stopped", 3, "u1", False, id="not-yet-running"),
        pytest.param(STOPPED_OBJ, "Stopped", 3, "u1", True, id="stopped-current"),
        pytest.param(RUNNING_OBJ, "Failed", 3, "u1", True, id="failed-is-settled"),
        pytest.param(RUNNING_OBJ, "Pending", 3, "u1", False, id="pending"),
    ],
)
def test_matches(desired: Container, phase: str, generation: int, uid: str, expected: bool) -> None:
    status = status_for(desired, UP, failure=None, previous=None, at="now")
    status = replace(status, phase=phase, observed_generation=generation, uid=uid)  # type: ignore[arg-type]
    assert matches(desired, status) is expected


def test_matches_without_status() -> None:
    assert not matches(RUNNING_OBJ, None)


def ran(desired: Container) -> Status:
    """A report saying the container ran for this generation of `desired`."""
    return status_for(desired, UP, failure=None, previous=None, at="t0")


def exited(code: int) -> Observed:
    return replace(DOWN, exit_code=code)


def with_policy(policy: str) -> Container:
    return replace(RUNNING_OBJ, spec=SPEC.model_copy(update={"restart_policy": policy}))


@pytest.mark.parametrize(
    ("policy", "code", "expected", "phase"),
    [
        pytest.param("Always", 0, [StartContainer(restart=True)], "Succeeded", id="always-0"),
        pytest.param("Always", 1, [StartContainer(restart=True)], "Failed", id="always-1"),
        pytest.param("OnFailure", 0, [], "Succeeded", id="onfailure-0"),
        pytest.param("OnFailure", 2, [StartContainer(restart=True)], "Failed", id="onfailure-2"),
        pytest.param("Never", 0, [], "Succeeded", id="never-0"),
        pytest.param("Never", 137, [], "Failed", id="never-137"),
    ],
)
def test_restart_policy_after_an_exit_of_its_own(
    policy: str, code: int, expected: list[Action], phase: str
) -> None:
    desired = with_policy(policy)
    assert plan(desired, exited(code), ran(desired)) == expected
    if not expected:
        status = status_for(desired, exited(code), failure=None, previous=ran(desired), at="t")
        assert status.phase == phase
        assert status.exit_code == code


@pytest.mark.parametrize("policy", ["Always", "OnFailure", "Never"])
def test_asking_again_starts_whatever_the_policy(policy: str) -> None:
    desired = with_policy(policy)
    # The last report is of an older generation: the user changed the spec (e.g. stopped,
    # then started it again), so the exit is not the container's own doing.
    older = replace(ran(desired), observed_generation=desired.generation - 1)
    assert plan(desired, exited(0), older) == [StartContainer()]
    assert plan(desired, exited(0), None) == [StartContainer()]
    never_started = replace(DOWN, docker_status="created", exit_code=None)
    assert plan(desired, never_started, ran(desired)) == [StartContainer()]


def test_restarts_are_counted() -> None:
    loop = CrashLoop(loop_restarts=0, delay_s=0.0, due_at=EPOCH)
    first = status_for(RUNNING_OBJ, UP, failure=None, previous=None, at="t1", restarted=loop)
    second = status_for(RUNNING_OBJ, UP, failure=None, previous=first, at="t2", restarted=loop)
    assert (first.restart_count, second.restart_count) == (1, 2)


def test_backoff_schedule_doubles_to_the_cap() -> None:
    policy = BackoffPolicy(base_s=10, cap_s=300, reset_s=600)
    assert [policy.delay(k) for k in range(8)] == [0, 10, 20, 40, 80, 160, 300, 300]


def test_container_settings_override_the_global_policy() -> None:
    spec = SPEC.model_copy(
        update={"restart_backoff": RestartBackoff(base_seconds=0.01, reset_seconds=1)}
    )
    mine = BackoffPolicy().for_container(replace(RUNNING_OBJ, spec=spec))
    assert mine == BackoffPolicy(base_s=0.01, cap_s=300, reset_s=1)


T0 = datetime(2026, 1, 1, tzinfo=UTC)


def crashed(ran_s: float, code: int = 1) -> Observed:
    """Exited with `code` at T0 after running `ran_s` seconds."""
    return replace(
        DOWN,
        exit_code=code,
        started_at=format_time(T0 - timedelta(seconds=ran_s)),
        finished_at=format_time(T0),
    )


@pytest.mark.parametrize(
    ("loop_restarts", "ran_s", "delay"),
    [
        pytest.param(0, 1, 0, id="first-restart-at-once"),
        pytest.param(1, 1, 10, id="second-after-base"),
        pytest.param(3, 1, 40, id="doubling"),
        pytest.param(9, 1, 300, id="capped"),
        pytest.param(9, 600, 0, id="reset-after-clean-running"),
    ],
)
def test_crash_loop_back_off(loop_restarts: int, ran_s: float, delay: float) -> None:
    last = replace(ran(RUNNING_OBJ), crash_loop_restarts=loop_restarts)
    seen = crashed(ran_s)
    loop = pending_restart(RUNNING_OBJ, seen, last, BackoffPolicy())
    assert loop is not None
    assert loop.delay_s == delay
    assert loop.due_at == T0 + timedelta(seconds=delay)
    early, due = loop.due_at - timedelta(milliseconds=1), loop.due_at
    if delay:
        assert plan(RUNNING_OBJ, seen, last, now=early) == []
        waiting = status_for(RUNNING_OBJ, seen, failure=None, previous=last, at="t", waiting=loop)
        assert (waiting.phase, waiting.reason) == ("Failed", "CrashLoopBackOff")
        assert waiting.next_restart_at == format_time(loop.due_at)
        assert f"{delay:g}s" in waiting.message
    assert plan(RUNNING_OBJ, seen, last, now=due) == [StartContainer(restart=True)]
    after = status_for(RUNNING_OBJ, UP, failure=None, previous=last, at="t", restarted=loop)
    assert after.crash_loop_restarts == loop.loop_restarts + 1
    assert after.next_restart_at is None
