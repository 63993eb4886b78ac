"""Who is acting and from where, for the audit trail, without threading `request` everywhere.

The middleware sets it for each web and API request; commands set it to the CLI channel.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    ip: str | None
    channel: str  # web, api, admin, cli


# RequestContext is a frozen dataclass: sharing the default instance is safe.
_current: ContextVar[RequestContext] = ContextVar(
    "xiezuo_request_context",
    default=RequestContext(ip=None, channel="cli"),  # noqa: B039
)


def current() -> RequestContext:
    return _current.get()


def set_current(ctx: RequestContext) -> object:
    return _current.set(ctx)


def reset(token: object) -> None:
    _current.reset(token)  # type: ignore[arg-type]
