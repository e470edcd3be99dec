from django.db import migrations
from django.db.models import F, OuterRef, Subquery


def forward(apps, schema_editor):
    """The first assignment of a spell that starts with the spell is the case worker
    named when it was registered: an assumption that historic rounds may fill in."""
    Assignment = apps.get_model("citizens", "Assignment")
    first = (
        Assignment.objects.filter(enrolment_id=OuterRef("enrolment_id"))
        .order_by("start", "pk")
        .values("pk")[:1]
    )
    Assignment.objects.filter(
        pk=Subquery(first), start=F("enrolment__start")
    ).update(source="assumed")


class Migration(migrations.Migration):
    dependencies = [("citizens", "0004_assignment_source")]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
