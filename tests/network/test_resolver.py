"""The cluster DNS server's decisions, by tables: reply from the zone, forward, or drop."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import dns.flags
import dns.message
import dns.name
import dns.opcode
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.rrset
import pytest
from hypothesis import given
from hypothesis import strategies as st

from mcp.network import resolver, zone
from mcp.network.resolver import Drop, Forward, Reply
from mcp.network.zone import ClusterName, EmptyZone

DOMAIN = zone.CLUSTER_LOCAL
SOA = "ns.dns.cluster.local. hostmaster.cluster.local. 7 7200 1800 86400 5"


@dataclass
class FakeZone:
    """A zone with a few records, which notes every lookup it is asked."""

    records: dict[tuple[str, str], str] = field(default_factory=dict)
    domain: dns.name.Name = DOMAIN
    forget_everything: bool = False  # a zone whose lookup says "not ours" to every name
    looked_up: list[str] = field(default_factory=list)

    def soa(self) -> dns.rrset.RRset:
        return zone.soa_rrset(self.domain, 7)

    def lookup(self, name: dns.name.Name, rdtype: dns.rdatatype.RdataType) -> zone.Lookup:
        self.looked_up.append(f"{name} {rdtype.name}")
        if self.forget_everything:
            return None
        key = name.to_text().lower()
        if (key, rdtype.name) in self.records:
            data = self.records[key, rdtype.name]
            return [dns.rrset.from_text(name, 5, "IN", rdtype.name, data)]
        if any(owner == key for owner, _ in self.records):
            return []
        return zone.NXDOMAIN if name.is_subdomain(self.domain) else None


def services() -> FakeZone:
    return FakeZone(
        {
            ("web.default.svc.cluster.local.", "A"): "10.96.0.20",
            ("_http._tcp.web.default.svc.cluster.local.", "SRV"): (
                "0 100 80 web.default.svc.cluster.local."
            ),
            ("20.0.96.10.in-addr.arpa.", "PTR"): "web.default.svc.cluster.local.",
        }
    )


def query(
    name: str,
    rdtype: str = "A",
    rdclass: str = "IN",
    *,
    edns: int | bool = False,
    payload: int = 1232,
) -> dns.message.Message:
    return dns.message.make_query(name, rdtype, rdclass, use_edns=edns, payload=payload)


@dataclass(frozen=True)
class Expect:
    rcode: str = "NOERROR"
    answer: Sequence[str] = ()  # "owner TTL IN TYPE data", as dnspython prints an RRset
    soa: bool = False  # the zone's SOA in the authority section
    looked_up: Sequence[str] | None = None  # what the zone was asked, when it matters


@pytest.mark.parametrize(
    ("cluster", "message", "expected"),
    [
        pytest.param(
            EmptyZone(serial=7),
            query("kubernetes.default.svc.cluster.local"),
            Expect("NXDOMAIN", soa=True),
            id="empty-zone-kubernetes-default-nxdomain",
        ),
        pytest.param(
            EmptyZone(serial=7),
            query("kubernetes.default.svc.cluster.local", "AAAA"),
            Expect("NXDOMAIN", soa=True),
            id="empty-zone-aaaa-nxdomain",
        ),
        pytest.param(
            services(),
            query("web.default.svc.cluster.local"),
            Expect(answer=["web.default.svc.cluster.local. 5 IN A 10.96.0.20"]),
            id="service-a",
        ),
        pytest.param(
            services(),
            query("Web.Default.SVC.cluster.local"),
            Expect(answer=["Web.Default.SVC.cluster.local. 5 IN A 10.96.0.20"]),
            id="case-of-the-question-kept",
        ),
        pytest.param(
            services(),
            query("web.default.svc.cluster.local", "AAAA"),
            Expect(soa=True),
            id="service-without-aaaa-is-nodata",
        ),
        pytest.param(
            services(),
            query("_http._tcp.web.default.svc.cluster.local", "SRV"),
            Expect(
                answer=[
                    "_http._tcp.web.default.svc.cluster.local. 5 IN SRV "
                    "0 100 80 web.default.svc.cluster.local."
                ]
            ),
            id="service-srv",
        ),
        pytest.param(
            services(),
            query("missing.default.svc.cluster.local"),
            Expect("NXDOMAIN", soa=True, looked_up=["missing.default.svc.cluster.local. A"]),
            id="unknown-service-nxdomain",
        ),
        pytest.param(
            services(),
            query("20.0.96.10.in-addr.arpa", "PTR"),
            Expect(answer=["20.0.96.10.in-addr.arpa. 5 IN PTR web.default.svc.cluster.local."]),
            id="zone-owns-a-name-outside-the-domain",
        ),
        pytest.param(
            EmptyZone(serial=7),
            query("cluster.local", "SOA"),
            Expect(answer=[f"cluster.local. 5 IN SOA {SOA}"]),
            id="apex-soa",
        ),
        pytest.param(
            EmptyZone(serial=7),
            query("cluster.local"),
            Expect(soa=True, looked_up=[]),
            id="apex-a-nodata",
        ),
        pytest.param(
            EmptyZone(serial=7),
            query("svc.cluster.local"),
            Expect(soa=True),
            id="svc-nodata",
        ),
        pytest.param(
            EmptyZone(serial=7),
            query("pod.cluster.local", "AAAA"),
            Expect(soa=True),
            id="pod-nodata",
        ),
        pytest.param(
            EmptyZone(serial=7),
            query("dns-version.cluster.local", "TXT"),
            Expect(answer=['dns-version.cluster.local. 28800 IN TXT "1.1.0"']),
            id="schema-version-txt",
        ),
        pytest.param(
            EmptyZone(serial=7),
            query("dns-version.cluster.local"),
            Expect("NXDOMAIN", soa=True),
            id="schema-version-only-txt",
        ),
        pytest.param(
            services(),
            query("example.com.cluster.local"),
            Expect("NXDOMAIN", soa=True, looked_up=[]),
            id="search-artifact-cluster-local-without-lookup",
        ),
        pytest.param(
            services(),
            query("api.eu.example.com.default.svc.cluster.local"),
            Expect("NXDOMAIN", soa=True, looked_up=[]),
            id="search-artifact-too-long-without-lookup",
        ),
        pytest.param(
            services(),
            query("foo.example.com.default.svc.cluster.local"),
            # CoreDNS reads it as port foo, protocol example of a Service "com": none.
            Expect("NXDOMAIN", soa=True),
            id="search-artifact-svc-namespace-nxdomain",
        ),
        pytest.param(
            services(),
            query("example.com.svc.cluster.local"),
            Expect("NXDOMAIN", soa=True),
            id="search-artifact-svc-nxdomain",
        ),
        pytest.param(
            FakeZone(forget_everything=True),
            query("web.default.svc.cluster.local"),
            Expect("NXDOMAIN", soa=True),
            id="cluster-name-never-forwarded-even-when-zone-disowns-it",
        ),
        pytest.param(
            services(),
            query("web.default.svc.cluster.local", "AXFR"),
            Expect("REFUSED", looked_up=[]),
            id="no-zone-transfer",
        ),
        pytest.param(
            services(),
            query("web.default.svc.cluster.local", rdclass="CH"),
            Expect("REFUSED", looked_up=[]),
            id="cluster-name-in-another-class-refused",
        ),
    ],
)
def test_cluster_names_are_answered_by_the_zone(
    cluster: FakeZone | EmptyZone, message: dns.message.Message, expected: Expect
) -> None:
    decision = resolver.decide(message.to_wire(), cluster)
    assert isinstance(decision, Reply)
    reply = decision.message
    assert reply.id == message.id
    assert dns.rcode.to_text(reply.rcode()) == expected.rcode
    assert [rrset.to_text() for rrset in reply.answer] == list(expected.answer)
    assert [rrset.to_text() for rrset in reply.authority] == (
        [f"cluster.local. 5 IN SOA {SOA}"] if expected.soa else []
    )
    assert reply.question == message.question
    if expected.rcode in ("NOERROR", "NXDOMAIN"):
        assert reply.flags & dns.flags.AA
    assert reply.flags & dns.flags.RA
    if expected.looked_up is not None and isinstance(cluster, FakeZone):
        assert cluster.looked_up == list(expected.looked_up)
    outcome = {"NOERROR": "answered", "NXDOMAIN": "nxdomain", "REFUSED": "refused"}
    assert decision.outcome == outcome[expected.rcode]


@pytest.mark.parametrize(
    ("cluster", "message"),
    [
        pytest.param(EmptyZone(), query("example.com"), id="outside-the-domain"),
        pytest.param(EmptyZone(), query("example.com", "MX", edns=0), id="mx-with-edns"),
        pytest.param(EmptyZone(), query("1.0.0.127.in-addr.arpa", "PTR"), id="reverse-not-owned"),
        pytest.param(EmptyZone(), query("version.bind", "TXT", "CH"), id="chaos-class"),
        pytest.param(
            services(), query("example.com.default.svc"), id="artifact-without-cluster-domain"
        ),
        pytest.param(
            FakeZone(domain=zone.domain_name("corp.internal")),
            query("kubernetes.default.svc.cluster.local"),
            id="cluster-local-under-another-cluster-domain",
        ),
    ],
)
def test_other_names_are_forwarded_as_the_client_sent_them(
    cluster: FakeZone | EmptyZone, message: dns.message.Message
) -> None:
    wire = message.to_wire()
    decision = resolver.decide(wire, cluster)
    assert isinstance(decision, Forward)
    assert decision.wire == wire
    assert decision.query.id == message.id


def header(ident: int, flags: int, counts: tuple[int, int, int, int] = (0, 0, 0, 0)) -> bytes:
    return b"".join(value.to_bytes(2, "big") for value in (ident, flags, *counts))


def two_questions() -> bytes:
    message = query("a.example.com")
    message.question.append(query("b.example.com").question[0])
    return message.to_wire()


def update() -> bytes:
    message = query("example.com")
    message.set_opcode(dns.opcode.UPDATE)
    return message.to_wire()


def edns_version(version: int) -> bytes:
    message = query("example.com", edns=version)
    return message.to_wire()


@pytest.mark.parametrize(
    ("wire", "expected"),
    [
        pytest.param(b"", Drop("short"), id="empty"),
        pytest.param(b"\x12\x34\x01", Drop("short"), id="shorter-than-a-header"),
        pytest.param(header(0x1234, 0x8180, (1, 0, 0, 0)), Drop("response"), id="a-response"),
        pytest.param(query("example.com").to_wire()[:-3], "FORMERR", id="question-cut-short"),
        pytest.param(header(0x1234, 0x0100, (1, 0, 0, 0)), "FORMERR", id="no-question"),
        pytest.param(b"\xab\xcd\x01\x00" + b"\xff" * 40, "FORMERR", id="garbage"),
        pytest.param(header(0x0102, 0x0100), "FORMERR", id="zero-questions"),
        pytest.param(two_questions(), "FORMERR", id="two-questions"),
        pytest.param(update(), "NOTIMP", id="update-opcode"),
        pytest.param(edns_version(1), "BADVERS", id="edns-version-1"),
    ],
)
def test_malformed_queries_get_an_error_with_their_id_or_nothing(
    wire: bytes, expected: Drop | str
) -> None:
    decision = resolver.decide(wire, EmptyZone())
    if isinstance(expected, Drop):
        assert decision == expected
        return
    assert isinstance(decision, Reply)
    rcode = expected
    reply = decision.message
    assert reply.id == int.from_bytes(wire[:2], "big")
    assert dns.rcode.to_text(reply.rcode()) == rcode
    assert reply.flags & dns.flags.QR
    assert decision.outcome == ("refused" if rcode == "NOTIMP" else "formerr")
    # The reply renders and reads back: what the server sends is a well-formed message.
    again = dns.message.from_wire(resolver.render(reply, 512))
    assert again.id == reply.id
    assert again.rcode() == reply.rcode()


@pytest.mark.parametrize(
    ("flags", "rcode"),
    [
        pytest.param(0x2100, dns.rcode.NOTIMP, id="notify"),
        pytest.param(0x0100, dns.rcode.FORMERR, id="query"),
    ],
)
def test_an_unreadable_query_keeps_its_opcode_and_rd_bit(flags: int, rcode: int) -> None:
    wire = header(0x0BAD, flags, (1, 0, 0, 0)) + b"\xc0"  # a name cut inside a pointer
    decision = resolver.decide(wire, EmptyZone())
    assert isinstance(decision, Reply)
    assert decision.message.rcode() == rcode
    assert decision.message.opcode() == dns.opcode.from_flags(flags)
    assert decision.message.flags & dns.flags.RD


@given(st.binary(max_size=600))
def test_any_bytes_get_a_decision_never_an_exception(wire: bytes) -> None:
    decision = resolver.decide(wire, EmptyZone())
    if isinstance(decision, Reply):
        resolver.render(decision.message, resolver.udp_limit(None))


@given(st.lists(st.tuples(st.integers(0, 40), st.integers(0, 255)), max_size=6))
def test_mangled_queries_get_a_decision_never_an_exception(
    edits: list[tuple[int, int]],
) -> None:
    wire = bytearray(query("web.default.svc.cluster.local", "SRV", edns=0).to_wire())
    for offset, value in edits:
        wire[offset % len(wire)] = value
    decision = resolver.decide(bytes(wire), services())
    if isinstance(decision, Reply):
        resolver.render(decision.message, resolver.udp_limit(decision.message))


def test_servfail_keeps_the_question_and_id() -> None:
    message = query("example.com", edns=0)
    decision = resolver.servfail(message)
    assert decision.outcome == "servfail"
    assert decision.message.id == message.id
    assert decision.message.question == message.question
    assert decision.message.rcode() == dns.rcode.SERVFAIL


@pytest.mark.parametrize(
    ("message", "limit"),
    [
        pytest.param(None, 512, id="unreadable"),
        pytest.param(query("example.com"), 512, id="no-edns"),
        pytest.param(query("example.com", edns=0, payload=4096), 4096, id="edns-4096"),
        pytest.param(query("example.com", edns=0, payload=100), 512, id="edns-below-512"),
    ],
)
def test_udp_limit_is_the_clients_payload_at_least_512(
    message: dns.message.Message | None, limit: int
) -> None:
    assert resolver.udp_limit(message) == limit


def test_an_answer_too_big_for_udp_is_cut_with_tc_set() -> None:
    message = query("big.default.svc.cluster.local")
    reply = dns.message.make_response(message)
    addresses = [f"10.96.{i // 250}.{i % 250}" for i in range(200)]
    reply.answer.append(dns.rrset.from_text_list(message.question[0].name, 5, "IN", "A", addresses))
    wire = resolver.render(reply, 512)
    assert len(wire) <= 512
    assert dns.message.from_wire(wire).flags & dns.flags.TC
    assert not dns.message.from_wire(resolver.render(reply, 65535)).flags & dns.flags.TC


@pytest.mark.parametrize(
    ("name", "parsed"),
    [
        pytest.param("default.svc", ClusterName("svc", "default"), id="namespace"),
        pytest.param("web.default.svc", ClusterName("svc", "default", "web"), id="service"),
        pytest.param("WEB.Default.svc", ClusterName("svc", "default", "web"), id="lower-case"),
        pytest.param(
            "web-0.web.default.svc",
            ClusterName("svc", "default", "web", endpoint="web-0"),
            id="endpoint",
        ),
        pytest.param(
            "_http._tcp.web.default.svc",
            ClusterName("svc", "default", "web", port="http", protocol="tcp"),
            id="srv",
        ),
        pytest.param(
            "http.tcp.web.default.svc",
            ClusterName("svc", "default", "web", port="http", protocol="tcp"),
            id="srv-without-underscores-as-coredns",
        ),
        pytest.param(
            "10-244-0-5.default.pod",
            ClusterName("pod", "default", "10-244-0-5"),
            id="pod",
        ),
        pytest.param("a.b.c.web.default.svc", None, id="too-long"),
        pytest.param("example.com", None, id="neither-svc-nor-pod"),
        pytest.param("svc", None, id="svc-alone"),
        pytest.param("dns-version", None, id="dns-version"),
        pytest.param("\\200.default.svc", None, id="not-ascii"),
    ],
)
def test_parse_name_reads_the_schema_as_coredns(name: str, parsed: ClusterName | None) -> None:
    full = dns.name.from_text(name, origin=DOMAIN)
    assert zone.parse_name(full, DOMAIN) == parsed


def test_the_empty_zone_owns_its_domain_only() -> None:
    empty = EmptyZone(zone.domain_name("corp.internal."), serial=3)
    assert empty.lookup(dns.name.from_text("a.b.svc.corp.internal"), dns.rdatatype.A) is (
        zone.NXDOMAIN
    )
    assert empty.lookup(dns.name.from_text("corp.internal"), dns.rdatatype.A) is zone.NXDOMAIN
    assert empty.lookup(dns.name.from_text("example.com"), dns.rdatatype.A) is None
    assert empty.soa().to_text() == (
        "corp.internal. 5 IN SOA ns.dns.corp.internal. hostmaster.corp.internal. "
        "3 7200 1800 86400 5"
    )
