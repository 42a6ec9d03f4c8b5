"""The node actor: registers the Node that stands for the Docker host, and keeps its status
current, as kubelet does for its own.

Every `interval` seconds a pass asks Docker about its host (`Runtime.host_info`), reads the
stored Node from etcd, lets `nodestatus.decide` say what to store, and stores it with a
compare-and-swap on the mod revision it read, so a user's label or taint written meanwhile
is never lost: the pass reads again and decides again. A pass whose Node differs from the
stored one only in its heartbeats writes nothing until the stored heartbeat is
`nodestatus.HEARTBEAT_S` old, so an idle host costs etcd one write every 40 s or so.

Runs only on the leader (beside the other controllers), so one process writes the Node.
Docker not answering is what the Node reports (Ready False); etcd not answering is logged
and the next pass tries again. Cancellation ends it between or inside passes: a write is
one etcd transaction, never half done.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import trio

from mcp import logs, nodestatus
from mcp.apiserver import objects
from mcp.errors import RuntimeUnavailable, StoreUnavailable
from mcp.kinds import core
from mcp.model import HostInfo
from mcp.registry import Keys
from mcp.runtime import Runtime
from mcp.store import Store

log = logs.get(actor="node")

INTERVAL_S = 10.0  # kubelet's nodeStatusUpdateFrequency
WRITE_ATTEMPTS = 5  # compare-and-swap retries when users write the Node at the same time


def _utc_now() -> datetime:
    return datetime.now(UTC)


async def observe(runtime: Runtime) -> tuple[HostInfo | None, str | None]:
    """What Docker says of its host, or why it said nothing."""
    try:
        return await runtime.host_info(), None
    except RuntimeUnavailable as exc:
        return None, str(exc)


def _ready(obj: dict[str, Any] | None) -> tuple[str, str]:
    for condition in ((obj or {}).get("status") or {}).get("conditions") or []:
        if isinstance(condition, dict) and condition.get("type") == nodestatus.READY:
            return str(condition.get("status")), str(condition.get("reason"))
    return "", ""


async def report(
    store: Store,
    keys: Keys,
    runtime: Runtime,
    *,
    name: str,
    version: str,
    now: datetime,
    registering: bool,
) -> bool:
    """One pass: observe Docker, decide, and store the Node if it must be; whether it was
    written.

    Raises:
        StoreUnavailable: etcd did not answer.
    """
    host, error = await observe(runtime)
    object_key = objects.key(keys, core.NODE, name)
    created = {"uid": str(uuid.uuid4()), "creationTimestamp": nodestatus.timestamp(now)}
    for _ in range(WRITE_ATTEMPTS):
        item = await store.get(object_key)
        previous = objects.decode(item) if item is not None else None
        new = nodestatus.decide(
            previous,
            name=name,
            host=host,
            runtime_error=error,
            version=version,
            now=now,
            registering=registering,
            created=created,
        )
        if not nodestatus.needs_write(previous, new, now=now):
            return False
        if item is None:
            written = await objects.create_if_absent(store, object_key, new)
        else:
            written = await objects.replace_if_unchanged(store, object_key, new, item.mod_revision)
        if written:
            if item is None:
                log.info("node_registered", node=name)
            if _ready(previous) != _ready(new):
                status, reason = _ready(new)
                log.info("node_ready_changed", node=name, status=status, reason=reason)
            return True
    log.warning("node_status_conflicted", node=name, attempts=WRITE_ATTEMPTS)
    return False


async def run(
    store: Store,
    keys: Keys,
    runtime: Runtime,
    *,
    name: str,
    version: str,
    interval: float = INTERVAL_S,
    clock: Callable[[], datetime] = _utc_now,
    task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED,
) -> None:
    """Register the Node `name` and report its status every `interval` seconds, until
    cancelled. Holds no channel."""
    registering = True
    task_status.started()
    while True:
        try:
            await report(
                store,
                keys,
                runtime,
                name=name,
                version=version,
                now=clock(),
                registering=registering,
            )
            registering = False
        except StoreUnavailable as exc:
            log.warning("node_status_not_written", node=name, error=str(exc))
        await trio.sleep(interval)
