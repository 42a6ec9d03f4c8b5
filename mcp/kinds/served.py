"""Every Kubernetes kind mcp's generic storage path serves, in one tuple: the core group's
(`core`), apps/v1's (`apps`) and batch/v1's (`batch`).

What the API routes, discovery, OpenAPI, the watch cache and the namespace controller
work over: a kind added to one of those modules and listed here is served everywhere.
mcp's own Container kind (`containers`) is served by mcp's handlers, not in this list.
"""

from __future__ import annotations

from mcp.kinds import apps, batch, core

KINDS = (*core.KINDS, *apps.KINDS, *batch.KINDS)
