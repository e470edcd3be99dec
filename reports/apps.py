from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Reports")

    def ready(self) -> None:
        # imported here, not at the top: these modules use the models, which are
        # loaded only once every app's config is
        from bip.jobs import registry
        from measurements.scoring.recompute import register_after_scores
        from reports import aggregates
        from reports.exports import services as exports

        registry.register(
            aggregates.KIND, aggregates.dashboards_job, _("Refresh the dashboards")
        )
        registry.register(exports.KIND, exports.export_job, _("Export"))
        register_after_scores(aggregates.after_scores)
