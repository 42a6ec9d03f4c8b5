"""Docker names and labels of a Pod's containers, its DNS, and the pod network's checks."""

from __future__ import annotations

import ipaddress

import pytest

from mcp import sandbox
from mcp.sandbox import DnsConfig, DockerName, PodRef

WEB = PodRef(name="web-0", namespace="shop", uid="5b2c9e4a-0d1f-4c3e-9a8b-7f6e5d4c3b2a")


@pytest.mark.parametrize(
    ("container", "attempt", "expected"),
    [
        pytest.param(
            "nginx", 0, "k8s_nginx_web-0_shop_5b2c9e4a-0d1f-4c3e-9a8b-7f6e5d4c3b2a_0", id="app"
        ),
        pytest.param(
            "log-shipper",
            12,
            "k8s_log-shipper_web-0_shop_5b2c9e4a-0d1f-4c3e-9a8b-7f6e5d4c3b2a_12",
            id="app-recreated",
        ),
        pytest.param(
            "POD", 0, "k8s_POD_web-0_shop_5b2c9e4a-0d1f-4c3e-9a8b-7f6e5d4c3b2a_0", id="infra"
        ),
    ],
)
def test_names_are_dockershims(container: str, attempt: int, expected: str) -> None:
    assert sandbox.container_name(WEB, container, attempt) == expected
    assert sandbox.parse_name(expected) == DockerName(WEB, container, attempt)
    assert sandbox.parse_name(f"/{expected}") == DockerName(WEB, container, attempt)


def test_infra_name_is_the_pod_container() -> None:
    assert sandbox.infra_name(WEB, 3) == sandbox.container_name(WEB, "POD", 3)


def test_a_dotted_pod_name_splits_back() -> None:
    pod = PodRef(name="api.v2", namespace="default", uid="u")
    assert sandbox.parse_name(sandbox.container_name(pod, "app", 1)) == DockerName(pod, "app", 1)


@pytest.mark.parametrize(
    "name",
    [
        pytest.param("mcp-clock", id="mcp-container"),
        pytest.param("k8s_nginx_web_shop_uid", id="no-attempt"),
        pytest.param("k8s_nginx_web_shop_uid_x", id="attempt-not-a-number"),
        pytest.param("k8s_nginx__shop_uid_0", id="empty-part"),
        pytest.param("k8s_a_b_c_d_e_0", id="too-many-parts"),
        pytest.param("k9s_nginx_web_shop_uid_0", id="other-prefix"),
    ],
)
def test_other_names_are_not_parsed(name: str) -> None:
    assert sandbox.parse_name(name) is None


def test_labels_say_pod_container_namespace_and_cluster() -> None:
    assert sandbox.container_labels(WEB, "nginx", cluster_id="c-1") == {
        "io.kubernetes.pod.name": "web-0",
        "io.kubernetes.pod.namespace": "shop",
        "io.kubernetes.pod.uid": WEB.uid,
        "io.kubernetes.container.name": "nginx",
        "io.kubernetes.docker.type": "container",
        "mcp.cluster": "c-1",
    }
    infra = sandbox.infra_labels(WEB, cluster_id="c-1")
    assert infra["io.kubernetes.container.name"] == "POD"
    assert infra["io.kubernetes.docker.type"] == "podsandbox"


def test_cluster_first_dns_searches_the_namespace_first() -> None:
    assert sandbox.cluster_first_dns("shop", server="10.96.0.10") == DnsConfig(
        servers=("10.96.0.10",),
        searches=("shop.svc.cluster.local", "svc.cluster.local", "cluster.local"),
        options=("ndots:5",),
    )


SUBNET = ipaddress.IPv4Network("10.244.0.0/16")
OURS = {"mcp.role": "pod-network"}


@pytest.mark.parametrize(
    ("labels", "driver", "subnets", "words"),
    [
        pytest.param(OURS, "bridge", ["10.244.0.0/16"], None, id="ours"),
        pytest.param(OURS, "bridge", ["10.244.0.0/16", "fd00::/64"], None, id="with-ipv6"),
        pytest.param({}, "bridge", ["10.244.0.0/16"], ["not mcp's", "mcp.role"], id="unlabelled"),
        pytest.param(
            {"mcp.role": "infra"}, "bridge", ["10.244.0.0/16"], ["not mcp's"], id="other-role"
        ),
        pytest.param(OURS, "macvlan", ["10.244.0.0/16"], ["macvlan"], id="not-a-bridge"),
        pytest.param(
            OURS, "bridge", ["10.245.0.0/16"], ["10.245.0.0/16, not 10.244.0.0/16"], id="subnet"
        ),
        pytest.param(OURS, "bridge", ["10.244.0.0/24"], ["10.244.0.0/24"], id="narrower"),
        pytest.param(OURS, "bridge", [], ["subnet none"], id="no-subnet"),
        pytest.param(
            OURS, "bridge", ["10.244.0.0/16", "10.9.0.0/16"], ["10.9.0.0/16"], id="two-subnets"
        ),
    ],
)
def test_only_mcps_bridge_on_that_subnet_serves(
    labels: dict[str, str], driver: str, subnets: list[str], words: list[str] | None
) -> None:
    problem = sandbox.pod_network_problem(
        "mcp-pods", SUBNET, labels=labels, driver=driver, subnets=subnets
    )
    if words is None:
        assert problem is None
    else:
        assert problem is not None
        for word in words:
            assert word in problem


def test_the_gateway_is_the_first_address() -> None:
    assert sandbox.default_gateway(SUBNET) == ipaddress.IPv4Address("10.244.0.1")


@pytest.mark.parametrize(
    ("labels", "expected"),
    [
        pytest.param(sandbox.container_labels(WEB, "app", cluster_id="c1"), WEB, id="app"),
        pytest.param(sandbox.infra_labels(WEB, cluster_id="c1"), WEB, id="infra"),
        pytest.param({"mcp.cluster": "c1", "mcp.name": "db"}, None, id="an-mcp-object"),
        pytest.param(
            {**sandbox.infra_labels(WEB, cluster_id="c1"), sandbox.LABEL_POD_NAMESPACE: ""},
            None,
            id="namespace-empty",
        ),
        pytest.param(
            {sandbox.LABEL_POD_NAME: "web-0", sandbox.LABEL_POD_UID: WEB.uid},
            None,
            id="namespace-missing",
        ),
    ],
)
def test_labels_name_the_pod_of_a_container(
    labels: dict[str, str], expected: PodRef | None
) -> None:
    assert sandbox.labelled_pod(labels) == expected


def test_a_pods_infra_container_is_removed_after_the_containers_joined_to_it() -> None:
    from mcp.model import Observed

    ref = sandbox.PodRef("web", "shop", "u-1")

    def seen(name: str) -> Observed:
        return Observed(name, None, None, True, None, "running", name=name)

    infra = seen(sandbox.infra_name(ref, 0))
    app, side = (
        seen(sandbox.container_name(ref, "app", 0)),
        seen(sandbox.container_name(ref, "side", 1)),
    )
    mcp_own = seen("mcp-db")
    assert sandbox.infra_last([infra, app, mcp_own, side]) == [app, mcp_own, side, infra]
