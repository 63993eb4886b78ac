"""Downloadable templates: each import kind makes its own (see `imports.kinds`)."""

from __future__ import annotations

from urllib.parse import quote

from django.http import HttpResponse

from xiezuo.core.errors import NotFound, UserError
from xiezuo.imports import kinds

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def template_response(kind: str) -> HttpResponse:
    try:
        import_kind = kinds.get(kind)
    except UserError:
        raise NotFound(f"没有“{kind}”的导入模板") from None
    filename, content = import_kind.template()
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response
