"""registry.decode_item: one decoded instance per stored value, shared by every reader."""

from __future__ import annotations

import pytest

from mcp import model
from mcp.registry import Keys, decode_item
from mcp.store import KeyValue, WatchEvent

KEYS = Keys("/test")


def stored_status(phase: model.Phase, revision: int) -> KeyValue:
    raw = model.encode_status(model.Status(uid="u1", phase=phase))
    # bytes(...) copies: each read from etcd brings its own bytes object.
    return KeyValue(KEYS.status("web"), bytes(bytearray(raw)), revision, 3)


def test_readers_of_the_same_stored_value_share_one_decoded_instance() -> None:
    listed = decode_item(KEYS, stored_status("Running", 7))
    item = stored_status("Running", 7)
    watched = decode_item(KEYS, WatchEvent("put", item.key, item.value, 7, 3))
    assert isinstance(listed, model.Status)
    assert watched is listed


def test_another_revision_or_other_bytes_decode_afresh() -> None:
    first = decode_item(KEYS, stored_status("Running", 7))
    later = decode_item(KEYS, stored_status("Running", 8))
    # Same key and revision but other bytes: another store (a fake beside a real etcd).
    other = decode_item(KEYS, stored_status("Failed", 7))
    assert isinstance(first, model.Status)
    assert isinstance(later, model.Status)
    assert isinstance(other, model.Status)
    assert later is not first
    assert (first.revision, later.revision) == (7, 8)
    assert (first.phase, other.phase) == ("Running", "Failed")


def test_undecodable_values_are_skipped_not_remembered() -> None:
    junk = KeyValue(KEYS.container("web"), b"{not json", 9, 9)
    assert decode_item(KEYS, junk) is None
    assert decode_item(KEYS, junk) is None


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        pytest.param("/test/registry/containers/web", ("container", "web"), id="container"),
        pytest.param("/test/registry/status/web", ("status", "web"), id="status"),
        pytest.param("/test/registry/containers/", ("container", ""), id="bare-prefix"),
        pytest.param("/test/registry/events/default/web.17", None, id="an-event"),
        pytest.param("/test/cluster-id", None, id="cluster-id"),
        pytest.param("/other/registry/containers/web", None, id="another-prefix"),
    ],
)
def test_a_key_says_what_it_holds_and_whose(key: str, expected: tuple[str, str] | None) -> None:
    assert KEYS.parse(key) == expected
