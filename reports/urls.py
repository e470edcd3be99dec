from __future__ import annotations

from django.urls import path

from reports import (
    comparison_views,
    dashboard_views,
    export_views,
    pdf_views,
    views,
)

app_name = "reports"
urlpatterns = [
    path("team/", views.team, name="team"),
    path(
        "dashboard/team/<int:pk>/comparison/",
        comparison_views.caseworkers,
        name="comparison",
    ),
    path("statistics/", views.overview, name="overview"),
    path("associations/", views.associations, name="associations"),
    path(
        "associations/compute/",
        views.associations_compute,
        name="associations_compute",
    ),
    path("dashboard/", dashboard_views.dashboard, name="dashboard"),
    path("dashboard/mine/", dashboard_views.dashboard_mine, name="dashboard_mine"),
    path(
        "dashboard/refresh/",
        dashboard_views.dashboard_refresh_request,
        name="dashboard_refresh",
    ),
    path(
        "dashboard/unit/<int:pk>/",
        dashboard_views.dashboard_unit,
        name="dashboard_unit",
    ),
    path(
        "dashboard/unit/<int:pk>/citizens/",
        dashboard_views.dashboard_unit_citizens,
        name="dashboard_unit_citizens",
    ),
    path(
        "dashboard/team/<int:pk>/",
        dashboard_views.dashboard_team,
        name="dashboard_team",
    ),
    path(
        "dashboard/team/<int:pk>/citizens/",
        dashboard_views.dashboard_team_citizens,
        name="dashboard_team_citizens",
    ),
    path(
        "dashboard/caseworker/<int:pk>/",
        dashboard_views.dashboard_caseworker,
        name="dashboard_caseworker",
    ),
    path(
        "dashboard/caseworker/<int:pk>/citizens/",
        dashboard_views.dashboard_caseworker_citizens,
        name="dashboard_caseworker_citizens",
    ),
    path("exports/", export_views.exports, name="exports"),
    path("exports/<int:pk>/", export_views.export_detail, name="export_detail"),
    path(
        "exports/<int:pk>/download/",
        export_views.export_download,
        name="export_download",
    ),
    path(
        "citizens/<int:pk>/summary.pdf",
        pdf_views.citizen_summary,
        name="citizen_summary",
    ),
    path(
        "dashboard/unit/<int:pk>/report.pdf",
        pdf_views.unit_report,
        name="unit_report",
    ),
]
