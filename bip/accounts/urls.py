from __future__ import annotations

from django.urls import path

from bip.accounts import views

app_name = "accounts"
urlpatterns = [
    path("municipality/", views.municipality, name="municipality"),
    path("municipality/switch/", views.switch_municipality, name="switch"),
    path("system/", views.system, name="system"),
    path("session/keepalive/", views.keepalive, name="keepalive"),
]
