from __future__ import annotations

from django.db import migrations


def seed(apps, schema_editor):
    from measurements.scoring.reference import reference_coefficients
    from measurements.scoring.versions import coefficients_to_json

    ModelVersion = apps.get_model("measurements", "ModelVersion")
    if not ModelVersion.objects.filter(municipality__isnull=True, kind="reference").exists():
        ModelVersion.objects.create(
            municipality=None, kind="reference", active=True,
            coefficients=coefficients_to_json(reference_coefficients()),
        )


class Migration(migrations.Migration):
    dependencies = [("measurements", "0003_model_versions")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
