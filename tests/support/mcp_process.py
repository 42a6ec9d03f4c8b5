"""A real `mcp run` process, started the way an operator would start it.

`McpProcess.spawn` launches `python -m mcp run ...` with stdout and stderr going to files (a pipe
nobody reads could block the product), `wait_healthy` polls GET /healthz, and the methods signal,
wait for and kill it as an operator would. The child's environment has every inherited `MCP_*`
variable removed, so a developer's shell settings cannot leak into a test; tests pass the ones
they mean explicitly. It runs in a directory of the test's own (so the repository's
`config/mcp.toml`, if any, is not read) with the repository on PYTHONPATH.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import httpx

from support.ports import free_port

HEALTHY_TIMEOUT_S = 20.0
# Where `python -m mcp` is imported from: the repository root.
REPO_ROOT = Path(__file__).resolve().parents[2]


class McpStartError(RuntimeError):
    """`mcp run` exited or did not become healthy; the message carries its output."""


def child_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment for an mcp child: ours without `MCP_*`, the repo on PYTHONPATH, `extra`."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("MCP_")}
    env["PYTHONPATH"] = os.pathsep.join(
        path for path in (str(REPO_ROOT), os.environ.get("PYTHONPATH", "")) if path
    )
    env.update(extra or {})
    return env


def run_argv(
    *,
    listen: str | None,
    etcd_url: str | None,
    prefix: str | None,
    data_dir: Path | None,
    extra_args: Sequence[str] = (),
) -> list[str]:
    """The argv of `mcp run` with JSON logs; a None setting leaves its flag out."""
    argv = [sys.executable, "-m", "mcp", "run", "--log-format", "json"]
    if listen is not None:
        argv += ["--listen", listen]
    if etcd_url is not None:
        argv += ["--etcd", etcd_url]
    if prefix is not None:
        argv += ["--etcd-prefix", prefix]
    if data_dir is not None:
        argv += ["--data-dir", str(data_dir)]
    argv += list(extra_args)
    return argv


class McpProcess:
    """One `mcp run` child process. Create with `spawn`; see also the `start_mcp` fixture."""

    def __init__(
        self, process: subprocess.Popen[bytes], *, url: str, stdout_path: Path, stderr_path: Path
    ) -> None:
        self._process = process
        self._asked_to_stop = False
        self.url = url
        self.stdout_path = stdout_path
        self.stderr_path = stderr_path

    @classmethod
    def spawn(
        cls,
        argv: Sequence[str],
        *,
        log_dir: Path,
        url: str,
        env: Mapping[str, str] | None = None,
        cwd: Path | None = None,
    ) -> McpProcess:
        """Start `argv` without waiting for it to be ready.

        Args:
            argv: the full command line, e.g. from `run_argv`.
            log_dir: an existing directory; gets `<n>.stdout` and `<n>.stderr` files.
            url: the base URL the process will serve, e.g. "http://127.0.0.1:8123".
            env: extra environment variables (inherited `MCP_*` ones are dropped).
            cwd: the working directory; default `log_dir`.
        """
        stem = f"mcp-{time.monotonic_ns()}"
        stdout_path = log_dir / f"{stem}.stdout"
        stderr_path = log_dir / f"{stem}.stderr"
        with stdout_path.open("wb") as stdout, stderr_path.open("wb") as stderr:
            process = subprocess.Popen(
                list(argv),
                stdin=subprocess.DEVNULL,
                stdout=stdout,
                stderr=stderr,
                cwd=log_dir if cwd is None else cwd,
                env=child_env(env),
            )
        return cls(process, url=url, stdout_path=stdout_path, stderr_path=stderr_path)

    @classmethod
    def start(
        cls,
        *,
        etcd_url: str | None,
        prefix: str | None,
        data_dir: Path,
        log_dir: Path,
        extra_args: Sequence[str] = (),
        env: Mapping[str, str] | None = None,
        timeout: float = HEALTHY_TIMEOUT_S,
    ) -> McpProcess:
        """Start `mcp run` on a free port and return once GET /healthz answers 200.

        Raises:
            McpStartError: it exited, or was not healthy within `timeout` (it is then killed).
        """
        listen = f"127.0.0.1:{free_port()}"
        argv = run_argv(
            listen=listen,
            etcd_url=etcd_url,
            prefix=prefix,
            data_dir=data_dir,
            extra_args=extra_args,
        )
        process = cls.spawn(argv, log_dir=log_dir, url=f"http://{listen}", env=env)
        try:
            process.wait_healthy(timeout)
        except BaseException:
            process.kill()
            raise
        return process

    @property
    def pid(self) -> int:
        """The child's process id."""
        return self._process.pid

    @property
    def returncode(self) -> int | None:
        """The exit code, or None while it runs."""
        return self._process.poll()

    def wait_healthy(self, timeout: float = HEALTHY_TIMEOUT_S) -> None:
        """Poll GET /healthz until it answers 200.

        Raises:
            McpStartError: the process exited first, or `timeout` passed.
        """
        deadline = time.monotonic() + timeout
        last_error = "no answer yet"
        while True:
            code = self._process.poll()
            if code is not None:
                raise McpStartError(f"mcp run exited with {code} before it was healthy\n{self}")
            try:
                response = httpx.get(f"{self.url}/healthz", timeout=2.0)
            except httpx.HTTPError as exc:
                last_error = repr(exc)
            else:
                if response.status_code == 200:
                    return
                last_error = f"HTTP {response.status_code}: {response.text[:200]}"
            if time.monotonic() > deadline:
                raise McpStartError(
                    f"mcp run not healthy after {timeout} s ({last_error})\n{self.output()}"
                )
            time.sleep(0.1)

    def signal(self, sig: signal.Signals) -> None:
        """Send `sig` to the process, as `kill -<sig>` would."""
        if sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            self._asked_to_stop = True
        self._process.send_signal(sig)

    def wait(self, timeout: float) -> int:
        """Wait for the process to exit and return its exit code.

        Raises:
            subprocess.TimeoutExpired: it is still running after `timeout` seconds.
        """
        return self._process.wait(timeout=timeout)

    def kill(self) -> None:
        """SIGKILL the process (if still running) and reap it."""
        if self._process.poll() is None:
            self._process.kill()
        self._process.wait(timeout=10.0)

    def terminate(self, grace: float = 15.0) -> int:
        """SIGTERM (unless already asked to stop: a second signal means "exit now"),
        then SIGKILL after `grace` seconds; return the exit code."""
        if self._process.poll() is None:
            if not self._asked_to_stop:
                self.signal(signal.SIGTERM)
            try:
                return self._process.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                self._process.kill()
        return self._process.wait(timeout=10.0)

    def stdout_text(self) -> str:
        """Everything written to stdout so far."""
        return self.stdout_path.read_text(errors="replace")

    def stderr_text(self) -> str:
        """Everything written to stderr so far."""
        return self.stderr_path.read_text(errors="replace")

    def log_lines(self) -> list[str]:
        """The non-empty lines written to stdout so far."""
        return [line for line in self.stdout_text().splitlines() if line.strip()]

    def json_logs(self) -> list[dict[str, Any]]:
        """The stdout lines that parse as JSON objects (others are skipped)."""
        records: list[dict[str, Any]] = []
        for line in self.log_lines():
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if isinstance(record, dict):
                records.append(record)
        return records

    def events(self, event: str) -> list[dict[str, Any]]:
        """The JSON log records whose `event` is `event`."""
        return [record for record in self.json_logs() if record.get("event") == event]

    def output(self, max_chars: int = 20_000) -> str:
        """Both streams, shortened from the front, for failure messages."""
        return (
            f"--- mcp stdout ({self.stdout_path}) ---\n{self.stdout_text()[-max_chars:]}\n"
            f"--- mcp stderr ({self.stderr_path}) ---\n{self.stderr_text()[-max_chars:]}"
        )

    def __str__(self) -> str:
        return f"McpProcess(pid={self.pid}, url={self.url})\n{self.output()}"


def run_to_exit(
    argv: Sequence[str],
    *,
    timeout: float,
    cwd: Path,
    env: Mapping[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run an mcp command that is expected to exit by itself, and return what it did.

    Raises:
        AssertionError: it was still running after `timeout` seconds (it is killed first).
    """
    try:
        return subprocess.run(
            list(argv),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            cwd=cwd,
            env=child_env(env),
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise AssertionError(
            f"{argv} still running after {timeout} s\n"
            f"stdout: {exc.stdout!r}\nstderr: {exc.stderr!r}"
        ) from exc
