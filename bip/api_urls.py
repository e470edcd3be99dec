from __future__ import annotations

from django.urls import include, path
from rest_framework.routers import DefaultRouter

from bip.jobs.api import JobViewSet
from citizens.api import AssignmentViewSet, CitizenViewSet, EnrolmentViewSet
from interventions.api import EpisodeViewSet, OutcomeViewSet
from measurements.api import ModelVersionViewSet, RoundViewSet, ScoreViewSet

app_name = "api"
router = DefaultRouter()
router.register("citizens", CitizenViewSet, basename="citizen")
router.register("enrolments", EnrolmentViewSet, basename="enrolment")
router.register("assignments", AssignmentViewSet, basename="assignment")
router.register("rounds", RoundViewSet, basename="round")
router.register("scores", ScoreViewSet, basename="score")
router.register("model-versions", ModelVersionViewSet, basename="modelversion")
router.register("episodes", EpisodeViewSet, basename="episode")
router.register("outcomes", OutcomeViewSet, basename="outcome")
router.register("jobs", JobViewSet, basename="job")
# the reports (the top layer) by name, not by import: imports go down only
urlpatterns = [*router.urls, path("", include("reports.api_urls"))]
