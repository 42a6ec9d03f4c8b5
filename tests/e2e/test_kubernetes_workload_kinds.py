"""The workload kinds (apps/v1 Deployments and ReplicaSets, batch/v1 Jobs and CronJobs)
through a real `mcp run`, as a user drives them with kubectl and the official Python
client: discovery, create/apply/edit/describe/scale/delete, upstream's defaults in
`-o yaml`, kubectl's own words for a refused Deployment, the `get` columns, and the
typed `AppsV1Api` / `BatchV1Api` reads. No controller acts on these objects yet, so
nothing becomes ready: READY stays 0/N.

One `mcp run` serves the module; each test works in a namespace of its own.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import stat
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import docker
import kubernetes
import pytest
import yaml
from support.launcher import McpLauncher

from e2e.test_kubernetes_clients import KUBECTL, assert_printed, kubectl

pytestmark = pytest.mark.e2e

ALL_VERBS = "create,delete,deletecollection,get,list,patch,update,watch"
WEB = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  labels: {app: api}
spec:
  replicas: 2
  selector:
    matchLabels: {app: api}
  template:
    metadata:
      labels: {app: api}
    spec:
      containers:
      - name: api
        image: local/busybox:1
        command: [sleep, "3600"]
"""


@pytest.fixture(scope="module", autouse=True)
def local_image(pod_image: str, docker_client: docker.DockerClient) -> None:
    """`local/busybox:1`, which the manifests name as the README's do, for the Pods the
    controllers make: the test Pod image under that tag (`scripts/dev run` builds its own)."""
    docker_client.images.get(pod_image).tag("local/busybox", "1")


@pytest.fixture(scope="module")
def kubeconfig(shared_launcher: McpLauncher) -> Path:
    """The kubeconfig of the module's one `mcp run`."""
    return shared_launcher.data_dir / "kubeconfig"


@pytest.fixture
def ns(kubeconfig: Path) -> str:
    """A namespace of this test's own, made as a user makes one."""
    name = f"w-{secrets.token_hex(4)}"
    made = kubectl(kubeconfig, "create", "namespace", name)
    assert made.stdout.strip() == f"namespace/{name} created", made.stderr
    return name


def ok(kubeconfig: Path, ns: str, *args: str) -> str:
    done = kubectl(kubeconfig, "-n", ns, *args)
    assert done.returncode == 0, done.stderr
    return done.stdout


def as_json(kubeconfig: Path, ns: str, *args: str) -> Any:
    return json.loads(ok(kubeconfig, ns, "get", *args, "-o", "json"))


def test_kubectl_api_resources_lists_the_workload_kinds(kubeconfig: Path) -> None:
    listed = kubectl(kubeconfig, "api-resources", "-o", "wide", "--no-headers")
    assert listed.returncode == 0, listed.stderr
    rows = [line.split() for line in listed.stdout.splitlines()]
    workloads = [row for row in rows if row[2 if len(row) == 7 else 1] in ("apps/v1", "batch/v1")]
    assert workloads == [
        ["deployments", "deploy", "apps/v1", "true", "Deployment", ALL_VERBS, "all"],
        ["replicasets", "rs", "apps/v1", "true", "ReplicaSet", ALL_VERBS, "all"],
        ["cronjobs", "cj", "batch/v1", "true", "CronJob", ALL_VERBS, "all"],
        ["jobs", "batch/v1", "true", "Job", ALL_VERBS, "all"],
    ]


def test_kubectl_create_deployment_stores_upstreams_defaults(kubeconfig: Path, ns: str) -> None:
    # The server's answer to a dry run: defaulted, stored nowhere, before any controller.
    dry = ("create", "deployment", "web", "--image=local/busybox:1", "--dry-run=server")
    shown = yaml.safe_load(ok(kubeconfig, ns, *dry, "-o", "yaml"))
    assert shown["metadata"]["generation"] == 1
    assert "status" not in shown or shown["status"] == {}
    spec = shown["spec"]
    assert {key: spec[key] for key in ("replicas", "revisionHistoryLimit")} == {
        "replicas": 1,
        "revisionHistoryLimit": 10,
    }
    assert spec["progressDeadlineSeconds"] == 600
    assert spec["strategy"] == {
        "type": "RollingUpdate",
        "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"},
    }
    assert spec["template"]["spec"] == {
        "containers": [
            {
                "name": "busybox",
                "image": "local/busybox:1",
                "imagePullPolicy": "IfNotPresent",
                "resources": {},
                "terminationMessagePath": "/dev/termination-log",
                "terminationMessagePolicy": "File",
            }
        ],
        "dnsPolicy": "ClusterFirst",
        "restartPolicy": "Always",
        "schedulerName": "default-scheduler",
        "securityContext": {},
        "terminationGracePeriodSeconds": 30,
    }
    created = ok(kubeconfig, ns, *dry[:-1], "--replicas=0")
    assert created.strip() == "deployment.apps/web created"
    assert_printed(
        ok(kubeconfig, ns, "get", "deploy"),
        [
            "NAME   READY   UP-TO-DATE   AVAILABLE   AGE",
            "web    0/0     0            0           {age}",
        ],
    )
    header, row = ok(kubeconfig, ns, "get", "deploy", "-o", "wide").splitlines()
    assert header.split() == [
        *("NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"),
        *("CONTAINERS", "IMAGES", "SELECTOR"),
    ]
    cells = row.split()
    assert cells[:4] + cells[5:] == [
        *("web", "0/0", "0", "0"),
        *("busybox", "local/busybox:1", "app=web"),
    ]


def test_kubectl_scale_writes_the_scale_subresource(kubeconfig: Path, ns: str) -> None:
    made = ("create", "deployment", "web", "--image=local/busybox:1", "--", "sleep", "3600")
    ok(kubeconfig, ns, *made)
    scaled = ok(kubeconfig, ns, "scale", "deployment/web", "--replicas=5")
    assert scaled.strip() == "deployment.apps/web scaled"
    shown = as_json(kubeconfig, ns, "deploy", "web")
    assert (shown["spec"]["replicas"], shown["metadata"]["generation"]) == (5, 2)
    path = f"/apis/apps/v1/namespaces/{ns}/deployments/web/scale"
    scale = json.loads(ok(kubeconfig, ns, "get", "--raw", path))
    assert (scale["kind"], scale["apiVersion"]) == ("Scale", "autoscaling/v1")
    assert scale["spec"] == {"replicas": 5}
    rolled = ok(kubeconfig, ns, "rollout", "status", "deployment/web", "--timeout=90s")
    assert rolled.splitlines()[-1] == 'deployment "web" successfully rolled out'
    scale = json.loads(ok(kubeconfig, ns, "get", "--raw", path))
    assert scale["status"] == {"replicas": 5, "selector": "app=web"}
    assert_printed(
        ok(kubeconfig, ns, "get", "deploy", "web"),
        [
            "NAME   READY   UP-TO-DATE   AVAILABLE   AGE",
            "web    5/5     5            5           {age}",
        ],
    )
    missing = kubectl(kubeconfig, "-n", ns, "scale", "deployment/nope", "--replicas=1")
    assert missing.returncode == 1
    assert missing.stderr.strip() == (
        'Error from server (NotFound): deployments.apps "nope" not found'
    )


def test_a_bad_deployment_is_refused_in_kubectls_words(
    kubeconfig: Path, ns: str, tmp_path: Path
) -> None:
    manifest = tmp_path / "bad.yaml"
    manifest.write_text(
        WEB.replace("matchLabels: {app: api}", "matchLabels: {app: other}").replace(
            "replicas: 2",
            "replicas: 2\n  strategy:\n    rollingUpdate: {maxSurge: 0, maxUnavailable: 0}",
        )
    )
    applied = kubectl(kubeconfig, "-n", ns, "apply", "-f", str(manifest))
    assert applied.returncode == 1
    assert applied.stderr.strip() == (
        'The Deployment "api" is invalid: \n'
        '* spec.template.metadata.labels: Invalid value: {"app":"api"}: `selector` does not '
        "match template `labels`\n"
        "* spec.strategy.rollingUpdate.maxUnavailable: Invalid value: 0: may not be 0 when "
        "`maxSurge` is 0"
    )
    privileged = tmp_path / "privileged.yaml"
    privileged.write_text(
        WEB.replace('command: [sleep, "3600"]', "securityContext: {privileged: true}")
    )
    refused = kubectl(kubeconfig, "-n", ns, "apply", "-f", str(privileged))
    assert refused.returncode == 1
    assert refused.stderr.startswith(
        'The Deployment "api" is invalid: spec.template.spec.containers[0].securityContext.'
        "privileged: Forbidden: privileged containers are not allowed"
    ), refused.stderr
    assert kubectl(kubeconfig, "-n", ns, "get", "deploy", "api").returncode == 1


def test_kubectl_apply_edit_and_describe_a_deployment(
    kubeconfig: Path, ns: str, tmp_path: Path
) -> None:
    manifest = tmp_path / "api.yaml"
    manifest.write_text(WEB)
    apply = ("apply", "-f", str(manifest))
    assert ok(kubeconfig, ns, *apply).strip() == "deployment.apps/api created"
    manifest.write_text(WEB.replace("replicas: 2", "replicas: 3"))
    assert ok(kubeconfig, ns, *apply).strip() == "deployment.apps/api configured"
    assert ok(kubeconfig, ns, *apply).strip() == "deployment.apps/api unchanged"
    shown = as_json(kubeconfig, ns, "deploy", "api")
    assert (shown["spec"]["replicas"], shown["metadata"]["generation"]) == (3, 2)

    editor = tmp_path / "editor.sh"
    editor.write_text('#!/bin/sh\nsed -i "s#- \\"3600\\"#- \\"3601\\"#" "$1"\n')
    editor.chmod(editor.stat().st_mode | stat.S_IXUSR)
    edited = subprocess.run(
        [KUBECTL, "--kubeconfig", str(kubeconfig), "-n", ns, "edit", "deploy", "api"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={**os.environ, "KUBE_EDITOR": str(editor)},
    )
    assert edited.stdout.strip() == "deployment.apps/api edited", edited.stderr
    shown = as_json(kubeconfig, ns, "deploy", "api")
    assert shown["spec"]["template"]["spec"]["containers"][0]["command"] == ["sleep", "3601"]
    assert shown["metadata"]["generation"] == 3
    rolled = ok(kubeconfig, ns, "rollout", "status", "deployment/api", "--timeout=90s")
    assert rolled.splitlines()[-1] == 'deployment "api" successfully rolled out'
    # A status a user writes through the resource is not stored.
    patched = kubectl(
        kubeconfig,
        "-n",
        ns,
        "patch",
        "deploy",
        "api",
        "--type=merge",
        "-p",
        '{"status": {"replicas": 99}}',
    )
    assert patched.returncode == 0, patched.stderr
    assert as_json(kubeconfig, ns, "deploy", "api")["status"]["replicas"] == 3

    described = ok(kubeconfig, ns, "describe", "deploy", "api").splitlines()
    for line in (
        f"Namespace:              {ns}",
        "Selector:               app=api",
        "Replicas:               3 desired | 3 updated | 3 total | 3 available | 0 unavailable",
        "StrategyType:           RollingUpdate",
        "RollingUpdateStrategy:  25% max unavailable, 25% max surge",
        "    Image:      local/busybox:1",
    ):
        assert line in described, "\n".join(described)
    deleted = ok(kubeconfig, ns, "delete", "deploy", "api")
    assert deleted.strip() == f'deployment.apps "api" deleted from {ns} namespace'


def test_kubectl_create_job_and_cronjob(kubeconfig: Path, ns: str) -> None:
    made = ok(
        kubeconfig, ns, "create", "job", "pi", "--image=local/busybox:1", "--", "sleep", "3600"
    )
    assert made.strip() == "job.batch/pi created"
    job = as_json(kubeconfig, ns, "job", "pi")
    uid = job["metadata"]["uid"]
    spec = job["spec"]
    assert spec["selector"] == {"matchLabels": {"batch.kubernetes.io/controller-uid": uid}}
    assert spec["template"]["metadata"]["labels"] == {
        "batch.kubernetes.io/controller-uid": uid,
        "batch.kubernetes.io/job-name": "pi",
        "controller-uid": uid,
        "job-name": "pi",
    }
    assert {
        key: spec[key]
        for key in (
            "parallelism",
            "completions",
            "backoffLimit",
            "completionMode",
            "suspend",
            "podReplacementPolicy",
            "manualSelector",
        )
    } == {
        "parallelism": 1,
        "completions": 1,
        "backoffLimit": 6,
        "completionMode": "NonIndexed",
        "suspend": False,
        "podReplacementPolicy": "TerminatingOrFailed",
        "manualSelector": False,
    }
    header, row = ok(kubeconfig, ns, "get", "jobs").splitlines()
    assert header.split() == ["NAME", "STATUS", "COMPLETIONS", "DURATION", "AGE"]
    name, status, completions, duration, age = row.split()
    assert (name, status, completions) == ("pi", "Running", "0/1")
    # The controller has started it: its DURATION counts from status.startTime.
    assert re.fullmatch(r"\d+s", duration), row
    assert re.fullmatch(r"\d+s", age), row
    cron = ok(
        kubeconfig,
        ns,
        "create",
        "cronjob",
        "tick",
        "--image=local/busybox:1",
        "--schedule=*/5 * * * *",
    )
    assert cron.strip() == "cronjob.batch/tick created"
    cronjob = as_json(kubeconfig, ns, "cj", "tick")["spec"]
    assert {
        key: cronjob[key]
        for key in (
            "concurrencyPolicy",
            "suspend",
            "successfulJobsHistoryLimit",
            "failedJobsHistoryLimit",
        )
    } == {
        "concurrencyPolicy": "Allow",
        "suspend": False,
        "successfulJobsHistoryLimit": 3,
        "failedJobsHistoryLimit": 1,
    }
    assert_printed(
        ok(kubeconfig, ns, "get", "cj"),
        [
            "NAME   SCHEDULE      TIMEZONE   SUSPEND   ACTIVE   LAST SCHEDULE   AGE",
            "tick   */5 * * * *   <none>     False     0        <none>          {age}",
        ],
    )
    bad = kubectl(
        kubeconfig, "-n", ns, "create", "cronjob", "late", "--image=x", "--schedule=61 * * * *"
    )
    assert bad.returncode == 1
    assert bad.stderr.strip() == (
        'error: failed to create cronjob: CronJob.batch "late" is invalid: spec.schedule: '
        'Invalid value: "61 * * * *": end of range (61) above maximum (59): 61'
    )
    listed = ok(kubeconfig, ns, "get", "deploy,rs,jobs,cj", "-o", "name").split()
    assert listed == ["job.batch/pi", "cronjob.batch/tick"]  # in the order asked for
    assert ok(kubeconfig, ns, "delete", "job", "pi").strip() == (
        f'job.batch "pi" deleted from {ns} namespace'
    )


@pytest.fixture
def client(kubeconfig: Path) -> Iterator[kubernetes.client.ApiClient]:
    api_client = kubernetes.config.new_client_from_config(  # type: ignore[no-untyped-call]  # the package ships no types
        config_file=str(kubeconfig)
    )
    with api_client:
        yield api_client


def test_the_python_client_reads_and_scales_the_workload_kinds(
    client: kubernetes.client.ApiClient, ns: str
) -> None:
    k8s = kubernetes.client
    apps = k8s.AppsV1Api(client)
    batch = k8s.BatchV1Api(client)
    selector = k8s.V1LabelSelector(match_labels={"app": "db"})

    def template(restart: str | None = None) -> Any:
        return k8s.V1PodTemplateSpec(
            metadata=k8s.V1ObjectMeta(labels={"app": "db"}),
            spec=k8s.V1PodSpec(
                restart_policy=restart,
                containers=[k8s.V1Container(name="db", image="local/busybox:1")],
            ),
        )

    apps.create_namespaced_replica_set(
        ns,
        k8s.V1ReplicaSet(
            metadata=k8s.V1ObjectMeta(name="db"),
            spec=k8s.V1ReplicaSetSpec(selector=selector, template=template()),
        ),
    )
    replicaset = apps.read_namespaced_replica_set("db", ns)
    assert replicaset.spec is not None
    assert replicaset.status is not None
    assert (replicaset.spec.replicas, replicaset.status.replicas) == (1, 0)
    apps.patch_namespaced_replica_set_scale("db", ns, {"spec": {"replicas": 3}})
    scale = apps.read_namespaced_replica_set_scale("db", ns)
    assert scale.spec is not None
    assert scale.status is not None
    assert (scale.spec.replicas, scale.status.selector) == (3, "app=db")

    apps.create_namespaced_deployment(
        ns,
        k8s.V1Deployment(
            metadata=k8s.V1ObjectMeta(name="db"),
            spec=k8s.V1DeploymentSpec(selector=selector, template=template()),
        ),
    )
    deployment = apps.read_namespaced_deployment("db", ns)
    assert deployment.spec is not None
    assert deployment.spec.strategy is not None
    assert deployment.spec.strategy.rolling_update is not None
    assert deployment.spec.strategy.rolling_update.max_surge == "25%"
    listed = apps.list_namespaced_deployment(ns).items
    assert [item.metadata.name for item in listed if item.metadata] == ["db"]
    with pytest.raises(k8s.exceptions.ApiException) as invalid:
        apps.replace_namespaced_deployment_scale(
            "db",
            ns,
            k8s.V1Scale(metadata=k8s.V1ObjectMeta(name="db"), spec=k8s.V1ScaleSpec(replicas=-1)),
        )
    assert invalid.value.status == 422
    assert json.loads(str(invalid.value.body))["message"] == (
        'Scale.autoscaling "db" is invalid: spec.replicas: Invalid value: -1: must be greater '
        "than or equal to 0"
    )

    job_spec = k8s.V1JobSpec(template=template("OnFailure"))
    batch.create_namespaced_job(
        ns, k8s.V1Job(metadata=k8s.V1ObjectMeta(name="once"), spec=job_spec)
    )
    job = batch.read_namespaced_job("once", ns)
    assert job.spec is not None
    assert (job.spec.completions, job.spec.backoff_limit) == (1, 6)
    batch.create_namespaced_cron_job(
        ns,
        k8s.V1CronJob(
            metadata=k8s.V1ObjectMeta(name="nightly"),
            spec=k8s.V1CronJobSpec(
                schedule="@daily", job_template=k8s.V1JobTemplateSpec(spec=job_spec)
            ),
        ),
    )
    cronjob = batch.read_namespaced_cron_job("nightly", ns)
    assert cronjob.spec is not None
    assert (cronjob.spec.concurrency_policy, cronjob.spec.suspend) == ("Allow", False)
    crons = batch.list_namespaced_cron_job(ns).items
    assert [item.metadata.name for item in crons if item.metadata] == ["nightly"]


def test_deleting_a_namespace_deletes_its_workloads(kubeconfig: Path, ns: str) -> None:
    ok(kubeconfig, ns, "create", "deployment", "web", "--image=local/busybox:1")
    ok(kubeconfig, ns, "create", "job", "pi", "--image=local/busybox:1")
    deleted = kubectl(kubeconfig, "delete", "namespace", ns, "--timeout=60s")
    assert deleted.stdout.strip() == f'namespace "{ns}" deleted', deleted.stderr
    gone = kubectl(kubeconfig, "get", "deploy,jobs", "-A", "-o", "name")
    assert ns not in gone.stdout
