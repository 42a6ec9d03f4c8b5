"""The core (`/api/v1`) kinds mcp serves so far, their validation, and the objects that
exist from the start.

Namespaces: `default`, `kube-system` and `kube-public` exist from the first start, as on
every cluster, each with the `kubernetes.io/metadata.name` label the API server sets.

Validation follows upstream's `pkg/apis/core/validation` (ValidateConfigMap, ValidateSecret,
ValidateServiceAccount, ValidateEventCreate and their Update twins), worded as its
`field.Error` bodies so that kubectl prints what it prints against a cluster. A Secret's
values never appear in a problem (upstream writes `<secret contents redacted>`), only its
keys and type.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from mcp import model
from mcp.kinds import ALL_VERBS, Kind, apimachinery, path_value, pod
from mcp.kinds.apimachinery import Problems, invalid

NAMESPACE = Kind(
    group="",
    version="v1",
    resource="namespaces",
    kind="Namespace",
    namespaced=False,
    short_names=("ns",),
    verbs=("create", "delete", "get", "list", "patch", "update", "watch"),
)

WRITE_VERBS = ALL_VERBS


def _served(resource: str, kind: str, **described: Any) -> Kind:
    """A namespaced core/v1 kind served read-write by the generic storage path."""
    return Kind("", "v1", resource, kind, namespaced=True, verbs=WRITE_VERBS, **described)


CONFIGMAP = _served("configmaps", "ConfigMap", short_names=("cm",))
SECRET = _served(
    "secrets", "Secret", field_selectors=("metadata.name", "metadata.namespace", "type")
)
SERVICEACCOUNT = _served("serviceaccounts", "ServiceAccount", short_names=("sa",))

# The Docker host, one Node (`mcp.kinds.node`): registered and kept current by the node
# actor; users label, annotate, taint and cordon it, they neither create nor delete it.
NODE = Kind(
    group="",
    version="v1",
    resource="nodes",
    kind="Node",
    namespaced=False,
    short_names=("no",),
    verbs=("get", "list", "patch", "update", "watch"),
    subresources=("status",),
)

# Pods are stored and served as upstream's (`mcp.kinds.pod`), bound to the one Node and run
# on Docker by the Pod actors (`mcp.actors.pod`), which write their status. `exec` and
# `attach` reach the Docker containers a Pod's containers are (`apiserver.streams`);
# `portforward` is not served, so not listed.
POD = _served(
    "pods",
    "Pod",
    short_names=("po",),
    categories=("all",),
    subresources=("status", "log", "exec", "attach"),
    field_selectors=(
        "metadata.name",
        "metadata.namespace",
        "spec.nodeName",
        "spec.restartPolicy",
        "spec.schedulerName",
        "spec.serviceAccountName",
        "spec.hostNetwork",
        "status.phase",
        "status.podIP",
        "status.nominatedNodeName",
    ),
    field_value=pod.field_value,
)


def event_field_value(obj: dict[str, Any], field: str) -> str:
    """An Event's selectable field: `source` is the source's component, else the
    reporting component (upstream's `ToSelectableFields`); the others are paths."""
    if field == "source":
        source = obj.get("source")
        component = source.get("component") if isinstance(source, dict) else None
        return str(component or obj.get("reportingComponent") or "")
    return path_value(obj, field)


# pkg/registry/core/event/strategy.go, ToSelectableFields.
EVENT_FIELD_SELECTORS = (
    "metadata.name",
    "metadata.namespace",
    "involvedObject.kind",
    "involvedObject.namespace",
    "involvedObject.name",
    "involvedObject.uid",
    "involvedObject.apiVersion",
    "involvedObject.resourceVersion",
    "involvedObject.fieldPath",
    "reason",
    "reportingComponent",
    "source",
    "type",
)
EVENT = _served(
    "events",
    "Event",
    short_names=("ev",),
    field_selectors=EVENT_FIELD_SELECTORS,
    field_value=event_field_value,
)

DEFAULT_NAMESPACES = ("default", "kube-system", "kube-public")
NAME_LABEL = "kubernetes.io/metadata.name"

KINDS = (NAMESPACE, CONFIGMAP, SECRET, SERVICEACCOUNT, EVENT, NODE, POD)

# A ConfigMap's or a Secret's data is at most 1 MiB (`MaxSecretSize`).
DATA_MAX = 1024 * 1024
TOO_LONG = f"Too long: may not be more than {DATA_MAX} bytes"
IMMUTABLE = "Forbidden: field is immutable when `immutable` is set"
CONFIGMAP_FIELDS = frozenset({"apiVersion", "kind", "metadata", "data", "binaryData", "immutable"})


def config_key_problems(field: str, key: str) -> Problems:
    """Why `key` may not be a key of `field` (apimachinery's IsConfigMapKey)."""
    return [invalid(f"{field}[{key}]", key, m) for m in apimachinery.is_config_map_key(key)]


def immutable_problems(
    old: dict[str, Any], new: dict[str, Any], fields: tuple[str, ...]
) -> Problems:
    """Once `immutable` is true it stays true and `fields` stay as they are (upstream's
    ValidateConfigMapUpdate and ValidateSecretUpdate). An absent map and an empty one are
    the same map: what is stored keeps whichever the client sent."""
    if old.get("immutable") is not True:
        return []
    problems = [] if new.get("immutable") is True else [("immutable", IMMUTABLE)]
    return problems + [(f, IMMUTABLE) for f in fields if (new.get(f) or {}) != (old.get(f) or {})]


def validate_configmap_update(old: dict[str, Any], new: dict[str, Any]) -> Problems:
    return immutable_problems(old, new, ("data", "binaryData"))


def validate_configmap(obj: dict[str, Any]) -> Problems:
    """Why `obj` is not a valid ConfigMap (field path, message), as upstream validates it."""
    problems: Problems = []
    size = 0
    keys: set[str] = set()
    for field in ("data", "binaryData"):
        values = obj.get(field)
        if values is None:
            continue
        if not isinstance(values, dict):
            problems.append((field, "must be a map of keys to strings"))
            continue
        for key, value in values.items():
            problems += config_key_problems(field, key)
            if key in keys:
                problems.append((f"{field}[{key}]", "duplicate of a key in data or binaryData"))
            keys.add(key)
            if not isinstance(value, str):
                problems.append((f"{field}[{key}]", "must be a string"))
                continue
            if field == "binaryData":
                try:
                    size += len(base64.b64decode(value, validate=True))
                except (binascii.Error, ValueError):
                    problems.append((f"{field}[{key}]", "must be base64"))
            else:
                size += len(value.encode())
    if size > DATA_MAX:
        problems.append(("", TOO_LONG))  # upstream's path: the whole object
    if "immutable" in obj and not isinstance(obj["immutable"], bool):
        problems.append(("immutable", "must be a boolean"))
    return problems


# Secrets: k8s.io/api core/v1 types.go, the SecretType constants and their keys.
OPAQUE = "Opaque"
SERVICE_ACCOUNT_TOKEN = "kubernetes.io/service-account-token"
SERVICE_ACCOUNT_NAME_KEY = "kubernetes.io/service-account.name"
DOCKERCFG = "kubernetes.io/dockercfg"
DOCKER_CONFIG_JSON = "kubernetes.io/dockerconfigjson"
DOCKER_KEYS = {DOCKERCFG: ".dockercfg", DOCKER_CONFIG_JSON: ".dockerconfigjson"}
BASIC_AUTH = "kubernetes.io/basic-auth"
SSH_AUTH = "kubernetes.io/ssh-auth"
TLS = "kubernetes.io/tls"
REDACTED = "<secret contents redacted>"
SECRET_FIELDS = frozenset(
    {"apiVersion", "kind", "metadata", "data", "stringData", "type", "immutable"}
)


def _is_string_map(value: Any) -> bool:
    return isinstance(value, dict) and all(isinstance(v, str) for v in value.values())


def normalize_secret(obj: dict[str, Any]) -> dict[str, Any]:
    """A Secret as upstream decodes it: `type` defaults to Opaque and `stringData` is
    folded into `data` (base64), winning over a `data` value of the same key; so
    `stringData` is never stored nor returned (pkg/apis/core/v1 conversion.go). Left
    unfolded, for `validate_secret` to refuse, when either is not a map of strings."""
    secret = dict(obj)
    if not secret.get("type"):
        secret["type"] = OPAQUE
    string_data, data = secret.get("stringData"), secret.get("data")
    if isinstance(data, dict | None) and (string_data is None or _is_string_map(string_data)):
        secret.pop("stringData", None)
        folded = {k: base64.b64encode(v.encode()).decode() for k, v in (string_data or {}).items()}
        secret["data"] = {**(data or {}), **folded}
        if not secret["data"]:
            del secret["data"]  # as upstream omits an empty map
    return secret


def _string_map_problems(field: str, values: Any) -> Problems:
    if not isinstance(values, dict):
        return [(field, "must be a map of keys to strings")]
    return [
        (f"{field}[{k}]", "must be a string") for k, v in values.items() if not isinstance(v, str)
    ]


def validate_secret(obj: dict[str, Any]) -> Problems:
    """Why the normalized Secret `obj` is not valid, as upstream's ValidateSecret."""
    problems: Problems = []
    if obj.get("stringData") is not None:
        problems += _string_map_problems("stringData", obj["stringData"])
    data = obj.get("data") or {}
    if not isinstance(data, dict):
        return [*problems, ("data", "must be a map of keys to base64 strings")]
    decoded: dict[str, bytes] = {}
    for key, value in data.items():
        problems += config_key_problems("data", key)
        try:
            decoded[key] = base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError, TypeError):
            problems.append((f"data[{key}]", "must be a base64 string"))
    if sum(len(value) for value in decoded.values()) > DATA_MAX:
        problems.append(("data", TOO_LONG))
    secret_type = obj.get("type")
    if not isinstance(secret_type, str):
        problems.append(("type", "must be a string"))
    else:
        annotations = (obj.get("metadata") or {}).get("annotations") or {}
        problems += _type_problems(secret_type, annotations, set(data), decoded)
    if obj.get("immutable") is not None and not isinstance(obj["immutable"], bool):
        problems.append(("immutable", "must be a boolean"))
    return problems


def _type_problems(
    secret_type: str, annotations: dict[str, Any], keys: set[str], decoded: dict[str, bytes]
) -> Problems:
    """The keys (or annotation) each built-in type needs, as ValidateSecret's switch; a
    key whose value is not base64 (already a problem) counts as there."""
    required: tuple[str, ...] = ()
    if secret_type == SERVICE_ACCOUNT_TOKEN:
        if not annotations.get(SERVICE_ACCOUNT_NAME_KEY):
            return [(f"metadata.annotations[{SERVICE_ACCOUNT_NAME_KEY}]", "Required value")]
    elif secret_type in DOCKER_KEYS:
        key = DOCKER_KEYS[secret_type]
        if key not in keys:
            required = (key,)
        elif key in decoded and (problem := _json_object_problem(decoded[key])) is not None:
            return [invalid(f"data[{key}]", REDACTED, problem)]
    elif secret_type == BASIC_AUTH:
        if not keys & {"username", "password"}:  # either may be empty, one must be there
            required = ("username", "password")
    elif secret_type == SSH_AUTH:
        if not decoded.get("ssh-privatekey") and "ssh-privatekey" not in keys - decoded.keys():
            required = ("ssh-privatekey",)
    elif secret_type == TLS:
        required = tuple(key for key in ("tls.crt", "tls.key") if key not in keys)
    return [(f"data[{key}]", "Required value") for key in required]


def _json_object_problem(raw: bytes) -> str | None:
    """Why `raw` is not a JSON object (null passes, as Go's json.Unmarshal into a map)."""
    try:
        value = json.loads(raw.decode())
    except UnicodeDecodeError:
        return "must be UTF-8 JSON"
    except json.JSONDecodeError as exc:
        return f"{exc.msg} at line {exc.lineno} column {exc.colno}"  # a position, no content
    return None if value is None or isinstance(value, dict) else "must be a JSON object"


def validate_secret_update(old: dict[str, Any], new: dict[str, Any]) -> Problems:
    """Upstream's ValidateSecretUpdate: `type` never changes; an immutable Secret's data
    neither (stringData is already folded into data)."""
    problems: Problems = []
    if new.get("type") != old.get("type"):
        problems.append(invalid("type", str(new.get("type")), "field is immutable"))
    return problems + immutable_problems(old, new, ("data",))


# ServiceAccounts: k8s.io/api core/v1 ObjectReference and LocalObjectReference.
SERVICEACCOUNT_FIELDS = frozenset(
    {
        "apiVersion",
        "kind",
        "metadata",
        "secrets",
        "imagePullSecrets",
        "automountServiceAccountToken",
    }
)
OBJECT_REFERENCE_FIELDS = frozenset(
    {"kind", "namespace", "name", "uid", "apiVersion", "resourceVersion", "fieldPath"}
)
LOCAL_OBJECT_REFERENCE_FIELDS = frozenset({"name"})
SERVICEACCOUNT_ITEM_FIELDS = {
    "secrets": OBJECT_REFERENCE_FIELDS,
    "imagePullSecrets": LOCAL_OBJECT_REFERENCE_FIELDS,
}


def _reference_problems(field: str, reference: Any) -> Problems:
    """Why `reference` is not an object reference: an object whose fields are strings
    (null is absent)."""
    if not isinstance(reference, dict):
        return [(field, "must be an object reference")]
    return [
        (f"{field}.{key}", "must be a string")
        for key, value in reference.items()
        if value is not None and not isinstance(value, str)
    ]


def validate_service_account(obj: dict[str, Any]) -> Problems:
    """Upstream's ValidateServiceAccount checks the metadata only (done for every kind);
    here, what its decoding would refuse: fields of the wrong type (null is absent)."""
    problems: Problems = []
    for field in SERVICEACCOUNT_ITEM_FIELDS:
        references = obj.get(field)
        if references is None:
            continue
        if not isinstance(references, list):
            problems.append((field, "must be a list of object references"))
            continue
        for index, reference in enumerate(references):
            problems += _reference_problems(f"{field}[{index}]", reference)
    automount = obj.get("automountServiceAccountToken")
    if automount is not None and not isinstance(automount, bool):
        problems.append(("automountServiceAccountToken", "must be a boolean"))
    return problems


NAMESPACE_FIELDS = frozenset({"apiVersion", "kind", "metadata", "spec", "status"})
# The finalizer the namespace controller removes once the namespace is empty.
NAMESPACE_FINALIZER = "kubernetes"
ACTIVE, TERMINATING = "Active", "Terminating"


def prepare_namespace_create(obj: dict[str, Any], now: str) -> dict[str, Any]:
    """As upstream's namespace strategy: Active, finalized by the namespace controller
    (`now`, the creation time, changes nothing here)."""
    finalizers = [f for f in (obj.get("spec") or {}).get("finalizers") or [] if isinstance(f, str)]
    if NAMESPACE_FINALIZER not in finalizers:
        finalizers.append(NAMESPACE_FINALIZER)
    return {**obj, "spec": {"finalizers": finalizers}, "status": {"phase": ACTIVE}}


def prepare_namespace_update(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """The spec's finalizers belong to the finalize subresource, as upstream's
    `PrepareForUpdate` (the status to the status subresource: `status_subresource`)."""
    return {**new, "spec": old.get("spec", {})}


def normalize_namespace(obj: dict[str, Any]) -> dict[str, Any]:
    """Every namespace carries its name as the `kubernetes.io/metadata.name` label."""
    metadata = obj.get("metadata") or {}
    name = metadata.get("name")
    if not isinstance(name, str):
        return obj
    labels = dict(metadata.get("labels") or {})
    labels[NAME_LABEL] = name
    return {**obj, "metadata": {**metadata, "labels": labels}}


def status_problems(obj: dict[str, Any]) -> Problems:
    """A `status` that is no object (null is none, as upstream decodes it), for the kinds
    with one."""
    status = obj.get("status")
    if status is not None and not isinstance(status, dict):
        return [("status", "must be an object")]
    return []


def validate_namespace(obj: dict[str, Any]) -> Problems:
    """Upstream's ValidateNamespace past the metadata (whose name is a DNS-1123 label: the
    strategy's name rule): the spec's finalizers are finalizer names, the status an
    object."""
    problems = status_problems(obj)
    spec = obj.get("spec")
    if spec is None:
        return problems
    if not isinstance(spec, dict):
        return [*problems, ("spec", "Invalid value: must be an object")]
    finalizers = spec.get("finalizers")
    if finalizers is None:
        return problems
    if not isinstance(finalizers, list) or not all(isinstance(f, str) for f in finalizers):
        return [*problems, ("spec.finalizers", "Invalid value: must be a list of strings")]
    for name in finalizers:
        problems += apimachinery.finalizer_name_problems(name, "spec.finalizers")
    return problems


def namespace_finalizers(obj: dict[str, Any]) -> list[str]:
    """What still holds a deleted namespace: its spec's and its metadata's finalizers."""
    spec = obj.get("spec") or {}
    return list(spec.get("finalizers") or []) + list(obj["metadata"].get("finalizers") or [])


def terminating(obj: dict[str, Any]) -> dict[str, Any]:
    """A namespace being deleted: Terminating until the controller has emptied it."""
    return {**obj, "status": {**(obj.get("status") or {}), "phase": TERMINATING}}


# Events: k8s.io/api core/v1 Event, and upstream's legacyValidateEvent (the only rules
# for events written through core/v1, "for backwards compatibility").
EVENT_FIELDS = frozenset(
    {
        "apiVersion",
        "kind",
        "metadata",
        "involvedObject",
        "reason",
        "message",
        "source",
        "firstTimestamp",
        "lastTimestamp",
        "count",
        "type",
        "eventTime",
        "series",
        "action",
        "related",
        "reportingComponent",
        "reportingInstance",
    }
)
EVENT_STRINGS = ("reason", "message", "type", "action", "reportingComponent", "reportingInstance")
EVENT_REFERENCES = ("involvedObject", "related")
EVENT_TIMES = ("firstTimestamp", "lastTimestamp", "eventTime")
REPORTING_INSTANCE_MAX = ACTION_MAX = REASON_MAX = 128
NOTE_MAX = 1024
NAMESPACE_MISMATCH = "does not match event.namespace"


def _event_type_problems(obj: dict[str, Any]) -> Problems:
    """What decoding a core/v1 Event would refuse: fields of the wrong type (null is
    absent)."""
    problems: Problems = []
    for field in EVENT_STRINGS:
        if obj.get(field) is not None and not isinstance(obj[field], str):
            problems.append((field, "must be a string"))
    for field in (*EVENT_REFERENCES, "source"):
        if obj.get(field) is not None:
            problems += _reference_problems(field, obj[field])
    count = obj.get("count")
    if count is not None and (isinstance(count, bool) or not isinstance(count, int)):
        problems.append(("count", "must be an integer"))
    for field in EVENT_TIMES:
        value = obj.get(field)
        if value is not None and (not isinstance(value, str) or model.parse_time(value) is None):
            problems.append((field, "must be an RFC 3339 time"))
    series = obj.get("series")
    if series is not None and not isinstance(series, dict):
        problems.append(("series", "must be an object"))
    return problems


def _text(obj: dict[str, Any], field: str) -> str:
    value = obj.get(field)
    return value if isinstance(value, str) else ""


def _too_long(obj: dict[str, Any], field: str, limit: int) -> Problems:
    if len(_text(obj, field)) > limit:
        return [invalid(field, "", f"can have at most {limit} characters")]
    return []


def validate_event(obj: dict[str, Any]) -> Problems:
    """Why `obj` is not a valid core/v1 Event, as upstream's legacyValidateEvent: the
    event's namespace agrees with its object's; an event with an `eventTime` (the
    events.k8s.io form) also names its reporter, action and reason."""
    problems = _event_type_problems(obj)
    if problems:
        return problems
    namespace = obj["metadata"].get("namespace") or ""
    involved = obj.get("involvedObject") or {}
    involved_namespace = involved.get("namespace") or ""
    mismatch = invalid("involvedObject.namespace", involved_namespace, NAMESPACE_MISMATCH)
    if not obj.get("eventTime"):
        if involved_namespace:
            return [] if namespace == involved_namespace else [mismatch]
        return [] if namespace in ("", "default") else [mismatch]
    if not involved_namespace and namespace not in ("default", "kube-system"):
        problems.append(mismatch)
    reporter = _text(obj, "reportingComponent")
    if not reporter:
        problems.append(apimachinery.required("reportingComponent"))
    problems += [
        invalid("reportingComponent", reporter, m) for m in apimachinery.is_qualified_name(reporter)
    ]
    for field, limit in (
        ("reportingInstance", REPORTING_INSTANCE_MAX),
        ("action", ACTION_MAX),
        ("reason", REASON_MAX),
    ):
        if not _text(obj, field):
            problems.append((field, "Required value"))
        problems += _too_long(obj, field, limit)
    return problems + _too_long(obj, "message", NOTE_MAX)


def unknown_fields(obj: dict[str, Any], known: frozenset[str]) -> list[str]:
    return sorted(set(obj) - known)
