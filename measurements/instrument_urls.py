from __future__ import annotations

from django.urls import path

from measurements import instrument_views as views

app_name = "instrument"
urlpatterns = [
    path("", views.version_list, name="list"),
    path("<int:pk>/", views.version_detail, name="detail"),
    path("<int:pk>/copy/", views.version_copy, name="copy"),
    path("<int:pk>/publish/", views.version_publish, name="publish"),
    path("<int:pk>/questions/", views.question_add, name="question_add"),
    path("<int:pk>/translate/", views.translation_add, name="translate"),
]
