"""The README's quick start, as a newcomer types it: `scripts/dev run`, then the curl flow.

The commands come from the README itself, so the README cannot drift from what works: the
first command of the quick start is started on a free port (`scripts/dev run --listen ...`,
with the embedded etcd it starts when none answers), left idle past trio's worker-thread idle
timeout (a start-up bug once killed it there), then every command of "The curl flow" runs
through bash with curl told to fail on an HTTP error. SIGTERM must then leave nothing
listening: neither the API nor the embedded etcd.
"""

from __future__ import annotations

import re
import shutil
import signal
import subprocess
import time
from pathlib import Path

import docker
import pytest
from support.api import unique_name
from support.mcp_process import REPO_ROOT, McpProcess
from support.polling import wait_until
from support.ports import free_port, is_listening

pytestmark = pytest.mark.e2e

README = REPO_ROOT / "README.md"
EMBEDDED_ETCD_PORT = 2379
README_PORT = 8080
README_NAME = "clock"
# Past trio's worker-thread idle timeout (10 s).
IDLE_S = 13.0
# scripts/dev run checks packages, the engine and the venv before it starts mcp.
HEALTHY_TIMEOUT_S = 120.0


def readme_block(heading: str) -> str:
    """The first ```sh block after the line `heading` in the README."""
    text = README.read_text()
    start = text.index(f"\n{heading}\n")
    match = re.search(r"```sh\n(.*?)```", text[start:], re.DOTALL)
    assert match, f"no sh block under {heading!r} in the README"
    return match.group(1)


def shell_commands(block: str) -> list[str]:
    """The block's commands: continuation lines joined, comments and blank lines dropped."""
    commands: list[str] = []
    pending = ""
    for raw in block.splitlines():
        line = raw.rstrip()
        if pending:
            pending += "\n" + line
        elif line and not line.lstrip().startswith("#"):
            pending = line
        if pending and not pending.endswith("\\"):
            commands.append(pending)
            pending = ""
    return commands


def test_readme_quick_start_and_curl_flow(
    tmp_path: Path, docker_client: docker.DockerClient, busybox_image: str
) -> None:
    if is_listening(EMBEDDED_ETCD_PORT):
        pytest.skip(f"port {EMBEDDED_ETCD_PORT} is in use, so mcp would use that etcd instead")
    if shutil.which("curl") is None:
        pytest.skip("curl is not installed")
    quick_start = shell_commands(readme_block("## Quick start"))
    run_command = quick_start[0].split("#")[0].split()
    assert run_command == ["scripts/dev", "run"], quick_start

    port = free_port()
    logs = tmp_path / "logs"
    logs.mkdir()
    argv = [
        str(REPO_ROOT / run_command[0]),
        *run_command[1:],
        "--listen",
        f"127.0.0.1:{port}",
        "--data-dir",
        str(tmp_path / "data"),
    ]
    process = McpProcess.spawn(argv, log_dir=logs, url=f"http://127.0.0.1:{port}")
    try:
        process.wait_healthy(timeout=HEALTHY_TIMEOUT_S)
        time.sleep(IDLE_S)
        assert process.returncode is None, f"mcp exited while idle\n{process.output()}"

        name = unique_name("readme")
        for command in shell_commands(readme_block("## The curl flow")):
            typed = (
                command.replace(f"localhost:{README_PORT}", f"localhost:{port}")
                .replace(f"mcp-{README_NAME}", f"mcp-{name}")
                .replace(f'"{README_NAME}"', f'"{name}"')
                .replace(f"/{README_NAME}", f"/{name}")
            )
            typed = re.sub(r"\bcurl ", "curl --fail-with-body --max-time 60 ", typed)
            done = subprocess.run(
                ["bash", "-c", typed], capture_output=True, text=True, timeout=90, check=False
            )
            assert done.returncode == 0, (
                f"{typed}\nexit {done.returncode}\nstdout: {done.stdout}\nstderr: {done.stderr}"
            )
        # The flow ends with DELETE: its container is gone from Docker too.
        assert docker_client.containers.list(all=True, filters={"name": f"mcp-{name}"}) == []

        process.signal(signal.SIGTERM)
        assert process.wait(timeout=15.0) == 0, process.output()
        wait_until(
            lambda: not is_listening(port) and not is_listening(EMBEDDED_ETCD_PORT),
            timeout=5.0,
            message=f"nothing listening on {port} (API) or {EMBEDDED_ETCD_PORT} (etcd)",
        )
    finally:
        process.terminate(grace=15.0)
        print(process.output())
