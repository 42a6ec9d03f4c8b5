"""The Pod kind's strategy: its defaults, what the server sets, and how it is deleted.

Ports, over the v1 JSON (already decoded by `apiserver.gojson`, so every field has its
Go type):
- `normalize`: pkg/apis/core/v1 `SetObjectDefaults_Pod` (SetDefaults_Pod, and what
  `default_spec` gives any PodSpec, a pod template's too: SetDefaults_PodSpec,
  _Container, _Probe, _HTTPGetAction, the volume sources' defaultMode, the fieldRef
  apiVersion, the declarative `protocol: TCP` and grpc `service: ""`, quantities rounded
  up to millis), the v1 conversion's `serviceAccount` alias and `podIP`/`podIPs` pair,
  and the DefaultTolerationSeconds admission plugin (runs on every create and update);
- `prepare_create`: pkg/registry/core/pod `PrepareForCreate` (generation 1, status
  Pending with its QoS class, the SchedulingGated condition), the ServiceAccount and
  Priority admission plugins' defaults, and the scheduler's one decision here: the one
  Node (`node_name`), which the caller knows without asking Docker;
- `prepare_update` / `prepare_status`: PrepareForUpdate of podStrategy (generation
  bumped on a spec change; the Priority plugin keeping priority on update) and of
  podStatusStrategy (the QoS class and observed generations kept);
- `grace_period`: CheckGracefulDelete; `qos_class`: pkg/apis/core/helper/qos;
  `field_value`: ToSelectableFields.
Validation is `pod_validation`'s. Pure: no I/O.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from mcp import rules
from mcp.kinds import apimachinery, path_value, quantity

POD_FIELDS = frozenset({"apiVersion", "kind", "metadata", "spec", "status"})
GO_TYPE = "core.v1.Pod"  # the protobuf message `apiserver.gojson` reads it as

PENDING, RUNNING, SUCCEEDED, FAILED = "Pending", "Running", "Succeeded", "Failed"
GUARANTEED, BURSTABLE, BEST_EFFORT = "Guaranteed", "Burstable", "BestEffort"
DEFAULT_SCHEDULER = "default-scheduler"
DEFAULT_SERVICE_ACCOUNT = "default"
DEFAULT_GRACE_PERIOD_S = 30
TERMINATION_MESSAGE_PATH = "/dev/termination-log"
DEFAULT_MODE = 0o644  # 420: a secret, configMap, downwardAPI or projected volume's files
TOKEN_EXPIRATION_S = 3600
# The DefaultTolerationSeconds admission plugin's two tolerations, 300 s each.
TOLERATION_SECONDS = 300
NODE_TAINTS = ("node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable")
NO_EXECUTE = "NoExecute"
# The PriorityClasses every cluster has (scheduling/v1 SystemPriorityClasses); mcp serves
# no PriorityClass kind, so no other name can be found.
SYSTEM_PRIORITY_CLASSES = {
    "system-cluster-critical": 2000000000,
    "system-node-critical": 2000001000,
}
PREEMPT_LOWER_PRIORITY = "PreemptLowerPriority"
SCHEDULING_GATED = "SchedulingGated"
CONTAINER_LISTS = ("initContainers", "containers", "ephemeralContainers")
PROBES = ("livenessProbe", "readinessProbe", "startupProbe")
QOS_RESOURCES = ("cpu", "memory")


# --- decoding: defaults and conversion ---------------------------------------------------------


def normalize(obj: dict[str, Any]) -> dict[str, Any]:
    """The Pod as kube-apiserver holds it once decoded: v1 defaults, the v1 conversion's
    aliases, and the DefaultTolerationSeconds plugin's tolerations. Returns a new object."""
    pod = copy.deepcopy(obj)
    spec = pod.setdefault("spec", {})
    if not isinstance(spec, dict):
        return pod  # gojson refuses this before; here for callers that skip it
    default_spec(spec)
    # SetDefaults_Pod: what a Pod gets and a pod template does not.
    if spec.get("enableServiceLinks") is None:
        spec["enableServiceLinks"] = True
    for container in spec.get("initContainers") or []:
        _requests_from_limits(container)
    for container in spec.get("containers") or []:
        _requests_from_limits(container)
    if spec.get("hostNetwork"):
        for field in ("containers", "initContainers"):
            for container in spec.get(field) or []:
                for port in container.get("ports") or []:
                    if not port.get("hostPort"):
                        port["hostPort"] = port.get("containerPort", 0)
    _tolerate_node_problems(spec)
    status = pod.get("status")
    if isinstance(status, dict):
        _pair_ips(status, "podIP", "podIPs")
        _pair_ips(status, "hostIP", "hostIPs")
    return pod


def default_spec(spec: dict[str, Any]) -> None:
    """A PodSpec's defaults wherever it is, a Pod's or a pod template's (what
    SetObjectDefaults_Deployment, _Job... call on `spec.template.spec`): SetDefaults_PodSpec,
    the containers', volumes' and overhead's defaults, and the v1 conversion's
    `serviceAccount` alias. In place; what only a Pod gets is `normalize`'s."""
    _default_pod_spec(spec)
    for field in CONTAINER_LISTS:
        for container in spec.get(field) or []:
            _default_container(container)
    for volume in spec.get("volumes") or []:
        _default_volume(volume)
    if spec.get("overhead"):
        spec["overhead"] = _rounded(spec["overhead"])
    _alias_service_account(spec)


def _default_pod_spec(spec: dict[str, Any]) -> None:
    """SetDefaults_PodSpec (new fields go to SetDefaults_Pod upstream, so that pod
    templates do not change: kubernetes#69445)."""
    if not spec.get("dnsPolicy"):
        spec["dnsPolicy"] = "ClusterFirst"
    if not spec.get("restartPolicy"):
        spec["restartPolicy"] = "Always"
    if spec.get("securityContext") is None:
        spec["securityContext"] = {}
    if spec.get("terminationGracePeriodSeconds") is None:
        spec["terminationGracePeriodSeconds"] = DEFAULT_GRACE_PERIOD_S
    if not spec.get("schedulerName"):
        spec["schedulerName"] = DEFAULT_SCHEDULER


def image_tag(image: str) -> str | None:
    """The tag kubelet's ParseImageName finds: `latest` for an untagged reference without a
    digest, None for one that does not parse."""
    if not rules.IMAGE_RE.fullmatch(image):
        return None
    name, _, digest = image.partition("@")
    last = name.rpartition("/")[2]
    if ":" in last:
        return last.rpartition(":")[2]
    return None if digest else "latest"


def _default_container(container: dict[str, Any]) -> None:
    """SetDefaults_Container and the defaults of its ports, env, resources, probes and
    lifecycle handlers."""
    if not container.get("imagePullPolicy"):
        tag = image_tag(container.get("image") or "")
        container["imagePullPolicy"] = "Always" if tag == "latest" else "IfNotPresent"
    if not container.get("terminationMessagePath"):
        container["terminationMessagePath"] = TERMINATION_MESSAGE_PATH
    if not container.get("terminationMessagePolicy"):
        container["terminationMessagePolicy"] = "File"
    for port in container.get("ports") or []:
        if not port.get("protocol"):
            port["protocol"] = "TCP"
    for env in container.get("env") or []:
        field_ref = (env.get("valueFrom") or {}).get("fieldRef")
        if isinstance(field_ref, dict) and not field_ref.get("apiVersion"):
            field_ref["apiVersion"] = "v1"
    resources = container.get("resources")
    if isinstance(resources, dict):
        for field in ("limits", "requests"):
            if resources.get(field):
                resources[field] = _rounded(resources[field])
    for probe_field in PROBES:
        probe = container.get(probe_field)
        if isinstance(probe, dict):
            _default_probe(probe)
    lifecycle = container.get("lifecycle")
    if isinstance(lifecycle, dict):
        for hook in ("postStart", "preStop"):
            handler = lifecycle.get(hook)
            if isinstance(handler, dict) and isinstance(handler.get("httpGet"), dict):
                _default_http_get(handler["httpGet"])


def _default_probe(probe: dict[str, Any]) -> None:
    for field, default in (
        ("timeoutSeconds", 1),
        ("periodSeconds", 10),
        ("successThreshold", 1),
        ("failureThreshold", 3),
    ):
        if not probe.get(field):
            probe[field] = default
    if isinstance(probe.get("httpGet"), dict):
        _default_http_get(probe["httpGet"])
    grpc = probe.get("grpc")
    if isinstance(grpc, dict) and grpc.get("service") is None:
        grpc["service"] = ""  # `+default=""`


def _default_http_get(action: dict[str, Any]) -> None:
    if not action.get("path"):
        action["path"] = "/"
    if not action.get("scheme"):
        action["scheme"] = "HTTP"


def _rounded(resources: dict[str, Any]) -> dict[str, Any]:
    """SetDefaults_ResourceList: each quantity rounded up to milli scale."""
    rounded = {}
    for name, value in resources.items():
        try:
            rounded[name] = str(quantity.from_json(value).round_up(-3))
        except quantity.QuantityError:
            rounded[name] = value  # gojson refuses it first
    return rounded


def _requests_from_limits(container: dict[str, Any]) -> None:
    """SetDefaults_Pod: a limit without a request is also the request."""
    resources = container.get("resources")
    if not isinstance(resources, dict) or not resources.get("limits"):
        return
    requests = resources.setdefault("requests", {})
    for name, value in resources["limits"].items():
        requests.setdefault(name, value)


VOLUME_SOURCE_FIELDS = (
    "hostPath",
    "emptyDir",
    "gcePersistentDisk",
    "awsElasticBlockStore",
    "gitRepo",
    "secret",
    "nfs",
    "iscsi",
    "glusterfs",
    "persistentVolumeClaim",
    "rbd",
    "flexVolume",
    "cinder",
    "cephfs",
    "flocker",
    "downwardAPI",
    "fc",
    "azureFile",
    "configMap",
    "vsphereVolume",
    "quobyte",
    "azureDisk",
    "photonPersistentDisk",
    "projected",
    "portworxVolume",
    "scaleIO",
    "storageos",
    "csi",
    "ephemeral",
    "image",
)


def _default_volume(volume: dict[str, Any]) -> None:
    """SetDefaults_Volume (no source is an emptyDir) and each source's defaults."""
    if not any(volume.get(field) is not None for field in VOLUME_SOURCE_FIELDS):
        volume["emptyDir"] = {}
    for field in ("secret", "configMap", "downwardAPI", "projected"):
        source = volume.get(field)
        if isinstance(source, dict) and source.get("defaultMode") is None:
            source["defaultMode"] = DEFAULT_MODE
    if isinstance(volume.get("hostPath"), dict) and volume["hostPath"].get("type") is None:
        volume["hostPath"]["type"] = ""  # HostPathUnset
    for item in (volume.get("downwardAPI") or {}).get("items") or []:
        _default_field_ref(item)
    for source in (volume.get("projected") or {}).get("sources") or []:
        for item in (source.get("downwardAPI") or {}).get("items") or []:
            _default_field_ref(item)
        token = source.get("serviceAccountToken")
        if isinstance(token, dict) and token.get("expirationSeconds") is None:
            token["expirationSeconds"] = TOKEN_EXPIRATION_S
    image = volume.get("image")
    if isinstance(image, dict) and not image.get("pullPolicy"):
        latest = image_tag(image.get("reference") or "") == "latest"
        image["pullPolicy"] = "Always" if latest else "IfNotPresent"


def _default_field_ref(item: dict[str, Any]) -> None:
    field_ref = item.get("fieldRef")
    if isinstance(field_ref, dict) and not field_ref.get("apiVersion"):
        field_ref["apiVersion"] = "v1"


def _alias_service_account(spec: dict[str, Any]) -> None:
    """The v1 conversion: the deprecated `serviceAccount` names the account when
    `serviceAccountName` does not, and always reads back as it."""
    name = spec.get("serviceAccountName") or spec.get("serviceAccount") or ""
    spec.pop("serviceAccount", None)
    spec.pop("serviceAccountName", None)
    if name:
        spec["serviceAccountName"] = name
        spec["serviceAccount"] = name


def _tolerate_node_problems(spec: dict[str, Any]) -> None:
    """The DefaultTolerationSeconds plugin: tolerate a NotReady or unreachable node for
    300 s unless a toleration already covers it."""
    tolerations = spec.get("tolerations") or []
    for taint in NODE_TAINTS:
        covered = any(
            t.get("key", "") in (taint, "") and t.get("effect", "") in (NO_EXECUTE, "")
            for t in tolerations
        )
        if not covered:
            tolerations.append(
                {
                    "key": taint,
                    "operator": "Exists",
                    "effect": NO_EXECUTE,
                    "tolerationSeconds": TOLERATION_SECONDS,
                }
            )
    spec["tolerations"] = tolerations


def _pair_ips(status: dict[str, Any], single: str, plural: str) -> None:
    """The v1 conversion of `podIP`/`podIPs` (and the host's): the single field wins when
    they disagree, and is always the first of the list."""
    first = status.get(single) or ""
    listed = status.get(plural) or []
    if first and (not listed or listed[0].get("ip") != first):
        listed = [{"ip": first}]
    if listed:
        status[plural] = listed
        status[single] = listed[0].get("ip", "")


# --- create and update -------------------------------------------------------------------------


def admitted(obj: dict[str, Any]) -> dict[str, Any]:
    """What the ServiceAccount and Priority admission plugins set on a new Pod.

    Raises:
        apimachinery.Forbidden: a priority class that does not exist, or a priority or
            preemption policy that disagrees with the class's.
    """
    pod = copy.deepcopy(obj)
    spec = pod["spec"]
    if not spec.get("serviceAccountName"):
        spec["serviceAccountName"] = spec["serviceAccount"] = DEFAULT_SERVICE_ACCOUNT
    class_name = spec.get("priorityClassName") or ""
    if class_name and class_name not in SYSTEM_PRIORITY_CLASSES:
        raise apimachinery.Forbidden(f"no PriorityClass with name {class_name} was found")
    priority = SYSTEM_PRIORITY_CLASSES.get(class_name, 0)
    _agrees("integer", "priority", spec.get("priority"), priority)
    spec["priority"] = priority
    _agrees("string", "PreemptionPolicy", spec.get("preemptionPolicy"), PREEMPT_LOWER_PRIORITY)
    spec["preemptionPolicy"] = PREEMPT_LOWER_PRIORITY
    return pod


def _agrees(kind: str, field: str, given: Any, computed: Any) -> None:
    """The Priority plugin's rule: a pod gives no value of its own for what the class sets.

    Raises:
        apimachinery.Forbidden: `given` is not `computed`.
    """
    if given is not None and given != computed:
        raise apimachinery.Forbidden(
            f"the {kind} value of {field} ({given}) must not be provided in pod spec; priority "
            f"admission controller computed {computed} from the given PriorityClass name"
        )


def prepare_create(obj: dict[str, Any], now: str, *, node_name: str) -> dict[str, Any]:
    """A new Pod as stored: admitted, bound to `node_name` (the one Node; "" leaves it
    unscheduled, as is a pod with scheduling gates), generation 1, and PrepareForCreate's
    status: Pending with its QoS class, and PodScheduled False while gates hold it.

    Raises:
        apimachinery.Forbidden: as `admitted`.
    """
    pod = admitted(obj)
    spec = pod["spec"]
    if node_name and not spec.get("nodeName") and not spec.get("schedulingGates"):
        spec["nodeName"] = node_name
    pod["metadata"] = {**pod["metadata"], "generation": 1}
    status: dict[str, Any] = {"phase": PENDING, "qosClass": qos_class(spec)}
    if spec.get("schedulingGates"):
        status["conditions"] = [
            {
                "type": "PodScheduled",
                "status": "False",
                "lastProbeTime": None,
                "lastTransitionTime": now,
                "reason": SCHEDULING_GATED,
                "message": "Scheduling is blocked due to non-empty scheduling gates",
            }
        ]
    pod["status"] = status
    return pod


def prepare_update(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """What a write of the Pod keeps of `old`: its status (the status subresource's), the
    priority the Priority plugin set when the update leaves it out, and a generation
    bumped when the spec changed (`new` holds `old`'s generation already)."""
    pod = {**new, "spec": dict(new.get("spec") or {})}
    if "status" in old:
        pod["status"] = old["status"]
    old_spec = old.get("spec") or {}
    for field in ("priority", "preemptionPolicy"):
        if pod["spec"].get(field) is None and old_spec.get(field) is not None:
            pod["spec"][field] = old_spec[field]
    if pod["spec"] != old_spec:
        metadata = pod["metadata"] = dict(pod["metadata"])
        metadata["generation"] = int(metadata.get("generation") or 0) + 1
    return pod


def prepare_status(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """podStatusStrategy's PrepareForUpdate: the QoS class and the observed generations a
    status write leaves out are kept (the spec and metadata are kept by the caller)."""
    status = dict(new.get("status") or {})
    old_status = old.get("status") or {}
    for field in ("qosClass", "observedGeneration"):
        if not status.get(field) and old_status.get(field):
            status[field] = old_status[field]
    remembered: dict[str, list[int]] = {}
    for condition in old_status.get("conditions") or []:
        remembered.setdefault(condition.get("type", ""), []).append(
            condition.get("observedGeneration") or 0
        )
    conditions = []
    for condition in status.get("conditions") or []:
        earlier = remembered.get(condition.get("type", ""), [])
        generation = earlier.pop(0) if earlier else 0
        if not condition.get("observedGeneration") and generation:
            condition = {**condition, "observedGeneration": generation}
        conditions.append(condition)
    if conditions:
        status["conditions"] = conditions
    return {**new, "status": status}


def grace_period(obj: dict[str, Any], requested: int | None) -> int:
    """CheckGracefulDelete: the grace period a delete gives the pod, in seconds. The one
    asked for (DeleteOptions), else the pod's own; none for a pod never scheduled or
    already finished; a negative one is 1."""
    spec = obj.get("spec") or {}
    period = requested if requested is not None else spec.get("terminationGracePeriodSeconds")
    period = int(period or 0)
    if not spec.get("nodeName"):
        period = 0
    if (obj.get("status") or {}).get("phase") in (SUCCEEDED, FAILED):
        period = 0
    return 1 if period < 0 else period


# --- QoS -----------------------------------------------------------------------------------


def _positive(resources: Any) -> dict[str, quantity.Quantity]:
    """The CPU and memory amounts above zero of a resource list."""
    found = {}
    for name in QOS_RESOURCES:
        value = (resources or {}).get(name)
        if value is None:
            continue
        try:
            amount = quantity.from_json(value)
        except quantity.QuantityError:
            continue
        if amount.value > 0:
            found[name] = amount
    return found


def _add(total: dict[str, quantity.Quantity], more: dict[str, quantity.Quantity]) -> None:
    for name, amount in more.items():
        if name in total:
            amount = quantity.Quantity(total[name].value + amount.value, amount.format)
        total[name] = amount


def names_pod_level_resources(resources: Mapping[str, Any]) -> bool:
    """IsPodLevelResourcesSet, given `spec.resources`: pod-level requests or limits of CPU,
    memory or hugepages (the QoS class and the kubelet's container limits read it)."""
    return any(
        name in QOS_RESOURCES or name.startswith("hugepages-")
        for field in ("requests", "limits")
        for name in resources.get(field) or {}
    )


def qos_class(spec: dict[str, Any]) -> str:
    """ComputePodQOS: BestEffort without any CPU or memory request or limit, Guaranteed
    when every container limits both and requests what it limits, else Burstable. Pod-level
    resources, when they name CPU or memory, decide instead of the containers'."""
    requests: dict[str, quantity.Quantity] = {}
    limits: dict[str, quantity.Quantity] = {}
    guaranteed = True
    pod_level = spec.get("resources") or {}
    if names_pod_level_resources(pod_level):
        _add(requests, _positive(pod_level.get("requests")))
        found = _positive(pod_level.get("limits"))
        _add(limits, found)
        if pod_level.get("limits") and set(found) != set(QOS_RESOURCES):
            guaranteed = False
    else:
        for container in [*(spec.get("containers") or []), *(spec.get("initContainers") or [])]:
            resources = container.get("resources") or {}
            _add(requests, _positive(resources.get("requests")))
            found = _positive(resources.get("limits"))
            _add(limits, found)
            if set(found) != set(QOS_RESOURCES):
                guaranteed = False
    if not requests and not limits:
        return BEST_EFFORT
    if guaranteed:
        for name, request in requests.items():
            limit = limits.get(name)
            if limit is None or quantity.compare(limit, request) != 0:
                guaranteed = False
                break
    return GUARANTEED if guaranteed and len(requests) == len(limits) else BURSTABLE


# --- field selectors -----------------------------------------------------------------------


def field_value(obj: dict[str, Any], field: str) -> str:
    """ToSelectableFields: `spec.hostNetwork` is `false` when unset, `status.podIP` the
    first of the pod's IPs; the others are paths."""
    if field == "spec.hostNetwork":
        return "true" if (obj.get("spec") or {}).get("hostNetwork") is True else "false"
    if field == "status.podIP":
        listed = (obj.get("status") or {}).get("podIPs") or []
        return str(listed[0].get("ip", "")) if listed else ""
    return path_value(obj, field)
