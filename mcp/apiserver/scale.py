"""The `scale` subresource of the kinds with replicas (Deployments, ReplicaSets): read,
replace and patch an autoscaling/v1 `Scale`, as kube-apiserver's ScaleREST serves it
(pkg/registry/apps/deployment/storage, `kubectl scale`'s target).

A read shows the object as its Scale (`kinds.scale.scale_of`). A write makes the new Scale
from the old one (the PUT's body, or the patch applied to the old Scale), decodes and
validates it as a Scale (`Scale.autoscaling "web" is invalid: ...`), checks its uid
precondition, moves its replicas onto the object and writes the object as any update
of it is written (`storage.read_modify_write`: its own validation, a generation bumped,
the stored status kept, a stale resourceVersion a 409). A server-side apply to `scale`
is not served yet (415).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from mcp.apiserver import objects, storage
from mcp.apiserver.status import KubeError
from mcp.kinds import Kind, scale, templates
from mcp.registry import Keys
from mcp.store import Store

SCALES = storage.Strategy(scale.SCALE, scale.FIELDS, scale.validate, go_type=scale.GO_TYPE)


def resource(kind: Kind) -> str:
    """The subresource as upstream's errors name it: `deployments/scale`."""
    return f"{kind.resource}/{scale.SUBRESOURCE}"


def read(obj: dict[str, Any]) -> dict[str, Any]:
    """The Scale of a stored object.

    Raises:
        KubeError: 400 for a selector that does not convert, as upstream.
    """
    try:
        return scale.scale_of(obj)
    except templates.BadSelector as exc:
        raise KubeError(400, str(exc)) from None


def _uid_precondition(kind: Kind, name: str, asked: Any, current: Any) -> None:
    """A Scale naming a uid names the object's, else 409."""
    if asked and asked != current:
        qualified = f"{resource(kind)}.{kind.group}" if kind.group else resource(kind)
        raise KubeError(
            409,
            f'Operation cannot be fulfilled on {qualified} "{name}": Precondition failed: UID '
            f"in precondition: {asked}, UID in object meta: {current}",
            details={"name": name, "group": kind.group, "kind": resource(kind)},
            reason="Conflict",
        )


async def write(
    store: Store,
    keys: Keys,
    strategy: storage.Strategy,
    namespace: str,
    name: str,
    produce: Callable[[dict[str, Any]], Any],
    *,
    field_validation: str,
    dry_run: bool,
    manager: str = "",
    cached: storage.Lookup | None = None,
    duplicates: Sequence[str] = (),
) -> tuple[dict[str, Any], list[str]]:
    """A PUT or PATCH of `scale`: `produce(old Scale)` is the new Scale's body. Returns the
    Scale of the object written, and the warnings of the Scale's decoding.

    Raises:
        KubeError: 400 or 422 for a bad Scale (or object), 404 for no such object, 409
            for a stale resourceVersion or another uid.
    """
    kind = strategy.kind

    def change(current: dict[str, Any]) -> tuple[Any, dict[str, Any], list[str]]:
        body = produce(read(current))
        asked, warnings = storage.prepare(
            SCALES,
            body,
            namespace,
            field_validation=field_validation,
            name=name,
            duplicates=duplicates,
        )
        metadata = asked["metadata"]
        _uid_precondition(kind, name, metadata.get("uid"), current["metadata"].get("uid"))
        scaled = scale.scaled(current, asked)
        new, _ = storage.prepare(strategy, scaled, namespace, field_validation="Ignore", name=name)
        return metadata.get("resourceVersion"), new, warnings

    written, warnings = await storage.read_modify_write(
        store,
        strategy,
        objects.key(keys, kind, name, namespace),
        change,
        cached=None if dry_run else cached,  # a dry run's answer no transaction checks
        subresource=None,  # the object's spec changes, as a write of the resource
        manager=manager,
        dry_run=dry_run,
        lease=0,
        missing=resource(kind),
    )
    return read(written), warnings
