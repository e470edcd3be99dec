from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CitizensConfig(AppConfig):
    name = "citizens"
    verbose_name = _("Citizens")

    def ready(self) -> None:
        # imported here, not at the top: these modules use the models, which are
        # loaded only once every app's config is
        from bip.audit.lookup import CitizenLookup, register_citizen_lookup
        from bip.imports import formats
        from citizens import cpr
        from citizens.imports import AssignmentFormat, CitizenFormat
        from citizens.selectors import citizen_ids_by_cpr

        formats.register(CitizenFormat())
        formats.register(AssignmentFormat())
        register_citizen_lookup(
            CitizenLookup(
                normalise=lambda text: cpr.parse(text, allow_nine_digits=True).digits,
                mask=cpr.mask,
                find=citizen_ids_by_cpr,
            )
        )
