from __future__ import annotations

from django.urls import path

from bip.imports import views

app_name = "imports"
urlpatterns = [
    path("", views.batches, name="list"),
    path("new/<slug:kind>/", views.upload, name="upload"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/report.csv", views.report, name="report"),
    path("<int:pk>/commit/", views.commit, name="commit"),
]
