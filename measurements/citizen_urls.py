"""The caseload and the citizen page, in the citizens' URL namespace (bip/urls.py
joins them with the citizens app's own pages)."""

from __future__ import annotations

from django.urls import path

from measurements import citizen_views as views

urlpatterns = [
    path("", views.caseload, name="caseload"),
    path("<int:pk>/", views.detail, name="detail"),
]
