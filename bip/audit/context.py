"""The request's origin, for audit events written deep inside services."""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class Origin:
    ip: str | None = None
    request_id: str = ""


# Origin is frozen, so the shared default cannot be mutated.
current_origin: ContextVar[Origin] = ContextVar(
    "current_origin",
    default=Origin(),  # noqa: B039
)
