"""A Pod pass's decisions (`mcp.engine.pods.decide`), by tables."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from mcp.engine.decide import BackoffPolicy
from mcp.engine.pods.containers import DockerContainer, Waiting
from mcp.engine.pods.decide import (
    CrashLoop,
    CreateSandbox,
    FinishDeletion,
    PodMemory,
    PodSituation,
    RemoveContainer,
    StartContainer,
    StopContainer,
    StopSandbox,
    decide,
)
from mcp.model import format_time

NOW = datetime(2026, 12, 1, 12, 0, 0, tzinfo=UTC)
BACKOFF = BackoffPolicy(base_s=10, cap_s=300, reset_s=600)


def pod(
    *, restart: str = "Always", init: list[dict[str, Any]] | None = None, **meta: Any
) -> dict[str, Any]:
    return {
        "metadata": {"name": "web", "namespace": "default", "uid": "u1", **meta},
        "spec": {
            "restartPolicy": restart,
            "terminationGracePeriodSeconds": 30,
            "initContainers": init or [],
            "containers": [{"name": "app", "image": "i:1"}, {"name": "side", "image": "i:1"}],
        },
    }


def attempt(
    n: int, *, running: bool = True, exit_code: int = 0, ran_s: float = 5, ended_ago_s: float = 1
) -> DockerContainer:
    finished = NOW - timedelta(seconds=ended_ago_s)
    return DockerContainer(
        attempt=n,
        id=f"c{n}-{exit_code}-{running}",
        running=running,
        exit_code=exit_code,
        started_at=format_time(finished - timedelta(seconds=ran_s)),
        finished_at="" if running else format_time(finished),
    )


SANDBOX = DockerContainer(attempt=0, id="infra0", running=True)


def situation(
    the_pod: dict[str, Any], containers: Mapping[str, tuple[DockerContainer, ...]], **more: Any
) -> PodSituation:
    fields: dict[str, Any] = {
        "pod": the_pod,
        "sandbox": SANDBOX,
        "old_sandboxes": (),
        "containers": containers,
        "now": NOW,
        "backoff": BACKOFF,
    }
    fields.update(more)
    return PodSituation(**fields)


def test_a_new_pod_gets_a_sandbox_and_its_containers() -> None:
    decision = decide(situation(pod(), {}, sandbox=None))
    assert decision.actions == (
        CreateSandbox(0),
        StartContainer("app", 0),
        StartContainer("side", 0),
    )


def test_a_running_pod_with_everything_up_needs_nothing() -> None:
    assert decide(situation(pod(), {"app": (attempt(0),), "side": (attempt(0),)})).actions == ()


def test_a_dead_sandbox_stops_the_containers_and_starts_them_again_in_a_new_one() -> None:
    dead = DockerContainer(attempt=0, id="infra0", running=False, exit_code=137)
    decision = decide(situation(pod(), {"app": (attempt(0),), "side": (attempt(0),)}, sandbox=dead))
    assert decision.actions == (
        StopContainer("c0-0-True", 30, "app"),
        StopContainer("c0-0-True", 30, "side"),
        CreateSandbox(1),
        StartContainer("app", 1),  # attempts go on: Docker's names must not repeat
        StartContainer("side", 1),
    )


@pytest.mark.parametrize(
    ("restart", "exit_code", "restarted"),
    [
        ("Always", 0, True),
        ("Always", 1, True),
        ("OnFailure", 0, False),
        ("OnFailure", 1, True),
        ("Never", 1, False),
    ],
)
def test_an_exited_container_restarts_as_the_policy_says(
    restart: str, exit_code: int, restarted: bool
) -> None:
    exited = attempt(0, running=False, exit_code=exit_code, ended_ago_s=60)
    decision = decide(situation(pod(restart=restart), {"app": (exited,), "side": (attempt(0),)}))
    assert decision.actions == ((StartContainer("app", 1),) if restarted else ())


def test_a_crash_loop_waits_its_back_off_with_the_kubelets_words() -> None:
    exited = attempt(3, running=False, exit_code=1, ended_ago_s=4)
    memory = PodMemory({"app": CrashLoop(restarts=1)})
    decision = decide(situation(pod(), {"app": (exited,), "side": (attempt(0),)}, memory=memory))
    assert decision.actions == ()
    assert decision.waiting == {
        "app": Waiting(
            "CrashLoopBackOff", "back-off 10s restarting failed container=app pod=web_default(u1)"
        )
    }
    assert decision.requeue_in_s == pytest.approx(6)
    later = decide(
        situation(
            pod(),
            {"app": (exited,), "side": (attempt(0),)},
            memory=memory,
            now=NOW + timedelta(seconds=7),
        )
    )
    assert later.actions == (StartContainer("app", 4),)
    assert later.memory.loops["app"] == CrashLoop(restarts=2)


def test_a_container_that_ran_long_before_exiting_starts_a_new_loop_at_once() -> None:
    exited = attempt(3, running=False, exit_code=1, ran_s=900, ended_ago_s=1)
    memory = PodMemory({"app": CrashLoop(restarts=5)})
    decision = decide(situation(pod(), {"app": (exited,), "side": (attempt(0),)}, memory=memory))
    assert decision.actions == (StartContainer("app", 4),)
    assert decision.memory.loops["app"] == CrashLoop(restarts=1)


INIT = [{"name": "first", "image": "i:1"}, {"name": "second", "image": "i:1"}]


@pytest.mark.parametrize(
    ("seen", "expected"),
    [
        pytest.param({}, (StartContainer("first", 0),), id="first-starts"),
        pytest.param({"first": (attempt(0),)}, (), id="first-running"),
        pytest.param(
            {"first": (attempt(0, running=False),)},
            (StartContainer("second", 0),),
            id="first-done-second-starts",
        ),
        pytest.param(
            {"first": (attempt(0, running=False),), "second": (attempt(0, running=False),)},
            (StartContainer("app", 0), StartContainer("side", 0)),
            id="all-done-apps-start",
        ),
        pytest.param(
            {"first": (attempt(0, running=False, exit_code=1, ended_ago_s=60),)},
            (StartContainer("first", 1),),
            id="first-failed-retried",
        ),
    ],
)
def test_init_containers_run_one_after_another_before_the_apps(
    seen: dict[str, tuple[DockerContainer, ...]], expected: tuple[object, ...]
) -> None:
    assert decide(situation(pod(init=INIT), seen)).actions == expected


def test_a_failed_init_container_under_never_is_not_retried() -> None:
    failed = attempt(0, running=False, exit_code=1, ended_ago_s=60)
    assert decide(situation(pod(restart="Never", init=INIT), {"first": (failed,)})).actions == ()


def test_a_sidecar_starts_in_order_and_keeps_running_beside_the_apps() -> None:
    init = [{"name": "proxy", "image": "i:1", "restartPolicy": "Always"}, INIT[1]]
    assert decide(situation(pod(init=init), {})).actions == (StartContainer("proxy", 0),)
    started = {"proxy": (attempt(0),)}
    assert decide(situation(pod(init=init), started)).actions == (StartContainer("second", 0),)
    done = {"proxy": (attempt(0),), "second": (attempt(0, running=False),)}
    assert decide(situation(pod(init=init), done)).actions == (
        StartContainer("app", 0),
        StartContainer("side", 0),
    )


def test_an_image_pull_backing_off_holds_its_container_back() -> None:
    backing_off = Waiting("ImagePullBackOff", 'Back-off pulling image "i:1"')
    decision = decide(situation(pod(), {"side": (attempt(0),)}, held_back={"app": backing_off}))
    assert decision.actions == ()
    assert decision.waiting == {"app": backing_off}


def test_old_attempts_beyond_the_newest_two_are_removed() -> None:
    attempts = tuple(attempt(n, running=n == 3) for n in (3, 2, 1, 0))
    decision = decide(situation(pod(), {"app": attempts, "side": (attempt(0),)}))
    assert decision.actions == (RemoveContainer("c1-0-False"), RemoveContainer("c0-0-False"))


def test_a_pod_being_deleted_stops_then_removes_then_finishes() -> None:
    deleting = pod(deletionTimestamp="2026-12-01T12:00:30Z", deletionGracePeriodSeconds=5)
    up = {"app": (attempt(0),), "side": (attempt(0, running=False),)}
    assert decide(situation(deleting, up)).actions == (StopContainer("c0-0-True", 5, "app"),)
    stopped = {"app": (attempt(0, running=False),), "side": (attempt(0, running=False),)}
    assert decide(situation(deleting, stopped)).actions == (
        RemoveContainer("c0-0-False"),
        RemoveContainer("c0-0-False"),
        StopContainer("infra0", 0),
        RemoveContainer("infra0"),
    )
    assert decide(situation(deleting, {}, sandbox=None)).actions == (FinishDeletion(),)


def test_a_finished_pod_stops_its_sandbox_and_starts_nothing() -> None:
    done = {"app": (attempt(0, running=False),), "side": (attempt(0, running=False),)}
    decision = decide(situation(pod(restart="Never"), done, terminal=True))
    assert decision.actions == (StopSandbox(),)


def test_a_container_failing_its_liveness_probe_is_killed_and_started_again() -> None:
    up = {"app": (attempt(0),), "side": (attempt(0),)}
    decision = decide(situation(pod(), up, unhealthy={"app": 7}))
    assert decision.actions == (StopContainer("c0-0-True", 7, "app"), StartContainer("app", 1))


def test_under_never_a_container_failing_its_liveness_probe_is_only_killed() -> None:
    up = {"app": (attempt(0),), "side": (attempt(0),)}
    never = pod(restart="Never")
    decision = decide(situation(never, up, unhealthy={"app": 30}))
    assert decision.actions == (StopContainer("c0-0-True", 30, "app"),)


def test_a_container_docker_lost_starts_again_as_its_next_attempt() -> None:
    reported = pod()
    reported["status"] = {
        "containerStatuses": [
            {"name": "app", "restartCount": 3, "containerID": "docker://gone"},
            {"name": "side", "restartCount": 0, "containerID": "docker://c0-0-True"},
        ]
    }
    decision = decide(situation(reported, {"side": (attempt(0),)}))
    assert decision.actions == (StartContainer("app", 4),)
