from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InterventionsConfig(AppConfig):
    name = "interventions"
    verbose_name = _("Interventions")

    def ready(self) -> None:
        # imported here, not at the top: these modules use the models, which are
        # loaded only once every app's config is
        from bip.imports import formats
        from interventions.imports import EpisodeFormat, OutcomeFormat

        formats.register(OutcomeFormat())
        formats.register(EpisodeFormat())
