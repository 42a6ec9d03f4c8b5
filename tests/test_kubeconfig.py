"""The kubeconfig mcp writes: the server a local kubectl reaches, in kubectl's own format."""

from __future__ import annotations

import pytest
import yaml

from mcp.apiserver import kubeconfig


@pytest.mark.parametrize(
    ("host", "port", "url"),
    [
        pytest.param("127.0.0.1", 8080, "http://127.0.0.1:8080", id="loopback"),
        pytest.param("0.0.0.0", 9000, "http://127.0.0.1:9000", id="every-ipv4-interface"),
        pytest.param("::", 9000, "http://[::1]:9000", id="every-ipv6-interface"),
        pytest.param("::1", 8080, "http://[::1]:8080", id="ipv6-loopback"),
        pytest.param("localhost", 8080, "http://localhost:8080", id="a-name"),
    ],
)
def test_server_url(host: str, port: int, url: str) -> None:
    assert kubeconfig.server_url(host, port) == url


def test_render_is_a_complete_kubeconfig() -> None:
    document = yaml.safe_load(kubeconfig.render("http://127.0.0.1:8080"))
    assert document["current-context"] == "mcp"
    assert document["clusters"] == [{"name": "mcp", "cluster": {"server": "http://127.0.0.1:8080"}}]
    assert document["contexts"] == [
        {"name": "mcp", "context": {"cluster": "mcp", "user": "mcp", "namespace": "default"}}
    ]
    assert document["users"] == [{"name": "mcp", "user": {}}]
