"""The host side of a Pod's volumes: the directories and files mcp binds into its containers.

Owns `<root>/pods/<uid>/` as the kubelet owns /var/lib/kubelet/pods/<uid>
(pkg/kubelet/kubelet_getters.go): `volumes/<plugin>/<volume>` for each volume, the plugin's
name escaped as upstream's (`kubernetes.io~secret`), and `containers/<container>/<attempt>`,
the file an attempt's terminationMessagePath is bound to. Docker 20.10 has no volume
subpaths, so the engine binds these paths (`mount_source`) into the containers it makes.

`set_up` is a plugin's SetUpAt (pkg/volume/emptydir, configmap, secret, downwardapi,
projected): an emptyDir is a 0777 directory, a tmpfs for `medium: Memory`; secret,
downwardAPI and projected volumes wrap a memory emptyDir (a tmpfs, so a Secret never touches
the disk), a configMap a disk one; `atomic_writer.write` then puts the files in. Called
again it updates the files in place (the `..data` swap, in the same directory on the same
tmpfs), so a container that has the directory bound sees the change. `tear_down` unmounts
and removes the whole Pod tree without following a link a container planted in it.

Mounts are mount(2) and umount2(2) through ctypes, not /bin/mount: no util-linux needed in
mcp's image, no child process forked from a threaded trio program, the errno itself to
report, and `UMOUNT_NOFOLLOW`. Each blocking step runs in a worker thread that is never
abandoned (a mount given up on and tried again could stack a second tmpfs); each call is
under `FS_TIMEOUT_S`, which takes effect between steps. Callers serialise calls for one Pod
(one engine pass at a time). mcp must run in the Docker daemon's mount namespace: a tmpfs
mounted in another one is not what Docker binds.

Differences from upstream: a tmpfs is as large as the emptyDir's sizeLimit, else the
kernel's default (half of RAM), not the Pod's memory limit or the node's allocatable; no
ready files (the directory and /proc/self/mountinfo are looked at instead); a failed set-up
is left for the next call to finish rather than torn down; no fsGroup ownership nor
SELinux labels; a subPath is handed to Docker as a path, not pinned by a bind mount of its
own (see `atomic_writer.resolve_subpath`).
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import os
import shutil
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import trio

from mcp.engine.pods import atomic_writer, downward
from mcp.engine.pods.atomic_writer import MEMORY_FILESYSTEMS, Files, is_within
from mcp.engine.pods.containers import MAX_TERMINATION_MESSAGE
from mcp.engine.pods.downward import Unresolvable
from mcp.engine.pods.volumes import clean_path
from mcp.errors import McpError
from mcp.kinds.apimachinery import go_quote
from mcp.kinds.pod import CONTAINER_LISTS

# utilstrings.EscapeQualifiedName of each plugin's name ("/" is "~").
EMPTY_DIR = "kubernetes.io~empty-dir"
CONFIGMAP = "kubernetes.io~configmap"
SECRET = "kubernetes.io~secret"
DOWNWARD_API = "kubernetes.io~downward-api"
PROJECTED = "kubernetes.io~projected"
PLUGINS = {
    "emptyDir": EMPTY_DIR,
    "configMap": CONFIGMAP,
    "secret": SECRET,
    "downwardAPI": DOWNWARD_API,
    "projected": PROJECTED,
}
# The plugins whose wrappedVolumeSpec is an emptyDir of medium Memory; configMap's is not
# (upstream: "this should be on a tmpfs ... when we can do the accounting correctly").
IN_MEMORY = frozenset({SECRET, DOWNWARD_API, PROJECTED})
MEDIUM_MEMORY = "Memory"
PODS = "pods"
VOLUMES = "volumes"
CONTAINERS = "containers"
POD_DIR_MODE = 0o750  # makePodDataDirs
EMPTY_DIR_MODE = 0o777  # emptydir's defaultPerm
NESTED_MOUNTPOINT_MODE = 0o755  # MakeNestedMountpoints
TERMINATION_LOG_MODE = 0o666
NOSWAP = "noswap"  # tmpfs keeps its pages off swap too (Linux 6.4); swap.TmpfsNoswapOption
UMOUNT_NOFOLLOW = 8  # <sys/mount.h>
FS_TIMEOUT_S = 30.0

_LIBC = ctypes.CDLL(None, use_errno=True)
_LIBC.mount.argtypes = [ctypes.c_char_p] * 3 + [ctypes.c_ulong, ctypes.c_char_p]
_LIBC.umount2.argtypes = [ctypes.c_char_p, ctypes.c_int]


class VolumeDirError(McpError):
    """A volume's directory or a termination-message file could not be made, found or
    removed; the message names the volume or the path and says why."""


def _check_name(what: str, name: str) -> None:
    if not name or name in (".", "..") or "/" in name or "\0" in name:
        raise ValueError(f"{what} {name!r} cannot name a directory")


@dataclass(frozen=True)
class PodDirs:
    """Where one Pod's volumes and termination-message files are on the host.

    Attributes:
        root: mcp's data directory (absolute), which holds `pods/`.
        uid: the Pod's uid.
    """

    root: Path
    uid: str

    def __post_init__(self) -> None:
        _check_name("uid", self.uid)
        if not self.root.is_absolute():
            raise ValueError(f"root {self.root} is not absolute")

    @property
    def pod(self) -> Path:
        """`<root>/pods/<uid>`, the whole of what this Pod has on the host."""
        return self.root / PODS / self.uid

    def volume(self, plugin: str, name: str) -> Path:
        """getPodVolumeDir: `<pod>/volumes/<plugin>/<name>`."""
        _check_name("plugin", plugin)
        _check_name("volume", name)
        return self.pod / VOLUMES / plugin / name

    def termination_log(self, container: str, attempt: int) -> Path:
        """`<pod>/containers/<container>/<attempt>`: getPodContainerDir, then a name that
        differs for each attempt (the kubelet's is random, mcp's the attempt)."""
        _check_name("container", container)
        return self.pod / CONTAINERS / container / str(attempt)


def plugin_of(volume: Mapping[str, Any]) -> str | None:
    """The escaped name of the plugin whose directory holds `volume` (one entry of
    `spec.volumes`); None for a kind mcp makes no directory for (hostPath...)."""
    return next((plugin for key, plugin in PLUGINS.items() if volume.get(key) is not None), None)


def nested_mountpoints(volume_name: str, pod: Mapping[str, Any]) -> list[str]:
    """getNestedMountpoints: the directories, relative, that the volume needs for other
    volumes mounted below it in a container (`/etc/app` and `/etc/app/extra`: `extra`),
    as none can be made inside a read-only bind mount once the container runs.

    Raises:
        VolumeDirError: a mount path that starts with `..` (upstream's message).
    """
    found: list[str] = []
    for field in CONTAINER_LISTS:
        for container in (pod.get("spec") or {}).get(field) or []:
            mounts = container.get("volumeMounts") or []
            every = sorted(clean_path(str(mount.get("mountPath") or "")) for mount in mounts)
            for mount in mounts:
                if mount.get("name") != volume_name:
                    continue
                point = clean_path(str(mount.get("mountPath") or ""))
                if point.startswith("../"):
                    raise VolumeDirError(f"invalid container mount point {point}")
                prefix = point + "/"
                nested: list[str] = []  # only the first level below this mount point
                for other in every:
                    if other.startswith(prefix) and not any(map(other.startswith, nested)):
                        nested.append(other + "/")
                        found.append(other[len(prefix) :])
    return found


@contextlib.contextmanager
def _deadline(what: str) -> Iterator[None]:
    try:
        with trio.fail_after(FS_TIMEOUT_S):
            yield
    except trio.TooSlowError:
        raise VolumeDirError(f"{what}: not done within {FS_TIMEOUT_S:g} s") from None


# --- set_up -------------------------------------------------------------------------------


async def set_up(
    dirs: PodDirs,
    pod: Mapping[str, Any],
    volume: Mapping[str, Any],
    payload: Files | None = None,
) -> Path:
    """Make one of the Pod's volumes on the host, or bring its files up to date.

    Args:
        dirs: the Pod's directories.
        pod: the Pod, as stored (for the mount points nested in the volume).
        volume: one entry of its `spec.volumes`.
        payload: the files of a configMap, secret, downwardAPI or projected volume
            (`volumes.volume_files`); None for an emptyDir.

    Returns:
        The volume's directory.

    Raises:
        VolumeDirError: a kind mcp makes no directory for, an emptyDir medium or
            sizeLimit it cannot use, a directory or mount that could not be made.
        VolumeWriteError: the files could not be written (`atomic_writer.write`).
        ValueError: no payload for a volume that has files (a bug of the caller's).
    """
    name = str(volume.get("name") or "")
    plugin = plugin_of(volume)
    if plugin is None:
        raise VolumeDirError(f"mcp makes no directory for volume {go_quote(name)} of its kind")
    files: Files | None = None
    if plugin == EMPTY_DIR:
        memory, size = _medium(name, volume["emptyDir"])
    elif payload is None:
        raise ValueError(f"volume {name!r} has files: a payload is needed")
    else:
        memory, size, files = plugin in IN_MEMORY, None, payload
    path = dirs.volume(plugin, name)
    nested = nested_mountpoints(name, pod) if plugin != EMPTY_DIR else []
    with _deadline(f"setting up volume {go_quote(name)}"):
        await trio.to_thread.run_sync(_prepare, dirs.pod, path, name, memory, size, nested)
        if files is not None:
            await atomic_writer.write(path, files, require_memory=memory)
    return path


def _medium(name: str, source: Mapping[str, Any]) -> tuple[bool, int | None]:
    # An emptyDir on disk, or in memory with its sizeLimit (none: the kernel's default,
    # half of RAM; upstream's default is the Pod's memory limit or the node's allocatable).
    medium = source.get("medium") or ""
    if medium not in ("", MEDIUM_MEMORY):
        raise VolumeDirError(f"volume {go_quote(name)}: unknown storage medium {go_quote(medium)}")
    if medium != MEDIUM_MEMORY or source.get("sizeLimit") is None:
        return medium == MEDIUM_MEMORY, None
    try:
        size = downward.read_quantity(source["sizeLimit"]).whole_value()
    except Unresolvable as error:
        raise VolumeDirError(f"volume {go_quote(name)}: sizeLimit: {error}") from error
    return True, size if size > 0 else None  # tmpfs reads size=0 as unlimited


def _prepare(
    pod: Path, path: Path, name: str, memory: bool, size: int | None, nested: list[str]
) -> None:
    # emptyDir's setupDir and setupTmpfs, then MakeNestedMountpoints.
    try:
        _make_parents(pod, path)
        try:
            path.mkdir(EMPTY_DIR_MODE)
        except FileExistsError:
            if path.is_symlink() or not path.is_dir():
                raise VolumeDirError(
                    f"volume {go_quote(name)}: {path} is not a directory"
                ) from None
        else:
            path.chmod(EMPTY_DIR_MODE)  # the umask narrowed mkdir's mode
        if memory and not _is_memory_mount(path):
            _mount_tmpfs(path, name, size)
        for relative in nested:
            os.makedirs(path / relative, NESTED_MOUNTPOINT_MODE, exist_ok=True)
    except OSError as error:
        raise VolumeDirError(f"setting up volume {go_quote(name)} at {path}: {error}") from error


def _make_parents(pod: Path, path: Path) -> None:
    # mkdir -p of `path`'s parents, the Pod's own 0750 (makePodDataDirs).
    pod.parent.mkdir(parents=True, exist_ok=True)
    for directory in reversed(path.parents):
        if directory == pod or pod in directory.parents:
            with contextlib.suppress(FileExistsError):
                directory.mkdir(POD_DIR_MODE)


def _is_memory_mount(path: Path) -> bool:
    # A tmpfs is mounted on `path` itself (not merely above it: mcp's root may be on one).
    real = os.path.realpath(path)
    return any(
        mount.point == real and mount.fs_type in MEMORY_FILESYSTEMS
        for mount in atomic_writer.mounts()
    )


def _mount_tmpfs(path: Path, name: str, size: int | None) -> None:
    # generateTmpfsMountOptions: size when set, noswap where the kernel knows it (older
    # ones refuse it with EINVAL). No flags: upstream mounts without nosuid, nodev or
    # noexec, and a Secret or ConfigMap of scripts (defaultMode 0755) must stay runnable.
    options = [f"size={size}"] if size else []
    for extra in ([NOSWAP], []):
        data = ",".join([*options, *extra]).encode()
        if _LIBC.mount(b"tmpfs", os.fsencode(path), b"tmpfs", 0, data or None) == 0:
            return
        number = ctypes.get_errno()
        if number != errno.EINVAL or not extra:
            why = os.strerror(number)
            raise VolumeDirError(f"mounting tmpfs for volume {go_quote(name)} on {path}: {why}")


# --- the paths to bind --------------------------------------------------------------------


async def mount_source(dirs: PodDirs, volume_name: str, plugin: str, sub_path: str = "") -> Path:
    """The host path to bind for a volumeMount: the volume's directory, or its `subPath`
    resolved inside it (missing directories made as the kubelet's doSafeMakeDir makes
    them, links leading out of the volume refused).

    Args:
        dirs: the Pod's directories.
        volume_name: the volumeMount's `name`.
        plugin: the volume's plugin (`plugin_of`).
        sub_path: the volumeMount's `subPath` (or expanded `subPathExpr`); "" for none.

    Raises:
        VolumeDirError: the volume has not been set up.
        SubPathError: the subPath is absolute, has `..`, leads out of the volume or
            cannot be made.
    """
    path = dirs.volume(plugin, volume_name)
    with _deadline(f"finding volume {go_quote(volume_name)}"):
        if sub_path:
            return await atomic_writer.resolve_subpath(path, sub_path)
        if not await trio.to_thread.run_sync(path.is_dir):
            raise VolumeDirError(f"volume {go_quote(volume_name)} is not set up: no {path}")
    return path


async def make_termination_log(dirs: PodDirs, container: str, attempt: int) -> Path:
    """Create the attempt's termination-message file, empty and mode 0666 (the kubelet's
    makeMounts), emptied if it exists: call it just before creating that attempt.

    Returns:
        The file, to bind at the container's terminationMessagePath.

    Raises:
        VolumeDirError: it could not be made.
    """
    path = dirs.termination_log(container, attempt)
    with _deadline(f"creating the termination-message file of container {go_quote(container)}"):
        await trio.to_thread.run_sync(_make_termination_log, dirs.pod, path)
    return path


def _make_termination_log(pod: Path, path: Path) -> None:
    try:
        _make_parents(pod, path)
        flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW | os.O_CLOEXEC
        descriptor = os.open(path, flags, TERMINATION_LOG_MODE)
        try:
            os.fchmod(descriptor, TERMINATION_LOG_MODE)  # the umask narrowed open's mode
        finally:
            os.close(descriptor)
    except OSError as error:
        raise VolumeDirError(f"error on creating termination-log file {path}: {error}") from error


async def read_termination_message(dirs: PodDirs, container: str, attempt: int) -> str:
    """What the attempt left in its termination-message file: its last 4 KiB, as the
    kubelet's getTerminationMessage reads it (tail.ReadAtMost); "" when there is no file,
    upstream's `Error on reading termination log ...` when it cannot be read."""
    path = dirs.termination_log(container, attempt)
    with _deadline(f"reading the termination message of container {go_quote(container)}"):
        return await trio.to_thread.run_sync(_read_tail, path, MAX_TERMINATION_MESSAGE)


def _read_tail(path: Path, limit: int) -> str:
    try:
        with open(path, "rb") as file:
            file.seek(max(0, file.seek(0, os.SEEK_END) - limit))
            data = file.read(limit)
    except FileNotFoundError:
        return ""
    except OSError as error:
        return f"Error on reading termination log {path}: {error}"
    return data.decode(errors="replace")


# --- tear_down ----------------------------------------------------------------------------


async def tear_down(dirs: PodDirs) -> None:
    """Unmount everything mounted in the Pod's tree, then remove the tree; nothing to do
    when it is gone. Links are removed, never followed, so a link a container made in an
    emptyDir to a file outside takes nothing outside with it. Call it once the Pod's
    containers are removed.

    A mount that is busy (a process of the host has a file open in it) is not detached
    lazily, as the kubelet's Unmount does not: the call fails, nothing is removed, and the
    next one tries again.

    Raises:
        VolumeDirError: a mount could not be unmounted, or the tree removed.
    """
    with _deadline(f"tearing down the volumes of Pod {dirs.uid}"):
        await trio.to_thread.run_sync(_tear_down, dirs.pod)


def _tear_down(pod: Path) -> None:
    try:
        if not pod.is_dir() or pod.is_symlink():
            with contextlib.suppress(FileNotFoundError):
                pod.unlink()
            return
        real = os.path.realpath(pod)
        points = {mount.point for mount in atomic_writer.mounts() if is_within(mount.point, real)}
        for point in sorted(points, key=lambda point: point.count("/"), reverse=True):
            while _unmount(point):  # until none is left at the point: mounts may be stacked
                pass
        if left := [m.point for m in atomic_writer.mounts() if is_within(m.point, real)]:
            raise VolumeDirError(f"{left[0]} is still mounted: Pod directory {pod} left in place")
        # rmtree walks by file descriptor and removes links without following them
        # (shutil.rmtree.avoids_symlink_attacks on Linux).
        shutil.rmtree(pod)
    except OSError as error:
        raise VolumeDirError(f"tearing down Pod directory {pod}: {error}") from error


def _unmount(point: str) -> bool:
    # Whether a mount was taken off `point`; EINVAL: nothing (more) is mounted there.
    if _LIBC.umount2(os.fsencode(point), UMOUNT_NOFOLLOW) == 0:
        return True
    number = ctypes.get_errno()
    if number in (errno.EINVAL, errno.ENOENT):
        return False
    raise VolumeDirError(f"unmounting {point}: {os.strerror(number)}")


async def leftover_uids(root: Path) -> list[str]:
    """The uids of the Pods that have a directory under `<root>/pods`, sorted: those of
    Pods gone while mcp was down are to be torn down.

    Raises:
        VolumeDirError: `<root>/pods` exists but cannot be read.
    """
    with _deadline("listing the Pods' directories"):
        return await trio.to_thread.run_sync(_uids, root / PODS)


def _uids(pods: Path) -> list[str]:
    try:
        with os.scandir(pods) as entries:
            return sorted(entry.name for entry in entries if entry.is_dir(follow_symlinks=False))
    except FileNotFoundError:
        return []
    except OSError as error:
        raise VolumeDirError(f"listing Pod directories in {pods}: {error}") from error
