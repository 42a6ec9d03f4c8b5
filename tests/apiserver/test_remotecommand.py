"""The remote command protocol, pure: subprotocols, framing, the error channel's Status,
resize messages, the request's options and the container it names."""

from __future__ import annotations

import json
from typing import Any

import pytest
from werkzeug.datastructures import MultiDict

from mcp.apiserver import remotecommand as rc
from mcp.apiserver.remotecommand import Closed, Data, Options, TerminalSize
from mcp.apiserver.status import KubeError


@pytest.mark.parametrize(
    ("offered", "chosen"),
    [
        pytest.param(["v5.channel.k8s.io"], rc.V5, id="kubectl"),
        pytest.param(["v5.channel.k8s.io", "v4.channel.k8s.io"], rc.V5, id="python-client"),
        pytest.param(["v4.channel.k8s.io", "v5.channel.k8s.io"], rc.V4, id="client-order"),
        pytest.param(["v4.channel.k8s.io"], rc.V4, id="older-client"),
        pytest.param(["channel.k8s.io", "base64.channel.k8s.io"], None, id="pre-v4"),
        pytest.param(["SPDY/3.1+portforward.k8s.io"], None, id="port-forward-tunnel"),
        pytest.param([], None, id="none"),
    ],
)
def test_the_first_offered_subprotocol_mcp_speaks_is_chosen(
    offered: list[str], chosen: str | None
) -> None:
    assert rc.negotiate(offered) == chosen


def test_an_unsupported_offer_is_refused_in_wsstreams_words() -> None:
    assert rc.unsupported(["channel.k8s.io", "base64.channel.k8s.io"]) == (
        "requested protocol(s) are not supported: [channel.k8s.io base64.channel.k8s.io]; "
        "supports [v5.channel.k8s.io v4.channel.k8s.io]"
    )


@pytest.mark.parametrize(
    ("message", "protocol", "parsed"),
    [
        pytest.param(b"\x00abc", rc.V5, Data(0, b"abc"), id="stdin"),
        pytest.param(b"\x04{}", rc.V4, Data(4, b"{}"), id="resize"),
        pytest.param(b"\x00", rc.V5, Data(0, b""), id="empty-stdin"),
        pytest.param(b"\xff\x00", rc.V5, Closed(0), id="v5-close-stdin"),
        pytest.param(b"\xff\x00", rc.V4, None, id="v4-has-no-close"),
        pytest.param(b"", rc.V5, None, id="empty-message"),
        pytest.param(b"\x07x", rc.V5, None, id="no-such-channel"),
    ],
)
def test_client_messages(message: bytes, protocol: str, parsed: Any) -> None:
    assert rc.parse(message, protocol) == parsed


@pytest.mark.parametrize(
    ("message", "error"),
    [
        pytest.param(b"\xff", "Got 0 bytes", id="close-without-channel"),
        pytest.param(b"\xff\x00\x01", "Got 2 bytes", id="close-of-two"),
        pytest.param(b"\xff\x09", "channel 9 that is not valid", id="close-of-no-channel"),
    ],
)
def test_malformed_closes_are_protocol_errors(message: bytes, error: str) -> None:
    with pytest.raises(rc.ProtocolError, match=error):
        rc.parse(message, rc.V5)


def test_frames_start_with_their_channel() -> None:
    assert rc.frame(rc.STDOUT, b"hi\n") == b"\x01hi\n"
    assert rc.frame(rc.ERROR) == b"\x03"


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        pytest.param(rc.success(), {"metadata": {}, "status": "Success"}, id="success"),
        pytest.param(
            rc.exited(3),
            {
                "metadata": {},
                "status": "Failure",
                "message": (
                    "command terminated with non-zero exit code: "
                    "command terminated with exit code 3"
                ),
                "reason": "NonZeroExitCode",
                "details": {"causes": [{"reason": "ExitCode", "message": "3"}]},
            },
            id="exit-3",
        ),
        pytest.param(
            rc.internal_error("error executing command in container: boom"),
            {
                "metadata": {},
                "status": "Failure",
                "message": "Internal error occurred: error executing command in container: boom",
                "reason": "InternalError",
                "details": {"causes": [{"message": "error executing command in container: boom"}]},
                "code": 500,
            },
            id="internal-error",
        ),
    ],
)
def test_statuses_as_the_translator_writes_them(status: bytes, expected: Any) -> None:
    assert json.loads(status) == expected


@pytest.mark.parametrize(
    ("exit_code", "exec_", "expected"),
    [
        pytest.param(0, True, rc.success(), id="exec-success"),
        pytest.param(126, True, rc.exited(126), id="exec-not-found"),
        pytest.param(None, False, rc.success(), id="attach-detached"),
    ],
)
def test_finished_sessions(exit_code: int | None, exec_: bool, expected: bytes) -> None:
    assert rc.finished(exit_code, exec_=exec_) == expected


def test_an_exec_gone_with_its_container_is_an_internal_error() -> None:
    status = json.loads(rc.finished(None, exec_=True))
    assert (status["reason"], status["code"]) == ("InternalError", 500)
    assert "its container is gone" in status["message"]


@pytest.mark.parametrize(
    ("chunks", "sizes", "broken"),
    [
        pytest.param([b'{"Width":80,"Height":24}'], [TerminalSize(80, 24)], False, id="kubectl"),
        pytest.param(
            [b'{"width":1,"height":2}{"Width":3,"Height":4}'],
            [TerminalSize(1, 2), TerminalSize(3, 4)],
            False,
            id="two-in-one-any-case",
        ),
        pytest.param(
            [b'{"Width":8', b'0,"Height":24}'], [TerminalSize(80, 24)], False, id="cut-in-two"
        ),
        pytest.param([b'{"Height":5}'], [TerminalSize(0, 5)], False, id="absent-is-zero"),
        pytest.param([b'{"Width":null,"Height":5}'], [TerminalSize(0, 5)], False, id="null-zero"),
        pytest.param([b'{"Width":-1,"Height":5}'], [], True, id="negative"),
        pytest.param([b'{"Width":70000,"Height":5}'], [], True, id="beyond-uint16"),
        pytest.param([b'{"Width":8.5,"Height":5}'], [], True, id="fraction"),
        pytest.param([b'{"Width":true,"Height":5}'], [], True, id="boolean"),
        pytest.param([b"[80,24]"], [], True, id="not-an-object"),
        pytest.param(
            [b'{"Width":1,"Height":1} nonsense', b'{"Width":2,"Height":2}'],
            [TerminalSize(1, 1)],
            True,
            id="nothing-after-garbage",
        ),
        pytest.param([b"\xff"], [], True, id="not-utf8"),
    ],
)
def test_resize_messages(chunks: list[bytes], sizes: list[TerminalSize], broken: bool) -> None:
    decoder = rc.ResizeDecoder()
    assert [size for chunk in chunks for size in decoder.feed(chunk)] == sizes
    assert decoder.broken is broken


def _options(query: list[tuple[str, str]], *, exec_: bool = True) -> Options:
    return rc.parse_options(MultiDict(query).getlist, exec_=exec_)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        pytest.param(
            [("command", "echo"), ("command", "hi"), ("container", "app"), ("stdout", "true")],
            Options("app", ("echo", "hi"), False, True, False, False),
            id="kubectl-exec",
        ),
        pytest.param(
            [("command", "sh"), ("stdin", "1"), ("stdout", "1"), ("stderr", "1"), ("tty", "1")],
            Options("", ("sh",), True, True, False, True),
            id="tty-bypasses-stderr",
        ),
        pytest.param(
            [("command", "x"), ("stdout", "False"), ("stderr", "0"), ("stdin", "")],
            Options("", ("x",), True, False, False, False),
            id="go-booleans",
        ),
    ],
)
def test_exec_options(query: list[tuple[str, str]], expected: Options) -> None:
    assert _options(query) == expected


def test_attach_takes_no_command() -> None:
    got = _options([("command", "ignored"), ("stdout", "true")], exec_=False)
    assert got == Options("", (), False, True, False, False)


@pytest.mark.parametrize(
    ("query", "exec_", "message"),
    [
        pytest.param([("stdout", "true")], True, rc.NO_COMMAND, id="no-command"),
        pytest.param([("command", "ls")], True, rc.NO_STREAMS, id="no-streams"),
        pytest.param(
            [("command", "ls"), ("stderr", "true"), ("tty", "true")],
            True,
            rc.NO_STREAMS,
            id="only-stderr-on-a-tty",
        ),
        pytest.param([("stdin", "false")], False, rc.NO_STREAMS, id="attach-no-streams"),
    ],
)
def test_refused_options(query: list[tuple[str, str]], exec_: bool, message: str) -> None:
    with pytest.raises(KubeError) as refused:
        _options(query, exec_=exec_)
    assert (refused.value.code, str(refused.value)) == (400, message)


def _pod(*containers: str, init: tuple[str, ...] = (), node: str = "node-1") -> dict[str, Any]:
    spec: dict[str, Any] = {"containers": [{"name": name} for name in containers]}
    if init:
        spec["initContainers"] = [{"name": name} for name in init]
    if node:
        spec["nodeName"] = node
    return {"metadata": {"name": "web", "namespace": "shop"}, "spec": spec}


@pytest.mark.parametrize(
    ("pod", "requested", "chosen"),
    [
        pytest.param(_pod("app"), "", "app", id="the-only-one"),
        pytest.param(_pod("a", "b"), "b", "b", id="named"),
        pytest.param(_pod("a", init=("setup",)), "setup", "setup", id="init-container"),
    ],
)
def test_the_container_a_request_addresses(
    pod: dict[str, Any], requested: str, chosen: str
) -> None:
    assert rc.choose_container(pod, requested) == chosen


@pytest.mark.parametrize(
    ("pod", "requested", "message"),
    [
        pytest.param(
            _pod("a", "b"),
            "",
            "a container name must be specified for pod web, choose one of: [a b]",
            id="two-unnamed",
        ),
        pytest.param(
            _pod("a", "b", init=("setup",)),
            "",
            "a container name must be specified for pod web, choose one of: [setup a b]",
            id="init-containers-listed-first",
        ),
        pytest.param(_pod(), "", "a container name must be specified for pod web", id="none"),
        pytest.param(_pod("a"), "nginx", "container nginx is not valid for pod web", id="unknown"),
    ],
)
def test_containers_refused_in_the_api_servers_words(
    pod: dict[str, Any], requested: str, message: str
) -> None:
    with pytest.raises(KubeError) as refused:
        rc.choose_container(pod, requested)
    assert (refused.value.code, str(refused.value)) == (400, message)


def test_a_pod_on_no_node_has_no_host() -> None:
    rc.check_node(_pod("a"))
    with pytest.raises(KubeError, match="pod web does not have a host assigned"):
        rc.check_node(_pod("a", node=""))


def test_nothing_running_in_the_kubelets_words() -> None:
    assert rc.not_running("app", _pod("app"), exec_=True) == 'container not found ("app")'
    assert (
        rc.not_running("app", _pod("app"), exec_=False) == "container app not found in pod web_shop"
    )
