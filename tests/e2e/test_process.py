"""`mcp run` as an operator sees it: its logs, its signals, its restarts, its start-up errors.

Containers must outlive the control plane: SIGTERM/SIGINT end mcp with exit code 0 and leave
workloads running, and a new mcp on the same etcd prefix adopts them instead of duplicating them.
"""

from __future__ import annotations

import json
import re
import signal
import subprocess
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import docker
import httpx
import pytest
from support.api import STUBBORN, body_of, create, get_object, unique_name, wait_phase
from support.containers import docker_status, labelled
from support.etcd import EtcdServer
from support.launcher import McpLauncher
from support.mcp_process import McpProcess, run_argv, run_to_exit
from support.polling import wait_until
from support.ports import free_port, is_listening

from mcp import metrics

pytestmark = pytest.mark.e2e

# SIGTERM/SIGINT: exit within the default 10 s grace period, plus interpreter start/stop slack.
EXIT_TIMEOUT_S = 12.0
EMBEDDED_ETCD_PORT = 2379
# trio ends a worker thread idle this long (IDLE_TIMEOUT in trio/_core/_thread_cache.py).
TRIO_WORKER_IDLE_TIMEOUT_S = 10.0


def started_at(client: docker.DockerClient, container_id: str) -> str:
    started: str = client.containers.get(container_id).attrs["State"]["StartedAt"]
    return started


def wait_embedded_etcd_gone(timeout: float) -> None:
    wait_until(
        lambda: not is_listening(EMBEDDED_ETCD_PORT),
        timeout=timeout,
        message=f"the embedded etcd still listens on {EMBEDDED_ETCD_PORT} after mcp ended",
    )


def stop_gracefully(process: McpProcess, sig: signal.Signals = signal.SIGTERM) -> float:
    """Signal `process`, assert it exits 0 within the grace period, return the time it took."""
    begun = time.monotonic()
    process.signal(sig)
    code = process.wait(timeout=EXIT_TIMEOUT_S)
    elapsed = time.monotonic() - begun
    assert code == 0, f"exit code {code} after {sig.name}\n{process.output()}"
    return elapsed


def assert_log_record(line: str) -> dict[str, Any]:
    try:
        record = json.loads(line)
    except ValueError:
        pytest.fail(f"stdout line is not JSON: {line!r}")
    assert isinstance(record, dict), line
    assert isinstance(record.get("event"), str), line
    assert record["event"], line
    assert isinstance(record.get("level"), str), line
    timestamp = record.get("timestamp")
    assert isinstance(timestamp, str), line
    parsed = datetime.fromisoformat(timestamp)
    assert parsed.utcoffset() == timedelta(0), f"timestamp not in UTC: {line!r}"
    return record


def test_stdout_is_json_lines_only(
    mcp_launcher: McpLauncher, docker_client: docker.DockerClient, busybox_image: str
) -> None:
    mcp = mcp_launcher.start()
    with httpx.Client(base_url=mcp.url, timeout=60.0) as api:
        # A bit of everything, so access logs and error paths get a chance to print.
        api.get("/healthz")
        api.get("/containers")
        api.get("/containers/nope")
        api.post("/containers/create", content=b"{", headers={"content-type": "application/json"})
        api.post("/containers/create", json={"cmd": ["true"]})
        name = unique_name("log")
        body_of(create(api, image=busybox_image, name=name, state="running"), 201)
        body_of(api.post(f"/containers/{name}/stop"), 200)

    stop_gracefully(mcp)

    lines = mcp.log_lines()
    assert lines, "mcp printed nothing on stdout"
    records = [assert_log_record(line) for line in mcp.stdout_text().splitlines()]
    assert records
    assert any(record.get("level") in ("info", "INFO") for record in records)


def test_one_access_log_line_per_request(mcp: McpProcess) -> None:
    """Every request is logged once, with its status: on connections that close after the
    response (curl, `Connection: close`) hypercorn reports the request twice, once without
    a status, and a request count from the log was off by about half."""
    port = mcp.url.rsplit(":", 1)[1]
    # A marker request: lines of earlier requests (the health polls of start-up) may still
    # be on their way when it is sent, but not after its own line has come.
    marker = f"/containers/{unique_name('marker')}"
    httpx.get(f"{mcp.url}{marker}", timeout=30.0)
    wait_until(
        lambda: any(line["path"] == marker for line in mcp.events("http_request")),
        timeout=5.0,
        message="the marker request's access log line",
    )
    before = len(mcp.events("http_request"))
    for _ in range(5):  # one connection each, closed after the response
        subprocess.run(
            ["curl", "-s", "-o", "/dev/null", f"http://127.0.0.1:{port}/healthz"],
            check=True,
            timeout=30,
        )
    with httpx.Client(base_url=mcp.url, timeout=30.0) as api:
        for _ in range(5):  # one keep-alive connection
            api.get("/containers")
        for _ in range(5):
            api.get("/containers/nope", headers={"Connection": "close"})
        api.get("/healthz", headers={"Host": "rebound.example"})  # refused by the guard
        # A watch the client leaves before the server ends it: logged once, as cut short.
        with api.stream("GET", "/api/v1/containers", params={"watch": "true"}) as stream:
            assert stream.status_code == 200
    wait_until(
        lambda: len(mcp.events("http_request")) >= before + 17,
        timeout=5.0,
        message="an access log line for every request",
    )
    time.sleep(0.5)  # a second line of any request would have come by now
    lines = mcp.events("http_request")[before:]
    assert sorted((line["path"], line["status"]) for line in lines) == sorted(
        [("/healthz", 200)] * 5
        + [("/containers", 200)] * 5
        + [("/containers/nope", 404)] * 5
        + [("/healthz", 421), ("/api/v1/containers", 200)]
    ), lines
    assert [line["path"] for line in lines if line.get("client_disconnected")] == [
        "/api/v1/containers"
    ]


# SIGHUP: the terminal mcp runs in was closed. It once killed mcp at once (exit 129).
@pytest.mark.parametrize(
    "sig", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP], ids=["SIGTERM", "SIGINT", "SIGHUP"]
)
def test_signal_exits_0_and_containers_keep_running(
    mcp_launcher: McpLauncher,
    docker_client: docker.DockerClient,
    busybox_image: str,
    sig: signal.Signals,
) -> None:
    mcp = mcp_launcher.start()
    with httpx.Client(base_url=mcp.url, timeout=60.0) as api:
        obj = body_of(
            create(api, image=busybox_image, name=unique_name("keep"), state="running"), 201
        )
    container_id = obj["container_id"]
    before = started_at(docker_client, container_id)

    elapsed = stop_gracefully(mcp, sig)

    assert elapsed < EXIT_TIMEOUT_S
    assert [r["signal"] for r in mcp.json_logs() if r["event"] == "shutdown_requested"] == [
        sig.name
    ]
    assert any(record["event"] == "mcp_stopped" for record in mcp.json_logs())
    assert docker_status(docker_client, container_id) == "running"
    assert started_at(docker_client, container_id) == before, "container was restarted"
    # The API is gone with the process.
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{mcp.url}/healthz", timeout=2.0)


def start_busy_with_a_stop(
    mcp_launcher: McpLauncher,
    docker_client: docker.DockerClient,
    busybox_image: str,
    grace_s: float,
) -> McpProcess:
    """An mcp whose controller is in the middle of a slow Docker stop.

    Stopping a container that ignores SIGTERM keeps Docker busy for its kill timeout (10 s).
    """
    mcp = mcp_launcher.start(extra_args=["--grace-period", str(grace_s)])
    with httpx.Client(base_url=mcp.url, timeout=60.0) as api:
        name = unique_name("busy")
        obj = body_of(
            create(api, image=busybox_image, name=name, cmd=STUBBORN, state="running"), 201
        )
        body_of(api.post(f"/containers/{name}/stop", params={"wait": "0"}), 202)
    time.sleep(0.5)  # let the controller start the Docker stop
    assert docker_status(docker_client, obj["container_id"]) == "running"
    return mcp


def test_grace_period_bounds_shutdown_while_docker_is_busy(
    mcp_launcher: McpLauncher, docker_client: docker.DockerClient, busybox_image: str
) -> None:
    # A shutdown in the middle of a slow stop must still end within --grace-period.
    grace = 2.0
    mcp = start_busy_with_a_stop(mcp_launcher, docker_client, busybox_image, grace)

    elapsed = stop_gracefully(mcp)

    assert elapsed < grace + 3.0, f"took {elapsed:.1f} s with --grace-period {grace}"


def test_second_signal_exits_at_once(
    mcp_launcher: McpLauncher, docker_client: docker.DockerClient, busybox_image: str
) -> None:
    # With a long grace period, the first SIGTERM starts a graceful shutdown that waits for
    # the ~10 s Docker stop; the second ends the process now.
    mcp = start_busy_with_a_stop(mcp_launcher, docker_client, busybox_image, 30.0)

    mcp.signal(signal.SIGTERM)
    time.sleep(0.5)
    begun = time.monotonic()
    mcp.signal(signal.SIGTERM)
    code = mcp.wait(timeout=EXIT_TIMEOUT_S)
    assert time.monotonic() - begun < 3.0
    assert code != 0, "a forced exit must not look like a clean one"
    assert any(record["event"] == "shutdown_forced" for record in mcp.json_logs())


def test_restart_adopts_existing_containers(
    mcp_launcher: McpLauncher, docker_client: docker.DockerClient, busybox_image: str
) -> None:
    first = mcp_launcher.start()
    with httpx.Client(base_url=first.url, timeout=60.0) as api:
        running = body_of(
            create(api, image=busybox_image, name=unique_name("up"), state="running"), 201
        )
        stopped = body_of(create(api, image=busybox_image, name=unique_name("down")), 201)
    running_started = started_at(docker_client, running["container_id"])
    stop_gracefully(first)

    second = mcp_launcher.start()

    with httpx.Client(base_url=second.url, timeout=60.0) as api:
        items = body_of(api.get("/containers"), 200)["items"]
        assert sorted(item["uid"] for item in items) == sorted([running["uid"], stopped["uid"]])
        again = wait_phase(api, running["name"], "Running")
        assert again["container_id"] == running["container_id"]
        assert again["uid"] == running["uid"]
        idle = wait_phase(api, stopped["name"], "Stopped")
        assert idle["container_id"] == stopped["container_id"]
        # Give a duplicating controller time to show itself, then count.
        time.sleep(2.0)
        for obj in (running, stopped):
            assert [c.id for c in labelled(docker_client, mcp_uid=obj["uid"])] == [
                obj["container_id"]
            ], obj["name"]
        assert docker_status(docker_client, running["container_id"]) == "running"
        assert started_at(docker_client, running["container_id"]) == running_started
        assert docker_status(docker_client, stopped["container_id"]) == "created"
        # Adopting unchanged containers took one Docker list (plus the orphan sweep's),
        # not a call per container.
        scraped = metrics.parse(api.get("/metrics").text)
        assert scraped["mcp_containers_adopted_total"] == 2
        assert scraped['mcp_docker_requests_total{operation="containers"}'] <= 2
        assert 'mcp_docker_requests_total{operation="inspect_container"}' not in scraped

        # The adopted containers are really managed: the new process can drive them.
        after_stop = body_of(api.post(f"/containers/{running['name']}/stop"), 200)
        assert after_stop["container_id"] == running["container_id"]
        assert docker_status(docker_client, running["container_id"]) == "exited"
        after_start = body_of(api.post(f"/containers/{stopped['uid']}/start"), 200)
        assert after_start["container_id"] == stopped["container_id"]
        assert docker_status(docker_client, stopped["container_id"]) == "running"
    stop_gracefully(second)


# --- configuration ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "env", "setting"),
    [
        pytest.param(["--listen", "nonsense"], {}, r"listen", id="listen-flag"),
        pytest.param(["--log-level", "loud"], {}, r"log[-_ ]level", id="log-level-flag"),
        pytest.param(["--log-format", "xml"], {}, r"log[-_ ]format", id="log-format-flag"),
        pytest.param(["--grace-period", "soon"], {}, r"grace[-_ ]period", id="grace-flag"),
        pytest.param([], {"MCP_LOG_LEVEL": "loud"}, r"log[-_ ]level", id="log-level-env"),
        pytest.param([], {"MCP_LISTEN": "nonsense"}, r"listen", id="listen-env"),
        pytest.param(["--config", "/nonexistent/mcp.toml"], {}, r"config", id="config-missing"),
    ],
)
def test_invalid_config_exits_with_a_clear_message(
    etcd: EtcdServer,
    etcd_prefix: str,
    tmp_path: Path,
    args: list[str],
    env: dict[str, str],
    setting: str,
) -> None:
    # No --listen of our own where the test sets one (a flag would also beat MCP_LISTEN).
    own_listen = "--listen" not in args and "MCP_LISTEN" not in env
    argv = run_argv(
        listen=f"127.0.0.1:{free_port()}" if own_listen else None,
        etcd_url=etcd.url,
        prefix=etcd_prefix,
        data_dir=tmp_path,
        extra_args=args,
    )

    begun = time.monotonic()
    result = run_to_exit(argv, timeout=15.0, cwd=tmp_path, env=env)
    elapsed = time.monotonic() - begun

    assert result.returncode != 0, result
    assert elapsed < 10.0
    assert re.search(setting, result.stderr, re.IGNORECASE), (
        f"stderr does not name {setting!r}: {result.stderr!r}"
    )
    assert "Traceback" not in result.stderr, result.stderr


def test_config_layers_file_then_env_then_flag(
    mcp_launcher: McpLauncher, tmp_path: Path, etcd: EtcdServer, etcd_prefix: str
) -> None:
    file_port, env_port, flag_port = free_port(), free_port(), free_port()
    config_file = tmp_path / "mcp.toml"
    config_file.write_text(f'listen = "127.0.0.1:{file_port}"\n')

    def start(listen_flag: int | None, env_port: int | None) -> McpProcess:
        args = ["--config", str(config_file)]
        port = file_port
        if listen_flag is not None:
            args += ["--listen", f"127.0.0.1:{listen_flag}"]
            port = listen_flag
        elif env_port is not None:
            port = env_port
        env = {} if env_port is None else {"MCP_LISTEN": f"127.0.0.1:{env_port}"}
        argv = run_argv(
            listen=None,
            etcd_url=etcd.url,
            prefix=etcd_prefix,
            data_dir=mcp_launcher.data_dir,
            extra_args=args,
        )
        process = mcp_launcher.spawn(argv, url=f"http://127.0.0.1:{port}", env=env)
        process.wait_healthy()
        return process

    for listen_flag, env_value, expected in [
        (None, None, file_port),
        (None, env_port, env_port),
        (flag_port, env_port, flag_port),
    ]:
        process = start(listen_flag, env_value)
        assert process.url == f"http://127.0.0.1:{expected}"
        others = {file_port, env_port, flag_port} - {expected}
        assert not any(is_listening(port) for port in others)
        stop_gracefully(process)


def test_unreachable_docker_exits_with_a_message(
    etcd: EtcdServer, etcd_prefix: str, tmp_path: Path
) -> None:
    argv = run_argv(
        listen=f"127.0.0.1:{free_port()}",
        etcd_url=etcd.url,
        prefix=etcd_prefix,
        data_dir=tmp_path,
        extra_args=["--docker-host", "unix:///nonexistent.sock"],
    )

    result = run_to_exit(argv, timeout=30.0, cwd=tmp_path)

    assert result.returncode != 0, result
    output = result.stdout + result.stderr
    assert "docker" in output.lower(), output
    assert "/nonexistent.sock" in output, output
    assert "Traceback" not in result.stderr, result.stderr


def test_unreachable_etcd_exits_with_a_message(tmp_path: Path) -> None:
    closed_port = free_port()
    url = f"http://127.0.0.1:{closed_port}"
    argv = run_argv(
        listen=f"127.0.0.1:{free_port()}",
        etcd_url=url,
        prefix="/mcp-test-unreachable",
        data_dir=tmp_path,
    )

    begun = time.monotonic()
    result = run_to_exit(argv, timeout=30.0, cwd=tmp_path)
    elapsed = time.monotonic() - begun

    assert result.returncode != 0, result
    assert elapsed < 20.0, f"took {elapsed:.1f} s to give up on etcd"
    output = result.stdout + result.stderr
    assert "etcd" in output.lower(), output
    assert f"127.0.0.1:{closed_port}" in output, output
    assert "Traceback" not in result.stderr, result.stderr
    assert not is_listening(closed_port), "mcp started something on the --etcd port"


# --- embedded etcd -----------------------------------------------------------------------


def test_embedded_etcd_when_none_is_configured(
    mcp_launcher: McpLauncher, docker_client: docker.DockerClient, busybox_image: str
) -> None:
    if is_listening(EMBEDDED_ETCD_PORT):
        pytest.skip(f"port {EMBEDDED_ETCD_PORT} is in use, so mcp would use that etcd instead")
    port = free_port()
    argv = run_argv(
        listen=f"127.0.0.1:{port}",
        etcd_url=None,
        prefix=None,
        data_dir=mcp_launcher.data_dir,
    )
    process = mcp_launcher.spawn(argv, url=f"http://127.0.0.1:{port}")
    process.wait_healthy(timeout=40.0)

    assert is_listening(EMBEDDED_ETCD_PORT)
    with httpx.Client(base_url=process.url, timeout=60.0) as api:
        name = unique_name("emb")
        obj = body_of(create(api, image=busybox_image, name=name, state="running"), 201)
        assert get_object(api, name)["uid"] == obj["uid"]
    assert any(path.is_file() for path in mcp_launcher.data_dir.rglob("*")), (
        "no embedded etcd data under --data-dir"
    )

    stop_gracefully(process)

    assert process.events("embedded_etcd_started"), process.output()
    wait_embedded_etcd_gone(timeout=2.0)
    assert docker_status(docker_client, obj["container_id"]) == "running"


@pytest.mark.parametrize("controllers", ["all", "none"])
def test_embedded_etcd_lives_while_mcp_sits_idle(
    mcp_launcher: McpLauncher, busybox_image: str, controllers: str
) -> None:
    """The embedded etcd must not die with whichever thread happened to start it: each start
    sits idle past trio's worker-thread idle timeout, then must still serve.

    The parent-death signal once killed etcd (and so mcp) 10 s after start: always with
    `--controllers none` (nothing reuses the worker thread that forked etcd), in about half
    of all starts with controllers (it survived when Docker's event stream took that thread).
    """
    if is_listening(EMBEDDED_ETCD_PORT):
        pytest.skip(f"port {EMBEDDED_ETCD_PORT} is in use, so mcp would use that etcd instead")
    for start in range(2):
        port = free_port()
        argv = run_argv(
            listen=f"127.0.0.1:{port}",
            etcd_url=None,
            prefix=None,
            data_dir=mcp_launcher.data_dir,
            extra_args=["--controllers", controllers],
        )
        process = mcp_launcher.spawn(argv, url=f"http://127.0.0.1:{port}")
        process.wait_healthy(timeout=40.0)

        time.sleep(TRIO_WORKER_IDLE_TIMEOUT_S + 3.0)

        assert process.returncode is None, f"start {start}: mcp exited\n{process.output()}"
        assert not process.events("embedded_etcd_stopped"), process.output()
        with httpx.Client(base_url=process.url, timeout=60.0) as api:
            name = unique_name("idle")
            # With no controllers nothing will report Docker's state: answer at once.
            answer = create(
                api, image=busybox_image, name=name, wait=None if controllers == "all" else "0"
            )
            obj = body_of(answer, 201 if controllers == "all" else 202)
            assert get_object(api, name)["uid"] == obj["uid"]
        stop_gracefully(process)
        wait_embedded_etcd_gone(timeout=2.0)


@pytest.mark.parametrize("how", ["SIGKILL", "second-SIGTERM"])
def test_embedded_etcd_does_not_outlive_a_killed_mcp(mcp_launcher: McpLauncher, how: str) -> None:
    if is_listening(EMBEDDED_ETCD_PORT):
        pytest.skip(f"port {EMBEDDED_ETCD_PORT} is in use, so mcp would use that etcd instead")
    port = free_port()
    argv = run_argv(
        listen=f"127.0.0.1:{port}", etcd_url=None, prefix=None, data_dir=mcp_launcher.data_dir
    )
    process = mcp_launcher.spawn(argv, url=f"http://127.0.0.1:{port}")
    process.wait_healthy(timeout=40.0)
    assert is_listening(EMBEDDED_ETCD_PORT)

    if how == "SIGKILL":
        process.kill()  # no `finally` of mcp's runs
    else:
        process.signal(signal.SIGTERM)
        process.signal(signal.SIGTERM)  # "exit now": os._exit, no `finally` either
        process.wait(timeout=EXIT_TIMEOUT_S)

    wait_embedded_etcd_gone(timeout=15.0)
    # And the next mcp starts its own on the same data, as after any crash.
    again = mcp_launcher.spawn(argv, url=f"http://127.0.0.1:{port}")
    again.wait_healthy(timeout=40.0)
    assert again.events("embedded_etcd_started"), again.output()
    stop_gracefully(again)
