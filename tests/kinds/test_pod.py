"""The Pod strategy's pure parts: upstream's v1 defaults (SetObjectDefaults_Pod), what the
admission plugins and PrepareForCreate set, what an update keeps, the QoS class
(qos_test.go's cases), CheckGracefulDelete and the selectable fields."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from mcp.kinds import apimachinery, pod

NOW = "2030-01-02T03:04:05Z"


def with_spec(**spec: Any) -> dict[str, Any]:
    containers = spec.pop("containers", [{"name": "web", "image": "nginx:1.27"}])
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "p", "namespace": "default"},
        "spec": {"containers": containers, **spec},
    }


def defaulted(**spec: Any) -> dict[str, Any]:
    result: dict[str, Any] = pod.normalize(with_spec(**spec))["spec"]
    return result


def test_a_bare_pod_gets_upstreams_pod_and_spec_defaults() -> None:
    spec = defaulted()
    assert {k: v for k, v in spec.items() if k not in ("containers", "tolerations")} == {
        "dnsPolicy": "ClusterFirst",
        "restartPolicy": "Always",
        "securityContext": {},
        "terminationGracePeriodSeconds": 30,
        "schedulerName": "default-scheduler",
        "enableServiceLinks": True,
    }
    assert spec["containers"] == [
        {
            "name": "web",
            "image": "nginx:1.27",
            "imagePullPolicy": "IfNotPresent",
            "terminationMessagePath": "/dev/termination-log",
            "terminationMessagePolicy": "File",
        }
    ]


def test_the_default_toleration_seconds_plugin_adds_two_tolerations() -> None:
    assert defaulted()["tolerations"] == [
        {
            "key": "node.kubernetes.io/not-ready",
            "operator": "Exists",
            "effect": "NoExecute",
            "tolerationSeconds": 300,
        },
        {
            "key": "node.kubernetes.io/unreachable",
            "operator": "Exists",
            "effect": "NoExecute",
            "tolerationSeconds": 300,
        },
    ]
    match_all = [{"operator": "Exists"}]
    assert defaulted(tolerations=match_all)["tolerations"] == match_all


@pytest.mark.parametrize(
    ("image", "policy"),
    [
        pytest.param("nginx", "Always", id="untagged"),
        pytest.param("nginx:latest", "Always", id="latest"),
        pytest.param("registry:5000/team/app", "Always", id="registry-port-untagged"),
        pytest.param("registry:5000/team/app:1.2", "IfNotPresent", id="registry-port-tagged"),
        pytest.param("nginx:1.27", "IfNotPresent", id="tagged"),
        pytest.param("nginx@sha256:" + "a" * 64, "IfNotPresent", id="digest"),
        pytest.param("NotValid", "IfNotPresent", id="unparsable"),
    ],
)
def test_image_pull_policy_follows_the_tag(image: str, policy: str) -> None:
    spec = defaulted(containers=[{"name": "a", "image": image}])
    assert spec["containers"][0]["imagePullPolicy"] == policy


def test_a_given_pull_policy_is_kept() -> None:
    spec = defaulted(containers=[{"name": "a", "image": "x", "imagePullPolicy": "Never"}])
    assert spec["containers"][0]["imagePullPolicy"] == "Never"


def test_container_parts_get_their_defaults() -> None:
    container = {
        "name": "a",
        "image": "x:1",
        "ports": [{"containerPort": 80}, {"containerPort": 53, "protocol": "UDP"}],
        "env": [{"name": "N", "valueFrom": {"fieldRef": {"fieldPath": "spec.nodeName"}}}],
        "resources": {"limits": {"cpu": "1.0001", "memory": "128Mi"}, "requests": {"cpu": "1"}},
        "livenessProbe": {"httpGet": {"port": 80}},
        "readinessProbe": {"grpc": {"port": 9000}, "periodSeconds": 5},
        "lifecycle": {"preStop": {"httpGet": {"port": 80, "path": "/stop"}}},
    }
    (spec,) = defaulted(containers=[container])["containers"]
    assert [p["protocol"] for p in spec["ports"]] == ["TCP", "UDP"]
    assert spec["env"][0]["valueFrom"]["fieldRef"]["apiVersion"] == "v1"
    # Rounded up to millis; a limit without a request is also the request.
    assert spec["resources"] == {
        "limits": {"cpu": "1001m", "memory": "128Mi"},
        "requests": {"cpu": "1", "memory": "128Mi"},
    }
    assert spec["livenessProbe"] == {
        "httpGet": {"port": 80, "path": "/", "scheme": "HTTP"},
        "timeoutSeconds": 1,
        "periodSeconds": 10,
        "successThreshold": 1,
        "failureThreshold": 3,
    }
    assert spec["readinessProbe"]["grpc"] == {"port": 9000, "service": ""}
    assert spec["readinessProbe"]["periodSeconds"] == 5
    assert spec["lifecycle"]["preStop"]["httpGet"] == {
        "port": 80,
        "path": "/stop",
        "scheme": "HTTP",
    }


def test_volumes_get_their_sources_defaults() -> None:
    volumes = [
        {"name": "scratch"},
        {"name": "cfg", "configMap": {"name": "c"}},
        {"name": "s", "secret": {"secretName": "s", "defaultMode": 256}},
        {"name": "d", "downwardAPI": {"items": [{"path": "n", "fieldRef": {"fieldPath": "x"}}]}},
        {
            "name": "all",
            "projected": {
                "sources": [
                    {"downwardAPI": {"items": [{"path": "n", "fieldRef": {"fieldPath": "y"}}]}},
                    {"serviceAccountToken": {"path": "token"}},
                ]
            },
        },
        {"name": "h", "hostPath": {"path": "/tmp"}},
    ]
    scratch, cfg, secret, downward, projected, host = defaulted(volumes=volumes)["volumes"]
    assert scratch == {"name": "scratch", "emptyDir": {}}
    assert cfg["configMap"]["defaultMode"] == 0o644 == 420
    assert secret["secret"]["defaultMode"] == 256
    assert downward["downwardAPI"]["defaultMode"] == 420
    assert downward["downwardAPI"]["items"][0]["fieldRef"]["apiVersion"] == "v1"
    sources = projected["projected"]["sources"]
    assert projected["projected"]["defaultMode"] == 420
    assert sources[0]["downwardAPI"]["items"][0]["fieldRef"]["apiVersion"] == "v1"
    assert sources[1]["serviceAccountToken"]["expirationSeconds"] == 3600
    assert host["hostPath"]["type"] == ""


def test_host_network_ports_default_their_host_port() -> None:
    spec = defaulted(
        hostNetwork=True, containers=[{"name": "a", "image": "x", "ports": [{"containerPort": 8}]}]
    )
    assert spec["containers"][0]["ports"][0]["hostPort"] == 8


@pytest.mark.parametrize(
    ("given", "name"),
    [
        pytest.param({"serviceAccount": "old"}, "old", id="deprecated-alias"),
        pytest.param({"serviceAccountName": "new", "serviceAccount": "old"}, "new", id="name-wins"),
        pytest.param({}, None, id="none-yet"),
    ],
)
def test_service_account_alias(given: dict[str, str], name: str | None) -> None:
    spec = defaulted(**given)
    assert spec.get("serviceAccountName") == name
    assert spec.get("serviceAccount") == name


def test_pod_ip_and_ips_agree_the_single_field_winning() -> None:
    obj = with_spec()
    obj["status"] = {"podIP": "10.0.0.2", "podIPs": [{"ip": "10.0.0.9"}], "hostIP": "1.2.3.4"}
    status = pod.normalize(obj)["status"]
    assert status["podIPs"] == [{"ip": "10.0.0.2"}]
    assert status["hostIPs"] == [{"ip": "1.2.3.4"}]


def test_prepare_create_schedules_admits_and_sets_the_status() -> None:
    created = pod.prepare_create(pod.normalize(with_spec()), NOW, node_name="box")
    spec = created["spec"]
    assert spec["nodeName"] == "box"
    assert (spec["serviceAccountName"], spec["serviceAccount"]) == ("default", "default")
    assert (spec["priority"], spec["preemptionPolicy"]) == (0, "PreemptLowerPriority")
    assert created["metadata"]["generation"] == 1
    assert created["status"] == {"phase": "Pending", "qosClass": "BestEffort"}


def test_a_gated_pod_is_not_scheduled_and_says_why() -> None:
    created = pod.prepare_create(
        pod.normalize(with_spec(schedulingGates=[{"name": "example.com/wait"}])),
        NOW,
        node_name="box",
    )
    assert "nodeName" not in created["spec"]
    assert created["status"]["conditions"] == [
        {
            "type": "PodScheduled",
            "status": "False",
            "lastProbeTime": None,
            "lastTransitionTime": NOW,
            "reason": "SchedulingGated",
            "message": "Scheduling is blocked due to non-empty scheduling gates",
        }
    ]


def test_a_client_status_is_replaced_and_a_given_node_kept() -> None:
    obj = with_spec(nodeName="elsewhere")
    obj["status"] = {"phase": "Running"}
    created = pod.prepare_create(pod.normalize(obj), NOW, node_name="box")
    assert created["spec"]["nodeName"] == "elsewhere"
    assert created["status"]["phase"] == "Pending"


@pytest.mark.parametrize(
    ("spec", "words"),
    [
        pytest.param(
            {"priorityClassName": "gold"},
            "no PriorityClass with name gold was found",
            id="unknown-class",
        ),
        pytest.param(
            {"priority": 5},
            "the integer value of priority (5) must not be provided in pod spec; priority "
            "admission controller computed 0 from the given PriorityClass name",
            id="priority-given",
        ),
        pytest.param(
            {"preemptionPolicy": "Never"},
            "the string value of PreemptionPolicy (Never) must not be provided in pod spec; "
            "priority admission controller computed PreemptLowerPriority from the given "
            "PriorityClass name",
            id="preemption-given",
        ),
    ],
)
def test_the_priority_plugin_refuses(spec: dict[str, Any], words: str) -> None:
    with pytest.raises(apimachinery.Forbidden) as refused:
        pod.admitted(pod.normalize(with_spec(**spec)))
    assert str(refused.value) == words


def test_a_system_priority_class_sets_its_priority() -> None:
    admitted = pod.admitted(pod.normalize(with_spec(priorityClassName="system-node-critical")))
    assert admitted["spec"]["priority"] == 2000001000


def stored() -> dict[str, Any]:
    created = pod.prepare_create(pod.normalize(with_spec()), NOW, node_name="box")
    return {**created, "metadata": {**created["metadata"], "generation": 3}}


def test_an_update_keeps_the_status_and_the_admitted_priority() -> None:
    old = stored()
    new = copy.deepcopy(old)
    new["status"] = {"phase": "Running"}
    del new["spec"]["priority"], new["spec"]["preemptionPolicy"]
    kept = pod.prepare_update(old, new)
    assert kept["status"] == old["status"]
    assert kept["spec"] == old["spec"]
    assert kept["metadata"]["generation"] == 3  # the spec did not change


def test_a_spec_change_bumps_the_generation() -> None:
    old = stored()
    new = copy.deepcopy(old)
    new["spec"]["containers"][0]["image"] = "nginx:1.28"
    assert pod.prepare_update(old, new)["metadata"]["generation"] == 4


def test_a_status_write_keeps_the_qos_class_and_observed_generations() -> None:
    old = stored()
    old["status"] = {
        "phase": "Pending",
        "qosClass": "BestEffort",
        "observedGeneration": 3,
        "conditions": [{"type": "Ready", "status": "False", "observedGeneration": 2}],
    }
    new = {
        **old,
        "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}]},
    }
    status = pod.prepare_status(old, new)["status"]
    assert status["qosClass"] == "BestEffort"
    assert status["observedGeneration"] == 3
    assert status["conditions"] == [{"type": "Ready", "status": "True", "observedGeneration": 2}]


def resources(requests: dict[str, str] | None = None, limits: dict[str, str] | None = None) -> Any:
    found: dict[str, Any] = {}
    if requests is not None:
        found["requests"] = requests
    if limits is not None:
        found["limits"] = limits
    return {"name": "c", "image": "x", "resources": found}


@pytest.mark.parametrize(
    ("containers", "init", "qos"),
    [
        pytest.param([resources()], [], "BestEffort", id="best-effort"),
        pytest.param([resources({"cpu": "0"})], [], "BestEffort", id="zero-is-none"),
        pytest.param(
            [resources({"cpu": "100m", "memory": "1Gi"}, {"cpu": "100m", "memory": "1Gi"})],
            [],
            "Guaranteed",
            id="guaranteed",
        ),
        pytest.param(
            [resources({"cpu": "0.1", "memory": "1024Mi"}, {"cpu": "100m", "memory": "1Gi"})],
            [],
            "Guaranteed",
            id="guaranteed-other-spelling",
        ),
        pytest.param(
            [resources({"cpu": "100m"}, {"cpu": "200m", "memory": "1Gi"})],
            [],
            "Burstable",
            id="request-below-limit",
        ),
        pytest.param([resources(limits={"cpu": "100m"})], [], "Burstable", id="cpu-limit-only"),
        pytest.param(
            [resources({"cpu": "1", "memory": "1Gi"}, {"cpu": "1", "memory": "1Gi"})],
            [resources({"cpu": "1"})],
            "Burstable",
            id="init-container-counts",
        ),
        pytest.param(
            [resources({"example.com/gpu": "1"}, {"example.com/gpu": "1"})],
            [],
            "BestEffort",
            id="extended-resources-do-not-count",
        ),
    ],
)
def test_qos_class(containers: list[Any], init: list[Any], qos: str) -> None:
    assert pod.qos_class({"containers": containers, "initContainers": init}) == qos


def test_pod_level_resources_decide_the_qos_class() -> None:
    spec = {
        "containers": [resources()],
        "resources": {
            "requests": {"cpu": "1", "memory": "1Gi"},
            "limits": {"cpu": "1", "memory": "1Gi"},
        },
    }
    assert pod.qos_class(spec) == "Guaranteed"


@pytest.mark.parametrize(
    ("spec", "phase", "requested", "grace"),
    [
        pytest.param({"nodeName": "box"}, "Pending", None, 30, id="the-pods-own"),
        pytest.param({"nodeName": "box"}, "Pending", 5, 5, id="asked-for"),
        pytest.param({"nodeName": "box"}, "Pending", 0, 0, id="forced"),
        pytest.param({"nodeName": "box"}, "Pending", -3, 1, id="negative-is-one"),
        pytest.param({}, "Pending", 30, 0, id="never-scheduled"),
        pytest.param({"nodeName": "box"}, "Succeeded", None, 0, id="succeeded"),
        pytest.param({"nodeName": "box"}, "Failed", 10, 0, id="failed"),
        pytest.param(
            {"nodeName": "box", "terminationGracePeriodSeconds": 0}, "Running", None, 0, id="none"
        ),
    ],
)
def test_check_graceful_delete(
    spec: dict[str, Any], phase: str, requested: int | None, grace: int
) -> None:
    obj = {"spec": {"terminationGracePeriodSeconds": 30, **spec}, "status": {"phase": phase}}
    assert pod.grace_period(obj, requested) == grace


@pytest.mark.parametrize(
    ("field", "obj", "value"),
    [
        pytest.param("spec.hostNetwork", {"spec": {}}, "false", id="host-network-unset"),
        pytest.param("spec.hostNetwork", {"spec": {"hostNetwork": True}}, "true", id="host-net"),
        pytest.param(
            "status.podIP", {"status": {"podIPs": [{"ip": "10.0.0.3"}]}}, "10.0.0.3", id="ip"
        ),
        pytest.param("status.podIP", {"status": {}}, "", id="no-ip"),
        pytest.param("spec.nodeName", {"spec": {"nodeName": "box"}}, "box", id="node"),
        pytest.param("status.phase", {"status": {"phase": "Pending"}}, "Pending", id="phase"),
    ],
)
def test_selectable_fields(field: str, obj: dict[str, Any], value: str) -> None:
    assert pod.field_value(obj, field) == value
