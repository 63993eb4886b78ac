"""A unit's scorecard as a PDF report (下载 PDF 报告): the same scope as its page — anyone
who may not read the card is told it does not exist, and gets no PDF."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from xiezuo.assessment import report, selectors
from xiezuo.web.assessment_views import _card


@login_required
@require_GET
def assessment_pdf(request: HttpRequest, year: int, side: str, code: str) -> HttpResponse:
    card = _card(request, year, side, code)  # not found outside the reader's scope
    result = card["result"]
    body = report.unit_pdf(
        result, selectors.assessment_of(year, side, code), card["radar"]["trend"]
    )
    response = HttpResponse(body, content_type="application/pdf")
    # The code is the stored result's own (six digits), never the raw URL text.
    name = f"assessment-{year}-{result.side}-{result.unit_code}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
