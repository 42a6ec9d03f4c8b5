"""Deployments and ReplicaSets as kube-apiserver defaults and validates them: each row a
body and upstream's exact `field: body` lines (pkg/apis/apps/validation's rules, with the
values printed as field.Error prints them), the defaults of pkg/apis/apps/v1/defaults.go,
and the generation and scale rules of the registry strategies.

Bodies go the way a request's does: decoded as Go decodes them, defaulted, printed.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from mcp.apiserver import gojson
from mcp.kinds import apps, scale

KEEP = frozenset({"apiVersion", "kind", "metadata"})
NO_ADMISSION = "mcp has no authentication or admission policy yet"


def deployment(**spec: Any) -> dict[str, Any]:
    template = spec.pop(
        "template",
        {
            "metadata": {"labels": {"app": "web"}},
            "spec": {"containers": [{"name": "web", "image": "nginx:1.27"}]},
        },
    )
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "default"},
        "spec": {"selector": {"matchLabels": {"app": "web"}}, "template": template, **spec},
    }


def stored(body: dict[str, Any], go_type: str = apps.DEPLOYMENT_GO_TYPE) -> dict[str, Any]:
    """`body` as the API decodes, defaults and prints it."""
    decoded, unknown = gojson.decode(go_type, body, keep=KEEP)
    assert unknown == []
    normalize = (
        apps.normalize_deployment
        if go_type == apps.DEPLOYMENT_GO_TYPE
        else apps.normalize_replicaset
    )
    return gojson.encode(go_type, normalize(decoded), keep=KEEP)


def deployment_problems(body: dict[str, Any]) -> list[str]:
    return [f"{path}: {text}" for path, text in apps.validate_deployment(stored(body))]


def test_a_deployment_gets_upstreams_defaults() -> None:
    spec = stored(deployment())["spec"]
    assert {key: spec[key] for key in ("replicas", "revisionHistoryLimit")} == {
        "replicas": 1,
        "revisionHistoryLimit": 10,
    }
    assert spec["progressDeadlineSeconds"] == 600
    assert spec["strategy"] == {
        "type": "RollingUpdate",
        "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"},
    }
    # The template gets a PodSpec's defaults, none of what only a Pod gets.
    assert spec["template"]["spec"] == {
        "containers": [
            {
                "name": "web",
                "image": "nginx:1.27",
                "resources": {},
                "terminationMessagePath": "/dev/termination-log",
                "terminationMessagePolicy": "File",
                "imagePullPolicy": "IfNotPresent",
            }
        ],
        "restartPolicy": "Always",
        "terminationGracePeriodSeconds": 30,
        "dnsPolicy": "ClusterFirst",
        "securityContext": {},
        "schedulerName": "default-scheduler",
    }


@pytest.mark.parametrize(
    ("strategy", "defaulted"),
    [
        pytest.param(
            {"type": "Recreate"}, {"type": "Recreate"}, id="recreate-gets-no-rolling-update"
        ),
        pytest.param(
            {"rollingUpdate": {"maxSurge": 2}},
            {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": 2}},
            id="the-missing-half",
        ),
        pytest.param(
            {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 0, "maxUnavailable": "10%"}},
            {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "10%", "maxSurge": 0}},
            id="zero-is-given-not-defaulted",
        ),
    ],
)
def test_the_strategys_defaults(strategy: dict[str, Any], defaulted: dict[str, Any]) -> None:
    assert stored(deployment(strategy=strategy))["spec"]["strategy"] == defaulted


def test_zero_replicas_stay_zero_and_a_replicaset_defaults_to_one() -> None:
    assert stored(deployment(replicas=0))["spec"]["replicas"] == 0
    replicaset = {**deployment(), "kind": "ReplicaSet"}
    assert stored(replicaset, apps.REPLICASET_GO_TYPE)["spec"]["replicas"] == 1


SELECTOR_NO_MATCH = "`selector` does not match template `labels`"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        pytest.param(deployment(), [], id="valid"),
        pytest.param(
            {**deployment(), "spec": {**deployment()["spec"], "selector": None}},
            [
                "spec.selector: Required value",
                "spec.template.metadata.labels: Invalid value: "
                f'{{"app":"web"}}: {SELECTOR_NO_MATCH}',
            ],
            id="no-selector",
        ),
        pytest.param(
            deployment(selector={"matchLabels": {"app": "other"}}),
            [f'spec.template.metadata.labels: Invalid value: {{"app":"web"}}: {SELECTOR_NO_MATCH}'],
            id="selector-does-not-match",
        ),
        pytest.param(
            deployment(selector={}),
            ["spec.selector: Invalid value: {}: empty selector is invalid for deployment"],
            id="empty-selector",
        ),
        pytest.param(
            deployment(
                selector={"matchExpressions": [{"key": "app", "operator": "Near", "values": []}]}
            ),
            [
                'spec.selector.matchExpressions[0].operator: Invalid value: "Near": not a valid '
                "selector operator",
                'spec.selector: Invalid value: {"matchExpressions":[{"key":"app","operator":'
                '"Near"}]}: invalid label selector',
            ],
            id="bad-operator",
        ),
        pytest.param(
            deployment(
                selector={"matchExpressions": [{"key": "app", "operator": "In", "values": []}]}
            ),
            [
                "spec.selector.matchExpressions[0].values: Required value: must be specified "
                "when `operator` is 'In' or 'NotIn'",
                'spec.selector: Invalid value: {"matchExpressions":[{"key":"app","operator":'
                '"In"}]}: invalid label selector',
            ],
            id="in-without-values",
        ),
        pytest.param(
            deployment(replicas=-1),
            ["spec.replicas: Invalid value: -1: must be greater than or equal to 0"],
            id="negative-replicas",
        ),
        pytest.param(
            deployment(strategy={"rollingUpdate": {"maxSurge": 0, "maxUnavailable": 0}}),
            [
                "spec.strategy.rollingUpdate.maxUnavailable: Invalid value: 0: may not be 0 "
                "when `maxSurge` is 0"
            ],
            id="surge-and-unavailable-both-zero",
        ),
        pytest.param(
            deployment(strategy={"rollingUpdate": {"maxSurge": "0%", "maxUnavailable": "0%"}}),
            [
                'spec.strategy.rollingUpdate.maxUnavailable: Invalid value: "0%": may not be 0 '
                "when `maxSurge` is 0"
            ],
            id="both-zero-percent",
        ),
        pytest.param(
            deployment(strategy={"rollingUpdate": {"maxSurge": "ten", "maxUnavailable": "150%"}}),
            [
                'spec.strategy.rollingUpdate.maxSurge: Invalid value: "ten": a valid percent '
                "string must be a numeric string followed by an ending '%' (e.g. '1%',  or "
                "'93%', regex used for validation is '[0-9]+%')",
                'spec.strategy.rollingUpdate.maxUnavailable: Invalid value: "150%": must not be '
                "greater than 100%",
            ],
            id="not-a-percent-and-over-100",
        ),
        pytest.param(
            deployment(strategy={"rollingUpdate": {"maxSurge": -1}}),
            [
                "spec.strategy.rollingUpdate.maxSurge: Invalid value: -1: must be greater than "
                "or equal to 0"
            ],
            id="negative-surge",
        ),
        pytest.param(
            deployment(strategy={"type": "Recreate", "rollingUpdate": {"maxSurge": 1}}),
            [
                "spec.strategy.rollingUpdate: Forbidden: may not be specified when strategy "
                "`type` is 'Recreate'"
            ],
            id="recreate-with-rolling-update",
        ),
        pytest.param(
            deployment(strategy={"type": "Blue", "rollingUpdate": {"maxSurge": 1}}),
            [
                'spec.strategy: Unsupported value: {"Type":"Blue","RollingUpdate":'
                '{"MaxUnavailable":0,"MaxSurge":1}}: supported values: "Recreate", '
                '"RollingUpdate"'
            ],
            id="unknown-strategy",
        ),
        pytest.param(
            deployment(minReadySeconds=700),
            [
                "spec.progressDeadlineSeconds: Invalid value: 600: must be greater than "
                "minReadySeconds"
            ],
            id="deadline-before-ready",
        ),
        pytest.param(
            deployment(revisionHistoryLimit=-2),
            ["spec.revisionHistoryLimit: Invalid value: -2: must be greater than or equal to 0"],
            id="negative-history",
        ),
    ],
)
def test_deployment_validation(body: dict[str, Any], expected: list[str]) -> None:
    assert deployment_problems(body) == expected


def template(**spec: Any) -> dict[str, Any]:
    containers = spec.pop("containers", [{"name": "web", "image": "nginx:1.27"}])
    return {
        "metadata": {"labels": {"app": "web"}},
        "spec": {"containers": containers, **spec},
    }


@pytest.mark.parametrize(
    ("pod_template", "expected"),
    [
        pytest.param(
            template(restartPolicy="Never"),
            [
                'spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: '
                '"Always"'
            ],
            id="restart-never",
        ),
        pytest.param(
            template(activeDeadlineSeconds=30),
            [
                "spec.template.spec.activeDeadlineSeconds: Forbidden: activeDeadlineSeconds in "
                "ReplicaSet is not Supported"
            ],
            id="active-deadline",
        ),
        pytest.param(
            template(containers=[]),
            ["spec.template.spec.containers: Required value"],
            id="pod-spec-rules-at-the-templates-path",
        ),
        pytest.param(
            {
                "metadata": {"labels": {"app": "web", "bad key": "x"}},
                "spec": template()["spec"],
            },
            [
                'spec.template.labels: Invalid value: "bad key": name part must consist of '
                "alphanumeric characters, '-', '_' or '.', and must start and end with an "
                "alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used "
                "for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
            ],
            id="labels-at-upstreams-path",
        ),
        pytest.param(
            template(
                containers=[{"name": "web", "image": "x", "securityContext": {"privileged": True}}]
            ),
            [
                "spec.template.spec.containers[0].securityContext.privileged: Forbidden: "
                f"privileged containers are not allowed: {NO_ADMISSION}, and a privileged "
                "container is root on the host"
            ],
            id="privileged-refused-as-for-a-pod",
        ),
        pytest.param(
            template(volumes=[{"name": "h", "hostPath": {"path": "/"}}]),
            [
                "spec.template.spec.volumes[0].hostPath: Forbidden: hostPath volumes are not "
                f"allowed: {NO_ADMISSION}, and a hostPath volume reads and writes the host's "
                "files"
            ],
            id="host-path-refused-as-for-a-pod",
        ),
    ],
)
def test_the_template_is_validated_under_its_path(
    pod_template: dict[str, Any], expected: list[str]
) -> None:
    assert deployment_problems(deployment(template=pod_template)) == expected


def test_host_namespaces_are_refused_in_a_template_as_in_a_pod() -> None:
    found = deployment_problems(deployment(template=template(hostPID=True)))
    assert len(found) == 1
    assert found[0].startswith("spec.template.spec.hostPID: Forbidden: ")


def replicaset_problems(body: dict[str, Any]) -> list[str]:
    replicaset = stored({**body, "kind": "ReplicaSet"}, apps.REPLICASET_GO_TYPE)
    return [f"{path}: {text}" for path, text in apps.validate_replicaset(replicaset)]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        pytest.param(deployment(), [], id="valid"),
        pytest.param(
            deployment(selector={}),
            # Upstream's words, "for deployment", for a ReplicaSet too.
            ["spec.selector: Invalid value: {}: empty selector is invalid for deployment"],
            id="empty-selector",
        ),
        pytest.param(
            deployment(replicas=-3, minReadySeconds=-1),
            [
                "spec.replicas: Invalid value: -3: must be greater than or equal to 0",
                "spec.minReadySeconds: Invalid value: -1: must be greater than or equal to 0",
            ],
            id="negative-counts",
        ),
        pytest.param(
            deployment(selector={"matchLabels": {"app": "db"}}),
            [f'spec.template.metadata.labels: Invalid value: {{"app":"web"}}: {SELECTOR_NO_MATCH}'],
            id="no-match",
        ),
    ],
)
def test_replicaset_validation(body: dict[str, Any], expected: list[str]) -> None:
    assert replicaset_problems(body) == expected


def with_status(obj: dict[str, Any], **status: Any) -> dict[str, Any]:
    return {**obj, "status": status}


@pytest.mark.parametrize(
    ("old_status", "new_status", "expected"),
    [
        pytest.param({}, {"replicas": 2, "readyReplicas": 2, "availableReplicas": 1}, [], id="ok"),
        pytest.param(
            {},
            {"replicas": 1, "readyReplicas": 2},
            ["status.readyReplicas: Invalid value: 2: cannot be greater than status.replicas"],
            id="more-ready-than-replicas",
        ),
        pytest.param(
            {},
            {"replicas": 3, "readyReplicas": 1, "availableReplicas": 2},
            ["status.availableReplicas: Invalid value: 2: cannot be greater than readyReplicas"],
            id="more-available-than-ready",
        ),
        pytest.param(
            {"collisionCount": 2},
            {"collisionCount": 1},
            ["status.collisionCount: Invalid value: 1: cannot be decremented"],
            id="collisions-decremented",
        ),
    ],
)
def test_a_deployments_status_write(
    old_status: dict[str, Any], new_status: dict[str, Any], expected: list[str]
) -> None:
    old = with_status(stored(deployment()), **old_status)
    new = with_status(stored(deployment()), **new_status)
    found = apps.validate_deployment_update(old, new)
    assert [f"{path}: {text}" for path, text in found] == expected


def test_the_selector_is_immutable() -> None:
    old = stored(deployment())
    new = stored(
        deployment(
            selector={"matchLabels": {"app": "web", "tier": "x"}},
            template={
                "metadata": {"labels": {"app": "web", "tier": "x"}},
                "spec": template()["spec"],
            },
        )
    )
    assert apps.validate_deployment_update(old, new) == [
        (
            "spec.selector",
            'Invalid value: {"matchLabels":{"app":"web","tier":"x"}}: field is immutable',
        )
    ]


def generation(obj: dict[str, Any], value: int) -> dict[str, Any]:
    return {**obj, "metadata": {**obj["metadata"], "generation": value}}


@pytest.mark.parametrize(
    ("change", "deployment_generation", "replicaset_generation"),
    [
        pytest.param(lambda spec, meta: spec.update(replicas=4), 3, 3, id="spec"),
        pytest.param(lambda spec, meta: meta.update(labels={"a": "b"}), 2, 2, id="labels"),
        # Upstream copies a Deployment's annotations to its ReplicaSets: they bump it.
        pytest.param(lambda spec, meta: meta.update(annotations={"a": "b"}), 3, 2, id="notes"),
    ],
)
def test_what_bumps_the_generation(
    change: Any, deployment_generation: int, replicaset_generation: int
) -> None:
    old = generation(stored(deployment()), 2)
    new = copy.deepcopy(old)
    change(new["spec"], new["metadata"])
    assert apps.prepare_deployment_update(old, new)["metadata"]["generation"] == (
        deployment_generation
    )
    assert apps.prepare_replicaset_update(old, new)["metadata"]["generation"] == (
        replicaset_generation
    )


def test_a_new_object_has_generation_1_and_no_status() -> None:
    created = apps.prepare_create({**stored(deployment()), "status": {"replicas": 9}}, "now")
    assert (created["metadata"]["generation"], created["status"]) == (1, {})


def test_the_scale_of_a_deployment_and_the_deployment_a_scale_makes() -> None:
    obj = stored(deployment(replicas=3))
    obj["metadata"] |= {
        "uid": "u-1",
        "resourceVersion": "7",
        "creationTimestamp": "2026-01-01T00:00:00Z",
    }
    obj["status"] = {"replicas": 2}
    assert scale.scale_of(obj) == {
        "kind": "Scale",
        "apiVersion": "autoscaling/v1",
        "metadata": {
            "name": "web",
            "namespace": "default",
            "uid": "u-1",
            "resourceVersion": "7",
            "creationTimestamp": "2026-01-01T00:00:00Z",
        },
        "spec": {"replicas": 3},
        "status": {"replicas": 2, "selector": "app=web"},
    }
    assert scale.scaled(obj, {"spec": {}})["spec"]["replicas"] == 0  # omitted: Go's zero
    assert scale.validate({"spec": {"replicas": -1}}) == [
        ("spec.replicas", "Invalid value: -1: must be greater than or equal to 0")
    ]
