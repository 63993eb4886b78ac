"""Response headers every answer carries, and the upload limit checked before a body is read.

The Content-Security-Policy itself is django-csp's (settings.CONTENT_SECURITY_POLICY): only the
app's own scripts, styles, images and connections, no inline script. Here: pages and API answers
hold personal data, so no browser or proxy may keep a copy (`Cache-Control: no-store`); the
browser features the platform never uses are switched off (Permissions-Policy); and an upload
larger than any import may be is refused from its declared size, before a byte of it is read.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.cache import patch_cache_control

from xiezuo.imports.safety import MAX_UPLOAD_BYTES, too_large_message

PERMISSIONS_POLICY = (
    "camera=(), microphone=(), geolocation=(), payment=(), usb=(), serial=(), "
    "bluetooth=(), magnetometer=(), gyroscope=(), accelerometer=(), interest-cohort=()"
)
# The multipart envelope around a file adds a little; anything past this is no import.
BODY_LIMIT = MAX_UPLOAD_BYTES + 1024 * 1024


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        declared = request.META.get("CONTENT_LENGTH") or "0"
        if declared.isascii() and declared.isdigit() and int(declared) > BODY_LIMIT:
            response = _too_large(request)
        else:
            response = self.get_response(request)
        patch_cache_control(response, no_store=True, private=True)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        return response


def _too_large(request: HttpRequest) -> HttpResponse:
    message = too_large_message()
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message, "problems": []}, status=413)
    return render(request, "400.html", {"exception": message}, status=413)
