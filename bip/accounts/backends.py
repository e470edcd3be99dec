from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend


class PersonBackend(ModelBackend):
    """Sign-in with a password, for people only: an integration's identity never
    signs in (it has no password, and this refuses it even if one were set)."""

    def user_can_authenticate(self, user: Any) -> bool:
        return super().user_can_authenticate(user) and not getattr(
            user, "is_integration", False
        )
