"""What every import format provides. Domain apps define their formats and register
them; the staging, dry run, report, progress and commit are shared here."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

_formats: dict[str, ImportFormat] = {}


@dataclass(frozen=True)
class Column:
    name: str
    label: Any
    required: bool = True
    aliases: tuple[str, ...] = ()


@dataclass
class RawRow:
    number: int
    values: dict[str, Any]  # by column name
    decode_problem: str | None = None


@dataclass
class RowResult:
    number: int
    key: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    errors: list[dict[str, str]] = field(default_factory=list)
    warnings: list[dict[str, str]] = field(default_factory=list)
    same: bool = (
        False  # already stored with the same values: re-importing changes nothing
    )

    def error(self, column: str, problem: str) -> None:
        self.errors.append({"column": column, "problem": str(problem)})

    def warn(self, column: str, problem: str) -> None:
        self.warnings.append({"column": column, "problem": str(problem)})


@dataclass
class Context:
    municipality_id: int
    user: Any
    options: dict[str, Any]
    batch_id: int


class ImportFormat:
    kind = ""
    label: Any = ""
    columns: tuple[Column, ...] = ()
    duplicate_message: Any = ""

    def validate_chunk(self, ctx: Context, rows: list[RawRow]) -> list[RowResult]:
        raise NotImplementedError

    def check_batch(
        self, ctx: Context, staged: Any
    ) -> dict[int, list[tuple[str, str]]]:
        """Checks that need the whole file (rows of one round, a case worker's
        history), after every chunk is staged: staged row id -> [(column, problem)].
        `staged` is the batch's new rows (a queryset of ImportRow)."""
        return {}

    def commit(self, ctx: Context, staged: Any) -> dict[str, Any]:
        """Move the batch's new rows (a queryset of ImportRow) to the real tables,
        set-wise where the volume calls for it; inside the caller's transaction."""
        raise NotImplementedError

    def option_fields(self) -> dict[str, Any]:
        """Extra form fields asked on upload (e.g. a date), by name."""
        return {}

    def options_from(self, data: dict[str, Any]) -> dict[str, Any]:
        return {}


def register(fmt: ImportFormat) -> None:
    _formats[fmt.kind] = fmt


def format_for(kind: str) -> ImportFormat:
    return _formats[kind]


def all_formats() -> list[ImportFormat]:
    return list(_formats.values())


def header_map(
    fmt: ImportFormat, header: list[str]
) -> tuple[dict[int, str], list[str]]:
    """Map file columns to format columns by name or alias; return missing ones."""
    wanted: dict[str, str] = {}
    for col in fmt.columns:
        for name in (col.name, *col.aliases):
            wanted[name.strip().lower()] = col.name
    mapping: dict[int, str] = {}
    for index, title in enumerate(header):
        column = wanted.get(str(title).strip().lower())
        if column and column not in mapping.values():
            mapping[index] = column
    missing = [
        c.name for c in fmt.columns if c.required and c.name not in mapping.values()
    ]
    return mapping, missing
