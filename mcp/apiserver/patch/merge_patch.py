"""JSON merge patch (RFC 7396): `apply(target, patch)` and `create(original, modified)`.

Owns `application/merge-patch+json`: objects merge key by key, `null` removes a key, every
other value (lists included) replaces what was there. `create` is the two-way diff that
`apply` inverts, as `CreateMergePatch` in evanphx/json-patch v4 (`merge.go`, used by
apimachinery's `pkg/util/jsonmergepatch`) computes it: changed and added keys with their new
value, removed keys as null, nested objects diffed, lists compared whole. Neither function
mutates its arguments.

kube-apiserver runs `jsonpatch.MergePatch` from evanphx v4 and answers 400 when the patch is
not a JSON object (v4 refuses a `null` or scalar patch); `apply` here follows the RFC for any
value and leaves that check to the API. One v4 difference not ported: v4 also drops nulls
inside objects inside a patch's lists, where the RFC keeps the list as given; decoded into a
typed object the two agree. `create` is exact only without nulls in `modified`: a null there
reads as "remove" when applied (RFC 7396 section 1), so `apply(a, create(a, b)) == b` holds
for null-free `b`.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping

from mcp.apiserver.patch.json_patch import json_equal


def apply(target: object, patch: object) -> object:
    """RFC 7396 MergePatch(target, patch), as a new value.

    Args:
        target: the decoded document, left untouched.
        patch: the decoded merge patch.

    Returns:
        The merged document, sharing nothing with `target` or `patch`.
    """
    if not isinstance(patch, Mapping):
        return copy.deepcopy(patch)
    result: dict[str, object] = dict(target) if isinstance(target, Mapping) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = apply(result.get(key), value)
    # Keys the patch did not name are shared with `target` until copied here.
    return {k: v if k in patch else copy.deepcopy(v) for k, v in result.items()}


def create(original: Mapping[str, object], modified: Mapping[str, object]) -> dict[str, object]:
    """The merge patch that turns `original` into `modified` (evanphx v4 `getDiff`).

    Args:
        original: the document before.
        modified: the document after.

    Returns:
        A merge patch: `{}` when the two are equal.
    """
    patch: dict[str, object] = {}
    for key, after in modified.items():
        if key not in original:
            patch[key] = copy.deepcopy(after)
            continue
        before = original[key]
        if isinstance(before, Mapping) and isinstance(after, Mapping):
            nested = create(before, after)
            if nested:
                patch[key] = nested
        elif not json_equal(before, after):
            patch[key] = copy.deepcopy(after)
    for key in original:
        if key not in modified:
            patch[key] = None
    return patch
