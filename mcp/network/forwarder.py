"""Forwarding: the host's resolvers answer every name outside the cluster's zone.

The upstreams are the host's own (`nameserver` lines of `/etc/resolv.conf`, at most three
as glibc reads them, the cluster DNS address left out so a query never loops back), or a
list the configuration names. mcp runs on the host, so a loopback resolver such as
systemd-resolved's 127.0.0.53 is reachable, unlike from inside a Pod.

One query is forwarded as the client sent it, but under a fresh random id, from a fresh
UDP socket (a random source port): an off-path answer has to guess both. Answers that do
not match (another id, another question, garbage) are ignored until the deadline, not
taken as failure, as the "TuDoor" mitigation has it. A truncated UDP answer, or a client
that asked over TCP, goes over TCP. Each attempt runs under `attempt_s`; an attempt that
fails or runs out is retried once on the next upstream (the same one when there is only
one: a lost datagram is the usual failure). The answer goes back with the client's id;
None when no attempt got one, which the server answers SERVFAIL.

Every error of the network or of the upstream's bytes ends in a debug log line and
"no answer", never an exception out of `forward`; cancellation passes through.
"""

from __future__ import annotations

import ipaddress
import secrets
import socket
from collections.abc import Collection, Sequence
from pathlib import Path

import dns.exception
import dns.flags
import dns.message
import trio

from mcp import logs
from mcp.network import framing, resolver

Upstream = tuple[str, int]  # an IP address and a port

RESOLV_CONF = Path("/etc/resolv.conf")
DNS_PORT = 53
# glibc reads three nameservers (MAXNS) and ignores the rest; so does the forwarder.
MAX_UPSTREAMS = 3
# One attempt's budget: two attempts fit in 4 s, inside glibc's 5 s timeout, so a Pod's
# resolver gets SERVFAIL before it gives up on this server and asks again.
ATTEMPT_S = 2.0
ATTEMPTS = 2
MAX_DATAGRAM = 65535

log = logs.get(actor="cluster_dns")


def parse_resolv_conf(text: str, *, skip: Collection[str] = ()) -> tuple[Upstream, ...]:
    """The upstreams a `resolv.conf` names, in order, on port 53.

    Args:
        text: the file's content.
        skip: addresses never to forward to (the cluster DNS server's own).

    Returns:
        At most `MAX_UPSTREAMS`, lines that are not an IP address left out. A file
        without any nameserver means the local machine's, as glibc reads it.
    """
    skipped = {_normal(address) for address in skip}
    named: list[str] = []
    for line in text.splitlines():
        fields = line.split()
        if len(fields) < 2 or fields[0] != "nameserver":
            continue
        try:
            named.append(_normal(fields[1]))
        except ValueError:
            continue
    if not named:
        named = ["127.0.0.1"]
    upstreams = [address for address in named[:MAX_UPSTREAMS] if address not in skipped]
    return tuple((address, DNS_PORT) for address in upstreams)


async def read_resolv_conf(
    path: Path = RESOLV_CONF, *, skip: Collection[str] = ()
) -> tuple[Upstream, ...]:
    """`parse_resolv_conf` of the file at `path`; a file that cannot be read counts as
    empty (so the local machine's resolver), as glibc reads it."""
    try:
        text = await trio.Path(path).read_text()
    except (OSError, UnicodeDecodeError) as exc:
        log.warning("resolv_conf_unreadable", path=str(path), error=str(exc))
        text = ""
    return parse_resolv_conf(text, skip=skip)


async def choose_upstreams(
    configured: Sequence[Upstream], *, bind: Upstream, path: Path = RESOLV_CONF
) -> tuple[Upstream, ...]:
    """The upstreams a server bound at `bind` forwards to: the configured ones, else the
    host's from `path`; never `bind` itself, which would loop.

    Args:
        configured: the `cluster_dns_upstreams` setting; empty for the host's.
        bind: the cluster DNS server's own address and port.
        path: the host's `resolv.conf`.
    """
    if configured:
        own = (_normal(bind[0]), bind[1])
        return tuple(
            upstream for upstream in configured if (_normal(upstream[0]), upstream[1]) != own
        )
    return await read_resolv_conf(path, skip=[bind[0]] if bind[1] == DNS_PORT else [])


def _normal(address: str) -> str:
    """An address in its canonical text (`::1` for `0:0::1`), a zone index kept."""
    host, _, zone = address.partition("%")
    text = str(ipaddress.ip_address(host))
    return f"{text}%{zone}" if zone else text


def attempts(upstreams: Sequence[Upstream]) -> list[Upstream]:
    """Which upstream each attempt asks: the first, then the next (or the first again)."""
    if not upstreams:
        return []
    return [upstreams[index % len(upstreams)] for index in range(ATTEMPTS)]


async def forward(
    forwarded: resolver.Forward,
    upstreams: Sequence[Upstream],
    *,
    over_tcp: bool,
    attempt_s: float = ATTEMPT_S,
) -> bytes | None:
    """Ask the upstreams the forwarded query; the answer in wire format with the client's
    id, or None.

    Args:
        forwarded: the resolver's decision to forward, with the client's bytes.
        upstreams: where to ask, in order.
        over_tcp: ask over TCP from the start (the client did).
        attempt_s: each attempt's deadline.
    """
    ident = secrets.randbits(16)
    sent = ident.to_bytes(2, "big") + forwarded.wire[2:]
    outgoing = dns.message.from_wire(sent, question_only=True)
    for upstream in attempts(upstreams):
        with trio.move_on_after(attempt_s):
            try:
                if over_tcp:
                    answer = await _ask_tcp(upstream, outgoing, sent)
                else:
                    answer = await _ask_udp(upstream, outgoing, sent)
            except (OSError, EOFError, trio.BrokenResourceError, _NotAnAnswer) as exc:
                log.debug("dns_upstream_failed", upstream=address_text(upstream), error=repr(exc))
                continue
            return forwarded.query.id.to_bytes(2, "big") + answer[2:]
        log.debug("dns_upstream_timed_out", upstream=address_text(upstream), deadline_s=attempt_s)
    return None


def fit(answer: bytes, max_size: int) -> bytes:
    """`answer` for a UDP client taking `max_size` bytes: as it is when it fits, else cut
    to what fits with TC set (the client asks again over TCP)."""
    if len(answer) <= max_size:
        return answer
    try:
        message = dns.message.from_wire(answer)
    except dns.exception.DNSException:
        # Not ours to mend: the header and question, with TC, still send the client to TCP.
        message = dns.message.from_wire(answer, question_only=True)
        message.flags |= dns.flags.TC
    return resolver.render(message, max_size)


class _NotAnAnswer(Exception):
    """A TCP upstream sent something that does not answer the query."""


async def _ask_udp(upstream: Upstream, outgoing: dns.message.Message, sent: bytes) -> bytes:
    with trio.socket.socket(_family(upstream), socket.SOCK_DGRAM) as sock:
        await sock.connect(upstream)
        await sock.send(sent)
        while True:
            data = await sock.recv(MAX_DATAGRAM)
            if _answers(outgoing, data):
                break
            log.debug(
                "dns_upstream_answer_ignored", upstream=address_text(upstream), size=len(data)
            )
    if int.from_bytes(data[2:4], "big") & dns.flags.TC:
        return await _ask_tcp(upstream, outgoing, sent)
    return data


async def _ask_tcp(upstream: Upstream, outgoing: dns.message.Message, sent: bytes) -> bytes:
    host, port = upstream
    stream = await trio.open_tcp_stream(host, port)
    async with stream:
        await stream.send_all(framing.frame(sent))
        data = await framing.FrameReader(stream).receive()
    if data is None or not _answers(outgoing, data):
        raise _NotAnAnswer(f"{len(data or b'')} bytes that do not answer the query")
    return data


def _answers(outgoing: dns.message.Message, data: bytes) -> bool:
    """Whether `data` is a response to `outgoing`: same id, a response, same question."""
    try:
        response = dns.message.from_wire(data, question_only=True)
    except dns.exception.DNSException:
        return False
    return outgoing.is_response(response)


def _family(upstream: Upstream) -> socket.AddressFamily:
    return socket.AF_INET6 if ":" in upstream[0] else socket.AF_INET


def address_text(upstream: Upstream) -> str:
    """`host:port`, `[host]:port` for IPv6: for logs."""
    host, port = upstream
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
