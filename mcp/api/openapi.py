"""The OpenAPI document, with the media types quart-schema cannot express.

quart-schema describes every JSON body as `application/json`. Two are not: a merge
patch is `application/merge-patch+json` (RFC 7396), and every error is
`application/problem+json` (RFC 7807). This provider rewrites those entries after
quart-schema has built the document, so it says what the API really sends.
"""

from __future__ import annotations

from typing import Any

from quart_schema import OpenAPIProvider

JSON = "application/json"
MERGE_PATCH = "application/merge-patch+json"
PROBLEM = "application/problem+json"


def _rename_media(content: dict[str, Any], to: str) -> None:
    if JSON in content:
        content[to] = content.pop(JSON)


class McpOpenAPIProvider(OpenAPIProvider):
    def schema(self) -> dict[str, Any]:
        document: dict[str, Any] = super().schema()
        for item in document.get("paths", {}).values():
            for method, operation in item.items():
                if "requestBody" in operation:
                    # Every call with a body needs one: without, it is answered 415.
                    operation["requestBody"]["required"] = True
                if method == "patch" and "requestBody" in operation:
                    _rename_media(operation["requestBody"].get("content", {}), MERGE_PATCH)
                for code, response in operation.get("responses", {}).items():
                    if str(code).startswith(("4", "5")):  # codes may be ints here
                        _rename_media(response.get("content", {}), PROBLEM)
        return document
