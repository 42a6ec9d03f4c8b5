"""The stand-in that finishes a Pod's graceful deletion when its grace period is over,
and the loop's RequeueAfter it relies on."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
import trio
import trio.testing
from fakes import FakeStore

from mcp.apiserver import deletion, storage
from mcp.apiserver.namespaces import ensure_defaults
from mcp.apiserver.status import KubeError
from mcp.controllers import loop, pod_deadlines
from mcp.kinds import core
from mcp.objectcache import ObjectChange
from mcp.registry import Keys

KEYS = Keys("/t")
NOW = datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)


def meta(**fields: Any) -> dict[str, Any]:
    return {"metadata": {"name": "p", **fields}}


@pytest.mark.parametrize(
    ("pod", "wait"),
    [
        pytest.param(None, None, id="gone"),
        pytest.param(meta(), None, id="not-deleted"),
        pytest.param(
            meta(deletionTimestamp="2030-01-02T03:04:35Z", deletionGracePeriodSeconds=30),
            30.0,
            id="grace-running",
        ),
        pytest.param(
            meta(deletionTimestamp="2030-01-02T03:04:00Z", deletionGracePeriodSeconds=30),
            0.0,
            id="grace-over",
        ),
        pytest.param(
            meta(deletionTimestamp="2030-01-02T03:04:00Z", deletionGracePeriodSeconds=0),
            None,
            id="held-by-finalizers-with-no-grace-left",
        ),
    ],
)
def test_due(pod: dict[str, Any] | None, wait: float | None) -> None:
    assert pod_deadlines.due(pod, NOW) == wait


@dataclass
class Found:
    obj: dict[str, Any]


class Pods:
    """The cache's Pods, read from the store the way the cache would hold them."""

    def __init__(self, store: FakeStore) -> None:
        self.store = store
        self.held: dict[tuple[str, str], dict[str, Any]] = {}

    async def refresh(self) -> None:
        listed = await storage.list_objects(
            self.store, KEYS, core.POD, None, label_selector=None, field_selector_text=None
        )
        self.held = {
            (o["metadata"]["namespace"], o["metadata"]["name"]): o for o in listed["items"]
        }

    def get(self, kind: Any, namespace: str, name: str) -> Found | None:
        found = self.held.get((namespace, name))
        return Found(found) if found is not None else None


@dataclass
class FakeCache:
    kube: Pods


async def test_a_pod_whose_grace_is_over_is_deleted_by_its_uid() -> None:
    store = FakeStore()
    await ensure_defaults(store, KEYS)
    pods = storage.strategies(node_name="box")["pods"]
    body = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "p"},
        "spec": {"containers": [{"name": "c", "image": "x:1"}]},
    }
    await storage.create_object(
        store, KEYS, pods, "default", body, field_validation="Strict", dry_run=False
    )
    cache = FakeCache(Pods(store))
    controller = pod_deadlines.controller(store, KEYS, cache)  # type: ignore[arg-type]  # a stand-in cache
    await cache.kube.refresh()
    assert await controller.reconcile("default/p") is None  # not being deleted
    await storage.delete_object(
        store, KEYS, pods, "default", "p", dry_run=False, options=deletion.Options(5)
    )
    await cache.kube.refresh()
    wait = await controller.reconcile("default/p")
    assert wait is not None
    assert 0 < wait <= 5
    # Its grace cut to nothing by hand, as the deadline passing would: then it goes.
    marked = cache.kube.held[("default", "p")]
    marked["metadata"]["deletionTimestamp"] = "2000-01-01T00:00:00Z"
    assert await controller.reconcile("default/p") is None
    with pytest.raises(KubeError) as gone:
        await storage.get_object(store, KEYS, core.POD, "default", "p")
    assert gone.value.code == 404
    assert await controller.reconcile("default/p") is None  # gone: nothing to do


def test_only_pod_changes_concern_it() -> None:
    controller = pod_deadlines.controller(FakeStore(), KEYS, FakeCache(Pods(FakeStore())))  # type: ignore[arg-type]  # a stand-in cache
    assert controller.keys_of(ObjectChange(1, core.CONFIGMAP, None, None)) == []


async def test_a_pass_may_ask_to_come_again(autojump_clock: trio.testing.MockClock) -> None:
    passes: list[float] = []

    async def reconcile(key: str) -> float | None:
        passes.append(trio.current_time())
        return 10.0 if len(passes) < 3 else None

    controller = loop.Controller("again", reconcile, lambda change: [], lambda: ["k"])
    queue = loop.Queue()
    queue.add("k")
    with trio.move_on_after(100):
        await loop._work(controller, queue)
    assert passes == [0.0, 10.0, 20.0]
