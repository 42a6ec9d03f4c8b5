"""A built-in kind's JSON as Go decodes and prints it: the shapes kube-apiserver answers
(`resources: {}`, no empty strings, canonical quantities), the fields it does not know,
and its decoding errors word for word (encoding/json's UnmarshalTypeError)."""

from __future__ import annotations

from typing import Any

import pytest

from mcp.apiserver import gojson

KEEP = frozenset({"apiVersion", "kind", "metadata"})


def pod(spec: dict[str, Any], **rest: Any) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": spec, **rest}


def test_a_pod_is_printed_as_go_prints_it() -> None:
    body = pod(
        {
            "containers": [
                {
                    "name": "web",
                    "image": "nginx",
                    "ports": [{"containerPort": 80, "hostPort": 0, "name": ""}],
                    "resources": {"limits": {"cpu": 0.5, "memory": "1024Mi"}},
                    "command": [],
                    "workingDir": None,
                }
            ],
            "hostNetwork": False,
        }
    )
    printed, unknown = gojson.decode("core.v1.Pod", body, keep=KEEP)
    assert unknown == []
    assert printed == {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "p"},
        "spec": {
            "containers": [
                {
                    "name": "web",
                    "image": "nginx",
                    "ports": [{"containerPort": 80}],
                    "resources": {"limits": {"cpu": "500m", "memory": "1Gi"}},
                }
            ]
        },
        "status": {},
    }


def test_a_pointer_keeps_its_zero_and_a_struct_is_always_shown() -> None:
    body = pod({"containers": [{"name": "a"}], "terminationGracePeriodSeconds": 0})
    printed = gojson.encode("core.v1.Pod", body, keep=KEEP)
    assert printed["spec"]["terminationGracePeriodSeconds"] == 0  # *int64: kept
    assert printed["spec"]["containers"] == [{"name": "a", "resources": {}}]


def test_absent_times_of_a_condition_print_as_null() -> None:
    body = pod({"containers": None}, status={"conditions": [{"type": "Ready", "status": "True"}]})
    printed = gojson.encode("core.v1.Pod", body, keep=KEEP)
    assert printed["spec"] == {"containers": None}
    assert printed["status"]["conditions"] == [
        {"type": "Ready", "status": "True", "lastProbeTime": None, "lastTransitionTime": None}
    ]


def test_unknown_fields_are_dropped_and_named_by_path() -> None:
    body = pod(
        {"containers": [{"name": "a", "imagee": "x", "ports": [{"port": 1}]}], "bogus": 1},
        extra=True,
    )
    printed, unknown = gojson.decode("core.v1.Pod", body, keep=KEEP)
    assert unknown == [
        "spec.containers[0].imagee",
        "spec.containers[0].ports[0].port",
        "spec.bogus",
        "extra",
    ]
    assert "imagee" not in printed["spec"]["containers"][0]
    assert "extra" not in printed


def test_inline_fields_are_their_holders() -> None:
    body = pod({"containers": [], "volumes": [{"name": "v", "emptyDir": {}, "nope": 1}]})
    printed, unknown = gojson.decode("core.v1.Pod", body, keep=KEEP)
    assert printed["spec"]["volumes"] == [{"name": "v", "emptyDir": {}}]
    assert unknown == ["spec.volumes[0].nope"]


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        pytest.param(
            {"containers": [{"ports": [{"containerPort": "80"}]}]},
            "json: cannot unmarshal string into Go struct field "
            "ContainerPort.spec.containers.ports.containerPort of type int32",
            id="string-for-int",
        ),
        pytest.param(
            {"containers": [{"ports": [{"containerPort": 1.5}]}]},
            "json: cannot unmarshal number 1.5 into Go struct field "
            "ContainerPort.spec.containers.ports.containerPort of type int32",
            id="fraction-for-int",
        ),
        pytest.param(
            {"containers": [{"ports": [{"containerPort": 2**31}]}]},
            "json: cannot unmarshal number 2147483648 into Go struct field "
            "ContainerPort.spec.containers.ports.containerPort of type int32",
            id="int32-overflow",
        ),
        pytest.param(
            {"containers": "web"},
            "json: cannot unmarshal string into Go struct field PodSpec.spec.containers of "
            "type []v1.Container",
            id="string-for-list",
        ),
        pytest.param(
            {"containers": ["web"]},
            "json: cannot unmarshal string into Go struct field PodSpec.spec.containers of "
            "type v1.Container",
            id="string-for-element",
        ),
        pytest.param(
            {"hostNetwork": "yes"},
            "json: cannot unmarshal string into Go struct field PodSpec.spec.hostNetwork of "
            "type bool",
            id="string-for-bool",
        ),
        pytest.param(
            {"nodeSelector": {"a": 1}},
            "json: cannot unmarshal number into Go struct field PodSpec.spec.nodeSelector of "
            "type string",
            id="number-in-map",
        ),
        pytest.param(
            {"volumes": [{"emptyDir": "x"}]},
            "json: cannot unmarshal string into Go struct field Volume.spec.volumes.emptyDir "
            "of type v1.EmptyDirVolumeSource",
            id="inline-holder",
        ),
        pytest.param(
            {"containers": [{"resources": {"limits": {"cpu": "abc"}}}]},
            "quantities must match the regular expression "
            "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'",
            id="quantity",
        ),
        pytest.param(
            {"containers": [{"livenessProbe": {"tcpSocket": {"port": 1.5}}}]},
            "json: cannot unmarshal number 1.5 into Go value of type int32",
            id="int-or-string",
        ),
    ],
)
def test_decoding_errors_are_gos(spec: dict[str, Any], message: str) -> None:
    with pytest.raises(gojson.GoDecodeError) as refused:
        gojson.decode("core.v1.Pod", pod(spec), keep=KEEP)
    assert str(refused.value) == message


def test_the_spec_itself_of_the_wrong_type() -> None:
    with pytest.raises(gojson.GoDecodeError) as refused:
        gojson.decode("core.v1.Pod", {"spec": "x"})
    assert str(refused.value) == (
        "json: cannot unmarshal string into Go struct field Pod.spec of type v1.PodSpec"
    )


def test_a_diff_in_go_cmps_shape() -> None:
    old = {
        "containers": [
            {"name": "web", "image": "nginx", "ports": [{"containerPort": 80, "protocol": "TCP"}]}
        ],
        "restartPolicy": "Always",
    }
    new = {
        "containers": [
            {"name": "web", "image": "nginx", "ports": [{"containerPort": 81, "protocol": "TCP"}]}
        ],
        "restartPolicy": "Always",
    }
    shown = gojson.diff("core.v1.PodSpec", old, new).splitlines()
    assert shown[0] == "  core.PodSpec{"
    assert shown[1] == "  \t... // 2 identical fields"
    assert shown[2] == "  \tContainers: []core.Container{"
    assert "- \t\t\t\t\tContainerPort: 80," in shown
    assert "+ \t\t\t\t\tContainerPort: 81," in shown
    assert shown[-1] == "  }"
