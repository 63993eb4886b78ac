"""Pairing pages: the network and list, one pairing with its agreements, targets and tasks,
and the balanced-pairing optimizer with its proposals."""

from __future__ import annotations

import datetime
import re
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from xiezuo.accounts.policy import allows
from xiezuo.accounts.requests import actor
from xiezuo.accounts.selectors import active_user
from xiezuo.core import params
from xiezuo.core.errors import Forbidden, UserError
from xiezuo.pairing import policy, selectors, services
from xiezuo.pairing.choices import Indicator, Kind, Level, Status, TaskStatus
from xiezuo.pairing.models import Pairing
from xiezuo.regions.models import Region
from xiezuo.regions.selectors import region_from_text
from xiezuo.web import exports


def _filters(request: HttpRequest) -> dict[str, str]:
    keys = ("level", "kind", "status", "region", "q")
    return {k: request.GET.get(k, "").strip()[:40] for k in keys}


def _listed(request: HttpRequest, filters: dict[str, str]) -> Any:
    return selectors.pairing_list(
        user=request.user,
        level=params.int_or_none(filters["level"], low=1, high=6),
        kind=filters["kind"],
        status=filters["status"],
        region=filters["region"],
        text=filters["q"],
    )


class PairingForm(forms.Form):
    east_code = forms.CharField(label=_("帮扶方区划代码"), max_length=12, required=False)
    east_org = forms.CharField(
        label=_("或：帮扶单位名称（中央单位）"), max_length=200, required=False
    )
    west_code = forms.CharField(label=_("受帮扶方区划代码"), max_length=12)
    kind = forms.ChoiceField(label=_("结对类型"), choices=Kind.choices, initial=Kind.EAST_WEST)
    start_year = forms.IntegerField(label=_("开始年份"), min_value=2000, max_value=2100)
    end_year = forms.IntegerField(
        label=_("结束年份"), min_value=2000, max_value=2100, required=False
    )
    reason = forms.CharField(label=_("不在上级结对内的理由"), required=False, max_length=500)


def _region_field(form: forms.Form, field: str, code: str) -> Region | None:
    if not code:
        return None
    try:
        return region_from_text(code)
    except UserError as exc:
        form.add_error(field, exc.summary)
        return None


_FORM_FIELDS = {
    "帮扶方": "east_code",
    "受帮扶方": "west_code",
    "结对类型": "kind",
    "开始年份": "start_year",
    "结束年份": "end_year",
    "不在上级结对内的理由": "reason",
}


def _add_problems(form: forms.Form, exc: UserError, fields: dict[str, str]) -> None:
    for problem in exc.problems or []:
        form.add_error(fields.get(problem.where), problem.message)
    if not exc.problems:
        form.add_error(None, exc.summary)


@login_required
@require_http_methods(["GET", "POST"])
def pairing_list(request: HttpRequest) -> HttpResponse:
    filters = _filters(request)
    form = PairingForm(request.POST or None, initial={"start_year": timezone.localdate().year})
    if request.method == "POST":
        # Without the role there is no form on the page: a post anyway is the 403 page. The
        # service asks again; a refusal of a pairing's sides goes back onto the form.
        policy.require_register(actor(request))
        made = _create_from_form(request, form)
        if made is not None:
            if made.status == Status.PROPOSED:
                messages.success(request, f"已提出结对：{made}，待对方确认后生效")
            else:
                messages.success(request, f"已登记结对：{made}")
            return redirect("web:pairing_detail", pk=made.pk)
    qs = _listed(request, filters)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    query = "&".join(f"{k}={v}" for k, v in filters.items() if v)
    return render(
        request,
        "web/pairing/list.html",
        {
            "page": page,
            "filters": filters,
            "query": query,
            "levels": Level.choices,
            "kinds": Kind.choices,
            "statuses": Status.choices,
            "form": form,
            "may_manage": allows(policy.require_register, actor(request)),
            "may_import": allows(policy.require_import, actor(request)),
        },
    )


def _create_from_form(request: HttpRequest, form: PairingForm) -> Pairing | None:
    if not form.is_valid():
        return None
    data = form.cleaned_data
    west = _region_field(form, "west_code", data["west_code"].strip())
    east = _region_field(form, "east_code", data["east_code"].strip())
    org = None
    if data["east_org"].strip():
        from xiezuo.pairing.models import Organisation

        org = Organisation.objects.filter(name=data["east_org"].strip()).first()
        if org is None:
            form.add_error("east_org", "没有该帮扶单位：请先在管理后台登记单位")
    if form.errors or west is None:
        return None
    try:
        return services.pairing_create(
            actor=actor(request),
            west=west,
            east_region=east,
            east_org=org,
            kind=data["kind"],
            start_year=data["start_year"],
            end_year=data["end_year"],
            outside_parent_reason=data["reason"],
        )
    except UserError as exc:
        _add_problems(form, exc, _FORM_FIELDS)
        return None


@login_required
@require_GET
def pairing_network(request: HttpRequest) -> HttpResponse:
    """The graph's data as JSON: fetched by the page, so the list stays fast to render."""
    from django.http import JsonResponse

    filters = _filters(request)
    rows = _listed(request, filters).filter(status=Status.ACTIVE)
    if not filters["level"]:
        rows = rows.filter(level__lte=Level.COUNTY)
    return JsonResponse(
        selectors.network(user=request.user, pairings=rows[:3000]),
        json_dumps_params={"ensure_ascii": False},
    )


@login_required
@require_GET
def pairing_export(request: HttpRequest) -> HttpResponseBase:
    return exports.pairings_xlsx(request=request, pairings=_listed(request, _filters(request)))


@login_required
@require_GET
def targets_export(request: HttpRequest) -> HttpResponseBase:
    targets = selectors.target_list(
        user=request.user,
        pairings=_listed(request, _filters(request)),
        year=params.year_or_none(request.GET.get("year")),
    )
    return exports.targets_xlsx(request=request, targets=targets)


class AgreementForm(forms.Form):
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    signed_on = forms.DateField(label=_("签订日期"), required=False)
    note = forms.CharField(
        label=_("备注"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class TargetForm(forms.Form):
    agreement = forms.IntegerField(widget=forms.HiddenInput)
    indicator = forms.ChoiceField(label=_("指标"), choices=Indicator.choices)
    value = forms.CharField(label=_("目标值"), max_length=20)
    deadline = forms.DateField(label=_("截止日期"), widget=forms.DateInput(attrs={"type": "date"}))
    responsible_unit = forms.CharField(label=_("责任单位"), max_length=200)
    responsible_person = forms.CharField(label=_("责任人"), max_length=100, required=False)
    owner = forms.CharField(label=_("责任人账号"), max_length=150, required=False)


_TARGET_FIELDS = {"目标值": "value", "截止日期": "deadline", "指标": "indicator"}


@login_required
@require_http_methods(["GET", "POST"])
def pairing_detail(request: HttpRequest, pk: int) -> HttpResponse:
    pairing = selectors.pairing_get(user=request.user, pk=pk)
    today = timezone.localdate()
    agreement_form = AgreementForm(
        request.POST if request.POST.get("form") == "agreement" else None,
        initial={"year": today.year},
    )
    target_form = TargetForm(request.POST if request.POST.get("form") == "target" else None)
    if request.method == "POST":
        done = _post_detail(request, pairing, agreement_form, target_form)
        if done:
            return redirect("web:pairing_detail", pk=pairing.pk)
    agreements = []
    for agreement in selectors.agreements_of(pairing):
        targets = []
        for t in agreement.targets.all():
            progress = selectors.target_progress(t, today=today)  # once per target, not per task
            targets.append((t, progress, _task_rows(t, today, progress)))
        agreements.append((agreement, targets))
    return render(
        request,
        "web/pairing/detail.html",
        {
            "pairing": pairing,
            # Links only where the user may follow them: a county reads its own pairing, not
            # always the prefecture pair it lies in.
            "parent_visible": pairing.parent_id is not None
            and selectors.pairing_list(user=request.user).filter(pk=pairing.parent_id).exists(),
            "source_proposal": _source_proposal(request, pairing),
            "children": selectors.pairing_children(pairing),
            "agreements": agreements,
            "agreement_form": agreement_form,
            "target_form": target_form,
            "may_plan": allows(policy.require_plan, actor(request), pairing, "安排任务"),
            "may_manage": allows(policy.require_change, actor(request), pairing),
            "may_confirm": allows(policy.require_confirm, actor(request), pairing),
            "task_statuses": TaskStatus.choices,
            "today": today,
        },
    )


def _source_proposal(request: HttpRequest, pairing: Any) -> int | None:
    """The optimizer proposal a pairing came from, when the user may open it."""
    found = re.match(r"结对方案 (\d+)", pairing.source or "")
    if not found:
        return None
    pk = int(found.group(1))
    return pk if selectors.proposal_list(user=request.user).filter(pk=pk).exists() else None


def _task_rows(target: Any, today: datetime.date, progress: Any) -> list[tuple[Any, str]]:
    return [
        (t, selectors.task_state(t, today=today, progress=progress)) for t in target.tasks.all()
    ]


def _post_detail(
    request: HttpRequest, pairing: Pairing, agreement_form: AgreementForm, target_form: TargetForm
) -> bool:
    action = request.POST.get("form")
    user = actor(request)
    try:
        if action == "agreement" and agreement_form.is_valid():
            data = agreement_form.cleaned_data
            services.agreement_create(
                actor=user,
                pairing=pairing,
                year=data["year"],
                signed_on=data["signed_on"],
                note=data["note"],
            )
            messages.success(request, f"已创建 {data['year']} 年度协议")
            return True
        if action == "target" and target_form.is_valid():
            return _save_target(request, pairing, target_form)
        if action == "schedule":
            target_id = params.id_or_none(request.POST.get("target"))
            if target_id is None:
                raise UserError("请求不完整：没有指明目标")
            target = selectors.target_get(user=request.user, pk=target_id)
            tasks = services.target_schedule(actor=user, target=target)
            messages.success(request, f"已按截止日期倒排 {len(tasks)} 项任务")
            return True
        if action == "end":
            year = request.POST.get("end_year") or str(timezone.localdate().year)
            services.pairing_end(
                actor=user,
                pairing=pairing,
                end_year=params.required_int({"y": year}, "y", "结束年份", low=2000, high=2100),
                reason=request.POST.get("reason", ""),
            )
            messages.success(request, "结对已结束")
            return True
        if action == "confirm":
            services.pairing_confirm(actor=user, pairing=pairing)
            messages.success(request, "已确认结对：结对自即日起生效")
            return True
        if action == "decline":
            services.pairing_decline(
                actor=user, pairing=pairing, reason=request.POST.get("reason", "")
            )
            messages.success(request, "已不予确认该结对")
            return True
    except UserError as exc:
        if action in ("agreement", "target"):
            form = target_form if action == "target" else agreement_form
            _add_problems(form, exc, _TARGET_FIELDS | {"年度": "year", "签订日期": "signed_on"})
            return False
        messages.error(request, str(exc))
        return True
    if action not in ("agreement", "target"):
        messages.error(request, "请求不完整")
        return True
    return False


def _save_target(request: HttpRequest, pairing: Pairing, form: TargetForm) -> bool:
    data = form.cleaned_data
    agreement = pairing.agreements.filter(pk=data["agreement"]).first()
    if agreement is None:
        form.add_error(None, "该协议不属于本结对")
        return False
    owner = None
    if data["owner"]:
        owner = active_user(data["owner"])
        if owner is None:
            form.add_error("owner", f"没有用户名为“{data['owner']}”的在用账号")
            return False
    services.target_set(
        actor=actor(request),
        agreement=agreement,
        indicator=data["indicator"],
        value=data["value"],
        deadline=data["deadline"],
        responsible_unit=data["responsible_unit"],
        responsible_person=data["responsible_person"],
        owner=owner,
    )
    messages.success(request, "目标已保存")
    return True


@login_required
@require_POST
def task_status(request: HttpRequest, pk: int) -> HttpResponse:
    task = selectors.task_get(user=request.user, pk=pk)
    try:
        task = services.task_set_status(
            actor=actor(request), task=task, status=request.POST.get("status", "")
        )
    except UserError as exc:
        if not request.headers.get("HX-Request"):
            raise  # the error page, in the site's layout
        return HttpResponse(exc.summary, status=403 if isinstance(exc, Forbidden) else 400)
    if request.headers.get("HX-Request"):
        today = timezone.localdate()
        progress = selectors.target_progress(task.target, today=today)
        return render(
            request,
            "web/pairing/_task.html",
            {
                "task": task,
                "state": selectors.task_state(task, today=today, progress=progress),
                "percent": progress.percent,
                "task_statuses": TaskStatus.choices,
                "may_plan": allows(policy.require_task_status, actor(request), task),
            },
        )
    target = task.target
    return redirect("web:pairing_detail", pk=target.agreement.pairing_id)


# ---------------------------------------------------------------- optimizer


class OptimizerForm(forms.Form):
    west_region = forms.CharField(
        label=_("西部范围（区划代码，如 520600；国家级用户可留空表示全国）"),
        max_length=12,
        required=False,
    )
    year = forms.IntegerField(
        label=_("财政年度（帮扶能力）"), min_value=2014, max_value=2030, initial=2020
    )
    max_per_east = forms.IntegerField(
        label=_("每个东部县最多结对西部县数"), min_value=1, max_value=50, initial=3
    )
    deep_weight = forms.FloatField(
        label=_("深度贫困地区需求权重"), min_value=1, max_value=5, initial=1.5
    )
    time_limit = forms.FloatField(label=_("求解时限（秒）"), min_value=1, max_value=600, initial=60)
    needs = forms.CharField(
        label=_("填写需求（每行：县代码,人数）"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "520627,58000"}),
    )
    capacities = forms.CharField(
        label=_("填写帮扶能力（每行：县代码,万元）"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "320506,450000"}),
    )
    locked = forms.CharField(
        label=_("锁定结对（每行：东部代码,西部代码）"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    forbidden = forms.CharField(
        label=_("禁止结对（每行：东部代码,西部代码）"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def _lines(self, name: str) -> list[tuple[int, str, str]]:
        out = []
        for number, line in enumerate(self.cleaned_data.get(name, "").splitlines(), start=1):
            line = line.strip().replace("，", ",")
            if not line:
                continue
            parts = [p.strip() for p in line.split(",")]
            if len(parts) != 2 or not all(parts):
                self.add_error(name, f"第 {number} 行“{line}”应为两项，用逗号分开")
                continue
            out.append((number, parts[0], parts[1]))
        return out

    def _numbers(self, name: str) -> dict[str, float]:
        out: dict[str, float] = {}
        for number, code, value in self._lines(name):
            try:
                out[code] = float(value)
            except ValueError:
                self.add_error(name, f"第 {number} 行：“{value}”不是数字")
        return out

    def params(self) -> Any:
        from xiezuo.pairing.optimizing import Params

        data = self.cleaned_data
        return Params(
            west_region=data["west_region"].strip(),
            year=data["year"],
            max_per_east=data["max_per_east"],
            deep_weight=data["deep_weight"],
            time_limit=data["time_limit"],
            needs=self._numbers("needs"),
            capacities=self._numbers("capacities"),
            locked=[(e, w) for _, e, w in self._lines("locked")],
            forbidden=[(e, w) for _, e, w in self._lines("forbidden")],
        )


@login_required
@require_http_methods(["GET", "POST"])
def optimizer_page(request: HttpRequest) -> HttpResponse:
    from xiezuo.pairing import optimizing

    user = actor(request)
    policy.require_optimizer(user)
    initial = {"west_region": user.region_id if user.region_id and user.side == "west" else ""}
    form = OptimizerForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        params = form.params()
        if not form.errors:
            try:
                proposal = optimizing.proposal_submit(actor=user, params=params)
            except UserError as exc:
                _add_problems(form, exc, {k: k for k in form.fields})
            else:
                return redirect("web:proposal_detail", pk=proposal.pk)
    return render(
        request,
        "web/pairing/optimizer.html",
        {"form": form, "proposals": selectors.proposal_list(user=request.user)[:30]},
    )


@login_required
@require_http_methods(["GET", "POST"])
def proposal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    from xiezuo.pairing import optimizing
    from xiezuo.pairing.models import Proposal

    proposal = selectors.proposal_get(user=request.user, pk=pk)
    if request.method == "POST":
        user = actor(request)
        try:
            if request.POST.get("action") == "accept":
                year = request.POST.get("start_year") or str(timezone.localdate().year)
                made = optimizing.proposal_accept(
                    actor=user,
                    proposal=proposal,
                    start_year=params.required_int(
                        {"y": year}, "y", "开始年份", low=2000, high=2100
                    ),
                )
                messages.success(request, f"已采纳方案，新建县级结对 {made} 个")
            elif request.POST.get("action") == "discard":
                optimizing.proposal_discard(actor=user, proposal=proposal)
                messages.success(request, "已放弃该方案")
            else:
                messages.error(request, "请求不完整")
        except UserError as exc:
            messages.error(request, str(exc))
        return redirect("web:proposal_detail", pk=proposal.pk)
    running = proposal.state in (Proposal.State.QUEUED, Proposal.State.SOLVING)
    template = (
        "web/pairing/_proposal.html"
        if request.headers.get("HX-Request")
        else "web/pairing/proposal.html"
    )
    return render(
        request,
        template,
        {
            "proposal": proposal,
            "running": running,
            "view": _proposal_view(proposal)
            if proposal.state != Proposal.State.INFEASIBLE
            else None,
            "may_manage": allows(policy.require_proposal, actor(request), proposal)
            and proposal.state == Proposal.State.PROPOSED,
            "may_accept": proposal.state == Proposal.State.PROPOSED
            and allows(
                policy.require_accept,
                actor(request),
                ((proposal.result or {}).get("solution") or {}).get("assignment") or {},
            ),
            "this_year": timezone.localdate().year,
        },
    )


def _proposal_view(proposal: Any) -> dict[str, Any] | None:
    """Rows for the page: each eastern unit with its load and partners, and the parent-level
    comparison, from the stored result."""
    result = proposal.result or {}
    solution = result.get("solution")
    if not solution:
        return None
    names = result.get("names", {})
    sources = result.get("sources", {})
    current = result.get("comparison", {}).get("county", {}).get("current", {}).get("east", {})
    east = sorted(solution["loads"]["east"], key=lambda e: -e["need"] / e["capacity"])
    now = selectors.current_county_partners(solution.get("assignment", {}))
    rows = [
        {
            "code": e["code"],
            "name": e["name"],
            "capacity": e["capacity"],
            "need": e["need"],
            "ratio": e["need"] / e["capacity"],
            "current_ratio": current.get(e["code"], {}).get("ratio"),
            # Each proposed county marked against today: kept (already this partner) or new.
            "west": [
                (w, names.get(w, w), sources.get(w, ""), e["code"] in now.get(w, set()))
                for w in e["west"]
            ],
            "source": sources.get(e["code"], ""),
        }
        for e in east
    ]
    parent = result.get("comparison", {}).get("parent", {})
    chart: dict[str, list[Any]] = {
        "units": [],
        "current": [],
        "proposed": [],
    }
    for code, load in sorted(parent.get("proposed", {}).get("east", {}).items()):
        chart["units"].append(load["name"])
        # People per 亿元 (the page's unit), not per 万元: 8.91 reads, 0.000891 does not.
        chart["proposed"].append(round(load["ratio"] * 10_000, 2))
        before = parent.get("current", {}).get("east", {}).get(code)
        chart["current"].append(round(before["ratio"] * 10_000, 2) if before else None)
    proof = solution.get("proof")  # None in results stored before there were proofs
    return {
        "rows": rows,
        "stats": solution["loads"]["stats"],
        "status": solution["status"],
        "gap": solution["gap"],
        "proof": proof,
        # Whether the largest load is proven: the deciding component's proof, else (older
        # results) every component's own.
        "proven": proof["status"] == "optimal" if proof else solution["status"] == "optimal",
        "proof_gap": f"{(proof['gap'] if proof else solution['gap']):.2%}",
        "seconds": solution["seconds"],
        "components": len(solution.get("components", [])),
        "county_current": result.get("comparison", {})
        .get("county", {})
        .get("current", {})
        .get("stats"),
        "parent_current": parent.get("current", {}).get("stats"),
        "parent_proposed": parent.get("proposed", {}).get("stats"),
        "chart": chart,
    }
