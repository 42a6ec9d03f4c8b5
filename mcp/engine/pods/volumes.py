"""The files of a Pod's configMap, secret, downwardAPI and projected volumes. Pure.

`volume_files` says what the kubelet's volume plugins would write into such a volume:
`{relative path: FileProjection(bytes, mode)}`, which `atomic_writer.write` puts on disk.
Without `items` every key of the ConfigMap (`data`, then `binaryData`) or Secret is a
file named after it; with `items` only those keys, at their `path`, with their `mode`
(else the volume's `defaultMode`). A key or object that is missing is an error unless
the source is `optional`; the kubelet records it as a `FailedMount` event
(`mount_failed_message`) and keeps the container waiting until the next pass finds it.
A projected volume merges its sources in order, a later file replacing an earlier one
of the same path, and reports every source's error at once (apimachinery's aggregate).

Ported from upstream's volume plugins: `pkg/volume/configmap/configmap.go` and
`pkg/volume/secret/secret.go` (SetUpAt's lookups, MakePayload),
`pkg/volume/downwardapi/downwardapi.go` (CollectData) and
`pkg/volume/projected/projected.go` (collectData), with their messages; a plain volume
is collected as a projection of its one source, which gives the same files and the same
message. Differences: a `defaultMode` the API would have defaulted (0644) is defaulted
here when absent; serviceAccountToken, clusterTrustBundle and podCertificate sources
are errors, mcp issuing neither tokens nor certificates. No I/O.
"""

from __future__ import annotations

import posixpath
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

from mcp.engine.pods import downward, sources
from mcp.engine.pods.downward import Unresolvable
from mcp.engine.pods.sources import Lookup
from mcp.kinds.apimachinery import go_quote

DEFAULT_MODE = 0o644  # ConfigMap-, Secret-, DownwardAPI- and ProjectedVolumeSourceDefaultMode
REASON = "FailedMount"
# Projected sources mcp cannot fill: it runs no TokenRequest API nor certificate signers.
UNSUPPORTED_PROJECTIONS = ("serviceAccountToken", "clusterTrustBundle", "podCertificate")


class FileProjection(NamedTuple):
    """One file of a volume: its content and permission bits."""

    data: bytes
    mode: int


Payload = dict[str, FileProjection]


@dataclass(frozen=True)
class MountError:
    """Why a volume's files cannot be made yet; `message` is the volume plugin's."""

    message: str
    reason: str = REASON


def mount_failed_message(volume: str, message: str) -> str:
    """The kubelet's FailedMount event message (operationexecutor's GenerateError)."""
    return f"MountVolume.SetUp failed for volume {go_quote(volume)} : {message}"


def clean_path(path: str) -> str:
    """Go's `filepath.Clean` (POSIX): `a//b/./c` is `a/b/c`, `""` is `.`."""
    cleaned = posixpath.normpath(path)
    return cleaned[1:] if cleaned.startswith("//") else cleaned  # Go keeps one leading /


def _mode(value: Any, default: int) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def _optional(source: Mapping[str, Any]) -> bool:
    return source.get("optional") is True


def make_payload(
    items: Any, data: Mapping[str, bytes], default_mode: int, *, optional: bool, missing: str
) -> Payload:
    """MakePayload: every key as a file of its name, or only `items`'. `missing` is the
    message for an item's key that is not there, `{key}` filled in.

    Raises:
        Unresolvable: an item's key is missing and the source is not optional.
    """
    if not items:
        return {key: FileProjection(value, default_mode) for key, value in data.items()}
    payload: Payload = {}
    for item in items:
        key = str(item.get("key") or "")
        if key not in data:
            if optional:
                continue
            raise Unresolvable(missing.format(key=key))
        payload[str(item.get("path") or "")] = FileProjection(
            data[key], _mode(item.get("mode"), default_mode)
        )
    return payload


CONFIGMAP_MISSING_KEY = "configmap references non-existent config key: {key}"
SECRET_MISSING_KEY = "references non-existent secret key: {key}"


def _keyed_files(
    source: Mapping[str, Any],
    name: str,
    found: Mapping[str, Any] | None,
    resource: str,
    default_mode: int,
) -> Payload:
    """A configMap or secret source's files (SetUpAt's lookup, then MakePayload)."""
    optional = _optional(source)
    if found is None and not optional:
        raise Unresolvable(sources.not_found(resource, name))
    if resource == sources.CONFIGMAP_RESOURCE:
        data, missing = sources.configmap_files(found or {}), CONFIGMAP_MISSING_KEY
    else:
        data, missing = sources.secret_bytes(found or {}), SECRET_MISSING_KEY
    items = source.get("items")
    return make_payload(items, data, default_mode, optional=optional, missing=missing)


def downward_payload(
    items: Any, pod: Mapping[str, Any], allocatable: Mapping[str, Any], default_mode: int
) -> Payload:
    """CollectData: a file per item (its path cleaned), a `fieldRef`'s metadata field or a
    `resourceFieldRef`'s amount (unset limits being the node's allocatable).

    Raises:
        Unresolvable: every item that cannot be read, aggregated.
    """
    payload: Payload = {}
    errors: list[str] = []
    for item in items or []:
        content = b""
        try:
            if (field := item.get("fieldRef")) is not None:
                content = downward.metadata_field(pod, str(field.get("fieldPath") or "")).encode()
            elif (resource := item.get("resourceFieldRef")) is not None:
                content = downward.resource_value(resource, pod, None, allocatable).encode()
        except Unresolvable as error:
            errors.append(str(error))
        path = clean_path(str(item.get("path") or ""))
        payload[path] = FileProjection(content, _mode(item.get("mode"), default_mode))
    if errors:
        raise Unresolvable(downward.aggregate(errors))
    return payload


def _collect(
    projections: Any,
    default_mode: int,
    pod: Mapping[str, Any],
    lookup: Lookup,
    allocatable: Mapping[str, Any],
) -> Payload:
    """Projected's collectData: each source's files in order, a later one replacing an
    earlier one of the same path; every source's error, aggregated. A plain configMap,
    secret or downwardAPI volume is one such source, its error then the plugin's own."""
    namespace = str((pod.get("metadata") or {}).get("namespace") or "")
    payload: Payload = {}
    errors: list[str] = []
    for source in projections or []:
        try:
            if (keyed := source.get("configMap")) is not None:
                name = str(keyed.get("name") or "")
                found = lookup.configmap(namespace, name)
                resource = sources.CONFIGMAP_RESOURCE
            elif (keyed := source.get("secret")) is not None:
                name = str(keyed.get("name") or "")
                found = lookup.secret(namespace, name)
                resource = sources.SECRET_RESOURCE
            elif (files := source.get("downwardAPI")) is not None:
                payload.update(downward_payload(files.get("items"), pod, allocatable, default_mode))
                continue
            else:
                kinds = [kind for kind in UNSUPPORTED_PROJECTIONS if source.get(kind) is not None]
                errors += [f"mcp does not support {kind} projections" for kind in kinds]
                continue
            payload.update(_keyed_files(keyed, name, found, resource, default_mode))
        except Unresolvable as error:
            errors.append(str(error))
    if errors:
        raise Unresolvable(downward.aggregate(errors))
    return payload


def volume_files(
    pod: Mapping[str, Any],
    volume: Mapping[str, Any],
    lookup: Lookup,
    *,
    allocatable: Mapping[str, Any] | None = None,
) -> Payload | MountError | None:
    """The files of one of the Pod's volumes.

    Args:
        pod: the Pod, as stored.
        volume: one entry of its `spec.volumes`.
        lookup: the ConfigMaps and Secrets of the Pod's namespace.
        allocatable: the node's allocatable resources, for `resourceFieldRef` items
            whose container sets no limit.

    Returns:
        The files by relative path (not yet cleaned nor checked: `atomic_writer` does);
        a `MountError` with the plugin's message; None for a volume of another kind
        (emptyDir, hostPath...), which has no such files.
    """
    if (secret := volume.get("secret")) is not None:
        # A secret volume names its Secret `secretName`; a projected source, `name`.
        projections: Any = [{"secret": {**secret, "name": secret.get("secretName")}}]
        source: Mapping[str, Any] = secret
    elif (projected := volume.get("projected")) is not None:
        projections, source = projected.get("sources"), projected
    else:
        kind = next((kind for kind in ("configMap", "downwardAPI") if kind in volume), None)
        if kind is None or volume[kind] is None:
            return None
        projections, source = [{kind: volume[kind]}], volume[kind]
    default_mode = _mode(source.get("defaultMode"), DEFAULT_MODE)
    try:
        return _collect(projections, default_mode, pod, lookup, allocatable or {})
    except Unresolvable as error:
        return MountError(str(error))
