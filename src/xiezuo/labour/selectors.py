"""Reads of labour data, scoped to what the user may see (region scope applied here, once)."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet

from xiezuo.accounts.scope import scope_for
from xiezuo.labour.choices import MatchState, PostingState
from xiezuo.labour.models import Match, Placement, Posting, Worker


def worker_list(*, user: Any, available: bool = True) -> QuerySet[Worker]:
    qs = scope_for(user).filter_data(Worker.objects.select_related("county"), "county_id")
    return qs.filter(flag="") if available else qs


def worker_get(*, user: Any, pk: int) -> Worker:
    from xiezuo.core.errors import NotFound

    found = worker_list(user=user, available=False).filter(pk=pk).first()
    if found is None:
        raise NotFound(f"没有编号为 {pk} 的劳动力，或不在您的范围内")
    return found


def posting_list(*, user: Any, open_only: bool = True) -> QuerySet[Posting]:
    """Postings the user's scope covers by the unit that brought them or by the workplace: an
    eastern unit sees its own, a western county its partners' (scope includes partners)."""
    scope = scope_for(user)
    qs = Posting.objects.select_related("place", "east_unit").annotate(
        taken=Count("matches", filter=Q(matches__state=MatchState.ACCEPTED))
    )
    if not scope.everything:
        qs = qs.filter(scope.data_q("east_unit_id") | scope.data_q("place_id"))
    return qs.filter(state=PostingState.OPEN) if open_only else qs


def match_list(*, user: Any, state: str = MatchState.PROPOSED) -> QuerySet[Match]:
    qs = Match.objects.select_related("worker", "posting", "posting__place").filter(state=state)
    return scope_for(user).filter_data(qs, "worker__county_id")


def placement_get(*, user: Any, pk: int) -> Placement:
    from xiezuo.core.errors import NotFound

    found = placement_list(user=user).filter(pk=pk).first()
    if found is None:
        raise NotFound(f"没有编号为 {pk} 的就业记录，或不在您的范围内")
    return found


def placement_list(*, user: Any, person_of: int | None = None) -> QuerySet[Placement]:
    """The placements in the user's scope; with `person_of`, only those of the person placement
    `person_of` is of (by keyed ID hash), as a verification finding on it links to them."""
    scope = scope_for(user)
    qs = Placement.objects.select_related("place", "home_county")
    if not scope.everything:
        qs = qs.filter(
            scope.data_q("home_county_id")
            | scope.data_q("place_id")
            | scope.data_q("organiser_region_id")
        )
    if person_of is not None:
        person = qs.filter(pk=person_of).values_list("id_hash", flat=True).first()
        qs = qs.filter(id_hash=person) if person else qs.none()
    return qs


def posting_takers(*, user: Any) -> QuerySet[Match]:
    """Accepted matches on the postings the user's units brought (who took them), and those of
    the user's own workers (where they are going)."""
    scope = scope_for(user)
    qs = Match.objects.select_related("worker", "posting", "placement").filter(
        state=MatchState.ACCEPTED
    )
    if scope.everything:
        return qs
    return qs.filter(scope.data_q("posting__east_unit_id") | scope.own_q("worker__county_id"))


def taken_match_get(*, user: Any, pk: int) -> Match:
    """One accepted match of `posting_takers`, or NotFound (whatever it is elsewhere)."""
    from xiezuo.core.errors import NotFound

    found = posting_takers(user=user).filter(pk=pk).first()
    if found is None:
        raise NotFound(f"没有编号为 {pk} 的已接受匹配，或您无权查看")
    return found


def quarter_counts(*, user: Any) -> tuple[tuple[int, int] | None, dict[str, int]]:
    """The latest quarter checked among the user's workers, and how many were in each status."""
    from django.db.models import Count as N

    from xiezuo.labour.models import EmploymentStatus

    rows = EmploymentStatus.objects.filter(worker__in=worker_list(user=user, available=False))
    latest = rows.order_by("-year", "-quarter").values_list("year", "quarter").first()
    if latest is None:
        return None, {}
    year, quarter = latest
    counts = dict(
        rows.filter(year=year, quarter=quarter)
        .values_list("status")
        .annotate(n=N("pk"))
        .values_list("status", "n")
    )
    return (year, quarter), counts


def worker_rows(*, user: Any) -> QuerySet[Worker]:
    """The available workers in scope, each with its latest quarter checked (`last_year`,
    `last_quarter`, `last_status`): one query for the page however many rows it shows."""
    from django.db.models import OuterRef, Subquery

    from xiezuo.labour.models import EmploymentStatus

    latest = EmploymentStatus.objects.filter(worker=OuterRef("pk")).order_by("-year", "-quarter")
    return worker_list(user=user).annotate(
        last_year=Subquery(latest.values("year")[:1]),
        last_quarter=Subquery(latest.values("quarter")[:1]),
        last_status=Subquery(latest.values("status")[:1]),
    )


def worker_quarters(*, worker: Worker) -> QuerySet[Any]:
    """A worker's employment each quarter, the latest first (the worker already in scope)."""
    return worker.quarters.order_by("-year", "-quarter")


def worker_placements(*, user: Any, worker: Worker) -> QuerySet[Placement]:
    """The person's jobs the user may see, by the keyed ID hash (a job recorded before the
    profile existed, or by another office, is the same person's)."""
    return placement_list(user=user).filter(id_hash=worker.id_hash)


def worker_matches(*, user: Any, worker: Worker) -> QuerySet[Match]:
    """Every match proposed for the worker, decided or not, the latest run first."""
    qs = Match.objects.select_related("posting", "posting__place", "run").filter(worker=worker)
    return scope_for(user).filter_data(qs, "worker__county_id").order_by("-run__created_at", "pk")


def worker_trainings(*, user: Any, worker: Worker) -> QuerySet[Any]:
    """The trainings (cooperation records) that list the worker among their trainees, by the
    keyed ID hash both apps keep; only the records the user may see (the cooperation scope)."""
    from xiezuo.cooperation import selectors as cooperation

    trainings: QuerySet[Any] = cooperation.record_list(user=user, kind="training")
    return trainings.filter(people__id_hash=worker.id_hash).distinct().order_by("-date", "-pk")


def posting_get(*, user: Any, pk: int) -> Posting:
    from xiezuo.core.errors import NotFound

    found = posting_list(user=user, open_only=False).filter(pk=pk).first()
    if found is None:
        raise NotFound(f"没有编号为 {pk} 的岗位，或不在您的范围内")
    return found
