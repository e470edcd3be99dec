from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from bip import views
from bip.accounts.admin import site_permission

admin.site.has_permission = site_permission  # type: ignore[method-assign]
admin.site.site_header = "BIP"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path(
        "login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("bip.accounts.urls")),
    path("audit/", include("bip.audit.urls")),
    path("jobs/", include("bip.jobs.urls")),
    path("citizens/", include("citizens.urls")),
    path("reports/", include("reports.urls")),
    path("api/v1/", include("bip.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path(
        "api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"
    ),
    path("django-admin/", admin.site.urls),
]
