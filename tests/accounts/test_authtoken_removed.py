"""An installation that ran DRF's plain `authtoken` app keeps a table of clear-text
personal tokens: the accounts migration drops it, with its records."""

from __future__ import annotations

import importlib

import pytest
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection

pytestmark = pytest.mark.django_db

migration = importlib.import_module("bip.accounts.migrations.0003_drop_drf_authtoken")


def tables() -> list[str]:
    with connection.cursor() as cursor:
        return connection.introspection.table_names(cursor)


def test_old_token_table_and_its_records_are_removed(caseworker):
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE authtoken_token (key varchar(40) PRIMARY KEY, "
            "user_id bigint NOT NULL REFERENCES accounts_user (id))"
        )
        cursor.execute(
            "INSERT INTO authtoken_token VALUES (%s, %s)",
            ["0123456789abcdef0123456789abcdef01234567", caseworker.pk],
        )
        cursor.execute(
            "INSERT INTO django_migrations (app, name, applied) "
            "VALUES ('authtoken', '0001_initial', now())"
        )
    kind = ContentType.objects.create(app_label="authtoken", model="token")
    permission = Permission.objects.create(
        content_type=kind, codename="view_token", name="Can view token"
    )
    caseworker.user_permissions.add(permission)

    with connection.schema_editor() as editor:
        migration.drop_authtoken(None, editor)

    assert "authtoken_token" not in tables()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM django_migrations WHERE app = 'authtoken'")
        assert cursor.fetchone()[0] == 0
    assert not ContentType.objects.filter(app_label="authtoken").exists()
    assert not Permission.objects.filter(pk=permission.pk).exists()
    assert caseworker.user_permissions.count() == 0


def test_nothing_to_drop_is_fine():
    with connection.schema_editor() as editor:
        migration.drop_authtoken(None, editor)
    assert "authtoken_token" not in tables()
    assert "knox_authtoken" not in tables()  # knox's own table is never made
