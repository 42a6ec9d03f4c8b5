"""The cluster DNS server: every Pod's nameserver, on UDP and TCP at one address.

`serve` binds the address (the pod network's gateway, port 53, in production; loopback
and port 0 in tests), reports the bound port, and serves until cancelled. Each query's
bytes go to `resolver.decide`: a reply is sent at once from the receiving task (the zone
answers from memory); a forward runs in a task of its own under `forwarder.forward`'s
deadlines, at most `max_in_flight` at once, and a query past that is dropped and counted
(a flood costs a counter, not memory or sockets). TCP connections are served one query
after another, at most `MAX_CONNECTIONS` at once, each closed after `TCP_IDLE_S` without
a query. No one packet or connection ends the server: malformed queries get FORMERR or
nothing (logged at debug), and a peer that vanishes closes only its own connection.

Nurseries: `serve`'s holds the UDP loop and trio's TCP listener loop; the UDP loop's
holds its forwards; trio's holds the connections. Cancellation ends them all; the UDP
socket and the listeners are closed on the way out, whatever was running.

Counts every query in `mcp_dns_queries_total` by outcome (`resolver.Outcome`). Never
imports the Docker or etcd adapters: the caller hands it the address and the zone.
"""

from __future__ import annotations

import errno
import functools
import socket
from collections.abc import Sequence
from dataclasses import dataclass

import trio

from mcp import logs
from mcp.errors import ListenFailed
from mcp.metrics import Metrics
from mcp.network import forwarder, framing, resolver
from mcp.network.forwarder import Upstream
from mcp.network.resolver import Drop, Forward, Outcome, Reply
from mcp.network.zone import ClusterZone

# Forwarded queries in flight at once; each holds a socket until answered or timed out.
MAX_IN_FLIGHT = 256
MAX_CONNECTIONS = 64  # TCP connections at once; more are closed as they come
# RFC 7766 §6.2.3 asks servers to close idle connections after a few seconds.
TCP_IDLE_S = 10.0
SEND_S = 2.0  # a reply's write, UDP or TCP: a client that does not read is dropped
BIND_TRIES = 5  # for port 0: UDP's free port may be taken for TCP; try another
MAX_DATAGRAM = 65535

log = logs.get(actor="cluster_dns")


@dataclass(frozen=True)
class _Server:
    zone: ClusterZone
    upstreams: tuple[Upstream, ...]
    metrics: Metrics
    attempt_s: float
    in_flight: trio.CapacityLimiter
    connections: trio.CapacityLimiter


async def serve(
    bind: tuple[str, int],
    zone: ClusterZone,
    upstreams: Sequence[Upstream],
    *,
    metrics: Metrics,
    attempt_s: float = forwarder.ATTEMPT_S,
    max_in_flight: int = MAX_IN_FLIGHT,
    task_status: trio.TaskStatus[int] = trio.TASK_STATUS_IGNORED,
) -> None:
    """Serve DNS on `bind` (UDP and TCP) until cancelled.

    Args:
        bind: an IP address and a port; port 0 picks a free one, the same for both.
        zone: the cluster's names.
        upstreams: the host's resolvers, for every other name (none: SERVFAIL for them).
        metrics: where queries are counted.
        attempt_s: each forwarding attempt's deadline.
        max_in_flight: forwarded queries at once; more are dropped.
        task_status: reports started with the bound port, once both sockets listen.

    Raises:
        ListenFailed: the address cannot be bound (in use, not this host's, port 53
            without the privilege).
    """
    host, port = bind
    udp, listeners = await _bind(host, port)
    bound = int(udp.getsockname()[1])
    server = _Server(
        zone,
        tuple(upstreams),
        metrics,
        attempt_s,
        in_flight=trio.CapacityLimiter(max_in_flight),
        connections=trio.CapacityLimiter(MAX_CONNECTIONS),
    )
    try:
        async with trio.open_nursery() as nursery:
            nursery.start_soon(_serve_udp, server, udp)
            nursery.start_soon(
                trio.serve_listeners, functools.partial(_serve_connection, server), listeners
            )
            log.info(
                "cluster_dns_serving",
                address=host,
                port=bound,
                domain=zone.domain.to_text(),
                upstreams=[forwarder.address_text(upstream) for upstream in upstreams],
            )
            if not server.upstreams:
                log.warning("cluster_dns_without_upstreams", address=host, port=bound)
            task_status.started(bound)
    finally:
        # No await: this runs under cancellation. trio closes each listener once its loop
        # has run; one cancelled before that is closed here (a second close is harmless).
        udp.close()
        for listener in listeners:
            listener.socket.close()
        log.info("cluster_dns_stopped", address=host, port=bound)


async def _bind(host: str, port: int) -> tuple[trio.socket.SocketType, list[trio.SocketListener]]:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    failure: OSError | None = None
    for _ in range(BIND_TRIES if port == 0 else 1):
        udp = trio.socket.socket(family, socket.SOCK_DGRAM)
        try:
            await udp.bind((host, port))
            listeners = await trio.open_tcp_listeners(udp.getsockname()[1], host=host)
        except OSError as exc:
            udp.close()
            failure = exc
            if port == 0 and exc.errno == errno.EADDRINUSE:
                continue
            break
        except BaseException:  # cancelled while binding: the socket is not handed out
            udp.close()
            raise
        return udp, listeners
    raise ListenFailed(f"cluster DNS cannot listen on {host}:{port}: {failure}") from failure


async def _serve_udp(server: _Server, udp: trio.socket.SocketType) -> None:
    async with trio.open_nursery() as forwards:
        while True:
            try:
                wire, peer = await udp.recvfrom(MAX_DATAGRAM)
            except (ConnectionRefusedError, ConnectionResetError) as exc:
                # An ICMP error about an earlier reply, where the kernel reports it here.
                log.debug("dns_receive_failed", error=repr(exc))
                continue
            decision = resolver.decide(wire, server.zone)
            match decision:
                case Drop(reason=reason):
                    _dropped(server, reason, peer, len(wire))
                case Reply(message=message, outcome=outcome):
                    _note(outcome, peer, len(wire))
                    await _send_udp(server, udp, peer, resolver.render_udp(message), outcome)
                case Forward():
                    token = object()
                    try:
                        server.in_flight.acquire_on_behalf_of_nowait(token)
                    except trio.WouldBlock:
                        _dropped(server, "busy", peer, len(wire))
                        continue
                    forwards.start_soon(_forward_udp, server, udp, peer, decision, token)


async def _forward_udp(
    server: _Server,
    udp: trio.socket.SocketType,
    peer: tuple[str, int],
    decision: Forward,
    token: object,
) -> None:
    try:
        answer = await forwarder.forward(
            decision, server.upstreams, over_tcp=False, attempt_s=server.attempt_s
        )
    finally:
        server.in_flight.release_on_behalf_of(token)
    outcome: Outcome
    if answer is None:
        wire, outcome = resolver.render_udp(resolver.servfail(decision.query).message), "servfail"
    else:
        wire, outcome = forwarder.fit(answer, resolver.udp_limit(decision.query)), "forwarded"
    await _send_udp(server, udp, peer, wire, outcome)


async def _send_udp(
    server: _Server,
    udp: trio.socket.SocketType,
    peer: tuple[str, int],
    wire: bytes,
    outcome: Outcome,
) -> None:
    with trio.move_on_after(SEND_S) as scope:
        try:
            await udp.sendto(wire, peer)
        except OSError as exc:
            _dropped(server, "send_failed", peer, len(wire), error=repr(exc))
            return
    if scope.cancelled_caught:
        _dropped(server, "send_timed_out", peer, len(wire))
        return
    server.metrics.inc("mcp_dns_queries_total", outcome=outcome)


async def _serve_connection(server: _Server, stream: trio.SocketStream) -> None:
    peer = _peer(stream)
    async with stream:
        try:
            server.connections.acquire_nowait()
        except trio.WouldBlock:
            log.debug("dns_connection_refused", peer=forwarder.address_text(peer), reason="busy")
            return
        try:
            await _converse(server, stream, peer)
        except (trio.BrokenResourceError, EOFError) as exc:
            log.debug("dns_connection_broken", peer=forwarder.address_text(peer), error=repr(exc))
        finally:
            server.connections.release()


async def _converse(server: _Server, stream: trio.SocketStream, peer: tuple[str, int]) -> None:
    """One query after another until the client closes, idles or sends what is no query."""
    reader = framing.FrameReader(stream)
    while True:
        with trio.move_on_after(TCP_IDLE_S) as idle:
            wire = await reader.receive()
        if idle.cancelled_caught or wire is None:
            return
        decision = resolver.decide(wire, server.zone)
        outcome: Outcome
        match decision:
            case Drop(reason=reason):
                _dropped(server, reason, peer, len(wire))
                return
            case Reply(message=message, outcome=replied):
                outcome = replied
                _note(outcome, peer, len(wire))
                reply = resolver.render(message, MAX_DATAGRAM)
            case Forward():
                try:
                    server.in_flight.acquire_nowait()
                except trio.WouldBlock:
                    _dropped(server, "busy", peer, len(wire))
                    return
                try:
                    answer = await forwarder.forward(
                        decision, server.upstreams, over_tcp=True, attempt_s=server.attempt_s
                    )
                finally:
                    server.in_flight.release()
                if answer is None:
                    reply = resolver.render(resolver.servfail(decision.query).message, MAX_DATAGRAM)
                    outcome = "servfail"
                else:
                    reply, outcome = answer, "forwarded"
        with trio.move_on_after(SEND_S) as scope:
            await stream.send_all(framing.frame(reply))
        if scope.cancelled_caught:
            _dropped(server, "send_timed_out", peer, len(reply))
            return
        server.metrics.inc("mcp_dns_queries_total", outcome=outcome)


def _note(outcome: Outcome, peer: tuple[str, int], size: int) -> None:
    if outcome == "formerr":
        log.debug("dns_query_malformed", peer=forwarder.address_text(peer), size=size)


def _dropped(
    server: _Server, reason: str, peer: tuple[str, int], size: int, **context: str
) -> None:
    server.metrics.inc("mcp_dns_queries_total", outcome="dropped")
    log.debug(
        "dns_query_dropped", reason=reason, peer=forwarder.address_text(peer), size=size, **context
    )


def _peer(stream: trio.SocketStream) -> tuple[str, int]:
    try:
        address = stream.socket.getpeername()
    except OSError:
        return ("?", 0)
    return (str(address[0]), int(address[1]))
