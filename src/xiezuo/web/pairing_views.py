"""Pairing pages: the network and list, one pairing with its agreements, targets and tasks,
and the balanced-pairing optimizer with its proposals."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from xiezuo.accounts.models import User
from xiezuo.accounts.permissions import may_import, may_manage_pairings, may_plan
from xiezuo.core.errors import Forbidden, UserError
from xiezuo.pairing import selectors, services
from xiezuo.pairing.choices import Indicator, Kind, Level, Status, TaskStatus
from xiezuo.pairing.models import Pairing
from xiezuo.regions.models import Region
from xiezuo.web import exports


def _filters(request: HttpRequest) -> dict[str, str]:
    keys = ("level", "kind", "status", "region", "q")
    return {k: request.GET.get(k, "").strip()[:40] for k in keys}


def _listed(request: HttpRequest, filters: dict[str, str]) -> Any:
    level = filters["level"]
    return selectors.pairing_list(
        user=request.user,
        level=int(level) if level.isdigit() else None,
        kind=filters["kind"],
        status=filters["status"],
        region=filters["region"],
        text=filters["q"],
    )


class PairingForm(forms.Form):
    east_code = forms.CharField(label="帮扶方区划代码", max_length=12, required=False)
    east_org = forms.CharField(label="或：帮扶单位名称（中央单位）", max_length=200, required=False)
    west_code = forms.CharField(label="受帮扶方区划代码", max_length=12)
    kind = forms.ChoiceField(label="结对类型", choices=Kind.choices, initial=Kind.EAST_WEST)
    start_year = forms.IntegerField(label="开始年份", min_value=2000, max_value=2100)
    end_year = forms.IntegerField(label="结束年份", min_value=2000, max_value=2100, required=False)
    reason = forms.CharField(label="不在上级结对内的理由", required=False, max_length=500)


def _region_field(form: forms.Form, field: str, code: str) -> Region | None:
    if not code:
        return None
    region = Region.objects.filter(code=code, is_active=True).first()
    if region is None:
        form.add_error(field, f"区划代码 {code} 不存在或已撤销")
    return region


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
        if not may_manage_pairings(request.user):
            return HttpResponse("您的角色不能登记结对", status=403)
        made = _create_from_form(request, form)
        if made is not None:
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
            "may_manage": may_manage_pairings(request.user),
            "may_import": may_import(request.user),
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
            actor=request.user,
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


class AgreementForm(forms.Form):
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100)
    signed_on = forms.DateField(label="签订日期", required=False)
    note = forms.CharField(label="备注", required=False, widget=forms.Textarea(attrs={"rows": 2}))


class TargetForm(forms.Form):
    agreement = forms.IntegerField(widget=forms.HiddenInput)
    indicator = forms.ChoiceField(label="指标", choices=Indicator.choices)
    value = forms.CharField(label="目标值", max_length=20)
    deadline = forms.DateField(label="截止日期", widget=forms.DateInput(attrs={"type": "date"}))
    responsible_unit = forms.CharField(label="责任单位", max_length=200)
    responsible_person = forms.CharField(label="责任人", max_length=100, required=False)
    owner = forms.CharField(label="责任人账号", max_length=150, required=False)


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
        targets = [
            (t, selectors.target_progress(t, today=today), _task_rows(t, today))
            for t in agreement.targets.all()
        ]
        agreements.append((agreement, targets))
    return render(
        request,
        "web/pairing/detail.html",
        {
            "pairing": pairing,
            "children": selectors.pairing_children(pairing),
            "agreements": agreements,
            "agreement_form": agreement_form,
            "target_form": target_form,
            "may_plan": may_plan(request.user),
            "may_manage": may_manage_pairings(request.user),
            "task_statuses": TaskStatus.choices,
            "today": today,
        },
    )


def _task_rows(target: Any, today: datetime.date) -> list[tuple[Any, str]]:
    return [(t, selectors.task_state(t, today=today)) for t in target.tasks.all()]


def _post_detail(
    request: HttpRequest, pairing: Pairing, agreement_form: AgreementForm, target_form: TargetForm
) -> bool:
    action = request.POST.get("form")
    try:
        if action == "agreement" and agreement_form.is_valid():
            data = agreement_form.cleaned_data
            services.agreement_create(
                actor=request.user,
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
            target = selectors.target_get(user=request.user, pk=int(request.POST["target"]))
            tasks = services.target_schedule(actor=request.user, target=target)
            messages.success(request, f"已按截止日期倒排 {len(tasks)} 项任务")
            return True
        if action == "end":
            services.pairing_end(
                actor=request.user,
                pairing=pairing,
                end_year=int(request.POST.get("end_year") or timezone.localdate().year),
                reason=request.POST.get("reason", ""),
            )
            messages.success(request, "结对已结束")
            return True
    except UserError as exc:
        form = target_form if action == "target" else agreement_form
        _add_problems(form, exc, _TARGET_FIELDS | {"年度": "year", "签订日期": "signed_on"})
        if action in ("schedule", "end"):
            messages.error(request, str(exc))
            return True
    except (KeyError, ValueError):
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
        owner = User.objects.filter(username=data["owner"], is_active=True).first()
        if owner is None:
            form.add_error("owner", f"没有用户名为“{data['owner']}”的在用账号")
            return False
    services.target_set(
        actor=request.user,
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
            actor=request.user, task=task, status=request.POST.get("status", "")
        )
    except UserError as exc:
        return HttpResponse(exc.summary, status=403 if isinstance(exc, Forbidden) else 400)
    if request.headers.get("HX-Request"):
        return render(
            request,
            "web/pairing/_task.html",
            {
                "task": task,
                "state": selectors.task_state(task, today=timezone.localdate()),
                "task_statuses": TaskStatus.choices,
                "may_plan": True,
            },
        )
    target = task.target
    return redirect("web:pairing_detail", pk=target.agreement.pairing_id)
