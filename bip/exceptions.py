from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import OperationalError
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler

# Errors a task retries with back-off (the database or the broker away for a moment);
# every other error fails the job with its message.
TRANSIENT = (OperationalError, ConnectionError, TimeoutError)


class ApplicationError(Exception):
    """A refusal a user can act on; shown as a form error or a 400."""

    def __init__(self, message: str, *, fields: dict[str, list[str]] | None = None):
        super().__init__(message)
        self.message = message
        self.fields = fields or {}


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, ValidationError):
        fields = exc.message_dict if hasattr(exc, "error_dict") else {}
        detail = "; ".join(exc.messages)
        return Response(
            {"detail": detail, "fields": fields}, status=status.HTTP_400_BAD_REQUEST
        )
    if isinstance(exc, ApplicationError):
        return Response(
            {"detail": exc.message, "fields": exc.fields},
            status=status.HTTP_400_BAD_REQUEST,
        )
    return exception_handler(exc, context)
