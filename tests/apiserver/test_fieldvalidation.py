"""`fieldValidation`'s modes and words, as kube-apiserver has them."""

from __future__ import annotations

import pytest

from mcp.apiserver import fieldvalidation


@pytest.mark.parametrize(
    ("raw", "default", "mode"),
    [
        pytest.param(None, "Warn", "Warn", id="unset"),
        pytest.param("", "Warn", "Warn", id="empty-is-unset"),
        pytest.param(None, "Strict", "Strict", id="another-default"),
        pytest.param("Strict", "Warn", "Strict", id="strict"),
        pytest.param("Ignore", "Strict", "Ignore", id="ignore"),
    ],
)
def test_modes(raw: str | None, default: str, mode: str) -> None:
    assert fieldvalidation.mode(raw, default=default) == mode


@pytest.mark.parametrize("raw", ["strict", "All", "Strict "])
def test_other_values_are_refused(raw: str) -> None:
    with pytest.raises(ValueError, match="fieldValidation must be one of Strict, Warn, Ignore"):
        fieldvalidation.mode(raw)


def test_strict_errors_name_each_field_duplicates_first() -> None:
    errors = fieldvalidation.strict_errors(duplicates=["spec.image"], unknown=["spec.foo", "x"])
    assert errors == [
        'duplicate field "spec.image"',
        'unknown field "spec.foo"',
        'unknown field "x"',
    ]
    assert fieldvalidation.refusal(errors) == (
        'strict decoding error: duplicate field "spec.image", unknown field "spec.foo", '
        'unknown field "x"'
    )


@pytest.mark.parametrize(
    ("text", "header"),
    [
        pytest.param(
            'unknown field "spec.foo"', '299 - "unknown field \\"spec.foo\\""', id="quoted"
        ),
        pytest.param("a\\b", '299 - "a\\\\b"', id="backslash"),
        pytest.param(
            'unknown field "é\n"', '299 - "unknown field \\"\\u00e9\\u000a\\""', id="ascii"
        ),
    ],
)
def test_warning_headers(text: str, header: str) -> None:
    assert fieldvalidation.warning(text) == header
