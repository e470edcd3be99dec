from __future__ import annotations

from datetime import date

from django.db import migrations

from interventions.catalogue import TYPES


def seed(apps, schema_editor):
    InterventionType = apps.get_model("interventions", "InterventionType")
    for code, group, da, en, valid_to in TYPES:
        InterventionType.objects.update_or_create(
            municipality=None,
            code=code,
            defaults={"group": group, "label_da": da, "label_en": en,
                      "valid_from": date(2010, 1, 1), "valid_to": valid_to},
        )


class Migration(migrations.Migration):
    dependencies = [("interventions", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
