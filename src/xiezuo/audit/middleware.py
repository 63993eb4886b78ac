from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from xiezuo.audit import context


def client_ip(request: HttpRequest) -> str | None:
    # REMOTE_ADDR only: X-Forwarded-For is set by the client and cannot be trusted unless a
    # known proxy rewrites it, which a deployment configures at the proxy, not here.
    return request.META.get("REMOTE_ADDR") or None


class RequestContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        path = request.path
        channel = (
            "api" if path.startswith("/api/") else "admin" if path.startswith("/admin/") else "web"
        )
        token = context.set_current(context.RequestContext(ip=client_ip(request), channel=channel))
        try:
            return self.get_response(request)
        finally:
            context.reset(token)
