"""Errors as RFC 7807 `application/problem+json`, mapped in this one place.

Every error the API answers has the same shape: `type`, `title`, `status`,
`detail`, and for 422 `errors`, a list of `{field, message}`. A 500 is a bug: it is
logged with its traceback and answered in the same shape.
"""

from __future__ import annotations

import json
from http import HTTPStatus
from typing import Any

from quart import Response
from werkzeug.exceptions import HTTPException

from mcp import logs
from mcp.errors import Conflict, Invalid, NotFound, StoreUnavailable

log = logs.get(actor="api")

PROBLEM_TYPE = "application/problem+json"


class BadRequest(Exception):
    """A request the API cannot parse (malformed JSON, bad query parameter)."""


class Gone(Exception):
    """A watch asked for history that etcd has compacted: list again (410)."""


class UnsupportedMediaType(Exception):
    """The body's content type is not one this call accepts (415)."""


def problem_body(status: int, detail: str, *, errors: list[tuple[str, str]] | None = None) -> bytes:
    """The RFC 7807 document for `status`, as bytes."""
    phrase = HTTPStatus(status).phrase
    body: dict[str, Any] = {
        "type": "urn:mcp:problem:" + phrase.lower().replace(" ", "-").replace("'", ""),
        "title": phrase,
        "status": status,
        "detail": detail,
    }
    if errors is not None:
        body["errors"] = [{"field": field, "message": message} for field, message in errors]
    return json.dumps(body).encode()


def problem(status: int, detail: str, *, errors: list[tuple[str, str]] | None = None) -> Response:
    return Response(
        problem_body(status, detail, errors=errors), status=status, content_type=PROBLEM_TYPE
    )


def problem_for(exc: BaseException) -> Response:
    """The one place where errors become HTTP answers."""
    match exc:
        case BadRequest():
            return problem(400, str(exc))
        case Invalid():
            return problem(422, "the request has invalid fields", errors=exc.errors)
        case NotFound():
            return problem(404, str(exc))
        case Conflict():
            return problem(409, str(exc))
        case Gone():
            return problem(410, str(exc))
        case UnsupportedMediaType():
            return problem(415, str(exc))
        case StoreUnavailable():
            return problem(503, f"the store is unavailable, try again: {exc}")
        case HTTPException():
            code = exc.code or 500
            response = problem(code, exc.description or HTTPStatus(code).phrase)
            if code == HTTPStatus.REQUEST_ENTITY_TOO_LARGE:
                # The rest of the body was never read; the connection cannot be reused.
                response.headers["Connection"] = "close"
            return response
    log.error("api_internal_error", exc_info=exc)
    return problem(500, "internal error: this is a bug in mcp, please report it")
