"""`GET /version`: what kubectl and the client libraries read first.

mcp reports the Kubernetes version whose API it follows, with its own version as a
pre-release tag (`v1.37.0-mcp.0.1.0`): kubectl warns when the server is more than one
minor version away from it, and some wrappers pick their kubectl binary by this minor
version. The Python client's `VersionInfo` requires every field below.
"""

from __future__ import annotations

import platform
import sys
from typing import Any

from mcp import __version__

KUBERNETES_MAJOR = 1
KUBERNETES_MINOR = 37  # the kubectl pinned in the test dependencies is 1.37
BUILD_DATE = "2026-12-01T00:00:00Z"


def version_info() -> dict[str, Any]:
    machine = {"x86_64": "amd64", "aarch64": "arm64"}.get(platform.machine(), platform.machine())
    return {
        "major": str(KUBERNETES_MAJOR),
        "minor": str(KUBERNETES_MINOR),
        "gitVersion": f"v{KUBERNETES_MAJOR}.{KUBERNETES_MINOR}.0-mcp.{__version__}",
        "gitCommit": "",
        "gitTreeState": "clean",
        "buildDate": BUILD_DATE,
        "goVersion": f"python{sys.version_info.major}.{sys.version_info.minor}",
        "compiler": sys.implementation.name,
        "platform": f"{sys.platform}/{machine}",
    }
