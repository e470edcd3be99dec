from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.views.decorators.cache import never_cache

from bip.accounts.access import AuthenticatedHttpRequest
from bip.jobs.selectors import job_get


@never_cache
@login_required
def status(request: AuthenticatedHttpRequest, pk: int) -> JsonResponse:
    """Progress of a job, for the progress bar; only jobs the user may follow."""
    job = job_get(viewer=request.user, pk=pk)
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
