"""Chaos: mcp killed, Docker and etcd failing or changed behind its back, a crash-looping
workload and a poisoned actor. Every scenario ends by asserting convergence the way an
operator would check it (`support.chaos.wait_converged`): each object in its desired phase
with its latest generation observed, exactly one Docker container per object, and no
container of the cluster that no object claims.

Timeouts are generous bounds on convergence, never measures of speed. The dockerd restart
stops every container on the machine, so it comes last.
"""

from __future__ import annotations

import secrets
import signal
import subprocess
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import docker
import httpx
import pytest
from support.api import (
    SLEEPER,
    V1,
    assert_problem,
    body_of,
    v1_create,
    v1_get,
    v1_object,
    v1_patch,
)
from support.chaos import (
    Converged,
    cluster_containers,
    cluster_id,
    containers_by_name,
    restart_dockerd_under,
    running_count,
    wait_converged,
)
from support.etcd import EtcdServer
from support.launcher import McpLauncher
from support.mcp_process import McpProcess
from support.polling import wait_until

pytestmark = pytest.mark.e2e

HTTP_TIMEOUT_S = 60.0
CONVERGE_TIMEOUT_S = 60.0  # generous: convergence is the point, not its speed
BURST = 30  # objects created at once in the kill -9 scenario
SHUTDOWN_GRACE_S = 300.0
SHUTDOWN_TIMEOUT_S = 30.0  # generous for "ends after the current pass", far below the grace


def names(stem: str, count: int) -> list[str]:
    """`count` DNS-1123 names no other test run uses, like "burst-3f9a0c-07"."""
    token = secrets.token_hex(3)
    return [f"{stem}-{token}-{index:02d}" for index in range(count)]


def sleeper(name: str, image: str, state: str = "running") -> dict[str, Any]:
    """A v1 object whose container sleeps and exits at once on SIGTERM."""
    return v1_object(name, {"image": image, "args": SLEEPER, "state": state})


@contextmanager
def client(mcp: McpProcess) -> Iterator[httpx.Client]:
    """An HTTP client for `mcp`'s API."""
    with httpx.Client(base_url=mcp.url, timeout=HTTP_TIMEOUT_S) as api:
        yield api


def create_and_wait(api: httpx.Client, body: dict[str, Any]) -> dict[str, Any]:
    """Create an object and wait until its desired phase is reached."""
    return body_of(v1_create(api, body, wait=30), 201)


def create_converged(
    api: httpx.Client,
    docker_client: docker.DockerClient,
    cluster: str,
    want: Mapping[str, str],
    image: str,
) -> Converged:
    """A sleeper for each name in `want` (stopped where its phase is Stopped), each
    created with a wait; then until mcp and Docker agree on all of them."""
    for name, phase in want.items():
        create_and_wait(api, sleeper(name, image, "running" if phase == "Running" else "stopped"))
    return wait_converged(api, docker_client, cluster, want, timeout=CONVERGE_TIMEOUT_S)


def event_reasons(api: httpx.Client, name: str) -> dict[str, list[dict[str, Any]]]:
    """The object's events, grouped by reason."""
    items = body_of(api.get(f"{V1}/{name}/events"), 200)["items"]
    grouped: dict[str, list[dict[str, Any]]] = {}
    for item in items:
        grouped.setdefault(item["reason"], []).append(item)
    return grouped


def crashes_of(mcp: McpProcess, name: str) -> list[dict[str, Any]]:
    """The `container_actor_crashed` log records of `name`'s actor."""
    return [r for r in mcp.events("container_actor_crashed") if r.get("container") == name]


# --- 1. kill -9 of mcp while 30 containers are being made ----------------------------------


def test_kill_9_mid_convergence_then_a_new_mcp_converges_without_duplicates(
    mcp_launcher: McpLauncher,
    etcd: EtcdServer,
    etcd_prefix: str,
    docker_client: docker.DockerClient,
    busybox_image: str,
) -> None:
    first = mcp_launcher.start()
    cluster = cluster_id(etcd, etcd_prefix)
    burst = names("burst", BURST)
    with client(first) as api:
        for name in burst:
            body_of(v1_create(api, sleeper(name, busybox_image), wait=0), 201)
    wait_until(
        lambda: running_count(docker_client, cluster) >= 5,
        timeout=CONVERGE_TIMEOUT_S,
        interval=0.05,
        message="the first containers of the burst running",
    )
    first.kill()  # SIGKILL: no chance to finish a step or write a status
    # Docker may still complete a create that was in flight; what is there now must be
    # adopted, not duplicated.
    left_behind = containers_by_name(docker_client, cluster)
    print(f"at kill -9: {running_count(docker_client, cluster)} running, {len(left_behind)} made")

    second = mcp_launcher.start()
    with client(second) as api:
        converged = wait_converged(
            api,
            docker_client,
            cluster,
            dict.fromkeys(burst, "Running"),
            timeout=2 * CONVERGE_TIMEOUT_S,
        )
    for name, ids in left_behind.items():
        assert name in converged.container_ids, f"container of unknown object {name}: {ids}"
        assert ids == [converged.container_ids[name]], f"{name} was not adopted: {ids}"


# --- 2. Docker changed behind mcp's back, several containers at once -----------------------


def test_docker_kill_stop_rm_and_start_behind_mcps_back_heal(
    mcp_launcher: McpLauncher,
    etcd: EtcdServer,
    etcd_prefix: str,
    docker_client: docker.DockerClient,
    busybox_image: str,
) -> None:
    # An hour's resync: only Docker's event stream can explain a repair within the timeout.
    mcp = mcp_launcher.start(extra_args=["--resync-interval", "3600"])
    cluster = cluster_id(etcd, etcd_prefix)
    killed, stopped, removed, steady = (names(stem, 2) for stem in ("kill", "stop", "rm", "ok"))
    started = names("started", 2)  # desired stopped; started by hand
    want = dict.fromkeys(killed + stopped + removed + steady, "Running")
    want |= dict.fromkeys(started, "Stopped")
    with client(mcp) as api:
        before = create_converged(api, docker_client, cluster, want, busybox_image)

        for name in killed:
            docker_client.api.kill(before.container_ids[name])
        for name in stopped:
            docker_client.api.stop(before.container_ids[name], timeout=1)
        for name in removed:
            docker_client.api.remove_container(before.container_ids[name], force=True)
        for name in started:
            docker_client.api.start(before.container_ids[name])

        after = wait_converged(api, docker_client, cluster, want, timeout=CONVERGE_TIMEOUT_S)
        exited = killed + stopped
        for name in want:
            same = after.container_ids[name] == before.container_ids[name]
            assert same is (name not in removed), f"{name}: restarted in place, or recreated"
        # A kill or stop behind mcp's back counts as an exit for the restart policy.
        wait_until(
            lambda: all(v1_get(api, name)["status"]["restartCount"] >= 1 for name in exited),
            timeout=CONVERGE_TIMEOUT_S,
            message=f"restarts of {exited} counted",
        )
        for name in steady:
            assert v1_get(api, name)["status"]["restartCount"] == 0, name
    assert mcp.returncode is None


# --- 3. etcd gone for 10 s ----------------------------------------------------------------


def test_etcd_outage_leaves_workloads_running_and_changes_converge_after(
    mcp_launcher: McpLauncher,
    etcd: EtcdServer,
    etcd_prefix: str,
    docker_client: docker.DockerClient,
    busybox_image: str,
) -> None:
    mcp = mcp_launcher.start()
    cluster = cluster_id(etcd, etcd_prefix)
    existing = names("pre", 3)
    want = dict.fromkeys(existing, "Running")
    with client(mcp) as api:
        before = create_converged(api, docker_client, cluster, want, busybox_image)

        etcd.stop()
        try:
            outage_ends = time.monotonic() + 10.0
            during = names("during", 1)[0]
            assert_problem(v1_create(api, sleeper(during, busybox_image)), 503)
            listing = api.get(V1)
            if listing.status_code != 200:  # an answer from the cache is fine too
                assert_problem(listing, 503)
            while time.monotonic() < outage_ends:
                running = {
                    entry["Id"]
                    for entry in cluster_containers(docker_client, cluster)
                    if entry["State"] == "running"
                }
                assert running == set(before.container_ids.values()), "workloads disturbed"
                assert mcp.returncode is None, f"mcp exited while etcd was down\n{mcp.output()}"
                time.sleep(0.5)
        finally:
            etcd.start()

        # The objects made before the outage still run the same containers...
        back = wait_converged(api, docker_client, cluster, want, timeout=CONVERGE_TIMEOUT_S)
        assert back.container_ids == before.container_ids
        # ...and changes made through the API after it converge.
        new = names("post", 1)[0]
        wait_until(
            lambda: v1_create(api, sleeper(new, busybox_image)).status_code == 201,
            timeout=CONVERGE_TIMEOUT_S,
            interval=1.0,
            message="a create accepted after the outage",
        )
        body_of(v1_patch(api, existing[0], {"spec": {"state": "stopped"}}), 200)
        want |= {new: "Running", existing[0]: "Stopped"}
        after = wait_converged(api, docker_client, cluster, want, timeout=CONVERGE_TIMEOUT_S)
        for name in existing[1:]:
            assert after.container_ids[name] == before.container_ids[name], name
    assert during not in containers_by_name(docker_client, cluster), "a rejected create acted"
    assert mcp.returncode is None


# --- 4. etcd changed and compacted while mcp could not watch ------------------------------


def test_keys_deleted_and_history_compacted_while_mcp_is_down(
    mcp_launcher: McpLauncher,
    etcd: EtcdServer,
    etcd_prefix: str,
    docker_client: docker.DockerClient,
    busybox_image: str,
) -> None:
    first = mcp_launcher.start()
    cluster = cluster_id(etcd, etcd_prefix)
    gone, status_lost, *kept = names("cmp", 4)
    want = dict.fromkeys([gone, status_lost, *kept], "Running")
    with client(first) as api:
        before = create_converged(api, docker_client, cluster, want, busybox_image)
    first.signal(signal.SIGTERM)
    assert first.wait(timeout=30.0) == 0

    registry = f"{etcd_prefix}/registry"
    assert etcd.delete(f"{registry}/containers/{gone}") == 1
    etcd.delete(f"{registry}/status/{gone}")
    assert etcd.delete(f"{registry}/status/{status_lost}") == 1
    for step in range(5):  # unrelated churn, so the compaction covers more than the deletes
        etcd.put(f"{etcd_prefix}-chaos-churn", str(step))
    etcd.delete(f"{etcd_prefix}-chaos-churn")
    etcd.compact()

    second = mcp_launcher.start()
    del want[gone]
    with client(second) as api:
        after = wait_converged(api, docker_client, cluster, want, timeout=CONVERGE_TIMEOUT_S)
        assert api.get(f"{V1}/{gone}").status_code == 404
        for name in want:
            assert after.container_ids[name] == before.container_ids[name], f"{name} replaced"
        wait_until(
            lambda: all("Adopted" in event_reasons(api, name) for name in want),
            timeout=CONVERGE_TIMEOUT_S,
            message=f"Adopted events for {sorted(want)}",
        )
    removed = [record.get("container") for record in second.events("orphan_removed")]
    assert gone in removed, second.output()


def test_keys_deleted_and_history_compacted_while_the_watch_is_disconnected(
    mcp_launcher: McpLauncher,
    etcd: EtcdServer,
    etcd_prefix: str,
    docker_client: docker.DockerClient,
    busybox_image: str,
) -> None:
    # A short resync: the container of an object deleted outright is an orphan, swept then.
    mcp = mcp_launcher.start(extra_args=["--resync-interval", "2"])
    cluster = cluster_id(etcd, etcd_prefix)
    gone, *kept = names("dis", 3)
    want = dict.fromkeys([gone, *kept], "Running")
    with client(mcp) as api:
        before = create_converged(api, docker_client, cluster, want, busybox_image)

        # Frozen, mcp cannot notice etcd going away; when it thaws its watch is broken and
        # the revision it would resume from is compacted: it must list again.
        mcp.signal(signal.SIGSTOP)
        try:
            etcd.restart()
            assert etcd.delete(f"{etcd_prefix}/registry/containers/{gone}") == 1
            etcd.delete(f"{etcd_prefix}/registry/status/{gone}")
            etcd.compact()
        finally:
            mcp.signal(signal.SIGCONT)

        del want[gone]
        after = wait_converged(api, docker_client, cluster, want, timeout=CONVERGE_TIMEOUT_S)
        for name in kept:
            assert after.container_ids[name] == before.container_ids[name], f"{name} replaced"
    assert mcp.events("etcd_watch_compacted"), mcp.output()
    assert mcp.returncode is None


# --- 6. a crash loop, backing off ----------------------------------------------------------


def test_a_crash_loop_backs_off_on_schedule(
    mcp_launcher: McpLauncher,
    etcd: EtcdServer,
    etcd_prefix: str,
    docker_client: docker.DockerClient,
    busybox_image: str,
) -> None:
    mcp = mcp_launcher.start()
    cluster = cluster_id(etcd, etcd_prefix)
    name = names("crash", 1)[0]
    body = v1_object(
        name,
        {
            "image": busybox_image,
            "command": ["sh", "-c", "exit 3"],
            "restartBackoff": {"baseSeconds": 0.5, "capSeconds": 2, "resetSeconds": 600},
        },
    )
    with client(mcp) as api:
        body_of(v1_create(api, body), 201)

        def backoff_steps() -> list[str]:
            messages = [item["message"] for item in event_reasons(api, name).get("BackOff", [])]
            return sorted(
                {message.split()[1] for message in messages},
                key=lambda delay: float(delay.rstrip("s")),
            )

        wait_until(
            lambda: backoff_steps() == ["0.5s", "1s", "2s"],
            timeout=CONVERGE_TIMEOUT_S,
            message="back-off steps of 0.5 s, 1 s, then the 2 s cap",
        )
        first_count = v1_get(api, name)["status"]["restartCount"]
        assert first_count >= 3
        wait_until(
            lambda: v1_get(api, name)["status"]["restartCount"] > first_count,
            timeout=CONVERGE_TIMEOUT_S,
            message="restartCount still growing",
        )
        # Between restarts (2 s apart now) the status says it is backing off, and until when.
        crashing = wait_until(
            lambda: (s := v1_get(api, name)["status"])["reason"] == "CrashLoopBackOff" and s,
            timeout=CONVERGE_TIMEOUT_S,
            interval=0.05,
            message="status reason CrashLoopBackOff",
        )
        assert crashing["phase"] in ("Failed", "Pending"), crashing
        assert crashing["nextRestartAt"], crashing
        assert crashing["exitCode"] == 3, crashing
        assert all(item["type"] == "Warning" for item in event_reasons(api, name)["BackOff"])
        # Never more than one container, however often it restarts.
        assert len(containers_by_name(docker_client, cluster).get(name, [])) == 1
    assert mcp.returncode is None


# --- 7. one poisoned actor among healthy ones ----------------------------------------------


def test_a_poisoned_actor_is_contained(
    mcp_launcher: McpLauncher,
    etcd: EtcdServer,
    etcd_prefix: str,
    docker_client: docker.DockerClient,
    busybox_image: str,
) -> None:
    poisoned, *healthy = names("fp", 4)
    mcp = mcp_launcher.start(env={"MCP_FAILPOINTS": f"reconcile={poisoned}"})
    cluster = cluster_id(etcd, etcd_prefix)
    with client(mcp) as api:
        body_of(v1_create(api, sleeper(poisoned, busybox_image)), 201)
        for name in healthy:
            create_and_wait(api, sleeper(name, busybox_image))

        failed = wait_until(
            lambda: (s := v1_get(api, poisoned)["status"])["reason"] == "ControllerError" and s,
            timeout=CONVERGE_TIMEOUT_S,
            message=f"{poisoned} status reason ControllerError",
        )
        assert failed["phase"] == "Failed", failed
        assert "failpoint" in failed["message"], failed
        errors = wait_until(
            lambda: event_reasons(api, poisoned).get("ControllerError"),
            timeout=CONVERGE_TIMEOUT_S,
            message=f"a ControllerError event for {poisoned}",
        )
        assert all(item["type"] == "Warning" for item in errors), errors
        # Restarted with back-off (1 s, then 2 s...): crashes keep coming, logged each time.
        wait_until(
            lambda: len(crashes_of(mcp, poisoned)) >= 2,
            timeout=CONVERGE_TIMEOUT_S,
            message=f"{poisoned}'s actor crashed and restarted",
        )
        assert api.get("/healthz").status_code == 200
        assert mcp.returncode is None
        assert poisoned not in containers_by_name(docker_client, cluster)

        # The healthy objects run, and still follow changes.
        body_of(v1_patch(api, healthy[0], {"spec": {"state": "stopped"}}, wait=30), 200)
        want = {healthy[0]: "Stopped"} | dict.fromkeys(healthy[1:], "Running")
        wait_converged(
            api,
            docker_client,
            cluster,
            want,
            timeout=CONVERGE_TIMEOUT_S,
            without_container=[poisoned],
        )
        assert not any(
            record.get("container") in healthy for record in mcp.events("container_actor_crashed")
        )
    assert mcp.returncode is None


def test_a_poisoned_actor_does_not_hold_up_shutdown(
    mcp_launcher: McpLauncher,
    etcd: EtcdServer,
    etcd_prefix: str,
    docker_client: docker.DockerClient,
    busybox_image: str,
) -> None:
    poisoned, healthy = names("fpstop", 2)
    # A grace period far beyond the wait below: exiting within it means the actors ended
    # after their current pass, not that the grace deadline cancelled them.
    mcp = mcp_launcher.start(
        extra_args=["--grace-period", str(SHUTDOWN_GRACE_S)],
        env={"MCP_FAILPOINTS": f"reconcile={poisoned}"},
    )
    cluster = cluster_id(etcd, etcd_prefix)
    with client(mcp) as api:
        body_of(v1_create(api, sleeper(poisoned, busybox_image)), 201)
        create_and_wait(api, sleeper(healthy, busybox_image))
    running = containers_by_name(docker_client, cluster)[healthy]
    wait_until(
        lambda: len(crashes_of(mcp, poisoned)) >= 2,
        timeout=CONVERGE_TIMEOUT_S,
        message=f"{poisoned}'s actor crashing and being restarted",
    )

    mcp.signal(signal.SIGTERM)
    try:
        code = mcp.wait(timeout=SHUTDOWN_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        records = mcp.json_logs()
        stopping = next(i for i, r in enumerate(records) if r.get("event") == "mcp_stopping")
        after = [
            r["attempt"]
            for r in records[stopping:]
            if r.get("event") == "container_actor_crashed" and r.get("container") == poisoned
        ]
        pytest.fail(
            f"mcp still running {SHUTDOWN_TIMEOUT_S:.0f} s after SIGTERM; the poisoned actor "
            f"was restarted after shutdown began (crash attempts {after})"
        )
    assert code == 0, mcp.output()
    # Shutting down leaves the workloads running.
    left = cluster_containers(docker_client, cluster)
    assert [entry["Id"] for entry in left if entry["State"] == "running"] == running


# --- 5. dockerd restarted (last: it stops every container on this machine) ----------------


def test_dockerd_restart_converges(
    mcp_launcher: McpLauncher,
    etcd: EtcdServer,
    etcd_prefix: str,
    docker_client: docker.DockerClient,
    busybox_image: str,
) -> None:
    mcp = mcp_launcher.start()
    cluster = cluster_id(etcd, etcd_prefix)
    running = names("dkr", 3)
    idle = names("dkr-idle", 1)
    want = dict.fromkeys(running, "Running") | dict.fromkeys(idle, "Stopped")
    with client(mcp) as api:
        before = create_converged(api, docker_client, cluster, want, busybox_image)

        restart_dockerd_under(mcp, docker_client, timeout=CONVERGE_TIMEOUT_S)

        after = wait_converged(api, docker_client, cluster, want, timeout=2 * CONVERGE_TIMEOUT_S)
        for name in want:
            assert after.container_ids[name] == before.container_ids[name], f"{name} replaced"
        for name in running:
            assert v1_get(api, name)["status"]["restartCount"] >= 1, name
    assert mcp.returncode is None
