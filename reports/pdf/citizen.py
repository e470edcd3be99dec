"""The citizen's summary, to hand over after a conversation: the latest answers of
both respondents per indicator side by side (a table and a vector chart), the
indicators over time when there are several rounds, the current interventions, and
what to work on as the citizen page shows it (`measurements.scoring.display`: the
same selectors, nothing computed again). Written in the caller's active language:
the view chooses the citizen's own."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.utils.translation import gettext as _
from reportlab.platypus import CondPageBreak, Flowable, KeepTogether, Spacer

from citizens.selectors import citizen_enrolments
from interventions.selectors import citizen_episodes
from measurements.indicators import INDICATORS
from measurements.models import Respondent, Round
from measurements.scoring.display import citizen_scores, worklist
from measurements.scoring.versions import active_model
from measurements.selectors import citizen_rounds
from measurements.templatetags.scores import NONE, number
from reports.pdf import charts
from reports.pdf.layout import (
    HEADING,
    ITEM,
    SMALL,
    TITLE,
    WIDTH,
    build,
    day,
    para,
    table,
)


@dataclass
class Summary:
    """What the summary shows, gathered with the citizen page's own selectors."""

    name: str
    today: date
    caseworker: str
    round_date: date | None = None
    # (indicator label, case worker's score, citizen's score) in the latest round
    latest: list[tuple[str, float | None, float | None]] = field(default_factory=list)
    # (indicator label, case worker's scores, citizen's scores), oldest round first
    history: list[tuple[str, list[float | None], list[float | None]]] = field(
        default_factory=list
    )
    history_dates: list[date] = field(default_factory=list)
    interventions: list[Any] = field(default_factory=list)
    work: Any = None  # measurements.scoring.display.Worklist, or None: not shown


def gather(*, citizen: Any, today: date) -> Summary:
    """The citizen's data for the summary; the citizen has been looked up with the
    viewer's scope already (`citizens.selectors.citizen_get`)."""
    enrolments = citizen_enrolments(citizen=citizen)
    rounds = citizen_rounds(citizen)
    complete = [
        r
        for r in rounds
        if r.round.state == Round.State.COMPLETE and r.round.round_date
    ]
    caseworker = citizen.caseworker.get_full_name() if citizen.caseworker else ""
    out = Summary(name=citizen.name, today=today, caseworker=caseworker)
    if complete:
        latest = complete[-1]
        out.round_date = latest.round.round_date
        cw, cit = (
            latest.scores[Respondent.CASEWORKER],
            latest.scores[Respondent.CITIZEN],
        )
        out.latest = [
            (str(i.label), cw[i.code], cit[i.code])
            for i in INDICATORS
            if cw[i.code] is not None or cit[i.code] is not None
        ]
    if len(complete) > 1:
        out.history_dates = [r.round.round_date for r in complete]
        for i in INDICATORS:
            cws = [r.scores[Respondent.CASEWORKER][i.code] for r in complete]
            cits = [r.scores[Respondent.CITIZEN][i.code] for r in complete]
            if any(v is not None for v in cws + cits):
                out.history.append((str(i.label), cws, cits))
    out.interventions = [
        e
        for e in citizen_episodes(citizen=citizen)
        if e.start <= today and (e.end is None or e.end >= today)
    ]
    model = active_model(municipality_id=citizen.municipality_id)
    scores = citizen_scores(
        citizen=citizen, rounds=rounds, enrolments=enrolments, model=model
    )
    # the citizen page shows what to work on under the same condition
    if (
        scores["latest"]
        and not scores["ended"]
        and scores["latest_round"].enrolment.end is None
    ):
        out.work = worklist(
            citizen=citizen,
            model=model,
            latest_round=scores["latest_round"],
            score=scores["latest"],
        )
    return out


def _score(value: float | None) -> str:
    return number(value, 1)


def _who(who: str) -> str:
    if who == "both":
        return _("when both you and your case worker rate it one step higher")
    if who == "citizen":
        return _("when you rate it one step higher")
    return _("when your case worker rates it one step higher")


def _work(work: Any) -> list[Flowable]:
    parts: list[Flowable] = [para(_("What to work on"), HEADING)]
    if work:
        parts.append(
            para(
                _(
                    "These are the areas where progress would most raise your chance "
                    "of a job or education within a year, as our calculation sees it. "
                    "It is an estimate, not a promise."
                )
            )
        )
        for n, w in enumerate(work, start=1):
            gain = number(100.0 * w.gain, 1)
            parts.append(
                para(
                    _(
                        "%(n)s. %(area)s: the chance of a job or education goes up "
                        "by about %(gain)s percentage points %(who)s."
                    )
                    % {"n": n, "area": w.label, "gain": gain, "who": _who(w.who)},
                    ITEM,
                )
            )
            names = [t["name"] for t in w.types]
            if names:
                parts.append(
                    para(
                        _(
                            "In our municipality, progress here has often gone with: "
                            "%(names)s."
                        )
                        % {"names": ", ".join(names)},
                        SMALL,
                    )
                )
    elif work.pending:
        parts.append(
            para(
                _(
                    "The suggestions are still being calculated. Ask your case worker "
                    "for a new print later."
                )
            )
        )
    elif work.reason:
        parts.append(
            para(
                _("No suggestions can be shown at the moment: %(reason)s")
                % {"reason": work.reason}
            )
        )
    else:
        parts.append(
            para(
                _(
                    "No area stands out right now: either the ratings are already "
                    "high, or no single area would clearly raise the chance."
                )
            )
        )
    return parts


def render(summary: Summary) -> bytes:
    """The summary as PDF bytes (A4)."""
    title = _("Summary for %(name)s") % {"name": summary.name}
    story: list[Flowable] = [
        para(title, TITLE),
        Spacer(1, 4),
        para(
            _("Date: %(day)s") % {"day": day(summary.today)}
            + (
                " · " + _("Case worker: %(name)s") % {"name": summary.caseworker}
                if summary.caseworker
                else ""
            )
        ),
        Spacer(1, 6),
    ]
    if summary.round_date is None:
        story.append(para(_("Your answers"), HEADING))
        story.append(para(_("There are no completed measurements yet.")))
    else:
        story.append(
            para(
                _("Your answers and your case worker's answers, %(day)s")
                % {"day": day(summary.round_date)},
                HEADING,
            )
        )
        story.append(
            para(
                _(
                    "Each area is rated from 1 (lowest) to 5 (highest). Where an area "
                    "has several questions, the number is the average of the answers. "
                    "A dash means no answer."
                ),
                SMALL,
            )
        )
        story.append(Spacer(1, 4))
        you, them = _("You"), _("Your case worker")
        story.append(
            table(
                [[_("Area"), you, them]]
                + [
                    [label, _score(cit), _score(cw)]
                    for label, cw, cit in summary.latest
                ],
                widths=[WIDTH - 200, 100, 100],
                align_right_from=1,
            )
        )
        story.append(Spacer(1, 8))
        story.append(
            KeepTogether(
                [
                    para(_("The same answers as a chart"), HEADING),
                    charts.bars(summary.latest, caseworker=them, citizen=you),
                ]
            )
        )
    if summary.history:
        story.append(CondPageBreak(200))
        story.append(para(_("Your answers over time"), HEADING))
        story.append(
            para(
                _(
                    "One small chart per area, from the first to the latest "
                    "measurement (%(count)s measurements). Solid line with "
                    "triangles: your case worker. Dashed line with circles: you."
                )
                % {"count": len(summary.history_dates)},
                SMALL,
            )
        )
        story.append(Spacer(1, 4))
        story.append(
            charts.over_time(
                summary.history,
                first=day(summary.history_dates[0]),
                last=day(summary.history_dates[-1]),
            )
        )
    story.append(para(_("Your current interventions"), HEADING))
    if summary.interventions:
        story.append(
            table(
                [[_("Intervention"), _("Since"), _("Until"), _("Where")]]
                + [
                    [
                        str(e.type),
                        day(e.start),
                        day(e.end) if e.end else _("no end date"),
                        e.provider or NONE,
                    ]
                    for e in summary.interventions
                ],
                widths=[WIDTH - 250, 70, 80, 100],
            )
        )
    else:
        story.append(para(_("You have no current interventions.")))
    if summary.work is not None:
        story += _work(summary.work)
    story.append(Spacer(1, 10))
    story.append(
        para(
            _(
                "Talk to your case worker if something in this summary is wrong or "
                "unclear."
            ),
            SMALL,
        )
    )
    footer = _("Printed %(day)s") % {"day": day(summary.today)}
    return build(story, title=title, footer=footer)
