"""View helpers for the access rules: 404 for objects out of scope, 403 for pages a
role may not use, each denial in the audit log."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponse

from bip.accounts.scoping import Scope, scope_for
from bip.audit.services import record_denial

M = TypeVar("M", bound=Model)
View = Callable[..., HttpResponse]


def get_scoped_or_404(request: HttpRequest, queryset: QuerySet[M], pk: Any) -> M:
    try:
        return queryset.get(pk=pk)
    except (ObjectDoesNotExist, ValueError, TypeError):
        record_denial(
            actor=request.user,
            object_type=queryset.model._meta.model_name or "",
            object_id=str(pk)[:64],
        )
        raise Http404 from None


def require_role(request: HttpRequest, test: Callable[[Scope], bool]) -> None:
    """403, with the denial in the audit log, unless the user's scope passes `test`."""
    if test(scope_for(request.user)):
        return
    record_denial(
        actor=request.user,
        object_type="page",
        object_id=(request.resolver_match.view_name if request.resolver_match else "")[
            :64
        ],
    )
    raise PermissionDenied


def role_required(test: Callable[[Scope], bool]) -> Callable[[View], View]:
    def decorator(view: View) -> View:
        @login_required
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            require_role(request, test)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def is_municipal_admin(scope: Scope) -> bool:
    return scope.is_municipal_admin


def is_system_admin(scope: Scope) -> bool:
    return scope.is_system_admin


def sees_people(scope: Scope) -> bool:
    return scope.sees_people


def is_team_leader(scope: Scope) -> bool:
    return scope.is_team_leader


def sees_statistics(scope: Scope) -> bool:
    return scope.is_analyst or scope.is_municipal_admin
