"""Job kinds: domain apps register a handler per kind in their AppConfig.ready()."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

_handlers: dict[str, Callable[[Any], None]] = {}


def register(kind: str, handler: Callable[[Any], None]) -> None:
    _handlers[kind] = handler


def handler_for(kind: str) -> Callable[[Any], None]:
    try:
        return _handlers[kind]
    except KeyError:
        raise LookupError(f"no handler registered for job kind {kind!r}") from None
