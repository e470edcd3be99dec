from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CitizensConfig(AppConfig):
    name = "citizens"
    verbose_name = _("Citizens")

    def ready(self) -> None:
        from bip.imports import formats
        from citizens.imports import AssignmentFormat, CitizenFormat

        formats.register(CitizenFormat())
        formats.register(AssignmentFormat())
