"""A team leader opens the job centre's dashboard, filters by quarter and target
group, drills down from a figure to the citizens behind it and downloads a table;
axe-core finds no serious or critical violations on any dashboard page."""

from __future__ import annotations

import pytest

from tests.browser.conftest import login, serious_violations
from tests.reports.dashboard_fixtures import Q1

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.timeout(300),
]
PASSWORD = "correct-horse-battery"
DRAWN = """canvas => {
  const chart = Chart.getChart(canvas);
  return chart ? chart.data.datasets.map(d => d.data) : null;
}"""


def test_a_team_leader_steers_by_the_dashboard(
    live_server, page, team_leader, caseworker, dash, groups, world, tmp_path
):
    login(page, live_server, "team_leader", PASSWORD)
    assert page.url.endswith("/reports/dashboard/")
    assert page.locator("h1").inner_text().startswith("Overblik")
    # the chart is drawn from the table's numbers: Q1's 15 due and 14 done
    assert page.eval_on_selector("#chart-rounds", DRAWN)[0][0] == 15
    assert page.eval_on_selector("#chart-rounds", DRAWN)[1][0] == 14
    assert serious_violations(page) == []

    # filter: the first quarter and the first target group
    page.select_option("#id_quarter_from", Q1.isoformat())
    page.select_option("#id_quarter_to", Q1.isoformat())
    page.select_option("#id_target_group", str(groups[0].pk))
    page.click("#dashboard-filter button[type=submit]")
    page.wait_for_load_state()
    assert f"target_group={groups[0].pk}" in page.url
    assert page.locator("#table-rounds tbody tr").count() == 1
    assert serious_violations(page) == []

    # the team's page, then drill down from its progress count in Q1
    page.click(f"#table-parts a:has-text('{world.team.name}')")
    page.wait_for_load_state()
    assert f"/dashboard/team/{world.team.pk}/" in page.url
    assert serious_violations(page) == []
    # a bar of the chart leads where the table's number leads
    first = page.locator("#table-classes tbody tr").first.locator("a").first
    bar = page.eval_on_selector(
        "#chart-classes", "c => Chart.getChart(c).data.datasets[0].links[0]"
    )
    assert bar == first.get_attribute("href")
    first.click()
    page.wait_for_load_state()
    assert "/citizens/" in page.url
    listed = page.locator("#drill-citizens tbody tr").all_inner_texts()
    assert sorted(t.split("\t")[0].strip() for t in listed) == sorted(
        c.name for c in dash["mine"][:4]
    )
    assert serious_violations(page) == []

    # download a table as CSV for Danish Excel
    page.go_back()
    page.wait_for_load_state()
    with page.expect_download() as info:
        page.click("#fig-classes ~ p a:has-text('dansk Excel')")
    path = tmp_path / "classes.csv"
    info.value.save_as(path)
    text = path.read_text(encoding="utf-8")
    assert text.startswith("\ufeff")
    assert "1. kvt. 2025;4;2;1;7" in text

    # the case worker's own dashboard
    page.goto(f"{live_server.url}/reports/dashboard/caseworker/{caseworker.pk}/")
    assert serious_violations(page) == []
    assert page.console_errors == []
