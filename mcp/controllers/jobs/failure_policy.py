"""A Job's `podFailurePolicy`: what one failed Pod means for the Job. Pure.

Ported from kube-controller-manager's pkg/controller/job/pod_failure_policy.go
(matchPodFailurePolicy, matchOnExitCodes, matchOnPodConditions): the rules are tried in
order and the first that matches decides. `FailJob` fails the Job with a message naming
the container (or the condition) and the rule's index; `Ignore` keeps the failure out of
`status.failed` and `backoffLimit`; `Count` (and no match) counts it as usual;
`FailIndex` counts it too here, since mcp's Job controller has no per-index backoff (the
API only allows `FailIndex` with `backoffLimitPerIndex`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mcp.engine.pods.conditions import dict_of, dicts_of, int_of

FAIL_JOB, IGNORE, COUNT, FAIL_INDEX = "FailJob", "Ignore", "Count", "FailIndex"


@dataclass(frozen=True)
class Match:
    """What a failed Pod means under a policy.

    Attributes:
        message: why the Job fails (a `FailJob` rule matched); None otherwise.
        counts: whether the failure counts towards `status.failed` and `backoffLimit`.
        action: the matched rule's action; None when no rule matched.
    """

    message: str | None = None
    counts: bool = True
    action: str | None = None


def match(policy: Any, pod: dict[str, Any]) -> Match:
    """matchPodFailurePolicy: the first rule of `policy` the failed `pod` matches."""
    if not isinstance(policy, dict):
        return Match()
    status = dict_of(pod.get("status"))
    meta = dict_of(pod.get("metadata"))
    where = f"{meta.get('namespace') or ''}/{meta.get('name') or ''}"
    for index, rule in enumerate(dicts_of(policy.get("rules"))):
        action = rule.get("action")
        if isinstance(rule.get("onExitCodes"), dict):
            container = _match_exit_codes(status, rule["onExitCodes"])
            if container is None:
                continue
            if action == FAIL_JOB:
                code = int_of(
                    dict_of(dict_of(container.get("state")).get("terminated")).get("exitCode")
                )
                return Match(
                    f"Container {container.get('name') or ''} for pod {where} failed with exit "
                    f"code {code} matching {action} rule at index {index}",
                    True,
                    FAIL_JOB,
                )
        elif isinstance(rule.get("onPodConditions"), list):
            condition = _match_conditions(status, rule["onPodConditions"])
            if condition is None:
                continue
            if action == FAIL_JOB:
                return Match(
                    f"Pod {where} has condition {condition.get('type') or ''} matching "
                    f"{action} rule at index {index}",
                    True,
                    FAIL_JOB,
                )
        else:
            continue
        if action == IGNORE:
            return Match(None, False, IGNORE)
        if action in (COUNT, FAIL_INDEX):
            return Match(None, True, action)
        # An unknown action (validation rejects it) falls through to the next rule, as
        # upstream's switch without a default does.
    return Match()


def _match_exit_codes(status: dict[str, Any], requirement: dict[str, Any]) -> dict[str, Any] | None:
    """matchOnExitCodes: the first terminated container (app ones, then init ones) whose
    non-zero exit code satisfies `requirement`."""
    wanted = requirement.get("containerName")
    for key in ("containerStatuses", "initContainerStatuses"):
        for container in dicts_of(status.get(key)):
            terminated = dict_of(container.get("state")).get("terminated")
            if not isinstance(terminated, dict):
                continue  # still running or waiting: no exit code to match
            if wanted is not None and wanted != container.get("name"):
                continue
            code = int_of(terminated.get("exitCode"))
            if code != 0 and _operator_matches(code, requirement):
                return container
    return None


def _operator_matches(code: int, requirement: dict[str, Any]) -> bool:
    values = requirement.get("values")
    values = values if isinstance(values, list) else []
    if requirement.get("operator") == "In":
        return code in values
    if requirement.get("operator") == "NotIn":
        return code not in values
    return False


def _match_conditions(status: dict[str, Any], patterns: list[Any]) -> dict[str, Any] | None:
    """matchOnPodConditions: the first Pod condition some pattern names, with its status
    (a pattern's `status` defaults to True, as the API defaults it)."""
    for condition in dicts_of(status.get("conditions")):
        for pattern in dicts_of(patterns):
            if condition.get("type") == pattern.get("type") and condition.get("status") == (
                pattern.get("status") or "True"
            ):
                return condition
    return None
