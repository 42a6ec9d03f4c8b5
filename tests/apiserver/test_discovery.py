"""Discovery documents from kind descriptions, and which paths answer `Status` errors."""

from __future__ import annotations

import pytest

from mcp.apiserver import discovery
from mcp.apiserver.status import is_kubernetes_path
from mcp.kinds import ALL_VERBS, Kind, served
from mcp.kinds.core import NAMESPACE, POD

DEPLOYMENT = Kind(
    group="apps",
    version="v1",
    resource="deployments",
    kind="Deployment",
    namespaced=True,
    short_names=("deploy",),
    categories=("all",),
    subresources=("status", "scale"),
)


def test_core_resource_list_has_only_core_kinds() -> None:
    listed = discovery.resource_list("v1", [NAMESPACE, DEPLOYMENT])
    assert listed["groupVersion"] == "v1"
    assert listed["resources"] == [
        {
            "name": "namespaces",
            "singularName": "namespace",
            "namespaced": False,
            "kind": "Namespace",
            "verbs": ["create", "delete", "get", "list", "patch", "update", "watch"],
            "shortNames": ["ns"],
        }
    ]


def test_a_group_lists_its_resources_and_subresources() -> None:
    listed = discovery.resource_list("apps/v1", [NAMESPACE, DEPLOYMENT])
    assert [entry["name"] for entry in listed["resources"]] == [
        "deployments",
        "deployments/status",
        "deployments/scale",
    ]
    assert listed["resources"][0]["categories"] == ["all"]


def test_a_pods_log_is_only_read() -> None:
    listed = discovery.resource_list("v1", [POD])["resources"]
    assert [entry for entry in listed if entry["name"] == "pods/log"] == [
        {
            "name": "pods/log",
            "singularName": "",
            "namespaced": True,
            "kind": "Pod",
            "verbs": ["get"],
        }
    ]


def test_pods_list_their_streaming_subresources_with_their_options_kinds() -> None:
    listed = {entry["name"]: entry for entry in discovery.resource_list("v1", [POD])["resources"]}
    assert sorted(listed) == ["pods", "pods/attach", "pods/exec", "pods/log", "pods/status"]
    assert (listed["pods/status"]["kind"], listed["pods/status"]["verbs"]) == (
        "Pod",
        ["get", "patch", "update"],
    )
    assert (listed["pods/exec"]["kind"], listed["pods/exec"]["verbs"]) == (
        "PodExecOptions",
        ["create", "get"],
    )
    assert (listed["pods/attach"]["kind"], listed["pods/attach"]["verbs"]) == (
        "PodAttachOptions",
        ["create", "get"],
    )


def test_group_list_names_each_group_once() -> None:
    groups = discovery.group_list([NAMESPACE, DEPLOYMENT, DEPLOYMENT])["groups"]
    assert groups == [
        {
            "name": "apps",
            "versions": [{"groupVersion": "apps/v1", "version": "v1"}],
            "preferredVersion": {"groupVersion": "apps/v1", "version": "v1"},
        }
    ]


@pytest.mark.parametrize(
    ("path", "kubernetes"),
    [
        pytest.param("/api", True, id="core-discovery"),
        pytest.param("/api/v1/namespaces/default", True, id="core-object"),
        pytest.param("/apis/apps/v1", True, id="group"),
        pytest.param("/api/v1/containers/web", False, id="mcp-containers"),
        pytest.param("/api/v1/events", True, id="events"),
        pytest.param("/api/v1/containers/web/events", False, id="mcp-container-events"),
        pytest.param("/containers/web", False, id="seed"),
        pytest.param("/apiary", False, id="lookalike"),
    ],
)
def test_which_paths_answer_status(path: str, kubernetes: bool) -> None:
    assert is_kubernetes_path(path) is kubernetes


def test_the_workload_kinds_are_listed_as_kube_apiserver_lists_them() -> None:
    listed = discovery.resource_list("apps/v1", served.KINDS)["resources"]
    assert listed[:3] == [
        {
            "name": "deployments",
            "singularName": "deployment",
            "namespaced": True,
            "kind": "Deployment",
            "verbs": list(ALL_VERBS),
            "shortNames": ["deploy"],
            "categories": ["all"],
        },
        {
            "name": "deployments/status",
            "singularName": "",
            "namespaced": True,
            "kind": "Deployment",
            "verbs": ["get", "patch", "update"],
        },
        # kubectl's scale client reads the Scale's group and version here.
        {
            "name": "deployments/scale",
            "singularName": "",
            "namespaced": True,
            "group": "autoscaling",
            "version": "v1",
            "kind": "Scale",
            "verbs": ["get", "patch", "update"],
        },
    ]
    assert [entry["name"] for entry in listed[3:]] == [
        "replicasets",
        "replicasets/status",
        "replicasets/scale",
    ]
    jobs = discovery.resource_list("batch/v1", served.KINDS)["resources"]
    assert [(e["name"], e.get("shortNames"), e.get("categories")) for e in jobs] == [
        ("cronjobs", ["cj"], ["all"]),
        ("cronjobs/status", None, None),
        ("jobs", None, ["all"]),
        ("jobs/status", None, None),
    ]


def test_the_named_groups_are_apps_and_batch() -> None:
    groups = discovery.group_list(served.KINDS)["groups"]
    assert [group["preferredVersion"]["groupVersion"] for group in groups] == [
        "apps/v1",
        "batch/v1",
    ]
