"""An Indexed Job's completion indexes: sets of small integers kept as ordered intervals
and written as `status.completedIndexes` ("1,3-5,7"). Pure.

Ported from kube-controller-manager's pkg/controller/job/indexed_job_utils.go
(orderedIntervals: withOrderedIndexes, merge, total, String, has;
parseIndexesFromString; getCompletionIndex; podGenerateNameWithIndex). Two adjacent
indexes print as "3,4", three or more as "3-5"; parsing drops what is at or beyond
`completions` and skips a piece that is not a number, as upstream's does (it logs).
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from mcp.kinds.apimachinery import GENERATED_BASE_MAX

COMPLETION_INDEX = "batch.kubernetes.io/job-completion-index"  # annotation and label
UNKNOWN = -1  # unknownCompletionIndex


@dataclass(frozen=True)
class Intervals:
    """Disjoint, ordered, non-adjacent closed intervals `(first, last)`."""

    spans: tuple[tuple[int, int], ...] = ()

    def with_indexes(self, indexes: Iterable[int]) -> Intervals:
        """withOrderedIndexes: these intervals with `indexes` added."""
        return self.merge(Intervals(tuple((ix, ix) for ix in sorted(set(indexes)))))

    def merge(self, other: Intervals) -> Intervals:
        """merge: the union of two interval lists."""
        result: list[list[int]] = []
        for first, last in sorted([*self.spans, *other.spans]):
            if not result or first > result[-1][1] + 1:
                result.append([first, last])
            elif result[-1][1] < last:
                result[-1][1] = last
        return Intervals(tuple((first, last) for first, last in result))

    def total(self) -> int:
        """How many indexes the intervals hold."""
        return sum(last - first + 1 for first, last in self.spans)

    def has(self, index: int) -> bool:
        """Whether `index` is in one of the intervals."""
        at = bisect.bisect_left([last for _, last in self.spans], index)
        return at < len(self.spans) and self.spans[at][0] <= index

    def __str__(self) -> str:
        parts = []
        for first, last in self.spans:
            if last == first:
                parts.append(str(first))
            elif last == first + 1:
                parts.append(f"{first},{last}")
            else:
                parts.append(f"{first}-{last}")
        return ",".join(parts)


def parse(text: str, completions: int) -> Intervals:
    """parseIndexesFromString: `status.completedIndexes` as intervals below `completions`."""
    if not text:
        return Intervals()
    result: list[list[int]] = []
    for piece in text.split(","):
        limits = piece.split("-")
        first = _atoi(limits[0])
        if first is None:
            continue  # "Corrupted indexes interval, ignoring"
        if first >= completions:
            break
        last = first
        if len(limits) > 1:
            parsed = _atoi(limits[1])
            if parsed is None:
                continue
            last = min(parsed, completions - 1)
        if result and result[-1][1] == first - 1:
            result[-1][1] = last
        else:
            result.append([first, last])
    return Intervals(tuple((first, last) for first, last in result))


def completion_index(annotations: Any) -> int:
    """getCompletionIndex: a Pod's index from its annotation; UNKNOWN if none or invalid."""
    if not isinstance(annotations, Mapping):
        return UNKNOWN
    value = _atoi(annotations.get(COMPLETION_INDEX))
    return UNKNOWN if value is None or value < 0 else value


def generate_name(job_name: str, index: int) -> str:
    """podGenerateNameWithIndex: `<job>-<index>-`, the job name cut so that the prefix
    fits the 58 characters a generated name's base may have."""
    suffix = f"-{index}-"
    prefix = job_name + suffix
    if len(prefix) > GENERATED_BASE_MAX:
        prefix = prefix[: GENERATED_BASE_MAX - len(suffix)] + suffix
    return prefix


def _atoi(value: Any) -> int | None:
    """Go's strconv.Atoi: an optional sign and decimal digits, nothing else."""
    if not isinstance(value, str):
        return None
    digits = value[1:] if value.startswith(("+", "-")) else value
    if not digits or not digits.isascii() or not digits.isdigit():
        return None
    return int(value)
