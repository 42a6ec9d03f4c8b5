"""The node actor on a fake Docker and a fake etcd, on trio's autojump clock: Docker going
away and coming back, heartbeats that spare etcd, and users' writes that survive it."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import trio
import trio.testing
from fakes import FAKE_HOST, FakeRuntime, FakeStore
from structlog.testing import capture_logs

from mcp.actors import node
from mcp.apiserver import objects
from mcp.kinds import core
from mcp.registry import Keys

KEYS = Keys("/t")
KEY = objects.key(KEYS, core.NODE, "fake-host")
EPOCH = datetime(2026, 1, 1, tzinfo=UTC)


def clock() -> Callable[[], datetime]:
    """Wall time that follows trio's (mock) clock."""
    start = trio.current_time()
    return lambda: EPOCH + timedelta(seconds=trio.current_time() - start)


def stored(store: FakeStore) -> dict[str, Any]:
    value: dict[str, Any] = json.loads(store.data[KEY].value)
    return value


def ready(store: FakeStore) -> dict[str, Any]:
    condition: dict[str, Any] = stored(store)["status"]["conditions"][-1]
    assert condition["type"] == "Ready"
    return condition


def writes(store: FakeStore) -> int:
    return sum(1 for event in store.log if event.key == KEY)


async def test_ready_follows_docker_and_moves_its_transition_only_then(
    autojump_clock: trio.testing.MockClock,
) -> None:
    store, runtime = FakeStore(), FakeRuntime()
    async with trio.open_nursery() as nursery:
        with capture_logs() as logs:
            await nursery.start(
                lambda task_status: node.run(
                    store,
                    KEYS,
                    runtime,
                    name="fake-host",
                    version="v1.37.0-mcp.0.1.0",
                    clock=clock(),
                    task_status=task_status,
                )
            )
            await trio.sleep(1)
            assert ready(store)["status"] == "True"
            assert ready(store)["reason"] == "KubeletReady"
            registered_at = ready(store)["lastTransitionTime"]
            assert registered_at == "2026-01-01T00:00:00Z"
            assert stored(store)["metadata"]["labels"]["kubernetes.io/hostname"] == "fake-host"

            # Idle: a pass every 10 s, a write only once the heartbeat is 40 s old.
            await trio.sleep(95)
            assert writes(store) == 3  # at 0 s, 40 s and 80 s
            assert ready(store)["lastHeartbeatTime"] == "2026-01-01T00:01:20Z"
            assert ready(store)["lastTransitionTime"] == registered_at

            runtime.host = None  # Docker stops answering
            await trio.sleep(10)
            down = ready(store)
            assert (down["status"], down["reason"]) == ("False", "KubeletNotReady")
            assert down["message"].startswith("container runtime is down: ")
            assert down["lastTransitionTime"] == "2026-01-01T00:01:40Z"
            assert stored(store)["status"]["nodeInfo"]["containerRuntimeVersion"] == (
                "docker://24.0.7"
            )  # what Docker said last stays

            await trio.sleep(30)
            assert ready(store)["lastTransitionTime"] == down["lastTransitionTime"]

            runtime.host = FAKE_HOST  # Docker is back
            await trio.sleep(10)
            back = ready(store)
            assert (back["status"], back["reason"]) == ("True", "KubeletReady")
            assert back["lastTransitionTime"] == "2026-01-01T00:02:20Z"
        nursery.cancel_scope.cancel()
    changes = [
        (entry["status"], entry["reason"])
        for entry in logs
        if entry["event"] == "node_ready_changed"
    ]
    assert changes == [
        ("True", "KubeletReady"),
        ("False", "KubeletNotReady"),
        ("True", "KubeletReady"),
    ]


async def test_a_users_label_written_between_passes_survives_the_next_write(
    autojump_clock: trio.testing.MockClock,
) -> None:
    store, runtime = FakeStore(), FakeRuntime()
    now = clock()

    async def report(*, registering: bool) -> bool:
        return await node.report(
            store,
            KEYS,
            runtime,
            name="fake-host",
            version="v1.37.0-mcp.0.1.0",
            now=now(),
            registering=registering,
        )

    assert await report(registering=True)
    labelled = stored(store)
    labelled["metadata"]["labels"]["a"] = "b"
    labelled["metadata"]["labels"].pop("node-role.kubernetes.io/control-plane")
    item = store.data[KEY]
    assert await objects.replace_if_unchanged(store, KEY, labelled, item.mod_revision)

    runtime.host = None
    assert await report(registering=False)
    labels = stored(store)["metadata"]["labels"]
    assert labels["a"] == "b"
    assert "node-role.kubernetes.io/control-plane" not in labels  # users may take it off
    assert ready(store)["status"] == "False"
    # A restart puts the default labels right, and keeps the users' others.
    runtime.host = FAKE_HOST
    assert await report(registering=True)
    assert stored(store)["metadata"]["labels"]["a"] == "b"
    assert stored(store)["metadata"]["uid"] == labelled["metadata"]["uid"]


async def test_etcd_away_is_logged_and_the_next_pass_writes(
    autojump_clock: trio.testing.MockClock,
) -> None:
    store, runtime = FakeStore(), FakeRuntime()
    store.available = False
    async with trio.open_nursery() as nursery:
        with capture_logs() as logs:
            nursery.start_soon(
                lambda: node.run(
                    store, KEYS, runtime, name="fake-host", version="v1", clock=clock()
                )
            )
            await trio.sleep(1)
            assert KEY not in store.data
            store.available = True
            await trio.sleep(10)
            assert ready(store)["status"] == "True"
        nursery.cancel_scope.cancel()
    assert [entry["event"] for entry in logs][:2] == ["node_status_not_written", "node_registered"]
