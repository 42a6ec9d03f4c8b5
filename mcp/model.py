"""Data: what a user declares, what Docker shows, what the controller reports.

`ContainerSpec` and its parts are pydantic models: the same classes validate API
requests, are stored in etcd, and generate the OpenAPI document, so the three
cannot drift. Their JSON uses Kubernetes' camelCase names; unknown fields are
rejected. `Container` (an object: metadata plus spec, with the etcd revisions it was
read at), `Status`, and what Docker shows (`Observed`, `ImageInfo`, `HostInfo`) are plain
frozen dataclasses.

The stored encodings (`encode_*` / `decode_*`) must stay readable by later versions.
Imports nothing from mcp but the pure `rules`.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic.alias_generators import to_camel

from mcp import rules

API_VERSION = "mcp/v1"
KIND = "Container"

DesiredState = Literal["running", "stopped"]
RestartPolicy = Literal["Always", "OnFailure", "Never"]
PullPolicy = Literal["IfNotPresent", "Always", "Never"]
Protocol = Literal["TCP", "UDP", "SCTP"]
Phase = Literal["Pending", "Running", "Stopped", "Succeeded", "Failed", "Terminating"]

DESIRED_STATES: tuple[DesiredState, ...] = ("running", "stopped")

# Labels on every Docker container mcp makes: they tie it to its object and to this
# control plane, so a restarted mcp adopts it instead of making a duplicate. Users may
# not set labels under this prefix themselves.
RESERVED_LABEL_PREFIX = "mcp."
LABEL_UID = "mcp.uid"
LABEL_NAME = "mcp.name"
LABEL_CLUSTER = "mcp.cluster"
LABEL_SPEC_HASH = "mcp.spec-hash"
# On Docker objects mcp makes that are not an object's containers: what it is for.
LABEL_ROLE = "mcp.role"

MAX_ARGV_ITEMS = 256
MAX_STOP_TIMEOUT_S = 3600


def now_iso() -> str:
    """The current time as ISO 8601 in UTC, to the millisecond."""
    return format_time(datetime.now(UTC))


def parse_time(text: object) -> datetime | None:
    """An ISO 8601 time (Docker's has nanoseconds, which Python does not take), as an aware
    datetime (UTC when it names no zone); None for anything else (unset, not a string,
    unreadable)."""
    if not isinstance(text, str) or not text:
        return None
    head, dot, rest = text.partition(".")
    if dot:
        digits = "".join(ch for ch in rest if ch.isdigit())
        zone = rest[len(digits) :]
        text = f"{head}.{digits[:6]}{zone}"
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def format_time(moment: datetime) -> str:
    """`moment` as ISO 8601 in UTC, to the millisecond, with a Z."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def docker_name(name: str) -> str:
    """The deterministic Docker container name of object `name`."""
    return f"mcp-{name}"


def _require(problem: str | None) -> None:
    if problem is not None:
        raise ValueError(problem)


class _Model(BaseModel):
    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, extra="forbid", frozen=True
    )


# What the validators below refuse, as JSON Schema for the OpenAPI documents (the
# validators stay the judges; these only describe them).
NO_NUL: dict[str, Any] = {"pattern": "^[^\\x00]*$"}
ARGV: dict[str, Any] = {
    "anyOf": [
        {"type": "array", "items": {"type": "string", **NO_NUL}, "maxItems": MAX_ARGV_ITEMS},
        {"type": "null"},
    ]
}


class EnvVar(_Model):
    name: str = Field(json_schema_extra=rules.ENV_NAME_SCHEMA)
    value: str = Field(default="", json_schema_extra=NO_NUL)

    @field_validator("name")
    @classmethod
    def _name(cls, name: str) -> str:
        _require(rules.env_name_problem(name))
        return name

    @field_validator("value")
    @classmethod
    def _value(cls, value: str) -> str:
        if "\0" in value:
            raise ValueError("must not contain NUL characters")
        return value


class Port(_Model):
    container_port: int = Field(ge=1, le=65535)
    host_port: int | None = Field(default=None, ge=1, le=65535)
    host_ip: str | None = Field(
        default=None,
        alias="hostIP",
        json_schema_extra={
            "anyOf": [
                {"type": "string", "format": "ipv4"},
                {"type": "string", "format": "ipv6"},
                {"type": "null"},
            ]
        },
    )
    protocol: Protocol = "TCP"

    @field_validator("host_ip")
    @classmethod
    def _host_ip(cls, host_ip: str | None) -> str | None:
        if host_ip is not None:
            try:
                ipaddress.ip_address(host_ip)
            except ValueError:
                raise ValueError("must be an IP address such as 127.0.0.1") from None
        return host_ip


class Resources(_Model):
    memory: str | None = Field(
        default=None,
        # The pattern is the syntax; the bounds (6Mi to 2^63-1 bytes) are the validator's.
        description="a quantity such as 64Mi or 1G, at least 6Mi",
        json_schema_extra=rules.schema_pattern(rules.MEMORY_RE),
    )
    cpus: str | None = Field(
        default=None,
        description="CPUs such as 0.5, 2 or 500m",
        json_schema_extra=rules.schema_pattern(rules.CPUS_RE),
    )

    @field_validator("memory")
    @classmethod
    def _memory(cls, memory: str | None) -> str | None:
        if memory is not None:
            _require(rules.memory_problem(memory))
        return memory

    @field_validator("cpus", mode="before")
    @classmethod
    def _cpus(cls, cpus: Any) -> str | None:
        if cpus is None:
            return None
        _require(rules.cpus_problem(cpus))
        return str(cpus)

    @property
    def memory_bytes(self) -> int | None:
        return None if self.memory is None else rules.parse_memory(self.memory)

    @property
    def nano_cpus(self) -> int | None:
        return None if self.cpus is None else round(rules.parse_cpus(self.cpus) * 1e9)


def _argv(value: list[str] | None) -> list[str] | None:
    if value is not None:
        if len(value) > MAX_ARGV_ITEMS:
            raise ValueError(f"must have at most {MAX_ARGV_ITEMS} items")
        if any("\0" in item for item in value):
            raise ValueError("must not contain NUL characters")
    return value


class RestartBackoff(_Model):
    """CrashLoopBackOff timing for one container; unset fields take the global settings."""

    base_seconds: float | None = Field(default=None, gt=0, le=86400)
    cap_seconds: float | None = Field(default=None, gt=0, le=86400)
    reset_seconds: float | None = Field(default=None, gt=0, le=86400)


class ContainerSpec(_Model):
    """What the user declares for one container."""

    image: str = Field(json_schema_extra=rules.IMAGE_SCHEMA)
    command: list[str] | None = Field(
        default=None, description="replaces the image's ENTRYPOINT", json_schema_extra=ARGV
    )
    args: list[str] | None = Field(
        default=None, description="replaces the image's CMD", json_schema_extra=ARGV
    )
    env: list[EnvVar] = Field(
        default_factory=list, description="a list of name/value (names unique), or a map"
    )
    working_dir: str | None = Field(
        default=None,
        json_schema_extra={
            "anyOf": [{"type": "string", "pattern": "^/[^\\x00]*$"}, {"type": "null"}]
        },
    )
    ports: list[Port] = Field(default_factory=list)
    restart_policy: RestartPolicy = "Always"
    restart_backoff: RestartBackoff = Field(
        default_factory=RestartBackoff,
        description="first restart at once, then base doubling to cap; reset after reset",
    )
    state: DesiredState = "running"
    resources: Resources = Field(default_factory=Resources)
    stop_timeout_seconds: int = Field(default=10, ge=0, le=MAX_STOP_TIMEOUT_S)
    image_pull_policy: PullPolicy = "IfNotPresent"
    labels: dict[str, str] = Field(
        default_factory=dict,
        description="labels put on the Docker container",
        json_schema_extra=rules.LABELS_SCHEMA,
    )

    @field_validator("image")
    @classmethod
    def _image(cls, image: str) -> str:
        _require(rules.image_problem(image))
        return image

    @field_validator("command", "args")
    @classmethod
    def _argv(cls, argv: list[str] | None) -> list[str] | None:
        return _argv(argv)

    @field_validator("env", mode="before")
    @classmethod
    def _env_map(cls, env: Any) -> Any:
        # A map {"NAME": "value"} is accepted as shorthand for the list form.
        if isinstance(env, dict):
            return [{"name": name, "value": value} for name, value in env.items()]
        return env

    @field_validator("env")
    @classmethod
    def _env_unique(cls, env: list[EnvVar]) -> list[EnvVar]:
        names = [var.name for var in env]
        duplicates = sorted({name for name in names if names.count(name) > 1})
        if duplicates:
            raise ValueError(f"names must be unique; repeated: {', '.join(duplicates)}")
        return env

    @field_validator("working_dir")
    @classmethod
    def _working_dir(cls, working_dir: str | None) -> str | None:
        if working_dir is not None and (not working_dir.startswith("/") or "\0" in working_dir):
            raise ValueError("must be an absolute path")
        return working_dir

    @field_validator("ports")
    @classmethod
    def _ports_unique(cls, ports: list[Port]) -> list[Port]:
        inside = [(p.container_port, p.protocol) for p in ports]
        outside = [(p.host_ip, p.host_port, p.protocol) for p in ports if p.host_port]
        if len(set(inside)) != len(inside):
            raise ValueError("containerPort and protocol must be unique")
        if len(set(outside)) != len(outside):
            raise ValueError("hostIP, hostPort and protocol must be unique")
        return ports

    @field_validator("labels")
    @classmethod
    def _labels(cls, labels: dict[str, str]) -> dict[str, str]:
        _require(labels_problem(labels))
        for key in labels:
            if key.startswith(RESERVED_LABEL_PREFIX):
                raise ValueError(
                    f"label {key!r}: the prefix {RESERVED_LABEL_PREFIX!r} is mcp's own"
                )
        return labels

    def runtime_hash(self) -> str:
        """A digest of everything that needs a new Docker container when it changes.

        `state`, `restartPolicy`, `stopTimeoutSeconds` and `imagePullPolicy` are left
        out on purpose: mcp applies them without replacing the container.
        """
        kept = self.model_dump(
            mode="json",
            exclude={
                "state",
                "restart_policy",
                "restart_backoff",
                "stop_timeout_seconds",
                "image_pull_policy",
            },
        )
        material = json.dumps(kept, sort_keys=True)
        return hashlib.sha256(material.encode()).hexdigest()[:16]

    @property
    def env_list(self) -> list[str]:
        return [f"{var.name}={var.value}" for var in self.env]


def labels_problem(labels: dict[str, str]) -> str | None:
    for key, value in labels.items():
        if problem := rules.label_key_problem(key):
            return f"key {key!r} {problem}"
        if problem := rules.label_value_problem(value):
            return f"value of {key!r} {problem}"
    return None


class ObjectMetaIn(_Model):
    """The metadata a client may send. Server-managed fields are accepted and ignored,
    except `resourceVersion` (optimistic concurrency) and `uid` (must match on update)."""

    name: str = Field(json_schema_extra=rules.DNS1123_LABEL_SCHEMA)
    uid: str | None = None
    labels: dict[str, str] = Field(default_factory=dict, json_schema_extra=rules.LABELS_SCHEMA)
    annotations: dict[str, str] = Field(
        default_factory=dict, json_schema_extra=rules.ANNOTATIONS_SCHEMA
    )
    resource_version: str | None = None
    generation: int | None = None
    creation_timestamp: str | None = None
    deletion_timestamp: str | None = None

    @field_validator("name")
    @classmethod
    def _name(cls, name: str) -> str:
        _require(rules.dns1123_label_problem(name))
        return name

    @field_validator("labels")
    @classmethod
    def _labels(cls, labels: dict[str, str]) -> dict[str, str]:
        _require(labels_problem(labels))
        return labels

    @field_validator("annotations")
    @classmethod
    def _annotations(cls, annotations: dict[str, str]) -> dict[str, str]:
        _require(rules.annotations_problem(annotations))
        return annotations


class ContainerIn(_Model):
    """A Container as a client sends it (create and replace)."""

    api_version: Literal["mcp/v1"] = "mcp/v1"
    kind: Literal["Container"] = "Container"
    metadata: ObjectMetaIn
    spec: ContainerSpec
    status: dict[str, Any] | None = Field(default=None, description="ignored: the controller's")


@dataclass(frozen=True)
class Container:
    """One object: metadata and desired state, plus the etcd revisions it was read at.

    `resource_version` and `create_revision` are the mod and create revision of the
    object's key; they are not part of the stored value. `create_revision` tells two
    incarnations of the same name apart.
    """

    name: str
    uid: str
    spec: ContainerSpec
    labels: dict[str, str] = field(default_factory=dict)
    annotations: dict[str, str] = field(default_factory=dict)
    generation: int = 1
    created_at: str = ""
    deletion_timestamp: str | None = None
    resource_version: int = 0
    create_revision: int = 0

    @property
    def deleting(self) -> bool:
        return self.deletion_timestamp is not None

    def with_spec(self, spec: ContainerSpec) -> Container:
        """A copy with `spec`, the generation bumped if the spec changed."""
        if spec == self.spec:
            return self
        return replace(self, spec=spec, generation=self.generation + 1)

    def with_state(self, state: DesiredState) -> Container:
        return self.with_spec(self.spec.model_copy(update={"state": state}))


@dataclass(frozen=True)
class Status:
    """What the controller last observed of one object's Docker container."""

    uid: str  # the object incarnation this status is about
    phase: Phase
    container_id: str | None = None
    exit_code: int | None = None
    reason: str = ""  # a machine word: ErrImagePull, CrashLoopBackOff...
    message: str = ""  # for people
    restart_count: int = 0
    started_at: str | None = None
    finished_at: str | None = None
    observed_generation: int = 0
    last_transition_time: str = ""  # when `phase` last changed
    next_restart_at: str | None = None  # in CrashLoopBackOff: when the next restart is due
    crash_loop_restarts: int = 0  # restarts since the container last ran long enough
    observed_at: str = ""
    revision: int = 0  # etcd mod revision of the status key; not stored

    def same_as(self, other: Status | None) -> bool:
        """Equal in what a user would notice (not the observation time, nor revisions)."""
        if other is None:
            return False
        return replace(other, observed_at=self.observed_at, revision=self.revision) == self


@dataclass(frozen=True)
class Observed:
    """Docker's view of one container, as far as the controllers need it.

    `inspect` fills every field. A listing (`list_managed`) reads Docker's container
    summaries, which say less: there `exit_code`, `error`, the times, `hostname`, `image`,
    `image_id` and `oom_killed` are left at their defaults.
    """

    container_id: str
    uid: str | None
    spec_hash: str | None
    running: bool
    exit_code: int | None
    docker_status: str  # created, running, exited, dead...
    error: str = ""
    started_at: str | None = None
    finished_at: str | None = None
    labels: dict[str, str] = field(default_factory=dict, compare=False)
    name: str = ""  # Docker's name for it, without the leading slash
    hostname: str = ""  # a joined container takes its namespace holder's once started
    # IPv4 address on each network it is attached to while it runs (none once stopped,
    # and none for a container that joined another's network namespace).
    addresses: dict[str, str] = field(default_factory=dict, compare=False)
    joined: str | None = None  # the container whose network namespace it joins (its id)
    image: str = ""  # the image reference it was made from, as given (Config.Image)
    image_id: str = ""  # that image's ID, `sha256:...` (the top-level Image)
    oom_killed: bool = False  # its last run was killed for want of memory (State.OOMKilled)
    created_at: str | None = None  # when it was made (Created), as Docker writes times


@dataclass(frozen=True)
class ImageInfo:
    """An image in the engine, as `docker image inspect` shows it.

    Attributes:
        id: its ID, `sha256:...`; the `image_id` of containers made from it.
        user: the user it runs as (Config.User: `name`, `uid` or `uid:gid`); "" for none
            (root).
        repo_tags: the `repository:tag` references naming it.
        repo_digests: the `repository@sha256:...` references of what was pulled (none for
            an image built or imported here).
    """

    id: str
    user: str = ""
    repo_tags: tuple[str, ...] = ()
    repo_digests: tuple[str, ...] = ()


@dataclass(frozen=True)
class HostInfo:
    """The Docker host as a Node reports it: what `docker info` says, and what the host's
    own files say when the engine runs on this machine ("" or None when unknown).

    Attributes:
        name: the engine host's name (`docker info` Name).
        cpus: its CPUs (NCPU).
        memory_bytes: its memory (MemTotal).
        kernel_version: `uname -r`.
        os_image: the OS's pretty name (`Debian GNU/Linux 12 (bookworm)`).
        operating_system: `linux`, `windows` (OSType).
        architecture: the machine as Docker reports it (`x86_64`, `aarch64`).
        runtime_version: the engine's version (`24.0.7`).
        storage_bytes: the size of the file system that holds Docker's data.
        machine_id: /etc/machine-id.
        system_uuid: /sys/class/dmi/id/product_uuid (readable by root only).
        boot_id: /proc/sys/kernel/random/boot_id.
        internal_ip: the IPv4 address of the interface of the default route.
    """

    name: str
    cpus: int
    memory_bytes: int
    kernel_version: str
    os_image: str
    operating_system: str
    architecture: str
    runtime_version: str
    storage_bytes: int | None = None
    machine_id: str = ""
    system_uuid: str = ""
    boot_id: str = ""
    internal_ip: str | None = None


# --- stored encodings ---------------------------------------------------------------------

# What decoding a stored value that is not what mcp writes can raise (a value written
# by hand or by a newer version): callers skip such a value, they never crash on it.
UNDECODABLE = (ValueError, KeyError, TypeError)


def encode_container(obj: Container) -> bytes:
    value: dict[str, Any] = {
        "apiVersion": API_VERSION,
        "kind": KIND,
        "metadata": {
            "name": obj.name,
            "uid": obj.uid,
            "labels": obj.labels,
            "annotations": obj.annotations,
            "generation": obj.generation,
            "creationTimestamp": obj.created_at,
            "deletionTimestamp": obj.deletion_timestamp,
        },
        "spec": obj.spec.model_dump(mode="json", by_alias=True, exclude_defaults=True),
    }
    return json.dumps(value, separators=(",", ":")).encode()


def decode_container(raw: bytes, *, resource_version: int, create_revision: int) -> Container:
    value = json.loads(raw)
    meta = value["metadata"]
    return Container(
        name=meta["name"],
        uid=meta["uid"],
        spec=ContainerSpec.model_validate(value["spec"]),
        labels=meta.get("labels") or {},
        annotations=meta.get("annotations") or {},
        generation=meta["generation"],
        created_at=meta["creationTimestamp"],
        deletion_timestamp=meta.get("deletionTimestamp"),
        resource_version=resource_version,
        create_revision=create_revision,
    )


_STATUS_FIELDS = (
    ("uid", "uid"),
    ("phase", "phase"),
    ("container_id", "containerID"),
    ("exit_code", "exitCode"),
    ("reason", "reason"),
    ("message", "message"),
    ("restart_count", "restartCount"),
    ("started_at", "startedAt"),
    ("finished_at", "finishedAt"),
    ("observed_generation", "observedGeneration"),
    ("last_transition_time", "lastTransitionTime"),
    ("next_restart_at", "nextRestartAt"),
    ("crash_loop_restarts", "crashLoopRestarts"),
    ("observed_at", "observedAt"),
)


def encode_status(status: Status) -> bytes:
    value = {stored: getattr(status, attr) for attr, stored in _STATUS_FIELDS}
    return json.dumps(value, separators=(",", ":")).encode()


def decode_status(raw: bytes, *, revision: int = 0) -> Status:
    value = json.loads(raw)
    known = {attr: value[stored] for attr, stored in _STATUS_FIELDS if stored in value}
    return Status(**known, revision=revision)
