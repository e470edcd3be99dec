from __future__ import annotations

from rest_framework.routers import DefaultRouter

from bip.jobs.api import JobViewSet
from citizens.api import CitizenViewSet

app_name = "api"
router = DefaultRouter()
router.register("citizens", CitizenViewSet, basename="citizen")
router.register("jobs", JobViewSet, basename="job")
urlpatterns = router.urls
