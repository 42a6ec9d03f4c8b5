"""The strategic-merge metadata of the built-in kinds: `schema_for(api_version, kind)`.

Owns, as data, the `patchStrategy` / `patchMergeKey` struct tags (published in OpenAPI as
`x-kubernetes-patch-strategy` / `x-kubernetes-patch-merge-key`) of the fields the served kinds
have, copied from k8s.io/api `core/v1/types.go`, `apps/v1/types.go`, `batch/v1/types.go` and
k8s.io/apimachinery `pkg/apis/meta/v1/types.go` (ObjectMeta). A field not listed has no tag
upstream: its lists are atomic (replaced whole: `tolerations`, `envFrom`, `command`, `args`,
`readinessGates`, a Service's `externalIPs`...) and its objects merge field by field. Maps of
primitives (`labels`, `annotations`, `nodeSelector`, a ConfigMap's `data`) need no entry: they
merge key by key, `null` removing one. None of the served kinds has a map of objects.

Unknown kinds get `None`. kube-apiserver refuses strategic merge patches of custom resources
with 415 Unsupported Media Type (the apiextensions handler lists only JSON patch, merge patch
and apply as their patch types), and apimachinery's `StrategicMergeMapPatch` refuses
`Unstructured` objects (`ErrUnsupportedStrategicMergePatchFormat`): the API should answer 415
for a `None` here. `strategic.OPEN` (every list replaced, every map merged) is what a lookup
without any schema gives, should mcp ever choose to be more lenient than upstream.
"""

from __future__ import annotations

from collections.abc import Mapping

from mcp.apiserver.patch.strategic import Field, Schema


def _merge_by(key: str, schema: Schema | None = None, *, retain_keys: bool = False) -> Field:
    return Field("merge", key, retain_keys=retain_keys, schema=schema)


def _object(name: str, **fields: Field) -> Schema:
    return Schema(name, fields)


def _nested(schema: Schema) -> Field:
    return Field(schema=schema)


_MERGE_PRIMITIVES = Field("merge")

OBJECT_META = _object(
    "ObjectMeta",
    finalizers=_MERGE_PRIMITIVES,
    ownerReferences=_merge_by("uid"),
)

# core/v1 Container; EphemeralContainer inlines EphemeralContainerCommon, tagged the same.
CONTAINER = _object(
    "Container",
    ports=_merge_by("containerPort"),
    env=_merge_by("name"),
    volumeMounts=_merge_by("mountPath"),
    volumeDevices=_merge_by("devicePath"),
)

POD_SPEC = _object(
    "PodSpec",
    volumes=_merge_by("name", retain_keys=True),
    initContainers=_merge_by("name", CONTAINER),
    containers=_merge_by("name", CONTAINER),
    ephemeralContainers=_merge_by("name", CONTAINER),
    imagePullSecrets=_merge_by("name"),
    hostAliases=_merge_by("ip"),
    topologySpreadConstraints=_merge_by("topologyKey"),
    schedulingGates=_merge_by("name"),
    resourceClaims=_merge_by("name", retain_keys=True),
    evictionResponders=_merge_by("name"),
)

_CONTAINER_STATUS = _object(
    "ContainerStatus",
    volumeMounts=_merge_by("mountPath"),
    allocatedResourcesStatus=_merge_by("name"),
)

POD_STATUS = _object(
    "PodStatus",
    conditions=_merge_by("type"),
    hostIPs=_merge_by("ip"),
    podIPs=_merge_by("ip"),
    initContainerStatuses=_nested(_CONTAINER_STATUS),
    containerStatuses=_nested(_CONTAINER_STATUS),
    ephemeralContainerStatuses=_nested(_CONTAINER_STATUS),
    resourceClaimStatuses=_merge_by("name", retain_keys=True),
    nodeAllocatableResourceClaimStatuses=_merge_by("resourceClaimName"),
)

POD_TEMPLATE_SPEC = _object(
    "PodTemplateSpec", metadata=_nested(OBJECT_META), spec=_nested(POD_SPEC)
)

_CONDITIONS_BY_TYPE = _object("Status", conditions=_merge_by("type"))


def _kind(name: str, **fields: Field) -> Schema:
    return _object(name, metadata=_nested(OBJECT_META), **fields)


def _workload(name: str, spec: Schema) -> Schema:
    return _kind(name, spec=_nested(spec), status=_nested(_CONDITIONS_BY_TYPE))


_WITH_TEMPLATE = _object("Spec", template=_nested(POD_TEMPLATE_SPEC))

JOB_SPEC = _object("JobSpec", template=_nested(POD_TEMPLATE_SPEC))

_KINDS: Mapping[tuple[str, str], Schema] = {
    ("v1", "Pod"): _kind("Pod", spec=_nested(POD_SPEC), status=_nested(POD_STATUS)),
    ("v1", "PodTemplate"): _kind("PodTemplate", template=_nested(POD_TEMPLATE_SPEC)),
    ("v1", "ReplicationController"): _workload("ReplicationController", _WITH_TEMPLATE),
    ("v1", "Service"): _kind(
        "Service",
        spec=_nested(_object("ServiceSpec", ports=_merge_by("port"))),
        status=_nested(_CONDITIONS_BY_TYPE),
    ),
    ("v1", "ServiceAccount"): _kind("ServiceAccount", secrets=_merge_by("name")),
    ("v1", "Namespace"): _kind("Namespace", status=_nested(_CONDITIONS_BY_TYPE)),
    ("v1", "Node"): _kind(
        "Node",
        spec=_nested(_object("NodeSpec", podCIDRs=_MERGE_PRIMITIVES)),
        status=_nested(
            _object("NodeStatus", conditions=_merge_by("type"), addresses=_merge_by("type"))
        ),
    ),
    ("v1", "ConfigMap"): _kind("ConfigMap"),
    ("v1", "Secret"): _kind("Secret"),
    ("v1", "Endpoints"): _kind("Endpoints"),
    ("v1", "Event"): _kind("Event"),
    ("apps/v1", "Deployment"): _workload(
        "Deployment",
        _object(
            "DeploymentSpec",
            template=_nested(POD_TEMPLATE_SPEC),
            strategy=Field(retain_keys=True),
        ),
    ),
    ("apps/v1", "ReplicaSet"): _workload("ReplicaSet", _WITH_TEMPLATE),
    ("apps/v1", "StatefulSet"): _workload("StatefulSet", _WITH_TEMPLATE),
    ("apps/v1", "DaemonSet"): _workload("DaemonSet", _WITH_TEMPLATE),
    ("batch/v1", "Job"): _workload("Job", JOB_SPEC),
    # The `scale` subresource's: no list in it, every field merges.
    ("autoscaling/v1", "Scale"): _kind("Scale"),
    ("batch/v1", "CronJob"): _kind(
        "CronJob",
        spec=_nested(
            _object(
                "CronJobSpec",
                jobTemplate=_nested(
                    _object(
                        "JobTemplateSpec", metadata=_nested(OBJECT_META), spec=_nested(JOB_SPEC)
                    )
                ),
            )
        ),
    ),
}


def schema_for(api_version: str, kind: str) -> Schema | None:
    """The strategic-merge metadata of a built-in kind.

    Args:
        api_version: as in the object, e.g. "v1" or "apps/v1".
        kind: e.g. "Deployment".

    Returns:
        The kind's schema, or None for a kind without one (custom resources): answer 415.
    """
    return _KINDS.get((api_version, kind))


def kinds() -> list[tuple[str, str]]:
    """Every (apiVersion, kind) with a schema, sorted."""
    return sorted(_KINDS)
