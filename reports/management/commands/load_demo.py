from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from reports.demo import DEMO_PASSWORD, dashboards_demo, load_demo, score_demo


class Command(BaseCommand):
    help = (
        "Load synthetic demo data (a demo municipality with a user per role and a "
        "second small municipality). Does nothing if it is already loaded."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--citizens-per-team", type=int, default=75)
        parser.add_argument(
            "--cohort-citizens",
            type=int,
            default=1500,
            help="synthetic citizens in a team of their own, enough for a local model fit (0: none)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        result = load_demo(
            citizens_per_team=options["citizens_per_team"],
            cohort_citizens=options["cohort_citizens"],
        )
        if result.created:
            self.stdout.write(f"Demo data loaded: {result.citizens} citizens.")
        else:
            self.stdout.write("Demo data was already loaded.")
        scored = score_demo()
        if scored:
            self.stdout.write(f"Scores computed for {scored} rounds.")
        refreshed = dashboards_demo()
        if refreshed:
            self.stdout.write(f"Dashboards computed ({refreshed} refreshes).")
        self.stdout.write(f"\nDemo logins (password for all: {DEMO_PASSWORD}):")
        seen = set()
        for login in result.logins:
            if login.username in seen:
                continue
            seen.add(login.username)
            self.stdout.write(f"  {login.username:<24} {login.role:<18} {login.where}")
