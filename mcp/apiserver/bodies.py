"""How the Kubernetes routes read a request body: JSON, or Kubernetes protobuf.

kube-apiserver takes both for whole objects, and typed clients (`kubectl create`) send
protobuf; the protobuf body is decoded into the dict its JSON would parse to
(`protobuf.decode_body`), so the generic storage path sees one shape either way. The
guard has already refused any other media type (mcp/api/guard.py).
"""

from __future__ import annotations

from typing import Any

from quart import request

from mcp.api.common import json_body
from mcp.apiserver import protobuf
from mcp.apiserver.status import KubeError


async def read() -> Any:
    """The request's body as JSON data.

    Raises:
        KubeError: 415 for a protobuf body of a kind (or encoding) mcp cannot decode,
            400 for one that is not well formed.
        BadRequest: a JSON body that is not JSON (`json_body`).
    """
    if (request.mimetype or "").lower() != protobuf.MEDIA_TYPE:
        return await json_body()
    raw = await request.get_data(as_text=False)
    if isinstance(raw, str):  # not with as_text=False; Quart's types allow it
        raw = raw.encode()
    try:
        return protobuf.decode_body(raw)
    except protobuf.UnknownKind as exc:
        raise KubeError(415, str(exc)) from exc
    except protobuf.DecodeError as exc:
        raise KubeError(400, f"the body is not a valid Kubernetes protobuf object: {exc}") from exc
