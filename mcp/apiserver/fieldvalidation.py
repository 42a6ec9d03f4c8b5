"""`fieldValidation`: what a write does with the fields its kind does not have, or that its
body gives twice.

As kube-apiserver (`handlers/rest.go` and sigs.k8s.io/json's strict decoding): `Strict`
refuses them with a 400 (`strict decoding error: unknown field "spec.foo"`), `Warn` drops
them and says so, one `Warning` header each (`299 - "unknown field \\"spec.foo\\""`),
`Ignore` drops them silently (a repeated key's last value wins). Unset, or empty, is
`Warn` on the Kubernetes paths; mcp's own `/api/v1/containers` has always refused unknown
fields, in its own words (422), and keeps that as its default (`mcp.api.v1`).

Pure: the routes read the parameter and send the headers.
"""

from __future__ import annotations

from collections.abc import Iterable

STRICT, WARN, IGNORE = "Strict", "Warn", "Ignore"
MODES = (STRICT, WARN, IGNORE)


def mode(raw: str | None, *, default: str = WARN) -> str:
    """The `fieldValidation` a request asks for; `default` when it asks for none.

    Raises:
        ValueError: not one of MODES; the message says what it must be.
    """
    if not raw:
        return default
    if raw not in MODES:
        raise ValueError(f"fieldValidation must be one of {', '.join(MODES)}, not {raw!r}")
    return raw


def strict_errors(*, duplicates: Iterable[str] = (), unknown: Iterable[str] = ()) -> list[str]:
    """What strict decoding says of each field, by path: `duplicate field "spec.image"`,
    then `unknown field "spec.foo"` (the duplicates are found while parsing, the unknown
    fields after)."""
    return [f'duplicate field "{path}"' for path in duplicates] + [
        f'unknown field "{path}"' for path in unknown
    ]


def refusal(errors: list[str]) -> str:
    """A `Strict` write's 400 message for its strict decoding errors."""
    return f"strict decoding error: {', '.join(errors)}"


def warning(text: str) -> str:
    """A `Warning` header's value for `text` (RFC 7234's warn-text, code 299 as upstream):
    quoted and escaped, and printable ASCII, as a header must be (a field name from a body
    may be anything)."""
    quoted = text.replace("\\", "\\\\").replace('"', '\\"')
    quoted = "".join(c if " " <= c <= "~" else f"\\u{ord(c):04x}" for c in quoted)
    return f'299 - "{quoted}"'
