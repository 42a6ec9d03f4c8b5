"""Reading the host's default route from /proc/net/route."""

from __future__ import annotations

import pytest

from mcp import host

HEADER = "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n"


def route(iface: str, destination: str, gateway: str, flags: str, metric: int) -> str:
    return f"{iface}\t{destination}\t{gateway}\t{flags}\t0\t0\t{metric}\t00000000\t0\t0\t0\n"


@pytest.mark.parametrize(
    ("routes", "expected"),
    [
        pytest.param(
            route("eth0", "00000000", "010200C0", "0003", 0)
            + route("eth0", "000200C0", "00000000", "0001", 0),
            "192.0.2.1",
            id="default-route",
        ),
        pytest.param(
            route("wlan0", "00000000", "0101A8C0", "0003", 600)
            + route("eth0", "00000000", "010200C0", "0003", 100),
            "192.0.2.1",
            id="lowest-metric-wins",
        ),
        pytest.param(route("docker0", "000011AC", "00000000", "0001", 0), None, id="no-default"),
        pytest.param(route("eth0", "00000000", "00000000", "0001", 0), None, id="no-gateway"),
        pytest.param("", None, id="empty"),
    ],
)
def test_default_gateway(routes: str, expected: str | None) -> None:
    assert host.default_gateway(HEADER + routes) == expected
