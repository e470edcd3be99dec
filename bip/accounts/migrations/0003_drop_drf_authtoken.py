"""DRF's plain `authtoken` app is gone (API tokens are hashed integration tokens now).
An installation that ran it keeps its table of clear-text personal tokens: drop it,
with the app's migration records, permissions and content types. Every such token
stops working, which is the point: a person's token was never meant to exist."""

from django.db import migrations

TABLE = "authtoken_token"


def drop_authtoken(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        if TABLE in connection.introspection.table_names(cursor):
            cursor.execute(f"DROP TABLE {connection.ops.quote_name(TABLE)}")
        cursor.execute("DELETE FROM django_migrations WHERE app = %s", ["authtoken"])
        cursor.execute(
            "SELECT id FROM django_content_type WHERE app_label = %s", ["authtoken"]
        )
        types = [row[0] for row in cursor.fetchall()]
        if not types:
            return
        marks = ", ".join(["%s"] * len(types))
        permissions = (
            f"SELECT id FROM auth_permission WHERE content_type_id IN ({marks})"
        )
        for table in ("auth_group_permissions", "accounts_user_user_permissions"):
            cursor.execute(
                f"DELETE FROM {table} WHERE permission_id IN ({permissions})", types
            )
        cursor.execute(f"DELETE FROM auth_permission WHERE content_type_id IN ({marks})", types)
        cursor.execute(f"DELETE FROM django_content_type WHERE id IN ({marks})", types)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_integrations_and_api_tokens"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(drop_authtoken, migrations.RunPython.noop)]
