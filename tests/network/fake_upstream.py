"""A host resolver for tests: trio UDP and TCP sockets on loopback that answer A queries.

`serving(FakeUpstream(...))` binds 127.0.0.1 on a free port (UDP and TCP alike) and answers
every A query with `addresses` (TTL 60), other types with NODATA; `received` notes each
query as (transport, name, id). Options make it misbehave the ways a real one does:
answer UDP truncated (TC, no records) so the full answer comes over TCP, send garbage and
an answer under another id before the real one, or never answer at all.
"""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import dns.flags
import dns.message
import dns.rdatatype
import dns.rrset
import trio

from mcp.network import framing

ADDRESS = "192.0.2.10"  # TEST-NET-1: never a real host


@dataclass
class FakeUpstream:
    addresses: list[str] = field(default_factory=lambda: [ADDRESS])
    truncate_udp: bool = False
    noise_first: bool = False
    silent: bool = False
    port: int = 0
    received: list[tuple[str, str, int]] = field(default_factory=list)

    @property
    def address(self) -> tuple[str, int]:
        return ("127.0.0.1", self.port)

    def respond(self, wire: bytes, transport: str) -> bytes | None:
        query = dns.message.from_wire(wire)
        question = query.question[0]
        self.received.append((transport, question.name.to_text(), query.id))
        if self.silent:
            return None
        response = dns.message.make_response(query, recursion_available=True)
        if transport == "udp" and self.truncate_udp:
            response.flags |= dns.flags.TC
        elif question.rdtype == dns.rdatatype.A:
            response.answer.append(
                dns.rrset.from_text_list(question.name, 60, "IN", "A", self.addresses)
            )
        return response.to_wire(max_size=65535)


@asynccontextmanager
async def serving(upstream: FakeUpstream | None = None) -> AsyncIterator[FakeUpstream]:
    """`upstream` (a well-behaved one by default) answering until the block ends."""
    upstream = upstream or FakeUpstream()
    udp, listeners = await _bind_both()
    upstream.port = udp.getsockname()[1]
    async with trio.open_nursery() as nursery:
        nursery.start_soon(_serve_udp, upstream, udp)
        nursery.start_soon(trio.serve_listeners, _tcp_handler(upstream), listeners)
        yield upstream
        nursery.cancel_scope.cancel()


async def _bind_both(tries: int = 5) -> tuple[trio.socket.SocketType, list[trio.SocketListener]]:
    """A UDP socket and TCP listeners on one free loopback port: the UDP port found free
    may be taken for TCP (other tests bind too), so another is tried."""
    for attempt in range(tries):
        udp = trio.socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        await udp.bind(("127.0.0.1", 0))
        try:
            return udp, await trio.open_tcp_listeners(udp.getsockname()[1], host="127.0.0.1")
        except OSError:
            udp.close()
            if attempt == tries - 1:
                raise
    raise AssertionError("unreachable")


async def _serve_udp(upstream: FakeUpstream, udp: trio.socket.SocketType) -> None:
    with udp:
        while True:
            wire, peer = await udp.recvfrom(65535)
            reply = upstream.respond(wire, "udp")
            if reply is None:
                continue
            if upstream.noise_first:
                await udp.sendto(b"\x00garbage", peer)
                other_id = ((int.from_bytes(reply[:2], "big") + 1) % 65536).to_bytes(2, "big")
                await udp.sendto(other_id + reply[2:], peer)
            await udp.sendto(reply, peer)


def _tcp_handler(upstream: FakeUpstream) -> Callable[[trio.SocketStream], Awaitable[None]]:
    async def handle(stream: trio.SocketStream) -> None:
        async with stream:
            reader = framing.FrameReader(stream)
            while (wire := await reader.receive()) is not None:
                reply = upstream.respond(wire, "tcp")
                if reply is not None:
                    await stream.send_all(framing.frame(reply))

    return handle
