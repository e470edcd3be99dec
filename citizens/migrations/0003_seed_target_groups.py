# The target groups of the Danish employment law before the 2026 reform (lov om en
# aktiv beskæftigelsesindsats § 2). Groups whose end for new cases follows from the
# reform carry a valid_to; the system admin adds the reform's new groups when their
# final names and dates are published (they are a dated lookup for that reason).
from __future__ import annotations

from datetime import date

from django.db import migrations

GROUPS = [
    ("dagpenge", "Dagpengemodtager", "Unemployment insurance benefit recipient", None),
    ("kontant_jobparat", "Jobparat kontanthjælpsmodtager", "Job-ready cash benefit recipient", None),
    ("kontant_aktivitetsparat", "Aktivitetsparat kontanthjælpsmodtager", "Activity-ready cash benefit recipient", None),
    ("uddannelse_uddannelsesparat", "Uddannelsesparat uddannelseshjælpsmodtager", "Education-ready education benefit recipient", None),
    ("uddannelse_aktivitetsparat", "Aktivitetsparat uddannelseshjælpsmodtager", "Activity-ready education benefit recipient", None),
    ("integration_jobparat", "Jobparat selvforsørgelses- og hjemrejseydelsesmodtager", "Job-ready self-support and return benefit recipient", None),
    ("integration_aktivitetsparat", "Aktivitetsparat selvforsørgelses- og hjemrejseydelsesmodtager", "Activity-ready self-support and return benefit recipient", None),
    ("sygedagpenge", "Sygedagpengemodtager", "Sickness benefit recipient", None),
    ("jobafklaring", "Person i jobafklaringsforløb", "Person in a job clarification programme", None),
    ("ressourceforloeb", "Person i ressourceforløb", "Person in a resource programme", date(2026, 6, 30)),
    ("revalidering", "Revalidend eller forrevalidend", "Person in vocational rehabilitation", date(2026, 6, 30)),
    ("ledighedsydelse", "Ledighedsydelsesmodtager", "Flex-job waiting benefit recipient", None),
    ("fleksjob", "Person i fleksjob", "Person in a flex job", None),
]


def seed(apps, schema_editor):
    TargetGroup = apps.get_model("citizens", "TargetGroup")
    for code, da, en, valid_to in GROUPS:
        TargetGroup.objects.update_or_create(
            code=code,
            defaults={"label_da": da, "label_en": en, "valid_from": date(2015, 1, 1), "valid_to": valid_to},
        )


class Migration(migrations.Migration):
    dependencies = [("citizens", "0002_enrolments_and_target_groups")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
