"""What the kinds with a pod template share: the template's defaults and validation, label
selectors as metav1 validates and converts them, and rolling updates' int-or-percent
values.

- `default_template`: the defaults `SetObjectDefaults_Deployment`, `_ReplicaSet`, `_Job`
  and `_CronJob` give `spec.template` (`pod.default_spec`, none of what only a Pod gets:
  no `enableServiceLinks`, no requests from limits, no tolerations);
- `template_problems`: core's ValidatePodTemplateSpec at a path (`spec.template`): the
  template's labels at `spec.template.labels` (upstream's path, not `.metadata.labels`),
  its annotations, and the Pod kind's spec validation under `spec.template.spec`, so
  that mcp's own refusals of privileged containers, hostPath volumes and the host's
  namespaces (`pod_security`, `pod_volumes`) hold for templates as for Pods;
- `as_selector` / `selector_problems`: metav1's LabelSelectorAsSelector and
  ValidateLabelSelector over `mcp.selectors`;
- `int_or_percent_problems`, `int_or_percent_value`, `over_100_percent`: apps
  validation's ValidatePositiveIntOrPercent, getIntOrPercentValue, IsNotMoreThan100Percent.

The input is decoded by `apiserver.gojson` (every field has its Go type). Pure.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from typing import Any

from mcp import selectors
from mcp.kinds import apimachinery, pod, pod_validation
from mcp.kinds.apimachinery import Problems, forbidden, invalid, required

NEGATIVE = "must be greater than or equal to 0"  # ValidateNonnegativeField
PERCENT_RE = re.compile(r"[0-9]+%")
GO_INT_RE = re.compile(r"[+-]?[0-9]+")  # what strconv.Atoi reads
PERCENT_ERROR = apimachinery.regex_error(
    "a valid percent string must be a numeric string followed by an ending '%'",
    "[0-9]+%",
    "1%",
    "93%",
)
# metav1 LabelSelectorOperator values, and the selection operators they become.
SELECTOR_OPERATORS: Mapping[str, selectors.Operator] = {
    "In": "in",
    "NotIn": "notin",
    "Exists": "exists",
    "DoesNotExist": "!",
}


def default_template(template: Any) -> Any:
    """`template` (a PodTemplateSpec) with its spec's defaults; a new object."""
    if not isinstance(template, dict):
        return template  # gojson refuses this first
    template = copy.deepcopy(template)
    spec = template.setdefault("spec", {})
    if isinstance(spec, dict):
        pod.default_spec(spec)
    return template


def template_problems(template: Mapping[str, Any], path: str) -> Problems:
    """ValidatePodTemplateSpec at `path`: the metadata's labels and annotations, the
    pod's spec, and no ephemeral containers."""
    metadata = template.get("metadata") or {}
    spec = template.get("spec") or {}
    annotations = metadata.get("annotations") or {}
    problems = apimachinery.label_problems(metadata.get("labels"), f"{path}.labels")
    problems += apimachinery.annotation_problems(annotations, f"{path}.annotations")
    problems += pod_validation.annotation_problems(annotations, spec, f"{path}.annotations")
    problems += pod_validation.validate_spec(spec, f"{path}.spec")
    if spec.get("ephemeralContainers"):
        detail = "ephemeral containers not allowed in pod template"
        problems.append(forbidden(f"{path}.spec.ephemeralContainers", detail))
    return problems


def nonnegative(value: Any, path: str) -> Problems:
    """ValidateNonnegativeField, for a field that may be absent (None: nothing to say)."""
    if isinstance(value, int) and not isinstance(value, bool) and value < 0:
        return [invalid(path, value, NEGATIVE)]
    return []


# --- label selectors ---------------------------------------------------------------------------


class BadSelector(ValueError):
    """A LabelSelector that LabelSelectorAsSelector cannot convert."""


def as_selector(label_selector: Mapping[str, Any] | None) -> selectors.Selector | None:
    """LabelSelectorAsSelector: None for no selector (upstream's `labels.Nothing()`, which
    selects nothing), an empty selector (everything) for one without terms.

    Raises:
        BadSelector: an unknown operator, a bad key or value, `In` without values.
    """
    if label_selector is None:
        return None
    requirements: set[selectors.Requirement] = set()
    for key, value in (label_selector.get("matchLabels") or {}).items():
        if apimachinery.is_qualified_name(key) or apimachinery.is_valid_label_value(value):
            raise BadSelector(f"invalid requirement {key}={value}")
        requirements.add(selectors.Requirement(key, "=", (value,)))
    for expression in label_selector.get("matchExpressions") or []:
        key = expression.get("key") or ""
        operator = SELECTOR_OPERATORS.get(expression.get("operator") or "")
        values = tuple(sorted(set(expression.get("values") or [])))
        if operator is None:
            raise BadSelector(f"{expression.get('operator')!r} is not a valid operator")
        if apimachinery.is_qualified_name(key):
            raise BadSelector(f"invalid key {key!r}")
        if operator in ("in", "notin") and not values:
            raise BadSelector("for 'in', 'notin' operators, values set can't be empty")
        if operator in ("exists", "!") and values:
            raise BadSelector("values set must be empty for exists and does not exist")
        if any(apimachinery.is_valid_label_value(value) for value in values):
            raise BadSelector(f"invalid values of {key!r}")
        requirements.add(selectors.Requirement(key, operator, values))
    return selectors.Selector(tuple(sorted(requirements)))


def selects(selector: selectors.Selector | None, labels: Mapping[str, str] | None) -> bool:
    """Whether `selector` (None: nothing) selects an object with `labels`."""
    return selector is not None and selector.matches(labels or {})


def selector_problems(label_selector: Mapping[str, Any] | None, path: str) -> Problems:
    """metav1 ValidateLabelSelector, values checked strictly (as the workload kinds do on
    create)."""
    if label_selector is None:
        return []
    problems = apimachinery.label_problems(label_selector.get("matchLabels"), f"{path}.matchLabels")
    for index, expression in enumerate(label_selector.get("matchExpressions") or []):
        at = f"{path}.matchExpressions[{index}]"
        operator = expression.get("operator") or ""
        values = expression.get("values") or []
        if operator in ("In", "NotIn"):
            if not values:
                detail = "must be specified when `operator` is 'In' or 'NotIn'"
                problems.append(required(f"{at}.values", detail))
        elif operator in ("Exists", "DoesNotExist"):
            if values:
                detail = "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"
                problems.append(forbidden(f"{at}.values", detail))
        else:
            problems.append(invalid(f"{at}.operator", operator, "not a valid selector operator"))
        key = expression.get("key") or ""
        problems += [invalid(f"{at}.key", key, m) for m in apimachinery.is_qualified_name(key)]
        for position, value in enumerate(values):
            problems += [
                invalid(f"{at}.values[{position}]", value, m)
                for m in apimachinery.is_valid_label_value(value)
            ]
    return problems


def selector_text(selector: selectors.Selector | None) -> str:
    """A selector as Go's `labels.Selector.String()` prints it (nothing: "")."""
    return "" if selector is None else str(selector)


def format_selector(label_selector: Mapping[str, Any] | None) -> str:
    """metav1.FormatLabelSelector: `<none>` for no terms, `<error>` for a bad one."""
    try:
        text = selector_text(as_selector(label_selector))
    except BadSelector:
        return "<error>"
    return text or "<none>"


# --- int or percent ----------------------------------------------------------------------------


def _percent(value: Any) -> int | None:
    """getPercentValue: the number of a valid percent string, else None."""
    if isinstance(value, str) and PERCENT_RE.fullmatch(value):
        return int(value[:-1])
    return None


def int_or_percent_value(value: Any) -> int:
    """getIntOrPercentValue: a percent's number, else IntOrString.IntValue() (a string's
    strconv.Atoi, 0 when it is no number)."""
    percent = _percent(value)
    if percent is not None:
        return percent
    if isinstance(value, int):
        return value
    return int(value) if isinstance(value, str) and GO_INT_RE.fullmatch(value) else 0


def int_or_percent_problems(value: Any, path: str) -> Problems:
    """ValidatePositiveIntOrPercent: a valid percent string, or an int that is not
    negative."""
    if isinstance(value, str):
        return [] if PERCENT_RE.fullmatch(value) else [invalid(path, value, PERCENT_ERROR)]
    return nonnegative(value, path)


def over_100_percent(value: Any, path: str) -> Problems:
    """IsNotMoreThan100Percent: a percent above 100% is refused (an int is not a percent)."""
    percent = _percent(value)
    if percent is None or percent <= 100:
        return []
    return [invalid(path, value, "must not be greater than 100%")]
