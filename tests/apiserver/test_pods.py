"""Pods on the generic storage path: created with upstream's defaults onto the one Node,
read by their selectable fields, updated within ValidatePodUpdate's rules, their status
written through `/status` only, and deleted gracefully (kept while their grace period
runs, finished by a delete with no grace; finalizers honoured)."""

from __future__ import annotations

from typing import Any

import pytest
from fakes import FakeStore

from mcp.apiserver import deletion, storage
from mcp.apiserver.namespaces import ensure_defaults
from mcp.apiserver.status import KubeError
from mcp.kinds import core
from mcp.registry import Keys

KEYS = Keys("/t")
PODS = storage.strategies(node_name="box")["pods"]


def body(name: str = "web", **spec: Any) -> dict[str, Any]:
    containers = spec.pop("containers", [{"name": "web", "image": "nginx:1.27"}])
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "labels": {"app": name}},
        "spec": {"containers": containers, **spec},
    }


@pytest.fixture
async def store() -> FakeStore:
    made = FakeStore()
    await ensure_defaults(made, KEYS)
    return made


async def create(store: FakeStore, pod: dict[str, Any]) -> dict[str, Any]:
    obj, _ = await storage.create_object(
        store, KEYS, PODS, "default", pod, field_validation="Strict", dry_run=False
    )
    return obj


async def get(store: FakeStore, name: str = "web") -> dict[str, Any]:
    return await storage.get_object(store, KEYS, core.POD, "default", name)


async def delete(store: FakeStore, name: str = "web", **options: Any) -> dict[str, Any]:
    answer, _ = await storage.delete_object(
        store, KEYS, PODS, "default", name, dry_run=False, options=deletion.Options(**options)
    )
    return answer


async def test_a_new_pod_is_pending_on_the_node_with_upstreams_defaults(store: FakeStore) -> None:
    made = await create(store, {**body(), "status": {"phase": "Running"}})
    assert made["metadata"]["generation"] == 1
    assert made["spec"]["nodeName"] == "box"
    assert made["spec"]["serviceAccountName"] == "default"
    assert made["spec"]["containers"] == [
        {
            "name": "web",
            "image": "nginx:1.27",
            "resources": {},
            "terminationMessagePath": "/dev/termination-log",
            "terminationMessagePolicy": "File",
            "imagePullPolicy": "IfNotPresent",
        }
    ]
    assert made["status"] == {"phase": "Pending", "qosClass": "BestEffort"}
    assert await get(store) == made


async def test_strict_decoding_and_the_priority_plugin(store: FakeStore) -> None:
    typo = body(containers=[{"name": "web", "image": "x", "imagee": "y"}])
    with pytest.raises(KubeError) as unknown:
        await create(store, typo)
    assert (unknown.value.code, str(unknown.value)) == (
        400,
        'strict decoding error: unknown field "spec.containers[0].imagee"',
    )
    with pytest.raises(KubeError) as wrong_type:
        await create(store, body(terminationGracePeriodSeconds="30"))
    assert wrong_type.value.code == 400
    assert str(wrong_type.value) == (
        'Pod in version "v1" cannot be handled as a Pod: json: cannot unmarshal string into Go '
        "struct field PodSpec.spec.terminationGracePeriodSeconds of type int64"
    )
    with pytest.raises(KubeError) as admission:
        await create(store, body(priorityClassName="gold"))
    assert (admission.value.code, str(admission.value)) == (
        403,
        'pods "web" is forbidden: no PriorityClass with name gold was found',
    )


@pytest.mark.parametrize(
    ("selector", "names"),
    [
        pytest.param("spec.nodeName=box", ["a", "b"], id="node"),
        pytest.param("status.phase=Pending", ["a", "b"], id="phase"),
        pytest.param("spec.restartPolicy=Never", ["b"], id="restart-policy"),
        pytest.param("spec.hostNetwork=false", ["a", "b"], id="host-network-unset"),
        pytest.param("spec.serviceAccountName=default", ["a", "b"], id="service-account"),
        pytest.param("spec.schedulerName=default-scheduler", ["a", "b"], id="scheduler"),
        pytest.param("status.podIP=", ["a", "b"], id="no-ip-yet"),
        pytest.param("status.nominatedNodeName!=", [], id="nominated"),
        pytest.param("metadata.name=a,spec.nodeName=box", ["a"], id="two"),
    ],
)
async def test_field_selectors(store: FakeStore, selector: str, names: list[str]) -> None:
    await create(store, body("a"))
    await create(store, body("b", restartPolicy="Never"))
    listed = await storage.list_objects(
        store, KEYS, core.POD, "default", label_selector=None, field_selector_text=selector
    )
    assert [item["metadata"]["name"] for item in listed["items"]] == names


async def update(store: FakeStore, change: Any, subresource: str | None = None) -> dict[str, Any]:
    current = await get(store)
    change(current)
    written, _ = await storage.update_object(
        store,
        KEYS,
        PODS,
        "default",
        "web",
        current,
        field_validation="Strict",
        dry_run=False,
        subresource=subresource,
    )
    return written


async def test_an_update_keeps_the_status_and_bumps_the_generation(store: FakeStore) -> None:
    await create(store, body())

    def new_image_and_status(pod: dict[str, Any]) -> None:
        pod["spec"]["containers"][0]["image"] = "nginx:1.28"
        pod["status"]["phase"] = "Running"

    written = await update(store, new_image_and_status)
    assert written["spec"]["containers"][0]["image"] == "nginx:1.28"
    assert written["status"]["phase"] == "Pending"
    assert written["metadata"]["generation"] == 2
    unchanged = await update(store, lambda pod: pod["metadata"].update(labels={"x": "y"}))
    assert unchanged["metadata"]["generation"] == 2


async def test_other_spec_changes_are_forbidden(store: FakeStore) -> None:
    await create(store, body())
    with pytest.raises(KubeError) as refused:
        await update(store, lambda pod: pod["spec"].update(restartPolicy="Never"))
    assert refused.value.code == 422
    assert str(refused.value).startswith(
        'Pod "web" is invalid: spec: Forbidden: pod updates may not change fields other than '
    )
    assert '+ \tRestartPolicy: "Never",' in str(refused.value)


async def test_the_status_is_written_through_status_only(store: FakeStore) -> None:
    await create(store, body())

    def running(pod: dict[str, Any]) -> None:
        pod["status"] = {"phase": "Running", "podIP": "10.0.0.5"}
        pod["spec"]["containers"][0]["image"] = "ignored:1"
        pod["metadata"]["labels"] = {"ignored": "yes"}

    written = await update(store, running, subresource="status")
    assert written["status"] == {
        "phase": "Running",
        "podIP": "10.0.0.5",
        "podIPs": [{"ip": "10.0.0.5"}],
        "qosClass": "BestEffort",  # kept: a status write that leaves it out keeps it
    }
    assert written["spec"]["containers"][0]["image"] == "nginx:1.27"
    assert written["metadata"]["labels"] == {"app": "web"}
    listed = await storage.list_objects(
        store,
        KEYS,
        core.POD,
        None,
        label_selector=None,
        field_selector_text="status.podIP=10.0.0.5",
    )
    assert len(listed["items"]) == 1
    with pytest.raises(KubeError) as refused:
        await update(store, lambda pod: pod["status"].update(qosClass="Guaranteed"), "status")
    assert 'status.qosClass: Invalid value: "Guaranteed": field is immutable' in str(refused.value)


async def test_a_strategic_merge_patch_changes_one_container_by_name(store: FakeStore) -> None:
    await create(
        store, body(containers=[{"name": "a", "image": "x:1"}, {"name": "b", "image": "y:1"}])
    )
    patched, _ = await storage.patch_object(
        store,
        KEYS,
        PODS,
        "default",
        "web",
        "application/strategic-merge-patch+json",
        {"spec": {"containers": [{"name": "b", "image": "y:2"}]}},
        field_validation="Strict",
        dry_run=False,
    )
    assert [(c["name"], c["image"]) for c in patched["spec"]["containers"]] == [
        ("a", "x:1"),
        ("b", "y:2"),
    ]


async def test_a_server_side_apply_creates_the_pod_as_a_post_would(store: FakeStore) -> None:
    applied, created = await storage.apply_object(
        store,
        KEYS,
        PODS,
        "default",
        "web",
        body(),
        manager="kubectl",
        force=False,
        dry_run=False,
    )
    assert created
    assert applied["spec"]["nodeName"] == "box"
    assert applied["status"]["phase"] == "Pending"
    again, created_again = await storage.apply_object(
        store, KEYS, PODS, "default", "web", body(), manager="kubectl", force=False, dry_run=False
    )
    assert not created_again
    assert again["metadata"]["resourceVersion"] == applied["metadata"]["resourceVersion"]


async def test_a_graceful_delete_keeps_the_pod_until_a_delete_without_grace(
    store: FakeStore,
) -> None:
    await create(store, body())
    marked = await delete(store)
    assert marked["kind"] == "Pod"
    assert marked["metadata"]["deletionGracePeriodSeconds"] == 30
    stored = await get(store)
    assert stored["metadata"]["deletionTimestamp"] == marked["metadata"]["deletionTimestamp"]
    assert stored["metadata"]["generation"] == 2
    # Asking again for no shorter a period changes nothing.
    again = await delete(store)
    assert again["metadata"]["resourceVersion"] == stored["metadata"]["resourceVersion"]
    shorter = await delete(store, grace_period_seconds=10)
    assert shorter["metadata"]["deletionGracePeriodSeconds"] == 10
    gone = await delete(store, grace_period_seconds=0)
    assert gone["metadata"]["deletionGracePeriodSeconds"] == 0
    with pytest.raises(KubeError) as missing:
        await get(store)
    assert missing.value.code == 404


async def test_an_unscheduled_pod_goes_at_once(store: FakeStore) -> None:
    unscheduled = storage.strategies()["pods"]  # no Node known: nothing schedules it
    await storage.create_object(
        store, KEYS, unscheduled, "default", body(), field_validation="Strict", dry_run=False
    )
    await delete(store)
    with pytest.raises(KubeError):
        await get(store)


async def test_a_finalizer_holds_a_pod_whose_grace_is_over(store: FakeStore) -> None:
    pod = body()
    pod["metadata"]["finalizers"] = ["example.com/hold"]
    await create(store, pod)
    await delete(store)  # graceful: 30 s

    def release(obj: dict[str, Any]) -> None:
        obj["metadata"]["finalizers"] = []

    # Its grace period runs: removing the finalizer does not delete it yet.
    assert (await update(store, release))["metadata"]["deletionGracePeriodSeconds"] == 30
    pod_again = await get(store)
    assert "finalizers" not in pod_again["metadata"]
    await delete(store, grace_period_seconds=0)
    with pytest.raises(KubeError):
        await get(store)


async def test_a_finalized_pod_forced_is_deleted_by_the_write_that_releases_it(
    store: FakeStore,
) -> None:
    pod = body()
    pod["metadata"]["finalizers"] = ["example.com/hold"]
    await create(store, pod)
    held = await delete(store, grace_period_seconds=0)
    assert held["metadata"]["deletionGracePeriodSeconds"] == 0
    assert (await get(store))["metadata"]["finalizers"] == ["example.com/hold"]
    await update(store, lambda obj: obj["metadata"].update(finalizers=[]))
    with pytest.raises(KubeError):
        await get(store)


async def test_preconditions_name_the_pod(store: FakeStore) -> None:
    made = await create(store, body())
    with pytest.raises(KubeError) as refused:
        await delete(store, grace_period_seconds=0, uid="someone-else")
    assert refused.value.code == 409
    await delete(store, grace_period_seconds=0, uid=made["metadata"]["uid"])
    with pytest.raises(KubeError):
        await get(store)


async def test_a_collection_delete_gives_each_pod_its_grace(store: FakeStore) -> None:
    await create(store, body("a"))
    await create(store, body("b", terminationGracePeriodSeconds=0))
    listed, _ = await storage.delete_collection(
        store,
        KEYS,
        PODS,
        "default",
        label_selector=None,
        field_selector_text=None,
        dry_run=False,
    )
    assert [item["metadata"]["name"] for item in listed["items"]] == ["a", "b"]
    left = await storage.list_objects(
        store, KEYS, core.POD, "default", label_selector=None, field_selector_text=None
    )
    assert [
        (p["metadata"]["name"], p["metadata"]["deletionGracePeriodSeconds"]) for p in left["items"]
    ] == [("a", 30)]
