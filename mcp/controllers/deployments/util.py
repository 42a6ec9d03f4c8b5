"""What the Deployment controller computes about a Deployment and its ReplicaSets.

Ports of upstream's `pkg/controller/deployment/util/deployment_util.go` (one function
each, named after upstream's in snake case), with the ReplicaSet orderings of
`pkg/controller/controller_utils.go` and `intstr.GetScaledValueFromIntOrPercent`; its
conditions are in `conditions`, the template hash and EqualIgnoreHash in `templates`.
Objects are v1 JSON dicts as stored; a function that upstream lets mutate its argument
(the annotation setters, the sorts) mutates its argument here too, and says so.

Pure: no I/O, no clock (`now` is an argument where time matters).
"""

from __future__ import annotations

import copy
import functools
import math
import re
from collections.abc import Callable, Mapping, MutableMapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from mcp.controllers import timestamps
from mcp.controllers.deployments import conditions, templates
from mcp.engine.pods.conditions import dict_of, int_of

REVISION = "deployment.kubernetes.io/revision"
REVISION_HISTORY = "deployment.kubernetes.io/revision-history"
DESIRED_REPLICAS = "deployment.kubernetes.io/desired-replicas"
MAX_REPLICAS = "deployment.kubernetes.io/max-replicas"
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
ROLLBACK_TO = "deprecated.deployment.rollback.to"
MAX_INT32 = 2**31 - 1
MAX_REVISION_HISTORY_CHARS = 2000  # sync.go maxRevHistoryLengthInChars

ANNOTATIONS_TO_SKIP = frozenset(
    {LAST_APPLIED, REVISION, REVISION_HISTORY, DESIRED_REPLICAS, MAX_REPLICAS, ROLLBACK_TO}
)

_DECIMAL = re.compile(r"[+-]?[0-9]+")

Obj = dict[str, Any]


def _meta(obj: Mapping[str, Any]) -> dict[str, Any]:
    return dict_of(obj.get("metadata"))


def _spec(obj: Mapping[str, Any]) -> dict[str, Any]:
    return dict_of(obj.get("spec"))


def _status(obj: Mapping[str, Any]) -> dict[str, Any]:
    return dict_of(obj.get("status"))


def parse_int(text: Any) -> int:
    """strconv.ParseInt(text, 10, 64) and strconv.Atoi: a decimal, optionally signed.

    Raises:
        ValueError: anything else, or out of int64.
    """
    if not isinstance(text, str) or not _DECIMAL.fullmatch(text):
        raise ValueError(f"invalid syntax: {text!r}")
    value = int(text)
    if not -(2**63) <= value < 2**63:
        raise ValueError(f"value out of range: {text!r}")
    return value


# --- the Deployment's spec ------------------------------------------------------------


def defaulted(deployment: Mapping[str, Any]) -> Obj:
    """A copy of `deployment` with SetDefaults_Deployment applied (replicas 1, strategy
    RollingUpdate with 25%/25%, revisionHistoryLimit 10, progressDeadlineSeconds 600), in
    case it was stored without them."""
    d = copy.deepcopy(dict(deployment))
    spec = d.setdefault("spec", {})
    spec.setdefault("replicas", 1)
    strategy = spec.setdefault("strategy", {})
    if not strategy.get("type"):
        strategy["type"] = "RollingUpdate"
    if strategy["type"] == "RollingUpdate":
        rolling = strategy.get("rollingUpdate")
        if not isinstance(rolling, dict):
            rolling = strategy["rollingUpdate"] = {}
        if rolling.get("maxUnavailable") is None:
            rolling["maxUnavailable"] = "25%"
        if rolling.get("maxSurge") is None:
            rolling["maxSurge"] = "25%"
    if spec.get("revisionHistoryLimit") is None:
        spec["revisionHistoryLimit"] = 10
    if spec.get("progressDeadlineSeconds") is None:
        spec["progressDeadlineSeconds"] = 600
    return d


def replicas(obj: Mapping[str, Any]) -> int:
    """`spec.replicas` of a Deployment or ReplicaSet (1 when absent, as defaulted)."""
    value = _spec(obj).get("replicas")
    return value if isinstance(value, int) and not isinstance(value, bool) else 1


def is_rolling_update(d: Mapping[str, Any]) -> bool:
    """IsRollingUpdate."""
    return dict_of(_spec(d).get("strategy")).get("type") == "RollingUpdate"


def _rolling(d: Mapping[str, Any]) -> dict[str, Any]:
    return dict_of(dict_of(_spec(d).get("strategy")).get("rollingUpdate"))


def scaled_value(value: Any, total: int, round_up: bool) -> int:
    """intstr.GetScaledValueFromIntOrPercent: an int as is, "N%" of `total` rounded up or
    down.

    Raises:
        ValueError: None, a string that is not a percentage, or not a number.
    """
    if value is None:
        raise ValueError("nil value for IntOrString")
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str):
        if not value.endswith("%"):
            raise ValueError("invalid type: string is not a percentage")
        try:
            percent = parse_int(value[:-1])
        except ValueError:
            raise ValueError(f"invalid value {value!r}") from None
        rounding = math.ceil if round_up else math.floor
        return int(rounding(float(percent) * float(total) / 100))
    raise ValueError("invalid type: neither int nor percentage")


def resolve_fenceposts(max_surge: Any, max_unavailable: Any, desired: int) -> tuple[int, int]:
    """ResolveFenceposts: (surge, unavailable) for `desired` replicas.

    Absent values count as 0; the surge rounds up and the unavailable down; when both come
    to 0 the unavailable is 1 (surge may not work for want of quota).

    Raises:
        ValueError: either value is invalid.
    """
    surge = scaled_value(0 if max_surge is None else max_surge, desired, True)
    unavailable = scaled_value(0 if max_unavailable is None else max_unavailable, desired, False)
    if surge == 0 and unavailable == 0:
        unavailable = 1
    return surge, unavailable


def max_unavailable(d: Mapping[str, Any]) -> int:
    """MaxUnavailable: how many Pods a rolling Deployment may have unavailable (at most
    its replicas; 0 for Recreate, for 0 replicas, and for invalid values)."""
    desired = replicas(d)
    if not is_rolling_update(d) or desired == 0:
        return 0
    rolling = _rolling(d)
    try:
        _, unavailable = resolve_fenceposts(
            rolling.get("maxSurge"), rolling.get("maxUnavailable"), desired
        )
    except ValueError:
        return 0  # validation keeps invalid values out; upstream ignores the error
    return min(unavailable, desired)


def min_available(d: Mapping[str, Any]) -> int:
    """MinAvailable."""
    return replicas(d) - max_unavailable(d) if is_rolling_update(d) else 0


def max_surge(d: Mapping[str, Any]) -> int:
    """MaxSurge: how many Pods over its replicas a rolling Deployment may run."""
    if not is_rolling_update(d):
        return 0
    rolling = _rolling(d)
    try:
        surge, _ = resolve_fenceposts(
            rolling.get("maxSurge"), rolling.get("maxUnavailable"), replicas(d)
        )
    except ValueError:
        return 0
    return surge


def has_progress_deadline(d: Mapping[str, Any]) -> bool:
    """HasProgressDeadline: progressDeadlineSeconds set and not MaxInt32."""
    value = _spec(d).get("progressDeadlineSeconds")
    return isinstance(value, int) and value != MAX_INT32


def has_revision_history_limit(d: Mapping[str, Any]) -> bool:
    """HasRevisionHistoryLimit: revisionHistoryLimit set and not MaxInt32."""
    value = _spec(d).get("revisionHistoryLimit")
    return isinstance(value, int) and value != MAX_INT32


# --- revisions and annotations ------------------------------------------------------


def revision(obj: Mapping[str, Any]) -> int:
    """Revision: the revision annotation, 0 when absent.

    Raises:
        ValueError: the annotation is not a decimal.
    """
    value = dict_of(_meta(obj).get("annotations")).get(REVISION)
    return 0 if value is None else parse_int(value)


def max_revision(rss: Sequence[Mapping[str, Any] | None]) -> int:
    """MaxRevision: the highest revision among `rss`, unreadable ones skipped."""
    highest = 0
    for rs in rss:
        if rs is None:
            continue
        try:
            highest = max(highest, revision(rs))
        except ValueError:
            continue
    return highest


def _annotations(obj: MutableMapping[str, Any]) -> dict[str, Any]:
    meta = obj.setdefault("metadata", {})
    if not isinstance(meta.get("annotations"), dict):
        meta["annotations"] = {}
    annotations: dict[str, Any] = meta["annotations"]
    return annotations


def set_deployment_revision(d: MutableMapping[str, Any], value: str) -> bool:
    """SetDeploymentRevision: set the Deployment's revision annotation (mutates `d`)."""
    annotations = _annotations(d)
    if annotations.get(REVISION) == value:
        return False
    annotations[REVISION] = value
    return True


def copy_deployment_annotations_to_replica_set(
    d: Mapping[str, Any], rs: MutableMapping[str, Any]
) -> bool:
    """copyDeploymentAnnotationsToReplicaSet: the Deployment's annotations but the skipped
    ones onto `rs` (mutated); whether any changed."""
    annotations = _annotations(rs)
    changed = False
    for key, value in dict_of(_meta(d).get("annotations")).items():
        if key in ANNOTATIONS_TO_SKIP or annotations.get(key, object()) == value:
            continue
        annotations[key] = value
        changed = True
    return changed


def set_new_replica_set_annotations(
    d: Mapping[str, Any],
    rs: MutableMapping[str, Any],
    new_revision: str,
    exists: bool,
    history_limit_chars: int = MAX_REVISION_HISTORY_CHARS,
) -> bool:
    """SetNewReplicaSetAnnotations: copy the Deployment's annotations to its new
    ReplicaSet, raise the ReplicaSet's revision to `new_revision` (keeping the one it had
    in the revision history, when it had one), and for a ReplicaSet about to be created
    set the replicas annotations. Mutates `rs`; returns whether its annotations changed
    (False, whatever was copied, when its revision annotation is not a number)."""
    changed = copy_deployment_annotations_to_replica_set(d, rs)
    annotations = _annotations(rs)
    had_revision = REVISION in annotations
    old_revision = str(annotations.get(REVISION, ""))
    try:
        old = parse_int(old_revision)
    except ValueError:
        if old_revision != "":
            return False
        old = 0
    new = parse_int(new_revision)
    if old < new:
        annotations[REVISION] = new_revision
        changed = True
        if had_revision:
            _append_revision_history(annotations, old_revision, history_limit_chars)
    if not exists and set_replicas_annotations(rs, replicas(d), replicas(d) + max_surge(d)):
        changed = True
    return changed


def _append_revision_history(annotations: dict[str, Any], old_revision: str, limit: int) -> None:
    """The revision-history half of SetNewReplicaSetAnnotations (a rollback to `rs`)."""
    history = str(annotations.get(REVISION_HISTORY, ""))
    old_revisions = history.split(",")
    if not old_revisions[0]:
        annotations[REVISION_HISTORY] = old_revision
        return
    total = len(history) + len(old_revision) + 1
    start = 0
    while total > limit and start < len(old_revisions):
        total -= len(old_revisions[start]) + 1
        start += 1
    if total <= limit:
        annotations[REVISION_HISTORY] = ",".join([*old_revisions[start:], old_revision])


def set_replicas_annotations(rs: MutableMapping[str, Any], desired: int, maximum: int) -> bool:
    """SetReplicasAnnotations: desired-replicas and max-replicas (mutates `rs`)."""
    annotations = _annotations(rs)
    changed = False
    for key, value in ((DESIRED_REPLICAS, str(desired)), (MAX_REPLICAS, str(maximum))):
        if annotations.get(key) != value:
            annotations[key] = value
            changed = True
    return changed


def replicas_annotations_need_update(rs: Mapping[str, Any], desired: int, maximum: int) -> bool:
    """ReplicasAnnotationsNeedUpdate."""
    annotations = dict_of(_meta(rs).get("annotations"))
    return annotations.get(DESIRED_REPLICAS) != str(desired) or annotations.get(
        MAX_REPLICAS
    ) != str(maximum)


def _int_annotation(rs: Mapping[str, Any], key: str) -> int | None:
    """getIntFromAnnotation: the annotation as an int, None if absent or not a number."""
    value = dict_of(_meta(rs).get("annotations")).get(key)
    if value is None:
        return None
    try:
        return parse_int(value)
    except ValueError:
        return None


def desired_replicas_annotation(rs: Mapping[str, Any]) -> int | None:
    """GetDesiredReplicasAnnotation."""
    return _int_annotation(rs, DESIRED_REPLICAS)


def max_replicas_annotation(rs: Mapping[str, Any]) -> int | None:
    """getMaxReplicasAnnotation."""
    return _int_annotation(rs, MAX_REPLICAS)


# --- orderings ----------------------------------------------------------------------


def _created(rs: Mapping[str, Any]) -> datetime:
    return timestamps.parse(_meta(rs).get("creationTimestamp"))


def _name(rs: Mapping[str, Any]) -> str:
    return str(_meta(rs).get("name") or "")


def by_creation_timestamp(rs: Mapping[str, Any]) -> tuple[datetime, str]:
    """ReplicaSetsByCreationTimestamp as a sort key: oldest first, then by name."""
    return _created(rs), _name(rs)


def _cmp(less: Callable[[Mapping[str, Any], Mapping[str, Any]], bool]) -> Any:
    def compare(a: Mapping[str, Any], b: Mapping[str, Any]) -> int:
        return -1 if less(a, b) else 1 if less(b, a) else 0

    return functools.cmp_to_key(compare)


def _by_size(newer_first: bool) -> Any:
    def less(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
        if replicas(a) == replicas(b):
            older = by_creation_timestamp(a) < by_creation_timestamp(b)
            newer = by_creation_timestamp(b) < by_creation_timestamp(a)
            return newer if newer_first else older
        return replicas(a) > replicas(b)

    return _cmp(less)


# ReplicaSetsBySizeNewer / ReplicaSetsBySizeOlder: larger first, ties newer (or older) first.
BY_SIZE_NEWER = _by_size(newer_first=True)
BY_SIZE_OLDER = _by_size(newer_first=False)


def _by_revision_less(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    try:
        ra, rb = revision(a), revision(b)
    except ValueError:
        return by_creation_timestamp(a) < by_creation_timestamp(b)
    if ra == rb:
        return by_creation_timestamp(a) < by_creation_timestamp(b)
    return ra < rb


# ReplicaSetsByRevision: lowest revision first, ties (and unreadable ones) oldest first.
BY_REVISION = _cmp(_by_revision_less)


def filter_active_replica_sets(rss: Sequence[Obj | None]) -> list[Obj]:
    """FilterActiveReplicaSets: those with replicas (that are, or ought to be, running)."""
    return [rs for rs in rss if rs is not None and replicas(rs) > 0]


# --- the new ReplicaSet and the old ones --------------------------------------------


def find_new_replica_set(d: Mapping[str, Any], rs_list: list[Obj]) -> Obj | None:
    """FindNewReplicaSet: the oldest ReplicaSet whose template is the Deployment's.
    Sorts `rs_list` by creation time, as upstream does."""
    rs_list.sort(key=by_creation_timestamp)
    template = _spec(d).get("template")
    return next(
        (rs for rs in rs_list if templates.equal_ignore_hash(_spec(rs).get("template"), template)),
        None,
    )


def find_old_replica_sets(d: Mapping[str, Any], rs_list: list[Obj]) -> tuple[list[Obj], list[Obj]]:
    """FindOldReplicaSets: (the old ReplicaSets with replicas, all the old ones)."""
    new_rs = find_new_replica_set(d, rs_list)
    new_uid = _meta(new_rs).get("uid") if new_rs is not None else None
    everything = [rs for rs in rs_list if new_rs is None or _meta(rs).get("uid") != new_uid]
    return [rs for rs in everything if replicas(rs) != 0], everything


def find_active_or_latest(new_rs: Obj | None, old_rss: list[Obj]) -> Obj | None:
    """FindActiveOrLatest: the one ReplicaSet with replicas, or the newest when none has;
    None when several have. Sorts `old_rss` newest first, as upstream does."""
    if new_rs is None and not old_rss:
        return None
    old_rss.sort(key=by_creation_timestamp, reverse=True)
    active = filter_active_replica_sets([*old_rss, new_rs])
    if not active:
        return new_rs if new_rs is not None else old_rss[0]
    return active[0] if len(active) == 1 else None


def new_rs_new_replicas(d: Mapping[str, Any], all_rss: Sequence[Obj | None], new_rs: Obj) -> int:
    """NewRSNewReplicas: how many replicas the new ReplicaSet should have now.

    Raises:
        ValueError: an invalid maxSurge, or an unknown strategy type.
    """
    strategy = dict_of(_spec(d).get("strategy")).get("type")
    if strategy == "RollingUpdate":
        surge = scaled_value(_rolling(d).get("maxSurge"), replicas(d), True)
        current = replica_count(all_rss)
        max_total = replicas(d) + surge
        if current >= max_total:
            return replicas(new_rs)
        scale_up = min(max_total - current, replicas(d) - replicas(new_rs))
        return replicas(new_rs) + scale_up
    if strategy == "Recreate":
        return replicas(d)
    raise ValueError(f"deployment type {strategy} isn't supported")


def is_saturated(d: Mapping[str, Any], rs: Obj | None) -> bool:
    """IsSaturated: the ReplicaSet has, wants and makes available all the replicas."""
    if rs is None:
        return False
    desired = desired_replicas_annotation(rs)
    if desired is None:
        return False
    return (
        replicas(rs) == replicas(d)
        and desired == replicas(d)
        and int_of(_status(rs).get("availableReplicas")) == replicas(d)
    )


def get_proportion(rs: Obj | None, d: Mapping[str, Any], to_add: int, added: int) -> int:
    """GetProportion: the share of `to_add` replicas for `rs`, given `added` so far."""
    if rs is None or replicas(rs) == 0 or to_add == 0 or to_add == added:
        return 0
    fraction = _replica_set_fraction(rs, d)
    allowed = to_add - added
    return min(fraction, allowed) if to_add > 0 else max(fraction, allowed)


def _replica_set_fraction(rs: Obj, d: Mapping[str, Any]) -> int:
    """getReplicaSetFraction: the replicas `rs` should gain (lose) in proportion.

    A max-replicas of 0 (absent, with the Deployment's status.replicas 0) gives 0 here;
    upstream divides by it and computes a size the API refuses.
    """
    if replicas(d) == 0:
        return -replicas(rs)
    deployment_replicas = replicas(d) + max_surge(d)
    annotated = max_replicas_annotation(rs)
    if annotated is None:
        annotated = int_of(_status(d).get("replicas"))
    if annotated == 0:
        return 0
    size = float(replicas(rs) * deployment_replicas) / float(annotated)
    return _round(size) - replicas(rs)


def _round(value: float) -> int:
    """integer.RoundToInt32: half away from zero."""
    return int(value - 0.5) if value < 0 else int(value + 0.5)


# --- counts -------------------------------------------------------------------------


def replica_count(rss: Sequence[Obj | None]) -> int:
    """GetReplicaCountForReplicaSets: the sum of spec.replicas."""
    return sum(replicas(rs) for rs in rss if rs is not None)


def _status_sum(rss: Sequence[Obj | None], key: str) -> int:
    return sum(int_of(_status(rs).get(key)) for rs in rss if rs is not None)


def actual_replica_count(rss: Sequence[Obj | None]) -> int:
    """GetActualReplicaCountForReplicaSets: the sum of status.replicas."""
    return _status_sum(rss, "replicas")


def ready_replica_count(rss: Sequence[Obj | None]) -> int:
    """GetReadyReplicaCountForReplicaSets."""
    return _status_sum(rss, "readyReplicas")


def available_replica_count(rss: Sequence[Obj | None]) -> int:
    """GetAvailableReplicaCountForReplicaSets."""
    return _status_sum(rss, "availableReplicas")


def terminating_replica_count(rss: Sequence[Obj | None]) -> int | None:
    """GetTerminatingReplicaCountForReplicaSets: the sum of status.terminatingReplicas;
    None (unknown) if a ReplicaSet the ReplicaSet controller has seen does not report
    it, one it has not yet seen (observedGeneration 0, none reported) counting as 0."""
    total = 0
    for rs in rss:
        if rs is None:
            continue
        status = _status(rs)
        value = status.get("terminatingReplicas")
        if value is None:
            if int_of(status.get("observedGeneration")) == 0:
                continue
            return None
        total += int_of(value)
    return total


# --- progress -----------------------------------------------------------------------


def deployment_complete(d: Mapping[str, Any], status: Mapping[str, Any]) -> bool:
    """DeploymentComplete: every replica updated and available, no old ones, and the
    latest generation observed."""
    want = replicas(d)
    return (
        int_of(status.get("updatedReplicas")) == want
        and int_of(status.get("replicas")) == want
        and int_of(status.get("availableReplicas")) == want
        and int_of(status.get("observedGeneration")) >= int_of(_meta(d).get("generation"))
    )


def deployment_progressing(d: Mapping[str, Any], status: Mapping[str, Any]) -> bool:
    """DeploymentProgressing: more updated, ready or available replicas than the
    Deployment's status shows, or fewer old ones."""
    old = _status(d)
    old_old = int_of(old.get("replicas")) - int_of(old.get("updatedReplicas"))
    new_old = int_of(status.get("replicas")) - int_of(status.get("updatedReplicas"))
    return (
        int_of(status.get("updatedReplicas")) > int_of(old.get("updatedReplicas"))
        or new_old < old_old
        or int_of(status.get("readyReplicas")) > int_of(old.get("readyReplicas"))
        or int_of(status.get("availableReplicas")) > int_of(old.get("availableReplicas"))
    )


def deployment_timed_out(d: Mapping[str, Any], status: Mapping[str, Any], now: datetime) -> bool:
    """DeploymentTimedOut: the Progressing condition of `status` reports no progress for
    longer than progressDeadlineSeconds (strictly), or has already timed out."""
    if not has_progress_deadline(d):
        return False
    condition = conditions.get_condition(status, conditions.PROGRESSING)
    if condition is None or condition.get("reason") == conditions.NEW_RS_AVAILABLE:
        return False
    if condition.get("reason") == conditions.TIMED_OUT:
        return True
    since = timestamps.parse(condition.get("lastUpdateTime"))
    deadline = int_of(_spec(d).get("progressDeadlineSeconds"))
    return since + timedelta(seconds=deadline) < now
