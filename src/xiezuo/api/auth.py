"""API authentication: the browser's session (with CSRF on writes) or a bearer token.

CSRF protects a browser whose cookies ride along with a forged request. A request that carries
no session cookie has no cookie to abuse: a script sending `Authorization: Bearer …` is checked
by its token alone. A request with a session cookie is a browser's, and is CSRF-checked
whether or not it also names a token.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth

from xiezuo.accounts.services import api_token_user


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        if settings.SESSION_COOKIE_NAME in request.COOKIES:
            return None  # a browser's request: its session decides, CSRF included
        user = api_token_user(token)
        if user is not None:
            request.user = user
        return user


class ActiveSessionAuth(SessionAuth):
    def _get_key(self, request: HttpRequest) -> str | None:
        if settings.SESSION_COOKIE_NAME not in request.COOKIES:
            return None  # no session to check (nor to forge a request with): the token decides
        key: str | None = super()._get_key(request)
        return key

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        if key is None:
            return None
        user = super().authenticate(request, key)
        return user if user is not None and user.is_active else None


AUTH = [ActiveSessionAuth(), TokenAuth()]
