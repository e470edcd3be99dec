from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from bip.accounts.models import Municipality
from bip.accounts.scoping import scope_for


def nav_items(scope: Any) -> list[dict[str, str]]:
    """Navigation from the union of the user's roles. Items with a `group` show as
    one menu under that label, so an admin's bar fits on one line at 1280 px."""
    admin = str(_("Administration"))
    items: list[tuple[bool, str, Any, str]] = [
        (
            scope.is_caseworker or bool(scope.granted_citizen_ids),
            "citizens:caseload",
            _("My citizens"),
            "",
        ),
        (scope.is_team_leader, "reports:team", _("My teams"), ""),
        (
            scope.is_municipal_admin,
            "accounts:municipality",
            _("Units and teams"),
            admin,
        ),
        (scope.is_municipal_admin, "instrument:list", _("Questionnaire"), admin),
        (
            scope.is_municipal_admin,
            "interventions:catalogue",
            _("Interventions"),
            admin,
        ),
        (scope.is_municipal_admin, "imports:list", _("Imports"), admin),
        (scope.is_municipal_admin, "models:list", _("Models"), admin),
        (scope.is_municipal_admin, "audit:search", _("Audit log"), admin),
        (scope.is_municipal_admin, "integrations:list", _("Integrations"), admin),
        (
            scope.is_analyst or scope.is_municipal_admin,
            "reports:overview",
            _("Statistics"),
            "",
        ),
        (
            scope.is_team_leader or scope.is_analyst or scope.is_municipal_admin,
            "reports:associations",
            _("Progression"),
            "",
        ),
        (scope.is_system_admin, "accounts:system", _("System"), ""),
    ]
    return [
        {"url": reverse(name), "label": str(label), "group": group}
        for ok, name, label, group in items
        if ok
    ]


def _mark_current(items: list[dict[str, Any]], path: str) -> list[dict[str, Any]]:
    # the longest matching prefix wins, so a page under /citizens/5/ marks "My citizens"
    matches = [i for i in items if path.startswith(i["url"])]
    best = max(matches, key=lambda i: len(i["url"]), default=None)
    for item in items:
        item["active"] = item is best
        item["current"] = item["url"] == path
    return items


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    scope = scope_for(user)
    ids = getattr(user, "municipality_ids", [])
    municipalities = (
        list(Municipality.objects.filter(pk__in=ids).order_by("name")) if ids else []
    )
    active = next((m for m in municipalities if m.pk == scope.municipality_id), None)
    return {
        "idle_timeout": settings.BIP_IDLE_TIMEOUT,
        "nav_items": _mark_current(nav_items(scope), request.path),
        "active_municipality": active,
        "other_municipalities": [m for m in municipalities if m != active],
    }
