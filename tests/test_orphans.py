"""Which Docker containers no object claims: matched by uid label and Docker name."""

from __future__ import annotations

import json

import pytest

from mcp.actors.orphans import unclaimed
from mcp.cache import Cache
from mcp.kinds import core
from mcp.model import Container, ContainerSpec, Observed
from mcp.registry import Keys
from mcp.sandbox import PodRef, container_labels, container_name, infra_labels, infra_name
from mcp.store import WatchEvent

WEB = Container(name="web", uid="u-web", spec=ContainerSpec(image="busybox:1"))


def container(docker_name: str, *, uid: str, name_label: str = "web") -> Observed:
    return Observed(
        container_id=docker_name.ljust(64, "0"),
        uid=uid,
        spec_hash="h",
        running=True,
        exit_code=None,
        docker_status="running",
        labels={"mcp.uid": uid, "mcp.name": name_label, "mcp.cluster": "c"},
        name=docker_name,
    )


@pytest.mark.parametrize(
    ("listed", "expected"),
    [
        pytest.param([container("mcp-web", uid="u-web")], [], id="its-own"),
        pytest.param([container("mcp-web", uid="u-old")], [], id="stale-incarnation-actors-job"),
        pytest.param(
            [container("renamed", uid="u-web")], [], id="renamed-alone-actor-takes-it-back"
        ),
        pytest.param(
            [container("mcp-web", uid="u-web"), container("renamed", uid="u-web")],
            [("renamed", "web")],
            id="renamed-duplicate",
        ),
        pytest.param([container("renamed", uid="u-old")], [("renamed", None)], id="renamed-old"),
        pytest.param(
            [container("mcp-gone", uid="u-gone", name_label="gone")],
            [("mcp-gone", None)],
            id="no-object",
        ),
    ],
)
def test_unclaimed(listed: list[Observed], expected: list[tuple[str, str | None]]) -> None:
    cache = Cache(Keys("/t"))
    cache.objects["web"] = WEB
    found = unclaimed(cache, listed)
    assert [(c.name, obj.name if obj else None) for c, obj in found] == expected


POD = PodRef(name="web", namespace="team-a", uid="u-pod")
BOTH = ["k8s_POD_web_team-a_u-pod_0", "k8s_app_web_team-a_u-pod_1"]  # infra, app's attempt 1


def pod_container(docker_name: str, labels: dict[str, str]) -> Observed:
    return Observed(
        container_id=docker_name.ljust(64, "0"),
        uid=None,
        spec_hash=None,
        running=True,
        exit_code=None,
        docker_status="running",
        labels=labels,
        name=docker_name,
    )


@pytest.mark.parametrize(
    ("stored_uid", "orphans"),
    [
        pytest.param("u-pod", [], id="its-pod-exists"),
        pytest.param(
            "u-other",
            ["k8s_POD_web_team-a_u-pod_0", "k8s_app_web_team-a_u-pod_1"],
            id="another-incarnation",
        ),
        pytest.param(
            None, ["k8s_POD_web_team-a_u-pod_0", "k8s_app_web_team-a_u-pod_1"], id="no-pod"
        ),
    ],
)
def test_a_pods_containers_are_claimed_by_that_very_pod(
    stored_uid: str | None, orphans: list[str]
) -> None:
    cache = Cache(Keys("/t"), core.KINDS)
    if stored_uid is not None:
        pod = {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": "web", "namespace": "team-a", "uid": stored_uid},
        }
        cache.kube.apply(
            WatchEvent(
                "put",
                "/t/registry/pods/team-a/web",
                json.dumps(pod).encode(),
                mod_revision=2,
                create_revision=2,
            )
        )
    listed = [
        pod_container(infra_name(POD, 0), infra_labels(POD, cluster_id="c")),
        pod_container(container_name(POD, "app", 1), container_labels(POD, "app", cluster_id="c")),
    ]
    assert [c.name for c, _ in unclaimed(cache, listed)] == orphans
