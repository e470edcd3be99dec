"""Score numbers on the pages are rounded, not cut off, in both languages."""

from __future__ import annotations

import pytest
from django.utils import translation

from measurements.templatetags.scores import number, pct, percent_points, signed


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("da", ["6,6", "1", "+0,4", "\u22122,0"]),
        ("en", ["6.6", "1", "+0.4", "\u22122.0"]),
    ],
)
def test_numbers_are_rounded(language, expected):
    with translation.override(language):
        assert [
            number(6.57),
            pct(0.0099),
            signed(0.36),
            percent_points(-0.01996),
        ] == expected


def test_missing_values_show_a_dash():
    assert {number(None), pct(""), signed("x"), percent_points(None)} == {"\u2013"}
