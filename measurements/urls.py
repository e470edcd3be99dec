from __future__ import annotations

from django.urls import path

from measurements import views

app_name = "measurements"
urlpatterns = [
    path("start/<int:citizen_pk>/", views.start, name="start"),
    path("<int:pk>/", views.round_view, name="round"),
    path("<int:pk>/correct/", views.correct, name="correct"),
    path("<int:pk>/link/", views.link_create, name="link_create"),
]
