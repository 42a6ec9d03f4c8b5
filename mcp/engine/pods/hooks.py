"""A container's lifecycle hooks, `postStart` and `preStop`: the kubelet's handler runner
(pkg/kubelet/lifecycle/handlers.go `HandlerRunner.Run`) on Docker.

A handler is `exec` (run in the container, as `docker exec`; a non-zero exit fails it),
`httpGet` (from the host to the Pod's IP, as a probe's: a status from 200 to 399
succeeds) or `sleep` (its seconds). `run` answers None when the handler succeeded, else
the kubelet's message for the FailedPostStartHook / FailedPreStopHook event. Every
handler runs under the caller's deadline: a preStop hook has the grace period, a
postStart hook `POST_START_TIMEOUT_S` (upstream has none; mcp will not let one hook hold
a Pod's pass forever). Docker away or the container gone fails the hook with what Docker
said.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import trio

from mcp.engine.pods import net_probes
from mcp.engine.pods.conditions import dict_of, format_pod
from mcp.engine.pods.probing import Verdict
from mcp.errors import RuntimeBusy, RuntimeRejected, RuntimeUnavailable
from mcp.kinds.apimachinery import go_quote
from mcp.runtime import Runtime
from mcp.stdcopy import STDERR

POST_START_TIMEOUT_S = 120.0
MAX_OUTPUT = 10 * 1024
FAILED_POST_START = "FailedPostStartHook"  # pkg/kubelet/events
FAILED_PRE_STOP = "FailedPreStopHook"


def go_strings(words: Sequence[str]) -> str:
    """Go's `%v` of a []string: `[sh -c exit 1]`."""
    return "[" + " ".join(words) + "]"


async def run(
    runtime: Runtime,
    pod: Mapping[str, Any],
    container: Mapping[str, Any],
    handler: Mapping[str, Any],
    *,
    container_id: str,
    pod_ip: str,
    timeout_s: float,
) -> str | None:
    """Run `handler` for the container's running attempt `container_id`; None when it
    succeeded, else why it failed, in the kubelet's words."""
    name = str(container.get("name"))
    where = f"for Container {go_quote(name)} in Pod {go_quote(format_pod(pod))}"
    if isinstance(exec_ := handler.get("exec"), dict):
        command = [str(word) for word in exec_.get("command") or []]
        failure = await _exec(runtime, container_id, command, timeout_s)
        if failure is None:
            return None
        error, output = failure
        return (
            f"Exec lifecycle hook ({go_strings(command)}) {where} failed - error: {error}, "
            f"message: {go_quote(output)}"
        )
    if isinstance(http := handler.get("httpGet"), dict):
        try:
            request = net_probes.http_request(http, container, pod_ip)
        except ValueError as exc:
            return f"HTTP lifecycle hook ({http.get('path') or ''}) {where} failed - error: {exc}"
        outcome = await net_probes.http_get(request, timeout_s)
        if outcome.error is None and outcome.verdict is not Verdict.FAILURE:
            return None
        error = outcome.error or outcome.output
        return f"HTTP lifecycle hook ({http.get('path') or ''}) {where} failed - error: {error}"
    if isinstance(sleep := handler.get("sleep"), dict):
        seconds = sleep.get("seconds")
        with trio.move_on_after(timeout_s):
            await trio.sleep(float(seconds) if isinstance(seconds, int) else 0.0)
        return None
    return f"Cannot run handler: invalid handler: {dict_of(handler)}"


async def _exec(
    runtime: Runtime, container_id: str, command: Sequence[str], timeout_s: float
) -> tuple[str, str] | None:
    """None when `command` exited 0 in the container; else the error and its output."""
    output = bytearray()  # stdout then stderr, as CombinedOutput
    errors = bytearray()
    try:
        with trio.move_on_after(timeout_s) as waited:
            async with runtime.open_exec(
                container_id, command=command, stdin=False, stdout=True, stderr=True, tty=False
            ) as process:
                while (chunk := await process.receive_some()) is not None:
                    kept = errors if chunk[0] == STDERR else output
                    kept += chunk[1][: MAX_OUTPUT - len(kept)]
                code = await process.wait_exit()
        if waited.cancelled_caught:
            return f"command '{' '.join(command)}' timed out", output.decode(errors="replace")
    except (RuntimeRejected, RuntimeUnavailable, RuntimeBusy) as exc:
        return str(exc), ""
    if code == 0:
        return None
    # cri-dockerd's ExecSync error names the exit and the standard error only.
    text = (output + errors).decode(errors="replace")
    return (
        f"command '{' '.join(command)}' exited with {code}: {errors.decode(errors='replace')}",
        text,
    )
