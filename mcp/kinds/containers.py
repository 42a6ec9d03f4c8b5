"""mcp's own kind, `Container` (`mcp/v1`), as the Kubernetes API's discovery shows it.

Its objects are served by mcp's own API (`/api/v1/containers`, `mcp.api.v1`), whose
storage keeps a container's status under its own key; kubectl reaches the same objects
under mcp's group, `/apis/mcp/v1/containers` (`mcp.apiserver.routes`), so that
`kubectl get containers` works. It is not a core/v1 kind: `/api/v1` does not list it.
"""

from __future__ import annotations

from mcp.kinds import ALL_VERBS, Kind

CONTAINER = Kind(
    group="mcp",
    version="v1",
    resource="containers",
    kind="Container",
    namespaced=False,
    categories=("all",),
    verbs=tuple(verb for verb in ALL_VERBS if verb != "deletecollection"),
)
