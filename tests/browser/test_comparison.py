"""A team leader compares the team's case workers: the funnel plot draws the table's
shown case workers and not the suppressed one; axe-core finds nothing serious."""

from __future__ import annotations

import pytest

from tests.browser.conftest import login, serious_violations
from tests.reports.test_comparison_page import refresh, team_figures

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.timeout(300),
]
__all__ = ["refresh", "team_figures"]
POINTS = "c => Chart.getChart(c).data.datasets[0].data.map(p => [p.label, p.y])"


def test_the_funnel_draws_the_tables_case_workers(
    live_server, page, world, team_leader, caseworker, teammate, team_figures
):
    login(page, live_server, "team_leader", "correct-horse-battery")
    page.goto(f"{live_server.url}/reports/team/")
    page.click(f"a[href$='/dashboard/team/{world.team.pk}/comparison/']")
    page.wait_for_load_state()
    assert page.locator("h1").inner_text().startswith("Sagsbehandlere sammenlignet")
    drawn = dict(page.eval_on_selector("#progress-funnel", POINTS))
    assert set(drawn) == {caseworker.get_full_name(), teammate.get_full_name()}
    assert drawn[caseworker.get_full_name()] == pytest.approx(2.0)
    assert team_figures.get_full_name() not in drawn
    assert serious_violations(page) == []
    assert page.console_errors == []
