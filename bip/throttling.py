"""Throttling of the API per integration token (docs/api.md)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle


class TokenRateThrottle(SimpleRateThrottle):
    """Requests per integration token (`BIP_API_TOKEN_RATE`, e.g. "1200/min"): one
    busy integration cannot crowd out the others. Sessions are not throttled here
    (the pages are not either). With the cache (Redis) away it lets requests
    through: a limit must not take the API down."""

    scope = "integration-token"

    def get_rate(self) -> str | None:
        return getattr(settings, "BIP_API_TOKEN_RATE", None)

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        token_id = getattr(request.auth, "pk", None)
        if token_id is None:
            return None
        return f"throttle:{self.scope}:{token_id}"

    def allow_request(self, request: Request, view: Any) -> bool:
        self.rate = self.get_rate()
        if self.rate is None:
            return True
        self.num_requests, self.duration = self.parse_rate(self.rate)
        try:
            return super().allow_request(request, view)
        except Exception:  # the cache is away: fail open
            return True
