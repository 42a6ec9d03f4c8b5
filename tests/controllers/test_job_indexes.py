"""An Indexed Job's completion indexes as intervals and as `status.completedIndexes`,
after kubernetes' pkg/controller/job/indexed_job_utils_test.go (TestIntervalsString,
TestParseIndexesFromString, TestIntervalsHaveIndex, TestPodGenerateNameWithIndex)."""

from __future__ import annotations

import pytest

from mcp.controllers.jobs.indexes import UNKNOWN, Intervals, completion_index, generate_name, parse


@pytest.mark.parametrize(
    ("spans", "want"),
    [
        pytest.param((), "", id="empty"),
        pytest.param(((0, 0),), "0", id="one"),
        pytest.param(((0, 1),), "0,1", id="two-adjacent-as-a-list"),
        pytest.param(((0, 2),), "0-2", id="three-as-a-range"),
        pytest.param(((1, 3), (5, 5), (7, 8), (10, 20)), "1-3,5,7,8,10-20", id="mixed"),
    ],
)
def test_string(spans: tuple[tuple[int, int], ...], want: str) -> None:
    assert str(Intervals(spans)) == want


@pytest.mark.parametrize(
    ("text", "completions", "want"),
    [
        pytest.param("", 10, (), id="empty"),
        pytest.param("1,3-5,7", 10, ((1, 1), (3, 5), (7, 7)), id="list-and-range"),
        pytest.param("1,2,3", 10, ((1, 3),), id="adjacent-merge"),
        pytest.param("0-5,8", 4, ((0, 3),), id="cut-at-completions"),
        pytest.param("2,5", 5, ((2, 2),), id="index-at-completions-dropped"),
        pytest.param("a,1-2", 10, ((1, 2),), id="corrupted-first-skipped"),
        pytest.param("1-b,3", 10, ((3, 3),), id="corrupted-range-skipped"),
        pytest.param("0-1,2-3", 10, ((0, 3),), id="adjacent-ranges-merge"),
    ],
)
def test_parse(text: str, completions: int, want: tuple[tuple[int, int], ...]) -> None:
    assert parse(text, completions).spans == want


@pytest.mark.parametrize(
    ("spans", "added", "want"),
    [
        pytest.param((), [3, 1, 2], "1-3", id="into-empty"),
        pytest.param(((0, 0), (4, 4)), [2], "0,2,4", id="between"),
        pytest.param(((0, 0), (2, 2)), [1], "0-2", id="bridging"),
        pytest.param(((0, 5),), [3], "0-5", id="already-there"),
        pytest.param(((5, 6),), [7, 4], "4-7", id="both-ends"),
    ],
)
def test_with_indexes(spans: tuple[tuple[int, int], ...], added: list[int], want: str) -> None:
    assert str(Intervals(spans).with_indexes(added)) == want


@pytest.mark.parametrize(
    ("index", "want"),
    [
        pytest.param(0, False, id="before"),
        pytest.param(1, True, id="first"),
        pytest.param(3, True, id="last-of-range"),
        pytest.param(4, False, id="gap"),
        pytest.param(7, True, id="single"),
        pytest.param(9, False, id="after"),
    ],
)
def test_has(index: int, want: bool) -> None:
    intervals = Intervals(((1, 3), (7, 7)))
    assert intervals.has(index) is want
    assert intervals.total() == 4


@pytest.mark.parametrize(
    ("annotations", "want"),
    [
        pytest.param({"batch.kubernetes.io/job-completion-index": "3"}, 3, id="valid"),
        pytest.param({"batch.kubernetes.io/job-completion-index": "-1"}, UNKNOWN, id="negative"),
        pytest.param(
            {"batch.kubernetes.io/job-completion-index": "1a"}, UNKNOWN, id="not-a-number"
        ),
        pytest.param({}, UNKNOWN, id="missing"),
        pytest.param(None, UNKNOWN, id="no-annotations"),
    ],
)
def test_completion_index(annotations: object, want: int) -> None:
    assert completion_index(annotations) == want


@pytest.mark.parametrize(
    ("job", "index", "want"),
    [
        pytest.param("hello", 1, "hello-1-", id="short"),
        pytest.param("hello-world", 1, "hello-world-1-", id="with-dash"),
        pytest.param("a" * 54, 12, "a" * 54 + "-12-", id="exactly-58"),
        pytest.param("a" * 60, 123, "a" * 53 + "-123-", id="cut-to-58"),
    ],
)
def test_generate_name(job: str, index: int, want: str) -> None:
    assert generate_name(job, index) == want
    assert len(want) <= 58
