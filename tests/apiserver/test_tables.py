"""Tables for `kubectl get`: AGE formatting and each kind's printer.

Expected values come from upstream's own tests where they exist: apimachinery's
`pkg/util/duration/duration_test.go` and kubernetes' `pkg/printers/internalversion/
printers_test.go` (their cells, with upstream's `time.Now()` offsets made from a fixed now).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from mcp.kinds import printers

NOW = datetime(2026, 7, 1, 12, 0, 0, tzinfo=UTC)
SECOND = timedelta(seconds=1)
MINUTE = timedelta(minutes=1)
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
MILLI = timedelta(milliseconds=1)
MICRO = timedelta(microseconds=1)


def ago(delta: timedelta) -> str:
    """A timestamp `delta` before NOW, as the API writes one."""
    return (NOW - delta).isoformat().replace("+00:00", "Z")


# --- AGE: duration.HumanDuration ---------------------------------------------------------


@pytest.mark.parametrize(
    ("elapsed", "shown"),
    [
        # TestHumanDuration
        pytest.param(SECOND, "1s", id="1s"),
        pytest.param(70 * SECOND, "70s", id="70s"),
        pytest.param(190 * SECOND, "3m10s", id="190s"),
        pytest.param(70 * MINUTE, "70m", id="70m"),
        pytest.param(47 * HOUR, "47h", id="47h"),
        pytest.param(49 * HOUR, "2d1h", id="49h"),
        pytest.param((8 * 24 + 2) * HOUR, "8d", id="8d2h"),
        pytest.param(367 * 24 * HOUR, "367d", id="367d"),
        pytest.param((365 * 2 * 24 + 25) * HOUR, "2y1d", id="2y1d1h"),
        pytest.param((365 * 8 * 24 + 2) * HOUR, "8y", id="8y2h"),
        # TestHumanDurationBoundaries (Go's -2s+1ns is -2s+1us here: the same side)
        pytest.param(-2 * SECOND, "<invalid>", id="clock-2s-behind"),
        pytest.param(-2 * SECOND + MICRO, "0s", id="clock-under-2s-behind"),
        pytest.param(timedelta(0), "0s", id="zero"),
        pytest.param(SECOND - MILLI, "0s", id="under-1s"),
        pytest.param(2 * MINUTE - MILLI, "119s", id="under-2m"),
        pytest.param(2 * MINUTE, "2m", id="2m"),
        pytest.param(2 * MINUTE + SECOND, "2m1s", id="2m1s"),
        pytest.param(10 * MINUTE - MILLI, "9m59s", id="under-10m"),
        pytest.param(10 * MINUTE, "10m", id="10m"),
        pytest.param(10 * MINUTE + SECOND, "10m", id="10m1s"),
        pytest.param(3 * HOUR - MILLI, "179m", id="under-3h"),
        pytest.param(3 * HOUR, "3h", id="3h"),
        pytest.param(3 * HOUR + MINUTE, "3h1m", id="3h1m"),
        pytest.param(8 * HOUR - MILLI, "7h59m", id="under-8h"),
        pytest.param(8 * HOUR, "8h", id="8h"),
        pytest.param(8 * HOUR + 59 * MINUTE, "8h", id="8h59m"),
        pytest.param(2 * DAY - MILLI, "47h", id="under-2d"),
        pytest.param(2 * DAY, "2d", id="2d"),
        pytest.param(2 * DAY + HOUR, "2d1h", id="2d1h"),
        pytest.param(8 * DAY - MILLI, "7d23h", id="under-8d"),
        pytest.param(8 * DAY, "8d", id="8d"),
        pytest.param(8 * DAY + 23 * HOUR, "8d", id="8d23h"),
        pytest.param(2 * 365 * DAY - MILLI, "729d", id="under-2y"),
        pytest.param(2 * 365 * DAY, "2y", id="2y"),
        pytest.param(2 * 365 * DAY + 23 * HOUR, "2y", id="2y23h"),
        pytest.param(2 * 365 * DAY + 23 * HOUR + 59 * MINUTE, "2y", id="2y23h59m"),
        pytest.param(2 * 365 * DAY + DAY - MILLI, "2y", id="under-2y1d"),
        pytest.param(2 * 365 * DAY + DAY, "2y1d", id="2y1d"),
        pytest.param(3 * 365 * DAY, "3y", id="3y"),
        pytest.param(4 * 365 * DAY, "4y", id="4y"),
        pytest.param(5 * 365 * DAY, "5y", id="5y"),
        pytest.param(6 * 365 * DAY, "6y", id="6y"),
        pytest.param(7 * 365 * DAY, "7y", id="7y"),
        pytest.param(8 * 365 * DAY - MILLI, "7y364d", id="under-8y"),
        pytest.param(8 * 365 * DAY, "8y", id="8y"),
        pytest.param(8 * 365 * DAY + 364 * DAY, "8y", id="8y364d"),
        pytest.param(9 * 365 * DAY, "9y", id="9y"),
    ],
)
def test_human_duration_is_apimachinerys(elapsed: timedelta, shown: str) -> None:
    assert printers.human_duration(elapsed) == shown


@pytest.mark.parametrize(
    ("timestamp", "shown"),
    [
        pytest.param(None, "<unknown>", id="unset"),
        pytest.param("", "<unknown>", id="empty"),
        pytest.param("not a time", "<unknown>", id="unreadable"),
        pytest.param(ago(-1.9 * SECOND), "0s", id="1.9s-ahead"),  # upstream's Now().Add(1.9e9)
        pytest.param(ago(5 * SECOND), "5s", id="seconds"),
        pytest.param(ago(3 * MINUTE + 2 * SECOND), "3m2s", id="minutes"),
        pytest.param("2026-06-29T11:59:59.500000Z", "2d", id="micro-time"),
        pytest.param("2026-07-01T14:00:00+02:00", "0s", id="offset"),
    ],
)
def test_age_is_translate_timestamp_since(timestamp: str | None, shown: str) -> None:
    assert printers.since(timestamp, NOW) == shown


# --- printers, from upstream's printers_test.go ------------------------------------------


def narrow(printer: printers.Printer, cells: list[Any]) -> list[Any]:
    """The cells of the priority-0 columns: what upstream prints without Wide."""
    return [
        cell for cell, column in zip(cells, printer.columns, strict=True) if not column.priority
    ]


@pytest.mark.parametrize(
    ("printer", "columns"),
    [
        pytest.param(printers.NAMESPACE, ["Name", "Status", "Age"], id="namespace"),
        pytest.param(printers.CONFIGMAP, ["Name", "Data", "Age"], id="configmap"),
        pytest.param(printers.SECRET, ["Name", "Type", "Data", "Age"], id="secret"),
        pytest.param(printers.SERVICE_ACCOUNT, ["Name", "Secrets", "Age"], id="serviceaccount"),
        pytest.param(
            printers.NODE,
            [
                "Name",
                "Status",
                "Roles",
                "Age",
                "Version",
                "Internal-IP*",
                "External-IP*",
                "OS-Image*",
                "Kernel-Version*",
                "Container-Runtime*",
            ],
            id="node",
        ),
        pytest.param(
            printers.EVENT,
            [
                "Last Seen",
                "Type",
                "Reason",
                "Object",
                "Subobject*",
                "Source*",
                "Message",
                "First Seen*",
                "Count*",
                "Name*",
            ],
            id="event",
        ),
        pytest.param(
            printers.CONTAINER,
            ["Name", "Status", "Restarts", "Image", "Age", "State*", "Container-ID*"],
            id="container",
        ),
    ],
)
def test_columns_are_upstreams(printer: printers.Printer, columns: list[str]) -> None:
    """Names in upstream's order; `*` marks priority 1 (shown by `-o wide`)."""
    assert [c.name + ("*" if c.priority else "") for c in printer.columns] == columns
    names = [c for c in printer.columns if c.format == "name"]
    assert [c.name for c in names] == ["Name"]


@pytest.mark.parametrize(
    ("namespace", "cells"),
    [
        pytest.param(
            {
                "metadata": {"name": "namespace1", "creationTimestamp": ago(-1.9 * SECOND)},
                "status": {"phase": "FooStatus"},
            },
            ["namespace1", "FooStatus", "0s"],
            id="status-and-age",
        ),
        pytest.param(
            {"metadata": {"name": "namespace2"}},
            ["namespace2", "", "<unknown>"],
            id="no-status-no-age",
        ),
    ],
)
def test_namespace_cells(namespace: dict[str, Any], cells: list[Any]) -> None:
    assert printers.NAMESPACE.cells(namespace, NOW) == cells


@pytest.mark.parametrize(
    ("obj", "cells"),
    [
        pytest.param(
            {"metadata": {"name": "cm"}, "data": {"a": "1", "b": "2"}, "binaryData": {"c": "Mw=="}},
            ["cm", 3, "<unknown>"],
            id="data-and-binary-data",
        ),
        pytest.param({"metadata": {"name": "cm"}}, ["cm", 0, "<unknown>"], id="no-data"),
    ],
)
def test_configmap_cells(obj: dict[str, Any], cells: list[Any]) -> None:
    assert printers.CONFIGMAP.cells(obj, NOW) == cells


@pytest.mark.parametrize(
    ("secret", "cells"),
    [
        pytest.param(
            {
                "metadata": {"name": "secret1", "creationTimestamp": ago(-1.9 * SECOND)},
                "type": "kubernetes.io/service-account-token",
                "data": {"token": "c2VjcmV0IGRhdGE="},
            },
            ["secret1", "kubernetes.io/service-account-token", 1, "0s"],
            id="type-data-age",
        ),
        pytest.param(
            {
                "metadata": {"name": "secret1", "creationTimestamp": ago(-1.9 * SECOND)},
                "type": "kubernetes.io/service-account-token",
            },
            ["secret1", "kubernetes.io/service-account-token", 0, "0s"],
            id="no-data",
        ),
        pytest.param(
            {
                "metadata": {"name": "s"},
                "type": "Opaque",
                "data": {"a": "MQ=="},
                "stringData": {"a": "2", "b": "3"},
            },
            ["s", "Opaque", 2, "<unknown>"],
            id="string-data-folds-into-data",
        ),
    ],
)
def test_secret_cells(secret: dict[str, Any], cells: list[Any]) -> None:
    assert printers.SECRET.cells(secret, NOW) == cells


@pytest.mark.parametrize(
    ("account", "cells"),
    [
        pytest.param(
            {"metadata": {"name": "sa1", "creationTimestamp": ago(-1.9 * SECOND)}, "secrets": []},
            ["sa1", 0, "0s"],
            id="no-secrets",
        ),
        pytest.param(
            {
                "metadata": {"name": "sa1", "creationTimestamp": ago(-1.9 * SECOND)},
                "secrets": [{"name": "Secret1"}, {"name": "Secret2"}],
            },
            ["sa1", 2, "0s"],
            id="two-secrets",
        ),
    ],
)
def test_service_account_cells(account: dict[str, Any], cells: list[Any]) -> None:
    assert printers.SERVICE_ACCOUNT.cells(account, NOW) == cells


def node(name: str, **fields: Any) -> dict[str, Any]:
    obj: dict[str, Any] = {"metadata": {"name": name, **fields.pop("metadata", {})}}
    return obj | fields


READY = {"type": "Ready", "status": "True"}
NOT_READY = {"type": "Ready", "status": "False"}


@pytest.mark.parametrize(
    ("obj", "cells"),
    [
        # TestPrintNodeStatus
        pytest.param(
            node("foo1", status={"conditions": [READY]}),
            ["foo1", "Ready", "<none>", "<unknown>", ""],
            id="ready",
        ),
        pytest.param(
            node("foo2", spec={"unschedulable": True}, status={"conditions": [READY]}),
            ["foo2", "Ready,SchedulingDisabled", "<none>", "<unknown>", ""],
            id="ready-unschedulable",
        ),
        pytest.param(
            node("foo3", status={"conditions": [READY, READY]}),
            ["foo3", "Ready", "<none>", "<unknown>", ""],
            id="ready-twice",
        ),
        pytest.param(
            node("foo4", status={"conditions": [NOT_READY]}),
            ["foo4", "NotReady", "<none>", "<unknown>", ""],
            id="not-ready",
        ),
        pytest.param(
            node("foo5", spec={"unschedulable": True}, status={"conditions": [NOT_READY]}),
            ["foo5", "NotReady,SchedulingDisabled", "<none>", "<unknown>", ""],
            id="not-ready-unschedulable",
        ),
        pytest.param(
            node("foo6", status={"conditions": [{"type": "InvalidValue", "status": "True"}]}),
            ["foo6", "Unknown", "<none>", "<unknown>", ""],
            id="other-condition",
        ),
        pytest.param(
            node("foo7", status={"conditions": [{}]}),
            ["foo7", "Unknown", "<none>", "<unknown>", ""],
            id="empty-condition",
        ),
        pytest.param(
            node(
                "foo8",
                spec={"unschedulable": True},
                status={"conditions": [{"type": "InvalidValue", "status": "True"}]},
            ),
            ["foo8", "Unknown,SchedulingDisabled", "<none>", "<unknown>", ""],
            id="other-condition-unschedulable",
        ),
        pytest.param(
            node("foo9", spec={"unschedulable": True}, status={"conditions": [{}]}),
            ["foo9", "Unknown,SchedulingDisabled", "<none>", "<unknown>", ""],
            id="empty-condition-unschedulable",
        ),
        # TestPrintNodeRole
        pytest.param(node("foo9"), ["foo9", "Unknown", "<none>", "<unknown>", ""], id="no-roles"),
        pytest.param(
            node(
                "foo10",
                metadata={
                    "labels": {
                        "node-role.kubernetes.io/master": "",
                        "node-role.kubernetes.io/control-plane": "",
                        "node-role.kubernetes.io/proxy": "",
                        "kubernetes.io/role": "node",
                    }
                },
            ),
            ["foo10", "Unknown", "control-plane,master,node,proxy", "<unknown>", ""],
            id="roles-sorted",
        ),
        pytest.param(
            node("foo11", metadata={"labels": {"kubernetes.io/role": "node"}}),
            ["foo11", "Unknown", "node", "<unknown>", ""],
            id="role-label",
        ),
        # TestPrintNodeName
        pytest.param(
            node("127.0.0.1", status={}),
            ["127.0.0.1", "Unknown", "<none>", "<unknown>", ""],
            id="ip-name",
        ),
        pytest.param(node(""), ["", "Unknown", "<none>", "<unknown>", ""], id="empty-name"),
    ],
)
def test_node_cells(obj: dict[str, Any], cells: list[Any]) -> None:
    assert narrow(printers.NODE, printers.NODE.cells(obj, NOW)) == cells


EXTERNAL = {"type": "ExternalIP", "address": "1.1.1.1"}


@pytest.mark.parametrize(
    ("obj", "cells"),
    [
        # TestPrintNodeOSImage, TestPrintNodeKernelVersion, TestPrintNodeContainerRuntimeVersion
        pytest.param(
            node(
                "foo1", status={"nodeInfo": {"osImage": "fake-os-image"}, "addresses": [EXTERNAL]}
            ),
            ["<none>", "1.1.1.1", "fake-os-image", "<unknown>", "<unknown>"],
            id="os-image",
        ),
        pytest.param(
            node(
                "foo2",
                status={
                    "nodeInfo": {"kernelVersion": "fake-kernel-version"},
                    "addresses": [EXTERNAL],
                },
            ),
            ["<none>", "1.1.1.1", "<unknown>", "fake-kernel-version", "<unknown>"],
            id="kernel-version",
        ),
        pytest.param(
            node(
                "foo1",
                status={
                    "nodeInfo": {"containerRuntimeVersion": "foo://1.2.3"},
                    "addresses": [EXTERNAL],
                },
            ),
            ["<none>", "1.1.1.1", "<unknown>", "<unknown>", "foo://1.2.3"],
            id="container-runtime",
        ),
        # TestPrintNodeExternalIP, TestPrintNodeInternalIP
        pytest.param(
            node("foo2", status={"addresses": [{"type": "InternalIP", "address": "1.1.1.1"}]}),
            ["1.1.1.1", "<none>", "<unknown>", "<unknown>", "<unknown>"],
            id="internal-ip",
        ),
        pytest.param(
            node(
                "foo3",
                status={
                    "addresses": [
                        {"type": "ExternalIP", "address": "2.2.2.2"},
                        {"type": "InternalIP", "address": "3.3.3.3"},
                        {"type": "ExternalIP", "address": "4.4.4.4"},
                    ]
                },
            ),
            ["3.3.3.3", "2.2.2.2", "<unknown>", "<unknown>", "<unknown>"],
            id="first-address-of-each-type",
        ),
    ],
)
def test_node_wide_cells(obj: dict[str, Any], cells: list[Any]) -> None:
    assert printers.NODE.cells(obj, NOW)[5:] == cells


def event(**fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "source": {"component": "kubelet", "host": "Node1"},
        "involvedObject": {
            "kind": "Deployment",
            "name": "Deployment Name",
            "fieldPath": "spec.containers{foo}",
        },
        "reason": "Event Reason",
        "message": "Message Data",
        "type": "Warning",
    }
    return base | fields


def event_row(
    last: str, first: str, count: int, name: str, source: str = "kubelet, Node1"
) -> list[Any]:
    """The wide cells of an `event(...)`: what varies between upstream's cases."""
    return [
        last,
        "Warning",
        "Event Reason",
        "deployment/Deployment Name",
        "spec.containers{foo}",
        source,
        "Message Data",
        first,
        count,
        name,
    ]


@pytest.mark.parametrize(
    ("obj", "cells"),
    [
        pytest.param(
            event(
                firstTimestamp=ago(3 * DAY),
                lastTimestamp=ago(2 * DAY),
                count=6,
                metadata={"name": "event2"},
            ),
            event_row("2d", "3d", 6, "event2"),
            id="basic",
        ),
        pytest.param(
            event(
                eventTime=ago(3 * DAY),
                lastTimestamp=ago(3 * DAY),
                count=1,
                metadata={"name": "event3"},
            ),
            event_row("3d", "3d", 1, "event3"),
            id="no-first-timestamp",
        ),
        pytest.param(
            event(
                eventTime=ago(3 * DAY),
                firstTimestamp=ago(3 * DAY),
                count=1,
                metadata={"name": "event4"},
            ),
            event_row("3d", "3d", 1, "event4"),
            id="no-last-timestamp",
        ),
        pytest.param(
            event(eventTime=ago(3 * DAY), count=1, metadata={"name": "event5"}),
            event_row("3d", "3d", 1, "event5"),
            id="no-first-or-last-timestamp",
        ),
        pytest.param(
            event(
                series={"count": 2, "lastObservedTime": ago(2 * DAY)},
                eventTime=ago(3 * DAY),
                metadata={"name": "event6"},
            ),
            event_row("2d", "3d", 2, "event6"),
            id="series",
        ),
        pytest.param(
            event(eventTime=ago(3 * DAY), metadata={"name": "event7"}),
            event_row("3d", "3d", 1, "event7"),
            id="singleton-without-count",
        ),
        pytest.param(
            event(
                source=None,
                reportingComponent="kubelet",
                reportingInstance="test",
                firstTimestamp=ago(3 * DAY),
                lastTimestamp=ago(2 * DAY),
                count=6,
                metadata={"name": "event2"},
            ),
            event_row("2d", "3d", 6, "event2", source="kubelet, test"),
            id="reporting-controller-without-source",
        ),
        pytest.param(
            event(involvedObject={"kind": "Node"}, message="  padded \n", count=1),
            [
                "<unknown>",
                "Warning",
                "Event Reason",
                "node",
                "",
                "kubelet, Node1",
                "padded",
                "<unknown>",
                1,
                "",
            ],
            id="kind-without-name-and-trimmed-message",
        ),
    ],
)
def test_event_wide_cells(obj: dict[str, Any], cells: list[Any]) -> None:
    assert printers.EVENT.cells(obj, NOW) == cells


def test_event_cells_without_wide_are_upstreams_basic_row() -> None:
    obj = event(
        source={"component": "kubelet"},
        involvedObject={"kind": "Pod", "name": "Pod Name", "fieldPath": "spec.containers{foo}"},
        firstTimestamp=ago(3 * DAY),
        lastTimestamp=ago(2 * DAY),
        count=6,
        type="Normal",
        metadata={"name": "event1"},
    )
    assert narrow(printers.EVENT, printers.EVENT.cells(obj, NOW)) == [
        "2d",
        "Normal",
        "Event Reason",
        "pod/Pod Name",
        "Message Data",
    ]


@pytest.mark.parametrize(
    ("obj", "cells"),
    [
        pytest.param(
            {
                "metadata": {"name": "web", "creationTimestamp": ago(3 * MINUTE + 2 * SECOND)},
                "spec": {"image": "busybox:1.36", "state": "running"},
                "status": {"phase": "Running", "restartCount": 2, "containerID": "a" * 64},
            },
            ["web", "Running", 2, "busybox:1.36", "3m2s", "running", "a" * 12],
            id="running",
        ),
        pytest.param(
            {
                "metadata": {"name": "web"},
                "spec": {"image": "busybox"},
                "status": {"phase": "Failed", "reason": "CrashLoopBackOff", "restartCount": 5},
            },
            ["web", "CrashLoopBackOff", 5, "busybox", "<unknown>", "running", "<none>"],
            id="reason-over-phase",
        ),
        pytest.param(
            {
                "metadata": {"name": "web", "deletionTimestamp": ago(SECOND)},
                "spec": {"image": "busybox", "state": "stopped"},
                "status": {"phase": "Stopped"},
            },
            ["web", "Terminating", 0, "busybox", "<unknown>", "stopped", "<none>"],
            id="terminating",
        ),
        pytest.param(
            {"metadata": {"name": "web"}, "spec": {"image": "busybox"}},
            ["web", "Pending", 0, "busybox", "<unknown>", "running", "<none>"],
            id="no-status-yet",
        ),
    ],
)
def test_container_cells(obj: dict[str, Any], cells: list[Any]) -> None:
    assert printers.CONTAINER.cells(obj, NOW) == cells


def test_printers_are_found_by_group_and_kind() -> None:
    assert printers.printer_for("", "ConfigMap") is printers.CONFIGMAP
    assert printers.printer_for("mcp", "Container") is printers.CONTAINER
    assert printers.printer_for("apps", "ConfigMap") is printers.DEFAULT
