from __future__ import annotations

from datetime import date

from django.db import connections

from bip import db

TABLES = ("audit_auditevent", "audit_auditeventcitizen")


def ensure(today: date, months_ahead: int = 3, using: str = "default") -> list[str]:
    created = []
    for table in TABLES:
        created += db.ensure_month_partitions(
            connections[using], table, today, months_ahead + 1
        )
    return created


def drop_before(before: date, using: str = "default") -> list[str]:
    dropped = []
    for table in TABLES:
        dropped += db.drop_month_partitions_before(connections[using], table, before)
    return dropped
