"""Configuration layers: defaults < file < environment < flags, and clear errors."""

from __future__ import annotations

import ipaddress
from pathlib import Path

import pytest

from mcp import config
from mcp.errors import ConfigError


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "mcp.toml"
    path.write_text(text)
    return path


def test_defaults(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # no config/mcp.toml here
    loaded = config.load(flags={}, environ={})
    assert loaded.listen == "127.0.0.1:8080"
    assert loaded.etcd_endpoints == ("http://127.0.0.1:2379",)
    assert loaded.etcd_is_default
    assert loaded.etcd_prefix == "/mcp"
    assert loaded.docker_host == "unix:///var/run/docker.sock"
    assert loaded.grace_period == 10.0
    assert loaded.leader_lease == 15
    assert loaded.pod_network == "mcp-pods"
    assert loaded.pod_subnet == ipaddress.IPv4Network("10.244.0.0/16")
    assert loaded.cluster_domain == "cluster.local"
    assert loaded.cluster_dns_upstreams == ()


def test_shipped_config_file_only_documents_the_defaults() -> None:
    shipped = Path(__file__).parent.parent / "config" / "mcp.toml"
    assert config.load(flags={}, environ={}, config_path=shipped) == config.Config()


def test_data_dir_expands_home() -> None:
    loaded = config.load(flags={"data_dir": "~/mcp-state"}, environ={})
    assert loaded.data_dir == Path.home() / "mcp-state"


def test_layers_later_wins(tmp_path: Path) -> None:
    path = write(tmp_path, 'listen = "0.0.0.0:9000"\netcd_prefix = "/file"\nlog_level = "debug"\n')
    environ = {"MCP_ETCD_PREFIX": "/env", "MCP_LOG_LEVEL": "warning"}
    loaded = config.load(flags={"log_level": "error"}, environ=environ, config_path=path)
    assert loaded.listen == "0.0.0.0:9000"  # file only
    assert loaded.etcd_prefix == "/env"  # env beats file
    assert loaded.log_level == "error"  # flag beats env


def test_default_config_file_is_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "mcp.toml").write_text("grace_period = 3\n")
    monkeypatch.chdir(tmp_path)
    assert config.load(flags={}, environ={}).grace_period == 3.0


def test_etcd_list_and_docker_host_env() -> None:
    loaded = config.load(
        flags={"etcd": "http://10.0.0.1:2379,http://10.0.0.2:2379"},
        environ={"DOCKER_HOST": "tcp://127.0.0.1:2375"},
    )
    assert loaded.etcd_endpoints == ("http://10.0.0.1:2379", "http://10.0.0.2:2379")
    assert not loaded.etcd_is_default
    assert loaded.docker_host == "tcp://127.0.0.1:2375"


def test_pod_network_and_subnet_from_file_env_and_flags(tmp_path: Path) -> None:
    path = write(tmp_path, 'pod_network = "file-pods"\npod_subnet = "10.50.0.0/16"\n')
    from_file = config.load(flags={}, environ={}, config_path=path)
    assert (from_file.pod_network, str(from_file.pod_subnet)) == ("file-pods", "10.50.0.0/16")
    environ = {"MCP_POD_SUBNET": " 10.60.0.0/20 "}
    loaded = config.load(flags={"pod_network": "flag-pods"}, environ=environ, config_path=path)
    assert loaded.pod_network == "flag-pods"
    assert loaded.pod_subnet == ipaddress.IPv4Network("10.60.0.0/20")


def test_allowed_hosts_and_origins_from_file_and_env(tmp_path: Path) -> None:
    path = write(tmp_path, 'allowed_hosts = ["MCP.lan", "box.internal."]\n')
    environ = {"MCP_ALLOWED_ORIGINS": "http://LOCALHOST:3000, https://dash.example:443/"}
    loaded = config.load(flags={}, environ=environ, config_path=path)
    assert loaded.allowed_hosts == ("mcp.lan", "box.internal")
    assert loaded.allowed_origins == ("http://localhost:3000", "https://dash.example")


def test_cluster_dns_settings_from_file_env_and_flags(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        'cluster_domain = "file.internal"\n'
        'cluster_dns_upstreams = ["10.0.0.2", "[2001:db8::1]:5353"]\n',
    )
    loaded = config.load(flags={}, environ={}, config_path=path)
    assert loaded.cluster_domain == "file.internal"
    assert loaded.cluster_dns_upstreams == (("10.0.0.2", 53), ("2001:db8::1", 5353))
    environ = {"MCP_CLUSTER_DOMAIN": "Corp.Internal.", "MCP_CLUSTER_DNS_UPSTREAMS": "10.0.0.4"}
    flags = {"cluster_dns_upstreams": "10.0.0.3:5353, 2001:db8::0:2"}
    loaded = config.load(flags=flags, environ=environ, config_path=path)
    assert loaded.cluster_domain == "corp.internal"
    assert loaded.cluster_dns_upstreams == (("10.0.0.3", 5353), ("2001:db8::2", 53))


@pytest.mark.parametrize(
    "upstream",
    [
        pytest.param("dns.example.com", id="a-name"),
        pytest.param("10.0.0.2:0", id="port-0"),
        pytest.param("10.0.0.2:65536", id="port-too-big"),
        pytest.param("10.0.0.2:", id="port-empty"),
        pytest.param("10.0.0.2:+53", id="port-signed"),
        pytest.param("[10.0.0.2]:53", id="ipv4-in-brackets"),
        pytest.param("[2001:db8::1", id="bracket-unclosed"),
        pytest.param("[2001:db8::1]53", id="bracket-without-colon"),
    ],
)
def test_an_invalid_upstream_names_the_setting(upstream: str) -> None:
    with pytest.raises(ConfigError, match=r"cluster_dns_upstreams.*expected an IP address"):
        config.load(flags={"cluster_dns_upstreams": upstream}, environ={})


@pytest.mark.parametrize(
    ("flags", "environ", "words"),
    [
        pytest.param({"listen": "nonsense"}, {}, ["listen", "--listen"], id="listen"),
        pytest.param({"listen": "h:70000"}, {}, ["listen"], id="port-range"),
        pytest.param({}, {"MCP_LOG_LEVEL": "loud"}, ["log_level", "MCP_LOG_LEVEL"], id="level"),
        pytest.param({"etcd": "https://x:1"}, {}, ["etcd"], id="etcd-scheme"),
        pytest.param({"etcd_prefix": "mcp"}, {}, ["etcd_prefix"], id="prefix"),
        pytest.param({"grace_period": "-1"}, {}, ["grace_period"], id="grace"),
        pytest.param({"docker_host": "/var/run/x"}, {}, ["docker_host"], id="docker-host"),
        pytest.param({"docker_concurrency": "0"}, {}, ["docker_concurrency"], id="concurrency"),
        pytest.param({"leader_lease": "1"}, {}, ["leader_lease", "at least 2"], id="lease-1"),
        pytest.param({}, {"MCP_LEADER_LEASE": "soon"}, ["leader_lease"], id="lease-env"),
        pytest.param({"allowed_hosts": "a.lan:80"}, {}, ["allowed_hosts"], id="host-with-port"),
        pytest.param({"cluster_domain": "a_b.local"}, {}, ["cluster_domain"], id="domain"),
        pytest.param({}, {"MCP_CLUSTER_DOMAIN": ""}, ["MCP_CLUSTER_DOMAIN"], id="domain-empty"),
        pytest.param({"allowed_origins": "localhost:3000"}, {}, ["allowed_origins"], id="origin"),
        pytest.param(
            {"allowed_origins": "http://a.example/app"}, {}, ["allowed_origins"], id="origin-path"
        ),
        pytest.param({"pod_subnet": "10.244.0.0"}, {}, ["pod_subnet", "CIDR"], id="no-prefix"),
        pytest.param(
            {}, {"MCP_POD_SUBNET": "10.244.0.1/16"}, ["MCP_POD_SUBNET", "host bits"], id="host-bits"
        ),
        pytest.param({"pod_subnet": "fd00::/64"}, {}, ["pod_subnet", "IPv4"], id="ipv6-subnet"),
        pytest.param({"pod_subnet": "pods"}, {}, ["--pod-subnet", "CIDR"], id="subnet-word"),
        pytest.param({"pod_subnet": "10.0.0.0/31"}, {}, ["/30"], id="subnet-too-small"),
        pytest.param({"pod_subnet": "127.0.0.0/8"}, {}, ["loopback"], id="subnet-loopback"),
        pytest.param({"pod_network": "-pods"}, {}, ["pod_network"], id="network-name"),
        pytest.param({"pod_network": "my pods"}, {}, ["--pod-network"], id="network-space"),
    ],
)
def test_invalid_values_name_the_setting(
    flags: dict[str, str], environ: dict[str, str], words: list[str]
) -> None:
    with pytest.raises(ConfigError) as caught:
        config.load(flags=flags, environ=environ)
    for word in words:
        assert word in str(caught.value)


def test_unknown_key_and_bad_toml(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="unknown setting 'colour'"):
        config.load(flags={}, environ={}, config_path=write(tmp_path, 'colour = "blue"\n'))
    with pytest.raises(ConfigError, match="not valid TOML"):
        config.load(flags={}, environ={}, config_path=write(tmp_path, "listen = \n"))
    with pytest.raises(ConfigError, match="cannot read"):
        config.load(flags={}, environ={}, config_path=tmp_path / "absent.toml")
