"""The atomic writer on a real file system (tmp_path): upstream's TestValidatePath,
TestWriteOnce and TestUpdate cases (pkg/volume/util/atomic_writer_test.go), the `..data`
swap as a reader sees it, and the subPath resolver."""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import trio

from mcp.engine.pods import atomic_writer
from mcp.engine.pods.atomic_writer import (
    DATA_DIR,
    NEW_DATA_DIR,
    TIMESTAMPED_RE,
    SubPathError,
    VolumeWriteError,
    filesystem_type,
    resolve_subpath,
    validate_path,
    validate_payload,
    write,
)

Payload = dict[str, tuple[bytes, int]]
# The 125 bytes of upstream's "mystery binary", an ELF header and more: not UTF-8.
BINARY = bytes(range(256))[::2] + b"\x00\xff\x7fELF"


def files(**contents: bytes) -> Payload:
    """A payload of 0644 files; `__` in a keyword stands for `/`."""
    return {path.replace("__", "/"): (data, 0o644) for path, data in contents.items()}


@pytest.mark.parametrize(
    ("path", "message"),
    [
        pytest.param("i/am/well/behaved.txt", None, id="valid-1"),
        pytest.param("keepyourheaddownandfollowtherules.txt", None, id="valid-2"),
        pytest.param(".dotfile", None, id="dotfile"),
        pytest.param(
            "a" * 4097, "invalid path: must be less than or equal to 4096 characters", id="max-path"
        ),
        pytest.param(
            "a" * 256,
            "invalid path: filenames must be less than or equal to 255 characters",
            id="max-file",
        ),
        pytest.param("/dev/null", "invalid path: must be relative path: /dev/null", id="absolute"),
        pytest.param(
            "..sneaky.txt", "invalid path: must not start with '..': ..sneaky.txt", id="reserved"
        ),
        pytest.param(
            "hello/there/../../../../../../etc/passwd",
            "invalid path: must not contain '..': hello/there/../../../../../../etc/passwd",
            id="doubledot-1",
        ),
        pytest.param(
            "hello/../etc/somethingbad",
            "invalid path: must not contain '..': hello/../etc/somethingbad",
            id="doubledot-2",
        ),
        pytest.param("", 'invalid path: must not be empty: ""', id="empty"),
    ],
)
def test_validate_path(path: str, message: str | None) -> None:
    if message is None:
        validate_path(path)
        return
    with pytest.raises(VolumeWriteError) as raised:
        validate_path(path)
    assert str(raised.value) == message


def test_validate_payload_cleans_paths_and_keeps_permission_bits() -> None:
    payload = {"foo//bar.txt": (b"x", 0o644), "./baz": (b"y", 0o4755)}
    assert validate_payload(payload) == {"foo/bar.txt": (b"x", 0o644), "baz": (b"y", 0o755)}


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        pytest.param(
            files(a=b"file", a__b=b"below"),
            "invalid path: a is a file and a directory: a/b",
            id="file-and-directory",
        ),
        pytest.param({"./": (b"x", 0o644)}, "invalid path: must name a file: ./", id="dot"),
    ],
)
def test_validate_payload_refuses(payload: Payload, message: str) -> None:
    with pytest.raises(VolumeWriteError) as raised:
        validate_payload(payload)
    assert str(raised.value) == message


def data_dir(target: Path) -> Path:
    link = target / DATA_DIR
    assert link.is_symlink()
    return target / os.readlink(link)


def check_contents(target: Path, payload: Payload) -> None:
    """checkVolumeContents: the payload, exactly, behind `..data`; each file readable
    through the user-visible path; each top-level name a link through `..data`."""
    clean = validate_payload(payload)
    current = data_dir(target)
    assert TIMESTAMPED_RE.fullmatch(current.name)
    assert stat.S_IMODE(current.stat().st_mode) == 0o755
    on_disk = {
        path.relative_to(current).as_posix(): (path.read_bytes(), stat.S_IMODE(path.stat().st_mode))
        for path in current.rglob("*")
        if path.is_file()
    }
    assert on_disk == clean
    for path, (data, _) in clean.items():
        assert (target / path).read_bytes() == data
    tops = {path.split("/")[0] for path in clean}
    visible = {entry.name for entry in target.iterdir() if not entry.name.startswith("..")}
    assert visible == tops
    for top in tops:
        assert os.readlink(target / top) == f"{DATA_DIR}/{top}"
    stale = [entry.name for entry in target.iterdir() if TIMESTAMPED_RE.fullmatch(entry.name)]
    assert stale == [current.name]
    assert not (target / NEW_DATA_DIR).is_symlink()


WRITE_ONCE = [
    pytest.param(files(foo=b"foo", bar=b"bar"), id="basic-1"),
    pytest.param({"binary.bin": (BINARY, 0o644), ".binary.bin": (BINARY, 0o644)}, id="basic-2"),
    pytest.param({"foo": (b"foo", 0o777), "bar": (b"bar", 0o400)}, id="basic-mode-1"),
    pytest.param(
        {
            "foo": (b"foo", 0o407),
            "bar": (b"bar", 0o440),
            ".dotfile": (b"dotfile", 0o777),
            ".dotfile.file": (b"dotfile.file", 0o666),
        },
        id="dotfiles-mode",
    ),
    pytest.param(files(foo__bar_txt=b"foo/bar", bar__zab_txt=b"bar/zab.txt"), id="subdirs-1"),
    pytest.param(
        {"foo//bar.txt": (b"foo//bar", 0o644), "bar///bar/zab.txt": (b"bar/../bar/zab", 0o644)},
        id="subdirs-2",
    ),
    pytest.param(
        {
            "foo.log": (b"foo", 0o644),
            ".dotfile": (b"dotfile", 0o644),
            "foo/bar.txt": (b"foo/bar", 0o644),
            "foo/blaz/bar.txt": (b"foo/blaz/bar", 0o644),
            "bar/zib/zab.txt": (b"bar/zib/zab.txt", 0o400),
            "1/2/3/4/5/6/7/8/9/10/.dotfile.lib": (b"1-2-3-dotfile", 0o777),
        },
        id="kitchen-sink",
    ),
    pytest.param(files(empty=b""), id="empty-file"),
]


@pytest.mark.parametrize("payload", WRITE_ONCE)
async def test_write_once(tmp_path: Path, payload: Payload) -> None:
    assert await write(tmp_path, payload) is True
    check_contents(tmp_path, payload)


@pytest.mark.parametrize(
    "payload",
    [
        pytest.param(files(foo=b"foo", **{"..bar": b"bar"}), id="invalid-payload-1"),
        pytest.param(
            files(foo__________bar=b"foo") | {"foo/../bar": (b"x", 0o644)}, id="invalid-2"
        ),
        pytest.param({"/etc/passwd": (b"x", 0o644)}, id="absolute"),
    ],
)
async def test_write_refuses_escaping_paths_and_writes_nothing(
    tmp_path: Path, payload: Payload
) -> None:
    with pytest.raises(VolumeWriteError):
        await write(tmp_path, payload)
    assert list(await trio.Path(tmp_path).iterdir()) == []


UPDATES = [
    pytest.param(
        files(foo=b"foo", bar=b"bar"),
        {"foo": (b"foo2", 0o644), "bar": (b"bar2", 0o640)},
        True,
        id="update",
    ),
    pytest.param(
        files(foo=b"foo", bar=b"bar"), files(foo=b"foo", bar=b"bar"), False, id="no-update"
    ),
    pytest.param(
        files(foo__bar_txt=b"foo", bar__zab_txt=b"bar"),
        files(foo__bar_txt=b"foo", bar__zab_txt=b"bar"),
        False,
        id="no-update-2",
    ),
    pytest.param(
        files(foo__bar_txt=b"foo", bar__zab_txt=b"bar"),
        files(foo__bar_txt=b"foo", bar__zab_txt=b"bar", blu__zip_txt=b"zip"),
        True,
        id="add-1",
    ),
    pytest.param(
        files(foo__bar_txt=b"foo", bar__zab_txt=b"bar"),
        files(foo__bar_txt=b"foo", bar__zab_txt=b"bar", bar__2__3__4__5__zip_txt=b"zip"),
        True,
        id="add-3",
    ),
    pytest.param(
        files(foo__bar_txt=b"foo", bar__zab_txt=b"bar"),
        files(foo__bar_txt=b"foo"),
        True,
        id="delete-1",
    ),
    pytest.param(
        files(foo__bar_txt=b"foo", bar__1__2__sip_txt=b"sip", bar__1__2__3__zab_txt=b"bar"),
        files(foo__bar_txt=b"foo", bar__1__2__sip_txt=b"sip"),
        True,
        id="delete-3",
    ),
    pytest.param(files(foo=b"foo"), {"foo": (b"foo", 0o600)}, True, id="mode-alone-changed"),
    pytest.param(files(foo=b"foo"), files(), True, id="delete-all"),
]


@pytest.mark.parametrize(("first", "after", "changes"), UPDATES)
async def test_update(tmp_path: Path, first: Payload, after: Payload, changes: bool) -> None:
    await write(tmp_path, first)
    before = data_dir(tmp_path)
    assert await write(tmp_path, after) is changes
    check_contents(tmp_path, after)
    assert (data_dir(tmp_path) == before) is not changes
    assert before.exists() is not changes  # the old payload goes with the swap


async def test_a_reader_of_the_old_file_keeps_reading_it(tmp_path: Path) -> None:
    await write(tmp_path, files(config=b"version 1"))
    async with await trio.open_file(tmp_path / "config", "rb") as reader:
        await write(tmp_path, files(config=b"version 2"))
        assert await reader.read() == b"version 1"
    assert (tmp_path / "config").read_bytes() == b"version 2"


async def test_the_same_payload_writes_nothing(tmp_path: Path) -> None:
    payload = files(a=b"1", b__c=b"2")
    await write(tmp_path, payload)
    current = data_dir(tmp_path)
    inodes = {path: path.stat().st_ino for path in current.rglob("*")}
    assert await write(tmp_path, payload) is False
    assert data_dir(tmp_path) == current
    assert {path: path.stat().st_ino for path in current.rglob("*")} == inodes


async def test_a_lost_visible_link_comes_back_without_a_write(tmp_path: Path) -> None:
    # kubernetes#121472: an unchanged payload still gets its user-visible links.
    await write(tmp_path, files(a=b"1"))
    (tmp_path / "a").unlink()
    assert await write(tmp_path, files(a=b"1")) is False
    assert (tmp_path / "a").read_bytes() == b"1"


async def test_an_interrupted_write_is_cleared(tmp_path: Path) -> None:
    await write(tmp_path, files(a=b"1"))
    leftover = tmp_path / "..2020_01_01_00_00_00.crashed"
    leftover.mkdir()
    (leftover / "a").write_bytes(b"half")
    os.symlink(leftover.name, tmp_path / NEW_DATA_DIR)
    assert await write(tmp_path, files(a=b"2")) is True
    check_contents(tmp_path, files(a=b"2"))


async def test_a_dangling_data_link_is_rewritten(tmp_path: Path) -> None:
    await write(tmp_path, files(a=b"1"))
    old = data_dir(tmp_path)
    for path in sorted(old.rglob("*"), reverse=True):
        path.unlink()
    old.rmdir()
    assert await write(tmp_path, files(a=b"1")) is True
    check_contents(tmp_path, files(a=b"1"))


async def test_a_missing_volume_directory_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(VolumeWriteError, match="does not exist"):
        await write(tmp_path / "missing", files(a=b"1"))


@pytest.fixture
def memory_dir() -> Iterator[Path]:
    if not Path("/dev/shm").is_dir() or filesystem_type(Path("/dev/shm")) != "tmpfs":
        pytest.skip("no tmpfs at /dev/shm")
    with tempfile.TemporaryDirectory(dir="/dev/shm") as directory:
        yield Path(directory)


async def test_secrets_are_written_only_to_memory(tmp_path: Path, memory_dir: Path) -> None:
    secret = files(password=b"hunter2")
    if filesystem_type(tmp_path) not in atomic_writer.MEMORY_FILESYSTEMS:
        with pytest.raises(VolumeWriteError, match="not on tmpfs"):
            await write(tmp_path, secret, require_memory=True)
        assert list(await trio.Path(tmp_path).iterdir()) == []
    assert await write(memory_dir, secret, require_memory=True) is True
    check_contents(memory_dir, secret)


# --- subPath ------------------------------------------------------------------------------


@pytest.fixture
def volume(tmp_path: Path) -> Path:
    volume = tmp_path / "volume"
    (volume / "logs" / "app").mkdir(parents=True)
    (volume / "config.yaml").write_text("a: 1")
    (tmp_path / "outside").mkdir()
    os.symlink("logs/app", volume / "inside-link")
    os.symlink(tmp_path / "outside", volume / "escape")
    os.symlink("../outside", volume / "relative-escape")
    volume.chmod(0o750)
    return volume


def modes(volume: Path, relative: str) -> list[int]:
    # The permission bits of each directory from the volume down to `relative`.
    parts = relative.split("/")
    return [
        stat.S_IMODE((volume / "/".join(parts[:n])).stat().st_mode)
        for n in range(1, 1 + len(parts))
    ]


@pytest.mark.parametrize(
    ("sub_path", "expected", "created"),
    [
        pytest.param("logs", "logs", [], id="directory"),
        pytest.param("logs//app/", "logs/app", [], id="cleaned"),
        pytest.param("config.yaml", "config.yaml", [], id="file"),
        pytest.param("inside-link", "logs/app", [], id="link-inside-followed"),
        pytest.param("inside-link/new", "logs/app/new", ["new"], id="created-below-a-link"),
        pytest.param("new/deeper", "new/deeper", ["new", "deeper"], id="created"),
    ],
)
async def test_resolve_subpath(
    volume: Path, sub_path: str, expected: str, created: list[str]
) -> None:
    real = Path(await trio.Path(volume).resolve())
    resolved = await resolve_subpath(volume, sub_path)
    assert resolved == real / expected
    assert await trio.Path(resolved).exists()
    made = modes(real, expected)[len(expected.split("/")) - len(created) :] if created else []
    assert made == [0o750] * len(created)  # created with the volume's mode, whatever the umask


@pytest.mark.parametrize(
    ("sub_path", "message"),
    [
        pytest.param("/etc", "error SubPath `/etc` must not be an absolute path", id="absolute"),
        pytest.param(
            "logs/../../x",
            "unable to provision SubPath `logs/../../x`: must not contain '..'",
            id="up",
        ),
        pytest.param("escape", "is outside of allowed base", id="link-out"),
        pytest.param("escape/new", "is outside of allowed base", id="link-out-then-create"),
        pytest.param("relative-escape", "is outside of allowed base", id="relative-link-out"),
        pytest.param("config.yaml/below", "config.yaml is not a directory", id="below-a-file"),
    ],
)
async def test_resolve_subpath_refuses(volume: Path, sub_path: str, message: str) -> None:
    with pytest.raises(SubPathError) as raised:
        await resolve_subpath(volume, sub_path)
    assert message in str(raised.value)
    assert list(await trio.Path(volume.parent / "outside").iterdir()) == []


async def test_subpath_into_a_configmap_volume_is_its_current_payload(tmp_path: Path) -> None:
    await write(tmp_path, files(key=b"value"))
    resolved = await resolve_subpath(tmp_path, "key")
    assert resolved == Path(await trio.Path(data_dir(tmp_path)).resolve()) / "key"
    assert await trio.Path(resolved).read_bytes() == b"value"
