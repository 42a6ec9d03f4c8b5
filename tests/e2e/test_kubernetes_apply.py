"""Server-side apply and managedFields against a real `mcp run`, with the pinned kubectl
and the official Python client, as a user drives them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import kubernetes
import pytest
from support.mcp_process import McpProcess

from e2e.test_kubernetes_clients import kubeconfig_path, kubectl

pytestmark = pytest.mark.e2e

__all__ = ["kubeconfig_path"]  # a fixture, used by name

LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
CONFIGMAP = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: x
  labels: {app: web}
data:
  color: blue
  size: large
"""
# What kubectl prints after the Status of a conflict (k8s.io/kubectl apply.go).
CONFLICT_ADVICE = """\
Please review the fields above--they currently have other managers. Here
are the ways you can resolve this warning:
* If you intend to manage all of these fields, please re-run the apply
  command with the `--force-conflicts` flag.
* If you do not intend to manage all of the fields, please edit your
  manifest to remove references to the fields that should keep their
  current managers.
* You may co-own fields by updating your manifest to match the existing
  value; in this case, you'll become the manager if the other manager(s)
  stop managing the field (remove it from their configuration).
See https://kubernetes.io/docs/reference/using-api/server-side-apply/#conflicts"""


def shown(kubeconfig: Path, *flags: str) -> dict[str, Any]:
    got = kubectl(kubeconfig, "get", "cm", "x", "-o", "json", *flags)
    assert got.returncode == 0, got.stderr
    result: dict[str, Any] = json.loads(got.stdout)
    return result


def managers(obj: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(e["manager"], e["operation"]): e["fieldsV1"] for e in obj["metadata"]["managedFields"]}


def test_kubectl_server_side_apply_owns_prunes_conflicts_and_forces(
    kubeconfig_path: Path, tmp_path: Path
) -> None:
    manifest = tmp_path / "cm.yaml"
    manifest.write_text(CONFIGMAP)
    ssa = ("apply", "--server-side", "-f", str(manifest))

    first = kubectl(kubeconfig_path, *ssa)
    assert first.stdout.strip() == "configmap/x serverside-applied", first.stderr
    assert kubectl(kubeconfig_path, *ssa).stdout.strip() == "configmap/x serverside-applied"
    manifest.write_text(CONFIGMAP.replace("  size: large\n", ""))
    assert kubectl(kubeconfig_path, *ssa).returncode == 0
    live = shown(kubeconfig_path, "--show-managed-fields")
    assert live["data"] == {"color": "blue"}  # the key removed between applies is gone
    assert managers(live) == {
        ("kubectl", "Apply"): {"f:data": {"f:color": {}}, "f:metadata": {"f:labels": {"f:app": {}}}}
    }
    # kubectl hides managedFields unless asked.
    assert "managedFields" not in shown(kubeconfig_path)["metadata"]

    manifest.write_text(CONFIGMAP.replace("blue", "red"))
    other = ("--field-manager=other",)
    refused = kubectl(kubeconfig_path, *ssa, *other)
    assert refused.returncode == 1
    assert refused.stderr.strip() == (
        'error: Apply failed with 1 conflict: conflict with "kubectl": .data.color\n'
        + CONFLICT_ADVICE
    )
    assert shown(kubeconfig_path)["data"] == {"color": "blue"}
    forced = kubectl(kubeconfig_path, *ssa, *other, "--force-conflicts")
    assert forced.stdout.strip() == "configmap/x serverside-applied", forced.stderr
    live = shown(kubeconfig_path, "--show-managed-fields")
    assert live["data"] == {"color": "red", "size": "large"}
    owners = managers(live)
    assert set(owners) == {("kubectl", "Apply"), ("other", "Apply")}
    assert owners[("other", "Apply")]["f:data"] == {"f:color": {}, "f:size": {}}
    assert "f:data" not in owners[("kubectl", "Apply")]  # the color moved to `other`
    yaml_view = kubectl(kubeconfig_path, "get", "cm", "x", "-o", "yaml", "--show-managed-fields")
    assert "manager: other" in yaml_view.stdout
    assert "operation: Apply" in yaml_view.stdout


def test_kubectl_migrates_client_side_apply_to_server_side(
    kubeconfig_path: Path, tmp_path: Path
) -> None:
    manifest = tmp_path / "cm.yaml"
    manifest.write_text(CONFIGMAP)
    created = kubectl(kubeconfig_path, "apply", "-f", str(manifest))
    assert created.stdout.strip() == "configmap/x created", created.stderr
    csa = managers(shown(kubeconfig_path, "--show-managed-fields"))
    assert set(csa) == {("kubectl-client-side-apply", "Update")}
    assert csa[("kubectl-client-side-apply", "Update")]["f:data"] == {
        ".": {},
        "f:color": {},
        "f:size": {},
    }

    # Another manager may not change what client-side apply set.
    manifest.write_text(CONFIGMAP.replace("blue", "green").replace("  size: large\n", ""))
    other = kubectl(
        kubeconfig_path, "apply", "--server-side", "--field-manager=other", "-f", str(manifest)
    )
    assert other.stderr.splitlines()[0] == (
        "error: Apply failed with 1 conflict: "
        'conflict with "kubectl-client-side-apply" using v1: .data.color'
    )
    migrated = kubectl(kubeconfig_path, "apply", "--server-side", "-f", str(manifest))
    assert migrated.stdout.strip() == "configmap/x serverside-applied", migrated.stderr
    live = shown(kubeconfig_path, "--show-managed-fields")
    assert live["data"] == {"color": "green"}  # `size` went with client-side apply's fields
    # kubectl moved client-side apply's fields to `kubectl`, and the annotation's to
    # `kubectl-last-applied` (its csaupgrade), as on a cluster.
    owners = managers(live)
    assert set(owners) == {("kubectl", "Apply"), ("kubectl-last-applied", "Apply")}
    assert owners[("kubectl-last-applied", "Apply")] == {
        "f:metadata": {"f:annotations": {f"f:{LAST_APPLIED}": {}}}
    }
    assert owners[("kubectl", "Apply")] == {
        "f:data": {"f:color": {}},
        "f:metadata": {"f:labels": {"f:app": {}}},
    }
    last = json.loads(live["metadata"]["annotations"][LAST_APPLIED])
    assert last["data"] == {"color": "green"}
    # And back: a client-side apply still works from the annotation SSA kept up to date.
    manifest.write_text(CONFIGMAP)
    back = kubectl(kubeconfig_path, "apply", "-f", str(manifest))
    assert back.returncode == 0, back.stderr
    assert shown(kubeconfig_path)["data"] == {"color": "blue", "size": "large"}


def test_kubectl_diff_server_side_shows_and_writes_nothing(
    kubeconfig_path: Path, tmp_path: Path
) -> None:
    manifest = tmp_path / "cm.yaml"
    manifest.write_text(CONFIGMAP)
    assert kubectl(kubeconfig_path, "apply", "--server-side", "-f", str(manifest)).returncode == 0
    before = shown(kubeconfig_path, "--show-managed-fields")
    manifest.write_text(CONFIGMAP.replace("blue", "red"))
    diff = kubectl(kubeconfig_path, "diff", "--server-side", "-f", str(manifest))
    assert diff.returncode == 1, diff.stderr
    assert "-  color: blue" in diff.stdout
    assert "+  color: red" in diff.stdout
    assert shown(kubeconfig_path, "--show-managed-fields") == before
    missing = tmp_path / "new.yaml"
    missing.write_text(CONFIGMAP.replace("name: x", "name: fresh"))
    dry = kubectl(kubeconfig_path, "apply", "--server-side", "--dry-run=server", "-f", str(missing))
    assert dry.stdout.strip() == "configmap/fresh serverside-applied (server dry run)", dry.stderr
    assert kubectl(kubeconfig_path, "get", "cm", "fresh").returncode == 1


def test_updates_record_their_managers(kubeconfig_path: Path, tmp_path: Path) -> None:
    made = kubectl(kubeconfig_path, "create", "configmap", "x", "--from-literal=color=blue")
    assert made.returncode == 0, made.stderr
    patched = kubectl(kubeconfig_path, "patch", "cm", "x", "-p", '{"data":{"size":"xl"}}')
    assert patched.returncode == 0, patched.stderr
    labeled = kubectl(kubeconfig_path, "label", "cm", "x", "app=web")
    assert labeled.returncode == 0, labeled.stderr
    owners = managers(shown(kubeconfig_path, "--show-managed-fields"))
    assert owners == {
        ("kubectl-create", "Update"): {"f:data": {".": {}, "f:color": {}}},
        ("kubectl-patch", "Update"): {"f:data": {"f:size": {}}},
        ("kubectl-label", "Update"): {"f:metadata": {"f:labels": {".": {}, "f:app": {}}}},
    }
    entry = shown(kubeconfig_path, "--show-managed-fields")["metadata"]["managedFields"][0]
    assert entry["time"].endswith("Z")
    assert len(entry["time"]) == len("2024-01-01T00:00:00Z")
    # Sending managedFields: [] clears them.
    clear = '[{"op": "replace", "path": "/metadata/managedFields", "value": []}]'
    cleared = kubectl(kubeconfig_path, "patch", "cm", "x", "--type=json", "-p", clear)
    assert cleared.returncode == 0, cleared.stderr
    assert "managedFields" not in shown(kubeconfig_path, "--show-managed-fields")["metadata"]


def test_the_python_client_applies_server_side(kubeconfig_path: Path) -> None:
    api_client = kubernetes.config.new_client_from_config(  # type: ignore[no-untyped-call]  # the package ships no types
        config_file=str(kubeconfig_path)
    )
    body = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "py", "namespace": "default"},
        "data": {"a": "1"},
    }
    changed = {**body, "data": {"a": "2"}}
    with api_client:
        dynamic = kubernetes.dynamic.DynamicClient(api_client)  # type: ignore[no-untyped-call]  # the package ships no types
        configmaps = dynamic.resources.get(api_version="v1", kind="ConfigMap")
        apply = dynamic.server_side_apply
        created = apply(configmaps, body=body, field_manager="py")  # type: ignore[no-untyped-call]  # no types
        with pytest.raises(kubernetes.client.exceptions.ApiException) as refused:
            apply(configmaps, body=changed, field_manager="other")  # type: ignore[no-untyped-call]  # no types
        forced = apply(configmaps, body=changed, field_manager="other", force_conflicts=True)  # type: ignore[no-untyped-call]  # no types
        core = kubernetes.client.CoreV1Api(api_client)
        core.patch_namespaced_config_map("py", "default", {"data": {"b": "3"}})
        read = core.read_namespaced_config_map("py", "default")
    assert created.data.a == "1"
    assert refused.value.status == 409
    status = json.loads(str(refused.value.body))
    assert status["details"]["causes"] == [
        {"reason": "FieldManagerConflict", "message": 'conflict with "py"', "field": ".data.a"}
    ]
    assert forced.data.a == "2"
    # `py` owned only `.data.a`, now `other`'s: it owns nothing and is gone.
    assert read.metadata is not None
    assert {(e.manager, e.operation) for e in read.metadata.managed_fields or []} == {
        ("other", "Apply"),
        ("OpenAPI-Generator", "Update"),  # no fieldManager: named from the User-Agent
    }


def test_apply_needs_a_field_manager_and_an_existing_namespace(mcp: McpProcess) -> None:
    url = f"{mcp.url}/api/v1/namespaces/default/configmaps/x"
    headers = {"Content-Type": "application/apply-patch+yaml"}
    yaml_body = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata: {a: '1'}\n"
    with httpx.Client(timeout=30.0) as client:
        unnamed = client.patch(url, content=yaml_body, headers=headers)
        made = client.patch(
            url, params={"fieldManager": "curl"}, content=yaml_body, headers=headers
        )
        again = client.patch(
            url, params={"fieldManager": "curl"}, content=yaml_body, headers=headers
        )
        elsewhere = client.patch(
            url.replace("/default/", "/nope/"),
            params={"fieldManager": "curl"},
            content=yaml_body,
            headers=headers,
        )
        strict = client.patch(
            url,
            params={"fieldManager": "curl", "fieldValidation": "Strict"},
            content=yaml_body + "bogus: 1\n",
            headers=headers,
        )
        force_on_merge = client.patch(
            url,
            params={"force": "true"},
            content="{}",
            headers={"Content-Type": "application/merge-patch+json"},
        )
    assert unnamed.status_code == 422
    assert unnamed.json()["message"] == (
        'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: '
        "is required for apply patch"
    )
    assert made.status_code == 201
    assert made.json()["metadata"]["managedFields"][0]["manager"] == "curl"
    assert again.status_code == 200
    assert again.json()["metadata"]["resourceVersion"] == made.json()["metadata"]["resourceVersion"]
    assert elsewhere.status_code == 404
    assert elsewhere.json()["message"] == 'namespaces "nope" not found'
    assert strict.status_code == 400
    assert ".bogus: field not declared in schema" in strict.json()["message"]
    assert force_on_merge.status_code == 422
    assert (
        "force: Forbidden: may not be specified for non-apply patch"
        in (force_on_merge.json()["message"])
    )
