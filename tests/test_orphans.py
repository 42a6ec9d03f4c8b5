"""Which Docker containers no object claims: matched by uid label and Docker name."""

from __future__ import annotations

import pytest

from mcp.actors.orphans import unclaimed
from mcp.cache import Cache
from mcp.model import Container, ContainerSpec, Observed
from mcp.registry import Keys

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
