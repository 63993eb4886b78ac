"""The caller's own notifications over the API: list them, mark one or all read. Another
user's notification is a 404, as on the pages."""

from __future__ import annotations

import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from xiezuo.accounts.requests import actor
from xiezuo.api.schemas import ERRORS, WRITE_ERRORS, ObjectId, Paging
from xiezuo.notifications import selectors, services
from xiezuo.notifications.models import Notification

router = Router(tags=["notifications"])


class NotificationFilters(Paging):
    unread: bool = Field(False, description="只列未读")


class NotificationOut(Schema):
    id: int
    kind: str
    kind_label: str
    text: str
    link: str
    created_at: datetime.datetime
    read_at: datetime.datetime | None


class NotificationPage(Schema):
    count: int
    unread: int
    page: int
    results: list[NotificationOut]


class ReadAllOut(Schema):
    marked: int


def _out(n: Notification) -> dict[str, Any]:
    return {
        "id": n.pk,
        "kind": n.kind,
        "kind_label": str(n.get_kind_display()),
        "text": n.text,
        "link": n.link,
        "created_at": n.created_at,
        "read_at": n.read_at,
    }


@router.get(
    "/notifications",
    response={200: NotificationPage, **ERRORS},
    summary="The caller's notifications, newest first",
)
def notification_list(request: HttpRequest, filters: Query[NotificationFilters]) -> Any:
    qs = selectors.notification_list(user=request.user, unread=filters.unread)
    start = (filters.page - 1) * filters.page_size
    return {
        "count": qs.count(),
        "unread": selectors.unread_count(user=request.user),
        "page": filters.page,
        "results": [_out(n) for n in qs[start : start + filters.page_size]],
    }


@router.post(
    "/notifications/{int:notification_id}/read",
    response={200: NotificationOut, **WRITE_ERRORS},
    summary="Mark one of the caller's notifications read",
)
def notification_read(request: HttpRequest, notification_id: ObjectId) -> Any:
    found = selectors.notification_get(user=request.user, pk=notification_id)
    return _out(services.mark_read(actor=actor(request), notification=found))


@router.post(
    "/notifications/read-all",
    response={200: ReadAllOut, **WRITE_ERRORS},
    summary="Mark all of the caller's notifications read",
)
def notification_read_all(request: HttpRequest) -> Any:
    return {"marked": services.mark_all_read(actor=actor(request))}
