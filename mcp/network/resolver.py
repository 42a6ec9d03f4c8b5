"""One query in, one decision out: reply from the cluster's zone, forward, or drop.

`decide` takes a query's bytes as they came off the wire and returns a `Reply` (a
message to send; the server renders it for its transport), a `Forward` (the host's
resolvers answer it) or a `Drop` (nothing is sent: a packet too short to carry an id, or
a response, which a server must never answer, lest two servers answer each other
forever). A malformed query gets FORMERR with its id; an opcode other than QUERY gets
NOTIMP; an EDNS version above 0 gets BADVERS (RFC 6891).

Names under the cluster domain are answered here, never forwarded, as CoreDNS's
kubernetes plugin answers them: the apex and `svc.`/`pod.` below it exist without
records (NODATA), the apex has its SOA, `dns-version` its TXT, names of no shape in the
schema (search-path artifacts such as `example.com.cluster.local`) are NXDOMAIN at once,
and the rest are the zone's to look up. Every negative answer carries the zone's SOA in
its authority section, so resolvers cache it for the SOA's minimum (RFC 2308).

Pure: no sockets, no trio, no clock. Everything here is tested by tables.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.opcode
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.rrset

from mcp.network import zone
from mcp.network.zone import ClusterZone

# What happened to a query, the `outcome` label of `mcp_dns_queries_total`: the zone
# answered (records or NODATA), the name does not exist, a host resolver answered, none
# could, the query asks what this server does not do (REFUSED, NOTIMP), it could not be
# read (FORMERR, BADVERS), or nothing was sent back at all.
Outcome = Literal["answered", "nxdomain", "forwarded", "servfail", "refused", "formerr", "dropped"]

HEADER_BYTES = 12
# The largest UDP reply to a query without EDNS (RFC 1035 §4.2.1).
CLASSIC_UDP_BYTES = 512
# What this server tells EDNS clients it can receive: 1232 bytes, the DNS flag day 2020
# size that never fragments (CoreDNS's default too).
OUR_PAYLOAD = 1232
# Zone transfers are not served; ANY and the other meta types are looked up as asked.
TRANSFERS = (dns.rdatatype.AXFR, dns.rdatatype.IXFR)
OPCODE_BITS = 0x7800  # the header's opcode field, bits 11 to 14 of its flags


@dataclass(frozen=True)
class Reply:
    """Send `message` back (the caller renders it for its transport)."""

    message: dns.message.Message
    outcome: Outcome


@dataclass(frozen=True)
class Forward:
    """Ask the host's resolvers: `wire` is the query as the client sent it."""

    query: dns.message.Message
    wire: bytes


@dataclass(frozen=True)
class Drop:
    """Send nothing; `reason` is for the debug log."""

    reason: Literal["short", "response"]


Decision = Reply | Forward | Drop


def decide(wire: bytes, cluster: ClusterZone) -> Decision:
    """Decide what to do with one query's bytes. Never raises on any input."""
    if len(wire) < HEADER_BYTES:
        return Drop("short")
    header_flags = int.from_bytes(wire[2:4], "big")
    if header_flags & dns.flags.QR:
        return Drop("response")
    # Read from the header: dnspython parses an UPDATE's sections by other rules.
    if dns.opcode.from_flags(header_flags) != dns.opcode.QUERY:
        return Reply(_header_only(wire, dns.rcode.NOTIMP), "refused")
    try:
        query = dns.message.from_wire(wire)
    except dns.exception.DNSException:
        return Reply(_header_only(wire, dns.rcode.FORMERR), "formerr")
    if len(query.question) != 1:
        return Reply(_reply(query, dns.rcode.FORMERR), "formerr")
    if query.edns > 0:
        return Reply(_reply(query, dns.rcode.BADVERS), "formerr")
    return resolve(query, wire, cluster)


def resolve(query: dns.message.Message, wire: bytes, cluster: ClusterZone) -> Reply | Forward:
    """Answer a well-formed query (one question, opcode QUERY) from the zone, or forward it."""
    question = query.question[0]
    name, rdtype = question.name, dns.rdatatype.RdataType(question.rdtype)
    if not name.is_subdomain(cluster.domain):
        found = cluster.lookup(name, rdtype)
        if found is None:
            return Forward(query, wire)
        return _answer(query, cluster, found)
    if question.rdclass != dns.rdataclass.IN or rdtype in TRANSFERS:
        return Reply(_reply(query, dns.rcode.REFUSED), "refused")
    relative = tuple(label.lower() for label in name.relativize(cluster.domain).labels)
    if relative in ((), (b"svc",), (b"pod",)):
        if relative == () and rdtype == dns.rdatatype.SOA:
            return _answer(query, cluster, [cluster.soa()])
        return _answer(query, cluster, [])
    if relative == (b"dns-version",) and rdtype == dns.rdatatype.TXT:
        version = dns.rrset.from_text(
            name, zone.SCHEMA_VERSION_TTL_S, "IN", "TXT", f'"{zone.SCHEMA_VERSION}"'
        )
        return _answer(query, cluster, [version])
    if zone.parse_name(name, cluster.domain) is None:
        return _answer(query, cluster, zone.NXDOMAIN)
    found = cluster.lookup(name, rdtype)
    # Under the cluster domain "not ours" cannot be: NXDOMAIN, never a forward.
    return _answer(query, cluster, zone.NXDOMAIN if found is None else found)


def servfail(query: dns.message.Message) -> Reply:
    """The answer when no host resolver answered a forwarded query."""
    return Reply(_reply(query, dns.rcode.SERVFAIL), "servfail")


def udp_limit(query: dns.message.Message | None) -> int:
    """The largest UDP reply `query`'s sender takes: its EDNS payload, else 512 bytes."""
    if query is None or query.edns < 0:
        return CLASSIC_UDP_BYTES
    return max(CLASSIC_UDP_BYTES, query.payload)


def render_udp(reply: dns.message.Message) -> bytes:
    """`render` for a UDP client: in the payload its query's EDNS gave (`make_response`
    keeps it as `request_payload`), else in 512 bytes."""
    return render(reply, max(CLASSIC_UDP_BYTES, reply.request_payload))


def render(message: dns.message.Message, max_size: int) -> bytes:
    """`message` in wire format in at most `max_size` bytes; cut short with TC set when it
    does not fit, so the client asks again over TCP."""
    return message.to_wire(max_size=max_size, prefer_truncation=True)


def _answer(query: dns.message.Message, cluster: ClusterZone, found: zone.Lookup) -> Reply:
    if found is zone.NXDOMAIN or found is None:
        message = _reply(query, dns.rcode.NXDOMAIN, authoritative=True)
        message.authority.append(cluster.soa())
        return Reply(message, "nxdomain")
    message = _reply(query, dns.rcode.NOERROR, authoritative=True)
    message.answer.extend(found)
    if not found:  # NODATA: the name exists, without records of the asked type
        message.authority.append(cluster.soa())
    return Reply(message, "answered")


def _reply(
    query: dns.message.Message, rcode: dns.rcode.Rcode, *, authoritative: bool = False
) -> dns.message.Message:
    # Recursion available: every name outside the zone is resolved for the client.
    message = dns.message.make_response(query, recursion_available=True, our_payload=OUR_PAYLOAD)
    message.set_rcode(rcode)
    if authoritative:
        message.flags |= dns.flags.AA
    return message


def _header_only(wire: bytes, rcode: dns.rcode.Rcode) -> dns.message.Message:
    """A reply to a query that could not be read: its id, opcode and RD bit, no question."""
    flags = int.from_bytes(wire[2:4], "big")
    message = dns.message.Message(id=int.from_bytes(wire[:2], "big"))
    message.flags = dns.flags.QR | dns.flags.RA | (flags & (dns.flags.RD | OPCODE_BITS))
    message.set_rcode(rcode)
    return message
