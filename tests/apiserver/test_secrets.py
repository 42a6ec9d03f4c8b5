"""Secrets and ServiceAccounts on the generic path: what decoding does to a body (the
`stringData` folding, `type` defaulting), what validation refuses (upstream's
ValidateSecret, ValidateSecretUpdate and ValidateServiceAccount), and that no refusal
ever shows a secret's value."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from mcp.apiserver import storage
from mcp.apiserver.status import KubeError

SECRETS = storage.STRATEGIES["secrets"]
SERVICEACCOUNTS = storage.STRATEGIES["serviceaccounts"]
# Put in every refused body below: no answer may carry it.
VALUE = "hunter2-do-not-show"


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def secret(**fields: Any) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "db"}, **fields}


def prepared(body: dict[str, Any]) -> dict[str, Any]:
    obj, _ = storage.prepare(SECRETS, body, "default", field_validation="Strict")
    return obj


@pytest.mark.parametrize(
    ("body", "data", "secret_type"),
    [
        pytest.param(secret(stringData={"k": "v"}), {"k": b64("v")}, "Opaque", id="string-data"),
        pytest.param(
            secret(data={"k": b64("old"), "a": b64("x")}, stringData={"k": "new"}),
            {"k": b64("new"), "a": b64("x")},
            "Opaque",
            id="string-data-wins-over-data",
        ),
        pytest.param(secret(data={"k": b64("v")}), {"k": b64("v")}, "Opaque", id="data-only"),
        pytest.param(secret(stringData={"k": "é"}), {"k": "w6k="}, "Opaque", id="utf-8"),
        pytest.param(secret(stringData={}), None, "Opaque", id="empty-string-data"),
        pytest.param(secret(data=None, stringData=None), None, "Opaque", id="nulls"),
        pytest.param(secret(type=""), None, "Opaque", id="empty-type-defaults"),
        pytest.param(
            secret(type="example.com/custom", stringData={"k": "v"}),
            {"k": b64("v")},
            "example.com/custom",
            id="any-other-type",
        ),
    ],
)
def test_string_data_is_folded_into_data_and_never_kept(
    body: dict[str, Any], data: dict[str, str] | None, secret_type: str
) -> None:
    obj = prepared(body)
    assert obj.get("data") == data
    assert obj["type"] == secret_type
    assert "stringData" not in obj


@pytest.mark.parametrize(
    ("body", "causes"),
    [
        pytest.param(
            secret(data={"a b": b64(VALUE)}),
            [
                (
                    "data[a b]",
                    "FieldValueInvalid",
                    'Invalid value: "a b": a valid config key must consist of alphanumeric '
                    "characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or "
                    "'key-name', regex used for validation is '[-._a-zA-Z0-9]+')",
                )
            ],
            id="bad-key",
        ),
        pytest.param(
            secret(stringData={"..k": VALUE}),
            [
                (
                    "data[..k]",
                    "FieldValueInvalid",
                    "Invalid value: \"..k\": must not start with '..'",
                )
            ],
            id="string-data-key-checked-as-data",
        ),
        pytest.param(
            secret(data={"k": VALUE}),
            [("data[k]", "FieldValueInvalid", "must be a base64 string")],
            id="not-base64",
        ),
        pytest.param(
            secret(data={"k": 1}),
            [("data[k]", "FieldValueInvalid", "must be a base64 string")],
            id="not-a-string",
        ),
        pytest.param(
            secret(stringData={"k": VALUE * 60_000}),
            [("data", "FieldValueTooLong", "Too long: may not be more than 1048576 bytes")],
            id="over-1-mib",
        ),
        pytest.param(
            secret(stringData=[VALUE]),
            [("stringData", "FieldValueInvalid", "must be a map of keys to strings")],
            id="string-data-not-a-map",
        ),
        pytest.param(
            secret(stringData={"k": 1}),
            [("stringData[k]", "FieldValueInvalid", "must be a string")],
            id="string-data-value-not-a-string",
        ),
        pytest.param(
            secret(data=[VALUE]),
            [("data", "FieldValueInvalid", "must be a map of keys to base64 strings")],
            id="data-not-a-map",
        ),
        pytest.param(
            secret(type=1), [("type", "FieldValueInvalid", "must be a string")], id="type-not-str"
        ),
        pytest.param(
            secret(immutable="yes"),
            [("immutable", "FieldValueInvalid", "must be a boolean")],
            id="immutable-not-bool",
        ),
        pytest.param(
            secret(type="kubernetes.io/service-account-token", stringData={"token": VALUE}),
            [
                (
                    "metadata.annotations[kubernetes.io/service-account.name]",
                    "FieldValueRequired",
                    "Required value",
                )
            ],
            id="service-account-token-without-its-name",
        ),
        pytest.param(
            secret(type="kubernetes.io/dockercfg", stringData={"x": VALUE}),
            [("data[.dockercfg]", "FieldValueRequired", "Required value")],
            id="dockercfg-without-its-key",
        ),
        pytest.param(
            secret(type="kubernetes.io/dockercfg", stringData={".dockercfg": VALUE}),
            [
                (
                    "data[.dockercfg]",
                    "FieldValueInvalid",
                    'Invalid value: "<secret contents redacted>": Expecting value at line 1 '
                    "column 1",
                )
            ],
            id="dockercfg-not-json",
        ),
        pytest.param(
            secret(
                type="kubernetes.io/dockerconfigjson",
                stringData={".dockerconfigjson": json.dumps([VALUE])},
            ),
            [
                (
                    "data[.dockerconfigjson]",
                    "FieldValueInvalid",
                    'Invalid value: "<secret contents redacted>": must be a JSON object',
                )
            ],
            id="dockerconfigjson-not-an-object",
        ),
        pytest.param(
            secret(type="kubernetes.io/basic-auth", stringData={"user": VALUE}),
            [
                ("data[username]", "FieldValueRequired", "Required value"),
                ("data[password]", "FieldValueRequired", "Required value"),
            ],
            id="basic-auth-with-neither-key",
        ),
        pytest.param(
            secret(type="kubernetes.io/ssh-auth", stringData={"ssh-privatekey": ""}),
            [("data[ssh-privatekey]", "FieldValueRequired", "Required value")],
            id="ssh-auth-with-an-empty-key",
        ),
        pytest.param(
            secret(type="kubernetes.io/tls", stringData={"tls.crt": VALUE}),
            [("data[tls.key]", "FieldValueRequired", "Required value")],
            id="tls-without-its-key",
        ),
    ],
)
def test_secret_validation_refuses_as_upstream(
    body: dict[str, Any], causes: list[tuple[str, str, str]]
) -> None:
    with pytest.raises(KubeError) as refused:
        prepared(body)
    assert refused.value.code == 422
    details = refused.value.details or {}
    assert [(c["field"], c["reason"], c["message"]) for c in details["causes"]] == causes
    assert details["kind"] == "Secret"
    answer = f"{refused.value} {json.dumps(details)}"
    assert VALUE not in answer
    assert b64(VALUE)[:12] not in answer


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(
            secret(type="kubernetes.io/basic-auth", stringData={"username": ""}), id="basic-auth"
        ),
        pytest.param(
            secret(type="kubernetes.io/ssh-auth", stringData={"ssh-privatekey": "k"}),
            id="ssh-auth",
        ),
        pytest.param(
            secret(type="kubernetes.io/tls", data={"tls.crt": "", "tls.key": ""}), id="tls-empty"
        ),
        pytest.param(
            secret(
                type="kubernetes.io/dockerconfigjson",
                stringData={".dockerconfigjson": '{"auths": {}}'},
            ),
            id="dockerconfigjson",
        ),
        pytest.param(
            secret(type="kubernetes.io/dockercfg", stringData={".dockercfg": "null"}),
            id="dockercfg-null-as-go-reads-it",
        ),
        pytest.param(
            {
                **secret(type="kubernetes.io/service-account-token"),
                "metadata": {
                    "name": "db",
                    "annotations": {"kubernetes.io/service-account.name": "default"},
                },
            },
            id="service-account-token",
        ),
        pytest.param(secret(stringData={"k": "x" * (1024 * 1024)}), id="exactly-1-mib"),
    ],
)
def test_secret_validation_accepts(body: dict[str, Any]) -> None:
    assert prepared(body)["metadata"]["name"] == "db"


def stored(**fields: Any) -> dict[str, Any]:
    """A Secret as it comes back from storage."""
    obj = prepared(secret(**fields))
    obj["metadata"].update(uid="u", resourceVersion="7")
    return obj


@pytest.mark.parametrize(
    ("old", "new", "causes"),
    [
        pytest.param(
            stored(stringData={"k": "v"}),
            secret(type="kubernetes.io/tls", data={"tls.crt": "", "tls.key": ""}),
            [("type", 'Invalid value: "kubernetes.io/tls": field is immutable')],
            id="type-changed",
        ),
        pytest.param(
            stored(type="kubernetes.io/tls", data={"tls.crt": "", "tls.key": ""}),
            secret(data={"tls.crt": "", "tls.key": ""}),
            [("type", 'Invalid value: "Opaque": field is immutable')],
            id="type-left-out-defaults-and-so-changes",
        ),
        pytest.param(
            stored(stringData={"k": "v"}, immutable=True),
            secret(stringData={"k": VALUE}, immutable=True),
            [("data", "Forbidden: field is immutable when `immutable` is set")],
            id="immutable-string-data",
        ),
        pytest.param(
            stored(stringData={"k": "v"}, immutable=True),
            secret(stringData={"k": "v"}),
            [("immutable", "Forbidden: field is immutable when `immutable` is set")],
            id="immutable-unset",
        ),
        pytest.param(
            stored(stringData={"k": "v"}, immutable=True),
            secret(stringData={"k": "v"}, immutable=False, type="example.com/x"),
            [
                ("type", 'Invalid value: "example.com/x": field is immutable'),
                ("immutable", "Forbidden: field is immutable when `immutable` is set"),
            ],
            id="all-at-once",
        ),
    ],
)
def test_secret_updates_refused(
    old: dict[str, Any], new: dict[str, Any], causes: list[tuple[str, str]]
) -> None:
    with pytest.raises(KubeError) as refused:
        storage.check_update(SECRETS, old, prepared(new))
    assert refused.value.code == 422
    details = refused.value.details or {}
    assert [(c["field"], c["message"]) for c in details["causes"]] == causes
    assert VALUE not in str(refused.value)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        pytest.param(
            stored(stringData={"k": "v"}, immutable=True),
            {
                **secret(stringData={"k": "v"}, immutable=True),
                "metadata": {"name": "db", "labels": {"a": "b"}},
            },
            id="immutable-metadata-only",
        ),
        pytest.param(
            stored(stringData={"k": "v"}),
            secret(stringData={"k": "w"}, immutable=True),
            id="made-immutable-with-a-change",
        ),
        pytest.param(stored(immutable=False), secret(data={"k": "eA=="}), id="mutable"),
    ],
)
def test_secret_updates_allowed(old: dict[str, Any], new: dict[str, Any]) -> None:
    storage.check_update(SECRETS, old, prepared(new))


def test_a_refusal_lists_several_problems_as_upstream_aggregates_them() -> None:
    with pytest.raises(KubeError) as refused:
        prepared(secret(type="kubernetes.io/tls"))
    assert str(refused.value) == (
        'Secret "db" is invalid: [data[tls.crt]: Required value, data[tls.key]: Required value]'
    )


def service_account(**fields: Any) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "robot"}, **fields}


def test_a_service_account_keeps_its_references() -> None:
    body = service_account(
        secrets=[{"name": "token", "namespace": "default", "kind": "Secret", "uid": "u"}],
        imagePullSecrets=[{"name": "registry"}],
        automountServiceAccountToken=False,
    )
    obj, _ = storage.prepare(SERVICEACCOUNTS, body, "default", field_validation="Strict")
    assert obj == {**body, "metadata": {"name": "robot", "namespace": "default"}}


@pytest.mark.parametrize(
    ("body", "validation", "code", "words"),
    [
        pytest.param(
            service_account(secrets=[{"name": "a", "bogus": 1}]),
            "Strict",
            400,
            'strict decoding error: unknown field "secrets[0].bogus"',
            id="unknown-reference-field",
        ),
        pytest.param(
            service_account(imagePullSecrets=[{"name": "a"}, {"name": "b", "kind": "Secret"}]),
            "Strict",
            400,
            'unknown field "imagePullSecrets[1].kind"',
            id="local-reference-has-only-a-name",
        ),
        pytest.param(
            service_account(spec={}), "Strict", 400, 'unknown field "spec"', id="unknown-field"
        ),
        pytest.param(
            service_account(secrets={"name": "a"}),
            "Ignore",
            422,
            "secrets: must be a list of object references",
            id="secrets-not-a-list",
        ),
        pytest.param(
            service_account(imagePullSecrets=["registry"]),
            "Ignore",
            422,
            "imagePullSecrets[0]: must be an object reference",
            id="reference-not-an-object",
        ),
        pytest.param(
            service_account(secrets=[{"name": 1}]),
            "Ignore",
            422,
            "secrets[0].name: must be a string",
            id="name-not-a-string",
        ),
        pytest.param(
            service_account(automountServiceAccountToken="yes"),
            "Ignore",
            422,
            "automountServiceAccountToken: must be a boolean",
            id="automount-not-bool",
        ),
        pytest.param(
            {**service_account(), "metadata": {"name": "Robot"}},
            "Ignore",
            422,
            "metadata.name",
            id="bad-name",
        ),
    ],
)
def test_service_account_refusals(
    body: dict[str, Any], validation: str, code: int, words: str
) -> None:
    with pytest.raises(KubeError) as refused:
        storage.prepare(SERVICEACCOUNTS, body, "default", field_validation=validation)
    assert refused.value.code == code
    assert words in str(refused.value)


def test_warn_drops_unknown_reference_fields_and_says_so() -> None:
    body = service_account(secrets=[{"name": "a", "bogus": 1}])
    obj, warnings = storage.prepare(SERVICEACCOUNTS, body, "default", field_validation="Warn")
    assert obj["secrets"] == [{"name": "a"}]
    assert warnings == ['unknown field "secrets[0].bogus"']
