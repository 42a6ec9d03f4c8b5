"""Forwarding to the host's resolvers: which ones (resolv.conf, by tables), and how a
query fares against fake upstreams on loopback that answer, truncate, lie or say nothing."""

from __future__ import annotations

import socket
from pathlib import Path

import dns.flags
import dns.message
import dns.rcode
import dns.rrset
import pytest
import trio

from mcp.network import forwarder, resolver, zone
from mcp.network.forwarder import Upstream
from network.fake_upstream import ADDRESS, FakeUpstream, serving

QUICK_S = 0.3  # an attempt's deadline in these tests: the upstreams are on loopback


@pytest.mark.parametrize(
    ("text", "skip", "upstreams"),
    [
        pytest.param(
            "nameserver 10.0.0.2\nnameserver 10.0.0.3\n",
            (),
            [("10.0.0.2", 53), ("10.0.0.3", 53)],
            id="in-order",
        ),
        pytest.param(
            "# generated\n; comment\nsearch lan\noptions ndots:1\nnameserver 127.0.0.53\n",
            (),
            [("127.0.0.53", 53)],
            id="systemd-resolved-stub",
        ),
        pytest.param(
            "nameserver 2001:db8::0:1\nnameserver fe80::1%eth0\n",
            (),
            [("2001:db8::1", 53), ("fe80::1%eth0", 53)],
            id="ipv6-canonical-and-zone-index",
        ),
        pytest.param(
            "nameserver 10.0.0.2\nnameserver 10.0.0.3\nnameserver 10.0.0.4\nnameserver 10.0.0.5",
            (),
            [("10.0.0.2", 53), ("10.0.0.3", 53), ("10.0.0.4", 53)],
            id="three-at-most-as-glibc",
        ),
        pytest.param(
            "nameserver 10.244.0.1\nnameserver 10.0.0.2\n",
            ("10.244.0.1",),
            [("10.0.0.2", 53)],
            id="the-cluster-dns-itself-left-out",
        ),
        pytest.param(
            "nameserver dns.example.com\nnameserver\nnameserver 10.0.0.2 # trailing\n",
            (),
            [("10.0.0.2", 53)],
            id="not-addresses-left-out",
        ),
        pytest.param("search lan\n", (), [("127.0.0.1", 53)], id="none-means-local"),
        pytest.param("nameserver 10.244.0.1\n", ("10.244.0.1",), [], id="only-itself"),
    ],
)
def test_upstreams_are_read_from_resolv_conf(
    text: str, skip: tuple[str, ...], upstreams: list[Upstream]
) -> None:
    assert list(forwarder.parse_resolv_conf(text, skip=skip)) == upstreams


async def test_an_unreadable_resolv_conf_means_the_local_resolver(tmp_path: Path) -> None:
    path = tmp_path / "resolv.conf"
    path.write_text("nameserver 10.0.0.9\n")
    assert await forwarder.read_resolv_conf(path) == (("10.0.0.9", 53),)
    missing = tmp_path / "missing.conf"
    assert await forwarder.read_resolv_conf(missing) == (("127.0.0.1", 53),)


async def test_configured_upstreams_win_over_resolv_conf_but_never_loop(tmp_path: Path) -> None:
    path = tmp_path / "resolv.conf"
    path.write_text("nameserver 10.244.0.1\nnameserver 10.0.0.2\n")
    bind = ("10.244.0.1", 53)
    assert await forwarder.choose_upstreams([], bind=bind, path=path) == (("10.0.0.2", 53),)
    configured = [("10.244.0.1", 53), ("10.244.0.1", 5353), ("10.0.0.9", 53)]
    assert await forwarder.choose_upstreams(configured, bind=bind, path=path) == (
        ("10.244.0.1", 5353),
        ("10.0.0.9", 53),
    )
    # A server on another port (a test's) loops to no resolv.conf entry.
    assert await forwarder.choose_upstreams([], bind=("10.244.0.1", 5300), path=path) == (
        ("10.244.0.1", 53),
        ("10.0.0.2", 53),
    )


@pytest.mark.parametrize(
    ("upstreams", "asked"),
    [
        pytest.param([], [], id="none"),
        pytest.param([("a", 53)], [("a", 53), ("a", 53)], id="one-asked-twice"),
        pytest.param(
            [("a", 53), ("b", 53), ("c", 53)], [("a", 53), ("b", 53)], id="retry-on-the-next"
        ),
    ],
)
def test_one_retry_on_another_upstream(upstreams: list[Upstream], asked: list[Upstream]) -> None:
    assert forwarder.attempts(upstreams) == asked


def forwarded(name: str = "www.example.com", *, edns: bool = False) -> resolver.Forward:
    wire = dns.message.make_query(name, "A", use_edns=0 if edns else False).to_wire()
    decision = resolver.decide(wire, zone.EmptyZone())
    assert isinstance(decision, resolver.Forward)
    return decision


def many_addresses(count: int) -> list[str]:
    return [f"192.0.2.{i}" for i in range(1, count + 1)]


async def test_the_answer_comes_back_with_the_clients_id() -> None:
    query = forwarded()
    async with serving() as upstream:
        answer = await forwarder.forward(query, [upstream.address], over_tcp=False)
    assert answer is not None
    message = dns.message.from_wire(answer)
    assert message.id == query.query.id
    assert [rrset.to_text() for rrset in message.answer] == [f"www.example.com. 60 IN A {ADDRESS}"]
    assert [(transport, name) for transport, name, _ in upstream.received] == [
        ("udp", "www.example.com.")
    ]


async def test_a_truncated_udp_answer_is_asked_again_over_tcp() -> None:
    query = forwarded()
    async with serving(FakeUpstream(many_addresses(60), truncate_udp=True)) as upstream:
        answer = await forwarder.forward(query, [upstream.address], over_tcp=False)
    assert answer is not None
    message = dns.message.from_wire(answer)
    assert not message.flags & dns.flags.TC
    assert len(message.answer[0]) == 60
    assert [transport for transport, _, _ in upstream.received] == ["udp", "tcp"]


async def test_a_tcp_client_is_forwarded_over_tcp() -> None:
    query = forwarded()
    async with serving() as upstream:
        answer = await forwarder.forward(query, [upstream.address], over_tcp=True)
    assert answer is not None
    assert dns.message.from_wire(answer).id == query.query.id
    assert [transport for transport, _, _ in upstream.received] == ["tcp"]


async def test_garbage_and_answers_under_another_id_are_ignored() -> None:
    query = forwarded()
    async with serving(FakeUpstream(noise_first=True)) as upstream:
        answer = await forwarder.forward(query, [upstream.address], over_tcp=False)
    assert answer is not None
    assert dns.message.from_wire(answer).answer[0].to_text().endswith(ADDRESS)
    assert len(upstream.received) == 1


def closed_port() -> Upstream:
    """A loopback UDP port nothing listens on: the kernel answers port unreachable."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return ("127.0.0.1", probe.getsockname()[1])


async def test_a_refusing_upstream_is_skipped_for_the_next() -> None:
    query = forwarded()
    async with serving() as upstream:
        with trio.fail_after(QUICK_S):  # refused at once: no deadline waited for
            answer = await forwarder.forward(
                query, [closed_port(), upstream.address], over_tcp=False, attempt_s=5.0
            )
    assert answer is not None
    assert len(upstream.received) == 1


async def test_a_silent_upstream_is_retried_once_then_none_within_the_deadline() -> None:
    query = forwarded()
    async with serving(FakeUpstream(silent=True)) as upstream:
        start = trio.current_time()
        answer = await forwarder.forward(
            query, [upstream.address], over_tcp=False, attempt_s=QUICK_S
        )
        elapsed = trio.current_time() - start
    assert answer is None
    assert len(upstream.received) == 2
    assert 2 * QUICK_S <= elapsed < 2 * QUICK_S + 0.5


async def test_no_upstream_is_no_answer() -> None:
    assert await forwarder.forward(forwarded(), [], over_tcp=False) is None


def test_an_answer_that_fits_is_sent_as_it_came() -> None:
    wire = dns.message.make_response(dns.message.make_query("a.example", "A")).to_wire()
    assert forwarder.fit(wire, 512) == wire


def test_an_answer_too_big_for_the_client_is_cut_with_tc() -> None:
    query = dns.message.make_query("a.example", "A")
    response = dns.message.make_response(query)
    response.answer.append(
        dns.rrset.from_text_list(query.question[0].name, 60, "IN", "A", many_addresses(60))
    )
    wire = forwarder.fit(response.to_wire(), 512)
    assert len(wire) <= 512
    cut = dns.message.from_wire(wire)
    assert cut.flags & dns.flags.TC
    assert cut.id == query.id
    assert cut.rcode() == dns.rcode.NOERROR


def test_an_unreadable_answer_too_big_is_cut_to_its_question() -> None:
    query = dns.message.make_query("a.example", "A")
    wire = dns.message.make_response(query).to_wire()
    # Claims one answer record, then 600 bytes that are none.
    broken = wire[:6] + b"\x00\x01" + wire[8:] + b"\xff" * 600
    cut = dns.message.from_wire(forwarder.fit(broken, 512))
    assert cut.flags & dns.flags.TC
    assert cut.question == query.question
    assert not cut.answer
