from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from bip.accounts.models import Membership, Role, ScopeGrant
from bip.accounts.scoping import scope_for
from citizens.selectors import citizen_list
from tests.factories import CitizenFactory

pytestmark = pytest.mark.django_db


def ids(viewer, action="read"):
    return set(citizen_list(viewer=viewer, action=action).values_list("pk", flat=True))


def test_caseworker_reads_team_and_writes_own_caseload(
    caseworker, teammate, citizen, other_citizen, world
):
    teammates_citizen = CitizenFactory(team=world.team, caseworker=teammate)
    assert ids(caseworker) == {citizen.pk, teammates_citizen.pk}
    assert ids(caseworker, "write") == {citizen.pk}
    assert ids(teammate, "write") == {teammates_citizen.pk}
    assert other_citizen.pk not in ids(caseworker)


def test_team_leader_reads_and_writes_led_teams_only(
    team_leader, citizen, other_citizen
):
    assert ids(team_leader) == {citizen.pk}
    assert ids(team_leader, "write") == {citizen.pk}


def test_admin_sees_whole_municipality_but_never_another(
    municipal_admin, other_municipality_admin, citizen, other_citizen, world
):
    foreign = CitizenFactory(team__unit__municipality=world.other_municipality)
    assert ids(municipal_admin) == {citizen.pk, other_citizen.pk}
    assert ids(municipal_admin, "write") == {citizen.pk, other_citizen.pk}
    assert ids(other_municipality_admin) == {foreign.pk}


def test_analyst_and_system_admin_see_no_person(analyst, system_admin, citizen):
    assert ids(analyst) == set()
    assert ids(system_admin) == set()


def test_scope_grant_gives_access_until_it_expires(
    other_team_caseworker, citizen, municipal_admin, world
):
    assert citizen.pk not in ids(other_team_caseworker)
    ScopeGrant.objects.create(
        user=other_team_caseworker,
        municipality=world.municipality,
        citizen_id=citizen.pk,
        until=timezone.now() + timedelta(days=2),
        reason="Cover while colleague is ill",
        granted_by=municipal_admin,
    )
    assert citizen.pk in ids(other_team_caseworker)
    assert citizen.pk in ids(other_team_caseworker, "write")
    with time_machine.travel(timezone.now() + timedelta(days=3)):
        fresh = type(other_team_caseworker).objects.get(pk=other_team_caseworker.pk)
        assert citizen.pk not in ids(fresh)


def test_expired_membership_gives_nothing(caseworker, citizen):
    m = caseworker.memberships.get()
    m.valid_to = timezone.localdate() - timedelta(days=1)
    m.valid_from = m.valid_to - timedelta(days=30)
    m.save()
    fresh = type(caseworker).objects.get(pk=caseworker.pk)
    assert ids(fresh) == set()


def test_inactive_user_sees_nothing(caseworker, citizen):
    caseworker.is_active = False
    assert ids(caseworker) == set()


def grant(user, citizen, municipality, by):
    return ScopeGrant.objects.create(
        user=user,
        municipality=municipality,
        citizen_id=citizen.pk,
        until=timezone.now() + timedelta(days=2),
        reason="Cover",
        granted_by=by,
    )


def test_a_grant_is_for_its_user_only(
    other_team_caseworker, teammate, citizen, municipal_admin, world
):
    grant(other_team_caseworker, citizen, world.municipality, municipal_admin)
    third = CitizenFactory(team=world.other_team)
    assert third.pk not in ids(teammate)
    assert ids(other_team_caseworker) >= {citizen.pk}
    # the teammate's scope holds no one else's grant
    assert scope_for(teammate).granted_citizen_ids == frozenset()


def test_a_grant_counts_in_its_own_municipality_only(
    other_team_caseworker, citizen, municipal_admin, world
):
    grant(other_team_caseworker, citizen, world.other_municipality, municipal_admin)
    scope = scope_for(other_team_caseworker, world.municipality.pk)
    assert scope.granted_citizen_ids == frozenset()


def test_a_team_leader_keeps_a_grant_outside_the_led_teams(
    team_leader, other_citizen, municipal_admin, world
):
    grant(team_leader, other_citizen, world.municipality, municipal_admin)
    assert other_citizen.pk in ids(team_leader)
    assert other_citizen.pk in ids(team_leader, "write")


def test_a_team_leader_leads_the_unit_of_the_led_team(team_leader, world):
    scope = scope_for(team_leader)
    assert scope.led_team_ids == frozenset({world.team.pk})
    assert scope.led_unit_ids == frozenset({world.unit.pk})
    assert scope.team_ids == frozenset()


def test_the_system_admin_flag_comes_from_the_account(system_admin, caseworker):
    assert scope_for(system_admin).is_system_admin is True
    assert scope_for(caseworker).is_system_admin is False


def test_reading_follows_the_team_not_the_responsibility(caseworker, citizen, world):
    """A case worker who moved team reads the new team's citizens, not the old
    caseload they are still written down as responsible for."""
    old = caseworker.memberships.get()
    old.valid_to = timezone.localdate() - timedelta(days=1)
    old.save()
    Membership.objects.create(
        user=caseworker,
        municipality=world.municipality,
        team=world.other_team,
        role=Role.CASEWORKER,
        valid_from=old.valid_to + timedelta(days=1),
    )
    fresh = type(caseworker).objects.get(pk=caseworker.pk)
    assert citizen.caseworker_id == caseworker.pk
    assert citizen.pk not in ids(fresh)
