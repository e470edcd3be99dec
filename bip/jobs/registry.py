"""Job kinds: domain apps register a handler per kind in their AppConfig.ready()."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

_handlers: dict[str, Callable[[Any], None]] = {}
_labels: dict[str, Any] = {}


def register(kind: str, handler: Callable[[Any], None], label: Any = "") -> None:
    _handlers[kind] = handler
    if label:
        _labels[kind] = label


def label_for(kind: str) -> str:
    return str(_labels.get(kind, kind))


def handler_for(kind: str) -> Callable[[Any], None]:
    try:
        return _handlers[kind]
    except KeyError:
        raise LookupError(f"no handler registered for job kind {kind!r}") from None
