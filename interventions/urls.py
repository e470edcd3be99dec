from __future__ import annotations

from django.urls import path

from interventions import views

app_name = "interventions"
urlpatterns = [
    path("new/<int:citizen_pk>/", views.episode_create, name="create"),
    path("<int:pk>/edit/", views.episode_edit, name="edit"),
    path("start-many/", views.start_many, name="start_many"),
    path("outcomes/new/<int:citizen_pk>/", views.outcome_create, name="outcome_create"),
    path("catalogue/", views.catalogue, name="catalogue"),
    path("catalogue/copy/", views.catalogue_copy, name="catalogue_copy"),
    path("catalogue/new/", views.type_edit, name="type_create"),
    path("catalogue/<int:pk>/", views.type_edit, name="type_edit"),
]
