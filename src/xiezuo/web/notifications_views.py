"""The user's notifications: the list (newest first), marking one or all read, and opening
what one is about. Nobody reaches another's: the selector reads only the user's own."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from xiezuo.accounts.requests import actor
from xiezuo.notifications import selectors, services
from xiezuo.web.todo import unread_changed

PAGE_SIZE = 50


@login_required
@require_GET
def notification_list(request: HttpRequest) -> HttpResponse:
    unread = request.GET.get("unread") == "1"
    page = Paginator(
        selectors.notification_list(user=request.user, unread=unread), PAGE_SIZE
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "web/notifications.html",
        {
            "page": page,
            "unread": unread,
            "unread_total": selectors.unread_count(user=request.user),
            "query": "unread=1" if unread else "",
        },
    )


@login_required
@require_POST
def notification_read(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark one read; with `open`, go on to what it is about (a path of this site only)."""
    notification = selectors.notification_get(user=request.user, pk=pk)
    services.mark_read(actor=actor(request), notification=notification)
    unread_changed(request)
    link = notification.link
    if request.POST.get("open") and url_has_allowed_host_and_scheme(
        link, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(link)
    return redirect("web:notifications")


@login_required
@require_POST
def notification_read_all(request: HttpRequest) -> HttpResponse:
    services.mark_all_read(actor=actor(request))
    unread_changed(request)
    return redirect("web:notifications")
