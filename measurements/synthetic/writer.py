"""Write synthetic spells through the product's own tables in bulk: the ids reserved
up front, every table written with COPY on PostgreSQL (one prepared INSERT run on
SQLite), so a national-scale cohort loads in minutes and the demo in seconds."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, time
from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone

from bip.accounts.models import Team
from bip.db import copy_rows, reserve_ids
from citizens import crypto
from citizens.models import Assignment, Citizen, Enrolment, TargetGroup, fold
from interventions.models import InterventionEpisode, Outcome
from measurements.models import Answer, InstrumentVersion, Respondent, Response, Round
from measurements.scoring import features as F
from measurements.services import instrument_current
from measurements.synthetic.cohort import Cohort, cohort_spells
from measurements.synthetic.episodes import Catalogue
from measurements.synthetic.people import CprNumbers
from measurements.synthetic.records import Part, Spell

# how many rounds' answers are built at a time: bounds the memory of a large write
ANSWER_CHUNK_ROUNDS = 20_000


@dataclass
class Written:
    """The ids written, in the order of the spells (rounds spell by spell)."""

    citizens: list[int] = field(default_factory=list)
    enrolments: list[int] = field(default_factory=list)
    rounds: list[int] = field(default_factory=list)


class _Table:
    """Rows of one model for copy_rows: the columns given, then every other column
    the model would fill itself (defaults, auto_now), so a column added later with a
    default needs no change here; a new required column without one fails loudly."""

    def __init__(self, model: type[models.Model], given: list[str]) -> None:
        now = timezone.now()
        self.model = model
        self.fields = list(given)
        self.rows: list[tuple[Any, ...]] = []
        constant: list[Any] = []
        per_row: list[Callable[[], Any]] = []
        per_row_fields: list[str] = []
        for f in model._meta.concrete_fields:
            if f.primary_key or f.attname in given:
                continue
            if f.has_default() and f.default is timezone.now:
                self.fields.append(f.attname)  # one bulk write, one moment
                constant.append(now)
            elif f.has_default() and callable(f.default):
                per_row_fields.append(f.attname)
                per_row.append(_prepared(f, f.default))
            elif f.has_default():
                self.fields.append(f.attname)
                constant.append(_db_value(f, f.get_default()))
            elif getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                self.fields.append(f.attname)
                constant.append(now)
            elif f.null:
                continue
            elif f.empty_strings_allowed:
                self.fields.append(f.attname)
                constant.append("")
            else:
                raise TypeError(f"{model.__name__}.{f.name} needs a value")
        self.fields += per_row_fields
        self._constant = tuple(constant)
        self._per_row = per_row

    def add(self, *values: Any) -> None:
        self.rows.append(self._complete(values))

    def write(self, rows: Iterable[tuple[Any, ...]] | None = None) -> None:
        """Write the rows added, or `rows` as they come (a generator need never be
        in memory as a whole on PostgreSQL)."""
        if rows is None:
            rows, self.rows = self.rows, []
        else:
            rows = (self._complete(values) for values in rows)
        copy_rows(self.model, self.fields, rows)

    def _complete(self, values: tuple[Any, ...]) -> tuple[Any, ...]:
        return values + self._constant + tuple(make() for make in self._per_row)


# UUIDs are text on SQLite and JSON needs its adapter; dates, numbers and strings go
# to the database as they are
_CONVERTED = (models.UUIDField, models.JSONField)


def _db_value(f: models.Field, value: Any) -> Any:
    if isinstance(f, _CONVERTED):
        return f.get_db_prep_value(value, connection)
    return value


def _prepared(f: models.Field, make: Callable[[], Any]) -> Callable[[], Any]:
    if isinstance(f, _CONVERTED):
        return lambda: f.get_db_prep_value(make(), connection)
    return make


@transaction.atomic
def write_spells(
    spells: Sequence[Spell],
    *,
    team: Team,
    version: InstrumentVersion | None = None,
    created_by: int | None = None,
) -> Written:
    """Write the spells into `team` (its municipality and unit): citizens with CPR
    numbers unique in the municipality (those already there are skipped), spells,
    case-worker history, complete rounds with both parts, interventions and
    outcomes. Rounds are created by their case worker unless `created_by` says."""
    municipality_id, unit_id = team.municipality_id, team.unit_id
    version = version or instrument_current(municipality_id=municipality_id)
    groups = dict(TargetGroup.objects.values_list("code", "pk"))
    written = Written(
        citizens=reserve_ids(Citizen, len(spells)),
        enrolments=reserve_ids(Enrolment, len(spells)),
    )
    _citizens(spells, written.citizens, municipality_id, team.pk)
    enrolments = _Table(
        Enrolment,
        [
            "id",
            "citizen_id",
            "municipality_id",
            "unit_id",
            "team_id",
            "target_group_id",
            "start",
            "end",
            "end_reason",
        ],
    )
    for spell, pk, citizen in zip(
        spells, written.enrolments, written.citizens, strict=True
    ):
        enrolments.add(
            pk,
            citizen,
            municipality_id,
            unit_id,
            team.pk,
            groups[spell.target_group],
            spell.start,
            spell.end,
            spell.end_reason,
        )
    enrolments.write()
    assignments = _Table(
        Assignment,
        ["enrolment_id", "municipality_id", "caseworker_id", "team_id", "start", "end"],
    )
    episodes = _Table(
        InterventionEpisode,
        [
            "enrolment_id",
            "municipality_id",
            "type_id",
            "start",
            "end",
            "provider",
            "created_by_id",
        ],
    )
    outcomes = _Table(
        Outcome,
        ["citizen_id", "enrolment_id", "municipality_id", "kind", "date", "source"],
    )
    for spell, enrolment, citizen in zip(
        spells, written.enrolments, written.citizens, strict=True
    ):
        for worker, start, end in spell.assignments:
            assignments.add(enrolment, municipality_id, worker, team.pk, start, end)
        for e in spell.episodes:
            episodes.add(
                enrolment,
                municipality_id,
                e.type_id,
                e.start,
                e.end,
                e.provider,
                e.created_by,
            )
        for o in spell.outcomes:
            outcomes.add(citizen, enrolment, municipality_id, o.kind, o.day, o.source)
    assignments.write()
    episodes.write()
    outcomes.write()
    written.rounds = _rounds(
        spells,
        written.enrolments,
        municipality_id=municipality_id,
        team_id=team.pk,
        version=version,
        groups=groups,
        created_by=created_by,
    )
    return written


def _citizens(
    spells: Sequence[Spell], ids: list[int], municipality_id: int, team_id: int
) -> None:
    # a second write into the same municipality must not hand out a number again
    taken = set(
        Citizen.objects.filter(municipality_id=municipality_id).values_list(
            "cpr_hmac", flat=True
        )
    )
    numbers = CprNumbers()
    table = _Table(
        Citizen,
        [
            "id",
            "municipality_id",
            "team_id",
            "caseworker_id",
            "name",
            "name_search",
            "birth_date",
            "cpr_key_id",
            "cpr_ciphertext",
            "cpr_hmac",
        ],
    )
    for spell, pk in zip(spells, ids, strict=True):
        digits = spell.cpr
        hashed = crypto.keyed_hash(digits) if digits else None
        while hashed is None or hashed in taken:
            digits = numbers.next(spell.born)
            hashed = crypto.keyed_hash(digits)
        taken.add(hashed)
        name = " ".join(spell.name.split())
        table.add(
            pk,
            municipality_id,
            team_id,
            spell.assignments[-1][0],
            name,
            fold(name),
            spell.born,
            *crypto.encrypt(digits),
            hashed,
        )
    table.write()


def _rounds(
    spells: Sequence[Spell],
    enrolments: list[int],
    *,
    municipality_id: int,
    team_id: int,
    version: InstrumentVersion,
    groups: dict[str, int],
    created_by: int | None,
) -> list[int]:
    flat = [
        (enrolment, spell, r)
        for spell, enrolment in zip(spells, enrolments, strict=True)
        for r in spell.rounds
    ]
    round_ids = reserve_ids(Round, len(flat))
    rounds = _Table(
        Round,
        [
            "id",
            "enrolment_id",
            "municipality_id",
            "instrument_version_id",
            "state",
            "round_date",
            "team_id",
            "caseworker_id",
            "target_group_id",
            "both_in_on",
            "created_by_id",
        ],
    )
    for pk, (enrolment, spell, r) in zip(round_ids, flat, strict=True):
        rounds.add(
            pk,
            enrolment,
            municipality_id,
            version.pk,
            Round.State.COMPLETE,
            r.day,
            team_id,
            r.caseworker,
            groups[spell.target_group],
            r.day if r.cit is not None else None,
            created_by or r.caseworker,
        )
    rounds.write()
    # the questions that ask for each indicator, in the order of a part's values
    questions: dict[str, list[tuple[int, int]]] = {
        Respondent.CASEWORKER: [],
        Respondent.CITIZEN: [],
    }
    indicators = {
        Respondent.CASEWORKER: F.CASEWORKER_INDICATORS,
        Respondent.CITIZEN: F.CITIZEN_INDICATORS,
    }
    for pk, respondent, indicator in version.questions.order_by(
        "order", "pk"
    ).values_list("pk", "respondent", "indicator"):
        if indicator in indicators[respondent]:
            questions[respondent].append((pk, indicators[respondent].index(indicator)))
    for lo in range(0, len(flat), ANSWER_CHUNK_ROUNDS):
        chunk = list(
            zip(
                round_ids[lo : lo + ANSWER_CHUNK_ROUNDS],
                (r for _e, _s, r in flat[lo : lo + ANSWER_CHUNK_ROUNDS]),
                strict=True,
            )
        )
        _responses_and_answers(chunk, questions)
    return round_ids


def _responses_and_answers(
    chunk: list[tuple[int, Any]], questions: dict[str, list[tuple[int, int]]]
) -> None:
    parts: list[tuple[int, str, Part | None, str, int]] = []
    for round_id, r in chunk:
        parts.append(
            (round_id, Respondent.CASEWORKER, r.cw, r.cw_channel, r.caseworker)
        )
        parts.append((round_id, Respondent.CITIZEN, r.cit, r.cit_channel, r.caseworker))
    response_ids = reserve_ids(Response, len(parts))
    responses = _Table(
        Response,
        [
            "id",
            "round_id",
            "respondent",
            "state",
            "channel",
            "submitted_at",
            "submitted_by_id",
        ],
    )
    days = {round_id: r.day for round_id, r in chunk}
    for pk, (round_id, respondent, values, channel, worker) in zip(
        response_ids, parts, strict=True
    ):
        submitted = values is not None
        responses.add(
            pk,
            round_id,
            respondent,
            Response.State.SUBMITTED if submitted else Response.State.DRAFT,
            channel,
            datetime.combine(days[round_id], time.min, tzinfo=UTC)
            if submitted
            else None,
            # a part sent by link or imported has no user who submitted it
            worker if submitted and channel == Response.Channel.SCREEN else None,
        )
    responses.write()
    answers = _Table(Answer, ["response_id", "question_id", "value", "missing_reason"])
    answers.write(_answer_rows(response_ids, parts, questions))


def _answer_rows(
    response_ids: list[int],
    parts: list[tuple[int, str, Part | None, str, int]],
    questions: dict[str, list[tuple[int, int]]],
) -> Iterable[tuple[Any, ...]]:
    for response, (_round, respondent, values, _channel, _worker) in zip(
        response_ids, parts, strict=True
    ):
        if values is None:
            continue
        for question, i in questions[respondent]:
            value = values[i]
            if isinstance(value, str):  # a missing reason
                yield (response, question, None, value)
            else:
                yield (response, question, value, "")


def write_cohort(
    cohort: Cohort,
    *,
    team: Team,
    caseworkers: Sequence[Any],
    seed: int = 0,
    created_by: int | None = None,
) -> dict[int, int]:
    """A cohort of the truth generator written into `team`; returns {generator
    citizen index: citizen id}."""
    indexes, spells = cohort_spells(
        cohort,
        caseworkers=[w.pk for w in caseworkers],
        catalogue=Catalogue.load(),
        seed=seed,
    )
    written = write_spells(spells, team=team, created_by=created_by)
    return dict(zip(indexes, written.citizens, strict=True))
