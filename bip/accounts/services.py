"""Integration accounts and their API tokens (DESIGN section 2): made, issued and
revoked by the municipality's admin in the product; every step audited."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bip.accounts.models import (
    ApiToken,
    IntegrationAccount,
    Membership,
    Role,
    Unit,
    User,
)
from bip.audit.models import Purpose
from bip.audit.services import record

TOKEN_DAYS = (30, 90, 180, 365)  # a token lives at most a year


@transaction.atomic
def integration_create(
    *,
    municipality_id: int,
    name: str,
    writes: bool,
    unit: Unit | None,
    by: Any,
    research: bool = False,
) -> IntegrationAccount:
    """An integration account of the municipality. A research integration has an
    analyst's access (no citizen at person level): it never writes and is never
    limited to a unit."""
    name = " ".join(name.split())
    if unit is not None and unit.municipality_id != municipality_id:
        raise ValidationError({"unit": _("Choose a unit in your municipality.")})
    if research and unit is not None:
        raise ValidationError(
            {
                "unit": _(
                    "A research integration sees the whole municipality's "
                    "pseudonymised data: choose no unit."
                )
            }
        )
    if IntegrationAccount.objects.filter(
        municipality_id=municipality_id, name__iexact=name
    ).exists():
        raise ValidationError({"name": _("An integration with this name exists.")})
    # The identity its tokens act as: no password, so it can never sign in.
    user = User(
        username=f"integration-{uuid.uuid4().hex[:12]}",
        first_name=name,
        is_integration=True,
    )
    user.set_unusable_password()
    user.save()
    Membership.objects.create(
        user=user,
        municipality_id=municipality_id,
        unit=unit,
        role=(
            Role.INTEGRATION_RESEARCH
            if research
            else Role.INTEGRATION_WRITE
            if writes
            else Role.INTEGRATION_READ
        ),
        valid_from=timezone.localdate(),
    )
    account = IntegrationAccount(
        municipality_id=municipality_id, user=user, name=name, created_by=by
    )
    account.full_clean()
    account.save()
    record(
        actor=by,
        action="integration.create",
        purpose=Purpose.ADMINISTRATION,
        obj=account,
        write=True,
    )
    return account


@transaction.atomic
def token_issue(
    *, account: IntegrationAccount, valid_days: int, by: Any
) -> tuple[ApiToken, str]:
    """A new token for the integration; the secret is returned once, never stored."""
    if valid_days not in TOKEN_DAYS:
        raise ValidationError({"valid_days": _("Choose how long the token is valid.")})
    if account.deactivated_at is not None or not account.user.is_active:
        raise ValidationError(_("The integration is deactivated."))
    if not account.user.is_integration:
        raise ValidationError(_("Tokens are only for integrations, never for people."))
    token, secret = ApiToken.objects.create(
        user=account.user,
        expiry=timedelta(days=valid_days),
        account=account,
        municipality_id=account.municipality_id,
        created_by=by,
    )
    record(
        actor=by,
        action="apitoken.create",
        purpose=Purpose.ADMINISTRATION,
        object_type="apitoken",
        object_id=token.pk,
        municipality_id=account.municipality_id,
        criterion_masked=token.audit_label,
        write=True,
    )
    return token, secret


@transaction.atomic
def token_revoke(*, token: ApiToken, by: Any) -> ApiToken:
    if token.revoked_at is not None:
        return token  # revoking twice is harmless: double clicks
    token.revoked_at, token.revoked_by = timezone.now(), by
    token.save(update_fields=["revoked_at", "revoked_by"])
    record(
        actor=by,
        action="apitoken.revoke",
        purpose=Purpose.ADMINISTRATION,
        object_type="apitoken",
        object_id=token.pk,
        municipality_id=token.municipality_id,
        criterion_masked=token.audit_label,
        write=True,
    )
    return token


@transaction.atomic
def integration_deactivate(*, account: IntegrationAccount, by: Any) -> None:
    """Revoke every token and end the account: its identity stays for the log."""
    if account.deactivated_at is not None:
        return
    for token in account.tokens.filter(revoked_at__isnull=True).select_related(
        "account", "created_by"
    ):
        token_revoke(token=token, by=by)
    now = timezone.now()
    account.deactivated_at, account.deactivated_by = now, by
    account.save(update_fields=["deactivated_at", "deactivated_by", "updated_at"])
    User.objects.filter(pk=account.user_id).update(is_active=False)
    Membership.objects.filter(user_id=account.user_id, valid_to__isnull=True).update(
        valid_to=timezone.localdate()
    )
    record(
        actor=by,
        action="integration.deactivate",
        purpose=Purpose.ADMINISTRATION,
        obj=account,
        write=True,
    )
