"""Background assessment runs, run by `xiezuo db_worker` like imports and verification."""

from __future__ import annotations

from django_tasks import task


@task()
def assessment_run_task(run_id: int) -> None:
    from xiezuo.assessment.choices import RunState
    from xiezuo.assessment.models import Run
    from xiezuo.assessment.services import run_execute, run_fail

    run = Run.objects.filter(pk=run_id).first()
    if run is None or run.state != RunState.QUEUED:
        return
    try:
        run_execute(run)
    except Exception as exc:  # a crash must not leave the page polling forever
        run_fail(run_id, str(exc))
        if not hasattr(exc, "problems"):
            raise
