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


@pytest.mark.parametrize(
    ("asked", "number", "names"),
    [
        ("9", 3, ["Borger 6"]),  # past the end: the last page, as get_page gives it
        ("0", 3, ["Borger 6"]),  # below 1: the last page too
        ("two", 1, ["Borger 0", "Borger 1", "Borger 2"]),
        (None, 1, ["Borger 0", "Borger 1", "Borger 2"]),
    ],
)
def test_a_page_number_is_read_as_the_plain_paginator_reads_it(
    world, caseworker, asked, number, names
):
    for i in range(7):
        CitizenFactory(team=world.team, caseworker=caseworker, name=f"Borger {6 - i}")
    expected = Paginator(annotated(), 3).get_page(asked)
    page = page_of(annotated(), asked, 3)
    assert (page.number, expected.number) == (number, number)
    assert [c.name for c in page.object_list] == names
    assert [c.pk for c in page.object_list] == [c.pk for c in expected.object_list]
    assert (page.paginator.count, page.paginator.num_pages) == (7, 3)


def test_the_page_keys_and_the_count_come_from_one_query(world, caseworker):
    """The database counts the list and cuts out the page: Python gets the page's
    keys only, not every key of a list of thousands."""
    for i in range(7):
        CitizenFactory(team=world.team, caseworker=caseworker, name=f"Borger {i}")
    with CaptureQueriesContext(connection) as ctx:
        page = page_of(annotated(), "2", 3)
    assert len(ctx.captured_queries) == 2  # the keys with the count, the rows
    keys = ctx.captured_queries[0]["sql"]
    assert "OVER ()" in keys
    assert "LIMIT 3 OFFSET 3" in keys
    assert page.paginator.count == 7


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
