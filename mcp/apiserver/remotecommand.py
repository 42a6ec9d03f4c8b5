"""Kubernetes' remote command protocol (exec and attach over WebSocket), as pure functions.

What kubectl and the client libraries speak to `pods/exec` and `pods/attach`, after
apimachinery's `wsstream` (the framing, v5's close), kube-apiserver's stream translator and the
kubelet's `remotecommand` server (the options, the `Status` on the error channel):

- Subprotocols: `v5.channel.k8s.io` (kubectl's only WebSocket offer) and `v4.channel.k8s.io`
  (older Python clients), the first one the client offers that mcp speaks. Both are binary:
  every message starts with its channel's byte, 0 stdin, 1 stdout, 2 stderr, 3 error, 4
  resize. v5 adds 255 followed by a channel byte: that channel is closed (stdin's end of file).
- The error channel carries one JSON `Status` when the process is done: `Success`, or
  `Failure` with reason `NonZeroExitCode` and the code as a cause (`ExitCode`), or an internal
  error, as the translator writes them (kubectl turns the code into its own exit code).
- Resize messages are JSON `{"Width": w, "Height": h}` objects, decoded as a stream (Go's
  `json.Decoder`: one or more per message, field names in any case).
- Options come from the query, as the API server's parameter codec reads them (a boolean is
  false only as `false` or `0`); a TTY takes stderr with it (the kubelet bypasses stderr).
- The container: the one named, else the Pod's only one, in the API server's words
  (`validateContainer`) when neither works.

No I/O; `apiserver.streams` drives a session with these.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from mcp.apiserver.status import KubeError

STDIN = 0
STDOUT = 1
STDERR = 2
ERROR = 3
RESIZE = 4
CHANNELS = 5
CLOSE = 255  # v5: the next byte names a channel the client is done with

V5 = "v5.channel.k8s.io"
V4 = "v4.channel.k8s.io"
PROTOCOLS = (V5, V4)  # what mcp speaks, preferred first

# kubectl's words, for a request without a command (its own check, before it asks).
NO_COMMAND = "you must specify at least one command for the container"
# The kubelet's (`remotecommand.NewOptions`).
NO_STREAMS = "you must specify at least 1 of stdin, stdout, stderr"
# kube-apiserver's, for a streaming request that asks for no upgrade (UpgradeAwareProxyHandler).
UPGRADE_REQUIRED = "Upgrade request required"
SPDY_NOT_SERVED = (
    "mcp serves exec and attach over WebSocket only (the {protocols} subprotocols), not "
    "SPDY: use a kubectl from 1.30 on, whose exec and attach speak WebSocket, or a client "
    "library that does"
)
PORT_FORWARD_NOT_SERVED = (
    "mcp does not serve port-forward (pods/portforward), over SPDY or WebSocket: reach the "
    "Pod's port through a hostPort, or `kubectl exec` into it"
)


def negotiate(offered: Sequence[str]) -> str | None:
    """The subprotocol to speak: the first one the client offers that mcp speaks (as
    `wsstream`'s handshake picks it), or None."""
    return next((protocol for protocol in offered if protocol in PROTOCOLS), None)


def unsupported(offered: Sequence[str]) -> str:
    """Why no subprotocol can be spoken, in `wsstream`'s words (with Go's list format)."""
    return (
        f"requested protocol(s) are not supported: [{' '.join(offered)}]; "
        f"supports [{' '.join(PROTOCOLS)}]"
    )


def spdy_not_served() -> str:
    return SPDY_NOT_SERVED.format(protocols=" and ".join(PROTOCOLS))


# --- framing -----------------------------------------------------------------------------


class ProtocolError(ValueError):
    """A message no client of the protocol sends (a malformed close)."""


@dataclass(frozen=True)
class Data:
    """Bytes the client sent on `channel`."""

    channel: int
    data: bytes


@dataclass(frozen=True)
class Closed:
    """The client is done with `channel` (v5): for stdin, the process's end of file."""

    channel: int


def frame(channel: int, data: bytes = b"") -> bytes:
    """A message carrying `data` on `channel`."""
    return bytes((channel,)) + data


def parse(message: bytes, protocol: str) -> Data | Closed | None:
    """What a client's message says; None for one to ignore (empty, or for a channel that
    does not exist, as `wsstream` ignores them).

    Raises:
        ProtocolError: a v5 close that names no channel, or one that does not exist.
    """
    if not message:
        return None
    if protocol == V5 and message[0] == CLOSE:
        if len(message) != 2:
            raise ProtocolError(
                "Single channel byte should follow stream close signal. "
                f"Got {len(message) - 1} bytes"
            )
        if message[1] >= CHANNELS:
            raise ProtocolError(
                f"Close is targeted for a channel {message[1]} that is not valid, "
                "possible protocol error"
            )
        return Closed(message[1])
    if message[0] >= CHANNELS:
        return None
    return Data(message[0], bytes(message[1:]))


# --- the error channel's Status ------------------------------------------------------------


def _status(body: dict[str, Any]) -> bytes:
    # Go's json.Marshal of a metav1.Status: no kind or apiVersion (its TypeMeta is empty),
    # an empty metadata, no zero code.
    return json.dumps({"metadata": {}, **body}, separators=(",", ":")).encode()


def success() -> bytes:
    return _status({"status": "Success"})


def exited(code: int) -> bytes:
    """A non-zero exit, as kube-apiserver's stream translator reports it to a WebSocket
    client (`codeExitToStatusError`; the message wraps the kubelet's own)."""
    return _status(
        {
            "status": "Failure",
            "message": (
                f"command terminated with non-zero exit code: command terminated with exit "
                f"code {code}"
            ),
            "reason": "NonZeroExitCode",
            "details": {"causes": [{"reason": "ExitCode", "message": str(code)}]},
        }
    )


def internal_error(text: str) -> bytes:
    """apimachinery's `NewInternalError`: what kubectl prints as `error: Internal error
    occurred: ...`."""
    return _status(
        {
            "status": "Failure",
            "message": f"Internal error occurred: {text}",
            "reason": "InternalError",
            "details": {"causes": [{"message": text}]},
            "code": 500,
        }
    )


def finished(exit_code: int | None, *, exec_: bool) -> bytes:
    """The Status for a session whose output has ended: an exec's exit (None: the exec
    vanished with its container), or an attach's detach (always a success, as the
    kubelet's `ServeAttach`)."""
    if not exec_:
        return success()
    if exit_code is None:
        return internal_error(
            "error executing command in container: its container is gone, and its exit code with it"
        )
    return success() if exit_code == 0 else exited(exit_code)


# --- resize ------------------------------------------------------------------------------


@dataclass(frozen=True)
class TerminalSize:
    width: int
    height: int


UINT16 = range(2**16)


class ResizeDecoder:
    """The resize channel's JSON objects, however its messages cut them. After a value Go's
    decoder would refuse, it decodes nothing more (the kubelet stops reading resizes)."""

    def __init__(self) -> None:
        self._text = ""
        self._decoder = json.JSONDecoder()
        self.broken = False

    def feed(self, data: bytes) -> list[TerminalSize]:
        if self.broken:
            return []
        try:
            self._text += data.decode()
        except UnicodeDecodeError:
            self.broken = True
            return []
        sizes: list[TerminalSize] = []
        while True:
            text = self._text.lstrip()
            if not text:
                self._text = ""
                return sizes
            try:
                value, end = self._decoder.raw_decode(text)
            except json.JSONDecodeError as exc:
                if exc.pos >= len(text.rstrip()):
                    self._text = text  # cut short: the rest comes in the next message
                    return sizes
                self.broken = True
                return sizes
            self._text = text[end:]
            size = _terminal_size(value)
            if size is None:
                self.broken = True
                return sizes
            sizes.append(size)


def _terminal_size(value: Any) -> TerminalSize | None:
    """A `TerminalSize` as Go decodes one: field names in any case, absent ones 0."""
    if not isinstance(value, dict):
        return None
    fields = {key.lower(): item for key, item in value.items()}
    # Go leaves a field that is absent or null at its zero value.
    width, height = (0 if fields.get(key) is None else fields[key] for key in ("width", "height"))
    for number in (width, height):
        if isinstance(number, bool) or not isinstance(number, int) or number not in UINT16:
            return None
    return TerminalSize(width, height)


# --- the request's options -----------------------------------------------------------------


@dataclass(frozen=True)
class Options:
    """What a `pods/exec` or `pods/attach` request asks for (PodExecOptions,
    PodAttachOptions)."""

    container: str
    command: tuple[str, ...]
    stdin: bool
    stdout: bool
    stderr: bool
    tty: bool


def _flag(values: Sequence[str]) -> bool:
    """apimachinery's `Convert_Slice_string_To_bool`: absent, `0` or `false` (any case) are
    false, any other first value is true."""
    if not values:
        return False
    return not (values[0] == "0" or values[0].lower() == "false")


def parse_options(getlist: Callable[[str], list[str]], *, exec_: bool) -> Options:
    """The request's options from its query (`getlist(name)` gives every value of one).

    Args:
        exec_: an exec (which needs a command) rather than an attach (which takes none).

    Raises:
        KubeError: 400, no command for an exec, or none of stdin, stdout and stderr.
    """
    command = tuple(getlist("command")) if exec_ else ()
    if exec_ and not command:
        raise KubeError(400, NO_COMMAND)
    tty = _flag(getlist("tty"))
    stdin, stdout = _flag(getlist("stdin")), _flag(getlist("stdout"))
    stderr = _flag(getlist("stderr")) and not tty  # the kubelet's: a TTY has no stderr
    if not (stdin or stdout or stderr):
        raise KubeError(400, NO_STREAMS)
    container = (getlist("container") or [""])[0]
    return Options(container, command, stdin, stdout, stderr, tty)


def choose_container(pod: dict[str, Any], requested: str) -> str:
    """The container a request addresses, as kube-apiserver's `validateContainer` picks it:
    the one named (any of the Pod's init, app or ephemeral containers), else the Pod's only
    app container.

    Raises:
        KubeError: 400, in the API server's words.
    """
    name = pod["metadata"]["name"]
    spec = pod.get("spec") or {}
    every = [
        str(container.get("name"))
        for field in ("initContainers", "containers", "ephemeralContainers")
        for container in spec.get(field) or []
    ]
    if requested:
        if requested not in every:
            raise KubeError(400, f"container {requested} is not valid for pod {name}")
        return requested
    app = spec.get("containers") or []
    if len(app) == 1:
        return str(app[0].get("name"))
    if not app:
        raise KubeError(400, f"a container name must be specified for pod {name}")
    raise KubeError(
        400,
        f"a container name must be specified for pod {name}, choose one of: [{' '.join(every)}]",
    )


def check_node(pod: dict[str, Any]) -> None:
    """Raises KubeError (400, the API server's words) for a Pod on no Node yet."""
    if not (pod.get("spec") or {}).get("nodeName"):
        name = pod["metadata"]["name"]
        raise KubeError(400, f"pod {name} does not have a host assigned")


def not_running(container: str, pod: dict[str, Any], *, exec_: bool) -> str:
    """The kubelet's words for a container with nothing running (`GetExec`, `GetAttach`)."""
    if exec_:
        return f'container not found ("{container}")'
    metadata = pod["metadata"]
    return f"container {container} not found in pod {metadata['name']}_{metadata['namespace']}"
