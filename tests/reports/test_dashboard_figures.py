"""The dashboards' figures equal their cells (reports/dashboards.py), hide small
counts so that no hidden count follows from the others, and, through a real refresh,
equal a direct computation over the rounds."""

from __future__ import annotations

from collections import Counter
from datetime import date
from types import SimpleNamespace

import pytest
from django.utils import translation

from measurements.models import Round, Score
from measurements.scoring.versions import active_model
from reports.dashboards import (
    DASH,
    breakdown,
    classes_figure,
    csv_rows,
    figures,
    mix_figure,
    outcomes_figure,
    p12_figure,
    rounds_figure,
)
from reports.models import DashboardCell
from reports.selectors import dashboard_cells
from tests.reports.test_aggregates import TODAY, history, quarter_of, refresh

Q1, Q2, Q3 = date(2025, 1, 1), date(2025, 4, 1), date(2025, 7, 1)
__all__ = ["history"]


def cell(quarter, team=1, caseworker=1, **fields):
    base = {
        "quarter": quarter,
        "team_id": team,
        "caseworker_id": caseworker,
        "target_group_id": 1,
        "rounds_due": 0,
        "rounds_done": 0,
        "progress": 0,
        "standstill": 0,
        "regression": 0,
        "mix": {},
        "indicators": {},
        "p12_bins": [0] * 10,
        "p12_sum": 0.0,
        "p12_n": 0,
        "outcomes": {},
    }
    base.update(fields)
    return SimpleNamespace(**base)


CELLS = [
    cell(
        Q1,
        rounds_due=10,
        rounds_done=9,
        progress=6,
        standstill=2,
        regression=1,
        p12_bins=[0, 3, 6, 0, 0, 0, 0, 0, 0, 0],
        p12_sum=9 * 0.2,
        p12_n=9,
        outcomes={"job": {"n": 6, "days": 600}, "education": {"n": 1, "days": 50}},
        mix={"none": {"n": 9, "progress": 6, "standstill": 2, "regression": 1}},
        indicators={"citizen": {"contact": [27.0, 9]}},
    ),
    cell(
        Q2,
        team=2,
        caseworker=2,
        rounds_due=7,
        rounds_done=8,
        progress=5,
        standstill=5,
        regression=0,
        p12_bins=[0, 0, 0, 8, 0, 0, 0, 0, 0, 0],
        p12_sum=8 * 0.35,
        p12_n=8,
    ),
]


def texts(fig, label):
    return next([n.text for n in r.cells] for r in fig.rows if r.label == label)


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def test_the_figures_equal_their_cells_unsuppressed():
    rounds = rounds_figure(CELLS, [Q1, Q2], suppressed=False)
    assert texts(rounds, "Q1 2025") == ["10", "9", "90 %"]
    assert texts(rounds, "Q2 2025") == ["7", "8", "114 %"]
    classes = classes_figure(CELLS, [Q1, Q2], suppressed=False)
    assert texts(classes, "Q1 2025") == ["6", "2", "1", "9", "67 %", "22 %", "11 %"]
    # 2 + 1 + 5 of 19 stood still or regressed
    assert "42 %" in classes.note
    p12 = p12_figure(CELLS, [Q1, Q2], suppressed=False)
    assert texts(p12, "Average job probability") == ["20 %", "35 %"]
    assert texts(p12, "Change since the quarter before (points)") == [DASH, "+15.0"]
    assert texts(p12, "10 to 20 %") == ["3", "0"]
    outcomes = outcomes_figure(CELLS, suppressed=False)
    assert texts(outcomes, "Job") == ["6", "100"]
    assert texts(outcomes, "Education") == ["1", "50"]
    mix = mix_figure(CELLS, suppressed=False)
    assert texts(mix, "No intervention") == ["9", "6", "2", "1", "67 %"]


def test_each_shown_count_names_the_citizens_behind_it():
    classes = classes_figure(CELLS, [Q1, Q2], suppressed=False)
    q1 = next(r for r in classes.rows if r.label == "Q1 2025")
    assert [n.drill for n in q1.cells[:3]] == [
        ("class", "progress", "2025-01-01"),
        ("class", "standstill", "2025-01-01"),
        ("class", "regression", "2025-01-01"),
    ]
    q2 = next(r for r in classes.rows if r.label == "Q2 2025")
    assert q2.cells[2].drill is None  # 0: nobody behind it
    chart = classes.chart["datasets"][0]
    assert chart["drill"][0] == ["class", "progress", "2025-01-01"]


def test_small_counts_are_hidden_and_none_follows_from_the_others():
    classes = classes_figure(CELLS, [Q1, Q2], suppressed=True)
    q1 = texts(classes, "Q1 2025")
    # 2 and 1 hidden; the total 9 and the 6 shown do not tell them apart
    assert q1[:4] == ["6", "<5", "<5", "9"]
    q2 = texts(classes, "Q2 2025")
    # 5, 5, 0 of 10: nothing small, nothing hidden
    assert q2[:4] == ["5", "5", "0", "10"]
    lone = classes_figure(
        [cell(Q3, progress=7, standstill=3, regression=0)], [Q3], suppressed=True
    )
    row = texts(lone, "Q3 2025")
    assert row[:4] == ["<5", "<5", "0", "10"]
    # the shares of the hidden counts are hidden too
    assert row[4:6] == ["<5", "<5"]
    assert [n.drill for n in lone.rows[0].cells[:2]] == [None, None]
    assert lone.chart["datasets"][0]["data"] == [None]


def test_averages_of_fewer_than_five_are_left_out_when_suppressed():
    few = [cell(Q1, p12_bins=[0, 0, 3, 0, 0, 0, 0, 0, 0, 0], p12_sum=0.75, p12_n=3)]
    p12 = p12_figure(few, [Q1], suppressed=True)
    assert texts(p12, "Average job probability") == [DASH]
    assert texts(p12, "20 to 30 %") == ["<5"]
    outcomes = outcomes_figure(
        [cell(Q1, outcomes={"job": {"n": 2, "days": 30}})], suppressed=True
    )
    assert texts(outcomes, "Job") == ["<5", DASH]


def test_a_breakdown_per_team():
    parts = breakdown(CELLS, by="team_id", suppressed=False)
    assert parts[1].done.text == "9"
    assert parts[1].progress.text == "67 %"
    assert parts[1].outcomes.text == "7"
    assert parts[2].still.text == "50 %"


def test_a_small_part_is_hidden_with_its_complement():
    parts = breakdown(
        [
            cell(Q1, team=1, rounds_due=20, rounds_done=20),
            cell(Q1, team=2, rounds_due=3, rounds_done=9),
            cell(Q1, team=3, rounds_due=7, rounds_done=6),
        ],
        by="team_id",
        suppressed=True,
    )
    # 3 alone would follow from the total 30 of the rounds figure: 7 goes too
    assert [parts[k].due.text for k in (1, 2, 3)] == ["20", "<5", "<5"]
    assert [parts[k].done.text for k in (1, 2, 3)] == ["20", "9", "6"]


def test_the_csv_rows_keep_numbers_as_numbers():
    header, rows = csv_rows(classes_figure(CELLS, [Q1], suppressed=True))
    assert header[0] == "Quarter"
    assert rows[0][:5] == ["Q1 2025", 6, "<5", "<5", 9]
    assert rows[0][5] == 66.7


@pytest.mark.timeout(300)
def test_the_page_figures_equal_a_direct_computation_over_the_rounds(
    history, world, team_leader, client
):
    """Through the real refresh: per team and quarter, rounds done and classes as
    counted round by round from the rounds and their current scores."""
    stored = refresh(world.municipality)
    model = active_model(municipality_id=world.municipality.pk)
    direct: dict[tuple[int, date], Counter] = {}
    for r in Round.objects.filter(municipality=world.municipality, state="complete"):
        key = (r.team_id, quarter_of(r.round_date))
        counts = direct.setdefault(key, Counter())
        counts["done"] += 1
        score = Score.objects.get(
            round=r, model_version=model, superseded_at__isnull=True
        )
        if score.klass:
            counts[score.klass] += 1
    cells = dashboard_cells(
        viewer=team_leader, refresh=stored, level="team", obj=world.team
    )
    assert cells
    assert {c.pk for c in cells} == set(
        DashboardCell.objects.filter(team=world.team).values_list("pk", flat=True)
    )
    quarters = sorted({c.quarter for c in cells})
    figs = {f.key: f for f in figures(cells, quarters, suppressed=False)}
    for q in quarters:
        counts = direct.get((world.team.pk, q), Counter())
        label = f"Q{(q.month - 1) // 3 + 1} {q.year}"
        assert texts(figs["rounds"], label)[1] == str(counts["done"]), q
        assert texts(figs["classes"], label)[:3] == [
            str(counts[k]) for k in ("progress", "standstill", "regression")
        ], q
    assert TODAY.year == 2025


def test_numbers_are_written_as_the_language_writes_them():
    with translation.override("da"):
        p12 = p12_figure(CELLS, [Q1, Q2], suppressed=False)
        change = next(r for r in p12.rows if r.label.startswith("Ændring"))
        assert change.cells[1].text == "+15,0"
        rounds = rounds_figure(CELLS, [Q1], suppressed=False)
        assert rounds.rows[0].label == "1. kvt. 2025"
