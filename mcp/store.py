"""The etcd adapter: the only module that imports aetcd.

aetcd runs on asyncio (grpc.aio) and mcp runs on trio, so the adapter owns one
stock asyncio event loop in one dedicated thread and sends every call there with
`asyncio.run_coroutine_threadsafe`; the trio side waits for the result without
blocking a thread and cancels the asyncio task when trio cancels the wait. Nothing
outside this module sees asyncio, grpc or aetcd exceptions: they become
`StoreUnavailable` or `Compacted`.

Every call runs under a deadline (`CALL_TIMEOUT_S`), and the grpc channel sends
keepalive pings, because an aetcd watch on a frozen etcd would otherwise hang
forever. aetcd watches never reconnect: `open_watch` raises `StoreUnavailable` when
the stream breaks and the caller resumes from the last revision it saw.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, Literal, Protocol, TypeVar
from urllib.parse import urlsplit

import aetcd
import aetcd.exceptions
import aetcd.rpc
import aetcd.utils
import trio

from mcp import logs
from mcp.errors import Compacted, StoreUnavailable

T = TypeVar("T")

CALL_TIMEOUT_S = 5.0
CLEANUP_S = 2.0
WATCH_BUFFER = 1024  # events held between the asyncio pump and the trio reader
WATCH_BATCH = 256  # events handed to trio per hop
GRPC_OPTIONS = {
    # etcd answers GOAWAY "too_many_pings" below 5 s.
    "grpc.keepalive_time_ms": 10_000,
    "grpc.keepalive_timeout_ms": 5_000,
    "grpc.keepalive_permit_without_calls": 1,
    "grpc.http2.max_pings_without_data": 0,
    # Without this, a ping that is never answered does not fail the stream soon.
    "grpc.http2.ping_timeout_ms": 5_000,
    # grpc refuses answers over 4 MiB by default, so the watch cache's first listing
    # failed from about 7,000 ConfigMaps on; etcd's own Go client allows 2 GiB.
    "grpc.max_receive_message_length": 2**31 - 1,
}

log = logs.get(actor="store")


@dataclass(frozen=True)
class KeyValue:
    key: str
    value: bytes
    mod_revision: int
    create_revision: int


@dataclass(frozen=True)
class Listing:
    items: list[KeyValue]
    revision: int  # etcd's revision when the range was read: watch from revision + 1


@dataclass(frozen=True)
class WatchEvent:
    kind: Literal["put", "delete"]
    key: str
    value: bytes  # empty for a delete
    mod_revision: int
    create_revision: int


# --- transactions, as plain data so a fake store can evaluate them too -------------------


@dataclass(frozen=True)
class Compare:
    """`target(key) <op> value`, target one of etcd's: version, mod or create revision."""

    key: str
    target: Literal["version", "mod", "create"]
    value: int
    op: Literal["==", "<"] = "=="


@dataclass(frozen=True)
class Put:
    key: str
    value: bytes
    lease: int = 0  # etcd deletes the key when this lease expires (0: never)


@dataclass(frozen=True)
class Delete:
    key: str


class Store(Protocol):
    """What mcp needs of etcd."""

    async def get(self, key: str) -> KeyValue | None: ...

    async def list_prefix(self, prefix: str, *, revision: int | None = None) -> Listing:
        """Every key under `prefix`, as of `revision` (default: now).

        Raises:
            Compacted: `revision` is older than etcd's compacted history.
        """
        ...

    async def txn(self, compare: Sequence[Compare], success: Sequence[Put | Delete]) -> int | None:
        """Apply `success` atomically if every comparison holds.

        Returns:
            The revision the transaction produced, or None if a comparison failed.
        """
        ...

    def open_watch(self, prefix: str, start_revision: int) -> Watch: ...

    async def grant_lease(self, ttl: int) -> int:
        """A new lease that expires after `ttl` seconds; its id for `Put(lease=...)`."""
        ...

    async def refresh_lease(self, lease: int) -> int:
        """Keep a lease alive for its full TTL again (one keep-alive; nothing runs in the
        background, so a holder calls this well within the TTL).

        Returns:
            The TTL in seconds from now, or 0 if the lease has expired or was revoked.
        """
        ...

    async def revoke_lease(self, lease: int) -> None:
        """End a lease now: its keys are deleted in one revision. An unknown or expired
        lease is not an error."""
        ...


class Watch(Protocol):
    async def __aenter__(self) -> WatchStream: ...

    async def __aexit__(self, *exc: object) -> None: ...


class WatchStream(Protocol):
    async def next_batch(self) -> list[WatchEvent]:
        """Wait for the next events (at least one).

        Raises:
            Compacted: the start revision is older than etcd's history.
            StoreUnavailable: the stream broke; resume from the last revision seen + 1.
        """
        ...


# --- the asyncio side ---------------------------------------------------------------------


class _AsyncioThread:
    """A stock asyncio loop in one daemon thread, and a trio-side `call` into it."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self.loop.run_forever, name="mcp-etcd-asyncio", daemon=True
        )
        self._thread.start()

    async def call(self, fn: Callable[..., Awaitable[T]], *args: Any) -> T:
        """Run ``fn(*args)`` on the asyncio loop; trio cancellation cancels it there."""
        future: concurrent.futures.Future[T] = asyncio.run_coroutine_threadsafe(
            _as_coroutine(fn, *args), self.loop
        )
        token = trio.lowlevel.current_trio_token()
        done = trio.Event()

        def wake(_: object) -> None:
            # RunFinishedError: trio is gone, nobody waits for the result any more.
            with contextlib.suppress(trio.RunFinishedError):
                token.run_sync_soon(done.set)

        future.add_done_callback(wake)
        try:
            await done.wait()
        finally:
            if not future.done():
                future.cancel()
        return future.result()

    async def aclose(self) -> None:
        """Cancel what still runs on the loop (grpc's own tasks too), then stop it.

        Stopping a loop with tasks pending makes asyncio log "Task was destroyed but
        it is pending" at garbage collection: an error line for a clean shutdown.
        """
        with trio.move_on_after(CLEANUP_S, shield=True):
            try:
                await self.call(_cancel_all_tasks)
            except Exception as exc:  # a loop in trouble still gets stopped below
                log.debug("asyncio_drain_failed", error=str(exc))
        await trio.to_thread.run_sync(self._stop)

    def _stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout=CLEANUP_S)
        if not self._thread.is_alive():
            self.loop.close()


async def _cancel_all_tasks() -> None:
    tasks = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
    for task in tasks:
        task.cancel()
    if tasks:
        await asyncio.wait(tasks, timeout=CLEANUP_S)


async def _as_coroutine(fn: Callable[..., Awaitable[T]], *args: Any) -> T:
    return await fn(*args)


class _AioWatch:
    """Lives on the asyncio loop: pumps one aetcd watch into a bounded queue."""

    def __init__(self) -> None:
        self.queue: asyncio.Queue[WatchEvent | BaseException] = asyncio.Queue(WATCH_BUFFER)
        self.watch: Any = None
        self.task: asyncio.Task[None] | None = None

    async def open(self, client: aetcd.Client, prefix: bytes, start_revision: int) -> None:
        self.watch = await client.watch_prefix(prefix, start_revision=start_revision)
        self.task = asyncio.get_running_loop().create_task(self._pump())

    async def _pump(self) -> None:
        try:
            async for event in self.watch:
                kv = event.kv
                kind: Literal["put", "delete"] = "put" if event.kind == "PUT" else "delete"
                await self.queue.put(
                    WatchEvent(
                        kind=kind,
                        key=kv.key.decode(),
                        value=kv.value,
                        mod_revision=kv.mod_revision,
                        create_revision=kv.create_revision,
                    )
                )
            await self.queue.put(StoreUnavailable("etcd ended the watch stream"))
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # handed to the trio side, which translates it
            await self.queue.put(exc)

    async def next_batch(self) -> list[WatchEvent | BaseException]:
        batch = [await self.queue.get()]
        while len(batch) < WATCH_BATCH and not self.queue.empty():
            batch.append(self.queue.get_nowait())
        return batch

    async def close(self) -> None:
        if self.task is not None:
            self.task.cancel()
        if self.watch is not None:
            # Cancelling the iteration alone leaves the watch open on the server.
            await self.watch.cancel()


def _translate(exc: BaseException, endpoint: str) -> BaseException:
    if isinstance(exc, Compacted):
        return exc
    if isinstance(exc, aetcd.exceptions.RevisionCompactedError):
        return Compacted(exc.compacted_revision)
    if isinstance(exc, aetcd.exceptions.ClientError | OSError | StoreUnavailable):
        return StoreUnavailable(f"etcd at {endpoint}: {type(exc).__name__}: {exc}".rstrip(": "))
    return exc


# --- the trio side ------------------------------------------------------------------------


class EtcdStore:
    """`Store` on a real etcd through aetcd. Open it with `open_etcd_store`."""

    def __init__(self, endpoints: Sequence[str], bridge: _AsyncioThread) -> None:
        self._endpoints = list(endpoints)
        self._index = 0
        self._bridge = bridge
        self._client: aetcd.Client | None = None

    @property
    def endpoint(self) -> str:
        return self._endpoints[self._index]

    def _get_client(self) -> aetcd.Client:
        # Only ever called on the trio thread; the client is used on the asyncio thread.
        if self._client is None:
            parts = urlsplit(self.endpoint)
            self._client = aetcd.Client(
                host=parts.hostname,
                port=parts.port,
                timeout=CALL_TIMEOUT_S,
                options=GRPC_OPTIONS,
            )
        return self._client

    async def _call(self, fn: Callable[..., Awaitable[T]], *args: Any) -> T:
        endpoint = self.endpoint
        try:
            with trio.fail_after(CALL_TIMEOUT_S):
                return await self._bridge.call(fn, *args)
        except trio.TooSlowError:
            await self._rotate()
            raise StoreUnavailable(
                f"etcd at {endpoint} did not answer within {CALL_TIMEOUT_S:g} s"
            ) from None
        except Exception as exc:
            translated = _translate(exc, endpoint)
            if isinstance(translated, StoreUnavailable):
                await self._rotate()
            if translated is exc:
                raise
            raise translated from exc

    async def _rotate(self) -> None:
        """After a failure, try the next endpoint on the next call (no-op with one)."""
        if len(self._endpoints) > 1:
            await self.aclose()
            self._index = (self._index + 1) % len(self._endpoints)

    async def get(self, key: str) -> KeyValue | None:
        client = self._get_client()
        result = await self._call(client.get, key.encode())
        if result is None:
            return None
        return KeyValue(key, result.value, result.mod_revision, result.create_revision)

    async def list_prefix(self, prefix: str, *, revision: int | None = None) -> Listing:
        client = self._get_client()
        if revision is None:
            result = await self._call(client.get_prefix, prefix.encode())
            kvs, header_revision = result.kvs, result.header.revision
        else:
            kvs, header_revision = await self._call(_range_at, client, prefix.encode(), revision)
        items = [
            KeyValue(kv.key.decode(), kv.value, kv.mod_revision, kv.create_revision) for kv in kvs
        ]
        return Listing(items=items, revision=header_revision if revision is None else revision)

    async def txn(self, compare: Sequence[Compare], success: Sequence[Put | Delete]) -> int | None:
        client = self._get_client()

        async def run() -> int | None:
            ops = client.transactions
            targets = {"version": ops.version, "mod": ops.mod, "create": ops.create}
            checks = [
                targets[c.target](c.key.encode()) == c.value
                if c.op == "=="
                else targets[c.target](c.key.encode()) < c.value
                for c in compare
            ]
            actions = [
                ops.put(op.key.encode(), op.value, lease=op.lease or None)
                if isinstance(op, Put)
                else ops.delete(op.key.encode())
                for op in success
            ]
            succeeded, responses = await client.transaction(
                compare=checks, success=actions, failure=[]
            )
            if not succeeded:
                return None
            # aetcd drops the transaction's header, but each op's response carries the
            # revision the transaction produced.
            first = responses[0]
            kind = first.WhichOneof("response")
            return int(getattr(first, kind).header.revision)

        return await self._call(run)

    def open_watch(self, prefix: str, start_revision: int) -> _EtcdWatch:
        return _EtcdWatch(self, prefix, start_revision)

    async def grant_lease(self, ttl: int) -> int:
        client = self._get_client()
        lease = await self._call(client.lease, ttl)
        return int(lease.id)

    async def refresh_lease(self, lease: int) -> int:
        client = self._get_client()
        reply = await self._call(client.refresh_lease, lease)
        # etcd answers a keep-alive for an expired or revoked lease with TTL 0.
        return max(0, int(reply.TTL)) if reply is not None else 0

    async def revoke_lease(self, lease: int) -> None:
        await self._call(_revoke, self._get_client(), lease)

    async def compact(self, revision: int) -> None:
        """Compact etcd's history up to `revision` (tests and operators)."""
        client = self._get_client()
        await self._call(client.compact, revision)

    async def aclose(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            with trio.move_on_after(CLEANUP_S, shield=True):
                try:
                    await self._bridge.call(client.close)
                except Exception as exc:  # closing a broken channel may fail; nothing to keep
                    log.debug("etcd_client_close_failed", error=str(exc))


async def _range_at(client: aetcd.Client, prefix: bytes, revision: int) -> tuple[Any, int]:
    """A prefix range read as of `revision`, which aetcd's `get_prefix` cannot ask for."""
    await client.connect()
    request = aetcd.rpc.RangeRequest(
        key=prefix, range_end=aetcd.utils.prefix_range_end(prefix), revision=revision
    )
    try:
        response = await client.kvstub.Range(
            request, timeout=CALL_TIMEOUT_S, metadata=client.metadata
        )
    except aetcd.rpc.AioRpcError as exc:
        if exc.code() == aetcd.rpc.StatusCode.OUT_OF_RANGE and "compacted" in (exc.details() or ""):
            raise Compacted(0) from exc
        aetcd.exceptions._handle_exception(exc)  # raises aetcd's own error kinds
        raise
    return response.kvs, response.header.revision


async def _revoke(client: aetcd.Client, lease: int) -> None:
    """Revoke, taking etcd's "lease not found" (expired or revoked already) as done."""
    try:
        await client.revoke_lease(lease)
    except aetcd.exceptions.ClientError as exc:
        cause = exc.__cause__
        if (
            isinstance(cause, aetcd.rpc.AioRpcError)
            and cause.code() == aetcd.rpc.StatusCode.NOT_FOUND
        ):
            return
        raise


class _EtcdWatch:
    def __init__(self, store: EtcdStore, prefix: str, start_revision: int) -> None:
        self._store = store
        self._prefix = prefix
        self._start_revision = start_revision
        self._aio = _AioWatch()
        self._pending_error: BaseException | None = None

    async def __aenter__(self) -> _EtcdWatch:
        client = self._store._get_client()
        await self._store._call(self._aio.open, client, self._prefix.encode(), self._start_revision)
        return self

    async def __aexit__(self, *exc: object) -> None:
        with trio.move_on_after(CLEANUP_S, shield=True):
            try:
                await self._store._bridge.call(self._aio.close)
            except Exception as error:  # the stream may already be broken
                log.debug("etcd_watch_close_failed", error=str(error))

    async def next_batch(self) -> list[WatchEvent]:
        # No deadline here: an idle watch waits as long as it must. A frozen etcd is
        # detected by grpc keepalive pings, which break the stream.
        endpoint = self._store.endpoint
        if self._pending_error is not None:
            raise _translate(self._pending_error, endpoint) from self._pending_error
        try:
            batch = await self._store._bridge.call(self._aio.next_batch)
        except Exception as exc:
            raise _translate(exc, endpoint) from exc
        events: list[WatchEvent] = []
        for item in batch:
            if isinstance(item, BaseException):
                if events:
                    # Deliver what came before the error first; raise it on the next call.
                    self._pending_error = item
                    break
                raise _translate(item, endpoint) from item
            events.append(item)
        return events


@asynccontextmanager
async def open_etcd_store(endpoints: Sequence[str]) -> AsyncIterator[EtcdStore]:
    """Connect to etcd and check it answers.

    Raises:
        StoreUnavailable: no endpoint answered within the deadline.
    """
    bridge = _AsyncioThread()
    store = EtcdStore(endpoints, bridge)
    try:
        await _wait_reachable(store, endpoints)
        yield store
    finally:
        await store.aclose()
        await bridge.aclose()


async def _wait_reachable(store: EtcdStore, endpoints: Sequence[str]) -> None:
    errors: list[str] = []
    for _ in endpoints:
        try:
            await store.get("/")
            return
        except StoreUnavailable as exc:
            errors.append(str(exc))
    raise StoreUnavailable(f"cannot reach etcd at {', '.join(endpoints)}: {errors[-1]}")
