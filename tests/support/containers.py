"""Docker-side checks and cleanup for containers that mcp manages.

mcp labels every container it creates with `mcp.uid`, `mcp.name` and `mcp.cluster`; tests look
containers up by those labels (never by listing everything) and clean up by cluster id, so a
test only ever touches what its own mcp made.
"""

from __future__ import annotations

from collections.abc import Iterable

import docker
import docker.errors
from docker.models.containers import Container

LABEL_UID = "mcp.uid"
LABEL_NAME = "mcp.name"
LABEL_CLUSTER = "mcp.cluster"


def labelled(client: docker.DockerClient, **labels: str) -> list[Container]:
    """All containers (running or not) carrying every `label=value` given.

    Keyword names use `_` for `.`: `labelled(client, mcp_uid=uid)`.
    """
    filters = [f"{key.replace('_', '.')}={value}" for key, value in labels.items()]
    containers: list[Container] = client.containers.list(all=True, filters={"label": filters})
    return containers


def get_or_none(client: docker.DockerClient, container_id: str) -> Container | None:
    """The container with this id or name, or None if Docker has none."""
    try:
        container: Container = client.containers.get(container_id)
    except docker.errors.NotFound:
        return None
    return container


def docker_status(client: docker.DockerClient, container_id: str) -> str | None:
    """Docker's status word ("created", "running", "exited", ...), or None if gone."""
    container = get_or_none(client, container_id)
    if container is None:
        return None
    status: str = container.attrs["State"]["Status"]
    return status


def remove_clusters(client: docker.DockerClient, cluster_ids: Iterable[str]) -> list[str]:
    """Force-remove every container labelled with one of `cluster_ids`; return their names."""
    removed: list[str] = []
    for cluster_id in sorted(set(cluster_ids)):
        for container in labelled(client, mcp_cluster=cluster_id):
            try:
                container.remove(force=True)
            except docker.errors.NotFound:
                continue  # mcp or Docker removed it meanwhile
            removed.append(container.name or container.id or "?")
    return removed
