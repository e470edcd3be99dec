from __future__ import annotations

from datetime import timedelta
from typing import Any

import redis
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import connection, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache

from bip.accounts.access import AuthenticatedHttpRequest, role_required
from bip.accounts.roles import Can, start_page
from bip.accounts.scoping import scope_for
from bip.accounts.selectors import municipality_list
from bip.jobs import probe
from bip.jobs import services as jobs
from bip.jobs.models import Heartbeat, Job
from bip.jobs.selectors import job_list, recent_jobs

# beat's heartbeat is a task it sends every minute: three missed
BEAT_DOWN_AFTER_SECONDS = 180


def _heartbeats() -> dict[str, Any]:
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
    try:
        client = redis.Redis.from_url(
            settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1
        )
        client.ping()
        return "ok"
    except Exception as exc:  # reported, never raised: liveness must not fail on it
        return f"down: {type(exc).__name__}"


STATUS_LABELS = {
    "ok": gettext_lazy("Running"),
    "in-process": gettext_lazy("Runs inside the web process (demo)"),
    "not configured": gettext_lazy("Not configured: jobs run inside the web process"),
    "unknown": gettext_lazy("No sign of life yet"),
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


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The start page the role table gives the user's roles."""
    page = start_page(scope_for(request.user))
    if page is not None:
        return redirect(page.url_name)
    return render(request, "no_role.html", status=200)


@role_required(Can.SYSTEM)
def system(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The system admin's page: the worker, beat and Redis, the latest jobs, and a
    check that a job makes it through the worker."""
    if request.method == "POST":
        with transaction.atomic():
            started = jobs.enqueue(kind=probe.KIND, requested_by=request.user, total=3)
        messages.success(request, _("The worker check has started."))
        return redirect(f"{request.path}?job={started.pk}")
    job: Job | None = None
    job_id = request.GET.get("job", "")
    if job_id.isdigit():
        job = job_list(viewer=request.user).filter(pk=int(job_id)).first()
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
            "recent_jobs": recent_jobs(viewer=request.user),
            "status": status,
            "municipalities": municipality_list(viewer=request.user),
        },
    )
