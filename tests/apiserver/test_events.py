"""Events on the generic path: upstream's validation of core/v1 Events (legacyValidateEvent),
the field selectors of its event strategy, and the lease an Event is written on."""

from __future__ import annotations

from typing import Any

import pytest
import trio
from fakes import FakeStore

from mcp.apiserver import objects, storage
from mcp.apiserver.namespaces import ensure_defaults
from mcp.apiserver.status import KubeError
from mcp.kinds import core
from mcp.leases import SharedLease
from mcp.registry import Keys

KEYS = Keys("/t")
EVENTS = storage.STRATEGIES["events"]
MICRO = "2026-01-02T03:04:05.000006Z"


def event(**fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {"name": "web.17a"},
        "involvedObject": {"kind": "Pod", "name": "web", "namespace": "default"},
        "reason": "Started",
        "message": "Started container web",
        "type": "Normal",
    }
    return {**body, **fields}


def new_style(**fields: Any) -> dict[str, Any]:
    """An Event as the events.k8s.io API writes it: with eventTime, a reporter, an action."""
    reported = {
        "eventTime": MICRO,
        "reportingComponent": "example.com/agent",
        "reportingInstance": "agent-1",
        "action": "Starting",
    }
    return event(**{**reported, **fields})


def refusal(body: dict[str, Any], namespace: str = "default") -> str:
    with pytest.raises(KubeError) as refused:
        storage.prepare(EVENTS, body, namespace, field_validation="Strict")
    assert refused.value.code == 422
    return str(refused.value)


@pytest.mark.parametrize(
    ("body", "namespace"),
    [
        pytest.param(event(), "default", id="legacy"),
        pytest.param(event(involvedObject={"kind": "Node", "name": "n"}), "default", id="cluster"),
        pytest.param(
            event(involvedObject={"kind": "Pod", "name": "p", "namespace": "apps"}),
            "apps",
            id="same-namespace",
        ),
        pytest.param(event(type="Whatever"), "default", id="any-type-in-core-v1"),
        pytest.param(event(reason="", message=""), "default", id="legacy-needs-no-reason"),
        pytest.param(new_style(), "default", id="new-style"),
        pytest.param(
            new_style(involvedObject={"kind": "Node", "name": "n"}), "kube-system", id="kube-system"
        ),
        pytest.param(
            event(count=3, firstTimestamp="2026-01-02T03:04:05Z", source={"component": "x"}),
            "default",
            id="folded",
        ),
    ],
)
def test_valid_events(body: dict[str, Any], namespace: str) -> None:
    obj, warnings = storage.prepare(EVENTS, body, namespace, field_validation="Strict")
    assert obj["metadata"]["namespace"] == namespace
    assert warnings == []


@pytest.mark.parametrize(
    ("body", "namespace", "message"),
    [
        pytest.param(
            event(),
            "apps",
            'Event "web.17a" is invalid: involvedObject.namespace: Invalid value: "default": '
            "does not match event.namespace",
            id="namespace-mismatch",
        ),
        pytest.param(
            event(involvedObject={"kind": "Node", "name": "n"}),
            "apps",
            'Event "web.17a" is invalid: involvedObject.namespace: Invalid value: "": '
            "does not match event.namespace",
            id="cluster-object-outside-default",
        ),
        pytest.param(
            new_style(involvedObject={"kind": "Node", "name": "n"}),
            "apps",
            'Event "web.17a" is invalid: involvedObject.namespace: Invalid value: "": '
            "does not match event.namespace",
            id="new-style-cluster-object-outside-default",
        ),
        pytest.param(
            new_style(reportingComponent=""),
            "default",
            # Required, and IsQualifiedName's words for "" too, as upstream's
            # legacyValidateEvent says both.
            'Event "web.17a" is invalid: [reportingComponent: Required value, '
            'reportingComponent: Invalid value: "": name part must be non-empty, '
            'reportingComponent: Invalid value: "": name part must consist of alphanumeric '
            "characters, '-', '_' or '.', and must start and end with an alphanumeric character "
            "(e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is "
            "'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')]",
            id="no-reporter",
        ),
        pytest.param(
            new_style(reportingInstance="i" * 129),
            "default",
            'Event "web.17a" is invalid: reportingInstance: Invalid value: "": '
            "can have at most 128 characters",
            id="long-instance",
        ),
        pytest.param(
            new_style(action=""),
            "default",
            'Event "web.17a" is invalid: action: Required value',
            id="no-action",
        ),
        pytest.param(
            new_style(reason=""),
            "default",
            'Event "web.17a" is invalid: reason: Required value',
            id="no-reason",
        ),
        pytest.param(
            new_style(message="m" * 1025),
            "default",
            'Event "web.17a" is invalid: message: Invalid value: "": '
            "can have at most 1024 characters",
            id="long-note",
        ),
        pytest.param(
            event(count="3"), "default", 'Event "web.17a" is invalid: count: must be an integer'
        ),
        pytest.param(
            event(lastTimestamp="yesterday"),
            "default",
            'Event "web.17a" is invalid: lastTimestamp: must be an RFC 3339 time',
            id="bad-time",
        ),
        pytest.param(
            event(involvedObject={"name": 1}),
            "default",
            'Event "web.17a" is invalid: involvedObject.name: must be a string',
            id="bad-reference",
        ),
    ],
)
def test_invalid_events(body: dict[str, Any], namespace: str, message: str) -> None:
    assert refusal(body, namespace) == message


def test_unknown_fields_of_an_event_are_refused_under_strict() -> None:
    with pytest.raises(KubeError, match='unknown field "note"'):
        storage.prepare(EVENTS, event(note="x"), "default", field_validation="Strict")


def test_the_event_kind_is_served_as_upstream() -> None:
    kind = core.EVENT
    assert (kind.group_version, kind.resource, kind.kind, kind.namespaced) == (
        "v1",
        "events",
        "Event",
        True,
    )
    assert kind.short_names == ("ev",)
    assert kind in core.KINDS


RECORDED = event(
    metadata={"name": "web.17a", "namespace": "default"},
    involvedObject={
        "apiVersion": "mcp/v1",
        "kind": "Container",
        "name": "web",
        "uid": "u-1",
        "resourceVersion": "7",
        "fieldPath": "spec",
    },
    reason="BackOff",
    type="Warning",
    source={"component": "mcp-controller", "host": "h"},
    reportingComponent="mcp-controller",
)


@pytest.mark.parametrize(
    ("selector", "selected"),
    [
        pytest.param("metadata.name=web.17a", True, id="name"),
        pytest.param("metadata.namespace=default", True, id="namespace"),
        pytest.param("involvedObject.kind=Container", True, id="kind"),
        pytest.param("involvedObject.namespace=", True, id="no-involved-namespace"),
        pytest.param("involvedObject.name=web", True, id="involved-name"),
        pytest.param("involvedObject.name=other", False, id="other-name"),
        pytest.param("involvedObject.uid=u-1", True, id="uid"),
        pytest.param("involvedObject.apiVersion=mcp/v1", True, id="api-version"),
        pytest.param("involvedObject.resourceVersion=7", True, id="resource-version"),
        pytest.param("involvedObject.fieldPath=spec", True, id="field-path"),
        pytest.param("reason=BackOff", True, id="reason"),
        pytest.param("reason!=BackOff", False, id="reason-not"),
        pytest.param("reportingComponent=mcp-controller", True, id="reporting-component"),
        pytest.param("source=mcp-controller", True, id="source"),
        pytest.param("type=Warning", True, id="type"),
        pytest.param(
            "involvedObject.name=web,involvedObject.namespace=,involvedObject.uid=u-1",
            True,
            id="kubectl-describe",
        ),
    ],
)
def test_event_field_selectors(selector: str, selected: bool) -> None:
    assert storage.selection(core.EVENT, None, selector)(RECORDED) is selected


def test_source_falls_back_to_the_reporting_component() -> None:
    reported = {**RECORDED, "source": {}, "reportingComponent": "example.com/agent"}
    assert storage.selection(core.EVENT, None, "source=example.com/agent")(reported)


def test_an_unknown_event_field_is_refused() -> None:
    with pytest.raises(KubeError, match="field label not supported: message"):
        storage.selection(core.EVENT, None, "message=x")


async def test_events_are_written_on_the_lease_given(autojump_clock: trio.abc.Clock) -> None:
    """The generic path's hook: create and every update put the key on the lease, so a
    user's Event expires as the recorder's do (an update without one would detach it)."""
    store = FakeStore()
    await ensure_defaults(store, KEYS)
    shared = SharedLease(store, ttl_s=60)
    key = objects.key(KEYS, core.EVENT, "web.17a", "default")
    created, _ = await storage.create_object(
        store,
        KEYS,
        EVENTS,
        "default",
        event(),
        field_validation="Strict",
        dry_run=False,
        lease=await shared.current(),
    )
    assert store.key_leases[key] == await shared.current()
    await trio.sleep(30)
    patched, _ = await storage.patch_object(
        store,
        KEYS,
        EVENTS,
        "default",
        "web.17a",
        "application/merge-patch+json",
        {"count": 2},
        field_validation="Strict",
        dry_run=False,
        lease=await shared.current(),
    )
    assert patched["count"] == 2
    assert key in store.key_leases
    await trio.sleep(200)
    assert await store.get(key) is None
    assert created["metadata"]["uid"]


async def test_one_lease_is_shared_within_its_window(autojump_clock: trio.abc.Clock) -> None:
    store = FakeStore()
    shared = SharedLease(store, ttl_s=600)
    first = await shared.current()
    await trio.sleep(shared.reuse_window_s / 2)
    assert await shared.current() == first
    await trio.sleep(shared.reuse_window_s)
    assert await shared.current() != first
    assert store.lease_ttls[first] >= 600 + shared.reuse_window_s
