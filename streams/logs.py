"""Log lines a machine can read: `VESTNIK_LOG_FORMAT=json` gives one JSON object a line.

Each line carries what is known where it was logged: the agent and, while an
input is handled, its topic, partition, offset and article id (set per input
task in a context variable, so concurrent inputs do not mix).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Any

_INPUT: ContextVar[dict[str, object]] = ContextVar("vestnik_input", default={})  # noqa: B039 (never mutated)


@contextlib.contextmanager
def input_context(**fields: object) -> Iterator[None]:
    """Within this block, every log record carries `fields`."""
    token = _INPUT.set({**_INPUT.get(), **fields})
    try:
        yield
    finally:
        _INPUT.reset(token)


class InputContext(logging.Filter):
    """Copies the current input's fields onto each record (the JSON formatter prints extra fields)."""

    def filter(self, record: logging.LogRecord) -> bool:
        for name, value in _INPUT.get().items():
            if not hasattr(record, name):
                setattr(record, name, value)
        return True


def logging_config(level: str) -> dict[str, Any]:
    """A `logging.config.dictConfig` for JSON lines on stdout (the worker's own process)."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"input": {"()": InputContext}},
        "formatters": {"json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        }},
        "handlers": {"stdout": {"class": "logging.StreamHandler", "stream": "ext://sys.stdout",
                                "formatter": "json", "filters": ["input"]}},
        "root": {"level": level.upper(), "handlers": ["stdout"]},
    }
