from __future__ import annotations

import uuid
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.cache import add_never_cache_headers

from bip.audit.context import Origin, current_origin


def client_ip(request: HttpRequest) -> str | None:
    if settings.SECURE_PROXY_SSL_HEADER:  # behind a trusted proxy
        forwarded = request.headers.get("X-Forwarded-For", "")
        if forwarded:
            return forwarded.split(",")[0].strip() or None
    return request.META.get("REMOTE_ADDR") or None


class RequestIdMiddleware:
    """Give every request an id and remember its origin for the audit log."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        valid = (
            incoming.isascii() and 0 < len(incoming) <= 64 and incoming.isprintable()
        )
        request_id = incoming if valid else uuid.uuid4().hex
        request.request_id = request_id  # type: ignore[attr-defined]
        token = current_origin.set(Origin(ip=client_ip(request), request_id=request_id))
        try:
            response = self.get_response(request)
        finally:
            current_origin.reset(token)
        response["X-Request-ID"] = request_id
        return response


class DanishFirstLocaleMiddleware:
    """Danish unless the user chose another language with the switch (a cookie).

    The browser's Accept-Language is ignored on purpose: staff on English-language
    machines still work in the municipality's language until they choose otherwise.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response
        self.languages = {code for code, _ in settings.LANGUAGES}

    def __call__(self, request: HttpRequest) -> HttpResponse:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        language = chosen if chosen in self.languages else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response


class NoStoreMiddleware:
    """Pages and API answers for a signed-in user or an API token hold personal data
    (the edit form holds the full CPR): no browser or proxy may keep a copy, so every
    such response says `Cache-Control: no-store` (DESIGN section 2). Static files are
    served before this by WhiteNoise and stay cacheable."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        # read after the view: the API authenticates a token inside the view, and
        # DRF then sets request.user on this request too
        user = getattr(request, "user", None)
        if "HTTP_AUTHORIZATION" in request.META or (
            user is not None and user.is_authenticated
        ):
            add_never_cache_headers(response)
        return response
