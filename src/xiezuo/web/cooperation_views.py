"""Cooperation record pages: lists per kind with Excel export, entry forms built from the specs,
reports on their way submit → review → lock, and the aid overviews of a pairing and of a region.

Views parse, call a selector or a service, and render; the rules live in the services and the
region scope in the selectors.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import QuerySet, Sum
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from xiezuo.accounts.policy import allows, may_review
from xiezuo.accounts.requests import actor
from xiezuo.cooperation import attachments, policy, selectors, services, specs
from xiezuo.cooperation.choices import EDITABLE, State
from xiezuo.cooperation.models import Record, Report
from xiezuo.core import params
from xiezuo.core.errors import Forbidden, NotFound, UserError
from xiezuo.pairing import selectors as pairing_selectors
from xiezuo.pairing.choices import Status
from xiezuo.regions import selectors as region_selectors
from xiezuo.web import exports
from xiezuo.web.forms_cooperation import RecordForm, initial_of, record_form

PAGE_SIZE = 50


def _spec(kind: str) -> specs.Spec:
    found = specs.SPECS.get(kind)
    if found is None:
        raise NotFound(f"没有“{kind}”类帮扶记录")
    return found


class Cell(str):
    """A displayed value that knows whether it is an amount (right-aligned in lists)."""

    amount = False


class AmountCell(Cell):
    amount = True


def _cell(field: specs.Field, record: Record, *, short: bool) -> Cell:
    value = getattr(record, field.name)
    if short and field.type == "region" and value is not None:
        return Cell(value.name)  # a list shows the name; the record's page adds the code
    text = _display(field, record)
    return AmountCell(text) if field.type == "amount" else Cell(text)


def _display(field: specs.Field, record: Record) -> str:
    """A value as a person reads it: choice labels, region names, 是 for yes."""
    value = getattr(record, field.name)
    if value is None or value == "":
        return ""
    if field.type == "choice":
        return str(getattr(record, f"get_{field.name}_display")())
    if field.type == "region":
        return f"{value.name}（{value.code}）"
    if field.type == "bool":
        return "是" if value else ""
    if field.type == "amount":
        return format(value.normalize(), ",f")
    return str(value)


def _rows(
    spec: specs.Spec, records: Any, fields: tuple[specs.Field, ...] | None = None
) -> list[dict[str, Any]]:
    short = fields is None
    fields = spec.listed if fields is None else fields
    return [
        {
            "record": r,
            "cells": [_cell(f, r, short=short) for f in fields],
            "editable": r.report.state in EDITABLE,
        }
        for r in records
    ]


def _totals(spec: specs.Spec, records: QuerySet[Record]) -> list[str] | None:
    """The sum of every listed amount over all the records the filters select (not only the
    page shown), aligned with the listed columns; None when the kind has no amount."""
    amounts = [f for f in spec.listed if f.type == "amount"]
    if not amounts:
        return None
    sums = records.order_by().aggregate(**{f.name: Sum(f.name) for f in amounts})
    return [
        format((sums[f.name] or Decimal(0)).normalize(), ",f") if f.type == "amount" else ""
        for f in spec.listed
    ]


def _may_report(request: HttpRequest, report: Report) -> bool:
    """May this user change the report's records (and submit it)? The service's own rule."""
    return report.state in EDITABLE and allows(
        policy.require_report_for, actor(request), report.pairing, report.reporter
    )


def _with_controls(request: HttpRequest, reports: Iterable[Report]) -> list[Report]:
    """Each report with the actions this user may take on it (`report.controls`), decided by the
    policy the services apply — four eyes included, in one query per kind for the whole list."""
    user = actor(request)
    reports = list(reports)
    touched = policy.touched_by(user, [r.pk for r in reports if r.state == State.SUBMITTED])
    for r in reports:
        reviewable = r.state in (State.SUBMITTED, State.APPROVED) and allows(
            policy.require_review, user, r, approving=False
        )
        r.controls = {  # type: ignore[attr-defined]
            "submit": _may_report(request, r),
            "return": reviewable and r.state == State.SUBMITTED,
            "approve": r.state == State.SUBMITTED
            and allows(policy.require_review, user, r, touched=r.pk in touched),
            "unlock": reviewable and r.state == State.APPROVED,
        }
    return reports


def _with_places(spec: specs.Spec, records: QuerySet[Record]) -> QuerySet[Record]:
    """The spec's region fields joined in, so a page of records costs one query."""
    places = [f.name for f in spec.fields if f.type == "region"]
    qs = records.select_related(*places)
    # Only trainings and industry records have people; the stubs cannot know `spec.people`.
    return qs.prefetch_related("people") if spec.people else qs  # type: ignore[misc]


def _filters(request: HttpRequest) -> dict[str, str]:
    keys = ("pairing", "region", "year", "state")
    return {k: request.GET.get(k, "").strip()[:12] for k in keys}


def _listed(request: HttpRequest, spec: specs.Spec, filters: dict[str, str]) -> QuerySet[Record]:
    qs = selectors.record_list(
        user=request.user,
        kind=spec.kind,
        pairing=params.id_or_none(filters["pairing"]),
        region=params.code_or_empty(filters["region"]),
        year=params.year_or_none(filters["year"]),
        state=filters["state"] if filters["state"] in State.values else "",
    )
    return _with_places(spec, qs)


# ---------------------------------------------------------------- index and lists


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    counts = selectors.kind_counts(user=request.user)
    kinds = [(s, counts[k]) for k, s in specs.SPECS.items()]
    to_review = (
        selectors.reports_to_review(user=request.user).count() if may_review(request.user) else 0
    )
    return render(
        request,
        "web/cooperation/index.html",
        {"kinds": kinds, "to_review": to_review, "may_import": _may_enter(request)},
    )


def _may_enter(request: HttpRequest) -> bool:
    return allows(policy.require_import, actor(request))


@login_required
@require_GET
def record_list(request: HttpRequest, kind: str) -> HttpResponse:
    spec = _spec(kind)
    filters = _filters(request)
    listed = _listed(request, spec, filters)
    page = Paginator(listed, PAGE_SIZE).get_page(request.GET.get("page"))
    reported = selectors.report_list(user=request.user).values("pairing_id")
    pairings = pairing_selectors.pairing_list(user=request.user).filter(pk__in=reported)
    return render(
        request,
        "web/cooperation/list.html",
        {
            "spec": spec,
            "page": page,
            "rows": _rows(spec, page),
            "totals": _totals(spec, listed),
            "filters": filters,
            "query": "&".join(f"{k}={v}" for k, v in filters.items() if v),
            "pairings": pairings,
            "states": State.choices,
            "may_import": _may_enter(request),
        },
    )


@login_required
@require_GET
def record_export(request: HttpRequest, kind: str) -> HttpResponseBase:
    spec = _spec(kind)
    return exports.cooperation_xlsx(
        request=request, spec=spec, records=_listed(request, spec, _filters(request))
    )


# ---------------------------------------------------------------- entry


def _render_form(
    request: HttpRequest, form: RecordForm, record: Record | None = None, status: int = 200
) -> HttpResponse:
    context: dict[str, Any] = {
        "spec": form.spec,
        "form": form,
        "record": record,
        "may_import": _may_enter(request),
    }
    if record is None:
        # Said before the form is filled in, not after: the reports of the user's unit for
        # this year that no longer take new records.
        context["closed"] = list(
            selectors.reports_of_unit(user=request.user)
            .filter(year=timezone.localdate().year)
            .exclude(state__in=EDITABLE)
            .select_related("pairing__east_region", "pairing__east_org", "pairing__west_region")
        )
    if record is not None:
        context["people"] = list(record.people.all()) if form.spec.people else []  # type: ignore[attr-defined]
        context["beneficiaries"] = (
            list(record.beneficiaries.all())  # type: ignore[attr-defined]
            if form.spec.kind == "project"
            else []
        )
        context["editable"] = _may_report(request, record.report)
        context["locked"] = record.report.state not in EDITABLE
        context["cells"] = _rows(form.spec, [record], form.spec.fields)[0]["cells"]
        context["attachments"] = selectors.record_attachments(record)
        context["attach_url"] = reverse(
            "web:coop_record_attachment_add", args=[form.spec.kind, record.pk]
        )
        # The large-sum confirmation is a question of the form: a read view names it only
        # where it was given.
        context["fields"] = [
            (f, cell)
            for f, cell in zip(form.spec.fields, context["cells"], strict=True)
            if f.name != "confirmed_large" or getattr(record, f.name, False)
        ]
    return render(request, "web/cooperation/record.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def record_new(request: HttpRequest, kind: str) -> HttpResponse:
    spec = _spec(kind)
    user = actor(request)
    policy.require_import(user)
    pairings = list(pairing_selectors.pairing_list(user=user, status=Status.ACTIVE))
    initial = {
        "reporter": user.region_id or "",
        "year": timezone.localdate().year,
        "pairing": params.id_or_none(request.GET.get("pairing")),
    }
    units = [user.region] if user.region is not None else []
    form = record_form(kind)(request.POST or None, pairings=pairings, initial=initial, units=units)
    if request.method == "POST" and form.is_valid():
        pairing = next(p for p in pairings if p.pk == form.cleaned_data["pairing"])
        reporter = form.reporter()
        if reporter is not None:
            try:
                checked = services.record_check(
                    actor=user,
                    kind=kind,
                    pairing=pairing,
                    reporter=reporter,
                    year=form.cleaned_data["year"],
                    raw=form.raw(),
                    people=form.people(),
                    confirm_large=form.confirm_large(),
                )
                record = services.record_save(actor=user, checked=checked)
            except UserError as exc:
                form.add_problems(exc)
                return _render_form(
                    request, form, status=403 if isinstance(exc, Forbidden) else 200
                )
            messages.success(request, f"已保存{spec.label}记录：{record}")
            return redirect("web:coop_report", pk=record.report_id)
    return _render_form(request, form)


@login_required
@require_http_methods(["GET", "POST"])
def record_detail(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    """One record; its edit form for a reporter while its report is still open."""
    spec = _spec(kind)
    record = selectors.record_get(user=request.user, kind=kind, pk=pk)
    form_class = record_form(kind)
    if request.method == "POST":
        form = form_class(request.POST, pairing=record.report.pairing)
        if form.is_valid():
            people = form.people()
            try:
                services.record_update(
                    actor=actor(request),
                    record=record,
                    raw=form.raw(),
                    people=people or None,
                    confirm_large=form.confirm_large(),
                )
            except UserError as exc:
                form.add_problems(exc)
                return _render_form(
                    request, form, record, status=403 if isinstance(exc, Forbidden) else 200
                )
            messages.success(request, f"已修改{spec.label}记录：{record}")
            return redirect("web:coop_report", pk=record.report_id)
        return _render_form(request, form, record)
    return _render_form(
        request, form_class(initial=initial_of(spec, record), pairing=record.report.pairing), record
    )


@login_required
@require_POST
def record_delete(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    spec = _spec(kind)
    record = selectors.record_get(user=request.user, kind=kind, pk=pk)
    try:
        services.record_delete(actor=actor(request), record=record)
    except Forbidden:
        raise  # a refusal of rights is the 403 page, as for the record's form itself
    except UserError as exc:
        messages.error(request, str(exc))
        return redirect("web:coop_record", kind=kind, pk=pk)
    messages.success(request, f"已删除{spec.label}记录：{record}")
    return redirect("web:coop_report", pk=record.report_id)


# ---------------------------------------------------------------- report → review → lock


def _with_counts(request: HttpRequest, reports: Any) -> list[tuple[Report, dict[str, int]]]:
    reports = _with_controls(request, reports)
    counts = selectors.report_counts(r.pk for r in reports)
    return [(r, counts[r.pk]) for r in reports]


@login_required
@require_GET
def report_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    page = Paginator(selectors.reports_of_unit(user=user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    reviewer = may_review(user)
    return render(
        request,
        "web/cooperation/reports.html",
        {
            "page": page,
            "mine": _with_counts(request, page),
            "to_review": _with_counts(request, selectors.reports_to_review(user=user)[:100])
            if reviewer
            else [],
            "approved": _with_counts(
                request, selectors.reports_below(user=user, state=State.APPROVED)[:100]
            )
            if reviewer
            else [],
            "reviewer": reviewer,
            "may_import": _may_enter(request),
            "kinds": specs.SPECS.values(),
        },
    )


def _act(request: HttpRequest, report: Report) -> None:
    """One step of the report's way, as the POST names it; a refusal becomes a message."""
    action = request.POST.get("action", "")
    text = request.POST.get("comment", "")
    done = {
        "submit": "报送已提交，等待上一级审核",
        "approve": "报送已审核通过并锁定",
        "return": "报送已退回",
        "unlock": "报送已解锁，退回填报单位修改",
    }
    user = actor(request)
    try:
        if action == "submit":
            services.report_submit(actor=user, report=report)
        elif action in ("approve", "return"):
            services.report_review(
                actor=user, report=report, approve=action == "approve", comment=text
            )
        elif action == "unlock":
            services.report_unlock(actor=user, report=report, reason=text)
        else:
            messages.error(request, "请求不完整")
            return
    except UserError as exc:
        messages.error(request, str(exc))
        return
    messages.success(request, done[action])


@login_required
@require_http_methods(["GET", "POST"])
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    report = selectors.report_get(user=request.user, pk=pk)
    if request.method == "POST":
        _act(request, report)
        if request.POST.get("back") == "reports":
            return redirect("web:coop_reports")
        return redirect("web:coop_report", pk=report.pk)
    sections = []
    for kind, spec in specs.SPECS.items():
        records = _with_places(
            spec, selectors.record_list(user=request.user, kind=kind).filter(report=report)
        )
        rows = _rows(spec, records)
        if rows:
            sections.append((spec, rows))
    return render(
        request,
        "web/cooperation/report.html",
        {
            "report": _with_controls(request, [report])[0],
            "steps": report.steps.select_related("actor"),
            "attachments": report.attachments.select_related("uploaded_by"),
            "attach_url": reverse("web:coop_attachment_add", args=[report.pk]),
            "sections": sections,
            "editable": _may_report(request, report),
            "kinds": specs.SPECS.values(),
        },
    )


# ---------------------------------------------------------------- aid overviews


def _chart_data(overview: selectors.AidOverview) -> dict[str, Any]:
    """What cooperation.js draws: numbers as floats (JSON has no decimals)."""
    return {
        "years": [str(y) for y in overview.years],
        "panels": [
            {
                "key": p.key,
                "title": p.title,
                "unit": p.unit,
                "whole": p.whole,
                "stacked": p.stacked,
                "series": [
                    {"name": s.name, "data": [float(v) for v in s.values]} for s in p.series
                ],
            }
            for p in overview.panels
            if p.series
        ],
    }


def _verification(request: HttpRequest, run: Any) -> dict[str, Any] | None:
    """What the last complete verification run of this scope excluded, and why: the overview's
    people are counted as passed by it."""
    from xiezuo.analytics import selectors as analytics

    if run is None:
        return None
    visible = analytics.runs_for(request.user).filter(pk=run.pk).exists()
    return {"run": run, "rows": analytics.overview(run), "link": visible}


def _last_run(scope: str) -> tuple[Any, selectors.Less | None]:
    """The last complete verification run of this scope, and what it takes out of each record."""
    from xiezuo.analytics import selectors as analytics

    run = analytics.latest_done(scope=scope)
    return run, (analytics.excluded_on_record(run) if run is not None else None)


def _render_aid(
    request: HttpRequest,
    overview: selectors.AidOverview,
    *,
    run: Any,
    **context: Any,
) -> HttpResponse:
    return render(
        request,
        "web/cooperation/aid.html",
        {
            "verification": _verification(request, run),
            "overview": overview,
            "chart": _chart_data(overview),
            "counted": _counted(request),
            **context,
        },
    )


# What an overview counts: by default what units have reported (submitted or approved), not
# drafts still being entered; approved (locked) only, or everything, when asked.
COUNTED = {
    "reported": (State.SUBMITTED, State.APPROVED),
    "approved": (State.APPROVED,),
    "all": (),
}


def _counted(request: HttpRequest) -> str:
    asked = request.GET.get("state", "")
    return asked if asked in COUNTED else "reported"


def _states(request: HttpRequest) -> tuple[str, ...]:
    return COUNTED[_counted(request)]


@login_required
@require_GET
def pairing_aid(request: HttpRequest, pk: int) -> HttpResponse:
    pairing = pairing_selectors.pairing_get(user=request.user, pk=pk)
    run, less = _last_run(f"pairing:{pairing.pk}")
    overview = selectors.aid_of_pairing(
        user=request.user, pairing_id=pairing.pk, states=_states(request), less=less
    )
    return _render_aid(
        request,
        overview,
        run=run,
        pairing=pairing,
        title=f"{pairing.east_name} → {pairing.west_region.name}",
    )


@login_required
@require_GET
def region_aid(request: HttpRequest, code: str) -> HttpResponse:
    resolved = region_selectors.region_get(user=request.user, code=code)
    if resolved.replaced:
        return redirect("web:coop_region", code=resolved.region.code)
    region = resolved.region
    run, less = _last_run(region.code)
    overview = selectors.aid_of_region(
        user=request.user, code=region.code, states=_states(request), less=less
    )
    return _render_aid(request, overview, run=run, region=region, title=region.name)


# ---------------------------------------------------------------- attachments


def _attach(request: HttpRequest, back: HttpResponse, **target: Any) -> HttpResponse:
    """One upload for whatever carries it (a report, an agreement): the service's refusal of
    rights is the 403 page, any other problem a message on the page the user came from."""
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, "请选择要上传的文件")
        return back
    try:
        made = attachments.attachment_add(
            actor=actor(request), name=upload.name or "", source=upload, **target
        )
    except Forbidden:
        raise
    except UserError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"已添加附件：{made.name}")
    return back


@login_required
@require_POST
def attachment_add(request: HttpRequest, pk: int) -> HttpResponse:
    report = selectors.report_get(user=request.user, pk=pk)
    return _attach(request, redirect("web:coop_report", pk=report.pk), report=report)


@login_required
@require_POST
def agreement_attachment_add(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = pairing_selectors.agreement_get(user=request.user, pk=pk)
    back = redirect("web:pairing_detail", pk=agreement.pairing_id)
    return _attach(request, back, agreement=agreement)


@login_required
@require_POST
def record_attachment_add(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    _spec(kind)
    record = selectors.record_get(user=request.user, kind=kind, pk=pk)
    return _attach(request, redirect("web:coop_record", kind=kind, pk=record.pk), record=record)


@login_required
@require_POST
def attachment_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """Remove a file while what carries it may change; back to the page that showed it."""
    found = selectors.attachment_get(user=request.user, pk=pk)
    if found.record_id is not None:
        back = redirect("web:coop_record", kind=found.record_kind, pk=found.record_id)
    elif found.report_id is not None:
        back = redirect("web:coop_report", pk=found.report_id)
    else:
        assert found.agreement is not None
        back = redirect("web:pairing_detail", pk=found.agreement.pairing_id)
    try:
        attachments.attachment_delete(actor=actor(request), attachment=found)
    except Forbidden:
        raise
    except UserError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"已删除附件：{found.name}")
    return back


@login_required
@require_GET
def attachment_download(request: HttpRequest, pk: int) -> HttpResponseBase:
    from django.http import FileResponse

    found = selectors.attachment_get(user=request.user, pk=pk)
    handle = attachments.attachment_open(actor=actor(request), attachment=found)
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=found.name,
        content_type=attachments.CONTENT_TYPES.get(found.kind, "application/octet-stream"),
    )
    response["Cache-Control"] = "no-store, private"
    return response
