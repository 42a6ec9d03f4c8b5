"""A Pod's volumes and its containers' mounts, validated in upstream's words.

A port of pkg/apis/core/validation: ValidateVolumes and validateVolumeSource (one source
per volume, checked in upstream's order and with its paths, the `downwarAPI` of its
"more than 1 volume type" included), the sources mcp serves (emptyDir, secret,
configMap, downwardAPI, projected from those three), ValidateVolumeMounts and
ValidateVolumeDevices (with upstream's paths: a mount's `subPath` problem is at
`volumeMounts.subPath`, without the index), and the path rules (validateLocalDescendingPath,
ValidateLocalNonReservedPath, validatePathNoBacksteps).

What mcp does not serve is refused at the source's path, saying why: hostPath (the
host's files, with no admission policy to guard them), persistentVolumeClaim and
ephemeral (no PersistentVolumeClaims), image volumes, network and cloud storage,
service account tokens and cluster trust bundles (no authentication). Pure.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mcp.kinds import apimachinery, quantity
from mcp.kinds.apimachinery import Problems, forbidden, invalid, not_found, required

NO_ADMISSION = "mcp has no authentication or admission policy yet"
FILE_MODE_ERROR = "must be a number between 0 and 0777 (octal), both inclusive"
MORE_THAN_ONE = "may not specify more than 1 volume type"
VOLUME_FIELD_PATHS = frozenset(
    {
        "metadata.name",
        "metadata.namespace",
        "metadata.labels",
        "metadata.annotations",
        "metadata.uid",
    }
)
RESOURCE_FIELD_PATHS = (
    "limits.cpu",
    "limits.ephemeral-storage",
    "limits.memory",
    "requests.cpu",
    "requests.ephemeral-storage",
    "requests.memory",
)
HUGEPAGES_FIELD_PREFIXES = ("limits.hugepages-", "requests.hugepages-")
CPU_DIVISORS = ("1m", "1")
MEMORY_DIVISORS = frozenset(
    {"1", "1k", "1M", "1G", "1T", "1P", "1E", "1Ki", "1Mi", "1Gi", "1Ti", "1Pi", "1Ei"}
)
DIVISORS_SAID = "1, 1k, 1M, 1G, 1T, 1P, 1E, 1Ki, 1Mi, 1Gi, 1Ti, 1Pi, 1Ei"

# validateVolumeSource's order, and the name each source's "more than 1" error is at.
SOURCES: tuple[tuple[str, str], ...] = (
    ("emptyDir", "emptyDir"),
    ("hostPath", "hostPath"),
    ("gitRepo", "gitRepo"),
    ("gcePersistentDisk", "gcePersistentDisk"),
    ("awsElasticBlockStore", "awsElasticBlockStore"),
    ("secret", "secret"),
    ("nfs", "nfs"),
    ("iscsi", "iscsi"),
    ("glusterfs", "glusterfs"),
    ("flocker", "flocker"),
    ("persistentVolumeClaim", "persistentVolumeClaim"),
    ("rbd", "rbd"),
    ("cinder", "cinder"),
    ("cephfs", "cephFS"),
    ("quobyte", "quobyte"),
    ("downwardAPI", "downwarAPI"),  # sic, upstream's
    ("fc", "fc"),
    ("flexVolume", "flexVolume"),
    ("configMap", "configMap"),
    ("azureFile", "azureFile"),
    ("vsphereVolume", "vsphereVolume"),
    ("photonPersistentDisk", "photonPersistentDisk"),
    ("portworxVolume", "portworxVolume"),
    ("azureDisk", "azureDisk"),
    ("storageos", "storageos"),
    ("projected", "projected"),
    ("scaleIO", "scaleIO"),
    ("csi", "csi"),
    ("ephemeral", "ephemeral"),
    ("image", "image"),
)
CLAIM_BACKED = ("persistentVolumeClaim", "ephemeral")
# Why mcp refuses a source it does not serve, after "<source> volumes are not ...".
REFUSED = {
    "hostPath": (
        "allowed",
        f"{NO_ADMISSION}, and a hostPath volume reads and writes the host's files",
    ),
    "persistentVolumeClaim": ("served yet", "mcp serves no PersistentVolumeClaims"),
    "ephemeral": (
        "served yet",
        "they are PersistentVolumeClaims, which mcp does not serve",
    ),
    "image": ("served yet", "mcp mounts no image as a volume"),
}
NETWORK_STORAGE = "mcp runs pods on one Docker host and mounts no network or cloud storage"


def _refusal(path: str, source: str) -> Problems:
    served, why = REFUSED.get(source, ("supported", NETWORK_STORAGE))
    return [forbidden(path, f"{source} volumes are not {served}: {why}")]


def validate_volumes(volumes: list[Any], spec_path: str) -> tuple[dict[str, Any], Problems]:
    """ValidateVolumes: the volumes by name (those without problems, as upstream keeps
    them for the mounts), and the problems."""
    problems: Problems = []
    named: dict[str, Any] = {}
    for index, volume in enumerate(volumes):
        path = f"{spec_path}.volumes[{index}]"
        found = _volume_source(volume, path)
        name = volume.get("name", "")
        if not name:
            found.append(required(f"{path}.name"))
        else:
            found += [invalid(f"{path}.name", name, m) for m in apimachinery.is_dns1123_label(name)]
        if name in named:
            found.append(apimachinery.duplicate(f"{path}.name", name))
        if found:
            problems += found
        else:
            named[name] = volume
    return named, problems


def _volume_source(volume: dict[str, Any], path: str) -> Problems:
    problems: Problems = []
    count = 0
    for source, said in SOURCES:
        value = volume.get(source)
        if value is None:
            continue
        if count:
            problems.append(forbidden(f"{path}.{said}", MORE_THAN_ONE))
            continue
        count += 1
        problems += _one_source(source, value, f"{path}.{source}")
    if not count:
        problems.append(required(path, "must specify a volume type"))
    return problems


def _one_source(source: str, value: dict[str, Any], path: str) -> Problems:
    if source == "emptyDir":
        limit = value.get("sizeLimit")
        if limit is not None and quantity.from_json(limit).value < 0:
            return [
                forbidden(f"{path}.sizeLimit", "SizeLimit field must be a valid resource quantity")
            ]
        return []
    if source == "secret":
        problems = [] if value.get("secretName") else [required(f"{path}.secretName")]
        return problems + _mode(value, f"{path}.defaultMode") + _items(value, path)
    if source == "configMap":
        problems = [] if value.get("name") else [required(f"{path}.name")]
        return problems + _mode(value, f"{path}.defaultMode") + _items(value, path)
    if source == "downwardAPI":
        problems = _mode(value, f"{path}.defaultMode")
        for item in value.get("items") or []:
            problems += _downward_api_file(item, path)  # upstream's path: not the item's
        return problems
    if source == "projected":
        return _mode(value, f"{path}.defaultMode") + _projections(value, path)
    return _refusal(path, source)


def _mode(source: dict[str, Any], path: str, field: str = "defaultMode") -> Problems:
    mode = source.get(field)
    if mode is not None and not 0 <= mode <= 0o777:
        return [invalid(path, mode, FILE_MODE_ERROR)]
    return []


def _items(source: dict[str, Any], path: str) -> Problems:
    problems: Problems = []
    for index, item in enumerate(source.get("items") or []):
        problems += key_to_path(item, f"{path}.items[{index}]")
    return problems


def key_to_path(item: dict[str, Any], path: str) -> Problems:
    """validateKeyToPath: a key, and a relative file path for it."""
    problems: Problems = []
    if not item.get("key"):
        problems.append(required(f"{path}.key"))
    if not item.get("path"):
        problems.append(required(f"{path}.path"))
    problems += local_non_reserved_path(item.get("path", ""), f"{path}.path")
    return problems + _mode(item, f"{path}.mode", "mode")


def _projections(projected: dict[str, Any], path: str) -> Problems:
    """validateProjectionSources: one source each, no file path twice."""
    problems: Problems = []
    seen: set[str] = set()

    def once(file_path: str, shown: Any) -> None:
        if file_path in seen:
            problems.append(invalid(path, shown, "conflicting duplicate paths"))
        seen.add(file_path)

    for index, source in enumerate(projected.get("sources") or []):
        source_path = f"{path}.sources[{index}]"
        count = 0
        for kind in ("secret", "configMap"):
            projection = source.get(kind)
            if projection is None:
                continue
            count += 1
            if not projection.get("name"):
                problems.append(required(f"{source_path}.{kind}.name"))
            for item_index, item in enumerate(projection.get("items") or []):
                problems += key_to_path(item, f"{source_path}.{kind}.items[{item_index}]")
                if item.get("path"):
                    once(item["path"], projection.get("name", ""))
        downward = source.get("downwardAPI")
        if downward is not None:
            count += 1
            for item in downward.get("items") or []:
                problems += _downward_api_file(item, f"{source_path}.downwardAPI")
                if item.get("path"):
                    once(item["path"], item["path"])
        for kind, why in (
            ("serviceAccountToken", "service account tokens are not served yet"),
            ("clusterTrustBundle", "cluster trust bundles are not served yet"),
            ("podCertificate", "pod certificates are not served yet"),
        ):
            if source.get(kind) is not None:
                count += 1
                problems.append(
                    forbidden(f"{source_path}.{kind}", f"{why}: mcp has no authentication")
                )
        if count > 1:
            problems.append(
                forbidden(source_path, "may not specify more than 1 volume type per source")
            )
    return problems


def _downward_api_file(item: dict[str, Any], path: str) -> Problems:
    """validateDownwardAPIVolumeFile (at the volume's path, as upstream)."""
    problems: Problems = []
    if not item.get("path"):
        problems.append(required(f"{path}.path"))
    problems += local_non_reserved_path(item.get("path", ""), f"{path}.path")
    field_ref, resource_ref = item.get("fieldRef"), item.get("resourceFieldRef")
    if field_ref is not None:
        problems += object_field_selector(field_ref, VOLUME_FIELD_PATHS, f"{path}.fieldRef")
        if resource_ref is not None:
            detail = "fieldRef and resourceFieldRef can not be specified simultaneously"
            problems.append(invalid(path, "resource", detail))
    elif resource_ref is not None:
        problems += resource_field_selector(resource_ref, f"{path}.resourceFieldRef", volume=True)
    else:
        problems.append(required(path, "one of fieldRef and resourceFieldRef is required"))
    return problems + _mode(item, f"{path}.mode", "mode")


def split_subscript(field_path: str) -> tuple[str, str] | None:
    """fieldpath.SplitMaybeSubscriptedPath: `metadata.labels['app']` as its path and key."""
    if not field_path.endswith("']"):
        return None
    head, separator, key = field_path[:-2].partition("['")
    return (head, key) if head and separator else None


# ConvertDownwardAPIFieldLabel's v1 labels.
DOWNWARD_API_LABELS = frozenset(
    {
        "metadata.annotations",
        "metadata.labels",
        "metadata.name",
        "metadata.namespace",
        "metadata.uid",
        "spec.nodeName",
        "spec.restartPolicy",
        "spec.serviceAccountName",
        "spec.schedulerName",
        "status.phase",
        "status.hostIP",
        "status.hostIPs",
        "status.podIP",
        "status.podIPs",
    }
)


def object_field_selector(selector: dict[str, Any], allowed: frozenset[str], path: str) -> Problems:
    """validateObjectFieldSelector: a v1 field the downward API can read."""
    version, field = selector.get("apiVersion", ""), selector.get("fieldPath", "")
    if not version:
        return [required(f"{path}.apiVersion")]
    if not field:
        return [required(f"{path}.fieldPath")]
    try:
        converted = convert_field_label(version, field)
    except FieldLabelError as exc:
        return [invalid(f"{path}.fieldPath", field, f"error converting fieldPath: {exc}")]
    subscripted = split_subscript(converted)
    if subscripted is not None:
        head, key = subscripted
        if head == "metadata.annotations":
            return [
                invalid(path, key.lower(), m) for m in apimachinery.is_qualified_name(key.lower())
            ]
        if head == "metadata.labels":
            return [invalid(path, key, m) for m in apimachinery.is_qualified_name(key)]
        return [invalid(path, head, "does not support subscript")]
    if converted not in allowed:
        return [apimachinery.not_supported(f"{path}.fieldPath", converted, sorted(allowed))]
    return []


class FieldLabelError(ValueError):
    """A `fieldRef` the downward API cannot read, in ConvertDownwardAPIFieldLabel's words."""


def convert_field_label(version: str, label: str) -> str:
    """ConvertDownwardAPIFieldLabel: the field path a `fieldRef` of `version` means (what
    validation checks, and what the engine reads).

    Raises:
        FieldLabelError: an unsupported version or label, or a subscript where none goes.
    """
    if version != "v1":
        raise FieldLabelError(f"unsupported pod version: {version}")
    subscripted = split_subscript(label)
    if subscripted is not None:
        if subscripted[0] in ("metadata.annotations", "metadata.labels"):
            return label
        raise FieldLabelError(f"field label does not support subscript: {label}")
    if label == "spec.host":  # an old client's spec.nodeName
        return "spec.nodeName"
    if label not in DOWNWARD_API_LABELS:
        raise FieldLabelError(f"field label not supported: {label}")
    return label


def resource_field_selector(selector: dict[str, Any], path: str, *, volume: bool) -> Problems:
    """validateContainerResourceFieldSelector and its divisor."""
    problems: Problems = []
    resource = selector.get("resource", "")
    if volume and not selector.get("containerName"):
        problems.append(required(f"{path}.containerName"))
    elif not resource:
        problems.append(required(f"{path}.resource"))
    elif resource not in RESOURCE_FIELD_PATHS and not resource.startswith(HUGEPAGES_FIELD_PREFIXES):
        problems.append(
            apimachinery.not_supported(f"{path}.resource", resource, RESOURCE_FIELD_PATHS)
        )
    divisor = selector.get("divisor")
    if divisor is None or quantity.from_json(divisor).value == 0:
        return problems
    shown = str(quantity.from_json(divisor))
    if resource in ("limits.cpu", "requests.cpu") and shown not in CPU_DIVISORS:
        detail = "only divisor's values 1m and 1 are supported with the cpu resource"
        problems.append(invalid(f"{path}.divisor", resource, detail))
    for names, said in (
        (("limits.memory", "requests.memory"), "memory"),
        (("limits.ephemeral-storage", "requests.ephemeral-storage"), "local ephemeral storage"),
    ):
        if resource in names and shown not in MEMORY_DIVISORS:
            detail = f"only divisor's values {DIVISORS_SAID} are supported with the {said} resource"
            problems.append(invalid(f"{path}.divisor", resource, detail))
    if resource.startswith(HUGEPAGES_FIELD_PREFIXES) and shown not in MEMORY_DIVISORS:
        detail = f"only divisor's values {DIVISORS_SAID} are supported with the hugepages resource"
        problems.append(invalid(f"{path}.divisor", resource, detail))
    return problems


# --- paths ---------------------------------------------------------------------------------


def no_backsteps(target: str, path: str) -> Problems:
    """validatePathNoBacksteps: no `..` element."""
    if ".." in target.replace("\\", "/").split("/"):
        return [invalid(path, target, "must not contain '..'")]
    return []


def local_descending_path(target: str, path: str) -> Problems:
    """validateLocalDescendingPath: relative, without `..`."""
    problems = [invalid(path, target, "must be a relative path")] if target.startswith("/") else []
    return problems + no_backsteps(target, path)


def local_non_reserved_path(target: str, path: str) -> Problems:
    """ValidateLocalNonReservedPath: a local descending path not starting with `..`."""
    problems = local_descending_path(target, path)
    if target.startswith("..") and not target.startswith("../"):
        problems.append(invalid(path, target, "must not start with '..'"))
    return problems


# --- mounts and devices --------------------------------------------------------------------

MOUNT_PROPAGATIONS = ("Bidirectional", "HostToContainer", "None")
RECURSIVE_READ_ONLY = ("Disabled", "Enabled", "IfPossible")


def volume_mounts(container: dict[str, Any], volumes: Mapping[str, Any], path: str) -> Problems:
    """ValidateVolumeMounts for `container`'s mounts at `path` (its volumeMounts)."""
    problems: Problems = []
    devices = {
        d.get("name", ""): d.get("devicePath", "") for d in container.get("volumeDevices") or []
    }
    mount_points: set[str] = set()
    privileged = ((container.get("securityContext") or {}).get("privileged")) is True
    for index, mount in enumerate(container.get("volumeMounts") or []):
        at = f"{path}[{index}]"
        name, mount_path = mount.get("name", ""), mount.get("mountPath", "")
        if not name:
            problems.append(required(f"{at}.name"))
        if name not in volumes:
            problems.append(not_found(f"{at}.name", name))
        if not mount_path:
            problems.append(required(f"{at}.mountPath"))
        elif not mount_path.startswith("/"):
            # mcp's rule, not upstream's (the kubelet refuses it when it starts the pod):
            # Docker mounts at absolute paths only.
            problems.append(invalid(f"{at}.mountPath", mount_path, "must be an absolute path"))
        if mount_path in mount_points:
            problems.append(invalid(f"{at}.mountPath", mount_path, "must be unique"))
        mount_points.add(mount_path)
        if name in devices:
            detail = "must not already exist in volumeDevices"
            problems.append(invalid(f"{at}.name", name, detail))
        if mount_path in devices.values():
            detail = "must not already exist as a path in volumeDevices"
            problems.append(invalid(f"{at}.mountPath", mount_path, detail))
        sub_path, sub_path_expr = mount.get("subPath", ""), mount.get("subPathExpr", "")
        if sub_path:
            problems += local_descending_path(sub_path, f"{path}.subPath")  # sic: no index
        if sub_path_expr:
            if sub_path:
                detail = "subPathExpr and subPath are mutually exclusive"
                problems.append(invalid(f"{at}.subPathExpr", sub_path_expr, detail))
            problems += local_descending_path(sub_path_expr, f"{path}.subPathExpr")
        propagation = mount.get("mountPropagation")
        if propagation is not None:
            if propagation not in MOUNT_PROPAGATIONS:
                problems.append(
                    apimachinery.not_supported(
                        f"{path}.mountPropagation", propagation, MOUNT_PROPAGATIONS
                    )
                )
            if propagation == "Bidirectional" and not privileged:
                detail = (
                    "Bidirectional mount propagation is available only to privileged containers"
                )
                problems.append(forbidden(f"{path}.mountPropagation", detail))
        problems += _recursive_read_only(mount, f"{path}.recursiveReadOnly")
    return problems


def _recursive_read_only(mount: dict[str, Any], path: str) -> Problems:
    value = mount.get("recursiveReadOnly")
    if value is None or value == "Disabled":
        return []
    if value not in RECURSIVE_READ_ONLY:
        return [apimachinery.not_supported(path, value, RECURSIVE_READ_ONLY)]
    problems: Problems = []
    if not mount.get("readOnly"):
        problems.append(forbidden(path, "may only be specified when readOnly is true"))
    if mount.get("mountPropagation") not in (None, "None"):
        detail = "may only be specified when mountPropagation is None or not specified"
        problems.append(forbidden(path, detail))
    return problems


def volume_devices(container: dict[str, Any], volumes: Mapping[str, Any], path: str) -> Problems:
    """ValidateVolumeDevices: block devices, which only claim-backed volumes give (and mcp
    serves none)."""
    problems: Problems = []
    mounts = {
        m.get("name", ""): m.get("mountPath", "") for m in container.get("volumeMounts") or []
    }
    names: set[str] = set()
    device_paths: set[str] = set()
    for index, device in enumerate(container.get("volumeDevices") or []):
        at = f"{path}[{index}]"
        name, device_path = device.get("name", ""), device.get("devicePath", "")
        volume = volumes.get(name)
        if not name:
            problems.append(required(f"{at}.name"))
        if name in names:
            problems.append(invalid(f"{at}.name", name, "must be unique"))
        if volume is not None and not any(volume.get(k) is not None for k in CLAIM_BACKED):
            detail = (
                "can only use volume source type of PersistentVolumeClaim or Ephemeral for "
                "block mode"
            )
            problems.append(invalid(f"{at}.name", name, detail))
        if volume is None:
            problems.append(not_found(f"{at}.name", name))
        if not device_path:
            problems.append(required(f"{at}.devicePath"))
        if device_path in device_paths:
            problems.append(invalid(f"{at}.devicePath", device_path, "must be unique"))
        if device_path and no_backsteps(device_path, f"{path}.devicePath"):
            detail = "can not contain backsteps ('..')"
            problems.append(invalid(f"{at}.devicePath", device_path, detail))
        else:
            device_paths.add(device_path)
        if name in mounts:
            problems.append(invalid(f"{at}.name", name, "must not already exist in volumeMounts"))
        if device_path in mounts.values():
            detail = "must not already exist as a path in volumeMounts"
            problems.append(invalid(f"{at}.devicePath", device_path, detail))
        if name:
            names.add(name)
    return problems
