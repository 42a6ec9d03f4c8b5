"""The core (`/api/v1`) kinds mcp serves so far, and the objects that exist from the start.

Namespaces: `default`, `kube-system` and `kube-public` exist from the first start, as on
every cluster, each with the `kubernetes.io/metadata.name` label the API server sets.
"""

from __future__ import annotations

from mcp.kinds import Kind

# Served read-only for now: the write path comes with the generic storage.
READ_VERBS = ("get", "list")

NAMESPACE = Kind(
    group="",
    version="v1",
    resource="namespaces",
    kind="Namespace",
    namespaced=False,
    short_names=("ns",),
    verbs=READ_VERBS,
)

DEFAULT_NAMESPACES = ("default", "kube-system", "kube-public")
NAME_LABEL = "kubernetes.io/metadata.name"

KINDS = (NAMESPACE,)
