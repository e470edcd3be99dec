from __future__ import annotations

from django.urls import path

from reports import comparison_views, pdf_views, views

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
