from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MeasurementsConfig(AppConfig):
    name = "measurements"
    verbose_name = _("Measurements")

    def ready(self) -> None:
        # imported here, not at the top: these modules use the models, which are
        # loaded only once every app's config is
        from bip.imports import formats
        from bip.jobs import registry
        from citizens.services import register_round_evidence
        from measurements.imports import RoundFormat, round_evidence
        from measurements.scoring import associations, recompute
        from measurements.scoring import services as scoring

        formats.register(RoundFormat())
        register_round_evidence(round_evidence)
        registry.register(
            scoring.FIT_JOB, scoring.model_fit_job, _("Fit a job-probability model")
        )
        registry.register(
            recompute.KIND, recompute.scores_recompute_job, _("Compute scores")
        )
        registry.register(
            associations.KIND,
            associations.associations_job,
            _("Compute intervention associations"),
        )
