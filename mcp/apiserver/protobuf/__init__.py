"""Kubernetes protobuf request bodies, read into the JSON a JSON client sends.

Typed clients (client-go's clientsets, so `kubectl create configmap|secret|namespace|
deployment|job`, `kubectl run`) send `Content-Type: application/vnd.kubernetes.protobuf`.
`decode_body` turns such a body into the dict a JSON body of the same object parses to, so
the rest of the Kubernetes path sees JSON only; answers are always JSON, which those
clients also accept. Writing protobuf is not done here.

- `wire`: the protobuf wire format, without a schema;
- `schemas`: the message layouts and JSON rules, generated from upstream by
  scripts/gen_protobuf_schemas.py;
- `decoding`: the envelope, the schema-driven walk and the kinds with their own JSON.
"""

from __future__ import annotations

from mcp.apiserver.protobuf.decoding import UnknownKind, decode_body
from mcp.apiserver.protobuf.wire import DecodeError

MEDIA_TYPE = "application/vnd.kubernetes.protobuf"

__all__ = ["MEDIA_TYPE", "DecodeError", "UnknownKind", "decode_body"]
