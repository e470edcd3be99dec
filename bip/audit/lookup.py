"""The audit log's search by a citizen's CPR number needs the citizens app, which sits
above the core: the citizens app registers how a CPR number is read, masked and found
(DESIGN section 0: a lower layer that needs an upper one declares a registry)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured


@dataclass(frozen=True)
class CitizenLookup:
    # the digits of a typed number; ValueError with the user's message if impossible
    normalise: Callable[[str], str]
    mask: Callable[[str], str]
    # (municipality id, digits) -> ids of the citizens with that number there
    find: Callable[[int, str], list[int]]


_lookup: CitizenLookup | None = None


def register_citizen_lookup(lookup: CitizenLookup) -> None:
    global _lookup
    _lookup = lookup


def citizen_lookup() -> CitizenLookup:
    if _lookup is None:
        raise ImproperlyConfigured(
            "no app registered a citizen lookup for the audit log"
        )
    return _lookup
