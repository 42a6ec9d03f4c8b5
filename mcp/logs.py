"""Log set-up: structlog everywhere, one JSON object per line on stdout.

Every line carries `timestamp` (ISO 8601, UTC), `level` and `event`, plus context
keys (`actor`, `container`, `revision`...). Event names are constant snake_case
strings; what varies goes into keys. Records from the standard `logging` module
(libraries such as grpc or urllib3) go through the same renderer, so stdout never
carries a line that is not JSON. `console` renders the same events for a terminal.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

import structlog

_LEVELS = {"debug": logging.DEBUG, "info": logging.INFO, "warning": logging.WARNING}
_LEVELS["error"] = logging.ERROR


def setup(*, level: str = "info", fmt: str = "json") -> None:
    """Configure structlog and route the standard library's logging through it.

    Args:
        level: the lowest level written (debug, info, warning, error).
        fmt: ``json`` for one JSON object per line, ``console`` for people.
    """
    numeric_level = _LEVELS[level]
    shared: list[structlog.types.Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    renderer: structlog.types.Processor
    if fmt == "json":
        # Tracebacks as data, without local variables: they are huge and may hold secrets.
        shared.append(
            structlog.processors.ExceptionRenderer(
                structlog.tracebacks.ExceptionDictTransformer(show_locals=False)
            )
        )
        renderer = structlog.processors.JSONRenderer(default=str)
    else:
        renderer = structlog.dev.ConsoleRenderer(colors=sys.stdout.isatty())

    structlog.configure(
        processors=[*shared, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(numeric_level),
        logger_factory=structlog.PrintLoggerFactory(sys.stdout),
        cache_logger_on_first_use=True,
    )

    # Foreign records: the library's message becomes `message`; `event` stays constant.
    def name_foreign_event(
        _logger: Any, _method: str, event_dict: structlog.types.EventDict
    ) -> structlog.types.EventDict:
        record = event_dict.get("_record")
        if record is not None:
            event_dict["message"] = event_dict.pop("event", "")
            event_dict["event"] = "library_log"
            event_dict["logger"] = record.name
        return event_dict

    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[*shared, name_foreign_event],
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
    )
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers = [handler]
    # Libraries are chatty at info; their warnings and errors are what ops need.
    root.setLevel(max(numeric_level, logging.WARNING))


def get(**context: Any) -> Any:
    """A logger bound to `context` (e.g. ``actor="watch"``).

    Lazy: safe to call at import time, before `setup` has run; the configuration in
    force at the first log call is the one used.
    """
    return structlog.get_logger(**context)
