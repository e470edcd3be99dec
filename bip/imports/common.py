"""Column helpers shared by the formats: CPR, dates, codes."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from bip.imports.formats import RawRow, RowResult
from bip.imports.reading import cell_text, parse_date


def cpr_of(raw: RawRow, result: RowResult, column: str = "cpr") -> Any:
    """The parsed CPR (a 9-digit Excel number is padded with a warning), or None."""
    from citizens import cpr

    text = cell_text(raw.values.get(column))
    if not text:
        result.error(column, _("The CPR number is missing."))
        return None
    try:
        parsed = cpr.parse(text, allow_nine_digits=True)
    except cpr.CprError as exc:
        result.error(column, f"{cpr.mask(text)}: {exc}")
        return None
    for warning in parsed.warnings:
        result.warn(column, f"{parsed.masked}: {warning}")
    result.data["cpr_masked"] = parsed.masked
    return parsed


def citizens_by_hmac(municipality_id: int, parsed: list[Any]) -> dict[str, int]:
    """hmac -> citizen id, only in the importer's municipality (one query a chunk)."""
    from citizens import crypto
    from citizens.models import Citizen

    hmacs = {crypto.keyed_hash(p.digits) for p in parsed if p is not None}
    return dict(
        Citizen.objects.filter(
            municipality_id=municipality_id, cpr_hmac__in=hmacs
        ).values_list("cpr_hmac", "pk")
    )


def not_found_message(masked: str) -> str:
    # the same words whether or not the person is known in another municipality
    return _("%(cpr)s: not found in your municipality.") % {"cpr": masked}


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
