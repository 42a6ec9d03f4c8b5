"""Watching Kubernetes objects over a real `mcp run`: kubectl's `get -w` and `wait`, the
Python client's `watch.Watch()` and its relist after the 410 that follows a compaction,
and the stream's framing as kube-apiserver sends it."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path
from typing import Any

import httpx
import kubernetes
import pytest
from support.etcd import EtcdServer
from support.launcher import McpLauncher
from support.mcp_process import McpProcess

from e2e.test_kubernetes_clients import KUBECTL, kubectl

pytestmark = pytest.mark.e2e

CM_PATH = "/api/v1/namespaces/default/configmaps"


@pytest.fixture
def kubeconfig(mcp: McpProcess, mcp_launcher: McpLauncher) -> Path:
    return mcp_launcher.data_dir / "kubeconfig"


def configmap(name: str, data: dict[str, str], labels: dict[str, str] | None = None) -> str:
    return json.dumps(
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": name, "labels": labels or {}},
            "data": data,
        }
    )


def create(api: httpx.Client, name: str, labels: dict[str, str] | None = None) -> dict[str, Any]:
    response = api.post(CM_PATH, content=configmap(name, {"k": "1"}, labels))
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def merge_patch(api: httpx.Client, name: str, patch: dict[str, Any]) -> dict[str, Any]:
    response = api.patch(
        f"{CM_PATH}/{name}",
        content=json.dumps(patch),
        headers={"content-type": "application/merge-patch+json"},
    )
    assert response.status_code == 200, response.text
    patched: dict[str, Any] = response.json()
    return patched


def watch_lines(api: httpx.Client, params: dict[str, str]) -> list[dict[str, Any]]:
    """A whole watch stream that ends by itself (`timeoutSeconds`), parsed."""
    response = api.get(CM_PATH, params={"watch": "true", "timeoutSeconds": "1", **params})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    return [json.loads(line) for line in response.text.splitlines() if line]


def events(lines: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [(line["type"], line["object"]["metadata"].get("name", "")) for line in lines]


def test_kubectl_get_watch_sees_changes_as_they_happen(kubeconfig: Path, api: httpx.Client) -> None:
    create(api, "app")
    watcher = subprocess.Popen(
        [KUBECTL, "--kubeconfig", str(kubeconfig), "get", "cm", "-w", "-o", "name"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert watcher.stdout is not None
        assert watcher.stdout.readline().strip() == "configmap/app"  # the list
        merge_patch(api, "app", {"data": {"k": "2"}})
        assert watcher.stdout.readline().strip() == "configmap/app"  # MODIFIED
        deleted = kubectl(kubeconfig, "delete", "cm", "app")
        assert deleted.returncode == 0, deleted.stderr
        assert watcher.stdout.readline().strip() == "configmap/app"  # DELETED
        assert watcher.poll() is None, "kubectl's watch ended: the server closed it"
    finally:
        watcher.kill()
        watcher.communicate(timeout=10)


def test_kubectl_get_watch_prints_tables_with_the_event_types(
    kubeconfig: Path, api: httpx.Client
) -> None:
    create(api, "app")
    command = ["get", "cm", "-A", "-w", "--output-watch-events"]
    watcher = subprocess.Popen(
        [KUBECTL, "--kubeconfig", str(kubeconfig), *command],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )

    def row() -> list[str]:
        assert watcher.stdout is not None
        cells = watcher.stdout.readline().split()
        return cells[:-1]  # all but AGE

    try:
        assert row() == ["EVENT", "NAMESPACE", "NAME", "DATA"]
        assert row() == ["ADDED", "default", "app", "1"]
        merge_patch(api, "app", {"data": {"k": "2", "extra": "3"}})
        assert row() == ["MODIFIED", "default", "app", "2"]
        assert api.delete(f"{CM_PATH}/app").status_code == 200
        assert row() == ["DELETED", "default", "app", "2"]
    finally:
        watcher.kill()
        watcher.communicate(timeout=10)


def test_kubectl_wait_sees_a_change_made_while_it_waits(
    kubeconfig: Path, api: httpx.Client
) -> None:
    create(api, "app")
    waiter = subprocess.Popen(
        [
            KUBECTL,
            "--kubeconfig",
            str(kubeconfig),
            "wait",
            "--for=jsonpath={.data.k}=ready",
            "cm/app",
            "--timeout=30s",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        time.sleep(1.0)  # kubectl is watching (watch-list: sendInitialEvents=true)
        assert waiter.poll() is None, waiter.communicate()
        merge_patch(api, "app", {"data": {"k": "ready"}})
        out, err = waiter.communicate(timeout=20)
    finally:
        waiter.kill()
    assert waiter.returncode == 0, err
    assert out.strip() == "configmap/app condition met"


def test_kubectl_delete_waits_and_the_object_is_gone(kubeconfig: Path, api: httpx.Client) -> None:
    create(api, "app")
    deleted = kubectl(kubeconfig, "delete", "cm", "app", "--wait=true")
    assert deleted.returncode == 0, deleted.stderr
    assert deleted.stdout.strip() == 'configmap "app" deleted from default namespace'
    assert api.get(f"{CM_PATH}/app").status_code == 404


def test_a_watch_from_a_version_replays_every_change_after_it(api: httpx.Client) -> None:
    since = api.get(CM_PATH).json()["metadata"]["resourceVersion"]
    created = create(api, "app")
    patched = merge_patch(api, "app", {"data": {"k": "2"}})
    assert api.delete(f"{CM_PATH}/app").status_code == 200
    lines = watch_lines(api, {"resourceVersion": since})
    assert events(lines) == [("ADDED", "app"), ("MODIFIED", "app"), ("DELETED", "app")]
    versions = [int(line["object"]["metadata"]["resourceVersion"]) for line in lines]
    assert versions[0] == int(created["metadata"]["resourceVersion"])
    assert versions[1] == int(patched["metadata"]["resourceVersion"])
    assert versions[2] > versions[1]  # the deletion's revision, as kube-apiserver sends it
    assert lines[1]["object"]["data"] == {"k": "2"}


def test_a_watch_without_a_version_starts_with_every_object(api: httpx.Client) -> None:
    create(api, "one")
    create(api, "two")
    assert events(watch_lines(api, {})) == [("ADDED", "one"), ("ADDED", "two")]


def test_watch_list_ends_its_initial_events_with_an_annotated_bookmark(
    api: httpx.Client,
) -> None:
    create(api, "one")
    written = create(api, "two")
    lines = watch_lines(
        api,
        {
            "sendInitialEvents": "true",
            "resourceVersionMatch": "NotOlderThan",
            "allowWatchBookmarks": "true",
            "resourceVersion": written["metadata"]["resourceVersion"],
        },
    )
    assert events(lines)[:3] == [("ADDED", "one"), ("ADDED", "two"), ("BOOKMARK", "")]
    end = lines[2]["object"]
    assert end["kind"] == "ConfigMap"
    assert end["metadata"]["annotations"] == {"k8s.io/initial-events-end": "true"}
    assert int(end["metadata"]["resourceVersion"]) >= int(written["metadata"]["resourceVersion"])


@pytest.mark.parametrize(
    ("params", "message"),
    [
        (
            {"sendInitialEvents": "true", "allowWatchBookmarks": "true"},
            "sendInitialEvents requires setting resourceVersionMatch to NotOlderThan",
        ),
        (
            {"sendInitialEvents": "true", "resourceVersionMatch": "NotOlderThan"},
            "sendInitialEvents requires setting allowWatchBookmarks to true",
        ),
        (
            {"resourceVersionMatch": "NotOlderThan", "resourceVersion": "1"},
            "resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided",
        ),
        ({"resourceVersion": "abc"}, "resourceVersion must be a number"),
        ({"timeoutSeconds": "soon"}, "timeoutSeconds"),
        ({"follow": "true"}, "unknown query parameters: follow"),
    ],
)
def test_a_watch_kube_apiserver_refuses_is_a_400_status(
    api: httpx.Client, params: dict[str, str], message: str
) -> None:
    response = api.get(CM_PATH, params={"watch": "true", **params})
    assert response.status_code == 400
    status = response.json()
    assert (status["kind"], status["reason"], status["code"]) == ("Status", "BadRequest", 400)
    assert message in status["message"]


def test_a_relabelled_object_leaves_and_joins_a_selected_stream(api: httpx.Client) -> None:
    since = api.get(CM_PATH).json()["metadata"]["resourceVersion"]
    create(api, "web", {"tier": "web"})
    create(api, "db", {"tier": "db"})
    merge_patch(api, "web", {"metadata": {"labels": {"tier": "cache"}}})
    merge_patch(api, "db", {"metadata": {"labels": {"tier": "web"}}})
    lines = watch_lines(api, {"resourceVersion": since, "labelSelector": "tier=web"})
    assert events(lines) == [("ADDED", "web"), ("DELETED", "web"), ("ADDED", "db")]


def test_bookmarks_only_when_asked(mcp_launcher: McpLauncher) -> None:
    mcp = mcp_launcher.start(extra_args=["--bookmark-interval", "0.3"])
    with httpx.Client(base_url=mcp.url, timeout=30) as api:
        plain = watch_lines(api, {"resourceVersion": "0"})
        asked = watch_lines(api, {"resourceVersion": "0", "allowWatchBookmarks": "true"})
    assert plain == []
    assert len(asked) >= 2  # one every 0.3 s of the 1 s stream
    assert {line["type"] for line in asked} == {"BOOKMARK"}


def python_client(kubeconfig: Path) -> kubernetes.client.ApiClient:
    client: kubernetes.client.ApiClient = kubernetes.config.new_client_from_config(  # type: ignore[no-untyped-call]  # the package ships no types
        config_file=str(kubeconfig)
    )
    return client


def list_version(core: kubernetes.client.CoreV1Api) -> str:
    listed = core.list_namespaced_config_map("default")
    assert listed.metadata is not None
    return str(listed.metadata.resource_version)


def test_the_python_clients_watch_streams_changes(kubeconfig: Path, api: httpx.Client) -> None:
    with python_client(kubeconfig) as client:
        core = kubernetes.client.CoreV1Api(client)
        since = list_version(core)
        create(api, "app")
        merge_patch(api, "app", {"data": {"k": "2"}})
        assert api.delete(f"{CM_PATH}/app").status_code == 200
        seen = [
            (event["type"], event["object"].metadata.name, event["object"].data)
            for event in kubernetes.watch.Watch().stream(  # type: ignore[no-untyped-call]
                core.list_namespaced_config_map,
                "default",
                resource_version=since,
                timeout_seconds=1,
            )
        ]
    assert seen == [
        ("ADDED", "app", {"k": "1"}),
        ("MODIFIED", "app", {"k": "2"}),
        ("DELETED", "app", {"k": "2"}),
    ]


def test_the_python_client_relists_after_the_410_that_follows_a_compaction(
    kubeconfig: Path, api: httpx.Client, etcd: EtcdServer
) -> None:
    with python_client(kubeconfig) as client:
        core = kubernetes.client.CoreV1Api(client)
        old = list_version(core)
        create(api, "app")
        etcd.compact()
        with pytest.raises(kubernetes.client.exceptions.ApiException) as gone:
            for _ in kubernetes.watch.Watch().stream(  # type: ignore[no-untyped-call]
                core.list_namespaced_config_map,
                "default",
                resource_version=old,
                timeout_seconds=5,
            ):
                pass
        assert gone.value.status == 410
        # The caller's cure: list again, and watch from the list's version.
        relisted = core.list_namespaced_config_map("default")
        assert relisted.metadata is not None
        assert [item.metadata.name for item in relisted.items if item.metadata] == ["app"]
        merge_patch(api, "app", {"data": {"k": "2"}})
        seen = [
            (event["type"], event["object"].data)
            for event in kubernetes.watch.Watch().stream(  # type: ignore[no-untyped-call]
                core.list_namespaced_config_map,
                "default",
                resource_version=relisted.metadata.resource_version,
                timeout_seconds=1,
            )
        ]
    assert seen == [("MODIFIED", {"k": "2"})]
