"""Table tests of `volume_files`: the cases of upstream's configMap and secret
TestMakePayload (pkg/volume/{configmap,secret}/*_test.go) and projected
TestCollectData{WithSecret,WithConfigMap,WithDownwardAPI}
(pkg/volume/projected/projected_test.go), and the plugins' error messages."""

from __future__ import annotations

from typing import Any

import pytest
from support.pod_sources import DictLookup, configmap, secret

from mcp.engine.pods.volumes import (
    REASON,
    FileProjection,
    MountError,
    Payload,
    clean_path,
    mount_failed_message,
    volume_files,
)

MAPPING_MODE = 0o400
FOO_BAR = {"foo": "foo", "bar": "bar"}
POD = {
    "metadata": {
        "name": "podName",
        "namespace": "test_projected_namespace",
        "uid": "test_pod_uid",
        "labels": {"key1": "value1", "key2": "value2"},
        "annotations": {"a1": "value1", "a2": "value2"},
    },
    "spec": {
        "containers": [
            {"name": "app", "resources": {"limits": {"cpu": "500m"}, "requests": {"memory": "1Mi"}}}
        ]
    },
}
ALLOCATABLE = {"cpu": "4", "memory": "8Gi"}


def files(**contents: bytes) -> Payload:
    return {path.replace("__", "/"): FileProjection(data, 0o644) for path, data in contents.items()}


# (items, expected payload or the key whose absence is the error) for MakePayload.
MAKE_PAYLOAD = [
    pytest.param(None, files(foo=b"foo", bar=b"bar"), id="no-overrides"),
    pytest.param(
        [{"key": "foo", "path": "path/to/foo.txt"}],
        {"path/to/foo.txt": FileProjection(b"foo", 0o644)},
        id="basic-1",
    ),
    pytest.param(
        [{"key": "foo", "path": "path/to/1/2/3/foo.txt"}],
        {"path/to/1/2/3/foo.txt": FileProjection(b"foo", 0o644)},
        id="subdirs",
    ),
    pytest.param(
        [
            {"key": "foo", "path": "path/to/1/2/3/foo.txt"},
            {"key": "bar", "path": "another/path/to/the/esteemed/bar.bin"},
        ],
        {
            "path/to/1/2/3/foo.txt": FileProjection(b"foo", 0o644),
            "another/path/to/the/esteemed/bar.bin": FileProjection(b"bar", 0o644),
        },
        id="subdirs-3",
    ),
    pytest.param([{"key": "zab", "path": "path/to/foo.txt"}], "zab", id="non-existent-key"),
    pytest.param(
        [
            {"key": "foo", "path": "foo.txt", "mode": MAPPING_MODE},
            {"key": "bar", "path": "bar.bin", "mode": MAPPING_MODE},
        ],
        {"foo.txt": FileProjection(b"foo", 0o400), "bar.bin": FileProjection(b"bar", 0o400)},
        id="mapping-with-mode",
    ),
    pytest.param(
        [{"key": "foo", "path": "foo.txt"}, {"key": "bar", "path": "bar.bin"}],
        {"foo.txt": FileProjection(b"foo", 0o644), "bar.bin": FileProjection(b"bar", 0o644)},
        id="mapping-with-default-mode",
    ),
]


def outcome(expected: Payload | str, message: str) -> Payload | MountError:
    return MountError(message.format(key=expected)) if isinstance(expected, str) else expected


@pytest.mark.parametrize(("items", "expected"), MAKE_PAYLOAD)
def test_configmap_volume(items: Any, expected: Payload | str) -> None:
    volume = {"name": "v", "configMap": {"name": "cm", "items": items, "defaultMode": 0o644}}
    lookup = DictLookup(configmaps={"cm": configmap(FOO_BAR)})
    found = volume_files(POD, volume, lookup)
    assert found == outcome(expected, "configmap references non-existent config key: {key}")


@pytest.mark.parametrize(("items", "expected"), MAKE_PAYLOAD)
def test_secret_volume(items: Any, expected: Payload | str) -> None:
    volume = {"name": "v", "secret": {"secretName": "s", "items": items, "defaultMode": 0o644}}
    lookup = DictLookup(secrets={"s": secret(foo=b"foo", bar=b"bar")})
    found = volume_files(POD, volume, lookup)
    assert found == outcome(expected, "references non-existent secret key: {key}")


@pytest.mark.parametrize(("items", "expected"), MAKE_PAYLOAD)
@pytest.mark.parametrize("kind", ["configMap", "secret"])
def test_projected_volume_of_one_source(kind: str, items: Any, expected: Payload | str) -> None:
    # TestCollectDataWithSecret and TestCollectDataWithConfigMap: the sources take the
    # projected volume's defaultMode.
    volume = {
        "name": "v",
        "projected": {"defaultMode": 0o644, "sources": [{kind: {"name": "o", "items": items}}]},
    }
    lookup = DictLookup({"o": configmap(FOO_BAR)}, {"o": secret(foo=b"foo", bar=b"bar")})
    message = {
        "configMap": "configmap references non-existent config key: {key}",
        "secret": "references non-existent secret key: {key}",
    }[kind]
    assert volume_files(POD, volume, lookup) == outcome(expected, message)


CASES = [
    pytest.param(
        {"configMap": {"name": "cm", "optional": True, "items": [{"key": "zab", "path": "p"}]}},
        {"cm": configmap(FOO_BAR)},
        {},
        id="configmap-optional-non-existent-key",
    ),
    pytest.param(
        {"secret": {"secretName": "s", "optional": True, "items": [{"key": "zab", "path": "p"}]}},
        {"s": secret(foo=b"foo")},
        {},
        id="secret-optional-non-existent-key",
    ),
    pytest.param(
        {"configMap": {"name": "missing", "optional": True}},
        {},
        {},
        id="configmap-optional-missing",
    ),
    pytest.param(
        {
            "secret": {
                "secretName": "missing",
                "optional": True,
                "items": [{"key": "k", "path": "p"}],
            }
        },
        {},
        {},
        id="secret-optional-missing-with-items",
    ),
    pytest.param(
        {"configMap": {"name": "mixed"}},
        {"mixed": configmap({"text": "t"}, blob=b"\x00\xff")},
        {"text": FileProjection(b"t", 0o644), "blob": FileProjection(b"\x00\xff", 0o644)},
        id="configmap-binary-data-and-default-mode-defaulted",
    ),
    pytest.param(
        {
            "configMap": {
                "name": "mixed",
                "defaultMode": 0o600,
                "items": [{"key": "blob", "path": "b"}],
            }
        },
        {"mixed": configmap({"text": "t"}, blob=b"\x00\xff")},
        {"b": FileProjection(b"\x00\xff", 0o600)},
        id="configmap-binary-item",
    ),
    pytest.param(
        {"secret": {"secretName": "tls", "defaultMode": 0o440}},
        {"tls": secret(**{"tls.crt": b"cert", "tls.key": b"\x00key"})},
        {"tls.crt": FileProjection(b"cert", 0o440), "tls.key": FileProjection(b"\x00key", 0o440)},
        id="secret-decoded",
    ),
    pytest.param(
        {
            "downwardAPI": {
                "items": [
                    {"path": "labels", "fieldRef": {"fieldPath": "metadata.labels"}},
                    {"path": "annotations", "fieldRef": {"fieldPath": "metadata.annotations"}},
                    {"path": "name_file_name", "fieldRef": {"fieldPath": "metadata.name"}},
                    {
                        "path": "namespace_file_name",
                        "fieldRef": {"fieldPath": "metadata.namespace"},
                    },
                    {"path": "uid", "fieldRef": {"fieldPath": "metadata.uid"}, "mode": 0o400},
                    {"path": "key1", "fieldRef": {"fieldPath": "metadata.labels['key1']"}},
                ]
            }
        },
        {},
        {
            "labels": FileProjection(b'key1="value1"\nkey2="value2"', 0o644),
            "annotations": FileProjection(b'a1="value1"\na2="value2"', 0o644),
            "name_file_name": FileProjection(b"podName", 0o644),
            "namespace_file_name": FileProjection(b"test_projected_namespace", 0o644),
            "uid": FileProjection(b"test_pod_uid", 0o400),
            "key1": FileProjection(b"value1", 0o644),
        },
        id="downward-api-fields",
    ),
    pytest.param(
        {
            "downwardAPI": {
                "defaultMode": 0o444,
                "items": [
                    {
                        "path": "cpu/limit",
                        "resourceFieldRef": {
                            "containerName": "app",
                            "resource": "limits.cpu",
                            "divisor": "1m",
                        },
                    },
                    {
                        "path": "mem//limit",
                        "resourceFieldRef": {
                            "containerName": "app",
                            "resource": "limits.memory",
                            "divisor": "1Gi",
                        },
                    },
                    {
                        "path": "./mem/request",
                        "resourceFieldRef": {"containerName": "app", "resource": "requests.memory"},
                    },
                ],
            }
        },
        {},
        {
            "cpu/limit": FileProjection(b"500", 0o444),
            "mem/limit": FileProjection(b"8", 0o444),
            "mem/request": FileProjection(b"1048576", 0o444),
        },
        id="downward-api-resources-paths-cleaned-node-allocatable",
    ),
    pytest.param(
        {
            "projected": {
                "defaultMode": 0o640,
                "sources": [
                    {"configMap": {"name": "cm"}},
                    {
                        "secret": {
                            "name": "s",
                            "items": [{"key": "foo", "path": "foo", "mode": 0o600}],
                        }
                    },
                    {
                        "downwardAPI": {
                            "items": [
                                {"path": "pod/name", "fieldRef": {"fieldPath": "metadata.name"}}
                            ]
                        }
                    },
                ],
            }
        },
        {"cm": configmap(FOO_BAR)},
        {
            "foo": FileProjection(b"secret foo", 0o600),
            "bar": FileProjection(b"bar", 0o640),
            "pod/name": FileProjection(b"podName", 0o640),
        },
        id="projected-merged-later-source-wins",
    ),
    pytest.param({"emptyDir": {}}, {}, None, id="other-kinds-have-no-files"),
]


@pytest.mark.parametrize(("source", "objects", "expected"), CASES)
def test_volume_files(
    source: dict[str, Any], objects: dict[str, Any], expected: Payload | None
) -> None:
    # `objects` are both the ConfigMaps and the Secrets of the namespace, with Secret "s".
    lookup = DictLookup(objects, {"s": secret(foo=b"secret foo"), **objects})
    assert volume_files(POD, {"name": "v", **source}, lookup, allocatable=ALLOCATABLE) == expected


ERRORS = [
    pytest.param({"configMap": {"name": "cm"}}, 'configmap "cm" not found', id="configmap-missing"),
    pytest.param({"secret": {"secretName": "s"}}, 'secret "s" not found', id="secret-missing"),
    pytest.param(
        {
            "downwardAPI": {
                "items": [
                    {"path": "node", "fieldRef": {"fieldPath": "spec.nodeName"}},
                    {
                        "path": "cpu",
                        "resourceFieldRef": {"containerName": "init", "resource": "limits.cpu"},
                    },
                    {"path": "name", "fieldRef": {"fieldPath": "metadata.name"}},
                ]
            }
        },
        "[unsupported fieldPath: spec.nodeName, container init not found]",
        id="downward-api-errors-aggregated",
    ),
    pytest.param(
        {
            "projected": {
                "sources": [
                    {"configMap": {"name": "cm"}},
                    {"secret": {"name": "s"}},
                    {"configMap": {"name": "cm"}},
                    {"serviceAccountToken": {"path": "token"}},
                ]
            }
        },
        '[configmap "cm" not found, secret "s" not found, '
        "mcp does not support serviceAccountToken projections]",
        id="projected-errors-aggregated-once-each",
    ),
    pytest.param(
        {
            "projected": {
                "sources": [
                    {"secret": {"name": "s"}},
                    {"configMap": {"name": "cm", "optional": True}},
                ]
            }
        },
        'secret "s" not found',
        id="projected-one-error-alone",
    ),
]


@pytest.mark.parametrize(("source", "message"), ERRORS)
def test_volume_files_errors(source: dict[str, Any], message: str) -> None:
    found = volume_files(POD, {"name": "v", **source}, DictLookup())
    assert found == MountError(message)
    assert isinstance(found, MountError)
    assert found.reason == REASON == "FailedMount"


def test_mount_failed_message_as_the_kubelet_records_it() -> None:
    message = mount_failed_message(
        "config-volume", "configmap references non-existent config key: k"
    )
    assert message == (
        'MountVolume.SetUp failed for volume "config-volume" : '
        "configmap references non-existent config key: k"
    )


@pytest.mark.parametrize(
    ("path", "expected"),
    [("a//b/./c", "a/b/c"), ("./a", "a"), ("", "."), ("a/", "a"), ("//a", "/a"), ("a/../b", "b")],
)
def test_clean_path_as_go(path: str, expected: str) -> None:
    assert clean_path(path) == expected
