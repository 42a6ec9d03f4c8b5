"""What a Deployment plan asks an actor to do: the writes of one pass, in order, and the
Deployment's annotations and status to write after them. Pure data, and the one pure
function an actor needs after a failed create (`DeploymentPlan.create_failed`).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from mcp.controllers.deployments import conditions
from mcp.controllers.deployments import status as statuses
from mcp.engine.pods.conditions import dict_of

Obj = dict[str, Any]


@dataclass(frozen=True)
class Event:
    """An event on the Deployment, recorded once the write it tells of succeeds."""

    type: str  # Normal or Warning
    reason: str
    message: str


@dataclass(frozen=True)
class PatchReplicaSet:
    """Adopt (or release) a ReplicaSet: a strategic merge patch of its ownerReferences."""

    name: str
    patch: Obj
    release: bool = False


@dataclass(frozen=True)
class CreateReplicaSet:
    """Create the new ReplicaSet (named `<deployment>-<pod-template-hash>`)."""

    replica_set: Obj
    events: tuple[Event, ...] = ()


@dataclass(frozen=True)
class UpdateReplicaSet:
    """Set a ReplicaSet's replicas, minReadySeconds and annotations (all of them, as
    given), as upstream's Update of it does; `resource_version` is the one read."""

    name: str
    replicas: int
    min_ready_seconds: int
    annotations: dict[str, str]
    resource_version: str | None = None
    events: tuple[Event, ...] = ()


@dataclass(frozen=True)
class DeleteReplicaSet:
    """Delete an old ReplicaSet past the revision history limit."""

    name: str


Action = PatchReplicaSet | CreateReplicaSet | UpdateReplicaSet | DeleteReplicaSet


@dataclass(frozen=True)
class DeploymentPlan:
    """What one pass does for a Deployment.

    Attributes:
        actions: the writes, in upstream's order; stop at the first that fails (and
            retry with backoff), as upstream returns its error.
        annotations: the Deployment's annotations (its revision), when they change.
        status: the Deployment's status, when it changes; written after the actions
            (with `annotations`, as upstream's UpdateStatus writes both).
        events: events not tied to an action.
        requeue_after: seconds until the next pass is due whatever happens meanwhile.
        problem: why the pass stopped short (upstream's returned error); the actions and
            status decided before it stand.
        status_before_create: the status as it was when the new ReplicaSet was to be
            created, for `create_failed`.
    """

    actions: tuple[Action, ...] = ()
    annotations: dict[str, str] | None = None
    status: Obj | None = None
    events: tuple[Event, ...] = ()
    requeue_after: float | None = None
    problem: str | None = None
    status_before_create: Obj | None = field(default=None, repr=False)
    has_progress_deadline: bool = field(default=False, repr=False)

    @property
    def creates(self) -> tuple[CreateReplicaSet, ...]:
        return tuple(a for a in self.actions if isinstance(a, CreateReplicaSet))

    @property
    def updates(self) -> tuple[UpdateReplicaSet, ...]:
        return tuple(a for a in self.actions if isinstance(a, UpdateReplicaSet))

    @property
    def deletes(self) -> tuple[DeleteReplicaSet, ...]:
        return tuple(a for a in self.actions if isinstance(a, DeleteReplicaSet))

    @property
    def patches(self) -> tuple[PatchReplicaSet, ...]:
        return tuple(a for a in self.actions if isinstance(a, PatchReplicaSet))

    def create_failed(self, message: str, now: datetime) -> tuple[Obj | None, Event]:
        """What upstream writes when creating the new ReplicaSet fails (but for a
        terminating namespace, where it writes nothing): a Progressing False
        ReplicaSetCreateError condition (with a deadline set), and a Warning event."""
        name = next((dict_of(c.replica_set.get("metadata")).get("name") for c in self.creates), "")
        text = f'Failed to create new replica set "{name}": {message}'
        event = Event("Warning", conditions.FAILED_RS_CREATE, text)
        if not self.has_progress_deadline or self.status_before_create is None:
            return None, event
        status = copy.deepcopy(self.status_before_create)
        conditions.set_condition(
            status,
            conditions.new_condition(
                conditions.PROGRESSING, "False", conditions.FAILED_RS_CREATE, text, now
            ),
        )
        return statuses.as_go(status), event
