"""Fixtures for tests that need real services: etcd, Docker, a busybox image, `mcp run`.

- `etcd` (session): one real etcd on free loopback ports; `etcd_prefix` gives each test its own
  key prefix, so tests never see each other's data.
- `docker_client`, `busybox_image` and `pod_image` (session): the local engine and locally
  built images (no registry is reachable, so nothing is ever pulled); `pod_image` is tagged
  (`mcp-test/pod:1`) and holds the applets Pods that really run call (`httpd`, `wget`...).
- `mcp_launcher` / `mcp` / `api` (function): real `mcp run` processes. At the end of the test
  every process is terminated (SIGTERM, then SIGKILL) and every Docker container of the
  clusters those processes used is force-removed. The cluster id comes from etcd
  (`<prefix>/cluster-id`) and from the `cluster_identified` log event.
- `shared_launcher` / `shared_api` (module): one `mcp run` for all of a module's tests.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import docker
import httpx
import pytest
from support.etcd import EtcdServer, open_etcd
from support.images import ensure_busybox_image, ensure_pod_image
from support.launcher import McpLauncher
from support.mcp_process import McpProcess

# Generous: the API's default wait is 30 s, and a slow CI machine must not turn into a flake.
HTTP_TIMEOUT_S = 60.0


@pytest.fixture(scope="session")
def docker_client() -> Iterator[docker.DockerClient]:
    """The local Docker engine (DOCKER_HOST or the default socket), API version negotiated."""
    client = docker.from_env(version="auto")
    try:
        client.ping()
        yield client
    finally:
        client.close()


@pytest.fixture(scope="session")
def busybox_image(docker_client: docker.DockerClient) -> str:
    """Reference of the local busybox image, built on first use."""
    return ensure_busybox_image(docker_client)


@pytest.fixture(scope="session")
def pod_image(docker_client: docker.DockerClient) -> str:
    """Reference of the local image for Pods that run (`mcp-test/pod:1`), built on first use."""
    return ensure_pod_image(docker_client)


@pytest.fixture(scope="session")
def etcd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EtcdServer]:
    """A real etcd for the whole session. Tests that stop it must start it again."""
    with open_etcd(tmp_path_factory.mktemp("etcd")) as server:
        yield server
    # A test that left etcd stopped or paused is caught by the next test's failures,
    # and open_etcd's cleanup copes with either state.


@pytest.fixture
def etcd_prefix(etcd: EtcdServer) -> str:
    """A key prefix no other test uses, like "/mcp-test-3f9a0c1d2e4b"."""
    # A previous test stopped or paused it and failed before undoing that.
    if not etcd.running:
        etcd.start()
    elif not etcd.healthy():
        etcd.resume()
    return f"/mcp-test-{secrets.token_hex(6)}"


@pytest.fixture
def mcp_launcher(
    etcd: EtcdServer,
    etcd_prefix: str,
    tmp_path: Path,
    docker_client: docker.DockerClient,
) -> Iterator[McpLauncher]:
    """A factory of `mcp run` processes for this test, all cleaned up at its end."""
    launcher = McpLauncher(
        etcd=etcd, prefix=etcd_prefix, work_dir=tmp_path, docker_client=docker_client
    )
    try:
        yield launcher
    finally:
        launcher.close()


@pytest.fixture
def mcp(mcp_launcher: McpLauncher) -> McpProcess:
    """A healthy `mcp run` on the session etcd with this test's prefix."""
    return mcp_launcher.start()


@pytest.fixture
def api(mcp: McpProcess) -> Iterator[httpx.Client]:
    """An HTTP client for `mcp`'s API."""
    with httpx.Client(base_url=mcp.url, timeout=HTTP_TIMEOUT_S) as client:
        yield client


@pytest.fixture(scope="module")
def shared_launcher(
    etcd: EtcdServer,
    tmp_path_factory: pytest.TempPathFactory,
    docker_client: docker.DockerClient,
) -> Iterator[McpLauncher]:
    """The launcher of one healthy `mcp run` shared by a module's tests, on a prefix of its
    own (`processes[0]`; its kubeconfig in `data_dir`). Its tests must not restart it, and
    each works under names of its own."""
    launcher = McpLauncher(
        etcd=etcd,
        prefix=f"/mcp-test-{secrets.token_hex(6)}",
        work_dir=tmp_path_factory.mktemp("shared-mcp"),
        docker_client=docker_client,
    )
    try:
        launcher.start()
        yield launcher
    finally:
        launcher.close()


@pytest.fixture(scope="module")
def shared_api(shared_launcher: McpLauncher) -> Iterator[httpx.Client]:
    """An HTTP client for one `mcp run` shared by a module's tests, on a prefix of its own.

    Only for tests that leave no state behind (rejected requests, unknown refs): starting a
    process per table row would cost seconds each.
    """
    url = shared_launcher.processes[0].url
    with httpx.Client(base_url=url, timeout=HTTP_TIMEOUT_S) as client:
        yield client
