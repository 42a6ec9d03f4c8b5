"""kubectl as a user types it, against one real `mcp run` shared by the module: output
formats, the three patch types, replace, label and annotate, edit, deleting by selector,
server-side dry runs, paging with `get --raw`, the `create` generators, and `explain`.

Each test works in a namespace of its own. What other modules already drive (apply's
create/configure/unchanged, server-side apply conflicts, diff, `get -w`, `delete --wait`,
namespace deletion, strict validation, `version`, `api-resources`) is not repeated here.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import stat
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from support.etcd import EtcdServer
from support.launcher import McpLauncher

from e2e.test_kubernetes_clients import KUBECTL, assert_printed, kubectl

pytestmark = pytest.mark.e2e


@dataclass(frozen=True)
class Cluster:
    kubeconfig: Path
    etcd: EtcdServer


@pytest.fixture(scope="module")
def cluster(shared_launcher: McpLauncher, etcd: EtcdServer) -> Cluster:
    """One `mcp run` for the module's tests; none of them restarts it."""
    return Cluster(shared_launcher.data_dir / "kubeconfig", etcd)


@pytest.fixture
def ns(cluster: Cluster) -> str:
    """A namespace of this test's own, made as a user makes one."""
    name = f"t-{secrets.token_hex(4)}"
    made = kubectl(cluster.kubeconfig, "create", "namespace", name)
    assert made.stdout.strip() == f"namespace/{name} created", made.stderr
    return name


def run(cluster: Cluster, ns: str, *args: str) -> subprocess.CompletedProcess[str]:
    return kubectl(cluster.kubeconfig, "-n", ns, *args)


def ok(cluster: Cluster, ns: str, *args: str) -> str:
    done = run(cluster, ns, *args)
    assert done.returncode == 0, done.stderr
    return done.stdout


def refused(cluster: Cluster, ns: str, *args: str) -> str:
    """kubectl's stderr for a command that must fail (exit code 1)."""
    done = run(cluster, ns, *args)
    assert done.returncode == 1, (done.stdout, done.stderr)
    return done.stderr.strip()


def data(cluster: Cluster, ns: str, name: str) -> dict[str, str]:
    shown = json.loads(ok(cluster, ns, "get", "cm", name, "-o", "json"))
    result: dict[str, str] = shown.get("data", {})
    return result


THREE = """\
apiVersion: v1
kind: ConfigMap
metadata: {name: web, labels: {app: web, tier: front}}
data: {color: blue, size: large}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: db, labels: {app: db, tier: back}}
data: {color: red}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: cache, labels: {app: cache, tier: back}}
"""


def test_kubectl_get_prints_every_output_format(cluster: Cluster, ns: str, tmp_path: Path) -> None:
    manifest = tmp_path / "three.yaml"
    manifest.write_text(THREE)
    ok(cluster, ns, "apply", "-f", str(manifest))

    assert ok(cluster, ns, "get", "cm", "-o", "name").split() == [
        "configmap/cache",
        "configmap/db",
        "configmap/web",
    ]
    as_json = json.loads(ok(cluster, ns, "get", "cm", "web", "-o", "json"))
    assert (as_json["kind"], as_json["apiVersion"]) == ("ConfigMap", "v1")
    assert as_json["data"] == {"color": "blue", "size": "large"}
    listed = json.loads(ok(cluster, ns, "get", "cm", "-o", "json"))
    assert (listed["kind"], listed["apiVersion"]) == ("List", "v1")
    as_yaml = ok(cluster, ns, "get", "cm", "db", "-o", "yaml")
    assert as_yaml.startswith("apiVersion: v1\ndata:\n  color: red\nkind: ConfigMap\nmetadata:\n")
    assert f"  namespace: {ns}\n" in as_yaml
    assert_printed(
        ok(cluster, ns, "get", "cm", "-o", "wide"),
        [
            "NAME    DATA   AGE",
            "cache   0      {age}",
            "db      1      {age}",
            "web     2      {age}",
        ],
    )
    jsonpath = "jsonpath={range .items[*]}{.metadata.name}={.data.color}{'\\n'}{end}"
    assert ok(cluster, ns, "get", "cm", "-o", jsonpath) == "cache=\ndb=red\nweb=blue\n"
    assert ok(cluster, ns, "get", "cm", "web", "-o", "jsonpath={.metadata.labels.tier}") == "front"
    columns = "custom-columns=NAME:.metadata.name,TIER:.metadata.labels.tier,COLOR:.data.color"
    assert ok(cluster, ns, "get", "cm", "-o", columns).splitlines() == [
        "NAME    TIER    COLOR",
        "cache   back    <none>",
        "db      back    red",
        "web     front   blue",
    ]
    by_color = ok(cluster, ns, "get", "cm", "--sort-by=.data.color", "-o", "name")
    assert by_color.split() == ["configmap/cache", "configmap/web", "configmap/db"]
    assert ok(cluster, ns, "get", "cm", "-l", "tier=back", "-o", "name").split() == [
        "configmap/cache",
        "configmap/db",
    ]
    assert ok(cluster, ns, "get", "cm", "-l", "tier!=back,app", "-o", "name").split() == [
        "configmap/web"
    ]
    assert_printed(
        ok(cluster, ns, "get", "cm", "--field-selector", "metadata.name=db"),
        ["NAME   DATA   AGE", "db     1      {age}"],
    )
    assert (
        refused(cluster, ns, "get", "cm", "--field-selector", "data.color=red")
        == 'Error from server (BadRequest): Unable to find "/v1, Resource=configmaps" that '
        'match label selector "", field selector "data.color=red": '
        '"data.color" is not a known field selector: only "metadata.name", '
        '"metadata.namespace"'
    )
    everywhere = ok(cluster, ns, "get", "cm", "-A", "-l", "app=db", "--no-headers")
    assert [line.split()[:3] for line in everywhere.splitlines()] == [[ns, "db", "1"]]
    nothing = run(cluster, ns, "get", "cm", "-l", "app=none")
    assert (nothing.returncode, nothing.stdout) == (0, "")
    assert nothing.stderr.strip() == f"No resources found in {ns} namespace."


def test_kubectl_patches_with_each_patch_type(cluster: Cluster, ns: str) -> None:
    ok(cluster, ns, "create", "configmap", "web", "--from-literal=color=blue")

    add = '[{"op": "test", "path": "/data/color", "value": "blue"},' + (
        ' {"op": "add", "path": "/data/size", "value": "xl"}]'
    )
    assert ok(cluster, ns, "patch", "cm", "web", "--type=json", "-p", add).strip() == (
        "configmap/web patched"
    )
    failing = '[{"op": "test", "path": "/data/color", "value": "green"},' + (
        ' {"op": "remove", "path": "/data/size"}]'
    )
    # kube-apiserver answers 422 too; its message is evanphx's ("testing value /data/color
    # failed: test failed"), mcp's names the operation.
    assert refused(cluster, ns, "patch", "cm", "web", "--type=json", "-p", failing) == (
        "The request is invalid: operation 0 ('test' at '/data/color'): "
        "test failed: the value differs"
    )
    assert data(cluster, ns, "web") == {"color": "blue", "size": "xl"}  # nothing applied
    # Not a list: 400 (upstream's words are Go's: "json: cannot unmarshal object into Go
    # value of type jsonpatch.Patch").
    malformed = refused(cluster, ns, "patch", "cm", "web", "--type=json", "-p", '{"op": "add"}')
    assert malformed == (
        "Error from server (BadRequest): a JSON patch must be a list of operations"
    )

    merge = '{"data": {"color": null, "shape": "round"}}'
    assert ok(cluster, ns, "patch", "cm", "web", "--type=merge", "-p", merge).strip() == (
        "configmap/web patched"
    )
    assert data(cluster, ns, "web") == {"size": "xl", "shape": "round"}

    strategic = '{"metadata": {"labels": {"app": "web"}}, "data": {"size": null}}'
    assert ok(cluster, ns, "patch", "cm", "web", "--type=strategic", "-p", strategic).strip() == (
        "configmap/web patched"
    )
    assert data(cluster, ns, "web") == {"shape": "round"}
    unchanged = ok(cluster, ns, "patch", "cm", "web", "-p", strategic)  # strategic by default
    assert unchanged.strip() == "configmap/web patched (no change)"
    labels = ok(cluster, ns, "get", "cm", "web", "-o", "jsonpath={.metadata.labels}")
    assert json.loads(labels) == {"app": "web"}
    assert refused(cluster, ns, "patch", "cm", "nope", "-p", strategic) == (
        'Error from server (NotFound): configmaps "nope" not found'
    )


def test_kubectl_replace_from_a_stale_read_is_a_conflict(
    cluster: Cluster, ns: str, tmp_path: Path
) -> None:
    ok(cluster, ns, "create", "configmap", "web", "--from-literal=color=blue")
    stale = tmp_path / "web.json"
    stale.write_text(ok(cluster, ns, "get", "cm", "web", "-o", "json"))
    ok(cluster, ns, "annotate", "cm", "web", "note=moved-on")

    assert refused(cluster, ns, "replace", "-f", str(stale)) == (
        f'Error from server (Conflict): error when replacing "{stale}": Operation cannot be '
        'fulfilled on configmaps "web": the object has been modified; please apply your '
        "changes to the latest version and try again"
    )
    current = json.loads(ok(cluster, ns, "get", "cm", "web", "-o", "json"))
    assert current["metadata"]["annotations"] == {"note": "moved-on"}
    # From a fresh read, the replace goes through; without a resourceVersion it overwrites.
    current["data"] = {"color": "green"}
    stale.write_text(json.dumps(current))
    assert ok(cluster, ns, "replace", "-f", str(stale)).strip() == "configmap/web replaced"
    del current["metadata"]["resourceVersion"]
    current["data"] = {"color": "red"}
    stale.write_text(json.dumps(current))
    assert ok(cluster, ns, "replace", "-f", str(stale)).strip() == "configmap/web replaced"
    assert data(cluster, ns, "web") == {"color": "red"}
    missing = tmp_path / "missing.json"
    missing.write_text(json.dumps({**current, "metadata": {"name": "gone"}}))
    assert refused(cluster, ns, "replace", "-f", str(missing)) == (
        f'Error from server (NotFound): error when replacing "{missing}": '
        'configmaps "gone" not found'
    )


def test_kubectl_label_and_annotate_refuse_to_overwrite_and_remove_keys(
    cluster: Cluster, ns: str
) -> None:
    ok(cluster, ns, "create", "configmap", "web")

    assert ok(cluster, ns, "label", "cm", "web", "app=web").strip() == "configmap/web labeled"
    assert refused(cluster, ns, "label", "cm", "web", "app=db") == (
        "error: 'app' already has a value (web), and --overwrite is false"
    )
    assert ok(cluster, ns, "label", "cm", "web", "app=db", "--overwrite").strip() == (
        "configmap/web labeled"
    )
    assert ok(cluster, ns, "label", "cm", "web", "app-").strip() == "configmap/web unlabeled"
    assert ok(cluster, ns, "annotate", "cm", "web", "note=one").strip() == (
        "configmap/web annotated"
    )
    assert refused(cluster, ns, "annotate", "cm", "web", "note=two") == (
        "error: --overwrite is false but found the following declared annotation(s): "
        "'note' already has a value (one)"
    )
    assert ok(cluster, ns, "annotate", "cm", "web", "note=two", "--overwrite").strip() == (
        "configmap/web annotated"
    )
    shown = json.loads(ok(cluster, ns, "get", "cm", "web", "-o", "json"))["metadata"]
    assert "labels" not in shown
    assert shown["annotations"] == {"note": "two"}
    assert ok(cluster, ns, "annotate", "cm", "web", "note-").strip() == "configmap/web annotated"
    shown = json.loads(ok(cluster, ns, "get", "cm", "web", "-o", "json"))["metadata"]
    assert "annotations" not in shown
    bad_key = refused(cluster, ns, "label", "cm", "web", "Bad Key=x")
    assert bad_key.startswith('The ConfigMap "web" is invalid: metadata.labels: ')


# apimachinery's IsQualifiedName (RegexError) through field.Invalid, as kubectl prints it.
UPSTREAM_BAD_LABEL_KEY = (
    'The ConfigMap "web" is invalid: metadata.labels: Invalid value: "Bad Key": name part '
    "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
    "alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for "
    "validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
)


def test_a_bad_label_key_is_refused_in_upstreams_words(cluster: Cluster, ns: str) -> None:
    ok(cluster, ns, "create", "configmap", "web")
    assert refused(cluster, ns, "label", "cm", "web", "Bad Key=x") == UPSTREAM_BAD_LABEL_KEY


def test_kubectl_edit_with_a_scripted_editor(cluster: Cluster, ns: str, tmp_path: Path) -> None:
    ok(cluster, ns, "create", "configmap", "web", "--from-literal=color=blue")
    editor = tmp_path / "editor.sh"
    editor.write_text('#!/bin/sh\nsed -i "s/color: blue/color: edited/" "$1"\n')
    editor.chmod(editor.stat().st_mode | stat.S_IXUSR)

    def edit(script: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [KUBECTL, "--kubeconfig", str(cluster.kubeconfig), "-n", ns, "edit", "cm", "web"],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
            env={**os.environ, "KUBE_EDITOR": script},
        )

    edited = edit(str(editor))
    assert edited.stdout.strip() == "configmap/web edited", edited.stderr
    assert data(cluster, ns, "web") == {"color": "edited"}
    untouched = edit("true")
    assert untouched.returncode == 0, untouched.stderr
    assert untouched.stderr.strip() == "Edit cancelled, no changes made."
    assert data(cluster, ns, "web") == {"color": "edited"}


def test_kubectl_deletes_by_label_and_all(cluster: Cluster, ns: str, tmp_path: Path) -> None:
    manifest = tmp_path / "three.yaml"
    manifest.write_text(THREE)
    ok(cluster, ns, "apply", "-f", str(manifest))

    assert ok(cluster, ns, "delete", "cm", "-l", "tier=back").splitlines() == [
        f'configmap "cache" deleted from {ns} namespace',
        f'configmap "db" deleted from {ns} namespace',
    ]
    assert ok(cluster, ns, "get", "cm", "-o", "name").split() == ["configmap/web"]
    nothing = run(cluster, ns, "delete", "cm", "-l", "tier=back")
    assert (nothing.returncode, nothing.stdout, nothing.stderr) == (0, "No resources found\n", "")
    ok(cluster, ns, "create", "configmap", "more")
    assert ok(cluster, ns, "delete", "cm", "--all").splitlines() == [
        f'configmap "more" deleted from {ns} namespace',
        f'configmap "web" deleted from {ns} namespace',
    ]
    gone = run(cluster, ns, "get", "cm")
    assert gone.stderr.strip() == f"No resources found in {ns} namespace."


def test_server_dry_runs_write_nothing(cluster: Cluster, ns: str, tmp_path: Path) -> None:
    dry = "--dry-run=server"
    assert ok(cluster, ns, "create", "configmap", "new", "--from-literal=a=b", dry).strip() == (
        "configmap/new created (server dry run)"
    )
    assert refused(cluster, ns, "get", "cm", "new") == (
        'Error from server (NotFound): configmaps "new" not found'
    )
    manifest = tmp_path / "three.yaml"
    manifest.write_text(THREE)
    assert ok(cluster, ns, "apply", "-f", str(manifest), dry).splitlines() == [
        "configmap/web created (server dry run)",
        "configmap/db created (server dry run)",
        "configmap/cache created (server dry run)",
    ]
    assert run(cluster, ns, "get", "cm", "-o", "name").stdout == ""

    ok(cluster, ns, "create", "configmap", "web", "--from-literal=color=blue")
    before = json.loads(ok(cluster, ns, "get", "cm", "web", "-o", "json"))
    # kubectl patch prints no "(server dry run)" suffix (its printer is not told).
    patch = '{"data": {"color": "red"}}'
    assert ok(cluster, ns, "patch", "cm", "web", "-p", patch, dry).strip() == (
        "configmap/web patched"
    )
    assert ok(cluster, ns, "label", "cm", "web", "app=web", dry).strip() == (
        "configmap/web labeled (server dry run)"
    )
    # kubectl says dryRun in the DeleteOptions body, not in the query.
    assert ok(cluster, ns, "delete", "cm", "web", dry).strip() == (
        f'configmap "web" deleted from {ns} namespace (server dry run)'
    )
    assert ok(cluster, ns, "delete", "cm", "--all", dry).strip() == (
        f'configmap "web" deleted from {ns} namespace (server dry run)'
    )
    after = json.loads(ok(cluster, ns, "get", "cm", "web", "-o", "json"))
    assert after == before


def raw(cluster: Cluster, path: str) -> subprocess.CompletedProcess[str]:
    return kubectl(cluster.kubeconfig, "get", "--raw", path)


def raw_json(cluster: Cluster, path: str) -> dict[str, Any]:
    done = raw(cluster, path)
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def names(listing: dict[str, Any]) -> list[tuple[str, str]]:
    return [(i["metadata"]["namespace"], i["metadata"]["name"]) for i in listing["items"]]


def test_kubectl_get_raw_pages_with_continue(cluster: Cluster, ns: str) -> None:
    for name in ("a", "b", "c", "d", "e"):
        ok(cluster, ns, "create", "configmap", name)
    path = f"/api/v1/namespaces/{ns}/configmaps?limit=2"

    first = raw_json(cluster, path)
    second = raw_json(cluster, f"{path}&continue={first['metadata']['continue']}")
    ok(cluster, ns, "create", "configmap", "late")  # after the list's revision: not in it
    last = raw_json(cluster, f"{path}&continue={second['metadata']['continue']}")
    assert (first["kind"], first["apiVersion"]) == ("ConfigMapList", "v1")
    assert names(first) + names(second) + names(last) == [(ns, n) for n in "abcde"]
    assert "continue" not in last["metadata"]
    # Every page lists the first page's revision.
    versions = {page["metadata"]["resourceVersion"] for page in (first, second, last)}
    assert len(versions) == 1
    # The cluster-wide list pages the same way.
    everywhere = raw_json(cluster, "/api/v1/configmaps?limit=2")
    assert len(everywhere["items"]) == 2
    assert everywhere["metadata"]["continue"]

    bad = raw(cluster, f"{path}&continue=not-a-token")
    assert bad.returncode == 1
    # kube-apiserver: "invalid continue token: continue key is not valid: <the decode error>".
    assert bad.stderr.startswith("Error from server (BadRequest): ")
    assert "continue key is not valid" in bad.stderr

    token = raw_json(cluster, path)["metadata"]["continue"]
    ok(cluster, ns, "annotate", "cm", "a", "note=after-the-first-page")
    cluster.etcd.compact()
    expired = raw(cluster, f"{path}&continue={token}")
    assert expired.returncode == 1
    assert expired.stderr.strip() == (
        "Error from server (Expired): The provided continue parameter is too old to display "
        "a consistent list result. You can start a new list without the continue parameter."
    )
    # A new list works, and kubectl's own paging (--chunk-size) too.
    assert len(raw_json(cluster, path)["items"]) == 2
    chunked = ok(cluster, ns, "get", "cm", "--chunk-size=2", "-o", "name")
    assert chunked.split() == [f"configmap/{n}" for n in ("a", "b", "c", "d", "e", "late")]


def test_kubectl_create_generators_send_protobuf_mcp_stores(cluster: Cluster, ns: str) -> None:
    made = ok(
        cluster,
        ns,
        "create",
        "secret",
        "generic",
        "db",
        "--from-literal=password=hunter2",
        "--type=example.com/login",
    )
    assert made.strip() == "secret/db created"
    secret = json.loads(ok(cluster, ns, "get", "secret", "db", "-o", "json"))
    assert secret["data"] == {"password": "aHVudGVyMg=="}
    assert secret["type"] == "example.com/login"
    assert ok(cluster, ns, "create", "serviceaccount", "robot").strip() == (
        "serviceaccount/robot created"
    )
    account = json.loads(ok(cluster, ns, "get", "sa", "robot", "-o", "json"))
    assert account["metadata"]["uid"]
    assert ok(cluster, ns, "delete", "sa", "robot").strip() == (
        f'serviceaccount "robot" deleted from {ns} namespace'
    )
    assert refused(cluster, ns, "create", "secret", "generic", "db") == (
        'error: failed to create secret secrets "db" already exists'
    )
    assert refused(cluster, ns, "create", "namespace", ns) == (
        f'Error from server (AlreadyExists): namespaces "{ns}" already exists'
    )


def test_kubectl_explain_shows_the_fields(cluster: Cluster) -> None:
    shown = kubectl(cluster.kubeconfig, "explain", "configmap")
    assert shown.returncode == 0, shown.stderr
    lines = shown.stdout.splitlines()
    assert lines[:2] == ["KIND:       ConfigMap", "VERSION:    v1"]
    fields = [m[1] for line in lines if (m := re.match(r"  (\w+)\t<", line))]
    assert fields == ["apiVersion", "binaryData", "data", "immutable", "kind", "metadata"]
    one = kubectl(cluster.kubeconfig, "explain", "configmap.data")
    assert "FIELD: data <map[string]string>" in one.stdout


def test_kubectl_explain_describes_the_kind(cluster: Cluster) -> None:
    shown = kubectl(cluster.kubeconfig, "explain", "configmap")
    assert "ConfigMap holds configuration data for pods to consume." in shown.stdout
