"""Pure data: what a user declares, what Docker shows, what the controller reports.

Imports nothing else from mcp. The JSON encodings here are the stored form in etcd
(`encode_*` / `decode_*`) and must stay backwards compatible: an mcp upgrade reads
what an older mcp wrote.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, Literal

DesiredState = Literal["running", "stopped"]
Phase = Literal["Pending", "Running", "Stopped", "Failed", "Terminating"]

DESIRED_STATES: tuple[DesiredState, ...] = ("running", "stopped")

# Labels on every Docker container mcp makes: they tie it to its object and to this
# control plane, so a restarted mcp adopts it instead of making a duplicate.
LABEL_UID = "mcp.uid"
LABEL_NAME = "mcp.name"
LABEL_CLUSTER = "mcp.cluster"
LABEL_SPEC_HASH = "mcp.spec-hash"


def now_iso() -> str:
    """The current time as ISO 8601 in UTC, to the millisecond."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def docker_name(name: str) -> str:
    """The deterministic Docker container name of object `name`."""
    return f"mcp-{name}"


@dataclass(frozen=True)
class ContainerSpec:
    """What the user declares for one container."""

    image: str
    cmd: tuple[str, ...]
    state: DesiredState = "running"

    def runtime_hash(self) -> str:
        """A digest of everything that needs a new Docker container when it changes.

        `state` is left out on purpose: changing it only starts or stops.
        """
        material = json.dumps({"image": self.image, "cmd": list(self.cmd)}, sort_keys=True)
        return hashlib.sha256(material.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Container:
    """One object: desired state plus the etcd metadata it was read with.

    `resource_version` and `create_revision` come from etcd (mod and create revision
    of the object's key) and are not part of the stored value. `create_revision`
    tells two incarnations of the same name apart.
    """

    name: str
    uid: str
    spec: ContainerSpec
    generation: int = 1
    created_at: str = ""
    deletion_timestamp: str | None = None
    resource_version: int = 0
    create_revision: int = 0

    @property
    def deleting(self) -> bool:
        return self.deletion_timestamp is not None

    def with_state(self, state: DesiredState) -> Container:
        """A copy whose desired state is `state`, the generation bumped if it changed."""
        if state == self.spec.state:
            return self
        return replace(self, spec=replace(self.spec, state=state), generation=self.generation + 1)


@dataclass(frozen=True)
class Status:
    """What the controller last observed of one object's Docker container."""

    uid: str  # the object incarnation this status is about
    phase: Phase
    container_id: str | None = None
    exit_code: int | None = None
    message: str = ""
    observed_generation: int = 0
    observed_at: str = ""

    def same_as(self, other: Status | None) -> bool:
        """Equal in everything but the observation time (which alone is not worth a write)."""
        return other is not None and replace(other, observed_at=self.observed_at) == self


@dataclass(frozen=True)
class Observed:
    """Docker's view of one container, as far as the controller needs it."""

    container_id: str
    uid: str | None
    spec_hash: str | None
    running: bool
    exit_code: int | None
    docker_status: str  # created, running, exited, dead...
    error: str = ""
    labels: dict[str, str] = field(default_factory=dict, compare=False)


# --- stored encodings ---------------------------------------------------------------------


def encode_container(obj: Container) -> bytes:
    value: dict[str, Any] = {
        "name": obj.name,
        "uid": obj.uid,
        "generation": obj.generation,
        "created_at": obj.created_at,
        "deletion_timestamp": obj.deletion_timestamp,
        "spec": {"image": obj.spec.image, "cmd": list(obj.spec.cmd), "state": obj.spec.state},
    }
    return json.dumps(value, separators=(",", ":")).encode()


def decode_container(raw: bytes, *, resource_version: int, create_revision: int) -> Container:
    value = json.loads(raw)
    spec = value["spec"]
    return Container(
        name=value["name"],
        uid=value["uid"],
        spec=ContainerSpec(image=spec["image"], cmd=tuple(spec["cmd"]), state=spec["state"]),
        generation=value["generation"],
        created_at=value["created_at"],
        deletion_timestamp=value.get("deletion_timestamp"),
        resource_version=resource_version,
        create_revision=create_revision,
    )


def encode_status(status: Status) -> bytes:
    value = {
        "uid": status.uid,
        "phase": status.phase,
        "container_id": status.container_id,
        "exit_code": status.exit_code,
        "message": status.message,
        "observed_generation": status.observed_generation,
        "observed_at": status.observed_at,
    }
    return json.dumps(value, separators=(",", ":")).encode()


def decode_status(raw: bytes) -> Status:
    value = json.loads(raw)
    return Status(
        uid=value["uid"],
        phase=value["phase"],
        container_id=value.get("container_id"),
        exit_code=value.get("exit_code"),
        message=value.get("message", ""),
        observed_generation=value.get("observed_generation", 0),
        observed_at=value.get("observed_at", ""),
    )
