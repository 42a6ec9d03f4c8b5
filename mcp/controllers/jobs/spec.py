"""A Job's spec as the Job controller reads it: batch/v1's defaults applied (SetDefaults_Job:
completions and parallelism 1 when both are unset, backoffLimit 6, completionMode
NonIndexed, suspend false, podReplacementPolicy Failed with a podFailurePolicy and
TerminatingOrFailed without), so that a Job the API server has not defaulted reads the
same as one it has. Pure.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mcp.engine.pods.conditions import dict_of

NON_INDEXED, INDEXED = "NonIndexed", "Indexed"
DEFAULT_BACKOFF_LIMIT = 6
JOB_CONTROLLER = "kubernetes.io/job-controller"  # spec.managedBy's default


@dataclass(frozen=True)
class Spec:
    """A Job's spec with the API's defaults applied (batch/v1 SetDefaults_Job)."""

    name: str
    namespace: str
    uid: str
    deleting: bool
    parallelism: int
    completions: int | None
    backoff_limit: int
    mode: str
    suspend: bool
    deadline_s: int | None
    ttl_s: int | None
    failure_policy: dict[str, Any] | None
    only_replace_failed: bool
    manual_selector: bool
    managed_by: str | None
    template: dict[str, Any]

    @property
    def indexed(self) -> bool:
        return self.mode == INDEXED


def integer(value: Any) -> int | None:
    """A JSON integer, None when `value` is not one."""
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def read(job: dict[str, Any]) -> Spec:
    """The spec's fields with batch/v1's defaults (SetDefaults_Job), for a Job that may not
    have been through them."""
    meta, spec = dict_of(job.get("metadata")), dict_of(job.get("spec"))
    completions, parallelism = integer(spec.get("completions")), integer(spec.get("parallelism"))
    if completions is None and parallelism is None:
        completions = parallelism = 1
    policy = spec.get("podFailurePolicy")
    policy = policy if isinstance(policy, dict) else None
    default_replacement = "Failed" if policy is not None else "TerminatingOrFailed"
    replacement = spec.get("podReplacementPolicy") or default_replacement
    limit = integer(spec.get("backoffLimit"))
    managed_by = spec.get("managedBy")
    return Spec(
        name=str(meta.get("name") or ""),
        namespace=str(meta.get("namespace") or ""),
        uid=str(meta.get("uid") or ""),
        deleting=bool(meta.get("deletionTimestamp")),
        parallelism=parallelism if parallelism is not None else 1,
        completions=completions,
        backoff_limit=limit if limit is not None else DEFAULT_BACKOFF_LIMIT,
        mode=str(spec.get("completionMode") or NON_INDEXED),
        suspend=spec.get("suspend") is True,
        deadline_s=integer(spec.get("activeDeadlineSeconds")),
        ttl_s=integer(spec.get("ttlSecondsAfterFinished")),
        failure_policy=policy,
        only_replace_failed=replacement == "Failed",
        manual_selector=spec.get("manualSelector") is True,
        managed_by=managed_by if isinstance(managed_by, str) else None,
        template=dict_of(spec.get("template")),
    )
