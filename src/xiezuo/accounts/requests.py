"""The acting user of a request, typed for the services (which take `User | None`)."""

from __future__ import annotations

from django.http import HttpRequest

from xiezuo.accounts.models import User
from xiezuo.core.errors import Forbidden


def actor(request: HttpRequest) -> User:
    """The signed-in user of a request that `login_required` or the API's authentication let
    through. Anything else here is a wiring mistake, refused rather than run as the platform."""
    user = request.user
    if not isinstance(user, User) or not user.is_authenticated or not user.is_active:
        raise Forbidden.because("请先登录")
    return user
