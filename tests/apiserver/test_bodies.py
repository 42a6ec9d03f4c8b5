"""YAML request bodies (server-side apply's `application/apply-patch+yaml`) as JSON data."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from mcp.apiserver.bodies import ExcessiveAliasing, decode_yaml

# Each level repeats the one before ten times: 10^6 items from 6 lines ("billion laughs").
LAUGHS = b"\n".join(
    [b"a: &a [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]"]
    + [
        f"{name}: &{name} [{', '.join([f'*{before}'] * 10)}]".encode()
        for before, name in zip("abcde", "bcdef", strict=True)
    ]
)


@pytest.mark.parametrize(
    ("body", "data"),
    [
        pytest.param(b"a: 1\nb: [x, {c: d}]\n", {"a": 1, "b": ["x", {"c": "d"}]}, id="plain"),
        pytest.param(
            b"when: 2026-12-01T12:00:00Z\n", {"when": "2026-12-01T12:00:00Z"}, id="time-as-text"
        ),
        pytest.param(
            b"x: &x {a: 1}\ny: [*x, *x]\n",
            {"x": {"a": 1}, "y": [{"a": 1}, {"a": 1}]},
            id="a-few-aliases",
        ),
    ],
)
def test_yaml_becomes_json_data(body: bytes, data: Any) -> None:
    assert decode_yaml(body) == data


@pytest.mark.parametrize(
    ("body", "words"),
    [
        pytest.param(LAUGHS, "yaml: document contains excessive aliasing", id="laughs"),
        pytest.param(b"&a [*a]", "yaml: a node contains itself through an alias", id="cycle"),
    ],
)
def test_aliases_that_would_blow_a_document_up_are_refused(body: bytes, words: str) -> None:
    with pytest.raises(ExcessiveAliasing, match=words):
        decode_yaml(body)


def test_a_large_document_without_aliases_is_no_aliasing() -> None:
    body = yaml.safe_dump({"data": {f"k{i}": "v" for i in range(50_000)}}).encode()
    assert len(decode_yaml(body)["data"]) == 50_000


def test_not_yaml_is_a_yaml_error() -> None:
    with pytest.raises(yaml.YAMLError):
        decode_yaml(b"a: [1, 2\n")
