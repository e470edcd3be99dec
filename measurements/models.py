"""Instrument versions, measurement rounds, responses and answers (DESIGN section 1)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from bip.models import TimeStampedModel
from measurements.indicators import CHOICES as INDICATOR_CHOICES


class Respondent(models.TextChoices):
    CITIZEN = "citizen", _("Citizen")
    CASEWORKER = "caseworker", _("Case worker")


class InstrumentVersion(TimeStampedModel):
    """Immutable once published; a municipality copies the global "BIP 11" to make its own."""

    municipality = models.ForeignKey(
        "accounts.Municipality", on_delete=models.PROTECT, null=True, blank=True
    )
    name = models.CharField(_("name"), max_length=100)
    number = models.PositiveSmallIntegerField(_("version"))
    based_on = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True
    )
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True
    )
    note = models.TextField(_("what changed"), blank=True)

    class Meta:
        verbose_name = _("instrument version")
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "number"], name="instrument_number_unique"
            ),
            # PostgreSQL treats NULLs as distinct: the global versions need their own
            models.UniqueConstraint(
                fields=["number"],
                condition=Q(municipality__isnull=True),
                name="instrument_global_number_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.number}"

    @property
    def is_published(self) -> bool:
        return self.published_at is not None


class Question(TimeStampedModel):
    version = models.ForeignKey(
        InstrumentVersion, on_delete=models.PROTECT, related_name="questions"
    )
    code = models.SlugField(_("code"), max_length=60)
    indicator = models.CharField(
        _("indicator"), max_length=40, choices=INDICATOR_CHOICES, blank=True
    )  # blank: a local question that feeds no indicator
    respondent = models.CharField(
        _("respondent"), max_length=12, choices=Respondent.choices
    )
    order = models.PositiveSmallIntegerField(_("order"))

    class Meta:
        verbose_name = _("question")
        constraints = [
            models.UniqueConstraint(
                fields=["version", "code"], name="question_code_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.version} · {self.code}"


class QuestionText(models.Model):
    question = models.ForeignKey(
        Question, on_delete=models.PROTECT, related_name="texts"
    )
    language = models.CharField(_("language"), max_length=8)
    text = models.TextField(_("question"))
    low_label = models.CharField(_("label for 1"), max_length=80)
    high_label = models.CharField(_("label for 5"), max_length=80)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["question", "language"], name="questiontext_language_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.question.code} [{self.language}]"


class Round(TimeStampedModel):
    class State(models.TextChoices):
        OPEN = "open", _("In progress")
        COMPLETE = "complete", _("Complete")

    enrolment = models.ForeignKey(
        "citizens.Enrolment", on_delete=models.PROTECT, related_name="rounds"
    )
    municipality = models.ForeignKey("accounts.Municipality", on_delete=models.PROTECT)
    instrument_version = models.ForeignKey(InstrumentVersion, on_delete=models.PROTECT)
    state = models.CharField(max_length=12, choices=State.choices, default=State.OPEN)
    # The date of the case worker's part; set when it is submitted.
    round_date = models.DateField(_("date"), null=True, blank=True)
    # Snapshots taken when the case worker's part is submitted ("at the time").
    team = models.ForeignKey(
        "accounts.Team", on_delete=models.PROTECT, null=True, blank=True
    )
    caseworker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    target_group = models.ForeignKey(
        "citizens.TargetGroup", on_delete=models.PROTECT, null=True, blank=True
    )
    lock_version = models.PositiveIntegerField(default=0)
    both_in_on = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("measurement round")
        constraints = [
            models.UniqueConstraint(
                fields=["enrolment"],
                condition=Q(state="open"),
                name="round_one_open_per_enrolment",
            ),
            models.CheckConstraint(
                condition=Q(state="open") | Q(round_date__isnull=False),
                name="round_complete_has_date",
            ),
        ]
        indexes = [
            # the caseload's "last complete round" and the due-date annotation
            models.Index(
                fields=["enrolment", "state", "round_date"], name="round_due_idx"
            ),
            models.Index(
                fields=["municipality", "round_date"], name="round_muni_date_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"round {self.pk} ({self.round_date or self.state})"

    def lock_starts_on(self, link_expiry: date | None) -> date | None:
        """The lock counts from the day both parts are in, or the citizen link expired,
        whichever is first; with no link and no citizen part, from the round date."""
        candidates = [d for d in (self.both_in_on, link_expiry) if d is not None]
        if candidates:
            return min(candidates)
        return self.round_date

    def is_locked(
        self, *, today: date, lock_days: int, link_expiry: date | None
    ) -> bool:
        if self.state != self.State.COMPLETE:
            return False
        start = self.lock_starts_on(link_expiry)
        return start is not None and today > start + timedelta(days=lock_days)


class Response(TimeStampedModel):
    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")

    class Channel(models.TextChoices):
        SCREEN = "screen", _("On screen with the case worker")
        LINK = "link", _("Personal link")
        IMPORT = "import", _("Imported")

    round = models.ForeignKey(Round, on_delete=models.PROTECT, related_name="responses")
    respondent = models.CharField(max_length=12, choices=Respondent.choices)
    state = models.CharField(max_length=12, choices=State.choices, default=State.DRAFT)
    channel = models.CharField(
        max_length=12, choices=Channel.choices, default=Channel.SCREEN
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["round", "respondent"], name="response_one_per_respondent"
            )
        ]

    def __str__(self) -> str:
        return f"{self.round} · {self.respondent}"


class MissingReason(models.TextChoices):
    DECLINED = "declined", _("Did not want to answer")
    DONT_KNOW = "dont_know", _("Does not know")
    NOT_RELEVANT = "not_relevant", _("Not relevant")
    NOT_ASKED = "not_asked", _("Not asked")


class AnswerQuerySet(models.QuerySet["Answer"]):
    def current(self) -> AnswerQuerySet:
        """The answers in force: corrections keep the old revisions, superseded."""
        return self.filter(superseded_at__isnull=True)


class Answer(models.Model):
    """1-5, or explicitly not answered with a reason (never 0). Corrections after the
    lock add a revision: the old row gets superseded_at, the new one the reason."""

    response = models.ForeignKey(
        Response, on_delete=models.PROTECT, related_name="answers"
    )
    question = models.ForeignKey(Question, on_delete=models.PROTECT)
    value = models.PositiveSmallIntegerField(null=True, blank=True)
    missing_reason = models.CharField(
        max_length=20, choices=MissingReason.choices, blank=True
    )
    answered_at = models.DateTimeField(auto_now_add=True)
    superseded_at = models.DateTimeField(null=True, blank=True)
    correction_reason = models.CharField(max_length=300, blank=True)
    corrected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True
    )

    objects = AnswerQuerySet.as_manager()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(value__isnull=False)
                    & Q(value__gte=1)
                    & Q(value__lte=5)
                    & Q(missing_reason="")
                )
                | (Q(value__isnull=True) & ~Q(missing_reason="")),
                name="answer_value_or_reason",
            ),
            models.UniqueConstraint(
                fields=["response", "question"],
                condition=Q(superseded_at__isnull=True),
                name="answer_one_current_per_question",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.question.code}={self.value or self.missing_reason}"


class CitizenLinkQuerySet(models.QuerySet["CitizenLink"]):
    def usable(self, now: datetime) -> CitizenLinkQuerySet:
        """Links that may still be answered: not submitted, not replaced, not
        expired. The claim, the look-up and the round page all ask here."""
        return self.filter(
            submitted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now
        )


class CitizenLink(TimeStampedModel):
    """A one-time, expiring personal link to the citizen's part of one round. Only the
    token's hash is stored; the token never reaches a log."""

    round = models.ForeignKey(Round, on_delete=models.PROTECT, related_name="links")
    token_hash = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField()
    opened_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    objects = CitizenLinkQuerySet.as_manager()

    class Meta:
        verbose_name = _("citizen link")

    def __str__(self) -> str:
        return f"link {self.pk} for {self.round}"

    def is_usable(self, now: datetime) -> bool:
        """The same test as CitizenLinkQuerySet.usable, on a row already read."""
        return not (self.submitted_at or self.revoked_at) and self.expires_at > now


class ModelVersion(TimeStampedModel):
    """A job-probability model: the shipped reference (municipality NULL), a
    recalibrated reference or a local fit. One active per municipality; scores name
    the version that made them."""

    class Kind(models.TextChoices):
        REFERENCE = "reference", _("Reference model (published BIP effects)")
        RECALIBRATED = "recalibrated", _("Recalibrated reference model")
        LOCAL = "local", _("Local model fitted on this municipality's data")

    class Validation(models.TextChoices):
        CITIZENS = "citizens", _("Held-out citizens")
        TEMPORAL = "temporal", _("Later rounds (temporal)")

    municipality = models.ForeignKey(
        "accounts.Municipality", on_delete=models.PROTECT, null=True, blank=True
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    coefficients = models.JSONField(default=dict)
    estimates = models.JSONField(default=dict)  # name -> {"estimate", "se"} (log-odds)
    metrics = models.JSONField(
        default=dict
    )  # held-out validation, and the reference's on the same rows
    absent_features = models.JSONField(default=list)
    # {"names": [...], "matrix": [[...]]}: the clustered covariance of the estimates,
    # for intervals of derived quantities (what to work on)
    covariance = models.JSONField(default=dict)
    reference_group = models.CharField(max_length=40, blank=True)
    # the levels of time, age and target group the fit estimated, merged and left
    # out, and each factor's reference (fitting/levels.py); {} before they were stored
    levels = models.JSONField(default=dict)
    # how the version was validated; blank for the shipped reference and for
    # versions fitted before the choice existed (held-out citizens, `split_seed`)
    validation = models.CharField(max_length=16, choices=Validation.choices, blank=True)
    split_seed = models.PositiveIntegerField(null=True, blank=True)
    holdout_fraction = models.FloatField(null=True, blank=True)
    validation_cutoff = models.DateField(null=True, blank=True)
    # the validation fit (on the training rows): its rows, events, dates, estimates
    # and levels. The version's own coefficients are the final refit on all rows.
    validation_fit = models.JSONField(default=dict)
    n_rows = models.PositiveIntegerField(default=0)
    n_events = models.PositiveIntegerField(default=0)
    trained_at = models.DateTimeField(null=True, blank=True)
    active = models.BooleanField(default=False)
    job = models.ForeignKey(
        "jobs.Job", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # the recompute of every round started by the latest activation (progress bar)
    recompute_job = models.ForeignKey(
        "jobs.Job", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("model version")
        constraints = [
            models.UniqueConstraint(
                fields=["municipality"],
                condition=Q(active=True),
                name="modelversion_one_active",
            ),
            # PostgreSQL treats NULLs as distinct: the global reference needs its own
            models.UniqueConstraint(
                fields=["active"],
                condition=Q(active=True) & Q(municipality__isnull=True),
                name="modelversion_one_active_global",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"


class ProgressionClass(models.TextChoices):
    PROGRESS = "progress", pgettext_lazy("progression class", "Progress")
    STANDSTILL = "standstill", pgettext_lazy("progression class", "Standstill")
    REGRESSION = "regression", pgettext_lazy("progression class", "Regression")


class Score(models.Model):
    """A round's job-probability score under one model version (DESIGN section 1).

    `inputs_hash` names the revision of everything the score was computed from (the
    round's answers and placement, the previous round's and the baseline's answers,
    the class threshold), so a correction gives a new row and the old one is kept,
    superseded. Scores of an earlier model version stay after an activation."""

    municipality = models.ForeignKey("accounts.Municipality", on_delete=models.PROTECT)
    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="scores")
    model_version = models.ForeignKey(
        ModelVersion, on_delete=models.PROTECT, related_name="scores"
    )
    lp = models.FloatField()  # linear predictor of the quarterly hazard (log-odds)
    hazard_q = models.FloatField()  # probability of job or education within 3 months
    p12 = models.FloatField()  # ... within 12 months (an upper bound, docs/model.md)
    indicator_lp = models.FloatField()  # the part of lp a person can act on
    delta_indicator_lp = models.FloatField(null=True, blank=True)  # since previous
    klass = models.CharField(
        max_length=12, choices=ProgressionClass.choices, blank=True
    )  # blank: the baseline round, or nothing comparable with the previous round
    contributions = models.JSONField(default=dict)
    # What to work on, for the latest round of a spell (docs/model.md): {"items":
    # [ranked suggestions]}, or {"items": [], "reason": {language: why}} where the
    # version cannot give intervals. NULL: not computed (a round never scored as its
    # spell's latest, or a score stored before it existed, until the nightly sweep
    # fills it); kept out of inputs_hash, so filling it leaves the score alone.
    worklist = models.JSONField(null=True, blank=True)
    inputs_hash = models.CharField(max_length=64)
    job = models.ForeignKey(
        "jobs.Job", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    computed_at = models.DateTimeField()
    superseded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("score")
        constraints = [
            models.UniqueConstraint(
                fields=["round", "model_version", "inputs_hash"],
                name="score_round_version_inputs_unique",
            ),
            models.UniqueConstraint(
                fields=["round", "model_version"],
                condition=Q(superseded_at__isnull=True),
                name="score_one_current",
            ),
        ]
        # Reads go through the round: the two unique indexes above lead with it.

    def __str__(self) -> str:
        return f"score {self.pk} of {self.round_id} (v{self.model_version_id})"


class IndicatorScore(models.Model):
    """Model-independent: one respondent's score on one indicator in a round (the mean
    of the answered questions) and its change since the previous round and since the
    baseline (the first round of the spell). A change across instrument versions whose
    questions for the indicator differ is flagged."""

    # The round's municipality, copied for the dashboards' index below; the round's
    # own key holds it to a real municipality, so no second foreign-key check is
    # paid per row (twenty rows a round, written by the recompute with COPY).
    municipality = models.ForeignKey(
        "accounts.Municipality",
        on_delete=models.PROTECT,
        db_constraint=False,
        db_index=False,
    )
    # read through the unique index below, which leads with the round
    round = models.ForeignKey(
        Round, on_delete=models.CASCADE, related_name="indicator_scores", db_index=False
    )
    respondent = models.CharField(max_length=12, choices=Respondent.choices)
    indicator = models.CharField(max_length=40, choices=INDICATOR_CHOICES)
    value = models.FloatField(null=True, blank=True)  # None: no question answered
    n_answered = models.PositiveSmallIntegerField(default=0)
    delta_previous = models.FloatField(null=True, blank=True)
    delta_baseline = models.FloatField(null=True, blank=True)
    changed_previous = models.BooleanField(default=False)  # questions changed
    changed_baseline = models.BooleanField(default=False)
    inputs_hash = models.CharField(max_length=64)
    computed_at = models.DateTimeField()

    class Meta:
        verbose_name = _("indicator score")
        constraints = [
            models.UniqueConstraint(
                fields=["round", "respondent", "indicator"],
                name="indicatorscore_unique",
            )
        ]
        indexes = [
            # indicator averages over time (dashboards)
            models.Index(
                fields=["municipality", "indicator"], name="indicatorscore_muni_idx"
            )
        ]

    def __str__(self) -> str:
        return f"{self.round_id} {self.respondent} {self.indicator}={self.value}"


class AssociationSnapshot(models.Model):
    """Progression in the next round by intervention mix and type, and per indicator
    and intervention type, for one municipality or one unit (job centre), computed by a
    job from the stored scores. Associations, not effects."""

    municipality = models.ForeignKey("accounts.Municipality", on_delete=models.PROTECT)
    unit = models.ForeignKey(
        "accounts.Unit", on_delete=models.PROTECT, null=True, blank=True
    )  # None: the whole municipality
    model_version = models.ForeignKey(
        ModelVersion, on_delete=models.PROTECT, related_name="+"
    )
    data = models.JSONField(default=dict)
    job = models.ForeignKey(
        "jobs.Job", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    computed_at = models.DateTimeField()

    class Meta:
        verbose_name = _("association snapshot")
        indexes = [
            models.Index(
                fields=["municipality", "unit", "computed_at"],
                name="assoc_latest_idx",
            )
        ]

    def __str__(self) -> str:
        return f"associations {self.municipality_id}/{self.unit_id} {self.computed_at}"


class SpellScoring(models.Model):
    """Per spell: how often the inputs of its scores changed, and which count, model
    version and class threshold its current scores were computed from. The nightly
    sweep compares the two in SQL and scores only the spells that differ.

    `inputs_version` is kept by database triggers (migration 0008) on every table a
    score is read from, statement by statement, so set-wise imports (COPY, INSERT ...
    SELECT) count as well as the services' saves. The scoring job writes the `scored_`
    columns only, with the count it read before it read the inputs."""

    enrolment = models.OneToOneField(
        "citizens.Enrolment",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="+",
    )
    inputs_version = models.BigIntegerField(default=0)
    scored_version = models.BigIntegerField(null=True)
    scored_model_version = models.ForeignKey(
        ModelVersion, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    scored_threshold = models.FloatField(null=True)

    def __str__(self) -> str:
        return f"spell {self.enrolment_id}: {self.inputs_version}/{self.scored_version}"
