"""The `mcp` command: parse flags, load the configuration, set up logs, run.

No logic lives here beyond turning start-up failures into one clear message and a
non-zero exit code.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

import trio

from mcp import __version__, config, logs, supervisor
from mcp.embedded_etcd import EmbeddedEtcdFailed
from mcp.errors import ConfigError, McpError

EXIT_CONFIG = 2
EXIT_STARTUP = 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mcp", description="mcp, the mini control plane for Docker containers."
    )
    parser.add_argument("--version", action="version", version=f"mcp {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser(
        "run",
        help="run the control plane (API, watch, controllers) in this process",
        description=(
            "Run the control plane. Settings come from defaults < config/mcp.toml (or "
            "--config) < environment variables MCP_<NAME> < these flags."
        ),
    )
    run.add_argument("--config", type=Path, metavar="PATH", help="TOML configuration file")
    for setting in config.SETTINGS:
        run.add_argument(
            config.flag_name(setting),
            dest=setting.name,
            metavar=setting.metavar,
            help=f"{setting.help} [env {config.env_name(setting)}]",
        )
    return parser


def main(argv: Sequence[str] | None = None) -> None:
    args = _parser().parse_args(argv)
    flags = {setting.name: getattr(args, setting.name) for setting in config.SETTINGS}
    try:
        settings = config.load(flags=flags, config_path=args.config)
    except ConfigError as exc:
        print(f"mcp: configuration error: {exc}", file=sys.stderr)
        sys.exit(EXIT_CONFIG)
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


def _leaves(group: BaseExceptionGroup[BaseException]) -> list[BaseException]:
    leaves: list[BaseException] = []
    for exc in group.exceptions:
        leaves.extend(_leaves(exc) if isinstance(exc, BaseExceptionGroup) else [exc])
    return leaves
