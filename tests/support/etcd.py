"""A real single-member etcd for tests, on free loopback ports with a temporary data dir.

`open_etcd` starts it and always terminates it. The returned `EtcdServer` can be stopped and
started again on the same ports and data (to test outages), or paused with SIGSTOP (to test an
etcd that stops answering without closing connections). Its output goes to a log file in the
data dir's parent, named in every error.

Also here: reading a key through etcd's v3 JSON gateway, so tests can inspect what mcp stored
without a client library.
"""

from __future__ import annotations

import base64
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import httpx

from support.ports import free_port

START_TIMEOUT_S = 20.0
STOP_TIMEOUT_S = 10.0


class EtcdError(RuntimeError):
    """The test etcd could not be started or did not answer."""


def find_etcd() -> Path:
    """Return the etcd binary: /usr/bin/etcd, else the first `etcd` on PATH.

    Raises:
        EtcdError: there is none (install Debian's `etcd-server`).
    """
    system = Path("/usr/bin/etcd")
    if system.is_file():
        return system
    found = shutil.which("etcd")
    if found is None:
        raise EtcdError("no etcd binary found; install the etcd-server package")
    return Path(found)


@dataclass
class EtcdServer:
    """One etcd member on 127.0.0.1. Start it with `start()`; see `open_etcd`."""

    binary: Path
    data_dir: Path
    log_path: Path
    port: int
    peer_port: int
    name: str = "mcp-test"
    _process: subprocess.Popen[bytes] | None = field(default=None, repr=False)
    _log_file: IO[bytes] | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        """The client URL, like "http://127.0.0.1:23791"."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def running(self) -> bool:
        """Whether the etcd process is alive (it may be paused)."""
        return self._process is not None and self._process.poll() is None

    def _argv(self) -> list[str]:
        peer_url = f"http://127.0.0.1:{self.peer_port}"
        return [
            str(self.binary),
            "--name",
            self.name,
            "--data-dir",
            str(self.data_dir),
            "--listen-client-urls",
            self.url,
            "--advertise-client-urls",
            self.url,
            "--listen-peer-urls",
            peer_url,
            "--initial-advertise-peer-urls",
            peer_url,
            "--initial-cluster",
            f"{self.name}={peer_url}",
            "--initial-cluster-state",
            "new",
            "--initial-cluster-token",
            f"mcp-test-{self.port}",
        ]

    def start(self, timeout: float = START_TIMEOUT_S) -> None:
        """Start etcd (again) and return once it reports itself healthy.

        Raises:
            EtcdError: it exited or did not become healthy within `timeout` seconds.
        """
        if self.running:
            raise EtcdError("etcd is already running")
        self._close_log()
        self._log_file = self.log_path.open("ab")
        self._process = subprocess.Popen(
            self._argv(),
            stdin=subprocess.DEVNULL,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        while not self.healthy():
            if self._process.poll() is not None:
                raise EtcdError(f"etcd exited with {self._process.returncode}:\n{self.log_tail()}")
            if time.monotonic() > deadline:
                self.stop()
                raise EtcdError(f"etcd not healthy after {timeout} s:\n{self.log_tail()}")
            time.sleep(0.1)

    def healthy(self) -> bool:
        """Whether etcd answers GET /health with {"health": "true"}."""
        try:
            response = httpx.get(f"{self.url}/health", timeout=1.0)
            return response.status_code == 200 and response.json().get("health") == "true"
        except (httpx.HTTPError, ValueError):
            return False

    def stop(self, timeout: float = STOP_TIMEOUT_S) -> None:
        """Terminate etcd (SIGTERM, then SIGKILL) and wait until it is gone. Idempotent."""
        process = self._process
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGCONT)  # a paused etcd cannot act on SIGTERM
            process.terminate()
            try:
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=timeout)
        self._process = None
        self._close_log()

    def restart(self) -> None:
        """Stop etcd and start it again on the same ports and data."""
        self.stop()
        self.start()

    def pause(self) -> None:
        """Freeze etcd with SIGSTOP: connections stay open but nothing answers."""
        self._signal(signal.SIGSTOP)

    def resume(self) -> None:
        """Undo `pause`."""
        self._signal(signal.SIGCONT)

    def _signal(self, signum: signal.Signals) -> None:
        if self._process is None or self._process.poll() is not None:
            raise EtcdError("etcd is not running")
        os.kill(self._process.pid, signum)

    def _close_log(self) -> None:
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None

    def log_tail(self, lines: int = 40) -> str:
        """The last lines etcd wrote, for error messages."""
        try:
            text = self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return "(no etcd log)"
        return "\n".join(text.splitlines()[-lines:])

    # --- behind mcp's back, through etcd's v3 JSON gateway -------------------------------

    def _gateway(self, path: str, body: dict[str, Any], timeout: float = 5.0) -> dict[str, Any]:
        response = httpx.post(f"{self.url}/v3/{path}", json=body, timeout=timeout)
        response.raise_for_status()
        answer: dict[str, Any] = response.json()
        return answer

    def get(self, key: str) -> str | None:
        """Read one key; None if it does not exist."""
        kvs = self._gateway("kv/range", {"key": _b64(key)}).get("kvs") or []
        if not kvs:
            return None
        return base64.b64decode(kvs[0].get("value", "")).decode()

    def put(self, key: str, value: str) -> None:
        """Write one key."""
        self._gateway("kv/put", {"key": _b64(key), "value": _b64(value)})

    def delete(self, key: str) -> int:
        """Delete one key; the number of keys deleted."""
        return int(self._gateway("kv/deleterange", {"key": _b64(key)}).get("deleted", 0))

    def compact(self) -> int:
        """Compact the whole history up to now; the revision compacted to."""
        revision = int(self._gateway("kv/range", {"key": "AA=="})["header"]["revision"])
        self._gateway("kv/compaction", {"revision": str(revision), "physical": True}, 10.0)
        return revision

    def count_prefix(self, prefix: str) -> int:
        """Count the keys under `prefix`."""
        key = prefix.encode()
        range_end = key[:-1] + bytes([key[-1] + 1])
        body = {
            "key": base64.b64encode(key).decode(),
            "range_end": base64.b64encode(range_end).decode(),
            "count_only": True,
        }
        return int(self._gateway("kv/range", body).get("count", 0))


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


@contextmanager
def open_etcd(work_dir: Path) -> Iterator[EtcdServer]:
    """Start a fresh etcd under `work_dir`, yield it healthy, and always terminate it.

    Args:
        work_dir: an empty, writable directory; etcd keeps its data and log there.

    Yields:
        The running `EtcdServer`.
    """
    client_port = free_port()
    peer_port = free_port()
    while peer_port == client_port:
        peer_port = free_port()
    server = EtcdServer(
        binary=find_etcd(),
        data_dir=work_dir / "data",
        log_path=work_dir / "etcd.log",
        port=client_port,
        peer_port=peer_port,
    )
    try:
        server.start()
        yield server
    finally:
        server.stop()
