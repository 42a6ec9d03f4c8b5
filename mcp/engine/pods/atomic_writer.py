"""Volume files on disk, swapped atomically; subPaths resolved without escaping a volume.

File system I/O, as in `volume_dirs`: every blocking call runs in a worker
thread (`trio.to_thread.run_sync`, not abandoned on cancellation, so a write always
finishes or fails as a whole and never leaves half a payload behind).

`write` ports the kubelet's AtomicWriter (`pkg/volume/util/atomic_writer.go`). A
volume directory holds its payload in a hidden timestamped directory
(`..2024_05_01_12_00_00.123456789`), `..data` is a symlink to it, and each top-level
name the user sees is a symlink through `..data` (`config.yaml -> ..data/config.yaml`,
`dir -> ..data/dir`). An update writes a new timestamped directory, points a new
`..data_tmp` symlink at it and renames that over `..data`: rename(2) is atomic, so a
container (the directory is bind-mounted into it) sees the old files or the new ones,
never a mix, and a file it opened before the swap still reads the old content. Then
stale top-level links and the old payload go. A payload the same as what is on disk
writes nothing. Paths are checked first, with upstream's messages: none absolute, none
with a `..` element, none starting with `..` (the writer's own names).

Differences from upstream: a payload whose path is both a file and a directory ("a" and
"a/b") is refused up front rather than failing halfway in map order; a leftover
`..data_tmp` or timestamped directory of an interrupted write is cleared rather than
failing every later write or leaking; a changed mode counts as a change; modes are
permission bits (as Go's `os.FileMode` of an int32 is). Ownership (fsGroup) is not set.
Secrets must never touch a disk: `require_memory=True` refuses a directory that is not
on tmpfs or ramfs (the kubelet backs secret, downwardAPI and projected volumes with a
memory emptyDir, configMap ones with a disk one; `volume_dirs` mounts the tmpfs).

`resolve_subpath` is the intent of the kubelet's subpath code (`doSafeMakeDir`,
`doSafeOpen` in `pkg/volume/util/subpath/subpath_linux.go`) for a Docker 20.10 bind
mount: the real path of `<volume>/<subPath>`, symlinks inside the volume followed, one
leading out refused, missing directories created one component at a time without
following links. Docker is handed a path, not a file descriptor, so a container that
can write the volume could still swap a checked directory for a link between this check
and Docker's mount; the kubelet closes that gap by mounting `/proc/<pid>/fd/<n>`.

Callers serialise writes to one directory (as the kubelet's volume manager does).
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import tempfile
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import NamedTuple

import trio

from mcp.engine.pods.volumes import clean_path
from mcp.errors import McpError

DATA_DIR = "..data"
NEW_DATA_DIR = "..data_tmp"
MAX_FILE_NAME = 255
MAX_PATH = 4096
TIMESTAMP_FORMAT = "..%Y_%m_%d_%H_%M_%S."
TIMESTAMPED_RE = re.compile(r"\.\.\d{4}_\d\d_\d\d_\d\d_\d\d_\d\d\..+")
MEMORY_FILESYSTEMS = frozenset({"tmpfs", "ramfs"})
MOUNTINFO = "/proc/self/mountinfo"
_OCTAL_ESCAPE = re.compile(r"\\([0-7]{3})")  # mountinfo writes " " as \040
PERMISSION_BITS = 0o777

Files = Mapping[str, tuple[bytes, int]]


class VolumeWriteError(McpError):
    """The payload is invalid or could not be written; the message says why."""


class SubPathError(McpError):
    """A subPath that cannot be used: absolute, with `..`, leading out of its volume, or
    not creatable. The kubelet shows users only `failed to prepare subPath for
    volumeMount "m" of container "c"`, this detail going to its log."""


# --- the payload (pure) ---------------------------------------------------------------------


def validate_path(path: str) -> None:
    """validatePath: refuse an empty, absolute, too long or escaping path.

    Raises:
        VolumeWriteError: with upstream's message.
    """
    if not path:
        raise VolumeWriteError(f'invalid path: must not be empty: "{path}"')
    if path.startswith("/"):
        raise VolumeWriteError(f"invalid path: must be relative path: {path}")
    if len(path.encode()) > MAX_PATH:
        raise VolumeWriteError(f"invalid path: must be less than or equal to {MAX_PATH} characters")
    items = path.split("/")
    for item in items:
        if item == "..":
            raise VolumeWriteError(f"invalid path: must not contain '..': {path}")
        if len(item.encode()) > MAX_FILE_NAME:
            raise VolumeWriteError(
                f"invalid path: filenames must be less than or equal to {MAX_FILE_NAME} characters"
            )
    if items[0].startswith("..") and len(items[0]) > 2:
        raise VolumeWriteError(f"invalid path: must not start with '..': {path}")


def validate_payload(payload: Files) -> dict[str, tuple[bytes, int]]:
    """validatePayload: every path checked, then cleaned (`a//b` is `a/b`).

    Raises:
        VolumeWriteError: a path upstream refuses, or one that is a file and also a
            directory of another (mcp's check; upstream fails halfway through the write).
    """
    clean: dict[str, tuple[bytes, int]] = {}
    for path, (data, mode) in payload.items():
        validate_path(path)
        cleaned = clean_path(path)
        if cleaned == ".":
            raise VolumeWriteError(f"invalid path: must name a file: {path}")
        clean[cleaned] = (bytes(data), mode & PERMISSION_BITS)
    for path in clean:
        for parent in _parents(path):
            if parent in clean:
                raise VolumeWriteError(f"invalid path: {parent} is a file and a directory: {path}")
    return clean


def _parents(path: str) -> list[str]:
    parts = path.split("/")
    return ["/".join(parts[:end]) for end in range(1, len(parts))]


def _with_parents(paths: list[str]) -> set[str]:
    # pathsToRemove's new paths: every file of the payload and the directories above it.
    return {entry for path in paths for entry in (path, *_parents(path))}


# --- write ------------------------------------------------------------------------------


async def write(target_dir: str | Path, payload: Files, *, require_memory: bool = False) -> bool:
    """Project `payload` into `target_dir` atomically, as the kubelet's AtomicWriter.

    Args:
        target_dir: the volume's directory; it must exist.
        payload: file contents and permission bits by relative path (`volume_files`).
        require_memory: refuse unless `target_dir` is on tmpfs or ramfs (for Secrets).

    Returns:
        Whether anything changed on disk (False: the payload was already there).

    Raises:
        VolumeWriteError: an invalid payload (upstream's message), a directory not in
            memory when that is required, or the file system's error.
    """
    clean = validate_payload(payload)
    return await trio.to_thread.run_sync(_write, Path(target_dir), clean, require_memory)


def _write(target: Path, payload: dict[str, tuple[bytes, int]], require_memory: bool) -> bool:
    try:
        if not target.is_dir():
            raise VolumeWriteError(f"volume directory {target} does not exist")
        if require_memory and filesystem_type(target) not in MEMORY_FILESYSTEMS:
            raise VolumeWriteError(f"volume directory {target} is not on tmpfs: refusing secrets")
        return _project(target, payload)
    except OSError as error:
        raise VolumeWriteError(f"writing volume {target}: {error}") from error


def _project(target: Path, payload: dict[str, tuple[bytes, int]]) -> bool:
    data_dir = target / DATA_DIR
    old = os.readlink(data_dir) if data_dir.is_symlink() else ""
    changed = True
    to_remove: set[str] = set()
    if old:
        old_dir = target / old
        to_remove = _old_paths(old_dir) - _with_parents(list(payload))
        if not to_remove and not _differs(old_dir, payload):
            changed = False  # the payload is on disk; the user-visible links are checked below
    if changed:
        new_dir = Path(
            tempfile.mkdtemp(prefix=datetime.now(UTC).strftime(TIMESTAMP_FORMAT), dir=target)
        )
        try:
            # 0755 lets group and others walk the tree whatever the process's umask.
            new_dir.chmod(0o755)
            _write_files(new_dir, payload)
            link = target / NEW_DATA_DIR
            if link.is_symlink() or link.exists():
                link.unlink()  # an interrupted write's: the name is the writer's own
            os.symlink(new_dir.name, link)
            os.rename(link, data_dir)  # atomic: readers see the old payload or the new
        except BaseException:
            shutil.rmtree(new_dir, ignore_errors=True)
            raise
    _link_visible(target, payload)
    _remove_visible(target, to_remove)
    if changed:
        _remove_stale(target, keep=os.readlink(data_dir))
    return changed


def _old_paths(old_dir: Path) -> set[str]:
    # Every file and directory of the current payload, relative, links not followed;
    # none when `..data` dangles (as upstream's walk of a missing directory).
    found: set[str] = set()
    pending = [old_dir] if old_dir.is_dir() else []
    while pending:
        directory = pending.pop()
        with os.scandir(directory) as entries:
            for entry in entries:
                relative = Path(entry.path).relative_to(old_dir).as_posix()
                found.add(relative)
                if entry.is_dir(follow_symlinks=False):
                    pending.append(Path(entry.path))
    return found


def _differs(old_dir: Path, payload: dict[str, tuple[bytes, int]]) -> bool:
    # shouldWritePayload, and a changed mode too.
    for path, (data, mode) in payload.items():
        current = old_dir / path
        if not current.is_file() or current.is_symlink():
            return True
        if stat.S_IMODE(current.stat().st_mode) != mode or current.read_bytes() != data:
            return True
    return False


def _write_files(directory: Path, payload: dict[str, tuple[bytes, int]]) -> None:
    for path, (data, mode) in payload.items():
        full = directory / path
        full.parent.mkdir(parents=True, exist_ok=True)
        # A fresh directory of ours: O_EXCL and O_NOFOLLOW only make sure of it.
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
        descriptor = os.open(full, flags, mode)
        try:
            os.fchmod(descriptor, mode)  # the umask narrowed open's mode
            view = memoryview(data)
            while view:
                view = view[os.write(descriptor, view) :]
        finally:
            os.close(descriptor)


def _link_visible(target: Path, payload: dict[str, tuple[bytes, int]]) -> None:
    # createUserVisibleFiles: `name -> ..data/name` for each top-level name lacking one.
    for top in {path.split("/", 1)[0] for path in payload}:
        visible = target / top
        if not visible.is_symlink() and not visible.exists():
            os.symlink(f"{DATA_DIR}/{top}", visible)


def _remove_visible(target: Path, paths: set[str]) -> None:
    # removeUserVisiblePaths: only top-level links; what is below goes with the old payload.
    failed: OSError | None = None
    for path in sorted(paths):
        if "/" in path:
            continue
        try:
            (target / path).unlink()
        except OSError as error:
            failed = error
    if failed is not None:
        raise failed


def _remove_stale(target: Path, *, keep: str) -> None:
    # The previous payload, and any an interrupted write left behind.
    for entry in target.iterdir():
        if entry.name != keep and TIMESTAMPED_RE.fullmatch(entry.name) and not entry.is_symlink():
            shutil.rmtree(entry)


def is_within(path: str, base: str) -> bool:
    """Whether `path` is `base` or below it (both absolute and clean)."""
    return path == base or path.startswith(base.rstrip("/") + "/")


class Mount(NamedTuple):
    """One mount of /proc/self/mountinfo: where, and the type of its file system."""

    point: str
    fs_type: str


def mounts() -> list[Mount]:
    """The mounts of this process's mount namespace, in mount order (a later one at the
    same point is on top of an earlier one).

    Raises:
        OSError: /proc/self/mountinfo cannot be read.
    """
    found: list[Mount] = []
    # surrogateescape: a path that is not UTF-8 compares with, and encodes back as,
    # what os.fsdecode gives for it.
    with open(MOUNTINFO, encoding="utf-8", errors="surrogateescape") as lines:
        for line in lines:
            fields, _, rest = line.partition(" - ")
            parts = fields.split()
            if len(parts) < 5 or not rest:
                continue
            point = _OCTAL_ESCAPE.sub(lambda m: chr(int(m[1], 8)), parts[4])
            found.append(Mount(point, rest.split()[0]))
    return found


def filesystem_type(path: Path) -> str:
    """The type of the file system holding `path` (`tmpfs`, `ext4`...), from the
    longest mount point above it in /proc/self/mountinfo; "" when unknown."""
    real = os.path.realpath(path)
    try:
        found = mounts()
    except OSError:
        return ""
    best, kind = "", ""
    for mount in found:
        if is_within(real, mount.point) and len(mount.point) >= len(best):
            best, kind = mount.point, mount.fs_type
    return kind


# --- subPath ------------------------------------------------------------------------------


async def resolve_subpath(volume_dir: str | Path, sub_path: str) -> Path:
    """The real path of `sub_path` in the volume, for a bind mount; missing directories
    are created with the volume directory's mode.

    Raises:
        SubPathError: `sub_path` is absolute or has a `..` element (the kubelet's
            messages), leads out of the volume through a link, or cannot be created.
    """
    if sub_path.startswith("/"):
        raise SubPathError(f"error SubPath `{sub_path}` must not be an absolute path")
    if ".." in clean_path(sub_path).split("/"):
        raise SubPathError(f"unable to provision SubPath `{sub_path}`: must not contain '..'")
    return await trio.to_thread.run_sync(_resolve, Path(volume_dir), sub_path)


def _resolve(volume_dir: Path, sub_path: str) -> Path:
    try:
        base = os.path.realpath(volume_dir, strict=True)
        real = os.path.realpath(os.path.join(base, sub_path))
        if not is_within(real, base):
            raise SubPathError(f"path {real} is outside of allowed base {base}")
        _open_safely(base, os.path.relpath(real, base), stat.S_IMODE(os.stat(base).st_mode))
    except OSError as error:
        raise SubPathError(f"subPath {sub_path} of {volume_dir}: {error}") from error
    return Path(real)


def _open_safely(base: str, relative: str, mode: int) -> None:
    # doSafeMakeDir and doSafeOpen: walk from the volume down, one component at a time,
    # never following a link (the real path has none, so one now is a race, refused),
    # creating the missing directories.
    parts = [] if relative == "." else relative.split("/")
    directory = os.open(base, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        for index, part in enumerate(parts):
            last = index == len(parts) - 1
            flags = os.O_NOFOLLOW | os.O_CLOEXEC
            try:
                child = os.open(part, flags | os.O_PATH, dir_fd=directory)
            except FileNotFoundError:
                os.mkdir(part, mode, dir_fd=directory)
                child = os.open(part, flags | os.O_RDONLY | os.O_DIRECTORY, dir_fd=directory)
                created = True
            else:
                created = False
            os.close(directory)
            directory = child
            if created:
                os.fchmod(directory, mode)  # the umask narrowed mkdir's mode
            kind = os.fstat(directory).st_mode
            walked = "/".join(parts[: index + 1])
            if stat.S_ISLNK(kind):
                raise SubPathError(f"{walked} became a symlink while being resolved")
            if not last and not stat.S_ISDIR(kind):
                raise SubPathError(f"{walked} is not a directory")
    finally:
        os.close(directory)
