"""Table tests of `container_env`: upstream's TestMakeEnvironmentVariables cases that apply
(pkg/kubelet/kubelet_pods_test.go; Services come later, so their rows pass the Service
variables in by hand), the kubelet's error messages, and the `$(VAR)` expansion cases of
third_party/forked/golang/expansion/expand_test.go."""

from __future__ import annotations

from typing import Any

import pytest
from support.pod_sources import DictLookup, configmap, secret

from mcp.engine.pods.env import (
    REASON,
    ConfigError,
    container_env,
    expand,
    mapping_for,
    service_links,
)

HOST_IP, HOST_IPV6 = "127.0.0.1", "::1"  # upstream's testKubeletHostIP and testKubeletHostIPv6

TEST_CONFIGMAP = configmap({"REPLACE_ME": "FROM_CONFIG_MAP", "DUPE_TEST": "CONFIG_MAP"})
TEST_SECRET = secret(REPLACE_ME=b"FROM_SECRET", DUPE_TEST=b"SECRET")
TEST_SERVICE = {
    "TEST_SERVICE_HOST": "1.2.3.3",
    "TEST_SERVICE_PORT": "8083",
    "TEST_PORT": "tcp://1.2.3.3:8083",
}


def make_pod(namespace: str = "test1", **spec: Any) -> dict[str, Any]:
    return {
        "metadata": {
            "name": "dapi-test-pod-name",
            "namespace": namespace,
            "uid": "7f1c0d2e",
            "labels": {"app": "web", "tier": 'front "end"'},
            "annotations": {"example.com/owner": "ops"},
        },
        "spec": {"serviceAccountName": "special", "nodeName": "node-name", **spec},
    }


def field(path: str, name: str, **selector: str) -> dict[str, Any]:
    return {"name": name, "valueFrom": {"fieldRef": {"fieldPath": path, **selector}}}


def resource(name: str, **selector: str) -> dict[str, Any]:
    return {"name": name, "valueFrom": {"resourceFieldRef": selector}}


def key_ref(kind: str, name: str, key: str, **extra: Any) -> dict[str, Any]:
    return {"name": "POD_NAME", "valueFrom": {kind: {"name": name, "key": key, **extra}}}


def env_from(kind: str, name: str, prefix: str = "", **extra: Any) -> dict[str, Any]:
    source: dict[str, Any] = {kind: {"name": name, **extra}}
    return {**source, "prefix": prefix} if prefix else source


LITERALS = [
    {"name": "TEST_LITERAL", "value": "test-test-test"},
    {"name": "EXPANSION_TEST", "value": "$(REPLACE_ME)"},
    {"name": "DUPE_TEST", "value": "ENV_VAR"},
]
EXPANSION = [
    {"name": "TEST_LITERAL", "value": "test-test-test"},
    field("metadata.name", "POD_NAME", apiVersion="v1"),
    {"name": "OUT_OF_ORDER_TEST", "value": "$(OUT_OF_ORDER_TARGET)"},
    {"name": "OUT_OF_ORDER_TARGET", "value": "FOO"},
    {"name": "EMPTY_VAR"},
    {"name": "EMPTY_TEST", "value": "foo-$(EMPTY_VAR)"},
    {"name": "POD_NAME_TEST2", "value": "test2-$(POD_NAME)"},
    {"name": "POD_NAME_TEST3", "value": "$(POD_NAME_TEST2)-3"},
    {"name": "LITERAL_TEST", "value": "literal-$(TEST_LITERAL)"},
    {"name": "TEST_UNDEFINED", "value": "$(UNDEFINED_VAR)"},
]
EXPANDED = [
    ("TEST_LITERAL", "test-test-test"),
    ("POD_NAME", "dapi-test-pod-name"),
    ("OUT_OF_ORDER_TEST", "$(OUT_OF_ORDER_TARGET)"),
    ("OUT_OF_ORDER_TARGET", "FOO"),
    ("EMPTY_VAR", ""),
    ("EMPTY_TEST", "foo-"),
    ("POD_NAME_TEST2", "test2-dapi-test-pod-name"),
    ("POD_NAME_TEST3", "test2-dapi-test-pod-name-3"),
    ("LITERAL_TEST", "literal-test-test-test"),
    ("TEST_UNDEFINED", "$(UNDEFINED_VAR)"),
]
DOWNWARD = [
    field("metadata.name", "POD_NAME", apiVersion="v1"),
    field("metadata.namespace", "POD_NAMESPACE"),
    field("spec.nodeName", "POD_NODE_NAME"),
    field("spec.serviceAccountName", "POD_SERVICE_ACCOUNT_NAME"),
    field("status.podIP", "POD_IP"),
    field("status.podIPs", "POD_IPS"),
    field("status.hostIP", "HOST_IP"),
    field("status.hostIPs", "HOST_IPS"),
]
IPS = DOWNWARD[4:]
BOTH_IPS = [
    ("POD_IP", "1.2.3.4"),
    ("POD_IPS", "1.2.3.4,fd00::6"),
    ("HOST_IP", HOST_IP),
    ("HOST_IPS", f"{HOST_IP},{HOST_IPV6}"),
]

CASES = [
    pytest.param(
        {"env": [{"name": "FOO", "value": "BAR"}, {"name": "TEST_SERVICE_HOST", "value": "x"}]},
        {},
        {},
        [("FOO", "BAR"), ("TEST_SERVICE_HOST", "x")],
        id="api-server-y-kubelet-n",
    ),
    pytest.param(
        {"env": DOWNWARD},
        {"pod_ips": ["1.2.3.4", "fd00::6"]},
        {},
        [
            ("POD_NAME", "dapi-test-pod-name"),
            ("POD_NAMESPACE", "test1"),
            ("POD_NODE_NAME", "node-name"),
            ("POD_SERVICE_ACCOUNT_NAME", "special"),
            *BOTH_IPS,
        ],
        id="downward-api-pod",
    ),
    pytest.param(
        {"env": IPS}, {"pod_ips": ["fd00::6", "1.2.3.4"]}, {}, BOTH_IPS, id="pod-ips-reverse-order"
    ),
    pytest.param(
        {"env": IPS},
        {"pod_ips": ["1.2.3.4", "192.168.1.1.", "fd00::6"]},
        {},
        BOTH_IPS,
        id="pod-ips-multiple-ips",
    ),
    pytest.param({"env": EXPANSION}, {}, {}, EXPANDED, id="env-expansion"),
    pytest.param(
        {
            "env": [
                *EXPANSION,
                {"name": "SERVICE_VAR", "value": "$(TEST_SERVICE_HOST):$(TEST_SERVICE_PORT)"},
            ]
        },
        {"service_env": TEST_SERVICE},
        {},
        [*EXPANDED, ("SERVICE_VAR", "1.2.3.3:8083"), *TEST_SERVICE.items()],
        id="env-expansion-service-env-vars",
    ),
    pytest.param(
        {"env": [{"name": "TEST_SERVICE_HOST", "value": "mine"}]},
        {"service_env": TEST_SERVICE},
        {},
        [("TEST_SERVICE_HOST", "mine"), *list(TEST_SERVICE.items())[1:]],
        id="declared-beats-service-env",
    ),
    pytest.param(
        {"env": [key_ref("configMapKeyRef", "missing-config-map", "key", optional=True)]},
        {},
        {},
        [],
        id="configmapkeyref-missing-optional",
    ),
    pytest.param(
        {"env": [key_ref("configMapKeyRef", "test-config-map", "key", optional=True)]},
        {},
        {"configmaps": {"test-config-map": configmap({"a": "b"})}},
        [],
        id="configmapkeyref-missing-key-optional",
    ),
    pytest.param(
        {"env": [key_ref("secretKeyRef", "missing-secret", "key", optional=True)]},
        {},
        {},
        [],
        id="secretkeyref-missing-optional",
    ),
    pytest.param(
        {"env": [key_ref("secretKeyRef", "test-secret", "key", optional=True)]},
        {},
        {"secrets": {"test-secret": secret(a=b"b")}},
        [],
        id="secretkeyref-missing-key-optional",
    ),
    pytest.param(
        {
            "envFrom": [
                env_from("configMapRef", "test-config-map"),
                env_from("configMapRef", "test-config-map", "p_"),
            ],
            "env": LITERALS,
        },
        {},
        {"configmaps": {"test-config-map": TEST_CONFIGMAP}},
        [
            ("DUPE_TEST", "ENV_VAR"),
            ("REPLACE_ME", "FROM_CONFIG_MAP"),
            ("p_DUPE_TEST", "CONFIG_MAP"),
            ("p_REPLACE_ME", "FROM_CONFIG_MAP"),
            ("TEST_LITERAL", "test-test-test"),
            ("EXPANSION_TEST", "FROM_CONFIG_MAP"),
        ],
        id="configmap",
    ),
    pytest.param(
        {"envFrom": [env_from("configMapRef", "test-config-map", "1_")]},
        {},
        {"configmaps": {"test-config-map": TEST_CONFIGMAP}},
        [("1_DUPE_TEST", "CONFIG_MAP"), ("1_REPLACE_ME", "FROM_CONFIG_MAP")],
        id="configmap-prefix-starting-with-a-digit",
    ),
    pytest.param(
        {"envFrom": [env_from("configMapRef", "missing-config-map", optional=True)]},
        {},
        {},
        [],
        id="configmap-missing-optional",
    ),
    pytest.param(
        {"envFrom": [env_from("configMapRef", "test-config-map", "p_")]},
        {},
        {"configmaps": {"test-config-map": configmap({"1234": "abc"})}},
        [("p_1234", "abc")],
        id="configmap-invalid-keys-valid",
    ),
    pytest.param(
        {"envFrom": [env_from("configMapRef", "test-config-map")]},
        {},
        {"configmaps": {"test-config-map": configmap({"1234": "abc", "key": "value"})}},
        [("1234", "abc"), ("key", "value")],
        id="configmap-keys-once-invalid-taken-as-upstream-now-does",
    ),
    pytest.param(
        {"envFrom": [env_from("configMapRef", "test-config-map")]},
        {},
        {"configmaps": {"test-config-map": configmap({"text": "t"}, blob=b"\x00\x01")}},
        [("text", "t")],
        id="configmap-binary-data-not-in-env",
    ),
    pytest.param(
        {
            "envFrom": [
                env_from("secretRef", "test-secret"),
                env_from("secretRef", "test-secret", "p_"),
            ],
            "env": LITERALS,
        },
        {},
        {"secrets": {"test-secret": TEST_SECRET}},
        [
            ("DUPE_TEST", "ENV_VAR"),
            ("REPLACE_ME", "FROM_SECRET"),
            ("p_DUPE_TEST", "SECRET"),
            ("p_REPLACE_ME", "FROM_SECRET"),
            ("TEST_LITERAL", "test-test-test"),
            ("EXPANSION_TEST", "FROM_SECRET"),
        ],
        id="secret",
    ),
    pytest.param(
        {"envFrom": [env_from("secretRef", "missing-secret", optional=True)]},
        {},
        {},
        [],
        id="secret-missing-optional",
    ),
    pytest.param(
        {"envFrom": [env_from("secretRef", "test-secret", "p_")]},
        {},
        {"secrets": {"test-secret": secret(**{"1234.name": b"abc"})}},
        [("p_1234.name", "abc")],
        id="secret-invalid-keys-valid",
    ),
    pytest.param(
        {"envFrom": [env_from("configMapRef", "a"), env_from("configMapRef", "b")]},
        {},
        {
            "configmaps": {
                "a": configmap({"X": "from-a", "Y": "a"}),
                "b": configmap({"X": "from-b"}),
            }
        },
        [("X", "from-b"), ("Y", "a")],
        id="later-source-wins-in-place",
    ),
    pytest.param(
        {
            "env": [
                {"name": "A", "value": "1"},
                {"name": "B", "value": "$(A)"},
                {"name": "A", "value": "2"},
            ]
        },
        {},
        {},
        [("A", "2"), ("B", "1")],
        id="later-definition-wins-earlier-expansion-kept",
    ),
    pytest.param(
        {
            "env": [
                key_ref("secretKeyRef", "s", "k", optional=True),
                {"name": "USE", "value": "[$(POD_NAME)]"},
            ]
        },
        {},
        {},
        [("USE", "[$(POD_NAME)]")],
        id="optional-missing-defines-nothing",
    ),
    pytest.param(
        {"env": [key_ref("secretKeyRef", "s", "k")]},
        {},
        {"secrets": {"s": secret(k=b"caf\xc3\xa9 \xff")}},
        [("POD_NAME", "café \ufffd")],
        id="secret-value-decoded-invalid-utf8-replaced",
    ),
    pytest.param(
        {"env": [key_ref("configMapKeyRef", "c", "k")]},
        {},
        {"configmaps": {"c": configmap({"k": "v"})}},
        [("POD_NAME", "v")],
        id="configmapkeyref",
    ),
    pytest.param(
        {
            "env": [
                field("metadata.uid", "UID"),
                field("metadata.labels['app']", "APP"),
                field("metadata.labels['missing']", "MISSING"),
                field("metadata.annotations['example.com/owner']", "OWNER"),
                field("metadata.labels", "LABELS"),
                field("spec.host", "HOST"),
            ]
        },
        {},
        {},
        [
            ("UID", "7f1c0d2e"),
            ("APP", "web"),
            ("MISSING", ""),
            ("OWNER", "ops"),
            ("LABELS", 'app="web"\ntier="front \\"end\\""'),
            ("HOST", "node-name"),
        ],
        id="metadata-fields-and-subscripts",
    ),
]


@pytest.mark.parametrize(("container", "runtime", "objects", "expected"), CASES)
def test_container_env(
    container: dict[str, Any],
    runtime: dict[str, Any],
    objects: dict[str, Any],
    expected: list[tuple[str, str]],
) -> None:
    facts: dict[str, Any] = {"pod_ip": "", "node_name": "node-name", "host_ip": ""}
    facts["host_ips"] = [HOST_IP, HOST_IPV6]
    env = container_env(make_pod(), container, DictLookup(**objects), **{**facts, **runtime})
    assert env == expected


ERRORS = [
    pytest.param(
        {"envFrom": [env_from("configMapRef", "test-config-map")]},
        'configmap "test-config-map" not found',
        id="configmap-missing",
    ),
    pytest.param(
        {"envFrom": [env_from("secretRef", "test-secret")]},
        'secret "test-secret" not found',
        id="secret-missing",
    ),
    pytest.param(
        {"env": [key_ref("configMapKeyRef", "missing-config-map", "key")]},
        'configmap "missing-config-map" not found',
        id="configmapkeyref-missing",
    ),
    pytest.param(
        {"env": [key_ref("configMapKeyRef", "present", "key")]},
        "couldn't find key key in ConfigMap test1/present",
        id="configmapkeyref-missing-key",
    ),
    pytest.param(
        {"env": [key_ref("configMapKeyRef", "present", "blob")]},
        "couldn't find key blob in ConfigMap test1/present",
        id="configmapkeyref-binary-key-not-found",
    ),
    pytest.param(
        {"env": [key_ref("secretKeyRef", "missing-secret", "key")]},
        'secret "missing-secret" not found',
        id="secretkeyref-missing",
    ),
    pytest.param(
        {"env": [key_ref("secretKeyRef", "present", "key")]},
        "couldn't find key key in Secret test1/present",
        id="secretkeyref-missing-key",
    ),
    pytest.param(
        {"env": [field("status.phase", "PHASE")]},
        "unsupported fieldPath: status.phase",
        id="field-converted-but-not-resolved",
    ),
    pytest.param(
        {"env": [field("spec.containers", "C")]},
        "field label not supported: spec.containers",
        id="field-label-not-supported",
    ),
    pytest.param(
        {"env": [field("metadata.name", "N", apiVersion="v2")]},
        "unsupported pod version: v2",
        id="field-api-version",
    ),
    pytest.param(
        {"env": [field("metadata.name['x']", "N")]},
        "field label does not support subscript: metadata.name['x']",
        id="field-subscript-not-supported",
    ),
    pytest.param(
        {"env": [field("metadata.labels['a/b/c']", "N")]},
        "invalid key subscript in metadata.labels['a/b/c']: a valid label key must consist of "
        "alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric "
        "character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is "
        "'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and "
        "'/' (e.g. 'example.com/MyName')",
        id="field-subscript-not-a-key",
    ),
    pytest.param(
        {"env": [field("status.hostIP", "H")]},
        "host IP unknown; known addresses: []",
        id="no-host-ip",
    ),
    pytest.param(
        {"name": "c", "env": [resource("R", resource="limits.cpu", containerName="nope")]},
        "container nope not found",
        id="resource-container-not-found",
    ),
    pytest.param(
        {"name": "c", "env": [resource("R", resource="limits.gpu")]},
        "Unsupported container resource : limits.gpu",
        id="resource-unsupported",
    ),
]


@pytest.mark.parametrize(("container", "message"), ERRORS)
def test_container_env_errors(container: dict[str, Any], message: str) -> None:
    present = {"present": configmap({"a": "b"}, blob=b"x")}
    lookup = DictLookup(configmaps=present, secrets={"present": secret(a=b"b")})
    env = container_env(make_pod(), container, lookup, pod_ip="", node_name="n", host_ip="")
    assert env == ConfigError(message)
    assert isinstance(env, ConfigError)
    assert env.reason == REASON == "CreateContainerConfigError"


def test_container_env_node_name_for_an_unbound_pod() -> None:
    pod = make_pod()
    del pod["spec"]["nodeName"]
    env = container_env(
        pod,
        {"env": [field("spec.nodeName", "N")]},
        DictLookup(),
        pod_ip="",
        node_name="mcp",
        host_ip="",
    )
    assert env == [("N", "mcp")]


def test_container_env_single_addresses() -> None:
    container = {"env": IPS}
    env = container_env(
        make_pod(), container, DictLookup(), pod_ip="10.88.0.5", node_name="n", host_ip="192.0.2.1"
    )
    assert env == [
        ("POD_IP", "10.88.0.5"),
        ("POD_IPS", "10.88.0.5"),
        ("HOST_IP", "192.0.2.1"),
        ("HOST_IPS", "192.0.2.1"),
    ]


def test_container_env_ipv6_node_puts_ipv6_first() -> None:
    env = container_env(
        make_pod(),
        {"env": IPS[:2]},
        DictLookup(),
        pod_ip="",
        pod_ips=["1.2.3.4", "fd00::6"],
        node_name="n",
        host_ip="fd00::1",
    )
    assert env == [("POD_IP", "fd00::6"), ("POD_IPS", "fd00::6,1.2.3.4")]


RESOURCES = {
    "limits": {"cpu": "250m", "memory": "64Mi", "hugepages-2Mi": "4Mi"},
    "requests": {"cpu": "100m", "memory": "32Mi", "ephemeral-storage": "1Gi"},
}
RESOURCE_CASES = [
    pytest.param({"resource": "limits.cpu"}, "1", id="cpu-rounded-up"),
    pytest.param({"resource": "limits.cpu", "divisor": "1m"}, "250", id="cpu-millicores"),
    pytest.param({"resource": "limits.cpu", "divisor": "0"}, "1", id="zero-divisor-is-one"),
    pytest.param({"resource": "requests.cpu", "divisor": "100m"}, "1", id="cpu-divisor-100m"),
    pytest.param({"resource": "limits.memory"}, str(64 * 2**20), id="memory-bytes"),
    pytest.param({"resource": "limits.memory", "divisor": "1Mi"}, "64", id="memory-mebibytes"),
    pytest.param({"resource": "requests.memory", "divisor": "1M"}, "34", id="memory-rounded-up"),
    pytest.param({"resource": "requests.ephemeral-storage", "divisor": "1Gi"}, "1", id="storage"),
    pytest.param({"resource": "limits.hugepages-2Mi", "divisor": "1Mi"}, "4", id="hugepages"),
    pytest.param({"resource": "requests.hugepages-1Gi"}, "0", id="unset-request-is-zero"),
    pytest.param(
        {"resource": "limits.ephemeral-storage", "divisor": "1Gi"}, "100", id="node-storage"
    ),
    pytest.param(
        {"resource": "limits.cpu", "containerName": "other"}, "6", id="other-container-node-cpu"
    ),
    pytest.param(
        {"resource": "limits.memory", "containerName": "other", "divisor": "1Gi"},
        "2",
        id="other-container",
    ),
]


@pytest.mark.parametrize(("selector", "expected"), RESOURCE_CASES)
def test_container_env_resource_field_ref(selector: dict[str, str], expected: str) -> None:
    container = {"name": "app", "resources": RESOURCES, "env": [resource("R", **selector)]}
    other = {"name": "other", "resources": {"limits": {"memory": "2Gi"}}}
    pod = make_pod(containers=[container, other])
    allocatable = {"cpu": "6", "memory": "4Gi", "ephemeral-storage": "100Gi"}
    env = container_env(
        pod, container, DictLookup(), pod_ip="", node_name="n", host_ip="", allocatable=allocatable
    )
    assert env == [("R", expected)]


def test_service_links_make_no_variables_until_services_exist() -> None:
    assert service_links(make_pod(enableServiceLinks=True)) == {}


# expand_test.go's doExpansionTest, with TestMapping's and TestMappingDual's contexts.
EXPANSIONS = [
    ("$(VAR_A)", "A"),
    ("$(VAR_A)-$(VAR_A)", "A-A"),
    ("$(VAR_A)-1", "A-1"),
    ("___$(VAR_B)___", "___B___"),
    ("___$(VAR_C)", "___C"),
    ("$(VAR_A)_$(VAR_B)_$(VAR_C)", "A_B_C"),
    ("$$(VAR_B)_$(VAR_A)", "$(VAR_B)_A"),
    ("$$(VAR_A)_$$(VAR_B)", "$(VAR_A)_$(VAR_B)"),
    ("f000-$$VAR_A", "f000-$VAR_A"),
    ("foo\\$(VAR_C)bar", "foo\\Cbar"),
    ("foo\\\\$(VAR_C)bar", "foo\\\\Cbar"),
    ("foo\\\\\\\\$(VAR_A)bar", "foo\\\\\\\\Abar"),
    ("$(VAR_A$(VAR_B))", "$(VAR_A$(VAR_B))"),
    ("$(VAR_A$(VAR_B)", "$(VAR_A$(VAR_B)"),
    ("$(VAR_REF)", "$(VAR_A)"),
    ("%%$(VAR_REF)--$(VAR_REF)%%", "%%$(VAR_A)--$(VAR_A)%%"),
    ("foo$(VAR_EMPTY)bar", "foobar"),
    ("foo$(VAR_Awhoops!", "foo$(VAR_Awhoops!"),
    ("f00__(VAR_A)__", "f00__(VAR_A)__"),
    ("$?_boo_$!", "$?_boo_$!"),
    ("$VAR_A", "$VAR_A"),
    ("$(VAR_DNE)", "$(VAR_DNE)"),
    ("$$$$$$(BIG_MONEY)", "$$$(BIG_MONEY)"),
    ("$$$$$$(VAR_A)", "$$$(VAR_A)"),
    ("$$$$$$$(GOOD_ODDS)", "$$$$(GOOD_ODDS)"),
    ("$$$$$$$(VAR_A)", "$$$A"),
    ("$VAR_A)", "$VAR_A)"),
    ("${VAR_A}", "${VAR_A}"),
    ("$(VAR_B)_______$(A", "B_______$(A"),
    ("$(VAR_C)_______$(", "C_______$("),
    ("$(VAR_A)foobarzab$", "Afoobarzab$"),
    ("foo-\\$(VAR_A", "foo-\\$(VAR_A"),
    ("--$($($($($--", "--$($($($($--"),
    ("$($($($($--foo$(", "$($($($($--foo$("),
    ("foo0--$($($($(", "foo0--$($($($("),
    ("$(foo$$var)", "$(foo$$var)"),
    ("\n", "\n"),
    ("€$(VAR_A)€$€", "€A€$€"),
]
CONTEXTS = [
    pytest.param(
        ({"VAR_A": "A", "VAR_B": "B", "VAR_C": "C", "VAR_REF": "$(VAR_A)", "VAR_EMPTY": ""},),
        id="mapping",
    ),
    pytest.param(
        ({"VAR_A": "A", "VAR_EMPTY": ""}, {"VAR_B": "B", "VAR_C": "C", "VAR_REF": "$(VAR_A)"}),
        id="mapping-dual",
    ),
]


@pytest.mark.parametrize("contexts", CONTEXTS)
@pytest.mark.parametrize(("text", "expected"), EXPANSIONS)
def test_expand(contexts: tuple[dict[str, str], ...], text: str, expected: str) -> None:
    assert expand(text, mapping_for(*contexts)) == expected
