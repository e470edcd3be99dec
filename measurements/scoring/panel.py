"""The person-quarter panel (DESIGN section 5), built from the database in a handful
of queries and vectorised with pandas: one row per complete round in a spell.

- window: (round date, round date + 91 days]; event: the first ordinary job or
  education of the spell falls in the window;
- rows dated on or after the event are left out (leakage); every other row is at risk;
- censored: the window ends after the municipality's "outcomes known until" date (or
  after today where no register extract has set one), or the spell ended without an
  event inside the window;
- features: both respondents' indicator scores centred at 3, a missing item imputed at
  the respondent's mean over their other answered items of the round (else 3) with a
  missing flag; a missing citizen part sets its flag and the citizen items at 3;
  change of case worker since the previous round; time-in-programme and age bands;
  target group. A raw 0 never reaches the design matrix.
"""

from __future__ import annotations

import itertools
from datetime import date, timedelta

import numpy as np
import pandas as pd

from measurements.scoring import features as F

EVENT_KINDS = ("job", "education")


def _frame(qs, columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame.from_records(list(qs.values_list(*columns)), columns=columns)


def build_panel(*, municipality_id: int, today: date | None = None) -> pd.DataFrame:
    from bip.accounts.models import Municipality
    from citizens.models import Assignment
    from interventions.models import Outcome
    from measurements.models import Answer, Response, Round

    today = today or date.today()  # noqa: DTZ011 - dates only
    known_until = (
        Municipality.objects.get(pk=municipality_id).outcomes_known_until or today
    )
    rounds = _frame(
        Round.objects.filter(
            municipality_id=municipality_id, state=Round.State.COMPLETE
        ),
        [
            "id",
            "enrolment_id",
            "round_date",
            "enrolment__citizen_id",
            "enrolment__start",
            "enrolment__end",
            "enrolment__target_group__code",
            "enrolment__citizen__birth_date",
        ],
    ).rename(
        columns={
            "id": "round_id",
            "enrolment__citizen_id": "citizen_id",
            "enrolment__start": "spell_start",
            "enrolment__end": "spell_end",
            "enrolment__target_group__code": "target_group",
            "enrolment__citizen__birth_date": "birth_date",
        }
    )
    if rounds.empty:
        return pd.DataFrame(
            columns=["round_id", *F.CIT, *F.CW, *F.FLAGS, "event", "censored"]
        )
    round_ids = rounds["round_id"].tolist()
    answers = _frame(
        Answer.objects.filter(
            response__round__municipality_id=municipality_id,
            response__round__state="complete",
            superseded_at__isnull=True,
            question__indicator__gt="",
        ),
        ["response__round_id", "response__respondent", "question__indicator", "value"],
    ).rename(
        columns={
            "response__round_id": "round_id",
            "response__respondent": "respondent",
            "question__indicator": "indicator",
        }
    )
    submitted = _frame(
        Response.objects.filter(round_id__in=round_ids, state=Response.State.SUBMITTED),
        ["round_id", "respondent"],
    )
    assignments = _frame(
        Assignment.objects.filter(municipality_id=municipality_id),
        ["enrolment_id", "caseworker_id", "start"],
    )
    outcomes = _frame(
        Outcome.objects.filter(municipality_id=municipality_id, kind__in=EVENT_KINDS),
        ["citizen_id", "date"],
    )

    panel = rounds.sort_values(["enrolment_id", "round_date", "round_id"]).reset_index(
        drop=True
    )
    panel = panel.join(_scores(answers, submitted, panel["round_id"]), on="round_id")
    panel["cw_change"] = _caseworker_changes(panel, assignments)

    # the first event of each spell
    ev = outcomes.merge(
        panel[
            ["enrolment_id", "citizen_id", "spell_start", "spell_end"]
        ].drop_duplicates(),
        on="citizen_id",
    )
    ev = ev[
        (ev["date"] >= ev["spell_start"])
        & (ev["spell_end"].isna() | (ev["date"] <= ev["spell_end"]))
    ]
    first = ev.groupby("enrolment_id")["date"].min().rename("event_date")
    panel = panel.join(first, on="enrolment_id")
    # leakage: rounds on or after the event date never enter the panel
    has_event = panel["event_date"].notna()
    panel = panel[~has_event | (panel["round_date"] < panel["event_date"])].copy()
    panel["window_end"] = panel["round_date"] + timedelta(days=F.WINDOW_DAYS)
    in_window = (
        panel["event_date"].notna()
        & (panel["event_date"] > panel["round_date"])
        & (panel["event_date"] <= panel["window_end"])
    )
    panel["event"] = in_window.astype(int)
    ended_without_event = (
        panel["spell_end"].notna()
        & (panel["spell_end"] <= panel["window_end"])
        & (panel["event"] == 0)
    )
    panel["censored"] = (
        (panel["window_end"] > known_until) | ended_without_event
    ).astype(int)

    months = (
        pd.to_datetime(panel["round_date"]) - pd.to_datetime(panel["spell_start"])
    ).dt.days / 30.4375
    panel["months_in_programme"] = months
    panel["time_band"] = [F.band_index(m, F.TIME_BANDS) for m in months]
    age = (
        pd.to_datetime(panel["round_date"]) - pd.to_datetime(panel["birth_date"])
    ).dt.days / 365.25
    panel["age_band"] = [F.band_index(a, F.AGE_BANDS) for a in age]
    return panel.drop(columns=["birth_date"]).reset_index(drop=True)


def _scores(
    answers: pd.DataFrame, submitted: pd.DataFrame, round_ids: pd.Series
) -> pd.DataFrame:
    """Centred indicator scores per round with imputation and flags."""
    out = pd.DataFrame(index=pd.Index(round_ids.unique(), name="round_id"))
    done = (
        set(map(tuple, submitted[["round_id", "respondent"]].to_numpy()))
        if not submitted.empty
        else set()
    )
    answered = answers.dropna(subset=["value"])
    means = answered.groupby(["round_id", "respondent", "indicator"])["value"].mean()
    for respondent, codes, prefix in (
        ("citizen", F.CITIZEN_INDICATORS, "cit"),
        ("caseworker", F.CASEWORKER_INDICATORS, "cw"),
    ):
        table = (
            means.xs(respondent, level="respondent").unstack("indicator")
            if respondent in means.index.get_level_values(1)
            else pd.DataFrame()
        )
        table = table.reindex(index=out.index, columns=list(codes))
        row_mean = table.mean(
            axis=1
        )  # over the respondent's answered items of the round
        missing = table.isna()
        # each missing item takes the respondent's own mean of the round, else 3
        filled = table.T.fillna(row_mean).T.fillna(3.0)
        part_in = pd.Series(
            [(r, respondent) in done for r in out.index], index=out.index
        )
        if respondent == "citizen":
            out["cit_part_missing"] = (~part_in).astype(int)
            filled.loc[~part_in] = 3.0  # a missing citizen part: the citizen items at 3
            missing.loc[~part_in] = False
        for code in codes:
            out[f"{prefix}_{code}"] = filled[code] - 3.0
        out[f"miss_{prefix}"] = missing.any(axis=1).astype(int)
        out[f"miss_{prefix}_n"] = missing.sum(axis=1).astype(int)
    return out


def _caseworker_changes(panel: pd.DataFrame, assignments: pd.DataFrame) -> np.ndarray:
    """1 when a new case worker's assignment started in (previous round, this round]."""
    changes = np.zeros(len(panel), dtype=int)
    if assignments.empty:
        return changes
    starts: dict[int, list[date]] = {}
    for enrolment_id, group in assignments.sort_values("start").groupby("enrolment_id"):
        rows = group.to_dict("records")
        starts[enrolment_id] = [
            b["start"]
            for a, b in itertools.pairwise(rows)
            if b["caseworker_id"] != a["caseworker_id"]
        ]
    previous: dict[int, date] = {}
    for i, (enrolment_id, day) in enumerate(
        zip(panel["enrolment_id"], panel["round_date"], strict=True)
    ):
        prev = previous.get(enrolment_id)
        if prev is not None and any(
            prev < s <= day for s in starts.get(enrolment_id, ())
        ):
            changes[i] = 1
        previous[enrolment_id] = day
    return changes
