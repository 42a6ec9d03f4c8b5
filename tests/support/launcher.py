"""Starts `mcp run` processes for one test, and cleans up after all of them.

Cleanup order matters: every process is terminated first (a live mcp would recreate what we
remove), then every Docker container of the clusters those processes used is force-removed.
The cluster id is read from etcd (`<prefix>/cluster-id`) and from the `cluster_identified` log
event; if neither names one, containers labelled by mcp that appeared during the test go.
"""

from __future__ import annotations

import signal
from collections.abc import Mapping, Sequence
from pathlib import Path

import docker
import httpx
from docker.models.containers import Container

from support.containers import LABEL_UID, remove_clusters
from support.etcd import EtcdServer
from support.mcp_process import McpProcess


class McpLauncher:
    """Starts `mcp run` processes for one test and cleans up after all of them."""

    def __init__(
        self,
        *,
        etcd: EtcdServer,
        prefix: str,
        work_dir: Path,
        docker_client: docker.DockerClient,
    ) -> None:
        self.etcd = etcd
        self.prefix = prefix
        self.data_dir = work_dir / "data"
        self.log_dir = work_dir / "logs"
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self.processes: list[McpProcess] = []
        self._docker = docker_client
        self._existing = {c.id for c in self._mcp_containers()}

    def _mcp_containers(self) -> list[Container]:
        containers: list[Container] = self._docker.containers.list(
            all=True, filters={"label": [LABEL_UID]}
        )
        return containers

    def start(
        self,
        *,
        extra_args: Sequence[str] = (),
        env: Mapping[str, str] | None = None,
        etcd_url: str | None = "",
        prefix: str | None = "",
    ) -> McpProcess:
        """Start `mcp run` and return it healthy.

        Args:
            extra_args: more flags after the standard ones.
            env: extra environment variables.
            etcd_url: "" for the session etcd, None to pass no --etcd flag, else the URL.
            prefix: "" for this test's prefix, None to pass no --etcd-prefix flag.
        """
        process = McpProcess.start(
            etcd_url=self.etcd.url if etcd_url == "" else etcd_url,
            prefix=self.prefix if prefix == "" else prefix,
            data_dir=self.data_dir,
            log_dir=self.log_dir,
            extra_args=extra_args,
            env=env,
        )
        self.processes.append(process)
        return process

    def spawn(
        self, argv: Sequence[str], *, url: str, env: Mapping[str, str] | None = None
    ) -> McpProcess:
        """Start an arbitrary mcp command line without waiting for health; cleaned up later."""
        process = McpProcess.spawn(argv, log_dir=self.log_dir, url=url, env=env)
        self.processes.append(process)
        return process

    def cluster_ids(self) -> set[str]:
        """Cluster ids seen in this test: from etcd and from the processes' logs."""
        ids: set[str] = set()
        if self.etcd.running:
            try:
                stored = self.etcd.get(f"{self.prefix}/cluster-id")
            except httpx.HTTPError:
                stored = None
            if stored:
                ids.add(stored.strip().strip('"'))
        for process in self.processes:
            for record in process.events("cluster_identified"):
                cluster = record.get("cluster")
                if isinstance(cluster, str) and cluster:
                    ids.add(cluster)
        return ids

    def close(self) -> None:
        """Terminate every process, then remove the containers of every cluster seen."""
        for process in self.processes:
            if process.returncode is None:
                process.signal(signal.SIGTERM)
        for process in self.processes:
            process.terminate(grace=15.0)
        for process in self.processes:
            # Shown by pytest only when the test failed.
            print(process.output())
        ids = self.cluster_ids()
        removed = remove_clusters(self._docker, ids)
        if not ids and self.processes:
            # mcp said nowhere which cluster it is: fall back to "labelled by mcp, and new".
            for container in self._mcp_containers():
                if container.id not in self._existing:
                    container.remove(force=True)
                    removed.append(container.name or "?")
        if removed:
            print(f"removed containers: {removed}")
