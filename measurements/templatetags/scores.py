"""Number formats for scores: signed changes and percentages in the user's language.
A missing value (None, or nothing at all in the template) shows as an en dash."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.formats import number_format

register = template.Library()
NONE = "\u2013"
MINUS = "\u2212"  # a minus sign, not a hyphen


def _number(value: Any) -> float | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _fixed(x: float, digits: int) -> str:
    # number_format cuts a float's decimals off (6.57 would read 6,5): round first
    return number_format(round(x, digits), decimal_pos=digits)


@register.filter
def signed(value: Any, digits: int = 1) -> str:
    """+0,5 or -0,5 (with a minus sign); 0,0 without a sign."""
    x = _number(value)
    if x is None:
        return NONE
    text = _fixed(abs(x), int(digits))
    if round(x, int(digits)) == 0:
        return text
    return ("+" if x > 0 else MINUS) + text


@register.filter
def number(value: Any, digits: int = 1) -> str:
    x = _number(value)
    return NONE if x is None else _fixed(x, int(digits))


@register.filter
def pct(value: Any, digits: int = 0) -> str:
    """A probability (0-1) in per cent, without the sign."""
    x = _number(value)
    return NONE if x is None else _fixed(100.0 * x, int(digits))


@register.filter
def percent_points(value: Any) -> str:
    """A difference of probabilities (0-1) in signed percentage points."""
    x = _number(value)
    return signed(None if x is None else 100.0 * x, 1)
