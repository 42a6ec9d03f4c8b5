"""The generic storage path's decisions: what a body becomes, selectors, paging, conflicts."""

from __future__ import annotations

from typing import Any

import pytest
from fakes import FakeStore

from mcp.apiserver import storage
from mcp.apiserver.namespaces import ensure_defaults
from mcp.apiserver.status import KubeError
from mcp.kinds import core
from mcp.registry import Keys

KEYS = Keys("/t")
CONFIGMAPS = storage.STRATEGIES["configmaps"]


def configmap(**fields: Any) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "web"}, **fields}


@pytest.mark.parametrize(
    ("body", "validation", "code", "words"),
    [
        pytest.param(configmap(spec={}), "Strict", 400, 'unknown field "spec"', id="strict"),
        pytest.param(
            {**configmap(), "metadata": {"name": "web", "bogus": 1}},
            "Strict",
            400,
            'unknown field "metadata.bogus"',
            id="strict-metadata",
        ),
        pytest.param(configmap(data={"a b": "1"}), "Ignore", 422, "data[a b]", id="bad-config-key"),
        pytest.param(configmap(data={"a": 1}), "Ignore", 422, "must be a string", id="not-str"),
        pytest.param(
            configmap(binaryData={"a": "%%%"}), "Ignore", 422, "base64", id="binary-not-base64"
        ),
        pytest.param(
            {**configmap(), "metadata": {"name": "Web_1"}},
            "Ignore",
            422,
            "RFC 1123",
            id="bad-name",
        ),
        pytest.param(
            {**configmap(), "metadata": {"name": "web", "namespace": "other"}},
            "Ignore",
            400,
            "does not match the namespace",
            id="other-namespace",
        ),
        pytest.param(
            {**configmap(), "kind": "Secret"}, "Ignore", 400, "not a v1 ConfigMap", id="kind"
        ),
        pytest.param(
            {**configmap(), "metadata": {"name": "web", "labels": {"a": "x y"}}},
            "Ignore",
            422,
            "metadata.labels",
            id="bad-label-value",
        ),
    ],
)
def test_prepare_refuses(body: dict[str, Any], validation: str, code: int, words: str) -> None:
    with pytest.raises(KubeError) as refused:
        storage.prepare(CONFIGMAPS, body, "default", field_validation=validation)
    assert refused.value.code == code
    assert words in str(refused.value)


def test_prepare_under_warn_drops_unknown_fields_and_warns() -> None:
    obj, warnings = storage.prepare(
        CONFIGMAPS, configmap(data={"a": "1"}, spec={}), "default", field_validation="Warn"
    )
    assert warnings == ['unknown field "spec"']
    assert "spec" not in obj
    assert obj["metadata"] == {"name": "web", "namespace": "default"}


@pytest.mark.parametrize(
    ("validation", "warnings"),
    [
        pytest.param("Warn", ['duplicate field "data.a"', 'unknown field "spec"'], id="warn"),
        pytest.param("Ignore", [], id="ignore"),
    ],
)
def test_prepare_treats_repeated_keys_as_unknown_fields(
    validation: str, warnings: list[str]
) -> None:
    body = configmap(data={"a": "2"}, spec={})  # `{"data": {"a": "1", "a": "2"}}` as read
    obj, warned = storage.prepare(
        CONFIGMAPS, body, "default", field_validation=validation, duplicates=["data.a"]
    )
    assert warned == warnings
    assert obj["data"] == {"a": "2"}
    with pytest.raises(KubeError) as refused:
        storage.prepare(
            CONFIGMAPS, body, "default", field_validation="Strict", duplicates=["data.a"]
        )
    assert (refused.value.code, str(refused.value)) == (
        400,
        'strict decoding error: duplicate field "data.a", unknown field "spec"',
    )


def test_prepare_generates_a_name_from_generate_name() -> None:
    body = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"generateName": "job-"}}
    obj, _ = storage.prepare(CONFIGMAPS, body, "default", field_validation="Strict")
    assert obj["metadata"]["name"].startswith("job-")
    assert len(obj["metadata"]["name"]) == len("job-") + 5


async def test_pages_conflicts_and_deletes_on_the_store() -> None:
    store = FakeStore()
    await ensure_defaults(store, KEYS)
    for name in ("a", "b", "c"):
        await storage.create_object(
            store,
            KEYS,
            CONFIGMAPS,
            "default",
            configmap(metadata={"name": name}),
            field_validation="Strict",
            dry_run=False,
        )
    first = await storage.list_objects(
        store,
        KEYS,
        core.CONFIGMAP,
        "default",
        label_selector=None,
        field_selector_text=None,
        limit=2,
    )
    rest = await storage.list_objects(
        store,
        KEYS,
        core.CONFIGMAP,
        "default",
        label_selector=None,
        field_selector_text=None,
        limit=2,
        continue_token=first["metadata"]["continue"],
    )
    names = [item["metadata"]["name"] for item in first["items"] + rest["items"]]
    assert names == ["a", "b", "c"]
    assert "continue" not in rest["metadata"]
    with pytest.raises(KubeError) as bad_token:
        await storage.list_objects(
            store,
            KEYS,
            core.CONFIGMAP,
            "default",
            label_selector=None,
            field_selector_text=None,
            continue_token="not-a-token",
        )
    assert bad_token.value.code == 400

    stale = first["items"][0]
    await storage.update_object(
        store,
        KEYS,
        CONFIGMAPS,
        "default",
        "a",
        {**stale, "data": {"x": "1"}},
        field_validation="Strict",
        dry_run=False,
    )
    with pytest.raises(KubeError) as conflict:
        await storage.update_object(
            store,
            KEYS,
            CONFIGMAPS,
            "default",
            "a",
            {**stale, "data": {"x": "2"}},
            field_validation="Strict",
            dry_run=False,
        )
    assert conflict.value.code == 409
    kept = await storage.get_object(store, KEYS, core.CONFIGMAP, "default", "a")
    assert kept["data"] == {"x": "1"}
    assert kept["metadata"]["uid"] == stale["metadata"]["uid"]  # the server's, kept

    with pytest.raises(KubeError) as no_namespace:
        await storage.create_object(
            store,
            KEYS,
            CONFIGMAPS,
            "nope",
            configmap(),
            field_validation="Strict",
            dry_run=False,
        )
    assert no_namespace.value.code == 404
    await storage.delete_object(store, KEYS, CONFIGMAPS, "default", "a", dry_run=False)
    with pytest.raises(KubeError) as gone:
        await storage.get_object(store, KEYS, core.CONFIGMAP, "default", "a")
    assert gone.value.code == 404


@pytest.mark.parametrize(
    ("old", "new", "fields"),
    [
        pytest.param(
            configmap(data={"a": "1"}, immutable=True),
            configmap(data={"a": "2"}, immutable=True),
            ["data"],
            id="data",
        ),
        pytest.param(
            configmap(binaryData={"a": "eA=="}, immutable=True),
            configmap(immutable=True),
            ["binaryData"],
            id="binary-data-removed",
        ),
        pytest.param(
            configmap(data={"a": "1"}, immutable=True), configmap(data={"a": "1"}), ["immutable"]
        ),
        pytest.param(
            configmap(data={}, immutable=True), configmap(immutable=True), [], id="empty-is-absent"
        ),
        pytest.param(configmap(data={"a": "1"}), configmap(data={"a": "2"}), [], id="mutable"),
    ],
)
def test_configmap_immutability_as_upstream(
    old: dict[str, Any], new: dict[str, Any], fields: list[str]
) -> None:
    obj, _ = storage.prepare(CONFIGMAPS, new, "default", field_validation="Strict")
    if not fields:
        storage.check_update(CONFIGMAPS, old, obj)
        return
    with pytest.raises(KubeError) as refused:
        storage.check_update(CONFIGMAPS, old, obj)
    causes = (refused.value.details or {})["causes"]
    assert [c["field"] for c in causes] == fields
    assert {c["reason"] for c in causes} == {"FieldValueForbidden"}


SECRETS = storage.STRATEGIES["secrets"]
SERVICEACCOUNTS = storage.STRATEGIES["serviceaccounts"]


async def create(store: FakeStore, strategy: storage.Strategy, body: dict[str, Any]) -> None:
    await storage.create_object(
        store, KEYS, strategy, "default", body, field_validation="Strict", dry_run=False
    )


async def patch(
    store: FakeStore, strategy: storage.Strategy, name: str, content_type: str, body: Any
) -> dict[str, Any]:
    patched, _ = await storage.patch_object(
        store,
        KEYS,
        strategy,
        "default",
        name,
        content_type,
        body,
        field_validation="Strict",
        dry_run=False,
    )
    return patched


def secret(name: str, **fields: Any) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": name}, **fields}


async def test_secrets_fold_string_data_on_every_write_and_select_by_type() -> None:
    store = FakeStore()
    await ensure_defaults(store, KEYS)
    await create(store, SECRETS, secret("db", stringData={"password": "s3cret"}))
    await create(
        store,
        SECRETS,
        secret("tls", type="kubernetes.io/tls", data={"tls.crt": "", "tls.key": ""}),
    )
    stored = await storage.get_object(store, KEYS, core.SECRET, "default", "db")
    assert stored["data"] == {"password": "czNjcmV0"}
    assert stored["type"] == "Opaque"
    assert "stringData" not in stored

    for content_type, body, data in [
        (
            "application/merge-patch+json",
            {"stringData": {"user": "me"}},
            {"password": "czNjcmV0", "user": "bWU="},
        ),
        (
            "application/strategic-merge-patch+json",
            {"stringData": {"password": "new"}},
            {"password": "bmV3", "user": "bWU="},
        ),
        (
            "application/json-patch+json",
            [{"op": "add", "path": "/stringData", "value": {"user": "you"}}],
            {"password": "bmV3", "user": "eW91"},
        ),
    ]:
        patched = await patch(store, SECRETS, "db", content_type, body)
        assert (patched["data"], "stringData" in patched) == (data, False), content_type
    await storage.update_object(
        store,
        KEYS,
        SECRETS,
        "default",
        "db",
        secret("db", stringData={"only": "this"}),
        field_validation="Strict",
        dry_run=False,
    )
    stored = await storage.get_object(store, KEYS, core.SECRET, "default", "db")
    assert stored["data"] == {"only": "dGhpcw=="}

    async def names(selector: str, namespace: str | None = "default") -> list[str]:
        listed = await storage.list_objects(
            store, KEYS, core.SECRET, namespace, label_selector=None, field_selector_text=selector
        )
        return [item["metadata"]["name"] for item in listed["items"]]

    assert await names("type=Opaque") == ["db"]
    assert await names("type!=Opaque", None) == ["tls"]
    assert await names("type=kubernetes.io/tls,metadata.name=tls") == ["tls"]
    assert await names("metadata.namespace=kube-system", None) == []


async def test_an_immutable_secret_refuses_changes_but_not_to_its_metadata() -> None:
    store = FakeStore()
    await ensure_defaults(store, KEYS)
    await create(store, SECRETS, secret("db", stringData={"k": "v"}, immutable=True))
    merge = "application/merge-patch+json"
    for body, field in [
        ({"stringData": {"k": "w"}}, "data"),
        ({"data": {"k": None}}, "data"),
        ({"immutable": False}, "immutable"),
        ({"type": "example.com/x"}, "type"),
    ]:
        with pytest.raises(KubeError) as refused:
            await patch(store, SECRETS, "db", merge, body)
        assert refused.value.code == 422
        assert [c["field"] for c in (refused.value.details or {})["causes"]] == [field]
    labeled = await patch(store, SECRETS, "db", merge, {"metadata": {"labels": {"a": "b"}}})
    assert labeled["metadata"]["labels"] == {"a": "b"}
    assert labeled["data"] == {"k": "dg=="}


async def test_service_accounts_merge_secrets_by_name_and_replace_image_pull_secrets() -> None:
    store = FakeStore()
    await ensure_defaults(store, KEYS)
    body = {
        "apiVersion": "v1",
        "kind": "ServiceAccount",
        "metadata": {"name": "robot"},
        "secrets": [{"name": "a"}],
        "imagePullSecrets": [{"name": "registry"}],
    }
    await create(store, SERVICEACCOUNTS, body)
    patched = await patch(
        store,
        SERVICEACCOUNTS,
        "robot",
        "application/strategic-merge-patch+json",
        {"secrets": [{"name": "b"}], "imagePullSecrets": [{"name": "other"}]},
    )
    assert patched["secrets"] == [{"name": "b"}, {"name": "a"}]
    assert patched["imagePullSecrets"] == [{"name": "other"}]
    listed = await storage.list_objects(
        store, KEYS, core.SERVICEACCOUNT, None, label_selector=None, field_selector_text=None
    )
    assert [item["metadata"]["name"] for item in listed["items"]] == ["robot"]
