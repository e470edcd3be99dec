"""The access rules at the edge of a request: 403 for a page the role table does not
give the user, 404 for an object outside their scope (the same 404 as for an id that
does not exist), each denial in the audit log (DESIGN section 2)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponse

from bip.accounts.models import User
from bip.accounts.roles import Can, can
from bip.accounts.scoping import scope_for
from bip.audit.services import record_denial

M = TypeVar("M", bound=Model)


class AuthenticatedHttpRequest(HttpRequest):
    """A request behind login_required or role_required: its user is a User."""

    user: User


View = Callable[..., HttpResponse]


def scoped_get(queryset: QuerySet[M], pk: Any, *, viewer: User) -> M:
    """The object `pk` of a queryset already limited to the viewer's scope, else 404
    with the denial logged. Selectors call this; views call selectors."""
    try:
        return queryset.get(pk=pk)
    except (ObjectDoesNotExist, ValueError, TypeError):
        record_denial(
            actor=viewer,
            object_type=queryset.model._meta.model_name or "",
            object_id=str(pk)[:64],
        )
        raise Http404 from None


def require(request: HttpRequest, capability: Can) -> None:
    """403, with the denial in the audit log, unless the role table gives the user's
    scope the capability."""
    if can(scope_for(request.user), capability):
        return
    record_denial(
        actor=request.user,
        object_type="page",
        object_id=(request.resolver_match.view_name if request.resolver_match else "")[
            :64
        ],
    )
    raise PermissionDenied


def role_required(capability: Can) -> Callable[[View], View]:
    """A view for the users the role table gives `capability` (others: 403)."""

    def decorator(view: View) -> View:
        @login_required
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            require(request, capability)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
