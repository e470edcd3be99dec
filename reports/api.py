"""The API of the reports (docs/api.md): the dashboards' aggregates and export jobs.

Dashboards: the same figures as the pages, read from the aggregate tables through
the pages' selectors (a team leader's job centre and teams, everything for admins,
suppressed for analysts and research integrations), audited like the pages.

Export jobs: request, poll and download through the Exports page's services:
municipal admins (identified exports only with a purpose), analysts and research
integrations (pseudonymised only, their own exports). Every download is audited; an
identified one as a read of every citizen in it."""

from __future__ import annotations

from pathlib import PurePath
from typing import Any, cast

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.http import FileResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from bip.accounts.models import User
from bip.accounts.roles import Can
from bip.accounts.scoping import scope_for
from bip.api import MAX_ID, CapabilityRequired, SyncCursorPagination
from bip.audit.models import Purpose
from bip.audit.services import record
from reports.dashboard_content import (
    DashboardContent,
    dashboard_content,
    dashboard_parts,
    purpose,
)
from reports.dashboards import Number
from reports.exports import services as export_services
from reports.exports.selectors import export_choices, export_get, export_list
from reports.forms import DashboardFilter
from reports.models import Export
from reports.selectors import (
    dashboard_caseworker_get,
    dashboard_refresh,
    dashboard_team_get,
    dashboard_teams,
    dashboard_unit_get,
    dashboard_units,
)

# --- Dashboards ---


class NumberSerializer(serializers.Serializer):
    text = serializers.CharField(help_text='As shown: "<5" for a hidden small count.')
    value = serializers.FloatField(
        allow_null=True, help_text="The number; null where it is hidden."
    )


class FigureRowSerializer(serializers.Serializer):
    label = serializers.CharField()
    cells = NumberSerializer(many=True)


class FigureSerializer(serializers.Serializer):
    key = serializers.CharField()
    title = serializers.CharField()
    caption = serializers.CharField()
    columns = serializers.ListField(child=serializers.CharField())
    rows = FigureRowSerializer(many=True)
    note = serializers.CharField(allow_blank=True)


class PartSerializer(serializers.Serializer):
    id = serializers.IntegerField(
        allow_null=True,
        help_text="The team's or case worker's id; null for citizens without a case "
        "worker or a case worker the caller may not open.",
    )
    label = serializers.CharField()
    rounds_due = NumberSerializer()
    rounds_done = NumberSerializer()
    progress = NumberSerializer(help_text="Share of classified rounds in progress.")
    standstill_or_regression = NumberSerializer()
    into_job_or_education = NumberSerializer()


class DashboardSerializer(serializers.Serializer):
    level = serializers.ChoiceField(choices=["unit", "team", "caseworker"])
    id = serializers.IntegerField()
    name = serializers.CharField()
    as_of = serializers.DateTimeField(
        allow_null=True, help_text="When the aggregates were computed."
    )
    model_version = serializers.IntegerField(allow_null=True)
    quarters = serializers.ListField(
        child=serializers.DateField(), help_text="The first day of each quarter shown."
    )
    target_group = serializers.IntegerField(allow_null=True)
    suppressed = serializers.BooleanField(
        help_text="Whether counts of 1 to 4 citizens are hidden for the caller."
    )
    figures = FigureSerializer(many=True)
    parts = PartSerializer(many=True)


class DashboardUnitSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class DashboardTeamSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    unit = serializers.IntegerField()


class DashboardIndexSerializer(serializers.Serializer):
    as_of = serializers.DateTimeField(allow_null=True)
    model_version = serializers.IntegerField(allow_null=True)
    units = DashboardUnitSerializer(many=True)
    teams = DashboardTeamSerializer(many=True)


class DashboardQuery(serializers.Serializer):
    """The dashboards' filters, as on the pages."""

    quarter_from = serializers.DateField(
        required=False, help_text="First day of the first quarter (one with figures)."
    )
    quarter_to = serializers.DateField(
        required=False, help_text="First day of the last quarter (one with figures)."
    )
    target_group = serializers.IntegerField(
        required=False, min_value=1, max_value=MAX_ID
    )


def _number(n: Number) -> dict[str, Any]:
    return {"text": n.text, "value": n.value}


def _dashboard_body(viewer: User, content: DashboardContent) -> dict[str, Any]:
    obj, refresh = content.obj, content.refresh
    name = (
        (obj.get_full_name() or obj.username)
        if content.level == "caseworker"
        else obj.name
    )
    return {
        "level": content.level,
        "id": obj.pk,
        "name": name,
        "as_of": refresh.computed_at if refresh else None,
        "model_version": refresh.model_version_id if refresh else None,
        "quarters": content.quarters,
        "target_group": content.target_group,
        "suppressed": content.suppressed,
        "figures": [
            {
                "key": f.key,
                "title": f.title,
                "caption": f.caption,
                "columns": f.columns,
                "rows": [
                    {"label": r.label, "cells": [_number(n) for n in r.cells]}
                    for r in f.rows
                ],
                "note": f.note,
            }
            for f in content.figures
        ],
        "parts": [
            {
                "id": row.key,
                "label": row.label,
                "rounds_due": _number(row.part.due),
                "rounds_done": _number(row.part.done),
                "progress": _number(row.part.progress),
                "standstill_or_regression": _number(row.part.still),
                "into_job_or_education": _number(row.part.outcomes),
            }
            for row in dashboard_parts(viewer=viewer, content=content)
        ],
    }


def _form_errors(form: DashboardFilter) -> dict[str, list[str]]:
    return {
        ("detail" if k == "__all__" else k): [str(m) for m in v]
        for k, v in form.errors.items()
    }


class DashboardView(APIView):
    """One dashboard's figures (a job centre, a team or a case worker)."""

    level = ""
    capabilities: tuple[Can, ...] = (Can.DASHBOARD,)

    def get_permissions(self) -> list[Any]:
        return [*super().get_permissions(), CapabilityRequired()]

    def target(self, viewer: User, pk: Any) -> Any:
        raise NotImplementedError

    @extend_schema(
        parameters=[DashboardQuery],
        responses={200: DashboardSerializer},
    )
    def get(self, request: Request, pk: int) -> Response:
        viewer = cast(User, request.user)
        obj = self.target(viewer, pk)
        query = DashboardQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        content = dashboard_content(
            viewer=viewer, level=self.level, obj=obj, data=request.query_params
        )
        if content.form.is_bound and not content.form.is_valid():
            raise ValidationError(_form_errors(content.form))
        record(
            actor=viewer,
            action="dashboard.view",
            purpose=purpose(scope_for(viewer)),
            object_type="user" if self.level == "caseworker" else self.level,
            object_id=obj.pk,
        )
        return Response(DashboardSerializer(_dashboard_body(viewer, content)).data)


class DashboardUnitView(DashboardView):
    """A job centre's dashboard: for its team leaders (small cells hidden), the
    municipal admins, analysts and research integrations (suppressed)."""

    level = "unit"

    def target(self, viewer: User, pk: Any) -> Any:
        return dashboard_unit_get(viewer=viewer, pk=pk)


class DashboardTeamView(DashboardView):
    """A team's dashboard, with its case workers' parts."""

    level = "team"

    def target(self, viewer: User, pk: Any) -> Any:
        return dashboard_team_get(viewer=viewer, pk=pk)


class DashboardCaseworkerView(DashboardView):
    """A case worker's figures: their own, or those of a team the caller leads."""

    level = "caseworker"
    capabilities = (Can.FIGURES,)

    def target(self, viewer: User, pk: Any) -> Any:
        return dashboard_caseworker_get(viewer=viewer, pk=pk)


class DashboardIndexView(APIView):
    """The job centres and teams whose dashboards the caller may read, and when the
    aggregates were computed."""

    def get_permissions(self) -> list[Any]:
        return [*super().get_permissions(), CapabilityRequired()]

    capabilities = (Can.DASHBOARD,)

    @extend_schema(responses={200: DashboardIndexSerializer})
    def get(self, request: Request) -> Response:
        viewer = cast(User, request.user)
        refresh = dashboard_refresh(viewer=viewer)
        units = dashboard_units(viewer=viewer).order_by("name", "pk")
        teams = dashboard_teams(viewer=viewer).order_by("unit__name", "name", "pk")
        record(
            actor=viewer,
            action="dashboard.index",
            purpose=purpose(scope_for(viewer)),
        )
        body = {
            "as_of": refresh.computed_at if refresh else None,
            "model_version": refresh.model_version_id if refresh else None,
            "units": [{"id": u.pk, "name": u.name} for u in units],
            "teams": [{"id": t.pk, "name": t.name, "unit": t.unit_id} for t in teams],
        }
        return Response(DashboardIndexSerializer(body).data)


# --- Export jobs ---


class ExportSerializer(serializers.ModelSerializer):
    state = serializers.CharField(source="job.state", help_text="The job's state.")
    progress = serializers.IntegerField(source="job.progress")
    total = serializers.IntegerField(source="job.total", allow_null=True)
    error = serializers.CharField(source="job.error")
    finished_at = serializers.DateTimeField(source="job.finished_at", allow_null=True)
    units = serializers.ListField(child=serializers.IntegerField(), source="unit_ids")
    target_groups = serializers.ListField(
        child=serializers.IntegerField(), source="target_group_ids"
    )
    expired = serializers.SerializerMethodField()
    download = serializers.SerializerMethodField(
        help_text="The file's URL once the export is done; null before and after "
        "its expiry."
    )

    class Meta:
        model = Export
        fields = [
            "id",
            "layout",
            "format",
            "pseudonymised",
            "date_shift",
            "period_from",
            "period_to",
            "units",
            "target_groups",
            "csv_semicolon",
            "csv_bom",
            "purpose",
            "purpose_note",
            "scheduled",
            "created_at",
            "requested_by",
            "state",
            "progress",
            "total",
            "error",
            "finished_at",
            "rows",
            "file_size",
            "expires_at",
            "expired",
            "download",
        ]
        read_only_fields = fields

    def get_expired(self, obj: Export) -> bool:
        return obj.expired_at is not None

    def get_download(self, obj: Export) -> str | None:
        if not obj.downloadable:
            return None
        request = self.context.get("request")
        path = f"/api/v1/exports/{obj.pk}/download/"
        return request.build_absolute_uri(path) if request is not None else path


class ExportInSerializer(serializers.Serializer):
    layout = serializers.ChoiceField(choices=Export.Layout.choices)
    format = serializers.ChoiceField(choices=Export.Format.choices)
    identified = serializers.BooleanField(
        default=False,
        help_text="With CPR numbers and names: municipal admins only, with a purpose.",
    )
    period_from = serializers.DateField(required=False, allow_null=True)
    period_to = serializers.DateField(required=False, allow_null=True)
    units = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
        required=False,
        default=list,
        max_length=500,
        help_text="Unit ids; none: every unit.",
    )
    target_groups = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
        required=False,
        default=list,
        max_length=100,
        help_text="Target group ids; none: every target group.",
    )
    csv_semicolon = serializers.BooleanField(default=True)
    csv_bom = serializers.BooleanField(default=True)
    date_shift = serializers.BooleanField(default=False)
    purpose = serializers.ChoiceField(
        choices=[(p.value, p.label) for p in export_services.IDENTIFIED_PURPOSES],
        required=False,
        allow_blank=True,
        default="",
    )
    purpose_note = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=300
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        start, end = attrs.get("period_from"), attrs.get("period_to")
        if start and end and end < start:
            raise serializers.ValidationError(
                {"period_to": [_("The end of the period is before its start.")]}
            )
        choices = export_choices(viewer=self.context["request"].user)
        for name, key in (("units", "units"), ("target_groups", "target_groups")):
            known = {pk for pk, _label in choices[key]}
            unknown = sorted(set(attrs[name]) - known)
            if unknown:
                raise serializers.ValidationError(
                    {name: [_("Unknown ids: %(ids)s.") % {"ids": unknown}]}
                )
        return attrs


class ExportNotReady(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = gettext_lazy(
        "The export is not finished: poll it until its state is done."
    )
    default_code = "not_ready"


class ExportGone(APIException):
    status_code = status.HTTP_410_GONE
    default_detail = gettext_lazy("The export's file has expired and was deleted.")
    default_code = "expired"


class ExportPagination(SyncCursorPagination):
    ordering = ("-created_at", "-pk")


class ExportViewSet(
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Export jobs: request one, poll it until its state is `done`, then download
    its file (within its retention, 7 days by default)."""

    serializer_class = ExportSerializer
    pagination_class = ExportPagination
    capabilities = (Can.STATISTICS,)
    # a research integration may post here: an export request, not citizens' data
    requests_statistics = True

    def get_permissions(self) -> list[Any]:
        return [*super().get_permissions(), CapabilityRequired()]

    def get_queryset(self) -> QuerySet[Export]:
        return export_list(viewer=self.request.user).select_related("job")

    def get_object(self) -> Export:
        return export_get(viewer=self.request.user, pk=self.kwargs.get("pk"))

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        record(actor=request.user, action="export.list", purpose=Purpose.STATISTICS)
        return super().list(request, *args, **kwargs)

    @extend_schema(
        request=ExportInSerializer,
        responses={201: ExportSerializer},
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Request an export. Its job runs in the background; poll the export."""
        incoming = ExportInSerializer(data=request.data, context={"request": request})
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        try:
            export = export_services.export_request(
                by=request.user,
                municipality_id=scope_for(request.user).municipality,
                layout=data["layout"],
                format=data["format"],
                pseudonymised=not data["identified"],
                period_from=data.get("period_from"),
                period_to=data.get("period_to"),
                unit_ids=data["units"],
                target_group_ids=data["target_groups"],
                csv_semicolon=data["csv_semicolon"],
                csv_bom=data["csv_bom"],
                date_shift=data["date_shift"],
                purpose=data["purpose"],
                purpose_note=data["purpose_note"],
            )
        except DjangoValidationError as exc:
            if hasattr(exc, "error_dict"):
                raise ValidationError(
                    {
                        ("identified" if k == "__all__" else k): v
                        for k, v in exc.message_dict.items()
                    }
                ) from None
            raise ValidationError({"detail": exc.messages}) from None
        export = export_get(viewer=request.user, pk=export.pk)
        body = self.get_serializer(export).data
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(
        responses={
            (200, "application/octet-stream"): OpenApiResponse(
                OpenApiTypes.BINARY,
                description="The file: a zip (CSV with its codebook), XLSX, SAV or "
                "DTA, named in Content-Disposition.",
            ),
            409: OpenApiResponse(description="The export is not finished."),
            410: OpenApiResponse(description="The file has expired."),
        }
    )
    @action(detail=True, methods=["get"])
    def download(self, request: Request, pk: int | None = None) -> Any:
        export = self.get_object()
        if export.expired_at is not None:
            raise ExportGone()
        if not export.downloadable:
            raise ExportNotReady()
        export_services.export_downloaded(export=export, by=request.user)
        response = FileResponse(
            export_services.export_open(export),
            as_attachment=True,
            filename=PurePath(export.file_name).name,
            content_type="application/octet-stream",
        )
        response["Cache-Control"] = "no-store"
        return response
