"""The prober's decisions, by tables: thresholds, the startup gate, what is reported, the
events' words, the ticker.

The worker cases port pkg/kubelet/prober/worker_test.go (TestFailureThreshold,
TestSuccessThreshold, TestStartupProbe{Success,Failure}Threshold,
TestOnHoldOnLivenessOrStartupCheckFailure, TestResultRunOn*CheckFailure,
Test{Liveness,Startup}ProbeDisabledByStarted, TestInitialDelay); the status cases
prober_manager_test.go's TestUpdatePodStatus and its kubelet-restart cases; the event
words are prober.go's.
"""

from __future__ import annotations

from typing import Any

import pytest

from mcp.engine.pods.containers import ProbeResults
from mcp.engine.pods.probing import (
    Attempt,
    Event,
    Judged,
    Kind,
    Outcome,
    Probe,
    Result,
    Verdict,
    first_delay_s,
    grace_period_s,
    judge,
    next_tick,
    pod_is_ready,
    probed_containers,
    remembered_started,
)

LETTER = {"S": Result.SUCCESS, "F": Result.FAILURE, "U": Result.UNKNOWN}
SHOWN = {Result.SUCCESS: "S", Result.FAILURE: "F", Result.UNKNOWN: "U", None: "N"}
KINDS = {"St": Kind.STARTUP, "L": Kind.LIVENESS, "R": Kind.READINESS}


def container(**probes: dict[str, Any]) -> dict[str, Any]:
    """A container with probes: `liveness={"failureThreshold": 1}`..."""
    spec: dict[str, Any] = {"name": "app", "image": "busybox"}
    for kind, fields in probes.items():
        spec[f"{kind}Probe"] = {"exec": {"command": ["true"]}, **fields}
    return spec


def play(attempt: Attempt, steps: str, *, running_for_s: float = 100) -> list[str]:
    """Each step `St:F` (a run of the startup probe failing; `U`: its result thrown away)
    as `+F` (it ran, and its worker reports F) or `-N` (it was not due: no report)."""
    shown = []
    for step in steps.split():
        kind_name, letter = step.split(":")
        kind = KINDS[kind_name]
        due = attempt.due(kind, running_for_s=running_for_s)
        if due:
            attempt = attempt.observed(kind, LETTER[letter])
        worker = attempt.worker(kind)
        shown.append(("+" if due else "-") + SHOWN[worker.result if worker else None])
    return shown


@pytest.mark.parametrize(
    ("spec", "steps", "expected"),
    [
        pytest.param(
            container(readiness={"failureThreshold": 3}),
            "R:S R:S R:S R:F R:F R:F R:F R:S",
            "+S +S +S +S +S +F +F +S",
            id="failure-threshold-three",
        ),
        pytest.param(
            container(readiness={"successThreshold": 3, "failureThreshold": 1}),
            "R:S R:S R:S R:S R:F R:S",
            "+F +F +S +S +F +F",
            id="success-threshold-three-from-failure",
        ),
        pytest.param(
            container(readiness={}),
            "R:U R:F R:U R:S",
            "+F +F +F +S",
            id="readiness-is-false-until-its-first-success",
        ),
        pytest.param(
            container(readiness={"failureThreshold": 2}),
            "R:S R:F R:U R:F",
            "+S +S +S +F",
            id="a-thrown-away-run-breaks-no-run",
        ),
        pytest.param(
            container(liveness={"failureThreshold": 3}),
            "L:S L:F L:F L:F L:S L:S",
            "+S +S +S +F -F -F",
            id="liveness-failed-holds-until-a-new-container",
        ),
        pytest.param(
            container(liveness={"failureThreshold": 3}),
            "L:F L:F L:S L:F L:F",
            "+S +S +S +S +S",
            id="a-success-starts-the-run-again",
        ),
        pytest.param(
            container(startup={"failureThreshold": 3}),
            "St:F St:F St:F St:S",
            "+U +U +F -F",
            id="startup-unknown-until-it-fails-past-its-threshold",
        ),
        pytest.param(
            container(startup={"successThreshold": 1}),
            "St:S St:F",
            "+S -S",
            id="startup-holds-once-started",
        ),
        pytest.param(
            container(startup={"failureThreshold": 2}, liveness={"failureThreshold": 1}),
            "L:F R:F St:F L:F St:S L:F St:F",
            "-S -N +U -S +S +F -S",
            id="liveness-waits-for-startup",
        ),
        pytest.param(
            container(startup={}, readiness={}),
            "R:S St:S R:S",
            "-F +S +S",
            id="readiness-waits-for-startup",
        ),
    ],
)
def test_a_worker_reports_once_its_threshold_is_reached(
    spec: dict[str, Any], steps: str, expected: str
) -> None:
    assert play(Attempt.begin("app", spec), steps) == expected.split()


@pytest.mark.parametrize(
    ("delay", "running_for", "due"),
    [
        pytest.param(10, 9.99, False, id="before-the-delay"),
        pytest.param(10, 10.0, True, id="at-the-delay"),
        pytest.param(0, -0.5, True, id="a-start-a-moment-ahead-truncates-to-zero"),
        pytest.param(1, -0.5, False, id="a-start-ahead-waits"),
    ],
)
def test_a_probe_waits_out_its_initial_delay(delay: int, running_for: float, due: bool) -> None:
    attempt = Attempt.begin("app", container(readiness={"initialDelaySeconds": delay}))
    assert attempt.due(Kind.READINESS, running_for_s=running_for) is due


@pytest.mark.parametrize(
    ("spec", "begin", "steps", "results", "restart"),
    [
        pytest.param(
            container(),
            {},
            "",
            ProbeResults(True, True),
            None,
            id="no-probes-started-and-ready",
        ),
        pytest.param(
            container(readiness={}),
            {},
            "",
            ProbeResults(True, False),
            None,
            id="readiness-not-run-yet",
        ),
        pytest.param(
            container(startup={}, readiness={}),
            {},
            "St:S",
            ProbeResults(True, False),
            None,
            id="started-not-yet-ready",
        ),
        pytest.param(
            container(startup={}, readiness={}),
            {},
            "",
            ProbeResults(False, False),
            None,
            id="a-new-attempt-is-not-started-whatever-the-last-status-said",
        ),
        pytest.param(
            container(liveness={"failureThreshold": 1}),
            {},
            "L:F",
            ProbeResults(True, True),
            "Container app failed liveness probe",
            id="liveness-failed",
        ),
        pytest.param(
            container(startup={"failureThreshold": 1}, liveness={}),
            {},
            "St:F",
            ProbeResults(False, False),
            "Container app failed startup probe",
            id="startup-failed",
        ),
        pytest.param(
            container(startup={}, readiness={}),
            {"adopted": True, "remembered_started": True, "pod_ready": True},
            "",
            ProbeResults(True, True),
            None,
            id="adopted-started-and-ready-stays-so",
        ),
        pytest.param(
            container(readiness={"failureThreshold": 2}),
            {"adopted": True, "pod_ready": True},
            "R:F R:F",
            ProbeResults(True, False),
            None,
            id="adopted-ready-until-readiness-fails-past-its-threshold",
        ),
        pytest.param(
            container(readiness={}),
            {"adopted": True, "pod_ready": False},
            "",
            ProbeResults(True, False),
            None,
            id="adopted-in-a-pod-not-ready-is-not-ready",
        ),
        pytest.param(
            container(startup={}),
            {"adopted": True},
            "",
            ProbeResults(False, False),
            None,
            id="adopted-never-said-started-waits-for-startup",
        ),
        pytest.param(
            container(liveness={"failureThreshold": 1}, startup={}),
            {"deleting": True},
            "",
            ProbeResults(True, True),
            None,
            id="deleting-no-liveness-nor-startup",
        ),
    ],
)
def test_what_an_attempt_reports(
    spec: dict[str, Any],
    begin: dict[str, Any],
    steps: str,
    results: ProbeResults,
    restart: str | None,
) -> None:
    attempt = Attempt.begin("app", spec, **begin)
    for step in steps.split():
        kind_name, letter = step.split(":")
        attempt = attempt.observed(KINDS[kind_name], LETTER[letter])
    assert attempt.results() == results
    assert attempt.must_restart() == restart


def test_an_adopted_attempt_started_before_probes_liveness_at_once() -> None:
    spec = container(startup={}, liveness={})
    attempt = Attempt.begin("app", spec, adopted=True, remembered_started=True)
    assert attempt.due(Kind.LIVENESS, running_for_s=100)
    assert not attempt.due(Kind.STARTUP, running_for_s=100)


def test_stopping_liveness_forgets_its_failure() -> None:
    attempt = Attempt.begin("app", container(liveness={"failureThreshold": 1}))
    failed = attempt.observed(Kind.LIVENESS, Result.FAILURE)
    assert failed.failed() is Kind.LIVENESS
    assert failed.without(Kind.LIVENESS).must_restart() is None


# --- the events ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "outcome", "judged"),
    [
        pytest.param(
            Kind.READINESS, Outcome(Verdict.SUCCESS, "ok"), Judged(Result.SUCCESS), id="success"
        ),
        pytest.param(
            Kind.READINESS,
            Outcome(Verdict.FAILURE, "HTTP probe failed with statuscode: 500"),
            Judged(
                Result.FAILURE,
                Event(
                    "Unhealthy", "Readiness probe failed: HTTP probe failed with statuscode: 500"
                ),
            ),
            id="http-500",
        ),
        pytest.param(
            Kind.LIVENESS,
            Outcome(Verdict.FAILURE, "cat: can't open '/tmp/healthy': No such file\n"),
            Judged(
                Result.FAILURE,
                Event(
                    "Unhealthy",
                    "Liveness probe failed: cat: can't open '/tmp/healthy': No such file\n",
                ),
            ),
            id="exec-output-as-it-came",
        ),
        pytest.param(
            Kind.STARTUP,
            Outcome(Verdict.WARNING, "Probe terminated redirects, Response body: moved"),
            Judged(
                Result.SUCCESS,
                Event(
                    "ProbeWarning",
                    "Startup probe warning: Probe terminated redirects, Response body: moved",
                ),
            ),
            id="redirect-elsewhere-a-warning",
        ),
        pytest.param(
            Kind.LIVENESS,
            Outcome(Verdict.UNKNOWN, error="invalid port number: 0"),
            Judged(
                Result.UNKNOWN,
                Event(
                    "Unhealthy",
                    "Liveness probe errored and resulted in unknown state: invalid port number: 0",
                ),
            ),
            id="errored-thrown-away",
        ),
        pytest.param(
            Kind.LIVENESS, Outcome(Verdict.UNKNOWN), Judged(Result.FAILURE), id="unknown-silent"
        ),
    ],
)
def test_judge_words_the_events_as_the_kubelet(
    kind: Kind, outcome: Outcome, judged: Judged
) -> None:
    assert judge(kind, outcome) == judged


# --- timing -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tick", "now", "expected"),
    [
        pytest.param(0.0, 0.3, (10.0, 10.0), id="the-next-tick"),
        pytest.param(0.0, 10.0, (10.0, 10.0), id="a-run-that-ended-on-the-tick"),
        pytest.param(0.0, 15.0, (15.0, 10.0), id="a-tick-fell-during-the-run-at-once"),
        pytest.param(0.0, 37.0, (37.0, 30.0), id="more-ticks-fell-one-kept"),
        pytest.param(30.0, 45.0, (45.0, 40.0), id="later-runs"),
    ],
)
def test_next_tick_is_gos_ticker(tick: float, now: float, expected: tuple[float, float]) -> None:
    assert next_tick(tick, 10, now) == expected


def test_a_slow_probe_runs_back_to_back_on_the_tick_it_missed() -> None:
    runs, tick, now = [], 0.0, 0.0
    for _ in range(4):
        runs.append(now)
        now += 15  # each run takes a period and a half
        now, tick = next_tick(tick, 10, now)
    assert runs == [0, 15, 30, 45]


@pytest.mark.parametrize(
    ("adopted", "expected"),
    [pytest.param(True, 2.5, id="adopted-jittered"), pytest.param(False, 0.0, id="new-at-once")],
)
def test_the_first_probe_of_an_adopted_attempt_is_jittered(adopted: bool, expected: float) -> None:
    assert (
        first_delay_s(Probe(Kind.READINESS, period_s=10), adopted=adopted, jitter=0.25) == expected
    )


@pytest.mark.parametrize(
    ("pod", "spec", "failed", "expected"),
    [
        pytest.param({}, {}, None, 30, id="the-api-default"),
        pytest.param({"spec": {"terminationGracePeriodSeconds": 60}}, {}, None, 60, id="the-pods"),
        pytest.param(
            {"spec": {"terminationGracePeriodSeconds": 60}},
            container(liveness={"terminationGracePeriodSeconds": 5}),
            Kind.LIVENESS,
            5,
            id="the-failed-probes",
        ),
        pytest.param(
            {"spec": {"terminationGracePeriodSeconds": 60}},
            container(liveness={"terminationGracePeriodSeconds": 5}),
            Kind.STARTUP,
            60,
            id="another-probes-is-not-taken",
        ),
        pytest.param(
            {"metadata": {"deletionGracePeriodSeconds": 7}},
            container(liveness={"terminationGracePeriodSeconds": 5}),
            Kind.LIVENESS,
            7,
            id="a-deletions-first",
        ),
        pytest.param({"spec": {"terminationGracePeriodSeconds": 0}}, {}, None, 2, id="minimum"),
    ],
)
def test_grace_period_is_set_termination_grace_period(
    pod: dict[str, Any], spec: dict[str, Any], failed: Kind | None, expected: int
) -> None:
    assert grace_period_s(pod, spec, failed) == expected


@pytest.mark.parametrize(
    ("probe", "expected"),
    [
        pytest.param({}, Probe(Kind.LIVENESS), id="defaults"),
        pytest.param(
            {
                "initialDelaySeconds": 5,
                "periodSeconds": 3,
                "timeoutSeconds": 2,
                "successThreshold": 1,
                "failureThreshold": 7,
                "terminationGracePeriodSeconds": 9,
            },
            Probe(Kind.LIVENESS, 5, 3, 2, 1, 7, 9),
            id="given",
        ),
        pytest.param(
            {"periodSeconds": 0, "timeoutSeconds": 0, "failureThreshold": 0},
            Probe(Kind.LIVENESS),
            id="zeros-are-the-defaults",
        ),
    ],
)
def test_probe_of_reads_the_timings(probe: dict[str, Any], expected: Probe) -> None:
    assert Probe.of(Kind.LIVENESS, probe) == expected


# --- reading the Pod ----------------------------------------------------------------------


def test_the_probed_containers_are_the_apps_and_the_sidecars() -> None:
    pod = {
        "spec": {
            "initContainers": [{"name": "setup"}, {"name": "proxy", "restartPolicy": "Always"}],
            "containers": [{"name": "app"}],
        }
    }
    assert list(probed_containers(pod)) == ["app", "proxy"]


def test_the_last_status_is_read_for_the_same_attempt_only() -> None:
    pod = {
        "status": {
            "conditions": [{"type": "Ready", "status": "True"}],
            "containerStatuses": [{"name": "app", "containerID": "docker://abc", "started": True}],
        }
    }
    assert remembered_started(pod, "app", "abc")
    assert not remembered_started(pod, "app", "def")
    assert pod_is_ready(pod)
    assert not pod_is_ready({"status": {"conditions": [{"type": "Ready", "status": "False"}]}})
