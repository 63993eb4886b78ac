"""Background solving of pairing proposals, run by `xiezuo db_worker` like the imports."""

from __future__ import annotations

from django_tasks import task

from xiezuo.pairing.models import Proposal


@task()
def solve_proposal_task(proposal_id: int) -> None:
    from xiezuo.pairing.optimizing import proposal_fail, proposal_solve

    proposal = Proposal.objects.filter(pk=proposal_id).first()
    if proposal is None or proposal.state != Proposal.State.QUEUED:
        return
    try:
        proposal_solve(proposal)
    except Exception as exc:  # a crash must not leave the page polling forever
        proposal_fail(proposal_id=proposal_id, message=str(exc))
        raise
