"""Labour cooperation pages: a western county's workers, its partners' open postings and the
proposed matches to accept or reject (one by one or in bulk); an eastern unit's postings and
who took them; placements and their stability."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_POST

from xiezuo.accounts.requests import actor
from xiezuo.core import params
from xiezuo.core.errors import Forbidden, NotFound, UserError
from xiezuo.labour import measures, selectors, services
from xiezuo.labour.choices import Employment, PlacementFlag
from xiezuo.web.forms_labour import PostingForm, QuarterForm


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    return render(request, "web/labour/index.html", _index_context(request))


def _index_context(request: HttpRequest, posting_form: Any = None) -> dict[str, Any]:
    from xiezuo.accounts.policy import allows
    from xiezuo.labour import policy

    user: Any = request.user
    region = getattr(user, "region", None)
    today = timezone.localdate()
    summary = measures.summary(region.code, today.year, today) if region is not None else None
    asked = request.GET.get("placement", "")
    person_of = int(asked) if asked.isdigit() and len(asked) < 19 else None
    may_post = region is not None and allows(policy.require_posting, user, region.code)
    if may_post and posting_form is None:
        posting_form = PostingForm(
            initial={"east_unit": region.code if region else "", "start": today}
        )
    postings: list[Any] = list(selectors.posting_list(user=user)[:100])
    for p in postings:
        p.may_close = allows(policy.require_change_posting, user, p)
    return {
        "workers": Paginator(selectors.worker_rows(user=user), 50).get_page(
            request.GET.get("page")
        ),
        "statuses": dict(Employment.choices),
        "postings": postings,
        "matches": selectors.match_list(user=user)[:200],
        "takers": _placeable(user, list(selectors.posting_takers(user=user)[:200])),
        "placements": _with_controls(
            user, list(selectors.placement_list(user=user, person_of=person_of)[:100]), today
        ),
        "person_of": person_of,
        "summary": summary,
        "region": region,
        "quarter": _quarter_context(user, today),
        "posting_form": posting_form if may_post else None,
        "chart": _chart(measures.monthly(selectors.placement_list(user=user), today)),
        "exports": EXPORTS,
    }


def _chart(months: list[measures.Month]) -> dict[str, Any]:
    """The monthly series as the page's chart script reads them (shares in per cent)."""

    def pct(value: float | None) -> float | None:
        return None if value is None else round(value * 100, 1)

    return {
        "months": [m.month for m in months],
        "started": [m.started for m in months],
        "on_job": [m.on_job for m in months],
        "organised": [pct(m.organised_share) for m in months],
        "stable_3": [pct(m.stable_3) for m in months],
        "stable_6": [pct(m.stable_6) for m in months],
        # The series' names in the reader's language (the script has no catalogue of its own).
        "names": {
            "people": gettext("人次"),
            "started": gettext("新增就业"),
            "on_job": gettext("月末在岗"),
            "organised": gettext("有组织就业占比"),
            "stable_3": gettext("3 个月稳定率"),
            "stable_6": gettext("6 个月稳定率"),
        },
    }


def _quarter_context(user: Any, today: datetime.date) -> dict[str, Any]:
    from xiezuo.accounts.policy import allows
    from xiezuo.labour import policy

    checked, counts = selectors.quarter_counts(user=user)
    region = getattr(user, "region", None)
    return {
        "checked": checked,
        "counts": [(label, counts.get(value, 0)) for value, label in Employment.choices],
        "may_check": region is not None and allows(policy.require_quarter_check, user, region.code),
        "year": today.year,
        "quarter": (today.month - 1) // 3 + 1,
    }


@login_required
@require_POST
def quarter_check(request: HttpRequest) -> HttpResponse:
    """The quarterly employment check of the user's own region's workers."""
    region = getattr(request.user, "region", None)
    try:
        if region is None:
            raise UserError("请指定地区")
        year = params.required_int(request.POST, "year", "年度", low=2000, high=2100)
        quarter = params.required_int(request.POST, "quarter", "季度", low=1, high=4)
        report = services.quarter_check(
            actor=actor(request), region_code=region.code, year=year, quarter=quarter
        )
    except Forbidden:
        raise
    except UserError as exc:
        messages.error(request, str(exc))
        return redirect("web:labour")
    done = "，".join(f"{k} {v}" for k, v in sorted(report.counts.items()))
    messages.success(request, f"{year} 年第 {quarter} 季度就业核对完成：{done or '没有劳动力'}")
    return redirect("web:labour")


@login_required
@require_POST
def run(request: HttpRequest) -> HttpResponse:
    region = getattr(request.user, "region", None)
    code = params.code_or_empty(request.POST.get("region", "")) or (region.code if region else "")
    if not code:
        messages.error(request, "请指定地区")
        return redirect("web:labour")
    try:
        result = services.match_run(actor=actor(request), west_code=code)
    except Forbidden:
        raise
    except UserError as exc:
        messages.error(request, str(exc))
        return redirect("web:labour")
    messages.success(
        request, f"匹配完成：{result.matched} 人，总分 {result.total}（{result.method}）"
    )
    return redirect("web:labour")


@login_required
@require_POST
def decide(request: HttpRequest) -> HttpResponse:
    ids = [int(v) for v in request.POST.getlist("match") if v.isdigit()]
    accept = request.POST.get("decision") == "accept"
    if not ids:
        messages.error(request, "请先勾选匹配")
        return redirect("web:labour")
    try:
        n = services.matches_decide(actor=actor(request), match_ids=ids, accept=accept)
    except Forbidden:
        raise
    except UserError as exc:
        messages.error(request, str(exc))
        return redirect("web:labour")
    messages.success(request, f"已{'接受' if accept else '拒绝'} {n} 个匹配")
    return redirect("web:labour")


def _with_controls(user: Any, placements: list[Any], today: datetime.date) -> list[Any]:
    """Each placement with whether this user may end it (the service's own rule) and the whole
    months it has lasted so far."""
    from xiezuo.accounts.policy import allows
    from xiezuo.labour import policy

    flags = dict(PlacementFlag.choices)
    for p in placements:
        p.may_end = allows(policy.require_placement, user, p.home_county_id, p.organiser_region_id)
        p.months = p.months_until(today)
        p.flag_labels = [flags.get(f, f) for f in p.flags or []]
    return placements


def _placeable(user: Any, matches: list[Any]) -> list[Any]:
    """Each accepted match with whether this user may record its worker's start (the service's
    own rule) — asked only where no placement is recorded yet."""
    from xiezuo.accounts.policy import allows
    from xiezuo.labour import policy

    for m in matches:
        m.recorded = getattr(m, "placement", None)
        m.may_place = m.recorded is None and allows(
            policy.require_placement, user, m.worker.county_id, m.posting.east_unit_id
        )
    return matches


def _date(raw: str, label: str = "结束日期") -> datetime.date:
    try:
        return datetime.date.fromisoformat(raw)
    except ValueError as exc:
        raise UserError(f"{label}“{raw}”不是日期（应写作 2025-06-30）") from exc


@login_required
@require_POST
def match_placement(request: HttpRequest, pk: int) -> HttpResponse:
    """An accepted match's worker started: the placement recorded from the match (organised, at
    the posting's place and wage), with the proofs held."""
    match = selectors.taken_match_get(user=request.user, pk=pk)

    def record() -> str:
        start = _date(request.POST.get("start", "").strip(), "上岗日期")
        services.placement_from_match(
            actor=actor(request), match=match, start=start, proofs=request.POST.getlist("proofs")
        )
        return f"{match.worker.name}：已登记上岗（{start}）"

    return _then_back(request, record)


def _then_back(request: HttpRequest, act: Callable[[], str]) -> HttpResponse:
    """A page action: what it did said as a message, or its problem as an error (a refusal stays
    a 403); back to the labour page either way."""
    try:
        messages.success(request, act())
    except Forbidden:
        raise
    except UserError as exc:
        messages.error(request, str(exc))
    return redirect("web:labour")


@login_required
@require_POST
def placement_end(request: HttpRequest, pk: int) -> HttpResponse:
    """End a job on the day given (empty: still on)."""
    placement = selectors.placement_get(user=request.user, pk=pk)

    def end_it() -> str:
        raw = request.POST.get("end", "").strip()
        end = _date(raw) if raw else None
        services.placement_end(actor=actor(request), placement=placement, end=end)
        return f"{placement.person_name}：就业{'至 ' + str(end) if end else '在岗'}"

    return _then_back(request, end_it)


# --- postings ------------------------------------------------------------------------------


@login_required
@require_POST
def posting_new(request: HttpRequest) -> HttpResponse:
    """A posting typed on the page, for the user's unit (or one below it): the same service and
    rules as the API and the import; each problem comes back on its field."""
    form = PostingForm(request.POST)
    if form.is_valid():
        try:
            posting = services.posting_create(actor=actor(request), data=form.posting_in())
        except (Forbidden, NotFound):
            raise
        except UserError as exc:
            form.add_problems(exc)
        else:
            messages.success(request, f"岗位已发布：{posting.employer}，{posting.slots} 个名额")
            return redirect("web:labour")
    return render(
        request, "web/labour/index.html", _index_context(request, posting_form=form), status=400
    )


@login_required
@require_POST
def posting_close(request: HttpRequest, pk: int) -> HttpResponse:
    posting = selectors.posting_get(user=request.user, pk=pk)
    services.posting_close(actor=actor(request), posting=posting)
    messages.success(request, f"岗位已结束招聘：{posting.employer}")
    return redirect("web:labour")


# --- a worker ------------------------------------------------------------------------------


@login_required
@require_GET
def worker_detail(request: HttpRequest, pk: int) -> HttpResponse:
    worker = selectors.worker_get(user=request.user, pk=pk)
    return _worker_page(request, worker, QuarterForm.for_today(timezone.localdate()))


def _worker_page(
    request: HttpRequest, worker: Any, form: QuarterForm, *, status: int = 200
) -> HttpResponse:
    from xiezuo.accounts.policy import allows
    from xiezuo.labour import policy

    user: Any = request.user
    today = timezone.localdate()
    return render(
        request,
        "web/labour/worker.html",
        {
            "worker": worker,
            "skills": worker.skills.all(),
            "quarters": selectors.worker_quarters(worker=worker),
            "placements": _with_controls(
                user, list(selectors.worker_placements(user=user, worker=worker)), today
            ),
            "matches": selectors.worker_matches(user=user, worker=worker),
            "trainings": selectors.worker_trainings(user=user, worker=worker),
            "may_set": allows(policy.require_workers, user, worker.county_id),
            "form": form,
        },
        status=status,
    )


@login_required
@require_POST
def worker_quarter(request: HttpRequest, pk: int) -> HttpResponse:
    """Set a worker's employment in one quarter (a 公益性岗位, a business of the worker's own,
    or a correction of the check)."""
    worker = selectors.worker_get(user=request.user, pk=pk)
    form = QuarterForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            found = services.employment_set(
                actor=actor(request), worker=worker, year=data["year"], quarter=data["quarter"],
                status=data["status"],
            )  # fmt: skip
        except (Forbidden, NotFound):
            raise
        except UserError as exc:
            form.add_problems(exc)
        else:
            messages.success(
                request,
                f"{worker.name}：{found.year} 年第 {found.quarter} 季度"
                f"{found.get_status_display()}",
            )
            return redirect("web:labour_worker", pk=worker.pk)
    return _worker_page(request, worker, form, status=400)


# --- exports -------------------------------------------------------------------------------


def _local(moment: datetime.datetime | None) -> str:
    return f"{timezone.localtime(moment):%Y-%m-%d %H:%M}" if moment else ""


def _worker_rows(user: Any) -> Any:
    statuses = dict(Employment.choices)
    w: Any
    for w in selectors.worker_rows(user=user).iterator(chunk_size=2000):
        yield [
            w.pk, w.name, w.county_id, w.county.name, w.min_wage, "、".join(w.places) or "不限",
            "是" if w.needs_dorm else "否",
            f"{w.last_year} 年第 {w.last_quarter} 季度" if w.last_year else "",
            statuses.get(w.last_status or "", ""),
        ]  # fmt: skip


def _posting_rows(user: Any) -> Any:
    p: Any
    for p in selectors.posting_list(user=user).iterator(chunk_size=2000):
        yield [
            p.pk, p.employer, p.employer_code, p.place_id, p.place.name, p.get_sector_display(),
            p.wage, p.slots, p.taken, p.start, p.east_unit_id, p.east_unit.name,
            p.get_state_display(),
        ]  # fmt: skip


def _match_rows(user: Any) -> Any:
    for m in selectors.match_list(user=user).iterator(chunk_size=2000):
        yield [
            m.pk, m.worker.name, m.worker.county_id, m.posting.employer, m.posting.place.name,
            m.posting.wage, m.score, m.explanation,
        ]  # fmt: skip


def _taker_rows(user: Any) -> Any:
    for m in selectors.posting_takers(user=user).iterator(chunk_size=2000):
        yield [
            m.posting_id, m.posting.employer, m.worker.name, m.worker.county_id, m.score,
            _local(m.decided_at),
        ]  # fmt: skip


def _placement_rows(user: Any) -> Any:
    today = timezone.localdate()
    flags = dict(PlacementFlag.choices)
    for p in selectors.placement_list(user=user).iterator(chunk_size=2000):
        months = p.months_until(today)
        yield [
            p.pk, p.person_name, p.id_masked, p.home_county_id or "", p.employer,
            p.employer_code, p.place_id, p.place.name, p.start, p.end, months,
            "是" if months >= 3 else "否", "是" if months >= 6 else "否", p.wage,
            "是" if p.organised else "否", p.get_organiser_display(), p.organiser_region_id or "",
            p.get_source_display(), "；".join(flags.get(f, f) for f in p.flags or []),
        ]  # fmt: skip


# kind -> (title, audited object type, columns, rows of the user's scope)
EXPORTS: dict[str, tuple[str, str, tuple[str, ...], Any]] = {
    "workers": (
        "可匹配的劳动力",
        "labour.worker",
        ("编号", "姓名", "县代码", "县", "最低期望月工资", "期望地区", "需住宿", "最近核对季度",
         "就业状态"),
        _worker_rows,
    ),
    "postings": (
        "招聘中的岗位",
        "labour.posting",
        ("编号", "用工单位", "统一社会信用代码", "工作地代码", "工作地", "行业", "月工资",
         "名额", "已接受", "开始日期", "引进单位代码", "引进单位", "状态"),
        _posting_rows,
    ),
    "matches": (
        "待确认的匹配",
        "labour.match",
        ("编号", "劳动力", "县代码", "用工单位", "工作地", "月工资", "分值", "理由"),
        _match_rows,
    ),
    "takers": (
        "岗位由谁接受",
        "labour.match",
        ("岗位编号", "用工单位", "劳动力", "县代码", "分值", "确认时间"),
        _taker_rows,
    ),
    "placements": (
        "就业记录",
        "labour.placement",
        ("编号", "姓名", "证件号码（隐去中间位）", "户籍县代码", "用工单位", "统一社会信用代码",
         "工作地代码", "工作地", "开始日期", "结束日期", "已就业月数", "3 个月稳定",
         "6 个月稳定", "月工资", "有组织", "组织方", "组织单位代码", "来源", "标记"),
        _placement_rows,
    ),
}  # fmt: skip


@login_required
@require_GET
def export(request: HttpRequest, kind: str) -> HttpResponse:
    """One list of the page as a workbook: the same selector, so the same scope."""
    from xiezuo.web import exports

    title, object_type, columns, rows = EXPORTS[kind]
    return exports.table_xlsx(
        request=request,
        title=title,
        object_type=object_type,
        columns=columns,
        rows=rows(request.user),
    )
