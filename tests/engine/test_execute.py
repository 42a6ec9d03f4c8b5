"""The executor's account of what it did (`mcp.engine.execute`), on the fake engine."""

from __future__ import annotations

from fakes import FakeRuntime, FakeStore

from mcp.engine.decide import CreateContainer, StartContainer
from mcp.engine.execute import execute
from mcp.engine.settle import Outcome
from mcp.errors import RuntimeRejected
from mcp.model import Container, ContainerSpec
from mcp.registry import Keys

IMAGE = "registry.example:5000/app:1"


class RefusingCreates(FakeRuntime):
    """An engine whose pulls work and whose creates Docker refuses."""

    async def create(
        self, name: str, *, spec: ContainerSpec, labels: dict[str, str], join: str | None = None
    ) -> str:
        raise RuntimeRejected("invalid mount config")


async def test_a_pull_before_a_refused_create_is_still_told() -> None:
    runtime = RefusingCreates(registry={IMAGE})
    spec = ContainerSpec(image=IMAGE, image_pull_policy="Always")
    outcome: Outcome = await execute(
        runtime,
        FakeStore(),
        Keys("/t"),
        Container(name="web", uid="u1", spec=spec),
        (CreateContainer(), StartContainer()),
        cluster_id="c1",
    )
    assert outcome.done == ()
    assert outcome.failure is not None
    assert outcome.failure.reason == "CreateContainerError"
    assert outcome.pulled  # settle records Pulled before the failure
