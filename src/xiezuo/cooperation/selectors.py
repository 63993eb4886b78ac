"""Reads of cooperation records and reports, always through the user's region scope: a record
is visible when its pairing is (either side in the user's subtree or its partners')."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext

from xiezuo.accounts.scope import scope_for
from xiezuo.cooperation.choices import State
from xiezuo.cooperation.models import MODELS, Attachment, Record, Report
from xiezuo.cooperation.specs import spec
from xiezuo.core.errors import NotFound
from xiezuo.regions import codes


def _visible(user: Any, path: str) -> Q:
    """Reports (at `path`) of the pairings the user's region belongs to — and the unit's own
    reports under a pairing above it (a county reporting in its prefecture's pairing), which
    it wrote and must be able to open, though the pairing's other reports stay closed to it."""
    scope = scope_for(user)
    q = scope.pairing_q(f"{path}pairing__")
    if not scope.everything:
        q |= scope.own_q(f"{path}reporter_id")
    return q


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
    if kind == "project":  # the listed beneficiaries show with each project
        qs = qs.prefetch_related("beneficiaries")  # type: ignore[misc]
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
    """Submitted reports the user may review: see `reports_below`; never its own submissions."""
    return reports_below(user=user, state=State.SUBMITTED).exclude(submitted_by=user)


def reports_below(*, user: Any, state: str) -> QuerySet[Report]:
    """Reports in `state` of the units directly below the user's region (national: all) — what a
    reviewer one level up acts on (see services._may_review)."""
    qs = report_list(user=user, state=state)
    if scope_for(user).everything:
        return qs
    region = getattr(user, "region", None)
    if region is None:
        return qs.none()
    return qs.filter(reporter__parent_id=region.code)


def reports_of_unit(*, user: Any) -> QuerySet[Report]:
    """The reports the user's own unit makes (national users, who report for no unit: all)."""
    qs = report_list(user=user)
    region = getattr(user, "region", None)
    if scope_for(user).everything and region is None:
        return qs
    return qs.filter(reporter_id=region.code) if region is not None else qs.none()


def report_counts(report_ids: Iterable[int]) -> dict[int, dict[str, int]]:
    """Records per kind of each report, one query per kind (not one per report and kind)."""
    ids = list(report_ids)
    out: dict[int, dict[str, int]] = {pk: dict.fromkeys(MODELS, 0) for pk in ids}
    for kind, model in MODELS.items():
        rows = (
            model._default_manager.filter(report_id__in=ids)
            .order_by()
            .values("report_id")
            .annotate(n=Count("pk"))
            .values_list("report_id", "n")
        )
        for report_id, n in rows:
            out[report_id][kind] = n
    return out


def kind_counts(*, user: Any) -> dict[str, int]:
    """Visible records per kind."""
    return {kind: record_list(user=user, kind=kind).count() for kind in MODELS}


# ---------------------------------------------------------------- aid by kind and year


@dataclass(frozen=True)
class Measure:
    """One aggregate of one kind of record per year, optionally split into a series per value
    of choice fields (`by`), or named `name` when not split."""

    kind: str
    aggregate: Any  # a Django aggregate expression
    by: tuple[str, ...] = ()
    name: str = ""
    # Counts the registered poor people the records name (trainees, poor people employed): a
    # verification's exclusions are taken out of it when the overview is given them.
    people: bool = False


@dataclass(frozen=True)
class PanelSpec:
    key: str
    title: str
    unit: str
    stacked: bool
    measures: tuple[Measure, ...]


def _label(kind: str, field: str) -> str:
    """A series name from the spec's field label, without the unit the panel already states."""
    return gettext(spec(kind).field(field).label.replace("（万元）", ""))


def _panels() -> tuple[PanelSpec, ...]:
    return (
        PanelSpec(
            "funds",
            gettext("帮扶资金（按资金类型）"),
            gettext("万元"),
            True,
            (Measure("fund", Sum("amount"), ("kind",)),),
        ),
        PanelSpec(
            "budgets",
            gettext("项目资金（按来源）"),
            gettext("万元"),
            True,
            tuple(
                Measure("project", Sum(f), name=_label("project", f))
                for f in ("budget_east", "budget_local", "budget_social")
            ),
        ),
        PanelSpec(
            "other_amounts",
            gettext("产业投资、消费扶贫与社会帮扶"),
            gettext("万元"),
            False,
            (
                Measure("industry", Sum("investment"), name=gettext("产业合作实际投资")),
                Measure("consumption", Sum("amount"), name=gettext("消费扶贫金额")),
                Measure("social", Sum("value"), name=gettext("社会帮扶折合金额")),
            ),
        ),
        PanelSpec(
            "projects",
            gettext("帮扶项目（按类别）"),
            gettext("个"),
            True,
            (Measure("project", Count("pk"), ("sector",)),),
        ),
        PanelSpec(
            "talent",
            gettext("人才交流（按方向和类别）"),
            gettext("人"),
            True,
            (Measure("talent", Count("pk"), ("direction", "talent_kind")),),
        ),
        PanelSpec(
            "trainings",
            gettext("培训期数（按培训对象）"),
            gettext("期"),
            True,
            (Measure("training", Count("pk"), ("training_kind",)),),
        ),
        PanelSpec(
            "trainees",
            gettext("培训人数（按培训对象）"),
            gettext("人次"),
            True,
            (Measure("training", Sum("trainees"), ("training_kind",), people=True),),
        ),
        PanelSpec(
            "industry",
            gettext("产业合作"),
            gettext("家、个、人"),
            False,
            (
                Measure(
                    "industry", Count("credit_code", distinct=True), name=gettext("企业（家）")
                ),
                Measure(
                    "industry", Count("pk", filter=Q(workshop=True)), name=gettext("扶贫车间（个）")
                ),
                Measure("industry", Sum("jobs"), name=gettext("吸纳就业（人）")),
                Measure(
                    "industry",
                    Sum("poor_employed"),
                    name=gettext("带动贫困人口就业（人）"),
                    people=True,
                ),
            ),
        ),
    )


@dataclass
class Series:
    name: str
    values: list[Any]  # one per year of the overview, Decimal for amounts, int for counts

    @property
    def total(self) -> Any:
        return sum(self.values)


@dataclass
class Panel:
    key: str
    title: str
    unit: str
    stacked: bool
    series: list[Series]
    # Where the series count people less a verification's exclusions: what was reported, per
    # series name, to show beside them.
    reported: dict[str, Series] = field(default_factory=dict)

    @property
    def whole(self) -> bool:
        """Counts of people, projects and firms, not money: whole numbers."""
        return self.unit != gettext("万元")

    @property
    def totals(self) -> Series | None:
        """The stack's height per year, where the series add up to a whole."""
        if not self.stacked or len(self.series) < 2:
            return None
        return Series(
            gettext("小计"), [sum(v) for v in zip(*(s.values for s in self.series), strict=True)]
        )


@dataclass
class AidOverview:
    years: list[int]
    panels: list[Panel]

    @property
    def empty(self) -> bool:
        return not self.years


def _choice_labels(kind: str, field: str) -> dict[str, str]:
    return {str(v): str(label) for v, label in spec(kind).field(field).choices.choices}


Where = Q | Callable[[type[Record]], Q]  # one filter, or one per kind of record
# For a kind of record, the number of its people a verification leaves out, per record (an
# expression over OuterRef("pk")); None: no verification to go by.
Less = Callable[[str], Any]


def _measure_rows(
    measure: Measure, where: Where, less: Less | None = None
) -> dict[str, dict[int, Any]]:
    """{series name: {year: value}} for one measure; with `less`, a people measure counts the
    people passed: what each record reported less those its findings exclude."""
    model = MODELS[measure.kind]
    if callable(where):
        where = where(model)
    labels = [_choice_labels(measure.kind, f) for f in measure.by]
    value = measure.aggregate
    if less is not None and measure.people:
        value = measure.aggregate - Sum(Coalesce(less(measure.kind), Value(0)))
    rows = (
        model._default_manager.filter(where)
        .values("report__year", *measure.by)
        .annotate(v=value)
        .order_by()
    )
    # Series follow the choices' own order, so colours and legends stay put from page to page.
    order = {
        "·".join(parts): i
        for i, parts in enumerate(itertools.product(*(lbl.values() for lbl in labels)))
    }
    out: dict[str, dict[int, Any]] = {}
    for row in rows:
        name = "·".join(lbl.get(row[f], row[f]) for lbl, f in zip(labels, measure.by, strict=True))
        out.setdefault(name or measure.name, {})[row["report__year"]] = max(row["v"] or 0, 0)
    return dict(sorted(out.items(), key=lambda item: order.get(item[0], len(order))))


def _aid(where: Where, less: Less | None = None) -> AidOverview:
    panels = []
    found: list[tuple[PanelSpec, dict[str, dict[int, Any]], dict[str, dict[int, Any]]]] = []
    years: set[int] = set()
    for panel in _panels():
        by_series: dict[str, dict[int, Any]] = {}
        reported: dict[str, dict[int, Any]] = {}
        for measure in panel.measures:
            if less is not None and measure.people:
                reported.update(_measure_rows(measure, where))
            by_series.update(_measure_rows(measure, where, less))
        for values in (*by_series.values(), *reported.values()):
            years.update(values)
        found.append((panel, by_series, reported))
    ordered = sorted(years)
    for panel, by_series, reported in found:
        series = [
            Series(name, [values.get(y, 0) for y in ordered])
            for name, values in by_series.items()
            if any(values.values()) or any(reported.get(name, {}).values())
        ]
        before = {
            s.name: Series(s.name, [reported[s.name].get(y, 0) for y in ordered])
            for s in series
            if s.name in reported
        }
        panels.append(Panel(panel.key, panel.title, panel.unit, panel.stacked, series, before))
    return AidOverview(ordered, panels)


def _states_q(states: tuple[str, ...]) -> Q:
    return Q(report__state__in=states) if states else Q()


def aid_of_pairing(
    *, user: Any, pairing_id: int, states: tuple[str, ...] = (), less: Less | None = None
) -> AidOverview:
    """All aid of one pairing by kind and year, from the records the user may see (of reports
    in `states`; all states when empty); with `less`, people counted as passed (`_measure_rows`)."""
    where = _visible(user, "report__") & Q(report__pairing_id=pairing_id)
    return _aid(where & _states_q(states), less)


def aid_of_region(
    *, user: Any, code: str, states: tuple[str, ...] = (), less: Less | None = None
) -> AidOverview:
    """All aid of region `code`: records whose pairing's helped side or reporting unit lies in
    it, and records of wider pairings that land in it (a project placed in one of its villages,
    a fund or a gift sent to it under the prefecture pair)."""
    base = _visible(user, "report__") & _states_q(states)
    names = ("report__pairing__west_region_id", "report__reporter_id", "place_id", "recipient_id")

    def where(model: type[Record]) -> Q:
        fields = {f.attname for f in model._meta.concrete_fields}
        inside = Q()
        for name in names:
            if name.startswith("report__") or name in fields:
                inside |= codes.subtree_q(name, code)
        return base & inside

    return _aid(where, less)


def record_attachments(record: Record) -> QuerySet[Attachment]:
    """The files of one record (read through `record_get`, so already in scope)."""
    return Attachment.objects.filter(
        record_kind=record._meta.model_name, record_id=record.pk
    ).select_related("uploaded_by")


def attachment_get(*, user: Any, pk: int) -> Attachment:
    """An attachment of a report, or of an agreement of a pairing, the user may read."""
    from xiezuo.pairing.selectors import pairing_list

    readable = Q(report__in=report_list(user=user).values("pk")) | Q(
        agreement__pairing__in=pairing_list(user=user).values("pk")
    )
    found = Attachment.objects.filter(readable, pk=pk).first()
    if found is None:
        raise NotFound(f"没有编号为 {pk} 的附件，或您无权查看")
    return found


# ---------------------------------------------------------------- who is told of a report


def _seeing(users: Iterable[Any], report: Report) -> list[Any]:
    """Of these users, those whose own scope shows the report: nobody is told of what they
    may not open (a county reporting under its prefecture's pairing does not see that pairing's
    reports, so it is not told of them either)."""
    return [u for u in users if report_list(user=u).filter(pk=report.pk).exists()]


def report_unit_users(report: Report) -> list[Any]:
    """The reporting unit's own users who may see the report: told when it is returned,
    approved or unlocked."""
    from xiezuo.accounts.models import User

    users = User.objects.filter(is_active=True, region_id=report.reporter_id).select_related(
        "region"
    )
    return _seeing(users, report)


def report_reviewers(report: Report) -> list[Any]:
    """Who may review the report, as the review policy says: the reviewers of the office one
    level above the reporting unit (a province's reports: the national office's). National
    reviewers may review any report, but are told only of the provinces': a county's report is
    its prefecture's business."""
    from xiezuo.accounts.models import Side, User
    from xiezuo.accounts.policy import allows, may_review
    from xiezuo.cooperation import policy

    parent = codes.parent_code(report.reporter_id)
    users = User.objects.filter(is_active=True).select_related("region")
    users = users.filter(region_id=parent) if parent else users.filter(side=Side.NATIONAL)
    return _seeing(
        (
            u
            for u in users
            if may_review(u) and allows(policy.require_review, u, report, approving=False)
        ),
        report,
    )
