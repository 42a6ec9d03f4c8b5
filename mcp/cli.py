"""The `mcp` command: parse flags, load the configuration, set up logs, run.

`mcp run` runs the control plane; `mcp kubeconfig` prints a kubeconfig for it. No logic
lives here beyond turning start-up failures into one clear message and a non-zero exit
code. Every setting's flag comes from `config.SETTINGS`, so flags, environment variables
and the TOML file cannot drift apart.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import click
import trio

from mcp import __version__, config, logs, supervisor
from mcp.apiserver import kubeconfig
from mcp.embedded_etcd import EmbeddedEtcdFailed
from mcp.errors import ConfigError, McpError

EXIT_CONFIG = 2
EXIT_STARTUP = 1

SETTINGS_HELP = (
    "Settings come from defaults < config/mcp.toml (or --config) < environment variables "
    "MCP_<NAME> < these flags."
)


def _with_settings(command: Callable[..., Any]) -> Callable[..., Any]:
    """Add `--config` and one flag per setting to a command."""
    for setting in reversed(config.SETTINGS):
        command = click.option(
            config.flag_name(setting),
            setting.name,
            metavar=setting.metavar,
            default=None,
            help=f"{setting.help} [env {config.env_name(setting)}]",
        )(command)
    return click.option(
        "--config",
        "config_path",
        type=click.Path(path_type=Path),
        metavar="PATH",
        help="TOML configuration file",
    )(command)


def _load(config_path: Path | None, flags: dict[str, Any]) -> config.Config:
    try:
        return config.load(flags=flags, config_path=config_path)
    except ConfigError as exc:
        print(f"mcp: configuration error: {exc}", file=sys.stderr)
        sys.exit(EXIT_CONFIG)


@click.group(help="mcp, the mini control plane for Docker containers.")
@click.version_option(__version__, prog_name="mcp", message="%(prog)s %(version)s")
def _mcp() -> None:
    pass


@_mcp.command(
    "run",
    help=f"Run the control plane (API, watch, controllers) in this process. {SETTINGS_HELP}",
)
@_with_settings
def _run(config_path: Path | None, **flags: Any) -> None:
    settings = _load(config_path, flags)
    logs.setup(level=settings.log_level, fmt=settings.log_format)
    log = logs.get(actor="cli")
    try:
        trio.run(supervisor.run, settings)
    except* (McpError, EmbeddedEtcdFailed, OSError) as group:
        for error in _leaves(group):
            log.error("startup_failed", error=str(error), kind=type(error).__name__)
            print(f"mcp: {error}", file=sys.stderr)
        sys.exit(EXIT_STARTUP)
    except* Exception as group:
        log.error("mcp_failed", exc_info=group)
        print(f"mcp: fatal error: {_leaves(group)[0]!r}", file=sys.stderr)
        sys.exit(EXIT_STARTUP)


@_mcp.command(
    "kubeconfig",
    help=(
        "Print a kubeconfig for the mcp these settings describe, e.g. "
        f"`mcp kubeconfig > ~/.kube/config`. {SETTINGS_HELP}"
    ),
)
@click.option("--server", metavar="URL", help="the API's URL (default: from --listen)")
@_with_settings
def _kubeconfig(config_path: Path | None, server: str | None, **flags: Any) -> None:
    settings = _load(config_path, flags)
    url = server or kubeconfig.server_url(settings.listen_host, settings.listen_port)
    click.echo(kubeconfig.render(url), nl=False)


def main(argv: Sequence[str] | None = None) -> None:
    _mcp.main(args=list(argv) if argv is not None else None, prog_name="mcp")


def _leaves(group: BaseExceptionGroup[BaseException]) -> list[BaseException]:
    leaves: list[BaseException] = []
    for exc in group.exceptions:
        leaves.extend(_leaves(exc) if isinstance(exc, BaseExceptionGroup) else [exc])
    return leaves
