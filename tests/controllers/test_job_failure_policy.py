"""What one failed Pod means under a Job's podFailurePolicy, after kubernetes'
pkg/controller/job/pod_failure_policy_test.go (TestMatchPodFailurePolicy)."""

from __future__ import annotations

from typing import Any

import pytest

from mcp.controllers.jobs.failure_policy import Match, match


def failed_pod(*codes: int, init: tuple[int, ...] = (), conditions: Any = ()) -> dict[str, Any]:
    def statuses(prefix: str, values: tuple[int, ...]) -> list[dict[str, Any]]:
        return [
            {"name": f"{prefix}{i}", "state": {"terminated": {"exitCode": code}}}
            for i, code in enumerate(values)
        ]

    return {
        "metadata": {"namespace": "default", "name": "mypod"},
        "status": {
            "phase": "Failed",
            "containerStatuses": statuses("main", codes),
            "initContainerStatuses": statuses("init", init),
            "conditions": list(conditions),
        },
    }


def exit_rule(action: str, operator: str, values: list[int], **extra: Any) -> dict[str, Any]:
    return {"action": action, "onExitCodes": {"operator": operator, "values": values, **extra}}


def condition_rule(action: str, kind: str, status: str | None = "True") -> dict[str, Any]:
    pattern = {"type": kind} if status is None else {"type": kind, "status": status}
    return {"action": action, "onPodConditions": [pattern]}


FAIL_JOB_MAIN0 = (
    "Container main0 for pod default/mypod failed with exit code 2 matching FailJob rule at index 0"
)
DISRUPTED = [{"type": "DisruptionTarget", "status": "True"}]


@pytest.mark.parametrize(
    ("rules", "pod", "want"),
    [
        pytest.param([], failed_pod(2), Match(), id="no-rules-counts"),
        pytest.param(
            [exit_rule("Ignore", "In", [1, 2, 3])],
            failed_pod(2),
            Match(None, False, "Ignore"),
            id="ignore-in",
        ),
        pytest.param(
            [exit_rule("FailJob", "In", [2])],
            failed_pod(2),
            Match(FAIL_JOB_MAIN0, True, "FailJob"),
            id="fail-job-in",
        ),
        pytest.param(
            [exit_rule("FailJob", "NotIn", [1, 3])],
            failed_pod(2),
            Match(FAIL_JOB_MAIN0, True, "FailJob"),
            id="fail-job-not-in",
        ),
        pytest.param(
            [exit_rule("FailJob", "NotIn", [2])], failed_pod(2), Match(), id="not-in-no-match"
        ),
        pytest.param(
            [exit_rule("Count", "In", [2])], failed_pod(2), Match(None, True, "Count"), id="count"
        ),
        pytest.param(
            [exit_rule("FailJob", "NotIn", [])],
            failed_pod(0),
            Match(),
            id="exit-code-0-never-matches",
        ),
        pytest.param(
            [exit_rule("Ignore", "In", [2], containerName="main1")],
            failed_pod(2, 1),
            Match(),
            id="other-container-named",
        ),
        pytest.param(
            [exit_rule("Ignore", "In", [5], containerName="init0")],
            failed_pod(1, init=(5,)),
            Match(None, False, "Ignore"),
            id="init-container",
        ),
        pytest.param(
            [exit_rule("Ignore", "In", [7]), exit_rule("FailJob", "In", [2])],
            failed_pod(2),
            Match(
                "Container main0 for pod default/mypod failed with exit code 2 matching "
                "FailJob rule at index 1",
                True,
                "FailJob",
            ),
            id="first-matching-rule-index-1",
        ),
        pytest.param(
            [exit_rule("Ignore", "In", [2]), exit_rule("FailJob", "In", [2])],
            failed_pod(2),
            Match(None, False, "Ignore"),
            id="first-match-wins",
        ),
        pytest.param(
            [condition_rule("Ignore", "DisruptionTarget")],
            failed_pod(2, conditions=DISRUPTED),
            Match(None, False, "Ignore"),
            id="condition-ignore",
        ),
        pytest.param(
            [condition_rule("FailJob", "DisruptionTarget", None)],
            failed_pod(2, conditions=DISRUPTED),
            Match(
                "Pod default/mypod has condition DisruptionTarget matching FailJob rule at index 0",
                True,
                "FailJob",
            ),
            id="condition-status-defaults-true",
        ),
        pytest.param(
            [condition_rule("Ignore", "DisruptionTarget", "False")],
            failed_pod(2, conditions=DISRUPTED),
            Match(),
            id="condition-status-differs",
        ),
        pytest.param(
            [{"action": "Sometimes", "onExitCodes": {"operator": "In", "values": [2]}}],
            failed_pod(2),
            Match(),
            id="unknown-action-falls-through",
        ),
    ],
)
def test_match(rules: list[dict[str, Any]], pod: dict[str, Any], want: Match) -> None:
    assert match({"rules": rules}, pod) == want


def test_running_container_has_no_exit_code() -> None:
    pod = failed_pod()
    pod["status"]["containerStatuses"] = [{"name": "main0", "state": {"running": {}}}]
    assert match({"rules": [exit_rule("FailJob", "NotIn", [])]}, pod) == Match()
