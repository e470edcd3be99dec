"""Organisation, users, memberships and scope grants (DESIGN sections 1 and 2)."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from knox.models import AbstractAuthToken
from knox.settings import CONSTANTS

from bip.models import TimeStampedModel


class User(AbstractUser):  # type: ignore[django-manager-missing]
    """Deactivated, never deleted: every foreign key to a user is PROTECT.

    A user with `is_integration` is the identity of an integration account: its API
    tokens act and are audited as it, and it never signs in (DESIGN section 2).
    """

    is_integration = models.BooleanField(
        _("integration"), default=False, editable=False
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.get_full_name() or self.username


class Municipality(TimeStampedModel):  # type: ignore[django-manager-missing]
    code = models.CharField(_("municipality code"), max_length=4, unique=True)
    name = models.CharField(_("name"), max_length=100)
    # The 2026 reform removes the legal term "jobcenter": the unit name is configurable.
    unit_label = models.CharField(
        _("name of a unit"), max_length=50, default="Jobcenter"
    )
    round_interval_days = models.PositiveSmallIntegerField(
        _("days between rounds"), default=91
    )
    round_lock_days = models.PositiveSmallIntegerField(
        _("days before a round is locked"), default=30
    )
    outcomes_known_until = models.DateField(
        _("register outcomes complete until"), null=True, blank=True
    )

    class Meta:
        verbose_name = _("municipality")
        verbose_name_plural = _("municipalities")

    def __str__(self) -> str:
        return self.name


class Unit(TimeStampedModel):
    """A job centre or department."""

    municipality = models.ForeignKey(
        Municipality, on_delete=models.PROTECT, related_name="units"
    )
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "name"], name="unit_name_unique"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Team(TimeStampedModel):
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="teams")
    # Copied from the unit so scoping filters on one column.
    municipality = models.ForeignKey(
        Municipality, on_delete=models.PROTECT, related_name="teams"
    )
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        constraints = [
            models.UniqueConstraint(fields=["unit", "name"], name="team_name_unique")
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: object, **kwargs: object) -> None:
        self.municipality_id = self.unit.municipality_id
        super().save(*args, **kwargs)  # type: ignore[arg-type]


class Role(models.TextChoices):
    CASEWORKER = "caseworker", _("Case worker")
    TEAM_LEADER = "team_leader", _("Team leader")
    MUNICIPAL_ADMIN = "municipal_admin", _("Municipal admin")
    ANALYST = "analyst", _("Analyst")
    # An integration account's scope (DESIGN section 2): the whole municipality, or one
    # unit when the membership names it. Held only by integration users.
    INTEGRATION_READ = "integration_read", _("Integration (read only)")
    INTEGRATION_WRITE = "integration_write", _("Integration (read and write)")
    # A researcher's or a statistics system's account: what an analyst has (aggregates,
    # suppressed; pseudonymised exports), never a citizen at person level.
    INTEGRATION_RESEARCH = (
        "integration_research",
        _("Integration (pseudonymised research data)"),
    )


TEAM_ROLES = (Role.CASEWORKER, Role.TEAM_LEADER)
INTEGRATION_ROLES = (
    Role.INTEGRATION_READ,
    Role.INTEGRATION_WRITE,
    Role.INTEGRATION_RESEARCH,
)
# the integrations that read (and may write) citizens at person level
PERSON_LEVEL_INTEGRATION_ROLES = (Role.INTEGRATION_READ, Role.INTEGRATION_WRITE)
PERSON_ROLES = tuple(r for r in Role if r not in INTEGRATION_ROLES)


class MembershipQuerySet(models.QuerySet["Membership"]):
    def current(self, today: date) -> MembershipQuerySet:
        return self.filter(valid_from__lte=today).filter(
            Q(valid_to__isnull=True) | Q(valid_to__gte=today)
        )


class Membership(TimeStampedModel):
    """A role for a user in a municipality, on a team for team roles."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="memberships"
    )
    municipality = models.ForeignKey(
        Municipality, on_delete=models.PROTECT, related_name="memberships"
    )
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, null=True, blank=True)
    team = models.ForeignKey(Team, on_delete=models.PROTECT, null=True, blank=True)
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.CheckConstraint(
                condition=~Q(role__in=["caseworker", "team_leader"])
                | Q(team__isnull=False),
                name="membership_team_role_has_team",
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True)
                | Q(valid_to__gte=models.F("valid_from")),
                name="membership_valid_period",
            ),
            models.CheckConstraint(
                condition=~Q(
                    role__in=[
                        "integration_read",
                        "integration_write",
                        "integration_research",
                    ]
                )
                | Q(team__isnull=True),
                name="membership_integration_no_team",
            ),
        ]
        indexes = [
            models.Index(fields=["user", "valid_from"], name="membership_user_idx")
        ]

    def __str__(self) -> str:
        where = self.team or self.unit or self.municipality
        return f"{self.user} · {self.get_role_display()} · {where}"


class ScopeGrant(TimeStampedModel):
    """Time-limited read and write access to one citizen (cover for a colleague)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="scope_grants"
    )
    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT)
    # A plain id: the core knows no domain app; erasing a citizen removes its grants.
    citizen_id = models.BigIntegerField(db_index=True)
    until = models.DateTimeField(_("until"))
    reason = models.CharField(_("reason"), max_length=200)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("access grant")
        verbose_name_plural = _("access grants")
        indexes = [models.Index(fields=["user", "until"], name="scopegrant_user_idx")]

    def __str__(self) -> str:
        return f"{self.user} → citizen {self.citizen_id} until {self.until:%Y-%m-%d}"


class IntegrationAccount(TimeStampedModel):  # type: ignore[django-manager-missing]
    """A named system of one municipality that uses the API, made by its municipal
    admin in the product. Its user is the identity its tokens act as; what it may see
    is that user's membership (an integration role, and a unit or none), read by the
    same scoping functions as a person's."""

    municipality = models.ForeignKey(
        Municipality, on_delete=models.PROTECT, related_name="integrations"
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="integration"
    )
    name = models.CharField(_("name"), max_length=80)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    deactivated_at = models.DateTimeField(_("deactivated"), null=True, blank=True)
    deactivated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("integration")
        verbose_name_plural = _("integrations")
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "name"], name="integration_name_unique"
            )
        ]

    def __str__(self) -> str:
        return self.name


# knox's abstract model is untyped: the stubs' plugin cannot resolve the reverse
# managers ApiToken gives User, Municipality and IntegrationAccount (ignored there).
class ApiToken(AbstractAuthToken):
    """An integration's API token (knox; `KNOX_TOKEN_MODEL`). Only a SHA-512 digest of
    the secret is stored, with its first characters (`token_key`) to find it; the
    secret is shown once. Revoked and expired tokens are kept, refused, for the record.
    """

    # Not the primary key (as in knox): URLs and the audit log name a token by its id.
    digest = models.CharField(max_length=CONSTANTS.DIGEST_LENGTH, unique=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="auth_token_set",
    )
    expiry = models.DateTimeField(_("expires"))
    account = models.ForeignKey(
        IntegrationAccount, on_delete=models.PROTECT, related_name="tokens"
    )
    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.account} · {self.token_key}"

    @property
    def audit_label(self) -> str:
        """The token's own identity in the audit log: the integration, the token and
        who issued it."""
        # stored data, not a page: the same words whatever the reader's language
        return (
            f"integration {self.account.name} · token {self.token_key}"
            f" · by {self.created_by.get_username()}"
        )[:150]
