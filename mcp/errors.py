"""The error kinds that adapters raise and the API and actors understand.

Adapters (`store`, `runtime`) translate library exceptions into these, so no grpc,
aetcd or docker exception type escapes them. The API maps each kind to one HTTP
status in one place (`actors/api.py`).
"""

from __future__ import annotations


class McpError(Exception):
    """Base of every error mcp raises on purpose."""


class ConfigError(McpError):
    """The configuration is invalid; start-up stops with this message."""


class ListenFailed(McpError):
    """A server (the API, the cluster DNS) cannot listen on its address (in use, not
    ours, no permission)."""


# --- the store (etcd) ---------------------------------------------------------------------


class StoreUnavailable(McpError):
    """etcd did not answer in time or refused the connection. Transient: retry later."""


class Compacted(McpError):
    """A watch asked for history that etcd has compacted away: relist, then watch again."""

    def __init__(self, compacted_revision: int) -> None:
        super().__init__(f"revision compacted up to {compacted_revision}")
        self.compacted_revision = compacted_revision


# --- the runtime (Docker) -----------------------------------------------------------------


class RuntimeUnavailable(McpError):
    """The Docker engine did not answer in time or refused the connection. Transient."""


class ImageNotFound(McpError):
    """The image is not present locally (mcp never pulls in this version). Permanent."""


class RuntimeBusy(McpError):
    """Docker is busy with the container (being removed right now). Retry shortly."""


class PullFailed(McpError):
    """The image could not be pulled (registry unreachable, no such image). Retry later."""


class RuntimeRejected(McpError):
    """Docker refused the request for a reason retrying will not fix (bad command...)."""


class NameInUse(RuntimeRejected):
    """A create Docker refused because another container holds the name."""


# --- the API's view -----------------------------------------------------------------------


class NotFound(McpError):
    """No object matches the reference."""


class Conflict(McpError):
    """The request conflicts with the current state (name taken, ambiguous id, version)."""


class Unreadable(Conflict):
    """An object is stored, but its value cannot be read (written by hand, or by a newer
    mcp). Reads and updates answer 409 with this; a DELETE removes it."""

    def __init__(self, message: str, *, mod_revision: int) -> None:
        super().__init__(message)
        self.mod_revision = mod_revision  # the unreadable value's, for a guarded removal


class Invalid(McpError):
    """The request body is well-formed JSON but a field is wrong.

    Attributes:
        errors: one ``(field, message)`` pair per problem, field as a dotted path.
    """

    def __init__(self, errors: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(f"{field}: {message}" for field, message in errors))
        self.errors = errors
