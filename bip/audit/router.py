from __future__ import annotations

from typing import Any

from django.conf import settings

AUDIT_APP = "audit"


def audit_alias() -> str:
    # SQLite (the demo) has no second connection: a second writer would lock the file.
    return "audit" if "audit" in settings.DATABASES else "default"


class AuditRouter:
    """Audit reads go through the `audit` connection; tables migrate on `default`."""

    def db_for_read(self, model: type, **hints: Any) -> str | None:
        if model._meta.app_label == AUDIT_APP:  # type: ignore[attr-defined]
            return audit_alias()
        return None

    def db_for_write(self, model: type, **hints: Any) -> str | None:
        if model._meta.app_label == AUDIT_APP:  # type: ignore[attr-defined]
            return audit_alias()
        return None

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool | None:
        return None

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool | None:
        if db == "audit":
            return False  # the same database as default: migrated there
        return None
