"""Two full `mcp run` on one etcd prefix: one leader runs the controllers, the other stands by.

Without an election both ran controllers and fought over every container (Docker's "name
already in use" surfaced as `Failed`/`CreateContainerError` while the container ran). Now
the second logs `leader_standby`, serves the API like an API-only replica, and takes over
the controllers when the leader goes: at once on SIGTERM (the leader revokes its lease),
and within a poll after `kill -9` on this host (the holder's pid is gone); a leader that
is only frozen keeps its lease until it expires, and when it thaws it finds it lost.
"""

from __future__ import annotations

import signal
import time
from collections.abc import Iterable
from datetime import datetime
from typing import Any

import docker
import httpx
import pytest
from support.api import SLEEPER, unique_name, v1_create, v1_object, wait_v1_phase
from support.containers import labelled
from support.etcd import EtcdServer
from support.launcher import McpLauncher
from support.mcp_process import McpProcess
from support.polling import wait_until

pytestmark = pytest.mark.e2e

HANDOVER_TIMEOUT_S = 20.0
# After SIGTERM the standby must not need the lease to run out (15 s by default).
SIGTERM_HANDOVER_S = 5.0


def role(process: McpProcess) -> str:
    answer: str = httpx.get(f"{process.url}/healthz", timeout=5.0).json().get("role", "")
    return answer


def wait_event(
    process: McpProcess, event: str, timeout: float = HANDOVER_TIMEOUT_S
) -> dict[str, Any]:
    records: list[dict[str, Any]] = wait_until(
        lambda: process.events(event), timeout=timeout, message=f"{event} from {process.pid}"
    )
    return records[0]


def timestamp(record: dict[str, Any]) -> float:
    return datetime.fromisoformat(record["timestamp"]).timestamp()


def create_running(api: httpx.Client, image: str, stem: str) -> dict[str, Any]:
    body = v1_object(unique_name(stem), {"image": image, "args": SLEEPER})
    created = v1_create(api, body, wait="30")
    assert created.status_code == 201, created.text
    obj: dict[str, Any] = created.json()
    assert obj["status"]["phase"] == "Running", obj
    return obj


def assert_one_container_each(
    client: docker.DockerClient, api: httpx.Client, names: Iterable[str]
) -> None:
    for name in names:
        obj = wait_v1_phase(api, name, "Running")
        containers = labelled(client, mcp_uid=obj["metadata"]["uid"])
        assert [c.id for c in containers] == [obj["status"]["containerID"]], name
        assert [c.status for c in containers] == ["running"], name


@pytest.fixture
def pair(mcp_launcher: McpLauncher) -> tuple[McpProcess, McpProcess]:
    """A leader, then a standby on the same prefix (it reports standing by before return)."""
    first = mcp_launcher.start()
    wait_event(first, "leader_elected", timeout=10.0)
    second = mcp_launcher.start()
    wait_event(second, "leader_standby", timeout=10.0)
    return first, second


def test_the_second_mcp_stands_by_and_serves_the_api(
    pair: tuple[McpProcess, McpProcess], docker_client: docker.DockerClient, busybox_image: str
) -> None:
    leader, standby = pair
    standing = wait_event(standby, "leader_standby")
    assert str(leader.pid) in standing["holder"], standing
    assert (role(leader), role(standby)) == ("leader", "standby")
    assert not standby.events("leader_elected")
    assert not standby.events("controller_primed"), "a standby must not run controllers"

    names = []
    with (
        httpx.Client(base_url=standby.url, timeout=60) as through_standby,
        httpx.Client(base_url=leader.url, timeout=60) as through_leader,
    ):
        for index in range(6):
            api = through_standby if index % 2 == 0 else through_leader
            names.append(create_running(api, busybox_image, "pair")["metadata"]["name"])
        time.sleep(2.0)  # a second controller would show itself by now
        assert_one_container_each(docker_client, through_standby, names)
        listed = through_leader.get("/api/v1/containers").json()["items"]
        assert {item["status"]["phase"] for item in listed} == {"Running"}, listed


def test_kill_9_of_the_leader_the_standby_takes_over(
    pair: tuple[McpProcess, McpProcess], docker_client: docker.DockerClient, busybox_image: str
) -> None:
    leader, standby = pair
    with httpx.Client(base_url=standby.url, timeout=60) as api:
        before = [create_running(api, busybox_image, "kept") for _ in range(3)]
        killed_at = time.time()
        leader.kill()
        # Behind everyone's back while nobody leads: the new leader must bring it back.
        removed = before[0]
        docker_client.api.remove_container(removed["status"]["containerID"], force=True)
        elected = wait_event(standby, "leader_elected")
        print(f"kill -9 handover: {timestamp(elected) - killed_at:.2f} s")
        assert role(standby) == "leader"
        after = create_running(api, busybox_image, "after")
        names = [obj["metadata"]["name"] for obj in [*before, after]]
        wait_until(
            lambda: labelled(docker_client, mcp_uid=removed["metadata"]["uid"]),
            timeout=HANDOVER_TIMEOUT_S,
            message="the removed container recreated",
        )
        time.sleep(2.0)
        assert_one_container_each(docker_client, api, names)


def test_sigterm_of_the_leader_hands_over_at_once(
    pair: tuple[McpProcess, McpProcess], docker_client: docker.DockerClient, busybox_image: str
) -> None:
    leader, standby = pair
    with httpx.Client(base_url=standby.url, timeout=60) as api:
        obj = create_running(api, busybox_image, "term")
        stopped_at = time.time()
        leader.signal(signal.SIGTERM)
        assert leader.wait(timeout=15.0) == 0, leader.output()
        elected = wait_event(standby, "leader_elected")
        took = timestamp(elected) - stopped_at
        print(f"SIGTERM handover: {took:.2f} s")
        assert took < SIGTERM_HANDOVER_S, standby.output()
        assert leader.events("leader_released"), leader.output()
        # The key was released, not found stale: no pid check was needed.
        assert not standby.events("leader_stale_replaced")
        assert_one_container_each(docker_client, api, [obj["metadata"]["name"]])
        create_running(api, busybox_image, "term-after")


def test_a_frozen_leader_loses_its_lease_and_stands_by(
    mcp_launcher: McpLauncher, docker_client: docker.DockerClient, busybox_image: str
) -> None:
    """SIGSTOP: the process lives (no pid check helps), so only the lease's expiry hands
    over; once thawed, the old leader must see it lost, stop its controllers at once and
    stand by, still serving."""
    lease = ["--leader-lease", "3"]
    leader = mcp_launcher.start(extra_args=lease)
    wait_event(leader, "leader_elected", timeout=10.0)
    standby = mcp_launcher.start(extra_args=lease)
    wait_event(standby, "leader_standby", timeout=10.0)
    with httpx.Client(base_url=standby.url, timeout=60) as api:
        obj = create_running(api, busybox_image, "frozen")
        leader.signal(signal.SIGSTOP)
        frozen_at = time.time()
        try:
            elected = wait_event(standby, "leader_elected")
        finally:
            leader.signal(signal.SIGCONT)
        took = timestamp(elected) - frozen_at
        print(f"lease-expiry handover: {took:.2f} s")
        assert 1.0 < took < 3.0 + 3.0, standby.output()
        assert wait_event(leader, "leader_lost", timeout=10.0)["reason"] in (
            "not_renewed_in_time",
            "lease_expired",
            "key_taken",
        )
        wait_until(
            lambda: role(leader) == "standby", timeout=10.0, message="the old leader standing by"
        )
        assert leader.returncode is None
        assert not standby.events("leader_stale_replaced")
        assert role(standby) == "leader"
        with httpx.Client(base_url=leader.url, timeout=60) as through_old:
            later = create_running(through_old, busybox_image, "frozen-after")
        time.sleep(1.0)
        names = [obj["metadata"]["name"], later["metadata"]["name"]]
        assert_one_container_each(docker_client, api, names)


def test_a_restart_after_kill_9_leads_at_once_and_adopts(
    mcp_launcher: McpLauncher, docker_client: docker.DockerClient, busybox_image: str
) -> None:
    """No standby: the next start finds the key of a process of this host that is gone and
    replaces it, instead of waiting out the 15 s lease (tests, benchmarks, an operator's
    restart after a crash all rely on this)."""
    first = mcp_launcher.start()
    with httpx.Client(base_url=first.url, timeout=60) as api:
        obj = create_running(api, busybox_image, "restart")
    first.kill()
    began = time.time()
    second = mcp_launcher.start()
    elected = wait_event(second, "leader_elected", timeout=10.0)
    print(f"restart after kill -9 leads after {timestamp(elected) - began:.2f} s")
    assert timestamp(elected) - began < 5.0, second.output()
    replaced = second.events("leader_stale_replaced")
    assert [record["holder"].split("/")[1] for record in replaced] == [str(first.pid)]
    with httpx.Client(base_url=second.url, timeout=60) as api:
        assert_one_container_each(docker_client, api, [obj["metadata"]["name"]])
        again = wait_v1_phase(api, obj["metadata"]["name"], "Running")
        assert again["status"]["containerID"] == obj["status"]["containerID"]


def test_an_etcd_outage_past_the_lease_is_survived_and_it_leads_again(
    mcp_launcher: McpLauncher,
    etcd: EtcdServer,
    docker_client: docker.DockerClient,
    busybox_image: str,
) -> None:
    """A lone mcp whose etcd is away longer than its lease gives up leading (it cannot
    renew) but must not die: etcd away is transient. It leads again once etcd is back."""
    mcp = mcp_launcher.start(extra_args=["--leader-lease", "3"])
    wait_event(mcp, "leader_elected", timeout=10.0)
    with httpx.Client(base_url=mcp.url, timeout=60) as api:
        obj = create_running(api, busybox_image, "outage")
        etcd.stop()
        try:
            assert wait_event(mcp, "leader_lost", timeout=15.0)["reason"] == "not_renewed_in_time"
            assert role(mcp) == "standby"
            assert mcp.returncode is None, mcp.output()
            containers = labelled(docker_client, mcp_uid=obj["metadata"]["uid"])
            assert [c.status for c in containers] == ["running"], "workloads keep running"
        finally:
            etcd.start()
        wait_until(
            lambda: len(mcp.events("leader_elected")) >= 2,
            timeout=HANDOVER_TIMEOUT_S,
            message="leading again after the outage",
        )
        assert role(mcp) == "leader"
        after = create_running(api, busybox_image, "outage-after")
        assert_one_container_each(
            docker_client, api, [obj["metadata"]["name"], after["metadata"]["name"]]
        )
    assert mcp.returncode is None
