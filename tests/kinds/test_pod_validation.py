"""A Pod validated on create as kube-apiserver validates it: each row a body and the exact
`field: body` lines upstream answers (pkg/apis/core/validation/validation_test.go's
cases and a cluster's answers), and what mcp refuses until it has admission, in its own
words at the field's path.

Bodies go the way a request's does: decoded as Go decodes them, defaulted, printed.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from mcp.apiserver import gojson
from mcp.kinds import pod, pod_validation

KEEP = frozenset({"apiVersion", "kind", "metadata"})
LABEL_REGEX = (
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and "
    "must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex "
    "used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
)
NO_ADMISSION = "mcp has no authentication or admission policy yet"


def web(**fields: Any) -> dict[str, Any]:
    return {"name": "web", "image": "nginx:1.27", **fields}


def problems(spec: dict[str, Any], **metadata: Any) -> list[str]:
    body = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "p", "namespace": "default", **metadata},
        "spec": spec,
    }
    decoded, _ = gojson.decode("core.v1.Pod", body, keep=KEEP)
    printed = gojson.encode("core.v1.Pod", pod.normalize(decoded), keep=KEEP)
    return [f"{path}: {text}" for path, text in pod_validation.validate_pod(printed)]


def test_a_valid_two_container_pod_has_no_problems() -> None:
    spec = {
        "containers": [
            web(ports=[{"containerPort": 80, "name": "http"}], volumeMounts=[]),
            {
                "name": "sidecar",
                "image": "busybox:1.36",
                "command": ["sleep", "infinity"],
                "env": [
                    {"name": "NODE", "valueFrom": {"fieldRef": {"fieldPath": "spec.nodeName"}}},
                    {"name": "my.weird-NAME:1", "value": "ok"},
                ],
                "resources": {
                    "requests": {"cpu": "100m"},
                    "limits": {"cpu": "1", "memory": "64Mi"},
                },
                "livenessProbe": {"exec": {"command": ["true"]}},
                "volumeMounts": [{"name": "data", "mountPath": "/data", "subPath": "a/b"}],
            },
        ],
        "initContainers": [
            {"name": "init", "image": "busybox:1.36", "command": ["true"]},
            {
                "name": "log",
                "image": "busybox:1.36",
                "restartPolicy": "Always",
                "readinessProbe": {"tcpSocket": {"port": 80}},
            },
        ],
        "volumes": [
            {"name": "data", "emptyDir": {"sizeLimit": "1Gi"}},
            {"name": "cfg", "configMap": {"name": "c", "items": [{"key": "k", "path": "a/k"}]}},
            {"name": "s", "secret": {"secretName": "s", "defaultMode": 0o400}},
        ],
        "restartPolicy": "OnFailure",
        "activeDeadlineSeconds": 60,
        "tolerations": [{"key": "dedicated", "operator": "Equal", "value": "ci"}],
        "dnsConfig": {"nameservers": ["1.1.1.1"], "searches": ["_srv.example.com"]},
    }
    assert problems(spec) == []


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        pytest.param({}, ["spec.containers: Required value"], id="no-containers"),
        pytest.param(
            {"containers": [{"name": "web"}]},
            ["spec.containers[0].image: Required value"],
            id="no-image",
        ),
        pytest.param(
            {"containers": [web(), web()]},
            ['spec.containers[1].name: Duplicate value: "web"'],
            id="duplicate-names",
        ),
        pytest.param(
            {"containers": [web()], "initContainers": [web()]},
            ['spec.initContainers[0].name: Duplicate value: "web"'],
            id="init-duplicates-a-container",
        ),
        pytest.param(
            {"containers": [web(name="Web")]},
            [f'spec.containers[0].name: Invalid value: "Web": {LABEL_REGEX}'],
            id="name-not-a-label",
        ),
        pytest.param(
            {"containers": [{"image": "x"}]},
            ["spec.containers[0].name: Required value"],
            id="no-name",
        ),
        pytest.param(
            {"containers": [web(image=" nginx")]},
            [
                'spec.containers[0].image: Invalid value: " nginx": must not have leading or '
                "trailing whitespace"
            ],
            id="image-whitespace",
        ),
        pytest.param(
            {"containers": [web(ports=[{"containerPort": 0}])]},
            ["spec.containers[0].ports[0].containerPort: Required value"],
            id="port-zero",
        ),
        pytest.param(
            {"containers": [web(ports=[{"containerPort": 70000}])]},
            [
                "spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be "
                "between 1 and 65535, inclusive"
            ],
            id="port-too-big",
        ),
        pytest.param(
            {"containers": [web(ports=[{"containerPort": 80, "protocol": "HTTP"}])]},
            [
                'spec.containers[0].ports[0].protocol: Unsupported value: "HTTP": supported '
                'values: "SCTP", "TCP", "UDP"'
            ],
            id="protocol",
        ),
        pytest.param(
            {
                "containers": [
                    web(
                        ports=[
                            {"containerPort": 80, "name": "http"},
                            {"containerPort": 81, "name": "http"},
                        ]
                    )
                ]
            },
            ['spec.containers[0].ports[1].name: Duplicate value: "http"'],
            id="port-names-unique",
        ),
        pytest.param(
            {"containers": [web(ports=[{"containerPort": 80, "name": "HTTP--"}])]},
            [
                'spec.containers[0].ports[0].name: Invalid value: "HTTP--": must contain only '
                "alpha-numeric characters (a-z, 0-9), and hyphens (-)",
                'spec.containers[0].ports[0].name: Invalid value: "HTTP--": must contain at '
                "least one letter (a-z)",
                'spec.containers[0].ports[0].name: Invalid value: "HTTP--": must not contain '
                "consecutive hyphens",
                'spec.containers[0].ports[0].name: Invalid value: "HTTP--": must not begin or '
                "end with a hyphen",
            ],
            id="port-name-iana",
        ),
        pytest.param(
            {
                "containers": [
                    web(ports=[{"containerPort": 80, "hostPort": 8080}]),
                    {
                        "name": "b",
                        "image": "x",
                        "ports": [{"containerPort": 81, "hostPort": 8080}],
                    },
                ]
            },
            ['spec.containers[1].ports[0].hostPort: Duplicate value: "TCP//8080"'],
            id="host-port-twice",
        ),
        pytest.param(
            {"containers": [web(env=[{"name": "A=B", "value": "1"}])]},
            [
                'spec.containers[0].env[0].name: Invalid value: "A=B": a valid environment '
                "variable name must consist only of printable ASCII characters other than '='"
            ],
            id="env-name",
        ),
        pytest.param(
            {"containers": [web(env=[{"name": "A", "valueFrom": {}}])]},
            [
                'spec.containers[0].env[0].valueFrom: Invalid value: "": must specify one of: '
                "`fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`"
            ],
            id="env-value-from-nothing",
        ),
        pytest.param(
            {
                "containers": [
                    web(
                        env=[
                            {
                                "name": "A",
                                "valueFrom": {
                                    "configMapKeyRef": {"name": "c", "key": "k"},
                                    "secretKeyRef": {"name": "s", "key": "k"},
                                },
                            }
                        ]
                    )
                ]
            },
            [
                'spec.containers[0].env[0].valueFrom: Invalid value: "": may not have more '
                "than one field specified at a time"
            ],
            id="env-value-from-two",
        ),
        pytest.param(
            {
                "containers": [
                    web(
                        env=[
                            {
                                "name": "A",
                                "value": "x",
                                "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}},
                            }
                        ]
                    )
                ]
            },
            [
                'spec.containers[0].env[0].valueFrom: Invalid value: "": may not be specified '
                "when `value` is not empty"
            ],
            id="env-value-and-value-from",
        ),
        pytest.param(
            {
                "containers": [
                    web(env=[{"name": "A", "valueFrom": {"fieldRef": {"fieldPath": "spec.x"}}}])
                ]
            },
            [
                "spec.containers[0].env[0].valueFrom.fieldRef.fieldPath: Invalid value: "
                '"spec.x": error converting fieldPath: field label not supported: spec.x'
            ],
            id="env-field-path",
        ),
        pytest.param(
            {
                "containers": [
                    web(
                        env=[
                            {"name": "A", "valueFrom": {"fieldRef": {"fieldPath": "status.phase"}}}
                        ]
                    )
                ]
            },
            [
                "spec.containers[0].env[0].valueFrom.fieldRef.fieldPath: Unsupported value: "
                '"status.phase": supported values: "metadata.name", "metadata.namespace", '
                '"metadata.uid", "spec.nodeName", "spec.serviceAccountName", "status.hostIP", '
                '"status.hostIPs", "status.podIP", "status.podIPs"'
            ],
            id="env-field-not-for-env",
        ),
        pytest.param(
            {
                "containers": [
                    web(env=[{"name": "A", "valueFrom": {"secretKeyRef": {"name": "s"}}}])
                ]
            },
            ["spec.containers[0].env[0].valueFrom.secretKeyRef.key: Required value"],
            id="secret-key-required",
        ),
        pytest.param(
            {"containers": [web(envFrom=[{"prefix": "X"}])]},
            [
                'spec.containers[0].envFrom: Invalid value: "": must specify one of: '
                "`configMapRef` or `secretRef`"
            ],
            id="env-from-nothing",
        ),
        pytest.param(
            {"containers": [web(resources={"requests": {"cpu": "2"}, "limits": {"cpu": "1"}})]},
            [
                'spec.containers[0].resources.requests: Invalid value: "2": must be less than '
                "or equal to cpu limit of 1"
            ],
            id="request-above-limit",
        ),
        pytest.param(
            {"containers": [web(resources={"requests": {"memory": "-1"}})]},
            [
                'spec.containers[0].resources.requests[memory]: Invalid value: "-1": must be '
                "greater than or equal to 0"
            ],
            id="negative-request",
        ),
        pytest.param(
            {"containers": [web(resources={"limits": {"gpu": "1"}})]},
            # The limit is also the request (SetDefaults_Pod), so both are refused.
            [
                f'spec.containers[0].resources.{field}[gpu]: Invalid value: "gpu": must be a '
                f"standard resource {kind}"
                for field in ("limits", "requests")
                for kind in ("type or fully qualified", "for containers")
            ],
            id="resource-name",
        ),
        pytest.param(
            {"containers": [web(resources={"requests": {"example.com/gpu": "1"}})]},
            [
                "spec.containers[0].resources.limits: Required value: Limit must be set for "
                "non overcommitable resources"
            ],
            id="extended-needs-limit",
        ),
        pytest.param(
            {
                "containers": [
                    web(livenessProbe={"exec": {"command": ["x"]}, "tcpSocket": {"port": 80}})
                ]
            },
            [
                "spec.containers[0].livenessProbe.tcpSocket: Forbidden: may not specify more "
                "than 1 handler type"
            ],
            id="probe-two-handlers",
        ),
        pytest.param(
            {"containers": [web(readinessProbe={"periodSeconds": 5})]},
            ["spec.containers[0].readinessProbe: Required value: must specify a handler type"],
            id="probe-no-handler",
        ),
        pytest.param(
            {
                "containers": [
                    web(livenessProbe={"exec": {"command": ["x"]}, "successThreshold": 2})
                ]
            },
            ["spec.containers[0].livenessProbe.successThreshold: Invalid value: 2: must be 1"],
            id="liveness-success-threshold",
        ),
        pytest.param(
            {
                "containers": [
                    web(startupProbe={"exec": {"command": ["x"]}, "failureThreshold": -1})
                ]
            },
            [
                "spec.containers[0].startupProbe.failureThreshold: Invalid value: -1: must be "
                "greater than or equal to 0"
            ],
            id="probe-negative-threshold",
        ),
        pytest.param(
            {"containers": [web(livenessProbe={"httpGet": {"port": "HTTP"}})]},
            [
                'spec.containers[0].livenessProbe.httpGet.port: Invalid value: "HTTP": must '
                "contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)",
                'spec.containers[0].livenessProbe.httpGet.port: Invalid value: "HTTP": must '
                "contain at least one letter (a-z)",
            ],
            id="probe-port-name",
        ),
        pytest.param(
            {"containers": [web(lifecycle={"preStop": {"sleep": {"seconds": 60}}})]},
            [
                "spec.containers[0].lifecycle.preStop.sleep: Invalid value: 60: must be "
                "non-negative and less than terminationGracePeriodSeconds (30)"
            ],
            id="sleep-past-grace",
        ),
        pytest.param(
            {"containers": [web(lifecycle={"postStart": {}})]},
            ["spec.containers[0].lifecycle.postStart: Required value: must specify a handler type"],
            id="lifecycle-no-handler",
        ),
        pytest.param(
            {"containers": [web(restartPolicy="Always")]},
            ["spec.containers[0].restartPolicy: Forbidden: may not be set for non-init containers"],
            id="restart-policy-on-a-container",
        ),
        pytest.param(
            {"containers": [web()], "initContainers": [web(name="i", restartPolicy="Never")]},
            [
                'spec.initContainers[0].restartPolicy: Unsupported value: "Never": supported '
                'values: "Always"'
            ],
            id="init-restart-policy",
        ),
        pytest.param(
            {
                "containers": [web()],
                "initContainers": [web(name="i", livenessProbe={"exec": {"command": ["x"]}})],
            },
            [
                "spec.initContainers[0].livenessProbe: Forbidden: may not be set for init "
                "containers without restartPolicy=Always"
            ],
            id="init-probe",
        ),
        pytest.param(
            {"containers": [web(imagePullPolicy="Sometimes")]},
            [
                'spec.containers[0].imagePullPolicy: Unsupported value: "Sometimes": supported '
                'values: "Always", "IfNotPresent", "Never"'
            ],
            id="pull-policy",
        ),
        pytest.param(
            {"containers": [web()], "restartPolicy": "Sometimes"},
            [
                'spec.restartPolicy: Unsupported value: "Sometimes": supported values: '
                '"Always", "OnFailure", "Never"'
            ],
            id="restart-policy",
        ),
        pytest.param(
            {"containers": [web()], "dnsPolicy": "Google"},
            [
                'spec.dnsPolicy: Unsupported value: "Google": supported values: '
                '"ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"'
            ],
            id="dns-policy",
        ),
        pytest.param(
            {"containers": [web()], "dnsPolicy": "None"},
            ["spec.dnsConfig: Required value: must provide `dnsConfig` when `dnsPolicy` is None"],
            id="dns-none-needs-config",
        ),
        pytest.param(
            {"containers": [web()], "terminationGracePeriodSeconds": -1},
            [
                "spec.terminationGracePeriodSeconds: Invalid value: -1: must be greater than or "
                "equal to 0"
            ],
            id="negative-grace",
        ),
        pytest.param(
            {"containers": [web()], "activeDeadlineSeconds": 0},
            [
                "spec.activeDeadlineSeconds: Invalid value: 0: must be between 1 and "
                "2147483647, inclusive"
            ],
            id="deadline-zero",
        ),
        pytest.param(
            {"containers": [web()], "tolerations": [{"operator": "Equal", "value": "x"}]},
            [
                'spec.tolerations[0].operator: Invalid value: "Equal": operator must be Exists '
                'when `key` is empty, which means "match all values and all keys"'
            ],
            id="toleration-without-key",
        ),
        pytest.param(
            {"containers": [web()], "tolerations": [{"key": "k", "tolerationSeconds": 5}]},
            [
                "spec.tolerations[0].effect: Invalid value: \"\": effect must be 'NoExecute' "
                "when `tolerationSeconds` is set"
            ],
            id="toleration-seconds",
        ),
        pytest.param(
            {"containers": [web()], "hostAliases": [{"ip": "nope", "hostnames": ["a"]}]},
            [
                'spec.hostAliases[0].ip: Invalid value: "nope": must be a valid IP address, '
                "(e.g. 10.9.8.7 or 2001:db8::ffff)"
            ],
            id="host-alias-ip",
        ),
        pytest.param(
            {"containers": [web()], "ephemeralContainers": [{"name": "debug", "image": "x"}]},
            ["spec.ephemeralContainers: Forbidden: cannot be set on create"],
            id="ephemeral-on-create",
        ),
        pytest.param(
            {"containers": [web()], "nodeName": "box", "schedulingGates": [{"name": "a/b"}]},
            ["spec.nodeName: Forbidden: cannot be set until all schedulingGates have been cleared"],
            id="gated-but-bound",
        ),
        pytest.param(
            {"containers": [web()], "os": {"name": "plan9"}},
            ['spec.os.name: Unsupported value: "plan9": supported values: "linux", "windows"'],
            id="os",
        ),
    ],
)
def test_create_is_refused_in_upstreams_words(spec: dict[str, Any], expected: list[str]) -> None:
    assert problems(spec) == expected


@pytest.mark.parametrize(
    ("volumes", "mounts", "expected"),
    [
        pytest.param(
            [{"name": "data"}, {"name": "data", "emptyDir": {}}],
            [],
            ['spec.volumes[1].name: Duplicate value: "data"'],
            id="duplicate-volume",
        ),
        pytest.param(
            [{"name": "d", "emptyDir": {}, "configMap": {"name": "c"}}],
            [],
            ["spec.volumes[0].configMap: Forbidden: may not specify more than 1 volume type"],
            id="two-sources",
        ),
        pytest.param(
            [{"name": "d", "secret": {"secretName": "s"}, "downwardAPI": {}}],
            [],
            ["spec.volumes[0].downwarAPI: Forbidden: may not specify more than 1 volume type"],
            id="two-sources-upstreams-typo",
        ),
        pytest.param(
            [{"name": "Data", "emptyDir": {}}],
            [],
            [f'spec.volumes[0].name: Invalid value: "Data": {LABEL_REGEX}'],
            id="volume-name",
        ),
        pytest.param(
            [{"name": "s", "secret": {}}],
            [],
            ["spec.volumes[0].secret.secretName: Required value"],
            id="secret-name",
        ),
        pytest.param(
            [{"name": "s", "secret": {"secretName": "s", "defaultMode": 0o1000}}],
            [],
            [
                "spec.volumes[0].secret.defaultMode: Invalid value: 512: must be a number "
                "between 0 and 0777 (octal), both inclusive"
            ],
            id="file-mode",
        ),
        pytest.param(
            [{"name": "c", "configMap": {"name": "c", "items": [{"key": "k", "path": "/etc/k"}]}}],
            [],
            [
                'spec.volumes[0].configMap.items[0].path: Invalid value: "/etc/k": must be a '
                "relative path"
            ],
            id="item-absolute",
        ),
        pytest.param(
            [{"name": "d", "emptyDir": {}}],
            [{"name": "nope", "mountPath": "/x"}],
            ['spec.containers[0].volumeMounts[0].name: Not found: "nope"'],
            id="mount-unknown-volume",
        ),
        pytest.param(
            [{"name": "d", "emptyDir": {}}],
            [{"name": "d", "mountPath": "/x"}, {"name": "d", "mountPath": "/x"}],
            ['spec.containers[0].volumeMounts[1].mountPath: Invalid value: "/x": must be unique'],
            id="mount-path-twice",
        ),
        pytest.param(
            [{"name": "d", "emptyDir": {}}],
            [{"name": "d", "mountPath": "data"}],
            [
                'spec.containers[0].volumeMounts[0].mountPath: Invalid value: "data": must be '
                "an absolute path"
            ],
            id="mount-path-relative",
        ),
        pytest.param(
            [{"name": "d", "emptyDir": {}}],
            [{"name": "d", "mountPath": "/x", "subPath": "../etc"}],
            [
                'spec.containers[0].volumeMounts.subPath: Invalid value: "../etc": must not '
                "contain '..'"
            ],
            id="sub-path-backsteps",
        ),
        pytest.param(
            [{"name": "d", "emptyDir": {}}],
            [{"name": "d", "mountPath": "/x", "subPath": "/etc"}],
            [
                'spec.containers[0].volumeMounts.subPath: Invalid value: "/etc": must be a '
                "relative path"
            ],
            id="sub-path-absolute",
        ),
    ],
)
def test_volumes_and_mounts(volumes: list[Any], mounts: list[Any], expected: list[str]) -> None:
    assert problems({"containers": [web(volumeMounts=mounts)], "volumes": volumes}) == expected


def refused(path: str, what: str, why: str) -> str:
    return f"{path}: Forbidden: {what} are not allowed: {NO_ADMISSION}, and {why}"


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        pytest.param(
            {"containers": [web(securityContext={"privileged": True})]},
            [
                refused(
                    "spec.containers[0].securityContext.privileged",
                    "privileged containers",
                    "a privileged container is root on the host",
                )
            ],
            id="privileged",
        ),
        pytest.param(
            {"containers": [web(securityContext={"capabilities": {"add": ["NET_ADMIN"]}})]},
            [
                refused(
                    "spec.containers[0].securityContext.capabilities.add",
                    "added capabilities",
                    "an added capability widens what the container may do to the host",
                )
            ],
            id="capabilities",
        ),
        pytest.param(
            {
                "containers": [web(securityContext={"capabilities": {"drop": ["ALL"]}})],
                "securityContext": {"runAsUser": 1000},
            },
            [],
            id="dropping-is-fine",
        ),
        pytest.param(
            {"containers": [web()], "hostNetwork": True},
            [
                "spec.hostNetwork: Forbidden: the host's network is not allowed: "
                f"{NO_ADMISSION}, and the pod would share the host's network stack"
            ],
            id="host-network",
        ),
        pytest.param(
            {"containers": [web()], "hostPID": True},
            [
                "spec.hostPID: Forbidden: the host's PID namespace is not allowed: "
                f"{NO_ADMISSION}, and the pod would see and signal the host's processes"
            ],
            id="host-pid",
        ),
        pytest.param(
            {"containers": [web()], "hostIPC": True},
            [
                "spec.hostIPC: Forbidden: the host's IPC namespace is not allowed: "
                f"{NO_ADMISSION}, and the pod would share the host's shared memory"
            ],
            id="host-ipc",
        ),
        pytest.param(
            {"containers": [web()], "volumes": [{"name": "h", "hostPath": {"path": "/"}}]},
            [
                "spec.volumes[0].hostPath: Forbidden: hostPath volumes are not allowed: "
                f"{NO_ADMISSION}, and a hostPath volume reads and writes the host's files"
            ],
            id="host-path",
        ),
        pytest.param(
            {
                "containers": [web()],
                "volumes": [{"name": "c", "persistentVolumeClaim": {"claimName": "c"}}],
            },
            [
                "spec.volumes[0].persistentVolumeClaim: Forbidden: persistentVolumeClaim "
                "volumes are not served yet: mcp serves no PersistentVolumeClaims"
            ],
            id="persistent-volume-claim",
        ),
        pytest.param(
            {
                "containers": [web()],
                "volumes": [{"name": "n", "nfs": {"server": "s", "path": "/"}}],
            },
            [
                "spec.volumes[0].nfs: Forbidden: nfs volumes are not supported: mcp runs pods on "
                "one Docker host and mounts no network or cloud storage"
            ],
            id="network-storage",
        ),
        pytest.param(
            {
                "containers": [web()],
                "volumes": [
                    {
                        "name": "t",
                        "projected": {"sources": [{"serviceAccountToken": {"path": "t"}}]},
                    }
                ],
            },
            [
                "spec.volumes[0].projected.sources[0].serviceAccountToken: Forbidden: service "
                "account tokens are not served yet: mcp has no authentication"
            ],
            id="token",
        ),
        pytest.param(
            {"containers": [web()], "os": {"name": "windows"}},
            [
                "spec.os.name: Forbidden: windows pods are not supported: mcp runs Linux "
                "containers on one Docker host"
            ],
            id="windows",
        ),
    ],
)
def test_what_mcp_refuses_until_it_has_admission(spec: dict[str, Any], expected: list[str]) -> None:
    assert problems(spec) == expected


@pytest.mark.parametrize(
    ("annotations", "expected"),
    [
        pytest.param(
            {"controller.kubernetes.io/pod-deletion-cost": "lots"},
            [
                "metadata.annotations[controller.kubernetes.io/pod-deletion-cost]: Invalid "
                'value: "lots": must be a 32bit integer'
            ],
            id="deletion-cost",
        ),
        pytest.param({"controller.kubernetes.io/pod-deletion-cost": "-7"}, [], id="cost-ok"),
        pytest.param(
            {"kubernetes.io/config.mirror": "x"},
            [
                'metadata.annotations[kubernetes.io/config.mirror]: Invalid value: "x": must '
                "set spec.nodeName if mirror pod annotation is set"
            ],
            id="mirror-unbound",
        ),
    ],
)
def test_pod_annotations(annotations: dict[str, str], expected: list[str]) -> None:
    assert problems({"containers": [web()]}, annotations=annotations) == expected


def test_validation_does_not_change_the_pod() -> None:
    spec = {"containers": [web(ports=[{"containerPort": 80}])]}
    before = copy.deepcopy(spec)
    problems(spec)
    assert spec == before
