"""The loop every controller of Kubernetes objects runs: watch the cache, queue keys,
collapse bursts, reconcile one key at a time, retry failures with backoff.

A controller is a reconcile function (`reconcile(key)`: make the world match what the
cache says about `key`; it may answer a delay, controller-runtime's RequeueAfter, for a
pass due then whatever changes meanwhile) plus two mappings: which keys a change of the
cache concerns (`keys_of`), and which keys exist at all (`all_keys`, for the first pass
and every resync). The loop is level-triggered, as controller-runtime's: a key queued
several times before its pass gets one pass, and the pass reads the cache as it is then,
never the change that queued it. A pass that raises is logged with its traceback and retried with
backoff; it never ends the loop. A stream the cache drops or expires is opened again, and
every key gets a pass (something may have been missed).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field

import trio

from mcp import logs
from mcp.backoff import Backoff
from mcp.cache import Cache
from mcp.objectcache import ObjectChange

log = logs.get(actor="controller")

RESYNC_S = 30.0


@dataclass
class Queue:
    """Keys waiting for a pass: a set (a key queued twice is one pass) in arrival order,
    and keys held back until their retry time."""

    _ready: dict[str, None] = field(default_factory=dict)
    _later: dict[str, float] = field(default_factory=dict)
    _wake: trio.Event = field(default_factory=trio.Event)

    def add(self, key: str) -> None:
        self._later.pop(key, None)
        self._ready[key] = None
        self._wake.set()

    def add_after(self, key: str, delay: float) -> None:
        if key not in self._ready:
            self._later[key] = min(self._later.get(key, float("inf")), trio.current_time() + delay)
            self._wake.set()

    async def get(self) -> str:
        while True:
            now = trio.current_time()
            for key, at in list(self._later.items()):
                if at <= now:
                    del self._later[key]
                    self._ready[key] = None
            if self._ready:
                key = next(iter(self._ready))
                del self._ready[key]
                return key
            self._wake = trio.Event()
            with trio.move_on_at(min(self._later.values(), default=float("inf"))):
                await self._wake.wait()


@dataclass(frozen=True)
class Controller:
    name: str
    reconcile: Callable[[str], Awaitable[float | None]]
    keys_of: Callable[[ObjectChange], Iterable[str]]
    all_keys: Callable[[], Iterable[str]]


async def run(
    cache: Cache,
    controller: Controller,
    *,
    resync_s: float = RESYNC_S,
    task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED,
) -> None:
    """Run `controller` until cancelled. Reports started once its first stream is open."""
    queue = Queue()
    async with trio.open_nursery() as nursery:
        await nursery.start(_feed, cache, controller, queue)
        nursery.start_soon(_resync, controller, queue, resync_s)
        task_status.started()
        await _work(controller, queue)


async def _feed(
    cache: Cache,
    controller: Controller,
    queue: Queue,
    task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED,
) -> None:
    started = False
    while not cache.closed:
        with cache.kube.subscribe(
            None, cache.revision, wants=lambda c: bool(list(controller.keys_of(c))), initial=list
        ) as subscription:
            for key in controller.all_keys():
                queue.add(key)
            if not started:
                task_status.started()
                started = True
            while True:
                try:
                    change = await subscription.receive()
                except trio.EndOfChannel:
                    break
                for key in controller.keys_of(change):
                    queue.add(key)
        log.info("controller_stream_reopened", controller=controller.name, why=subscription.ended)
    if not started:
        task_status.started()


async def _resync(controller: Controller, queue: Queue, resync_s: float) -> None:
    while True:
        await trio.sleep(resync_s)
        for key in controller.all_keys():
            queue.add(key)


async def _work(controller: Controller, queue: Queue) -> None:
    backoffs: dict[str, Backoff] = {}
    while True:
        key = await queue.get()
        try:
            requeue_after = await controller.reconcile(key)
        except Exception as exc:
            backoff = backoffs.setdefault(key, Backoff(base=0.5, cap=30.0))
            delay = backoff.next_delay()
            log.exception(
                "controller_pass_failed",
                controller=controller.name,
                key=key,
                error=str(exc),
                retry_in=delay,
            )
            queue.add_after(key, delay)
        else:
            backoffs.pop(key, None)
            if requeue_after is not None:
                queue.add_after(key, requeue_after)
