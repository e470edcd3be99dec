from __future__ import annotations

from django.urls import path

from reports import export_views, views

app_name = "reports"
urlpatterns = [
    path("team/", views.team, name="team"),
    path("statistics/", views.overview, name="overview"),
    path("associations/", views.associations, name="associations"),
    path(
        "associations/compute/",
        views.associations_compute,
        name="associations_compute",
    ),
    path("exports/", export_views.exports, name="exports"),
    path("exports/<int:pk>/", export_views.export_detail, name="export_detail"),
    path(
        "exports/<int:pk>/download/",
        export_views.export_download,
        name="export_download",
    ),
]
