"""The generic storage path: create, get, list, update, patch and delete for any `Kind`.

As kube-apiserver's generic registry store does, one code path serves every kind; what
differs per kind is data (`Strategy`: its fields, its Go type when it is decoded as Go
decodes it, its defaults, what the server sets on create and update, its validation on
create and on update, its grace period on delete; `Kind.field_selectors`: what a field
selector may name, read by `fieldselectors`). A delete with a grace period marks the object (its
`deletionTimestamp` and `deletionGracePeriodSeconds`) and keeps it, as upstream's store
does (`deletion`); a grace-0 delete, or the last finalizer's removal, removes it. Writes
are single etcd transactions guarded by the object's mod revision (its `resourceVersion`),
so a stale update is a 409 Conflict and nothing is half written; a patch re-reads and
retries when another writer won. `dryRun=All` validates and answers without storing.
"""

from __future__ import annotations

import base64
import binascii
import copy
import functools
import json
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import UTC, datetime
from typing import Any, TypeVar

from mcp import selectors
from mcp.api.common import pause_before_retry
from mcp.apiserver import (
    deletion,
    fieldmanager,
    fieldselectors,
    fieldvalidation,
    gojson,
    objects,
)
from mcp.apiserver.patch import json_patch, merge_patch, schemas, shapes, strategic
from mcp.apiserver.patch.errors import MalformedPatch, PatchError
from mcp.apiserver.status import KubeError, invalid, not_found
from mcp.errors import Compacted, Invalid
from mcp.kinds import (
    Kind,
    apimachinery,
    apps,
    batch,
    core,
    node,
    pod,
    pod_update,
    pod_validation,
)
from mcp.registry import Keys
from mcp.store import Compare, Delete, Put, Store

T = TypeVar("T")

PATCH_ATTEMPTS = 20
# ObjectMeta's fields, as the structured-merge shape of every kind has them.
METADATA_FIELDS = frozenset(shapes.OBJECT_META.fields)
# Set by the server; a client's value is ignored on create and kept from the stored
# object on update, as kube-apiserver's `BeforeCreate`/`BeforeUpdate` do.
SERVER_FIELDS = (
    "uid",
    "creationTimestamp",
    "resourceVersion",
    "selfLink",
    "generation",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
)
Problems = apimachinery.Problems
NO_OPTIONS = deletion.Options()


@dataclass(frozen=True)
class Current:
    """An object as read before a write: a copy the write may change, at its mod revision."""

    obj: dict[str, Any]
    mod_revision: int


# The watch cache's copy of the object at an etcd key, if it holds one (see
# `namespace_accepts` and `_read` for why a write may start from it).
Lookup = Callable[[str], Current | None]


def _no_update_rules(old: dict[str, Any], new: dict[str, Any]) -> Problems:
    return []


def _as_decoded(obj: dict[str, Any]) -> dict[str, Any]:
    return obj


def _as_sent(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    return new


def _as_created(obj: dict[str, Any], now: str) -> dict[str, Any]:
    return obj


def _no_problems(obj: dict[str, Any]) -> Problems:
    return []


def _metadata_finalizers(obj: dict[str, Any]) -> list[str]:
    return list(obj["metadata"].get("finalizers") or [])


@dataclass(frozen=True)
class Strategy:
    """What one kind contributes to the generic path, as a kube-apiserver strategy does.

    Attributes:
        kind: where the kind is served.
        fields: its top-level fields; any other is unknown (refused under `Strict`).
        validate: why an object is invalid: (field path, message), the message worded as
            upstream's `field.Error` body ("Required value", "Forbidden: ...").
        validate_update: why `new` may not replace `old` (immutable fields), on top of
            `validate`.
        validate_create: why a new object may not be created, on top of `validate` (and
            before it): what upstream's Validate checks that an update's body may lack (a
            Job's generated selector, which needs the stored uid).
        normalize: what decoding does before validation: defaults, and the v1 conversion
            (a Secret's `stringData` folded into `data`). Returns a new object.
        item_fields: the fields of the items of a top-level list of objects, so that
            strict decoding looks inside them (`secrets[0].bogus`).
        go_type: the protobuf message of a kind decoded as its Go type (`gojson`): values
            of the wrong type refused in Go's words, unknown fields found at any depth,
            and the object stored as encoding/json prints it. None: `fields` and
            `item_fields` say what a body may hold.
        generate: what PrepareForCreate sets that validation reads, on a new object that
            has its uid already (a Job's selector and its template's labels, upstream's
            `generateSelector`). It runs on the decoded and defaulted object before Go's
            encoding, so it sees what defaulting shared (a Job's labels and its
            template's, one map in Go).
        prepare_create: what the server sets on a new object (a namespace's phase), given
            the object and the time of its creation; may refuse it as an admission plugin
            would (`apimachinery.Forbidden`).
        prepare_update: what of the stored object an update keeps (`old`, `new` -> the
            object to store): the fields only the server or a subresource writes. `new`
            holds the stored object's server-set metadata (its generation) already.
        prepare_status: the same for a write of the `status` subresource (`new` is the
            stored object with the status written).
        finalizers: what still holds an object whose deletion was asked for; while any
            remain it stays, with its `deletionTimestamp` set (`being_deleted`).
        being_deleted: the object as it is kept while its finalizers run.
        grace_period: for a kind deleted gracefully (Pods), upstream's CheckGracefulDelete:
            the grace period a delete gives the object (the one asked for, or None).
            A delete then marks it (`deletionTimestamp` in that many seconds) and keeps
            it; whoever runs it deletes it again, with no grace, once it has stopped.
        protected: names that may not be deleted (the default namespaces).
        status_subresource: whether `status` is written through `/status` only: a write
            of the main resource keeps the stored status, a write of `/status` changes
            nothing else (upstream's strategy and status strategy, PrepareForUpdate).
        return_deleted_object: whether a completed delete answers with the object rather
            than a `Status` (upstream's `ReturnDeletedObject`, set for ServiceAccounts).
        name_rule: what its names must be (upstream's ValidateNameFunc): a DNS-1123
            subdomain, a label for namespaces.
        gc_policy: what a delete that names no propagation policy does to the object's
            dependents (upstream's DefaultGarbageCollectionPolicy): `Background` (they
            are deleted once it is gone), `Orphan` (they are kept, without their
            ownerReference to it), or `Unsupported` (a kind no garbage collection sees).
    """

    kind: Kind
    fields: frozenset[str]
    validate: Callable[[dict[str, Any]], Problems]
    validate_update: Callable[[dict[str, Any], dict[str, Any]], Problems] = _no_update_rules
    validate_create: Callable[[dict[str, Any]], Problems] = _no_problems
    normalize: Callable[[dict[str, Any]], dict[str, Any]] = _as_decoded
    generate: Callable[[dict[str, Any]], dict[str, Any]] = _as_decoded
    item_fields: Mapping[str, frozenset[str]] = dataclass_field(default_factory=dict)
    go_type: str | None = None
    prepare_create: Callable[[dict[str, Any], str], dict[str, Any]] = _as_created
    prepare_update: Callable[[dict[str, Any], dict[str, Any]], dict[str, Any]] = _as_sent
    prepare_status: Callable[[dict[str, Any], dict[str, Any]], dict[str, Any]] = _as_sent
    finalizers: Callable[[dict[str, Any]], list[str]] = _metadata_finalizers
    being_deleted: Callable[[dict[str, Any]], dict[str, Any]] = _as_decoded
    grace_period: Callable[[dict[str, Any], int | None], int] | None = None
    protected: frozenset[str] = frozenset()
    status_subresource: bool = False
    return_deleted_object: bool = False
    name_rule: apimachinery.NameRule = apimachinery.name_is_dns_subdomain
    gc_policy: str = "Background"


def strategies(*, node_name: str = "") -> Mapping[str, Strategy]:
    """Every writable kind's strategy, by resource. A new Pod is scheduled onto
    `node_name`, the one Node (the caller knows its name without asking Docker); "" leaves
    new Pods unscheduled, which is all a caller that creates none needs."""
    return {**_STRATEGIES, "pods": _pod_strategy(node_name)}


def _pod_strategy(node_name: str) -> Strategy:
    return Strategy(
        core.POD,
        pod.POD_FIELDS,
        pod_validation.validate_pod,
        validate_update=functools.partial(
            pod_update.validate_pod_update,
            diff=functools.partial(gojson.diff, "core.v1.PodSpec"),
        ),
        normalize=pod.normalize,
        go_type=pod.GO_TYPE,
        prepare_create=functools.partial(pod.prepare_create, node_name=node_name),
        prepare_update=pod.prepare_update,
        prepare_status=pod.prepare_status,
        grace_period=pod.grace_period,
        status_subresource=True,
        return_deleted_object=True,  # as pkg/registry/core/pod/storage
    )


_STRATEGIES: Mapping[str, Strategy] = {
    "namespaces": Strategy(
        core.NAMESPACE,
        core.NAMESPACE_FIELDS,
        core.validate_namespace,
        normalize=core.normalize_namespace,
        prepare_create=core.prepare_namespace_create,
        prepare_update=core.prepare_namespace_update,
        finalizers=core.namespace_finalizers,
        being_deleted=core.terminating,
        protected=frozenset(core.DEFAULT_NAMESPACES),
        status_subresource=True,
        name_rule=apimachinery.name_is_dns_label,
    ),
    "configmaps": Strategy(
        core.CONFIGMAP,
        core.CONFIGMAP_FIELDS,
        core.validate_configmap,
        validate_update=core.validate_configmap_update,
    ),
    "secrets": Strategy(
        core.SECRET,
        core.SECRET_FIELDS,
        core.validate_secret,
        validate_update=core.validate_secret_update,
        normalize=core.normalize_secret,
    ),
    "serviceaccounts": Strategy(
        core.SERVICEACCOUNT,
        core.SERVICEACCOUNT_FIELDS,
        core.validate_service_account,
        item_fields=core.SERVICEACCOUNT_ITEM_FIELDS,
        return_deleted_object=True,  # as pkg/registry/core/serviceaccount/storage
    ),
    "nodes": Strategy(
        core.NODE,
        node.NODE_FIELDS,
        node.validate_node,
        validate_update=node.validate_node_update,
        status_subresource=True,
    ),
    "events": Strategy(core.EVENT, core.EVENT_FIELDS, core.validate_event),
    # The workload kinds, which mcp/controllers run.
    "deployments": Strategy(
        apps.DEPLOYMENT,
        apps.FIELDS,
        apps.validate_deployment,
        validate_update=apps.validate_deployment_update,
        normalize=apps.normalize_deployment,
        go_type=apps.DEPLOYMENT_GO_TYPE,
        prepare_create=apps.prepare_create,
        prepare_update=apps.prepare_deployment_update,
        status_subresource=True,
    ),
    "replicasets": Strategy(
        apps.REPLICASET,
        apps.FIELDS,
        apps.validate_replicaset,
        validate_update=apps.validate_replicaset_update,
        normalize=apps.normalize_replicaset,
        go_type=apps.REPLICASET_GO_TYPE,
        prepare_create=apps.prepare_create,
        prepare_update=apps.prepare_replicaset_update,
        status_subresource=True,
    ),
    "jobs": Strategy(
        batch.JOB,
        batch.FIELDS,
        batch.validate_job,
        validate_update=batch.validate_job_update,
        validate_create=batch.validate_job_create,
        normalize=batch.normalize_job,
        generate=batch.generate_job,
        go_type=batch.JOB_GO_TYPE,
        prepare_create=batch.prepare_create,
        prepare_update=batch.prepare_update,
        status_subresource=True,
        # batch/v1 keeps upstream's compatibility default: a delete that names no
        # propagation orphans the Pods (kubectl sends Background).
        gc_policy="Orphan",
    ),
    "cronjobs": Strategy(
        batch.CRONJOB,
        batch.FIELDS,
        batch.validate_cronjob,
        validate_update=batch.validate_cronjob_update,
        validate_create=batch.validate_cronjob_create,
        normalize=batch.normalize_cronjob,
        go_type=batch.CRONJOB_GO_TYPE,
        prepare_create=batch.prepare_create,
        prepare_update=batch.prepare_update,
        status_subresource=True,
    ),
}
STRATEGIES = strategies()


def _strict_problems(obj: dict[str, Any], strategy: Strategy) -> list[str]:
    unknown = sorted(set(obj) - strategy.fields)
    metadata = obj.get("metadata")
    if isinstance(metadata, dict):
        unknown += [f"metadata.{f}" for f in sorted(set(metadata) - METADATA_FIELDS)]
    for field, known in strategy.item_fields.items():
        for index, item in enumerate(_list(obj.get(field))):
            if isinstance(item, dict):
                unknown += [f"{field}[{index}].{f}" for f in sorted(set(item) - known)]
    return unknown


# What a kind decoded by `gojson` keeps as it is: TypeMeta, and the metadata the generic
# path reads and validates for every kind.
TYPE_AND_OBJECT_META = frozenset({"apiVersion", "kind", "metadata"})


def _go_decoded(strategy: Strategy, body: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """`body` as its Go type decodes it (`gojson.decode`), and its unknown fields' paths,
    the metadata's included.

    Raises:
        KubeError: 400 for a value the type cannot hold, in kube-apiserver's words.
    """
    assert strategy.go_type is not None  # the caller's check
    kind = strategy.kind
    try:
        obj, unknown = gojson.decode(strategy.go_type, body, keep=TYPE_AND_OBJECT_META)
    except gojson.GoDecodeError as exc:
        raise KubeError(
            400,
            f'{kind.kind} in version "{kind.version}" cannot be handled as a {kind.kind}: {exc}',
        ) from None
    metadata = body.get("metadata")
    if isinstance(metadata, dict):
        unknown = [f"metadata.{f}" for f in sorted(set(metadata) - METADATA_FIELDS)] + unknown
    return obj, unknown


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _known_fields(obj: dict[str, Any], strategy: Strategy) -> dict[str, Any]:
    """`obj` without the fields its kind does not have, as decoding drops them."""
    known = {k: v for k, v in obj.items() if k in strategy.fields}
    for field, item_fields in strategy.item_fields.items():
        if isinstance(known.get(field), list):
            known[field] = [
                {k: v for k, v in item.items() if k in item_fields}
                if isinstance(item, dict)
                else item
                for item in known[field]
            ]
    return known


def prepare(
    strategy: Strategy,
    body: Any,
    namespace: str,
    *,
    field_validation: str,
    name: str | None = None,
    duplicates: Sequence[str] = (),
    created: bool = False,
) -> tuple[dict[str, Any], list[str]]:
    """The object to store from a client's `body`, and the warnings to send back.

    `duplicates`: the keys the request's JSON repeated (`bodies.read_noting_duplicates`),
    which `fieldValidation` treats as it treats unknown fields. `created`: `body` is to be
    a new object, which gets its uid here (as upstream's FillObjectMetaSystemFields, before
    PrepareForCreate), then the kind's `generate` and `validate_create`.

    Raises:
        KubeError: 400 for a body that is not this kind or has unknown or repeated fields
            under `Strict`; 422 for invalid fields.
    """
    kind = strategy.kind
    if not isinstance(body, dict):
        raise KubeError(400, f"the body must be a {kind.kind} object")
    if (
        body.get("apiVersion", kind.group_version) != kind.group_version
        or body.get("kind", kind.kind) != kind.kind
    ):
        raise KubeError(
            400,
            f"the body is a {body.get('apiVersion')}/{body.get('kind')}, not a "
            f"{kind.group_version} {kind.kind}",
        )
    if strategy.go_type is not None:
        obj, unknown = _go_decoded(strategy, body)
    else:
        unknown = _strict_problems(body, strategy)
        obj = _known_fields(body, strategy)
    errors = fieldvalidation.strict_errors(duplicates=duplicates, unknown=unknown)
    if errors and field_validation == fieldvalidation.STRICT:
        raise KubeError(400, fieldvalidation.refusal(errors))
    warnings = errors if field_validation == fieldvalidation.WARN else []
    metadata = obj.get("metadata") or {}
    if not isinstance(metadata, dict):
        raise invalid(kind, str(name), [("metadata", "must be an object")])
    metadata = {k: v for k, v in metadata.items() if k in METADATA_FIELDS}
    for omitted in ("labels", "annotations", "finalizers", "ownerReferences"):
        if omitted in metadata and metadata[omitted] in ({}, [], None):
            del metadata[omitted]  # `omitempty`: upstream never stores an empty one
    generate_name = metadata.get("generateName")
    if (
        name is None
        and not metadata.get("name")
        and isinstance(generate_name, str)
        and generate_name
    ):
        metadata["name"] = apimachinery.generate_name(generate_name)
    object_name = metadata.get("name")
    if name is not None and object_name not in (None, name):
        raise KubeError(
            400, f"the name of the object ({object_name}) does not match the name in the URL"
        )
    object_name = name if name is not None else object_name
    if kind.namespaced and metadata.get("namespace", namespace) != namespace:
        raise KubeError(
            400,
            "the namespace of the provided object does not match the namespace sent on the request",
        )
    for field in ("labels", "annotations"):
        if not isinstance(metadata.get(field) or {}, dict):  # a list was a 500
            raise invalid(
                kind, str(object_name or ""), [(f"metadata.{field}", "must be an object")]
            )
    # Validated as the object will be: its name generated, its namespace the request's
    # (a cluster-scoped object's cleared, as upstream's BeforeCreate clears it).
    problems = apimachinery.object_meta_problems(
        {**metadata, "name": object_name, "namespace": namespace if kind.namespaced else ""},
        namespaced=kind.namespaced,
        name_rule=strategy.name_rule,
    )
    # Validation sees the name and namespace the object will have (an Event's
    # namespace must agree with its object's).
    obj["metadata"] = {**metadata, "name": object_name, "namespace": namespace}
    if created:
        obj["metadata"]["uid"] = str(uuid.uuid4())
    obj = strategy.normalize(obj)
    if created:
        obj = strategy.generate(obj)
    if strategy.go_type is not None:
        obj = gojson.encode(strategy.go_type, obj, keep=TYPE_AND_OBJECT_META)
    if created:
        problems += strategy.validate_create(obj)
    problems += strategy.validate(obj)
    if problems:
        raise invalid(kind, str(object_name or ""), problems)
    obj["metadata"]["name"] = object_name
    if kind.namespaced:
        obj["metadata"]["namespace"] = namespace
    else:
        obj["metadata"].pop("namespace", None)  # as upstream clears it (BeforeCreate)
    obj["apiVersion"], obj["kind"] = kind.group_version, kind.kind
    return obj, warnings


async def namespace_accepts(
    store: Store,
    keys: Keys,
    kind: Kind,
    name: str,
    namespace: str,
    *,
    cached: Lookup | None = None,
) -> None:
    """Refuse a new object in a namespace that does not exist or is being deleted, as
    kube-apiserver's NamespaceLifecycle admission does: from `cached` (the watch cache)
    when it holds the namespace, else from etcd.

    The cache is enough, as upstream's admission reads its informer's: a namespace
    created through this mcp is in the cache before its create returns (every write
    waits for the cache), and one the cache does not hold (made through another mcp on
    the same etcd a watch delay ago) is read from etcd. A namespace whose deletion the
    cache has not seen yet is the race upstream has too: the namespace controller
    deletes what is created in it once it terminates.

    Raises:
        KubeError: 404 for a missing namespace, 403 for a terminating one.
    """
    namespace_key = objects.key(keys, core.NAMESPACE, namespace)
    found = cached(namespace_key) if cached is not None else None
    if found is None:
        item = await store.get(namespace_key)
        if item is None:
            raise not_found("namespaces", namespace)
        found = Current(objects.decode(item), item.mod_revision)
    if found.obj["metadata"].get("deletionTimestamp"):
        raise KubeError(
            403,
            f'{kind.qualified_resource} "{name}" is forbidden: unable to create new content in '
            f"namespace {namespace} because it is being terminated",
            details={
                **_details(kind, name),
                "causes": [
                    {
                        "reason": "NamespaceTerminating",
                        "message": f"namespace {namespace} is being terminated",
                        "field": "metadata.namespace",
                    }
                ],
            },
            reason="Forbidden",
        )


def check_update(strategy: Strategy, old: dict[str, Any], new: dict[str, Any]) -> None:
    """Refuse an update its kind does not allow (`Strategy.validate_update`).

    Raises:
        KubeError: 422 when `new` may not replace `old`.
    """
    problems = strategy.validate_update(old, new)
    if problems:
        raise invalid(strategy.kind, str(new["metadata"]["name"]), problems)


def _selected(
    kind: Kind,
    obj: dict[str, Any],
    labels: selectors.Selector,
    fields: list[fieldselectors.Term],
) -> bool:
    if not labels.matches(obj.get("metadata", {}).get("labels") or {}):
        return False
    return all((kind.field_value(obj, field) == value) == equal for field, value, equal in fields)


def selection(
    kind: Kind, label_selector: str | None, field_selector_text: str | None
) -> Callable[[dict[str, Any]], bool]:
    """Whether an object is selected by a request's label and field selectors.

    Raises:
        KubeError: 400 for a selector that does not parse or selects on an unknown field.
    """
    try:
        labels = selectors.parse(label_selector or "")
    except Invalid as exc:
        raise KubeError(400, f"unable to parse requirement: {exc}") from None
    fields = fieldselectors.parse(kind, field_selector_text)
    return lambda obj: _selected(kind, obj, labels, fields)


def list_of(kind: Kind, items: list[dict[str, Any]], metadata: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": kind.group_version,
        "kind": f"{kind.kind}List",
        "metadata": metadata,
        "items": items,
    }


async def list_objects(
    store: Store,
    keys: Keys,
    kind: Kind,
    namespace: str | None,
    *,
    label_selector: str | None,
    field_selector_text: str | None,
    limit: int | None = None,
    continue_token: str | None = None,
    revision: int | None = None,
) -> dict[str, Any]:
    """A `<Kind>List` of the objects in `namespace` (None: every namespace), read from etcd
    at one revision (`revision`, or the newest).

    With `limit`, at most that many items and a `continue` token for the rest, which lists
    the same revision from after the last key seen (410 once etcd has compacted it away).
    """
    selected = selection(kind, label_selector, field_selector_text)
    prefix = objects.kind_prefix(keys, kind, namespace)
    after = ""
    if continue_token:
        revision, after = _continued(continue_token)
    try:
        listing = await store.list_prefix(prefix, revision=revision)
    except Compacted:
        if continue_token:
            raise KubeError(
                410,
                "The provided continue parameter is too old to display a consistent list "
                "result. You can start a new list without the continue parameter.",
                reason="Expired",
            ) from None
        raise KubeError(410, f"too old resource version: {revision}", reason="Expired") from None
    items: list[dict[str, Any]] = []
    next_token = ""
    last_key = after
    for item in listing.items:
        if item.key <= after:
            continue
        if limit is not None and len(items) == limit:
            next_token = _continue_token(listing.revision, last_key)
            break
        last_key = item.key
        obj = objects.decode(item)
        if selected(obj):
            items.append(obj)
    metadata: dict[str, Any] = {"resourceVersion": str(listing.revision)}
    if next_token:
        metadata["continue"] = next_token
    return list_of(kind, items, metadata)


def _continue_token(revision: int, last_key: str) -> str:
    raw = json.dumps({"v": 1, "rv": revision, "start": last_key}).encode()
    return base64.urlsafe_b64encode(raw).decode()


def _continued(token: str) -> tuple[int, str]:
    """The revision and the last key a `continue` token carries."""
    try:
        decoded = json.loads(base64.urlsafe_b64decode(token.encode()))
        return int(decoded["rv"]), str(decoded["start"])
    except (ValueError, KeyError, TypeError, binascii.Error):
        raise KubeError(400, "continue key is not valid") from None


async def get_object(
    store: Store, keys: Keys, kind: Kind, namespace: str | None, name: str
) -> dict[str, Any]:
    item = await store.get(objects.key(keys, kind, name, namespace))
    if item is None:
        raise not_found(kind.resource, name, group=kind.group)
    return objects.decode(item)


async def create_object(
    store: Store,
    keys: Keys,
    strategy: Strategy,
    namespace: str,
    body: Any,
    *,
    field_validation: str,
    dry_run: bool,
    lease: int = 0,
    manager: str = "",
    cached: Lookup | None = None,
    duplicates: Sequence[str] = (),
) -> tuple[dict[str, Any], list[str]]:
    """POST: store a new object, `manager`'s Update entry in its managedFields; with
    `lease`, on that etcd lease (it expires with it). `cached`: the watch cache, where
    the namespace is looked up first (`namespace_accepts`). `duplicates`: as `prepare`."""
    obj, warnings = prepare(
        strategy,
        body,
        namespace,
        field_validation=field_validation,
        duplicates=duplicates,
        created=True,
    )
    if strategy.kind.namespaced:
        await namespace_accepts(
            store, keys, strategy.kind, obj["metadata"]["name"], namespace, cached=cached
        )
    now = objects.creation_timestamp()
    obj = _created(strategy, obj, now)
    obj = fieldmanager.updated({}, obj, manager, now=now)
    created = await _store_new(
        store, keys, strategy, namespace, obj, now=now, dry_run=dry_run, lease=lease
    )
    if created is None:
        raise _already_exists(strategy.kind, obj["metadata"]["name"])
    return created, warnings


async def _store_new(
    store: Store,
    keys: Keys,
    strategy: Strategy,
    namespace: str,
    obj: dict[str, Any],
    *,
    now: str,
    dry_run: bool,
    lease: int = 0,
) -> dict[str, Any] | None:
    """`obj` stored as a new object with the metadata the server sets (on `lease`, when
    given); None if its name is taken."""
    metadata = obj["metadata"]
    for field in SERVER_FIELDS:
        if field not in ("generation", "uid"):  # the kind's, and `prepare`'s (`created`)
            metadata.pop(field, None)
    metadata.setdefault("uid", str(uuid.uuid4()))
    metadata["creationTimestamp"] = now
    object_key = objects.key(keys, strategy.kind, metadata["name"], namespace)
    if dry_run:
        return None if await store.get(object_key) is not None else obj
    revision = await store.txn(
        [Compare(object_key, "version", 0)], [Put(object_key, json.dumps(obj).encode(), lease)]
    )
    if revision is None:
        return None
    metadata["resourceVersion"] = str(revision)
    return obj


def _created(strategy: Strategy, obj: dict[str, Any], now: str) -> dict[str, Any]:
    """The kind's PrepareForCreate (and its admission plugins') on a new object.

    Raises:
        KubeError: 403 when an admission rule refuses it.
    """
    metadata = obj["metadata"] = dict(obj["metadata"])
    for field in SERVER_FIELDS:  # the client's say nothing; the kind may set a generation
        if field != "uid":  # the server's already (`prepare`'s `created`)
            metadata.pop(field, None)
    try:
        created = strategy.prepare_create(obj, now)
    except apimachinery.Forbidden as exc:
        raise forbidden(strategy.kind, str(obj["metadata"]["name"]), str(exc)) from None
    if strategy.go_type is not None:
        return gojson.encode(strategy.go_type, created, keep=TYPE_AND_OBJECT_META)
    return created


def _details(kind: Kind, name: str) -> dict[str, Any]:
    """A `Status`'s details as upstream's errors give them: the name, the group when there
    is one, the resource (in `kind`, as upstream writes it)."""
    details: dict[str, Any] = {"name": name, "kind": kind.resource}
    if kind.group:
        details["group"] = kind.group
    return details


def forbidden(kind: Kind, name: str, message: str) -> KubeError:
    """admission.NewForbidden's answer: `<resource> "<name>" is forbidden: <message>`."""
    return KubeError(
        403,
        f'{kind.qualified_resource} "{name}" is forbidden: {message}',
        details=_details(kind, name),
        reason="Forbidden",
    )


def _already_exists(kind: Kind, name: str) -> KubeError:
    return KubeError(
        409,
        f'{kind.qualified_resource} "{name}" already exists',
        details=_details(kind, name),
        reason="AlreadyExists",
    )


async def _write_over(
    store: Store,
    strategy: Strategy,
    object_key: str,
    current: dict[str, Any],
    mod_revision: int,
    new: dict[str, Any],
    *,
    dry_run: bool,
    lease: int = 0,
    from_cache: bool = False,
) -> dict[str, Any] | None:
    """`new` in place of `current` (stored at `mod_revision`), on `lease` (etcd detaches
    a key written without one); None if it changed meanwhile.
    `new` is what is to be stored, its server-set metadata already decided (`updated`,
    or a controller's `rewrite` of the stored object).
    `from_cache`: `current` is the watch cache's copy; a write that changes nothing is
    then only answered once etcd confirms the copy is current (no transaction checks it).

    An object being deleted whose last finalizer this write removes is deleted by it, if
    its grace period is over (none, or cut to nothing), as kube-apiserver's store does
    (`shouldDeleteDuringUpdate`); it may gain no finalizer.

    Raises:
        KubeError: 422 for a finalizer added to an object being deleted.
    """
    metadata = new["metadata"]
    finished = False
    if metadata.get("deletionTimestamp"):
        added = set(metadata.get("finalizers") or []) - set(
            current["metadata"].get("finalizers") or []
        )
        if added:
            raise invalid(
                strategy.kind,
                str(metadata["name"]),
                [
                    (
                        "metadata.finalizers",
                        "Forbidden: no new finalizers can be added if the object is being deleted",
                    )
                ],
            )
        finished = (
            bool(strategy.finalizers(current))
            and not strategy.finalizers(new)
            and not current["metadata"].get("deletionGracePeriodSeconds")
        )
    if dry_run or (not finished and _unchanged(current, new)):
        # As kube-apiserver's etcd3 store: a write that changes nothing is not made, and
        # the object keeps its resourceVersion (a no-op apply, a repeated update).
        if from_cache and not dry_run:
            stored = await store.get(object_key)
            if stored is None or stored.mod_revision != mod_revision:
                return None
        metadata["resourceVersion"] = str(mod_revision)
        return new
    operation: Put | Delete = (
        Delete(object_key) if finished else Put(object_key, json.dumps(new).encode(), lease)
    )
    revision = await store.txn([Compare(object_key, "mod", mod_revision)], [operation])
    if revision is None:
        return None
    metadata["resourceVersion"] = str(revision)
    return new


def _unchanged(current: dict[str, Any], new: dict[str, Any]) -> bool:
    def stored(obj: dict[str, Any]) -> dict[str, Any]:
        return {**obj, "metadata": {**obj["metadata"], "resourceVersion": None}}

    return stored(current) == stored(new)


async def _read(
    store: Store, object_key: str, cached: Lookup | None
) -> tuple[Current | None, bool]:
    """The object a write starts from, and whether it is the watch cache's copy: from
    `cached` when it holds the object, else from etcd (None: no such object).

    A write from the cache's copy is as safe as one from etcd's: its transaction
    compares the key's mod revision with the copy's, so etcd takes it only if the
    object has not changed since that revision (a delete or a re-create changes it
    too), which is what a read from etcd would have found. A stale copy (a write made
    through another mcp, or by a controller, not yet in the cache) fails that compare
    and costs one retry from etcd; the caller never answers a conflict from the cache
    alone. An object the cache does not hold is read from etcd, for the same reason.
    """
    if cached is not None and (found := cached(object_key)) is not None:
        return found, True
    item = await store.get(object_key)
    return (None if item is None else Current(objects.decode(item), item.mod_revision)), False


class _Again:
    """What a `_guaranteed_update` attempt returns when it must start over."""


AGAIN = _Again()


async def _guaranteed_update(
    store: Store,
    kind: Kind,
    object_key: str,
    attempt: Callable[[Current | None, bool], Awaitable[T | _Again]],
    *,
    cached: Lookup | None = None,
) -> T:
    """kube-apiserver's `GuaranteedUpdate`: `attempt(found, from_cache)` on the object
    as read (`_read`: from `cached` first, every retry from etcd; None when there is
    none), again while it answers `AGAIN` (its compare-and-swap lost, or the cache's
    copy was behind), `PATCH_ATTEMPTS` times at most, with the jittered pauses of mcp's
    own container writes (`pause_before_retry`) so that racing writers do not retry in
    lockstep.

    Raises:
        KubeError: 409 when every attempt lost.
    """
    for tries in range(PATCH_ATTEMPTS):
        await pause_before_retry(tries)
        found, from_cache = await _read(store, object_key, cached)
        cached = None
        result = await attempt(found, from_cache)
        if not isinstance(result, _Again):
            return result
    raise conflict(kind, object_key.rpartition("/")[2])


async def update_object(
    store: Store,
    keys: Keys,
    strategy: Strategy,
    namespace: str,
    name: str,
    body: Any,
    *,
    field_validation: str,
    dry_run: bool,
    subresource: str | None = None,
    lease: int = 0,
    manager: str = "",
    cached: Lookup | None = None,
    duplicates: Sequence[str] = (),
) -> tuple[dict[str, Any], list[str]]:
    """PUT: replace the object (or its `subresource`, `status`); a `resourceVersion` in the
    body makes it conditional. `manager`'s Update entry in managedFields gets what it
    changed. `cached`: the watch cache, tried first for the stored object (`_read`).
    `duplicates`: as `prepare`."""
    new, warnings = prepare(
        strategy,
        body,
        namespace,
        field_validation=field_validation,
        name=name,
        duplicates=duplicates,
    )
    seen = (body.get("metadata") or {}).get("resourceVersion")
    # `new` serves every attempt: `fieldmanager.updated` writes a copy of it.
    return await read_modify_write(
        store,
        strategy,
        objects.key(keys, strategy.kind, name, namespace),
        lambda current: (seen, new, warnings),
        cached=None if dry_run else cached,  # a dry run's answer no transaction checks
        subresource=subresource,
        manager=manager,
        dry_run=dry_run,
        lease=lease,
    )


async def read_modify_write(
    store: Store,
    strategy: Strategy,
    object_key: str,
    change: Callable[[dict[str, Any]], tuple[Any, dict[str, Any], list[str]]],
    *,
    cached: Lookup | None,
    subresource: str | None,
    manager: str,
    dry_run: bool,
    lease: int,
    missing: str | None = None,
) -> tuple[dict[str, Any], list[str]]:
    """An update or a patch: `change(current)` (the resourceVersion the client saw, the
    new object, warnings) written over the object read by `_write_over`, with
    `manager`'s managedFields, retried while other writers win (`_guaranteed_update`).
    A resourceVersion the client saw that is not the stored one is a 409, as upstream's
    precondition; an update without one is unconditional. `missing`: the resource a 404
    names, when not the kind's (a `scale` subresource's: `deployments/scale`).

    Raises:
        KubeError: 404 for no such object, 409 for a conflict, 422 for an invalid one.
    """
    kind = strategy.kind

    async def attempt(
        found: Current | None, from_cache: bool
    ) -> tuple[dict[str, Any], list[str]] | _Again:
        if found is None:
            name = object_key.rpartition("/")[2]
            raise not_found(missing or kind.resource, name, group=kind.group)
        current = found.obj
        seen, new, warnings = change(current)
        if seen not in (None, "") and str(seen) != str(found.mod_revision):
            if from_cache:
                return AGAIN  # the cache may be behind the version the client saw
            raise conflict(strategy.kind, object_key.rpartition("/")[2])
        new = updated(strategy, current, new, subresource)
        check_update(strategy, current, new)
        new = fieldmanager.updated(current, new, manager, now=objects.creation_timestamp())
        written = await _write_over(
            store,
            strategy,
            object_key,
            current,
            found.mod_revision,
            new,
            dry_run=dry_run,
            lease=lease,
            from_cache=from_cache,
        )
        return AGAIN if written is None else (written, warnings)

    return await _guaranteed_update(store, strategy.kind, object_key, attempt, cached=cached)


def updated(
    strategy: Strategy, current: dict[str, Any], new: dict[str, Any], subresource: str | None
) -> dict[str, Any]:
    """What a write of the resource (or of its `subresource`) stores over `current`, before
    the update is validated, as kube-apiserver's BeforeUpdate: the part of `new` the write
    may change (`_scoped`), the server's metadata kept from `current`, then the kind's
    PrepareForUpdate (`prepare_update`, or `prepare_status` for `status`). Returns a new
    object; `new` (which serves every attempt of a write) is left as it is."""
    scoped = _scoped(strategy, current, new, subresource)
    metadata = scoped["metadata"] = dict(scoped["metadata"])
    for field in SERVER_FIELDS:
        metadata.pop(field, None)
        if field in current["metadata"] and field != "resourceVersion":
            metadata[field] = current["metadata"][field]
    if subresource == "status":
        return strategy.prepare_status(current, scoped)
    return strategy.prepare_update(current, scoped)


def _scoped(
    strategy: Strategy, current: dict[str, Any], new: dict[str, Any], subresource: str | None
) -> dict[str, Any]:
    """What of `new` a write of the resource (or of its `subresource`) may store over
    `current` (see `Strategy.status_subresource`)."""
    if subresource == "status":
        scoped = {**current, "metadata": dict(current["metadata"])}
        scoped.pop("status", None)
        if new.get("status") is not None:
            scoped["status"] = new["status"]
        return scoped
    if not strategy.status_subresource:
        return new
    scoped = {k: v for k, v in new.items() if k != "status"}
    if "status" in current:
        scoped["status"] = current["status"]
    return scoped


def conflict(kind: Kind, name: str) -> KubeError:
    """The 409 of a write over an object changed since it was read, in kube-apiserver's words."""
    return KubeError(
        409,
        f'Operation cannot be fulfilled on {kind.qualified_resource} "{name}": the object has '
        "been modified; please apply your changes to the latest version and try again",
        details=_details(kind, name),
    )


def apply_patch(kind: Kind, current: dict[str, Any], content_type: str, patch: Any) -> Any:
    """`current` with `patch` applied, by the patch's media type.

    Raises:
        KubeError: 415 for a type this kind does not take, 400/422 for a bad patch.
    """
    try:
        match content_type:
            case "application/merge-patch+json":
                if not isinstance(patch, dict):
                    raise KubeError(400, "a merge patch must be a JSON object")
                return merge_patch.apply(current, patch)
            case "application/json-patch+json":
                return json_patch.apply(current, patch)
            case "application/strategic-merge-patch+json":
                schema = schemas.schema_for(kind.group_version, kind.kind)
                if schema is None:
                    raise KubeError(
                        415, f"the server does not take strategic merge patches of {kind.kind}"
                    )
                if not isinstance(patch, dict):
                    raise KubeError(400, "a strategic merge patch must be a JSON object")
                return strategic.apply(current, patch, schema)
    except MalformedPatch as exc:
        raise KubeError(400, str(exc)) from None
    except PatchError as exc:
        raise KubeError(422, str(exc)) from None
    raise KubeError(415, f"the server does not take {content_type} patches")


async def patch_object(
    store: Store,
    keys: Keys,
    strategy: Strategy,
    namespace: str,
    name: str,
    content_type: str,
    patch: Any,
    *,
    field_validation: str,
    dry_run: bool,
    subresource: str | None = None,
    lease: int = 0,
    manager: str = "",
    cached: Lookup | None = None,
    duplicates: Sequence[str] = (),
) -> tuple[dict[str, Any], list[str]]:
    """PATCH by JSON, merge or strategic merge patch; `manager`'s Update entry in
    managedFields gets what it changed. `cached`: the watch cache, tried first for the
    stored object (`_read`); a retry reads etcd. `duplicates`: the keys a merge or
    strategic merge patch repeats, as `prepare` takes them (upstream looks for none in
    a JSON patch, a list of operations)."""
    repeated = () if content_type == "application/json-patch+json" else duplicates

    def change(current: dict[str, Any]) -> tuple[Any, dict[str, Any], list[str]]:
        patched = apply_patch(strategy.kind, current, content_type, patch)
        metadata = patched.get("metadata") if isinstance(patched, dict) else None
        seen = metadata.get("resourceVersion") if isinstance(metadata, dict) else None
        new, warnings = prepare(
            strategy,
            patched,
            namespace,
            field_validation=field_validation,
            name=name,
            duplicates=repeated,
        )
        return seen, new, warnings

    return await read_modify_write(
        store,
        strategy,
        objects.key(keys, strategy.kind, name, namespace),
        change,
        cached=None if dry_run else cached,  # a dry run's answer no transaction checks
        subresource=subresource,
        manager=manager,
        dry_run=dry_run,
        lease=lease,
    )


async def rewrite(
    store: Store,
    keys: Keys,
    strategy: Strategy,
    namespace: str,
    name: str,
    change: Callable[[dict[str, Any]], dict[str, Any] | None],
) -> dict[str, Any] | None:
    """A controller's write: `change(current)` stored over the current object, retried
    while other writers win. `change` returns None when nothing is to be written. Like a
    subresource write, it may change what users may not (finalizers, status, the server's
    metadata: it starts from the stored object); an object being deleted is deleted once
    its last finalizer is gone.

    Returns:
        The object written (None: nothing to write, or no such object).
    """

    async def attempt(found: Current | None, _from_cache: bool) -> dict[str, Any] | _Again | None:
        if found is None:
            return None
        new = change(copy.deepcopy(found.obj))
        if new is None:
            return None
        written = await _write_over(
            store,
            strategy,
            object_key,
            found.obj,
            found.mod_revision,
            new,
            dry_run=False,
        )
        return AGAIN if written is None else written

    object_key = objects.key(keys, strategy.kind, name, namespace)
    return await _guaranteed_update(store, strategy.kind, object_key, attempt)


async def apply_object(
    store: Store,
    keys: Keys,
    strategy: Strategy,
    namespace: str,
    name: str,
    config: Any,
    *,
    manager: str,
    force: bool,
    dry_run: bool,
    subresource: str | None = None,
    lease: int = 0,
) -> tuple[dict[str, Any], bool]:
    """PATCH by server-side apply (`application/apply-patch+yaml`): `config` merged into
    the object by `fieldmanager.applied`, or the object created from it when missing
    (in an existing namespace). Returns the object and whether it was created.

    The kind's strategy has its say as for any other write: a create gets what the
    server sets (`prepare_create`: a namespace's phase and finalizer), and an apply to
    the resource keeps the stored status, one to `subresource` (`status`) changes only
    that (`_scoped`); a subresource is never created.

    Raises:
        KubeError: 400 for a configuration that is not this kind or has undeclared
            fields, 404 for a subresource of no object, 409 for conflicts with other
            managers, 422 for an invalid result.
    """
    kind = strategy.kind
    if not isinstance(config, dict):
        raise KubeError(400, f"the body must be a {kind.kind} object")

    async def attempt(
        found: Current | None, _from_cache: bool
    ) -> tuple[dict[str, Any], bool] | _Again:
        current = found.obj if found is not None else {}
        if found is None and subresource is not None:
            raise not_found(kind.resource, name, group=kind.group)
        if found is None and kind.namespaced:
            await namespace_accepts(store, keys, kind, name, namespace)
        now = objects.creation_timestamp()
        merged = fieldmanager.applied(
            current,
            config,
            manager,
            group_version=kind.group_version,
            kind=kind.kind,
            force=force,
            now=now,
        )
        seen = (merged.get("metadata") or {}).get("resourceVersion")
        expected = "" if found is None else str(found.mod_revision)
        if seen not in (None, "", expected):
            raise conflict(kind, name)
        new, _ = prepare(
            strategy,
            merged,
            namespace,
            field_validation="Ignore",
            name=name,
            created=found is None,
        )
        if found is None:
            new = _created(strategy, new, now)
            created = await _store_new(
                store,
                keys,
                strategy,
                namespace,
                new,
                now=now,
                dry_run=dry_run,
                lease=lease,
            )
            if created is not None:
                return created, True
            if dry_run:
                raise _already_exists(kind, name)
            return AGAIN  # created meanwhile: apply to that
        managed = new["metadata"].get("managedFields")
        new = updated(strategy, current, new, subresource)
        if managed is not None:  # what the applier now owns, on a subresource too
            new["metadata"]["managedFields"] = managed
        check_update(strategy, current, new)
        written = await _write_over(
            store,
            strategy,
            object_key,
            current,
            found.mod_revision,
            new,
            dry_run=dry_run,
            lease=lease,
        )
        return AGAIN if written is None else (written, False)

    object_key = objects.key(keys, kind, name, namespace)
    return await _guaranteed_update(store, kind, object_key, attempt)


async def delete_object(
    store: Store,
    keys: Keys,
    strategy: Strategy,
    namespace: str,
    name: str,
    *,
    dry_run: bool,
    options: deletion.Options = NO_OPTIONS,
) -> tuple[dict[str, Any], int]:
    """Delete the object: the answer (a `Status` of success naming it, or the object when
    the kind answers with it, or while it is kept) and the revision written (the object's
    own under `dry_run`, or when nothing was written).

    What is done is `deletion.decide`'s: an object with finalizers is not deleted but
    marked (`deletionTimestamp`, and what its kind shows meanwhile: a namespace is
    Terminating); whoever owns each finalizer removes it, and the write that removes the
    last one deletes the object (`_write_over`). A kind deleted gracefully (a Pod) is
    marked with its grace period and kept until a delete with no grace finishes it.

    Raises:
        KubeError: 404 for no such object, 403 for a protected one, 409 when the
            `options`' preconditions name another object (or version).
    """
    kind = strategy.kind
    if name in strategy.protected:
        raise KubeError(
            403,
            f'{kind.resource} "{name}" is forbidden: this namespace may not be deleted',
            details={"name": name, "kind": kind.resource},
            reason="Forbidden",
        )

    async def attempt(
        found: Current | None, _from_cache: bool
    ) -> tuple[dict[str, Any], int] | _Again:
        if found is None:
            raise not_found(kind.resource, name, group=kind.group)
        current, stored_at = found.obj, found.mod_revision
        failure = deletion.precondition_failure(kind.kind, name, current, options)
        if failure is not None:
            raise KubeError(409, failure, details={"name": name, "kind": kind.kind})
        finalizers = deletion.gc_finalizers(current, options.propagation, strategy.gc_policy)
        deleting = current
        if finalizers is not None:  # the propagation policy's finalizer, for the collector
            deleting = copy.deepcopy(current)
            deleting["metadata"]["finalizers"] = finalizers
            if not finalizers:
                del deleting["metadata"]["finalizers"]
        decision = deletion.decide(
            deleting,
            held=bool(strategy.finalizers(deleting)),
            grace_period=strategy.grace_period,
            being_deleted=strategy.being_deleted,
            requested=options.grace_period_seconds,
            now=datetime.now(UTC),
        )
        if decision.action == "pending" and deleting is not current:
            decision = deletion.Decision("mark", deleting)  # only its finalizers change
        if decision.action == "pending":
            return _deleted(strategy, current), stored_at
        if decision.action == "mark":
            marked = decision.obj
            if dry_run or marked == current:
                return marked, stored_at
            del marked["metadata"]["resourceVersion"]
            operation: Put | Delete = Put(object_key, json.dumps(marked).encode())
        elif dry_run:
            return _deleted(strategy, decision.obj), stored_at
        else:
            operation = Delete(object_key)
        revision = await store.txn([Compare(object_key, "mod", stored_at)], [operation])
        if revision is None:
            return AGAIN  # changed meanwhile: decide again on what is there now
        if decision.action == "mark":
            marked["metadata"]["resourceVersion"] = str(revision)
            return marked, revision
        return _deleted(strategy, decision.obj), revision

    object_key = objects.key(keys, kind, name, namespace)
    return await _guaranteed_update(store, kind, object_key, attempt)


async def delete_collection(
    store: Store,
    keys: Keys,
    strategy: Strategy,
    namespace: str | None,
    *,
    label_selector: str | None,
    field_selector_text: str | None,
    dry_run: bool,
    options: deletion.Options = NO_OPTIONS,
) -> tuple[dict[str, Any], int]:
    """DELETE of a collection: each selected object deleted as `delete_object` deletes it
    with the same `options` (finalizers hold theirs, grace periods keep pods), as
    kube-apiserver's `DeleteCollection` does. Returns the
    `<Kind>List` of what was deleted (or marked) and the newest revision written.
    """
    listed = await list_objects(
        store,
        keys,
        strategy.kind,
        namespace,
        label_selector=label_selector,
        field_selector_text=field_selector_text,
    )
    deleted: list[dict[str, Any]] = []
    newest = int(listed["metadata"]["resourceVersion"])
    for obj in listed["items"]:
        metadata = obj["metadata"]
        try:
            answer, revision = await delete_object(
                store,
                keys,
                strategy,
                metadata.get("namespace", ""),
                metadata["name"],
                dry_run=dry_run,
                options=options,
            )
        except KubeError as exc:
            if exc.code == 404:  # deleted meanwhile: what was asked
                continue
            raise
        newest = max(newest, revision)
        deleted.append(obj if answer.get("kind") == "Status" else answer)
    return list_of(strategy.kind, deleted, {"resourceVersion": str(newest)}), newest


def _deleted(strategy: Strategy, obj: dict[str, Any]) -> dict[str, Any]:
    """As kube-apiserver's generic store answers a completed delete (`finalizeDelete`)."""
    if strategy.return_deleted_object:
        return obj
    kind = strategy.kind
    metadata = obj["metadata"]
    return {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Success",
        "details": {
            "name": metadata["name"],
            "group": kind.group,
            "kind": kind.resource,  # the resource, as upstream writes it
            "uid": metadata.get("uid", ""),
        },
    }
