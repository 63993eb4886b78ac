"""The staged import in the browser: upload → checked in the background → preview → commit."""

from __future__ import annotations

from typing import cast
from urllib.parse import quote

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from xiezuo.accounts.policy import allows
from xiezuo.accounts.requests import actor
from xiezuo.core.errors import Forbidden, NotFound, UserError
from xiezuo.imports import kinds, policy, problems, selectors, services, templates
from xiezuo.imports.models import ImportBatch


class UploadForm(forms.Form):
    kind = forms.ChoiceField(choices=kinds.choices, label=_("Kind of data"))
    file = forms.FileField(label=_("File (.xlsx / .xls / .csv)"))


def _uploadable(request: HttpRequest) -> list[tuple[str, object]]:
    """The kinds this user may bring in: the same policy the upload applies."""
    user = actor(request)
    return [(k.kind, k.label) for k in kinds.all_kinds() if allows(policy.require_upload, user, k)]


@login_required
@require_http_methods(["GET", "POST"])
def import_list(request: HttpRequest) -> HttpResponse:
    offered = _uploadable(request)
    form = UploadForm(
        request.POST or None, request.FILES or None, initial={"kind": request.GET.get("kind")}
    )
    cast(forms.ChoiceField, form.fields["kind"]).choices = offered
    if request.method == "POST" and not offered:
        # No kind this user may bring in, so no form on the page: a post anyway is refused.
        raise Forbidden.because("您的角色不能导入数据")
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            batch = services.batch_upload(
                kind=form.cleaned_data["kind"],
                filename=upload.name,
                source=upload.file,
                actor=actor(request),
            )
        except UserError as exc:
            form.add_error("file", exc.summary)
        else:
            return redirect("web:import_detail", batch_id=batch.pk)
    return render(
        request,
        "web/imports/list.html",
        {
            "form": form,
            "batches": selectors.batch_list(user=request.user)[:50],
            "may_import": bool(offered),
            "kinds": offered,
        },
    )


def _batch(request: HttpRequest, batch_id: str) -> ImportBatch:
    batch = selectors.batch_get(user=request.user, batch_id=batch_id)
    if batch is None:
        raise NotFound("没有该导入批次，或不是您上传的")
    return batch


@login_required
@require_GET
def import_detail(request: HttpRequest, batch_id: str) -> HttpResponse:
    batch = _batch(request, batch_id)
    template = (
        "web/imports/_status.html"
        if request.headers.get("HX-Request")
        else "web/imports/detail.html"
    )
    return render(
        request,
        template,
        {
            "batch": batch,
            "issues": batch.issues.all()[:500],
            "running": batch.state
            in (
                ImportBatch.State.UPLOADED,
                ImportBatch.State.PARSING,
                ImportBatch.State.QUEUED,
                ImportBatch.State.COMMITTING,
            ),
            "may_commit": allows(policy.require_commit, actor(request), batch),
        },
    )


@login_required
@require_POST
def import_commit(request: HttpRequest, batch_id: str) -> HttpResponse:
    batch = _batch(request, batch_id)
    if batch.state == ImportBatch.State.QUEUED:
        return redirect("web:import_detail", batch_id=batch.pk)  # asked already: it is coming
    if not services.batch_queue_commit(batch, actor=actor(request)):
        messages.error(request, "该批次不能提交：请先修改文件中的问题后重新上传")
    return redirect("web:import_detail", batch_id=batch.pk)


@login_required
@require_GET
def import_template(request: HttpRequest, kind: str) -> HttpResponse:
    return templates.template_response(kind)


@login_required
@require_GET
def import_problems(request: HttpRequest, batch_id: str) -> HttpResponse:
    """Every problem of the batch as a workbook, beside the original rows."""
    batch = _batch(request, batch_id)
    name, content = problems.problems_workbook(batch)
    response = HttpResponse(
        content,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response
