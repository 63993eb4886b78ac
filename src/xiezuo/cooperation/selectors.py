"""Reads of cooperation records and reports, always through the user's region scope: a record
is visible when its pairing is (either side in the user's subtree or its partners')."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from xiezuo.accounts.scope import scope_for
from xiezuo.cooperation.choices import State
from xiezuo.cooperation.models import MODELS, Record, Report
from xiezuo.core.errors import NotFound
from xiezuo.regions import codes


def _visible(user: Any, path: str) -> Q:
    scope = scope_for(user)
    if scope.everything:
        return Q()
    return scope.data_q(f"{path}pairing__east_region_id") | scope.data_q(
        f"{path}pairing__west_region_id"
    )


def model_of(kind: str) -> type[Record]:
    found = MODELS.get(kind)
    if found is None:
        raise NotFound(f"没有“{kind}”类帮扶记录")
    return found


def record_list(
    *,
    user: Any,
    kind: str,
    pairing: int | None = None,
    region: str = "",
    year: int | None = None,
    state: str = "",
) -> QuerySet[Record]:
    """One kind's records in scope; `region` matches the pairing's either side or the reporter."""
    model = model_of(kind)
    qs = model._default_manager.filter(_visible(user, "report__")).select_related(
        "report",
        "report__pairing__east_region",
        "report__pairing__east_org",
        "report__pairing__west_region",
        "report__reporter",
    )
    if pairing:
        qs = qs.filter(report__pairing_id=pairing)
    if region and codes.is_well_formed(region):
        qs = qs.filter(
            codes.subtree_q("report__pairing__east_region_id", region)
            | codes.subtree_q("report__pairing__west_region_id", region)
            | codes.subtree_q("report__reporter_id", region)
        )
    if year:
        qs = qs.filter(report__year=year)
    if state:
        qs = qs.filter(report__state=state)
    return qs


def record_get(*, user: Any, kind: str, pk: int) -> Record:
    found = record_list(user=user, kind=kind).filter(pk=pk).first()
    if found is None:
        raise NotFound(f"没有编号为 {pk} 的记录，或您无权查看")
    return found


def report_list(*, user: Any, state: str = "", year: int | None = None) -> QuerySet[Report]:
    qs = Report.objects.filter(_visible(user, "")).select_related(
        "pairing__east_region", "pairing__east_org", "pairing__west_region", "reporter"
    )
    if state:
        qs = qs.filter(state=state)
    if year:
        qs = qs.filter(year=year)
    return qs


def report_get(*, user: Any, pk: int) -> Report:
    found = report_list(user=user).filter(pk=pk).first()
    if found is None:
        raise NotFound(f"没有编号为 {pk} 的报送，或您无权查看")
    return found


def reports_to_review(*, user: Any) -> QuerySet[Report]:
    """Submitted reports of the units strictly below the user's region (national: all)."""
    qs = report_list(user=user, state=State.SUBMITTED)
    scope = scope_for(user)
    if scope.everything:
        return qs
    region = getattr(user, "region", None)
    if region is None:
        return qs.none()
    return qs.filter(codes.subtree_q("reporter_id", region.code)).exclude(reporter_id=region.code)
