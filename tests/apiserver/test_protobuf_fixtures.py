"""Real kubectl bodies: each protobuf body decodes to exactly the JSON kubectl prints for
the same command with `--dry-run=client -o json`.

The fixtures are recorded from the pinned kubectl by scripts/capture_protobuf_fixtures.py
(re-run it after a kubectl bump); each holds the command, the request and both encodings.
"""

from __future__ import annotations

import base64
import contextlib
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mcp.apiserver import protobuf

FIXTURES = Path(__file__).parent / "fixtures" / "protobuf"
# Kinds of groups the schemas leave out: refused with a clear message, not misread.
UNKNOWN = {"priorityclass"}


def _fixtures() -> list[Any]:
    return [
        pytest.param(json.loads(path.read_text()), id=path.stem)
        for path in sorted(FIXTURES.glob("*.json"))
    ]


def _body(fixture: dict[str, Any]) -> bytes:
    return base64.b64decode(fixture["body"])


@pytest.mark.parametrize("fixture", _fixtures())
def test_a_kubectl_body_decodes_to_the_json_kubectl_prints(fixture: dict[str, Any]) -> None:
    # kubectl takes a JSON answer, which is all mcp writes.
    assert "application/json" in [kind.strip() for kind in fixture["accept"].split(",")]
    if fixture["contentType"] == "application/json":
        # `kubectl run` sends JSON (the REST mapper's untyped client), without the
        # namespace it prints: the URL carries it.
        printed = fixture["json"]
        printed["metadata"].pop("namespace")
        assert json.loads(_body(fixture)) == printed
    elif fixture["command"][2] in UNKNOWN:
        with pytest.raises(protobuf.UnknownKind, match="send it as application/json"):
            protobuf.decode_body(_body(fixture))
    else:
        assert fixture["contentType"] == protobuf.MEDIA_TYPE
        assert protobuf.decode_body(_body(fixture)) == fixture["json"]


def test_the_fixtures_cover_the_typed_create_commands() -> None:
    recorded = {path.stem for path in FIXTURES.glob("*.json")}
    assert {
        "configmap",
        "secret-generic",
        "namespace",
        "serviceaccount",
        "deployment",
        "job",
        "pod-run",
    } <= recorded
    configmap = json.loads((FIXTURES / "configmap.json").read_text())
    assert configmap["json"]["binaryData"]  # --from-file of bytes that are not UTF-8


DEPLOYMENT = _body(json.loads((FIXTURES / "deployment.json").read_text()))


@pytest.mark.parametrize("cut", [5, 20, -3, -1])
def test_a_cut_kubectl_body_is_a_decode_error_never_a_crash(cut: int) -> None:
    with pytest.raises(protobuf.DecodeError):
        protobuf.decode_body(DEPLOYMENT[:cut])


@given(st.integers(0, len(DEPLOYMENT) - 1), st.integers(0, 255))
def test_a_changed_byte_decodes_or_is_a_decode_error(at: int, byte: int) -> None:
    changed = DEPLOYMENT[:at] + bytes([byte]) + DEPLOYMENT[at + 1 :]
    with contextlib.suppress(protobuf.DecodeError):
        protobuf.decode_body(changed)


@given(st.binary(max_size=200))
def test_any_bytes_decode_or_are_a_decode_error(data: bytes) -> None:
    with contextlib.suppress(protobuf.DecodeError):
        protobuf.decode_body(b"k8s\x00" + data)
