from __future__ import annotations

from django.db import migrations
from django.utils import timezone

from measurements.bip11 import QUESTIONS


def seed(apps, schema_editor):
    InstrumentVersion = apps.get_model("measurements", "InstrumentVersion")
    Question = apps.get_model("measurements", "Question")
    QuestionText = apps.get_model("measurements", "QuestionText")
    if InstrumentVersion.objects.filter(municipality__isnull=True, number=1).exists():
        return
    version = InstrumentVersion.objects.create(
        municipality=None,
        name="BIP 11",
        number=1,
        published_at=timezone.now(),
        note="De 11 BIP-indikatorer; spørgsmålsteksterne er produktets egne.",
    )
    for order, (indicator, respondent, da, da_lo, da_hi, en, en_lo, en_hi) in enumerate(QUESTIONS, 1):
        q = Question.objects.create(
            version=version,
            code=f"{respondent}_{indicator}",
            indicator=indicator,
            respondent=respondent,
            order=order,
        )
        QuestionText.objects.create(question=q, language="da", text=da, low_label=da_lo, high_label=da_hi)
        QuestionText.objects.create(question=q, language="en", text=en, low_label=en_lo, high_label=en_hi)


class Migration(migrations.Migration):
    dependencies = [("measurements", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
