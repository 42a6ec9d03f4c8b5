"""The infra program: a well-formed static ELF per architecture that waits, and exits 0 on
SIGTERM or SIGINT. Run for real on this machine's architecture (and under qemu-user for
the other one, when it is installed)."""

from __future__ import annotations

import io
import platform
import shutil
import signal
import struct
import subprocess
import tarfile
import time
from pathlib import Path

import pytest

from mcp import infra_image

ARCHITECTURES = sorted(infra_image.ARCHITECTURES)
QEMU = {"aarch64": "qemu-aarch64", "x86_64": "qemu-x86_64"}


@pytest.mark.parametrize(
    ("architecture", "machine"),
    [pytest.param("x86_64", 62, id="x86_64"), pytest.param("aarch64", 183, id="aarch64")],
)
def test_program_is_one_static_segment_entered_at_its_code(architecture: str, machine: int) -> None:
    elf = infra_image.program(architecture)
    assert elf[:4] == b"\x7fELF"
    assert elf[4:7] == b"\x02\x01\x01"  # 64-bit, little-endian, version 1
    kind, e_machine, _, entry, phoff = struct.unpack_from("<HHIQQ", elf, 16)
    assert (kind, e_machine) == (2, machine)  # ET_EXEC: no loader, no relocations
    p_type, flags, offset, vaddr, _, filesz, memsz, _ = struct.unpack_from("<IIQQQQQQ", elf, phoff)
    assert (p_type, flags, offset) == (1, 5, 0)  # PT_LOAD, read+execute, the whole file
    assert filesz == memsz == len(elf) < 512
    assert vaddr + infra_image.CODE_START == entry


def test_rootfs_holds_only_the_program_and_is_the_same_each_time() -> None:
    tarball = infra_image.rootfs("x86_64")
    assert tarball == infra_image.rootfs("x86_64")  # no clock in it: the same image each time
    with tarfile.open(fileobj=io.BytesIO(tarball)) as tar:
        (member,) = tar.getmembers()
        assert (member.name, member.mode, member.isfile()) == ("pause", 0o755, True)
        extracted = tar.extractfile(member)
        assert extracted is not None
        assert extracted.read() == infra_image.program("x86_64")


def test_other_architectures_are_refused() -> None:
    with pytest.raises(KeyError):
        infra_image.program("riscv64")


def _launcher(architecture: str) -> list[str] | None:
    if platform.machine() == architecture:
        return []
    emulator = shutil.which(QEMU[architecture])
    return None if emulator is None else [emulator]


def _wait_for_handlers(process: subprocess.Popen[bytes], *, emulated: bool) -> None:
    """Until the program has installed its SIGTERM handler (it would die of it before)."""
    if emulated:
        time.sleep(1.0)  # qemu catches every signal itself: /proc tells nothing
        return
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        status = Path(f"/proc/{process.pid}/status").read_text()
        caught = int(
            next(line for line in status.splitlines() if line.startswith("SigCgt:"))[7:], 16
        )
        if caught & (1 << (signal.SIGTERM - 1)):
            return
        time.sleep(0.01)
    raise AssertionError("the program never installed its SIGTERM handler")


@pytest.mark.parametrize("architecture", ARCHITECTURES)
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT, signal.SIGKILL])
def test_program_waits_until_a_signal_ends_it(
    architecture: str, signum: signal.Signals, tmp_path: Path
) -> None:
    launcher = _launcher(architecture)
    if launcher is None:
        pytest.skip(f"not an {architecture} machine, and no {QEMU[architecture]} to emulate one")
    path = tmp_path / "pause"
    path.write_bytes(infra_image.program(architecture))
    path.chmod(0o755)
    with subprocess.Popen([*launcher, str(path)]) as process:
        try:
            _wait_for_handlers(process, emulated=bool(launcher))
            time.sleep(0.2)
            assert process.poll() is None, "it should wait, not exit"
            process.send_signal(signum)
            code = process.wait(timeout=5)
        finally:
            process.kill()
    # It exits 0 on SIGTERM and SIGINT, as Kubernetes' pause; SIGKILL kills it as any.
    assert code == (-signal.SIGKILL if signum == signal.SIGKILL else 0)
