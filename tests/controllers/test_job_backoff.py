"""The Job controller's Pod failure backoff, ported case by case from kubernetes'
pkg/controller/job/backoff_utils_test.go (TestNewBackoffRecord, TestGetFinishedTime,
TestGetRemainingBackoffTime), Go structs written as the v1 JSON they serialise to.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from mcp.controllers.jobs.backoff import BASE_S, CAP_S, Backoff, finished_at

T = datetime(2009, 11, 10, 23, 0, 0, tzinfo=UTC)  # defaultTestTime
MS = timedelta(milliseconds=1)


def stamp(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def finished(phase: str, at: datetime) -> dict[str, Any]:
    """A Pod with one container terminated at `at`."""
    terminated = {"state": {"terminated": {"finishedAt": stamp(at)}}}
    return {"metadata": {}, "status": {"phase": phase, "containerStatuses": [terminated]}}


@pytest.mark.parametrize(
    ("start", "succeeded", "failed", "want"),
    [
        pytest.param(Backoff(), [], [T], Backoff(1, T), id="empty-store-one-new-failure"),
        pytest.param(Backoff(), [], [T, T - MS], Backoff(2, T), id="empty-store-two-new-failures"),
        pytest.param(
            Backoff(), [T], [T - 2 * MS, T - MS], Backoff(0, None), id="two-failures-then-success"
        ),
        pytest.param(
            Backoff(),
            [T - 2 * MS],
            [T, T - 4 * MS, T - 3 * MS, T - MS],
            Backoff(2, T),
            id="two-failures-one-success-two-more-failures",
        ),
        pytest.param(Backoff(2, None), [], [T], Backoff(3, T), id="store-with-two-one-new-failure"),
        pytest.param(Backoff(), [T], [T], Backoff(0, None), id="success-and-failure-same-time"),
        pytest.param(Backoff(), [], [], Backoff(0, None), id="no-success-no-failure"),
        pytest.param(Backoff(), [T], [], Backoff(0, None), id="one-success"),
        pytest.param(Backoff(3, T - MS), [], [], Backoff(3, T - MS), id="nothing-new-keeps-record"),
    ],
)
def test_updated(
    start: Backoff, succeeded: list[datetime], failed: list[datetime], want: Backoff
) -> None:
    new_succeeded = [finished("Succeeded", at) for at in succeeded]
    new_failed = [finished("Failed", at) for at in failed]
    assert start.updated(new_succeeded, new_failed) == want


def terminated(at: datetime | None) -> dict[str, Any]:
    return {"state": {"terminated": {"finishedAt": stamp(at)} if at else {}}}


RUNNING: dict[str, Any] = {"state": {"running": {}}}


@pytest.mark.parametrize(
    ("pod", "want"),
    [
        pytest.param(
            {
                "status": {
                    "containerStatuses": [
                        terminated(T - timedelta(seconds=1)),
                        terminated(T),
                        terminated(T - timedelta(seconds=2)),
                    ]
                }
            },
            T,
            id="all-containers-terminated-latest",
        ),
        pytest.param(
            {
                "metadata": {"deletionTimestamp": stamp(T)},
                "status": {"containerStatuses": [terminated(T - timedelta(seconds=1)), RUNNING]},
            },
            T,
            id="one-running-falls-back-to-deletion",
        ),
        pytest.param(
            {
                "metadata": {"deletionTimestamp": stamp(T)},
                "status": {"containerStatuses": [RUNNING]},
            },
            T,
            id="fallback-to-deletion-timestamp",
        ),
        pytest.param(
            {
                "metadata": {"deletionTimestamp": stamp(T), "deletionGracePeriodSeconds": 30},
                "status": {"containerStatuses": [RUNNING]},
            },
            T - timedelta(seconds=30),
            id="deletion-timestamp-less-grace-period",
        ),
        pytest.param(
            {
                "status": {
                    "containerStatuses": [terminated(None)],
                    "conditions": [
                        {
                            "type": "Ready",
                            "status": "False",
                            "reason": "PodFailed",
                            "lastTransitionTime": stamp(T),
                        }
                    ],
                }
            },
            T,
            id="fallback-to-ready-false-transition",
        ),
        pytest.param(
            {
                "metadata": {"deletionTimestamp": stamp(T)},
                "status": {
                    "containerStatuses": [terminated(None)],
                    "conditions": [
                        {
                            "type": "Ready",
                            "status": "True",
                            "lastTransitionTime": stamp(T - timedelta(seconds=30)),
                        }
                    ],
                },
            },
            T,
            id="ready-true-is-no-finish",
        ),
        pytest.param(
            {
                "metadata": {"creationTimestamp": stamp(T)},
                "status": {"containerStatuses": [terminated(None)]},
            },
            T,
            id="fallback-to-creation-timestamp",
        ),
        pytest.param(
            {
                "status": {
                    "containerStatuses": [terminated(T - timedelta(seconds=1))],
                    "initContainerStatuses": [terminated(T)],
                }
            },
            T,
            id="init-container-finishes-last",
        ),
    ],
)
def test_finished_at(pod: dict[str, Any], want: datetime) -> None:
    assert finished_at(pod) == want


@pytest.mark.parametrize(
    ("record", "now", "want"),
    [
        pytest.param(Backoff(0, None), T, 0, id="no-failures"),
        pytest.param(Backoff(1, T), T, 5, id="one-failure-just-now"),
        pytest.param(Backoff(1, T), T + timedelta(seconds=1), 4, id="one-failure-1s-ago"),
        pytest.param(Backoff(1, T), T + timedelta(seconds=5), 0, id="one-failure-backoff-over"),
        pytest.param(Backoff(1, T), T + timedelta(seconds=6), 0, id="one-failure-long-ago"),
        pytest.param(Backoff(3, T), T, 20, id="three-failures"),
        pytest.param(Backoff(8, T), T, 640, id="eight-failures-below-cap"),
        pytest.param(Backoff(9, T), T, 700, id="nine-failures-capped"),
    ],
)
def test_remaining_upstream_table(record: Backoff, now: datetime, want: float) -> None:
    """TestGetRemainingBackoffTime runs with a 5 s base and a 700 s cap."""
    assert record.remaining(now, base_s=5, cap_s=700) == want


@pytest.mark.parametrize(
    ("failures", "want"),
    [
        pytest.param(1, 10, id="first"),
        pytest.param(2, 20, id="second"),
        pytest.param(3, 40, id="third"),
        pytest.param(6, 320, id="sixth"),
        pytest.param(7, 600, id="seventh-capped-at-10-minutes"),
        pytest.param(30, 600, id="many-capped"),
    ],
)
def test_remaining_defaults(failures: int, want: float) -> None:
    """DefaultJobPodFailureBackOff 10 s, doubling, MaxJobPodFailureBackOff 10 minutes."""
    assert (BASE_S, CAP_S) == (10, 600)
    assert Backoff(failures, T).remaining(T) == want
