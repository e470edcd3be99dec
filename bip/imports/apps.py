from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImportsConfig(AppConfig):
    name = "bip.imports"
    label = "imports"
    verbose_name = _("Imports")

    def ready(self) -> None:
        # imported here, not at the top: these modules use the models, which are
        # loaded only once every app's config is
        from bip.imports import services
        from bip.jobs import registry

        registry.register(
            services.PARSE_JOB, services.parse_job, _("Import: check the file")
        )
        registry.register(
            services.COMMIT_JOB, services.commit_job, _("Import: save the rows")
        )
