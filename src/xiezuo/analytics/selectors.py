"""Reads for pages, the API and exports: runs, the review queue, findings of a record, and the
overview counts (people passed vs excluded, per indicator)."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.utils.translation import gettext_lazy as _

from xiezuo.accounts import policy
from xiezuo.analytics.models import Finding, Run
from xiezuo.analytics.snapshot import INDUSTRY_INDICATOR, PROJECT_INDICATOR

# The indicators people are counted toward that are no agreement indicator.
_OWN_INDICATORS = {
    INDUSTRY_INDICATOR: _("企业吸纳贫困人口就业"),
    PROJECT_INDICATOR: _("项目受益户"),
}


def indicator_name(code: str) -> str:
    """What a reader calls an indicator ('labourers_trained' → 培训贫困劳动力)."""
    from xiezuo.pairing.choices import Indicator

    if code in _OWN_INDICATORS:
        return str(_OWN_INDICATORS[code])
    try:
        return str(Indicator(code).label)
    except ValueError:
        return code


def _own(actor: Any, field: str = "reporter_code") -> Q:
    prefix = policy.own_prefix(actor)
    return (
        Q() if prefix is None else Q(**{f"{field}__startswith": prefix}) if prefix else Q(pk__in=[])
    )


def runs_for(actor: Any) -> QuerySet[Run]:
    """Runs an office may open: national runs and pairing runs (their findings are then cut to
    its own subtree by `queue`), runs over its own subtree, and its own runs."""
    qs = Run.objects.all()
    prefix = policy.own_prefix(actor)
    if prefix is None:
        return qs
    visible = Q(scope="") | Q(scope__startswith="pairing:") | Q(created_by=actor)
    if prefix:
        visible |= Q(scope__startswith=prefix)
    return qs.filter(visible)


def latest_done(scope: str = "", year: int | None = None) -> Run | None:
    """The findings that stand for a scope: those of its last complete run. A run that failed or
    is still going changes nothing until it completes."""
    return (
        Run.objects.filter(scope=scope, year=year, state=Run.State.DONE)
        .order_by("-finished_at", "-id")
        .first()
    )


def queue(
    actor: Any,
    run: Run,
    *,
    rule: str = "",
    decision: str = Finding.Decision.OPEN,
    severity: str = "",
) -> QuerySet[Finding]:
    qs = run.findings.filter(_own(actor))
    if rule:
        qs = qs.filter(rule=rule)
    if decision:
        qs = qs.filter(decision=decision)
    if severity:
        qs = qs.filter(severity=severity)
    return qs.order_by("severity", "rule", "record_kind", "record_id", "id")


def findings_of_record(actor: Any, record_kind: str, record_id: int) -> list[Finding]:
    """The standing findings on one record: from the latest complete run that looked at it."""
    latest = (
        Finding.objects.filter(
            _own(actor), record_kind=record_kind, record_id=record_id, run__state=Run.State.DONE
        )
        .order_by("-run__finished_at", "-run_id")
        .values_list("run_id", flat=True)
        .first()
    )
    if latest is None:
        return []
    return list(Finding.objects.filter(run_id=latest, record_kind=record_kind, record_id=record_id))


def overview(run: Run) -> list[dict[str, Any]]:
    """Per indicator: people reported, excluded (a standing finding that leaves them out: open
    or confirmed, not dismissed) and why, and passed — what the assessment may count."""
    served = run.counts.get("served", {})
    excluded = (
        run.findings.filter(excludes=True)
        .exclude(decision=Finding.Decision.DISMISSED)
        .exclude(id_hash="")
    )
    out = []
    for indicator, figures in sorted(served.items()):
        rows = excluded.filter(indicator=indicator)
        people = rows.values("id_hash").distinct().count()
        why = {
            r["rule"]: r["n"]
            for r in rows.values("rule")
            .annotate(n=Count("id_hash", distinct=True))
            .order_by("rule")
        }
        total = int(figures.get("people", 0))
        out.append(
            {
                "indicator": indicator,
                "name": indicator_name(indicator),
                "reported": total,
                "excluded": people,
                "passed": max(total - people, 0),
                "why": why,
            }
        )
    return out


def excluded_on_record(run: Run) -> Any:
    """For a kind of record, the people the run's standing findings leave out of each record
    (open or confirmed, not dismissed; a finding that excludes nobody, V09 or V10, does not
    count): an expression over the record's OuterRef("pk"), for the aid overviews."""

    def people(record_kind: str) -> Subquery:
        return Subquery(
            Finding.objects.filter(
                run=run, record_kind=record_kind, record_id=OuterRef("pk"), excludes=True
            )
            .exclude(decision=Finding.Decision.DISMISSED)
            .exclude(id_hash="")
            .order_by()
            .values("record_id")
            .annotate(n=Count("id_hash", distinct=True))
            .values("n")[:1]
        )

    return people


def run_get(actor: Any, pk: int) -> Run:
    from xiezuo.core.errors import NotFound

    run = runs_for(actor).filter(pk=pk).first()
    if run is None:
        raise NotFound(f"没有编号为 {pk} 的数据比对，或不在您的范围内")
    return run


def finding_get(actor: Any, pk: int) -> Finding:
    from xiezuo.core.errors import NotFound

    finding = Finding.objects.filter(_own(actor), pk=pk).first()
    if finding is None:
        raise NotFound(f"没有编号为 {pk} 的比对结果，或不在您的范围内")
    return finding
