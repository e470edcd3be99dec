from __future__ import annotations

from django.urls import path

from bip.jobs import views

app_name = "jobs"
urlpatterns = [path("<int:pk>/status/", views.status, name="status")]
