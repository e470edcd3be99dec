from __future__ import annotations

from datetime import datetime, time, timedelta

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from bip.accounts.access import is_municipal_admin, role_required
from bip.accounts.scoping import scope_for
from bip.audit.forms import AuditSearchForm
from bip.audit.models import AuditEvent, AuditEventCitizen, Purpose
from bip.audit.services import record

MAX_ROWS = 500


@role_required(is_municipal_admin)
def search(request: HttpRequest) -> HttpResponse:
    """Search the municipality's audit log by user, citizen and period.

    A POST, because the criterion may be a CPR number (never in a URL).
    """
    scope = scope_for(request.user)
    form = AuditSearchForm(request.POST or None, municipality_id=scope.municipality_id)
    events: list[AuditEvent] | None = None
    citizen_unknown = False
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        qs = AuditEvent.objects.filter(municipality_id=scope.municipality_id)
        tz = timezone.get_current_timezone()
        if data["date_from"]:
            qs = qs.filter(ts__gte=datetime.combine(data["date_from"], time.min, tz))
        if data["date_to"]:
            end = datetime.combine(data["date_to"] + timedelta(days=1), time.min, tz)
            qs = qs.filter(ts__lt=end)
        if data["user"]:
            qs = qs.filter(actor_id=data["user"].pk)
        criterion = []
        citizen_ids: list[int] = []
        if data["cpr"]:
            from citizens import cpr, crypto
            from citizens.models import Citizen

            citizen_ids = list(
                Citizen.objects.filter(
                    municipality_id=scope.municipality_id,
                    cpr_hmac=crypto.keyed_hash(data["cpr"]),
                ).values_list("pk", flat=True)
            )
            citizen_unknown = not citizen_ids
            event_ids = AuditEventCitizen.objects.filter(
                citizen_id__in=citizen_ids
            ).values_list("event_id", flat=True)
            qs = qs.filter(pk__in=list(event_ids[:50000]))
            criterion.append(f"cpr={cpr.mask(data['cpr'])}")
        if data["user"]:
            criterion.append(f"user={data['user'].username}")
        events = list(qs.order_by("-ts")[:MAX_ROWS])
        form.data = form.data.copy()
        form.data["cpr"] = ""  # the number is not echoed back into the page
        record(
            actor=request.user,
            action="audit.search",
            purpose=Purpose.SECURITY,
            citizen_ids=citizen_ids,
            criterion_masked=" ".join(criterion),
        )
    return render(
        request,
        "audit/search.html",
        {
            "form": form,
            "events": events,
            "max_rows": MAX_ROWS,
            "citizen_unknown": citizen_unknown,
            "purposes": dict(Purpose.choices),
        },
    )
