"""Background verification runs, run by `xiezuo db_worker` like imports and proposals."""

from __future__ import annotations

from django_tasks import task


@task()
def verify_run_task(run_id: int) -> None:
    from xiezuo.analytics.models import Run
    from xiezuo.analytics.services import run_execute, run_fail

    run = Run.objects.filter(pk=run_id).first()
    if run is None or run.state != Run.State.QUEUED:
        return
    try:
        run_execute(run)
    except Exception as exc:  # a crash must not leave the page polling forever
        run_fail(run_id, str(exc))
        raise
