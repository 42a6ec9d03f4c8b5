"""What one of Docker's container events is about (`runtime.event_subjects`), pure."""

from __future__ import annotations

from typing import Any

import pytest

from mcp import sandbox
from mcp.runtime import event_subjects
from mcp.sandbox import PodNews, PodRef

WEB = PodRef(name="web-0", namespace="shop", uid="5b2c9e4a-0d1f-4c3e-9a8b-7f6e5d4c3b2a")
POD = sandbox.container_labels(WEB, "app", cluster_id="c1")
OBJECT = {"mcp.cluster": "c1", "mcp.name": "db", "mcp.uid": "u-1"}


def event(action: str, attributes: dict[str, str]) -> dict[str, Any]:
    """A container event as Docker 20.10 sends it (labels among the actor's attributes)."""
    return {
        "Type": "container",
        "Action": action,
        "Actor": {"ID": "f" * 64, "Attributes": {"image": "busybox", "name": "x", **attributes}},
    }


@pytest.mark.parametrize(
    ("sent", "expected"),
    [
        pytest.param(event("die", OBJECT), ("db", None), id="an-mcp-object"),
        pytest.param(
            event("start", POD), (None, PodNews(WEB, "f" * 64, "start")), id="a-pods-container"
        ),
        pytest.param(
            event("destroy", sandbox.infra_labels(WEB, cluster_id="c1")),
            (None, PodNews(WEB, "f" * 64, "destroy")),
            id="a-pods-infra-container",
        ),
        pytest.param(
            event("oom", {**POD, **OBJECT}), ("db", PodNews(WEB, "f" * 64, "oom")), id="both"
        ),
        pytest.param(event("exec_start: sh -c true", POD), (None, None), id="not-a-state-change"),
        pytest.param(event("health_status: healthy", OBJECT), (None, None), id="health"),
        pytest.param(
            event("die", {**POD, sandbox.LABEL_POD_UID: ""}), (None, None), id="pod-labels-cut"
        ),
        pytest.param(event("kill", {"mcp.cluster": "c1"}), (None, None), id="neither"),
        pytest.param(
            {"status": "stop", "Actor": {"Attributes": OBJECT}}, ("db", None), id="old-status-key"
        ),
    ],
)
def test_an_event_names_its_object_and_pod(
    sent: dict[str, Any], expected: tuple[str | None, PodNews | None]
) -> None:
    assert event_subjects(sent) == expected
