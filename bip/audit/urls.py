from __future__ import annotations

from django.urls import path

from bip.audit import views

app_name = "audit"
urlpatterns = [path("", views.search, name="search")]
