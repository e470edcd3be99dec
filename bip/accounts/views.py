from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from mozilla_django_oidc.views import (
    OIDCAuthenticationCallbackView,
    OIDCAuthenticationRequestView,
)

from bip.accounts.access import AuthenticatedHttpRequest, role_required
from bip.accounts.middleware import SESSION_KEY
from bip.accounts.roles import Can
from bip.accounts.selectors import organisation
from bip.audit.models import Purpose
from bip.audit.services import record


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


@role_required(Can.ADMINISTER)
def municipality(request: AuthenticatedHttpRequest) -> HttpResponse:
    context = organisation(viewer=request.user)
    record(
        actor=request.user,
        action="organisation.view",
        purpose=Purpose.ADMINISTRATION,
        object_type="municipality",
        object_id=context["municipality"].pk,
    )
    return render(request, "accounts/municipality.html", context)
