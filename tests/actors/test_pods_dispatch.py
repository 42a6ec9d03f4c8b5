"""Which Pods a change of a ConfigMap or Secret concerns: those reading it through a
volume, a projected source, an env `valueFrom` or an `envFrom`, and no other."""

from __future__ import annotations

from typing import Any

import pytest
import trio

from mcp.actors.pods import Inbox, reads, status_only

CASES: list[tuple[str, dict[str, Any], str, str, bool]] = [
    (
        "configMap volume",
        {"volumes": [{"name": "v", "configMap": {"name": "cfg"}}]},
        "ConfigMap",
        "cfg",
        True,
    ),
    (
        "another ConfigMap",
        {"volumes": [{"name": "v", "configMap": {"name": "other"}}]},
        "ConfigMap",
        "cfg",
        False,
    ),
    (
        "secret volume",
        {"volumes": [{"name": "v", "secret": {"secretName": "tok"}}]},
        "Secret",
        "tok",
        True,
    ),
    (
        "a ConfigMap of the Secret's name",
        {"volumes": [{"name": "v", "configMap": {"name": "tok"}}]},
        "Secret",
        "tok",
        False,
    ),
    (
        "projected secret",
        {"volumes": [{"name": "v", "projected": {"sources": [{"secret": {"name": "tok"}}]}}]},
        "Secret",
        "tok",
        True,
    ),
    (
        "env configMapKeyRef of an init container",
        {
            "initContainers": [
                {
                    "name": "i",
                    "env": [
                        {"name": "A", "valueFrom": {"configMapKeyRef": {"name": "cfg", "key": "k"}}}
                    ],
                }
            ]
        },
        "ConfigMap",
        "cfg",
        True,
    ),
    (
        "env secretKeyRef read as a ConfigMap",
        {
            "containers": [
                {
                    "name": "c",
                    "env": [
                        {"name": "A", "valueFrom": {"secretKeyRef": {"name": "cfg", "key": "k"}}}
                    ],
                }
            ]
        },
        "ConfigMap",
        "cfg",
        False,
    ),
    (
        "envFrom secretRef",
        {"containers": [{"name": "c", "envFrom": [{"secretRef": {"name": "tok"}}]}]},
        "Secret",
        "tok",
        True,
    ),
    ("nothing", {"containers": [{"name": "c"}]}, "ConfigMap", "cfg", False),
]


@pytest.mark.parametrize(
    ("spec", "kind", "name", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_reads(spec: dict[str, Any], kind: str, name: str, expected: bool) -> None:
    assert reads(spec, kind, name) is expected


def test_a_status_write_nudges_no_pod_and_a_spec_or_metadata_change_does() -> None:
    pod = {
        "metadata": {"name": "web", "resourceVersion": "5", "labels": {}},
        "spec": {},
        "status": {},
    }
    written = {
        **pod,
        "metadata": {**pod["metadata"], "resourceVersion": "6"},
        "status": {"phase": "Running"},
    }
    labelled = {**pod, "metadata": {**pod["metadata"], "labels": {"a": "b"}}}
    deleting = {**pod, "metadata": {**pod["metadata"], "deletionTimestamp": "2026-12-01T00:00:00Z"}}
    assert status_only(pod, written)
    assert not status_only(pod, labelled)
    assert not status_only(pod, deleting)


def test_a_nudge_for_an_actor_that_has_ended_is_dropped() -> None:
    """Docker's news of a Pod whose actor has just ended (its inbox closed) must not end
    the dispatcher: that made `mcp run` exit when Pods were force-deleted in numbers."""
    send, receive = trio.open_memory_channel[None](1)
    inbox = Inbox(send, {})
    inbox.nudge()
    inbox.nudge()  # one due already covers it
    receive.close()
    inbox.nudge()
    send.close()
    inbox.nudge()
