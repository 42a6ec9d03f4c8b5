"""Watch streams over a real `mcp run`: list-then-watch, resume, 410 after compaction,
bookmarks, and streams ending cleanly when the client or mcp goes away."""

from __future__ import annotations

import contextlib
import json
import queue
import signal
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from support.api import SLEEPER, unique_name
from support.etcd import EtcdServer
from support.launcher import McpLauncher
from support.mcp_process import McpProcess
from support.polling import wait_until
from support.stuck_watch import open_stuck_watch

from mcp import metrics

pytestmark = pytest.mark.e2e

EVENT_TIMEOUT_S = 30.0


class WatchReader:
    """Reads a watch stream in a thread; `next()` hands out its lines as parsed JSON."""

    def __init__(self, base_url: str, params: dict[str, str]) -> None:
        self.lines: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self.status_code: int | None = None
        self._socket: socket.socket | None = None
        self._opened = threading.Event()
        self._client = httpx.Client(base_url=base_url, timeout=httpx.Timeout(5.0, read=None))
        self._thread = threading.Thread(target=self._read, args=(params,), daemon=True)
        self._thread.start()
        assert self._opened.wait(10), "the watch did not answer"

    def _read(self, params: dict[str, str]) -> None:
        try:
            with self._client.stream("GET", "/api/v1/containers", params=params) as response:
                self.status_code = response.status_code
                stream = response.extensions["network_stream"]
                self._socket = stream.get_extra_info("socket")
                self._opened.set()
                for text in response.iter_lines():
                    if text:
                        self.lines.put(json.loads(text))
        except httpx.HTTPError:
            pass  # closed by the test, or mcp went away
        finally:
            self._opened.set()
            self.lines.put(None)  # end of stream

    def next(self, timeout: float = EVENT_TIMEOUT_S) -> dict[str, Any] | None:
        return self.lines.get(timeout=timeout)

    def next_of(self, types: set[str], timeout: float = EVENT_TIMEOUT_S) -> dict[str, Any]:
        """The next line of one of `types`, skipping others (bookmarks, status changes)."""
        while True:
            item = self.next(timeout)
            assert item is not None, "the stream ended early"
            if item["type"] in types:
                return item

    def ended(self, timeout: float) -> bool:
        """True if the stream ends (possibly after more lines) within `timeout`."""
        try:
            while (item := self.lines.get(timeout=timeout)) is not None:
                del item
        except queue.Empty:
            return False
        return True

    def close(self) -> None:
        # Closing the client does not wake a thread blocked reading an idle stream;
        # shutting the socket down does, as a client that goes away would.
        if self._socket is not None:
            with contextlib.suppress(OSError):
                self._socket.shutdown(socket.SHUT_RDWR)
        self._client.close()
        self._thread.join(timeout=10)


@pytest.fixture
def watcher(mcp: McpProcess) -> Iterator[list[WatchReader]]:
    readers: list[WatchReader] = []
    yield readers
    for reader in readers:
        reader.close()


def create(api: httpx.Client, image: str, name: str, labels: dict[str, str] | None = None) -> Any:
    body = {
        "metadata": {"name": name, "labels": labels or {}},
        "spec": {"image": image, "args": SLEEPER},
    }
    response = api.post("/api/v1/containers", json=body, params={"wait": "20"})
    assert response.status_code == 201, response.text
    return response.json()


def test_list_then_watch_reports_every_change_in_order(
    mcp: McpProcess, api: httpx.Client, busybox_image: str, watcher: list[WatchReader]
) -> None:
    existing = create(api, busybox_image, unique_name("old"))
    reader = WatchReader(mcp.url, {"watch": "true"})
    watcher.append(reader)
    assert reader.status_code == 200
    first = reader.next_of({"ADDED"})
    assert first["object"]["metadata"]["name"] == existing["metadata"]["name"]

    name = unique_name("new")
    create(api, busybox_image, name)
    added = reader.next_of({"ADDED"})
    assert added["object"]["metadata"]["name"] == name
    # The controller's status writes arrive as MODIFIED of the same object.
    running = reader.next_of({"MODIFIED"})
    while running["object"]["status"]["phase"] != "Running":
        running = reader.next_of({"MODIFIED"})
    assert running["object"]["metadata"]["name"] == name

    assert api.delete(f"/api/v1/containers/{name}").status_code == 202
    deleted = reader.next_of({"DELETED"})
    assert deleted["object"]["metadata"]["name"] == name
    versions = [int(item["object"]["metadata"]["resourceVersion"]) for item in (added, deleted)]
    assert versions == sorted(versions)


def test_resume_from_a_resource_version_sees_only_later_changes(
    mcp: McpProcess, api: httpx.Client, busybox_image: str, watcher: list[WatchReader]
) -> None:
    before = create(api, busybox_image, unique_name("before"))
    listed = api.get("/api/v1/containers").json()
    since = listed["metadata"]["resourceVersion"]
    after_name = unique_name("after")
    create(api, busybox_image, after_name)  # made while no watch was open

    reader = WatchReader(mcp.url, {"watch": "true", "resourceVersion": since})
    watcher.append(reader)
    item = reader.next_of({"ADDED", "MODIFIED", "DELETED"})
    assert item["type"] == "ADDED"
    assert item["object"]["metadata"]["name"] == after_name
    assert int(item["object"]["metadata"]["resourceVersion"]) > int(since)
    assert before["metadata"]["name"] != after_name


def test_watch_from_compacted_history_is_410(
    mcp: McpProcess, api: httpx.Client, busybox_image: str, etcd: EtcdServer
) -> None:
    create(api, busybox_image, unique_name("c"))
    old = api.get("/api/v1/containers").json()["metadata"]["resourceVersion"]
    create(api, busybox_image, unique_name("c"))
    etcd.compact()
    response = api.get("/api/v1/containers", params={"watch": "true", "resourceVersion": old})
    assert response.status_code == 410
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["status"] == 410
    # The cure is to list again and watch from the list's version.
    fresh = api.get("/api/v1/containers").json()["metadata"]["resourceVersion"]
    with api.stream(
        "GET", "/api/v1/containers", params={"watch": "true", "resourceVersion": fresh}
    ) as stream:
        assert stream.status_code == 200


def test_idle_stream_sends_bookmarks(mcp_launcher: McpLauncher, busybox_image: str) -> None:
    mcp = mcp_launcher.start(extra_args=["--bookmark-interval", "0.5"])
    reader = WatchReader(mcp.url, {"watch": "true"})
    try:
        item = reader.next(timeout=10)
        assert item is not None
        assert item["type"] == "BOOKMARK"
        assert int(item["object"]["metadata"]["resourceVersion"]) > 0
    finally:
        reader.close()


def test_label_selector_filters_the_stream(
    mcp: McpProcess, api: httpx.Client, busybox_image: str, watcher: list[WatchReader]
) -> None:
    reader = WatchReader(mcp.url, {"watch": "true", "labelSelector": "tier=web"})
    watcher.append(reader)
    create(api, busybox_image, unique_name("db"), {"tier": "db"})
    web = unique_name("web")
    create(api, busybox_image, web, {"tier": "web"})
    added = reader.next_of({"ADDED"})
    assert added["object"]["metadata"]["name"] == web
    # Relabelled out of the selector: the stream reports it gone.
    patch = {"metadata": {"labels": {"tier": "cache"}}}
    response = api.patch(
        f"/api/v1/containers/{web}",
        content=json.dumps(patch),
        headers={"content-type": "application/merge-patch+json"},
    )
    assert response.status_code == 200, response.text
    assert reader.next_of({"DELETED"})["object"]["metadata"]["name"] == web


def test_streams_end_when_mcp_shuts_down(
    mcp: McpProcess, api: httpx.Client, busybox_image: str, watcher: list[WatchReader]
) -> None:
    reader = WatchReader(mcp.url, {"watch": "true"})
    watcher.append(reader)
    # A client that leaves does not disturb the others, nor mcp.
    leaver = WatchReader(mcp.url, {"watch": "true"})
    leaver.close()
    create(api, busybox_image, unique_name("x"))
    assert reader.next_of({"ADDED"})
    mcp.signal(signal.SIGTERM)
    assert reader.ended(timeout=10)
    assert mcp.wait(timeout=12) == 0
    errors = [r for r in mcp.json_logs() if r.get("level") in ("error", "critical")]
    assert errors == []


# --- watchers that stop reading ------------------------------------------------------------

STUCK_WATCHERS = 4
# Enough changes to fill a stuck stream's buffer (`cache.STREAM_BUFFER` changes) and the
# kernel's socket buffers on both sides, several times over.
SLOW_CLIENT_PATCHES = 3000
PATCH_THREADS = 4


END_OF_STREAM = b"\n\r\n0\r\n\r\n"  # a line's chunk, then the last (empty) chunk


def drain(sock: socket.socket, timeout: float = EVENT_TIMEOUT_S) -> bytes:
    """Everything left on the socket, up to the end of the chunked response; fails if mcp
    keeps the stream going (an open stream sends bookmarks, so a quiet socket is no sign
    of its end). hypercorn keeps the connection itself open after the response."""
    received = bytearray()
    deadline = time.monotonic() + timeout
    while not received.endswith(END_OF_STREAM) and (left := deadline - time.monotonic()) > 0:
        sock.settimeout(left)
        try:
            chunk = sock.recv(65536)
        except TimeoutError:
            break
        if not chunk:
            break
        received += chunk
    assert received.endswith(END_OF_STREAM), f"the stream did not end: {bytes(received[-200:])!r}"
    return bytes(received)


def patch_labels(url: str, name: str, seqs: range) -> list[int]:
    """Merge-patch label `seq` for each seq; the resourceVersion of each write."""
    versions = []
    headers = {"content-type": "application/merge-patch+json"}
    with httpx.Client(base_url=url, timeout=60.0, headers=headers) as client:
        for seq in seqs:
            patch = json.dumps({"metadata": {"labels": {"seq": str(seq)}}})
            response = client.patch(f"/api/v1/containers/{name}", content=patch)
            assert response.status_code == 200, response.text
            versions.append(int(response.json()["metadata"]["resourceVersion"]))
    return versions


def scrape(api: httpx.Client) -> dict[str, float]:
    return metrics.parse(api.get("/metrics").text)


def test_watchers_that_stop_reading_are_dropped_and_a_reader_gets_every_change(
    mcp_launcher: McpLauncher, busybox_image: str
) -> None:
    mcp = mcp_launcher.start(extra_args=["--controllers", "none"])
    with httpx.Client(base_url=mcp.url, timeout=60.0) as api:
        name = unique_name("slow")
        body = {"metadata": {"name": name}, "spec": {"image": busybox_image, "args": SLEEPER}}
        assert api.post("/api/v1/containers", json=body).status_code == 201
        since = api.get("/api/v1/containers").json()["metadata"]["resourceVersion"]
        path = f"/api/v1/containers?watch=true&resourceVersion={since}"
        stuck = [open_stuck_watch(mcp.url, path) for _ in range(STUCK_WATCHERS)]
        reader = WatchReader(mcp.url, {"watch": "true", "resourceVersion": since})
        try:
            results: list[list[int]] = [[] for _ in range(PATCH_THREADS)]

            def write(index: int) -> None:
                seqs = range(index, SLOW_CLIENT_PATCHES, PATCH_THREADS)
                results[index] = patch_labels(mcp.url, name, seqs)

            writers = [
                threading.Thread(target=write, args=(index,)) for index in range(PATCH_THREADS)
            ]
            for thread in writers:
                thread.start()
            for thread in writers:
                thread.join()
            written = sorted(version for versions in results for version in versions)
            assert len(written) == SLOW_CLIENT_PATCHES

            # The reader got each write once, in order, and nothing else.
            seen: list[int] = []
            while not seen or seen[-1] < written[-1]:
                item = reader.next_of({"ADDED", "MODIFIED", "DELETED", "ERROR"})
                assert item["type"] == "MODIFIED", item
                seen.append(int(item["object"]["metadata"]["resourceVersion"]))
            assert seen == written

            # mcp ended the stuck streams: once drained, each response ends, short of the
            # changes a reader had (mcp did not hang on to them), and with no bookmark
            # after the drop (it would claim changes the stream never carried).
            for sock in stuck:
                left = drain(sock)
                assert left.count(b'"MODIFIED"') < SLOW_CLIENT_PATCHES
                assert b"BOOKMARK" not in left
            scraped = scrape(api)
            dropped = scraped.get('mcp_watch_streams_dropped_total{reason="buffer_full"}', 0)
            assert dropped == STUCK_WATCHERS, scraped
            assert scraped["mcp_watch_streams"] == 1  # the reader's
        finally:
            reader.close()
            for sock in stuck:
                sock.close()
        assert wait_until(lambda: scrape(api)["mcp_watch_streams"] == 0, timeout=EVENT_TIMEOUT_S)
    errors = [r for r in mcp.json_logs() if r.get("level") in ("error", "critical")]
    assert errors == []
    drops = [r for r in mcp.json_logs() if r.get("event") == "watch_stream_dropped"]
    assert len(drops) == STUCK_WATCHERS
    assert all(r["reason"] == "buffer_full" and "revision" in r for r in drops)
