"""The staged import in the browser: upload → checked in the background → preview → commit."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseForbidden
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from xiezuo.accounts.permissions import may_import
from xiezuo.core.errors import UserError
from xiezuo.imports import selectors, services, templates
from xiezuo.imports.models import ImportBatch
from xiezuo.imports.tasks import parse_batch_task


class UploadForm(forms.Form):
    kind = forms.ChoiceField(choices=services.importer_choices, label="数据类型")
    file = forms.FileField(label="文件（.xlsx / .xls / .csv）")


@login_required
@require_http_methods(["GET", "POST"])
def import_list(request: HttpRequest) -> HttpResponse:
    form = UploadForm(
        request.POST or None, request.FILES or None, initial={"kind": request.GET.get("kind")}
    )
    if request.method == "POST":
        if not may_import(request.user):
            return HttpResponseForbidden("您的角色不能导入数据")
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                batch = services.batch_create(
                    kind=form.cleaned_data["kind"],
                    filename=upload.name,
                    source=upload.file,
                    user=request.user,
                )
            except UserError as exc:
                form.add_error("file", str(exc))
            else:
                parse_batch_task.enqueue(str(batch.pk), request.user.pk)
                return redirect("web:import_detail", batch_id=batch.pk)
    return render(
        request,
        "web/imports/list.html",
        {
            "form": form,
            "batches": selectors.batch_list(user=request.user)[:50],
            "may_import": may_import(request.user),
            "kinds": services.importer_choices(),
        },
    )


def _batch(request: HttpRequest, batch_id: str) -> ImportBatch:
    batch = selectors.batch_get(user=request.user, batch_id=batch_id)
    if batch is None:
        raise Http404("没有该导入批次，或不是您上传的")
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
        },
    )


@login_required
@require_POST
def import_commit(request: HttpRequest, batch_id: str) -> HttpResponse:
    batch = _batch(request, batch_id)
    if batch.created_by_id != request.user.pk or not may_import(request.user):
        return HttpResponseForbidden("只有上传者可以提交该批次")
    if batch.state == ImportBatch.State.QUEUED:
        return redirect("web:import_detail", batch_id=batch.pk)  # asked already: it is coming
    if not services.batch_queue_commit(batch, user=request.user):
        messages.error(request, "该批次不能提交：请先修改文件中的问题后重新上传")
    return redirect("web:import_detail", batch_id=batch.pk)


@login_required
@require_GET
def import_template(request: HttpRequest, kind: str) -> HttpResponse:
    try:
        return templates.template_response(kind)
    except UserError as exc:
        raise Http404(str(exc)) from exc
