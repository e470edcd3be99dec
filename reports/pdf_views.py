"""PDF downloads: the citizen's summary (for whoever may read the citizen). Each is a
read of person data, audited, and never stored by a browser or proxy."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from bip.accounts.access import role_required
from bip.accounts.roles import Can
from bip.audit.models import Purpose
from bip.audit.services import record
from citizens.selectors import citizen_get
from reports.pdf import citizen as citizen_pdf


def pdf_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store, private"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def citizen_language(citizen: object, fallback: str) -> str:
    """The citizen's own language where the product has it, else the user's."""
    preferred = getattr(citizen, "preferred_language", "") or ""
    return preferred if preferred in dict(settings.LANGUAGES) else fallback


@role_required(Can.PEOPLE)
def citizen_summary(request: HttpRequest, pk: int) -> HttpResponse:
    """The summary to hand the citizen after a conversation, in their language."""
    citizen = citizen_get(viewer=request.user, pk=pk)
    record(
        actor=request.user,
        action="citizen.summary_pdf",
        obj=citizen,
        citizen_ids=[citizen.pk],
        purpose=Purpose.CASEWORK,
    )
    today = timezone.localdate()
    language = citizen_language(citizen, translation.get_language() or "da")
    with translation.override(language):
        content = citizen_pdf.render(citizen_pdf.gather(citizen=citizen, today=today))
        stem = _("summary")
    return pdf_response(content, f"{stem}-{citizen.pk}-{today.isoformat()}.pdf")
