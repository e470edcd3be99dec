from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImportsConfig(AppConfig):
    name = "bip.imports"
    label = "imports"
    verbose_name = _("Imports")

    def ready(self) -> None:
        from bip.imports import services
        from bip.jobs import registry

        registry.register(
            "imports.parse", services.parse_job, _("Import: check the file")
        )
        registry.register(
            "imports.commit", services.commit_job, _("Import: save the rows")
        )
