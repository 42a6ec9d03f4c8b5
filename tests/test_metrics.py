"""The /metrics exposition: what a Prometheus scrape (or a benchmark) reads back."""

from __future__ import annotations

import pytest

from mcp.metrics import COUNTERS, Metrics, parse


def test_counters_add_up_per_label_set_and_in_total() -> None:
    metrics = Metrics()
    metrics.inc("mcp_docker_requests_total", operation="inspect_container")
    metrics.inc("mcp_docker_requests_total", operation="inspect_container")
    metrics.inc("mcp_docker_requests_total", operation="containers")
    assert metrics.value("mcp_docker_requests_total", operation="inspect_container") == 2
    assert metrics.value("mcp_docker_requests_total", operation="start") == 0
    assert metrics.value("mcp_docker_requests_total") == 3


def test_an_undeclared_counter_is_an_error_not_a_new_series() -> None:
    with pytest.raises(KeyError):
        Metrics().inc("mcp_docker_request_total")  # note the missing s


def test_rendered_text_parses_back_with_help_and_type_for_every_series() -> None:
    metrics = Metrics()
    metrics.inc("mcp_reconcile_passes_total", outcome="done")
    metrics.inc("mcp_containers_adopted_total", 3)
    text = metrics.render({"mcp_objects": ("Objects in the watch cache.", 5.0)})
    assert parse(text) == {
        'mcp_reconcile_passes_total{outcome="done"}': 1.0,
        "mcp_containers_adopted_total": 3.0,
        "mcp_objects": 5.0,
    }
    for name in [*COUNTERS, "mcp_objects"]:
        assert f"# HELP {name} " in text
    assert "# TYPE mcp_objects gauge" in text
    assert "# TYPE mcp_containers_adopted_total counter" in text


def test_label_values_are_escaped() -> None:
    metrics = Metrics()
    metrics.inc("mcp_reconcile_passes_total", outcome='a"b\\c\nd')
    line = next(line for line in metrics.render().splitlines() if line.startswith("mcp_rec"))
    assert line == 'mcp_reconcile_passes_total{outcome="a\\"b\\\\c\\nd"} 1'
