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

import trio
import yaml
from quart import request

from mcp.api.common import json_body, json_body_noting_duplicates
from mcp.api.guard import APPLY_PATCH
from mcp.apiserver import protobuf
from mcp.apiserver.status import KubeError

# libyaml's parser where PyYAML has it: a YAML body of 1 MB took 3.6 s to load with the
# pure-Python one, 0.9 s with this (the fuzzer's 3 MiB apply bodies held the API for
# minutes). Loading also runs in a worker thread, so the API keeps answering meanwhile.
_SafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_YAML_DECODES = trio.CapacityLimiter(2)
# Aliases make a YAML document a graph whose JSON is far bigger than its text ("billion
# laughs"): refused past this many nodes per node written, as Go's yaml refuses
# "excessive aliasing" (sigs.k8s.io/yaml, which kube-apiserver decodes with).
ALIAS_EXPANSION_LIMIT = 10
ALIAS_EXPANSION_FLOOR = 10_000


class _JsonLoader(_SafeLoader):  # type: ignore[valid-type,misc]
    """YAML into JSON data: no timestamps or other types JSON lacks."""


_JsonLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


class ExcessiveAliasing(ValueError):
    """A YAML document whose aliases expand it far beyond what it says."""


def decode_yaml(raw: bytes) -> Any:
    """A YAML document as JSON data.

    Raises:
        yaml.YAMLError: not YAML.
        ExcessiveAliasing: its aliases would expand it past `ALIAS_EXPANSION_LIMIT`.
    """
    data = yaml.load(raw, Loader=_JsonLoader)  # a SafeLoader, narrowed
    unique, expanded = _sizes(data)
    if expanded > max(ALIAS_EXPANSION_FLOOR, ALIAS_EXPANSION_LIMIT * unique):
        raise ExcessiveAliasing("yaml: document contains excessive aliasing")
    return data


def _sizes(data: Any) -> tuple[int, int]:
    """How many nodes `data` has as written (each distinct container and what it holds,
    once), and as it would be written out without aliases (PyYAML's result shares one
    object per anchor): equal for a document without aliases. Linear, memoized by
    identity."""
    expanded: dict[int, int] = {}
    written = 0
    visiting: set[int] = set()
    stack: list[tuple[Any, bool]] = [(data, False)]
    while stack:
        node, children_done = stack.pop()
        if not isinstance(node, dict | list) or (id(node) in expanded and not children_done):
            continue
        children = list(node.values()) if isinstance(node, dict) else node
        if not children_done:
            if id(node) in visiting:  # an alias to a node that holds it: no JSON has that
                raise ExcessiveAliasing("yaml: a node contains itself through an alias")
            visiting.add(id(node))
            stack.append((node, True))
            stack.extend((child, False) for child in children)
            continue
        visiting.discard(id(node))
        written += 1 + len(children)
        expanded[id(node)] = 1 + sum(
            expanded.get(id(child), 1) if isinstance(child, dict | list) else 1
            for child in children
        )
    return max(written, 1), expanded.get(id(data), 1)


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
        return await trio.to_thread.run_sync(decode_yaml, raw, limiter=_YAML_DECODES)
    except yaml.YAMLError as exc:
        raise KubeError(400, f"error decoding YAML: {exc}") from exc
    except ExcessiveAliasing as exc:
        raise KubeError(400, f"error decoding YAML: {exc}") from exc
