"""What a web page can do to a local `mcp run`: nothing, unless the user allows its origin.

A page can send "simple" cross-site requests (a `text/plain` or form POST needs no CORS
preflight), and a page whose host name is re-pointed at 127.0.0.1 (DNS rebinding) reaches
mcp with its own name in `Host`. Each such request is refused before any handler runs, and
nothing is written; curl and client libraries, which send no `Origin`, work as before.
"""

from __future__ import annotations

import json
import subprocess

import docker
import httpx
import pytest
from support.api import SLEEPER, assert_status, body_of, unique_name
from support.launcher import McpLauncher
from support.mcp_process import McpProcess

pytestmark = pytest.mark.e2e

EVIL = "http://evil.example"


def seed_body(image: str, name: str) -> str:
    return json.dumps({"image": image, "cmd": SLEEPER, "name": name, "state": "running"})


def assert_nothing_named(api: httpx.Client, docker_client: docker.DockerClient, name: str) -> None:
    assert_status(api.get(f"/containers/{name}"), 404)
    assert_status(api.get(f"/api/v1/containers/{name}"), 404)
    assert docker_client.containers.list(all=True, filters={"name": f"mcp-{name}"}) == []


def assert_refused(response: httpx.Response, status: int) -> None:
    assert_status(response, status)
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["status"] == status
    assert "access-control-allow-origin" not in response.headers


def test_browser_requests_are_refused_and_write_nothing(
    mcp: McpProcess, docker_client: docker.DockerClient, busybox_image: str
) -> None:
    port = mcp.url.rsplit(":", 1)[1]
    with httpx.Client(base_url=mcp.url, timeout=30.0) as api:
        # The first request: a text/plain POST from a page of another site.
        name = unique_name("csrf")
        answer = api.post(
            "/containers/create?wait=0",
            content=seed_body(busybox_image, name),
            headers={"Content-Type": "text/plain", "Origin": EVIL},
        )
        assert_refused(answer, 403)
        assert EVIL in answer.json()["detail"]
        assert_nothing_named(api, docker_client, name)

        # A form POST from a foreign origin, as an HTML <form> sends it.
        answer = api.post(
            "/containers/create?wait=0",
            content=seed_body(busybox_image, name),
            headers={"Content-Type": "application/x-www-form-urlencoded", "Origin": EVIL},
        )
        assert_refused(answer, 403)
        # Marked cross-site by the browser, with no Origin header (a no-cors GET or a POST).
        answer = api.post(
            "/containers/create?wait=0",
            content=seed_body(busybox_image, name),
            headers={"Content-Type": "application/json", "Sec-Fetch-Site": "cross-site"},
        )
        assert_refused(answer, 403)
        # Even without any browser header, a text/plain body is not taken for JSON.
        answer = api.post(
            "/containers/create?wait=0",
            content=seed_body(busybox_image, name),
            headers={"Content-Type": "text/plain"},
        )
        assert_refused(answer, 415)
        answer = api.post(
            "/api/v1/containers?wait=0",
            content=json.dumps({"metadata": {"name": name}, "spec": {"image": busybox_image}}),
            headers={"Content-Type": "text/plain"},
        )
        assert_refused(answer, 415)
        # A body-less start from another site (a <form method=post> with nothing in it).
        answer = api.post(
            f"/containers/{name}/start",
            headers={"Content-Type": "application/x-www-form-urlencoded", "Origin": EVIL},
        )
        assert_refused(answer, 403)
        assert_nothing_named(api, docker_client, name)

        # The second request: DNS rebinding, a foreign name in Host.
        created = body_of(
            api.post(
                "/containers/create",
                json={"image": busybox_image, "cmd": SLEEPER, "name": unique_name("own")},
            ),
            201,
        )
        answer = api.get("/containers", headers={"Host": f"attacker.example:{port}"})
        assert_refused(answer, 421)
        assert created["name"] not in answer.text
        # A watch stream with a foreign Host: refused at once, not a stream.
        with api.stream(
            "GET",
            "/api/v1/containers",
            params={"watch": "true"},
            headers={"Host": f"attacker.example:{port}"},
        ) as stream:
            assert stream.status_code == 421
            body = stream.read()
        assert created["name"].encode() not in body
        answer = api.get("/healthz", headers={"Host": "rebound.attacker.example"})
        assert_refused(answer, 421)

        # Programs without Origin work: Python clients, and curl as the README types it.
        assert_status(api.get("/containers", headers={"Host": f"localhost:{port}"}), 200)
        assert "access-control-allow-origin" not in api.get("/containers").headers
        curl_name = unique_name("curl")
        typed = subprocess.run(
            [
                "curl",
                "-s",
                "--fail-with-body",
                "-X",
                "POST",
                f"localhost:{port}/containers/create",
                "-H",
                "Content-Type: application/json",
                "-d",
                seed_body(busybox_image, curl_name),
            ],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert typed.returncode == 0, typed.stdout + typed.stderr
        assert json.loads(typed.stdout)["status"]["phase"] == "Running"
        # A CORS preflight from a page gets no permission by default.
        preflight = api.options(
            "/containers/create",
            headers={"Origin": EVIL, "Access-Control-Request-Method": "POST"},
        )
        assert_refused(preflight, 403)


def test_an_allowed_origin_and_host_name_are_served_with_cors(
    mcp_launcher: McpLauncher, docker_client: docker.DockerClient, busybox_image: str
) -> None:
    page = "http://localhost:3000"
    process = mcp_launcher.start(
        extra_args=["--allowed-origins", page, "--allowed-hosts", "mcp.lan"]
    )
    port = process.url.rsplit(":", 1)[1]
    with httpx.Client(base_url=process.url, timeout=30.0) as api:
        preflight = api.options(
            "/containers/create",
            headers={
                "Origin": page,
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "content-type",
            },
        )
        assert_status(preflight, 204)
        assert preflight.headers["access-control-allow-origin"] == page
        assert "POST" in preflight.headers["access-control-allow-methods"]
        assert preflight.headers["access-control-allow-headers"] == "content-type"

        name = unique_name("page")
        answer = api.post(
            "/containers/create?wait=0",
            content=seed_body(busybox_image, name),
            headers={
                "Content-Type": "application/json",
                "Origin": page,
                "Sec-Fetch-Site": "same-site",
            },
        )
        assert_status(answer, 202)
        assert answer.headers["access-control-allow-origin"] == page
        assert answer.headers["vary"] == "Origin"
        # Other origins stay refused, and the added name is served.
        assert_refused(api.get("/containers", headers={"Origin": "http://localhost:4000"}), 403)
        listed = api.get("/containers", headers={"Host": f"mcp.lan:{port}"})
        assert_status(listed, 200)
        assert name in [item["name"] for item in listed.json()["items"]]
        assert_refused(api.get("/containers", headers={"Host": f"other.lan:{port}"}), 421)
