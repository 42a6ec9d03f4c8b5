"""Tables for `kubectl get`: Accept negotiation, AGE formatting, each kind's printer and
the Table, PartialObjectMetadata and watch-event forms.

Expected values come from upstream's own tests where they exist: apimachinery's
`pkg/util/duration/duration_test.go` and kubernetes' `pkg/printers/internalversion/
printers_test.go` (their cells, with upstream's `time.Now()` offsets made from a fixed now).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from mcp.apiserver import tables
from mcp.apiserver.status import KubeError
from mcp.kinds import Kind, core, printers, printing

NOW = datetime(2026, 7, 1, 12, 0, 0, tzinfo=UTC)
SECOND = timedelta(seconds=1)
MINUTE = timedelta(minutes=1)
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
MILLI = timedelta(milliseconds=1)
MICRO = timedelta(microseconds=1)
KUBECTL_GET = (
    "application/json;as=Table;v=v1;g=meta.k8s.io,"
    "application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json"
)
WIDGET = Kind(group="example.com", version="v1", resource="widgets", kind="Widget", namespaced=True)


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
    assert printing.human_duration(elapsed) == shown


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
    assert printing.since(timestamp, NOW) == shown


# --- Accept negotiation -----------------------------------------------------------------

TABLE_V1 = tables.Output("Table", "v1")


@pytest.mark.parametrize(
    ("accept", "output"),
    [
        pytest.param(KUBECTL_GET, TABLE_V1, id="kubectl-get"),
        pytest.param(
            "application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json",
            tables.Output("Table", "v1beta1"),
            id="table-v1beta1",
        ),
        pytest.param(None, tables.AS_IS, id="no-accept"),
        pytest.param("", tables.AS_IS, id="empty-accept"),
        pytest.param("application/json", tables.AS_IS, id="json"),
        pytest.param("*/*", tables.AS_IS, id="any"),
        pytest.param("*", tables.AS_IS, id="bare-star"),
        pytest.param("application/*", tables.AS_IS, id="any-application"),
        pytest.param(
            "application/vnd.kubernetes.protobuf,application/json",
            tables.AS_IS,
            id="protobuf-first",
        ),
        pytest.param(
            "application/json;as=Table;g=meta.k8s.io;v=v2,application/json",
            tables.AS_IS,
            id="unknown-table-version-then-json",
        ),
        pytest.param(
            "application/json;as=Table;v=v1;g=meta.k8s.io;q=0.5,application/json",
            tables.AS_IS,
            id="json-preferred-by-q",
        ),
        pytest.param(
            "application/json;q=0.5,application/json;as=Table;v=v1;g=meta.k8s.io",
            TABLE_V1,
            id="table-preferred-by-q",
        ),
        pytest.param(
            # goautoneg's order puts a clause without wildcards before `*/*` whatever the q.
            "*/*,application/json;as=Table;v=v1;g=meta.k8s.io;q=0.1",
            TABLE_V1,
            id="goautoneg-wildcards-last",
        ),
        pytest.param(
            "application/json; as=Table; v=v1; g=meta.k8s.io", TABLE_V1, id="spaces-around-params"
        ),
        pytest.param("*/*;as=Table;v=v1;g=meta.k8s.io", TABLE_V1, id="table-from-any"),
        pytest.param(
            "application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io,application/json",
            tables.Output("PartialObjectMetadataList", "v1"),
            id="partial-list",
        ),
        pytest.param(
            "application/json;as=PartialObjectMetadata;v=v1beta1;g=meta.k8s.io",
            tables.Output("PartialObjectMetadata", "v1beta1"),
            id="partial",
        ),
        pytest.param("application/json;stream=watch", tables.AS_IS, id="watch-stream"),
        pytest.param("application/json;sv=v1", tables.AS_IS, id="server-version"),
        pytest.param("application/json;pretty=1", tables.AS_IS, id="pretty"),
        pytest.param("application/json;charset=utf-8", tables.AS_IS, id="unknown-param"),
        pytest.param(
            "text/html,application/xhtml+xml,*/*;q=0.8", tables.AS_IS, id="browser-falls-to-any"
        ),
        pytest.param("application/json;q=abc", tables.AS_IS, id="bad-q-is-zero-but-kept"),
    ],
)
def test_accept_chooses_what_to_answer(accept: str | None, output: tables.Output) -> None:
    assert tables.negotiate(accept) == output


@pytest.mark.parametrize(
    "accept",
    [
        pytest.param("application/json;as=Table;g=meta.k8s.io;v=v2", id="unknown-table-version"),
        pytest.param("application/json;as=Table", id="table-without-group"),
        pytest.param("application/json;as=Table;g=example.com;v=v1", id="table-of-other-group"),
        pytest.param("application/json;as=Widget;g=meta.k8s.io;v=v1", id="unknown-conversion"),
        pytest.param("application/json;v=v1", id="version-alone"),
        pytest.param("application/yaml;as=Table;v=v1;g=meta.k8s.io", id="yaml-table"),
        pytest.param("application/vnd.kubernetes.protobuf", id="protobuf"),
        pytest.param("application/yaml", id="yaml"),
        pytest.param("text/html", id="html"),
        pytest.param("*/json", id="star-slash-json"),
        pytest.param("application/json;stream=nope", id="unknown-stream"),
        pytest.param("application/json;sv=v2", id="other-server-version"),
        pytest.param("Application/JSON", id="case-sensitive-as-goautoneg"),
        pytest.param(" ", id="blank"),
    ],
)
def test_accept_with_nothing_served_is_406(accept: str) -> None:
    with pytest.raises(KubeError) as refused:
        tables.negotiate(accept)
    assert refused.value.code == 406
    assert str(refused.value) == "only the following media types are accepted: application/json"


def test_accept_clauses_are_parsed_as_goautoneg_parses_them() -> None:
    clauses = tables.parse_accept(
        "text/plain;q=0.5, application/json;as=Table;v=v1, bad, a/b/c, */*;q=0.1, application/*"
    )
    assert clauses == [
        tables.Clause("application", "json", 1.0, (("as", "Table"), ("v", "v1"))),
        tables.Clause("application", "*", 1.0),
        tables.Clause("text", "plain", 0.5),
        tables.Clause("*", "*", 0.1),
    ]


def test_include_object_rides_with_a_table_only() -> None:
    assert tables.negotiate(KUBECTL_GET, "Object") == tables.Output("Table", "v1", "Object")
    assert tables.negotiate("application/json", "Object") == tables.AS_IS


# --- Tables -----------------------------------------------------------------------------


def configmap(name: str, data: dict[str, str], rv: str = "7") -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {
            "name": name,
            "namespace": "default",
            "uid": f"uid-{name}",
            "resourceVersion": rv,
            "creationTimestamp": ago(5 * SECOND),
            "labels": {"app": "web"},
        },
        "data": data,
    }


CONFIGMAP_LIST = {
    "apiVersion": "v1",
    "kind": "ConfigMapList",
    "metadata": {"resourceVersion": "42", "continue": "next-page"},
    "items": [configmap("a", {"x": "1", "y": "2"}), configmap("b", {})],
}


def test_a_list_as_a_table_has_upstreams_columns_rows_and_metadata() -> None:
    table = tables.transform(TABLE_V1, core.CONFIGMAP, CONFIGMAP_LIST, now=NOW)
    assert table["kind"] == "Table"
    assert table["apiVersion"] == "meta.k8s.io/v1"
    assert table["metadata"] == {"resourceVersion": "42", "continue": "next-page"}
    assert [
        (c["name"], c["type"], c["format"], c["priority"]) for c in table["columnDefinitions"]
    ] == [("Name", "string", "name", 0), ("Data", "string", "", 0), ("Age", "string", "", 0)]
    assert table["columnDefinitions"][2]["description"].startswith(
        "CreationTimestamp is a timestamp representing the server time"
    )
    assert [row["cells"] for row in table["rows"]] == [["a", 2, "5s"], ["b", 0, "5s"]]
    # includeObject=Metadata, the default: each row carries its object's metadata.
    assert table["rows"][0]["object"] == {
        "kind": "PartialObjectMetadata",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": CONFIGMAP_LIST["items"][0]["metadata"],  # type: ignore[index]  # a list
    }


def test_a_v1beta1_table_carries_v1beta1_metadata() -> None:
    output = tables.Output("Table", "v1beta1")
    table = tables.transform(output, core.CONFIGMAP, CONFIGMAP_LIST, now=NOW)
    assert table["apiVersion"] == "meta.k8s.io/v1beta1"
    assert {row["object"]["apiVersion"] for row in table["rows"]} == {"meta.k8s.io/v1beta1"}


@pytest.mark.parametrize(
    ("include", "first_object"),
    [
        pytest.param("Object", CONFIGMAP_LIST["items"][0], id="object"),  # type: ignore[index]  # a list
        pytest.param("None", None, id="none"),
        pytest.param(
            "",
            {
                "kind": "PartialObjectMetadata",
                "apiVersion": "meta.k8s.io/v1",
                "metadata": CONFIGMAP_LIST["items"][0]["metadata"],  # type: ignore[index]  # a list
            },
            id="empty-is-metadata",
        ),
    ],
)
def test_include_object_says_what_each_row_carries(include: str, first_object: Any) -> None:
    output = tables.Output("Table", "v1", include)
    table = tables.transform(output, core.CONFIGMAP, CONFIGMAP_LIST, now=NOW)
    assert table["rows"][0]["object"] == first_object


def test_an_unknown_include_object_is_a_bad_request() -> None:
    with pytest.raises(KubeError) as refused:
        tables.transform(tables.Output("Table", "v1", "All"), core.CONFIGMAP, CONFIGMAP_LIST)
    assert refused.value.code == 400
    assert str(refused.value) == (
        'Unable to convert to Table as requested: includeObject: Invalid value: "All": '
        "must be 'Metadata', 'Object', 'None', or empty"
    )


def test_one_object_is_a_table_of_one_row_at_its_resource_version() -> None:
    table = tables.transform(TABLE_V1, core.CONFIGMAP, configmap("a", {"k": "v"}, rv="9"), now=NOW)
    assert table["metadata"] == {"resourceVersion": "9"}
    assert [row["cells"] for row in table["rows"]] == [["a", 1, "5s"]]


def test_an_empty_list_is_a_table_without_rows() -> None:
    empty = {"apiVersion": "v1", "kind": "ConfigMapList", "metadata": {"resourceVersion": "3"}}
    table = tables.transform(TABLE_V1, core.CONFIGMAP, {**empty, "items": []}, now=NOW)
    assert table["rows"] == []
    assert len(table["columnDefinitions"]) == 3


def test_a_kind_without_a_printer_gets_upstreams_default_columns() -> None:
    widget = {"kind": "Widget", "metadata": {"name": "w", "creationTimestamp": ago(DAY)}}
    table = tables.transform(TABLE_V1, WIDGET, widget, now=NOW)
    assert [(c["name"], c["type"]) for c in table["columnDefinitions"]] == [
        ("Name", "string"),
        ("Created At", "date"),
    ]
    assert table["rows"][0]["cells"] == ["w", "2026-06-30T12:00:00Z"]
    unset = tables.transform(TABLE_V1, WIDGET, {"metadata": {"name": "w"}}, now=NOW)
    assert unset["rows"][0]["cells"] == ["w", "0001-01-01T00:00:00Z"]


def test_rows_carry_conditions_only_when_their_printer_sets_some(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`conditions` is omitempty upstream: absent from a row without any."""
    done = {"type": "Completed", "status": "True", "reason": "Done", "message": "It is."}
    printer = printing.Printer(
        printing.DEFAULT.columns,
        printing.DEFAULT.cells,
        lambda obj: [done] if obj["metadata"]["name"] == "done" else [],
    )
    monkeypatch.setattr(printers, "printer_for", lambda group, kind: printer)
    items = [{"metadata": {"name": name}} for name in ("done", "busy")]
    listed = {"kind": "WidgetList", "metadata": {"resourceVersion": "5"}, "items": items}
    rows = tables.transform(TABLE_V1, WIDGET, listed, now=NOW)["rows"]
    assert [list(row) for row in rows] == [["cells", "conditions", "object"], ["cells", "object"]]
    assert rows[0]["conditions"] == [done]
    configmaps = tables.transform(TABLE_V1, core.CONFIGMAP, CONFIGMAP_LIST, now=NOW)["rows"]
    assert all("conditions" not in row for row in configmaps)


def test_as_is_leaves_the_object_alone() -> None:
    assert tables.transform(tables.AS_IS, core.CONFIGMAP, CONFIGMAP_LIST) is CONFIGMAP_LIST


def test_partial_object_metadata_of_one_object_and_of_a_list() -> None:
    one = tables.transform(
        tables.Output("PartialObjectMetadata", "v1"), core.CONFIGMAP, configmap("a", {})
    )
    assert one == {
        "kind": "PartialObjectMetadata",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": configmap("a", {})["metadata"],
    }
    listed = tables.transform(
        tables.Output("PartialObjectMetadataList", "v1beta1"), core.CONFIGMAP, CONFIGMAP_LIST
    )
    assert listed["kind"] == "PartialObjectMetadataList"
    assert listed["apiVersion"] == "meta.k8s.io/v1beta1"
    assert listed["metadata"] == {"resourceVersion": "42", "continue": "next-page"}
    assert [item["metadata"]["name"] for item in listed["items"]] == ["a", "b"]
    assert {item["kind"] for item in listed["items"]} == {"PartialObjectMetadata"}


@pytest.mark.parametrize(
    ("conversion", "obj", "message"),
    [
        pytest.param(
            "PartialObjectMetadata",
            CONFIGMAP_LIST,
            "you requested PartialObjectMetadata, but the requested object is a list "
            "(*core.ConfigMapList)",
            id="partial-of-a-list",
        ),
        pytest.param(
            "PartialObjectMetadataList",
            configmap("a", {}),
            "you requested PartialObjectMetadataList, but the requested object is not a list "
            "(*core.ConfigMap)",
            id="partial-list-of-one",
        ),
    ],
)
def test_a_partial_form_that_does_not_fit_is_406(
    conversion: str, obj: dict[str, Any], message: str
) -> None:
    with pytest.raises(KubeError) as refused:
        tables.transform(tables.Output(conversion, "v1"), core.CONFIGMAP, obj)
    assert (refused.value.code, str(refused.value)) == (406, message)


def test_watch_events_carry_column_definitions_in_the_first_only() -> None:
    first = tables.watch_object(TABLE_V1, core.CONFIGMAP, configmap("a", {}), first=True, now=NOW)
    later = tables.watch_object(TABLE_V1, core.CONFIGMAP, configmap("b", {}), first=False, now=NOW)
    assert [c["name"] for c in first["columnDefinitions"]] == ["Name", "Data", "Age"]
    assert later["columnDefinitions"] is None
    assert [first["rows"][0]["cells"], later["rows"][0]["cells"]] == [
        ["a", 0, "5s"],
        ["b", 0, "5s"],
    ]
    assert later["rows"][0]["object"]["kind"] == "PartialObjectMetadata"


def test_a_watch_error_status_and_an_unfit_conversion_go_as_they_are() -> None:
    expired = {"kind": "Status", "apiVersion": "v1", "status": "Failure", "code": 410}
    assert tables.watch_object(TABLE_V1, core.CONFIGMAP, expired, first=True) is expired
    partial_list = tables.Output("PartialObjectMetadataList", "v1")
    obj = configmap("a", {})
    assert tables.watch_object(partial_list, core.CONFIGMAP, obj, first=True) is obj
    partial = tables.Output("PartialObjectMetadata", "v1")
    assert tables.watch_object(partial, core.CONFIGMAP, obj, first=False)["metadata"]["name"] == "a"


# --- printers, from upstream's printers_test.go ------------------------------------------


def narrow(printer: printing.Printer, cells: list[Any]) -> list[Any]:
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
def test_columns_are_upstreams(printer: printing.Printer, columns: list[str]) -> None:
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
    assert printers.printer_for("apps", "ConfigMap") is printing.DEFAULT
