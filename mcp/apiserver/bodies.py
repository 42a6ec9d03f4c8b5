"""How the Kubernetes routes read a request body: JSON, Kubernetes protobuf, or YAML.

kube-apiserver takes both JSON and protobuf for whole objects, and typed clients
(`kubectl create`) send protobuf; the protobuf body is decoded into the dict its JSON would
parse to (`protobuf.decode_body`), so the generic storage path sees one shape either way.
Server-side apply's configuration (`application/apply-patch+yaml`) is YAML, read as
sigs.k8s.io/yaml reads it: into JSON data (timestamps stay strings). The guard has
already refused any other media type (mcp/api/guard.py).
"""

from __future__ import annotations

from typing import Any

import yaml
from quart import request

from mcp.api.common import json_body, json_body_noting_duplicates
from mcp.api.guard import APPLY_PATCH
from mcp.apiserver import protobuf
from mcp.apiserver.status import KubeError


class _JsonLoader(yaml.SafeLoader):
    """YAML into JSON data: no timestamps or other types JSON lacks."""


_JsonLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


async def read() -> Any:
    """The request's body as JSON data.

    Raises:
        KubeError: 415 for a protobuf body of a kind (or encoding) mcp cannot decode,
            400 for one that is not well formed.
        BadRequest: a JSON body that is not JSON (`json_body`).
    """
    return (await read_noting_duplicates())[0]


async def read_noting_duplicates() -> tuple[Any, list[str]]:
    """The request's body as JSON data, and the keys a JSON body repeats, by path
    (`json_body_noting_duplicates`): what `fieldValidation` calls duplicate fields. None
    for protobuf or YAML: their decoders keep a repeated field's last value.

    Raises:
        KubeError, BadRequest: as `read`.
    """
    mimetype = (request.mimetype or "").lower()
    if mimetype == APPLY_PATCH:
        return await _yaml_body(), []
    if mimetype != protobuf.MEDIA_TYPE:
        return await json_body_noting_duplicates()
    raw = await request.get_data(as_text=False)
    if isinstance(raw, str):  # not with as_text=False; Quart's types allow it
        raw = raw.encode()
    try:
        return protobuf.decode_body(raw), []
    except protobuf.UnknownKind as exc:
        raise KubeError(415, str(exc)) from exc
    except protobuf.DecodeError as exc:
        raise KubeError(400, f"the body is not a valid Kubernetes protobuf object: {exc}") from exc


async def _yaml_body() -> Any:
    """A YAML body as JSON data; a JSON one (what kubectl sends) by the JSON reader."""
    raw = await request.get_data(as_text=False)
    if isinstance(raw, str):  # not with as_text=False; Quart's types allow it
        raw = raw.encode()
    if raw.lstrip().startswith((b"{", b"[")):
        return await json_body()
    try:
        return yaml.load(raw, Loader=_JsonLoader)  # a SafeLoader, narrowed
    except yaml.YAMLError as exc:
        raise KubeError(400, f"error decoding YAML: {exc}") from exc
