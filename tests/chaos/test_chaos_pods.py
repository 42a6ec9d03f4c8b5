"""Chaos for Pods: mcp killed, Docker and etcd failing or changed behind its back, a
crash-looping container and a poisoned Pod actor, each judged as a user of a real cluster
would judge it: `kubectl get pods` and the Pod's status and Events, and `docker ps`
filtered by this cluster's label (`support.chaos.pod_convergence_problems`). What each case
expects is the kubelet's behaviour (pkg/kubelet/kuberuntime), named where it is not obvious.

Every Pod runs the local image `mcp-test/pod:1` (tagged: never pulled) in a namespace of the
test's own. Timeouts are generous bounds on convergence, never measures of speed. The dockerd
restart stops every container on this machine, so it comes last (and is for a machine
nobody else's containers run on).
"""

from __future__ import annotations

import json
import secrets
import signal
import subprocess
import time
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import docker
import pytest
from e2e.test_kubernetes_clients import kubectl
from e2e.test_kubernetes_pods import ok, run
from e2e.test_pods_running import apply, row, status_of
from support.chaos import (
    INFRA,
    PodContainer,
    PodsConverged,
    cluster_id,
    pod_containers,
    pod_convergence_problems,
    restart_dockerd_under,
)
from support.etcd import EtcdServer
from support.launcher import McpLauncher
from support.mcp_process import McpProcess
from support.polling import wait_until

pytestmark = pytest.mark.e2e

CONVERGE_TIMEOUT_S = 60.0  # generous: convergence is the point, not its speed
BURST = 10  # Pods applied at once in the kill -9 scenario
OUTAGE_S = 10.0
RESYNC_S = 30.0  # mcp's default resync interval, which its orphan sweeper keeps too
SHUTDOWN_GRACE_S = 300.0
SHUTDOWN_TIMEOUT_S = 30.0  # generous for "ends after the current pass", far below the grace
# Long enough for a pass that would undo a change to have come and gone: Docker's event
# brings one at once, and the resync interval of the case that waits so is one second.
SETTLE_S = 3.0
SANDBOX_CHANGED = "Pod sandbox changed, it will be killed and re-created."


def names(stem: str, count: int) -> list[str]:
    """`count` DNS-1123 names no other test run uses, like "burst-3f9a0c-07"."""
    token = secrets.token_hex(3)
    return [f"{stem}-{token}-{index:02d}" for index in range(count)]


def sleepers(pods: Iterable[str], containers: Collection[str] = ("app",)) -> str:
    """A manifest of one Pod per name, each container sleeping (ending at once on SIGTERM,
    so a stop or a delete need not wait out the grace period) with the Pod's emptyDir
    `scratch` mounted and a file written into it."""
    body = "".join(
        f"""\
  - name: {container}
    image: IMAGE
    command: [sh, -c, "echo {container} > /scratch/{container}; trap 'exit 0' TERM; \
sleep 3600 & wait"]
    volumeMounts: [{{name: scratch, mountPath: /scratch}}]
"""
        for container in containers
    )
    return "---\n".join(
        f"""\
apiVersion: v1
kind: Pod
metadata: {{name: {name}}}
spec:
  terminationGracePeriodSeconds: 1
  containers:
{body}  volumes:
  - {{name: scratch, emptyDir: {{}}}}
"""
        for name in pods
    )


def about(event: Mapping[str, Any], pod: str, container: str | None = None) -> bool:
    """Whether `event` is about Pod `pod` (and, given, its container `container`)."""
    involved = event["involvedObject"]
    if involved.get("name") != pod:
        return False
    return container is None or involved.get("fieldPath") == f"spec.containers{{{container}}}"


def since(event: Mapping[str, Any], moment: datetime) -> bool:
    """Whether `event` last happened at or after `moment` (Events count in seconds)."""
    return datetime.fromisoformat(event["lastTimestamp"]) >= moment


def restarts(found: Mapping[str, Any], container: str = "app") -> int:
    """The container's `restartCount` in Pod `found`."""
    count: int = status_of(dict(found), container)["restartCount"]
    return count


@dataclass
class Lab:
    """One test's world: its `mcp run` processes, the session's etcd and Docker, the Pod
    image, and a namespace of its own (made with kubectl once the first mcp runs); what
    the test sees of it, through kubectl and Docker."""

    launcher: McpLauncher
    etcd: EtcdServer
    prefix: str
    docker: docker.DockerClient
    image: str
    tmp_path: Path
    ns: str = field(default_factory=lambda: f"chaos-{secrets.token_hex(4)}")
    cluster: str = ""

    @property
    def kubeconfig(self) -> Path:
        """The kubeconfig mcp writes (each process rewrites it for its port)."""
        return self.launcher.data_dir / "kubeconfig"

    def start(
        self, *, extra_args: Iterable[str] = (), env: Mapping[str, str] | None = None
    ) -> McpProcess:
        """Start `mcp run` on the test's prefix and data directory; the namespace once."""
        mcp = self.launcher.start(extra_args=list(extra_args), env=env)
        if not self.cluster:
            self.cluster = cluster_id(self.etcd, self.prefix)
            made = kubectl(self.kubeconfig, "create", "namespace", self.ns)
            assert made.returncode == 0, made.stderr
        return mcp

    def start_pods(
        self, pods: Collection[str], *, extra_args: Iterable[str] = ()
    ) -> tuple[McpProcess, PodsConverged]:
        """An `mcp run`, and `pods` (sleepers, one container `app`) applied and running."""
        mcp = self.start(extra_args=extra_args)
        self.apply(sleepers(pods))
        return mcp, self.converged(pods)

    def apply(self, manifest: str) -> str:
        """`kubectl apply -f` of `manifest` (its `image: IMAGE` the Pod image)."""
        return apply(self.kubeconfig, self.ns, self.tmp_path, manifest, self.image)

    def kubectl(self, *args: str) -> subprocess.CompletedProcess[str]:
        """kubectl in the namespace, as a user types it."""
        return run(self.kubeconfig, self.ns, *args)

    def pod(self, name: str) -> dict[str, Any]:
        """`kubectl get pod <name> -o json`."""
        found: dict[str, Any] = json.loads(
            ok(self.kubeconfig, self.ns, "get", "pod", name, "-o", "json")
        )
        return found

    def row(self, name: str) -> list[str]:
        """The cells of the Pod's row in `kubectl get pod` (NAME READY STATUS RESTARTS AGE)."""
        return row(self.kubeconfig, self.ns, name)

    def events(self, reason: str) -> list[dict[str, Any]]:
        """The namespace's Events of `reason`, as `kubectl get events -o json` shows them."""
        shown = ok(
            self.kubeconfig,
            self.ns,
            "get",
            "events",
            "--field-selector",
            f"reason={reason}",
            "-o",
            "json",
        )
        items: list[dict[str, Any]] = json.loads(shown)["items"]
        return items

    def containers(self) -> list[PodContainer]:
        """The Pods' Docker containers, running or not (`docker ps -a`, this cluster's)."""
        return pod_containers(self.docker, self.cluster)

    def pod_dir(self, uid: str) -> Path:
        """Where mcp keeps a Pod's volumes and termination-message files (the kubelet's
        /var/lib/kubelet/pods/<uid>), under its cluster's folder of the data dir."""
        (cluster,) = self.launcher.cluster_ids()
        return self.launcher.data_dir / "clusters" / cluster / "pods" / uid

    def converged(
        self,
        want: Collection[str],
        *,
        timeout: float = CONVERGE_TIMEOUT_S,
        until: Callable[[PodsConverged], bool] = lambda _: True,
        without_container: Collection[str] = (),
    ) -> PodsConverged:
        """Poll kubectl and Docker until Pods `want` run as they should (and `until` holds
        of what is seen), those in `without_container` with nothing on Docker; fail with
        the last problems otherwise."""
        deadline = time.monotonic() + timeout
        while True:
            listed = self.kubectl("get", "pods", "-o", "json")
            if listed.returncode != 0:
                problems = [f"kubectl get pods: {listed.stderr.strip()}"]
            else:
                problems, converged = pod_convergence_problems(
                    json.loads(listed.stdout)["items"],
                    self.containers(),
                    want,
                    without_container=without_container,
                )
                if converged is not None:
                    if until(converged):
                        return converged
                    problems = ["converged, but not yet as awaited"]
            if time.monotonic() >= deadline:
                shown = "\n  ".join(problems[:40])
                raise AssertionError(
                    f"Pods not converged after {timeout:.0f} s ({len(problems)} problems):\n"
                    f"  {shown}"
                )
            time.sleep(0.5)


@pytest.fixture
def lab(
    mcp_launcher: McpLauncher,
    etcd: EtcdServer,
    etcd_prefix: str,
    docker_client: docker.DockerClient,
    pod_image: str,
    tmp_path: Path,
) -> Lab:
    return Lab(mcp_launcher, etcd, etcd_prefix, docker_client, pod_image, tmp_path)


# --- 1. kill -9 of mcp while 10 Pods are being made ---------------------------------------


def test_kill_9_while_pods_converge_then_a_new_mcp_adopts_what_runs(lab: Lab) -> None:
    first = lab.start()
    burst = names("burst", BURST)
    lab.apply(sleepers(burst, ("app", "side")))
    wait_until(
        lambda: sum(c.running and c.container != INFRA for c in lab.containers()) >= 5,
        timeout=CONVERGE_TIMEOUT_S,
        interval=0.05,
        message="the first containers of the burst running",
    )
    first.kill()  # SIGKILL: no chance to finish a step, write a status or an event
    # Docker may still finish a create or start that was in flight: let it, then what runs
    # must be adopted, not duplicated. Events count in seconds: every event of the first
    # mcp is older than `restarted`.
    time.sleep(1.5)
    kept = [c for c in lab.containers() if c.running]
    print(f"after kill -9: {len(kept)} running of {3 * BURST}")
    restarted = datetime.now(UTC).replace(microsecond=0)

    lab.start()
    converged = lab.converged(burst, timeout=2 * CONVERGE_TIMEOUT_S)
    pod_of = {str(p["metadata"]["uid"]): name for name, p in converged.pods.items()}
    running = [c for c in lab.containers() if c.running]
    assert len(running) == 3 * BURST, "not one running Docker container per container and sandbox"
    for before in kept:
        name = pod_of[before.pod_uid]
        now = converged.running[name][before.container]
        assert (now.id, now.attempt) == (before.id, before.attempt), f"{name}: not adopted"
        if before.container != INFRA:  # the attempt number is the kubelet's restartCount
            assert restarts(converged.pods[name], before.container) == before.attempt, name

    # What was made again got its Started event from the second mcp; what ran at the kill
    # got no Created event: adopted, not made again. (Events trail the status a little.)
    made_again = [
        (name, container)
        for name in burst
        for container in ("app", "side")
        if converged.running[name][container].id not in {c.id for c in kept}
    ]

    def started_again() -> bool:
        shown = [e for e in lab.events("Started") if since(e, restarted)]
        return all(any(about(e, n, c) for e in shown) for n, c in made_again)

    wait_until(started_again, timeout=30, message=f"Started events for {made_again}")
    created = [e for e in lab.events("Created") if since(e, restarted)]
    sandboxes = [e for e in lab.events("SandboxChanged") if since(e, restarted)]
    for before in kept:
        name = pod_of[before.pod_uid]
        if before.container == INFRA:
            assert not [e for e in sandboxes if about(e, name)], f"{name}: sandbox made again"
        else:
            again = [e["message"] for e in created if about(e, name, before.container)]
            assert not again, f"{name}/{before.container} created again: {again}"


# --- 2. Docker changed behind mcp's back ---------------------------------------------------


def test_docker_kill_stop_rm_of_containers_and_kill_of_the_sandbox_heal(lab: Lab) -> None:
    killed, stopped, removed, sandbox, steady = pods = names("drift", 5)
    # An hour's resync: only Docker's event stream can explain a repair within the timeout.
    mcp, before = lab.start_pods(pods, extra_args=["--resync-interval", "3600"])
    ids = {name: {c: found.id for c, found in before.running[name].items()} for name in pods}
    lab.docker.api.kill(ids[killed]["app"])  # SIGKILL
    lab.docker.api.stop(ids[stopped]["app"], timeout=1)  # SIGTERM: the trap exits 0
    lab.docker.api.remove_container(ids[removed]["app"], force=True)
    lab.docker.api.kill(ids[sandbox][INFRA])

    after = lab.converged(
        pods,
        until=lambda seen: all(
            seen.running[name]["app"].id != ids[name]["app"]
            for name in (killed, stopped, removed, sandbox)
        ),
    )
    for name in (killed, stopped, removed):
        found = after.pods[name]
        # Healed in place: the same sandbox, so the same IP; the next attempt.
        assert after.running[name][INFRA].id == ids[name][INFRA], name
        assert found["status"]["podIP"] == before.pods[name]["status"]["podIP"], name
        assert restarts(found) == 1, name
        assert after.running[name]["app"].attempt == 1, name
        assert lab.row(name)[:4] == [name, "1/1", "Running", "1"]
    terminated = {
        name: status_of(after.pods[name], "app")["lastState"]["terminated"]
        for name in (killed, stopped)
    }
    assert (terminated[killed]["exitCode"], terminated[killed]["reason"]) == (137, "Error")
    assert (terminated[stopped]["exitCode"], terminated[stopped]["reason"]) == (0, "Completed")
    assert terminated[killed]["containerID"] == f"docker://{ids[killed]['app']}"

    # A dead sandbox: a new one (the next attempt), the Pod's containers made again in it.
    assert after.running[sandbox][INFRA].id != ids[sandbox][INFRA]
    assert after.running[sandbox][INFRA].attempt == 1
    assert restarts(after.pods[sandbox]) == 1
    assert lab.row(sandbox)[:4] == [sandbox, "1/1", "Running", "1"]
    changed = lab.events("SandboxChanged")
    assert [(e["type"], e["message"]) for e in changed if about(e, sandbox)] == [
        ("Normal", SANDBOX_CHANGED)
    ]
    assert [e for e in changed if not about(e, sandbox)] == []

    assert after.running[steady] == before.running[steady]
    assert restarts(after.pods[steady]) == 0
    assert mcp.returncode is None


def test_an_old_attempt_started_by_hand_runs_on_beside_the_current_one(lab: Lab) -> None:
    """The kubelet acts on each container's newest attempt only (computePodActions reads
    `FindContainerStatusByName`, the newest by creation), and its container GC never
    touches a running container (`evictableContainers`: "Prune out running containers"):
    an exited attempt started again by hand runs beside the current one, untouched. The
    status names the current attempt; its `lastState` is the state of the one before it,
    now running (`convertToAPIContainerStatuses`: the second newest's State)."""
    (name,) = names("old", 1)
    mcp, first = lab.start_pods([name], extra_args=["--resync-interval", "1"])
    old = first.running[name]["app"]
    lab.docker.api.kill(old.id)
    current = lab.converged([name], until=lambda seen: seen.running[name]["app"].id != old.id)
    new = current.running[name]["app"]
    assert new.attempt == 1

    lab.docker.api.start(old.id)
    wait_until(
        lambda: "running" in status_of(lab.pod(name), "app")["lastState"],
        timeout=CONVERGE_TIMEOUT_S,
        message="lastState: attempt 0 running",
    )
    time.sleep(SETTLE_S)  # a few resyncs: nothing stops either of them
    app = status_of(lab.pod(name), "app")
    assert app["containerID"] == f"docker://{new.id}"
    assert (app["restartCount"], app["ready"], set(app["state"])) == (1, True, {"running"})
    assert set(app["lastState"]) == {"running"}
    both = {c.id: c.running for c in lab.containers() if c.container == "app"}
    assert both == {old.id: True, new.id: True}
    assert [e for e in lab.events("Killing") if about(e, name)] == []
    assert lab.row(name)[:4] == [name, "1/1", "Running", "1"]
    assert mcp.returncode is None


# --- 3. etcd gone for 10 s ----------------------------------------------------------------


def test_etcd_outage_leaves_pods_running_heals_a_killed_container_and_new_pods_converge(
    lab: Lab,
) -> None:
    steady, victim = pods = names("outage", 2)
    mcp, before = lab.start_pods(pods)
    killed = before.running[victim]["app"]
    expected = {(c.pod_uid, c.container): c.id for p in pods for c in before.running[p].values()}
    lab.etcd.stop()
    try:
        outage_ends = time.monotonic() + OUTAGE_S
        lab.docker.api.kill(killed.id)

        # The desired state is in mcp's cache: Docker's event brings a pass, which starts
        # the next attempt without etcd (only its status cannot be written yet).
        def healed() -> PodContainer | None:
            running = [
                c
                for c in lab.containers()
                if c.running and c.pod_uid == killed.pod_uid and c.container == "app"
            ]
            return running[0] if len(running) == 1 and running[0].id != killed.id else None

        during = wait_until(healed, timeout=OUTAGE_S, message="the killed container healed")
        expected[(during.pod_uid, "app")] = during.id
        while time.monotonic() < outage_ends:
            running = {(c.pod_uid, c.container): c.id for c in lab.containers() if c.running}
            assert running == expected, "workloads disturbed while etcd was down"
            assert mcp.returncode is None, f"mcp exited while etcd was down\n{mcp.output()}"
            time.sleep(0.5)
    finally:
        lab.etcd.start()

    # The status catches up: the attempt made during the outage, the kill in lastState.
    after = lab.converged(pods, until=lambda seen: seen.running[victim]["app"].id == during.id)
    status = status_of(after.pods[victim], "app")
    assert (status["restartCount"], during.attempt) == (1, 1)
    terminated = status["lastState"]["terminated"]
    assert (terminated["exitCode"], terminated["containerID"]) == (137, f"docker://{killed.id}")
    assert after.running[steady] == before.running[steady]
    assert after.running[victim][INFRA] == before.running[victim][INFRA]

    # A Pod applied right after etcd is back converges, beside the others.
    (new,) = names("post", 1)
    manifest = lab.tmp_path / "post.yaml"
    manifest.write_text(sleepers([new]).replace("image: IMAGE", f"image: {lab.image}"))
    wait_until(
        lambda: lab.kubectl("apply", "-f", str(manifest)).returncode == 0,
        timeout=CONVERGE_TIMEOUT_S,
        interval=1.0,
        message="an apply accepted after the outage",
    )
    last = lab.converged([*pods, new])
    assert last.running[steady] == before.running[steady]
    assert restarts(last.pods[new]) == 0
    assert mcp.returncode is None


# --- 4. Pods deleted from etcd, history compacted, while mcp is down ------------------------


def churn_and_compact(etcd: EtcdServer, prefix: str) -> None:
    """Unrelated writes after the deletes, then the whole history compacted: the compaction
    covers more than the deletes. (Compacting at a delete's own revision would hit etcd
    before 3.4.33 and 3.5.15 dropping that delete from a watch opened there, without an
    ErrCompacted: etcd-io/etcd#18089.)"""
    for step in range(5):
        etcd.put(f"{prefix}-chaos-churn", str(step))
    etcd.put(f"{prefix}-chaos-churn", "done")
    etcd.compact()


def delete_while_down(lab: Lab) -> tuple[McpProcess, list[str], PodsConverged]:
    """Pods running; mcp stopped; two of them removed outright from etcd (not through the
    API) and the history compacted; mcp started again and the other Pods converged, each
    adopted. The new mcp, the uids of the Pods deleted, and what runs now."""
    gone_a, gone_b, *kept = pods = names("down", 4)
    first, before = lab.start_pods(pods)
    gone = [str(before.pods[name]["metadata"]["uid"]) for name in (gone_a, gone_b)]
    assert all(lab.pod_dir(uid).is_dir() for uid in gone)
    first.signal(signal.SIGTERM)
    assert first.wait(timeout=30.0) == 0  # the Pods keep running

    for name in (gone_a, gone_b):
        assert lab.etcd.delete(f"{lab.prefix}/registry/pods/{lab.ns}/{name}") == 1
    churn_and_compact(lab.etcd, lab.prefix)

    second = lab.start()
    # Converged includes: no Docker container left (running or not) of the deleted Pods.
    after = lab.converged(kept)
    for name in kept:
        assert after.running[name] == before.running[name], f"{name} not adopted"
        assert restarts(after.pods[name]) == 0
    for name in (gone_a, gone_b):
        assert lab.kubectl("get", "pod", name).returncode == 1
    return second, gone, after


def test_pods_deleted_from_etcd_while_mcp_is_down_lose_their_containers_the_rest_adopted(
    lab: Lab,
) -> None:
    second, gone, after = delete_while_down(lab)
    removed = {record.get("container_id") for record in second.events("orphan_removed")}
    assert len(removed) == 2 * len(gone), "each deleted Pod's app and infra container"
    for name, found in after.pods.items():
        assert lab.pod_dir(str(found["metadata"]["uid"])).is_dir(), name
    assert second.returncode is None


def test_pods_deleted_from_etcd_while_mcp_is_down_lose_their_volume_directories(
    lab: Lab,
) -> None:
    _, gone, _ = delete_while_down(lab)
    wait_until(
        lambda: not any(lab.pod_dir(uid).exists() for uid in gone),
        timeout=RESYNC_S,  # the kubelet's housekeeping sweeps every 2 s
        message=f"the directories of the deleted Pods {gone} removed",
    )


# --- 5. the same while mcp's watch is disconnected ----------------------------------------


def test_pods_deleted_from_etcd_while_the_watch_is_disconnected(lab: Lab) -> None:
    gone, *kept = pods = names("dis", 3)
    # A short resync: the actor of a Pod deleted outright finds it gone at its next pass.
    mcp, before = lab.start_pods(pods, extra_args=["--resync-interval", "2"])
    uid = str(before.pods[gone]["metadata"]["uid"])
    # Frozen, mcp cannot notice etcd going away; when it thaws its watch is broken and the
    # revision it would resume from is compacted: it must list again.
    mcp.signal(signal.SIGSTOP)
    try:
        lab.etcd.restart()
        assert lab.etcd.delete(f"{lab.prefix}/registry/pods/{lab.ns}/{gone}") == 1
        churn_and_compact(lab.etcd, lab.prefix)
    finally:
        mcp.signal(signal.SIGCONT)

    after = lab.converged(kept)
    for name in kept:
        assert after.running[name] == before.running[name], f"{name} replaced"
    assert lab.kubectl("get", "pod", gone).returncode == 1
    wait_until(
        lambda: not lab.pod_dir(uid).exists(),
        timeout=CONVERGE_TIMEOUT_S,
        message=f"the directory of the deleted Pod {gone} removed",
    )
    assert all(lab.pod_dir(str(p["metadata"]["uid"])).is_dir() for p in after.pods.values())
    assert mcp.events("etcd_watch_compacted"), mcp.output()
    assert mcp.returncode is None


# --- 6. a crash loop, backing off -----------------------------------------------------------

BACKOFF_BASE_S = 2.0
BACKOFF_CAP_S = 8.0
# The kubelet's schedule (its back-off, 10 s doubling to 300 s, here 2 s doubling to 8 s):
# the first restart at once, then each after the base, doubling, capped.
SCHEDULE_S = [0.0, 2.0, 4.0, 8.0, 8.0]
# How late a restart may be: Docker's event, a pass, and Docker's create (the restart is
# judged by the next attempt's creation, so a slow `docker start` is not counted). Never
# early: Docker's times and mcp's clock are the same host clock.
LATE_S = 1.5  # less than the base: each step is told from the next
EARLY_S = 0.05
CRASH = """\
apiVersion: v1
kind: Pod
metadata: {name: crash}
spec:
  terminationGracePeriodSeconds: 1
  restartPolicy: Always
  containers:
  - name: app
    image: IMAGE
    command: [sh, -c, "exit 1"]
"""


def docker_time(text: str) -> float:
    """Docker's RFC 3339 time with nanoseconds, as seconds since the epoch."""
    whole, _, fraction = text.rstrip("Z").partition(".")
    return datetime.fromisoformat(whole).replace(tzinfo=UTC).timestamp() + float(
        f"0.{fraction or 0}"
    )


def test_a_crash_loop_backs_off_on_the_kubelets_schedule(lab: Lab) -> None:
    mcp = lab.start(
        extra_args=[
            "--restart-backoff-base",
            str(BACKOFF_BASE_S),
            "--restart-backoff-cap",
            str(BACKOFF_CAP_S),
        ]
    )
    lab.apply(CRASH)

    # When each attempt was made and when it ended, from Docker (which keeps only the newest
    # two attempts: polled often enough to see each before it goes); and the waiting
    # messages the status shows meanwhile.
    made: dict[int, float] = {}
    ended: dict[int, float] = {}
    waiting: set[str] = set()
    deadline = time.monotonic() + CONVERGE_TIMEOUT_S
    while len(made) <= len(SCHEDULE_S) or len(ended) < len(SCHEDULE_S):
        assert time.monotonic() < deadline, f"attempts made {sorted(made)}, ended {sorted(ended)}"
        for container in lab.containers():
            if container.container != "app" or container.attempt in ended:
                continue
            try:
                shown = lab.docker.api.inspect_container(container.id)
            except docker.errors.NotFound:
                continue
            made[container.attempt] = docker_time(shown["Created"])
            state = shown["State"]
            if not state["Running"] and not state["FinishedAt"].startswith("0001"):
                ended[container.attempt] = docker_time(state["FinishedAt"])
        statuses = lab.pod("crash")["status"].get("containerStatuses") or [{}]
        if reason := (statuses[0].get("state") or {}).get("waiting"):
            waiting.add(reason.get("message", ""))
        time.sleep(0.05)

    gaps = [made[k + 1] - ended[k] for k in range(len(SCHEDULE_S))]
    print(f"restart gaps: {[round(g, 2) for g in gaps]}")
    for attempt, (gap, due) in enumerate(zip(gaps, SCHEDULE_S, strict=True)):
        assert due - EARLY_S <= gap <= due + LATE_S, f"attempt {attempt + 1}: {gaps}"

    uid = lab.pod("crash")["metadata"]["uid"]
    delays = {m.split()[1] for m in waiting if m.startswith("back-off ")}
    assert delays == {"2s", "4s", "8s"}, waiting
    assert f"back-off 8s restarting failed container=app pod=crash_{lab.ns}({uid})" in waiting
    wait_until(
        lambda: restarts(lab.pod("crash")) >= len(SCHEDULE_S),
        timeout=BACKOFF_CAP_S,
        message=f"restartCount {len(SCHEDULE_S)}",
    )
    # Backing off, kubectl says so (not the last exit's Error, shown only until the pass
    # after it); the phase stays Running, as restartPolicy Always keeps it.
    wait_until(
        lambda: lab.row("crash")[:3] == ["crash", "0/1", "CrashLoopBackOff"],
        timeout=BACKOFF_CAP_S,
        message="kubectl get pod showing CrashLoopBackOff",
    )
    assert lab.pod("crash")["status"]["phase"] == "Running"
    backoffs = [e for e in lab.events("BackOff") if about(e, "crash", "app")]
    assert [(e["type"], e["message"]) for e in backoffs] == [
        ("Warning", f"Back-off restarting failed container app in pod crash_{lab.ns}({uid})")
    ]
    assert backoffs[0]["count"] >= 2

    # Docker keeps the newest two attempts, however often it restarts (for lastState and
    # `logs --previous`; an older one goes at the pass after a new one is made).
    def kept() -> list[int] | None:
        attempts = sorted(c.attempt for c in lab.containers() if c.container == "app")
        return attempts if len(attempts) == 2 and attempts[0] + 1 == attempts[1] else None

    assert wait_until(kept, timeout=2 * BACKOFF_CAP_S, message="the two newest attempts")[0] >= 4
    assert mcp.returncode is None


# --- 7. one poisoned Pod actor among healthy ones -------------------------------------------


def start_poisoned(lab: Lab, poisoned: str, *, extra_args: Iterable[str] = ()) -> McpProcess:
    """An `mcp run` whose Pod actor of `poisoned` raises at each pass; once the actor has
    crashed and been restarted (logged twice). Fails at once if the Pod runs: the poison
    took no hold."""
    mcp = lab.start(extra_args=extra_args, env={"MCP_FAILPOINTS": f"reconcile={lab.ns}/{poisoned}"})

    def crashed() -> bool:
        crashes = [r for r in mcp.events("pod_actor_crashed") if r.get("pod") == poisoned]
        if len(crashes) >= 2:
            return True
        statuses = lab.pod(poisoned)["status"].get("containerStatuses") or []
        assert not any("running" in s.get("state", {}) for s in statuses), (
            f"the poisoned Pod {poisoned} runs: the failpoint took no hold"
        )
        return False

    lab.apply(sleepers([poisoned]))
    wait_until(crashed, timeout=CONVERGE_TIMEOUT_S, message=f"{poisoned}'s actor crashing")
    return mcp


def test_a_poisoned_pod_actor_is_contained(lab: Lab) -> None:
    poisoned, *healthy = names("fp", 4)
    mcp = start_poisoned(lab, poisoned)
    lab.apply(sleepers(healthy))

    failed = [e for e in lab.events("FailedSync") if about(e, poisoned)]
    assert [(e["type"], e["reason"]) for e in failed] == [("Warning", "FailedSync")]
    assert "failpoint" in failed[0]["message"], failed
    # The healthy Pods run, and still follow changes; nothing of the poisoned one runs.
    lab.converged(healthy, without_container=[poisoned])
    lab.kubectl("delete", "pod", healthy[0])
    lab.converged(healthy[1:], without_container=[poisoned])
    assert not [r for r in mcp.events("pod_actor_crashed") if r.get("pod") in healthy]
    assert mcp.returncode is None


def test_a_poisoned_pod_actor_does_not_hold_up_shutdown(lab: Lab) -> None:
    poisoned, healthy = names("fpstop", 2)
    # A grace period far beyond the wait below: exiting within it means the actors ended
    # after their current pass, not that the grace deadline cancelled them.
    mcp = start_poisoned(lab, poisoned, extra_args=["--grace-period", str(SHUTDOWN_GRACE_S)])
    lab.apply(sleepers([healthy]))
    converged = lab.converged([healthy], without_container=[poisoned])
    running = sorted(c.id for c in converged.running[healthy].values())

    mcp.signal(signal.SIGTERM)
    try:
        code = mcp.wait(timeout=SHUTDOWN_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        pytest.fail(f"mcp still running {SHUTDOWN_TIMEOUT_S:.0f} s after SIGTERM")
    assert code == 0, mcp.output()
    # Shutting down leaves the workloads running.
    assert sorted(c.id for c in lab.containers() if c.running) == running


# --- 8. dockerd restarted (last: it stops every container on this machine) ----------------


def test_dockerd_restart_converges_with_new_sandboxes(lab: Lab) -> None:
    """Without live-restore dockerd stops every container on its way out, the sandboxes
    too: as after a node's reboot, the kubelet finds each sandbox dead and makes a new one
    (SandboxChanged), and each container's next attempt in it (restartCount 1)."""
    pods = names("dkr", 3)
    mcp, before = lab.start_pods(pods)
    restart_dockerd_under(mcp, lab.docker, timeout=CONVERGE_TIMEOUT_S)

    after = lab.converged(pods, timeout=2 * CONVERGE_TIMEOUT_S)
    changed = lab.events("SandboxChanged")
    for name in pods:
        assert after.running[name][INFRA].id != before.running[name][INFRA].id, name
        assert after.running[name][INFRA].attempt == 1, name
        assert restarts(after.pods[name]) == 1, name
        assert after.running[name]["app"].attempt == 1, name
        assert [e["message"] for e in changed if about(e, name)] == [SANDBOX_CHANGED], name
        assert lab.row(name)[:4] == [name, "1/1", "Running", "1"]
    assert mcp.returncode is None
