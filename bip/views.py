from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache

from bip.accounts.scoping import scope_for

# beat's heartbeat is a task it sends every minute: three missed
BEAT_DOWN_AFTER_SECONDS = 180


def _heartbeats() -> dict[str, Any]:
    from bip.jobs.models import Heartbeat

    now = timezone.now()
    out: dict[str, Any] = {}
    limits = {
        "worker": settings.BIP_WORKER_DOWN_AFTER,
        "beat": BEAT_DOWN_AFTER_SECONDS,
    }
    beats = {h.name: h for h in Heartbeat.objects.filter(name__in=list(limits))}
    for name, limit in limits.items():
        h = beats.get(name)
        if h is None:
            out[name] = "unknown"
        elif now - h.at > timedelta(seconds=limit):
            out[name] = "down"
            out[f"{name}_last_seen"] = h.at.isoformat()
        else:
            out[name] = "in-process" if settings.BIP_JOBS_IN_PROCESS else "ok"
    return out


def _redis_status() -> str:
    if not settings.REDIS_URL:
        return "not configured"
    import redis

    try:
        client = redis.Redis.from_url(
            settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1
        )
        client.ping()
        return "ok"
    except Exception as exc:  # reported, never raised: liveness must not fail on it
        return f"down: {type(exc).__name__}"


STATUS_LABELS = {
    "ok": _("Running"),
    "in-process": _("Runs inside the web process (demo)"),
    "not configured": _("Not configured: jobs run inside the web process"),
    "unknown": _("No sign of life yet"),
}


def status_label(code: str) -> str:
    if code.startswith("down"):
        return str(_("Not reachable"))
    return str(STATUS_LABELS.get(code, code))


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness (web, database) decides the status code; the rest is reported."""
    body: dict[str, Any] = {"web": "ok"}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        body["database"] = "ok"
    except Exception as exc:
        body["database"] = f"down: {type(exc).__name__}"
        return JsonResponse(body, status=503)
    body["redis"] = _redis_status()
    body.update(_heartbeats())
    return JsonResponse(body)


START_PAGES = (
    ("is_municipal_admin", "accounts:municipality"),
    ("is_team_leader", "reports:team"),
    ("is_caseworker", "citizens:caseload"),
    ("is_analyst", "reports:overview"),
    ("is_system_admin", "accounts:system"),
)


@login_required
def home(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    for attribute, url_name in START_PAGES:
        if getattr(scope, attribute):
            return redirect(url_name)
    if scope.granted_citizen_ids:
        return redirect("citizens:caseload")
    return render(request, "no_role.html", status=200)
