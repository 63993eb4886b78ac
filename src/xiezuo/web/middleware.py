from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.views.defaults import page_not_found, permission_denied

from xiezuo.accounts.scope import scope_cache
from xiezuo.core.errors import Forbidden, NotFound, UserError


class ChineseFirstLocaleMiddleware:
    """Chinese unless the user chose otherwise with the language switch (its cookie).

    Django's LocaleMiddleware would follow the browser's Accept-Language, which on many office
    machines says English; our users expect Chinese by default.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.supported = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request: HttpRequest) -> HttpResponse:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in self.supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response


class ErrorPagesMiddleware:
    """Selectors raise NotFound for what does not exist or lies outside the user's scope, services
    Forbidden for what the user may not do, and UserError for a request they cannot act on: a
    page answers each with its error page, in the site's layout and with the service's message
    said once, so no view translates them itself."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if request.path.startswith("/api/"):
            return None  # the API answers in JSON (api.api's handlers)
        if isinstance(exception, NotFound):
            return page_not_found(request, Http404(exception.summary))
        if isinstance(exception, Forbidden):
            return permission_denied(request, PermissionDenied(exception.summary))
        if isinstance(exception, UserError):
            return render(request, "400.html", {"exception": str(exception)}, status=400)
        return None


class ScopeCacheMiddleware:
    """Each request computes a user's region scope once (see accounts.scope.scope_cache)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with scope_cache():
            return self.get_response(request)
