"""The request guard's decisions (Host, Origin, Sec-Fetch-Site, body type), one row each."""

from __future__ import annotations

import pytest

from mcp.api import guard
from mcp.api.guard import Admission, Policy, Refusal

LOCAL = Policy.for_listener("127.0.0.1", 8080)
CONFIGURED = Policy.for_listener(
    "127.0.0.1",
    8080,
    extra_hosts=["mcp.lan"],
    allowed_origins=["http://localhost:3000", "https://dash.example:443"],
)
JSON_BODY = {"content-type": "application/json", "content-length": "12"}


@pytest.mark.parametrize(
    ("policy", "method", "headers", "expected"),
    [
        pytest.param(LOCAL, "GET", {"host": "127.0.0.1:8080"}, Admission(), id="loopback-ip"),
        pytest.param(LOCAL, "GET", {"host": "localhost:8080"}, Admission(), id="localhost"),
        pytest.param(LOCAL, "GET", {"host": "LOCALHOST."}, Admission(), id="localhost-any-case"),
        pytest.param(LOCAL, "GET", {"host": "[::1]:8080"}, Admission(), id="ipv6-loopback"),
        pytest.param(LOCAL, "GET", {"host": "10.1.2.3:8080"}, Admission(), id="any-ip-literal"),
        pytest.param(LOCAL, "GET", {}, Admission(), id="no-host-http-1.0"),
        pytest.param(
            LOCAL, "GET", {"host": "attacker.example:8080"}, 421, id="rebinding-host-name"
        ),
        pytest.param(LOCAL, "GET", {"host": "localhost.attacker.example"}, 421, id="lookalike"),
        pytest.param(LOCAL, "GET", {"host": "a b"}, 421, id="malformed-host"),
        pytest.param(LOCAL, "GET", {"host": "user@localhost"}, 421, id="userinfo-in-host"),
        pytest.param(CONFIGURED, "GET", {"host": "mcp.lan:8080"}, Admission(), id="added-name"),
        pytest.param(
            Policy.for_listener("box.internal", 8080),
            "GET",
            {"host": "box.internal:8080"},
            Admission(),
            id="listen-host-name",
        ),
        pytest.param(
            LOCAL,
            "POST",
            {"host": "127.0.0.1:8080", "origin": "http://evil.example", **JSON_BODY},
            403,
            id="foreign-origin",
        ),
        pytest.param(
            LOCAL,
            "GET",
            {"host": "127.0.0.1:8080", "origin": "null"},
            403,
            id="opaque-origin",
        ),
        pytest.param(
            LOCAL,
            "POST",
            {"host": "localhost:8080", "origin": "http://localhost:3000", **JSON_BODY},
            403,
            id="another-local-port",
        ),
        pytest.param(
            LOCAL,
            "POST",
            {"host": "localhost:8080", "origin": "http://localhost:8080", **JSON_BODY},
            Admission(),
            id="own-origin",
        ),
        pytest.param(
            LOCAL,
            "GET",
            {"host": "localhost:8080", "sec-fetch-site": "cross-site"},
            403,
            id="sec-fetch-cross-site",
        ),
        pytest.param(
            LOCAL,
            "GET",
            {"host": "localhost:8080", "sec-fetch-site": "same-site"},
            403,
            id="sec-fetch-same-site",
        ),
        pytest.param(
            LOCAL,
            "GET",
            {"host": "localhost:8080", "sec-fetch-site": "none"},
            Admission(),
            id="typed-in-address-bar",
        ),
        pytest.param(
            CONFIGURED,
            "POST",
            {
                "host": "localhost:8080",
                "origin": "http://LOCALHOST:3000",
                "sec-fetch-site": "same-site",
                **JSON_BODY,
            },
            Admission("http://localhost:3000"),
            id="allowed-origin",
        ),
        pytest.param(
            CONFIGURED,
            "GET",
            {"host": "localhost:8080", "origin": "https://dash.example"},
            Admission("https://dash.example"),
            id="allowed-origin-default-port",
        ),
        pytest.param(
            LOCAL,
            "POST",
            {"host": "localhost:8080", "content-type": "text/plain", "content-length": "9"},
            415,
            id="text-plain-post",
        ),
        pytest.param(
            LOCAL,
            "POST",
            {
                "host": "localhost:8080",
                "content-type": "application/x-www-form-urlencoded",
                "content-length": "9",
            },
            415,
            id="form-post",
        ),
        pytest.param(
            LOCAL,
            "POST",
            {"host": "localhost:8080", "content-type": "multipart/form-data; boundary=x"},
            415,
            id="multipart-without-length",
        ),
        pytest.param(
            LOCAL,
            "POST",
            {"host": "localhost:8080", "content-length": "9"},
            415,
            id="body-without-type",
        ),
        pytest.param(
            LOCAL,
            "POST",
            {"host": "localhost:8080", "transfer-encoding": "chunked"},
            415,
            id="chunked-body-without-type",
        ),
        pytest.param(
            LOCAL,
            "POST",
            {"host": "localhost:8080", "content-type": "Application/JSON; charset=utf-8"},
            Admission(),
            id="json-with-charset",
        ),
        pytest.param(LOCAL, "POST", {"host": "localhost:8080"}, Admission(), id="post-no-body"),
        pytest.param(
            LOCAL,
            "POST",
            {"host": "localhost:8080", "content-length": "0"},
            Admission(),
            id="post-empty-body",
        ),
        pytest.param(
            LOCAL,
            "PATCH",
            {"host": "localhost:8080", "content-type": "application/merge-patch+json"},
            Admission(),
            id="merge-patch",
        ),
        pytest.param(
            LOCAL,
            "PUT",
            {"host": "localhost:8080", "content-type": "application/merge-patch+json"},
            415,
            id="merge-patch-on-put",
        ),
        pytest.param(
            LOCAL,
            "GET",
            {"host": "localhost:8080", "content-type": "text/plain"},
            Admission(),
            id="get-type-irrelevant",
        ),
    ],
)
def test_check(
    policy: Policy, method: str, headers: dict[str, str], expected: Admission | int
) -> None:
    verdict = guard.check(policy, method, headers, path="/containers/create")
    if isinstance(expected, int):
        assert isinstance(verdict, Refusal)
        assert verdict.status == expected
    else:
        assert verdict == expected


def test_refusals_say_what_to_change() -> None:
    host = guard.check(LOCAL, "GET", {"host": "attacker.example:8080"})
    assert isinstance(host, Refusal)
    assert "attacker.example" in host.detail
    assert "allowed_hosts" in host.detail
    origin = guard.check(LOCAL, "GET", {"host": "localhost", "origin": "http://evil.example"})
    assert isinstance(origin, Refusal)
    assert "http://evil.example" in origin.detail
    assert "allowed_origins" in origin.detail


@pytest.mark.parametrize(
    ("path", "headers", "expected"),
    [
        pytest.param("/api/v1/namespaces/default/configmaps", {}, Admission(), id="kube-untyped"),
        pytest.param("/containers/create", {}, 415, id="mcp-untyped"),
        pytest.param("/api/v1/containers", {}, 415, id="mcp-v1-untyped"),
        pytest.param(
            "/api/v1/namespaces/default/configmaps",
            {"content-type": "text/plain"},
            415,
            id="kube-text-plain",
        ),
        pytest.param(
            "/api/v1/namespaces/default/configmaps",
            {"origin": "http://evil.example"},
            403,
            id="kube-untyped-from-a-page",
        ),
    ],
)
def test_an_untyped_body_is_json_on_kubernetes_paths_only(
    path: str, headers: dict[str, str], expected: Admission | int
) -> None:
    request = {"host": "localhost:8080", "content-length": "2", **headers}
    verdict = guard.check(LOCAL, "POST", request, path=path)
    if isinstance(expected, int):
        assert isinstance(verdict, Refusal)
        assert verdict.status == expected
    else:
        assert verdict == expected


PROTOBUF = "application/vnd.kubernetes.protobuf"


@pytest.mark.parametrize(
    ("method", "path", "expected"),
    [
        pytest.param("POST", "/api/v1/namespaces/default/configmaps", Admission(), id="create"),
        pytest.param("PUT", "/api/v1/namespaces/default/configmaps/web", Admission(), id="replace"),
        pytest.param(
            "DELETE", "/apis/apps/v1/namespaces/default/deployments/web", Admission(), id="delete"
        ),
        pytest.param("PATCH", "/api/v1/namespaces/default/configmaps/web", 415, id="patch"),
        pytest.param("POST", "/api/v1/containers", 415, id="mcp-v1"),
        pytest.param("POST", "/containers/create", 415, id="mcp-seed"),
    ],
)
def test_kubernetes_protobuf_is_taken_for_whole_objects_on_kubernetes_paths(
    method: str, path: str, expected: Admission | int
) -> None:
    request = {"host": "localhost:8080", "content-type": PROTOBUF, "content-length": "40"}
    verdict = guard.check(LOCAL, method, request, path=path)
    if isinstance(expected, int):
        assert isinstance(verdict, Refusal)
        assert verdict.status == expected
    else:
        assert verdict == expected


async def _upgrade(extensions: dict[str, object], origin: str) -> list[dict[str, object]]:
    """What the guard sends for a WebSocket upgrade from `origin` (an app that must not run)."""
    sent: list[dict[str, object]] = []

    async def app(*_: object) -> None:
        raise AssertionError("a refused upgrade reached the app")

    async def receive() -> guard.Message:
        return {"type": "websocket.connect"}

    async def send(message: guard.Message) -> None:
        sent.append(dict(message))

    scope = {
        "type": "websocket",
        "path": "/api/v1/namespaces/default/pods/web/exec",
        "headers": [(b"host", b"127.0.0.1:8080"), (b"origin", origin.encode())],
        "extensions": extensions,
    }
    await guard.Guard(app, LOCAL)(scope, receive, send)
    return sent


async def test_a_websocket_from_another_origin_is_refused_before_the_upgrade() -> None:
    sent = await _upgrade({"websocket.http.response": {}}, "http://evil.example")
    assert [message["type"] for message in sent] == [
        "websocket.http.response.start",
        "websocket.http.response.body",
    ]
    assert sent[0]["status"] == 403
    assert b'"kind": "Status"' in sent[1]["body"]  # type: ignore[operator]


async def test_without_the_response_extension_the_refusal_is_a_close() -> None:
    assert await _upgrade({}, "http://evil.example") == [{"type": "websocket.close", "code": 1008}]
