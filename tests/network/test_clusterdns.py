"""The cluster DNS server in process: `serve` on loopback port 0, a fake host resolver on
another loopback port, and a client that builds its queries with dnspython and sends
them over trio's sockets, as a Pod's resolver would."""

from __future__ import annotations

import functools
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import dns.flags
import dns.message
import dns.rcode
import pytest
import structlog
import trio
import trio.testing

from mcp.errors import ListenFailed
from mcp.metrics import Metrics
from mcp.network import clusterdns, framing, zone
from mcp.network.forwarder import Upstream
from network.fake_upstream import ADDRESS, FakeUpstream, serving

QUICK_S = 0.3  # a forwarding attempt's deadline here: every upstream is on loopback
CLIENT_S = 5.0  # how long a test's client waits for any answer


@dataclass(frozen=True)
class Running:
    address: tuple[str, int]
    metrics: Metrics

    def count(self, outcome: str) -> float:
        return self.metrics.value("mcp_dns_queries_total", outcome=outcome)


@asynccontextmanager
async def running(
    upstreams: list[Upstream], *, max_in_flight: int = clusterdns.MAX_IN_FLIGHT
) -> AsyncIterator[Running]:
    metrics = Metrics()
    async with trio.open_nursery() as nursery:
        port = await nursery.start(
            functools.partial(
                clusterdns.serve,
                ("127.0.0.1", 0),
                zone.EmptyZone(),
                upstreams,
                metrics=metrics,
                attempt_s=QUICK_S,
                max_in_flight=max_in_flight,
            )
        )
        yield Running(("127.0.0.1", port), metrics)
        nursery.cancel_scope.cancel()


def query(name: str, rdtype: str = "A", *, edns: bool = False) -> dns.message.Message:
    return dns.message.make_query(name, rdtype, use_edns=0 if edns else False)


async def send_udp(
    server: tuple[str, int], wire: bytes, *, wait_s: float = CLIENT_S
) -> bytes | None:
    """Send one datagram; the reply, or None when none came within `wait_s`."""
    with trio.socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        await sock.connect(server)
        await sock.send(wire)
        with trio.move_on_after(wait_s):
            return await sock.recv(65535)
    return None


async def ask_udp(server: tuple[str, int], message: dns.message.Message) -> dns.message.Message:
    data = await send_udp(server, message.to_wire())
    assert data is not None, "no answer"
    return dns.message.from_wire(data)


async def ask_tcp(server: tuple[str, int], *wires: bytes) -> list[dns.message.Message]:
    """Send each message on one connection, reading each answer before the next."""
    answers = []
    with trio.fail_after(CLIENT_S):
        stream = await trio.open_tcp_stream(*server)
        async with stream:
            reader = framing.FrameReader(stream)
            for wire in wires:
                await stream.send_all(framing.frame(wire))
                data = await reader.receive()
                assert data is not None, "connection closed instead of an answer"
                answers.append(dns.message.from_wire(data))
    return answers


def records(message: dns.message.Message) -> list[str]:
    return [rrset.to_text() for rrset in message.answer]


async def test_a_forwarded_query_gets_the_upstreams_answer_with_the_clients_id() -> None:
    async with serving() as upstream, running([upstream.address]) as server:
        message = query("www.example.com")
        answer = await ask_udp(server.address, message)
    assert answer.id == message.id
    assert answer.rcode() == dns.rcode.NOERROR
    assert records(answer) == [f"www.example.com. 60 IN A {ADDRESS}"]
    assert [name for _, name, _ in upstream.received] == ["www.example.com."]
    assert server.count("forwarded") == 1


async def test_a_cluster_name_is_nxdomain_without_reaching_the_upstream() -> None:
    async with serving() as upstream, running([upstream.address]) as server:
        message = query("kubernetes.default.svc.cluster.local")
        answer = await ask_udp(server.address, message)
        artifact = await ask_udp(server.address, query("www.example.com.default.svc.cluster.local"))
    assert answer.id == message.id
    assert answer.rcode() == dns.rcode.NXDOMAIN
    assert answer.flags & dns.flags.AA
    assert [rrset.name.to_text() for rrset in answer.authority] == ["cluster.local."]
    assert artifact.rcode() == dns.rcode.NXDOMAIN
    assert upstream.received == []
    assert server.count("nxdomain") == 2


@pytest.mark.parametrize(
    "silent", [pytest.param(True, id="silent"), pytest.param(False, id="refusing")]
)
async def test_a_dead_upstream_gives_servfail_within_the_deadline(silent: bool) -> None:
    async with serving(FakeUpstream(silent=True)) as upstream:
        dead = upstream.address if silent else closed_port()
        async with running([dead]) as server:
            message = query("www.example.com")
            start = trio.current_time()
            answer = await ask_udp(server.address, message)
            elapsed = trio.current_time() - start
    assert answer.id == message.id
    assert answer.rcode() == dns.rcode.SERVFAIL
    assert answer.question == message.question
    assert elapsed < 2 * QUICK_S + 0.5
    assert server.count("servfail") == 1


def closed_port() -> Upstream:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return ("127.0.0.1", probe.getsockname()[1])


async def test_tcp_answers_one_query_after_another_on_one_connection() -> None:
    async with serving() as upstream, running([upstream.address]) as server:
        first, second, third = await ask_tcp(
            server.address,
            query("www.example.com").to_wire(),
            query("kubernetes.default.svc.cluster.local").to_wire(),
            query("dns-version.cluster.local", "TXT").to_wire(),
        )
    assert records(first) == [f"www.example.com. 60 IN A {ADDRESS}"]
    assert second.rcode() == dns.rcode.NXDOMAIN
    assert records(third) == ['dns-version.cluster.local. 28800 IN TXT "1.1.0"']
    assert [transport for transport, _, _ in upstream.received] == ["tcp"]
    assert (server.count("forwarded"), server.count("nxdomain"), server.count("answered")) == (
        1,
        1,
        1,
    )


async def test_a_big_answer_is_cut_for_udp_and_whole_over_tcp() -> None:
    many = [f"192.0.2.{i}" for i in range(1, 61)]
    async with serving(FakeUpstream(many)) as upstream, running([upstream.address]) as server:
        message = query("big.example.com")
        cut = await ask_udp(server.address, message)
        (whole,) = await ask_tcp(server.address, message.to_wire())
    assert cut.flags & dns.flags.TC
    assert cut.id == message.id
    assert not whole.flags & dns.flags.TC
    assert len(whole.answer[0]) == 60


async def test_garbage_does_not_stop_the_server() -> None:
    response = dns.message.make_response(query("www.example.com")).to_wire()
    garbage = b"\x12\x34\x01\x00" + b"\xff" * 30
    async with serving() as upstream, running([upstream.address]) as server:
        with structlog.testing.capture_logs() as logged:
            assert await send_udp(server.address, b"", wait_s=0.2) is None
            assert await send_udp(server.address, b"\x00\x01\x02", wait_s=0.2) is None
            assert await send_udp(server.address, response, wait_s=0.2) is None
            formerr = await send_udp(server.address, garbage)
            # Over TCP: a malformed message is answered, an empty one ends the connection.
            (tcp_formerr,) = await ask_tcp(server.address, garbage)
            async with await trio.open_tcp_stream(*server.address) as stream:
                await stream.send_all(framing.frame(b""))
                with trio.fail_after(CLIENT_S):
                    assert await stream.receive_some(100) == b""
            answer = await ask_udp(server.address, query("www.example.com"))
    assert formerr is not None
    assert dns.message.from_wire(formerr).rcode() == dns.rcode.FORMERR
    assert dns.message.from_wire(formerr).id == 0x1234
    assert tcp_formerr.rcode() == dns.rcode.FORMERR
    assert records(answer) == [f"www.example.com. 60 IN A {ADDRESS}"]
    assert server.count("dropped") == 4
    assert server.count("formerr") == 2
    reasons = [entry["reason"] for entry in logged if entry["event"] == "dns_query_dropped"]
    assert sorted(reasons) == ["response", "short", "short", "short"]
    assert {entry["log_level"] for entry in logged if entry["event"].startswith("dns_query")} == {
        "debug"
    }
    assert sum(entry["event"] == "dns_query_malformed" for entry in logged) == 2


async def test_forwards_beyond_the_limit_are_dropped_and_counted() -> None:
    async with (
        serving(FakeUpstream(silent=True)) as upstream,
        running([upstream.address], max_in_flight=2) as server,
    ):
        with trio.socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as client:
            await client.connect(server.address)
            for index in range(5):
                await client.send(query(f"q{index}.example.com").to_wire())
            replies: list[dns.message.Message] = []
            with trio.move_on_after(2 * QUICK_S + 0.3):
                while len(replies) < 5:
                    replies.append(dns.message.from_wire(await client.recv(65535)))
        # The limit is free again: the next query is forwarded.
        answer_wire = await send_udp(server.address, query("again.example.com").to_wire())
    assert [reply.rcode() for reply in replies] == [dns.rcode.SERVFAIL] * 2
    assert server.count("dropped") == 3
    assert server.count("servfail") == 3
    assert answer_wire is not None
    assert len(upstream.received) == 3 * 2  # two attempts each for the three forwarded


async def test_cancelling_the_server_closes_its_sockets_and_connections() -> None:
    metrics = Metrics()
    async with trio.open_nursery() as nursery:
        port = await nursery.start(
            functools.partial(
                clusterdns.serve, ("127.0.0.1", 0), zone.EmptyZone(), [], metrics=metrics
            )
        )
        stream = await trio.open_tcp_stream("127.0.0.1", port)
        await trio.sleep(0.05)  # the server has accepted the connection
        nursery.cancel_scope.cancel()
    async with stream:
        with trio.fail_after(CLIENT_S):
            assert await stream.receive_some(100) == b""
    # Both ports are free again.
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
        udp.bind(("127.0.0.1", port))
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tcp:
        tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        tcp.bind(("127.0.0.1", port))


async def test_an_idle_connection_is_closed(autojump_clock: trio.testing.MockClock) -> None:
    async with running([]) as server, await trio.open_tcp_stream(*server.address) as stream:
        start = trio.current_time()
        assert await stream.receive_some(100) == b""
    assert trio.current_time() - start == pytest.approx(clusterdns.TCP_IDLE_S, abs=0.1)


async def test_an_address_in_use_is_a_listen_failure() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as taken:
        taken.bind(("127.0.0.1", 0))
        port = taken.getsockname()[1]
        with pytest.raises(ListenFailed, match=f"127.0.0.1:{port}"):
            await clusterdns.serve(("127.0.0.1", port), zone.EmptyZone(), [], metrics=Metrics())


async def test_no_upstream_at_all_is_servfail_for_other_names() -> None:
    async with running([]) as server:
        answer = await ask_udp(server.address, query("www.example.com", edns=True))
    assert answer.rcode() == dns.rcode.SERVFAIL
    assert answer.edns == 0
