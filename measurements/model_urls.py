from __future__ import annotations

from django.urls import path

from measurements import model_views as views

app_name = "models"
urlpatterns = [
    path("", views.model_list, name="list"),
    path("fit/", views.model_fit, name="fit"),
    path("<int:pk>/", views.model_detail, name="detail"),
    path("<int:pk>/activate/", views.model_activate, name="activate"),
]
