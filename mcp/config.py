"""Configuration: one frozen `Config`, loaded once at start-up and passed explicitly.

Layers, later wins: built-in defaults < a TOML file (`--config PATH`, else
`config/mcp.toml` under the working directory when it exists) < environment
variables `MCP_<NAME>` < command-line flags. Every setting is declared once in
`SETTINGS`; the CLI's flags and `--help` text are generated from that table, so the
three layers cannot drift apart. Any invalid value raises `ConfigError` naming the
setting and the layer it came from.
"""

from __future__ import annotations

import ipaddress
import os
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from mcp.errors import ConfigError

DEFAULT_ETCD = "http://127.0.0.1:2379"
DEFAULT_CONFIG_FILE = Path("config/mcp.toml")
LOG_LEVELS = ("debug", "info", "warning", "error")
LOG_FORMATS = ("json", "console")
DEFAULT_CLUSTER_DOMAIN = "cluster.local"
DNS_PORT = 53
HOST_NAME_RE = re.compile(r"[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*")
DOCKER_NAME_RE = re.compile(r"[a-zA-Z0-9][a-zA-Z0-9_.-]*")
# The pod network's default: flannel's and kubeadm's usual Pod CIDR, which people know
# as pod addresses. Docker's own default pools are 172.17.0.0/16 to 172.31.0.0/16 and
# 192.168.0.0/16, and `docker network create` without a subnet never takes 10.x, so the
# two do not clash on an engine left at its defaults.
DEFAULT_POD_SUBNET = ipaddress.IPv4Network("10.244.0.0/16")


@dataclass(frozen=True)
class Config:
    listen_host: str = "127.0.0.1"
    listen_port: int = 8080
    etcd_endpoints: tuple[str, ...] = (DEFAULT_ETCD,)
    # True when no layer named an etcd: only then may `mcp run` start an embedded one.
    etcd_is_default: bool = True
    etcd_prefix: str = "/mcp"
    docker_host: str = "unix:///var/run/docker.sock"
    data_dir: Path = Path.home() / ".local" / "share" / "mcp"
    log_level: str = "info"
    log_format: str = "json"
    grace_period: float = 10.0
    resync_interval: float = 30.0
    docker_concurrency: int = 8
    bookmark_interval: float = 10.0
    event_ttl: int = 3600
    restart_backoff_base: float = 10.0
    restart_backoff_cap: float = 300.0
    restart_backoff_reset: float = 600.0
    orphans: str = "remove"
    controllers: str = "all"
    # The cluster's DNS domain: Pods' search path, and the zone the cluster DNS answers.
    cluster_domain: str = DEFAULT_CLUSTER_DOMAIN
    # (address, port) of the resolvers the cluster DNS asks for every other name; empty
    # for the host's own, from /etc/resolv.conf.
    cluster_dns_upstreams: tuple[tuple[str, int], ...] = ()
    # Seconds a leader's etcd lease lasts unless renewed (every third of it).
    leader_lease: int = 15
    # Host names the API answers to besides IP addresses, localhost and the listen host.
    allowed_hosts: tuple[str, ...] = ()
    # Browser origins allowed to call the API (CORS); none by default.
    allowed_origins: tuple[str, ...] = ()
    # The name of the Node that stands for the Docker host; "" for the host's name.
    node_name: str = ""
    # mcp's one Docker network for Pods, and its subnet: every Pod's address is there.
    pod_network: str = "mcp-pods"
    pod_subnet: ipaddress.IPv4Network = DEFAULT_POD_SUBNET

    @property
    def listen(self) -> str:
        return f"{self.listen_host}:{self.listen_port}"


# --- parsers: raw value (str from env/flags, or a TOML value) -> typed value -----------------


def _parse_listen(raw: Any) -> tuple[str, int]:
    text = str(raw)
    host, sep, port_text = text.rpartition(":")
    if not sep or not host or not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise ValueError(f"expected HOST:PORT with a port from 1 to 65535, got {text!r}")
    return host.strip("[]"), int(port_text)


def _parse_etcd(raw: Any) -> tuple[str, ...]:
    items = raw if isinstance(raw, list) else str(raw).split(",")
    urls = tuple(str(item).strip() for item in items if str(item).strip())
    if not urls:
        raise ValueError("expected at least one etcd URL")
    for url in urls:
        parts = urlsplit(url)
        if parts.scheme != "http" or not parts.hostname or parts.port is None:
            raise ValueError(f"expected http://HOST:PORT, got {url!r} (aetcd has no TLS)")
    return urls


def _parse_prefix(raw: Any) -> str:
    text = str(raw).rstrip("/")
    if not text.startswith("/") or len(text) < 2 or " " in text:
        raise ValueError(f"expected a key prefix like /mcp, got {raw!r}")
    return text


def _parse_dir(raw: Any) -> Path:
    text = str(raw).strip()
    if not text:
        raise ValueError("expected a directory path")
    return Path(text).expanduser()


def _parse_docker_host(raw: Any) -> str:
    text = str(raw)
    if not text.startswith(("unix://", "tcp://", "http://", "ssh://")):
        raise ValueError(f"expected unix://PATH or tcp://HOST:PORT, got {text!r}")
    return text


def _names(raw: Any) -> tuple[str, ...]:
    items = raw if isinstance(raw, list) else str(raw).split(",")
    names = tuple(str(item).strip().lower().rstrip(".") for item in items if str(item).strip())
    for name in names:
        if not HOST_NAME_RE.fullmatch(name):
            raise ValueError(f"expected a host name like mcp.example.internal, got {name!r}")
    return names


def normalize_origin(raw: str) -> str:
    """`scheme://host[:port]` in lower case, the default port left out.

    Raises:
        ValueError: not an origin (no scheme or host, or a path, query or user part).
    """
    parts = urlsplit(raw.strip())
    if (
        parts.scheme not in ("http", "https")
        or not parts.hostname
        or parts.path not in ("", "/")
        or parts.query
        or parts.fragment
        or parts.username is not None
    ):
        raise ValueError(f"expected an origin like http://localhost:3000, got {raw!r}")
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    default = {"http": 80, "https": 443}[parts.scheme]
    port = "" if parts.port in (None, default) else f":{parts.port}"
    return f"{parts.scheme}://{host}{port}"


def _node_name(raw: Any) -> str:
    text = str(raw).strip().lower()
    if text and not HOST_NAME_RE.fullmatch(text):
        raise ValueError(f"expected a lowercase DNS name like docker-host-1, got {raw!r}")
    return text


def _docker_network(raw: Any) -> str:
    text = str(raw).strip()
    if not DOCKER_NAME_RE.fullmatch(text):
        raise ValueError(f"expected a Docker network name like mcp-pods, got {raw!r}")
    return text


def _subnet(raw: Any) -> ipaddress.IPv4Network:
    text = str(raw).strip()
    try:
        if "/" not in text:
            raise ValueError("no prefix length")
        subnet = ipaddress.IPv4Network(text)
    except ValueError as exc:
        raise ValueError(
            f"expected an IPv4 network in CIDR form like 10.244.0.0/16, got {raw!r} ({exc})"
        ) from None
    if subnet.prefixlen > 30:
        raise ValueError(f"{subnet} leaves no room for a gateway and a Pod: at most /30")
    if subnet.is_loopback or subnet.is_multicast or subnet.is_link_local or subnet.is_unspecified:
        raise ValueError(f"{subnet} is not a range for hosts (loopback, multicast, link-local)")
    return subnet


def _origins(raw: Any) -> tuple[str, ...]:
    items = raw if isinstance(raw, list) else str(raw).split(",")
    return tuple(normalize_origin(str(item)) for item in items if str(item).strip())


def _choice(options: tuple[str, ...]) -> Callable[[Any], str]:
    def parse(raw: Any) -> str:
        text = str(raw).lower()
        if text not in options:
            raise ValueError(f"expected one of {', '.join(options)}, got {raw!r}")
        return text

    return parse


def _positive_float(raw: Any) -> float:
    value = float(raw)
    if not value > 0:
        raise ValueError(f"expected a positive number of seconds, got {raw!r}")
    return value


def _lease_seconds(raw: Any) -> int:
    value = int(str(raw))
    # etcd raises shorter TTLs to its own minimum (about 2 s with default timings).
    if value < 2:
        raise ValueError(f"expected a whole number of seconds of at least 2, got {raw!r}")
    return value


def _positive_int(raw: Any) -> int:
    value = int(str(raw))
    if value < 1:
        raise ValueError(f"expected a whole number of at least 1, got {raw!r}")
    return value


def _domain(raw: Any) -> str:
    text = str(raw).strip().lower().rstrip(".")
    if not HOST_NAME_RE.fullmatch(text):
        raise ValueError(f"expected a DNS domain like cluster.local, got {raw!r}")
    return text


def _upstreams(raw: Any) -> tuple[tuple[str, int], ...]:
    items = raw if isinstance(raw, list) else str(raw).split(",")
    return tuple(_upstream(str(item).strip()) for item in items if str(item).strip())


def _upstream(text: str) -> tuple[str, int]:
    """`10.0.0.2`, `10.0.0.2:5353`, `2001:db8::1` or `[2001:db8::1]:5353`; port 53 unsaid."""
    expected = ValueError(
        "expected an IP address and an optional port, like 10.0.0.2, 10.0.0.2:5353 "
        f"or [2001:db8::1]:5353, got {text!r}"
    )
    port_text: str | None = None
    if text.startswith("["):
        host, bracket, rest = text[1:].partition("]")
        if not bracket or (rest and not rest.startswith(":")):
            raise expected
        port_text = rest[1:] if rest else None
    elif text.count(":") == 1:
        host, _, port_text = text.partition(":")
    else:
        host = text
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        raise expected from None
    if port_text is not None and not port_text.isdigit():
        raise expected
    port = DNS_PORT if port_text is None else int(port_text)
    if not 0 < port < 65536 or (text.startswith("[") and address.version != 6):
        raise expected
    return str(address), port


@dataclass(frozen=True)
class Setting:
    name: str  # TOML key; the flag is --name-with-dashes, the env var MCP_NAME
    parse: Callable[[Any], Any]
    help: str
    metavar: str


SETTINGS: tuple[Setting, ...] = (
    Setting("listen", _parse_listen, "HTTP API address (default 127.0.0.1:8080)", "HOST:PORT"),
    Setting(
        "etcd",
        _parse_etcd,
        f"etcd endpoints, comma-separated (default {DEFAULT_ETCD}; when left at the default "
        "and nothing answers there, mcp starts an embedded etcd)",
        "URL[,URL...]",
    ),
    Setting("etcd_prefix", _parse_prefix, "key prefix for all of mcp's keys (default /mcp)", "KEY"),
    Setting(
        "docker_host",
        _parse_docker_host,
        "Docker engine address (default $DOCKER_HOST, else unix:///var/run/docker.sock)",
        "URL",
    ),
    Setting(
        "data_dir",
        _parse_dir,
        "state directory, e.g. embedded etcd (default ~/.local/share/mcp)",
        "DIR",
    ),
    Setting("log_level", _choice(LOG_LEVELS), "debug, info, warning or error (default info)", "L"),
    Setting("log_format", _choice(LOG_FORMATS), "json lines or console (default json)", "F"),
    Setting(
        "grace_period",
        _positive_float,
        "seconds to finish work after SIGTERM/SIGINT before cancelling (default 10)",
        "S",
    ),
    Setting(
        "resync_interval",
        _positive_float,
        "seconds between full reconciles of every container (default 30)",
        "S",
    ),
    Setting(
        "bookmark_interval",
        _positive_float,
        "seconds between BOOKMARK lines on an idle watch stream (default 10)",
        "S",
    ),
    Setting(
        "event_ttl",
        _positive_int,
        "seconds an event is kept after its last occurrence (default 3600)",
        "S",
    ),
    Setting(
        "restart_backoff_base",
        _positive_float,
        "seconds before the 2nd restart of a crash-looping container, doubling (default 10)",
        "S",
    ),
    Setting(
        "restart_backoff_cap",
        _positive_float,
        "longest pause between restarts of a crash-looping container (default 300)",
        "S",
    ),
    Setting(
        "restart_backoff_reset",
        _positive_float,
        "seconds of running after which the back-off starts afresh (default 600)",
        "S",
    ),
    Setting(
        "controllers",
        _choice(("all", "none")),
        "all, or none for an API-only replica that never calls Docker (default all)",
        "WHICH",
    ),
    Setting(
        "cluster_domain",
        _domain,
        f"the cluster's DNS domain, in Pods' search path (default {DEFAULT_CLUSTER_DOMAIN})",
        "DOMAIN",
    ),
    Setting(
        "cluster_dns_upstreams",
        _upstreams,
        "resolvers the cluster DNS forwards other names to (default: the host's, "
        "from /etc/resolv.conf)",
        "IP[:PORT][,...]",
    ),
    Setting(
        "leader_lease",
        _lease_seconds,
        "seconds a leader holds its etcd lease unless renewed; a standby takes over "
        "after that when the leader dies (default 15)",
        "S",
    ),
    Setting(
        "orphans",
        _choice(("remove", "keep")),
        "containers of this cluster that no object claims: remove, or keep and report",
        "MODE",
    ),
    Setting(
        "docker_concurrency",
        _positive_int,
        "Docker calls in flight at once, pulls and the event stream aside (default 8)",
        "N",
    ),
    Setting(
        "allowed_hosts",
        _names,
        "host names the API answers to besides IP addresses, localhost and the listen host",
        "NAME[,NAME...]",
    ),
    Setting(
        "allowed_origins",
        _origins,
        "browser origins allowed to call the API, e.g. http://localhost:3000 (default none)",
        "ORIGIN[,...]",
    ),
    Setting(
        "node_name",
        _node_name,
        "name of the Node that stands for the Docker host (default: the host name, lower case)",
        "NAME",
    ),
    Setting(
        "pod_network",
        _docker_network,
        "mcp's Docker network for Pods, made when missing (default mcp-pods)",
        "NAME",
    ),
    Setting(
        "pod_subnet",
        _subnet,
        f"IPv4 subnet of the pod network, in CIDR form (default {DEFAULT_POD_SUBNET})",
        "CIDR",
    ),
)


def env_name(setting: Setting) -> str:
    return "MCP_" + setting.name.upper()


def flag_name(setting: Setting) -> str:
    return "--" + setting.name.replace("_", "-")


def read_config_file(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except OSError as exc:
        raise ConfigError(f"cannot read config file {path}: {exc.strerror}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {path} is not valid TOML: {exc}") from exc


def load(
    *,
    flags: Mapping[str, Any],
    environ: Mapping[str, str] | None = None,
    config_path: Path | None = None,
) -> Config:
    """Build the configuration from its layers.

    Args:
        flags: setting name -> raw value, only for flags the user gave.
        environ: the environment (default ``os.environ``).
        config_path: an explicit ``--config``; it must exist. Without it,
            ``config/mcp.toml`` is read when present.

    Raises:
        ConfigError: a layer holds an unknown key or an invalid value.
    """
    environ = os.environ if environ is None else environ
    file_values: dict[str, Any] = {}
    source_file = config_path
    if config_path is not None:
        file_values = read_config_file(config_path)
    elif DEFAULT_CONFIG_FILE.is_file():
        source_file = DEFAULT_CONFIG_FILE
        file_values = read_config_file(DEFAULT_CONFIG_FILE)
    known = {setting.name for setting in SETTINGS}
    unknown = sorted(set(file_values) - known)
    if unknown:
        raise ConfigError(f"config file {source_file}: unknown setting {unknown[0]!r}")

    parsed: dict[str, Any] = {}
    for setting in SETTINGS:
        layers: list[tuple[str, Any]] = []
        if setting.name in file_values:
            layers.append((f"config file {source_file}", file_values[setting.name]))
        if env_name(setting) in environ:
            layers.append((f"environment variable {env_name(setting)}", environ[env_name(setting)]))
        if flags.get(setting.name) is not None:
            layers.append((f"flag {flag_name(setting)}", flags[setting.name]))
        if not layers:
            continue
        where, raw = layers[-1]
        try:
            parsed[setting.name] = setting.parse(raw)
        except (ValueError, TypeError) as exc:
            raise ConfigError(f"invalid {setting.name} from {where}: {exc}") from exc

    values: dict[str, Any] = {}
    if "listen" in parsed:
        values["listen_host"], values["listen_port"] = parsed.pop("listen")
    if "etcd" in parsed:
        values["etcd_endpoints"] = parsed.pop("etcd")
        values["etcd_is_default"] = False
    if "docker_host" not in parsed and environ.get("DOCKER_HOST"):
        try:
            parsed["docker_host"] = _parse_docker_host(environ["DOCKER_HOST"])
        except ValueError as exc:
            raise ConfigError(f"invalid DOCKER_HOST: {exc}") from exc
    values.update(parsed)
    return Config(**values)
