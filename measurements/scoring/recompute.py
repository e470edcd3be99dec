"""Stored scores (DESIGN sections 1, 4 and 5): the durable recompute job, its triggers
and the nightly sweep.

One job kind does all the work: it walks the complete rounds in its scope (one spell,
a few spells, or a whole municipality) in chunks of whole spells, reads each chunk in a
fixed handful of queries, computes the scores with numpy/pandas, and writes only the
rounds whose inputs changed (or that have no score of the model version yet), with the
checkpoint, in one transaction. So a saved round, a correction, an activated model and
the nightly sweep all go through the same code, and a rerun or a resumed job writes
nothing twice.

The latest round of each spell also gets "what to work on" (worklist.py), stored with
its score: computed with a new score, and filled in for a current score that has none
(written before it existed), so the citizen page never computes it.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import numpy as np
import pandas as pd
from django.conf import settings
from django.db import connection, transaction
from django.db.models import BooleanField, Count, ExpressionWrapper, Q, QuerySet
from django.utils import timezone

from bip.db import (
    copy_frame,
    copy_upsert,
    derived_commit,
    keeps_change_markers,
    read_numbers,
    stream,
    xact_lock,
)
from bip.jobs import services as jobs
from bip.jobs.models import Job
from citizens.models import Assignment
from measurements.models import (
    Answer,
    IndicatorScore,
    InstrumentVersion,
    ModelVersion,
    Question,
    Response,
    Round,
    Score,
    SpellScoring,
)
from measurements.scoring import features as F
from measurements.scoring.associations import associations_request
from measurements.scoring.model import (
    Coefficients,
    hazard,
    linear_predictor,
    probability_12m,
)
from measurements.scoring.panel import features, read_assignments, read_rounds
from measurements.scoring.progression import (
    INDICATOR_COLUMNS,
    classify,
    feature_name,
    indicator_part,
    indicator_table,
    movement,
    question_signatures,
)
from measurements.scoring.versions import active_model, coefficients_from_json
from measurements.scoring.worklist import Uncertainty, basis, rank, to_json

KIND = "scores.recompute"
LOCK_NAMESPACE = 7101  # pg_advisory_xact_lock(namespace, municipality id)
# Triggers after which the municipality's associations are computed again.
FULL_TRIGGERS = ("activation", "sweep", "import", "demo")
HASHED_FEATURES = (*F.CIT, *F.CW, *F.FLAGS, "miss_cit_n", "miss_cw_n")


def threshold() -> float:
    """The progression class threshold on the log-odds scale (docs/model.md)."""
    return math.log(1.0 + settings.BIP_PROGRESSION_THRESHOLD)


# --- Triggers ---


# Triggers from case work: while a job for them waits, later ones join it.
BATCHED = ("round", "correction", "link")
BATCH_MAX_SPELLS = 1000


def scores_request(
    *,
    municipality_id: int,
    trigger: str,
    enrolment_ids: Iterable[int] | None = None,
    model_version_id: int | None = None,
    by: Any = None,
) -> Any:
    """A recompute job, created in the caller's transaction and sent after commit.

    Saves of rounds join a job of the municipality that waits and was never claimed
    (so no checkpoint can skip them): at busy times one job scores many saves."""

    params: dict[str, Any] = {"trigger": trigger}
    if enrolment_ids is not None:
        params["enrolment_ids"] = sorted(set(enrolment_ids))
    if model_version_id is not None:
        params["model_version_id"] = model_version_id
    if trigger in BATCHED and enrolment_ids is not None:
        params["batch"] = True
        waiting = (
            Job.objects.select_for_update()
            .filter(
                kind=KIND,
                municipality_id=municipality_id,
                state=Job.State.PENDING,
                attempts=0,
                params__batch=True,
            )
            .order_by("pk")
            .first()
        )
        if waiting is not None:
            ids = sorted(set(waiting.params["enrolment_ids"]) | set(enrolment_ids))
            if len(ids) <= BATCH_MAX_SPELLS:
                waiting.params = {**waiting.params, "enrolment_ids": ids}
                waiting.save(update_fields=["params", "updated_at"])
                return waiting
    return jobs.enqueue(
        kind=KIND, params=params, municipality_id=municipality_id, requested_by=by
    )


def scores_request_after_import(*, municipality_id: int, by: Any = None) -> Any:
    """One recompute of the whole municipality after saved imports (it writes only
    the rounds whose inputs changed). It waits BIP_IMPORT_SCORES_DELAY after the
    latest import; an import saved while it waits joins it and moves it on, so a run
    of files is scored once."""

    delay = settings.BIP_IMPORT_SCORES_DELAY
    not_before = timezone.now() + timedelta(seconds=delay) if delay > 0 else None
    waiting = (
        Job.objects.select_for_update()
        .filter(
            kind=KIND,
            municipality_id=municipality_id,
            state=Job.State.PENDING,
            attempts=0,
            params__trigger="import",
            not_before__isnull=False,
        )
        .order_by("pk")
        .first()
    )
    if waiting is not None and not_before is not None:
        waiting.not_before = not_before
        waiting.save(update_fields=["not_before", "updated_at"])
        return waiting
    return jobs.enqueue(
        kind=KIND,
        params={"trigger": "import"},
        municipality_id=municipality_id,
        requested_by=by,
        not_before=not_before,
    )


def scores_request_for_round(*, rnd: Any, trigger: str, by: Any = None) -> Any:
    """After a save, correction or citizen submission: score the round's spell (its
    later rounds' changes depend on it). Nothing while the case worker's part is
    missing: scores stay hidden until then."""
    if rnd.state != rnd.State.COMPLETE:
        return None
    return scores_request(
        municipality_id=rnd.municipality_id,
        trigger=trigger,
        enrolment_ids=[rnd.enrolment_id],
        by=by,
    )


# A sweep job lists its spells up to this many; beyond it, it walks the whole
# municipality (which still writes only the rounds whose inputs changed).
SWEEP_MAX_SPELLS = 20_000

# Per municipality with complete rounds: the spells whose scores are not known to be
# current, i.e. whose inputs changed since they were scored (SpellScoring, kept by
# triggers), never scored, or scored with another model version than the active one
# or another class threshold. One query, whatever the number of spells; it reads the
# markers, not the inputs.
CHANGED_SPELLS = """
WITH active AS (
    SELECT m.municipality_id, m.id FROM measurements_modelversion m
    WHERE m.active AND m.municipality_id IS NOT NULL
), reference AS (
    SELECT m.id FROM measurements_modelversion m
    WHERE m.active AND m.municipality_id IS NULL
)
SELECT r.municipality_id, array_agg(DISTINCT r.enrolment_id)
FROM measurements_round r
LEFT JOIN measurements_spellscoring s ON s.enrolment_id = r.enrolment_id
LEFT JOIN active a ON a.municipality_id = r.municipality_id
WHERE r.state = %(complete)s
  AND (
    s.scored_version IS NULL
    OR s.scored_version <> s.inputs_version
    OR s.scored_model_version_id IS DISTINCT FROM
       COALESCE(a.id, (SELECT id FROM reference))
    OR s.scored_threshold IS DISTINCT FROM %(threshold)s
  )
GROUP BY r.municipality_id
ORDER BY r.municipality_id
"""


def changed_spells() -> dict[int, list[int]]:
    """Municipality id -> the spells the sweep must score (see CHANGED_SPELLS). The
    markers are kept by PostgreSQL triggers; elsewhere (the SQLite demo) no spell is
    known to be current, so every spell with complete rounds is listed and the job
    writes only the rounds whose inputs changed."""
    if not keeps_change_markers(connection):
        spells: dict[int, set[int]] = {}
        for municipality_id, enrolment_id in Round.objects.filter(
            state=Round.State.COMPLETE
        ).values_list("municipality_id", "enrolment_id"):
            spells.setdefault(municipality_id, set()).add(enrolment_id)
        return {m: sorted(ids) for m, ids in sorted(spells.items())}
    with connection.cursor() as cursor:
        cursor.execute(
            CHANGED_SPELLS,
            {"complete": Round.State.COMPLETE, "threshold": threshold()},
        )
        return {m: sorted(ids) for m, ids in cursor.fetchall()}


def scores_sweep() -> list[Any]:
    """Nightly (beat): per municipality with spells whose scores are not known to be
    current (changed_spells), one job that scores just those spells; none while the
    previous sweep of that municipality is unfinished, none where nothing changed.

    Nothing a score is computed from moves with the calendar alone: time in
    programme and age are taken at the round's date, and the outcomes' "known until"
    date enters the fitting, not the scores. So a spell whose markers are equal needs
    no recompute, whatever the day."""

    created = []
    for municipality_id, enrolment_ids in changed_spells().items():
        unfinished = Job.objects.filter(
            kind=KIND,
            municipality_id=municipality_id,
            params__trigger="sweep",
            state__in=[Job.State.PENDING, Job.State.RUNNING],
        )
        if unfinished.exists():
            continue
        scope = enrolment_ids if len(enrolment_ids) <= SWEEP_MAX_SPELLS else None
        with transaction.atomic():
            created.append(
                scores_request(
                    municipality_id=municipality_id,
                    trigger="sweep",
                    enrolment_ids=scope,
                )
            )
    return created


# --- The job ---


@dataclass
class Context:
    """What every chunk of one job shares, read once when the job starts."""

    municipality_id: int
    model_version_id: int
    coefficients: Coefficients
    signatures: pd.DataFrame
    threshold: float
    job_id: int | None = None
    # question id -> indicator, for the questions that feed one
    indicators: dict[int, str] = field(default_factory=dict)
    model: Any = None
    # what to work on: the version's parameter draws, made once per job, or why the
    # version cannot give intervals (per language)
    _basis: tuple[Uncertainty | None, dict[str, str]] | None = None

    def worklist_basis(self) -> tuple[Uncertainty | None, dict[str, str]]:
        if self._basis is None:
            self._basis = basis(self.model, self.coefficients)
        return self._basis

    @classmethod
    def load(
        cls, *, municipality_id: int, model_version_id: int, job_id: int | None = None
    ) -> Context:

        model = ModelVersion.objects.get(pk=model_version_id)
        versions = list(
            InstrumentVersion.objects.filter(
                Q(municipality_id=municipality_id) | Q(municipality__isnull=True)
            ).values_list("pk", flat=True)
        )
        return cls(
            municipality_id=municipality_id,
            model_version_id=model.pk,
            coefficients=coefficients_from_json(model.coefficients),
            signatures=question_signatures(versions),
            threshold=threshold(),
            job_id=job_id,
            indicators=dict(
                Question.objects.filter(
                    version_id__in=versions, indicator__gt=""
                ).values_list("pk", "indicator")
            ),
            model=model,
        )


def _scope(job: Any) -> QuerySet[Any]:

    qs = Round.objects.filter(
        municipality_id=job.municipality_id, state=Round.State.COMPLETE
    )
    if "enrolment_ids" in job.params:
        qs = qs.filter(enrolment_id__in=job.params["enrolment_ids"])
    return qs


def chunks(spells: Iterable[tuple[int, int]], size: int) -> Iterator[list[int]]:
    """Whole spells (enrolment id, number of rounds) grouped until a chunk holds at
    least `size` rounds: a round's changes need its spell's earlier rounds."""
    batch: list[int] = []
    n = 0
    for enrolment_id, count in spells:
        batch.append(enrolment_id)
        n += count
        if n >= size:
            yield batch
            batch, n = [], 0
    if batch:
        yield batch


def scores_recompute_job(claim: Any) -> None:
    job = claim.job
    checkpoint = dict(job.checkpoint or {})
    if "model_version_id" not in checkpoint:
        active = active_model(municipality_id=job.municipality_id)
        wanted = job.params.get("model_version_id")
        if wanted is not None and wanted != active.pk:
            # another model was activated meanwhile: its own job scores the rounds
            job.result = {"skipped": "model no longer active"}
            return
        checkpoint = {"model_version_id": active.pk, "after": 0}
        with transaction.atomic():
            claim.advance(checkpoint=checkpoint, total=_scope(job).count())
    ctx = Context.load(
        municipality_id=job.municipality_id,
        model_version_id=checkpoint["model_version_id"],
        job_id=job.pk,
    )
    spells = (
        _scope(job)
        .filter(enrolment_id__gt=checkpoint["after"])
        .values_list("enrolment_id")
        .annotate(n=Count("id"))
        .order_by("enrolment_id")
    )
    for enrolment_ids in chunks(stream(spells), settings.BIP_SCORES_CHUNK_ROUNDS):
        checkpoint = {**checkpoint, "after": enrolment_ids[-1]}
        process_chunk(ctx, enrolment_ids, claim=claim, checkpoint=checkpoint)
        jobs.test_hold()
        if claim.near_time_limit():
            claim.requeue()  # resumes from the checkpoint in a fresh task
            return
    job.result = {
        "model_version_id": ctx.model_version_id,
        "rounds": job.progress,
    }
    if job.params.get("trigger") in FULL_TRIGGERS:
        with transaction.atomic():
            associations_request(municipality_id=job.municipality_id)
    for after in _after_scores:
        after(job.municipality_id)


# What higher layers do once a municipality's scores changed (the dashboards'
# refresh): registered in their AppConfig.ready() (DESIGN section 0).
_after_scores: list[Callable[[int], None]] = []


def register_after_scores(hook: Callable[[int], None]) -> None:
    if hook not in _after_scores:
        _after_scores.append(hook)


def process_chunk(
    ctx: Context,
    enrolment_ids: list[int],
    *,
    claim: Any = None,
    checkpoint: dict[str, Any] | None = None,
) -> int:
    """Read, score and write one chunk of spells, with the job's checkpoint, in one
    transaction. The municipality's advisory lock serialises chunks of concurrent
    jobs, so the last writer has also read last."""
    with transaction.atomic():
        xact_lock(LOCK_NAMESPACE, ctx.municipality_id)
        derived_commit()  # scores and checkpoint are lost together or kept together
        # the markers first: inputs read after them are at least as new
        markers = read_markers(enrolment_ids)
        computed = compute_chunk(ctx, enrolment_ids)
        n = write_chunk(ctx, computed)
        mark_scored(ctx, markers)
        if claim is not None:
            claim.advance(checkpoint=checkpoint, progress=n)
    return n


def read_markers(enrolment_ids: list[int]) -> dict[int, tuple[Any, ...]]:
    """Per spell: its input change count (0 where no trigger has marked it yet) and
    what its scores were last computed from (count, model version, threshold)."""
    found = {
        row[0]: row[1:]
        for row in SpellScoring.objects.filter(
            enrolment_id__in=enrolment_ids
        ).values_list(
            "enrolment_id",
            "inputs_version",
            "scored_version",
            "scored_model_version_id",
            "scored_threshold",
        )
    }
    return {i: found.get(i, (0, None, None, None)) for i in enrolment_ids}


MARK_SCORED = """
INSERT INTO measurements_spellscoring AS s
    (enrolment_id, inputs_version, scored_version, scored_model_version_id,
     scored_threshold)
SELECT e, v, v, %(model)s, %(threshold)s
FROM unnest(%(spells)s::bigint[], %(versions)s::bigint[]) AS x(e, v)
ORDER BY e
ON CONFLICT (enrolment_id) DO UPDATE SET
    scored_version = EXCLUDED.scored_version,
    scored_model_version_id = EXCLUDED.scored_model_version_id,
    scored_threshold = EXCLUDED.scored_threshold
"""


def mark_scored(ctx: Context, markers: dict[int, tuple[Any, ...]]) -> None:
    """Record what the chunk's spells were scored from: the change counts read
    before their inputs, the model version and the class threshold. One statement
    for the spells where that differs from what is recorded, none where nothing
    does. Without the triggers (SQLite) nothing is recorded: there the sweep lists
    every spell."""
    if not keeps_change_markers(connection):
        return
    changed = {
        spell: version
        for spell, (version, *scored) in markers.items()
        if scored != [version, ctx.model_version_id, ctx.threshold]
    }
    if not changed:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            MARK_SCORED,
            {
                "spells": list(changed),
                "versions": list(changed.values()),
                "model": ctx.model_version_id,
                "threshold": ctx.threshold,
            },
        )


@dataclass
class Computed:
    panel: pd.DataFrame  # one row per round: features, scores, class, hash
    table: pd.DataFrame  # one row per round, respondent and indicator
    moved: pd.DataFrame  # per round and feature: its share of the change


def compute_chunk(ctx: Context, enrolment_ids: list[int]) -> Computed:
    """Read one chunk: its rounds, their submitted parts, those parts' current answers
    and the spells' assignments, each in one query naming the chunk's spells (not
    its tens of thousands of parts); the answers, the bulk of it, read as numbers
    with COPY."""

    rounds = read_rounds(
        Round.objects.filter(
            municipality_id=ctx.municipality_id,
            enrolment_id__in=enrolment_ids,
            state=Round.State.COMPLETE,
        )
    )
    chunk_parts = Response.objects.filter(
        round__municipality_id=ctx.municipality_id,
        round__enrolment_id__in=enrolment_ids,
        round__state=Round.State.COMPLETE,
        state=Response.State.SUBMITTED,
    )
    parts = pd.DataFrame.from_records(
        list(chunk_parts.values_list("pk", "round_id", "respondent")),
        columns=["response_id", "round_id", "respondent"],
    )
    answers = read_numbers(
        Answer.objects.filter(
            response__in=chunk_parts.values("pk"), superseded_at__isnull=True
        ),
        ["response_id", "question_id", "value"],
        ["response_id", "question_id", "value"],
    )
    answers["indicator"] = answers["question_id"].map(ctx.indicators)
    answers = answers.dropna(subset=["indicator"]).merge(parts, on="response_id")[
        ["round_id", "respondent", "indicator", "value"]
    ]
    assignments = read_assignments(
        Assignment.objects.filter(enrolment_id__in=enrolment_ids)
    )
    submitted = parts[["round_id", "respondent"]]
    return score_frames(ctx, rounds, answers, submitted, assignments)


def score_frames(
    ctx: Context,
    rounds: pd.DataFrame,
    answers: pd.DataFrame,
    submitted: pd.DataFrame,
    assignments: pd.DataFrame,
) -> Computed:
    """The scores of many rounds at once, from the frames the panel reader gives."""
    if rounds.empty:
        empty = pd.DataFrame(columns=["round_id"])
        return Computed(empty, empty, empty)
    c = ctx.coefficients
    panel = features(rounds, answers, submitted, assignments)
    table = indicator_table(rounds, answers, submitted, ctx.signatures)
    panel["lp"] = linear_predictor(panel, c)
    panel["hazard_q"] = hazard(panel["lp"].to_numpy())
    panel["p12"] = probability_12m(panel, c)
    panel["indicator_lp"] = indicator_part(panel, c.features)
    delta, moved = movement(table, c.features)
    panel["delta_indicator_lp"] = panel["round_id"].map(delta)
    panel["klass"] = classify(panel["delta_indicator_lp"], ctx.threshold)
    panel["inputs_hash"] = input_hashes(panel, table, ctx.threshold)
    return Computed(panel, table, moved)


def _float(value: Any) -> float | None:
    """For storage: full precision, None for a missing value."""
    if (
        value is None
        or value is pd.NA
        or (isinstance(value, float) and math.isnan(value))
    ):
        return None
    return float(value)


# What a Score holds besides its keys and bookkeeping.
SCORE_VALUES = [
    "lp",
    "hazard_q",
    "p12",
    "indicator_lp",
    "delta_indicator_lp",
    "klass",
    "contributions",
    "worklist",
]
# The columns a Score is written with, in the order of _score_rows.
SCORE_COLUMNS = [
    "municipality_id",
    "round_id",
    "model_version_id",
    *SCORE_VALUES,
    "inputs_hash",
    "job_id",
    "computed_at",
    "superseded_at",
]
INDICATOR_FIELDS = [
    "municipality_id",
    "round_id",
    *INDICATOR_COLUMNS,
    "inputs_hash",
    "computed_at",
]


# Inputs hash cells: a float as its multiple of 1e-6 (rounded), a bool or an int as
# itself, a text by the first 8 bytes of its SHA-256; a missing cell as MISSING.
MISSING = np.iinfo(np.int64).min
HASH_FORMAT = b"bip-inputs/2\0"


def _cells(column: pd.Series) -> np.ndarray:
    """One column as little-endian int64 codes for the inputs hash (MISSING for a
    missing cell), converted column by column, never cell by cell."""
    if pd.api.types.is_bool_dtype(column):
        return column.to_numpy(dtype="<i8")
    if pd.api.types.is_numeric_dtype(column):
        values = column.to_numpy(dtype=float)
        missing = np.isnan(values)
        scaled = np.rint(np.where(missing, 0.0, values) * 1e6).astype("<i8")
        return np.where(missing, MISSING, scaled).astype("<i8")
    texts = column.astype(object)
    codes = {
        value: int.from_bytes(
            hashlib.sha256(str(value).encode()).digest()[:8], "little", signed=True
        )
        for value in pd.unique(texts[texts.notna()])
    }
    return texts.map(codes).fillna(MISSING).to_numpy(dtype="<i8")


def _matrix(frame: pd.DataFrame, columns: Iterable[str]) -> bytes:
    """The columns' codes row by row, as one contiguous buffer."""
    return np.ascontiguousarray(
        np.column_stack([_cells(frame[c]) for c in columns]), dtype="<i8"
    ).tobytes()


def input_hashes(panel: pd.DataFrame, table: pd.DataFrame, thr: float) -> list[str]:
    """A fingerprint of everything a round's scores are computed from: its features,
    placement and bands, its indicator scores with their changes since the previous
    round and the baseline (ordered by respondent and indicator), and the class
    threshold. Equal inputs, equal hash; the cells are coded as whole columns and
    each round's hash reads its own slice of them."""
    columns = [
        *HASHED_FEATURES,
        "months_in_programme",
        "time_band",
        "age_band",
        "target_group",
    ]
    rows = table.sort_values(["round_id", "respondent", "indicator"], kind="stable")
    indicator_cells = memoryview(_matrix(rows, INDICATOR_COLUMNS))
    round_cells = memoryview(_matrix(panel, columns))
    width_t, width_p = 8 * len(INDICATOR_COLUMNS), 8 * len(columns)
    table_rounds = rows["round_id"].to_numpy()
    round_ids = panel["round_id"].to_numpy()
    first = np.searchsorted(table_rounds, round_ids, side="left")
    last = np.searchsorted(table_rounds, round_ids, side="right")
    tail = round(thr * 1e9).to_bytes(8, "little", signed=True)
    out = []
    for i, (lo, hi) in enumerate(zip(first.tolist(), last.tolist(), strict=True)):
        digest = hashlib.sha256(HASH_FORMAT)
        digest.update(round_cells[i * width_p : (i + 1) * width_p])
        digest.update(indicator_cells[lo * width_t : hi * width_t])
        digest.update(tail)
        out.append(digest.hexdigest())
    return out


def contributions(
    panel: pd.DataFrame, moved: pd.DataFrame, c: Coefficients
) -> list[dict[str, Any]]:
    """Per round: each feature's part of the linear predictor, the baseline parts
    (intercept, time, age, target group), and what moved it since the previous round."""
    by_round: dict[int, dict[str, float]] = {}
    for round_id, feature, value in moved.itertuples(index=False):
        if value:
            by_round.setdefault(int(round_id), {})[feature] = round(float(value), 6)
    names = [n for n in (*F.CIT, *F.CW, *F.FLAGS) if c.features.get(n) and n in panel]
    betas = np.array([c.features[n] for n in names])
    parts = panel[names].to_numpy(dtype=float) * betas if names else None
    out = []
    for i, row in enumerate(
        panel[["round_id", "time_band", "age_band", "target_group"]].itertuples(
            index=False
        )
    ):
        terms = (
            {
                n: round(float(v), 6)
                for n, v in zip(names, parts[i], strict=True)
                if v != 0
            }
            if parts is not None
            else {}
        )
        out.append(
            {
                "terms": terms,
                "intercept": round(c.intercept, 6),
                "time_band": round(c.time_bands[int(row.time_band)], 6),
                "age_band": round(c.age_bands[int(row.age_band)], 6),
                "target_group": round(c.target_groups.get(row.target_group, 0.0), 6),
                "moved": by_round.get(int(row.round_id), {}),
            }
        )
    return out


def latest_of_spells(panel: pd.DataFrame) -> list[int]:
    """The latest round of each spell in a chunk (the panel is ordered by spell, date
    and id, as the citizen page orders rounds): the rounds that get what to work on."""
    last = ~panel["enrolment_id"].duplicated(keep="last")
    return [int(i) for i in panel.loc[last, "round_id"]]


def worklists(
    ctx: Context, computed: Computed, round_ids: list[int]
) -> dict[int, dict[str, Any]]:
    """What to work on for some rounds of a chunk, all at once, as stored with their
    scores: the ranked indicators, or why the version cannot say (per language)."""
    if not round_ids:
        return {}
    uncertainty, reasons = ctx.worklist_basis()
    if reasons:
        return {i: {"items": [], "reason": reasons} for i in round_ids}
    panel, table = computed.panel, computed.table
    rows = panel[panel["round_id"].isin(round_ids)]
    mine = table[table["round_id"].isin(round_ids) & table["value"].notna()]
    answered: dict[int, set[str]] = {}
    for round_id, respondent, indicator in zip(
        mine["round_id"], mine["respondent"], mine["indicator"], strict=True
    ):
        answered.setdefault(int(round_id), set()).add(
            feature_name(respondent, indicator)
        )
    ids = [int(i) for i in rows["round_id"]]
    found = rank(
        rows, ctx.coefficients, uncertainty, [answered.get(i, set()) for i in ids]
    )
    return {i: {"items": to_json(f)} for i, f in zip(ids, found, strict=True)}


def _score_rows(
    ctx: Context,
    rows: pd.DataFrame,
    parts: list[dict[str, Any]],
    work: dict[int, dict[str, Any]],
    now: Any,
) -> Iterator[tuple[Any, ...]]:
    """The Score rows of SCORE_COLUMNS in their database form (JSON as text)."""
    for r, part in zip(rows.itertuples(index=False), parts, strict=True):
        worklist = work.get(int(r.round_id))
        yield (
            ctx.municipality_id,
            int(r.round_id),
            ctx.model_version_id,
            float(r.lp),
            float(r.hazard_q),
            float(r.p12),
            float(r.indicator_lp),
            _float(r.delta_indicator_lp),
            r.klass,
            json.dumps(part),
            None if worklist is None else json.dumps(worklist),
            r.inputs_hash,
            ctx.job_id,
            now,
            None,
        )


def write_chunk(ctx: Context, computed: Computed) -> int:
    """Write the rounds whose inputs changed, and what to work on where the latest
    round of a spell has a current score without it; returns how many rounds the
    chunk held."""

    panel, table = computed.panel, computed.table
    if panel.empty:
        return 0
    now = timezone.now()
    ids = [int(i) for i in panel["round_id"]]
    # The rounds' current scores of every version, oldest first: this version's
    # hash decides its score; the newest one's hash is the one the indicator scores
    # were written with (both are written together, with the same hash).
    current: dict[int, str] = {}
    have: dict[int, str] = {}
    lacking: dict[int, int] = {}  # this version's current scores without a worklist
    for pk, round_id, version_id, inputs_hash, has_worklist in (
        Score.objects.filter(round_id__in=ids, superseded_at__isnull=True)
        .annotate(
            has_worklist=ExpressionWrapper(
                Q(worklist__isnull=False), output_field=BooleanField()
            )
        )
        .order_by("computed_at", "pk")
        .values_list(
            "pk", "round_id", "model_version_id", "inputs_hash", "has_worklist"
        )
    ):
        have[round_id] = inputs_hash
        if version_id == ctx.model_version_id:
            current[round_id] = inputs_hash
            if not has_worklist:
                lacking[round_id] = pk
    hashes = dict(zip(ids, panel["inputs_hash"], strict=True))
    stale = [i for i in ids if current.get(i) != hashes[i]]
    stale_indicators = [i for i in ids if have.get(i) != hashes[i]]
    # a score whose inputs did not change keeps its other fields: only its missing
    # worklist is written (scores stored before worklists were, filled by the sweep)
    latest, renewed = latest_of_spells(panel), set(stale)
    fill = {i: lacking[i] for i in latest if i in lacking and i not in renewed}
    work = worklists(ctx, computed, [i for i in latest if i in renewed or i in fill])
    if stale:
        rows = panel[panel["round_id"].isin(stale)]
        parts = contributions(rows, computed.moved, ctx.coefficients)
        # the old current score is kept, superseded; a revision seen before (a
        # correction undone) becomes current again instead of a duplicate
        Score.objects.filter(
            round_id__in=stale,
            model_version_id=ctx.model_version_id,
            superseded_at__isnull=True,
        ).update(superseded_at=now)
        copy_upsert(
            Score,
            SCORE_COLUMNS,
            _score_rows(ctx, rows, parts, work, now),
            unique_fields=["round", "model_version", "inputs_hash"],
            update_fields=["superseded_at", "computed_at", "job", *SCORE_VALUES],
        )
    if fill:
        Score.objects.bulk_update(
            [Score(pk=pk, worklist=work[i]) for i, pk in fill.items()], ["worklist"]
        )
    if stale_indicators:
        # a round's indicator scores are written with a score and replaced with
        # the next: a round without a current score of any version has none (a
        # first recompute deletes nothing; a broken rule fails on the unique key)
        scored = [i for i in stale_indicators if i in have]
        if scored:
            IndicatorScore.objects.filter(round_id__in=scored).delete()
        rows = table.loc[
            table["round_id"].isin(stale_indicators), ["round_id", *INDICATOR_COLUMNS]
        ]
        frame = pd.DataFrame(
            {
                "municipality_id": ctx.municipality_id,
                "round_id": rows["round_id"].astype("int64"),
                "respondent": rows["respondent"],
                "indicator": rows["indicator"],
                "value": rows["value"].astype(float),
                "n_answered": rows["n_answered"].astype("int64"),
                "delta_previous": rows["delta_previous"].astype(float),
                "delta_baseline": rows["delta_baseline"].astype(float),
                "changed_previous": rows["changed_previous"].astype(bool),
                "changed_baseline": rows["changed_baseline"].astype(bool),
                "inputs_hash": rows["round_id"].map(hashes),
                "computed_at": now,
            }
        )
        copy_frame(IndicatorScore, frame[INDICATOR_FIELDS])
    return len(ids)
