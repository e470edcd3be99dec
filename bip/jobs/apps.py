from __future__ import annotations

import os

from django.apps import AppConfig
from django.conf import settings
from django.utils.translation import gettext_lazy as _


class JobsConfig(AppConfig):
    name = "bip.jobs"
    label = "jobs"
    verbose_name = _("Background jobs")

    def ready(self) -> None:
        # imported here, not at the top: these modules use the models, which are
        # loaded only once every app's config is
        from bip.jobs import inprocess, probe, registry

        registry.register(probe.KIND, probe.run, _("Worker check"))
        # The embedded demo: a job thread in the web process (DESIGN section 4).
        if (
            os.environ.get("BIP_START_JOB_THREAD") == "1"
            and settings.BIP_JOBS_IN_PROCESS
        ):
            inprocess.start()
