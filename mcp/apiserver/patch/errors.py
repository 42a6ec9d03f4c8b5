"""The two ways a patch fails, so the API can answer as kube-apiserver does.

kube-apiserver (`staging/src/k8s.io/apiserver/pkg/endpoints/handlers/patch.go`) answers 400
when the patch document cannot be read as its type (`jsonpatch.DecodePatch` fails, a merge
patch is not an object, a `$setElementOrder` or `$retainKeys` value is not a list) and 422
when a readable patch cannot be applied to this object (a JSON patch `test` fails, a path is
missing, a strategic list lacks its merge key). Upstream lets a few of the latter through as
500s; here every failure is one of these two, and a 500 stays a bug.
"""

from __future__ import annotations


class PatchError(ValueError):
    """The patch is well formed but cannot be applied to this document: answer 422."""


class MalformedPatch(PatchError):
    """The patch document itself is not a patch of its type: answer 400."""
