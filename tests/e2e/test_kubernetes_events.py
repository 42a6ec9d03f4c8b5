"""A container's lifecycle as Kubernetes clients see it: `kubectl get events` (all
namespaces, by field selector, watching) and the Python client's typed Event models,
against a real `mcp run` whose controller records the events."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import httpx
import kubernetes
import pytest
from support.api import SLEEPER, unique_name
from support.launcher import McpLauncher
from support.polling import wait_until

from e2e.test_kubernetes_clients import KUBECTL, kubeconfig_path, kubectl
from e2e.test_v1_events import create, reasons_once, set_state

pytestmark = pytest.mark.e2e

__all__ = ["kubeconfig_path"]  # a fixture, used by name

# kubectl's tabwriter pads every cell with at least three spaces.
CELLS = re.compile(r"\s{3,}")
AGE = re.compile(r"\d+[smhd]|<unknown>")


def lived(api: httpx.Client, image: str, stem: str, *states: str) -> str:
    """A new sleeper's name, once it has gone through `states` (each waited for) and its
    events tell it all: Created, Started, then one Stopped or Started per state."""
    name = unique_name(stem)
    create(api, image, name, SLEEPER)
    for state in states:
        set_state(api, name, state)
    reasons_once(api, name, lambda seen: sum(seen.values()) == 2 + len(states))
    return name


def rows(output: str) -> list[list[str]]:
    return [CELLS.split(line.strip()) for line in output.splitlines() if line.strip()]


def test_kubectl_get_events_all_namespaces_shows_a_containers_lifecycle(
    kubeconfig_path: Path, api: httpx.Client, busybox_image: str
) -> None:
    name = lived(api, busybox_image, "life", "stopped")
    shown = kubectl(kubeconfig_path, "get", "events", "-A")
    assert shown.returncode == 0, shown.stderr
    header, *lines = rows(shown.stdout)
    assert header == ["NAMESPACE", "LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"]
    mine = [line for line in lines if line[4] == f"container/{name}"]
    assert [line[3] for line in mine] == ["Created", "Started", "Stopped"], shown.stdout
    for namespace, last_seen, type_, _reason, _object, message in mine:
        assert (namespace, type_) == ("default", "Normal")
        assert AGE.fullmatch(last_seen), last_seen
        assert name in message


def test_kubectl_get_events_by_field_selector(
    kubeconfig_path: Path, api: httpx.Client, busybox_image: str
) -> None:
    name = lived(api, busybox_image, "sel")
    lived(api, busybox_image, "other")
    selector = f"involvedObject.name={name}"
    shown = kubectl(kubeconfig_path, "get", "events", "--field-selector", selector)
    assert shown.returncode == 0, shown.stderr
    header, *lines = rows(shown.stdout)
    assert header == ["LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"]
    assert {line[3] for line in lines} == {f"container/{name}"}
    assert sorted(line[2] for line in lines) == ["Created", "Started"]
    # As `kubectl describe` asks: name, namespace (none: Containers are cluster-scoped), uid.
    uid = api.get(f"/api/v1/containers/{name}").json()["metadata"]["uid"]
    described = kubectl(
        kubeconfig_path,
        "get",
        "ev",
        "-o",
        "name",
        "--field-selector",
        f"involvedObject.name={name},involvedObject.namespace=,involvedObject.uid={uid}",
    )
    assert described.returncode == 0, described.stderr
    assert len(described.stdout.split()) == 2
    assert all(line.startswith(f"event/{name}.") for line in described.stdout.split())
    refused = kubectl(kubeconfig_path, "get", "events", "--field-selector", "message=x")
    assert refused.returncode == 1
    assert refused.stderr.strip() == (
        'Error from server (BadRequest): Unable to find "/v1, Resource=events" that match '
        'label selector "", field selector "message=x": field label not supported: message'
    )


def test_kubectl_get_events_watch_sees_a_new_event(
    kubeconfig_path: Path, api: httpx.Client, busybox_image: str
) -> None:
    name = lived(api, busybox_image, "watched")
    selector = f"involvedObject.name={name}"
    command = ["get", "events", "-w", "--field-selector", selector]
    watcher = subprocess.Popen(
        [KUBECTL, "--kubeconfig", str(kubeconfig_path), *command],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )

    def reason() -> str:
        assert watcher.stdout is not None
        cells = CELLS.split(watcher.stdout.readline().strip())
        return cells[2] if len(cells) > 2 else ""

    try:
        assert reason() == "REASON"  # the header
        assert sorted([reason(), reason()]) == ["Created", "Started"]  # the list
        set_state(api, name, "stopped")
        assert reason() == "Stopped"
    finally:
        watcher.kill()
        watcher.communicate(timeout=10)


def test_the_python_client_parses_every_event(
    kubeconfig_path: Path, api: httpx.Client, busybox_image: str
) -> None:
    name = lived(api, busybox_image, "typed", "stopped", "running")
    api_client = kubernetes.config.new_client_from_config(  # type: ignore[no-untyped-call]  # the package ships no types
        config_file=str(kubeconfig_path)
    )
    with api_client:
        core = kubernetes.client.CoreV1Api(api_client)
        everything = core.list_event_for_all_namespaces()
        mine = core.list_namespaced_event(
            "default", field_selector=f"involvedObject.name={name}"
        ).items
    assert everything.items, "no events at all"
    for event in everything.items:
        assert event.involved_object is not None
        assert event.metadata is not None
        assert event.metadata.namespace == "default"
    counts = {event.reason: event.count for event in mine}
    assert counts == {"Created": 1, "Started": 2, "Stopped": 1}
    started = next(event for event in mine if event.reason == "Started")
    assert started.involved_object.api_version == "mcp/v1"
    assert started.involved_object.kind == "Container"
    assert started.involved_object.name == name
    assert started.source is not None
    assert started.source.component == "mcp-controller"
    assert started.reporting_component == "mcp-controller"
    assert started.first_timestamp is not None
    assert started.last_timestamp is not None
    assert started.first_timestamp <= started.last_timestamp
    assert started.type == "Normal"


def test_a_user_writes_an_event_with_kubectl_and_it_expires(
    mcp_launcher: McpLauncher, tmp_path: Path
) -> None:
    """`kubectl create -f` of an Event: validated as upstream, stored on a lease."""
    mcp = mcp_launcher.start(extra_args=["--event-ttl", "2"])
    kubeconfig = mcp_launcher.data_dir / "kubeconfig"
    manifest = tmp_path / "event.yaml"
    manifest.write_text(
        "apiVersion: v1\n"
        "kind: Event\n"
        "metadata: {name: note.1}\n"
        "involvedObject: {kind: Node, name: here}\n"
        "reason: Noted\n"
        "message: a user's event\n"
        "type: Normal\n"
    )
    made = kubectl(kubeconfig, "create", "-f", str(manifest))
    assert made.returncode == 0, made.stderr
    assert made.stdout.strip() == "event/note.1 created"
    wrong = kubectl(kubeconfig, "create", "-n", "kube-public", "-f", str(manifest))
    assert wrong.returncode == 1
    assert wrong.stderr.strip() == (
        'The Event "note.1" is invalid: involvedObject.namespace: Invalid value: "": '
        "does not match event.namespace"
    )
    with httpx.Client(base_url=mcp.url, timeout=60) as http:
        path = "/api/v1/namespaces/default/events/note.1"
        wait_until(
            lambda: http.get(path).status_code == 404, timeout=30, message="the event to expire"
        )
