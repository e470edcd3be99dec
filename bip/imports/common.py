"""Helpers shared by the formats: cells as dates and text, and the staged rows as a
typed SQL SELECT, so a format moves a batch to its tables set-wise (INSERT ...
SELECT from the staging table) on PostgreSQL and SQLite alike."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import models
from django.db.models.fields.json import KT
from django.db.models.functions import Cast
from django.utils.translation import gettext as _

from bip.imports.formats import RawRow, RowResult
from bip.imports.reading import cell_text, parse_date


def date_of(
    raw: RawRow, result: RowResult, column: str, *, required: bool = True
) -> Any:
    value = raw.values.get(column)
    if value in (None, ""):
        if required:
            result.error(column, _("The date is missing."))
        return None
    try:
        return parse_date(value)
    except ValueError as exc:
        result.error(column, str(exc))
        return None


def text_of(raw: RawRow, column: str) -> str:
    return cell_text(raw.values.get(column))


FIELD_TYPES: dict[str, Callable[[], models.Field[Any, Any]]] = {
    "int": models.BigIntegerField,
    "date": models.DateField,
    "text": models.TextField,
    "decimal": lambda: models.DecimalField(max_digits=12, decimal_places=4),
}


def typed(staged: Any, **columns: str) -> Any:
    """The staged rows with each named key of their JSON data as a typed column
    (`name="int"`, `"date"`, `"text"` or `"decimal"`): a values() queryset."""
    annotations = {
        name: Cast(KT(f"data__{name}"), FIELD_TYPES[kind]())
        for name, kind in columns.items()
    }
    return staged.annotate(
        **{f"s_{name}": expr for name, expr in annotations.items()}
    ).values(*(f"s_{name}" for name in columns))


def select_sql(qs: Any) -> tuple[str, list[Any]]:
    """A queryset's SELECT with its parameters, to use as a sub-select."""
    sql, params = qs.query.sql_with_params()
    return sql, list(params)


def staged_citizen_ids(staged: Any) -> list[int]:
    """The distinct citizens of a batch's rows (for the audit event of the commit)."""
    return sorted(
        {
            row["s_citizen_id"]
            for row in typed(staged, citizen_id="int").distinct()
            if row["s_citizen_id"] is not None
        }
    )
