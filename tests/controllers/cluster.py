"""A simulated cluster for the plans: one Deployment, its ReplicaSets and Pods, kept in
dicts; the Deployment and ReplicaSet plans decide and this applies their writes as the
API and a kubelet would, so tests can drive a rollout step by step.

A step: time moves on a second, Pods created in an earlier step are Running and Ready
(and Pods being deleted in an earlier step are gone), the ReplicaSet controller runs
until it has nothing left to do, then the Deployment controller makes one pass.
`observers` run after every write, to check invariants at each point in between.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from mcp.controllers import timestamps
from mcp.controllers.deployments import plan as dplan
from mcp.controllers.replicasets import plan as rsplan

Obj = dict[str, Any]


class Cluster:
    def __init__(self, deployment: Obj, now: datetime) -> None:
        self.deployment = copy.deepcopy(deployment)
        self.replicasets: dict[str, Obj] = {}
        self.pods: dict[str, Obj] = {}
        self.now = now
        self.serial = 0
        self.observers: list[Callable[[Cluster], None]] = []
        self.deployment_plans: list[dplan.DeploymentPlan] = []

    # --- what a test looks at ---------------------------------------------------------

    def pods_of(self, rs_name: str) -> list[Obj]:
        uid = self.replicasets[rs_name]["metadata"]["uid"]
        return [p for p in self.pods.values() if p["metadata"]["ownerReferences"][0]["uid"] == uid]

    def live_pods(self) -> list[Obj]:
        """Pods not being deleted."""
        return [p for p in self.pods.values() if not p["metadata"].get("deletionTimestamp")]

    def ready_pods(self) -> list[Obj]:
        return [p for p in self.live_pods() if p["status"].get("conditions")]

    def new_replicaset(self) -> Obj | None:
        revision = (
            self.deployment["metadata"]
            .get("annotations", {})
            .get("deployment.kubernetes.io/revision")
        )
        for rs in self.replicasets.values():
            if rs["metadata"]["annotations"].get("deployment.kubernetes.io/revision") == revision:
                return rs
        return None

    # --- driving ----------------------------------------------------------------------

    def _uid(self, prefix: str) -> str:
        self.serial += 1
        return f"{prefix}-{self.serial}"

    def _observe(self) -> None:
        for observer in self.observers:
            observer(self)

    def step(self) -> dplan.DeploymentPlan:
        self.now += timedelta(seconds=1)
        for name, pod in list(self.pods.items()):
            if pod["metadata"].get("deletionTimestamp"):
                del self.pods[name]
            elif not pod["status"].get("conditions"):
                pod["status"] = {
                    "phase": "Running",
                    "conditions": [
                        {
                            "type": "Ready",
                            "status": "True",
                            "lastTransitionTime": timestamps.rfc3339(self.now),
                        }
                    ],
                }
        self._observe()
        self.settle_replicasets()
        return self.deployment_pass()

    def settle_replicasets(self, limit: int = 10) -> None:
        for _ in range(limit):
            if not any([self.replicaset_pass(name) for name in list(self.replicasets)]):
                return
        raise AssertionError("the ReplicaSet controller does not settle")

    def replicaset_pass(self, name: str) -> bool:
        rs = self.replicasets[name]
        p = rsplan.plan(
            rs, list(self.pods.values()), self.now, replicasets=list(self.replicasets.values())
        )
        assert p.problem is None, p.problem
        assert (p.adopt, p.release) == ((), ())
        pod = p.pod or {}
        for _ in range(p.create):
            created = copy.deepcopy(pod)
            meta = created["metadata"]
            meta["name"] = f"{meta.pop('generateName')}{self.serial:05d}"
            meta["uid"] = self._uid("pod")
            meta["creationTimestamp"] = timestamps.rfc3339(self.now)
            created["spec"]["nodeName"] = "node-1"
            created["status"] = {"phase": "Pending"}
            self.pods[meta["name"]] = created
            self._observe()
        for doomed in p.delete:
            self.pods[doomed]["metadata"]["deletionTimestamp"] = timestamps.rfc3339(self.now)
            self._observe()
        if p.status is not None:
            rs["status"] = p.status
        return bool(p.create or p.delete or p.status is not None)

    def deployment_pass(self) -> dplan.DeploymentPlan:
        p = dplan.plan(
            self.deployment, list(self.replicasets.values()), list(self.pods.values()), self.now
        )
        self.deployment_plans.append(p)
        assert p.problem is None, p.problem
        for action in p.actions:
            self._apply(action)
            self._observe()
        if p.annotations is not None:
            self.deployment["metadata"]["annotations"] = p.annotations
        if p.status is not None:
            self.deployment["status"] = p.status
        return p

    def _apply(self, action: dplan.Action) -> None:
        if isinstance(action, dplan.CreateReplicaSet):
            rs = copy.deepcopy(action.replica_set)
            name = rs["metadata"]["name"]
            assert name not in self.replicasets, f"{name} exists"
            rs["metadata"].update(
                uid=self._uid("rs"),
                generation=1,
                resourceVersion="1",
                creationTimestamp=timestamps.rfc3339(self.now),
            )
            rs["status"] = {}
            self.replicasets[name] = rs
        elif isinstance(action, dplan.UpdateReplicaSet):
            rs = self.replicasets[action.name]
            spec = rs["spec"]
            if (spec["replicas"], spec.get("minReadySeconds", 0)) != (
                action.replicas,
                action.min_ready_seconds,
            ):
                rs["metadata"]["generation"] += 1
            spec["replicas"] = action.replicas
            spec["minReadySeconds"] = action.min_ready_seconds
            rs["metadata"]["annotations"] = dict(action.annotations)
        elif isinstance(action, dplan.DeleteReplicaSet):
            gone = self.replicasets.pop(action.name)
            for pod in list(self.pods.values()):
                if pod["metadata"]["ownerReferences"][0]["uid"] == gone["metadata"]["uid"]:
                    del self.pods[pod["metadata"]["name"]]
        else:
            raise AssertionError(f"unexpected {action}")

    def update_template(self, image: str) -> None:
        self.deployment["spec"]["template"]["spec"]["containers"][0]["image"] = image
        self.deployment["metadata"]["generation"] += 1

    def roll_out(self, steps: int) -> int:
        """Step until the Deployment reports its rollout complete; how many steps it took."""
        for n in range(1, steps + 1):
            self.step()
            if self.complete():
                return n
        raise AssertionError(f"not complete after {steps} steps: {self.deployment['status']}")

    def complete(self) -> bool:
        status = self.deployment["status"]
        want = self.deployment["spec"]["replicas"]
        progressing = [c for c in status.get("conditions", []) if c["type"] == "Progressing"]
        return (
            status.get("observedGeneration") == self.deployment["metadata"]["generation"]
            and status.get("updatedReplicas", 0) == want
            and status.get("replicas", 0) == want
            and status.get("availableReplicas", 0) == want
            and bool(progressing)
            and progressing[0]["reason"] == "NewReplicaSetAvailable"
            and len(self.live_pods()) == want
        )
