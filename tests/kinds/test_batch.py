"""Jobs and CronJobs as kube-apiserver defaults, generates and validates them: upstream's
defaults (pkg/apis/batch/v1/defaults.go, the nil-completions rule in a table), the
selector and labels `generateSelector` gives a new Job, the rules of
pkg/apis/batch/validation in its words, and robfig/cron's schedule errors.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from mcp.apiserver import gojson
from mcp.kinds import batch, cron

KEEP = frozenset({"apiVersion", "kind", "metadata"})
UID = "0b5e1c7a-1111-4222-8333-944455556666"


def job(labels: dict[str, str] | None = None, **spec: Any) -> dict[str, Any]:
    pod_template: dict[str, Any] = spec.pop(
        "template",
        {
            "spec": {
                "restartPolicy": "Never",
                "containers": [{"name": "pi", "image": "perl:5.34"}],
            }
        },
    )
    metadata: dict[str, Any] = {"name": "pi", "namespace": "default"}
    if labels is not None:
        metadata["labels"] = labels
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": metadata,
        "spec": {"template": pod_template, **spec},
    }


def created(body: dict[str, Any]) -> dict[str, Any]:
    """A new Job as the API makes it: decoded, with its uid, defaulted, generated, printed."""
    decoded, unknown = gojson.decode(batch.JOB_GO_TYPE, body, keep=KEEP)
    assert unknown == []
    decoded["metadata"]["uid"] = UID
    generated = batch.generate_job(batch.normalize_job(decoded))
    return gojson.encode(batch.JOB_GO_TYPE, generated, keep=KEEP)


def job_problems(body: dict[str, Any]) -> list[str]:
    obj = created(body)
    found = batch.validate_job_create(obj) + batch.validate_job(obj)
    return [f"{path}: {text}" for path, text in found]


@pytest.mark.parametrize(
    ("given", "parallelism", "completions"),
    [
        pytest.param({}, 1, 1, id="neither"),
        pytest.param({"parallelism": 3}, 3, None, id="parallelism-alone-leaves-completions-nil"),
        pytest.param({"completions": 5}, 1, 5, id="completions-alone"),
        pytest.param({"parallelism": 0, "completions": 2}, 0, 2, id="zero-kept"),
    ],
)
def test_parallelism_and_completions(
    given: dict[str, Any], parallelism: int, completions: int | None
) -> None:
    spec = created(job(**given))["spec"]
    assert (spec["parallelism"], spec.get("completions")) == (parallelism, completions)


def test_a_job_gets_upstreams_defaults_and_a_generated_selector() -> None:
    spec = created(job())["spec"]
    assert {
        key: spec[key]
        for key in ("backoffLimit", "completionMode", "suspend", "podReplacementPolicy")
    } == {
        "backoffLimit": 6,
        "completionMode": "NonIndexed",
        "suspend": False,
        "podReplacementPolicy": "TerminatingOrFailed",
    }
    assert spec["manualSelector"] is False
    assert spec["selector"] == {"matchLabels": {"batch.kubernetes.io/controller-uid": UID}}
    assert spec["template"]["metadata"]["labels"] == {
        "job-name": "pi",
        "batch.kubernetes.io/job-name": "pi",
        "controller-uid": UID,
        "batch.kubernetes.io/controller-uid": UID,
    }
    assert "enableServiceLinks" not in spec["template"]["spec"]  # a Pod's default only


@pytest.mark.parametrize(
    ("given", "backoff", "replacement"),
    [
        pytest.param(
            {"backoffLimitPerIndex": 1, "completionMode": "Indexed", "completions": 2},
            2**31 - 1,
            "TerminatingOrFailed",
            id="per-index-limit",
        ),
        pytest.param(
            {
                "podFailurePolicy": {
                    "rules": [
                        {"action": "Ignore", "onPodConditions": [{"type": "DisruptionTarget"}]}
                    ]
                }
            },
            6,
            "Failed",
            id="with-a-failure-policy",
        ),
    ],
)
def test_the_defaults_that_depend_on_other_fields(
    given: dict[str, Any], backoff: int, replacement: str
) -> None:
    spec = created(job(**given))["spec"]
    assert (spec["backoffLimit"], spec["podReplacementPolicy"]) == (backoff, replacement)


def test_a_failure_policys_condition_pattern_is_true_by_default() -> None:
    policy = {"rules": [{"action": "Ignore", "onPodConditions": [{"type": "DisruptionTarget"}]}]}
    spec = created(job(podFailurePolicy=policy))["spec"]
    assert spec["podFailurePolicy"]["rules"][0]["onPodConditions"] == [
        {"type": "DisruptionTarget", "status": "True"}
    ]


def test_a_job_without_labels_shares_its_templates_and_their_generated_labels() -> None:
    pod_template = {"metadata": {"labels": {"app": "pi"}}, **job()["spec"]["template"]}
    shared = created(job(template=pod_template))
    assert shared["metadata"]["labels"] == shared["spec"]["template"]["metadata"]["labels"]
    assert shared["metadata"]["labels"]["controller-uid"] == UID
    own = created(job(labels={"team": "a"}, template=pod_template))
    assert own["metadata"]["labels"] == {"team": "a"}
    bare = created(job())
    assert "labels" not in bare["metadata"]


def test_a_manual_selector_is_left_as_given() -> None:
    pod_template = {"metadata": {"labels": {"app": "pi"}}, **job()["spec"]["template"]}
    spec = created(
        job(manualSelector=True, selector={"matchLabels": {"app": "pi"}}, template=pod_template)
    )["spec"]
    assert spec["selector"] == {"matchLabels": {"app": "pi"}}
    assert spec["template"]["metadata"]["labels"] == {"app": "pi"}


RESTART = "spec.template.spec.restartPolicy"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        pytest.param(job(), [], id="valid"),
        pytest.param(
            job(template={"spec": {"containers": [{"name": "pi", "image": "perl"}]}}),
            [f'{RESTART}: Required value: valid values: "OnFailure", "Never"'],
            id="restart-defaults-to-always",
        ),
        pytest.param(
            job(parallelism=-1, completions=-2, backoffLimit=-3),
            [
                "spec.parallelism: Invalid value: -1: must be greater than or equal to 0",
                "spec.completions: Invalid value: -2: must be greater than or equal to 0",
                "spec.backoffLimit: Invalid value: -3: must be greater than or equal to 0",
            ],
            id="negative-counts",
        ),
        pytest.param(
            job(completionMode="Sometimes"),
            [
                'spec.completionMode: Unsupported value: "Sometimes": supported values: '
                '"NonIndexed", "Indexed"'
            ],
            id="completion-mode",
        ),
        pytest.param(
            job(completionMode="Indexed", parallelism=2),
            ["spec.completions: Required value: when completion mode is Indexed"],
            id="indexed-needs-completions",
        ),
        pytest.param(
            job(backoffLimitPerIndex=1),
            ["spec.backoffLimitPerIndex: Invalid value: 1: requires indexed completion mode"],
            id="per-index-needs-indexed",
        ),
        pytest.param(
            job(podReplacementPolicy="Sometimes"),
            [
                'spec.podReplacementPolicy: Unsupported value: "Sometimes": supported values: '
                '"Failed", "TerminatingOrFailed"'
            ],
            id="replacement-policy",
        ),
        pytest.param(
            job(
                template={
                    "metadata": {"labels": {"job-name": "other"}},
                    "spec": job()["spec"]["template"]["spec"],
                }
            ),
            [
                'spec.template.metadata.labels[job-name]: Invalid value: {"batch.kubernetes.io/'
                f'controller-uid":"{UID}","batch.kubernetes.io/job-name":"pi","controller-uid":'
                f'"{UID}","job-name":"other"}}: must be \'pi\''
            ],
            id="a-conflicting-generated-label",
        ),
        pytest.param(
            job(selector={"matchLabels": {"app": "x"}}),
            [
                'spec.selector: Invalid value: {"matchLabels":{"app":"x","batch.kubernetes.io/'
                f'controller-uid":"{UID}"}}}}: `selector` not auto-generated',
                'spec.template.metadata.labels: Invalid value: {"batch.kubernetes.io/'
                f'controller-uid":"{UID}","batch.kubernetes.io/job-name":"pi","controller-uid":'
                f'"{UID}","job-name":"pi"}}: `selector` does not match template `labels`',
            ],
            id="a-selector-without-manual-selector",
        ),
        pytest.param(
            job(
                manualSelector=True,
                template={"metadata": {"labels": {"app": "y"}}, **job()["spec"]["template"]},
            ),
            [
                "spec.selector: Required value",
                'spec.template.metadata.labels: Invalid value: {"app":"y"}: `selector` does not '
                "match template `labels`",
            ],
            id="manual-selector-required",
        ),
        pytest.param(
            job(
                template={
                    "spec": {
                        "restartPolicy": "OnFailure",
                        "containers": [{"name": "pi", "image": "perl"}],
                    }
                },
                podFailurePolicy={
                    "rules": [
                        {
                            "action": "FailJob",
                            "onExitCodes": {"operator": "In", "values": [0, 2, 1]},
                        }
                    ]
                },
                podReplacementPolicy="TerminatingOrFailed",
            ),
            [
                "spec.podFailurePolicy.rules[0].onExitCodes.values[0]: Invalid value: 0: must not "
                "be 0 for the In operator",
                "spec.podFailurePolicy.rules[0].onExitCodes.values: Invalid value: [0,2,1]: must "
                "be ordered",
                'spec.podReplacementPolicy: Unsupported value: "TerminatingOrFailed": supported '
                'values: "Failed"',
                f'{RESTART}: Invalid value: "OnFailure": only "Never" is supported when '
                "podFailurePolicy is specified",
            ],
            id="failure-policy",
        ),
    ],
)
def test_job_validation(body: dict[str, Any], expected: list[str]) -> None:
    assert job_problems(body) == expected


def test_the_template_refusals_of_a_pod_hold_for_a_jobs() -> None:
    pod_spec = {
        "restartPolicy": "Never",
        "hostNetwork": True,
        "containers": [{"name": "pi", "image": "perl"}],
    }
    found = job_problems(job(template={"spec": pod_spec}))
    assert [line.split(":")[0] for line in found] == ["spec.template.spec.hostNetwork"]


def update(old: dict[str, Any], change: Any) -> list[str]:
    new = copy.deepcopy(old)
    change(new)
    return [f"{path}: {text}" for path, text in batch.validate_job_update(old, new)]


def test_a_jobs_template_and_completions_do_not_change() -> None:
    old = created(job())

    def new_image(obj: dict[str, Any]) -> None:
        obj["spec"]["template"]["spec"]["containers"][0]["image"] = "perl:5.36"

    found = update(old, new_image)
    assert len(found) == 1
    assert found[0].startswith('spec.template: Invalid value: {"metadata":')
    assert found[0].endswith(": field is immutable")
    assert update(old, lambda obj: obj["spec"].update(completions=3)) == [
        "spec.completions: Invalid value: 3: field is immutable"
    ]
    assert update(old, lambda obj: obj["spec"].update(parallelism=3)) == []


def test_a_suspended_job_never_started_may_change_where_it_runs() -> None:
    old = created(job(suspend=True))

    def placed(obj: dict[str, Any]) -> None:
        obj["spec"]["template"]["spec"]["nodeSelector"] = {"disk": "ssd"}

    assert update(old, placed) == []
    started = {**old, "status": {"startTime": "2026-01-01T00:00:00Z"}}
    assert update(started, placed)[0].endswith("field is immutable")


def test_an_indexed_jobs_completions_change_with_its_parallelism() -> None:
    old = created(job(completionMode="Indexed", completions=2, parallelism=2))
    assert update(old, lambda obj: obj["spec"].update(completions=4, parallelism=4)) == []
    assert update(old, lambda obj: obj["spec"].update(completions=4)) == [
        "spec.completions: Invalid value: 4: can only be modified in tandem with spec.parallelism"
    ]


def cronjob(**spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "batch/v1",
        "kind": "CronJob",
        "metadata": {"name": "hello", "namespace": "default"},
        "spec": {
            "schedule": "*/5 * * * *",
            "jobTemplate": {"spec": job()["spec"]},
            **spec,
        },
    }


def cron_stored(body: dict[str, Any]) -> dict[str, Any]:
    decoded, unknown = gojson.decode(batch.CRONJOB_GO_TYPE, body, keep=KEEP)
    assert unknown == []
    return gojson.encode(batch.CRONJOB_GO_TYPE, batch.normalize_cronjob(decoded), keep=KEEP)


def cron_problems(body: dict[str, Any]) -> list[str]:
    obj = cron_stored(body)
    found = batch.validate_cronjob_create(obj) + batch.validate_cronjob(obj)
    return [f"{path}: {text}" for path, text in found]


def test_a_cronjob_gets_upstreams_defaults_and_its_job_template_none_of_a_jobs() -> None:
    spec = cron_stored(cronjob())["spec"]
    assert {
        key: spec[key]
        for key in (
            "concurrencyPolicy",
            "suspend",
            "successfulJobsHistoryLimit",
            "failedJobsHistoryLimit",
        )
    } == {
        "concurrencyPolicy": "Allow",
        "suspend": False,
        "successfulJobsHistoryLimit": 3,
        "failedJobsHistoryLimit": 1,
    }
    job_spec = spec["jobTemplate"]["spec"]
    assert "backoffLimit" not in job_spec
    assert "parallelism" not in job_spec
    assert job_spec["template"]["spec"]["dnsPolicy"] == "ClusterFirst"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        pytest.param(cronjob(), [], id="valid"),
        pytest.param(cronjob(schedule=""), ["spec.schedule: Required value"], id="no-schedule"),
        pytest.param(
            cronjob(schedule="61 * * * *"),
            [
                'spec.schedule: Invalid value: "61 * * * *": end of range (61) above maximum '
                "(59): 61"
            ],
            id="minute-61",
        ),
        pytest.param(
            cronjob(schedule="TZ=UTC 0 * * * *"),
            [
                'spec.schedule: Invalid value: "TZ=UTC 0 * * * *": cannot use TZ or CRON_TZ in '
                "schedule, use timeZone field instead"
            ],
            id="tz-in-schedule",
        ),
        pytest.param(
            cronjob(timeZone="Mars/Olympus"),
            ['spec.timeZone: Invalid value: "Mars/Olympus": unknown time zone Mars/Olympus'],
            id="unknown-time-zone",
        ),
        pytest.param(cronjob(timeZone="Europe/Paris"), [], id="a-time-zone"),
        pytest.param(
            cronjob(timeZone="Local"),
            [
                'spec.timeZone: Invalid value: "Local": timeZone must be an explicit time zone '
                "as defined in https://www.iana.org/time-zones"
            ],
            id="local-time-zone",
        ),
        pytest.param(
            cronjob(concurrencyPolicy="Sometimes"),
            [
                'spec.concurrencyPolicy: Unsupported value: "Sometimes": supported values: '
                '"Allow", "Forbid", "Replace"'
            ],
            id="concurrency",
        ),
        pytest.param(
            cronjob(
                jobTemplate={"spec": {**job()["spec"], "selector": {"matchLabels": {"a": "b"}}}}
            ),
            [
                'spec.jobTemplate.spec.selector: Invalid value: {"matchLabels":{"a":"b"}}: '
                "`selector` will be auto-generated"
            ],
            id="a-selector-in-the-job-template",
        ),
        pytest.param(
            cronjob(successfulJobsHistoryLimit=-1),
            [
                "spec.successfulJobsHistoryLimit: Invalid value: -1: must be greater than or "
                "equal to 0"
            ],
            id="negative-history",
        ),
        pytest.param(
            {**cronjob(), "metadata": {"name": "n" * 53, "namespace": "default"}},
            [f'metadata.name: Invalid value: "{"n" * 53}": must be no more than 52 characters'],
            id="name-too-long-for-its-jobs",
        ),
    ],
)
def test_cronjob_validation(body: dict[str, Any], expected: list[str]) -> None:
    assert cron_problems(body) == expected


@pytest.mark.parametrize(
    ("schedule", "error"),
    [
        pytest.param("*/5 * * * *", None, id="every-5-minutes"),
        pytest.param("0 0 1 jan-mar MON", None, id="names"),
        pytest.param("@hourly", None, id="descriptor"),
        pytest.param("@every 1h30m", None, id="every"),
        pytest.param("* * * *", "expected exactly 5 fields, found 4: [* * * *]", id="4-fields"),
        pytest.param("@sometimes", "unrecognized descriptor: @sometimes", id="bad-descriptor"),
        pytest.param(
            "@every soon",
            'failed to parse duration @every soon: time: invalid duration "soon"',
            id="bad-every",
        ),
        pytest.param(
            "x * * * *",
            'failed to parse int from x: strconv.Atoi: parsing "x": invalid syntax',
            id="not-a-number",
        ),
        pytest.param("0 24 * * *", "end of range (24) above maximum (23): 24", id="hour-24"),
        pytest.param("0 0 0 * *", "beginning of range (0) below minimum (1): 0", id="day-0"),
        pytest.param(
            "5-1 * * * *", "beginning of range (5) beyond end of range (1): 5-1", id="backwards"
        ),
        pytest.param("*/0 * * * *", "step of range should be a positive number: */0", id="step-0"),
        pytest.param("1-2-3 * * * *", "too many hyphens: 1-2-3", id="hyphens"),
        pytest.param("1/2/3 * * * *", "too many slashes: 1/2/3", id="slashes"),
    ],
)
def test_cron_schedules_as_robfig_cron_parses_them(schedule: str, error: str | None) -> None:
    if error is None:
        cron.check(schedule)
        return
    with pytest.raises(cron.ScheduleError) as refused:
        cron.check(schedule)
    assert str(refused.value) == error
