"""Pages of lists whose rows carry costly annotations (the caseload's subqueries per
citizen): the paging runs over the primary keys in the list's order, then only the
page's rows are read with their annotations. Without it PostgreSQL computes every
annotation for every row of the list before it sorts and cuts out the page, so the
time of one page grew with the length of the list (a job centre's citizens behind a
dashboard number at national scale)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet


def page_of(
    qs: QuerySet[Any],
    number: Any,
    per_page: int,
    rows: Callable[[list[Any]], QuerySet[Any]] | None = None,
) -> Page:
    """The page `number` of `qs` (as Paginator.get_page takes it), its object_list
    the page's rows in the order of `qs`: read from `qs` itself, or from `rows(keys)`
    where a cheaper query gives the same rows for known keys (without a filter that
    only chose them). Two queries, as a plain Paginator: every key in order (the
    count is their number: the list's filter runs once, not once to count and once
    more for the page), then the page's rows."""
    every = list(qs.values_list("pk", flat=True))
    page = Paginator(every, per_page).get_page(number)
    keys = list(page.object_list)
    if not keys:
        page.object_list = []
        return page
    read = rows(keys) if rows is not None else qs.order_by().filter(pk__in=keys)
    found = {row.pk: row for row in read}
    page.object_list = [found[pk] for pk in keys if pk in found]
    return page
