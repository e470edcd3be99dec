from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache

from bip.accounts.access import get_scoped_or_404
from bip.jobs.services import job_list_for


@never_cache
@login_required
def status(request: HttpRequest, pk: int) -> JsonResponse:
    """Progress of a job, for the progress bar; only jobs the user may follow."""
    job = get_scoped_or_404(request, job_list_for(viewer=request.user), pk)
    return JsonResponse(
        {
            "id": job.pk,
            "kind": job.kind,
            "state": job.state,
            "state_label": job.get_state_display(),
            "progress": job.progress,
            "total": job.total,
            "error": job.error if job.state == job.State.FAILED else "",
            "result_url": job.result.get("url", ""),
        }
    )
