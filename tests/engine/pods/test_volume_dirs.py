"""A Pod's volume directories on the real file system: plain directories under tmp_path,
tmpfs mounted and unmounted for real (root only; every mount left under tmp_path is
detached when a test ends), seen through /proc/self/mountinfo and a bind mount."""

from __future__ import annotations

import functools
import os
import stat
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import trio

from mcp.engine.pods import atomic_writer, volume_dirs
from mcp.engine.pods.atomic_writer import DATA_DIR, SubPathError, filesystem_type
from mcp.engine.pods.volume_dirs import (
    CONFIGMAP,
    DOWNWARD_API,
    EMPTY_DIR,
    PROJECTED,
    SECRET,
    PodDirs,
    VolumeDirError,
    leftover_uids,
    make_termination_log,
    mount_source,
    nested_mountpoints,
    plugin_of,
    read_termination_message,
    set_up,
    tear_down,
)

UID = "6f1c7a7e-0000-4000-8000-000000000001"
Payload = dict[str, tuple[bytes, int]]


@functools.cache
def can_mount() -> bool:
    if os.geteuid() != 0:
        return False
    probe = Path(os.environ.get("TMPDIR", "/tmp")) / f"mcp-mount-probe-{os.getpid()}"
    probe.mkdir(exist_ok=True)
    try:
        mounted = subprocess.run(["mount", "-t", "tmpfs", "tmpfs", probe], check=False)
        if mounted.returncode != 0:
            return False
        subprocess.run(["umount", probe], check=True)
        return True
    except OSError:
        return False
    finally:
        probe.rmdir()


def mounts_under(path: Path) -> list[atomic_writer.Mount]:
    real = os.path.realpath(path)
    return [mount for mount in atomic_writer.mounts() if atomic_writer.is_within(mount.point, real)]


def mounted_at(path: Path) -> list[str]:
    """The types of the file systems mounted at `path` itself, bottom first."""
    real = os.path.realpath(path)
    return [mount.fs_type for mount in atomic_writer.mounts() if mount.point == real]


@pytest.fixture(autouse=True)
def umask() -> Iterator[None]:
    previous = os.umask(0o022)
    yield
    os.umask(previous)


@pytest.fixture
def root(tmp_path: Path) -> Iterator[Path]:
    """mcp's data directory; whatever a test leaves mounted below tmp_path is detached."""
    if not can_mount():
        pytest.skip("mounting a tmpfs needs root")
    yield tmp_path / "mcp"
    for mount in sorted(mounts_under(tmp_path), key=lambda m: m.point.count("/"), reverse=True):
        subprocess.run(["umount", "-l", mount.point], check=False)


@pytest.fixture
def dirs(root: Path) -> PodDirs:
    return PodDirs(root, UID)


def pod(*mounts: tuple[str, str], field: str = "containers") -> dict[str, Any]:
    """A Pod with one container mounting `(volume, mountPath)` in order."""
    volume_mounts = [{"name": name, "mountPath": path} for name, path in mounts]
    return {"spec": {field: [{"name": "app", "volumeMounts": volume_mounts}]}}


def files(**contents: bytes) -> Payload:
    """A payload of 0644 files; `__` in a keyword stands for `/`."""
    return {path.replace("__", "/"): (data, 0o644) for path, data in contents.items()}


def mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


# --- paths and pure helpers -----------------------------------------------------------------


def test_paths_are_the_kubelets() -> None:
    dirs = PodDirs(Path("/var/lib/mcp"), UID)
    pod_dir = Path("/var/lib/mcp/pods") / UID
    assert dirs.pod == pod_dir
    assert dirs.volume(SECRET, "creds") == pod_dir / "volumes/kubernetes.io~secret/creds"
    assert dirs.volume(EMPTY_DIR, "cache") == pod_dir / "volumes/kubernetes.io~empty-dir/cache"
    assert dirs.termination_log("app", 3) == pod_dir / "containers/app/3"


@pytest.mark.parametrize(
    ("root", "uid"),
    [
        pytest.param("/var/lib/mcp", "", id="empty-uid"),
        pytest.param("/var/lib/mcp", "..", id="dot-dot"),
        pytest.param("/var/lib/mcp", "a/../../etc", id="slash"),
        pytest.param("var/lib/mcp", UID, id="relative-root"),
    ],
)
def test_names_that_cannot_be_directories_are_refused(root: str, uid: str) -> None:
    with pytest.raises(ValueError, match=r"cannot name a directory|not absolute"):
        PodDirs(Path(root), uid)


def test_a_volume_name_with_a_slash_is_refused() -> None:
    with pytest.raises(ValueError, match="cannot name a directory"):
        PodDirs(Path("/var/lib/mcp"), UID).volume(EMPTY_DIR, "../../x")


@pytest.mark.parametrize(
    ("volume", "plugin"),
    [
        pytest.param({"name": "v", "emptyDir": {}}, EMPTY_DIR, id="emptyDir"),
        pytest.param({"name": "v", "configMap": {"name": "c"}}, CONFIGMAP, id="configMap"),
        pytest.param({"name": "v", "secret": {"secretName": "s"}}, SECRET, id="secret"),
        pytest.param({"name": "v", "downwardAPI": {"items": []}}, DOWNWARD_API, id="downwardAPI"),
        pytest.param({"name": "v", "projected": {"sources": []}}, PROJECTED, id="projected"),
        pytest.param({"name": "v", "hostPath": {"path": "/data"}}, None, id="hostPath"),
        pytest.param({"name": "v", "emptyDir": None}, None, id="null-source"),
    ],
)
def test_plugin_of(volume: dict[str, Any], plugin: str | None) -> None:
    assert plugin_of(volume) == plugin


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        pytest.param(pod(("config", "/etc/app")), [], id="alone"),
        pytest.param(
            pod(
                ("config", "/etc/app"),
                ("extra", "/etc/app/extra"),
                ("deeper", "/etc/app/extra/deeper"),
                ("sibling", "/etc/app-other"),
                ("below", "/etc/app/z/"),
            ),
            ["extra", "z"],
            id="first-level-only",
        ),
        pytest.param(
            pod(("config", "/etc/app"), ("extra", "/etc/app/x"), field="initContainers"),
            ["x"],
            id="init-container",
        ),
        pytest.param(pod(("other", "/etc/app"), ("extra", "/etc/app/x")), [], id="not-this-one"),
    ],
)
def test_nested_mountpoints(spec: dict[str, Any], expected: list[str]) -> None:
    assert nested_mountpoints("config", spec) == expected


def test_a_mount_point_leading_up_is_refused() -> None:
    with pytest.raises(VolumeDirError, match=r"invalid container mount point \.\./x"):
        nested_mountpoints("config", pod(("config", "../x")))


# --- set_up -------------------------------------------------------------------------------


async def test_an_empty_dir_is_a_0777_directory_kept_as_it_is(dirs: PodDirs) -> None:
    path = await set_up(dirs, pod(), {"name": "cache", "emptyDir": {}})
    assert path == dirs.volume(EMPTY_DIR, "cache")
    assert mode(path) == 0o777  # whatever the umask
    assert mode(dirs.pod) == mode(dirs.pod / "volumes") == 0o750
    assert mounted_at(path) == []
    (path / "kept").write_text("data")
    assert await set_up(dirs, pod(), {"name": "cache", "emptyDir": {}}) == path
    assert (path / "kept").read_text() == "data"


async def test_a_memory_empty_dir_is_one_tmpfs_of_its_size_limit(dirs: PodDirs) -> None:
    volume = {"name": "scratch", "emptyDir": {"medium": "Memory", "sizeLimit": "1Mi"}}
    path = await set_up(dirs, pod(), volume)
    assert mounted_at(path) == ["tmpfs"]
    assert filesystem_type(path) == "tmpfs"
    sizes = os.statvfs(path)
    assert sizes.f_blocks * sizes.f_frsize == 1024 * 1024
    (path / "kept").write_text("data")
    await set_up(dirs, pod(), volume)
    assert mounted_at(path) == ["tmpfs"]  # not mounted twice
    assert (path / "kept").read_text() == "data"


async def test_a_secret_is_on_tmpfs_and_updated_in_place(dirs: PodDirs, tmp_path: Path) -> None:
    volume = {"name": "creds", "secret": {"secretName": "creds"}}
    path = await set_up(dirs, pod(), volume, {"user": (b"admin", 0o400), "password": (b"x", 0o400)})
    assert path == dirs.volume(SECRET, "creds")
    assert mounted_at(path) == ["tmpfs"]
    assert filesystem_type(path / DATA_DIR) == "tmpfs"
    assert (path / "user").read_bytes() == b"admin"
    assert mode((path / "user").resolve()) == 0o400
    # What a container has: the directory bound before the update.
    seen = tmp_path / "container-view"
    seen.mkdir()
    await trio.run_process(["mount", "--bind", str(path), str(seen)])
    inode = path.stat().st_ino

    await set_up(dirs, pod(), volume, files(user=b"root"))
    assert path.stat().st_ino == inode
    assert mounted_at(path) == ["tmpfs"]
    assert (seen / "user").read_bytes() == b"root"
    assert not (seen / "password").exists()


@pytest.mark.parametrize(
    "volume",
    [
        pytest.param({"name": "info", "downwardAPI": {"items": []}}, id="downwardAPI"),
        pytest.param({"name": "info", "projected": {"sources": []}}, id="projected"),
    ],
)
async def test_downward_api_and_projected_volumes_are_in_memory(
    dirs: PodDirs, volume: dict[str, Any]
) -> None:
    path = await set_up(dirs, pod(), volume, files(labels=b'app="web"'))
    assert mounted_at(path) == ["tmpfs"]
    assert (path / "labels").read_bytes() == b'app="web"'


async def test_a_configmap_is_on_disk_with_its_nested_mount_points(dirs: PodDirs) -> None:
    spec = pod(("config", "/etc/app"), ("certs", "/etc/app/certs"))
    volume = {"name": "config", "configMap": {"name": "app"}}
    path = await set_up(dirs, spec, volume, files(app__yaml=b"a: 1"))
    assert mounted_at(path) == []
    assert (path / "app" / "yaml").read_bytes() == b"a: 1"
    assert (path / "certs").is_dir()
    assert mode(path / "certs") == 0o755

    await set_up(dirs, spec, volume, files(other=b"b"))
    assert sorted(entry.name for entry in path.iterdir() if not entry.name.startswith("..")) == [
        "certs",
        "other",
    ]


@pytest.mark.parametrize(
    ("volume", "message"),
    [
        pytest.param(
            {"name": "data", "hostPath": {"path": "/data"}},
            'mcp makes no directory for volume "data" of its kind',
            id="hostPath",
        ),
        pytest.param(
            {"name": "huge", "emptyDir": {"medium": "HugePages"}},
            'volume "huge": unknown storage medium "HugePages"',
            id="hugepages",
        ),
        pytest.param(
            {"name": "bad", "emptyDir": {"medium": "Memory", "sizeLimit": "lots"}},
            'volume "bad": sizeLimit: quantities must match',
            id="size-limit",
        ),
    ],
)
async def test_volumes_mcp_cannot_make(dirs: PodDirs, volume: dict[str, Any], message: str) -> None:
    with pytest.raises(VolumeDirError, match=message):
        await set_up(dirs, pod(), volume)
    assert not dirs.pod.exists()


async def test_a_file_system_error_names_the_volume(root: Path) -> None:
    await trio.Path(root).write_text("not a directory")
    with pytest.raises(VolumeDirError, match=r'setting up volume "cache" at .*Not a directory'):
        await set_up(PodDirs(root, UID), pod(), {"name": "cache", "emptyDir": {}})


async def test_a_volume_with_files_needs_a_payload(dirs: PodDirs) -> None:
    with pytest.raises(ValueError, match="a payload is needed"):
        await set_up(dirs, pod(), {"name": "creds", "secret": {"secretName": "creds"}})


# --- mount_source -------------------------------------------------------------------------


async def test_mount_source_without_a_sub_path_is_the_volume(dirs: PodDirs) -> None:
    path = await set_up(dirs, pod(), {"name": "cache", "emptyDir": {}})
    assert await mount_source(dirs, "cache", EMPTY_DIR) == path


async def test_mount_source_of_a_volume_not_set_up(dirs: PodDirs) -> None:
    with pytest.raises(VolumeDirError, match='volume "cache" is not set up'):
        await mount_source(dirs, "cache", EMPTY_DIR)


async def test_an_empty_dir_sub_path_is_made_with_the_volumes_mode(dirs: PodDirs) -> None:
    path = await set_up(dirs, pod(), {"name": "cache", "emptyDir": {}})
    source = await mount_source(dirs, "cache", EMPTY_DIR, "logs/app")
    assert source == Path(await trio.Path(path).resolve()) / "logs/app"
    assert mode(source) == mode(source.parent) == 0o777


async def test_a_configmap_key_sub_path_is_the_current_file(dirs: PodDirs) -> None:
    volume = {"name": "config", "configMap": {"name": "app"}}
    path = await set_up(dirs, pod(), volume, files(key=b"value"))
    source = await mount_source(dirs, "config", CONFIGMAP, "key")
    assert source == (path / DATA_DIR).resolve() / "key"
    assert source.read_bytes() == b"value"


@pytest.mark.parametrize(
    ("sub_path", "message"),
    [
        pytest.param("escape", "is outside of allowed base", id="link-out"),
        pytest.param("escape/new", "is outside of allowed base", id="link-out-then-create"),
        pytest.param("/etc", "must not be an absolute path", id="absolute"),
        pytest.param("a/../../x", "must not contain '..'", id="up"),
    ],
)
async def test_sub_paths_leading_out_are_refused(
    dirs: PodDirs, tmp_path: Path, sub_path: str, message: str
) -> None:
    path = await set_up(dirs, pod(), {"name": "cache", "emptyDir": {}})
    outside = tmp_path / "outside"
    outside.mkdir()
    (path / "escape").symlink_to(outside)  # as a container writing its emptyDir could
    with pytest.raises(SubPathError, match=message):
        await mount_source(dirs, "cache", EMPTY_DIR, sub_path)
    assert list(outside.iterdir()) == []


# --- the termination-message file ---------------------------------------------------------


async def test_the_termination_log_is_made_empty_and_writable_by_all(dirs: PodDirs) -> None:
    path = await make_termination_log(dirs, "app", 0)
    assert path == dirs.termination_log("app", 0)
    assert path.read_bytes() == b""
    assert mode(path) == 0o666  # whatever the umask
    assert await read_termination_message(dirs, "app", 0) == ""
    path.write_text("bye")
    assert await read_termination_message(dirs, "app", 0) == "bye"
    assert await make_termination_log(dirs, "app", 0) == path
    assert path.read_bytes() == b""


async def test_the_termination_message_is_the_files_last_4_kib(dirs: PodDirs) -> None:
    path = await make_termination_log(dirs, "app", 1)
    path.write_bytes(b"x" * 10_000 + b"\xff" + b"y" * 4095)
    assert await read_termination_message(dirs, "app", 1) == "\ufffd" + "y" * 4095
    assert await read_termination_message(dirs, "app", 2) == ""  # no such attempt


# --- tear_down ----------------------------------------------------------------------------


async def set_up_every_kind(dirs: PodDirs) -> dict[str, Path]:
    spec = pod()
    return {
        "disk": await set_up(dirs, spec, {"name": "disk", "emptyDir": {}}),
        "memory": await set_up(dirs, spec, {"name": "memory", "emptyDir": {"medium": "Memory"}}),
        "secret": await set_up(
            dirs, spec, {"name": "secret", "secret": {"secretName": "s"}}, files(a=b"1")
        ),
        "config": await set_up(
            dirs, spec, {"name": "config", "configMap": {"name": "c"}}, files(b=b"2")
        ),
    }


async def test_tear_down_unmounts_and_removes_everything(dirs: PodDirs) -> None:
    await set_up_every_kind(dirs)
    await make_termination_log(dirs, "app", 0)
    assert len(mounts_under(dirs.pod)) == 2
    await tear_down(dirs)
    assert mounts_under(dirs.root) == []
    assert not dirs.pod.exists()
    assert list((dirs.root / "pods").iterdir()) == []
    await tear_down(dirs)  # idempotent
    await tear_down(PodDirs(dirs.root, "never-set-up"))


async def test_tear_down_follows_no_link_out_of_the_tree(dirs: PodDirs, tmp_path: Path) -> None:
    paths = await set_up_every_kind(dirs)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "precious").write_text("keep me")
    # What a malicious container could plant in its emptyDirs.
    for name in ("disk", "memory"):
        (paths[name] / "to-file").symlink_to(outside / "precious")
        (paths[name] / "to-dir").symlink_to(outside)
        (paths[name] / "nested").mkdir()
        (paths[name] / "nested" / "up").symlink_to("../../../../../../../outside")
    await tear_down(dirs)
    assert not dirs.pod.exists()
    assert (outside / "precious").read_text() == "keep me"


async def test_stacked_mounts_all_come_off(dirs: PodDirs) -> None:
    paths = await set_up_every_kind(dirs)
    await trio.run_process(["mount", "-t", "tmpfs", "tmpfs", str(paths["secret"])])
    assert mounted_at(paths["secret"]) == ["tmpfs", "tmpfs"]
    await tear_down(dirs)
    assert mounts_under(dirs.root) == []
    assert not dirs.pod.exists()


async def test_a_busy_mount_is_not_detached(dirs: PodDirs) -> None:
    paths = await set_up_every_kind(dirs)
    with (paths["memory"] / "open").open("w"):
        with pytest.raises(VolumeDirError, match=r"unmounting .*/memory: Device or resource busy"):
            await tear_down(dirs)
        assert mounted_at(paths["memory"]) == ["tmpfs"]
        assert (paths["memory"] / "open").exists()
    await tear_down(dirs)
    assert mounts_under(dirs.root) == []
    assert not dirs.pod.exists()


async def test_leftover_uids(root: Path) -> None:
    assert await leftover_uids(root) == []
    for uid in ("b-uid", "a-uid"):
        await set_up(PodDirs(root, uid), pod(), {"name": "cache", "emptyDir": {}})
    (root / "pods" / "stray-file").write_text("")
    assert await leftover_uids(root) == ["a-uid", "b-uid"]
    await tear_down(PodDirs(root, "a-uid"))
    assert await leftover_uids(root) == ["b-uid"]


async def test_a_call_past_its_deadline_is_an_error(
    dirs: PodDirs, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(volume_dirs, "FS_TIMEOUT_S", 0)
    with pytest.raises(VolumeDirError, match='setting up volume "cache": not done within 0 s'):
        await set_up(dirs, pod(), {"name": "cache", "emptyDir": {}})
    assert not await trio.Path(dirs.pod).exists()
