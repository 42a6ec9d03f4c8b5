"""What an update may change of a Pod (ValidatePodUpdate) and of its status
(ValidatePodStatusUpdate), each row an old pod's change and upstream's answer."""

from __future__ import annotations

import copy
import functools
from collections.abc import Callable
from typing import Any

import pytest

from mcp.apiserver import gojson
from mcp.kinds import pod, pod_update

NOW = "2030-01-02T03:04:05Z"
DIFF = functools.partial(gojson.diff, "core.v1.PodSpec")
MAY_CHANGE = (
    "spec: Forbidden: pod updates may not change fields other than "
    "`spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,"
    "`spec.tolerations` (only additions to existing tolerations),"
    "`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously "
    "negative)\n"
)


def stored(**spec: Any) -> dict[str, Any]:
    body = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "p", "namespace": "default"},
        "spec": {
            "containers": [{"name": "web", "image": "nginx:1.27"}],
            "initContainers": [{"name": "init", "image": "busybox:1.36"}],
            **spec,
        },
    }
    created = pod.prepare_create(pod.normalize(body), NOW, node_name="box")
    return gojson.encode("core.v1.Pod", created, keep=frozenset({"apiVersion", "kind", "metadata"}))


def update(old: dict[str, Any], change: Callable[[dict[str, Any]], None]) -> list[str]:
    new = copy.deepcopy(old)
    change(new["spec"])
    found = pod_update.validate_pod_update(old, new, diff=DIFF)
    return [f"{path}: {body}" for path, body in found]


def set_image(spec: dict[str, Any]) -> None:
    spec["containers"][0]["image"] = "nginx:1.28"
    spec["initContainers"][0]["image"] = "busybox:1.37"


def add_toleration(spec: dict[str, Any]) -> None:
    spec["tolerations"].append({"key": "a", "operator": "Exists"})


def shorter_toleration(spec: dict[str, Any]) -> None:
    spec["tolerations"][0]["tolerationSeconds"] = 10


@pytest.mark.parametrize(
    ("spec", "change"),
    [
        pytest.param({}, set_image, id="images"),
        pytest.param({}, add_toleration, id="toleration-added"),
        pytest.param({}, shorter_toleration, id="toleration-seconds"),
        pytest.param({}, lambda s: s.update(activeDeadlineSeconds=30), id="deadline-set"),
        pytest.param(
            {"activeDeadlineSeconds": 60},
            lambda s: s.update(activeDeadlineSeconds=30),
            id="deadline-shortened",
        ),
        pytest.param(
            {"schedulingGates": [{"name": "a/b"}, {"name": "c/d"}]},
            lambda s: s.update(schedulingGates=[{"name": "c/d"}]),
            id="gate-removed",
        ),
        pytest.param(
            {"schedulingGates": [{"name": "a/b"}], "nodeSelector": {"x": "1"}},
            lambda s: s.update(nodeSelector={"x": "1", "y": "2"}),
            id="gated-selector-added",
        ),
        pytest.param({}, lambda s: None, id="nothing"),
    ],
)
def test_what_may_change(spec: dict[str, Any], change: Callable[[dict[str, Any]], None]) -> None:
    assert update(stored(**spec), change) == []


@pytest.mark.parametrize(
    ("spec", "change", "expected"),
    [
        pytest.param(
            {},
            lambda s: s["containers"].append({"name": "b", "image": "x"}),
            ["spec.containers: Forbidden: pod updates may not add or remove containers"],
            id="container-added",
        ),
        pytest.param(
            {},
            lambda s: s["initContainers"].clear(),
            ["spec.initContainers: Forbidden: pod updates may not add or remove containers"],
            id="init-container-removed",
        ),
        pytest.param(
            {},
            lambda s: s["containers"][0].update(image=""),
            ["spec.containers[0].image: Required value"],
            id="image-emptied",
        ),
        pytest.param(
            {"activeDeadlineSeconds": 30},
            lambda s: s.update(activeDeadlineSeconds=60),
            [
                "spec.activeDeadlineSeconds: Invalid value: 60: must be less than or equal to "
                "previous value"
            ],
            id="deadline-lengthened",
        ),
        pytest.param(
            {"activeDeadlineSeconds": 30},
            lambda s: s.pop("activeDeadlineSeconds"),
            [
                'spec.activeDeadlineSeconds: Invalid value: "null": must not update from a '
                "positive integer to nil value"
            ],
            id="deadline-removed",
        ),
        pytest.param(
            {},
            lambda s: s["tolerations"].pop(),
            [
                "spec.tolerations: Forbidden: existing toleration can not be modified except its "
                "tolerationSeconds"
            ],
            id="toleration-removed",
        ),
        pytest.param(
            {"schedulingGates": [{"name": "a/b"}]},
            lambda s: s["schedulingGates"].append({"name": "c/d"}),
            [
                "spec.schedulingGates[1].name: Forbidden: only deletion is allowed, but found new "
                "scheduling gate 'c/d'"
            ],
            id="gate-added",
        ),
    ],
)
def test_what_may_not_change(
    spec: dict[str, Any], change: Callable[[dict[str, Any]], None], expected: list[str]
) -> None:
    assert update(stored(**spec), change) == expected


def test_any_other_change_is_one_forbidden_with_its_diff() -> None:
    def other_port(spec: dict[str, Any]) -> None:
        spec["containers"][0]["ports"] = [{"containerPort": 81, "protocol": "TCP"}]
        spec["restartPolicy"] = "Never"

    (problem,) = update(stored(), other_port)
    assert problem.startswith(MAY_CHANGE)
    diff = problem.removeprefix(MAY_CHANGE).splitlines()
    assert diff[0] == "  core.PodSpec{"
    assert "- \t\t\tPorts: nil," in diff
    assert '+ \t\t\tPorts: [{"containerPort":81,"protocol":"TCP"}],' in diff
    assert '- \tRestartPolicy: "Always",' in diff
    assert '+ \tRestartPolicy: "Never",' in diff
    assert diff[-1] == "  }"


def test_a_gated_pods_selector_may_only_grow() -> None:
    old = stored(schedulingGates=[{"name": "a/b"}], nodeSelector={"x": "1"})
    assert update(old, lambda s: s.update(nodeSelector={"x": "2"})) == [
        'spec.nodeSelector: Invalid value: {"x":"2"}: only additions to spec.nodeSelector are '
        "allowed (no mutations or deletions)"
    ]


def status_update(old_status: dict[str, Any], new_status: dict[str, Any], **spec: Any) -> list[str]:
    old = {**stored(**spec), "status": old_status}
    new = {**copy.deepcopy(old), "status": new_status}
    return [f"{p}: {b}" for p, b in pod_update.validate_pod_update(old, new, diff=DIFF)]


@pytest.mark.parametrize(
    ("old", "new", "spec", "expected"),
    [
        pytest.param(
            {"qosClass": "BestEffort"},
            {"qosClass": "Burstable"},
            {},
            ['status.qosClass: Invalid value: "Burstable": field is immutable'],
            id="qos-class",
        ),
        pytest.param(
            {"qosClass": "BestEffort"},
            {"qosClass": "BestEffort", "podIPs": [{"ip": "10.0.0.300"}]},
            {},
            [
                'status.podIPs[0]: Invalid value: "10.0.0.300": must be a valid IP address, (e.g. '
                "10.9.8.7 or 2001:db8::ffff)"
            ],
            id="pod-ip",
        ),
        pytest.param(
            {"containerStatuses": [{"name": "web", "state": {"terminated": {"exitCode": 0}}}]},
            {"containerStatuses": [{"name": "web", "state": {"running": {}}}]},
            {"restartPolicy": "Never"},
            [
                "status.containerStatuses[0].state: Forbidden: may not be transitioned to "
                "non-terminated state"
            ],
            id="terminated-stays-terminated",
        ),
        pytest.param(
            {"containerStatuses": [{"name": "web", "state": {"terminated": {"exitCode": 1}}}]},
            {"containerStatuses": [{"name": "web", "state": {"running": {}}}]},
            {"restartPolicy": "OnFailure"},
            [],
            id="failed-may-restart-on-failure",
        ),
        pytest.param(
            {},
            {"conditions": [{"type": "not a name", "status": "True"}]},
            {},
            [
                'metadata.conditions[0].Type: Invalid value: "not a name": name part must '
                "consist of alphanumeric characters, '-', '_' or '.', and must start and end "
                "with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', "
                "regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
            ],
            id="condition-type",
        ),
    ],
)
def test_status_rules(
    old: dict[str, Any], new: dict[str, Any], spec: dict[str, Any], expected: list[str]
) -> None:
    assert status_update(old, new, **spec) == expected
