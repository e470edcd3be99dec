"""The one request flow of a form page: validate, call a service, show its refusal on
the form, or say what happened and redirect (POST/redirect/GET)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render


class DateInput(forms.DateInput):
    """The browser's date picker. Its value is ISO (yyyy-mm-dd) in every language: the
    browser drops any other format and shows the date in the user's own."""

    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%d")


def form_errors_from(exc: ValidationError, form: forms.Form) -> None:
    """A service's ValidationError shown on the form: by field where it names one."""
    if hasattr(exc, "error_dict"):
        for field_name, errors in exc.message_dict.items():
            form.add_error(field_name if field_name in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def form_submit(
    request: HttpRequest,
    form: forms.Form,
    save: Callable[[dict[str, Any]], Any],
    *,
    success: str,
    redirect_to: str,
) -> HttpResponse | None:
    """Run `save` on a valid POST; return the redirect, or None to render the form."""
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        result = save(form.cleaned_data)
    except ValidationError as exc:
        form_errors_from(exc, form)
        return None
    for warning in getattr(result, "warnings", []) or []:
        messages.warning(request, warning)
    messages.success(request, success)
    return HttpResponseRedirect(redirect_to)


def form_page(
    request: HttpRequest,
    form: forms.Form,
    save: Callable[[dict[str, Any]], Any],
    *,
    success: str,
    redirect_to: str,
    context: dict[str, Any],
    template: str = "form_page.html",
) -> HttpResponse:
    """A whole form page: the form flow above, else the form rendered."""

    done = form_submit(request, form, save, success=success, redirect_to=redirect_to)
    return done or render(request, template, {"form": form, **context})
