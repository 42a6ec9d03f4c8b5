"""The one reconcile engine's pass, on a scripted kind: the steps in order, a wrong guess
read again, and events held until the status is written (or the pass failed)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pytest
import trio

from mcp.engine import reconciler
from mcp.engine.reconciler import Settled
from mcp.events import Happened, Involved, Occurred, Recorder

POD = Involved("v1", "Pod", "web", "uid-1", "ns")


@dataclass
class Scripted:
    """A kind whose steps write down what they were given; `guess_wrong` makes the first
    act find its guess wrong, `fail_in` raises in that step."""

    queue: trio.MemoryReceiveChannel[Occurred]
    guess_wrong: bool = False
    fail_in: str = ""
    steps: list[str] = field(default_factory=list)
    queued_at_report: int = -1

    def _step(self, name: str) -> None:
        self.steps.append(name)
        if name.split(":")[0] == self.fail_in:
            raise RuntimeError(name)

    async def read(self, *, may_guess: bool) -> str:
        self._step(f"read:{'guess' if may_guess else 'look'}")
        return "guessed" if may_guess else "looked"

    def noticed(self, situation: str) -> Sequence[Happened]:
        return (Happened(POD, "Scheduled", f"noticed on {situation}"),)

    def decide(self, situation: str) -> str:
        self._step(f"decide:{situation}")
        return f"decision on {situation}"

    async def act(self, situation: str, decision: str) -> str:
        self._step(f"act:{decision}")
        return "wrong" if self.guess_wrong and situation == "guessed" else "done"

    def guessed_wrong(self, outcome: str) -> bool:
        return outcome == "wrong"

    async def look_again(self, situation: str, outcome: str) -> str:
        self._step(f"look_again:{outcome}")
        return "after"

    def settle(self, situation: str, decision: str, outcome: str, after: str) -> Settled[str]:
        self._step(f"settle:{after}")
        return Settled("Running", (Happened(POD, "Started", "started"),), requeue_in_s=2.5)

    async def report(self, situation: str, settled: Settled[str]) -> None:
        self._step(f"report:{settled.report}")
        self.queued_at_report = self.queue.statistics().current_buffer_used


def _reasons(queue: trio.MemoryReceiveChannel[Occurred]) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    while True:
        try:
            occurred = queue.receive_nowait()
        except trio.WouldBlock:
            return out
        out.append((occurred.reason, occurred.message))


async def _pass(
    **script: object,
) -> tuple[Scripted, float | BaseException | None, list[tuple[str, str]]]:
    send, receive = trio.open_memory_channel[Occurred](10)
    kind = Scripted(receive, **script)  # type: ignore[arg-type]
    try:
        result: float | BaseException | None = await reconciler.reconcile(kind, Recorder(send))
    except RuntimeError as exc:
        result = exc
    return kind, result, _reasons(receive)


async def test_a_pass_runs_the_steps_in_order_and_releases_its_events_after_the_report() -> None:
    kind, due, events = await _pass()
    assert kind.steps == [
        "read:guess",
        "decide:guessed",
        "act:decision on guessed",
        "look_again:done",
        "settle:after",
        "report:Running",
    ]
    assert due == 2.5
    assert kind.queued_at_report == 0  # nothing queued before the status is written
    assert events == [("Scheduled", "noticed on guessed"), ("Started", "started")]


async def test_a_wrong_guess_is_read_again_without_guessing_and_decided_afresh() -> None:
    kind, _, events = await _pass(guess_wrong=True)
    assert kind.steps == [
        "read:guess",
        "decide:guessed",
        "act:decision on guessed",
        "read:look",
        "decide:looked",
        "act:decision on looked",
        "look_again:done",
        "settle:after",
        "report:Running",
    ]
    assert events == [("Scheduled", "noticed on guessed"), ("Started", "started")]


@pytest.mark.parametrize("step", ["decide", "act", "look_again", "settle", "report"])
async def test_what_the_reading_noticed_is_recorded_when_a_later_step_fails(step: str) -> None:
    kind, result, events = await _pass(fail_in=step)
    assert isinstance(result, RuntimeError)
    assert kind.steps[-1].split(":")[0] == step
    assert events[0] == ("Scheduled", "noticed on guessed")
    # The settled events exist only once settle has returned.
    assert (("Started", "started") in events) == (step == "report")


async def test_a_failed_read_records_nothing() -> None:
    kind, result, events = await _pass(fail_in="read")
    assert isinstance(result, RuntimeError)
    assert kind.steps == ["read:guess"]
    assert events == []
