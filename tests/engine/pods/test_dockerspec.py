"""Table tests of `dockerspec`: what Docker is asked to make for a Pod's container, from the
Pod as the API stores it (`kinds.pod.normalize` applied, so limits are also requests).

Rows follow the kubelet's rules and tests: calculateLinuxResources (TestCalculateLinuxResources
in kuberuntime_container_linux_test.go), MilliCPUToShares and MilliCPUToQuota
(pkg/kubelet/cm/helpers_linux.go), verifyRunAsNonRoot (TestVerifyRunAsNonRoot in
security_context_others_test.go, and the image users cri-dockerd reads), the Docker user
cri-dockerd's modifyContainerConfig writes, and ExpandContainerCommandAndArgs."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from mcp.engine.pods.conditions import format_pod
from mcp.engine.pods.dockerspec import (
    container_config,
    effective_security_context,
    host_ports,
    milli_cpu_to_quota,
    milli_cpu_to_shares,
)
from mcp.engine.pods.env import REASON, ConfigError
from mcp.kinds import pod as pod_kind
from mcp.model import Port
from mcp.sandbox import ContainerConfig, Mount

UID = "4f7c6f3e-0d5a-4c43-9a8e-1f2b3c4d5e6f"
WHERE = f'(pod: "web_default({UID})", container: app)'
IMAGE = "nginx:1.27"
# A container with nothing set: no CPU request is the minimal 2 shares, the rest Docker's.
BARE = ContainerConfig(image=IMAGE, cpu_shares=2)


def stored(container: dict[str, Any] | None = None, **spec: Any) -> dict[str, Any]:
    """A Pod `web` in `default` with one container `app`, as the API stores it."""
    app = {"name": "app", "image": IMAGE, **(container or {})}
    return pod_kind.normalize(
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": "web", "namespace": "default", "uid": UID},
            "spec": {"containers": [app], **spec},
        }
    )


def config_of(
    pod: dict[str, Any],
    *,
    env: tuple[tuple[str, str], ...] = (),
    mounts: tuple[Mount, ...] = (),
    image_user: str = "",
) -> ContainerConfig | ConfigError:
    app = pod["spec"]["containers"][0]
    return container_config(pod, app, env=env, mounts=mounts, image_user=image_user)


# --- the container's fields -------------------------------------------------------------------


def security(**fields: Any) -> dict[str, Any]:
    return {"securityContext": fields}


@pytest.mark.parametrize(
    ("container", "spec", "changes"),
    [
        pytest.param({}, {}, {}, id="bare"),
        pytest.param(
            {"command": ["/bin/sh", "-c"]},
            {},
            {"entrypoint": ("/bin/sh", "-c")},
            id="command-is-the-entrypoint-args-stay-the-images",
        ),
        pytest.param(
            {"args": ["serve", "--port=80"]},
            {},
            {"command": ("serve", "--port=80")},
            id="args-are-the-command-entrypoint-stays-the-images",
        ),
        pytest.param({"command": [], "args": []}, {}, {}, id="empty-lists-keep-the-images"),
        pytest.param({"workingDir": "/srv"}, {}, {"working_dir": "/srv"}, id="workdir"),
        pytest.param(
            {"stdin": True, "stdinOnce": True, "tty": True},
            {},
            {"stdin_open": True, "stdin_once": True, "tty": True},
            id="stdin-stdin-once-tty",
        ),
        pytest.param(
            security(readOnlyRootFilesystem=True), {}, {"read_only_rootfs": True}, id="read-only"
        ),
        pytest.param(
            security(capabilities={"drop": ["ALL", "NET_RAW"]}),
            {},
            {"cap_drop": ("ALL", "NET_RAW")},
            id="capabilities-dropped-as-written",
        ),
        pytest.param(
            security(allowPrivilegeEscalation=False),
            {},
            {"no_new_privileges": True},
            id="no-privilege-escalation-is-no-new-privileges",
        ),
        pytest.param(security(allowPrivilegeEscalation=True), {}, {}, id="escalation-allowed"),
        pytest.param(
            {},
            security(fsGroup=2000, supplementalGroups=[3000, 4000]),
            {"group_add": ("2000", "3000", "4000")},
            id="fs-group-then-supplemental-groups",
        ),
        pytest.param(
            {}, security(supplementalGroups=[3000]), {"group_add": ("3000",)}, id="groups-alone"
        ),
    ],
)
def test_container_fields(
    container: dict[str, Any], spec: dict[str, Any], changes: dict[str, Any]
) -> None:
    assert config_of(stored(container, **spec)) == replace(BARE, **changes)


def test_env_and_mounts_are_passed_through_in_order() -> None:
    mounts = (Mount("/var/lib/mcp/pods/x/volumes/data", "/data"), Mount("/h/t", "/dev/t", True))
    env = (("B", "2"), ("A", "x=y"), ("EMPTY", ""))
    expected = replace(BARE, env=("B=2", "A=x=y", "EMPTY="), mounts=mounts)
    assert config_of(stored(), env=env, mounts=mounts) == expected


# --- resources -------------------------------------------------------------------------------


NO: dict[str, str] = {}
GIB_POD = {"cpu": "2", "memory": "1Gi"}


@pytest.mark.parametrize(
    ("requests", "limits", "pod_limits", "shares", "quota", "memory"),
    [
        pytest.param(NO, NO, NO, 2, None, None, id="best-effort-minimal-shares"),
        pytest.param({"cpu": "100m"}, {"cpu": "100m"}, NO, 102, 10000, None, id="100m"),
        pytest.param(NO, {"cpu": "1"}, NO, 1024, 100000, None, id="limit-is-also-the-request"),
        pytest.param({"cpu": "250m"}, NO, NO, 256, None, None, id="request-alone-no-quota"),
        pytest.param({"cpu": "0"}, {"cpu": "2"}, NO, 2, 200000, None, id="RequestZeroCPU"),
        pytest.param(
            {"cpu": "1"},
            {"cpu": "2", "memory": "128Mi"},
            NO,
            1024,
            200000,
            134217728,
            id="Request128MBLimit256MB",
        ),
        pytest.param(
            {"cpu": "2"}, {"cpu": "8", "memory": "0"}, NO, 2048, 800000, None, id="RequestNoMemory"
        ),
        pytest.param(NO, {"cpu": "1m"}, NO, 2, 1000, None, id="1m-minimum-quota-and-shares"),
        pytest.param(NO, {"cpu": "5m"}, NO, 5, 1000, None, id="5m-quota-raised-to-1ms"),
        pytest.param(NO, {"cpu": "1.5"}, NO, 1536, 150000, None, id="fractional-cpus"),
        pytest.param({"cpu": "300"}, NO, NO, 262144, None, None, id="shares-capped"),
        pytest.param(NO, {"memory": "129M"}, NO, 2, None, 129000000, id="memory-decimal"),
        pytest.param(NO, {"memory": "1.5Ki"}, NO, 2, None, 1536, id="memory-binary-fraction"),
        pytest.param(NO, NO, GIB_POD, 2048, 200000, 2**30, id="pod-level-limits-fill-in"),
        pytest.param(
            NO,
            {"cpu": "500m", "memory": "64Mi"},
            GIB_POD,
            512,
            50000,
            64 * 2**20,
            id="container-limits-win-over-pod-level",
        ),
        pytest.param(
            NO,
            {"cpu": "500m"},
            {"ephemeral-storage": "1Gi"},
            512,
            50000,
            None,
            id="pod-level-without-cpu-or-memory-is-not-set",
        ),
    ],
)
def test_resources(
    requests: dict[str, str],
    limits: dict[str, str],
    pod_limits: dict[str, str],
    shares: int,
    quota: int | None,
    memory: int | None,
) -> None:
    spec = {"resources": {"limits": pod_limits}} if pod_limits else {}
    pod = stored({"resources": {"requests": requests, "limits": limits}}, **spec)
    period = None if quota is None else 100000
    assert config_of(pod) == replace(
        BARE, cpu_shares=shares, cpu_quota=quota, cpu_period=period, memory_bytes=memory
    )


def test_a_limit_without_request_gives_the_shares() -> None:
    # RequestNilCPU: the kubelet repeats the API's defaulting for Pods stored without it.
    pod = stored()
    app = {"name": "app", "image": IMAGE, "resources": {"limits": {"cpu": "2"}}}
    config = container_config(pod, app, env=(), mounts=(), image_user="")
    assert config == replace(BARE, cpu_shares=2048, cpu_quota=200000, cpu_period=100000)


def test_a_stored_limit_is_also_the_request() -> None:
    # What the rows above rely on: the API's SetDefaults_Pod, which mcp's defaulting ports.
    pod = stored({"resources": {"limits": {"cpu": "1", "memory": "1Gi"}}})
    assert pod["spec"]["containers"][0]["resources"]["requests"] == {"cpu": "1", "memory": "1Gi"}


@pytest.mark.parametrize(
    ("milli", "shares"),
    [(0, 2), (1, 2), (2, 2), (5, 5), (100, 102), (500, 512), (1000, 1024), (256000, 262144)],
)
def test_milli_cpu_to_shares(milli: int, shares: int) -> None:
    assert milli_cpu_to_shares(milli) == shares


@pytest.mark.parametrize(
    ("milli", "period", "quota"),
    [
        (0, 100000, 0),
        (5, 100000, 1000),
        (9, 100000, 1000),
        (10, 100000, 1000),
        (200, 100000, 20000),
        (500, 100000, 50000),
        (1000, 100000, 100000),
        (1500, 100000, 150000),
        (1500, 50000, 75000),
    ],
)
def test_milli_cpu_to_quota(milli: int, period: int, quota: int) -> None:
    assert milli_cpu_to_quota(milli, period) == quota


# --- the user ---------------------------------------------------------------------------------


def run_as(
    pod_context: dict[str, Any], container_context: dict[str, Any], image_user: str
) -> ContainerConfig | ConfigError:
    pod = stored(security(**container_context), securityContext=pod_context)
    return config_of(pod, image_user=image_user)


@pytest.mark.parametrize(
    ("pod_context", "container_context", "image_user", "user"),
    [
        pytest.param({}, {}, "", None, id="nothing-set-keeps-the-images"),
        pytest.param({}, {}, "1000:1000", None, id="image-user-and-group-kept-as-written"),
        pytest.param({}, {"runAsUser": 1000}, "", "1000", id="run-as-user"),
        pytest.param({"runAsUser": 1000}, {}, "", "1000", id="pod-level-run-as-user"),
        pytest.param({"runAsUser": 1000}, {"runAsUser": 2000}, "", "2000", id="container-wins"),
        pytest.param(
            {"runAsUser": 1000, "runAsGroup": 3000}, {}, "", "1000:3000", id="user-and-group"
        ),
        pytest.param(
            {"runAsGroup": 3000},
            {"runAsUser": 1000, "runAsGroup": 4000},
            "",
            "1000:4000",
            id="container-group-wins",
        ),
        pytest.param({}, {"runAsGroup": 3000}, "", "0:3000", id="group-alone-image-root"),
        pytest.param(
            {}, {"runAsGroup": 3000}, "1000:1000", "1000:3000", id="group-alone-image-uid"
        ),
        pytest.param({}, {"runAsGroup": 3000}, "nginx", "nginx:3000", id="group-alone-image-name"),
        pytest.param(
            {"runAsGroup": 3000}, {"runAsUser": 0}, "nobody", "0:3000", id="root-by-choice"
        ),
    ],
)
def test_user(
    pod_context: dict[str, Any],
    container_context: dict[str, Any],
    image_user: str,
    user: str | None,
) -> None:
    assert run_as(pod_context, container_context, image_user) == replace(BARE, user=user)


ROOT = f"container has runAsNonRoot and image will run as root {WHERE}"
BREAKS = f"container's runAsUser breaks non-root policy {WHERE}"


def non_numeric(user: str) -> str:
    return (
        f"container has runAsNonRoot and image has non-numeric user ({user}), "
        f"cannot verify user is non-root {WHERE}"
    )


def invalid_uid(uid: int) -> str:
    return (
        f"container has runAsNonRoot and image has an invalid user id ({uid}). "
        f"(Must be 1-(2147483647)): must be between 0 and 2147483647, inclusive {WHERE}"
    )


NON_ROOT = {"runAsNonRoot": True}


@pytest.mark.parametrize(
    ("pod_context", "container_context", "image_user", "message"),
    [
        pytest.param({}, NON_ROOT, "", ROOT, id="image-without-user-is-root"),
        pytest.param({}, NON_ROOT, "0", ROOT, id="image-uid-0"),
        pytest.param({}, NON_ROOT, "0:1000", ROOT, id="image-uid-0-with-group"),
        pytest.param({}, NON_ROOT, ":1000", ROOT, id="image-group-alone-is-root"),
        pytest.param({}, NON_ROOT, "root", non_numeric("root"), id="image-user-root-by-name"),
        pytest.param({}, NON_ROOT, "nginx:nginx", non_numeric("nginx"), id="image-user-name"),
        pytest.param({}, NON_ROOT, "1000", None, id="image-uid-1000"),
        pytest.param({}, NON_ROOT, "1000:1000", None, id="image-uid-and-gid"),
        pytest.param({}, NON_ROOT, "+5", None, id="image-uid-as-go-reads-a-sign"),
        pytest.param({}, NON_ROOT, "1_000", non_numeric("1_000"), id="go-reads-no-underscore"),
        pytest.param({}, NON_ROOT, "2147483647", None, id="image-uid-max-int32"),
        pytest.param({}, NON_ROOT, "2147483648", invalid_uid(2147483648), id="image-uid-past"),
        pytest.param({}, NON_ROOT, "-1000", invalid_uid(-1000), id="image-uid-negative"),
        pytest.param(
            {},
            NON_ROOT,
            "99999999999999999999",
            non_numeric("99999999999999999999"),
            id="image-uid-past-int64-is-a-name",
        ),
        pytest.param({}, {**NON_ROOT, "runAsUser": 0}, "1000", BREAKS, id="run-as-user-0"),
        pytest.param({}, {**NON_ROOT, "runAsUser": 1000}, "", None, id="run-as-user-1000"),
        pytest.param({}, {**NON_ROOT, "runAsUser": 1000}, "root", None, id="user-over-image"),
        pytest.param({"runAsUser": 0}, NON_ROOT, "1000", BREAKS, id="pod-level-run-as-user-0"),
        pytest.param(NON_ROOT, {}, "", ROOT, id="pod-level-run-as-non-root"),
        pytest.param(NON_ROOT, {"runAsNonRoot": False}, "", None, id="container-allows-root"),
        pytest.param({}, {"runAsNonRoot": False, "runAsUser": 0}, "", None, id="root-allowed"),
        pytest.param({}, {}, "", None, id="not-asked"),
    ],
)
def test_run_as_non_root(
    pod_context: dict[str, Any],
    container_context: dict[str, Any],
    image_user: str,
    message: str | None,
) -> None:
    config = run_as(pod_context, container_context, image_user)
    if message is None:
        assert isinstance(config, ContainerConfig)
    else:
        assert isinstance(config, ConfigError)
        assert (config.message, config.reason) == (message, REASON)
        assert REASON == "CreateContainerConfigError"


def test_the_effective_context_takes_only_what_the_pod_level_gives() -> None:
    pod = stored(
        {"securityContext": {"runAsGroup": 4000, "capabilities": {"drop": ["ALL"]}}},
        securityContext={"runAsUser": 1000, "runAsGroup": 3000, "fsGroup": 2000},
    )
    assert effective_security_context(pod, pod["spec"]["containers"][0]) == {
        "runAsUser": 1000,
        "runAsGroup": 4000,
        "capabilities": {"drop": ["ALL"]},
    }


def test_format_pod_is_the_kubelets() -> None:
    assert format_pod(stored()) == f"web_default({UID})"


# --- $(VAR) in command and args ------------------------------------------------------------

ENV = (("NAME", "world"), ("PORT", "80"), ("PORT", "8080"), ("EMPTY", ""))


@pytest.mark.parametrize(
    ("argv", "expanded"),
    [
        pytest.param(["hello $(NAME)"], ("hello world",), id="reference"),
        pytest.param(["--port=$(PORT)"], ("--port=8080",), id="later-definition-wins"),
        pytest.param(["$$(NAME)"], ("$(NAME)",), id="escaped"),
        pytest.param(["$$$(NAME)"], ("$world",), id="escaped-then-reference"),
        pytest.param(["$(MISSING)"], ("$(MISSING)",), id="unknown-stays"),
        pytest.param(["[$(EMPTY)]"], ("[]",), id="empty-value"),
        pytest.param(["$NAME ${NAME}"], ("$NAME ${NAME}",), id="shell-forms-stay"),
        pytest.param(["$(NAME"], ("$(NAME",), id="unterminated-stays"),
        pytest.param(["cost: 5$"], ("cost: 5$",), id="trailing-dollar"),
    ],
)
def test_command_and_args_expand_against_the_env(
    argv: list[str], expanded: tuple[str, ...]
) -> None:
    pod = stored({"command": ["/bin/echo", *argv], "args": argv})
    config = config_of(pod, env=ENV)
    assert isinstance(config, ContainerConfig)
    assert (config.entrypoint, config.command) == (("/bin/echo", *expanded), expanded)


# --- host ports -------------------------------------------------------------------------------


def port(container_port: int, host_port: int, **extra: Any) -> dict[str, Any]:
    return {"containerPort": container_port, "hostPort": host_port, **extra}


@pytest.mark.parametrize(
    ("containers", "init_containers", "expected"),
    [
        pytest.param([[{"containerPort": 80}]], [], (), id="no-host-port"),
        pytest.param(
            [[port(80, 8080)]],
            [],
            (Port(container_port=80, host_port=8080),),
            id="one",
        ),
        pytest.param(
            [[port(53, 5353, protocol="UDP", hostIP="127.0.0.1"), {"containerPort": 9}]],
            [],
            (Port(container_port=53, host_port=5353, host_ip="127.0.0.1", protocol="UDP"),),
            id="protocol-and-host-ip",
        ),
        pytest.param(
            [[port(80, 8080)], [port(443, 8443)]],
            [[port(9090, 9090)]],
            (
                Port(container_port=80, host_port=8080),
                Port(container_port=443, host_port=8443),
                Port(container_port=9090, host_port=9090),
            ),
            id="every-container-then-init-containers",
        ),
        pytest.param(
            [[port(80, 8080)]],
            [[port(8081, 8080)]],
            (Port(container_port=80, host_port=8080),),
            id="an-init-containers-clash-yields",
        ),
        pytest.param(
            [[port(80, 8080)]],
            [[port(80, 8080, protocol="UDP")], [port(81, 8080, hostIP="127.0.0.1")]],
            (
                Port(container_port=80, host_port=8080),
                Port(container_port=80, host_port=8080, protocol="UDP"),
                Port(container_port=81, host_port=8080, host_ip="127.0.0.1"),
            ),
            id="other-protocol-or-address-is-no-clash",
        ),
    ],
)
def test_host_ports(
    containers: list[list[dict[str, Any]]],
    init_containers: list[list[dict[str, Any]]],
    expected: tuple[Port, ...],
) -> None:
    pod = pod_kind.normalize(
        {
            "metadata": {"name": "web", "namespace": "default", "uid": UID},
            "spec": {
                "containers": [
                    {"name": f"c{i}", "image": IMAGE, "ports": ports}
                    for i, ports in enumerate(containers)
                ],
                "initContainers": [
                    {"name": f"i{i}", "image": IMAGE, "ports": ports, "restartPolicy": "Always"}
                    for i, ports in enumerate(init_containers)
                ],
            },
        }
    )
    assert host_ports(pod) == expected
