"""A unit's PDF report: downloaded by whoever may read its scorecard, in Chinese with an embedded
CJK font, its charts drawn as SVG with every label escaped, and nothing fetched while it is
rendered."""

from __future__ import annotations

import io
import logging
import re
import xml.etree.ElementTree as ET
from typing import Any

import pytest
from django.test import Client
from pypdf import PdfReader

from tests.assessment.test_runs import YEAR, scored  # noqa: F401  (the computed run, reused)
from tests.conftest import SUZHOU, TONGREN, YANHE
from tests.factories import UserFactory
from xiezuo.assessment import report, selectors, services
from xiezuo.assessment.models import Run

pytestmark = pytest.mark.django_db

WEB = f"/assessment/{YEAR}/west/{TONGREN}/report.pdf"
API = f"/api/assessment/{YEAR}/west/{TONGREN}/report.pdf"
SVG = "{http://www.w3.org/2000/svg}"


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def _fonts(pdf: bytes) -> set[str]:
    names = set()
    for page in PdfReader(io.BytesIO(pdf)).pages:
        fonts = page["/Resources"].get_object().get("/Font", {})
        for ref in fonts.get_object().values():
            names.add(str(ref.get_object()["/BaseFont"]))
    return names


def test_the_partner_downloads_the_report_in_chinese(
    scored: Run,  # noqa: F811
    client: Client,
    caplog: pytest.LogCaptureFixture,
) -> None:
    tongren = UserFactory(username="r-tr", side="west", region_id=TONGREN, roles=["reporter"])
    suzhou = UserFactory(username="r-sz", side="east", region_id=SUZHOU, roles=["reporter"])
    unit = {"year": YEAR, "side": "west", "unit_code": TONGREN}
    services.self_submit(actor=tongren, **unit, text="完成协议目标。<b>加粗</b>")
    services.partner_comment(actor=suzhou, **unit, text="同意自评意见")
    client.force_login(suzhou)
    card = client.get(f"/assessment/{YEAR}/west/{TONGREN}/").content.decode()
    assert f'href="{WEB}"' in card and "下载 PDF 报告" in card
    for url in (WEB, API):
        with caplog.at_level(logging.WARNING, logger="weasyprint"):
            response = client.get(url)
        # Nothing the renderer could not read or draw (a refused fetch is a warning too).
        assert not caplog.records, [r.getMessage() for r in caplog.records]
        assert response.status_code == 200, url
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"].endswith(f'-west-{TONGREN}.pdf"')
        body = response.content
        assert body.startswith(b"%PDF")
        text = _text(body)
        result = selectors.result_of(YEAR, "west", TONGREN)
        assert result is not None
        for expected in ("铜仁市", "总分", "等次", "考核步骤", "同意自评意见", "并非官方权重"):
            assert expected in text, expected
        assert f"计算编号 #{scored.pk}" in text
        assert str(result.total) in text
        # A step's text is a user's: it is printed as typed, never read as markup.
        assert "<b>加粗</b>" in text
        # The charts' labels are text too: the radar's areas, the bars' indicators and figures.
        assert all(area[:6] in text for area in result.areas)
        for s in result.scores.all():
            assert f"{s.code} " in text
            assert f"{s.score.normalize():f}/{s.weight.normalize():f}" in text, s.code
        fonts = _fonts(body)
        assert any("notosanscjk" in re.sub(r"[^a-z]", "", f.lower()) for f in fonts), fonts


def test_nobody_outside_the_scope_gets_a_report(scored: Run, client: Client) -> None:  # noqa: F811
    # A county does not read its prefecture's scorecard, so not its report either.
    client.force_login(UserFactory(username="r-yh", side="west", region_id=YANHE))
    for url in (WEB, API):
        response = client.get(url)
        assert response.status_code == 404, url
        assert not response.content.startswith(b"%PDF")
        assert "铜仁" not in response.content.decode()
    client.logout()
    assert client.get(WEB).status_code == 302  # to the login page


def test_user_text_is_printed_not_rendered_and_nothing_is_fetched(scored: Run) -> None:  # noqa: F811
    result = selectors.result_of(YEAR, "west", TONGREN)
    assert result is not None
    # Were a name to carry markup, it is escaped by the template: an image pointing at a file
    # is printed as text, and the fetcher would refuse it anyway.
    result.unit_name = '<img src="file:///etc/passwd">铜仁'
    text = _text(report.unit_pdf(result, None, selectors.trend("west", TONGREN)))
    assert '<img src="file:///etc/passwd">铜仁' in text
    fetcher = report._no_fetch()
    for url in ("file:///etc/passwd", "http://127.0.0.1:9/x.png", "https://127.0.0.1:9/x.css"):
        with pytest.raises(ValueError, match="disallowed protocol"):
            fetcher.fetch(url)
    assert fetcher.fetch("data:text/plain,ok").read() == b"ok"


BAD = "<script>alert(1)</script>&\"'"


def _parse(svg: str) -> Any:
    root = ET.fromstring(svg)  # noqa: S314  (our own output; valid XML, or this raises)
    assert root.tag == f"{SVG}svg"
    assert not [e for e in root.iter() if e.tag.endswith("script")]
    return root


def _texts(root: Any) -> str:
    return "".join("".join(e.itertext()) for e in root.iter(f"{SVG}text"))


def test_the_charts_escape_their_labels_and_are_valid_svg() -> None:
    radar = _parse(report.radar_svg([(BAD, 5.0, 10.0), ("帮扶成效", 30.0, 40.0), ("组织", 8, 8)]))
    assert "<script>" in _texts(radar) and "5/10" in _texts(radar)
    weight, score = radar.findall(f"{SVG}polygon")[-2:]
    assert len(score.get("points").split()) == 3 and len(weight.get("points").split()) == 3
    bars = _parse(report.bars_svg([(BAD, 2.0, 4.0), ("E02 稳定就业", 12.0, 12.0)]))
    assert "<script>" in _texts(bars) and "12/12" in _texts(bars)
    widths = [float(r.get("width")) for r in bars.findall(f"{SVG}rect")[:4]]
    # One scale: half of a weight of 4 is a sixth of the bar of a weight of 12.
    assert widths[1] == pytest.approx(widths[0] / 2, abs=0.1)
    assert widths[2] == pytest.approx(3 * widths[0], abs=0.3)
    trend = _parse(report.trend_svg([(2025, 80.5, BAD), (2026, 91.0, "好")]))
    assert "80.5 <script>" in _texts(trend) and "2026" in _texts(trend)
    for empty in (report.radar_svg([]), report.bars_svg([]), report.trend_svg([])):
        assert "暂无" in _texts(_parse(empty))
