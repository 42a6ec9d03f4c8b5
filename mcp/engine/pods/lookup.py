"""Which Docker containers are a Pod's: one list of this cluster's containers, sorted by
the Pod's container names and attempts (from their kubelet-style Docker names). What
`logs`, `exec` and `attach` resolve a Pod's container with, and what a Pod pass reads."""

from __future__ import annotations

from collections.abc import Mapping

from mcp.model import Observed
from mcp.runtime import Runtime
from mcp.sandbox import INFRA_CONTAINER, PodRef, parse_name


def by_container(pod: PodRef, listed: list[Observed]) -> Mapping[str, tuple[Observed, ...]]:
    """`listed`'s containers of `pod` (that very incarnation), by the Pod's container
    name (`INFRA_CONTAINER` for its infra containers), newest attempt first."""
    found: dict[str, list[tuple[int, Observed]]] = {}
    for container in listed:
        parsed = parse_name(container.name)
        if parsed is not None and parsed.pod == pod:
            found.setdefault(parsed.container, []).append((parsed.attempt, container))
    return {
        name: tuple(observed for _, observed in sorted(attempts, key=lambda a: -a[0]))
        for name, attempts in found.items()
    }


async def pod_containers(
    runtime: Runtime, cluster_id: str, pod: PodRef
) -> Mapping[str, tuple[Observed, ...]]:
    """The Pod's Docker containers (see `by_container`), from one Docker list.

    Raises:
        RuntimeUnavailable: Docker did not answer.
    """
    return by_container(pod, await runtime.list_managed(cluster_id))


def current(
    containers: Mapping[str, tuple[Observed, ...]], name: str, *, previous: bool = False
) -> Observed | None:
    """The newest attempt of the Pod's container `name` (with `previous`, the one before
    it, as `kubectl logs --previous` asks for), or None."""
    attempts = containers.get(name, ())
    index = 1 if previous else 0
    return attempts[index] if len(attempts) > index else None


__all__ = ["INFRA_CONTAINER", "by_container", "current", "pod_containers"]
