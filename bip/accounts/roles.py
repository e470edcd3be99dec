"""The role table (DESIGN section 2): what each role may do, and the pages each may
use. The navigation, the start page and every permission guard read it; nothing else
decides who may use a page.

A capability is a function of the viewer's scope (the union of their roles in the
active municipality). Pages name the capability they need; a guard names the same
capability (`bip.accounts.access.role_required`). Object-level access (which
citizen, which round) is the selectors' business (`bip.accounts.scoping`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from bip.accounts.scoping import Scope


class Can(StrEnum):
    PEOPLE = "people"  # citizens at person level: lists, pages, rounds, interventions
    LEAD = "lead"  # the team leader's pages
    ADMINISTER = "administer"  # the municipality's configuration and imports
    STATISTICS = "statistics"  # aggregates of the whole municipality
    PROGRESSION = "progression"  # progression by intervention mix and type
    CORRECT = "correct"  # correct a locked round
    SYSTEM = "system"  # the installation
    DASHBOARD = "dashboard"  # the dashboards of job centres and teams
    FIGURES = "figures"  # a case worker's dashboard (the selectors decide whose)
    OWN_FIGURES = "own_figures"  # a case worker's own dashboard
    QUARTERLY = "quarterly"  # a job centre's quarterly report (PDF)
    INTEGRATE = "integrate"  # an integration's token (the API's model versions)


def sees_people(scope: Scope) -> bool:
    return scope.sees_people


def leads_teams(scope: Scope) -> bool:
    return scope.is_team_leader


def administers(scope: Scope) -> bool:
    return scope.is_municipal_admin


def sees_statistics(scope: Scope) -> bool:
    return scope.is_analyst or scope.is_municipal_admin


def sees_progression(scope: Scope) -> bool:
    return scope.is_team_leader or scope.is_analyst or scope.is_municipal_admin


def corrects_rounds(scope: Scope) -> bool:
    return scope.is_team_leader or scope.is_municipal_admin


def runs_system(scope: Scope) -> bool:
    return scope.is_system_admin


def sees_dashboards(scope: Scope) -> bool:
    return scope.is_team_leader or scope.is_analyst or scope.is_municipal_admin


def sees_figures(scope: Scope) -> bool:
    return sees_dashboards(scope) or scope.is_caseworker


def sees_own_figures(scope: Scope) -> bool:
    return scope.is_caseworker


def prints_quarterly(scope: Scope) -> bool:
    return scope.is_team_leader or scope.is_municipal_admin


def integrates(scope: Scope) -> bool:
    return scope.is_integration


RULES: dict[Can, Callable[[Scope], bool]] = {
    Can.PEOPLE: sees_people,
    Can.LEAD: leads_teams,
    Can.ADMINISTER: administers,
    Can.STATISTICS: sees_statistics,
    Can.PROGRESSION: sees_progression,
    Can.CORRECT: corrects_rounds,
    Can.SYSTEM: runs_system,
    Can.DASHBOARD: sees_dashboards,
    Can.FIGURES: sees_figures,
    Can.OWN_FIGURES: sees_own_figures,
    Can.QUARTERLY: prints_quarterly,
    Can.INTEGRATE: integrates,
}


def can(scope: Scope, capability: Can) -> bool:
    return RULES[capability](scope)


ADMINISTRATION = _("Administration")


@dataclass(frozen=True)
class Page:
    """A page in the navigation. `menu` groups pages under one label; `start` orders
    the pages a user may land on after signing in (lowest first)."""

    url_name: str
    label: Promise
    needs: Can
    menu: Promise | None = None
    start: int | None = None


PAGES: tuple[Page, ...] = (
    # a case worker's caseload, a team leader's teams, an admin's whole municipality
    Page("citizens:caseload", _("Citizens"), Can.PEOPLE, start=4),
    Page("reports:dashboard", _("Dashboard"), Can.DASHBOARD, start=3),
    Page("reports:dashboard_mine", _("My figures"), Can.OWN_FIGURES),
    Page("reports:team", _("My teams"), Can.LEAD),
    Page(
        "accounts:municipality",
        _("Units and teams"),
        Can.ADMINISTER,
        menu=ADMINISTRATION,
        start=1,
    ),
    Page("instrument:list", _("Questionnaire"), Can.ADMINISTER, menu=ADMINISTRATION),
    Page(
        "interventions:catalogue",
        _("Interventions"),
        Can.ADMINISTER,
        menu=ADMINISTRATION,
    ),
    Page("imports:list", _("Imports"), Can.ADMINISTER, menu=ADMINISTRATION),
    Page("models:list", _("Models"), Can.ADMINISTER, menu=ADMINISTRATION),
    Page("audit:search", _("Audit log"), Can.ADMINISTER, menu=ADMINISTRATION),
    Page("integrations:list", _("Integrations"), Can.ADMINISTER, menu=ADMINISTRATION),
    Page("reports:overview", _("Statistics"), Can.STATISTICS, start=2),
    Page("reports:associations", _("Progression"), Can.PROGRESSION),
    Page("reports:exports", _("Exports"), Can.STATISTICS),
    Page("accounts:system", _("System"), Can.SYSTEM, start=5),
)


def pages_for(scope: Scope) -> list[Page]:
    """The pages the scope may use, in the navigation's order."""
    return [p for p in PAGES if can(scope, p.needs)]


def start_page(scope: Scope) -> Page | None:
    """Where a user lands after signing in: the first of their pages by `start`."""
    starts = [p for p in pages_for(scope) if p.start is not None]
    return min(starts, key=lambda p: p.start or 0, default=None)
