"""The reports' routes under /api/v1/ (included by bip.api_urls)."""

from __future__ import annotations

from django.urls import path
from rest_framework.routers import SimpleRouter

from reports import api

router = SimpleRouter()
router.register("exports", api.ExportViewSet, basename="export")

urlpatterns = [
    path("dashboards/", api.DashboardIndexView.as_view(), name="dashboard-index"),
    path(
        "dashboards/units/<int:pk>/",
        api.DashboardUnitView.as_view(),
        name="dashboard-unit",
    ),
    path(
        "dashboards/teams/<int:pk>/",
        api.DashboardTeamView.as_view(),
        name="dashboard-team",
    ),
    path(
        "dashboards/caseworkers/<int:pk>/",
        api.DashboardCaseworkerView.as_view(),
        name="dashboard-caseworker",
    ),
    *router.urls,
]
