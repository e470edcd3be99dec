from __future__ import annotations

from django.urls import path

from bip.accounts import integration_views as views

app_name = "integrations"
urlpatterns = [
    path("", views.integration_list_view, name="list"),
    path("<int:pk>/tokens/", views.token_create, name="token_create"),
    path("<int:pk>/deactivate/", views.integration_deactivate, name="deactivate"),
    path("tokens/<int:pk>/revoke/", views.token_revoke, name="token_revoke"),
]
