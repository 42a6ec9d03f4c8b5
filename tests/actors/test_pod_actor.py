"""The Pod actor's passes on the fake store and Docker: what a user would notice (the Pod's
status and events as stored, Docker's containers) and the Docker calls each pass makes.

Each pass is run by hand (`PodPlane.one_pass`), the actor's memory kept between passes as
`pod.run` keeps it; Docker's news of a change is handed to it as the dispatcher would
(`PodPlane.told`). The supervisor and the dispatcher run as they do in mcp. The clock is
trio's frozen mock clock, moved on by the tests alone (see `support.pod_plane`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import trio
import trio.testing
from fakes import FakeRuntime
from structlog.testing import capture_logs
from support.pod_plane import (
    EPOCH,
    IMAGE,
    NAMESPACE,
    NETWORK,
    PodPlane,
    open_pod_plane,
)

from mcp.actors import pod, pods
from mcp.engine import reconciler
from mcp.engine.pods.decide import Decision, PodSituation
from mcp.engine.pods.decide import decide as real_decide
from mcp.errors import RuntimeUnavailable
from mcp.infra_image import INFRA_IMAGE
from mcp.model import Observed
from mcp.sandbox import PodNews

APP = {"name": "app", "image": IMAGE, "command": ["sleep", "3600"]}
SLEEPER = {"containers": [APP]}


@pytest.fixture
async def plane(tmp_path: Path) -> AsyncIterator[PodPlane]:
    async with open_pod_plane(tmp_path) as plane:
        yield plane


def stamp(seconds: float = 0) -> str:
    """metav1.Time of the plane's clock at trio time `seconds`."""
    return (EPOCH + timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%SZ")


def only(statuses: Any) -> dict[str, Any]:
    assert isinstance(statuses, list)
    assert len(statuses) == 1
    found: dict[str, Any] = statuses[0]
    return found


async def image_id(plane: PodPlane) -> str:
    info = await plane.runtime.image_info(IMAGE)
    assert info is not None
    return f"docker://{info.id}"


async def running_pod(plane: PodPlane, spec: dict[str, Any] = SLEEPER, **metadata: Any) -> None:
    """A Pod made and brought up by its first pass; the call log emptied."""
    await plane.create_pod("web", spec, **metadata)
    await plane.one_pass("web")
    assert plane.status("web")["phase"] == "Running"
    plane.runtime.calls.clear()


def runs_as_attempt(plane: PodPlane, attempt: int) -> dict[str, Any]:
    """Assert that the app's attempt `attempt` runs, in the Pod's sandbox, and that the
    status says so; its container status."""
    app = plane.docker("web", "app", attempt)
    assert (app.status, app.join) == ("running", plane.docker("web", "POD", 0).id)
    status = only(plane.status("web")["containerStatuses"])
    assert status["restartCount"] == attempt
    assert status["state"] == {"running": {"startedAt": stamp(trio.current_time())}}
    assert status["containerID"] == f"docker://{app.id}"
    return status


# --- 1. a new Pod ------------------------------------------------------------------------


async def test_a_new_pod_runs_after_one_pass(
    plane: PodPlane, mock_clock: trio.testing.MockClock
) -> None:
    await plane.create_pod("web", SLEEPER)

    assert await plane.one_pass("web") is None

    infra, app = plane.docker("web", "POD", 0), plane.docker("web", "app", 0)
    assert sorted(plane.runtime.containers) == sorted(
        [plane.docker_name("web", "POD", 0), plane.docker_name("web", "app", 0)]
    )
    assert (infra.image, infra.status, infra.network) == (INFRA_IMAGE, "running", NETWORK)
    assert infra.address is not None
    assert (app.image, app.argv, app.status, app.join) == (
        IMAGE,
        ["sleep", "3600"],
        "running",
        infra.id,
    )
    status = plane.status("web")
    assert status["phase"] == "Running"
    assert (status["podIP"], status["podIPs"]) == (infra.address, [{"ip": infra.address}])
    assert only(status["containerStatuses"]) == {
        "name": "app",
        "state": {"running": {"startedAt": stamp()}},
        "lastState": {},
        "ready": True,
        "restartCount": 0,
        "image": IMAGE,
        "imageID": await image_id(plane),
        "containerID": f"docker://{app.id}",
        "started": True,
        "resources": {},
    }
    events = await plane.events("web")
    assert [(e["source"]["component"], e["type"], e["reason"], e["message"]) for e in events] == [
        ("default-scheduler", "Normal", "Scheduled", "Successfully assigned ns/web to node-1"),
        ("kubelet", "Normal", "Pulled", f'Container image "{IMAGE}" already present on machine'),
        ("kubelet", "Normal", "Created", "Created container: app"),
        ("kubelet", "Normal", "Started", "Started container app"),
    ]
    assert {e["involvedObject"].get("fieldPath") for e in events[1:]} == {"spec.containers{app}"}


async def test_a_new_pods_pass_makes_only_the_docker_calls_it_needs(
    plane: PodPlane, mock_clock: trio.testing.MockClock
) -> None:
    created = await plane.create_pod("web", SLEEPER)
    await plane.one_pass("web")
    uid = created["metadata"]["uid"]
    infra, app = plane.docker("web", "POD", 0), plane.docker("web", "app", 0)
    assert plane.runtime.calls == [
        f"list pod_uid={uid}",
        f"create_infra {plane.docker_name('web', 'POD', 0)}",
        f"start {infra.id}",
        f"inspect {infra.id}",  # its address, for the app's environment
        f"image_info {IMAGE}",
        f"create {plane.docker_name('web', 'app', 0)}",
        f"start {app.id}",
        f"inspect {app.id}",  # its start time, for the status
    ]  # and no list after: the pass knows what it made
    status = plane.status("web")
    assert status["phase"] == "Running"
    assert status["podIP"] == infra.address
    assert [c["containerID"] for c in status["containerStatuses"]] == [f"docker://{app.id}"]


# --- 2. a steady Pod ---------------------------------------------------------------------


async def test_a_steady_pods_pass_lists_and_writes_nothing(
    plane: PodPlane, mock_clock: trio.testing.MockClock
) -> None:
    await running_pod(plane)
    writes, events = plane.writes("web"), await plane.events("web")

    assert await plane.one_pass("web") is None

    assert plane.runtime.calls == [f"list pod_uid={plane.ref('web').uid}"]
    assert plane.writes("web") == writes
    assert await plane.events("web") == events


# --- 3. a killed container ---------------------------------------------------------------


async def test_a_killed_container_restarts_at_once_then_backs_off(
    plane: PodPlane, mock_clock: trio.testing.MockClock
) -> None:
    await running_pod(plane)
    uid = plane.ref("web").uid
    first = plane.docker("web", "app", 0)
    plane.runtime.exit_by_hand(first.id, 137)  # `docker kill`
    plane.told("web", first.id)

    assert await plane.one_pass("web") is None

    restarted = runs_as_attempt(plane, 1)
    second = plane.docker("web", "app", 1)
    assert restarted["lastState"] == {
        "terminated": {
            "exitCode": 137,
            "reason": "Error",
            "startedAt": stamp(),
            "finishedAt": stamp(),
            "containerID": f"docker://{first.id}",
        }
    }

    # Killed again at once: the second restart of the loop waits 10 s from that exit.
    plane.runtime.exit_by_hand(second.id, 137)
    plane.told("web", second.id)
    mock_clock.jump(3)

    assert await plane.one_pass("web") == 7.0  # what is left of the back-off

    waiting = only(plane.status("web")["containerStatuses"])
    assert waiting["state"] == {
        "waiting": {
            "reason": "CrashLoopBackOff",
            "message": f"back-off 10s restarting failed container=app pod=web_ns({uid})",
        }
    }
    assert (waiting["restartCount"], waiting["ready"]) == (1, False)
    assert waiting["lastState"]["terminated"]["exitCode"] == 137
    assert waiting["lastState"]["terminated"]["containerID"] == f"docker://{second.id}"
    assert plane.docker_name("web", "app", 2) not in plane.runtime.containers
    assert (await plane.reasons("web"))[-1] == (
        "Warning",
        "BackOff",
        f"Back-off restarting failed container app in pod web_ns({uid})",
    )

    mock_clock.jump(7)
    assert await plane.one_pass("web") is None
    runs_as_attempt(plane, 2)


# --- 4. a container removed by hand ------------------------------------------------------


async def test_a_container_removed_by_hand_starts_as_the_next_attempt(
    plane: PodPlane, mock_clock: trio.testing.MockClock
) -> None:
    await running_pod(plane)
    gone = plane.docker("web", "app", 0)
    plane.runtime.remove_by_hand(gone.id)  # `docker rm -f`
    plane.told("web", gone.id)

    assert await plane.one_pass("web") is None

    # Docker shows no attempt of it: the status's restartCount says which one is next.
    restarted = runs_as_attempt(plane, 1)
    assert restarted["lastState"] == {}  # what the removed attempt said is gone with it


# --- 5. a ConfigMap key missing ----------------------------------------------------------

READS_K = {
    "containers": [
        {
            **APP,
            "env": [
                {"name": "K", "valueFrom": {"configMapKeyRef": {"name": "settings", "key": "k"}}}
            ],
        }
    ]
}


async def test_a_missing_configmap_key_holds_the_container_until_it_comes(
    plane: PodPlane, mock_clock: trio.testing.MockClock
) -> None:
    await plane.put_configmap("settings", {"other": "x"})
    await plane.create_pod("web", READS_K)

    assert await plane.one_pass("web") is None

    status = plane.status("web")
    assert status["phase"] == "Pending"
    assert only(status["containerStatuses"])["state"] == {
        "waiting": {
            "reason": "CreateContainerConfigError",
            "message": "couldn't find key k in ConfigMap ns/settings",
        }
    }
    assert plane.docker_name("web", "app", 0) not in plane.runtime.containers

    await plane.put_configmap("settings", {"other": "x", "k": "v"})
    assert await plane.one_pass("web") is None

    app = plane.docker("web", "app", 0)
    assert app.status == "running"
    assert app.config is not None
    assert app.config.env == ("K=v",)
    started = only(plane.status("web")["containerStatuses"])
    assert (started["state"], started["restartCount"]) == (
        {"running": {"startedAt": stamp()}},
        0,
    )
    assert plane.status("web")["phase"] == "Running"


async def test_a_missing_configmap_key_is_told_in_events_as_the_kubelet_tells_it(
    plane: PodPlane, mock_clock: trio.testing.MockClock
) -> None:
    await plane.put_configmap("settings", {"other": "x"})
    await plane.create_pod("web", READS_K)
    await plane.one_pass("web")
    assert await plane.reasons("web") == [
        ("Normal", "Scheduled", "Successfully assigned ns/web to node-1"),
        ("Normal", "Pulled", f'Container image "{IMAGE}" already present on machine'),
        ("Warning", "Failed", "Error: couldn't find key k in ConfigMap ns/settings"),
    ]


async def test_an_image_that_cannot_be_pulled_backs_off_as_the_kubelets_pulls_do(
    plane: PodPlane, mock_clock: trio.testing.MockClock
) -> None:
    remote = "registry.example/app:1"  # not in the engine, and no registry answers
    await plane.create_pod("web", {"containers": [{**APP, "image": remote}]})
    failed = f'Failed to pull image "{remote}": pulling {remote}: no registry can be reached'

    assert await plane.one_pass("web") == 10.0  # the pull back-off's first 10 s
    app = only(plane.status("web")["containerStatuses"])
    assert app["state"] == {"waiting": {"reason": "ErrImagePull", "message": failed}}
    assert (await plane.reasons("web"))[1:] == [
        ("Normal", "Pulling", f'Pulling image "{remote}"'),
        ("Warning", "Failed", failed),
        ("Warning", "Failed", "Error: ErrImagePull"),
    ]

    mock_clock.jump(4)  # within the back-off: no pull, ImagePullBackOff
    plane.runtime.calls.clear()
    assert await plane.one_pass("web") == 6.0
    assert f"pull {remote}" not in plane.runtime.calls
    backing_off = f'Back-off pulling image "{remote}"'
    why = f"{backing_off}: ErrImagePull: pulling {remote}: no registry can be reached"
    app = only(plane.status("web")["containerStatuses"])
    assert app["state"] == {"waiting": {"reason": "ImagePullBackOff", "message": why}}
    assert (await plane.reasons("web"))[-2:] == [
        ("Normal", "BackOff", backing_off),
        ("Warning", "Failed", "Error: ImagePullBackOff"),
    ]

    mock_clock.jump(6)  # over: pulled again, failing again, now 20 s of back-off
    assert await plane.one_pass("web") == 20.0
    assert f"pull {remote}" in plane.runtime.calls


# --- 6. graceful deletion ----------------------------------------------------------------

WITH_SCRATCH = {
    "volumes": [{"name": "scratch", "emptyDir": {}}],
    "containers": [{**APP, "volumeMounts": [{"name": "scratch", "mountPath": "/scratch"}]}],
}


async def tear_down_with_grace(plane: PodPlane, data_root: Path) -> tuple[str, str]:
    """Delete the running Pod with 5 s of grace and run the passes its actor runs (each
    after Docker's news of what the one before did) until nothing of it is left but the
    object; the ids its app and infra containers had."""
    uid = plane.ref("web").uid
    scratch = data_root / "pods" / uid / "volumes" / "kubernetes.io~empty-dir" / "scratch"
    assert scratch.is_dir()
    app, infra = plane.docker("web", "app", 0), plane.docker("web", "POD", 0)

    await plane.delete_pod("web", grace_s=5)
    await plane.one_pass("web")  # stops what runs, with the grace
    assert plane.runtime.stops == [(app.id, 5)]
    assert (app.status, infra.status) == ("exited", "running")
    assert (await plane.reasons("web"))[-1] == ("Normal", "Killing", "Stopping container app")
    assert scratch.is_dir()
    plane.told("web", app.id)

    await plane.one_pass("web")  # removes everything
    assert plane.runtime.containers == {}
    assert scratch.is_dir()
    assert plane.stored("web") is not None
    plane.told("web", app.id)
    plane.told("web", infra.id)

    await plane.one_pass("web")  # the volumes torn down, the Pod's deletion finished
    assert not (data_root / "pods" / uid).exists()
    return app.id, infra.id


async def test_a_deleted_pod_stops_with_its_grace_then_goes(
    plane: PodPlane, mock_clock: trio.testing.MockClock, tmp_path: Path
) -> None:
    await running_pod(plane, WITH_SCRATCH)

    app, infra = await tear_down_with_grace(plane, tmp_path)

    assert plane.stored("web") is None
    assert [grace for stopped, grace in plane.runtime.stops if stopped == app] == [5]
    assert f"remove {app}" in plane.runtime.calls
    assert f"remove {infra}" in plane.runtime.calls
    with pytest.raises(pod.Finished):
        await plane.one_pass("web")


async def test_a_pod_held_by_a_finalizer_stays_until_it_is_removed(
    plane: PodPlane, mock_clock: trio.testing.MockClock, tmp_path: Path
) -> None:
    await running_pod(plane, WITH_SCRATCH, finalizers=["example.com/hold"])

    await tear_down_with_grace(plane, tmp_path)

    held = plane.stored("web")
    assert held is not None
    assert held["metadata"]["finalizers"] == ["example.com/hold"]
    assert held["metadata"]["deletionGracePeriodSeconds"] == 0  # the kubelet's last word
    writes = plane.writes("web")
    plane.runtime.calls.clear()
    assert await plane.one_pass("web") is None  # still there: nothing more to do
    assert plane.runtime.calls == [f"list pod_uid={plane.ref('web').uid}"]
    assert plane.writes("web") == writes

    await plane.drop_finalizers("web")

    assert plane.stored("web") is None
    with pytest.raises(pod.Finished):
        await plane.one_pass("web")


# --- 7. restartPolicy Never --------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "phase", "reason"),
    [
        pytest.param(0, "Succeeded", "Completed", id="exit-0-succeeded"),
        pytest.param(3, "Failed", "Error", id="exit-3-failed"),
    ],
)
async def test_a_never_restarted_pod_ends_with_its_container(
    plane: PodPlane, mock_clock: trio.testing.MockClock, code: int, phase: str, reason: str
) -> None:
    command = ["sh", "-c", f"exit {code}"]
    await plane.create_pod(
        "web", {"restartPolicy": "Never", "containers": [{**APP, "command": command}]}
    )
    await plane.one_pass("web")  # started; it exits at once
    infra, app = plane.docker("web", "POD", 0), plane.docker("web", "app", 0)
    assert (app.status, app.exit_code, infra.status) == ("exited", code, "running")
    # The sandbox still runs: no terminal phase yet (mergePodStatus).
    assert plane.status("web")["phase"] == "Pending"
    plane.told("web", app.id)

    assert await plane.one_pass("web") is None

    assert (infra.status, infra.exit_code) == ("exited", 0)
    assert plane.runtime.stops == [(infra.id, 0)]
    status = plane.status("web")
    assert status["phase"] == phase
    ended = only(status["containerStatuses"])
    assert ended["state"] == {
        "terminated": {
            "exitCode": code,
            "reason": reason,
            "startedAt": stamp(),
            "finishedAt": stamp(),
            "containerID": f"docker://{app.id}",
        }
    }
    assert ended["restartCount"] == 0
    assert "podIP" not in status
    assert sorted(plane.runtime.containers) == sorted(
        [plane.docker_name("web", "POD", 0), plane.docker_name("web", "app", 0)]
    )


# --- 8. Docker away ----------------------------------------------------------------------


class Away(FakeRuntime):
    """A Docker that stops answering its list while `away`."""

    away = False

    async def list_managed(
        self, cluster_id: str, *, uid: str | None = None, pod_uid: str | None = None
    ) -> list[Observed]:
        if self.away:
            self.calls.append("list (no answer)")
            raise RuntimeUnavailable("Docker at fake:// did not answer within 20 s")
        return await super().list_managed(cluster_id, uid=uid, pod_uid=pod_uid)


async def test_docker_away_fails_the_pass_transiently_and_writes_nothing(
    mock_clock: trio.testing.MockClock, tmp_path: Path
) -> None:
    async with open_pod_plane(tmp_path, Away(images={IMAGE})) as plane:
        await running_pod(plane)
        assert isinstance(plane.runtime, Away)
        plane.runtime.away = True
        events = await plane.events("web")  # the first pass's, written
        revision = plane.store.revision

        with pytest.raises(RuntimeUnavailable) as raised:
            await plane.one_pass("web")

        assert isinstance(raised.value, reconciler.TRANSIENT)  # the engine's loop retries it
        assert plane.runtime.calls == ["list (no answer)"]
        assert await plane.events("web") == events
        assert plane.store.revision == revision
        assert plane.status("web")["phase"] == "Running"


# --- 9. the actor's crash ----------------------------------------------------------------


async def test_a_crash_is_contained_and_the_actor_restarted_after_its_backoff(
    plane: PodPlane, mock_clock: trio.testing.MockClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    await plane.create_pod("web", SLEEPER)
    crashed: list[PodSituation] = []

    def decide_crashing_once(situation: PodSituation) -> Decision:
        if not crashed:
            crashed.append(situation)
            raise RuntimeError("a bug")
        return real_decide(situation)

    monkeypatch.setattr(pod, "decide", decide_crashing_once)
    send, receive = trio.open_memory_channel[None](1)
    with capture_logs() as logs:
        async with trio.open_nursery() as nursery, send:
            nursery.start_soon(pod.supervise, plane.ctx, NAMESPACE, "web", receive)
            await plane.until(lambda: bool(crashed))
            assert await plane.reasons("web") == [
                ("Normal", "Scheduled", "Successfully assigned ns/web to node-1"),
                ("Warning", "FailedSync", "error determining status: RuntimeError: a bug"),
            ]
            assert plane.runtime.containers == {}

            mock_clock.jump(0.9)  # the actor's back-off is 1 s
            await trio.testing.wait_all_tasks_blocked()
            assert plane.runtime.containers == {}
            mock_clock.jump(0.1)
            await plane.until(lambda: plane.status("web").get("phase") == "Running")

    crashes = [entry for entry in logs if entry["event"] == "pod_actor_crashed"]
    assert [(c["namespace"], c["pod"], c["attempt"], c["retry_in"]) for c in crashes] == [
        (NAMESPACE, "web", 1, 1.0)
    ]
    assert [reason for _, reason, _ in await plane.reasons("web")] == [
        "Scheduled",  # once: the restarted actor kept its memory
        "FailedSync",
        "Pulled",
        "Created",
        "Started",
    ]


# --- 10. the dispatcher ------------------------------------------------------------------


def reading(configmap: str) -> dict[str, Any]:
    env = [{"name": "K", "valueFrom": {"configMapKeyRef": {"name": configmap, "key": "k"}}}]
    return {"containers": [{**APP, "env": env}]}


async def test_a_configmap_change_nudges_only_the_pods_that_read_it(
    plane: PodPlane, mock_clock: trio.testing.MockClock
) -> None:
    await plane.put_configmap("settings", {"k": "1"})
    await plane.put_configmap("other", {"k": "1"})
    reader = await plane.create_pod("reader", reading("settings"))
    await plane.create_pod("bystander", reading("other"))
    news_send, news_receive = trio.open_memory_channel[PodNews](8)
    async with trio.open_nursery() as nursery, news_send:
        await nursery.start(pods.run, plane.ctx, news_receive)

        def both_running() -> bool:
            return all(
                dict((plane.stored(name) or {}).get("status") or {}).get("phase") == "Running"
                for name in ("reader", "bystander")
            )

        await plane.until(both_running)
        await trio.testing.wait_all_tasks_blocked()
        plane.runtime.calls.clear()

        await plane.put_configmap("settings", {"k": "2"})
        await plane.until(lambda: bool(plane.runtime.calls))
        await trio.testing.wait_all_tasks_blocked()

        # One pass, of the Pod that reads it; its running container is left as it is.
        assert plane.runtime.calls == [f"list pod_uid={reader['metadata']['uid']}"]
        nursery.cancel_scope.cancel()
