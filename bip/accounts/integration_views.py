"""The municipal admin's Integrations page: accounts, their tokens (shown once), and
revocation. Another municipality's account or token answers 404, other roles 403."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from bip.accounts import services
from bip.accounts.access import AuthenticatedHttpRequest, role_required
from bip.accounts.forms import IntegrationCreateForm, TokenIssueForm
from bip.accounts.roles import Can
from bip.accounts.scoping import scope_for
from bip.accounts.selectors import integration_get, integration_page, token_get
from bip.audit.models import Purpose
from bip.audit.services import record
from bip.forms import form_errors_from


def _page(
    request: AuthenticatedHttpRequest, form: IntegrationCreateForm
) -> HttpResponse:
    accounts = integration_page(viewer=request.user)
    record(
        actor=request.user,
        action="integration.list",
        purpose=Purpose.ADMINISTRATION,
        object_type="integration",
    )
    return render(
        request,
        "accounts/integrations.html",
        {
            "accounts": accounts,
            "form": form,
            "token_form": TokenIssueForm(),
            "now": timezone.now(),
        },
    )


@role_required(Can.ADMINISTER)
def integration_list_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    form = IntegrationCreateForm(
        request.POST or None, municipality_id=scope.municipality
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            account = services.integration_create(
                municipality_id=scope.municipality,
                name=data["name"],
                writes=data["access"] == "write",
                research=data["access"] == "research",
                unit=data["unit"],
                by=request.user,
            )
        except ValidationError as exc:
            form_errors_from(exc, form)
        else:
            messages.success(
                request,
                _("The integration %(name)s is created. Issue a token for it below.")
                % {"name": account.name},
            )
            return redirect("integrations:list")
    return _page(request, form)


@role_required(Can.ADMINISTER)
@require_POST
def token_create(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    account = integration_get(viewer=request.user, pk=pk)
    form = TokenIssueForm(request.POST)
    if form.is_valid():
        try:
            token, secret = services.token_issue(
                account=account,
                valid_days=form.cleaned_data["valid_days"],
                by=request.user,
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            # Shown in this response only (no-store, like every signed-in page):
            # the database keeps the digest alone.
            return render(
                request,
                "accounts/token_issued.html",
                {"account": account, "token": token, "secret": secret},
            )
    else:
        messages.error(request, _("Choose how long the token is valid."))
    return redirect("integrations:list")


@role_required(Can.ADMINISTER)
@require_POST
def token_revoke(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    token = token_get(viewer=request.user, pk=pk)
    services.token_revoke(token=token, by=request.user)
    messages.success(
        request,
        _("The token %(key)s of %(name)s is revoked.")
        % {"key": token.token_key, "name": token.account.name},
    )
    return redirect("integrations:list")


@role_required(Can.ADMINISTER)
@require_POST
def integration_deactivate(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    account = integration_get(viewer=request.user, pk=pk)
    services.integration_deactivate(account=account, by=request.user)
    messages.success(
        request,
        _("The integration %(name)s is deactivated; its tokens are revoked.")
        % {"name": account.name},
    )
    return redirect("integrations:list")
