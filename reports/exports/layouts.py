"""The export layouts (docs/exports.md): which rows, which columns, their labels and
value labels. Rows are read with a server-side cursor in chunks as plain tuples
(bip/db.py's stream_tuples: no per-row dict or per-cell conversion) and yielded one
at a time, so no layout ever holds an export's rows in memory.

Categories are written as integer codes in every format, with their labels in the
codebook (and as value labels in SPSS and Stata): the same file content whatever the
format. Pseudonymised exports carry the keyed pseudonym instead of the citizen's id,
CPR number and name, no free text, and optionally shifted dates."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from operator import itemgetter
from typing import Any

from django.conf import settings
from django.db import connections
from django.db.models import Max, OuterRef, Q, QuerySet, Subquery
from django.utils.translation import gettext_lazy as _

from bip.accounts.models import Unit
from bip.accounts.scoping import citizen_q, scope_for
from bip.db import is_postgres, stream_sql, stream_tuples
from bip.tabular import (
    LINE_END,
    SQL_LINE_SEP,
    SQL_MARK,
    csv_cells,
    sql_csv_cell,
    sql_csv_finish,
)
from citizens import cpr, crypto
from citizens.models import Citizen, TargetGroup
from interventions.models import Group, InterventionEpisode, InterventionType, Outcome
from measurements.indicators import INDICATORS
from measurements.models import (
    Answer,
    InstrumentVersion,
    MissingReason,
    ModelVersion,
    ProgressionClass,
    Respondent,
    Round,
    Score,
)
from measurements.scoring.versions import active_model
from reports.exports.pseudonyms import date_shift, pseudonym, shifted
from reports.models import Export

# respondent prefixes of the wide layout's indicator columns (Stata: <= 32 characters)
PREFIX = {Respondent.CITIZEN: "cit", Respondent.CASEWORKER: "cw"}


@dataclass(frozen=True)
class Column:
    name: str
    label: Any  # lazy translation or text
    kind: str  # "int", "float", "str", "date"
    value_labels: dict[int, str] = field(default_factory=dict)


def codes(choices: Any) -> tuple[dict[str, int], dict[int, str]]:
    """Integer codes 1, 2, ... for a TextChoices class, and their labels."""
    to_code = {value: i for i, (value, _label) in enumerate(choices.choices, start=1)}
    return to_code, {i: str(label) for i, (_v, label) in enumerate(choices.choices, 1)}


RESPONDENT_CODE, RESPONDENT_LABELS = codes(Respondent)
MISSING_CODE, MISSING_LABELS = codes(MissingReason)
CLASS_CODE, CLASS_LABELS = codes(ProgressionClass)
GROUP_CODE, GROUP_LABELS = codes(Group)
OUTCOME_CODE, OUTCOME_LABELS = codes(Outcome.Kind)
SOURCE_CODE, SOURCE_LABELS = codes(Outcome.Source)


def chunk_size() -> int:
    return int(getattr(settings, "BIP_EXPORT_CHUNK_ROWS", 2000))


class Identity:
    """The citizen columns: the pseudonym, or the id, CPR number and name. Rows come
    ordered by citizen, so one citizen's identity is computed once."""

    FIELDS = ("key", "id", "name", "cpr_key_id", "cpr_ciphertext", "birth_date")

    def __init__(self, export: Export, prefix: str, *, shift: bool = True) -> None:
        self.export = export
        self.pseudonymised = export.pseudonymised
        self.shift = export.date_shift and shift
        self.prefix = prefix
        self._last: tuple[Any, tuple[Any, ...], int] | None = None
        self._at: dict[str, int] = {}

    def fields(self) -> list[str]:
        names = ["id", "key"]  # the citizen's id first: rows come ordered by it
        if not self.pseudonymised:
            names += ["name", "cpr_key_id", "cpr_ciphertext", "birth_date"]
        return [self.prefix + n for n in names]

    def columns(self) -> list[Column]:
        if self.pseudonymised:
            return [Column("pid", _("Pseudonym of the citizen"), "str")]
        return [
            Column("citizen_id", _("Citizen (id in the product)"), "int"),
            Column("cpr", _("CPR number"), "str"),
            Column("name", _("Name"), "str"),
        ]

    def bind(self, at: dict[str, int]) -> int:
        """Read the identity from rows whose columns are at these positions; the
        position of the citizen's id (rows come ordered by it)."""
        self._at = {
            n: at[self.prefix + n] for n in self.FIELDS if self.prefix + n in at
        }
        return self._at["id"]

    def of(self, row: tuple[Any, ...]) -> tuple[tuple[Any, ...], int]:
        """The identity cells and the citizen's date shift in days."""
        at = self._at
        citizen_id = row[at["id"]]
        if self._last is not None and self._last[0] == citizen_id:
            return self._last[1], self._last[2]
        key = row[at["key"]]
        days = date_shift(key) if self.shift else 0
        if self.pseudonymised:
            cells: tuple[Any, ...] = (pseudonym(key),)
        else:
            digits = crypto.decrypt(row[at["cpr_key_id"]], row[at["cpr_ciphertext"]])
            formatted = cpr.Cpr(
                digits=digits, birth_date=row[at["birth_date"]]
            ).formatted
            cells = (citizen_id, formatted, row[at["name"]])
        self._last = (citizen_id, cells, days)
        return cells, days


def _scope_filter(export: Export, citizen: str, enrolment: str) -> Q:
    """Rows the export may hold: its municipality, its units and target groups; an
    identified export only the citizens its requester may read (DESIGN section 2:
    a job runs with its requester's scope)."""
    q = Q(**{f"{citizen}municipality_id": export.municipality_id})
    if not export.pseudonymised:
        if export.requested_by is None:
            return Q(pk__in=[])
        scope = scope_for(export.requested_by, export.municipality_id)
        q &= citizen_q(scope, "read", prefix=citizen)
    if export.unit_ids:
        q &= Q(**{f"{enrolment}unit_id__in": export.unit_ids})
    if export.target_group_ids:
        q &= Q(**{f"{enrolment}target_group_id__in": export.target_group_ids})
    return q


def _period(export: Export, name: str) -> Q:
    q = Q(**{f"{name}__isnull": False})
    if export.period_from:
        q &= Q(**{f"{name}__gte": export.period_from})
    if export.period_to:
        q &= Q(**{f"{name}__lte": export.period_to})
    return q


def _overlap(export: Export, start: str, end: str) -> Q:
    q = Q()
    if export.period_to:
        q &= Q(**{f"{start}__lte": export.period_to})
    if export.period_from:
        q &= Q(**{f"{end}__isnull": True}) | Q(**{f"{end}__gte": export.period_from})
    return q


def _age(birth: date | None, on: date | None) -> int | None:
    if birth is None or on is None:
        return None
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def _positions(queryset: QuerySet[Any]) -> dict[str, int]:
    """Each column's position in the rows of a values() queryset: its fields, then
    its annotations (the order of the SELECT)."""
    query = queryset.query
    names = [*query.extra_select, *query.values_select, *query.annotation_select]
    return {name: i for i, name in enumerate(names)}


def _unit_labels(export: Export) -> dict[int, str]:
    units = Unit.objects.filter(municipality_id=export.municipality_id)
    return {u.pk: u.name for u in units.order_by("pk")}


def _target_group_labels() -> dict[int, str]:
    return {t.pk: f"{t.code}: {t.label_da}" for t in TargetGroup.objects.order_by("pk")}


def _instrument_labels(export: Export) -> dict[int, str]:
    versions = InstrumentVersion.objects.filter(
        Q(municipality_id=export.municipality_id) | Q(municipality__isnull=True)
    ).order_by("pk")
    return {v.pk: f"{v.name} v{v.number}" for v in versions}


def _model_label(model: ModelVersion) -> str:
    trained = f" {model.trained_at:%Y-%m-%d}" if model.trained_at else ""
    return f"{model.get_kind_display()} #{model.pk}{trained}"


@dataclass
class Layout:
    """A layout bound to one export: its columns, its row count and its rows."""

    columns: list[Column]
    queryset: QuerySet[Any]
    convert: Callable[[tuple[Any, ...]], tuple[Any, ...]]
    citizen_field: str
    # the rows to count, without the aggregates (the wide layout's rounds)
    counted: QuerySet[Any] | None = None
    # the rows as CSV lines formatted by PostgreSQL (_sql_lines), where the layout
    # has them: lines(delimiter) gives blocks of whole lines (without the last
    # line's end) and the number of rows in each
    lines: Callable[[str], Iterator[tuple[str, int]]] | None = None

    def citizen_ids(self) -> list[int]:
        """The citizens in the file (for the audit log of an identified export)."""
        ids = self.queryset.order_by().values_list(self.citizen_field, flat=True)
        return sorted(set(ids.distinct()))

    def count(self) -> int:
        return (self.counted if self.counted is not None else self.queryset).count()

    def rows(self) -> Iterator[tuple[Any, ...]]:
        """The rows in a fixed order, from a server-side cursor in chunks."""
        return map(self.convert, stream_tuples(self.queryset, chunk_size()))


Cells = list[tuple[str, str]]  # SQL over the row's columns, the column's kind


def _sql_codes(expr: str, codes: dict[str, int]) -> str:
    """SQL for the integer code of a choice's value (`codes`), NULL for another."""
    for value in codes:
        if not value.replace("_", "").isalnum():
            raise ValueError(f"a choice's value is not a plain word: {value!r}")
    whens = " ".join(
        f"WHEN '{value}' THEN {int(code)}" for value, code in codes.items()
    )
    return f"CASE {expr} {whens} END"


Columns = Callable[[Callable[[str], str]], Cells]


def _sql_lines(
    queryset: QuerySet[Any],
    identity: Identity,
    *,
    day: str,
    round_id: str,
    tail: Columns,
    order: list[str],
    each: Columns | None = None,
) -> Callable[[str], Iterator[tuple[str, int]]] | None:
    """A layout's CSV lines formatted by PostgreSQL (bip/tabular.py `sql_csv_cell`:
    the text the writer gives, byte for byte): the round's id (identified exports),
    the citizen's round number in the file (by date and id, as the layouts' convert
    counts it), the date `day` (shifted by the citizen's days when the export asks
    for it: computed here, sent with the query), then the columns of `tail`
    (`col(name)` names a column of the queryset). The queryset's rows come in the
    order of `order`: the citizen's id, then the identity's other fields, the date
    and the round's id, then (with `each`) the order of a round's lines.

    `each`: a layout with several lines per round (a line per answer) gives the
    columns after the round's here; the round's own columns are then formatted per
    round (its tail columns read with min(): one value per round) and put before
    each of its lines, rather than formatted on every line.

    PostgreSQL sends each citizen's lines as one text, and Python writes the
    identity (the pseudonym, or the id, decrypted CPR number and name) before each
    of them: no row is taken apart or put together in Python, which at 1,000,000
    rounds was most of the export's time. None on SQLite (the demo), whose rows the
    writer formats itself."""
    if not is_postgres(connections[queryset.db]):
        return None
    at = _positions(queryset)
    export = identity.export
    fields = identity.fields()
    if order[: len(fields) + 2] != [*fields, day, round_id]:
        raise ValueError("rows must come by citizen, identity, date and round")

    def col(name: str) -> str:
        return f"q.c{at[name]}"

    def lines(delimiter: str) -> Iterator[tuple[str, int]]:
        if delimiter not in (";", ","):
            raise ValueError("delimiter must be ';' or ','")
        sql, params = queryset.query.get_compiler(queryset.db).as_sql()
        params = list(params)
        source = f"({sql}) AS q({', '.join(f'c{i}' for i in range(len(at)))})"
        days = None
        if export.date_shift:
            # every citizen's shift, read before the rows: a citizen added after
            # has none and is left out (never written with unshifted dates)
            known = Citizen.objects.filter(municipality_id=export.municipality_id)
            ids, shifts = [], []
            for pk, key in known.values_list("pk", "key").iterator(chunk_size=5000):
                ids.append(pk)
                shifts.append(date_shift(key))
            source += (
                " JOIN unnest(%s::bigint[], %s::int[]) AS s(citizen, days)"
                f" ON s.citizen = {col(fields[0])}"
            )
            params += [ids, shifts]
            days = "s.days"

        def cells(items: Cells) -> str:
            return ", ".join(
                sql_csv_cell(expr, kind, delimiter=delimiter) for expr, kind in items
            )

        sep = f"chr({ord(SQL_LINE_SEP)})"
        ident = ", ".join(f"{col(n)} AS c{i}" for i, n in enumerate(fields))
        keys = ", ".join(f"r.c{i}" for i in range(len(fields)))
        identified = not identity.pseudonymised
        # the round's number: over a row per round (each line's, or each group's)
        number = (
            f"row_number() OVER (PARTITION BY {', '.join(map(col, fields))}"
            f" ORDER BY {col(day)}, {col(round_id)})"
        )
        if each is None:  # a line per row: the round's columns on each
            when = f"{col(day)} + {days}" if days else col(day)
            head = [(col(round_id), "int")] if identified else []
            line = cells([*head, (number, "int"), (when, "date"), *tail(col)])
            rows = (
                f"SELECT {ident}, 1 AS k, {number} AS no,"  # noqa: S608 - column positions and the ORM's SQL
                f" concat_ws('{delimiter}', {line}) AS line FROM {source}"
            )
        else:  # a round's lines, then its own columns before each of them
            group = [*map(col, fields), col(day), col(round_id)]
            when = f"{col(day)} + min({days})" if days else col(day)
            own = cells([(when, "date"), *tail(lambda n: f"min({col(n)})")])
            body = cells(each(col))
            by = ", ".join(col(n) for n in order[len(fields) + 2 :])
            rows = (
                f"SELECT {ident}, {col(round_id)} AS id, count(*) AS k,"  # noqa: S608 - column positions and the ORM's SQL
                f" {number} AS no, concat_ws('{delimiter}', {own}) AS own,"
                f" string_agg(concat_ws('{delimiter}', {body}), {sep} ORDER BY {by})"
                f" AS body FROM {source} GROUP BY {', '.join(group)}"
            )
            head = [("r.id", "int")] if identified else []
            before = cells([*head, ("r.no", "int")])
            before = f"concat_ws('{delimiter}', {before}, r.own) || '{delimiter}'"
            rows = (
                f"SELECT {keys}, r.k, r.no,"  # noqa: S608 - column positions and the ORM's SQL
                f" {before} || replace(r.body, {sep}, {sep} || {before}) AS line"
                f" FROM ({rows}) AS r"
            )
        outer = (
            f"SELECT {keys}, sum(r.k)::int, string_agg(r.line, {sep} ORDER BY r.no)"  # noqa: S608 - column positions and the ORM's SQL
            f" FROM ({rows}) AS r GROUP BY {keys} ORDER BY r.c0"
        )
        own_identity = Identity(export, identity.prefix, shift=False)  # shifted above
        own_identity.bind({name: i for i, name in enumerate(fields)})
        n_fields = len(fields)
        for row in stream_sql(outer, params, alias=queryset.db):
            written, _days = own_identity.of(row)
            first = csv_cells(written, delimiter=delimiter) + delimiter
            text, between = row[n_fields + 1], LINE_END + first
            if SQL_MARK in text:  # cells Python writes: a line at a time, never
                # the identity (whose text is the writer's already)
                lines_ = text.split(SQL_LINE_SEP)
                text = between.join(
                    sql_csv_finish(x, delimiter=delimiter) for x in lines_
                )
            else:
                text = text.replace(SQL_LINE_SEP, between)
            yield first + text, row[n_fields]

    return lines


def wide(export: Export) -> Layout:
    identity = Identity(export, "enrolment__citizen__")
    order = [*identity.fields(), "round_date", "pk"]
    model = active_model(municipality_id=export.municipality_id)
    scores = Score.objects.filter(
        round=OuterRef("pk"), model_version=model, superseded_at__isnull=True
    )
    indicator_aggregates = {
        f"{PREFIX[r]}_{i.code}": Max(
            "indicator_scores__value",
            filter=Q(
                indicator_scores__respondent=r, indicator_scores__indicator=i.code
            ),
        )
        for r in (Respondent.CITIZEN, Respondent.CASEWORKER)
        for i in INDICATORS
    }
    rounds = Round.objects.filter(
        _scope_filter(export, "enrolment__citizen__", "enrolment__"),
        _period(export, "round_date"),
        municipality_id=export.municipality_id,
    )
    queryset = (
        rounds.values(
            "pk",
            "round_date",
            "instrument_version_id",
            "enrolment__unit_id",
            "enrolment__target_group_id",
            "enrolment__citizen__birth_date",
            *identity.fields(),
        )
        .annotate(
            **indicator_aggregates,
            hazard_q=Subquery(scores.values("hazard_q")[:1]),
            p12=Subquery(scores.values("p12")[:1]),
            klass=Subquery(scores.values("klass")[:1]),
        )
        .order_by(*order)  # identity: one per citizen
    )
    columns = identity.columns()
    if not export.pseudonymised:
        columns.append(Column("round_id", _("Round (id in the product)"), "int"))
    columns += [
        Column("round_no", _("The citizen's round number in this file"), "int"),
        Column("round_date", _("Date of the round"), "date"),
        Column("age", _("Age at the round (years)"), "int"),
        Column("unit", _("Unit"), "int", _unit_labels(export)),
        Column("target_group", _("Target group"), "int", _target_group_labels()),
        Column(
            "instrument_version",
            _("Questionnaire version of the round"),
            "int",
            _instrument_labels(export),
        ),
    ]
    for r in (Respondent.CITIZEN, Respondent.CASEWORKER):
        for i in INDICATORS:
            columns.append(
                Column(
                    f"{PREFIX[r]}_{i.code}",
                    f"{i.label} ({Respondent(r).label})",
                    "float",
                )
            )
    columns += [
        Column(
            "model_version",
            _("Model version of the scores"),
            "int",
            {model.pk: _model_label(model)},
        ),
        Column(
            "hazard_q", _("Probability of job or education within 3 months"), "float"
        ),
        Column("p12", _("Probability of job or education within 12 months"), "float"),
        Column(
            "progression",
            _("Progression since the previous round"),
            "int",
            CLASS_LABELS,
        ),
    ]
    at = _positions(queryset)
    i_citizen = identity.bind(at)
    i_pk, i_date, i_birth = (
        at["pk"],
        at["round_date"],
        at["enrolment__citizen__birth_date"],
    )
    ids = itemgetter(
        at["enrolment__unit_id"],
        at["enrolment__target_group_id"],
        at["instrument_version_id"],
    )
    indicator_cells = itemgetter(*(at[name] for name in indicator_aggregates))
    i_hazard, i_p12, i_klass = at["hazard_q"], at["p12"], at["klass"]
    identified = not export.pseudonymised
    state: list[Any] = [None, 0]  # the citizen, their round number

    def convert(row: tuple[Any, ...]) -> tuple[Any, ...]:
        cells, days = identity.of(row)
        citizen = row[i_citizen]
        if state[0] == citizen:
            state[1] += 1
        else:
            state[0], state[1] = citizen, 1
        day = row[i_date]
        hazard = row[i_hazard]
        return (
            *cells,
            *((row[i_pk],) if identified else ()),
            state[1],
            shifted(day, days) if days else day,
            _age(row[i_birth], day),
            *ids(row),
            *indicator_cells(row),
            model.pk if hazard is not None else None,
            hazard,
            row[i_p12],
            CLASS_CODE.get(row[i_klass] or ""),
        )

    def tail(col: Callable[[str], str]) -> Cells:
        day, birth = col("round_date"), col("enrolment__citizen__birth_date")
        # _age in SQL (date_part: a float, where extract() computes a numeric)
        age = (
            f"(date_part('year', {day}) - date_part('year', {birth}))::int"
            f" - CASE WHEN date_part('month', {day}) * 100 + date_part('day', {day})"
            f" < date_part('month', {birth}) * 100 + date_part('day', {birth})"
            " THEN 1 ELSE 0 END"
        )
        return [
            (age, "int"),
            (col("enrolment__unit_id"), "int"),
            (col("enrolment__target_group_id"), "int"),
            (col("instrument_version_id"), "int"),
            *((col(name), "float") for name in indicator_aggregates),
            (
                f"CASE WHEN {col('hazard_q')} IS NOT NULL THEN {int(model.pk)} END",
                "int",
            ),
            (col("hazard_q"), "float"),
            (col("p12"), "float"),
            (_sql_codes(col("klass"), CLASS_CODE), "int"),
        ]

    lines = _sql_lines(
        queryset,
        identity,
        day="round_date",
        round_id="pk",
        tail=tail,
        order=order,
    )
    return Layout(columns, queryset, convert, "enrolment__citizen_id", rounds, lines)


def long(export: Export) -> Layout:
    prefix = "response__round__enrolment__citizen__"
    identity = Identity(export, prefix)
    order = [
        *identity.fields(),
        "response__round__round_date",
        "response__round_id",
        "response__respondent",
        "question__order",
        "question__code",  # unique in a questionnaire version: no ties
    ]
    queryset = (
        Answer.objects.current()
        .filter(
            _scope_filter(export, prefix, "response__round__enrolment__"),
            _period(export, "response__round__round_date"),
            response__round__municipality_id=export.municipality_id,
            response__state="submitted",
        )
        .values(
            "response__round_id",
            "response__round__round_date",
            "response__round__instrument_version_id",
            "response__respondent",
            "question__code",
            "question__indicator",
            "value",
            "missing_reason",
            "question__order",
            *identity.fields(),
        )
        .order_by(*order)  # identity: one per citizen
    )
    columns = identity.columns()
    if not export.pseudonymised:
        columns.append(Column("round_id", _("Round (id in the product)"), "int"))
    columns += [
        Column("round_no", _("The citizen's round number in this file"), "int"),
        Column("round_date", _("Date of the round"), "date"),
        Column(
            "instrument_version",
            _("Questionnaire version of the round"),
            "int",
            _instrument_labels(export),
        ),
        Column("respondent", _("Respondent"), "int", RESPONDENT_LABELS),
        Column("question", _("Question code"), "str"),
        Column("indicator", _("Indicator"), "str"),
        Column("value", _("Answer (1-5)"), "int"),
        Column("missing_reason", _("Why not answered"), "int", MISSING_LABELS),
    ]
    at = _positions(queryset)
    i_citizen = identity.bind(at)
    i_round, i_date = at["response__round_id"], at["response__round__round_date"]
    i_version, i_respondent = (
        at["response__round__instrument_version_id"],
        at["response__respondent"],
    )
    answer = itemgetter(at["question__code"], at["question__indicator"], at["value"])
    i_missing = at["missing_reason"]
    identified = not export.pseudonymised
    state: list[Any] = [None, None, 0]  # the citizen, the round, its number

    def convert(row: tuple[Any, ...]) -> tuple[Any, ...]:
        cells, days = identity.of(row)
        citizen, rnd = row[i_citizen], row[i_round]
        if state[0] != citizen:
            state[0], state[1], state[2] = citizen, None, 0
        if state[1] != rnd:
            state[1], state[2] = rnd, state[2] + 1
        day = row[i_date]
        return (
            *cells,
            *((rnd,) if identified else ()),
            state[2],
            shifted(day, days) if days else day,
            row[i_version],
            RESPONDENT_CODE[row[i_respondent]],
            *answer(row),
            MISSING_CODE.get(row[i_missing]),
        )

    def tail(col: Callable[[str], str]) -> Cells:  # the round's
        return [(col("response__round__instrument_version_id"), "int")]

    def each(col: Callable[[str], str]) -> Cells:  # the answer's
        return [
            (_sql_codes(col("response__respondent"), RESPONDENT_CODE), "int"),
            (col("question__code"), "str"),
            (col("question__indicator"), "str"),
            (col("value"), "int"),
            (_sql_codes(col("missing_reason"), MISSING_CODE), "int"),
        ]

    lines = _sql_lines(
        queryset,
        identity,
        day="response__round__round_date",
        round_id="response__round_id",
        tail=tail,
        order=order,
        each=each,
    )
    return Layout(columns, queryset, convert, prefix + "id", lines=lines)


def interventions(export: Export) -> Layout:
    prefix = "enrolment__citizen__"
    identity = Identity(export, prefix)
    queryset = (
        InterventionEpisode.objects.filter(
            _scope_filter(export, prefix, "enrolment__"),
            _overlap(export, "start", "end"),
            municipality_id=export.municipality_id,
        )
        .values("pk", "type_id", "type__group", "start", "end", *identity.fields())
        .order_by("enrolment__citizen_id", "start", "pk")
    )
    types = InterventionType.objects.filter(
        Q(municipality_id=export.municipality_id) | Q(municipality__isnull=True)
    ).order_by("pk")
    columns = identity.columns()
    if not export.pseudonymised:
        columns.append(Column("episode_id", _("Episode (id in the product)"), "int"))
    columns += [
        Column(
            "type",
            _("Intervention type"),
            "int",
            {t.pk: f"{t.code}: {t.label_da}" for t in types},
        ),
        Column("group", _("Group of interventions"), "int", GROUP_LABELS),
        Column("start", _("Start"), "date"),
        Column("end", _("End"), "date"),
    ]

    at = _positions(queryset)
    identity.bind(at)
    i_pk, i_type, i_group = at["pk"], at["type_id"], at["type__group"]
    i_start, i_end = at["start"], at["end"]
    identified = not export.pseudonymised

    def convert(row: tuple[Any, ...]) -> tuple[Any, ...]:
        cells, days = identity.of(row)
        return (
            *cells,
            *((row[i_pk],) if identified else ()),
            row[i_type],
            GROUP_CODE.get(row[i_group]),
            shifted(row[i_start], days),
            shifted(row[i_end], days),
        )

    return Layout(columns, queryset, convert, "enrolment__citizen_id")


def outcomes(export: Export) -> Layout:
    prefix = "citizen__"
    identity = Identity(export, prefix)
    queryset = (
        Outcome.objects.filter(
            _scope_filter(export, prefix, "enrolment__"),
            _period(export, "date"),
            municipality_id=export.municipality_id,
        )
        .values("pk", "kind", "date", "source", *identity.fields())
        .order_by("citizen_id", "date", "pk")
    )
    columns = identity.columns()
    if not export.pseudonymised:
        columns.append(Column("outcome_id", _("Outcome (id in the product)"), "int"))
    columns += [
        Column("outcome", _("Outcome"), "int", OUTCOME_LABELS),
        Column("date", _("Date"), "date"),
        Column("source", _("Source"), "int", SOURCE_LABELS),
    ]

    at = _positions(queryset)
    identity.bind(at)
    i_pk, i_kind, i_date, i_source = at["pk"], at["kind"], at["date"], at["source"]
    identified = not export.pseudonymised

    def convert(row: tuple[Any, ...]) -> tuple[Any, ...]:
        cells, days = identity.of(row)
        return (
            *cells,
            *((row[i_pk],) if identified else ()),
            OUTCOME_CODE.get(row[i_kind]),
            shifted(row[i_date], days),
            SOURCE_CODE.get(row[i_source]),
        )

    return Layout(columns, queryset, convert, "citizen_id")


LAYOUTS: dict[str, Callable[[Export], Layout]] = {
    Export.Layout.WIDE: wide,
    Export.Layout.LONG: long,
    Export.Layout.INTERVENTIONS: interventions,
    Export.Layout.OUTCOMES: outcomes,
}


def layout_for(export: Export) -> Layout:
    return LAYOUTS[export.layout](export)
