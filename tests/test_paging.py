"""Pages of lists with costly annotations (bip/paging.py): the page holds the rows a
plain Paginator gives, in the same order, but the annotated query reads only the
page's rows; and the caseload and the dashboards' drill-down page that way."""

from __future__ import annotations

import re
from http import HTTPStatus

import pytest
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import OuterRef, Subquery
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bip.paging import page_of
from citizens.models import Citizen, Enrolment
from tests.factories import CitizenFactory

pytestmark = [pytest.mark.django_db, pytest.mark.timeout(120)]


def annotated():
    start = Enrolment.objects.filter(citizen=OuterRef("pk")).values("start")[:1]
    return Citizen.objects.annotate(spell_start=Subquery(start)).order_by(
        "name_search", "pk"
    )


def keys_in(sql: str) -> set[int]:
    """The ids of the `"citizens_citizen"."id" IN (...)` condition of a query."""
    found = re.search(r'"citizens_citizen"\."id" IN \(([\d, ]+)\)', sql)
    return {int(k) for k in found.group(1).split(", ")} if found else set()


def test_a_page_is_the_plain_paginators_page_with_annotations_for_it_alone(
    world, caseworker
):
    for i in range(7):
        CitizenFactory(team=world.team, caseworker=caseworker, name=f"Borger {6 - i}")
    expected = list(Paginator(annotated(), 3).get_page(2).object_list)
    with CaptureQueriesContext(connection) as ctx:
        page = page_of(annotated(), "2", 3)
    assert [c.pk for c in page.object_list] == [c.pk for c in expected]
    assert [c.name for c in page.object_list] == ["Borger 3", "Borger 4", "Borger 5"]
    assert [c.spell_start for c in page.object_list] == [
        c.spell_start for c in expected
    ]
    assert (page.number, page.paginator.num_pages, page.paginator.count) == (2, 3, 7)
    (read,) = [q["sql"] for q in ctx.captured_queries if "spell_start" in q["sql"]]
    assert keys_in(read) == {c.pk for c in expected}


def test_an_empty_list_gives_an_empty_page(world):
    page = page_of(annotated(), "1", 3)
    assert (list(page.object_list), page.paginator.count) == ([], 0)


def test_the_caseload_computes_its_figures_for_the_page_only(client, world, caseworker):
    mine = [CitizenFactory(team=world.team, caseworker=caseworker) for _ in range(55)]
    client.force_login(caseworker)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("citizens:caseload"), {"page": "2"})
    assert response.status_code == HTTPStatus.OK
    (read,) = [q["sql"] for q in ctx.captured_queries if '"p12"' in q["sql"]]
    shown = keys_in(read)
    assert len(shown) == 5  # 55 citizens, 50 a page
    assert shown <= {c.pk for c in mine}
