"""Error answers for what no view handled: JSON under /api/ (a client parses it), the site's own
pages elsewhere."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import defaults


def _api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _api(request):
        return JsonResponse(
            {"detail": "没有该接口或对象，或不在您的权限范围内", "problems": []}, status=404
        )
    return defaults.page_not_found(request, exception or Exception())


def forbidden(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _api(request):
        return JsonResponse({"detail": "您不能进行此操作", "problems": []}, status=403)
    return defaults.permission_denied(request, exception or Exception())


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _api(request):
        return JsonResponse({"detail": "请求有误", "problems": []}, status=400)
    return defaults.bad_request(request, exception or Exception())


def server_error(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    if _api(request):
        return JsonResponse(
            {"detail": "服务器内部错误，已记录；请稍后重试或联系管理员", "problems": []},
            status=500,
        )
    return defaults.server_error(request)
