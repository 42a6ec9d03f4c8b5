"""The structured-merge shapes of the kinds the generic path serves: `shape_for(api_version,
kind)`.

Owns, as data, what kube-apiserver's OpenAPI (through kube-openapi's `schemaconv`) tells
structured-merge-diff about these types: struct fields, maps of strings, and per list its
`x-kubernetes-list-type` (`+listType` in k8s.io/api), or when untagged what `schemaconv`
derives from the strategic-merge tags (`patchStrategy=merge` with a `patchMergeKey`: a map
keyed by it; without a key: a set; otherwise atomic); per struct `+structType=atomic`.
Copied from k8s.io/apimachinery `pkg/apis/meta/v1/types.go` (ObjectMeta: `ownerReferences`
a map by `uid` of atomic OwnerReferences, `finalizers` a set, `managedFields` atomic) and
k8s.io/api `core/v1/types.go` (ConfigMap, Secret, ServiceAccount: `secrets` merged by
`name`, its ObjectReferences atomic; `imagePullSecrets` atomic).

A kind without an entry gets `OBJECT`: metadata as above, every other field deduced from its
value (maps merge key by key, lists are atomic), as SMD treats a schemaless custom resource.
"""

from __future__ import annotations

from collections.abc import Mapping

from mcp.apiserver.patch.typed import DEDUCED, SCALAR, Shape


def _struct(*scalars: str, atomic: bool = False, **fields: Shape) -> Shape:
    return Shape(
        "map", fields={**dict.fromkeys(scalars, SCALAR), **fields}, atomic=atomic, closed=True
    )


def _list_map(*keys: str, of: Shape) -> Shape:
    return Shape("list", elements=of, list_type="map", keys=keys)


STRINGS = Shape("map", elements=SCALAR)
SET = Shape("list", elements=SCALAR, list_type="set")
ATOMIC_LIST = Shape("list", elements=DEDUCED, list_type="atomic")

OWNER_REFERENCE = _struct(
    "apiVersion", "kind", "name", "uid", "controller", "blockOwnerDeletion", atomic=True
)
OBJECT_META = _struct(
    "name",
    "generateName",
    "namespace",
    "selfLink",
    "uid",
    "resourceVersion",
    "generation",
    "creationTimestamp",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
    labels=STRINGS,
    annotations=STRINGS,
    ownerReferences=_list_map("uid", of=OWNER_REFERENCE),
    finalizers=SET,
    managedFields=ATOMIC_LIST,
)
OBJECT_REFERENCE = _struct(
    "kind", "namespace", "name", "uid", "apiVersion", "resourceVersion", "fieldPath", atomic=True
)
LOCAL_OBJECT_REFERENCE = _struct("name", atomic=True)


def _kind(*scalars: str, **fields: Shape) -> Shape:
    named = {**dict.fromkeys(("apiVersion", "kind", *scalars), SCALAR), **fields}
    return Shape("map", fields={**named, "metadata": OBJECT_META}, closed=True)


OBJECT = Shape(
    "map", fields={"apiVersion": SCALAR, "kind": SCALAR, "metadata": OBJECT_META}, elements=DEDUCED
)

_KINDS: Mapping[tuple[str, str], Shape] = {
    ("v1", "ConfigMap"): _kind("immutable", data=STRINGS, binaryData=STRINGS),
    ("v1", "Secret"): _kind("immutable", "type", data=STRINGS, stringData=STRINGS),
    ("v1", "ServiceAccount"): _kind(
        "automountServiceAccountToken",
        secrets=_list_map("name", of=OBJECT_REFERENCE),
        imagePullSecrets=Shape("list", elements=LOCAL_OBJECT_REFERENCE, list_type="atomic"),
    ),
}


def shape_for(api_version: str, kind: str) -> Shape:
    """The shape of a served kind's objects; `OBJECT` for a kind without one."""
    return _KINDS.get((api_version, kind), OBJECT)
