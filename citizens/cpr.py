"""CPR numbers (DOMAIN-NOTES): parsing, the century rule, modulus 11 and masking.

A modulus-11 failure is a warning, never a rejection: valid numbers without a check
digit have been issued since 2007. Sex is never derived from the number.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from django.utils.translation import gettext_lazy as _

WEIGHTS = (4, 3, 2, 7, 6, 5, 4, 3, 2, 1)
_INPUT = re.compile(r"^\s*(\d{6})[-\s]?(\d{4})\s*$")


class CprError(ValueError):
    pass


@dataclass(frozen=True)
class Cpr:
    digits: str  # ten digits, no hyphen
    birth_date: date
    warnings: tuple[str, ...] = field(default=())

    @property
    def formatted(self) -> str:
        return f"{self.digits[:6]}-{self.digits[6:]}"

    @property
    def masked(self) -> str:
        return mask(self.digits)


def century(yy: int, digit7: int) -> int:
    """The birth year's century from YY and the 7th digit (cpr.dk's table)."""
    if digit7 <= 3:
        return 1900
    if digit7 in (4, 9):
        return 2000 if yy <= 36 else 1900
    # 5-8
    if yy <= 57:
        return 2000
    return 1800


def modulus11_ok(digits: str) -> bool:
    return sum(int(d) * w for d, w in zip(digits, WEIGHTS, strict=True)) % 11 == 0


def parse(value: str, *, allow_nine_digits: bool = False) -> Cpr:
    """Parse DDMMYY-SSSS (hyphen optional); raise CprError on an impossible number."""
    raw = (value or "").strip()
    warnings: list[str] = []
    if allow_nine_digits and re.fullmatch(r"\d{9}", raw):
        raw = "0" + raw
        warnings.append(str(_("A leading zero was added (9 digits given).")))
    m = _INPUT.match(raw)
    if not m:
        raise CprError(_("A CPR number has 10 digits: DDMMYY-SSSS."))
    digits = m.group(1) + m.group(2)
    dd, mm, yy, d7 = (
        int(digits[0:2]),
        int(digits[2:4]),
        int(digits[4:6]),
        int(digits[6]),
    )
    year = century(yy, d7) + yy
    try:
        born = date(year, mm, dd)
    except ValueError:
        raise CprError(_("The first six digits are not a valid date.")) from None
    if not modulus11_ok(digits):
        warnings.append(
            str(
                _(
                    "The check digit does not match (modulus 11). Numbers without a "
                    "check digit are issued since 2007: check the number, it is kept."
                )
            )
        )
    return Cpr(digits=digits, birth_date=born, warnings=tuple(warnings))


def mask(digits: str) -> str:
    clean = digits.replace("-", "")
    return f"{clean[:6]}-XXXX" if len(clean) == 10 else "XXXXXX-XXXX"
