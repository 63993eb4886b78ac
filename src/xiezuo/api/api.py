"""The typed HTTP API under /api/, with OpenAPI docs at /api/docs.

Every endpoint authenticates (session or bearer token) and reads through the same selectors as
the pages, so region scope applies identically. Errors are JSON: {"detail": ..., "problems": [...]}.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI, Query
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.renderers import JSONRenderer

from xiezuo.api.auth import AUTH
from xiezuo.api.schemas import ErrorOut, RegionChildOut, RegionDetailOut, RegionOut
from xiezuo.core.errors import Forbidden, NotFound, UserError
from xiezuo.regions import selectors
from xiezuo.regions.models import Region


class UnicodeJSONRenderer(JSONRenderer):
    # Chinese names and messages as readable text, not \uXXXX escapes.
    json_dumps_params = {"ensure_ascii": False}


api = NinjaAPI(
    title="Xiezuo 协作 API",
    version="1",
    auth=AUTH,
    urls_namespace="api",
    docs_url="/docs",
    # The schema and the docs page are for signed-in users too; Swagger UI is served from
    # django-ninja's own static files (ninja is an installed app), never a CDN.
    docs_decorator=login_required,
    renderer=UnicodeJSONRenderer(),
)


@api.exception_handler(NotFound)
def _not_found(request: HttpRequest, exc: NotFound) -> HttpResponse:
    return api.create_response(request, {"detail": exc.summary, "problems": []}, status=404)


@api.exception_handler(Forbidden)
def _forbidden(request: HttpRequest, exc: Forbidden) -> HttpResponse:
    return api.create_response(request, {"detail": exc.summary, "problems": []}, status=403)


@api.exception_handler(UserError)
def _user_error(request: HttpRequest, exc: UserError) -> HttpResponse:
    return api.create_response(
        request, {"detail": exc.summary, "problems": [str(p) for p in exc.problems]}, status=400
    )


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return api.create_response(
        request,
        {
            "detail": "未登录或令牌无效：请先登录，或在 Authorization 头中提供 Bearer 令牌",
            "problems": [],
        },
        status=401,
    )


@api.exception_handler(ValidationError)
def _invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    problems = [f"{'.'.join(str(p) for p in e.get('loc', []))}: {e.get('msg')}" for e in exc.errors]
    return api.create_response(
        request, {"detail": "请求参数有误", "problems": problems}, status=422
    )


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return api.create_response(
        request, {"detail": str(exc), "problems": []}, status=exc.status_code
    )


def _region_out(region: Region) -> dict[str, Any]:
    return {
        "code": region.code,
        "name": region.name,
        "level": region.level,
        "level_name": region.get_level_display(),
        "parent_code": region.parent_id,
        "is_poverty_county": region.is_poverty_county,
        "poverty_exit_year": region.poverty_exit_year,
        "is_poor_village": region.is_poor_village,
        "is_deep_poverty": region.is_deep_poverty,
        "is_active": region.is_active,
    }


ERRORS: dict[int, Any] = {401: ErrorOut, 404: ErrorOut, 422: ErrorOut}


@api.get(
    "/regions/search",
    response={200: list[RegionOut], **ERRORS},
    tags=["regions"],
    summary="Search regions by name or code prefix",
)
def regions_search(request: HttpRequest, q: Query[str], limit: Query[int] = 50) -> Any:
    if not 1 <= limit <= 200:
        raise UserError("limit 应在 1 到 200 之间")
    return [
        _region_out(r) for r in selectors.region_search(user=request.user, query=q, limit=limit)
    ]


@api.get(
    "/regions/{code}",
    response={200: RegionDetailOut, **ERRORS},
    tags=["regions"],
    summary="One region by current or old code",
)
def region_get(request: HttpRequest, code: str) -> Any:
    resolved = selectors.region_get(user=request.user, code=code)
    region = resolved.region
    return {
        **_region_out(region),
        "requested_code": resolved.asked_code,
        "replaced": resolved.replaced,
        "path": [_region_out(r) for r in selectors.region_path(region)],
        "level_counts": selectors.region_level_counts(user=request.user, region=region),
    }


@api.get(
    "/regions/{code}/children",
    response={200: list[RegionChildOut], **ERRORS},
    tags=["regions"],
    summary="The visible children of a region",
)
def region_children(request: HttpRequest, code: str) -> Any:
    region = selectors.region_get(user=request.user, code=code).region
    return [
        {**_region_out(c), "n_children": getattr(c, "n_children", 0)}
        for c in selectors.region_children(user=request.user, region=region)
    ]


@api.get("/me", tags=["accounts"], summary="Who is asking, and what they may see")
def me(request: HttpRequest) -> dict[str, Any]:
    user: Any = request.user
    return {
        "username": user.username,
        "side": user.side,
        "roles": user.roles,
        "region_code": user.region_id,
    }


# The registry and import endpoints live in their own module, mounted under the same API (and so
# under its authentication and error handlers).
from xiezuo.api.analysis import router as analysis_router  # noqa: E402
from xiezuo.api.cooperation import router as cooperation_router  # noqa: E402
from xiezuo.api.labour import router as labour_router  # noqa: E402
from xiezuo.api.pairing import router as pairing_router  # noqa: E402
from xiezuo.api.registry import router as registry_router  # noqa: E402

api.add_router("/", registry_router)
api.add_router("/", pairing_router)
api.add_router("/", cooperation_router)
api.add_router("/", labour_router)
api.add_router("/", analysis_router)
api.add_router("/", "xiezuo.api.verify.router")
api.add_router("/", "xiezuo.api.assessment.router")
api.add_router("/", "xiezuo.api.overview.router")
api.add_router("/", "xiezuo.api.notifications.router")
