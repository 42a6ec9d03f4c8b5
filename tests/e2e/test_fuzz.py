"""Fuzzing the running server from its own OpenAPI document (schemathesis).

For every operation the document describes, generated requests, valid and invalid,
must never produce a 5xx or hang, errors must come in the one problem+json shape,
and a rejected write must change no object.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance
from support.mcp_process import McpProcess

pytestmark = pytest.mark.e2e

CALL_TIMEOUT_S = 30.0  # a hang fails the case instead of stalling the suite
EXAMPLES_PER_OPERATION = 25


def objects(base_url: str) -> dict[str, tuple[Any, ...]]:
    """What a user declared, per object not being deleted: a rejected request must not
    change any of it. An object an earlier case deleted is left out: the controller
    finishes its deletion whenever its container is gone, request or not."""
    items = httpx.get(f"{base_url}/api/v1/containers", timeout=CALL_TIMEOUT_S).json()["items"]
    items = [item for item in items if not item["metadata"]["deletionTimestamp"]]
    return {
        item["metadata"]["name"]: (
            item["metadata"]["uid"],
            item["metadata"]["generation"],
            item["metadata"]["labels"],
            item["metadata"]["annotations"],
            item["metadata"]["deletionTimestamp"],
        )
        for item in items
    }


def check_case(case: Any, base_url: str) -> None:
    # Waiting for the controller is tested elsewhere; here it would only slow the fuzz,
    # and a watch stream never ends by itself.
    case.query = {**(case.query or {}), "wait": "0", "watch": "false"}
    before = objects(base_url)
    response = case.call(base_url=base_url, timeout=CALL_TIMEOUT_S)
    assert response.status_code < 500, f"{case.method} {case.formatted_path}: {response.text}"
    # Every check schemathesis has, the conformance ones too: the status code, media type,
    # headers and body the document promises; schema-valid input accepted, invalid refused.
    # But a write's body has rules JSON Schema cannot state (a memory quantity of at least
    # 6Mi and a whole number of bytes, unique env names and ports): there a schema-valid
    # body may be answered 422, and only that is let through.
    writes = case.method in ("POST", "PUT", "PATCH") and response.status_code == 422
    case.validate_response(response, excluded_checks=[positive_data_acceptance] if writes else [])
    if 400 <= response.status_code < 500:
        content_type = (response.headers.get("content-type") or [""])[0]  # name -> values
        assert content_type.startswith("application/problem+json"), response.text
        problem = response.json()
        assert problem["status"] == response.status_code
        assert problem["title"]
        if case.method in ("POST", "PUT", "PATCH", "DELETE"):
            assert objects(base_url) == before, "a rejected write changed an object"


def test_no_input_breaks_the_server(mcp: McpProcess) -> None:
    schema = schemathesis.openapi.from_url(f"{mcp.url}/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]  # type: ignore[union-attr]  # an Err would raise here, failing the test as it should
    assert len(operations) >= 10  # every route is documented, the seed's included
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            database=None,
        )
        def fuzz(case: Any) -> None:
            check_case(case, mcp.url)

        fuzz()
