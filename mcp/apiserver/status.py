"""Errors on the Kubernetes paths: `Status` objects, as kube-apiserver answers them.

kubectl and the client libraries read `reason`, `message`, `code` and `details` from a
`Status` body; mcp's own paths (the seed calls, `/api/v1/containers`) keep
problem+json. Which paths are Kubernetes' is decided here, in one place.
"""

from __future__ import annotations

import json
from http import HTTPStatus
from typing import Any

from quart import Response
from werkzeug.exceptions import HTTPException

from mcp import logs
from mcp.api.problems import BadRequest, Gone, UnsupportedMediaType
from mcp.errors import Conflict, Invalid, NotFound, StoreUnavailable
from mcp.kinds import Kind, apimachinery

log = logs.get(actor="api")

STORE_RETRY_AFTER_S = 1
# mcp's own routes under /api/v1, which answer problem+json (`/api/v1/events` is
# Kubernetes': the Events of every namespace).
MCP_PATHS = ("/api/v1/containers",)
REASONS = {
    400: "BadRequest",
    404: "NotFound",
    405: "MethodNotAllowed",
    406: "NotAcceptable",
    409: "Conflict",
    410: "Gone",
    413: "RequestEntityTooLarge",
    415: "UnsupportedMediaType",
    422: "Invalid",
    500: "InternalError",
    503: "ServiceUnavailable",
}


class KubeError(Exception):
    """An error a Kubernetes route answers as a `Status` with this code and reason."""

    def __init__(
        self,
        code: int,
        message: str,
        *,
        details: dict[str, Any] | None = None,
        reason: str | None = None,
    ):
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details
        self.reason = reason  # None: the usual one for `code` (REASONS)


def is_kubernetes_path(path: str) -> bool:
    if path.startswith(MCP_PATHS):
        return False
    return path in ("/api", "/apis", "/openapi/v3") or path.startswith(
        ("/api/", "/apis/", "/openapi/v3/")
    )


def status_body(
    code: int,
    message: str,
    *,
    details: dict[str, Any] | None = None,
    reason: str | None = None,
) -> bytes:
    body: dict[str, Any] = {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": reason or REASONS.get(code, HTTPStatus(code).phrase.replace(" ", "")),
        "code": code,
    }
    if details is not None:
        body["details"] = details
    return json.dumps(body).encode()


def status(
    code: int,
    message: str,
    *,
    details: dict[str, Any] | None = None,
    reason: str | None = None,
) -> Response:
    response = Response(
        status_body(code, message, details=details, reason=reason),
        status=code,
        content_type="application/json",
    )
    if code == 503:
        response.headers["Retry-After"] = str(STORE_RETRY_AFTER_S)
    return response


# A problem's cause type, from the start of its message: upstream's `field.Error` bodies
# begin with their type's text ("Forbidden: field is immutable..."); any other is Invalid.
CAUSE_TYPES = (
    ("Required value", "FieldValueRequired"),
    ("Forbidden", "FieldValueForbidden"),
    ("Too long", "FieldValueTooLong"),
    ("Too many", "FieldValueTooMany"),
    ("Duplicate value", "FieldValueDuplicate"),
    ("Unsupported value", "FieldValueNotSupported"),
)


def _cause_type(message: str) -> str:
    return next((t for prefix, t in CAUSE_TYPES if message.startswith(prefix)), "FieldValueInvalid")


def invalid(kind: Kind, name: str, problems: apimachinery.Problems) -> KubeError:
    """A 422 as apimachinery's `NewInvalid` words it, so kubectl prints `The Secret "x" is
    invalid: data: Forbidden: ...` (it reads the kind, the name and the causes); the
    message names the kind with its group, as upstream's (`Container.mcp "web" is ...`)."""
    causes = [{"reason": _cause_type(m), "message": m, "field": f} for f, m in problems]
    details: dict[str, Any] = {"name": name, "kind": kind.kind, "causes": causes}
    qualified = kind.kind
    if kind.group:
        details["group"] = kind.group
        qualified = f"{kind.kind}.{kind.group}"
    text = apimachinery.aggregate(problems)
    return KubeError(422, f'{qualified} "{name}" is invalid: {text}', details=details)


def not_found(kind_resource: str, name: str, *, group: str = "") -> KubeError:
    """apimachinery's `NewNotFound`: the resource named with its group (`deployments.apps
    "web" not found`), the group in the details."""
    details = {"name": name, "kind": kind_resource}
    if group:
        details["group"] = group
    qualified = f"{kind_resource}.{group}" if group else kind_resource
    return KubeError(404, f'{qualified} "{name}" not found', details=details)


def options_invalid(options_kind: str, problems: list[tuple[str, str, str]]) -> KubeError:
    """A request's options refused as upstream's `Validate<Kind>` refuses them: a 422 of
    the `meta.k8s.io` kind `options_kind` (`DeleteOptions`), from (field, reason, message)
    problems."""
    text = [f"{field}: {message}" for field, _, message in problems]
    shown = text[0] if len(text) == 1 else f"[{', '.join(text)}]"
    return KubeError(
        422,
        f'{options_kind}.meta.k8s.io "" is invalid: {shown}',
        details={
            "group": "meta.k8s.io",
            "kind": options_kind,
            "causes": [{"reason": r, "message": m, "field": f} for f, r, m in problems],
        },
    )


def response_for(exc: BaseException) -> Response:
    """The one place where errors on Kubernetes paths become answers."""
    match exc:
        case KubeError():
            return status(exc.code, str(exc), details=exc.details, reason=exc.reason)
        case BadRequest():
            return status(400, str(exc))
        case UnsupportedMediaType():
            return status(415, str(exc))
        # mcp's own errors, from mcp's handlers serving under a Kubernetes path
        # (`/apis/mcp/v1/containers`).
        case Invalid():
            causes = [
                {"reason": "FieldValueInvalid", "message": message, "field": field}
                for field, message in exc.errors
            ]
            text = "; ".join(f"{field}: {message}" for field, message in exc.errors)
            return status(
                422, f"the request has invalid fields: {text}", details={"causes": causes}
            )
        case NotFound():
            return status(404, str(exc))
        case Conflict():
            return status(409, str(exc))
        case Gone():
            return status(410, str(exc), reason="Expired")
        case StoreUnavailable():
            return status(503, f"the store is unavailable, try again: {exc}")
        case HTTPException():
            code = exc.code or 500
            if code == 404:
                return status(404, "the server could not find the requested resource")
            if code == HTTPStatus.REQUEST_ENTITY_TOO_LARGE:
                response = status(code, "the request body is larger than the server takes")
                # The rest of the body was never read; the connection cannot be reused.
                response.headers["Connection"] = "close"
                return response
            return status(code, exc.description or HTTPStatus(code).phrase)
    log.error("api_internal_error", exc_info=exc)
    return status(500, "internal error: this is a bug in mcp, please report it")
