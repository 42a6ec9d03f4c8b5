"""The thin part of a reconcile pass: run a decision's actions through the Docker
adapter (and the one etcd write that finalizes a deletion), in order, stopping at the
first Docker refuses, and say what happened. No decisions: what to do, and what each
outcome means, are `decide`'s and `settle`'s.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import trio

from mcp import registry
from mcp.engine.decide import (
    Action,
    CreateContainer,
    Failure,
    FinalizeDeletion,
    RemoveContainer,
    RemoveStray,
    RenameContainer,
    StartContainer,
    StopContainer,
    UnpauseContainer,
)
from mcp.engine.settle import Outcome
from mcp.errors import ImageNotFound, NameInUse, PullFailed, RuntimeRejected
from mcp.model import LABEL_CLUSTER, LABEL_NAME, LABEL_SPEC_HASH, LABEL_UID, Container, docker_name
from mcp.registry import Keys
from mcp.runtime import Runtime
from mcp.store import Store


class _Refused(Exception):
    """A step Docker refused; `pulled`: the image was pulled on the way (a create)."""

    def __init__(self, reason: str, message: str, *, pulled: bool = False) -> None:
        super().__init__(message)
        self.failure = Failure(reason, message)
        self.pulled = pulled


async def execute(
    runtime: Runtime,
    store: Store,
    keys: Keys,
    desired: Container,
    actions: Sequence[Action],
    *,
    cluster_id: str,
    starting: Callable[[Action], None] = lambda _: None,
) -> Outcome:
    """Run `actions` in order until one fails; `starting(action)` is told of each first.

    Raises:
        RuntimeUnavailable, RuntimeBusy, StoreUnavailable: transient; nothing after the
            step that raised has run, and the next pass decides again.
    """
    done: list[Action] = []
    pulled = finalized = killed = False
    target = docker_name(desired.name)

    def outcome(failure: Failure | None = None, *, name_in_use: bool = False) -> Outcome:
        return Outcome(tuple(done), failure, pulled, finalized, killed, name_in_use)

    for action in actions:
        starting(action)
        try:
            match action:
                case RenameContainer(container_id=container_id):
                    await runtime.rename(container_id, target)
                case RemoveStray(container_id=container_id):
                    await runtime.remove(container_id)
                case CreateContainer():
                    pulled = await _create(runtime, desired, target, cluster_id)
                case StartContainer():
                    try:
                        await runtime.start(target)
                    except RuntimeRejected as exc:
                        raise _Refused("RunContainerError", str(exc)) from exc
                case StopContainer():
                    grace = desired.spec.stop_timeout_seconds
                    began = trio.current_time()
                    await runtime.stop(target, kill_after_s=grace)
                    # Docker sends SIGKILL once the grace period is out: a stop that took
                    # that long was a kill, without asking Docker again.
                    killed = trio.current_time() - began >= grace
                case UnpauseContainer():
                    await runtime.unpause(target)
                case RemoveContainer():
                    await runtime.remove(target)
                case FinalizeDeletion():
                    finalized = await registry.finalize(store, keys, desired)
        except NameInUse:
            return outcome(name_in_use=True)
        except _Refused as refused:
            pulled = pulled or refused.pulled
            return outcome(refused.failure)
        except RuntimeRejected as exc:  # a rename, stop or remove Docker refused
            return outcome(Failure("DockerError", str(exc)))
        done.append(action)
    return outcome()


async def _create(runtime: Runtime, desired: Container, target: str, cluster_id: str) -> bool:
    """Create the container, pulling the image as its pull policy says; whether it pulled.

    Raises:
        _Refused: ErrImagePull, ErrImageNeverPull or CreateContainerError (saying
            whether the image was pulled first).
    """
    spec = desired.spec
    labels = {
        LABEL_UID: desired.uid,
        LABEL_NAME: desired.name,
        LABEL_CLUSTER: cluster_id,
        LABEL_SPEC_HASH: spec.runtime_hash(),
    }
    pulled = False
    try:
        if spec.image_pull_policy == "Always":
            await runtime.pull(spec.image)
            pulled = True
        try:
            await runtime.create(target, spec=spec, labels=labels)
        except ImageNotFound as exc:
            if spec.image_pull_policy == "Never":
                raise _Refused(
                    "ErrImageNeverPull", f"{exc}; imagePullPolicy is Never, so it is not pulled"
                ) from exc
            await runtime.pull(spec.image)
            pulled = True
            await runtime.create(target, spec=spec, labels=labels)
    except NameInUse:
        raise
    except PullFailed as exc:
        raise _Refused("ErrImagePull", str(exc)) from exc
    except (ImageNotFound, RuntimeRejected) as exc:
        raise _Refused("CreateContainerError", str(exc), pulled=pulled) from exc
    return pulled
