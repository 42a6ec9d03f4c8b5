"""A Pod's log options as kube-apiserver decodes and checks them, the container and the
Docker attempt a request reads (`apiserver.logoptions`), tabled."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from mcp.apiserver import logoptions
from mcp.apiserver.logoptions import PodLogOptions, Refused
from mcp.kinds import apimachinery
from mcp.model import Observed
from mcp.runtime import LogQuery


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param(None, False, id="absent"),
        pytest.param("", True, id="empty-is-true"),
        pytest.param("true", True, id="true"),
        pytest.param("1", True, id="one"),
        pytest.param("yes", True, id="anything-else"),
        pytest.param("0", False, id="zero"),
        pytest.param("false", False, id="false"),
        pytest.param("FaLsE", False, id="false-any-case"),
        pytest.param("00", True, id="only-a-single-zero"),
    ],
)
def test_booleans_as_go_decodes_query_parameters(raw: str | None, expected: bool) -> None:
    assert logoptions.go_bool(raw) is expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        pytest.param({}, PodLogOptions(), id="nothing"),
        pytest.param(
            {
                "container": "app",
                "follow": "true",
                "previous": "1",
                "timestamps": "",
                "tailLines": "+2",
                "limitBytes": "100",
                "sinceSeconds": "3600",
                "pretty": "true",
            },
            PodLogOptions(
                container="app",
                follow=True,
                previous=True,
                timestamps=True,
                tail_lines=2,
                limit_bytes=100,
                since_seconds=3600,
            ),
            id="kubectl",
        ),
        pytest.param(
            {"sinceTime": "2024-05-06T07:08:09Z"},
            PodLogOptions(since_time=datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC)),
            id="since-time",
        ),
        pytest.param(
            {"sinceTime": "2024-05-06T09:08:09.123456789+02:00"},
            PodLogOptions(since_time=datetime(2024, 5, 6, 7, 8, 9, 123456, tzinfo=UTC)),
            id="since-time-offset-and-fraction",
        ),
        pytest.param(
            {"sinceTime": "2024-05-06T7:08:09Z"},
            PodLogOptions(since_time=datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC)),
            id="since-time-one-digit-hour-as-go-reads-it",
        ),
        pytest.param(
            {"sinceTime": ""}, PodLogOptions(since_time=logoptions.ZERO_TIME), id="empty-time"
        ),
        pytest.param({"stream": "Stderr"}, PodLogOptions(stream="Stderr"), id="stream"),
        pytest.param({"tailLines": "-1"}, PodLogOptions(tail_lines=-1), id="negative-decodes"),
    ],
)
def test_decode(query: dict[str, str], expected: PodLogOptions) -> None:
    assert logoptions.decode(query) == expected


@pytest.mark.parametrize(
    ("query", "message"),
    [
        pytest.param(
            {"tailLines": "ten"}, 'strconv.ParseInt: parsing "ten": invalid syntax', id="tail"
        ),
        pytest.param(
            {"limitBytes": "1.5"}, 'strconv.ParseInt: parsing "1.5": invalid syntax', id="float"
        ),
        pytest.param(
            {"sinceSeconds": ""}, 'strconv.ParseInt: parsing "": invalid syntax', id="empty"
        ),
        pytest.param(
            {"sinceSeconds": "9223372036854775808"},
            'strconv.ParseInt: parsing "9223372036854775808": value out of range',
            id="too-big",
        ),
        pytest.param(
            # The first field in PodLogOptions' order that does not decode is reported.
            {"limitBytes": "x", "sinceSeconds": "y"},
            'strconv.ParseInt: parsing "y": invalid syntax',
            id="first-in-field-order",
        ),
        pytest.param(
            {"sinceTime": "yesterday"},
            'parsing time "yesterday" as "2006-01-02T15:04:05Z07:00": cannot parse "yesterday" '
            'as "2006"',
            id="time-not-a-year",
        ),
        pytest.param(
            {"sinceTime": "2024-05-06 07:08:09Z"},
            'parsing time "2024-05-06 07:08:09Z" as "2006-01-02T15:04:05Z07:00": cannot parse '
            '" 07:08:09Z" as "T"',
            id="time-space",
        ),
        pytest.param(
            {"sinceTime": "2024-05-06T07:08:09"},
            'parsing time "2024-05-06T07:08:09" as "2006-01-02T15:04:05Z07:00": cannot parse "" '
            'as "Z07:00"',
            id="time-no-zone",
        ),
        pytest.param(
            {"sinceTime": "2024-13-06T07:08:09Z"},
            'parsing time "2024-13-06T07:08:09Z": month out of range',
            id="time-month",
        ),
        pytest.param(
            {"sinceTime": "2023-02-29T07:08:09Z"},
            'parsing time "2023-02-29T07:08:09Z": day out of range',
            id="time-day",
        ),
        pytest.param(
            {"sinceTime": "2024-05-06T07:08:09Zand"},
            'parsing time "2024-05-06T07:08:09Zand": extra text: "and"',
            id="time-extra",
        ),
    ],
)
def test_what_does_not_decode_is_a_bad_request(query: dict[str, str], message: str) -> None:
    with pytest.raises(Refused) as refused:
        logoptions.decode(query)
    assert str(refused.value) == message


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        pytest.param(PodLogOptions(tail_lines=0, limit_bytes=1, since_seconds=1), [], id="least"),
        pytest.param(
            PodLogOptions(tail_lines=-1),
            ["tailLines: Invalid value: -1: must be greater than or equal to 0"],
            id="tail",
        ),
        pytest.param(
            PodLogOptions(limit_bytes=0),
            ["limitBytes: Invalid value: 0: must be greater than 0"],
            id="limit",
        ),
        pytest.param(
            PodLogOptions(since_seconds=0),
            ["sinceSeconds: Invalid value: 0: must be greater than 0"],
            id="since-seconds",
        ),
        pytest.param(
            PodLogOptions(since_seconds=-5, since_time=logoptions.ZERO_TIME),
            [": Forbidden: at most one of `sinceTime` or `sinceSeconds` may be specified"],
            id="both-since",
        ),
        pytest.param(
            PodLogOptions(stream="Both"),
            ['stream: Unsupported value: "Both": supported values: "All", "Stderr", "Stdout"'],
            id="stream",
        ),
        pytest.param(
            PodLogOptions(stream="Stdout", tail_lines=3),
            [": Forbidden: `tailLines` and specific `stream` are mutually exclusive for now"],
            id="stream-and-tail",
        ),
        pytest.param(
            PodLogOptions(tail_lines=-1, limit_bytes=-1),
            [
                "tailLines: Invalid value: -1: must be greater than or equal to 0",
                "limitBytes: Invalid value: -1: must be greater than 0",
            ],
            id="in-upstreams-order",
        ),
    ],
)
def test_problems_as_validate_pod_log_options(options: PodLogOptions, expected: list[str]) -> None:
    assert [f"{field}: {body}" for field, body in logoptions.problems(options)] == expected
    if expected:
        assert apimachinery.aggregate(logoptions.problems(options))


def pod(
    containers: list[str],
    init: list[str] | None = None,
    ephemeral: list[str] | None = None,
    statuses: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    spec: dict[str, Any] = {"containers": [{"name": name} for name in containers]}
    if init:
        spec["initContainers"] = [{"name": name} for name in init]
    if ephemeral:
        spec["ephemeralContainers"] = [{"name": name} for name in ephemeral]
    return {
        "metadata": {"name": "web"},
        "spec": spec,
        "status": {"containerStatuses": statuses or []},
    }


@pytest.mark.parametrize(
    ("shown", "requested", "expected"),
    [
        pytest.param(pod(["app"]), "", "app", id="the-only-one"),
        pytest.param(pod(["app"], init=["setup"]), "", "app", id="the-only-one-init-aside"),
        pytest.param(pod(["a", "b"]), "b", "b", id="named"),
        pytest.param(pod(["a"], init=["setup"]), "setup", "setup", id="an-init-container"),
        pytest.param(pod(["a"], ephemeral=["debug"]), "debug", "debug", id="an-ephemeral-one"),
        pytest.param(
            pod(["a", "b"]),
            "",
            Refused("a container name must be specified for pod web, choose one of: [a b]"),
            id="several",
        ),
        pytest.param(
            pod(["a", "b"], init=["setup"], ephemeral=["debug"]),
            "",
            Refused(
                "a container name must be specified for pod web, choose one of: [setup a b debug]"
            ),
            id="several-listed-in-upstreams-order",
        ),
        pytest.param(
            pod([]), "", Refused("a container name must be specified for pod web"), id="none"
        ),
        pytest.param(
            pod(["a", "b"]), "x", Refused("container x is not valid for pod web"), id="unknown"
        ),
    ],
)
def test_the_container_a_request_reads(
    shown: dict[str, Any], requested: str, expected: str | Refused
) -> None:
    if isinstance(expected, Refused):
        with pytest.raises(Refused) as refused:
            logoptions.container_name(shown, requested)
        assert str(refused.value) == str(expected)
    else:
        assert logoptions.container_name(shown, requested) == expected


def docker(attempt: int, status: str) -> Observed:
    return Observed(
        container_id=f"id-{attempt}",
        uid=None,
        spec_hash=None,
        running=status == "running",
        exit_code=0 if status == "exited" else None,
        docker_status=status,
        name=f"k8s_app_web_ns_uid_{attempt}",
    )


WAITING_IMAGE = {"name": "app", "state": {"waiting": {"reason": "ImagePullBackOff"}}}
WAITING_CRASH = {"name": "app", "state": {"waiting": {"reason": "CrashLoopBackOff"}}}


@pytest.mark.parametrize(
    ("shown", "attempts", "previous", "expected"),
    [
        pytest.param(pod(["app"]), [docker(0, "running")], False, "id-0", id="running"),
        pytest.param(pod(["app"]), [docker(0, "exited")], False, "id-0", id="exited"),
        pytest.param(
            pod(["app"]), [docker(1, "running"), docker(0, "exited")], False, "id-1", id="newest"
        ),
        pytest.param(
            pod(["app"]),
            [docker(1, "running"), docker(0, "exited")],
            True,
            "id-0",
            id="previous",
        ),
        pytest.param(
            pod(["app"]),
            [docker(1, "created"), docker(0, "exited")],
            False,
            "id-0",
            id="restarting-reads-the-last-that-ran",
        ),
        pytest.param(
            pod(["app"]),
            [docker(0, "running")],
            True,
            Refused('previous terminated container "app" in pod "web" not found'),
            id="no-previous",
        ),
        pytest.param(
            pod(["app"]),
            [],
            False,
            Refused('container "app" in pod "web" is waiting to start: ContainerCreating'),
            id="not-made-yet",
        ),
        pytest.param(
            pod(["app"]),
            [docker(0, "created")],
            False,
            Refused('container "app" in pod "web" is waiting to start: ContainerCreating'),
            id="made-not-started",
        ),
        pytest.param(
            pod(["app"], statuses=[WAITING_IMAGE]),
            [],
            False,
            Refused(
                'container "app" in pod "web" is waiting to start: trying and failing to pull image'
            ),
            id="image-back-off-in-the-kubelets-words",
        ),
        pytest.param(
            pod(["app"], statuses=[WAITING_CRASH]),
            [],
            False,
            Refused('container "app" in pod "web" is waiting to start: CrashLoopBackOff'),
            id="other-reasons-as-they-are",
        ),
    ],
)
def test_the_attempt_a_request_reads(
    shown: dict[str, Any], attempts: list[Observed], previous: bool, expected: str | Refused
) -> None:
    if isinstance(expected, Refused):
        with pytest.raises(Refused) as refused:
            logoptions.attempt(shown, "app", attempts, previous=previous)
        assert str(refused.value) == str(expected)
    else:
        chosen = logoptions.attempt(shown, "app", attempts, previous=previous)
        assert chosen.container_id == expected


NOW = 1_700_000_000.5


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        pytest.param(PodLogOptions(), LogQuery(), id="everything"),
        pytest.param(
            PodLogOptions(follow=True, timestamps=True, tail_lines=5),
            LogQuery(follow=True, timestamps=True, tail=5),
            id="follow-timestamps-tail",
        ),
        pytest.param(
            PodLogOptions(since_seconds=3600), LogQuery(since=NOW - 3600), id="since-seconds"
        ),
        pytest.param(
            PodLogOptions(since_time=datetime(2023, 11, 14, 22, 0, 0, 900000, tzinfo=UTC)),
            LogQuery(since=1699999200),
            id="since-time-to-the-second",
        ),
        pytest.param(
            PodLogOptions(since_time=logoptions.ZERO_TIME), LogQuery(), id="zero-time-is-all"
        ),
        pytest.param(PodLogOptions(stream="Stdout"), LogQuery(stderr=False), id="stdout"),
        pytest.param(PodLogOptions(stream="Stderr"), LogQuery(stdout=False), id="stderr"),
    ],
)
def test_the_docker_query(options: PodLogOptions, expected: LogQuery) -> None:
    assert logoptions.log_query(options, NOW) == expected
