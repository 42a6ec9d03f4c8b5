"""The kubeconfig that points kubectl and the client libraries at this mcp.

`mcp run` writes one to `<data-dir>/kubeconfig` (mode 0600) once the API listens, and
`mcp kubeconfig` prints one. One cluster, one user and one context, all named `mcp`, with
`default` as the context's namespace. mcp has no authentication yet, so the user entry
carries no credential; kubectl then sends none.
"""

from __future__ import annotations

import ipaddress
from typing import Any

import yaml

NAME = "mcp"


def server_url(listen_host: str, listen_port: int) -> str:
    """The URL a local client reaches `listen_host:listen_port` at.

    An address that listens on every interface is reached on loopback.
    """
    host = listen_host
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        address = None
    if address is not None and address.is_unspecified:
        host = "127.0.0.1" if address.version == 4 else "::1"
        address = ipaddress.ip_address(host)
    if address is not None and address.version == 6:
        host = f"[{host}]"
    return f"http://{host}:{listen_port}"


def render(server: str, *, namespace: str = "default") -> str:
    """The kubeconfig document, as YAML."""
    document: dict[str, Any] = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": NAME, "cluster": {"server": server}}],
        "users": [{"name": NAME, "user": {}}],
        "contexts": [
            {"name": NAME, "context": {"cluster": NAME, "user": NAME, "namespace": namespace}}
        ],
        "current-context": NAME,
        "preferences": {},
    }
    text: str = yaml.safe_dump(document, sort_keys=False)
    return text
