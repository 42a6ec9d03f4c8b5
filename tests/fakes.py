"""In-memory `Store` and `Runtime` for fast tests of the actors' logic.

They follow the real services' semantics as far as mcp relies on them, and
`test_store_contract.py` / `test_runtime_contract.py` run each fake and its real
counterpart through the same cases, so a fake cannot drift from what it imitates.
"""

from __future__ import annotations

import contextlib
import hashlib
import ipaddress
import itertools
import math
import re
import shlex
from collections import deque
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

import trio

from mcp import infra_image, rules, stdcopy
from mcp.errors import (
    Compacted,
    ImageNotFound,
    NameInUse,
    PullFailed,
    RuntimeBusy,
    RuntimeRejected,
    RuntimeUnavailable,
    StoreUnavailable,
)
from mcp.model import (
    LABEL_ROLE,
    ContainerSpec,
    HostInfo,
    ImageInfo,
    Observed,
    Port,
    format_time,
)
from mcp.process_io import ProcessStream
from mcp.runtime import LOG_STREAMS, LogQuery
from mcp.sandbox import (
    DEFAULT_DNS,
    LABEL_POD_UID,
    ROLE_POD_NETWORK,
    ContainerConfig,
    DnsConfig,
    PodNetwork,
    default_gateway,
    pod_network_problem,
)
from mcp.store import Compare, Delete, KeyValue, Listing, Put, WatchEvent


class FakeStore:
    """etcd's revisioned key space: every txn that writes bumps one global revision."""

    def __init__(self) -> None:
        self.revision = 1  # a fresh etcd starts at revision 1
        self.data: dict[str, KeyValue] = {}
        self.history: list[WatchEvent] = []  # what watches can still replay
        self.log: list[WatchEvent] = []  # everything, to answer reads at a past revision
        self.compacted = 0
        self.leases: dict[int, float] = {}  # lease id -> expiry (trio clock)
        self.lease_ttls: dict[int, int] = {}  # lease id -> TTL it was granted with
        self.key_leases: dict[str, int] = {}
        self._lease_ids = itertools.count(1000)
        self.available = True
        self._changed = trio.Event()

    def _check(self) -> None:
        if not self.available:
            raise StoreUnavailable("fake etcd is down")
        self._expire()

    def _expire(self) -> None:
        """Delete the keys of expired leases, as etcd does, in one revision."""
        now = trio.current_time()
        self._end_leases({lease for lease, deadline in self.leases.items() if deadline <= now})

    def _end_leases(self, ended: set[int]) -> None:
        if not ended:
            return
        doomed = [key for key, lease in self.key_leases.items() if lease in ended]
        for lease in ended:
            del self.leases[lease]
            del self.lease_ttls[lease]
        if doomed:
            self.revision += 1
            for key in doomed:
                old = self.data.pop(key)
                del self.key_leases[key]
                self._record(WatchEvent("delete", key, b"", self.revision, old.create_revision))
            self._changed.set()
            self._changed = trio.Event()

    def next_expiry(self) -> float:
        """When the next lease runs out (trio clock); inf with none."""
        return min(self.leases.values(), default=float("inf"))

    async def grant_lease(self, ttl: int) -> int:
        self._check()
        await trio.lowlevel.checkpoint()
        lease = next(self._lease_ids)
        self.leases[lease] = trio.current_time() + ttl
        self.lease_ttls[lease] = ttl
        return lease

    async def refresh_lease(self, lease: int) -> int:
        self._check()
        await trio.lowlevel.checkpoint()
        if lease not in self.leases:
            return 0  # etcd's answer for an expired or revoked lease
        ttl = self.lease_ttls[lease]
        self.leases[lease] = trio.current_time() + ttl
        return ttl

    async def revoke_lease(self, lease: int) -> None:
        self._check()
        await trio.lowlevel.checkpoint()
        if lease in self.leases:
            self._end_leases({lease})

    async def get(self, key: str) -> KeyValue | None:
        self._check()
        await trio.lowlevel.checkpoint()
        return self.data.get(key)

    async def list_prefix(self, prefix: str, *, revision: int | None = None) -> Listing:
        self._check()
        await trio.lowlevel.checkpoint()
        if revision is None or revision >= self.revision:
            data = self.data
        elif revision < self.compacted:
            raise Compacted(self.compacted)
        else:
            data = self._state_at(revision)
        items = [kv for key, kv in sorted(data.items()) if key.startswith(prefix)]
        return Listing(items=items, revision=self.revision if revision is None else revision)

    def _state_at(self, revision: int) -> dict[str, KeyValue]:
        """Replay the full log up to `revision` (the log is never truncated; see compact)."""
        state: dict[str, KeyValue] = {}
        for event in self.log:
            if event.mod_revision > revision:
                break
            if event.kind == "put":
                state[event.key] = KeyValue(
                    event.key, event.value, event.mod_revision, event.create_revision
                )
            else:
                state.pop(event.key, None)
        return state

    def _holds(self, compare: Compare) -> bool:
        kv = self.data.get(compare.key)
        if compare.target == "version":
            # mcp only ever compares version with 0 ("does not exist").
            actual = 0 if kv is None else 1
            expected = 0 if compare.value == 0 else 1
            return actual == expected if compare.op == "==" else actual < compare.value
        actual = (
            0
            if kv is None
            else (kv.mod_revision if compare.target == "mod" else kv.create_revision)
        )
        return actual == compare.value if compare.op == "==" else actual < compare.value

    async def txn(self, compare: Sequence[Compare], success: Sequence[Put | Delete]) -> int | None:
        self._check()
        await trio.lowlevel.checkpoint()
        if not all(self._holds(c) for c in compare):
            return None
        self.revision += 1
        for op in success:
            if isinstance(op, Put):
                old = self.data.get(op.key)
                created = old.create_revision if old else self.revision
                self.data[op.key] = KeyValue(op.key, op.value, self.revision, created)
                if op.lease:
                    self.key_leases[op.key] = op.lease
                else:
                    self.key_leases.pop(op.key, None)
                self._record(WatchEvent("put", op.key, op.value, self.revision, created))
            elif op.key in self.data:
                old = self.data.pop(op.key)
                self.key_leases.pop(op.key, None)
                self._record(WatchEvent("delete", op.key, b"", self.revision, old.create_revision))
        self._changed.set()
        self._changed = trio.Event()
        return self.revision

    def _record(self, event: WatchEvent) -> None:
        self.history.append(event)
        self.log.append(event)

    async def compact(self, revision: int) -> None:
        self._check()
        self.compacted = revision
        self.history = [e for e in self.history if e.mod_revision > revision]

    def open_watch(self, prefix: str, start_revision: int) -> _FakeWatch:
        return _FakeWatch(self, prefix, start_revision)


@dataclass
class _FakeWatch:
    store: FakeStore
    prefix: str
    next_revision: int

    async def __aenter__(self) -> _FakeWatch:
        self.store._check()
        return self

    async def __aexit__(self, *exc: object) -> None:
        return None

    async def next_batch(self) -> list[WatchEvent]:
        while True:
            self.store._check()
            if self.next_revision <= self.store.compacted:
                raise Compacted(self.store.compacted)
            events = [
                e
                for e in self.store.history
                if e.mod_revision >= self.next_revision and e.key.startswith(self.prefix)
            ]
            if events:
                self.next_revision = events[-1].mod_revision + 1
                return events
            # A lease running out deletes keys with no call to the store: wake for it,
            # so a watcher sees the expiry when etcd's would (the loop's _check expires).
            with trio.move_on_at(self.store.next_expiry()):
                await self.store._changed.wait()


@dataclass
class _FakeContainer:
    id: str
    image: str  # the reference it was made from
    labels: dict[str, str]
    # Its entrypoint and command; [] for its image's own, which in the fake runs until stopped.
    argv: list[str] = field(default_factory=list)
    ports: Sequence[Port] = ()  # the container ports it declares (and listens on)
    config: ContainerConfig | None = None  # a Pod's container: what it was made with
    created_at: str | None = None
    oom_killed: bool = False  # its last run was killed for want of memory
    status: str = "created"
    exit_code: int | None = None
    started_at: str | None = None
    finished_at: str | None = None
    hostname: str = ""
    published: Sequence[Port] = ()  # ports with a host port are bound at start
    network: str | None = None  # the network it is attached to (an infra container's)
    address: str | None = None  # its address there while it runs
    join: str | None = None  # the id of the container whose network namespace it shares
    infra: bool = False  # runs mcp's infra program, which exits 0 on SIGTERM
    dns: DnsConfig = DEFAULT_DNS
    # What it printed, as Docker's json-file driver keeps it: (when, stream, bytes).
    log: list[tuple[datetime, str, bytes]] = field(default_factory=list)
    tty: bool = False  # made with a TTY (a Pod's may be; mcp's specs never; tests set it)


@dataclass
class _FakeNetwork:
    id: str
    subnet: ipaddress.IPv4Network
    gateway: ipaddress.IPv4Address
    labels: dict[str, str]
    driver: str = "bridge"


# The fake's one piece of networking: a container listens on the container ports its spec
# declares while it runs, and a command fetching `http://localhost:<port>` exits 0 when
# something in its network namespace listens there, 1 when nothing does.
LOCAL_FETCH = re.compile(r"http://localhost:(\d+)")


# What a fake process understands: its argv, or `sh -c` with statements joined by `;`.
# `echo WORDS` (`>&2` for stderr), `cat` (stdin to stdout until end-of-file), `stty size`
# (its TTY's rows and columns), `sleep SECONDS`, `exit N`; anything else is not found, as
# Docker and busybox say it. With a TTY, output is all stdout, with `\r\n` line ends.
NOT_IN_PATH = (
    "OCI runtime exec failed: exec failed: unable to start container process: exec: "
    '"{command}": executable file not found in $PATH: unknown\r\n'
)


def _statements(argv: Sequence[str]) -> list[list[str]]:
    if len(argv) >= 3 and argv[0] == "sh" and argv[1] == "-c":
        return [shlex.split(part) for part in argv[2].split(";") if part.strip()]
    return [list(argv)]


class FakeProcessStream:
    """`ProcessStream` of a fake process (see above); `sizes` records its resizes."""

    KNOWN = frozenset({"echo", "cat", "stty", "sleep", "exit", "sh"})

    def __init__(self, argv: Sequence[str], *, tty: bool, stdin: bool, exits: bool) -> None:
        self._tty = tty
        self._exits = exits  # an exec has an exit code; an attached main process runs on
        self._statements = deque(_statements(argv))
        self._stdin_send, self._stdin_receive = trio.open_memory_channel[bytes](math.inf)
        if not stdin:
            self._stdin_send.close()
        self._code = 0
        self.sizes: list[tuple[int, int]] = []
        self.closed = False
        if argv and argv[0] not in self.KNOWN:
            self._statements.clear()
            self._statements.append(["echo", NOT_IN_PATH.format(command=argv[0])])
            self._code = 126

    @property
    def tty(self) -> bool:
        return self._tty

    def _out(self, stream: int, text: str) -> tuple[int, bytes]:
        if self._tty:
            return stdcopy.STDOUT, text.replace("\r\n", "\n").replace("\n", "\r\n").encode()
        return stream, text.encode()

    async def receive_some(self) -> tuple[int, bytes] | None:
        await trio.lowlevel.checkpoint()
        while self._statements and not self.closed:
            words = self._statements[0]
            if words[:1] == ["cat"]:
                try:
                    data = await self._stdin_receive.receive()
                except trio.EndOfChannel:
                    self._statements.popleft()
                    continue
                return self._out(stdcopy.STDOUT, data.decode())
            self._statements.popleft()
            match words:
                case ["echo", *text] if text[-1:] == [">&2"]:
                    return self._out(stdcopy.STDERR, " ".join(text[:-1]) + "\n")
                case ["echo", text] if text.endswith("\r\n"):
                    return self._out(stdcopy.STDOUT, text)  # Docker's own message
                case ["echo", *text]:
                    return self._out(stdcopy.STDOUT, " ".join(text) + "\n")
                case ["stty", "size"]:
                    rows, columns = self.sizes[-1][::-1] if self.sizes else (0, 0)
                    return self._out(stdcopy.STDOUT, f"{rows} {columns}\n")
                case ["sleep", seconds]:
                    await trio.sleep(float(seconds))
                case ["exit", code]:
                    self._code = int(code)
                    self._statements.clear()
                case [command, *_]:
                    self._code = 127
                    self._statements.clear()
                    return self._out(stdcopy.STDERR, f"sh: {command}: not found\n")
        return None

    async def send_all(self, data: bytes) -> None:
        await trio.lowlevel.checkpoint()
        try:
            self._stdin_send.send_nowait(data)
        except (trio.ClosedResourceError, trio.BrokenResourceError) as exc:
            raise RuntimeRejected("the process's stdin is closed") from exc

    def close_stdin(self) -> None:
        self._stdin_send.close()

    async def resize(self, width: int, height: int) -> None:
        await trio.lowlevel.checkpoint()
        if not self._tty:
            raise RuntimeRejected("the process has no TTY to resize")
        self.sizes.append((width, height))

    async def wait_exit(self) -> int | None:
        await trio.lowlevel.checkpoint()
        return self._code if self._exits else None


# What the main process of a Pod's container does when it is a script the fake can finish:
# `sh -c` with statements joined by `;` (or one argv) of `echo WORDS` (a word `$NAME` from
# its env, `$?` the last status; `>&2` for stderr), `pwd`, `id -u`, `id -g`, `id -G`,
# `cat FILE` (under a bind mount: the host's file), `touch FILE` (refused on a read-only
# rootfs or mount, allowed on a tmpfs), `grep CapEff|NoNewPrivs /proc/self/status`,
# `exit N`, and `busybox tail /dev/zero` (memory until its limit: killed, 137). With any
# other statement it runs until stopped. Its user is numeric (`uid` or `uid:gid`): a name
# is not in the fake images' passwd files, and the start is refused, as Docker's.
DOCKER_CAPABILITIES = {  # Docker's default set: name -> bit
    "CHOWN": 0,
    "DAC_OVERRIDE": 1,
    "FOWNER": 3,
    "FSETID": 4,
    "KILL": 5,
    "SETGID": 6,
    "SETUID": 7,
    "SETPCAP": 8,
    "NET_BIND_SERVICE": 10,
    "NET_RAW": 13,
    "SYS_CHROOT": 18,
    "MKNOD": 27,
    "AUDIT_WRITE": 29,
    "SETFCAP": 31,
}
OOM_EXIT = 137  # SIGKILL


@dataclass(frozen=True)
class _Ran:
    """A Pod container's process that ended: what it printed, its exit, its OOM kill."""

    output: list[tuple[str, str]]  # (stream, text)
    exit_code: int
    oom_killed: bool = False


@dataclass(frozen=True)
class _Over:
    """A mount in a Pod's container: a bind mount's host `source`, or None for a tmpfs."""

    target: str
    writable: bool
    source: str | None

    def on_host(self, path: str) -> Path:
        """Where the bind mount's `path` (in the container) is on the host."""
        assert self.source is not None
        return Path(self.source) / path[len(self.target) :].lstrip("/")


class _PodProcess:
    """The main process of a Pod's container (see above), run to its end at once."""

    FINITE = frozenset({"echo", "pwd", "id", "cat", "touch", "grep", "exit", "busybox"})

    def __init__(self, config: ContainerConfig, image_user: str) -> None:
        self._config = config
        self._env = dict(item.partition("=")[::2] for item in config.env)
        user, _, group = (config.user or image_user or "0").partition(":")
        if not user.isdigit() or not (group or "0").isdigit():
            raise RuntimeRejected(f"unable to find user {user}: no matching entries in passwd file")
        self._uid, self._gid = int(user), int(group or "0")

    def run(self, argv: Sequence[str]) -> _Ran | None:
        """Its output and exit, or None when it runs on."""
        statements = _statements(argv) if argv else []
        if not statements or not all(words and words[0] in self.FINITE for words in statements):
            return None
        output: list[tuple[str, str]] = []
        status = 0
        for words in statements:
            match words:
                case ["exit"]:
                    return _Ran(output, status)
                case ["exit", code]:
                    return _Ran(output, int(code))
                case ["busybox", "tail", "/dev/zero"]:
                    if self._config.memory_bytes is None:
                        return None  # it would take the host's memory
                    return _Ran(output, OOM_EXIT, oom_killed=True)
            printed, status = self._one(words, status)
            output.extend(printed)
        return _Ran(output, status)

    def _one(self, words: list[str], status: int) -> tuple[list[tuple[str, str]], int]:
        """One statement's output and status."""
        match words:
            case ["echo", *text]:
                stream = "stderr" if text[-1:] == [">&2"] else "stdout"
                text = text[:-1] if stream == "stderr" else text
                return [(stream, " ".join(self._word(w, status) for w in text) + "\n")], 0
            case ["pwd"]:
                return [("stdout", (self._config.working_dir or "/") + "\n")], 0
            case ["id", "-u"]:
                return [("stdout", f"{self._uid}\n")], 0
            case ["id", "-g"]:
                return [("stdout", f"{self._gid}\n")], 0
            case ["id", "-G"]:
                groups = [str(self._gid), *self._config.group_add]
                return [("stdout", " ".join(groups) + "\n")], 0
            case ["cat", path]:
                over = self._mounted(path)
                if over is not None and over.source is not None:  # the host's file
                    with contextlib.suppress(OSError):
                        return [("stdout", over.on_host(path).read_text())], 0
                return [("stderr", f"cat: can't open '{path}': No such file or directory\n")], 1
            case ["touch", path]:
                over = self._mounted(path)
                if not (over.writable if over else not self._config.read_only_rootfs):
                    return [("stderr", f"touch: {path}: Read-only file system\n")], 1
                if over is not None and over.source is not None:
                    over.on_host(path).touch()
                return [], 0
            case ["grep", ("CapEff" | "NoNewPrivs") as key, "/proc/self/status"]:
                if key == "NoNewPrivs":
                    return [("stdout", f"NoNewPrivs:\t{int(self._config.no_new_privileges)}\n")], 0
                return [("stdout", f"CapEff:\t{self._capabilities():016x}\n")], 0
        raise NotImplementedError(f"the fake's Pod containers cannot run {shlex.join(words)}")

    def _word(self, word: str, status: int) -> str:
        """`word` as sh expands it (whole words only): `$?`, `$NAME`."""
        if word == "$?":
            return str(status)
        return self._env.get(word[1:], "") if word.startswith("$") else word

    def _mounted(self, path: str) -> _Over | None:
        """The deepest mount `path` is on; None: the container's own file system."""
        over = [_Over(m.target, not m.read_only, m.source) for m in self._config.mounts]
        over += [_Over(target, True, None) for target, _ in self._config.tmpfs]
        found = [mount for mount in over if _under(path, mount.target)]
        return max(found, key=lambda mount: len(mount.target), default=None)

    def _capabilities(self) -> int:
        """Its effective set: Docker's default less those dropped; none for a user not root."""
        if self._uid != 0:
            return 0
        dropped = {name.upper().removeprefix("CAP_") for name in self._config.cap_drop}
        if "ALL" in dropped:
            return 0
        return sum(1 << bit for name, bit in DOCKER_CAPABILITIES.items() if name not in dropped)


def _under(path: str, directory: str) -> bool:
    return path == directory or path.startswith(directory.rstrip("/") + "/")


def _summary(observed: Observed) -> Observed:
    """`observed` as a listing shows it: without what Docker's summaries do not say."""
    return replace(
        observed,
        exit_code=None,
        error="",
        started_at=None,
        finished_at=None,
        hostname="",
        image="",
        image_id="",
        oom_killed=False,
        created_at=None,
    )


def _check_reference(reference: str) -> None:
    """Refuse what Docker's reference grammar refuses (an upper-case name, say)."""
    if rules.image_problem(reference) is not None:
        raise RuntimeRejected(f"no such image: {reference}: invalid reference format")


def _image_id(reference: str) -> str:
    """The ID of the fake's image `reference`: each reference is an image of its own."""
    return "sha256:" + hashlib.sha256(reference.encode()).hexdigest()


FAKE_HOST = HostInfo(
    name="Fake-Host",
    cpus=4,
    memory_bytes=8 * 1024**3,
    kernel_version="6.1.0-fake",
    os_image="Debian GNU/Linux 12 (bookworm)",
    operating_system="linux",
    architecture="x86_64",
    runtime_version="24.0.7",
    storage_bytes=100 * 1024**3,
    machine_id="0123456789abcdef0123456789abcdef",
    boot_id="00000000-0000-4000-8000-000000000001",
    internal_ip="192.0.2.10",
)


class _FakeLogChunks:
    """A fake container's log as Docker's json-file driver reads it back: the last `tail`
    entries (both streams), those since `since` of the streams asked for, then (following)
    what comes until it stops. A wait for the next chunk may be cut short: nothing is lost."""

    def __init__(self, runtime: FakeRuntime, container: _FakeContainer, query: LogQuery) -> None:
        self._runtime, self._container, self._query = runtime, container, query
        self._seen = 0 if query.tail is None else max(0, len(container.log) - query.tail)
        self._done = False

    def __aiter__(self) -> _FakeLogChunks:
        return self

    async def __anext__(self) -> bytes:
        while not self._done:
            # What changes after this is set on `changed`, even while a chunk is out.
            changed = self._runtime._logs_changed
            running = self._container.status in ("running", "paused")
            new = self._container.log[self._seen :]
            self._seen += len(new)
            self._done = not (self._query.follow and running)
            if chunk := self._shown(new):
                return chunk
            if not self._done:
                await changed.wait()
        raise StopAsyncIteration

    def _shown(self, entries: list[tuple[datetime, str, bytes]]) -> bytes:
        query, out = self._query, []
        for when, stream, data in entries:
            wanted = query.stdout if stream == "stdout" else query.stderr
            if not wanted or (query.since is not None and when.timestamp() < query.since):
                continue
            stamp = f"{when:%Y-%m-%dT%H:%M:%S}.{when.microsecond * 1000:09d}Z "
            out.append(stamp.encode() + data if query.timestamps else data)
        return b"".join(out)


@dataclass
class FakeRuntime:
    """A container engine in a dict. Images in `images` exist; `bad_commands` fail to start."""

    images: set[str] = field(default_factory=lambda: {"mcp-test/busybox:latest"})
    image_users: dict[str, str] = field(default_factory=dict)  # an image's USER, if any
    registry: set[str] = field(default_factory=set)  # images a pull would find
    crashing_commands: set[str] = field(default_factory=lambda: {"crash"})  # exit 1 at once
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    bad_commands: set[str] = field(default_factory=lambda: {"no-such-command"})
    containers: dict[str, _FakeContainer] = field(default_factory=dict)
    # Host ports something outside the engine listens on: a container publishing one fails
    # to start, as Docker's does.
    busy_host_ports: set[int] = field(default_factory=set)
    calls: list[str] = field(default_factory=list)
    # Each `stop`'s container (as named in the call) and its seconds before SIGKILL.
    stops: list[tuple[str, int]] = field(default_factory=list)
    # What `docker info` tells of the host; None: the engine does not answer it.
    host: HostInfo | None = field(default_factory=lambda: FAKE_HOST)
    networks: dict[str, _FakeNetwork] = field(default_factory=dict)
    infra_images: set[str] = field(default_factory=set)  # images in `images` it built itself
    log_streams_open: int = 0
    processes: list[FakeProcessStream] = field(default_factory=list)  # exec'd and attached
    _ids: itertools.count[int] = field(default_factory=itertools.count)
    # Set (and replaced) whenever a log grows or a container stops: followers look again.
    _logs_changed: trio.Event = field(default_factory=trio.Event)

    async def inspect(self, name: str) -> Observed | None:
        self.calls.append(f"inspect {name}")
        await trio.lowlevel.checkpoint()
        return self._observe(name)

    def _key(self, ref: str) -> str:
        """The name of the container `ref` names or ids (Docker takes either), else `ref`."""
        if ref in self.containers:
            return ref
        return next((key for key, c in self.containers.items() if c.id == ref), ref)

    def _observe(self, ref: str) -> Observed | None:
        name = self._key(ref)
        found = self.containers.get(name)
        if found is None:
            return None
        return Observed(
            container_id=found.id,
            uid=found.labels.get("mcp.uid"),
            spec_hash=found.labels.get("mcp.spec-hash"),
            running=found.status in ("running", "paused"),  # as Docker reports a paused one
            exit_code=found.exit_code if found.status == "exited" else None,
            docker_status=found.status,
            started_at=found.started_at,
            finished_at=found.finished_at,
            labels=dict(found.labels),
            name=name,
            hostname=found.hostname,
            addresses={found.network: found.address} if found.network and found.address else {},
            joined=found.join,
            image=found.image,
            image_id=_image_id(found.image),
            oom_killed=found.oom_killed,
            created_at=found.created_at,
        )

    async def create(
        self,
        name: str,
        *,
        spec: ContainerSpec,
        labels: dict[str, str],
        join: str | None = None,
    ) -> str:
        self.calls.append(f"create {name}")
        await trio.lowlevel.checkpoint()
        container = self._new(name, spec.image, {**spec.labels, **labels})
        container.argv = (spec.command or []) + (spec.args or [])
        container.ports = spec.ports
        container.published = spec.ports if join is None else ()
        container.join = join  # as Docker, not checked until the start
        return container.id

    async def create_pod_container(
        self, name: str, config: ContainerConfig, *, labels: dict[str, str], join: str
    ) -> str:
        self.calls.append(f"create {name}")
        await trio.lowlevel.checkpoint()
        container = self._new(name, config.image, dict(labels))
        container.argv = [*(config.entrypoint or ()), *(config.command or ())]
        container.config, container.tty = config, config.tty
        container.join = join  # as Docker, not checked until the start
        return container.id

    def _new(self, name: str, image: str, labels: dict[str, str]) -> _FakeContainer:
        _check_reference(image)
        if image not in self.images:
            raise ImageNotFound(f"No such image: {image}")
        if name in self.containers:
            raise NameInUse(f'Conflict. The container name "/{name}" is already in use')
        container_id = f"{next(self._ids):064x}"
        # Docker's default hostname is the id's first 12 characters.
        container = _FakeContainer(
            container_id,
            image,
            labels,
            created_at=format_time(self.clock()),
            hostname=container_id[:12],
        )
        self.containers[name] = container
        return container

    async def image_info(self, reference: str) -> ImageInfo | None:
        self.calls.append(f"image_info {reference}")
        await trio.lowlevel.checkpoint()
        _check_reference(reference)
        # Docker reads `name` as `name:latest`, and takes an image's ID too.
        untagged = "@" not in reference and ":" not in reference.rpartition("/")[2]
        tagged = f"{reference}:latest" if untagged else reference
        for image in self.images:
            if tagged == image or reference == _image_id(image):
                return ImageInfo(_image_id(image), self.image_users.get(image, ""), (image,))
        return None

    def add_network(self, name: str, subnet: str, *, labels: dict[str, str]) -> None:
        """`docker network create`, done behind mcp's back."""
        network = ipaddress.IPv4Network(subnet)
        self.networks[name] = _FakeNetwork(
            f"{next(self._ids):064x}", network, default_gateway(network), labels
        )

    async def ensure_pod_network(self, name: str, subnet: ipaddress.IPv4Network) -> PodNetwork:
        self.calls.append(f"ensure_pod_network {name}")
        await trio.lowlevel.checkpoint()
        if name not in self.networks:
            if any(network.subnet.overlaps(subnet) for network in self.networks.values()):
                raise RuntimeRejected(
                    f"cannot create the pod network {name}: its subnet {subnet} overlaps a "
                    "network already on Docker at fake:// (Pool overlaps with other one on "
                    "this address space); choose another pod_subnet"
                )
            self.add_network(name, str(subnet), labels={LABEL_ROLE: ROLE_POD_NETWORK})
        found = self.networks[name]
        problem = pod_network_problem(
            name, subnet, labels=found.labels, driver=found.driver, subnets=[str(found.subnet)]
        )
        if problem is not None:
            raise RuntimeRejected(problem)
        return PodNetwork(found.id, name, subnet, found.gateway)

    async def ensure_infra_image(self, reference: str = infra_image.INFRA_IMAGE) -> str:
        self.calls.append(f"ensure_infra_image {reference}")
        await trio.lowlevel.checkpoint()
        if reference in self.images and reference not in self.infra_images:
            raise RuntimeRejected(f"image {reference} is not mcp's infra image")
        architecture = self.host.architecture if self.host else ""
        if reference not in self.images and architecture not in infra_image.ARCHITECTURES:
            raise RuntimeRejected(f"mcp has no infra program for {architecture}")
        self.images.add(reference)
        self.infra_images.add(reference)
        return reference

    async def create_infra(
        self,
        name: str,
        *,
        image: str,
        network: str,
        hostname: str,
        labels: dict[str, str],
        dns: DnsConfig = DEFAULT_DNS,
        ports: Sequence[Port] = (),
    ) -> str:
        self.calls.append(f"create_infra {name}")
        await trio.lowlevel.checkpoint()
        # A container carries its image's labels under its own, as Docker's does.
        image_labels = {LABEL_ROLE: infra_image.ROLE_INFRA} if image in self.infra_images else {}
        container = self._new(name, image, {**image_labels, **labels})
        container.hostname, container.published, container.dns = hostname, ports, dns
        container.network, container.infra = network, True
        return container.id

    def _attach(self, name: str, container: _FakeContainer) -> None:
        """What Docker does to a container's network at its start."""
        if container.join is not None:
            holder = self.containers.get(self._key(container.join))
            if holder is None:
                raise RuntimeRejected(
                    f"cannot start {name}: the container whose network namespace it joins "
                    f"is gone (No such container: {container.join})"
                )
            if holder.status != "running":
                raise RuntimeRejected(
                    f"cannot join network of a non running container: {container.join}"
                )
            container.hostname = holder.hostname
        elif container.network is not None:
            if container.network not in self.networks:
                raise RuntimeRejected(f"network {container.network} not found")
            network = self.networks[container.network]
            attached = self.containers.values()
            taken = {c.address for c in attached if c.network == container.network}
            taken.add(str(network.gateway))
            hosts = (str(host) for host in network.subnet.hosts())
            container.address = next(host for host in hosts if host not in taken)

    def _answers(self, container: _FakeContainer, port: int) -> bool:
        """Whether a running container in `container`'s network namespace listens on `port`."""
        namespace = container.join or container.id
        return any(
            other.status == "running"
            and (other.join or other.id) == namespace
            and any(declared.container_port == port for declared in other.ports)
            for other in self.containers.values()
        )

    async def pull(self, image: str) -> None:
        self.calls.append(f"pull {image}")
        await trio.lowlevel.checkpoint()
        if image not in self.registry:
            raise PullFailed(f"pulling {image}: no registry can be reached")
        self.images.add(image)

    def _get(self, name: str) -> _FakeContainer:
        if self._key(name) not in self.containers:
            raise RuntimeRejected(f"No such container: {name}")
        return self.containers[self._key(name)]

    async def start(self, name: str) -> None:
        self.calls.append(f"start {name}")
        await trio.lowlevel.checkpoint()
        if self._key(name) not in self.containers:
            raise RuntimeBusy(f"No such container: {name}")  # as the real adapter says it
        container = self._get(name)
        argv = container.argv
        for port in container.published:
            if port.host_port in self.busy_host_ports:
                raise RuntimeRejected(
                    f"driver failed programming external connectivity on endpoint {name}: "
                    f"listen tcp4 {port.host_ip or '0.0.0.0'}:{port.host_port}: bind: "
                    "address already in use"
                )
        if argv and argv[0] in self.bad_commands:
            container.status, container.exit_code = "created", None
            raise RuntimeRejected(f'exec: "{argv[0]}": executable file not found')
        process = None
        if container.config is not None:
            image_user = self.image_users.get(container.image, "")
            process = _PodProcess(container.config, image_user)  # refuses a user it lacks
        self._attach(name, container)
        now = format_time(self.clock())
        container.oom_killed = False  # as Docker, for this run
        fetched = LOCAL_FETCH.search(" ".join(argv))
        if fetched is not None:
            container.status, container.address = "exited", None
            container.exit_code = 0 if self._answers(container, int(fetched.group(1))) else 1
            container.started_at = container.finished_at = now
            return
        if argv and argv[0] in self.crashing_commands:
            container.status, container.exit_code = "exited", 1
            container.started_at = container.finished_at = now
            return
        ran = process.run(argv) if process is not None else None
        if ran is not None:
            for stream, text in ran.output:
                if container.tty:  # one stream, and the terminal's line ends
                    stream, text = "stdout", text.replace("\n", "\r\n")
                container.log.append((self.clock(), stream, text.encode()))
            container.status, container.exit_code = "exited", ran.exit_code
            container.oom_killed = ran.oom_killed
            container.started_at = container.finished_at = now
            self._poke_logs()
            return
        container.status, container.exit_code = "running", None
        container.started_at, container.finished_at = now, None

    def pause(self, name: str) -> None:
        """`docker pause`, done behind mcp's back."""
        self._get(name).status = "paused"

    async def unpause(self, name: str) -> None:
        self.calls.append(f"unpause {name}")
        await trio.lowlevel.checkpoint()
        container = self._get(name)
        if container.status != "paused":
            raise RuntimeRejected(f"Container {container.id} is not paused")
        container.status = "running"

    async def stop(self, name: str, *, kill_after_s: int = 10) -> None:
        self.calls.append(f"stop {name}")
        self.stops.append((name, kill_after_s))
        await trio.lowlevel.checkpoint()
        container = self.containers.get(self._key(name))
        if container is not None and container.status == "running":
            # Ended by SIGTERM; mcp's infra program exits 0 on it.
            container.status, container.exit_code = "exited", 0 if container.infra else 143
            container.finished_at = format_time(self.clock())
            container.address = None  # Docker releases the address at the stop
            self._poke_logs()

    async def list_managed(
        self, cluster_id: str, *, uid: str | None = None, pod_uid: str | None = None
    ) -> list[Observed]:
        asked = [f"{key}={value}" for key, value in (("uid", uid), ("pod_uid", pod_uid)) if value]
        self.calls.append(" ".join(["list", *asked]))
        await trio.lowlevel.checkpoint()
        wanted = {"mcp.cluster": cluster_id, "mcp.uid": uid, LABEL_POD_UID: pod_uid}
        found = []
        for name, container in self.containers.items():
            if all(v is None or container.labels.get(k) == v for k, v in wanted.items()):
                observed = self._observe(name)
                assert observed is not None
                found.append(_summary(observed))
        return found

    def rename_by_hand(self, name: str, new_name: str) -> None:
        """`docker rename`, done behind mcp's back."""
        self.containers[new_name] = self.containers.pop(name)

    async def rename(self, container_id: str, name: str) -> None:
        self.calls.append(f"rename {name}")
        await trio.lowlevel.checkpoint()
        if name in self.containers:
            raise NameInUse(f'Conflict. The container name "/{name}" is already in use')
        for key, container in list(self.containers.items()):
            if container_id in (key, container.id):
                self.containers[name] = self.containers.pop(key)
                return
        raise RuntimeRejected(f"No such container: {container_id}")

    async def remove(self, name: str) -> None:
        self.calls.append(f"remove {name}")
        await trio.lowlevel.checkpoint()
        for key, container in list(self.containers.items()):
            if name in (key, container.id):  # Docker takes a name or an id
                del self.containers[key]
                container.status = "removed"  # its followers end
                self._poke_logs()

    def remove_by_hand(self, name: str) -> None:
        """`docker rm -f`, done behind mcp's back (a name or an id)."""
        key = self._key(name)
        self._get(key).status = "removed"  # its followers end
        del self.containers[key]
        self._poke_logs()

    def _poke_logs(self) -> None:
        self._logs_changed.set()
        self._logs_changed = trio.Event()

    def write_log(self, name: str, text: str, *, stream: str = "stdout") -> None:
        """The container prints `text` on its `stdout` or `stderr`, logged now."""
        self._get(name).log.append((self.clock(), stream, text.encode()))
        self._poke_logs()

    def exit_by_hand(self, name: str, code: int = 0) -> None:
        """The container's process ends on its own with `code`."""
        container = self._get(name)
        container.status, container.exit_code = "exited", code
        container.finished_at = format_time(self.clock())
        self._poke_logs()

    @asynccontextmanager
    async def open_logs(
        self, container: str, query: LogQuery
    ) -> AsyncIterator[AsyncIterator[bytes]]:
        self.calls.append(f"logs {container}")
        await trio.lowlevel.checkpoint()
        key = self._key(container)
        if key not in self.containers:
            raise RuntimeRejected(f"No such container: {container}")
        if self.log_streams_open >= LOG_STREAMS:
            raise RuntimeBusy(f"{LOG_STREAMS} log streams are open on Docker at fake://")
        self.log_streams_open += 1
        try:
            yield _FakeLogChunks(self, self.containers[key], query)
        finally:
            self.log_streams_open -= 1

    def _running(self, name: str) -> _FakeContainer:
        container = self._get(name)
        if container.status not in ("running", "paused"):
            raise RuntimeRejected(f"Container {container.id} is not running")
        return container

    @asynccontextmanager
    async def open_exec(
        self,
        container: str,
        *,
        command: Sequence[str],
        stdin: bool,
        stdout: bool,
        stderr: bool,
        tty: bool,
        env: Sequence[str] = (),
    ) -> AsyncIterator[ProcessStream]:
        self.calls.append(f"exec {container} {' '.join(command)}")
        await trio.lowlevel.checkpoint()
        self._running(container)
        process = FakeProcessStream(command, tty=tty, stdin=stdin, exits=True)
        self.processes.append(process)
        try:
            yield process
        finally:
            process.closed = True

    @asynccontextmanager
    async def open_attach(
        self, container: str, *, stdin: bool, stdout: bool, stderr: bool
    ) -> AsyncIterator[ProcessStream]:
        self.calls.append(f"attach {container}")
        await trio.lowlevel.checkpoint()
        found = self._running(container)
        process = FakeProcessStream(found.argv, tty=found.tty, stdin=stdin, exits=False)
        self.processes.append(process)
        try:
            yield process
        finally:
            process.closed = True

    async def host_info(self) -> HostInfo:
        self.calls.append("info")
        await trio.lowlevel.checkpoint()
        if self.host is None:
            raise RuntimeUnavailable("Docker at fake:// did not answer within 20 s")
        return self.host
