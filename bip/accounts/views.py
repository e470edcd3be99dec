from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import Count, Prefetch, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from mozilla_django_oidc.views import (
    OIDCAuthenticationCallbackView,
    OIDCAuthenticationRequestView,
)

from bip.accounts.access import is_municipal_admin, is_system_admin, role_required
from bip.accounts.middleware import SESSION_KEY
from bip.accounts.models import Membership, Municipality, Team, Unit
from bip.accounts.scoping import scope_for
from bip.audit.models import Purpose
from bip.audit.services import record
from bip.jobs import services as jobs
from bip.jobs.models import Job
from bip.views import _heartbeats, _redis_status, status_label


def oidc_init(request: HttpRequest) -> HttpResponse:
    """Single sign-on exists only when configured (BIP_OIDC_ENABLED)."""
    if not settings.BIP_OIDC_ENABLED:
        raise Http404
    return OIDCAuthenticationRequestView.as_view()(request)


def oidc_callback(request: HttpRequest) -> HttpResponse:
    if not settings.BIP_OIDC_ENABLED:
        raise Http404
    return OIDCAuthenticationCallbackView.as_view()(request)


class LoginView(auth_views.LoginView):
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["oidc_enabled"] = settings.BIP_OIDC_ENABLED
        context["sso_failed"] = self.request.GET.get("sso") == "failed"
        return context


@login_required
@require_POST
def keepalive(request: HttpRequest) -> HttpResponse:
    """The idle warning's "stay logged in": the request itself counts as activity."""
    return HttpResponse(status=204)


@login_required
@require_POST
def switch_municipality(request: HttpRequest) -> HttpResponse:
    wanted = request.POST.get("municipality", "")
    allowed = getattr(request.user, "municipality_ids", [])
    if wanted.isdigit() and int(wanted) in allowed:
        request.session[SESSION_KEY] = int(wanted)
        messages.success(request, _("You are now working in another municipality."))
    else:
        messages.error(request, _("You have no role in that municipality."))
    return redirect("home")


@role_required(is_municipal_admin)
def municipality(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    today = timezone.localdate()
    current = Membership.objects.current(today)
    muni = Municipality.objects.get(pk=scope.municipality_id)
    units = (
        Unit.objects.filter(municipality=muni)
        .prefetch_related(
            Prefetch(
                "teams",
                queryset=Team.objects.annotate(
                    citizen_count=Count("citizen", distinct=True),
                    member_count=Count(
                        "membership",
                        filter=Q(membership__in=current),
                        distinct=True,
                    ),
                ).order_by("name"),
            )
        )
        .order_by("name")
    )
    memberships = (
        current.filter(municipality=muni)
        .select_related("user", "team", "unit")
        .order_by("user__last_name", "user__first_name", "role")
    )
    record(
        actor=request.user,
        action="organisation.view",
        purpose=Purpose.ADMINISTRATION,
        object_type="municipality",
        object_id=muni.pk,
    )
    return render(
        request,
        "accounts/municipality.html",
        {"municipality": muni, "units": units, "memberships": memberships},
    )


@role_required(is_system_admin)
def system(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        with transaction.atomic():
            job = jobs.enqueue(kind="jobs.probe", requested_by=request.user, total=3)
        messages.success(request, _("The worker check has started."))
        return redirect(f"{request.path}?job={job.pk}")
    job = None
    job_id = request.GET.get("job", "")
    if job_id.isdigit():
        job = jobs.job_list_for(viewer=request.user).filter(pk=int(job_id)).first()
    recent = Job.objects.order_by("-created_at")[:10]
    status = {
        name: status_label(code)
        for name, code in {"redis": _redis_status(), **_heartbeats()}.items()
        if name in ("redis", "worker", "beat")
    }
    return render(
        request,
        "accounts/system.html",
        {
            "job": job,
            "recent_jobs": recent,
            "status": status,
            "municipalities": Municipality.objects.order_by("name"),
        },
    )


def safe_next(request: HttpRequest, default: str = "/") -> str:
    target = request.POST.get("next") or request.GET.get("next") or default
    if url_has_allowed_host_and_scheme(
        target, {request.get_host()}, request.is_secure()
    ):
        return target
    return default
