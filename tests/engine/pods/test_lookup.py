"""A Pod's Docker containers, found by their kubelet-style names."""

from __future__ import annotations

from mcp.engine.pods.lookup import by_container, current
from mcp.model import Observed
from mcp.sandbox import INFRA_CONTAINER, PodRef, container_name, infra_name

POD = PodRef("web", "default", "u1")
OTHER = PodRef("web", "default", "u0")  # an earlier incarnation of the same name


def listed(name: str) -> Observed:
    return Observed(
        container_id=name,
        uid=None,
        spec_hash=None,
        running=False,
        exit_code=0,
        docker_status="exited",
        name=name,
    )


def test_a_pods_containers_by_name_newest_attempt_first() -> None:
    names = [
        container_name(POD, "app", 0),
        container_name(POD, "app", 2),
        container_name(POD, "app", 1),
        infra_name(POD, 0),
        container_name(OTHER, "app", 7),
        "mcp-web",  # mcp's own Container kind
    ]
    found = by_container(POD, [listed(name) for name in names])
    assert {name: [o.name for o in attempts] for name, attempts in found.items()} == {
        "app": [container_name(POD, "app", n) for n in (2, 1, 0)],
        INFRA_CONTAINER: [infra_name(POD, 0)],
    }
    newest = current(found, "app")
    previous = current(found, "app", previous=True)
    assert newest is not None
    assert newest.name == container_name(POD, "app", 2)
    assert previous is not None
    assert previous.name == container_name(POD, "app", 1)
    assert current(found, "side") is None
    assert current(found, INFRA_CONTAINER, previous=True) is None
