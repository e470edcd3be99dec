from __future__ import annotations

from datetime import date

import pytest

from tests.factories import CitizenFactory


@pytest.fixture
def person(world, caseworker):
    """A citizen enrolled on 1 January 2024, born 1 January 1990."""
    return CitizenFactory(
        team=world.team,
        caseworker=caseworker,
        enrolment_start=date(2024, 1, 1),
        cpr="0101901234",
    )
