"""Export jobs (docs/exports.md): request, run, download, expire, the monthly export.

A run writes the whole file anew into a temporary file and stores it only when it is
complete: a worker killed mid-way leaves no file, and the job's next run (after the
sweeper hands it on) starts from the first row, so a file is never partial and no row
is written twice."""

from __future__ import annotations

import logging
import tempfile
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.storage import storages
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from bip.accounts.models import Municipality
from bip.accounts.scoping import scope_for
from bip.audit.models import Purpose
from bip.audit.services import record
from bip.jobs.services import enqueue, test_hold
from reports.exports import writers
from reports.exports.layouts import layout_for
from reports.models import Export

logger = logging.getLogger(__name__)
KIND = "reports.export"
# the audit log's purposes an identified export may have (citizens see them)
IDENTIFIED_PURPOSES = (Purpose.CASEWORK, Purpose.FOLLOW_UP, Purpose.ADMINISTRATION)


def retention() -> timedelta:
    return timedelta(days=int(getattr(settings, "BIP_EXPORT_RETENTION_DAYS", 7)))


def storage() -> Any:
    return storages["default"]


@transaction.atomic
def export_request(
    *,
    by: Any,
    municipality_id: int,
    layout: str,
    format: str,
    pseudonymised: bool = True,
    period_from: date | None = None,
    period_to: date | None = None,
    unit_ids: list[int] | None = None,
    target_group_ids: list[int] | None = None,
    csv_semicolon: bool = True,
    csv_bom: bool = True,
    date_shift: bool = False,
    purpose: str = "",
    purpose_note: str = "",
) -> Export:
    """An export and its job, in one transaction, audited. Only a municipal admin may
    request an identified export, and only with a purpose."""
    scope = scope_for(by, municipality_id)
    if not (scope.is_municipal_admin or scope.is_analyst):
        raise ValidationError(_("Only municipal admins and analysts can export."))
    if not pseudonymised:
        if not scope.is_municipal_admin:
            raise ValidationError(
                {"identified": _("Only a municipal admin can export identified data.")}
            )
        if purpose not in IDENTIFIED_PURPOSES:
            raise ValidationError({"purpose": _("Choose the purpose of the export.")})
        if not purpose_note.strip():
            raise ValidationError(
                {"purpose_note": _("Describe what the identified data are for.")}
            )
    if period_from and period_to and period_from > period_to:
        raise ValidationError({"period_to": _("The end is before the start.")})
    job = enqueue(kind=KIND, municipality_id=municipality_id, requested_by=by)
    export = Export.objects.create(
        municipality_id=municipality_id,
        job=job,
        requested_by=by,
        layout=layout,
        format=format,
        pseudonymised=pseudonymised,
        period_from=period_from,
        period_to=period_to,
        unit_ids=sorted(unit_ids or []),
        target_group_ids=sorted(target_group_ids or []),
        csv_semicolon=csv_semicolon,
        csv_bom=csv_bom,
        date_shift=date_shift and pseudonymised,
        purpose=purpose if not pseudonymised else "",
        purpose_note=purpose_note.strip() if not pseudonymised else "",
        expires_at=timezone.now() + retention(),
    )
    job.params = {"export_id": export.pk}
    job.save(update_fields=["params"])
    record(
        actor=by,
        action="export.request",
        purpose=(purpose or Purpose.ADMINISTRATION)
        if not pseudonymised
        else Purpose.STATISTICS,
        obj=export,
        write=True,
    )
    return export


def export_job(claim: Any) -> None:
    """Write the export's file from its first row and store it when complete."""
    export = Export.objects.select_related("requested_by").get(job=claim.job)
    layout = layout_for(export)
    total = layout.count()
    claim.advance(progress=-claim.job.progress, total=total)  # a rerun starts at 0
    write, suffix = writers.WRITERS[export.format]
    stem = writers.file_stem(export, timezone.localdate())
    first = {"chunk": True}

    def progress(n: int) -> None:
        with transaction.atomic():
            claim.advance(progress=n)
        if first["chunk"] and n:
            first["chunk"] = False
            test_hold()

    with tempfile.TemporaryDirectory(prefix="bip-export-") as tmp:
        path = Path(tmp) / f"{stem}.{suffix}"
        try:
            write(export, layout, path, stem, progress)
        except writers.TooManyRows as exc:
            claim.fail(str(exc))
            return
        name = f"exports/{export.municipality_id}/{stem}.{suffix}"
        with open(path, "rb") as fh:
            stored = storage().save(name, File(fh, name=name))
        size = path.stat().st_size
    with transaction.atomic():
        updated = Export.objects.filter(pk=export.pk, file_name="").update(
            file_name=stored, file_size=size, rows=total
        )
        if not updated:  # another run stored it first: keep theirs
            storage().delete(stored)
        url = reverse("reports:export_download", args=[export.pk])
        claim.finish({"rows": total, "url": url})


def export_downloaded(*, export: Export, by: Any) -> None:
    """Every download is in the audit log; an identified one as a read of the
    citizens' data, with the export's purpose."""
    citizen_ids = [] if export.pseudonymised else layout_for(export).citizen_ids()
    record(
        actor=by,
        action="export.download",
        purpose=export.purpose or Purpose.STATISTICS,
        obj=export,
        citizen_ids=citizen_ids,
    )


def export_open(export: Export) -> Any:
    return storage().open(export.file_name, "rb")


def exports_expire(*, now: Any = None) -> int:
    """Delete the files of expired exports and mark them expired."""
    now = now or timezone.now()
    done = 0
    for export in Export.objects.filter(expired_at__isnull=True, expires_at__lte=now):
        if export.file_name:
            try:
                storage().delete(export.file_name)
            except OSError:
                logger.warning("export %s: file not deleted", export.pk)
                continue
        Export.objects.filter(pk=export.pk).update(expired_at=now)
        done += 1
    return done


def previous_month(today: date) -> tuple[date, date]:
    last = today.replace(day=1) - timedelta(days=1)
    return last.replace(day=1), last


def monthly_exports(*, today: date | None = None) -> int:
    """The monthly export per municipality: the previous month's rounds, wide,
    pseudonymised, as CSV with the codebook. At most one per municipality and month."""
    today = today or timezone.localdate()
    start, end = previous_month(today)
    made = 0
    for municipality_id in Municipality.objects.values_list("pk", flat=True):
        with transaction.atomic():
            if Export.objects.filter(
                municipality_id=municipality_id, scheduled=True, period_from=start
            ).exists():
                continue
            job = enqueue(kind=KIND, municipality_id=municipality_id)
            export = Export.objects.create(
                municipality_id=municipality_id,
                job=job,
                layout=Export.Layout.WIDE,
                format=Export.Format.CSV,
                pseudonymised=True,
                scheduled=True,
                period_from=start,
                period_to=end,
                expires_at=timezone.now() + timedelta(days=31),
            )
            job.params = {"export_id": export.pk}
            job.save(update_fields=["params"])
            made += 1
    return made


def monthly_seen(*, exports: list[Export]) -> None:
    ids = [e.pk for e in exports if e.seen_at is None]
    if ids:
        Export.objects.filter(pk__in=ids).update(seen_at=timezone.now())
