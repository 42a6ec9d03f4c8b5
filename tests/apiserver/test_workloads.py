"""Deployments, ReplicaSets, Jobs and CronJobs on the generic storage path (a fake store):
created with upstream's defaults at generation 1, a Job's selector generated from its
uid, strict decoding as Go's, the status written through `/status` only, the generation
bumped by spec changes, the selector immutable, the `scale` subresource (read, replaced,
patched), their field selectors, and errors that name the resource with its group
(`deployments.apps "web" not found`)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fakes import FakeStore

from mcp.apiserver import scale, storage
from mcp.apiserver.namespaces import ensure_defaults
from mcp.apiserver.status import KubeError
from mcp.kinds import apps, batch
from mcp.registry import Keys

KEYS = Keys("/t")
DEPLOYMENTS = storage.STRATEGIES["deployments"]
REPLICASETS = storage.STRATEGIES["replicasets"]
JOBS = storage.STRATEGIES["jobs"]
CRONJOBS = storage.STRATEGIES["cronjobs"]


def pod_template(restart: str = "Always") -> dict[str, Any]:
    return {
        "metadata": {"labels": {"app": "web"}},
        "spec": {"restartPolicy": restart, "containers": [{"name": "web", "image": "nginx:1"}]},
    }


def deployment(name: str = "web", **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name},
        "spec": {"selector": {"matchLabels": {"app": "web"}}, "template": pod_template(), **spec},
    }


def job(name: str = "pi", **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": name},
        "spec": {"template": pod_template("Never"), **spec},
    }


@pytest.fixture
async def store() -> FakeStore:
    made = FakeStore()
    await ensure_defaults(made, KEYS)
    return made


async def create(
    store: FakeStore, strategy: storage.Strategy, body: dict[str, Any]
) -> dict[str, Any]:
    obj, _ = await storage.create_object(
        store, KEYS, strategy, "default", body, field_validation="Strict", dry_run=False
    )
    return obj


async def get(store: FakeStore, strategy: storage.Strategy, name: str) -> dict[str, Any]:
    return await storage.get_object(store, KEYS, strategy.kind, "default", name)


async def update(
    store: FakeStore,
    strategy: storage.Strategy,
    name: str,
    change: Any,
    subresource: str | None = None,
) -> dict[str, Any]:
    current = await get(store, strategy, name)
    change(current)
    written, _ = await storage.update_object(
        store,
        KEYS,
        strategy,
        "default",
        name,
        current,
        field_validation="Strict",
        dry_run=False,
        subresource=subresource,
    )
    return written


async def test_a_deployment_is_stored_with_defaults_generation_1_and_no_status(
    store: FakeStore,
) -> None:
    made = await create(store, DEPLOYMENTS, {**deployment(), "status": {"replicas": 3}})
    assert made["metadata"]["generation"] == 1
    assert made["status"] == {}
    assert made["spec"]["replicas"] == 1
    assert made["spec"]["strategy"]["rollingUpdate"] == {"maxUnavailable": "25%", "maxSurge": "25%"}
    assert await get(store, DEPLOYMENTS, "web") == made
    replicaset = await create(store, REPLICASETS, {**deployment(), "kind": "ReplicaSet"})
    assert replicaset["status"] == {"replicas": 0}  # ReplicaSetStatus.replicas has no omitempty


async def test_strict_decoding_refuses_as_go_does(store: FakeStore) -> None:
    typo = deployment(replica=2)
    with pytest.raises(KubeError) as unknown:
        await create(store, DEPLOYMENTS, typo)
    assert (unknown.value.code, str(unknown.value)) == (
        400,
        'strict decoding error: unknown field "spec.replica"',
    )
    with pytest.raises(KubeError) as wrong_type:
        await create(store, DEPLOYMENTS, deployment(replicas="2"))
    assert str(wrong_type.value) == (
        'Deployment in version "v1" cannot be handled as a Deployment: json: cannot unmarshal '
        "string into Go struct field DeploymentSpec.spec.replicas of type int32"
    )


async def test_an_invalid_deployment_is_a_422_naming_the_group(store: FakeStore) -> None:
    with pytest.raises(KubeError) as refused:
        await create(store, DEPLOYMENTS, deployment(selector={"matchLabels": {"app": "db"}}))
    assert refused.value.code == 422
    assert str(refused.value) == (
        'Deployment.apps "web" is invalid: spec.template.metadata.labels: Invalid value: '
        '{"app":"web"}: `selector` does not match template `labels`'
    )
    assert refused.value.details == {
        "name": "web",
        "kind": "Deployment",
        "group": "apps",
        "causes": [
            {
                "reason": "FieldValueInvalid",
                "message": 'Invalid value: {"app":"web"}: `selector` does not match template '
                "`labels`",
                "field": "spec.template.metadata.labels",
            }
        ],
    }


async def test_not_found_and_already_exists_name_the_resource_with_its_group(
    store: FakeStore,
) -> None:
    with pytest.raises(KubeError) as missing:
        await get(store, DEPLOYMENTS, "nope")
    assert (str(missing.value), missing.value.details) == (
        'deployments.apps "nope" not found',
        {"name": "nope", "kind": "deployments", "group": "apps"},
    )
    await create(store, JOBS, job())
    with pytest.raises(KubeError) as taken:
        await create(store, JOBS, job())
    assert (taken.value.code, str(taken.value)) == (409, 'jobs.batch "pi" already exists')


async def test_the_status_is_written_through_status_and_the_spec_bumps_the_generation(
    store: FakeStore,
) -> None:
    await create(store, DEPLOYMENTS, deployment())

    def more_and_status(obj: dict[str, Any]) -> None:
        obj["spec"]["replicas"] = 3
        obj["status"] = {"replicas": 3}

    written = await update(store, DEPLOYMENTS, "web", more_and_status)
    assert (written["metadata"]["generation"], written["status"]) == (2, {})
    labelled = await update(
        store, DEPLOYMENTS, "web", lambda o: o["metadata"].update(labels={"a": "b"})
    )
    assert labelled["metadata"]["generation"] == 2

    def observed(obj: dict[str, Any]) -> None:
        obj["status"] = {"observedGeneration": 2, "replicas": 3, "readyReplicas": 1}
        obj["spec"]["replicas"] = 9  # ignored: a status write changes the status only

    status = await update(store, DEPLOYMENTS, "web", observed, subresource="status")
    assert status["status"] == {"observedGeneration": 2, "replicas": 3, "readyReplicas": 1}
    assert (status["spec"]["replicas"], status["metadata"]["generation"]) == (3, 2)
    with pytest.raises(KubeError) as refused:
        await update(
            store,
            DEPLOYMENTS,
            "web",
            lambda o: o["status"].update(readyReplicas=4),
            subresource="status",
        )
    assert str(refused.value) == (
        'Deployment.apps "web" is invalid: status.readyReplicas: Invalid value: 4: cannot be '
        "greater than status.replicas"
    )


async def test_the_selector_does_not_change(store: FakeStore) -> None:
    await create(store, DEPLOYMENTS, deployment())

    def reselect(obj: dict[str, Any]) -> None:
        obj["spec"]["selector"] = {"matchExpressions": [{"key": "app", "operator": "Exists"}]}

    with pytest.raises(KubeError) as refused:
        await update(store, DEPLOYMENTS, "web", reselect)
    assert str(refused.value) == (
        'Deployment.apps "web" is invalid: spec.selector: Invalid value: {"matchExpressions":'
        '[{"key":"app","operator":"Exists"}]}: field is immutable'
    )


async def test_a_strategic_merge_patch_changes_one_templates_container(store: FakeStore) -> None:
    await create(store, DEPLOYMENTS, deployment())
    patched, _ = await storage.patch_object(
        store,
        KEYS,
        DEPLOYMENTS,
        "default",
        "web",
        "application/strategic-merge-patch+json",
        {"spec": {"template": {"spec": {"containers": [{"name": "web", "image": "nginx:2"}]}}}},
        field_validation="Strict",
        dry_run=False,
    )
    containers = patched["spec"]["template"]["spec"]["containers"]
    assert [(c["name"], c["image"]) for c in containers] == [("web", "nginx:2")]
    assert patched["metadata"]["generation"] == 2


async def scale_of(store: FakeStore, strategy: storage.Strategy, name: str) -> dict[str, Any]:
    return scale.read(await get(store, strategy, name))


async def test_the_scale_subresource_reads_and_writes_the_replicas(store: FakeStore) -> None:
    made = await create(store, DEPLOYMENTS, deployment())
    before = await scale_of(store, DEPLOYMENTS, "web")
    assert before == {
        "kind": "Scale",
        "apiVersion": "autoscaling/v1",
        "metadata": {
            "name": "web",
            "namespace": "default",
            "uid": made["metadata"]["uid"],
            "resourceVersion": made["metadata"]["resourceVersion"],
            "creationTimestamp": made["metadata"]["creationTimestamp"],
        },
        "spec": {"replicas": 1},
        "status": {"replicas": 0, "selector": "app=web"},
    }
    # `kubectl scale`: a merge patch of spec.replicas.
    patched, _ = await scale.write(
        store,
        KEYS,
        DEPLOYMENTS,
        "default",
        "web",
        lambda old: storage.apply_patch(
            scale.SCALES.kind, old, "application/merge-patch+json", {"spec": {"replicas": 5}}
        ),
        field_validation="Strict",
        dry_run=False,
    )
    assert patched["spec"] == {"replicas": 5}
    stored = await get(store, DEPLOYMENTS, "web")
    assert (stored["spec"]["replicas"], stored["metadata"]["generation"]) == (5, 2)
    assert patched["metadata"]["resourceVersion"] == stored["metadata"]["resourceVersion"]
    # A PUT of a Scale read before: its resourceVersion is a precondition.
    with pytest.raises(KubeError) as stale:
        await scale.write(
            store,
            KEYS,
            DEPLOYMENTS,
            "default",
            "web",
            lambda old: {**before, "spec": {"replicas": 2}},
            field_validation="Strict",
            dry_run=False,
        )
    assert stale.value.code == 409


@pytest.mark.parametrize(
    ("body", "code", "message"),
    [
        pytest.param(
            {"spec": {"replicas": -1}},
            422,
            'Scale.autoscaling "web" is invalid: spec.replicas: Invalid value: -1: must be '
            "greater than or equal to 0",
            id="negative",
        ),
        pytest.param(
            {"spec": {"replicas": "5"}},
            400,
            'Scale in version "v1" cannot be handled as a Scale: json: cannot unmarshal string '
            "into Go struct field ScaleSpec.spec.replicas of type int32",
            id="not-a-number",
        ),
        pytest.param(
            {"metadata": {"uid": "someone-else"}, "spec": {"replicas": 2}},
            409,
            'Operation cannot be fulfilled on deployments/scale.apps "web": Precondition failed: '
            "UID in precondition: someone-else, UID in object meta: ",
            id="another-uid",
        ),
    ],
)
async def test_a_bad_scale_is_refused(
    store: FakeStore, body: dict[str, Any], code: int, message: str
) -> None:
    await create(store, DEPLOYMENTS, deployment())
    with pytest.raises(KubeError) as refused:
        await scale.write(
            store,
            KEYS,
            DEPLOYMENTS,
            "default",
            "web",
            lambda old: storage.apply_patch(
                scale.SCALES.kind, old, "application/merge-patch+json", body
            ),
            field_validation="Strict",
            dry_run=False,
        )
    assert refused.value.code == code
    assert str(refused.value).startswith(message)
    assert (await get(store, DEPLOYMENTS, "web"))["spec"]["replicas"] == 1


async def test_the_scale_of_no_object_is_not_found(store: FakeStore) -> None:
    with pytest.raises(KubeError) as missing:
        await scale.write(
            store,
            KEYS,
            REPLICASETS,
            "default",
            "nope",
            lambda old: old,
            field_validation="Strict",
            dry_run=False,
        )
    assert str(missing.value) == 'replicasets/scale.apps "nope" not found'


async def test_a_job_gets_its_selector_from_its_uid(store: FakeStore) -> None:
    made = await create(store, JOBS, job())
    uid = made["metadata"]["uid"]
    assert made["spec"]["selector"] == {"matchLabels": {batch.CONTROLLER_UID: uid}}
    labels = made["spec"]["template"]["metadata"]["labels"]
    assert labels == {
        "app": "web",
        "job-name": "pi",
        "batch.kubernetes.io/job-name": "pi",
        "controller-uid": uid,
        "batch.kubernetes.io/controller-uid": uid,
    }
    assert made["metadata"]["labels"] == labels  # shared with the template, as in Go
    assert (made["metadata"]["generation"], made["status"]) == (1, {})
    # An update keeps it valid: the generated labels and selector are the stored ones.
    relabelled = await update(store, JOBS, "pi", lambda o: o["metadata"].update(labels={"x": "y"}))
    assert relabelled["metadata"]["labels"] == {"x": "y"}
    with pytest.raises(KubeError) as immutable:
        await update(store, JOBS, "pi", lambda o: o["spec"].update(completions=2))
    assert str(immutable.value) == (
        'Job.batch "pi" is invalid: spec.completions: Invalid value: 2: field is immutable'
    )


async def test_a_server_side_apply_creates_a_job_with_its_generated_selector(
    store: FakeStore,
) -> None:
    applied, created = await storage.apply_object(
        store, KEYS, JOBS, "default", "pi", job(), manager="kubectl", force=False, dry_run=False
    )
    assert created
    uid = applied["metadata"]["uid"]
    assert applied["spec"]["selector"]["matchLabels"] == {batch.CONTROLLER_UID: uid}


async def test_a_cronjob_needs_a_schedule(store: FakeStore) -> None:
    body: dict[str, Any] = {
        "apiVersion": "batch/v1",
        "kind": "CronJob",
        "metadata": {"name": "tick"},
        "spec": {"schedule": "", "jobTemplate": {"spec": job()["spec"]}},
    }
    with pytest.raises(KubeError) as refused:
        await create(store, CRONJOBS, body)
    assert str(refused.value) == 'CronJob.batch "tick" is invalid: spec.schedule: Required value'
    body["spec"]["schedule"] = "@daily"
    made = await create(store, CRONJOBS, body)
    assert (made["spec"]["concurrencyPolicy"], made["spec"]["suspend"]) == ("Allow", False)


@pytest.mark.parametrize(
    ("kind", "selector", "names"),
    [
        pytest.param(batch.JOB, "status.successful=0", ["a", "b"], id="job-successful-unset"),
        pytest.param(batch.JOB, "status.successful!=0", [], id="job-none-succeeded"),
        pytest.param(apps.REPLICASET, "status.replicas=0", ["a", "b"], id="rs-replicas"),
        pytest.param(apps.DEPLOYMENT, "metadata.name=b", ["b"], id="deployment-by-name"),
    ],
)
async def test_field_selectors(
    store: FakeStore, kind: Any, selector: str, names: list[str]
) -> None:
    strategy = storage.STRATEGIES[kind.resource]
    for name in ("a", "b"):
        body = job(name) if kind == batch.JOB else {**deployment(name), "kind": kind.kind}
        await create(store, strategy, body)
    listed = await storage.list_objects(
        store, KEYS, kind, "default", label_selector=None, field_selector_text=selector
    )
    assert [item["metadata"]["name"] for item in listed["items"]] == names


async def test_a_workload_is_stored_under_its_group(store: FakeStore) -> None:
    await create(store, DEPLOYMENTS, deployment())
    item = await store.get("/t/registry/apps/deployments/default/web")
    assert item is not None
    assert json.loads(item.value)["kind"] == "Deployment"
