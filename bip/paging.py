"""Pages of lists whose rows carry costly annotations (the caseload's subqueries per
citizen): the paging runs over the primary keys in the list's order, then only the
page's rows are read with their annotations. Without it PostgreSQL computes every
annotation for every row of the list before it sorts and cuts out the page, so the
time of one page grew with the length of the list (a job centre's citizens behind a
dashboard number at national scale).

The keys query returns the page's keys alone, with the list's length counted by the
same query (COUNT(*) OVER ()): the database still finds and sorts the whole list, but
no longer sends every key to Python to be counted and sliced there, which at 10,000
citizens behind a number cost as much as the query itself."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.paginator import InvalidPage, Page, Paginator
from django.db.models import Count, QuerySet, Window


def _number(number: Any) -> int:
    """The page asked for as Paginator.get_page reads it: not a whole number is the
    first page; 0 or below, like a number past the end, the last (see page_of)."""
    try:
        return int(number)
    except (TypeError, ValueError):
        return 1


def _keys(qs: QuerySet[Any], number: int, per_page: int) -> tuple[list[Any], int]:
    """The keys of page `number` in the list's order and the list's length; no keys
    and 0 when the page lies past the end."""
    start = (number - 1) * per_page
    found = list(
        qs.annotate(_paging_total=Window(Count("*"))).values_list(
            "pk", "_paging_total"
        )[start : start + per_page]
    )
    return [pk for pk, _total in found], (found[0][1] if found else 0)


def page_of(
    qs: QuerySet[Any],
    number: Any,
    per_page: int,
    rows: Callable[[list[Any]], QuerySet[Any]] | None = None,
) -> Page:
    """The page `number` of `qs` (as Paginator.get_page takes it: a page past the
    end, or below 1, is the last), its object_list the page's rows in the order of `qs`: read
    from `qs` itself, or from `rows(keys)` where a cheaper query gives the same rows
    for known keys (without a filter that only chose them). Two queries, as a plain
    Paginator: the page's keys with the list's length, then the page's rows (a page
    past the end costs a count and the last page's keys more)."""
    wanted = _number(number)
    keys, total = _keys(qs, wanted, per_page) if wanted >= 1 else ([], 0)
    if not keys and wanted != 1:
        total = qs.count()
        wanted = max(1, -(-total // per_page))
        keys, total = _keys(qs, wanted, per_page) if total else ([], 0)
    paginator = Paginator(range(total), per_page)
    try:
        page = paginator.page(wanted)
    except InvalidPage:  # the list changed between the queries: its first page
        page = paginator.page(1)
        keys = []
    if not keys:
        page.object_list = []
        return page
    read = rows(keys) if rows is not None else qs.order_by().filter(pk__in=keys)
    found = {row.pk: row for row in read}
    page.object_list = [found[pk] for pk in keys if pk in found]
    return page
