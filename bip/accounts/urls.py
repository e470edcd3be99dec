from __future__ import annotations

from django.urls import path

from bip.accounts import views

urlpatterns = [
    path("municipality/", views.municipality, name="municipality"),
    path("municipality/switch/", views.switch_municipality, name="switch"),
    path("session/keepalive/", views.keepalive, name="keepalive"),
]
