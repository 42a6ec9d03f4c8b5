"""`CacheLookup` reads ConfigMaps and Secrets from the watch cache as stored, and the
readers decode them as the kubelet's managers hand them over."""

from __future__ import annotations

import json
from collections.abc import Mapping

from mcp.engine.pods import sources
from mcp.engine.pods.sources import CacheLookup
from mcp.kinds.core import CONFIGMAP, SECRET
from mcp.objectcache import ObjectCache
from mcp.store import KeyValue

ROOT = "/mcp/registry/"


def stored(key: str, obj: Mapping[str, object], revision: int) -> KeyValue:
    return KeyValue(ROOT + key, json.dumps(obj).encode(), revision, revision)


def test_cache_lookup_reads_the_watch_cache() -> None:
    objects = ObjectCache(ROOT, [CONFIGMAP, SECRET])
    configmap = {"metadata": {"name": "app", "namespace": "web"}, "data": {"k": "v"}}
    secret = {"metadata": {"name": "db", "namespace": "web"}, "data": {"password": "aHVudGVyMg=="}}
    objects.replace_all(
        [stored("configmaps/web/app", configmap, 5), stored("secrets/web/db", secret, 6)], 6
    )
    lookup = CacheLookup(objects)
    found = lookup.configmap("web", "app")
    assert found is not None
    assert sources.configmap_text(found) == {"k": "v"}
    found = lookup.secret("web", "db")
    assert found is not None
    assert sources.secret_bytes(found) == {"password": b"hunter2"}
    assert lookup.configmap("other", "app") is None
    assert lookup.secret("web", "app") is None


def test_configmap_files_take_data_and_binary_data() -> None:
    found = {"data": {"a.txt": "é"}, "binaryData": {"b.bin": "AAH/"}}
    assert sources.configmap_files(found) == {"a.txt": "é".encode(), "b.bin": b"\x00\x01\xff"}


def test_not_found_in_apimachinery_words() -> None:
    assert sources.not_found(sources.SECRET_RESOURCE, "db") == 'secret "db" not found'
