"""The v1 status of each container, from its Docker containers, and the prober's word.

Ported from kubernetes' pkg/kubelet/kubelet_pods_test.go (`TestConvertToAPIContainerStatuses`:
the cases without RestartAllContainers, alpha and off by default) and kubelet_test.go
(`TestGenerateAPIPodStatusWithSortedContainers`, `TestGenerateAPIPodStatusWithReasonCache`,
`TestGenerateAPIPodStatusWithDifferentRestartPolicies`), whose runtime statuses are
Docker containers here. Cases marked "beyond upstream" pin what cri-dockerd makes of
`docker inspect` (states, reasons, image IDs, termination messages) and the prober's
`UpdatePodStatus`, read off their code.
"""

from __future__ import annotations

from typing import Any

import pytest

from mcp.engine.pods.containers import (
    INIT_ASSUMED_DONE,
    VANISHED,
    ContainerObserved,
    DockerContainer,
    ProbeResults,
    Waiting,
    apply_probes,
    container_statuses,
)

CREATED = "2026-07-01T11:00:00.5Z"
STARTED = "2026-07-01T11:00:01.123456789Z"
FINISHED = "2026-07-01T11:30:00Z"
NEVER = "0001-01-01T00:00:00Z"  # Docker's zero time


def docker(
    attempt: int = 0,
    *,
    running: bool = False,
    exit_code: int = 0,
    finished: str = FINISHED,
    **more: Any,
) -> DockerContainer:
    """An exited container (running, with `running=True`)."""
    return DockerContainer(
        attempt,
        f"id{attempt}",
        running,
        exit_code=exit_code,
        created_at=CREATED,
        started_at=STARTED,
        finished_at=NEVER if running else finished,
        **more,
    )


def seen(*attempts: DockerContainer, reason: str = "", **more: Any) -> ContainerObserved:
    return ContainerObserved(attempts, Waiting(reason) if reason else None, **more)


def spec(*names: Any, policy: str = "Always", init: tuple[Any, ...] = ()) -> dict[str, Any]:
    def container(c: Any) -> dict[str, Any]:
        return {"name": c, "image": "img"} if isinstance(c, str) else {"image": "img", **c}

    body: dict[str, Any] = {"containers": [container(c) for c in names], "restartPolicy": policy}
    if init:
        body["initContainers"] = [container(c) for c in init]
    return body


def states(
    pod_spec: dict[str, Any],
    observed: dict[str, ContainerObserved],
    previous: list[dict[str, Any]] | None = None,
    *,
    init: bool = False,
    deleting: bool = False,
) -> dict[str, tuple[Any, Any, int]]:
    """Each status's state, last state and restart count, the times and IDs left out as
    upstream's table leaves them."""
    got = container_statuses(pod_spec, observed, previous, init=init, deleting=deleting)
    return {s["name"]: (_plain(s["state"]), _plain(s["lastState"]), s["restartCount"]) for s in got}


def _plain(state: dict[str, Any]) -> dict[str, Any]:
    return {
        kind: {
            k: v for k, v in inner.items() if k not in ("startedAt", "finishedAt", "containerID")
        }
        for kind, inner in state.items()
    }


def terminated(code: int = 0, reason: str = "", **more: Any) -> dict[str, Any]:
    inner = {"exitCode": code, **more}
    if reason:
        inner["reason"] = reason
    return {"terminated": inner}


RUNNING: dict[str, Any] = {"running": {}}
UNKNOWN = terminated(137, "ContainerStatusUnknown", message=VANISHED)


def waiting(reason: str = "") -> dict[str, Any]:
    return {"waiting": {"reason": reason} if reason else {}}


def running_status(name: str, restarts: int = 0) -> dict[str, Any]:
    return {"name": name, "state": {"running": {}}, "restartCount": restarts}


def failed_status(name: str, restarts: int) -> dict[str, Any]:
    return {
        "name": name,
        "state": {"terminated": {"exitCode": -1}},
        "lastState": {},
        "restartCount": restarts,
        "ready": False,
        "image": "img",
        "imageID": "",
    }


AB = spec("containerA", "containerB")


@pytest.mark.parametrize(
    ("pod_spec", "observed", "previous", "init", "deleting", "expected"),
    [
        pytest.param(
            AB,
            {},
            [running_status("containerA"), running_status("containerB")],
            False,
            True,
            {
                "containerA": (waiting("ContainerCreating"), UNKNOWN, 0),
                "containerB": (waiting("ContainerCreating"), UNKNOWN, 0),
            },
            id="no-current-status-previous-running-deleted",
        ),
        pytest.param(
            AB,
            {},
            [running_status("containerA"), running_status("containerB")],
            False,
            False,
            {
                "containerA": (waiting("ContainerCreating"), UNKNOWN, 1),
                "containerB": (waiting("ContainerCreating"), UNKNOWN, 1),
            },
            id="no-current-status-previous-running",
        ),
        pytest.param(
            AB,
            {},
            [failed_status("containerA", 5), failed_status("containerB", 5)],
            False,
            False,
            {
                "containerA": (terminated(-1), {}, 5),
                "containerB": (terminated(-1), {}, 5),
            },
            id="no-current-status-keeping-previous-restart-count",
        ),
        pytest.param(
            spec("containerA", init=("init-1",)),
            {"containerA": seen(docker(running=True))},
            [],
            True,
            False,
            {"init-1": (terminated(0, "Completed", message=INIT_ASSUMED_DONE), {}, 0)},
            id="init-container-lost-pod-initialized-treated-as-exited-normally",
        ),
        pytest.param(
            spec("containerA", init=({"name": "sidecar-1", "restartPolicy": "Always"},)),
            {"containerA": seen(docker(running=True))},
            [],
            True,
            False,
            {"sidecar-1": (waiting("PodInitializing"), {}, 0)},
            id="sidecar-lost-pod-initialized-waits",
        ),
    ],
)
def test_convert_to_api_container_statuses(
    pod_spec: dict[str, Any],
    observed: dict[str, ContainerObserved],
    previous: list[dict[str, Any]],
    init: bool,
    deleting: bool,
    expected: dict[str, Any],
) -> None:
    assert states(pod_spec, observed, previous, init=init, deleting=deleting) == expected


def test_statuses_sorted_by_name_init_statuses_in_spec_order() -> None:
    """TestGenerateAPIPodStatusWithSortedContainers, and init containers as specified."""
    names = [f"{i}container" for i in range(10)]
    shuffled = [name for i, name in enumerate(names) if i % 2][::-1] + names[::2]
    pod_spec = spec(*shuffled, init=("zeta", "alpha"))
    observed = {name: seen(docker(running=True)) for name in names}
    got = container_statuses(pod_spec, observed, None, init=False, deleting=False)
    assert [s["name"] for s in got] == names
    inits = container_statuses(pod_spec, observed, None, init=True, deleting=False)
    assert [s["name"] for s in inits] == ["zeta", "alpha"]


TEST_ERROR = "test-error"
REASON_CACHE = [
    pytest.param(
        ["without-old-record", "with-old-record"],
        {},
        [{"name": "with-old-record", "lastState": {"terminated": {}}}],
        {
            "without-old-record": ("{waiting}", {}),
            "with-old-record": ("{waiting}", {"terminated": {}}),
        },
        id="no-history-waits-last-state-from-previous",
    ),
    pytest.param(
        ["running"],
        {"running": seen(docker(1, running=True), docker(0, exit_code=1))},
        [],
        {"running": (RUNNING, terminated(1, "Error"))},
        id="running-last-state-from-latest-exit",
    ),
    pytest.param(
        ["without-reason", "with-reason", "succeed"],
        {
            "without-reason": seen(docker(1, exit_code=1), docker(0, exit_code=3)),
            "with-reason": seen(docker(1, exit_code=2), docker(0, exit_code=4), reason=TEST_ERROR),
            "succeed": seen(docker(1, exit_code=0), docker(0, exit_code=5), reason=TEST_ERROR),
        },
        [],
        {
            "without-reason": (terminated(1, "Error"), terminated(3, "Error")),
            "with-reason": (waiting(TEST_ERROR), terminated(2, "Error")),
            "succeed": (terminated(0, "Completed"), terminated(5, "Error")),
        },
        id="terminated-with-and-without-start-error",
    ),
]


@pytest.mark.parametrize("init", [False, True], ids=["containers", "init-containers"])
@pytest.mark.parametrize(("names", "observed", "previous", "expected"), REASON_CACHE)
def test_reason_cache(
    names: list[str],
    observed: dict[str, ContainerObserved],
    previous: list[dict[str, Any]],
    expected: dict[str, tuple[Any, Any]],
    init: bool,
) -> None:
    """TestGenerateAPIPodStatusWithReasonCache: everything the same for init containers
    but what they wait for first."""
    pod_spec: dict[str, Any] = {
        "restartPolicy": "OnFailure",
        "containers": [],
        "initContainers": [],
    }
    pod_spec["initContainers" if init else "containers"] = [{"name": n} for n in names]
    first = waiting("PodInitializing" if init else "ContainerCreating")
    want = {
        name: (first if state == "{waiting}" else state, last)
        for name, (state, last) in expected.items()
    }
    got = states(pod_spec, observed, previous, init=init)
    assert {name: (state, last) for name, (state, last, _) in got.items()} == want


@pytest.mark.parametrize(
    ("policy", "expected"),
    [
        pytest.param(
            "Never",
            {
                "succeed": (terminated(0, "Completed"), terminated(2, "Error")),
                "failed": (terminated(1, "Error"), terminated(3, "Error")),
            },
            id="never",
        ),
        pytest.param(
            "OnFailure",
            {
                "succeed": (terminated(0, "Completed"), terminated(2, "Error")),
                "failed": (waiting(TEST_ERROR), terminated(1, "Error")),
            },
            id="on-failure",
        ),
        pytest.param(
            "Always",
            {
                "succeed": (waiting(TEST_ERROR), terminated(0, "Completed")),
                "failed": (waiting(TEST_ERROR), terminated(1, "Error")),
            },
            id="always",
        ),
    ],
)
def test_different_restart_policies(policy: str, expected: dict[str, Any]) -> None:
    """TestGenerateAPIPodStatusWithDifferentRestartPolicies."""
    observed = {
        "succeed": seen(docker(1, exit_code=0), docker(0, exit_code=2), reason=TEST_ERROR),
        "failed": seen(docker(1, exit_code=1), docker(0, exit_code=3), reason=TEST_ERROR),
    }
    got = states(spec("succeed", "failed", policy=policy), observed)
    assert {name: (state, last) for name, (state, last, _) in got.items()} == expected


def test_being_deleted_nothing_waits_to_restart() -> None:
    """ShouldContainerBeRestarted: a Pod being deleted restarts nothing."""
    observed = {"app": seen(docker(exit_code=1), reason="CrashLoopBackOff")}
    got = states(spec("app"), observed, deleting=True)
    assert got["app"][0] == terminated(1, "Error")


def one(observed: ContainerObserved, **container: Any) -> dict[str, Any]:
    """The status of container `app` as observed."""
    pod_spec = spec({"name": "app", **container})
    return container_statuses(pod_spec, {"app": observed}, None, init=False, deleting=False)[0]


ERROR_TEXT = 'failed to create task: exec: "nope": executable file not found in $PATH'


@pytest.mark.parametrize(
    ("container", "expected"),
    [
        pytest.param(
            docker(running=True),
            {"running": {"startedAt": "2026-07-01T11:00:01Z"}},
            id="running",
        ),
        pytest.param(
            DockerContainer(
                0, "id0", False, created_at=CREATED, started_at=NEVER, finished_at=NEVER
            ),
            {"waiting": {}},
            id="created-not-started",
        ),
        pytest.param(
            docker(),
            terminated(
                0,
                "Completed",
                startedAt="2026-07-01T11:00:01Z",
                finishedAt="2026-07-01T11:30:00Z",
                containerID="docker://id0",
            ),
            id="exited-zero-completed",
        ),
        pytest.param(
            docker(exit_code=2),
            terminated(
                2,
                "Error",
                startedAt="2026-07-01T11:00:01Z",
                finishedAt="2026-07-01T11:30:00Z",
                containerID="docker://id0",
            ),
            id="exited-non-zero-error",
        ),
        pytest.param(
            docker(exit_code=137, oom_killed=True),
            terminated(
                137,
                "OOMKilled",
                startedAt="2026-07-01T11:00:01Z",
                finishedAt="2026-07-01T11:30:00Z",
                containerID="docker://id0",
            ),
            id="oom-killed",
        ),
        pytest.param(
            DockerContainer(
                0,
                "id0",
                False,
                exit_code=127,
                error=ERROR_TEXT,
                created_at=CREATED,
                started_at=NEVER,
                finished_at=NEVER,
            ),
            terminated(
                127,
                "ContainerCannotRun",
                message=ERROR_TEXT,
                startedAt="2026-07-01T11:00:00Z",
                finishedAt="2026-07-01T11:00:00Z",
                containerID="docker://id0",
            ),
            id="could-not-start-container-cannot-run-at-creation-time",
        ),
    ],
)
def test_docker_states(container: DockerContainer, expected: dict[str, Any]) -> None:
    """Beyond upstream: cri-dockerd's reading of `docker inspect`, then the kubelet's."""
    assert one(seen(container))["state"] == expected


def message(container: DockerContainer, **spec_more: Any) -> str | None:
    text = one(seen(container), **spec_more)["state"]["terminated"].get("message")
    assert text is None or isinstance(text, str)
    return text


FALLBACK = {"terminationMessagePolicy": "FallbackToLogsOnError"}
LOG = "".join(f"line {i}\n" for i in range(100))


@pytest.mark.parametrize(
    ("container", "spec_more", "expected"),
    [
        pytest.param(docker(termination_message="bye"), {}, "bye", id="from-the-file"),
        pytest.param(
            docker(exit_code=1, error="boom", termination_message="bye"),
            {},
            "boom: bye",
            id="docker-error-then-the-file",
        ),
        pytest.param(
            docker(termination_message="x" * 5000 + "end"),
            {},
            ("x" * 5000 + "end")[-4096:],
            id="the-files-last-4-KiB",
        ),
        pytest.param(docker(exit_code=1, log_tail=LOG), {}, None, id="logs-only-on-fallback"),
        pytest.param(
            docker(exit_code=1, log_tail=LOG),
            FALLBACK,
            "".join(f"line {i}\n" for i in range(20, 100)),
            id="fallback-last-80-lines",
        ),
        pytest.param(
            docker(exit_code=1, log_tail="y" * 3000),
            FALLBACK,
            "y" * 2048,
            id="fallback-last-2-KiB",
        ),
        pytest.param(
            docker(exit_code=1, log_tail=LOG, termination_message="bye"),
            FALLBACK,
            "bye",
            id="fallback-file-first",
        ),
        pytest.param(docker(log_tail=LOG), FALLBACK, None, id="fallback-not-on-success"),
    ],
)
def test_termination_message(
    container: DockerContainer, spec_more: dict[str, Any], expected: str | None
) -> None:
    """Beyond upstream's tables: `getPodContainerStatuses` and `getTerminationMessage`."""
    assert message(container, **spec_more) == expected


def test_fallback_not_for_a_container_that_never_ran() -> None:
    never_ran = DockerContainer(
        0, "id0", False, exit_code=127, error="boom", created_at=CREATED, log_tail=LOG
    )
    assert message(never_ran, **FALLBACK) == "boom"


@pytest.mark.parametrize(
    ("container", "expected"),
    [
        pytest.param(
            docker(image_id="sha256:abc", repo_digest="busybox@sha256:def"),
            "docker-pullable://busybox@sha256:def",
            id="pulled-by-digest",
        ),
        pytest.param(docker(image_id="sha256:abc"), "docker://sha256:abc", id="local-build"),
    ],
)
def test_image_id(container: DockerContainer, expected: str) -> None:
    """cri-dockerd's `toPullableImageID`."""
    status = one(seen(container))
    assert (status["imageID"], status["containerID"]) == (expected, "docker://id0")


def test_what_a_docker_container_adds() -> None:
    """The image Docker names, the restart count its attempt gives, the resources it was
    given (InPlacePodVerticalScaling), the mounts of the previous status."""
    resources = {"requests": {"cpu": "100m"}, "limits": {"memory": "64Mi"}}
    previous = [
        {
            "name": "app",
            "state": {"running": {}},
            "volumeMounts": [{"name": "v", "mountPath": "/v"}],
        }
    ]
    pod_spec = spec({"name": "app", "resources": resources})
    observed = {"app": seen(docker(3, running=True, image="busybox:latest"))}
    status = container_statuses(pod_spec, observed, previous, init=False, deleting=False)[0]
    assert status["image"] == "busybox:latest"
    assert status["restartCount"] == 3
    assert status["resources"] == resources
    assert status["allocatedResources"] == {"cpu": "100m"}
    assert status["volumeMounts"] == [{"name": "v", "mountPath": "/v"}]


def test_waiting_container_lists_its_mounts() -> None:
    """RecursiveReadOnlyMounts: a read-only mount is never recursively so on Docker."""
    mounts = [{"name": "a", "mountPath": "/a"}, {"name": "b", "mountPath": "/b", "readOnly": True}]
    status = one(ContainerObserved(), volumeMounts=mounts)
    assert status["volumeMounts"] == [
        {"name": "a", "mountPath": "/a"},
        {"name": "b", "mountPath": "/b", "readOnly": True, "recursiveReadOnly": "Disabled"},
    ]
    assert status["image"] == "img"
    assert status["imageID"] == ""


STARTUP = {"startupProbe": {"exec": {"command": ["true"]}}}
READINESS = {"readinessProbe": {"exec": {"command": ["true"]}}}


@pytest.mark.parametrize(
    ("container", "probes", "before", "expected"),
    [
        pytest.param({}, ProbeResults(), None, (True, True), id="no-probes-running"),
        pytest.param(STARTUP, ProbeResults(), None, (False, False), id="startup-not-yet"),
        pytest.param(
            STARTUP, ProbeResults(started=False), None, (False, False), id="startup-failing"
        ),
        pytest.param(
            {**STARTUP, **READINESS},
            ProbeResults(started=True),
            None,
            (True, False),
            id="started-readiness-not-yet",
        ),
        pytest.param(
            {**STARTUP, **READINESS},
            ProbeResults(started=True, ready=True),
            None,
            (True, True),
            id="started-and-ready",
        ),
        pytest.param(
            READINESS, ProbeResults(ready=False), None, (True, False), id="readiness-failing"
        ),
        pytest.param(STARTUP, ProbeResults(), True, (True, True), id="started-carried-over"),
    ],
)
def test_probes(
    container: dict[str, Any],
    probes: ProbeResults,
    before: bool | None,
    expected: tuple[bool, bool],
) -> None:
    """Beyond upstream's tables: the prober's `UpdatePodStatus` and `isContainerStarted`
    (a started of the previous status stands while the prober has no result)."""
    pod_spec = spec({"name": "app", **container})
    previous = (
        [] if before is None else [{"name": "app", "state": {"running": {}}, "started": before}]
    )
    observed = {"app": seen(docker(running=True), probes=probes)}
    statuses = container_statuses(pod_spec, observed, previous, init=False, deleting=False)
    apply_probes(pod_spec, observed, statuses, init=False)
    assert (statuses[0]["started"], statuses[0]["ready"]) == expected


def test_probes_of_init_containers() -> None:
    """An init container is ready once it succeeded; a sidecar as a container."""
    pod_spec = spec(
        "app",
        init=("setup", {"name": "proxy", "restartPolicy": "Always", **READINESS}),
    )
    observed = {
        "setup": seen(docker()),
        "proxy": seen(docker(running=True), probes=ProbeResults(ready=False)),
    }
    inits = container_statuses(pod_spec, observed, None, init=True, deleting=False)
    apply_probes(pod_spec, observed, inits, init=True)
    assert [(s["name"], s["started"], s["ready"]) for s in inits] == [
        ("setup", False, True),
        ("proxy", True, False),
    ]


def test_status_fields_in_go_order() -> None:
    pod_spec = spec("app")
    observed = {"app": seen(docker(running=True))}
    statuses = container_statuses(pod_spec, observed, None, init=False, deleting=False)
    apply_probes(pod_spec, observed, statuses, init=False)
    assert list(statuses[0]) == [
        "name",
        "state",
        "lastState",
        "ready",
        "restartCount",
        "image",
        "imageID",
        "containerID",
        "started",
        "resources",
    ]
