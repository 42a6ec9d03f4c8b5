"""mcp's own kind, `Container` (`mcp/v1`), as the Kubernetes API's discovery shows it.

Its objects are served by mcp's own API (`/api/v1/containers`, `mcp.api.v1`), whose
storage keeps a container's status under its own key; kubectl reaches the same objects
under mcp's group, `/apis/mcp/v1/containers` (`mcp.apiserver.routes`), so that
`kubectl get containers` works. It is not a core/v1 kind: `/api/v1` does not list it.
There its metadata is validated in apimachinery's words (`metadata_problems`), as a
cluster words a custom resource's; mcp's own path words the same rules its own way.
"""

from __future__ import annotations

from typing import Any

from mcp.kinds import ALL_VERBS, Kind, apimachinery

CONTAINER = Kind(
    group="mcp",
    version="v1",
    resource="containers",
    kind="Container",
    namespaced=False,
    categories=("all",),
    verbs=tuple(verb for verb in ALL_VERBS if verb != "deletecollection"),
)


def metadata_problems(body: Any) -> apimachinery.Problems:
    """Why a Container body's metadata may not be, as apimachinery's ValidateObjectMeta
    says it: a name that is a DNS-1123 label (it names a Docker container too), label
    and annotation keys and values. Nothing for a body or metadata that is not an object
    (mcp's validation refuses those)."""
    metadata = body.get("metadata") if isinstance(body, dict) else None
    if not isinstance(metadata, dict):
        return []
    return apimachinery.object_meta_problems(
        {key: metadata.get(key) for key in ("name", "labels", "annotations")},
        namespaced=False,
        name_rule=apimachinery.name_is_dns_label,
    )
