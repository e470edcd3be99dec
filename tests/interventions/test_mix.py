"""The mix classification on hand-made timelines (DESIGN section 1)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from interventions.mix import Mix, Span, mix_of, parallel_periods, window

D = date(2026, 4, 1)  # the round date
LO, HI = window(D)  # [D - 90, D]


def test_the_window_is_the_91_days_up_to_the_round():
    assert (HI - LO).days + 1 == 91
    assert HI == D


def test_no_episode_is_none():
    assert mix_of([], D) == Mix.NONE


def test_episode_ending_the_day_the_window_starts_counts():
    assert mix_of([Span("social", D - timedelta(days=200), LO)], D) == Mix.OTHER_ONLY


def test_episode_ending_the_day_before_the_window_does_not():
    assert (
        mix_of([Span("social", D - timedelta(days=200), LO - timedelta(days=1))], D)
        == Mix.NONE
    )


def test_episode_starting_after_the_round_does_not_count():
    assert mix_of([Span("job_directed", D + timedelta(days=1), None)], D) == Mix.NONE


def test_open_ended_episode_counts():
    assert (
        mix_of([Span("job_directed", D - timedelta(days=400), None)], D) == Mix.JOB_ONLY
    )


@pytest.mark.parametrize(
    ("overlap", "expected"), [(13, Mix.JOB_ONLY), (14, Mix.JOB_PARALLEL)]
)
def test_parallel_needs_14_days_of_overlap(overlap, expected):
    job = Span("job_directed", D - timedelta(days=60), D)
    # the health episode ends so that it shares exactly `overlap` days with the job
    health = Span(
        "health",
        D - timedelta(days=80),
        D - timedelta(days=60) + timedelta(days=overlap - 1),
    )
    assert mix_of([job, health], D) == expected


def test_overlap_outside_the_window_does_not_make_it_parallel():
    job = Span("job_directed", LO - timedelta(days=30), LO + timedelta(days=5))
    social = Span("social", LO - timedelta(days=30), LO + timedelta(days=5))
    assert mix_of([job, social], D) == Mix.JOB_ONLY  # only 6 shared days in the window


def test_two_job_directed_episodes_are_not_parallel():
    a = Span("job_directed", LO, D)
    b = Span("job_directed", LO, D)
    assert mix_of([a, b], D) == Mix.JOB_ONLY


def test_other_groups_only():
    assert (
        mix_of([Span("health", LO, D), Span("upskilling", LO, D)], D) == Mix.OTHER_ONLY
    )


def test_parallel_periods_for_the_timeline():
    job = Span("job_directed", date(2026, 1, 1), date(2026, 2, 28))
    social = Span("social", date(2026, 2, 1), None)
    periods = parallel_periods([job, social], date(2025, 1, 1), date(2026, 6, 1))
    assert periods == [(date(2026, 2, 1), date(2026, 2, 28))]
    short = Span("health", date(2026, 1, 1), date(2026, 1, 10))
    assert parallel_periods([job, short], date(2025, 1, 1), date(2026, 6, 1)) == []
