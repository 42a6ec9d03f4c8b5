"""Response models of the v1 API: what it answers, and what `/openapi.json` documents.

Views are built by instantiating these models, so the OpenAPI document describes
exactly what the API sends. Request models live in `mcp.model` (they are also the
stored form).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel
from quart_schema import document_response

from mcp import selectors
from mcp.model import Container, ContainerSpec, Phase, Status


class _Out(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)


class ObjectMeta(_Out):
    name: str
    uid: str
    labels: dict[str, str] = Field(default_factory=dict)
    annotations: dict[str, str] = Field(default_factory=dict)
    resource_version: str = Field(description="opaque; send it back to update conditionally")
    generation: int = Field(description="bumped on every change of the spec")
    creation_timestamp: str
    deletion_timestamp: str | None = None


class ContainerStatus(_Out):
    phase: Phase
    container_id: str | None = Field(default=None, alias="containerID")
    observed_generation: int = 0
    restart_count: int = 0
    exit_code: int | None = None
    started_at: str | None = None
    finished_at: str | None = None
    reason: str = Field(default="", description="a machine word such as ErrImagePull")
    message: str = Field(default="", description="for people")
    last_transition_time: str | None = None
    next_restart_at: str | None = Field(
        default=None, description="in CrashLoopBackOff: when the next restart is due"
    )


class ContainerOut(_Out):
    api_version: Literal["mcp/v1"] = "mcp/v1"
    kind: Literal["Container"] = "Container"
    metadata: ObjectMeta
    spec: ContainerSpec
    status: ContainerStatus


class ContainerPatch(BaseModel):
    """An RFC 7396 merge patch of a Container, sent as application/merge-patch+json.

    Objects merge key by key, `null` deletes a key, anything else replaces. The
    patched object must be a valid Container; a `metadata.resourceVersion` in the
    patch makes it conditional.
    """

    model_config = ConfigDict(extra="allow")

    metadata: dict[str, Any] | None = None
    spec: dict[str, Any] | None = None


class ListMeta(_Out):
    resource_version: str


class ContainerList(_Out):
    api_version: Literal["mcp/v1"] = "mcp/v1"
    kind: Literal["ContainerList"] = "ContainerList"
    metadata: ListMeta
    items: list[ContainerOut]


class WatchEvent(_Out):
    """One line of a watch stream (newline-delimited JSON)."""

    type: Literal["ADDED", "MODIFIED", "DELETED", "BOOKMARK"]
    object: dict[str, Any] = Field(
        description="a Container; for BOOKMARK only metadata.resourceVersion"
    )


class ObjectReference(_Out):
    """core/v1 ObjectReference: the object an event is about."""

    api_version: str = Field(default="mcp/v1")
    kind: str = Field(default="Container")
    name: str
    uid: str
    namespace: str | None = Field(default=None, description="absent: Containers have none")
    field_path: str | None = None
    resource_version: str | None = None


class EventMeta(_Out):
    name: str = Field(description="<container>.<hex nanoseconds of the first occurrence>")
    namespace: Literal["default"] = "default"
    uid: str
    creation_timestamp: str
    resource_version: str


class EventSource(_Out):
    component: str = "mcp-controller"
    host: str | None = None


class Event(_Out):
    """A core/v1 Event: something the controller did or saw; repeats fold into one
    event whose `count` grows and whose `lastTimestamp` moves."""

    api_version: Literal["v1"] = "v1"
    kind: Literal["Event"] = "Event"
    metadata: EventMeta
    involved_object: ObjectReference
    reason: str = Field(description="Created, Started, Stopped, Killed, Failed, Adopted...")
    message: str
    type: str = Field(description="Normal or Warning")
    count: int
    first_timestamp: str
    last_timestamp: str
    event_time: str | None = None
    source: EventSource
    reporting_component: str = "mcp-controller"
    reporting_instance: str = ""


class EventList(_Out):
    """The container's Events, oldest last occurrence first: the same objects as
    `/api/v1/namespaces/default/events` serves."""

    api_version: Literal["v1"] = "v1"
    kind: Literal["EventList"] = "EventList"
    metadata: ListMeta
    items: list[Event]


class SeedStatus(BaseModel):
    phase: Phase
    container_id: str | None
    exit_code: int | None
    reason: str
    message: str
    observed_at: str | None
    observed_generation: int


class SeedObject(BaseModel):
    """A container as the seed API shows it: flat, with `cmd` (the spec's args)."""

    name: str
    uid: str
    image: str
    cmd: list[str]
    state: Literal["running", "stopped"]
    container_id: str | None = Field(description="the Docker container id, once created")
    resource_version: str
    generation: int
    created_at: str
    deletion_timestamp: str | None
    status: SeedStatus


class SeedList(BaseModel):
    items: list[SeedObject]
    revision: str


class SeedQuery(BaseModel):
    wait: float | None = Field(default=None, description="seconds to wait; default 30")


class ProblemField(BaseModel):
    field: str
    message: str


class Problem(BaseModel):
    """RFC 7807 problem details, the shape of every error."""

    type: str
    title: str
    status: int
    detail: str
    errors: list[ProblemField] | None = Field(default=None, description="for 422: each field")


MAX_WAIT_S = 300.0  # the longest `?wait` (`common.wait_seconds`)


class ContainerQuery(BaseModel):
    """Query parameters of the container calls (each call uses the ones that apply)."""

    wait: float | None = Field(
        default=None, ge=0, le=MAX_WAIT_S, description="seconds to wait for the controller"
    )
    dryRun: Literal["All"] | None = None  # Kubernetes' spelling of query parameters
    labelSelector: str | None = Field(default=None, json_schema_extra=selectors.SCHEMA)
    watch: bool | None = None
    resourceVersion: str | None = None
    fieldSelector: str | None = Field(
        default=None,
        # As `v1._object_name` reads it: a value with something but blanks, no comma.
        pattern=r"^\s*metadata\.name\s*==?[^,]*[^,\s][^,]*$",
        description="`metadata.name=NAME`: that container only (lists and watches)",
    )
    timeoutSeconds: int | None = Field(
        default=None, ge=0, description="a watch ends after this many seconds"
    )


def pending_status(obj: Container) -> Status:
    """What to show before the controller has reported anything."""
    return Status(
        uid=obj.uid,
        phase="Terminating" if obj.deleting else "Pending",
        reason="" if obj.deleting else "Waiting",
        message="waiting for the controller",
    )


def resource_version(obj: Container, status: Status | None) -> int:
    """An object's resourceVersion: the newer of its spec's and its status's revision.

    Both halves change what a client sees, so both move the version (a watch resumes
    after either). Updates only need the spec unchanged since the version the client
    read (see `registry.update`), so controller status writes never cause a 409.
    """
    return max(obj.resource_version, status.revision if status else 0)


def container_out(obj: Container, status: Status | None) -> ContainerOut:
    shown = status or pending_status(obj)
    return ContainerOut(
        metadata=ObjectMeta(
            name=obj.name,
            uid=obj.uid,
            labels=obj.labels,
            annotations=obj.annotations,
            resource_version=str(resource_version(obj, status)),
            generation=obj.generation,
            creation_timestamp=obj.created_at,
            deletion_timestamp=obj.deletion_timestamp,
        ),
        spec=obj.spec,
        status=ContainerStatus(
            phase="Terminating" if obj.deleting else shown.phase,
            container_id=shown.container_id,
            observed_generation=shown.observed_generation,
            restart_count=shown.restart_count,
            exit_code=shown.exit_code,
            started_at=shown.started_at,
            finished_at=shown.finished_at,
            reason=shown.reason,
            message=shown.message,
            last_transition_time=shown.last_transition_time or None,
            next_restart_at=shown.next_restart_at,
        ),
    )


def dump(model: BaseModel) -> dict[str, Any]:
    result: dict[str, Any] = model.model_dump(mode="json", by_alias=True)
    return result


def container_json(obj: Container, status: Status | None) -> dict[str, Any]:
    """An object as the v1 API answers it (`ContainerOut`), as JSON values: the one
    mapping of objects to answers (the seed calls' flat shape is made from it)."""
    return dump(container_out(obj, status))


F = TypeVar("F", bound=Callable[..., Any])

# Problems any call can answer: a bad query parameter, or etcd away.
READ_PROBLEMS = (400, 503)
# And those of calls with a body: too large, wrong content type, invalid fields.
WRITE_PROBLEMS = (400, 413, 415, 422, 503)


def problems(*codes: int) -> Callable[[F], F]:
    """Document that a route answers `Problem` with each of `codes`."""

    def decorate(route: F) -> F:
        for code in codes:
            route = document_response(Problem, code)(route)
        return route

    return decorate
