from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerSplitView,
)

from bip.accounts import urls as accounts_urls
from bip.accounts import views as accounts_views
from bip.accounts.admin import site_permission
from bip.pages import audit, home
from citizens import urls as citizens_urls
from measurements import citizen_urls as measurements_citizen_urls
from measurements import views as measurements_views

admin.site.has_permission = site_permission  # type: ignore[method-assign]
admin.site.site_header = "BIP"

urlpatterns = [
    path("", home.home, name="home"),
    path("healthz", home.healthz, name="healthz"),
    path("login/", accounts_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path(
        "oidc/authenticate/", accounts_views.oidc_init, name="oidc_authentication_init"
    ),
    path(
        "oidc/callback/",
        accounts_views.oidc_callback,
        name="oidc_authentication_callback",
    ),
    path(
        "password-reset/",
        auth_views.PasswordResetView.as_view(
            email_template_name="emails/password_reset_body.txt",
            html_email_template_name="emails/password_reset_body.html",
            subject_template_name="emails/password_reset_subject.txt",
        ),
        name="password_reset",
    ),
    path(
        "password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "password-reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password-reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    # the accounts app's pages and the system page (above the jobs it shows)
    path(
        "",
        include(
            (
                [
                    *accounts_urls.urlpatterns,
                    path("system/", home.system, name="system"),
                ],
                "accounts",
            )
        ),
    ),
    path("audit/", include(([path("", audit.search, name="search")], "audit"))),
    path("integrations/", include("bip.accounts.integration_urls")),
    path("jobs/", include("bip.jobs.urls")),
    path("imports/", include("bip.imports.urls")),
    path(
        "citizens/",
        include(
            (
                [*citizens_urls.urlpatterns, *measurements_citizen_urls.urlpatterns],
                "citizens",
            )
        ),
    ),
    path("reports/", include("reports.urls")),
    path("rounds/", include("measurements.urls")),
    path("interventions/", include("interventions.urls")),
    path("instrument/", include("measurements.instrument_urls")),
    path("models/", include("measurements.model_urls")),
    # the citizen's personal link: no login; the token is the only key
    path("b/<str:token>/", measurements_views.citizen_form, name="citizen_form"),
    path("api/v1/", include("bip.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # the split view serves its script as a file: no inline script (CSP)
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(
            url_name="schema", template_name="api/swagger_ui.html"
        ),
        name="api-docs",
    ),
    # Redoc reads the schema from its element's attribute: no inline script either
    path(
        "api/redoc/",
        SpectacularRedocView.as_view(url_name="schema", template_name="api/redoc.html"),
        name="api-redoc",
    ),
    path("django-admin/", admin.site.urls),
]
