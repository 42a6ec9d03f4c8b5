"""Objects as the API shows them, as JSON text, remembered per stored version.

A LIST of 5,000 objects spent most of its time building and dumping a pydantic model
per object (about 0.25 s), and a watch event was rendered once per open stream. The
objects and statuses here are the shared, immutable instances `registry.decode_item`
hands out, so one stored version is one `(object, status)` pair of instances and its
JSON never changes: it is rendered once and the text reused, by every LIST, GET and
watch stream. One entry per object name, holding its latest rendering: an older version
is let go as soon as a newer one is rendered, so the memory follows the number of
objects, not the number of changes (and an LRU bounds the names).
"""

from __future__ import annotations

import json
from collections import OrderedDict
from typing import Any

from mcp.api.schemas import container_json
from mcp.model import Container, Status

CAPACITY = 20_000  # object names; an entry is an object's JSON (about 1 KB)


class Renderer:
    """JSON text of (object, status) pairs, rendered once per pair of instances."""

    def __init__(self, capacity: int = CAPACITY) -> None:
        self._capacity = capacity
        # name -> the instances last rendered and their text; a hit needs both the very
        # same instances (a new stored version is a new instance).
        self._entries: OrderedDict[str, tuple[Container, Status | None, str]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def object_json(self, obj: Container, status: Status | None) -> str:
        key = obj.name
        entry = self._entries.get(key)
        if entry is not None and entry[0] is obj and entry[1] is status:
            self._entries.move_to_end(key)
            return entry[2]
        text = json.dumps(container_json(obj, status))
        self._entries[key] = (obj, status, text)
        self._entries.move_to_end(key)
        if len(self._entries) > self._capacity:
            self._entries.popitem(last=False)
        return text

    def list_json(
        self, envelope: dict[str, Any], items: list[tuple[Container, Status | None]]
    ) -> str:
        """`envelope` (apiVersion, kind, metadata...) with `items` rendered into it."""
        fields = [f"{json.dumps(key)}: {json.dumps(value)}" for key, value in envelope.items()]
        rendered = ", ".join(self.object_json(obj, status) for obj, status in items)
        return "{" + ", ".join([*fields, f'"items": [{rendered}]']) + "}"

    def watch_line(self, event_type: str, obj: Container, status: Status | None) -> bytes:
        """One NDJSON line of a watch stream: `{"type": ..., "object": ...}`."""
        return f'{{"type": "{event_type}", "object": {self.object_json(obj, status)}}}\n'.encode()
