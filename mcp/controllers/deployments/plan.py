"""The Deployment controller's decisions: given a Deployment and the ReplicaSets and Pods
of its namespace, which ReplicaSets to adopt, release, create, scale or annotate and
delete, the Deployment's status (and revision annotation), and when to look again.

A port of upstream's `pkg/controller/deployment/` as of Kubernetes 1.36 with its default
feature gates: `deployment_controller.go` (`syncDeployment`, `getReplicaSetsForDeployment`,
`getPodMapForDeployment`), `sync.go` (`sync`, `checkPausedConditions`,
`getAllReplicaSetsAndSyncRevision`, `getNewReplicaSet`, `scale`, `scaleReplicaSet`,
`cleanupDeployment`, `syncDeploymentStatus`, `isScalingEvent`), `rolling.go`,
`recreate.go` and `progress.go`, each a method named after upstream's (those of sync.go and
progress.go in `sync`). Where
upstream lets one pass make several writes, so does the plan, in order (`actions`), with
three differences that come from planning a pass instead of making its calls:

- The pass sees its own writes: upstream's second look at its cache after a write (the
  scaling-event check, then the sync) sees the stale copy and its second write conflicts
  and requeues; here it sees what the first write made. Values upstream computes from
  copies taken before a write (the status's unavailableReplicas after a scale, the
  history cleanup after a scale) are computed from the same copies here.
- One write per ReplicaSet: a second update of one ReplicaSet in a pass replaces the
  first (at the later place, keeping both events).
- One status write, last: upstream may write the Deployment's status up to three times
  a pass (the paused condition, the revision and NewReplicaSetCreated, the rollout
  status), each from the same in-memory Deployment, the later ones often conflicting on
  the resourceVersion the earlier one bumped; the plan writes what the last would.
  Upstream writes the Deployment's revision annotation through that status update too
  (`plan.annotations`).

The deprecated rollback annotation (`deprecated.deployment.rollback.to`, rollback.go) is
not handled: `kubectl rollout undo` patches the template itself (kubectl's
polymorphichelpers/rollback.go), and apps/v1 has no rollbackTo. The alpha
podReplacementPolicy (off by default) is not ported.

Pure: no I/O, no trio, no clock (`now` is an argument).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from mcp.controllers import ownership
from mcp.controllers.deployments import status as statuses
from mcp.controllers.deployments import util
from mcp.controllers.deployments.actions import (
    Action,
    CreateReplicaSet,
    DeleteReplicaSet,
    DeploymentPlan,
    Event,
    PatchReplicaSet,
    UpdateReplicaSet,
)
from mcp.controllers.deployments.sync import API_VERSION, KIND, Pass, Stop, meta
from mcp.engine.pods.conditions import dict_of, dicts_of, int_of

__all__ = [
    "Action",
    "CreateReplicaSet",
    "DeleteReplicaSet",
    "DeploymentPlan",
    "Event",
    "PatchReplicaSet",
    "UpdateReplicaSet",
    "plan",
    "scale",
]

SELECTING_ALL = "SelectingAll"

Obj = dict[str, Any]


def plan(
    deployment: Mapping[str, Any],
    replicasets: Iterable[Mapping[str, Any]],
    pods: Iterable[Mapping[str, Any]],
    now: datetime,
) -> DeploymentPlan:
    """syncDeployment: decide one pass for `deployment`.

    Args:
        deployment: the Deployment as stored.
        replicasets: the ReplicaSets of its namespace (it claims those it selects).
        pods: the Pods of its namespace (Recreate waits for the old ones to stop).
        now: the time of the pass.

    Returns:
        The decisions; see `DeploymentPlan`.
    """
    return _Pass(deployment, replicasets, now).run(pods)


def scale(
    deployment: Mapping[str, Any], new_rs: Obj | None, old_rss: list[Obj], now: datetime
) -> tuple[UpdateReplicaSet, ...]:
    """The writes of upstream's `scale` alone (a scaling event, or a paused Deployment):
    proportional scaling of the active ReplicaSets. For tests and tables."""
    rss = [rs for rs in [*old_rss, new_rs] if rs is not None]
    p = _Pass(deployment, rss, now)
    p.scale(new_rs, old_rss)
    return tuple(a for a in p.actions if isinstance(a, UpdateReplicaSet))


class _Pass(Pass):
    """A pass with upstream's syncDeployment, rolling.go and recreate.go on top of sync.go."""

    # --- syncDeployment -------------------------------------------------------------

    def run(self, pods: Iterable[Mapping[str, Any]]) -> DeploymentPlan:
        problem = None
        try:
            self.sync_deployment(pods)
        except Stop as stop:
            problem = str(stop)
            self.requeue(stop.requeue_after)
        return self.finish(problem)

    def sync_deployment(self, pods: Iterable[Mapping[str, Any]]) -> None:
        selector_value = dict_of(self.d["spec"]).get("selector")
        selector = dict_of(selector_value)
        if not dict_of(selector.get("matchLabels")) and not dicts_of(
            selector.get("matchExpressions")
        ):
            self.events.append(
                Event(
                    "Warning",
                    SELECTING_ALL,
                    "This deployment is selecting all pods. A non-empty selector is required.",
                )
            )
            generation = int_of(meta(self.d).get("generation"))
            if int_of(self.status.get("observedGeneration")) < generation:
                self.status["observedGeneration"] = generation
            return
        try:
            matcher = ownership.label_selector(selector_value)
        except ownership.InvalidSelector as exc:
            raise Stop(f"deployment has invalid label selector: {exc}") from None
        self.rs_list = self.replica_sets_for_deployment(matcher)
        pod_map = self.pod_map_for_deployment(matcher, pods)
        if meta(self.d).get("deletionTimestamp"):
            self.sync_status_only()
            return
        self.check_paused_conditions()
        if dict_of(self.d["spec"]).get("paused"):
            self.sync()
            return
        if self.is_scaling_event():
            self.sync()
            return
        strategy = dict_of(dict_of(self.d["spec"]).get("strategy")).get("type")
        if strategy == "Recreate":
            self.rollout_recreate(pod_map)
        elif strategy == "RollingUpdate":
            self.rollout_rolling()
        else:
            raise Stop(f"unexpected deployment strategy type: {strategy}")

    def replica_sets_for_deployment(self, matcher: ownership.Matcher) -> list[Obj]:
        """getReplicaSetsForDeployment: claim the namespace's ReplicaSets."""

        def match(rs: Obj) -> bool:
            return ownership.matches(matcher, meta(rs).get("labels"))

        claim = ownership.claim(self.d, list(self.cache.values()), match, API_VERSION, KIND)
        self.actions.extend(PatchReplicaSet(p.name, p.patch) for p in claim.adopt)
        self.actions.extend(PatchReplicaSet(p.name, p.patch, release=True) for p in claim.release)
        return list(claim.claimed)

    def pod_map_for_deployment(
        self, matcher: ownership.Matcher, pods: Iterable[Mapping[str, Any]]
    ) -> dict[str, list[Mapping[str, Any]]]:
        """getPodMapForDeployment: the Deployment's Pods (inactive ones too) by the uid of
        the claimed ReplicaSet that controls them."""
        namespace = meta(self.d).get("namespace") or ""
        pod_map: dict[str, list[Mapping[str, Any]]] = {
            str(meta(rs).get("uid") or ""): [] for rs in self.rs_list
        }
        for pod in pods:
            pod_meta = meta(pod)
            if (pod_meta.get("namespace") or "") != namespace or not ownership.matches(
                matcher, pod_meta.get("labels")
            ):
                continue
            reference = ownership.controller_of(pod)
            if reference is not None and str(reference.get("uid") or "") in pod_map:
                pod_map[str(reference.get("uid"))].append(pod)
        return pod_map

    def finish(self, problem: str | None) -> DeploymentPlan:
        annotations = dict_of(meta(self.d).get("annotations"))
        old_annotations = dict_of(meta(self.original).get("annotations"))
        status = statuses.as_go(self.status)
        return DeploymentPlan(
            actions=tuple(self.actions),
            annotations=dict(annotations) if annotations != old_annotations else None,
            status=status if status != statuses.as_go(self.original.get("status")) else None,
            events=tuple(self.events),
            requeue_after=self.requeue_after,
            problem=problem,
            status_before_create=self.status_before_create,
            has_progress_deadline=util.has_progress_deadline(self.d),
        )

    # --- rolling.go -----------------------------------------------------------------

    def rollout_rolling(self) -> None:
        """rolloutRolling: scale the new ReplicaSet up, else the old ones down, within
        maxSurge and maxUnavailable."""
        new_rs, old_rss = self.all_replica_sets_and_sync_revision(create=True)
        if new_rs is None:  # getNewReplicaSet creates one or stops the pass
            raise Stop("no new replica set")
        all_rss: list[Obj | None] = [*old_rss, new_rs]
        if self.reconcile_new_replica_set(all_rss, new_rs):
            self.sync_rollout_status(all_rss, new_rs)
            return
        if self.reconcile_old_replica_sets(
            all_rss, util.filter_active_replica_sets(old_rss), new_rs
        ):
            self.sync_rollout_status(all_rss, new_rs)
            return
        if util.deployment_complete(self.d, self.status):
            self.cleanup_deployment(old_rss)
        self.sync_rollout_status(all_rss, new_rs)

    def reconcile_new_replica_set(self, all_rss: Sequence[Obj | None], new_rs: Obj) -> bool:
        """reconcileNewReplicaSet: scale the new ReplicaSet toward the Deployment's size."""
        want = util.replicas(self.d)
        if util.replicas(new_rs) == want:
            return False
        if util.replicas(new_rs) > want:
            return self.scale_replica_set_and_record_event(new_rs, want)[0]
        try:
            count = util.new_rs_new_replicas(self.d, all_rss, new_rs)
        except ValueError as exc:
            raise Stop(str(exc)) from None
        return self.scale_replica_set_and_record_event(new_rs, count)[0]

    def reconcile_old_replica_sets(
        self, all_rss: Sequence[Obj | None], old_rss: list[Obj], new_rs: Obj
    ) -> bool:
        """reconcileOldReplicaSets: scale old ReplicaSets down, their unhealthy replicas
        first, keeping at least replicas - maxUnavailable available."""
        if util.replica_count(old_rss) == 0:
            return False
        all_pods = util.replica_count(all_rss)
        min_available = util.replicas(self.d) - util.max_unavailable(self.d)
        new_unavailable = util.replicas(new_rs) - int_of(
            dict_of(new_rs.get("status")).get("availableReplicas")
        )
        max_scaled_down = all_pods - min_available - new_unavailable
        if max_scaled_down <= 0:
            return False
        try:
            old_rss, cleaned = self.cleanup_unhealthy_replicas(old_rss, max_scaled_down)
        except _InvalidScale:
            return False  # upstream drops the error here
        scaled = self.scale_down_old_replica_sets_for_rolling_update([*old_rss, new_rs], old_rss)
        return cleaned + scaled > 0

    def cleanup_unhealthy_replicas(
        self, old_rss: list[Obj], max_cleanup: int
    ) -> tuple[list[Obj], int]:
        """cleanupUnhealthyReplicas: scale old ReplicaSets down by their unavailable
        replicas, oldest first, at most `max_cleanup` in all."""
        old_rss.sort(key=util.by_creation_timestamp)
        total = 0
        for i, rs in enumerate(old_rss):
            if total >= max_cleanup:
                break
            available = int_of(dict_of(rs.get("status")).get("availableReplicas"))
            if util.replicas(rs) == 0 or util.replicas(rs) == available:
                continue
            count = min(max_cleanup - total, util.replicas(rs) - available)
            new_count = util.replicas(rs) - count
            if new_count > util.replicas(rs):
                raise _InvalidScale  # more available than wanted: upstream refuses
            _, old_rss[i] = self.scale_replica_set_and_record_event(rs, new_count)
            total += count
        return old_rss, total

    def scale_down_old_replica_sets_for_rolling_update(
        self, all_rss: Sequence[Obj | None], old_rss: list[Obj]
    ) -> int:
        """scaleDownOldReplicaSetsForRollingUpdate: scale old ReplicaSets down, oldest
        first, by as many as are available over replicas - maxUnavailable."""
        min_available = util.replicas(self.d) - util.max_unavailable(self.d)
        available = util.available_replica_count(all_rss)
        if available <= min_available:
            return 0
        old_rss.sort(key=util.by_creation_timestamp)
        total, wanted = 0, available - min_available
        for rs in old_rss:
            if total >= wanted:
                break
            if util.replicas(rs) == 0:
                continue
            count = min(util.replicas(rs), wanted - total)
            self.scale_replica_set_and_record_event(rs, util.replicas(rs) - count)
            total += count
        return total

    # --- recreate.go ----------------------------------------------------------------

    def rollout_recreate(self, pod_map: Mapping[str, Sequence[Mapping[str, Any]]]) -> None:
        """rolloutRecreate: scale the old ReplicaSets to 0, wait until none of their Pods
        runs, then create and scale up the new one."""
        new_rs, old_rss = self.all_replica_sets_and_sync_revision(create=False)
        all_rss: list[Obj | None] = [*old_rss, new_rs]
        scaled_down = False
        for rs in util.filter_active_replica_sets(old_rss):
            scaled_down = self.scale_replica_set_and_record_event(rs, 0)[0] or scaled_down
        if scaled_down or _old_pods_running(new_rs, old_rss, pod_map):
            self.sync_rollout_status(all_rss, new_rs)
            return
        if new_rs is None:
            new_rs, old_rss = self.all_replica_sets_and_sync_revision(create=True)
            all_rss = [*old_rss, new_rs]
        if new_rs is None:  # getNewReplicaSet creates one or stops the pass
            raise Stop("no new replica set")
        self.scale_replica_set_and_record_event(new_rs, util.replicas(self.d))
        if util.deployment_complete(self.d, self.status):
            self.cleanup_deployment(old_rss)
        self.sync_rollout_status(all_rss, new_rs)


class _InvalidScale(Exception):
    """cleanupUnhealthyReplicas would scale a ReplicaSet up."""


def _old_pods_running(
    new_rs: Obj | None, old_rss: Sequence[Obj], pod_map: Mapping[str, Sequence[Mapping[str, Any]]]
) -> bool:
    """oldPodsRunning: an old ReplicaSet reports Pods, or a Pod of one (any but the new
    one's) is not Succeeded or Failed."""
    if util.actual_replica_count(old_rss) > 0:
        return True
    new_uid = meta(new_rs).get("uid") if new_rs is not None else None
    for uid, pods in pod_map.items():
        if new_rs is not None and uid == new_uid:
            continue
        if any(
            dict_of(pod.get("status")).get("phase") not in ("Succeeded", "Failed") for pod in pods
        ):
            return True
    return False
