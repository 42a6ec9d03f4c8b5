"""The infra image's contents: a static program that waits for a signal, as Kubernetes' pause.

A Pod's network namespace is held by an infra container that does nothing else. No registry
can be reached, so mcp makes the image itself: a few machine instructions in a static ELF
file written here byte by byte, in a rootfs tarball that `runtime.DockerRuntime` imports
(`docker import`). The program needs nothing else in the image (no libc, no loader).
Pure: imports nothing from mcp but `model`'s label name.

What it does, on x86-64 and aarch64 Linux: exit 0 on SIGTERM or SIGINT (so `docker stop`
is prompt: a PID 1 without handlers ignores SIGTERM), set SIGCHLD to SIG_IGN (children of
a shared PID namespace are reaped by the kernel), then wait for signals forever. SIGKILL
(`docker rm -f`) ends it as any process. No I/O, no Docker, no trio here.
"""

from __future__ import annotations

import io
import struct
import tarfile
from collections.abc import Callable

from mcp.model import LABEL_ROLE

# Bump the tag whenever the program or the image's settings change: an engine keeps the
# image it built under a tag, and a new mcp must not take an old build for its own.
INFRA_IMAGE = "mcp/infra:1"
ENTRYPOINT = "/pause"
# On the image, and so on every container made from it: mcp's infra, a Pod's sandbox.
ROLE_INFRA = "infra"

# Where the program is loaded: the traditional base of a static non-PIE executable.
BASE = 0x400000
ELF_HEADER_SIZE = 64
PROGRAM_HEADER_SIZE = 56
CODE_START = ELF_HEADER_SIZE + PROGRAM_HEADER_SIZE
SIGACTION_SIZE = 32  # the kernel's: handler, flags, restorer, one 64-bit mask
SA_RESTORER = 0x04000000  # x86-64 refuses to deliver a signal to a handler without one
SIG_IGN = 1
SIGINT, SIGTERM, SIGCHLD = 2, 15, 17  # the same numbers on x86-64 and aarch64

# The code refers to the two sigaction structs placed after it (which point back at the
# handler in it). Instructions have fixed sizes, so the code's length does not depend on
# those addresses: `program` assembles once to measure, then with the real addresses.


def _x86_64(on_signal: int, ignore: int) -> tuple[bytes, int]:
    """The x86-64 code and the handler's offset in it."""

    def imm(value: int) -> bytes:
        return struct.pack("<I", value)

    def sigaction(signal: int, action: int) -> bytes:
        return (
            b"\xb8" + imm(13)  # mov eax, SYS_rt_sigaction
            + b"\xbf" + imm(signal)  # mov edi, signal
            + b"\xbe" + imm(action)  # mov esi, &action
            + b"\x31\xd2"  # xor edx, edx (no old action)
            + b"\x41\xba" + imm(8)  # mov r10d, sizeof(sigset_t)
            + b"\x0f\x05"  # syscall
        )  # fmt: skip

    setup = sigaction(SIGTERM, on_signal) + sigaction(SIGINT, on_signal)
    setup += sigaction(SIGCHLD, ignore)
    wait = b"\xb8" + imm(34) + b"\x0f\x05" + b"\xeb\xf7"  # mov eax, SYS_pause; syscall; jmp wait
    leave = b"\xb8" + imm(231) + b"\x31\xff" + b"\x0f\x05"  # exit_group(0)
    return setup + wait + leave, len(setup) + len(wait)


def _aarch64(on_signal: int, ignore: int) -> tuple[bytes, int]:
    """The aarch64 code and the handler's offset in it (aarch64 has no pause: ppoll)."""

    def op(word: int) -> bytes:
        return struct.pack("<I", word)

    def movz(register: int, value: int) -> bytes:  # movz xN, #value (below 65536)
        return op(0xD2800000 | value << 5 | register)

    def load(register: int, address: int) -> bytes:  # movz + movk xN, lsl 16
        return movz(register, address & 0xFFFF) + op(0xF2A00000 | (address >> 16) << 5 | register)

    svc = op(0xD4000001)

    def sigaction(signal: int, action: int) -> bytes:
        # rt_sigaction(signal, &action, NULL, sizeof(sigset_t)); syscall number in x8
        return movz(8, 134) + movz(0, signal) + load(1, action) + movz(2, 0) + movz(3, 8) + svc

    setup = sigaction(SIGTERM, on_signal) + sigaction(SIGINT, on_signal)
    setup += sigaction(SIGCHLD, ignore)
    # ppoll(NULL, 0, NULL, NULL, 0) sleeps until a signal; x0 holds its result after.
    ppoll = movz(8, 73) + b"".join(movz(register, 0) for register in range(5)) + svc
    wait = ppoll + op(0x14000000 | (-(len(ppoll) // 4) & 0x3FFFFFF))  # b wait
    leave = movz(8, 94) + movz(0, 0) + svc  # exit_group(0)
    return setup + wait + leave, len(setup) + len(wait)


# Docker's name for the engine's machine (`docker info` Architecture) -> (code, ELF
# e_machine, segment alignment: 64 KiB covers aarch64 kernels with 64 KiB pages).
ARCHITECTURES: dict[str, tuple[Callable[[int, int], tuple[bytes, int]], int, int]] = {
    "x86_64": (_x86_64, 62, 0x1000),
    "aarch64": (_aarch64, 183, 0x10000),
}


def program(architecture: str) -> bytes:
    """The static ELF executable for `architecture` (`x86_64` or `aarch64`).

    Raises:
        KeyError: mcp has no infra program for that architecture.
    """
    assemble, machine, align = ARCHITECTURES[architecture]
    measured, handler_offset = assemble(0, 0)
    end = CODE_START + len(measured)
    actions = end + (-end % 8)  # the sigaction structs, 8-byte aligned after the code
    on_signal, ignore = BASE + actions, BASE + actions + SIGACTION_SIZE
    handler = BASE + CODE_START + handler_offset
    code, _ = assemble(on_signal, ignore)
    padding = b"\0" * (actions - CODE_START - len(code))
    structs = struct.pack("<QQQQ", handler, SA_RESTORER, handler, 0)
    structs += struct.pack("<QQQQ", SIG_IGN, SA_RESTORER, handler, 0)
    total = actions + len(structs)
    header = struct.pack(
        "<4sBBBBB7xHHIQQQIHHHHHH",
        b"\x7fELF",
        2,  # 64-bit
        1,  # little-endian
        1,  # ELF version
        0,  # System V ABI
        0,
        2,  # ET_EXEC
        machine,
        1,
        BASE + CODE_START,  # entry point
        ELF_HEADER_SIZE,  # program headers follow the ELF header
        0,  # no section headers
        0,
        ELF_HEADER_SIZE,
        PROGRAM_HEADER_SIZE,
        1,
        0,
        0,
        0,
    )
    # One PT_LOAD segment, readable and executable, mapping the whole file at BASE.
    segment = struct.pack("<IIQQQQQQ", 1, 5, 0, BASE, BASE, total, total, align)
    return header + segment + code + padding + structs


def rootfs(architecture: str) -> bytes:
    """An uncompressed tarball holding only `/pause`, the same bytes on every call.

    Raises:
        KeyError: mcp has no infra program for that architecture.
    """
    data = program(architecture)
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.GNU_FORMAT) as tar:
        info = tarfile.TarInfo(ENTRYPOINT.lstrip("/"))
        info.size, info.mode, info.mtime = len(data), 0o755, 0
        tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def image_changes() -> list[str]:
    """The Dockerfile instructions `docker import --change` applies to the image."""
    return [f'ENTRYPOINT ["{ENTRYPOINT}"]', f"LABEL {LABEL_ROLE}={ROLE_INFRA}"]
