"""Keyed pseudonyms for research exports (docs/exports.md).

A pseudonym is HMAC-SHA256 of the citizen's stable internal key (the `key` UUID,
never the CPR number or its hash) under BIP_PSEUDONYM_KEY: the same citizen gets the
same pseudonym in every export made with the same key, and nobody without the key
can compute it from a CPR number or a database id. The optional date shift moves all
of one citizen's dates by the same number of days (-30 to +30), derived from the same
HMAC, so intervals within a citizen stay exact."""

from __future__ import annotations

import hashlib
import hmac
from datetime import date, timedelta
from uuid import UUID

from django.conf import settings

LENGTH = 16  # hex characters: 64 bits, collisions negligible at a nation's size
MAX_SHIFT = 30


def _digest(citizen_key: UUID | str, *, key: str | None = None) -> bytes:
    secret = (key if key is not None else settings.BIP_PSEUDONYM_KEY).encode()
    return hmac.new(secret, str(citizen_key).encode(), hashlib.sha256).digest()


def pseudonym(citizen_key: UUID | str, *, key: str | None = None) -> str:
    return _digest(citizen_key, key=key).hex()[:LENGTH]


def date_shift(citizen_key: UUID | str, *, key: str | None = None) -> int:
    """Days (-30..30) added to every date of the citizen."""
    raw = int.from_bytes(_digest(citizen_key, key=key)[-4:], "big")
    return raw % (2 * MAX_SHIFT + 1) - MAX_SHIFT


def shifted(value: date | None, days: int) -> date | None:
    return None if value is None else value + timedelta(days=days)
