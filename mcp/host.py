"""What the machine mcp runs on says about itself: its ids, the size of a file system, and
the address of its default route.

Read only when the Docker engine is on this machine (a `unix://` socket), for the Node that
stands for it (`runtime.DockerRuntime.host_info`); a remote engine's host is not this one.
Every function blocks briefly (a file, a `statvfs`, a socket that sends nothing): callers
run them in a worker thread. None raises: what cannot be read is "" or None, as a kubelet
that cannot read them reports empty fields.
"""

from __future__ import annotations

import ipaddress
import os
import socket
from pathlib import Path

MACHINE_ID = Path("/etc/machine-id")
SYSTEM_UUID = Path("/sys/class/dmi/id/product_uuid")
BOOT_ID = Path("/proc/sys/kernel/random/boot_id")
ROUTES = Path("/proc/net/route")
RTF_GATEWAY = 0x2


def read_id(path: Path) -> str:
    """The first line of `path`, stripped; "" when it cannot be read."""
    try:
        return path.read_text().strip().splitlines()[0].strip()
    except (OSError, UnicodeDecodeError, IndexError):
        return ""


def file_system_bytes(path: str) -> int | None:
    """The size of the file system holding `path`; None when it cannot be told."""
    try:
        stats = os.statvfs(path)
    except OSError:
        return None
    return stats.f_blocks * stats.f_frsize


def default_gateway(routes: str) -> str | None:
    """The gateway of the default IPv4 route (the lowest metric's) in `/proc/net/route`."""
    best: tuple[int, str] | None = None
    for line in routes.splitlines()[1:]:
        fields = line.split()
        if len(fields) < 7 or fields[1] != "00000000":
            continue
        try:
            flags, metric = int(fields[3], 16), int(fields[6])
            gateway = socket.inet_ntoa(int(fields[2], 16).to_bytes(4, "little"))
        except (ValueError, OSError):
            continue
        if flags & RTF_GATEWAY and (best is None or metric < best[0]):
            best = (metric, gateway)
    return best[1] if best else None


def default_route_ipv4() -> str | None:
    """The host's IPv4 address on the interface of its default route (what kubelet's
    `ChooseHostInterface` picks); None when there is no such route or it is loopback.

    Connecting a UDP socket to the gateway sends nothing: it only asks the kernel which
    source address its routing table picks to reach it.
    """
    try:
        gateway = default_gateway(ROUTES.read_text())
        if gateway is None:
            return None
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect((gateway, 9))
            address = str(probe.getsockname()[0])
    except OSError:
        return None
    return None if ipaddress.ip_address(address).is_loopback else address
