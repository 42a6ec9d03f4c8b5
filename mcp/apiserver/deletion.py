"""What a DELETE does to an object: kube-apiserver's BeforeDelete and the generic store's
choice between deleting now, marking and keeping, or answering as it is.

- `options`: the DeleteOptions of a request, from its JSON body and its query (the query
  wins, as upstream decodes it second): `gracePeriodSeconds`, `preconditions`,
  `propagationPolicy`/`orphanDependents`, `dryRun`.
- `gc_finalizers`: what a delete's propagation policy leaves in the object's finalizers
  (the generic store's `deletionFinalizersForGarbageCollection`): `orphan` for Orphan,
  `foregroundDeletion` for Foreground, neither for Background; the garbage collector
  (`mcp.controllers.gc`) acts on them, and on the dependents of owners that are gone.
- `decide`: `rest.BeforeDelete` then `updateForGracefulDeletionAndFinalizers`. A kind that
  is deleted gracefully (a Pod: `grace_period`, its CheckGracefulDelete) is marked with
  `deletionTimestamp` now plus its grace period and `deletionGracePeriodSeconds`, and kept,
  unless that period is 0; a second DELETE may only shorten the period; one that asks for
  no shorter period is answered with the object as it is. Finalizers keep any object
  (marked with no grace period: `markAsDeleting`). Otherwise the object is deleted now.

Pure: the caller reads the object, passes the clock and writes what is decided.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from mcp.model import parse_time

PROPAGATION_POLICIES = ("Foreground", "Background", "Orphan")
ORPHAN_FINALIZER = "orphan"  # metav1.FinalizerOrphanDependents
FOREGROUND_FINALIZER = "foregroundDeletion"  # metav1.FinalizerDeleteDependents
GC_FINALIZERS = (ORPHAN_FINALIZER, FOREGROUND_FINALIZER)


class BadOptions(ValueError):
    """DeleteOptions that do not decode; the message says why (a 400)."""


class InvalidOptions(BadOptions):
    """DeleteOptions that decode but `ValidateDeleteOptions` refuses (a 422 naming the
    field): `problem` is (field, cause reason, message)."""

    def __init__(self, field: str, reason: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.problem = (field, reason, message)


@dataclass(frozen=True)
class Options:
    """The DeleteOptions mcp acts on."""

    grace_period_seconds: int | None = None
    uid: str | None = None  # preconditions.uid
    resource_version: str | None = None  # preconditions.resourceVersion
    dry_run: bool = False
    # Foreground, Background or Orphan; orphanDependents true is Orphan, false Background;
    # None: neither was given (the object's finalizers, then its kind's default, decide).
    propagation: str | None = None


def _integer(value: Any, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise BadOptions(f"{field} must be an integer")
    return value


def options(body: Any, query: Mapping[str, str]) -> Options:
    """A DELETE's options: the body's (a DeleteOptions object, or nothing), then the
    query's parameters over them.

    Raises:
        BadOptions: a field of the wrong type, a bad propagationPolicy or dryRun.
    """
    if body is None:
        body = {}
    if not isinstance(body, dict):
        raise BadOptions("the body must be a DeleteOptions object")
    grace = body.get("gracePeriodSeconds")
    grace = None if grace is None else _integer(grace, "gracePeriodSeconds")
    if "gracePeriodSeconds" in query:
        text = query["gracePeriodSeconds"]
        try:
            grace = int(text)
        except ValueError:
            raise BadOptions(f"gracePeriodSeconds must be an integer, not {text!r}") from None
    preconditions = body.get("preconditions") or {}
    if not isinstance(preconditions, dict):
        raise BadOptions("preconditions must be an object")
    uid, version = preconditions.get("uid"), preconditions.get("resourceVersion")
    for field, value in (("uid", uid), ("resourceVersion", version)):
        if value is not None and not isinstance(value, str):
            raise BadOptions(f"preconditions.{field} must be a string")
    policy = query.get("propagationPolicy", body.get("propagationPolicy"))
    orphan = query.get("orphanDependents", body.get("orphanDependents"))
    if policy is not None and orphan is not None:
        raise InvalidOptions(
            "propagationPolicy",
            "FieldValueInvalid",
            f'Invalid value: "{policy}": orphanDependents and deletionPropagation cannot be '
            "both set",
        )
    if policy is not None and policy not in PROPAGATION_POLICIES:
        raise InvalidOptions(
            "propagationPolicy",
            "FieldValueNotSupported",
            f'Unsupported value: "{policy}": supported values: "Foreground", "Background", '
            '"Orphan", "nil"',
        )
    dry_run = body.get("dryRun") or []
    if not isinstance(dry_run, list) or any(value != "All" for value in dry_run):
        raise BadOptions("dryRun may only be All")
    if orphan is not None:
        policy = "Orphan" if _boolean(orphan, "orphanDependents") else "Background"
    return Options(grace, uid, version, bool(dry_run), policy)


def _boolean(value: Any, field: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value in ("true", "false"):
        return value == "true"
    raise BadOptions(f"{field} must be a boolean")


def gc_finalizers(current: dict[str, Any], policy: str | None, default: str) -> list[str] | None:
    """The object's finalizers after a delete with propagation `policy` (None: not given),
    or None when they stay as they are: the generic store's
    `deletionFinalizersForGarbageCollection`. An explicit policy wins; then a finalizer the
    object holds already; then its kind's `default` (Background for most kinds, Orphan for
    batch/v1 Jobs as upstream keeps it for compatibility, Unsupported for none)."""
    if default == "Unsupported":
        return None
    finalizers = list(current["metadata"].get("finalizers") or [])
    held = next((f for f in finalizers if f in GC_FINALIZERS), None)
    if policy is None:
        policy = {ORPHAN_FINALIZER: "Orphan", FOREGROUND_FINALIZER: "Foreground"}.get(
            held or "", default
        )
    wanted = {"Orphan": [ORPHAN_FINALIZER], "Foreground": [FOREGROUND_FINALIZER]}.get(policy, [])
    kept = [f for f in finalizers if f not in GC_FINALIZERS] + wanted
    return None if set(kept) == set(finalizers) else kept


def precondition_failure(kind: str, name: str, obj: dict[str, Any], given: Options) -> str | None:
    """Why the object is not the one the preconditions name (BeforeDelete's 409), or None."""
    metadata = obj["metadata"]
    if given.uid is not None and given.uid != metadata.get("uid"):
        return (
            f'Operation cannot be fulfilled on {kind} "{name}": the UID in the precondition '
            f"({given.uid}) does not match the UID in record ({metadata.get('uid')}). The "
            "object might have been deleted and then recreated"
        )
    version = given.resource_version
    if version is not None and version != metadata.get("resourceVersion"):
        return (
            f'Operation cannot be fulfilled on {kind} "{name}": the ResourceVersion in the '
            f"precondition ({version}) does not match the ResourceVersion in record "
            f"({metadata.get('resourceVersion')}). The object might have been modified"
        )
    return None


@dataclass(frozen=True)
class Decision:
    """What a DELETE does: `delete` it now (`obj`: its last state, to answer with),
    `mark` it and keep it (`obj`: the object to store), or leave it `pending` as it is."""

    action: Literal["delete", "mark", "pending"]
    obj: dict[str, Any]


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def decide(
    current: dict[str, Any],
    *,
    held: bool,
    grace_period: Callable[[dict[str, Any], int | None], int] | None,
    being_deleted: Callable[[dict[str, Any]], dict[str, Any]],
    requested: int | None,
    now: datetime,
) -> Decision:
    """BeforeDelete and the store's choice, for the stored object `current`.

    Args:
        current: the stored object.
        held: whether finalizers hold it.
        grace_period: the kind's CheckGracefulDelete; None for a kind deleted at once.
        being_deleted: what the kind shows while it is kept (a Terminating namespace).
        requested: the DeleteOptions' gracePeriodSeconds.
        now: the time of the request.
    """
    if requested is not None and requested < 0:
        requested = 1  # as BeforeDelete: a negative grace period is a second
    obj = copy.deepcopy(current)
    metadata = obj["metadata"]
    graceful = False
    if grace_period is not None:
        deadline = parse_time(metadata.get("deletionTimestamp"))
        given = metadata.get("deletionGracePeriodSeconds")
        if deadline is None:
            period = grace_period(obj, requested)
            metadata["deletionTimestamp"] = _stamp(now + timedelta(seconds=period))
            metadata["deletionGracePeriodSeconds"] = period
            _bump_generation(metadata)
            graceful = True
        elif given:
            if requested is None or requested >= given:
                return Decision("pending", current)  # only a shorter period changes it
            start = deadline - timedelta(seconds=given)
            metadata["deletionTimestamp"] = _stamp(start + timedelta(seconds=requested))
            metadata["deletionGracePeriodSeconds"] = requested
            graceful = True
    if graceful and (held or metadata["deletionGracePeriodSeconds"] > 0):
        return Decision("mark", being_deleted(obj))
    if not graceful and held:
        return Decision("mark", being_deleted(_marked(obj, now)))
    return Decision("delete", obj)


def _bump_generation(metadata: dict[str, Any]) -> None:
    if int(metadata.get("generation") or 0) > 0:
        metadata["generation"] = int(metadata["generation"]) + 1


def _marked(obj: dict[str, Any], now: datetime) -> dict[str, Any]:
    """markAsDeleting: a finalized object's deletion starts now, with no grace period."""
    metadata = obj["metadata"]
    deadline = parse_time(metadata.get("deletionTimestamp"))
    if deadline is None:
        _bump_generation(metadata)
    if deadline is None or deadline > now:
        metadata["deletionTimestamp"] = _stamp(now)
    metadata["deletionGracePeriodSeconds"] = 0
    return obj
