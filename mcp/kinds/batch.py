"""The batch/v1 kinds: Jobs and CronJobs, as kube-apiserver stores them.

Ports, over the v1 JSON (decoded by `apiserver.gojson`):
- `normalize_job` / `normalize_cronjob`: pkg/apis/batch/v1 `SetObjectDefaults_Job` /
  `_CronJob`. A Job: parallelism 1, and completions 1 when neither is given (upstream's
  "nil completions" rule: parallelism alone leaves completions unset), backoffLimit 6
  (MaxInt32 with a per-index limit), NonIndexed completions, not suspended, pods
  replaced once TerminatingOrFailed (Failed with a pod failure policy), no manual
  selector, a condition pattern's status True; a Job without labels takes its
  template's (the same map, as Go's assignment shares it: the selector's generated
  labels then show on the Job too). A CronJob: concurrency Allow, not suspended, 3
  successful and 1 failed Jobs kept. Both: the pod template's defaults;
- `generate_job`: pkg/registry/batch/job `generateSelector`, on create, before
  validation: `controller-uid`, `batch.kubernetes.io/controller-uid`, `job-name`,
  `batch.kubernetes.io/job-name` on the template (a label the user set is kept, and
  validation then refuses a wrong one), the selector on `batch.kubernetes.io/controller-uid`;
- `prepare_create` / `prepare_update`: the strategies' status cleared, generation 1,
  the status kept and the generation bumped on a spec change;
- `validate_*`: pkg/apis/batch/validation (ValidateJob, ValidateJobUpdate and
  validateGeneratedSelector; validateCronJobSpec, ValidateCronJobCreate/Update and
  ValidateJobTemplateSpec), the template checked as `templates.template_problems`.
No controller acts on these objects yet: nothing runs a Job's pods or a CronJob's Jobs.
Pure: no I/O.
"""

from __future__ import annotations

import copy
import re
import zoneinfo
from typing import Any

from mcp.kinds import Kind, apimachinery, apps, cron, path_value, templates
from mcp.kinds.apimachinery import (
    Problems,
    duplicate,
    go_quote,
    invalid,
    not_supported,
    required,
)
from mcp.kinds.templates import BadSelector, nonnegative


def job_field_value(obj: dict[str, Any], field: str) -> str:
    """JobToSelectableFields: `status.successful` is the succeeded count, `0` when unset."""
    if field == "status.successful":
        return str(int((obj.get("status") or {}).get("succeeded") or 0))
    return path_value(obj, field)


JOB = Kind(
    group="batch",
    version="v1",
    resource="jobs",
    kind="Job",
    namespaced=True,
    categories=("all",),
    subresources=("status",),
    field_selectors=("metadata.name", "metadata.namespace", "status.successful"),
    field_value=job_field_value,
)
CRONJOB = Kind(
    group="batch",
    version="v1",
    resource="cronjobs",
    kind="CronJob",
    namespaced=True,
    short_names=("cj",),
    categories=("all",),
    subresources=("status",),
)
KINDS = (JOB, CRONJOB)

FIELDS = frozenset({"apiVersion", "kind", "metadata", "spec", "status"})
JOB_GO_TYPE = "batch.v1.Job"
CRONJOB_GO_TYPE = "batch.v1.CronJob"

MAX_INT32 = 2**31 - 1
NON_INDEXED, INDEXED = "NonIndexed", "Indexed"
FAILED, TERMINATING_OR_FAILED = "Failed", "TerminatingOrFailed"
# k8s.io/api batch/v1: the labels generateSelector puts on a Job's pods.
LEGACY_CONTROLLER_UID, LEGACY_JOB_NAME = "controller-uid", "job-name"
CONTROLLER_UID = "batch.kubernetes.io/controller-uid"
JOB_NAME = "batch.kubernetes.io/job-name"
MAX_INDEXED_PARALLELISM = MAX_FAILED_INDEXES = COMPLETIONS_SOFT_LIMIT = 100_000
HIGH_COMPLETIONS_LIMIT = 10_000
MAX_POD_FAILURE_POLICY_RULES = MAX_ON_POD_CONDITIONS = 20
MAX_ON_EXIT_CODES_VALUES = 255
MAX_SUCCESS_POLICY_RULES = 20
MAX_MANAGED_BY = 63
FAILURE_ACTIONS = ("Count", "FailIndex", "FailJob", "Ignore")
EXIT_CODE_OPERATORS = ("In", "NotIn")
CONDITION_STATUSES = ("False", "True", "Unknown")
CONCURRENCY_POLICIES = ("Allow", "Forbid", "Replace")
IMMUTABLE = "field is immutable"
# The CronJob controller names its Jobs `<cronjob>-<11 characters>`, at most 63 in all.
CRONJOB_NAME_MAX = 63 - 11
TIME_ZONE_PART = re.compile(r"[A-Za-z.\-_0-9+]{1,14}")
HTTP_PATH_FMT = "[A-Za-z0-9/\\-._~%!$&'()*+,;=:]+"
HTTP_PATH_RE = re.compile(HTTP_PATH_FMT)
HTTP_PATH_ERROR = apimachinery.regex_error("Invalid path", HTTP_PATH_FMT)


# --- defaults ----------------------------------------------------------------------------------


def _default_failure_policy(spec: dict[str, Any]) -> None:
    """SetDefaults_PodFailurePolicyOnPodConditionsPattern: a pattern's status is True."""
    for rule in (spec.get("podFailurePolicy") or {}).get("rules") or []:
        for pattern in rule.get("onPodConditions") or []:
            if not pattern.get("status"):
                pattern["status"] = "True"


def normalize_job(obj: dict[str, Any]) -> dict[str, Any]:
    """SetObjectDefaults_Job. Returns a new object."""
    job = copy.deepcopy(obj)
    spec = job.setdefault("spec", {})
    if not isinstance(spec, dict):
        return job  # gojson refuses this first
    if spec.get("completions") is None and spec.get("parallelism") is None:
        spec["completions"] = 1
        spec["parallelism"] = 1
    if spec.get("parallelism") is None:
        spec["parallelism"] = 1
    if spec.get("backoffLimit") is None:
        spec["backoffLimit"] = MAX_INT32 if spec.get("backoffLimitPerIndex") is not None else 6
    spec["template"] = templates.default_template(spec.get("template") or {})
    template_metadata = spec["template"].setdefault("metadata", {})
    labels = template_metadata.get("labels")
    metadata = job.setdefault("metadata", {})
    if labels is not None and not metadata.get("labels"):
        # Go's `obj.Labels = labels`: one map for both, which generateSelector adds to.
        metadata["labels"] = labels
    if spec.get("completionMode") is None:
        spec["completionMode"] = NON_INDEXED
    if spec.get("suspend") is None:
        spec["suspend"] = False
    _default_failure_policy(spec)
    if spec.get("podReplacementPolicy") is None:
        has_policy = spec.get("podFailurePolicy") is not None
        spec["podReplacementPolicy"] = FAILED if has_policy else TERMINATING_OR_FAILED
    if spec.get("manualSelector") is None:
        spec["manualSelector"] = False
    return job


def normalize_cronjob(obj: dict[str, Any]) -> dict[str, Any]:
    """SetObjectDefaults_CronJob: the job template's pod template gets its defaults, its
    spec none of a Job's. Returns a new object."""
    cronjob = copy.deepcopy(obj)
    spec = cronjob.setdefault("spec", {})
    if not isinstance(spec, dict):
        return cronjob
    if not spec.get("concurrencyPolicy"):
        spec["concurrencyPolicy"] = "Allow"
    if spec.get("suspend") is None:
        spec["suspend"] = False
    if spec.get("successfulJobsHistoryLimit") is None:
        spec["successfulJobsHistoryLimit"] = 3
    if spec.get("failedJobsHistoryLimit") is None:
        spec["failedJobsHistoryLimit"] = 1
    job_spec = spec.setdefault("jobTemplate", {}).setdefault("spec", {})
    if isinstance(job_spec, dict):
        job_spec["template"] = templates.default_template(job_spec.get("template") or {})
        _default_failure_policy(job_spec)
    return cronjob


# --- create and update -------------------------------------------------------------------------


def generate_job(obj: dict[str, Any]) -> dict[str, Any]:
    """generateSelectorIfNeeded, on a new Job with its uid: the template's labels (in
    place, so that a Job sharing them with its template, `normalize_job`, shows them too)
    and the selector. Returns the object."""
    spec = obj.get("spec") or {}
    if spec.get("manualSelector") is True:
        return obj
    metadata = obj["metadata"]
    template_metadata = spec.setdefault("template", {}).setdefault("metadata", {})
    labels: dict[str, str] | None = template_metadata.get("labels")
    if labels is None:  # (not `or {}`: an empty map given may be the Job's labels too)
        labels = template_metadata["labels"] = {}
    for key in (LEGACY_JOB_NAME, JOB_NAME):
        labels.setdefault(key, metadata.get("name", ""))
    for key in (LEGACY_CONTROLLER_UID, CONTROLLER_UID):
        labels.setdefault(key, metadata.get("uid", ""))
    selector: dict[str, Any] = spec.get("selector") or {}
    spec["selector"] = selector
    match_labels: dict[str, str] = selector.get("matchLabels") or {}
    selector["matchLabels"] = match_labels
    match_labels.setdefault(CONTROLLER_UID, metadata.get("uid", ""))
    return obj


def prepare_create(obj: dict[str, Any], now: str) -> dict[str, Any]:
    """The Job and CronJob strategies' PrepareForCreate: no status, generation 1."""
    return {**obj, "metadata": {**obj["metadata"], "generation": 1}, "status": {}}


def prepare_update(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """PrepareForUpdate: a spec change bumps the generation (the status is kept)."""
    return apps.bumped(old, new, annotations=False)


# --- Job validation ----------------------------------------------------------------------------


def _restart_policy(spec: dict[str, Any], path: str) -> Problems:
    """A Job's pods restart OnFailure or Never (Never only, with a pod failure policy)."""
    at = f"{path}.template.spec.restartPolicy"
    restart = ((spec.get("template") or {}).get("spec") or {}).get("restartPolicy") or ""
    if restart in ("Always", ""):
        return [required(at, 'valid values: "OnFailure", "Never"')]
    if restart not in ("OnFailure", "Never"):
        return [not_supported(at, restart, ("OnFailure", "Never"))]
    if spec.get("podFailurePolicy") is not None and restart != "Never":
        return [
            invalid(at, restart, 'only "Never" is supported when podFailurePolicy is specified')
        ]
    return []


def _indexed_problems(spec: dict[str, Any], path: str) -> Problems:
    mode = spec.get("completionMode")
    completions, parallelism = spec.get("completions"), spec.get("parallelism")
    per_index, max_failed = spec.get("backoffLimitPerIndex"), spec.get("maxFailedIndexes")
    problems: Problems = []
    if mode is not None and mode not in (NON_INDEXED, INDEXED):
        problems.append(not_supported(f"{path}.completionMode", mode, (NON_INDEXED, INDEXED)))
    if mode == INDEXED:
        if completions is None:
            problems.append(required(f"{path}.completions", "when completion mode is Indexed"))
        if parallelism is not None and parallelism > MAX_INDEXED_PARALLELISM:
            detail = (
                f"must be less than or equal to {MAX_INDEXED_PARALLELISM} when completion mode "
                "is Indexed"
            )
            problems.append(invalid(f"{path}.parallelism", parallelism, detail))
        if completions is not None and max_failed is not None and max_failed > completions:
            detail = "must be less than or equal to completions"
            problems.append(invalid(f"{path}.maxFailedIndexes", max_failed, detail))
        if max_failed is not None and max_failed > MAX_FAILED_INDEXES:
            detail = f"must be less than or equal to {MAX_FAILED_INDEXES}"
            problems.append(invalid(f"{path}.maxFailedIndexes", max_failed, detail))
        if (
            completions is not None
            and completions > COMPLETIONS_SOFT_LIMIT
            and per_index is not None
        ):
            above = (
                f"when completions are above {COMPLETIONS_SOFT_LIMIT} and used with backoff "
                "limit per index"
            )
            if max_failed is None:
                detail = f"must be specified when completions is above {COMPLETIONS_SOFT_LIMIT}"
                problems.append(required(f"{path}.maxFailedIndexes", detail))
            if parallelism is not None and parallelism > HIGH_COMPLETIONS_LIMIT:
                detail = f"must be less than or equal to {HIGH_COMPLETIONS_LIMIT} {above}"
                problems.append(invalid(f"{path}.parallelism", parallelism, detail))
            if max_failed is not None and max_failed > HIGH_COMPLETIONS_LIMIT:
                detail = f"must be less than or equal to {HIGH_COMPLETIONS_LIMIT} {above}"
                problems.append(invalid(f"{path}.maxFailedIndexes", max_failed, detail))
    else:
        for field, value in (("backoffLimitPerIndex", per_index), ("maxFailedIndexes", max_failed)):
            if value is not None:
                detail = "requires indexed completion mode"
                problems.append(invalid(f"{path}.{field}", value, detail))
    return problems


def _go_list(values: tuple[str, ...]) -> str:
    """Go's `%q` of a []string: `["a" "b"]`."""
    return f"[{' '.join(go_quote(value) for value in values)}]"


def _too_many(path: str, count: int, limit: int) -> Problems:
    """field.TooMany: `Too many: N: must have at most M items`."""
    return [(path, f"Too many: {count}: must have at most {limit} items")] if count > limit else []


def _failure_policy_problems(spec: dict[str, Any], path: str) -> Problems:
    """validatePodFailurePolicy."""
    rules = (spec.get("podFailurePolicy") or {}).get("rules") or []
    at = f"{path}.podFailurePolicy.rules"
    problems = _too_many(at, len(rules), MAX_POD_FAILURE_POLICY_RULES)
    pod_spec = (spec.get("template") or {}).get("spec") or {}
    names = {
        c.get("name")
        for field in ("containers", "initContainers")
        for c in pod_spec.get(field) or []
    }
    for index, rule in enumerate(rules):
        problems += _failure_rule_problems(spec, rule, f"{at}[{index}]", names)
    return problems


def _failure_rule_problems(
    spec: dict[str, Any], rule: dict[str, Any], path: str, names: set[Any]
) -> Problems:
    action = rule.get("action") or ""
    problems: Problems = []
    if not action:
        problems.append(required(f"{path}.action", f"valid values: {_go_list(FAILURE_ACTIONS)}"))
    elif action == "FailIndex":
        if spec.get("backoffLimitPerIndex") is None:
            detail = "requires the backoffLimitPerIndex to be set"
            problems.append(invalid(f"{path}.action", action, detail))
    elif action not in FAILURE_ACTIONS:
        problems.append(not_supported(f"{path}.action", action, FAILURE_ACTIONS))
    on_exit = rule.get("onExitCodes")
    on_conditions = rule.get("onPodConditions") or []
    if on_exit is not None:
        problems += _exit_codes_problems(on_exit, f"{path}.onExitCodes", names)
    if on_conditions:
        problems += _conditions_problems(on_conditions, f"{path}.onPodConditions")
    if on_exit is not None and on_conditions:
        detail = "specifying both OnExitCodes and OnPodConditions is not supported"
        problems.append((path, f"Invalid value: {detail}"))
    if on_exit is None and not on_conditions:
        detail = "specifying one of OnExitCodes and OnPodConditions is required"
        problems.append((path, f"Invalid value: {detail}"))
    return problems


def _exit_codes_problems(on_exit: dict[str, Any], path: str, names: set[Any]) -> Problems:
    operator = on_exit.get("operator") or ""
    problems: Problems = []
    if not operator:
        detail = f"valid values: {_go_list(EXIT_CODE_OPERATORS)}"
        problems.append(required(f"{path}.operator", detail))
    elif operator not in EXIT_CODE_OPERATORS:
        problems.append(not_supported(f"{path}.operator", operator, EXIT_CODE_OPERATORS))
    container = on_exit.get("containerName")
    if container is not None and container not in names:
        detail = "must be one of the container or initContainer names in the pod template"
        problems.append(invalid(f"{path}.containerName", container, detail))
    values = on_exit.get("values") or []
    if not values:
        problems.append(invalid(f"{path}.values", values, "at least one value is required"))
    problems += _too_many(f"{path}.values", len(values), MAX_ON_EXIT_CODES_VALUES)
    seen: set[int] = set()
    for index, value in enumerate(values):
        at = f"{path}.values[{index}]"
        if operator == "In" and value == 0:
            problems.append(invalid(at, value, "must not be 0 for the In operator"))
        if value in seen:
            problems.append(duplicate(at, value))
        seen.add(value)
    if values != sorted(values):
        problems.append(invalid(f"{path}.values", values, "must be ordered"))
    return problems


def _conditions_problems(patterns: list[dict[str, Any]], path: str) -> Problems:
    problems = _too_many(path, len(patterns), MAX_ON_POD_CONDITIONS)
    for index, pattern in enumerate(patterns):
        at = f"{path}[{index}]"
        kind = pattern.get("type") or ""
        problems += [invalid(f"{at}.type", kind, m) for m in apimachinery.is_qualified_name(kind)]
        status = pattern.get("status") or ""
        if not status:
            detail = f"valid values: {_go_list(CONDITION_STATUSES)}"
            problems.append(required(f"{at}.status", detail))
        elif status not in CONDITION_STATUSES:
            problems.append(not_supported(f"{at}.status", status, CONDITION_STATUSES))
    return problems


def _success_policy_problems(spec: dict[str, Any], path: str) -> Problems:
    """The success policy's shape (an index list's syntax is not checked yet)."""
    policy = spec.get("successPolicy")
    if policy is None:
        return []
    at = f"{path}.successPolicy"
    if spec.get("completionMode") != INDEXED:
        return [invalid(at, policy, "requires indexed completion mode")]
    rules = policy.get("rules") or []
    problems: Problems = []
    if not rules:
        detail = "at least one rules must be specified when the successPolicy is specified"
        problems.append(required(f"{at}.rules", detail))
    problems += _too_many(f"{at}.rules", len(rules), MAX_SUCCESS_POLICY_RULES)
    completions = spec.get("completions") or 0
    for index, rule in enumerate(rules):
        rule_at = f"{at}.rules[{index}]"
        count = rule.get("succeededCount")
        if count is None and rule.get("succeededIndexes") is None:
            detail = "at least one of succeededCount or succeededIndexes must be specified"
            problems.append(required(rule_at, detail))
        if count is not None:
            problems += nonnegative(count, f"{rule_at}.succeededCount")
            if count > completions:
                detail = (
                    f"must be less than or equal to {completions} (the number of specified "
                    "completions)"
                )
                problems.append(invalid(f"{rule_at}.succeededCount", count, detail))
    return problems


def _replacement_problems(spec: dict[str, Any], path: str) -> Problems:
    policy = spec.get("podReplacementPolicy")
    if policy is None:
        return []
    at = f"{path}.podReplacementPolicy"
    if spec.get("podFailurePolicy") is not None:
        return [] if policy == FAILED else [not_supported(at, policy, (FAILED,))]
    choices = (FAILED, TERMINATING_OR_FAILED)
    return [] if policy in choices else [not_supported(at, policy, choices)]


def _domain_prefixed_path(value: str, at: str) -> Problems:
    """apimachinery's IsDomainPrefixedPath: `<DNS subdomain>/<HTTP path>`."""
    if not value:
        return [required(at)]
    domain, slash, rest = value.partition("/")
    if not slash or not domain or not rest:
        return [invalid(at, value, 'must be a domain-prefixed path (such as "acme.io/foo")')]
    problems = [invalid(at, domain, m) for m in apimachinery.is_dns1123_subdomain(domain)]
    if not HTTP_PATH_RE.fullmatch(rest):
        problems.append(invalid(at, rest, HTTP_PATH_ERROR))
    return problems


def _managed_by_problems(spec: dict[str, Any], path: str) -> Problems:
    """`managedBy`: a domain-prefixed path of at most 63 characters."""
    value = spec.get("managedBy")
    if value is None:
        return []
    at = f"{path}.managedBy"
    problems = _domain_prefixed_path(value, at)
    if len(value) > MAX_MANAGED_BY:
        problems.append(apimachinery.too_long(at, MAX_MANAGED_BY))
    return problems


def job_spec_problems(spec: dict[str, Any], path: str) -> Problems:
    """validateJobSpec: what a Job's spec and a CronJob's job template share."""
    problems: Problems = []
    for field in ("parallelism", "completions", "activeDeadlineSeconds", "backoffLimit"):
        problems += nonnegative(spec.get(field), f"{path}.{field}")
    for field in ("ttlSecondsAfterFinished", "backoffLimitPerIndex", "maxFailedIndexes"):
        problems += nonnegative(spec.get(field), f"{path}.{field}")
    if spec.get("maxFailedIndexes") is not None and spec.get("backoffLimitPerIndex") is None:
        detail = "when maxFailedIndexes is specified"
        problems.append(required(f"{path}.backoffLimitPerIndex", detail))
    problems += _managed_by_problems(spec, path)
    problems += _indexed_problems(spec, path)
    if spec.get("podFailurePolicy") is not None:
        problems += _failure_policy_problems(spec, path)
    problems += _success_policy_problems(spec, path)
    problems += _replacement_problems(spec, path)
    problems += templates.template_problems(spec.get("template") or {}, f"{path}.template")
    return problems + _restart_policy(spec, path)


def validate_job(obj: dict[str, Any]) -> Problems:
    """ValidateJobSpec (the spec, its selector, the template it selects) and the name an
    Indexed Job's last pod would have; the generated selector is `validate_job_create`'s
    and `validate_job_update`'s."""
    spec = obj.get("spec") or {}
    problems = job_spec_problems(spec, "spec")
    selector = spec.get("selector")
    if selector is None:
        problems.append(required("spec.selector"))
    else:
        problems += templates.selector_problems(selector, "spec.selector")
    labels = ((spec.get("template") or {}).get("metadata") or {}).get("labels")
    try:
        selected = templates.selects(templates.as_selector(selector), labels)
    except BadSelector:
        selected = True  # upstream compares only a selector that converts
    if not selected:
        shown = apps.sorted_map(labels)
        problems.append(invalid("spec.template.metadata.labels", shown, apps.NO_MATCH))
    completions = spec.get("completions")
    name = str(obj["metadata"].get("name") or "")
    if spec.get("completionMode") == INDEXED and completions is not None and completions > 0:
        hostname = f"{name}-{completions - 1}"
        if apimachinery.is_dns1123_label(hostname):
            detail = f"will not able to create pod with invalid DNS label: {hostname}"
            problems.append(invalid("metadata.name", name, detail))
    return problems


def _has_label(labels: dict[str, str], key: str, expected: str) -> Problems:
    """ValidateHasLabel at `spec.template.metadata`."""
    at = f"spec.template.metadata.labels[{key}]"
    if key not in labels:
        return [required(at, expected)]
    if labels[key] != expected:
        return [invalid(at, apps.sorted_map(labels), f"must be '{expected}'")]
    return []


def generated_selector_problems(obj: dict[str, Any], *, prefixed: bool) -> Problems:
    """validateGeneratedSelector: unless the selector is manual, the template carries the
    generated labels (the prefixed ones too when `prefixed`) and the selector selects
    them."""
    spec = obj.get("spec") or {}
    selector = spec.get("selector")
    if spec.get("manualSelector") is True or selector is None:
        return []
    metadata = obj["metadata"]
    uid, name = str(metadata.get("uid") or ""), str(metadata.get("name") or "")
    problems = [] if uid else [required("metadata.uid")]
    labels = ((spec.get("template") or {}).get("metadata") or {}).get("labels") or {}
    problems += _has_label(labels, LEGACY_CONTROLLER_UID, uid)
    problems += _has_label(labels, LEGACY_JOB_NAME, name)
    expected = {LEGACY_CONTROLLER_UID: uid, LEGACY_JOB_NAME: name}
    if prefixed:
        problems += _has_label(labels, CONTROLLER_UID, uid)
        problems += _has_label(labels, JOB_NAME, name)
        expected |= {CONTROLLER_UID: uid, JOB_NAME: name}
    try:
        converted = templates.as_selector(selector)
    except BadSelector:
        return problems
    if not templates.selects(converted, expected):
        problems.append(invalid("spec.selector", selector, "`selector` not auto-generated"))
    return problems


def validate_job_create(obj: dict[str, Any]) -> Problems:
    """ValidateJob's generated-selector rule on a new Job (prefixed labels required)."""
    return generated_selector_problems(obj, prefixed=True)


def _immutable(old: Any, new: Any, path: str) -> Problems:
    return [] if old == new else [invalid(path, new, IMMUTABLE)]


def _template_may_change(old: dict[str, Any]) -> bool:
    """AllowMutableSchedulingDirectives: a suspended Job that never started."""
    suspended = (old.get("spec") or {}).get("suspend") is True
    return suspended and not (old.get("status") or {}).get("startTime")


def _template_as_compared(old_template: dict[str, Any], new_template: dict[str, Any]) -> Any:
    """The old template with what a suspended, never started Job may change taken from
    the new one (validatePodTemplateUpdate)."""
    compared = copy.deepcopy(old_template)
    old_spec = compared.setdefault("spec", {})
    new_spec = new_template.get("spec") or {}
    old_meta = compared.setdefault("metadata", {})
    new_meta = new_template.get("metadata") or {}
    for field in ("labels", "annotations"):
        old_meta.pop(field, None)
        if field in new_meta:
            old_meta[field] = new_meta[field]
    for field in ("nodeSelector", "tolerations", "schedulingGates"):
        old_spec.pop(field, None)
        if field in new_spec:
            old_spec[field] = new_spec[field]
    old_affinity, new_affinity = old_spec.get("affinity"), new_spec.get("affinity")
    if new_affinity is None and old_affinity is not None:
        rest = {k: v for k, v in old_affinity.items() if k != "nodeAffinity"}
        old_spec["affinity"] = rest or None
        if not rest:
            old_spec.pop("affinity")
    elif new_affinity is not None:
        merged = {k: v for k, v in (old_affinity or {}).items() if k != "nodeAffinity"}
        if "nodeAffinity" in new_affinity:
            merged["nodeAffinity"] = new_affinity["nodeAffinity"]
        old_spec["affinity"] = merged
    return compared


def validate_job_update(old: dict[str, Any], new: dict[str, Any]) -> Problems:
    """ValidateJobUpdate past the spec's rules (`validate_job` runs on every write): the
    generated selector (the prefixed labels required when the Job had them), the
    immutable fields, and the status's counts."""
    old_labels = ((old.get("spec") or {}).get("template") or {}).get("metadata") or {}
    had = (old_labels.get("labels") or {}).keys()
    problems = generated_selector_problems(new, prefixed={CONTROLLER_UID, JOB_NAME} <= set(had))
    spec, old_spec = new.get("spec") or {}, old.get("spec") or {}
    completions = spec.get("completions")
    if spec.get("completionMode") != INDEXED:
        problems += _immutable(old_spec.get("completions"), completions, "spec.completions")
    elif completions not in (old_spec.get("completions"), None, spec.get("parallelism")):
        # ElasticIndexedJob: an Indexed Job's completions change with its parallelism.
        detail = "can only be modified in tandem with spec.parallelism"
        problems.append(invalid("spec.completions", completions, detail))
    problems += _immutable(old_spec.get("selector"), spec.get("selector"), "spec.selector")
    template, old_template = spec.get("template") or {}, old_spec.get("template") or {}
    if _template_may_change(old):
        old_template = _template_as_compared(old_template, template)
    problems += _immutable(old_template, template, "spec.template")
    for field in (
        "completionMode",
        "podFailurePolicy",
        "backoffLimitPerIndex",
        "managedBy",
        "successPolicy",
    ):
        problems += _immutable(old_spec.get(field), spec.get(field), f"spec.{field}")
    status = new.get("status") or {}
    for field in ("active", "succeeded", "failed", "ready", "terminating"):
        problems += nonnegative(status.get(field), f"status.{field}")
    return problems


# --- CronJob validation ------------------------------------------------------------------------


def _schedule_problems(spec: dict[str, Any], old_spec: dict[str, Any] | None) -> Problems:
    """The schedule: required, a standard cron schedule, no TZ or CRON_TZ in it (unless
    an older one had it, as upstream still takes), and the time zone when it changed."""
    schedule = spec.get("schedule") or ""
    problems: Problems = []
    if not schedule:
        problems.append(required("spec.schedule"))
    else:
        try:
            cron.check(schedule)
        except cron.ScheduleError as exc:
            problems.append(invalid("spec.schedule", schedule, str(exc)))
        allowed = old_spec is not None and "TZ" in (old_spec.get("schedule") or "")
        if allowed and "TZ" in schedule and spec.get("timeZone") is not None:
            detail = "cannot use both timeZone field and TZ or CRON_TZ in schedule"
            problems.append(invalid("spec.schedule", schedule, detail))
        elif not allowed and "TZ" in schedule:
            detail = "cannot use TZ or CRON_TZ in schedule, use timeZone field instead"
            problems.append(invalid("spec.schedule", schedule, detail))
    problems += nonnegative(spec.get("startingDeadlineSeconds"), "spec.startingDeadlineSeconds")
    if old_spec is None or old_spec.get("timeZone") != spec.get("timeZone"):
        problems += time_zone_problems(spec.get("timeZone"), "spec.timeZone")
    return problems


def time_zone_problems(zone: str | None, path: str) -> Problems:
    """validateTimeZone: an IANA zone's name (Go's LoadLocation, here the system's zone
    database), never `Local`."""
    if zone is None:
        return []
    if not zone:
        return [invalid(path, zone, "timeZone must be nil or non-empty string")]
    for part in zone.split("/"):
        if part in (".", "..") or part.startswith("-") or not TIME_ZONE_PART.fullmatch(part):
            return [invalid(path, zone, f"unknown time zone {zone}")]
    problems: Problems = []
    if zone.lower() == "local":
        detail = (
            "timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones"
        )
        problems.append(invalid(path, zone, detail))
    elif zone != "UTC":
        try:
            zoneinfo.ZoneInfo(zone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
            problems.append(invalid(path, zone, f"unknown time zone {zone}"))
    return problems


def job_template_problems(template: dict[str, Any], path: str) -> Problems:
    """ValidateJobTemplateSpec: the Job spec's rules; the selector is generated, never
    given."""
    spec = template.get("spec") or {}
    problems = job_spec_problems(spec, f"{path}.spec")
    if spec.get("selector") is not None:
        detail = "`selector` will be auto-generated"
        problems.append(invalid(f"{path}.spec.selector", spec["selector"], detail))
    if spec.get("manualSelector") is True:
        problems.append(not_supported(f"{path}.spec.manualSelector", True, ("nil", "false")))
    return problems


def validate_cronjob(obj: dict[str, Any]) -> Problems:
    """validateCronJobSpec past the schedule and time zone (`validate_cronjob_create` and
    `_update` check those, against the stored CronJob on update)."""
    spec = obj.get("spec") or {}
    problems = apimachinery.one_of(
        "spec.concurrencyPolicy", spec.get("concurrencyPolicy") or "", CONCURRENCY_POLICIES
    )
    problems += job_template_problems(spec.get("jobTemplate") or {}, "spec.jobTemplate")
    for field in ("successfulJobsHistoryLimit", "failedJobsHistoryLimit"):
        problems += nonnegative(spec.get(field), f"spec.{field}")
    return problems


def validate_cronjob_create(obj: dict[str, Any]) -> Problems:
    """ValidateCronJobCreate's schedule and time zone, and a name short enough for the
    Jobs the controller names after it."""
    problems = _schedule_problems(obj.get("spec") or {}, None)
    name = str(obj["metadata"].get("name") or "")
    if len(name) > CRONJOB_NAME_MAX:
        detail = f"must be no more than {CRONJOB_NAME_MAX} characters"
        problems.append(invalid("metadata.name", name, detail))
    return problems


def validate_cronjob_update(old: dict[str, Any], new: dict[str, Any]) -> Problems:
    """ValidateCronJobUpdate's schedule and time zone, given the stored spec (no name
    limit: an older, longer name may still be updated)."""
    return _schedule_problems(new.get("spec") or {}, old.get("spec") or {})
