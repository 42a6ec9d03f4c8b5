"""The framework floor of the kube scenario: a bare quart-trio handler on hypercorn.

    python -m bench.kube_floor HOST:PORT BODY_FILE

Answers `GET /api/v1/namespaces/<namespace>/configmaps/<name>` with the bytes of
BODY_FILE (a ConfigMap as mcp serves it) as `application/json`, and nothing else: the
same framework, server, worker and route shape as mcp's API, without mcp's middleware
(guard, access log), lookups or encoding. It runs until SIGTERM or SIGINT.
"""

from __future__ import annotations

import signal
import sys
from pathlib import Path

import trio
from hypercorn.config import Config
from hypercorn.trio import serve
from quart import Response
from quart_trio import QuartTrio


def create_app(body: bytes) -> QuartTrio:
    app = QuartTrio(__name__)

    @app.get("/api/v1/namespaces/<namespace>/configmaps/<name>")
    async def configmap(namespace: str, name: str) -> Response:
        return Response(body, 200, content_type="application/json")

    return app


async def serve_floor(bind: str, body: bytes) -> None:
    config = Config()
    config.bind = [bind]
    config.accesslog = None  # the floor is the framework alone
    stopped = trio.Event()

    async def stop_on_signal() -> None:
        with trio.open_signal_receiver(signal.SIGTERM, signal.SIGINT) as signals:
            async for _ in signals:
                stopped.set()
                return

    async with trio.open_nursery() as nursery:
        nursery.start_soon(stop_on_signal)
        await serve(create_app(body), config, shutdown_trigger=stopped.wait)
        nursery.cancel_scope.cancel()


def main() -> None:
    bind, body_file = sys.argv[1], Path(sys.argv[2])
    trio.run(serve_floor, bind, body_file.read_bytes())


if __name__ == "__main__":
    main()
