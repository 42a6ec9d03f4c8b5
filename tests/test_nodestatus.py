"""The Node's status decided from Docker's view of its host and the stored Node."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import kubernetes
import pytest
from fakes import FAKE_HOST

from mcp import nodestatus
from mcp.model import HostInfo

T0 = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)
VERSION = "v1.37.0-mcp.0.1.0"
CREATED = {"uid": "u-1", "creationTimestamp": "2026-01-01T12:00:00Z"}
DOWN = "Docker at unix:///var/run/docker.sock did not answer within 20 s"


def decide(
    previous: dict[str, Any] | None,
    *,
    host: HostInfo | None = FAKE_HOST,
    at: datetime = T0,
    registering: bool = False,
) -> dict[str, Any]:
    return nodestatus.decide(
        previous,
        name="fake-host",
        host=host,
        runtime_error=None if host is not None else DOWN,
        version=VERSION,
        now=at,
        registering=registering,
        created=CREATED,
    )


def conditions(obj: dict[str, Any]) -> dict[str, tuple[str, str, str, str]]:
    return {
        c["type"]: (c["status"], c["reason"], c["lastTransitionTime"], c["lastHeartbeatTime"])
        for c in obj["status"]["conditions"]
    }


def with_labels(obj: dict[str, Any], labels: dict[str, str]) -> dict[str, Any]:
    return {**obj, "metadata": {**obj["metadata"], "labels": labels}}


LATER = T0 + timedelta(seconds=10)
REGISTERED = decide(None, registering=True)
REGISTERED_DOWN = decide(None, host=None, registering=True)
WENT_DOWN = decide(REGISTERED, host=None, at=LATER)


def test_a_node_registers_as_kubelet_registers_its_own() -> None:
    node = REGISTERED
    assert node["metadata"] == {
        "uid": "u-1",
        "creationTimestamp": "2026-01-01T12:00:00Z",
        "name": "fake-host",
        "labels": {
            "node-role.kubernetes.io/control-plane": "",
            "kubernetes.io/hostname": "fake-host",
            "kubernetes.io/os": "linux",
            "kubernetes.io/arch": "amd64",
            "beta.kubernetes.io/os": "linux",
            "beta.kubernetes.io/arch": "amd64",
        },
    }
    status = node["status"]
    assert status["capacity"] == {
        "cpu": "4",
        "memory": "8388608Ki",
        "pods": "110",
        "ephemeral-storage": "104857600Ki",
    }
    assert status["allocatable"] == status["capacity"]
    assert status["addresses"] == [
        {"type": "InternalIP", "address": "192.0.2.10"},
        {"type": "Hostname", "address": "fake-host"},
    ]
    assert status["nodeInfo"] == {
        "machineID": "0123456789abcdef0123456789abcdef",
        "systemUUID": "",
        "bootID": "00000000-0000-4000-8000-000000000001",
        "kernelVersion": "6.1.0-fake",
        "osImage": "Debian GNU/Linux 12 (bookworm)",
        "containerRuntimeVersion": "docker://24.0.7",
        "kubeletVersion": VERSION,
        "kubeProxyVersion": VERSION,
        "operatingSystem": "linux",
        "architecture": "amd64",
    }
    assert status["daemonEndpoints"] == {"kubeletEndpoint": {"Port": 0}}
    stamp = "2026-01-01T12:00:00Z"
    assert list(conditions(node).items()) == [
        ("MemoryPressure", ("False", "KubeletHasSufficientMemory", stamp, stamp)),
        ("DiskPressure", ("False", "KubeletHasNoDiskPressure", stamp, stamp)),
        ("PIDPressure", ("False", "KubeletHasSufficientPID", stamp, stamp)),
        ("Ready", ("True", "KubeletReady", stamp, stamp)),  # last, as kubelet keeps it
    ]


@pytest.mark.parametrize(
    "node",
    [
        pytest.param(REGISTERED, id="docker-up"),
        pytest.param(REGISTERED_DOWN, id="registered-while-docker-down"),
        pytest.param(WENT_DOWN, id="docker-went-down"),
    ],
)
def test_the_typed_python_client_reads_every_node(node: dict[str, Any]) -> None:
    """Its models refuse a Node missing a required field (nodeInfo's every field)."""
    parsed = kubernetes.client.V1Node.from_dict(node)
    assert parsed is not None
    assert parsed.status is not None
    assert parsed.status.node_info is not None
    assert parsed.status.node_info.kubelet_version == VERSION


@pytest.mark.parametrize(
    ("previous", "host", "at", "ready", "transition", "message"),
    [
        pytest.param(
            REGISTERED, FAKE_HOST, LATER, ("True", "KubeletReady"), T0, None, id="still-ready"
        ),
        pytest.param(
            REGISTERED,
            None,
            LATER,
            ("False", "KubeletNotReady"),
            LATER,
            f"container runtime is down: {DOWN}",
            id="docker-goes-away",
        ),
        pytest.param(
            WENT_DOWN,
            None,
            LATER + timedelta(seconds=10),
            ("False", "KubeletNotReady"),
            LATER,
            f"container runtime is down: {DOWN}",
            id="still-down-keeps-its-transition",
        ),
        pytest.param(
            WENT_DOWN,
            FAKE_HOST,
            LATER + timedelta(seconds=10),
            ("True", "KubeletReady"),
            LATER + timedelta(seconds=10),
            "kubelet is posting ready status",
            id="docker-comes-back",
        ),
        pytest.param(
            None,
            None,
            T0,
            ("False", "KubeletNotReady"),
            T0,
            f"container runtime is down: {DOWN}",
            id="registered-while-down",
        ),
    ],
)
def test_ready_follows_docker(
    previous: dict[str, Any] | None,
    host: HostInfo | None,
    at: datetime,
    ready: tuple[str, str],
    transition: datetime,
    message: str | None,
) -> None:
    node = decide(previous, host=host, at=at)
    status, reason, since, beat = conditions(node)["Ready"]
    assert (status, reason) == ready
    assert since == nodestatus.timestamp(transition)
    assert beat == nodestatus.timestamp(at)
    if message is not None:
        assert node["status"]["conditions"][-1]["message"] == message
    # The pressure conditions never move: mcp does not evict.
    assert conditions(node)["MemoryPressure"][:3] == (
        "False",
        "KubeletHasSufficientMemory",
        nodestatus.timestamp(T0 if previous is not None else at),
    )


def test_while_docker_is_away_what_it_said_last_stays() -> None:
    assert WENT_DOWN["status"]["capacity"] == REGISTERED["status"]["capacity"]
    assert WENT_DOWN["status"]["nodeInfo"] == REGISTERED["status"]["nodeInfo"]
    assert WENT_DOWN["status"]["addresses"] == REGISTERED["status"]["addresses"]


def test_a_node_registered_while_docker_is_away_has_kubelets_fallbacks() -> None:
    status = REGISTERED_DOWN["status"]
    assert status["capacity"] == {"cpu": "0", "memory": "0", "pods": "110"}
    assert status["addresses"] == [{"type": "Hostname", "address": "fake-host"}]
    assert set(status["nodeInfo"].values()) == {"", VERSION}
    assert REGISTERED_DOWN["metadata"]["labels"] == {
        "node-role.kubernetes.io/control-plane": "",
        "kubernetes.io/hostname": "fake-host",
    }


USER_LABELS = {"a": "b", "kubernetes.io/hostname": "renamed", "kubernetes.io/os": "plan9"}


@pytest.mark.parametrize(
    ("registering", "labels"),
    [
        pytest.param(False, USER_LABELS, id="between-starts-users-labels-stay"),
        pytest.param(
            True,
            {
                "a": "b",
                "kubernetes.io/hostname": "fake-host",
                "kubernetes.io/os": "linux",
                "kubernetes.io/arch": "amd64",
                "beta.kubernetes.io/os": "linux",
                "beta.kubernetes.io/arch": "amd64",
            },
            id="at-start-default-labels-put-right-role-not-put-back",
        ),
    ],
)
def test_labels(registering: bool, labels: dict[str, str]) -> None:
    stored = with_labels(REGISTERED, USER_LABELS)
    stored["spec"] = {"unschedulable": True}
    stored["metadata"]["resourceVersion"] = "7"
    node = decide(stored, at=LATER, registering=registering)
    assert node["metadata"]["labels"] == labels
    assert node["spec"] == {"unschedulable": True}
    assert "resourceVersion" not in node["metadata"]


@pytest.mark.parametrize(
    ("previous", "new", "at", "expected"),
    [
        pytest.param(None, REGISTERED, T0, True, id="not-registered"),
        pytest.param(
            REGISTERED,
            decide(REGISTERED, at=T0 + timedelta(seconds=39)),
            T0 + timedelta(seconds=39),
            False,
            id="only-a-young-heartbeat",
        ),
        pytest.param(
            REGISTERED,
            decide(REGISTERED, at=T0 + timedelta(seconds=40)),
            T0 + timedelta(seconds=40),
            True,
            id="heartbeat-40s-old",
        ),
        pytest.param(REGISTERED, WENT_DOWN, LATER, True, id="ready-changed"),
        pytest.param(
            {**REGISTERED, "metadata": {**REGISTERED["metadata"], "resourceVersion": "9"}},
            decide(REGISTERED, at=LATER),
            LATER,
            False,
            id="resource-version-is-not-a-change",
        ),
        pytest.param(
            REGISTERED,
            decide(REGISTERED, host=HostInfo(**{**vars(FAKE_HOST), "cpus": 8}), at=LATER),
            LATER,
            True,
            id="capacity-changed",
        ),
    ],
)
def test_needs_write(
    previous: dict[str, Any] | None, new: dict[str, Any], at: datetime, expected: bool
) -> None:
    assert nodestatus.needs_write(previous, new, now=at) is expected
