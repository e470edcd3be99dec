from __future__ import annotations

import os

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class JobsConfig(AppConfig):
    name = "bip.jobs"
    label = "jobs"
    verbose_name = _("Background jobs")

    def ready(self) -> None:
        from bip.jobs import probe, registry

        registry.register("jobs.probe", probe.run, _("Worker check"))
        # The embedded demo: a job thread in the web process (DESIGN section 4).
        if os.environ.get("BIP_START_JOB_THREAD") == "1":
            from django.conf import settings

            if settings.BIP_JOBS_IN_PROCESS:
                from bip.jobs import inprocess

                inprocess.start()
