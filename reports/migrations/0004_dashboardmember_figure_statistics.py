"""Statistics on which categories go with which figure of a dashboard member.

A drill-down reads the members of a few cells for one figure and category. Without
these statistics PostgreSQL takes the figure and the category as independent and
guesses an eighth of the members that match ("progress" is almost only a category
of "class"). With that guess it looked up each member's citizen one by one, where one
hash over the citizens in the viewer's scope takes half the time at 5,000 citizens
behind a number. SQLite (the demo) has no extended statistics: nothing to do there."""

from django.db import migrations

NAME = "dashmember_figure_category_stx"


def _run_on_postgresql(sql: str, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(sql)


def _create(apps, schema_editor) -> None:
    _run_on_postgresql(
        f"CREATE STATISTICS IF NOT EXISTS {NAME} (mcv, dependencies)"
        " ON figure, category FROM reports_dashboardmember",
        schema_editor,
    )


def _drop(apps, schema_editor) -> None:
    _run_on_postgresql(f"DROP STATISTICS IF EXISTS {NAME}", schema_editor)


class Migration(migrations.Migration):

    dependencies = [
        ("reports", "0003_dashboardmember_one_cell_index"),
    ]

    operations = [migrations.RunPython(_create, _drop)]
