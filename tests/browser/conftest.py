from __future__ import annotations

import os
import re
from collections.abc import Iterator
from typing import Any

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture
def browser(request: pytest.FixtureRequest) -> Iterator[Any]:
    # Function-scoped: Playwright's sync API keeps an event loop on the main thread,
    # which must not outlive the test (later tests' database setup runs there).
    chromium_path = request.getfixturevalue("chromium_path_session")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(locale="da-DK")
    context.set_default_timeout(15000)
    pg = context.new_page()
    errors: list[str] = []
    pg.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    pg.console_errors = errors
    yield pg
    context.close()


def serious_violations(page: Any) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} "
        f"— {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v.get("impact") in ("serious", "critical")
    ]


def login(page: Any, live_server: Any, username: str, password: str) -> None:
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_load_state()


# The computed border colour of each matching element (enabled, with a visible border)
# and the first opaque background behind it: axe does not check non-text contrast.
_BORDERS_JS = """selector => {
  const opaque = c => !/^rgba\\(.*,\\s*0\\)$/.test(c) && c !== "transparent";
  const behind = el => {
    for (let e = el.parentElement; e; e = e.parentElement) {
      const c = getComputedStyle(e).backgroundColor;
      if (opaque(c)) return c;
    }
    return "rgb(255, 255, 255)";
  };
  return [...document.querySelectorAll(selector)]
    .filter(el => !el.disabled && el.getClientRects().length)
    .map(el => {
      const s = getComputedStyle(el);
      return {
        element: el.id || el.getAttribute("for") || el.className,
        width: parseFloat(s.borderTopWidth),
        style: s.borderTopStyle,
        border: s.borderTopColor,
        background: behind(el),
      };
    });
}"""


def _rgba(css: str) -> tuple[float, float, float, float]:
    parts = [float(p) for p in re.findall(r"[\d.]+", css)]
    return (*parts[:3], parts[3] if len(parts) > 3 else 1.0)  # type: ignore[return-value]


def _luminance(rgb: tuple[float, float, float]) -> float:
    def channel(c: float) -> float:
        c /= 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(foreground: str, background: str) -> float:
    """WCAG 2.1 contrast of two CSS rgb()/rgba() colours, the first blended over the
    second by its alpha."""
    *fg, alpha = _rgba(foreground)
    bg = _rgba(background)[:3]
    blended = tuple(alpha * f + (1 - alpha) * b for f, b in zip(fg, bg, strict=True))
    lighter, darker = sorted((_luminance(blended), _luminance(bg)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def border_contrasts(page: Any, selector: str) -> list[tuple[str, float]]:
    """(element, contrast of its border against what is behind it) for each enabled,
    visible element matching `selector` that has a border."""
    found = []
    for b in page.evaluate(_BORDERS_JS, selector):
        if b["width"] > 0 and b["style"] not in ("none", "hidden"):
            found.append((b["element"], contrast_ratio(b["border"], b["background"])))
    return found


ANSWER_CONTROLS = "fieldset.answer input[type=radio], fieldset.answer .scale-option"


def low_contrast_answer_borders(page: Any) -> list[tuple[str, float]]:
    """Answer options whose outline has less than 3:1 (WCAG 1.4.11); fails if the page
    has no answer radios at all, so the check cannot pass by finding nothing."""
    found = border_contrasts(page, ANSWER_CONTROLS)
    assert len(found) >= 5, f"no answer options with a border on {page.url}"
    return [(element, round(ratio, 2)) for element, ratio in found if ratio < 3]
