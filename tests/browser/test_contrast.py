"""The contrast arithmetic the browser tests use (WCAG 2.1 relative luminance)."""

from __future__ import annotations

import pytest

from tests.browser.conftest import contrast_ratio


@pytest.mark.parametrize(
    ("fg", "bg", "expected"),
    [
        ("rgb(0, 0, 0)", "rgb(255, 255, 255)", 21.0),
        ("rgb(119, 119, 119)", "rgb(255, 255, 255)", 4.48),
        ("rgb(222, 226, 230)", "rgb(255, 255, 255)", 1.3),  # Bootstrap's border
        ("rgb(108, 117, 125)", "rgb(255, 255, 255)", 4.69),
        ("rgb(13, 110, 253)", "rgb(207, 244, 252)", 3.85),  # a link on alert-info
        ("rgba(0, 0, 0, 0)", "rgb(255, 255, 255)", 1.0),
        ("rgba(0, 0, 0, 0.5)", "rgb(255, 255, 255)", 3.98),
    ],
)
def test_contrast_ratio(fg, bg, expected):
    assert contrast_ratio(fg, bg) == pytest.approx(expected, abs=0.01)
