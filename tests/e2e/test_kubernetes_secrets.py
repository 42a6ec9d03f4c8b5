"""Secrets and ServiceAccounts against a real `mcp run`, as a user types them with the
pinned kubectl, and through the official Python client; and a Secret's values never in
mcp's logs or events.

`kubectl create secret generic` sends protobuf, which mcp does not take yet: the tests
use `kubectl apply`. mcp runs with debug logs here, so the log check sees everything.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

import httpx
import kubernetes
import pytest
from support.launcher import McpLauncher
from support.mcp_process import McpProcess

from e2e.test_kubernetes_clients import kubeconfig_path, kubectl

pytestmark = pytest.mark.e2e

__all__ = ["kubeconfig_path"]  # a fixture, used by name

PASSWORD = "pa55-w0rd-never-logged"
SECRET = f"""\
apiVersion: v1
kind: Secret
metadata:
  name: db
  labels: {{app: db}}
stringData:
  password: {PASSWORD}
"""


@pytest.fixture
def mcp(mcp_launcher: McpLauncher) -> McpProcess:
    """`mcp run` logging at debug level: the most it ever writes."""
    return mcp_launcher.start(extra_args=("--log-level", "debug"))


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def test_kubectl_apply_folds_string_data_into_data(kubeconfig_path: Path, tmp_path: Path) -> None:
    manifest = tmp_path / "db.yaml"
    manifest.write_text(SECRET)
    apply = ("apply", "-f", str(manifest))

    created = kubectl(kubeconfig_path, *apply)
    assert created.stdout.strip() == "secret/db created", created.stderr
    password = ("get", "secret", "db", "-o", "jsonpath={.data.password}")
    assert kubectl(kubeconfig_path, *password).stdout == b64(PASSWORD)
    # As on a cluster (kubernetes/kubernetes#87736): kubectl finds stringData missing from
    # the live object, so it sends it again and says "configured"; nothing changes.
    assert kubectl(kubeconfig_path, *apply).stdout.strip() == "secret/db configured"
    assert kubectl(kubeconfig_path, *password).stdout == b64(PASSWORD)
    manifest.write_text(SECRET.replace(PASSWORD, "changed"))
    assert kubectl(kubeconfig_path, *apply).stdout.strip() == "secret/db configured"
    assert kubectl(kubeconfig_path, *password).stdout == b64("changed")

    shown = json.loads(kubectl(kubeconfig_path, "get", "secret", "db", "-o", "json").stdout)
    assert "stringData" not in shown
    assert shown["type"] == "Opaque"
    assert shown["data"] == {"password": b64("changed")}
    listed = kubectl(kubeconfig_path, "get", "secrets", "-A", "-l", "app=db")
    rows = [line.split()[:-1] for line in listed.stdout.splitlines()]  # all but AGE
    assert rows == [["NAMESPACE", "NAME", "TYPE", "DATA"], ["default", "db", "Opaque", "1"]]


def test_kubectl_apply_of_base64_data_is_unchanged_when_applied_again(
    kubeconfig_path: Path, tmp_path: Path
) -> None:
    manifest = tmp_path / "db.yaml"
    manifest.write_text(SECRET.replace("stringData", "data").replace(PASSWORD, b64(PASSWORD)))
    apply = ("apply", "-f", str(manifest))
    assert kubectl(kubeconfig_path, *apply).stdout.strip() == "secret/db created"
    assert kubectl(kubeconfig_path, *apply).stdout.strip() == "secret/db unchanged"
    password = ("get", "secret", "db", "-o", "jsonpath={.data.password}")
    assert kubectl(kubeconfig_path, *password).stdout == b64(PASSWORD)


def test_kubectl_selects_secrets_by_type(kubeconfig_path: Path, tmp_path: Path) -> None:
    manifest = tmp_path / "secrets.yaml"
    manifest.write_text(
        SECRET
        + "---\n"
        + "apiVersion: v1\nkind: Secret\nmetadata: {name: cert}\ntype: kubernetes.io/tls\n"
        + "stringData: {tls.crt: c, tls.key: k}\n"
    )
    applied = kubectl(kubeconfig_path, "apply", "-f", str(manifest))
    assert applied.stdout.split() == ["secret/db", "created", "secret/cert", "created"]

    def names(*selector: str) -> list[str]:
        got = kubectl(kubeconfig_path, "get", "secrets", *selector, "-o", "name")
        assert got.returncode == 0, got.stderr
        return got.stdout.split()

    assert names("--field-selector", "type=Opaque") == ["secret/db"]
    assert names("-A", "--field-selector", "type=kubernetes.io/tls") == ["secret/cert"]
    assert names("--field-selector", "type!=Opaque,metadata.name=cert") == ["secret/cert"]
    refused = kubectl(kubeconfig_path, "get", "configmaps", "--field-selector", "type=Opaque")
    assert refused.returncode == 1
    assert refused.stderr.strip().endswith(
        '"type" is not a known field selector: only "metadata.name", "metadata.namespace"'
    )


def test_kubectl_cannot_change_an_immutable_secret(kubeconfig_path: Path, tmp_path: Path) -> None:
    manifest = tmp_path / "db.yaml"
    manifest.write_text(SECRET + "immutable: true\n")
    assert kubectl(kubeconfig_path, "apply", "-f", str(manifest)).returncode == 0

    patched = kubectl(kubeconfig_path, "patch", "secret", "db", "-p", '{"stringData":{"a":"b"}}')
    assert patched.returncode == 1
    assert patched.stderr.strip() == (
        'The Secret "db" is invalid: data: Forbidden: field is immutable when `immutable` is set'
    )
    retyped = kubectl(
        kubeconfig_path, "patch", "secret", "db", "--type=merge", "-p", '{"type":"example.com/x"}'
    )
    assert retyped.stderr.strip() == (
        'The Secret "db" is invalid: type: Invalid value: "example.com/x": field is immutable'
    )
    unset = kubectl(
        kubeconfig_path,
        "patch",
        "secret",
        "db",
        "--type=json",
        "-p",
        '[{"op": "replace", "path": "/immutable", "value": false}]',
    )
    assert unset.stderr.strip() == (
        'The Secret "db" is invalid: immutable: Forbidden: field is immutable when '
        "`immutable` is set"
    )
    labeled = kubectl(kubeconfig_path, "label", "secret", "db", "tier=back")
    assert labeled.stdout.strip() == "secret/db labeled", labeled.stderr
    password = ("get", "secret", "db", "-o", "jsonpath={.data.password}")
    assert kubectl(kubeconfig_path, *password).stdout == b64(PASSWORD)


def test_kubectl_apply_of_a_secret_is_validated_by_the_server(
    kubeconfig_path: Path, tmp_path: Path
) -> None:
    manifest = tmp_path / "bad.yaml"
    manifest.write_text(SECRET + "bogus: 1\n")
    unknown = kubectl(kubeconfig_path, "apply", "-f", str(manifest))
    assert unknown.stderr.strip() == (
        f'Error from server (BadRequest): error when creating "{manifest}": '
        'strict decoding error: unknown field "bogus"'
    )
    manifest.write_text(SECRET + "type: kubernetes.io/tls\n")
    invalid = kubectl(kubeconfig_path, "apply", "-f", str(manifest))
    assert invalid.returncode == 1
    assert invalid.stderr.strip() == (
        'The Secret "db" is invalid: \n'
        "* data[tls.crt]: Required value\n"
        "* data[tls.key]: Required value"
    )
    assert kubectl(kubeconfig_path, "get", "secret", "db").returncode == 1  # nothing stored


SERVICE_ACCOUNT = """\
apiVersion: v1
kind: ServiceAccount
metadata:
  name: robot
secrets:
- name: robot-token
imagePullSecrets:
- name: registry
automountServiceAccountToken: false
"""


def test_kubectl_applies_and_lists_service_accounts(kubeconfig_path: Path, tmp_path: Path) -> None:
    manifest = tmp_path / "robot.yaml"
    manifest.write_text(SERVICE_ACCOUNT)
    apply = ("apply", "-f", str(manifest))
    assert kubectl(kubeconfig_path, *apply).stdout.strip() == "serviceaccount/robot created"
    assert kubectl(kubeconfig_path, *apply).stdout.strip() == "serviceaccount/robot unchanged"
    manifest.write_text(SERVICE_ACCOUNT.replace("- name: registry", "- name: mirror"))
    assert kubectl(kubeconfig_path, *apply).stdout.strip() == "serviceaccount/robot configured"

    shown = json.loads(kubectl(kubeconfig_path, "get", "sa", "robot", "-o", "json").stdout)
    assert shown["secrets"] == [{"name": "robot-token"}]
    assert shown["imagePullSecrets"] == [{"name": "mirror"}]
    assert shown["automountServiceAccountToken"] is False
    # Every namespace also has its `default` account, made by the namespace controller.
    listed = kubectl(
        kubeconfig_path, "get", "serviceaccounts", "-A", "--field-selector", "metadata.name=robot"
    )
    rows = [line.split()[:-1] for line in listed.stdout.splitlines()]  # all but AGE
    assert rows == [["NAMESPACE", "NAME", "SECRETS"], ["default", "robot", "1"]]
    names = kubectl(kubeconfig_path, "get", "sa", "-o", "name").stdout.split()
    assert [name for name in names if name != "serviceaccount/default"] == ["serviceaccount/robot"]
    strict = tmp_path / "bad.yaml"
    strict.write_text(SERVICE_ACCOUNT.replace("- name: robot-token", "- name: t\n  bogus: 1"))
    refused = kubectl(kubeconfig_path, "apply", "-f", str(strict))
    assert 'strict decoding error: unknown field "secrets[0].bogus"' in refused.stderr
    deleted = kubectl(kubeconfig_path, "delete", "sa", "robot")
    assert deleted.stdout.strip() == 'serviceaccount "robot" deleted from default namespace'


def test_kubectl_lists_the_new_kinds_in_api_resources(kubeconfig_path: Path) -> None:
    listed = kubectl(kubeconfig_path, "api-resources", "--no-headers")
    rows = {line.split()[0]: line.split()[1:] for line in listed.stdout.splitlines()}
    assert rows["secrets"] == ["v1", "true", "Secret"]
    assert rows["serviceaccounts"] == ["sa", "v1", "true", "ServiceAccount"]


def test_the_python_client_writes_and_reads_secrets_and_service_accounts(
    kubeconfig_path: Path,
) -> None:
    api_client = kubernetes.config.new_client_from_config(  # type: ignore[no-untyped-call]  # the package ships no types
        config_file=str(kubeconfig_path)
    )
    client = kubernetes.client
    with api_client:
        core = client.CoreV1Api(api_client)
        created = core.create_namespaced_secret(
            "default",
            client.V1Secret(
                metadata=client.V1ObjectMeta(name="db"),
                string_data={"password": PASSWORD},
                data={"user": b64("admin")},
            ),
        )
        read = core.read_namespaced_secret("db", "default")
        listed = core.list_namespaced_secret("default", field_selector="type=Opaque")
        with pytest.raises(client.exceptions.ApiException) as invalid:
            core.create_namespaced_secret(
                "default",
                client.V1Secret(
                    metadata=client.V1ObjectMeta(name="tls"),
                    type="kubernetes.io/tls",
                    string_data={"tls.crt": PASSWORD},
                ),
            )
        core.create_namespaced_service_account(
            "default",
            client.V1ServiceAccount(
                metadata=client.V1ObjectMeta(name="robot"),
                secrets=[client.V1ObjectReference(name="db")],
                image_pull_secrets=[client.V1LocalObjectReference(name="registry")],
                automount_service_account_token=True,
            ),
        )
        accounts = core.list_namespaced_service_account("default")
        everywhere = core.list_service_account_for_all_namespaces()
    for secret in (created, read):
        assert secret.data == {"password": b64(PASSWORD), "user": b64("admin")}
        assert secret.string_data is None
        assert secret.type == "Opaque"
    assert [s.metadata.name for s in listed.items if s.metadata] == ["db"]
    assert invalid.value.status == 422
    causes = json.loads(str(invalid.value.body))["details"]["causes"]
    assert causes == [
        {"reason": "FieldValueRequired", "message": "Required value", "field": "data[tls.key]"}
    ]
    [robot] = [a for a in accounts.items if a.metadata and a.metadata.name != "default"]
    assert [s.name for s in robot.secrets or []] == ["db"]
    assert [s.name for s in robot.image_pull_secrets or []] == ["registry"]
    assert robot.automount_service_account_token is True
    assert [
        a.metadata.name for a in everywhere.items if a.metadata and a.metadata.name != "default"
    ] == ["robot"]


def test_a_secret_value_never_reaches_the_logs_or_events(
    mcp: McpProcess, kubeconfig_path: Path, tmp_path: Path
) -> None:
    manifest = tmp_path / "db.yaml"
    manifest.write_text(SECRET)
    assert kubectl(kubeconfig_path, "apply", "-f", str(manifest)).returncode == 0
    other = f"{PASSWORD}-patched"
    assert (
        kubectl(
            kubeconfig_path, "patch", "secret", "db", "-p", json.dumps({"stringData": {"x": other}})
        ).returncode
        == 0
    )
    third = f"{PASSWORD}-refused"
    manifest.write_text(
        "apiVersion: v1\nkind: Secret\nmetadata: {name: registry}\n"
        f"type: kubernetes.io/dockerconfigjson\nstringData: {{.dockerconfigjson: {third}}}\n"
    )
    refused = kubectl(kubeconfig_path, "apply", "-f", str(manifest))
    assert "data[.dockerconfigjson]: Invalid value" in refused.stderr
    assert third not in refused.stderr
    with httpx.Client(base_url=mcp.url) as http:
        bad_json = http.post(
            "/api/v1/namespaces/default/secrets",
            content=f'{{"stringData": {{"k": "{third}"}}',
            headers={"Content-Type": "application/json"},
        )
        assert bad_json.status_code == 400
        assert third not in bad_json.text
        events = http.get("/api/v1/events")
    assert events.status_code == 200
    assert mcp.events("http_request"), "no access log: is this the right output?"
    output = mcp.stdout_text() + mcp.stderr_text() + events.text
    for value in (PASSWORD, other, third):
        assert value not in output
        assert b64(value)[:16] not in output
