from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from bip.accounts.models import Membership, Role, Team, User
from measurements.synthetic.cohort import generate
from measurements.synthetic.writer import write_cohort


class Command(BaseCommand):
    help = (
        "Write a synthetic cohort with known true coefficients into one team of a "
        "municipality (citizens, spells, case-worker changes, rounds, answers, job "
        "outcomes), through the product's tables in bulk. For model checks and demos; "
        "never run it against real data."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--team", required=True, help="team id")
        parser.add_argument("--citizens", type=int, default=200)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--random-effect-sd", type=float, default=0.0)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            team = Team.objects.get(pk=options["team"])
        except Team.DoesNotExist:
            raise CommandError("No such team.") from None
        workers = list(
            User.objects.filter(
                memberships__in=Membership.objects.current(timezone.localdate()).filter(
                    team=team, role=Role.CASEWORKER
                )
            ).distinct()
        )
        if not workers:
            raise CommandError("The team has no case workers.")
        cohort = generate(
            n_citizens=options["citizens"],
            seed=options["seed"],
            random_effect_sd=options["random_effect_sd"],
        )
        ids = write_cohort(cohort, team=team, caseworkers=workers, seed=options["seed"])
        self.stdout.write(
            f"Wrote {len(ids)} citizens, {len(cohort.panel)} rounds and {int(cohort.panel['event'].sum())} job starts."
        )
