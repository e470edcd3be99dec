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

from datetime import date, timedelta

import numpy as np
import pandas as pd

from bip.accounts.models import Municipality
from citizens.models import Assignment
from interventions.models import Outcome
from measurements.models import Answer, Response, Round
from measurements.scoring import features as F

EVENT_KINDS = ("job", "education")


def _frame(qs, columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame.from_records(list(qs.values_list(*columns)), columns=columns)


ROUND_COLUMNS = {
    "id": "round_id",
    "enrolment_id": "enrolment_id",
    "round_date": "round_date",
    "instrument_version_id": "instrument_version_id",
    "enrolment__citizen_id": "citizen_id",
    "enrolment__start": "spell_start",
    "enrolment__end": "spell_end",
    "target_group__code": "target_group",  # snapshot taken with the round
    "enrolment__target_group__code": "spell_target_group",
    "enrolment__citizen__birth_date": "birth_date",
}


def read_rounds(qs) -> pd.DataFrame:
    """The round columns the features need, from a queryset of complete rounds. The
    target group is the round's own (taken when the case worker's part was
    submitted), so a later change of the spell's group does not rewrite old scores;
    the spell's where a round has none."""
    frame = _frame(qs, list(ROUND_COLUMNS)).rename(columns=ROUND_COLUMNS)
    frame["target_group"] = frame["target_group"].fillna(frame["spell_target_group"])
    return frame.drop(columns=["spell_target_group"])


def read_answers(qs) -> pd.DataFrame:
    """Current answers to indicator questions: round, respondent, indicator, value."""
    return _frame(
        qs.filter(superseded_at__isnull=True, question__indicator__gt=""),
        ["response__round_id", "response__respondent", "question__indicator", "value"],
    ).rename(
        columns={
            "response__round_id": "round_id",
            "response__respondent": "respondent",
            "question__indicator": "indicator",
        }
    )


def read_submitted(round_ids: list[int]) -> pd.DataFrame:

    return _frame(
        Response.objects.filter(round_id__in=round_ids, state=Response.State.SUBMITTED),
        ["round_id", "respondent"],
    )


def read_assignments(qs) -> pd.DataFrame:
    return _frame(qs, ["enrolment_id", "caseworker_id", "start"])


def features(
    rounds: pd.DataFrame,
    answers: pd.DataFrame,
    submitted: pd.DataFrame,
    assignments: pd.DataFrame,
) -> pd.DataFrame:
    """One row per round, ordered by spell, date and id, with the model's features
    (indicator scores centred at 3, imputation and flags, change of case worker,
    time-in-programme and age bands). No events: scoring needs none."""
    panel = rounds.sort_values(["enrolment_id", "round_date", "round_id"]).reset_index(
        drop=True
    )
    panel = panel.join(_scores(answers, submitted, panel["round_id"]), on="round_id")
    panel["cw_change"] = _caseworker_changes(panel, assignments)
    months = (
        pd.to_datetime(panel["round_date"]) - pd.to_datetime(panel["spell_start"])
    ).dt.days / 30.4375
    panel["months_in_programme"] = months
    panel["time_band"] = F.band_indexes(months.to_numpy(), F.TIME_BANDS)
    age = (
        pd.to_datetime(panel["round_date"]) - pd.to_datetime(panel["birth_date"])
    ).dt.days / 365.25
    panel["age_band"] = F.band_indexes(age.to_numpy(), F.AGE_BANDS)
    return panel


def build_panel(*, municipality_id: int, today: date | None = None) -> pd.DataFrame:

    today = today or date.today()  # noqa: DTZ011 - dates only
    known_until = (
        Municipality.objects.get(pk=municipality_id).outcomes_known_until or today
    )
    rounds = read_rounds(
        Round.objects.filter(
            municipality_id=municipality_id, state=Round.State.COMPLETE
        )
    )
    if rounds.empty:
        return pd.DataFrame(
            columns=["round_id", *F.CIT, *F.CW, *F.FLAGS, "event", "censored"]
        )
    answers = read_answers(
        Answer.objects.filter(
            response__round__municipality_id=municipality_id,
            response__round__state="complete",
        )
    )
    submitted = read_submitted(rounds["round_id"].tolist())
    assignments = read_assignments(
        Assignment.objects.filter(municipality_id=municipality_id)
    )
    outcomes = _frame(
        Outcome.objects.filter(municipality_id=municipality_id, kind__in=EVENT_KINDS),
        ["citizen_id", "date"],
    )
    panel = features(rounds, answers, submitted, assignments)
    panel = with_events(panel, outcomes, known_until=known_until)
    return panel.drop(columns=["birth_date"]).reset_index(drop=True)


def with_events(
    rounds: pd.DataFrame, outcomes: pd.DataFrame, *, known_until: date
) -> pd.DataFrame:
    """The rounds (round_date, enrolment_id, citizen_id, spell_start, spell_end) with
    `event` and `censored` as the model defines them: the window (round date, round
    date + 91 days]; rounds on or after the spell's first event left out; a window
    that ends after `known_until`, or in a spell that ended without an event,
    censored. `outcomes` holds the job and education starts (citizen_id, date). The
    fits and the dashboards' comparison both read events here."""
    ev = outcomes.merge(
        rounds[
            ["enrolment_id", "citizen_id", "spell_start", "spell_end"]
        ].drop_duplicates(),
        on="citizen_id",
    )
    ev = ev[
        (ev["date"] >= ev["spell_start"])
        & (ev["spell_end"].isna() | (ev["date"] <= ev["spell_end"]))
    ]
    first = ev.groupby("enrolment_id")["date"].min().rename("event_date")
    panel = rounds.join(first, on="enrolment_id")
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
    return panel


def _scores(
    answers: pd.DataFrame, submitted: pd.DataFrame, round_ids: pd.Series
) -> pd.DataFrame:
    """Centred indicator scores per round with imputation and flags."""
    index = pd.Index(round_ids.unique(), name="round_id")
    columns: dict[str, np.ndarray] = {}
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
        values = table.reindex(index=index, columns=list(codes)).to_numpy(dtype=float)
        missing = np.isnan(values)
        # each missing item takes the respondent's own mean over the answered items
        # of the round, else 3
        answered_n = (~missing).sum(axis=1)
        total = np.where(missing, 0.0, values).sum(axis=1)
        row_mean = np.divide(
            total, answered_n, out=np.full(len(index), 3.0), where=answered_n > 0
        )
        filled = np.where(missing, row_mean[:, None], values)
        part_in = np.array([(r, respondent) in done for r in index], dtype=bool)
        if respondent == "citizen":
            columns["cit_part_missing"] = (~part_in).astype(int)
            filled[~part_in] = 3.0  # a missing citizen part: the citizen items at 3
            missing[~part_in] = False
        for j, code in enumerate(codes):
            columns[f"{prefix}_{code}"] = filled[:, j] - 3.0
        columns[f"miss_{prefix}"] = missing.any(axis=1).astype(int)
        columns[f"miss_{prefix}_n"] = missing.sum(axis=1).astype(int)
    return pd.DataFrame(columns, index=index)


def _caseworker_changes(panel: pd.DataFrame, assignments: pd.DataFrame) -> np.ndarray:
    """1 when a new case worker's assignment started in (previous round, this round]."""
    changes = np.zeros(len(panel), dtype=int)
    if assignments.empty:
        return changes
    starts: dict[int, list[date]] = {}
    ordered = assignments.sort_values(["enrolment_id", "start"], kind="stable")
    last: tuple[int, int] | None = None
    for enrolment_id, caseworker_id, start in ordered[
        ["enrolment_id", "caseworker_id", "start"]
    ].itertuples(index=False):
        if last is not None and last[0] == enrolment_id and last[1] != caseworker_id:
            starts.setdefault(enrolment_id, []).append(start)
        last = (enrolment_id, caseworker_id)
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
