from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from bip.accounts.scoping import user_municipality_ids

SESSION_KEY = "active_municipality_id"


class ActiveMunicipalityMiddleware:
    """One active municipality per session (DESIGN section 0), checked every request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            allowed = user_municipality_ids(user)
            chosen = request.session.get(SESSION_KEY)
            if chosen not in allowed:
                chosen = allowed[0] if allowed else None
                request.session[SESSION_KEY] = chosen
            user.active_municipality_id = chosen
            user.municipality_ids = allowed
        return self.get_response(request)
