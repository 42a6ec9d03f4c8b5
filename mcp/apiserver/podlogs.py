"""`GET /api/v1/namespaces/{namespace}/pods/{name}/log`: a Pod container's log, as
kube-apiserver serves it (`pkg/registry/core/pod/rest/log.go`) with a kubelet behind it.

In the order upstream answers: the options decoded (400) and checked (422), the Pod from
the watch cache (404), its container chosen (400), an unscheduled Pod's log empty (200),
then the Docker attempt the kubelet would read (its 400s: waiting to start, no previous),
found from one list of this cluster's containers (`engine.pods.lookup`). The answer is
`text/plain`, chunked as Docker gives it, cut after `limitBytes`; a follow has no timeout
and lasts until the container stops or the client leaves, and its stream's thread ends
with it (`runtime.open_logs`). Everything before the first byte is answered as a
`Status`; a stream that breaks later just ends, as upstream's does.

The only route of the API that reads Docker (`ApiContext.runtime`); an API-only replica,
which has no Docker, answers 503.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from dataclasses import replace

import trio
from quart import Blueprint, Response, request
from quart_schema import hide

from mcp import logs
from mcp.api.common import ApiContext
from mcp.apiserver import logoptions, reads
from mcp.apiserver.status import KubeError, invalid
from mcp.engine.pods import lookup
from mcp.errors import RuntimeBusy, RuntimeRejected, RuntimeUnavailable
from mcp.kinds import core
from mcp.runtime import LogQuery, Runtime
from mcp.sandbox import PodRef

log = logs.get(actor="api")

PATH = "/api/v1/namespaces/<namespace>/pods/<name>/log"
# What the path is refused with for anything but GET (go-restful's 405, as `routes`).
METHOD_NOT_ALLOWED = "the server does not allow this method on the requested resource"
CONTENT_TYPE = "text/plain"  # LogREST's, exactly
CLOSING_POLL_S = 1.0  # how soon an open follow ends once mcp shuts down
# What upstream's 422 names: the options' kind, in the core group.
LOG_OPTIONS = replace(core.POD, kind="PodLogOptions")


def register(routes: Blueprint, ctx: ApiContext) -> None:
    """Add the log route to the Kubernetes blueprint."""

    async def pod_log(namespace: str, name: str) -> Response:
        if request.method not in ("GET", "HEAD"):
            raise KubeError(405, METHOD_NOT_ALLOWED)
        unknown = sorted(set(request.args) - logoptions.PARAMETERS)
        if unknown:
            raise KubeError(400, f"unknown query parameters: {', '.join(unknown)}")
        try:
            options = logoptions.decode(request.args.to_dict())  # each parameter's first value
            problems = logoptions.problems(options)
            if problems:
                raise invalid(LOG_OPTIONS, name, problems)
            pod = (await reads.get(ctx.cache, core.POD, namespace, name, None)).obj
            container = logoptions.container_name(pod, options.container)
            if not (pod.get("spec") or {}).get("nodeName"):
                return _answer(_nothing())  # no kubelet to ask: upstream streams nothing
            runtime = _runtime(ctx)
            ref = PodRef(name, namespace, str(pod["metadata"]["uid"]))
            found = await lookup.pod_containers(runtime, ctx.cluster_id, ref)
            chosen = logoptions.attempt(
                pod, container, found.get(container, ()), previous=options.previous
            )
            if request.method == "HEAD":
                return _answer(_nothing())  # what a GET would answer, without its stream
            query = logoptions.log_query(options, time.time())
            body = _stream(
                runtime,
                chosen.container_id,
                query,
                options.limit_bytes,
                closing=lambda: ctx.cache.closed,
            )
            await anext(body)  # opened: what fails up to here is answered as a Status
        except logoptions.Refused as exc:
            raise KubeError(400, str(exc)) from None
        except RuntimeBusy as exc:
            raise KubeError(429, str(exc)) from None
        except RuntimeRejected as exc:
            raise KubeError(400, str(exc)) from None
        except RuntimeUnavailable as exc:
            raise KubeError(503, f"Docker is unavailable, try again: {exc}") from None
        log.debug(
            "pod_log_opened",
            namespace=namespace,
            pod=name,
            container=container,
            docker_container=chosen.name,
            follow=options.follow,
        )
        return _answer(body)

    methods = ["GET", "POST", "PUT", "PATCH", "DELETE"]
    routes.add_url_rule(PATH, "pod_log", hide(pod_log), methods=methods)


def _runtime(ctx: ApiContext) -> Runtime:
    if ctx.runtime is None:
        raise KubeError(
            503, "this mcp serves the API only (no Docker): ask the one that runs the Pods"
        )
    return ctx.runtime


def _answer(body: AsyncIterator[bytes]) -> Response:
    response = Response(body, 200, content_type=CONTENT_TYPE)
    response.timeout = None  # a follow lasts as long as the container; quart's 60 s would end it
    return response


async def _nothing() -> AsyncIterator[bytes]:
    return
    yield b""  # pragma: no cover  # makes this an (empty) async generator


async def _stream(
    runtime: Runtime,
    container_id: str,
    query: LogQuery,
    limit: int | None,
    *,
    closing: Callable[[], bool],
) -> AsyncIterator[bytes]:
    """The log's chunks, after one empty chunk once the stream is open (the handler takes
    it, to answer the opening's failures as Statuses), at most `limit` bytes of them; a
    follow also ends, completely, once `closing()` says mcp is shutting down."""
    left = limit
    async with runtime.open_logs(container_id, query) as chunks:
        yield b""
        try:
            while True:
                # A response's generator cannot start a task to wait for the shutdown: it
                # looks between chunks, and at least every CLOSING_POLL_S. The scope holds
                # the wait only, never a yield (its deadline would cancel the caller), and
                # a wait cut short loses nothing: data is only taken once it is there.
                chunk: bytes | None = b""
                with trio.move_on_after(CLOSING_POLL_S):
                    chunk = await anext(chunks, None)
                if chunk is None:
                    return
                if chunk:
                    if left is not None:
                        chunk = chunk[:left]
                        left -= len(chunk)
                    yield chunk
                    if left == 0:
                        return  # the limit cuts the stream, a follow too
                if closing():
                    return
        except RuntimeUnavailable as exc:
            # The answer has begun: its status is said. It ends here, as upstream's does.
            log.warning("pod_log_broke", docker_container=container_id, error=str(exc))
