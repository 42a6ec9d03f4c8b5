"""One pass of the Deployment controller, as upstream's `sync.go` and `progress.go` make
it: the state the pass keeps (the Deployment in memory, the namespace's ReplicaSets as
the pass's own writes leave them, the writes so far) and the methods of sync.go
(`sync`, `checkPausedConditions`, `getAllReplicaSetsAndSyncRevision`, `getNewReplicaSet`,
`scale`, `scaleReplicaSet`, `cleanupDeployment`, `syncDeploymentStatus`,
`isScalingEvent`) and progress.go (`syncRolloutStatus`), named after upstream's, that
record writes instead of making them. `plan` drives it; see its docstring for how a
planned pass differs from upstream's. Pure.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from mcp.controllers import ownership
from mcp.controllers.deployments import conditions, templates, util
from mcp.controllers.deployments import status as statuses
from mcp.controllers.deployments.actions import (
    Action,
    CreateReplicaSet,
    DeleteReplicaSet,
    Event,
    UpdateReplicaSet,
)
from mcp.engine.pods.conditions import dict_of, int_of

API_VERSION = "apps/v1"
KIND = "Deployment"
SCALING_REPLICA_SET = "ScalingReplicaSet"

Obj = dict[str, Any]


class Stop(Exception):
    """Upstream returned an error: the pass ends here."""

    def __init__(self, problem: str, requeue_after: float | None = None) -> None:
        super().__init__(problem)
        self.requeue_after = requeue_after


def meta(obj: Mapping[str, Any]) -> dict[str, Any]:
    return dict_of(obj.get("metadata"))


def name_of(obj: Mapping[str, Any]) -> str:
    return str(meta(obj).get("name") or "")


def min_ready(obj: Mapping[str, Any]) -> int:
    return int_of(dict_of(obj.get("spec")).get("minReadySeconds"))


class Pass:
    """One pass over one Deployment: upstream's DeploymentController methods, recording
    writes instead of making them. `d` is the Deployment in memory (its status and
    annotations change as upstream's do); `cache` the namespace's ReplicaSets by name as
    the pass's own writes leave them; `rs_list` the ReplicaSets it claimed, likewise."""

    def __init__(
        self, deployment: Mapping[str, Any], replicasets: Iterable[Mapping[str, Any]], now: datetime
    ):
        self.original = deployment
        self.d = util.defaulted(deployment)
        self.d.setdefault("status", {})
        self.now = now
        namespace = meta(self.d).get("namespace") or ""
        self.cache: dict[str, Obj] = {
            name_of(rs): dict(rs)
            for rs in replicasets
            if (meta(rs).get("namespace") or "") == namespace
        }
        self.rs_list: list[Obj] = []
        self.actions: list[Action] = []
        self.events: list[Event] = []
        self.requeue_after: float | None = None
        self.status_before_create: Obj | None = None

    @property
    def status(self) -> Obj:
        status: Obj = self.d["status"]
        return status

    def requeue(self, after: float | None) -> None:
        if after is not None:
            self.requeue_after = (
                after if self.requeue_after is None else min(self.requeue_after, after)
            )

    # --- writes ---------------------------------------------------------------------

    def update_rs(self, rs: Obj, event: Event | None = None) -> Obj:
        """Record an Update of `rs` (a copy); the pass's later reads see it."""
        name = name_of(rs)
        events: tuple[Event, ...] = ()
        for i, action in enumerate(self.actions):
            if isinstance(action, CreateReplicaSet) and name_of(action.replica_set) == name:
                self.actions[i] = CreateReplicaSet(
                    rs, (*action.events, *((event,) if event else ()))
                )
                self._seen(rs)
                return rs
            if isinstance(action, UpdateReplicaSet) and action.name == name:
                events = action.events
                del self.actions[i]
                break
        annotations = {str(k): str(v) for k, v in dict_of(meta(rs).get("annotations")).items()}
        version = meta(rs).get("resourceVersion")
        self.actions.append(
            UpdateReplicaSet(
                name,
                util.replicas(rs),
                min_ready(rs),
                annotations,
                str(version) if version is not None else None,
                (*events, event) if event is not None else events,
            )
        )
        self._seen(rs)
        return rs

    def _seen(self, rs: Obj) -> None:
        name = name_of(rs)
        self.cache[name] = rs
        self.rs_list = [rs if name_of(r) == name else r for r in self.rs_list]

    # --- sync.go --------------------------------------------------------------------

    def sync_status_only(self) -> None:
        """syncStatusOnly: a Deployment being deleted only gets its status."""
        new_rs, old_rss = self.all_replica_sets_and_sync_revision(create=False)
        self.sync_deployment_status([*old_rss, new_rs], new_rs)

    def sync(self) -> None:
        """sync: scale (a scaling event, or a paused Deployment), no rollout."""
        new_rs, old_rss = self.all_replica_sets_and_sync_revision(create=False)
        self.scale(new_rs, old_rss)
        if dict_of(self.d["spec"]).get("paused"):
            self.cleanup_deployment(old_rss)
        self.sync_deployment_status([*old_rss, new_rs], new_rs)

    def check_paused_conditions(self) -> None:
        """checkPausedConditions: a Progressing Unknown DeploymentPaused (or Resumed)
        condition, so a deadline does not run out while paused."""
        if not util.has_progress_deadline(self.d):
            return
        condition = conditions.get_condition(self.status, conditions.PROGRESSING)
        if condition is not None and condition.get("reason") == conditions.TIMED_OUT:
            return
        paused_noted = condition is not None and condition.get("reason") == conditions.PAUSED
        paused = bool(dict_of(self.d["spec"]).get("paused"))
        if paused and not paused_noted:
            conditions.set_condition(
                self.status,
                conditions.new_condition(
                    conditions.PROGRESSING,
                    "Unknown",
                    conditions.PAUSED,
                    "Deployment is paused",
                    self.now,
                ),
            )
        elif not paused and paused_noted:
            conditions.set_condition(
                self.status,
                conditions.new_condition(
                    conditions.PROGRESSING,
                    "Unknown",
                    conditions.RESUMED,
                    "Deployment is resumed",
                    self.now,
                ),
            )

    def all_replica_sets_and_sync_revision(self, *, create: bool) -> tuple[Obj | None, list[Obj]]:
        """getAllReplicaSetsAndSyncRevision: (the new ReplicaSet, all the old ones)."""
        _, all_old = util.find_old_replica_sets(self.d, self.rs_list)
        return self.new_replica_set(all_old, create), all_old

    def new_replica_set(self, old_rss: list[Obj], create: bool) -> Obj | None:
        """getNewReplicaSet: the existing new ReplicaSet with its annotations and
        revision brought up to date, else (when `create`) a new one."""
        existing = util.find_new_replica_set(self.d, self.rs_list)
        new_revision = str(util.max_revision(old_rss) + 1)
        if existing is not None:
            return self._sync_new_replica_set(existing, new_revision)
        if not create:
            return None
        return self._create_new_replica_set(old_rss, new_revision)

    def _sync_new_replica_set(self, existing: Obj, new_revision: str) -> Obj:
        rs = copy.deepcopy(existing)
        annotations_updated = util.set_new_replica_set_annotations(
            self.d, rs, new_revision, exists=True
        )
        if annotations_updated or min_ready(rs) != min_ready(self.d):
            rs.setdefault("spec", {})["minReadySeconds"] = min_ready(self.d)
            return self.update_rs(rs)
        util.set_deployment_revision(
            self.d, str(dict_of(meta(rs).get("annotations")).get(util.REVISION, ""))
        )
        if (
            util.has_progress_deadline(self.d)
            and conditions.get_condition(self.status, conditions.PROGRESSING) is None
        ):
            message = f'Found new replica set "{name_of(rs)}"'
            conditions.set_condition(
                self.status,
                conditions.new_condition(
                    conditions.PROGRESSING, "True", conditions.FOUND_NEW_RS, message, self.now
                ),
            )
        return rs

    def _create_new_replica_set(self, old_rss: list[Obj], new_revision: str) -> Obj:
        spec = dict_of(self.d["spec"])
        template = copy.deepcopy(dict_of(spec.get("template")))
        pod_template_hash = templates.compute_hash(template, self.status.get("collisionCount"))
        labels = {
            **dict_of(dict_of(template.get("metadata")).get("labels")),
            templates.POD_TEMPLATE_HASH: pod_template_hash,
        }
        template.setdefault("metadata", {})["labels"] = labels
        name = f"{name_of(self.d)}-{pod_template_hash}"
        new_rs: Obj = {
            "apiVersion": "apps/v1",
            "kind": "ReplicaSet",
            "metadata": {
                "name": name,
                "namespace": meta(self.d).get("namespace") or "",
                "labels": dict(labels),
                "ownerReferences": [ownership.controller_ref(self.d, API_VERSION, KIND)],
            },
            "spec": {
                "replicas": 0,
                **({"minReadySeconds": min_ready(self.d)} if min_ready(self.d) else {}),
                "selector": _selector_with(spec.get("selector"), pod_template_hash),
                "template": template,
            },
        }
        try:
            count = util.new_rs_new_replicas(self.d, [*old_rss, new_rs], new_rs)
        except ValueError as exc:
            raise Stop(str(exc)) from None
        new_rs["spec"]["replicas"] = count
        util.set_new_replica_set_annotations(self.d, new_rs, new_revision, exists=False)
        taken = self.cache.get(name)
        already_exists = taken is not None
        if taken is not None:
            reference = ownership.controller_of(taken)
            owned = reference is not None and reference.get("uid") == meta(self.d).get("uid")
            if not (
                owned
                and templates.equal_ignore_hash(
                    spec.get("template"), dict_of(taken.get("spec")).get("template")
                )
            ):
                # A hash collision: bump collisionCount (a new hash, a new name) and retry.
                self.status["collisionCount"] = int_of(self.status.get("collisionCount")) + 1
                raise Stop(f'replicasets.apps "{name}" already exists', requeue_after=0.0)
            new_rs = taken
        else:
            self.status_before_create = copy.deepcopy(self.status)
            events = (
                (Event("Normal", SCALING_REPLICA_SET, f"Scaled up replica set {name} to {count}"),)
                if count > 0
                else ()
            )
            self.actions.append(CreateReplicaSet(new_rs, events))
            self.cache[name] = new_rs
        util.set_deployment_revision(self.d, new_revision)
        if not already_exists and util.has_progress_deadline(self.d):
            message = f'Created new replica set "{name}"'
            conditions.set_condition(
                self.status,
                conditions.new_condition(
                    conditions.PROGRESSING, "True", conditions.NEW_REPLICA_SET, message, self.now
                ),
            )
        return new_rs

    def scale(self, new_rs: Obj | None, old_rss: list[Obj]) -> None:
        """scale: bring the active ReplicaSets to the Deployment's size, proportionally
        when several are active (a scaling event during a rollout)."""
        want = util.replicas(self.d)
        latest = util.find_active_or_latest(new_rs, old_rss)
        if latest is not None:
            if util.replicas(latest) != want:
                self.scale_replica_set_and_record_event(latest, want)
            return
        if util.is_saturated(self.d, new_rs):
            for old in util.filter_active_replica_sets(old_rss):
                self.scale_replica_set_and_record_event(old, 0)
            return
        if not util.is_rolling_update(self.d):
            return
        active = util.filter_active_replica_sets([*old_rss, new_rs])
        allowed = want + util.max_surge(self.d) if want > 0 else 0
        to_add = allowed - util.replica_count(active)
        operation = ""
        if to_add > 0:
            active.sort(key=util.BY_SIZE_NEWER)
            operation = "up"
        elif to_add < 0:
            active.sort(key=util.BY_SIZE_OLDER)
            operation = "down"
        added = 0
        sizes: dict[str, int] = {}
        for rs in active:
            proportion = util.get_proportion(rs, self.d, to_add, added) if to_add != 0 else 0
            sizes[name_of(rs)] = util.replicas(rs) + proportion
            added += proportion
        for i, rs in enumerate(active):
            if i == 0 and to_add != 0:  # leftovers to the largest
                sizes[name_of(rs)] = max(sizes[name_of(rs)] + to_add - added, 0)
            self.scale_replica_set(rs, sizes[name_of(rs)], operation)

    def scale_replica_set_and_record_event(self, rs: Obj, new_scale: int) -> tuple[bool, Obj]:
        """scaleReplicaSetAndRecordEvent: (scaled, the ReplicaSet as it is now)."""
        if util.replicas(rs) == new_scale:
            return False, rs
        return self.scale_replica_set(
            rs, new_scale, "up" if util.replicas(rs) < new_scale else "down"
        )

    def scale_replica_set(self, rs: Obj, new_scale: int, operation: str) -> tuple[bool, Obj]:
        """scaleReplicaSet: set the size and the desired/max replicas annotations."""
        want = util.replicas(self.d)
        maximum = want + util.max_surge(self.d)
        size_changes = util.replicas(rs) != new_scale
        if not size_changes and not util.replicas_annotations_need_update(rs, want, maximum):
            return False, rs
        old_scale = util.replicas(rs)
        rs_copy = copy.deepcopy(rs)
        rs_copy.setdefault("spec", {})["replicas"] = new_scale
        util.set_replicas_annotations(rs_copy, want, maximum)
        event = None
        if size_changes:
            message = (
                f"Scaled {operation} replica set {name_of(rs)} to {new_scale} from {old_scale}"
            )
            event = Event("Normal", SCALING_REPLICA_SET, message)
        return size_changes, self.update_rs(rs_copy, event)

    def cleanup_deployment(self, old_rss: Sequence[Obj]) -> None:
        """cleanupDeployment: delete the oldest old ReplicaSets past revisionHistoryLimit
        (those without replicas, Pods or an unobserved generation only)."""
        if not util.has_revision_history_limit(self.d):
            return
        cleanable = [rs for rs in old_rss if not meta(rs).get("deletionTimestamp")]
        diff = len(cleanable) - int_of(dict_of(self.d["spec"]).get("revisionHistoryLimit"))
        if diff <= 0:
            return
        cleanable.sort(key=util.BY_REVISION)
        for rs in cleanable[:diff]:
            status = dict_of(rs.get("status"))
            if (
                int_of(status.get("replicas")) != 0
                or util.replicas(rs) != 0
                or int_of(meta(rs).get("generation")) > int_of(status.get("observedGeneration"))
            ):
                continue
            self.actions.append(DeleteReplicaSet(name_of(rs)))

    def sync_deployment_status(self, all_rss: Sequence[Obj | None], new_rs: Obj | None) -> None:
        """syncDeploymentStatus."""
        self.d["status"] = statuses.calculate_status(all_rss, new_rs, self.d, self.now)

    def is_scaling_event(self) -> bool:
        """isScalingEvent: an active ReplicaSet's desired-replicas is not the Deployment's."""
        new_rs, old_rss = self.all_replica_sets_and_sync_revision(create=False)
        want = util.replicas(self.d)
        for rs in util.filter_active_replica_sets([*old_rss, new_rs]):
            desired = util.desired_replicas_annotation(rs)
            if desired is not None and desired != want:
                return True
        return False

    # --- progress.go ----------------------------------------------------------------

    def sync_rollout_status(self, all_rss: Sequence[Obj | None], new_rs: Obj | None) -> None:
        """syncRolloutStatus: the status with its Progressing condition; when nothing
        changes, a pass due when the progress deadline would pass."""
        new_status = statuses.rollout_status(all_rss, new_rs, self.d, self.now)
        if new_status == statuses.as_go(self.status):
            self.requeue(statuses.requeue_stuck(self.d, new_status, self.now))
            return
        self.d["status"] = new_status


def _selector_with(selector: Any, pod_template_hash: str) -> Obj:
    """CloneSelectorAndAddLabel: the selector with `pod-template-hash=<hash>` added."""
    source = dict_of(selector)
    out: Obj = {
        "matchLabels": {
            **dict_of(source.get("matchLabels")),
            templates.POD_TEMPLATE_HASH: pod_template_hash,
        }
    }
    expressions = source.get("matchExpressions")
    if isinstance(expressions, list):
        out["matchExpressions"] = copy.deepcopy(expressions)
    return out
