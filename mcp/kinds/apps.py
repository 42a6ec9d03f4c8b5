"""The apps/v1 kinds: Deployments and ReplicaSets, as kube-apiserver stores them.

Ports, over the v1 JSON (decoded by `apiserver.gojson`, so every field has its Go type):
- `normalize_*`: pkg/apis/apps/v1 `SetObjectDefaults_Deployment` / `_ReplicaSet`
  (SetDefaults_Deployment: 1 replica, a RollingUpdate strategy of 25% surge and 25%
  unavailable, 10 revisions kept, a 600 s progress deadline; SetDefaults_ReplicaSet: 1
  replica; the pod template's defaults, `templates.default_template`);
- `prepare_create` / `prepare_*_update`: pkg/registry/apps/deployment and replicaset
  strategies (status cleared and generation 1 on create; the status kept on update, where
  a spec change bumps the generation, and for a Deployment an annotation change too:
  upstream copies annotations to the ReplicaSets);
- `validate_*`: pkg/apis/apps/validation ValidateDeployment, ValidateReplicaSet and their
  Update twins (the selector, immutable in apps/v1, must select the template's labels;
  replicas and the other counts not negative; maxSurge and maxUnavailable not both 0;
  the template's restartPolicy Always; the template as `templates.template_problems`),
  and the status rules of ValidateDeploymentStatus / ValidateReplicaSetStatus.
No controller acts on these objects yet: nothing makes their ReplicaSets or Pods.
Pure: no I/O.
"""

from __future__ import annotations

import copy
from typing import Any

from mcp.kinds import Kind, path_value, templates
from mcp.kinds.apimachinery import Problems, forbidden, invalid, not_supported, required
from mcp.kinds.templates import BadSelector, nonnegative

DEPLOYMENT = Kind(
    group="apps",
    version="v1",
    resource="deployments",
    kind="Deployment",
    namespaced=True,
    short_names=("deploy",),
    categories=("all",),
    subresources=("status", "scale"),
)


def replicaset_field_value(obj: dict[str, Any], field: str) -> str:
    """ReplicaSetToSelectableFields: `status.replicas` is `0` when unset."""
    if field == "status.replicas":
        return str(int((obj.get("status") or {}).get("replicas") or 0))
    return path_value(obj, field)


REPLICASET = Kind(
    group="apps",
    version="v1",
    resource="replicasets",
    kind="ReplicaSet",
    namespaced=True,
    short_names=("rs",),
    categories=("all",),
    subresources=("status", "scale"),
    field_selectors=("metadata.name", "metadata.namespace", "status.replicas"),
    field_value=replicaset_field_value,
)
KINDS = (DEPLOYMENT, REPLICASET)

FIELDS = frozenset({"apiVersion", "kind", "metadata", "spec", "status"})
DEPLOYMENT_GO_TYPE = "apps.v1.Deployment"
REPLICASET_GO_TYPE = "apps.v1.ReplicaSet"

ROLLING_UPDATE, RECREATE = "RollingUpdate", "Recreate"
DEFAULT_SURGE = DEFAULT_UNAVAILABLE = "25%"
DEFAULT_REVISION_HISTORY = 10
DEFAULT_PROGRESS_DEADLINE_S = 600
NO_MATCH = "`selector` does not match template `labels`"
IMMUTABLE = "field is immutable"
OVER_REPLICAS = "cannot be greater than status.replicas"


# --- defaults ----------------------------------------------------------------------------------


def _with_spec(obj: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any] | None]:
    copied = copy.deepcopy(obj)
    spec = copied.setdefault("spec", {})
    return copied, spec if isinstance(spec, dict) else None


def normalize_deployment(obj: dict[str, Any]) -> dict[str, Any]:
    """SetObjectDefaults_Deployment. Returns a new object."""
    deployment, spec = _with_spec(obj)
    if spec is None:
        return deployment  # gojson refuses this first
    if spec.get("replicas") is None:
        spec["replicas"] = 1
    strategy = spec.setdefault("strategy", {})
    if not strategy.get("type"):
        strategy["type"] = ROLLING_UPDATE
    if strategy["type"] == ROLLING_UPDATE:
        rolling = strategy.setdefault("rollingUpdate", {})
        if rolling.get("maxUnavailable") is None:
            rolling["maxUnavailable"] = DEFAULT_UNAVAILABLE
        if rolling.get("maxSurge") is None:
            rolling["maxSurge"] = DEFAULT_SURGE
    if spec.get("revisionHistoryLimit") is None:
        spec["revisionHistoryLimit"] = DEFAULT_REVISION_HISTORY
    if spec.get("progressDeadlineSeconds") is None:
        spec["progressDeadlineSeconds"] = DEFAULT_PROGRESS_DEADLINE_S
    spec["template"] = templates.default_template(spec.get("template") or {})
    return deployment


def normalize_replicaset(obj: dict[str, Any]) -> dict[str, Any]:
    """SetObjectDefaults_ReplicaSet. Returns a new object."""
    replicaset, spec = _with_spec(obj)
    if spec is None:
        return replicaset
    if spec.get("replicas") is None:
        spec["replicas"] = 1
    spec["template"] = templates.default_template(spec.get("template") or {})
    return replicaset


# --- create and update -------------------------------------------------------------------------


def prepare_create(obj: dict[str, Any], now: str) -> dict[str, Any]:
    """PrepareForCreate of the Deployment and ReplicaSet strategies: no status yet,
    generation 1 (`now` changes nothing here)."""
    return {**obj, "metadata": {**obj["metadata"], "generation": 1}, "status": {}}


def bumped(old: dict[str, Any], new: dict[str, Any], *, annotations: bool) -> dict[str, Any]:
    """`new` with the generation after `old`'s when the spec changed (or, with
    `annotations`, the annotations); `new` already holds `old`'s generation and status."""
    changed = (new.get("spec") or {}) != (old.get("spec") or {})
    if annotations:
        changed = changed or _annotations(new) != _annotations(old)
    if not changed:
        return new
    metadata = dict(new["metadata"])
    metadata["generation"] = int(old["metadata"].get("generation") or 0) + 1
    return {**new, "metadata": metadata}


def _annotations(obj: dict[str, Any]) -> dict[str, Any]:
    return dict(obj["metadata"].get("annotations") or {})


def prepare_deployment_update(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """deploymentStrategy's PrepareForUpdate: spec and annotation changes bump the
    generation."""
    return bumped(old, new, annotations=True)


def prepare_replicaset_update(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """rsStrategy's PrepareForUpdate: spec changes bump the generation."""
    return bumped(old, new, annotations=False)


# --- validation --------------------------------------------------------------------------------


def sorted_map(values: Any) -> Any:
    """A Go map as json.Marshal prints it: keys sorted (None stays null)."""
    return dict(sorted(values.items())) if isinstance(values, dict) else values


def _selector_of_spec(spec: dict[str, Any], path: str, kind_word: str) -> Problems:
    """The selector's problems, as ValidateDeploymentSpec and ValidateReplicaSetSpec check
    it: required, a valid LabelSelector, not empty, and selecting the template."""
    selector = spec.get("selector")
    problems: Problems = []
    if selector is None:
        problems.append(required(f"{path}.selector"))
    else:
        problems += templates.selector_problems(selector, f"{path}.selector")
        if not selector.get("matchLabels") and not selector.get("matchExpressions"):
            detail = f"empty selector is invalid for {kind_word}"
            problems.append(invalid(f"{path}.selector", selector, detail))
    try:
        converted = templates.as_selector(selector)
    except BadSelector:
        return [*problems, invalid(f"{path}.selector", selector, "invalid label selector")]
    return problems + template_for_replicas(spec.get("template") or {}, converted, path)


def template_for_replicas(template: dict[str, Any], selector: Any, path: str) -> Problems:
    """ValidatePodTemplateSpecForReplicaSet at `<path>.template` (a Deployment's too, in
    the same words): selected by `selector` (unless it is empty), a valid template,
    restarted Always, no active deadline."""
    at = f"{path}.template"
    labels = (template.get("metadata") or {}).get("labels")
    problems: Problems = []
    if (selector is None or selector.requirements) and not templates.selects(selector, labels):
        problems.append(invalid(f"{at}.metadata.labels", sorted_map(labels), NO_MATCH))
    problems += templates.template_problems(template, at)
    spec = template.get("spec") or {}
    restart = spec.get("restartPolicy") or ""
    if restart != "Always":
        problems.append(not_supported(f"{at}.spec.restartPolicy", restart, ("Always",)))
    if spec.get("activeDeadlineSeconds") is not None:
        detail = "activeDeadlineSeconds in ReplicaSet is not Supported"
        problems.append(forbidden(f"{at}.spec.activeDeadlineSeconds", detail))
    return problems


def rolling_update_problems(rolling: dict[str, Any], path: str) -> Problems:
    """ValidateRollingUpdateDeployment."""
    unavailable, surge = rolling.get("maxUnavailable", 0), rolling.get("maxSurge", 0)
    problems = templates.int_or_percent_problems(unavailable, f"{path}.maxUnavailable")
    problems += templates.int_or_percent_problems(surge, f"{path}.maxSurge")
    if templates.int_or_percent_value(unavailable) == 0 and (
        templates.int_or_percent_value(surge) == 0
    ):
        detail = "may not be 0 when `maxSurge` is 0"
        problems.append(invalid(f"{path}.maxUnavailable", unavailable, detail))
    return problems + templates.over_100_percent(unavailable, f"{path}.maxUnavailable")


def strategy_problems(strategy: dict[str, Any], path: str) -> Problems:
    """ValidateDeploymentStrategy."""
    kind = strategy.get("type") or ""
    rolling = strategy.get("rollingUpdate")
    if kind == RECREATE:
        if rolling is not None:
            detail = "may not be specified when strategy `type` is 'Recreate'"
            return [forbidden(f"{path}.rollingUpdate", detail)]
        return []
    if kind == ROLLING_UPDATE:
        if rolling is None:
            detail = "this should be defaulted and never be nil"
            return [required(f"{path}.rollingUpdate", detail)]
        return rolling_update_problems(rolling, f"{path}.rollingUpdate")
    # The internal DeploymentStrategy, whose fields carry no json tags.
    shown = {"Type": kind, "RollingUpdate": _internal_rolling(rolling)}
    return [not_supported(path, shown, (RECREATE, ROLLING_UPDATE))]


def _internal_rolling(rolling: Any) -> Any:
    if not isinstance(rolling, dict):
        return None
    return {
        "MaxUnavailable": rolling.get("maxUnavailable", 0),
        "MaxSurge": rolling.get("maxSurge", 0),
    }


def validate_deployment(obj: dict[str, Any]) -> Problems:
    """ValidateDeploymentSpec (the metadata is the generic path's)."""
    spec = obj.get("spec") or {}
    problems = nonnegative(spec.get("replicas"), "spec.replicas")
    problems += _selector_of_spec(spec, "spec", "deployment")
    problems += strategy_problems(spec.get("strategy") or {}, "spec.strategy")
    ready = spec.get("minReadySeconds") or 0
    problems += nonnegative(ready, "spec.minReadySeconds")
    problems += nonnegative(spec.get("revisionHistoryLimit"), "spec.revisionHistoryLimit")
    deadline = spec.get("progressDeadlineSeconds")
    if deadline is not None:
        problems += nonnegative(deadline, "spec.progressDeadlineSeconds")
        if deadline <= ready:
            detail = "must be greater than minReadySeconds"
            problems.append(invalid("spec.progressDeadlineSeconds", deadline, detail))
    return problems


def _immutable_selector(old: dict[str, Any], new: dict[str, Any]) -> Problems:
    """apps/v1's rule: the selector never changes."""
    before = (old.get("spec") or {}).get("selector")
    after = (new.get("spec") or {}).get("selector")
    return [] if before == after else [invalid("spec.selector", after, IMMUTABLE)]


def _counts(status: dict[str, Any], fields: tuple[str, ...]) -> Problems:
    problems: Problems = []
    for field in fields:
        problems += nonnegative(status.get(field), f"status.{field}")
    return problems


def _at_most(status: dict[str, Any], field: str, limit: str, detail: str) -> Problems:
    value = int(status.get(field) or 0)
    return (
        [invalid(f"status.{field}", value, detail)] if value > int(status.get(limit) or 0) else []
    )


def deployment_status_problems(old: dict[str, Any], new: dict[str, Any]) -> Problems:
    """ValidateDeploymentStatusUpdate's status rules."""
    status = new.get("status") or {}
    fields = ("observedGeneration", "replicas", "updatedReplicas", "readyReplicas")
    problems = _counts(status, (*fields, "availableReplicas", "unavailableReplicas"))
    problems += nonnegative(status.get("collisionCount"), "status.collisionCount")
    for field in ("updatedReplicas", "readyReplicas", "availableReplicas"):
        problems += _at_most(status, field, "replicas", OVER_REPLICAS)
    detail = "cannot be greater than readyReplicas"
    problems += _at_most(status, "availableReplicas", "readyReplicas", detail)
    before = (old.get("status") or {}).get("collisionCount")
    after = status.get("collisionCount")
    if before is not None and (after is None or after < before):
        problems.append(invalid("status.collisionCount", after or 0, "cannot be decremented"))
    return problems


def validate_deployment_update(old: dict[str, Any], new: dict[str, Any]) -> Problems:
    """ValidateDeploymentUpdate past ValidateDeploymentSpec (`validate_deployment` runs on
    every write): the selector is immutable; and the status's rules, for a write of
    `/status` (a write of the resource keeps the stored status)."""
    return _immutable_selector(old, new) + deployment_status_problems(old, new)


def validate_replicaset(obj: dict[str, Any]) -> Problems:
    """ValidateReplicaSetSpec."""
    spec = obj.get("spec") or {}
    problems = nonnegative(spec.get("replicas"), "spec.replicas")
    problems += nonnegative(spec.get("minReadySeconds"), "spec.minReadySeconds")
    # Upstream's words: a ReplicaSet's empty selector is invalid "for deployment".
    return problems + _selector_of_spec(spec, "spec", "deployment")


def replicaset_status_problems(new: dict[str, Any]) -> Problems:
    """ValidateReplicaSetStatus."""
    status = new.get("status") or {}
    fields = ("replicas", "fullyLabeledReplicas", "readyReplicas", "availableReplicas")
    problems = _counts(status, (*fields, "observedGeneration"))
    for field in ("fullyLabeledReplicas", "readyReplicas", "availableReplicas"):
        problems += _at_most(status, field, "replicas", OVER_REPLICAS)
    detail = "cannot be greater than readyReplicas"
    return problems + _at_most(status, "availableReplicas", "readyReplicas", detail)


def validate_replicaset_update(old: dict[str, Any], new: dict[str, Any]) -> Problems:
    """ValidateReplicaSetUpdate past the spec's rules: the selector is immutable; and
    the status's rules."""
    return _immutable_selector(old, new) + replicaset_status_problems(new)
