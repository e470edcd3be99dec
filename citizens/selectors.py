from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from bip.accounts.scoping import Action, citizen_q, scope_for
from citizens.models import Citizen, fold


def citizen_list(*, viewer: Any, action: Action = "read") -> QuerySet[Citizen]:
    """Citizens the viewer may read (or write), in the active municipality."""
    return Citizen.objects.filter(citizen_q(scope_for(viewer), action))


def citizen_search(*, viewer: Any, text: str) -> QuerySet[Citizen]:
    from citizens import cpr, crypto

    qs = citizen_list(viewer=viewer)
    try:
        parsed = cpr.parse(text, allow_nine_digits=True)
    except cpr.CprError:
        return qs.filter(name_search__contains=fold(text))
    return qs.filter(cpr_hmac=crypto.keyed_hash(parsed.digits))
