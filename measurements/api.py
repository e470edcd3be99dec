"""The API's rounds with their answers, scores and model versions (SPEC section 6):
read through the app's selectors with the viewer, audited where they are personal."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from bip.accounts.access import scoped_get
from bip.accounts.roles import Can
from bip.api import ChangeFilters, ScopedReadViewSet, SyncFilters, list_schema
from bip.audit.services import record
from citizens.selectors import citizen_get
from measurements.models import MissingReason, ModelVersion, Respondent, Round, Score
from measurements.selectors import (
    citizen_round_on,
    current_answers,
    model_version_list,
    round_sync_list,
    score_list,
)
from measurements.serializers import (
    ModelVersionSerializer,
    RoundConflictSerializer,
    RoundInSerializer,
    RoundSerializer,
    ScoreSerializer,
)
from measurements.services import (
    AnswerInput,
    instrument_current,
    questions,
    round_record,
)


def _answers(
    part: dict[str, Any], respondent: str, version: Any, field: str
) -> dict[int, AnswerInput]:
    """Answers by question code -> {question id: (value, reason)}; 400 naming the
    field and the codes that are wrong."""
    by_code = {q.code: q for q in questions(version, respondent)}
    out: dict[int, AnswerInput] = {}
    problems = []
    for code, value in part.items():
        question = by_code.get(code)
        if question is None:
            problems.append(f"{code}: " + _("not a question of this round."))
        elif isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 5:
            out[question.pk] = (value, "")
        elif isinstance(value, str) and value in MissingReason.values:
            out[question.pk] = (None, value)
        else:
            problems.append(f"{code}: " + _("an answer is 1 to 5, or a reason."))
    for code in sorted(set(by_code) - set(part)):
        problems.append(f"{code}: " + _("not answered."))
    if problems:
        raise ValidationError({field: problems})
    return out


@extend_schema_view(list=list_schema(SyncFilters))
class RoundViewSet(mixins.CreateModelMixin, ScopedReadViewSet):
    """Measurement rounds with the answers in force per respondent and the
    instrument version they were asked in. The date filter applies to the round
    date (rounds still open have none)."""

    serializer_class = RoundSerializer
    audit_type = "round"
    citizen_path = "enrolment.citizen_id"
    citizen_prefix = "enrolment__citizen__"
    date_field = "round_date"

    def selector(self, viewer: Any) -> QuerySet[Round]:
        return round_sync_list(viewer=viewer)

    @extend_schema(
        request=RoundInSerializer,
        responses={
            200: RoundSerializer,
            201: RoundSerializer,
            409: RoundConflictSerializer,
        },
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """A round answered in another tool, through the page's services. Idempotent
        by the citizen's enrolment and the date: the same answers again are 200 and
        write nothing; other answers for that date are 409 naming the questions; a
        round in progress on the page is 409 too. Nothing is written on a refusal."""
        incoming = RoundInSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        user = request.user
        citizen = citizen_get(viewer=user, pk=data["citizen"], action="write")
        day = data["round_date"]
        if day > timezone.localdate():
            raise ValidationError(
                {"round_date": [_("The date cannot be in the future.")]}
            )
        parts = {Respondent.CASEWORKER: (data["caseworker"], "caseworker")}
        if "citizen_answers" in data:
            parts[Respondent.CITIZEN] = (data["citizen_answers"], "citizen_answers")
        existing = citizen_round_on(citizen=citizen, day=day)
        version = (
            existing.instrument_version
            if existing is not None
            else instrument_current(municipality_id=citizen.municipality_id)
        )
        answers = {
            r: _answers(part, r, version, field) for r, (part, field) in parts.items()
        }
        if existing is not None:
            stored = current_answers(existing)
            differ = sorted(
                code
                for given in answers.values()
                for qid, (value, reason) in given.items()
                for code in [_code(version, qid)]
                if qid not in stored
                or (stored[qid].value, stored[qid].missing_reason) != (value, reason)
            )
            if differ:
                return Response(
                    {
                        "detail": _(
                            "A round of this date is recorded with other answers. "
                            "Nothing was written."
                        ),
                        "existing": existing.pk,
                        "answers": differ,
                    },
                    status=status.HTTP_409_CONFLICT,
                )
            return Response(self._body(existing.pk), status=status.HTTP_200_OK)
        if citizen_round_on(citizen=citizen, day=None) is not None:
            raise ValidationError(
                {
                    "round_date": [
                        _("A round is in progress for this citizen: finish it first.")
                    ]
                }
            )
        rnd = round_record(citizen=citizen, by=user, round_date=day, answers=answers)
        return Response(self._body(rnd.pk), status=status.HTTP_201_CREATED)

    def _body(self, pk: int) -> Any:
        rnd = scoped_get(
            round_sync_list(viewer=self.request.user), pk, viewer=self.request.user
        )
        record(
            actor=self.request.user,
            action="round.view",
            obj=rnd,
            citizen_ids=[rnd.enrolment.citizen_id],
        )
        return RoundSerializer(rnd).data


def _code(version: Any, question_id: int) -> str:
    return next(q.code for q in questions(version) if q.pk == question_id)


@extend_schema_view(list=list_schema(SyncFilters))
class ScoreViewSet(ScopedReadViewSet):
    """Job-probability scores of rounds, current and superseded, with the model
    version that made them, the progression class and what moved them. A score
    changes once after it is computed: when a newer computation supersedes it;
    `updated_at` is that instant (or when it was computed)."""

    serializer_class = ScoreSerializer
    audit_type = "score"
    citizen_path = "round.enrolment.citizen_id"
    citizen_prefix = "round__enrolment__citizen__"
    date_field = "round__round_date"
    updated_field = "changed_at"
    sync_ordering = ("changed_at", "pk")

    def selector(self, viewer: Any) -> QuerySet[Score]:
        return score_list(viewer=viewer)


@extend_schema_view(list=list_schema(ChangeFilters))
class ModelVersionViewSet(ScopedReadViewSet):
    """The job-probability models of the municipality and the shipped reference:
    coefficients, their intervals and the validation figures. For the municipal
    admin (as the model pages) and integrations. Not personal data."""

    serializer_class = ModelVersionSerializer
    filters_class = ChangeFilters
    capabilities = (Can.ADMINISTER, Can.INTEGRATE)
    audit_type = "modelversion"

    def selector(self, viewer: Any) -> QuerySet[ModelVersion]:
        return model_version_list(viewer=viewer)
