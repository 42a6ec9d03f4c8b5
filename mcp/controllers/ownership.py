"""Who controls an object: label selectors, controller references, adoption and release.

The pure half of upstream's `pkg/controller/controller_ref_manager.go` and of
`metav1.LabelSelectorAsSelector`. A controller (a ReplicaSet over its Pods, a Deployment
over its ReplicaSets) claims the objects of its namespace: those it controls and its
selector still matches stay its own; those it controls that no longer match are
released; orphans that match are adopted. Adopting and releasing are decisions here, a
strategic merge patch of the dependent's `metadata.ownerReferences` each, for an actor to
send; nothing here writes.

Objects are v1 JSON dicts as stored. Pure: no I/O, no trio, no clock.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from mcp import rules, selectors
from mcp.engine.pods.conditions import dict_of, dicts_of

# A parsed LabelSelector: a Selector, or None for `labels.Nothing()` (a null selector).
Matcher = selectors.Selector | None

_OPERATORS: dict[str, selectors.Operator] = {
    "In": "in",
    "NotIn": "notin",
    "Exists": "exists",
    "DoesNotExist": "!",
}


class InvalidSelector(ValueError):
    """A LabelSelector that upstream's LabelSelectorAsSelector refuses."""


def label_selector(value: Any) -> Matcher:
    """metav1.LabelSelectorAsSelector: a stored LabelSelector as a selector.

    Args:
        value: the `selector` field (a dict, or None when absent).

    Returns:
        None (matches nothing) for an absent selector, a selector with no requirements
        (matches everything) for an empty one, else the conjunction of its `matchLabels`
        (each `key=value`) and `matchExpressions`.

    Raises:
        InvalidSelector: an unknown operator, a key or value that is not a label's, a
            value list the operator does not take.
    """
    if value is None:
        return None
    selector = dict_of(value)
    match_labels = dict_of(selector.get("matchLabels"))
    expressions = dicts_of(selector.get("matchExpressions"))
    requirements = [_requirement(key, "=", [v]) for key, v in match_labels.items()]
    for expression in expressions:
        operator = expression.get("operator")
        if operator not in _OPERATORS:
            raise InvalidSelector(f"{operator!r} is not a valid label selector operator")
        values = expression.get("values") or []
        requirements.append(_requirement(expression.get("key"), _OPERATORS[operator], values))
    return selectors.Selector(tuple(sorted(set(requirements))))


def _requirement(key: Any, operator: selectors.Operator, values: Any) -> selectors.Requirement:
    """labels.NewRequirement: one validated requirement."""
    if problem := rules.label_key_problem(key):
        raise InvalidSelector(f"key {key!r}: {problem}")
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise InvalidSelector(f"values for {key!r}: must be a list of strings")
    if operator in ("in", "notin") and not values:
        raise InvalidSelector(f"values for {key!r}: must be non-empty for {operator}")
    if operator in ("exists", "!") and values:
        raise InvalidSelector(f"values for {key!r}: must be empty for {operator}")
    for v in values:
        if problem := rules.label_value_problem(v):
            raise InvalidSelector(f"value {v!r} for {key!r}: {problem}")
    return selectors.Requirement(key, operator, tuple(sorted(set(values))))


def matches(selector: Matcher, labels: Any) -> bool:
    """Whether `selector` selects an object with `labels` (None selects nothing)."""
    return selector is not None and selector.matches(_labels(labels))


def _labels(value: Any) -> dict[str, str]:
    return {k: v for k, v in dict_of(value).items() if isinstance(v, str)}


def controller_of(obj: Mapping[str, Any]) -> dict[str, Any] | None:
    """metav1.GetControllerOf: the owner reference with `controller: true`, if any."""
    for reference in dicts_of(dict_of(obj.get("metadata")).get("ownerReferences")):
        if reference.get("controller") is True:
            return reference
    return None


def is_controlled_by(obj: Mapping[str, Any], owner: Mapping[str, Any]) -> bool:
    """metav1.IsControlledBy: `obj`'s controller reference names `owner`'s uid."""
    reference = controller_of(obj)
    uid = dict_of(owner.get("metadata")).get("uid")
    return reference is not None and bool(uid) and reference.get("uid") == uid


def controller_ref(owner: Mapping[str, Any], api_version: str, kind: str) -> dict[str, Any]:
    """metav1.NewControllerRef: a reference to `owner`, controller and blocking deletion."""
    meta = dict_of(owner.get("metadata"))
    return {
        "apiVersion": api_version,
        "kind": kind,
        "name": meta.get("name", ""),
        "uid": meta.get("uid", ""),
        "controller": True,
        "blockOwnerDeletion": True,
    }


def adoption_patch(
    owner: Mapping[str, Any], api_version: str, kind: str, dependent_uid: str
) -> dict[str, Any]:
    """ownerRefControllerPatch: the strategic merge patch that adopts a dependent.

    The dependent's `uid` in the patch makes the write fail if the name now holds another
    object (upstream's precondition by patch).
    """
    return {
        "metadata": {
            "ownerReferences": [controller_ref(owner, api_version, kind)],
            "uid": dependent_uid,
        }
    }


def release_patch(owner_uid: str, dependent_uid: str) -> dict[str, Any]:
    """GenerateDeleteOwnerRefStrategicMergeBytes: the patch that drops one owner reference."""
    return {
        "metadata": {
            "uid": dependent_uid,
            "ownerReferences": [{"$patch": "delete", "uid": owner_uid}],
        }
    }


@dataclass(frozen=True)
class Patch:
    """A strategic merge patch for one dependent (an adoption or a release)."""

    name: str
    patch: dict[str, Any]


@dataclass(frozen=True)
class Claim:
    """What claiming a namespace's objects decided.

    Attributes:
        claimed: the objects the controller now owns (adopted ones included, as they are
            before the patch), in the order given.
        adopt: patches that make the controller the owner of matching orphans.
        release: patches that drop the controller from objects it no longer selects.
    """

    claimed: tuple[dict[str, Any], ...] = ()
    adopt: tuple[Patch, ...] = ()
    release: tuple[Patch, ...] = ()


def claim(
    controller: Mapping[str, Any],
    objects: Iterable[dict[str, Any]],
    match: Callable[[dict[str, Any]], bool],
    api_version: str,
    kind: str,
) -> Claim:
    """BaseControllerRefManager.ClaimObject over `objects` (ClaimPods, ClaimReplicaSets).

    Args:
        controller: the claiming object (a ReplicaSet, a Deployment).
        objects: candidates; those another controller owns are skipped.
        match: whether the controller's selector (and any filter) selects an object.
        api_version: the controller's apiVersion, for the adoption's owner reference.
        kind: the controller's kind, likewise.

    Returns:
        The claimed objects and the adopt and release patches. Upstream first rereads the
        controller from the API before adopting (RecheckDeletionTimestamp), so a
        controller deleted meanwhile adopts nothing: that read is the actor's to make.
    """
    meta = dict_of(controller.get("metadata"))
    uid = str(meta.get("uid") or "")
    deleting = bool(meta.get("deletionTimestamp"))
    namespace = meta.get("namespace") or ""
    claimed: list[dict[str, Any]] = []
    adopt: list[Patch] = []
    release: list[Patch] = []
    for obj in objects:
        obj_meta = dict_of(obj.get("metadata"))
        reference = controller_of(obj)
        if reference is not None:
            if reference.get("uid") != uid:
                continue  # another controller's
            if match(obj):
                claimed.append(obj)
            elif not deleting:  # a controller being deleted lets the GC release
                release.append(
                    Patch(obj_meta.get("name", ""), release_patch(uid, obj_meta.get("uid", "")))
                )
            continue
        if deleting or not match(obj) or obj_meta.get("deletionTimestamp"):
            continue
        if namespace and namespace != (obj_meta.get("namespace") or ""):
            continue
        adopt.append(
            Patch(
                obj_meta.get("name", ""),
                adoption_patch(controller, api_version, kind, obj_meta.get("uid", "")),
            )
        )
        claimed.append(obj)
    return Claim(tuple(claimed), tuple(adopt), tuple(release))
