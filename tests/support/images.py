"""Tiny local images for tests, built from the host's static busybox: no registry is reachable.

Each image holds /bin/busybox and applet symlinks, made into a rootfs tarball in memory and
imported with the Docker API. It is built once and kept: tests only check that it exists.
Nothing here ever pulls.

- `mcp-test/busybox:latest` (`BUSYBOX_IMAGE`): the applets most tests need.
- `mcp-test/pod:1` (`POD_IMAGE`): those and the ones the running-Pod tests call (`httpd`,
  `wget`, `nc`, `tar`, `stat`...). Tagged and not `latest`, so a Pod naming it defaults to
  `imagePullPolicy: IfNotPresent` and a kubelet runs it without asking a registry.
"""

from __future__ import annotations

import io
import shutil
import tarfile
import time
from pathlib import Path

import docker
import docker.errors

BUSYBOX_IMAGE = "mcp-test/busybox:latest"

# Applets the tests (and anyone debugging them with `docker exec`) may call by name.
# `trap` and `wait` are shell builtins and need no link.
APPLETS = (
    "sh",
    "sleep",
    "echo",
    "cat",
    "true",
    "false",
    "env",
    "ls",
    "kill",
    "ps",
    "id",
    "date",
    "pwd",
    "touch",
    "mkdir",
    "rm",
    "wc",
    "head",
    "grep",
    "hostname",
)
POD_IMAGE = "mcp-test/pod:1"
# Serving and fetching over the Pod's network, `kubectl cp`, and a file's mode.
POD_APPLETS = (*APPLETS, "httpd", "wget", "nc", "tar", "stat")


def find_busybox() -> Path:
    """Return the path of a static busybox on this machine.

    Raises:
        FileNotFoundError: there is none (install Debian's `busybox-static`).
    """
    candidates = [Path("/usr/bin/busybox"), Path("/bin/busybox")]
    found = shutil.which("busybox")
    if found is not None:
        candidates.append(Path(found))
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    raise FileNotFoundError("no busybox binary found; install the busybox-static package")


def _add_dir(tar: tarfile.TarFile, name: str, mode: int) -> None:
    info = tarfile.TarInfo(name)
    info.type = tarfile.DIRTYPE
    info.mode = mode
    info.mtime = int(time.time())
    tar.addfile(info)


def rootfs_tarball(busybox: Path, applets: tuple[str, ...] = APPLETS) -> bytes:
    """Return an uncompressed tar of a rootfs holding busybox and links for `applets`."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        _add_dir(tar, "bin", 0o755)
        _add_dir(tar, "tmp", 0o1777)
        _add_dir(tar, "etc", 0o755)
        _add_dir(tar, "proc", 0o555)
        _add_dir(tar, "sys", 0o555)
        _add_dir(tar, "dev", 0o755)
        data = busybox.read_bytes()
        info = tarfile.TarInfo("bin/busybox")
        info.size = len(data)
        info.mode = 0o755
        info.mtime = int(time.time())
        tar.addfile(info, io.BytesIO(data))
        for applet in applets:
            link = tarfile.TarInfo(f"bin/{applet}")
            link.type = tarfile.SYMTYPE
            link.linkname = "busybox"
            link.mode = 0o777
            link.mtime = int(time.time())
            tar.addfile(link)
    return buffer.getvalue()


def ensure_busybox_image(
    client: docker.DockerClient,
    reference: str = BUSYBOX_IMAGE,
    applets: tuple[str, ...] = APPLETS,
) -> str:
    """Build a local busybox image unless it exists, and return its reference.

    Args:
        client: a connected docker-py client.
        reference: `repository:tag` to build.
        applets: the applets linked in /bin.

    Returns:
        `reference`, usable as the `image` of an mcp container.
    """
    try:
        client.images.get(reference)
    except docker.errors.ImageNotFound:
        pass
    else:
        return reference
    repository, _, tag = reference.rpartition(":")
    client.api.import_image_from_data(
        rootfs_tarball(find_busybox(), applets),
        repository=repository,
        tag=tag,
        changes=["ENV PATH=/bin", 'CMD ["sh"]'],
    )
    client.images.get(reference)  # raises if the import silently failed
    return reference


def ensure_pod_image(client: docker.DockerClient) -> str:
    """Build `POD_IMAGE` unless it exists, and return its reference."""
    return ensure_busybox_image(client, POD_IMAGE, POD_APPLETS)
