from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from bip.accounts.access import require
from bip.accounts.roles import Can
from bip.accounts.scoping import scope_for
from bip.api import ScopedReadViewSet, SyncFilters, list_schema
from bip.audit.services import record
from citizens.forms import CitizenCreateForm
from citizens.models import Assignment, Citizen, Enrolment
from citizens.selectors import (
    assignment_list,
    citizen_list,
    enrolment_list,
    target_group_list,
)
from citizens.serializers import (
    AssignmentSerializer,
    CitizenConflictSerializer,
    CitizenInSerializer,
    CitizenSavedSerializer,
    CitizenSerializer,
    EnrolmentSerializer,
)
from citizens.services import DuplicateCitizen, citizen_create, open_enrolment


@extend_schema_view(list=list_schema(SyncFilters))
class CitizenViewSet(mixins.CreateModelMixin, ScopedReadViewSet):
    """The citizens in scope (name, masked CPR number, team and case worker), in the
    order of their changes; `updated_since` for an incremental sync."""

    serializer_class = CitizenSerializer
    audit_type = "citizen"
    citizen_path = "pk"
    citizen_prefix = ""
    date_field = "created_at__date"

    def selector(self, viewer: Any) -> QuerySet[Citizen]:
        return citizen_list(viewer=viewer)

    @extend_schema(
        request=CitizenInSerializer,
        responses={
            200: CitizenSavedSerializer,
            201: CitizenSavedSerializer,
            409: CitizenConflictSerializer,
        },
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """A citizen with an enrolment from a case-management system, through the
        page's form and service. Idempotent by CPR number: the same citizen again is
        200 and writes nothing; a CPR number already registered with other details
        is 409 naming the fields that differ (or only `cpr`, for a citizen outside
        the caller's scope), and writes nothing."""
        require(request, Can.PEOPLE)
        incoming = CitizenInSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        user = request.user
        group = target_group_list().filter(code=data["target_group"]).first()
        if group is None:
            raise ValidationError({"target_group": [_("Unknown target group.")]})
        form = CitizenCreateForm(
            data={
                "cpr_number": data["cpr"],
                "name": data["name"],
                "team": data["team"],
                "caseworker": data["caseworker"],
                "target_group": group.pk,
                "enrolment_start": data["enrolment_start"].isoformat(),
                "preferred_language": data["preferred_language"],
                "phone": data.get("phone", ""),
                "email": data.get("email", ""),
            },
            scope=scope_for(user),
            viewer=user,
        )
        if not form.is_valid():
            raise ValidationError(_api_fields(form.errors))
        clean = form.cleaned_data
        try:
            saved = citizen_create(
                municipality_id=scope_for(user).municipality,
                cpr_number=clean["cpr_number"],
                name=clean["name"],
                team=clean["team"],
                caseworker=clean["caseworker"],
                target_group=clean["target_group"],
                enrolment_start=clean["enrolment_start"],
                by=user,
                preferred_language=clean["preferred_language"],
                phone=clean["phone"],
                email=clean["email"],
            )
        except DuplicateCitizen as exc:
            return self._already_there(request, exc, clean)
        except DjangoValidationError as exc:
            raise ValidationError(
                _api_fields(exc.message_dict if hasattr(exc, "error_dict") else {})
                or {"detail": exc.messages}
            ) from None
        citizen = saved.citizen
        body = {
            "citizen": CitizenSerializer(citizen).data,
            "enrolment": EnrolmentSerializer(open_enrolment(citizen)).data,
            "warnings": [str(w) for w in saved.warnings],
        }
        return Response(body, status=status.HTTP_201_CREATED)

    def _already_there(
        self, request: Request, exc: DuplicateCitizen, clean: dict[str, Any]
    ) -> Response:
        existing = exc.citizen
        if not citizen_list(viewer=request.user).filter(pk=existing.pk).exists():
            return Response(
                {"detail": exc.messages[0], "cpr": exc.messages, "existing": None},
                status=status.HTTP_409_CONFLICT,
            )
        enrolment = open_enrolment(existing)
        stored = {
            "name": existing.name,
            "team": existing.team_id,
            "caseworker": existing.caseworker_id,
            "target_group": enrolment.target_group_id if enrolment else None,
            "enrolment_start": enrolment.start if enrolment else None,
        }
        given = {
            "name": " ".join(clean["name"].split()),
            "team": clean["team"].pk,
            "caseworker": clean["caseworker"].pk,
            "target_group": clean["target_group"].pk,
            "enrolment_start": clean["enrolment_start"],
        }
        record(
            actor=request.user,
            action="citizen.view",
            obj=existing,
            citizen_ids=[existing.pk],
        )
        differ = sorted(k for k in stored if stored[k] != given[k])
        if differ:
            message = _(
                "A citizen with this CPR number is registered with other details. "
                "Nothing was written."
            )
            body: dict[str, Any] = {"detail": message, "existing": existing.pk}
            body.update({field: [message] for field in differ})
            return Response(body, status=status.HTTP_409_CONFLICT)
        return Response(
            {
                "citizen": CitizenSerializer(existing).data,
                "enrolment": EnrolmentSerializer(enrolment).data,
                "warnings": [],
            },
            status=status.HTTP_200_OK,
        )


def _api_fields(errors: Any) -> dict[str, list[str]]:
    """A form's errors under the API's field names."""
    names = {"cpr_number": "cpr", "__all__": "detail"}
    return {
        names.get(field, field): [str(m) for m in messages]
        for field, messages in errors.items()
    }


@extend_schema_view(list=list_schema(SyncFilters))
class EnrolmentViewSet(ScopedReadViewSet):
    """Enrolment spells (programme periods) of the citizens in scope."""

    serializer_class = EnrolmentSerializer
    audit_type = "enrolment"
    citizen_path = "citizen_id"
    citizen_prefix = "citizen__"
    date_field = "start"

    def selector(self, viewer: Any) -> QuerySet[Enrolment]:
        return enrolment_list(viewer=viewer)


@extend_schema_view(list=list_schema(SyncFilters))
class AssignmentViewSet(ScopedReadViewSet):
    """The history of responsible case workers and teams, per enrolment spell."""

    serializer_class = AssignmentSerializer
    audit_type = "assignment"
    citizen_path = "enrolment.citizen_id"
    citizen_prefix = "enrolment__citizen__"
    date_field = "start"

    def selector(self, viewer: Any) -> QuerySet[Assignment]:
        return assignment_list(viewer=viewer)
