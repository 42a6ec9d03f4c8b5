"""OpenAPI v3 for the Kubernetes paths: `/openapi/v3` and one document per group version.

Each group version's document describes every operation the routes (`routes`) serve, and
no other: a kind's collection (list and watch with their query parameters, create), its
items (get, replace, patch in the four patch media types, delete), in the namespaced and
the all-namespaces forms, the `status` and `scale` subresources of the kinds that have
them and a Pod's `log` (text), with the error answers (`Status`) the routes give. A verb a
kind does not serve is left out: the routes answer it 405 with an `Allow` header.

The component schemas of core/v1, apps/v1 and batch/v1 (and the Scale of the `scale`
subresource) are upstream's, copied out of its published documents by
`scripts/gen_openapi_schemas.py` into `openapi_schemas.json` (descriptions for `kubectl
explain`, `x-kubernetes-group-version-kind`, patch merge keys and strategies, list types);
mcp's Container (`mcp/v1`) is described by the pydantic models of mcp's own API.

kubectl leaves validation to the server when a kind's PATCH operation carries
`x-kubernetes-group-version-kind` and a `fieldValidation` query parameter on the
operation (cli-runtime `query_param_verifier_v3.go`): then `kubectl apply` sends
`fieldValidation=Strict`.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import json
import re
from collections.abc import Iterable
from importlib import resources
from typing import Any

from pydantic.json_schema import models_json_schema

from mcp import selectors
from mcp.api.schemas import ContainerList, ContainerOut, ContainerPatch, ContainerQuery
from mcp.apiserver import fieldselectors, fieldvalidation, storage
from mcp.kinds import Kind, containers, scale
from mcp.model import ContainerIn

CORE = "io.k8s.api.core.v1."
# The named groups whose schemas are upstream's (`openapi_schemas.json`).
UPSTREAM_GROUPS = frozenset({"apps", "batch", "autoscaling"})
META = "io.k8s.apimachinery.pkg.apis.meta.v1."
STATUS_REF = {"$ref": f"#/components/schemas/{META}Status"}
JSON = "application/json"
PATCH_TYPES = (
    "application/json-patch+json",
    "application/merge-patch+json",
    "application/strategic-merge-patch+json",
    "application/apply-patch+yaml",
)
# The error answers every operation may give, and what each verb adds.
READ_ERRORS = ("400", "404", "406", "503", "504")
WRITE_ERRORS = (*READ_ERRORS, "403", "409", "413", "415", "422")
ERROR_DESCRIPTIONS = {
    "400": "BadRequest: an unknown or malformed query parameter, or an undecodable body",
    "403": "Forbidden: a namespace mcp keeps, or one being deleted",
    "404": "NotFound",
    "405": "MethodNotAllowed",
    "406": "NotAcceptable: no media type of the Accept header is served",
    "409": "Conflict: AlreadyExists, or a stale resourceVersion",
    "410": "Expired: a continue token or resourceVersion too old",
    "413": "RequestEntityTooLarge",
    "415": "UnsupportedMediaType",
    "422": "Invalid: a field's value is refused",
    "429": "TooManyRequests: as many log streams are open as mcp reads at once; retry later",
    "503": "ServiceUnavailable: etcd is unreachable; retry after Retry-After",
    "504": "Timeout: a resourceVersion the cache did not reach in time",
}


@functools.cache
def upstream_schemas() -> dict[str, Any]:
    """Upstream's component schemas of the served core/v1 kinds and what they reference."""
    text = resources.files("mcp.apiserver").joinpath("openapi_schemas.json").read_text()
    schemas: dict[str, Any] = json.loads(text)["schemas"]
    return schemas


def _path_key(group_version: str) -> str:
    return "api/v1" if group_version == "v1" else f"apis/{group_version}"


def schema_name(kind: Kind, suffix: str = "") -> str:
    """The component schema of a kind (or its list): upstream's name for a built-in group's
    (`io.k8s.api.apps.v1.Deployment`), mcp's for its own (`io.mcp.v1.Container...`)."""
    if kind.group == "":
        return f"{CORE}{kind.kind}{suffix}"
    if kind.group in UPSTREAM_GROUPS:
        return f"io.k8s.api.{kind.group}.{kind.version}.{kind.kind}{suffix}"
    return f"io.mcp.{kind.version}.{kind.kind}{suffix}"


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _gvk(kind: Kind) -> dict[str, str]:
    return {"group": kind.group, "version": kind.version, "kind": kind.kind}


def _query(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"name": name, "in": "query", "schema": schema, "description": description}


def _path(name: str, description: str) -> dict[str, Any]:
    # No pattern: a name no object can have is answered 404, as any missing one.
    return {
        "name": name,
        "in": "path",
        "required": True,
        "schema": {"type": "string"},
        "description": description,
    }


BOOLEAN = {"type": "boolean"}
STRING = {"type": "string"}
WHOLE = {"type": "integer", "minimum": 0}
VERSION = {"type": "string", "pattern": "^[0-9]*$"}
PRETTY = _query("pretty", STRING, "accepted and ignored: mcp answers compact JSON")
DRY_RUN = _query("dryRun", {"type": "string", "enum": ["All"]}, "All: validate, do not store")
FIELD_MANAGER = _query(
    "fieldManager",
    {"type": "string", "pattern": r"^[\x20-\x7e]{1,128}$"},
    "the actor making the change; default: from the User-Agent",
)
FIELD_VALIDATION = _query(
    "fieldValidation",
    # "" is unset, as upstream's ValidateFieldValidation takes it.
    {"type": "string", "enum": ["", *fieldvalidation.MODES]},
    "what to do with unknown or repeated fields: refuse (Strict), warn (Warn, the default), "
    "drop (Ignore)",
)
FORCE = _query("force", BOOLEAN, "apply only: take over fields other managers own")
# A delete's options (they may be in its body instead, as DeleteOptions).
GRACE_PERIOD = _query(
    "gracePeriodSeconds",
    {"type": "integer", "format": "int64", "minimum": -(2**63), "maximum": 2**63 - 1},
    "seconds before a pod is deleted (0: at once); a kind without grace ignores it",
)
PROPAGATION_POLICY = _query(
    "propagationPolicy",
    {"type": "string", "enum": ["Foreground", "Background", "Orphan"]},
    "accepted and checked: mcp collects no dependents yet",
)
ORPHAN_DEPENDENTS = _query("orphanDependents", BOOLEAN, "deprecated; accepted and checked")
# Accepted, and ignored: mcp's calls are bounded by its own deadlines.
TIMEOUT = _query("timeout", STRING, "accepted and ignored by mcp")
INCLUDE_OBJECT = _query(
    "includeObject",
    STRING,
    # Read only when a Table is asked for (Accept), as upstream: then anything else is 400.
    "for a Table: what each row's object carries, None, Metadata (the default) or Object",
)


# PodLogOptions, as query parameters of `pods/{name}/log` (`apiserver.podlogs`).
INT64 = {"type": "integer", "format": "int64"}
LOG_PARAMETERS = [
    _query("container", STRING, "the container; may be left out when the Pod has one"),
    _query("follow", BOOLEAN, "stream what it logs until it stops"),
    _query("insecureSkipTLSVerifyBackend", BOOLEAN, "accepted: mcp reads Docker directly"),
    _query("limitBytes", {**INT64, "minimum": 1}, "end the stream after this many bytes"),
    PRETTY,
    _query("previous", BOOLEAN, "the attempt before the newest (the last that ended)"),
    _query("sinceSeconds", {**INT64, "minimum": 1}, "only what was logged this recently"),
    _query("sinceTime", {"type": "string", "format": "date-time"}, "only what was logged since"),
    _query("stream", {"type": "string", "enum": ["All", "Stdout", "Stderr"]}, "which stream"),
    _query("tailLines", {**INT64, "minimum": 0}, "only the last this many lines"),
    _query("timestamps", BOOLEAN, "each line after its RFC 3339 time, in nanoseconds"),
]


def _selector_parameters(kind: Kind) -> list[dict[str, Any]]:
    """What a list, a watch and a deletecollection select by: one grammar for all three."""
    fields = fieldselectors.schema(kind)
    return [
        _query("labelSelector", selectors.SCHEMA, "select by labels"),
        _query("fieldSelector", fields, f"select by fields: {', '.join(kind.field_selectors)}"),
    ]


def _list_parameters(kind: Kind) -> list[dict[str, Any]]:
    return [
        *_selector_parameters(kind),
        _query("limit", WHOLE, "at most this many items; continue from `continue`"),
        _query("continue", STRING, "the token of the previous page's ListMeta"),
        _query(
            "resourceVersion",
            {"type": "string", "pattern": "^[0-9]*$"},
            "list or watch from this version (0: any)",
        ),
        _query(
            "resourceVersionMatch",
            {"type": "string", "enum": ["NotOlderThan", "Exact"]},
            "how resourceVersion is read; only with resourceVersion",
        ),
        _query("watch", BOOLEAN, "stream changes (WatchEvents) instead of a list"),
        _query("allowWatchBookmarks", BOOLEAN, "watch only: send BOOKMARK events"),
        _query("sendInitialEvents", BOOLEAN, "watch only: first the current objects as ADDED"),
        _query("timeoutSeconds", WHOLE, "a watch ends after this long (a list ignores it)"),
        INCLUDE_OBJECT,
        PRETTY,
        TIMEOUT,
    ]


def _content(schema: dict[str, Any], *media: str) -> dict[str, Any]:
    return {name: {"schema": schema} for name in media or (JSON,)}


def _responses(ok: dict[str, tuple[str, dict[str, Any]]], errors: Iterable[str]) -> dict[str, Any]:
    answered: dict[str, Any] = {
        code: {"description": text, "content": _content(schema)}
        for code, (text, schema) in ok.items()
    }
    for code in errors:
        answered[code] = {"description": ERROR_DESCRIPTIONS[code], "content": _content(STATUS_REF)}
    return answered


def _operation(
    kind: Kind, action: str, operation_id: str, description: str, **rest: Any
) -> dict[str, Any]:
    return {
        "operationId": operation_id,
        "description": description,
        "x-kubernetes-action": action,
        "x-kubernetes-group-version-kind": _gvk(kind),
        **rest,
    }


# RFC 6902: a JSON patch is a list of operations.
JSON_PATCH = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["op", "path"],
        "properties": {
            "op": {"type": "string", "enum": ["add", "remove", "replace", "move", "copy", "test"]},
            "path": STRING,
            "from": STRING,
            "value": {},
        },
    },
}


def _patch_bodies(obj: dict[str, Any]) -> dict[str, Any]:
    """Each patch media type's body: a list of operations, or (the others) a partial object."""
    partial: dict[str, Any] = {"allOf": [_ref(f"{META}Patch")], "type": "object"}
    bodies = {media: {"schema": partial} for media in PATCH_TYPES}
    bodies[PATCH_TYPES[0]] = {"schema": JSON_PATCH}
    # An apply is the object as its manager wants it, which names its kind.
    applied: dict[str, Any] = {"allOf": [obj], "type": "object", "required": ["apiVersion", "kind"]}
    bodies["application/apply-patch+yaml"] = {"schema": applied}
    return bodies


def _serves(kind: Kind, verb: str, writable: frozenset[str]) -> bool:
    return verb in kind.verbs and (verb in ("get", "list", "watch") or kind.resource in writable)


def kind_paths(kind: Kind, base: str, writable: frozenset[str]) -> dict[str, Any]:
    """Every path and operation served for `kind` under `base` (`/api/v1`)."""
    obj = _ref(schema_name(kind))
    name = _path("name", f"the {kind.kind}'s name")
    namespace = _path("namespace", "the namespace")
    scope = "Namespaced" if kind.namespaced else ""
    # JSON (or protobuf, not described): a create or replace in YAML is refused 415.
    whole = {"required": True, "content": _content(obj)}
    write = [DRY_RUN, FIELD_MANAGER, FIELD_VALIDATION, PRETTY, TIMEOUT]
    # DeleteOptions: a delete writes no fields, so it has no manager and validates none.
    delete = [DRY_RUN, GRACE_PERIOD, PROPAGATION_POLICY, ORPHAN_DEPENDENTS, PRETTY, TIMEOUT]
    read = [_query("resourceVersion", VERSION, "at least this version"), INCLUDE_OBJECT, PRETTY]
    ok = {"200": ("OK", obj)}
    # verb: (method, operationId's verb, what it does, parameters, body, answers, errors)
    verbs: dict[str, tuple[str, str, str, list[Any], Any, dict[str, Any], tuple[str, ...]]] = {
        "list": (
            "get",
            "list",
            f"list or watch {kind.kind}s",
            _list_parameters(kind),
            None,
            {"200": ("OK: a list, a Table, or WatchEvents", _ref(schema_name(kind, "List")))},
            (*READ_ERRORS, "410"),
        ),
        "create": (
            "post",
            "create",
            f"create a {kind.kind}",
            write,
            whole,
            {"201": ("Created", obj)},
            WRITE_ERRORS,
        ),
        "get": ("get", "read", f"read a {kind.kind}", read, None, ok, READ_ERRORS),
        "update": ("put", "replace", f"replace a {kind.kind}", write, whole, ok, WRITE_ERRORS),
        "patch": (
            "patch",
            "patch",
            f"partially update a {kind.kind}",
            # On the operation: that is where kubectl looks for fieldValidation.
            [*write, FORCE],
            {"required": True, "content": _patch_bodies(obj)},
            {**ok, "201": ("Created (an apply of a new object)", obj)},
            WRITE_ERRORS,
        ),
        "delete": (
            "delete",
            "delete",
            f"delete a {kind.kind}: the object as deleted, or while it is being deleted",
            delete,
            # DeleteOptions: gracePeriodSeconds, preconditions and dryRun are acted on.
            {"content": _content({"type": "object"})},
            # The object while its finalizers hold it, else a Status of its deletion.
            {"200": ("OK", {"anyOf": [obj, STATUS_REF]})},
            WRITE_ERRORS,
        ),
        "deletecollection": (
            "delete",
            "deletecollection",
            f"delete a collection of {kind.kind}s: each selected one as a delete would",
            [*_selector_parameters(kind), *delete],
            {"content": _content({"type": "object"})},
            {"200": ("OK: what was deleted", _ref(schema_name(kind, "List")))},
            WRITE_ERRORS,
        ),
    }

    def operations(served: tuple[str, ...], suffix: str = "") -> dict[str, Any]:
        found = {}
        for verb in served:
            if not _serves(kind, verb, writable):
                continue
            method, verb_id, description, parameters, body, answers, errors = verbs[verb]
            operation = _operation(
                kind,
                "post" if verb == "create" else method if verb != "list" else "list",
                f"{verb_id}{scope}{kind.kind}{suffix}",
                description,
                parameters=parameters,
                responses=_responses(answers, errors),
            )
            if body is not None:
                operation["requestBody"] = body
            found[method] = operation
        return found

    collection = operations(("list", "create", "deletecollection"))
    item = operations(("get", "update", "patch", "delete"))
    status = (
        operations(("get", "update", "patch"), "Status") if "status" in kind.subresources else {}
    )
    paths: dict[str, Any] = {}
    if kind.namespaced:
        prefix = f"{base}/namespaces/{{namespace}}/{kind.resource}"
        if collection:
            paths[prefix] = {"parameters": [namespace], **collection}
            every = operations(("list",), "ForAllNamespaces")
            every["get"]["operationId"] = f"list{kind.kind}ForAllNamespaces"
            paths[f"{base}/{kind.resource}"] = every
        scoped = [name, namespace]
    else:
        prefix = f"{base}/{kind.resource}"
        if collection:
            paths[prefix] = collection
        scoped = [name]
    if item:
        paths[f"{prefix}/{{name}}"] = {"parameters": scoped, **item}
    if status:
        paths[f"{prefix}/{{name}}/status"] = {"parameters": scoped, **status}
    if "scale" in kind.subresources:
        paths[f"{prefix}/{{name}}/scale"] = {
            "parameters": scoped,
            **_scale_operations(kind, scope, write),
        }
    if "log" in kind.subresources:
        text = {"description": "OK", "content": _content(STRING, "text/plain")}
        log = _operation(
            kind,
            "get",
            f"read{scope}{kind.kind}Log",
            f"read the log of a {kind.kind}'s container",
            parameters=LOG_PARAMETERS,
            responses={**_responses({}, (*READ_ERRORS, "422", "429")), "200": text},
        )
        paths[f"{prefix}/{{name}}/log"] = {"parameters": scoped, "get": log}
    return paths


def _scale_operations(kind: Kind, scope: str, write: list[dict[str, Any]]) -> dict[str, Any]:
    """`<resource>/{name}/scale` (`apiserver.scale`): read, replace and patch the object as
    an autoscaling/v1 Scale (no apply patch: refused with 415)."""
    obj = _ref(schema_name(scale.SCALE))
    ok = _responses({"200": ("OK", obj)}, READ_ERRORS)
    written = _responses({"200": ("OK", obj)}, WRITE_ERRORS)
    read = [_query("resourceVersion", VERSION, "at least this version"), PRETTY]
    bodies = _patch_bodies(obj)
    del bodies["application/apply-patch+yaml"]
    name = f"{scope}{kind.kind}Scale"
    return {
        "get": _operation(
            scale.SCALE,
            "get",
            f"read{name}",
            f"read the scale of a {kind.kind}",
            parameters=read,
            responses=ok,
        ),
        "put": _operation(
            scale.SCALE,
            "put",
            f"replace{name}",
            f"replace the scale of a {kind.kind}",
            parameters=write,
            requestBody={"required": True, "content": _content(obj)},
            responses=written,
        ),
        "patch": _operation(
            scale.SCALE,
            "patch",
            f"patch{name}",
            f"partially update the scale of a {kind.kind}",
            parameters=write,
            requestBody={"required": True, "content": bodies},
            responses=written,
        ),
    }


def group_version_document(group_version: str, kinds: Iterable[Kind]) -> dict[str, Any]:
    """The OpenAPI 3.0 document of one group version (shared: not to be changed)."""
    return _document(group_version, tuple(kinds))


@functools.cache
def _document(group_version: str, kinds: tuple[Kind, ...]) -> dict[str, Any]:
    writable = frozenset(storage.STRATEGIES)
    paths: dict[str, Any] = {}
    base = "/api/v1" if group_version == "v1" else f"/apis/{group_version}"
    schemas = copy.deepcopy(upstream_schemas())
    for kind in kinds:
        if kind.group_version != group_version:
            continue
        if kind == containers.CONTAINER:
            container_paths, container_schemas = _containers(kind, base)
            paths.update(container_paths)
            schemas.update(container_schemas)
        else:
            paths.update(kind_paths(kind, base, writable))
            _say_what_mcp_takes(schemas[schema_name(kind)], kind)
    return {
        "openapi": "3.0.0",
        "info": {"title": "Kubernetes", "version": "v1.37.0-mcp"},
        "paths": paths,
        "components": {"schemas": _used(schemas, paths)},
    }


def _say_what_mcp_takes(schema: dict[str, Any], kind: Kind) -> None:
    """Where mcp is stricter than upstream's schema says, the schema says so: a body's
    `apiVersion` and `kind`, when given, are the path's (else 400)."""
    properties = schema["properties"]
    properties["apiVersion"] = {**properties["apiVersion"], "enum": [kind.group_version]}
    properties["kind"] = {**properties["kind"], "enum": [kind.kind]}


MCP_SCHEMAS = "io.mcp.v1."


def _containers(kind: Kind, base: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """mcp's Containers under their group: the paths and schemas of mcp's own handlers
    (`mcp.api.v1`), which these routes serve, with `Status` errors."""
    models = (
        (ContainerIn, "validation"),
        (ContainerPatch, "validation"),
        (ContainerOut, "serialization"),
        (ContainerList, "serialization"),
        (ContainerQuery, "validation"),
    )
    keyed, top = models_json_schema(
        models,  # type: ignore[arg-type]  # pydantic's Literal for the mode is too narrow here
        by_alias=True,
        ref_template=f"#/components/schemas/{MCP_SCHEMAS}{{model}}",
    )
    schemas = {f"{MCP_SCHEMAS}{name}": _openapi30(schema) for name, schema in top["$defs"].items()}
    ref = {model: keyed[(model, mode)] for model, mode in models}  # type: ignore[index]  # as above
    query = schemas.pop(f"{MCP_SCHEMAS}ContainerQuery")["properties"]
    # What `kubectl explain containers` looks the kind up by.
    for model, shown in (("ContainerOut", kind.kind), ("ContainerList", f"{kind.kind}List")):
        schemas[f"{MCP_SCHEMAS}{model}"]["x-kubernetes-group-version-kind"] = [
            {"group": kind.group, "version": kind.version, "kind": shown}
        ]

    def parameters(*names: str) -> list[dict[str, Any]]:
        """ContainerQuery's fields as query parameters (an optional field's null dropped)."""
        found = []
        for name in names:
            schema = dict(query[name])
            described = schema.pop("description", name)
            schema.pop("default", None)
            schema.pop("title", None)
            options = [option for option in schema.pop("anyOf", []) if option.get("type") != "null"]
            found.append(_query(name, {**schema, **(options[0] if options else {})}, described))
        return found

    obj, listed = ref[ContainerOut], ref[ContainerList]
    write = ("400", "404", "409", "413", "415", "422", "503")
    answered = {"200": ("OK", obj), "202": ("Accepted: the wait ran out", obj)}
    name = _path("name", "the Container's name")

    def written(
        action: str, operation_id: str, description: str, answers: dict[str, Any]
    ) -> dict[str, Any]:
        """A create or replace: a whole Container in the body."""
        return _operation(
            kind,
            action,
            operation_id,
            description,
            parameters=[*parameters("wait", "dryRun"), FIELD_VALIDATION],
            requestBody={"required": True, "content": _content(ref[ContainerIn])},
            responses=_responses(answers, write),
        )

    collection = {
        "get": _operation(
            kind,
            "list",
            "listMcpV1Container",
            "list or watch Containers",
            parameters=[
                *parameters(
                    "wait",
                    "labelSelector",
                    "watch",
                    "resourceVersion",
                    "fieldSelector",
                    "timeoutSeconds",
                ),
                _query("allowWatchBookmarks", BOOLEAN, "watch only: send BOOKMARK events"),
                INCLUDE_OBJECT,
            ],
            responses=_responses({"200": ("OK", listed)}, ("400", "406", "410", "422", "503")),
        ),
        "post": written(
            "post",
            "createMcpV1Container",
            "create a Container",
            {"201": ("Created", obj), "202": ("Accepted: the wait ran out", obj)},
        ),
    }
    item = {
        "parameters": [name],
        "get": _operation(
            kind,
            "get",
            "readMcpV1Container",
            "read a Container",
            responses=_responses({"200": ("OK", obj)}, ("404", "406", "503")),
        ),
        "put": written("put", "replaceMcpV1Container", "replace a Container", answered),
        "patch": _operation(
            kind,
            "patch",
            "patchMcpV1Container",
            "partially update a Container (a JSON merge patch)",
            # fieldValidation: kubectl looks for it here, and leaves validation to the
            # server when it is listed.
            parameters=[*parameters("wait", "dryRun"), FIELD_VALIDATION],
            requestBody={
                "required": True,
                "content": _content(ref[ContainerPatch], "application/merge-patch+json"),
            },
            responses=_responses(answered, write),
        ),
        "delete": _operation(
            kind,
            "delete",
            "deleteMcpV1Container",
            "delete a Container: 200 once gone, 202 while the controller stops it",
            parameters=parameters("wait"),
            responses=_responses(answered, ("400", "404", "503")),
        ),
    }
    return {f"{base}/{kind.resource}": collection, f"{base}/{kind.resource}/{{name}}": item}, {
        **schemas,
        f"{META}Status": upstream_schemas()[f"{META}Status"],
    }


def _openapi30(node: Any) -> Any:
    """pydantic's JSON Schema (2020-12) as OpenAPI 3.0 says it, which these documents are:
    `const` as a one-value `enum`, `exclusiveMinimum: n` as `minimum: n` and `true`, an
    optional field's `anyOf [..., null]` as `nullable`."""
    if isinstance(node, list):
        return [_openapi30(item) for item in node]
    if not isinstance(node, dict):
        return node
    converted = {key: _openapi30(value) for key, value in node.items()}
    if "const" in converted:
        converted["enum"] = [converted.pop("const")]
    for exclusive, bound in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
        if not isinstance(converted.get(exclusive, True), bool):  # 2020-12's number form
            converted[bound], converted[exclusive] = converted[exclusive], True
    options = converted.get("anyOf")
    if isinstance(options, list) and {"type": "null"} in options:
        rest = [option for option in options if option != {"type": "null"}]
        del converted["anyOf"]
        converted["nullable"] = True
        if len(rest) == 1:
            converted = {**rest[0], **converted}
        else:
            converted["anyOf"] = rest
    return converted


def _used(schemas: dict[str, Any], paths: dict[str, Any]) -> dict[str, Any]:
    """The schemas `paths` reference, directly or through another schema."""
    wanted: set[str] = set()
    pending = _references(paths)
    while pending:
        name = pending.pop()
        if name not in wanted:
            wanted.add(name)
            pending |= _references(schemas[name]) - wanted
    return {name: schemas[name] for name in sorted(wanted)}


def _references(node: Any) -> set[str]:
    if isinstance(node, dict):
        found = {node["$ref"].rsplit("/", 1)[-1]} if isinstance(node.get("$ref"), str) else set()
        for value in node.values():
            found |= _references(value)
        return found
    if isinstance(node, list):
        return set().union(*map(_references, node))
    return set()


def allowed_methods(path: str, kinds: Iterable[Kind]) -> list[str] | None:
    """The methods the documents list for `path` (for a 405's `Allow`); None when no
    document has it."""
    listed = tuple(kinds)
    for group_version in {kind.group_version for kind in listed}:
        for template, methods in _templates(group_version, listed):
            if template.fullmatch(path):
                return methods
    return None


@functools.cache
def _templates(
    group_version: str, kinds: tuple[Kind, ...]
) -> list[tuple[re.Pattern[str], list[str]]]:
    found = []
    for template, item in _document(group_version, kinds)["paths"].items():
        pattern = re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template))
        methods = sorted(method.upper() for method in item if method != "parameters")
        found.append((re.compile(pattern), methods))
    return found


def root_document(kinds: Iterable[Kind]) -> dict[str, Any]:
    """`/openapi/v3`: where each group version's document is, with a hash of it (clients
    cache documents by that URL)."""
    listed = tuple(kinds)
    paths: dict[str, Any] = {}
    for group_version in sorted({kind.group_version for kind in listed}):
        text = json.dumps(_document(group_version, listed), sort_keys=True)
        digest = hashlib.sha512(text.encode()).hexdigest()[:32].upper()
        key = _path_key(group_version)
        paths[key] = {"serverRelativeURL": f"/openapi/v3/{key}?hash={digest}"}
    return {"paths": paths}
