from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, resolve
from django.utils.translation import gettext as _

from bip.accounts.scoping import user_municipality_ids

SESSION_KEY = "active_municipality_id"


class ActiveMunicipalityMiddleware:
    """One active municipality per session (DESIGN section 0), checked every request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and getattr(user, "is_integration", False):
            logout(request)  # an integration acts by API token only, never a session
            return redirect_to_login(request.get_full_path())
        if user is not None and user.is_authenticated:
            allowed = user_municipality_ids(user)
            chosen = request.session.get(SESSION_KEY)
            if chosen not in allowed:
                chosen = allowed[0] if allowed else None
                request.session[SESSION_KEY] = chosen
            user.active_municipality_id = chosen
            user.municipality_ids = allowed
        return self.get_response(request)


ACTIVITY_KEY = "last_activity"
# Background polling is not user activity: it must not keep an idle session alive.
PASSIVE_URL_NAMES = {"jobs:status"}


class IdleTimeoutMiddleware:
    """Log out a session after BIP_IDLE_TIMEOUT seconds without a request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = int(time.time())
            last = request.session.get(ACTIVITY_KEY, now)
            if now - last > settings.BIP_IDLE_TIMEOUT:
                logout(request)
                messages.info(
                    request, _("You were logged out after a period without activity.")
                )
                return redirect_to_login(request.get_full_path())
            if self._is_active(request):
                request.session[ACTIVITY_KEY] = now
        return self.get_response(request)

    @staticmethod
    def _is_active(request: HttpRequest) -> bool:
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return True
        return match.view_name not in PASSIVE_URL_NAMES
