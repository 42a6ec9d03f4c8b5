"""A Deployment's pod template: its pod-template-hash, and equality that ignores it.

`compute_hash` stands for upstream's `controller.ComputeHash` and differs from it: upstream
hashes a Go `spew` dump of the PodTemplateSpec with FNV-1a, which Python cannot reproduce.
Here FNV-1a (32 bits) hashes the template's canonical JSON (sorted keys, empty values
dropped), then the collisionCount as upstream adds it, and the decimal digest is spelled
with upstream's `rand.SafeEncodeString` alphabet, so names look alike (`web-7d4b9c8f5`)
but are not those a real cluster gives the same template. `equal_ignore_hash` ports
deployment_util.go's EqualIgnoreHash. Pure.
"""

from __future__ import annotations

import json
import struct
from typing import Any

from mcp.engine.pods.conditions import dict_of

POD_TEMPLATE_HASH = "pod-template-hash"  # apps.DefaultDeploymentUniqueLabelKey
_SAFE_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"  # rand.alphanums
_FNV_OFFSET, _FNV_PRIME = 2166136261, 16777619


def _normalized(value: Any) -> Any:
    """JSON with empty maps and lists and nulls dropped: Semantic.DeepEqual equates a
    nil map or slice with an empty one, and JSON leaves a nil pointer out."""
    if isinstance(value, dict):
        items = ((k, _normalized(v)) for k, v in value.items())
        return {k: v for k, v in items if v is not None and v != {} and v != []}
    if isinstance(value, list):
        return [_normalized(v) for v in value]
    return value


def _without_hash(template: Any) -> Any:
    normalized = _normalized(dict_of(template))
    labels = dict_of(dict_of(normalized.get("metadata")).get("labels"))
    labels.pop(POD_TEMPLATE_HASH, None)
    return _normalized(normalized)


def equal_ignore_hash(template1: Any, template2: Any) -> bool:
    """EqualIgnoreHash: the templates are equal but for their pod-template-hash label.

    Upstream compares with Semantic.DeepEqual, which also takes quantities as equal by
    value ("1000m" and "1"); this compares their stored spellings.
    """
    return bool(_without_hash(template1) == _without_hash(template2))


def _fnv32a(data: bytes, state: int = _FNV_OFFSET) -> int:
    for byte in data:
        state = ((state ^ byte) * _FNV_PRIME) & 0xFFFFFFFF
    return state


def safe_encode(text: str) -> str:
    """rand.SafeEncodeString: each character as one of the alphabet without vowels."""
    return "".join(_SAFE_ALPHABET[ord(ch) % len(_SAFE_ALPHABET)] for ch in text)


def compute_hash(template: Any, collision_count: int | None) -> str:
    """ComputeHash: the pod-template-hash of a template (see the module docstring for how
    it differs from upstream's), changed by a collisionCount as upstream's is."""
    canonical = json.dumps(_normalized(dict_of(template)), sort_keys=True, separators=(",", ":"))
    digest = _fnv32a(canonical.encode())
    if collision_count is not None:
        # binary.LittleEndian.PutUint32 into an 8-byte buffer, all 8 written.
        digest = _fnv32a(struct.pack("<I", collision_count & 0xFFFFFFFF) + bytes(4), digest)
    return safe_encode(str(digest))
