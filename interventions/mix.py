"""The intervention mix of a round (DESIGN section 1): computed here only; scores and
dashboards reuse it.

The window is the 91 days up to and including the round date, [d - 90, d]. An episode
counts if it overlaps the window by at least one day (so one ending on d - 90 counts).
"Parallel" means a job-directed episode and one of another group overlap by at least
14 days inside the window; a job-directed and another group that do not overlap that
long give "job-directed alone"."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import models
from django.utils.translation import gettext_lazy as _

WINDOW_DAYS = 91
PARALLEL_DAYS = 14


class Mix(models.TextChoices):
    NONE = "none", _("No intervention")
    JOB_ONLY = "job_only", _("Job-directed alone")
    JOB_PARALLEL = "job_parallel", _("Job-directed with another group in parallel")
    OTHER_ONLY = "other_only", _("Other groups only")


@dataclass(frozen=True)
class Span:
    group: str
    start: date
    end: date | None  # open-ended


def window(round_date: date) -> tuple[date, date]:
    return round_date - timedelta(days=WINDOW_DAYS - 1), round_date


def _days(span: Span, lo: date, hi: date) -> set[int]:
    start = max(span.start, lo)
    end = min(span.end or hi, hi)
    if end < start:
        return set()
    return set(range(start.toordinal(), end.toordinal() + 1))


def mix_of(spans: Iterable[Span], round_date: date) -> Mix:
    lo, hi = window(round_date)
    job: set[int] = set()
    other: set[int] = set()
    for span in spans:
        days = _days(span, lo, hi)
        if span.group == "job_directed":
            job |= days
        else:
            other |= days
    if not job and not other:
        return Mix.NONE
    if not job:
        return Mix.OTHER_ONLY
    if len(job & other) >= PARALLEL_DAYS:
        return Mix.JOB_PARALLEL
    return Mix.JOB_ONLY


def parallel_periods(
    spans: Iterable[Span], lo: date, hi: date
) -> list[tuple[date, date]]:
    """Stretches of at least PARALLEL_DAYS where job-directed and another group overlap."""
    spans = list(spans)
    job: set[int] = set()
    other: set[int] = set()
    for span in spans:
        (job if span.group == "job_directed" else other).update(_days(span, lo, hi))
    both = sorted(job & other)
    periods: list[tuple[date, date]] = []
    run: list[int] = []
    for d in both:
        if run and d != run[-1] + 1:
            if len(run) >= PARALLEL_DAYS:
                periods.append((date.fromordinal(run[0]), date.fromordinal(run[-1])))
            run = []
        run.append(d)
    if len(run) >= PARALLEL_DAYS:
        periods.append((date.fromordinal(run[0]), date.fromordinal(run[-1])))
    return periods


def spans_by_enrolment(
    episodes: Iterable[tuple[int, str, date, date | None]],
) -> dict[int, list[Span]]:
    """(enrolment id, group, start, end) rows as each spell's spans."""
    spans: dict[int, list[Span]] = {}
    for enrolment_id, group, start, end in episodes:
        spans.setdefault(enrolment_id, []).append(Span(group, start, end))
    return spans


def round_mixes(
    rounds: Iterable[tuple[int, date]], spans: dict[int, list[Span]]
) -> list[Mix]:
    """The mix of each (enrolment id, round date): a round counts only its own
    spell's episodes. The citizen page, the associations and the dashboards use it."""
    return [mix_of(spans.get(enrolment_id, ()), day) for enrolment_id, day in rounds]
