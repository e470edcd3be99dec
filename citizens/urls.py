from __future__ import annotations

from django.urls import path

from citizens import views

app_name = "citizens"
urlpatterns = [
    path("", views.caseload, name="caseload"),
    path("search/", views.search, name="search"),
    path("<int:pk>/", views.detail, name="detail"),
]
