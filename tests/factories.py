from __future__ import annotations

import random
from datetime import date

import factory

from bip.accounts.models import Membership, Municipality, Role, Team, Unit, User
from citizens import cpr
from citizens.models import Citizen

_rng = random.Random(20261126)  # fixed seed: the same CPR numbers every run


def make_cpr_digits(born: date | None = None) -> str:
    """A syntactically valid CPR (modulus 11) with a matching century digit."""
    born = born or date(
        1980 + _rng.randrange(20), 1 + _rng.randrange(12), 1 + _rng.randrange(28)
    )
    while True:
        first = "0123" if born.year < 2000 else "4"
        serial = _rng.choice(first) + f"{_rng.randrange(1000):03d}"
        digits = f"{born:%d%m%y}{serial}"
        if cpr.modulus11_ok(digits):
            return digits


class MunicipalityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Municipality

    code = factory.Sequence(lambda n: f"{900 + n:04d}")
    name = factory.Sequence(lambda n: f"Testkommune {n}")


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit

    municipality = factory.SubFactory(MunicipalityFactory)
    name = factory.Sequence(lambda n: f"Jobcenter {n}")


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    unit = factory.SubFactory(UnitFactory)
    municipality = factory.SelfAttribute("unit.municipality")
    name = factory.Sequence(lambda n: f"Team {n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name", locale="da_DK")
    last_name = factory.Faker("last_name", locale="da_DK")
    password = factory.django.Password("correct-horse-battery")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    role = Role.CASEWORKER
    team = factory.SubFactory(TeamFactory)
    municipality = factory.LazyAttribute(
        lambda m: m.team.municipality if m.team else m.unit.municipality
    )
    unit = None
    valid_from = date(2020, 1, 1)


class CitizenFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Citizen

    municipality = factory.LazyAttribute(lambda c: c.team.municipality)
    team = factory.SubFactory(TeamFactory)
    caseworker = None

    @classmethod
    def _create(
        cls, model_class: type[Citizen], *args: object, **kwargs: object
    ) -> Citizen:
        """With a case worker: enrolled through the real service (enrolment and
        assignment history); without one, a bare citizen row."""
        digits = kwargs.pop("cpr", None) or make_cpr_digits()
        name = kwargs.pop("name", None) or f"Borger {_rng.randrange(10**6)}"
        start = kwargs.pop("enrolment_start", None) or date(2025, 1, 6)
        if kwargs.get("caseworker") is not None:
            from citizens.models import TargetGroup
            from citizens.services import citizen_create

            return citizen_create(
                municipality_id=kwargs["team"].municipality_id,
                cpr_number=str(digits),
                name=str(name),
                team=kwargs["team"],
                caseworker=kwargs["caseworker"],
                target_group=TargetGroup.objects.get(code="kontant_aktivitetsparat"),
                enrolment_start=start,
                by=kwargs["caseworker"],
            ).citizen
        citizen = model_class(**kwargs)
        citizen.set_cpr(cpr.parse(str(digits)))
        citizen.set_name(str(name))
        citizen.save()
        return citizen
