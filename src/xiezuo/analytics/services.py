"""Changes of state of verification: start a run, execute it, decide a finding.

A run exports a fresh snapshot into its own directory (or reads one given), runs the job on the
chosen engine, and only when the job has completed writes its findings, in one transaction:
until then the previous complete run's findings stand. A new run's finding that has the same
key as an earlier decided one takes over that decision — reviewers never decide the same thing
twice.
"""

from __future__ import annotations

import datetime
import hashlib
import shutil
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from xiezuo.accounts.models import User
from xiezuo.analytics import jobs, policy, rules, snapshot
from xiezuo.analytics.models import Finding, Run
from xiezuo.audit.models import AuditEvent
from xiezuo.audit.services import audit_record
from xiezuo.core.errors import Problem, UserError
from xiezuo.core.i18n import chinese

STALE = datetime.timedelta(minutes=15)
ACTIVE = (Run.State.QUEUED, Run.State.RUNNING)


def finding_key(
    rule: str, record_kind: str, record_id: int, id_hash: str | None, detail: str
) -> str:
    """Stable across runs: the rule, the record, the person (by keyed ID hash, since a record's
    people are saved afresh on each edit) and what the rule found."""
    text = "\x1f".join((rule, record_kind, str(record_id), id_hash or "", detail))
    return hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()


def run_is_stale(run: Run) -> bool:
    seen = run.heartbeat_at or run.created_at
    return run.state in ACTIVE and seen is not None and timezone.now() - seen > STALE


@transaction.atomic  # the row locks below hold only inside a transaction
def run_create(
    *, actor: User | None, scope: str = "", year: int | None = None, engine: str = "duckdb"
) -> Run:
    from xiezuo.analytics.engines import ENGINES

    parsed = jobs.parse_scope(scope)
    policy.require_run(actor, parsed)
    if engine not in ENGINES:
        raise UserError(f"没有“{engine}”引擎，可选：{'、'.join(ENGINES)}")
    if year is not None and not 2000 <= year <= 2100:
        raise UserError(f"年度 {year} 不对", [Problem(f"年度 {year} 不对", "年度")])
    # Two runs over one scope would race to replace each other's findings: the second waits
    # for the first, unless the first's worker died (no heartbeat for STALE).
    for other in Run.objects.select_for_update().filter(
        scope=parsed.text, year=year, state__in=ACTIVE
    ):
        if run_is_stale(other):
            run_fail(other.pk, "比对中断（工作进程已停止），请重新运行")
        else:
            raise UserError(
                f"该范围的数据比对 #{other.pk} 正在进行（{other.progress}%），请等它完成"
            )
    run = Run.objects.create(
        scope=parsed.text,
        year=year,
        engine=engine,
        created_by=actor if getattr(actor, "pk", None) else None,
        heartbeat_at=timezone.now(),
    )
    audit_record(
        actor=actor,
        action=AuditEvent.Action.CREATE,
        obj=run,
        after={"scope": run.scope, "year": year, "engine": engine},
    )
    return run


def run_submit(
    *, actor: User | None, scope: str = "", year: int | None = None, engine: str = "duckdb"
) -> Run:
    """Record a run and queue it in one transaction (the queue lives in the same database), so
    a run never waits for a worker nobody will start."""
    from xiezuo.analytics.tasks import verify_run_task

    with transaction.atomic():
        run = run_create(actor=actor, scope=scope, year=year, engine=engine)
        verify_run_task.enqueue(run.pk)
    run.refresh_from_db()
    return run


def _progress(run_id: int, step: str, percent: int) -> None:
    Run.objects.filter(pk=run_id).update(
        step=step[:40], progress=min(percent, 99), heartbeat_at=timezone.now()
    )


def run_execute(run: Run, *, snapshot_dir: Path | None = None) -> Run:
    """Do the run: export (unless given a snapshot), check, and replace the findings."""
    Run.objects.filter(pk=run.pk).update(state=Run.State.RUNNING, heartbeat_at=timezone.now())
    own_dir = snapshot_dir is None
    path = snapshot_dir or Path(settings.DATA_DIR) / "verify" / f"run-{run.pk}"
    try:
        if own_dir:
            _progress(run.pk, "snapshot", 1)
            snapshot.export(path)
        result = jobs.run_job(
            path,
            engine_name=run.engine,
            scope=jobs.parse_scope(run.scope),
            year=run.year,
            step=lambda what, pct: _progress(run.pk, what, 5 + int(pct * 0.9)),
        )
        _save(run, result)
    finally:
        if own_dir:
            shutil.rmtree(path, ignore_errors=True)
    run.refresh_from_db()
    return run


@transaction.atomic
def _save(run: Run, result: jobs.JobResult) -> None:
    rows = []
    keys_seen: set[str] = set()
    for code, kind, record_id, person, id_hash, detail in result.findings:
        rule = rules.BY_CODE[code]
        key = finding_key(code, kind, record_id, id_hash, detail)
        if key in keys_seen:  # the same number twice on one record: one finding
            continue
        keys_seen.add(key)
        meta = result.records.get((kind, record_id), {})
        rows.append(
            Finding(
                run=run,
                key=key,
                rule=code,
                severity=rule.severity,
                record_kind=kind,
                record_id=record_id,
                person_id=person,
                id_hash=id_hash or "",
                detail=detail[:500],
                reporter_code=meta.get("reporter") or "",
                pairing_id=meta.get("pairing"),
                year=meta.get("year"),
                indicator=meta.get("indicator") or "",
                # The overview counts distinct people per indicator, so a double count or
                # an overlap is already counted once there; it is a finding for the units,
                # not an exclusion.
                excludes=code not in rules.COUNTED_ONCE,
            )
        )
    # Decisions carry over from the latest decided finding with the same key.
    keys = [f.key for f in rows]
    decided: dict[str, Finding] = {}
    for earlier in (
        Finding.objects.filter(key__in=keys)
        .exclude(decision=Finding.Decision.OPEN)
        .order_by("decided_at", "id")
        .iterator()
    ):
        decided[earlier.key] = earlier
    for f in rows:
        if f.key in decided:
            e = decided[f.key]
            f.decision, f.decision_reason = e.decision, e.decision_reason
            f.decided_by_id, f.decided_at = e.decided_by_id, e.decided_at
    Finding.objects.bulk_create(rows, batch_size=2000)
    counts = {
        "rules": result.per_rule,
        "served": result.served,
        "carried": sum(1 for f in rows if f.key in decided),
        # Kept in Chinese (the msgid) whoever ran it; the page shows it in its reader's language.
        "skipped": {k: chinese(v) for k, v in rules.SKIPPED.items()},
    }
    Run.objects.filter(pk=run.pk).update(
        state=Run.State.DONE,
        progress=100,
        step="done",
        counts=counts,
        finished_at=timezone.now(),
        heartbeat_at=timezone.now(),
    )


def run_fail(run_id: int, message: str) -> None:
    Run.objects.filter(pk=run_id).update(
        state=Run.State.FAILED, message=message[:2000], finished_at=timezone.now()
    )


@transaction.atomic
def finding_decide(*, actor: User | None, finding: Finding, decision: str, reason: str) -> Finding:
    """A reviewer confirms (the data is wrong) or dismisses (it is right) a finding, saying why."""
    policy.require_decide(actor, finding.reporter_code)
    if decision not in (Finding.Decision.CONFIRMED, Finding.Decision.DISMISSED):
        raise UserError("核实结果只能是“确认有误”或“核实无误”", [Problem("取值不对", "核实结果")])
    reason = (reason or "").strip()
    if not reason:
        raise UserError("核实须说明理由", [Problem("核实须说明理由", "理由")])
    before = {"decision": finding.decision, "reason": finding.decision_reason}
    finding.decision = decision
    finding.decision_reason = reason[:2000]
    finding.decided_by = actor if getattr(actor, "pk", None) else None
    finding.decided_at = timezone.now()
    finding.save(update_fields=["decision", "decision_reason", "decided_by", "decided_at"])
    audit_record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        obj=finding,
        before=before,
        after={"decision": decision, "reason": finding.decision_reason},
    )
    return finding


def as_json(finding: Finding) -> dict[str, Any]:
    return {
        "id": finding.pk,
        "rule": finding.rule,
        "title": finding.title,
        "severity": finding.severity,
        "reason": finding.reason,
        "record_kind": finding.record_kind,
        "record_id": finding.record_id,
        "reporter": finding.reporter_code,
        "year": finding.year,
        "indicator": finding.indicator,
        "decision": finding.decision,
        "decision_reason": finding.decision_reason,
    }
