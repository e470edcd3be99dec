from __future__ import annotations

from django.urls import path

from citizens import views

# the caseload and the citizen page are measurements' (measurements/citizen_urls.py);
# bip/urls.py serves both under the namespace "citizens"
urlpatterns = [
    path("search/", views.search, name="search"),
    path("new/", views.create, name="create"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/assign/", views.assign, name="assign"),
    path("<int:pk>/enrol/", views.enrol, name="enrol"),
]
