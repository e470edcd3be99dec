from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MeasurementsConfig(AppConfig):
    name = "measurements"
    verbose_name = _("Measurements")

    def ready(self) -> None:
        from bip.imports import formats
        from measurements.imports import RoundFormat

        formats.register(RoundFormat())
