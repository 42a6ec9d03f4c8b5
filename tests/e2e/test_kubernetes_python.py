"""The official Python `kubernetes` client against one real `mcp run`, as a program uses it:
typed `CoreV1Api` calls for every kind mcp serves (each answer parsed into the typed models,
which refuse a missing required field), and the discovery-based `DynamicClient` for a core
kind and for mcp's own Container. The Pod really runs, on mcp's engine (the local image
`mcp-test/pod:1`): its status is the kubelet's, and a graceful delete keeps it while its
containers run.

Its watch stream and the relist after a 410 are in test_kubernetes_watch.py; server-side
apply through it is in test_kubernetes_apply.py.
"""

from __future__ import annotations

import json
import secrets
import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import kubernetes
import pytest
from support.launcher import McpLauncher
from support.polling import wait_until

pytestmark = pytest.mark.e2e

client = kubernetes.client
ApiException = kubernetes.client.exceptions.ApiException


@pytest.fixture(scope="module")
def api_client(shared_launcher: McpLauncher) -> Iterator[Any]:
    """A Python client configured by the kubeconfig of the module's `mcp run`.

    Every test writes in a namespace of its own (or under names of its own), so they share it.
    """
    made = kubernetes.config.new_client_from_config(  # type: ignore[no-untyped-call]  # the package ships no types
        config_file=str(shared_launcher.data_dir / "kubeconfig")
    )
    with made:
        yield made


@pytest.fixture
def core(api_client: Any) -> Any:
    """A CoreV1Api, as Any: every field of its models is Optional, and the tests assert on
    them rather than narrow each one."""
    return client.CoreV1Api(api_client)


@pytest.fixture
def namespace(core: Any) -> str:
    """A namespace for this test alone."""
    name = f"py-{secrets.token_hex(4)}"
    core.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name=name)))
    return name


@dataclass(frozen=True)
class Namespaced:
    """A namespaced kind as the typed API names it, and a body to write."""

    kind: str  # the suffix of CoreV1Api's methods: create_namespaced_<kind>
    body: Callable[[str, str], Any]  # (name, namespace) -> a model
    patch: dict[str, Any]  # a merge patch that changes something
    changed: Callable[[Any], object]  # what the patch changed, read from a model
    # A delete answers with the object (upstream's ReturnDeletedObject), not a Status.
    deleted_is_the_object: bool = False


def _event(name: str, namespace: str) -> client.CoreV1Event:
    return client.CoreV1Event(
        metadata=client.V1ObjectMeta(name=name, labels={"app": "py"}),
        involved_object=client.V1ObjectReference(kind="ConfigMap", name="one", namespace=namespace),
        reason="Noted",
        message="a program's event",
        type="Normal",
    )


NAMESPACED = [
    pytest.param(
        Namespaced(
            "config_map",
            lambda name, _: client.V1ConfigMap(
                metadata=client.V1ObjectMeta(name=name, labels={"app": "py"}), data={"a": "1"}
            ),
            {"data": {"a": "2"}},
            lambda obj: obj.data,
        ),
        id="configmap",
    ),
    pytest.param(
        Namespaced(
            "secret",
            lambda name, _: client.V1Secret(
                metadata=client.V1ObjectMeta(name=name, labels={"app": "py"}),
                string_data={"a": "1"},
            ),
            {"data": {"a": "Mg=="}},
            lambda obj: obj.data,
        ),
        id="secret",
    ),
    pytest.param(
        Namespaced(
            "service_account",
            lambda name, _: client.V1ServiceAccount(
                metadata=client.V1ObjectMeta(name=name, labels={"app": "py"})
            ),
            {"automountServiceAccountToken": False},
            lambda obj: obj.automount_service_account_token,
            deleted_is_the_object=True,
        ),
        id="serviceaccount",
    ),
    pytest.param(
        Namespaced(
            "event",
            _event,
            {"message": "changed"},
            lambda obj: obj.message,
        ),
        id="event",
    ),
]


@pytest.mark.parametrize("kind", NAMESPACED)
def test_typed_calls_write_and_read_every_namespaced_kind(
    core: Any, namespace: str, kind: Namespaced
) -> None:
    def call(verb: str, *args: Any, **kwargs: Any) -> Any:
        return getattr(core, f"{verb}_namespaced_{kind.kind}")(*args, **kwargs)

    created = call("create", namespace, kind.body("one", namespace))
    read = call("read", "one", namespace)
    listed = call("list", namespace, label_selector="app=py")
    patched = call("patch", "one", namespace, kind.patch)
    # A replace from the patched object: its resourceVersion is current.
    patched.metadata.annotations = {"note": "replaced"}
    replaced = call("replace", "one", namespace, patched)
    stale = read
    stale.metadata.annotations = {"note": "stale"}
    with pytest.raises(ApiException) as conflict:
        call("replace", "one", namespace, stale)
    deleted = call("delete", "one", namespace)
    with pytest.raises(ApiException) as gone:
        call("read", "one", namespace)

    assert created.metadata.uid == read.metadata.uid
    assert created.metadata.namespace == namespace
    assert created.metadata.creation_timestamp is not None  # parsed into a datetime
    assert [item.metadata.name for item in listed.items] == ["one"]
    assert listed.metadata.resource_version.isdigit()
    assert kind.changed(patched) == kind.changed(replaced)
    assert kind.changed(patched) != kind.changed(created)
    assert replaced.metadata.annotations == {"note": "replaced"}
    assert int(replaced.metadata.resource_version) > int(patched.metadata.resource_version)
    assert conflict.value.status == 409
    if kind.deleted_is_the_object:
        assert deleted.metadata.uid == created.metadata.uid
    else:  # the client leaves a Status as a dict
        assert (deleted["kind"], deleted["status"]) == ("Status", "Success")
        assert deleted["details"]["name"] == "one"
    assert gone.value.status == 404


def test_typed_calls_write_and_read_namespaces(core: Any) -> None:
    name = f"py-{secrets.token_hex(4)}"
    created = core.create_namespace(
        client.V1Namespace(metadata=client.V1ObjectMeta(name=name, labels={"team": "py"}))
    )
    patched = core.patch_namespace(name, {"metadata": {"labels": {"tier": "back"}}})
    patched.metadata.annotations = {"note": "replaced"}
    replaced = core.replace_namespace(name, patched)
    listed = core.list_namespace(label_selector="team=py")
    core.delete_namespace(name)

    def gone() -> bool:
        try:
            core.read_namespace(name)
        except ApiException as missing:
            return bool(missing.status == 404)
        return False

    assert created.status.phase == "Active"
    assert created.metadata.labels == {"team": "py", "kubernetes.io/metadata.name": name}
    assert patched.metadata.labels["tier"] == "back"
    assert replaced.metadata.annotations == {"note": "replaced"}
    assert [item.metadata.name for item in listed.items] == [name]
    assert replaced.spec.finalizers == ["kubernetes"]
    wait_until(gone, timeout=15, message="the namespace to go")


def test_typed_calls_read_and_label_the_node(core: Any) -> None:
    [node] = core.list_node().items
    name = node.metadata.name
    read = core.read_node(name)
    patched = core.patch_node(name, {"metadata": {"labels": {"py": "yes"}}})
    status = core.read_node_status(name)
    with pytest.raises(ApiException) as refused:
        core.delete_node(name)
    assert read.metadata.uid == node.metadata.uid
    assert patched.metadata.labels["py"] == "yes"
    assert read.status.node_info is not None
    assert {condition.type for condition in status.status.conditions} >= {"Ready"}
    assert refused.value.status == 405


# busybox httpd and sleep, each PID 1 of its container, ignore SIGTERM: a graceful delete
# waits out the grace period for them.
SERVE = "mkdir -p /www && echo ok > /www/index.html && exec httpd -f -p 80 -h /www"


def _pod(image: str = "nginx:1.27") -> Any:
    """The Pod `p`: `web` serves on port 80, `side` sleeps, both of `image`, and a
    configMap volume of `cfg`."""
    return client.V1Pod(
        metadata=client.V1ObjectMeta(name="p", labels={"app": "py"}),
        spec=client.V1PodSpec(
            containers=[
                client.V1Container(
                    name="web",
                    image=image,
                    command=["sh", "-c", SERVE],
                    ports=[client.V1ContainerPort(container_port=80, name="http")],
                    resources=client.V1ResourceRequirements(
                        limits={"cpu": "0.25", "memory": "64Mi"}
                    ),
                    readiness_probe=client.V1Probe(http_get=client.V1HTTPGetAction(port=80)),
                ),
                client.V1Container(
                    name="side",
                    image=image,
                    command=["sleep", "3600"],
                    env=[
                        client.V1EnvVar(
                            name="POD",
                            value_from=client.V1EnvVarSource(
                                field_ref=client.V1ObjectFieldSelector(field_path="metadata.name")
                            ),
                        )
                    ],
                    volume_mounts=[client.V1VolumeMount(name="cfg", mount_path="/etc/cfg")],
                ),
            ],
            volumes=[
                client.V1Volume(name="cfg", config_map=client.V1ConfigMapVolumeSource(name="cfg"))
            ],
        ),
    )


def test_the_typed_api_creates_reads_and_deletes_a_pod(
    core: Any, namespace: str, pod_image: str
) -> None:
    """The Pod runs on mcp's engine (the local image `mcp-test/pod:1`, never pulled), which
    writes its status as the kubelet does; the test's own status write is of a condition
    the kubelet does not own (a readiness gate's, say), merged beside the kubelet's."""
    config = client.V1ConfigMap(metadata=client.V1ObjectMeta(name="cfg"), data={"k": "v"})
    core.create_namespaced_config_map(namespace, config)
    created = core.create_namespaced_pod(namespace, _pod(pod_image))
    read = core.read_namespaced_pod("p", namespace)

    def started() -> Any:
        shown = core.read_namespaced_pod_status("p", namespace)
        return shown if shown.status.phase == "Running" and shown.status.pod_ip else None

    status = wait_until(started, timeout=30, message="the Pod running")
    running = core.list_namespaced_pod(namespace, field_selector="status.phase=Running")
    pending = core.list_namespaced_pod(namespace, field_selector="status.phase=Pending")
    by_ip = core.list_pod_for_all_namespaces(field_selector=f"status.podIP={status.status.pod_ip}")
    checked = core.patch_namespaced_pod_status(
        "p",
        namespace,
        {"status": {"conditions": [{"type": "example.com/checked", "status": "True"}]}},
    )
    marked = core.delete_namespaced_pod("p", namespace)  # graceful: kept for its 30 s
    terminating = core.read_namespaced_pod("p", namespace)
    forced = core.delete_namespaced_pod("p", namespace, grace_period_seconds=0)
    with pytest.raises(ApiException) as gone:
        core.read_namespaced_pod("p", namespace)

    spec = read.spec
    web, side = spec.containers
    assert created.metadata.uid == read.metadata.uid
    assert created.metadata.generation == 1
    assert (created.status.phase, created.status.qos_class) == ("Pending", "Burstable")
    assert spec.node_name == socket.gethostname().strip().lower()
    assert (spec.service_account_name, spec.priority, spec.enable_service_links) == (
        "default",
        0,
        True,
    )
    assert (spec.restart_policy, spec.dns_policy, spec.scheduler_name) == (
        "Always",
        "ClusterFirst",
        "default-scheduler",
    )
    assert spec.termination_grace_period_seconds == 30
    assert isinstance(spec.security_context, client.V1PodSecurityContext)
    assert [t.toleration_seconds for t in spec.tolerations] == [300, 300]
    assert (web.image_pull_policy, web.termination_message_path) == (
        "IfNotPresent",
        "/dev/termination-log",
    )
    assert web.ports[0].protocol == "TCP"
    assert web.resources.limits == {"cpu": "250m", "memory": "64Mi"}
    assert web.resources.requests == web.resources.limits
    probe = web.readiness_probe
    assert (probe.http_get.path, probe.http_get.scheme, probe.period_seconds) == ("/", "HTTP", 10)
    assert (probe.timeout_seconds, probe.success_threshold, probe.failure_threshold) == (1, 1, 3)
    assert side.env[0].value_from.field_ref.api_version == "v1"
    assert spec.volumes[0].config_map.default_mode == 420
    assert [item.metadata.name for item in running.items] == ["p"]
    assert pending.items == []
    assert [ip.ip for ip in status.status.pod_ips] == [status.status.pod_ip]
    assert status.status.qos_class == "Burstable"  # kept: the kubelet's writes leave it out
    assert [item.metadata.name for item in by_ip.items] == ["p"]
    conditions = {c.type: c.status for c in checked.status.conditions}
    assert conditions["example.com/checked"] == "True"
    assert conditions["PodScheduled"] == "True"  # merged by type beside the kubelet's
    assert checked.status.phase == "Running"
    assert checked.status.qos_class == "Burstable"  # kept: the status write left it out
    assert marked.metadata.deletion_grace_period_seconds == 30
    assert terminating.metadata.deletion_timestamp is not None
    assert forced.metadata.deletion_grace_period_seconds == 0
    assert gone.value.status == 404


def test_a_pod_the_server_refuses_is_a_422_naming_the_field(core: Any, namespace: str) -> None:
    pod = _pod()
    pod.spec.containers[1].image = None
    with pytest.raises(ApiException) as refused:
        core.create_namespaced_pod(namespace, pod)
    status = json.loads(refused.value.body or "{}")
    assert refused.value.status == 422
    assert status["details"]["causes"] == [
        {
            "reason": "FieldValueRequired",
            "message": "Required value",
            "field": "spec.containers[1].image",
        }
    ]


def test_the_dynamic_client_finds_configmaps_by_discovery(api_client: Any, namespace: str) -> None:
    dynamic = kubernetes.dynamic.DynamicClient(api_client)  # type: ignore[no-untyped-call]  # the package ships no types
    configmaps = dynamic.resources.get(api_version="v1", kind="ConfigMap")
    body = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "dyn"},
        "data": {"a": "1"},
    }
    created = configmaps.create(body=body, namespace=namespace)
    patched = configmaps.patch(
        name="dyn",
        namespace=namespace,
        body={"data": {"b": "2"}},
        content_type="application/merge-patch+json",
    )
    strategic = configmaps.patch(name="dyn", namespace=namespace, body={"data": {"c": "3"}})
    got = configmaps.get(name="dyn", namespace=namespace)
    listed = configmaps.get(namespace=namespace)
    deleted = configmaps.delete(name="dyn", namespace=namespace)
    with pytest.raises(kubernetes.dynamic.exceptions.NotFoundError):
        configmaps.get(name="dyn", namespace=namespace)

    assert (configmaps.namespaced, configmaps.name, configmaps.short_names) == (
        True,
        "configmaps",
        ["cm"],
    )
    assert created.metadata.uid == got.metadata.uid
    assert patched.data.to_dict() == {"a": "1", "b": "2"}
    assert strategic.data.to_dict() == {"a": "1", "b": "2", "c": "3"}
    assert [item.metadata.name for item in listed.items] == ["dyn"]
    assert (deleted.kind, deleted.status) == ("Status", "Success")


def test_the_dynamic_client_drives_mcps_containers(api_client: Any, busybox_image: str) -> None:
    dynamic = kubernetes.dynamic.DynamicClient(api_client)  # type: ignore[no-untyped-call]  # the package ships no types
    containers = dynamic.resources.get(api_version="mcp/v1", kind="Container")
    name = f"dyn-{secrets.token_hex(4)}"
    body = {
        "apiVersion": "mcp/v1",
        "kind": "Container",
        "metadata": {"name": name},
        "spec": {"image": busybox_image, "command": ["sleep", "3600"]},
    }
    created = containers.create(body=body)

    def phase() -> str:
        return str(containers.get(name=name).status.phase)

    wait_until(lambda: phase() == "Running", timeout=60, message="the container to run")
    patched = containers.patch(
        name=name,
        body={"metadata": {"labels": {"app": "dyn"}}},
        content_type="application/merge-patch+json",
    )
    listed = containers.get(label_selector="app=dyn")
    containers.delete(name=name)

    def gone() -> bool:
        try:
            containers.get(name=name)
        except kubernetes.dynamic.exceptions.NotFoundError:
            return True
        return False

    assert (containers.namespaced, containers.group, containers.kind) == (
        False,
        "mcp",
        "Container",
    )
    assert created.metadata.name == name
    assert patched.metadata.labels.to_dict() == {"app": "dyn"}
    assert [item.metadata.name for item in listed.items] == [name]
    wait_until(gone, timeout=60, message="the container to go")
