"""One unit's assessment as a PDF report: the scorecard's figures, its charts and its four steps,
rendered on the server by WeasyPrint (Pango and a CJK font from the system) — no browser.

The charts are SVG written here, not the page's ECharts: a PDF has no JavaScript. Each chart is
a pure function of its figures, every label escaped, so a unit or indicator name can never put
markup into the drawing. The renderer fetches nothing: the report is one HTML string, and the
URL fetcher refuses every scheme but `data:` so no text a user typed can make the server open a
file or a URL."""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from xiezuo.assessment.models import Assessment, Result

FONT = '"Noto Sans CJK SC", "Noto Sans SC", sans-serif'
SVG_FONT = FONT.replace('"', "'")  # the same list, quoted to sit inside an attribute
SCORE = "#3f6ea5"
WEIGHT = "#9a9a9a"
INK = "#333333"
GRID = "#d8d8d8"
LINE = 12  # px between the lines of a chart's label


def _text(value: object) -> str:
    """A label as SVG text: escaped for element content and attribute values alike."""
    return html.escape(str(value), quote=True)


def _num(value: float) -> str:
    """A figure as it is printed on a chart: at most two decimals, no trailing zeros."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _clip(label: str, limit: int) -> str:
    # CJK glyphs are about one em wide: a long name is cut so it stays inside its column.
    return label if len(label) <= limit else label[: limit - 1] + "…"


def _wrap(label: str, width: int, most: int = 2) -> list[str]:
    """A label in lines of `width` characters, at most `most` of them (the last one cut)."""
    lines = [label[i : i + width] for i in range(0, len(label), width)] or [""]
    if len(lines) > most:
        lines = [*lines[: most - 1], _clip("".join(lines[most - 1 :]), width)]
    return lines


def _svg(width: int, height: int, body: list[str], title: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="{SVG_FONT}" '
        f'font-size="11" fill="{INK}">'
        f"<title>{_text(title)}</title>{''.join(body)}</svg>"
    )


def _legend(x: float, y: float) -> list[str]:
    return [
        f'<rect x="{x}" y="{y - 9}" width="12" height="10" fill="{SCORE}" fill-opacity="0.5"/>',
        f'<text x="{x + 16}" y="{y}">得分</text>',
        f'<rect x="{x + 56}" y="{y - 9}" width="12" height="10" fill="none" stroke="{WEIGHT}" '
        'stroke-dasharray="3 2"/>',
        f'<text x="{x + 72}" y="{y}">权重（满分）</text>',
    ]


def radar_svg(areas: Sequence[tuple[str, float, float]], width: int = 330) -> str:
    """Score against weight by area, as the scorecard page draws it: each axis runs to its
    area's weight, so the dashed outline is full marks and the filled shape is the score."""
    height = 300
    cx, cy, radius = width / 2, 140.0, 80.0
    body: list[str] = []
    n = len(areas)
    if n == 0:
        body.append(f'<text x="{cx}" y="{cy}" text-anchor="middle">暂无领域得分</text>')
        return _svg(width, height, body, "领域得分雷达图")

    def point(i: int, share: float) -> tuple[float, float]:
        angle = -math.pi / 2 + 2 * math.pi * i / n
        return cx + radius * share * math.cos(angle), cy + radius * share * math.sin(angle)

    def polygon(shares: Sequence[float]) -> str:
        return " ".join(f"{x:.1f},{y:.1f}" for x, y in (point(i, s) for i, s in enumerate(shares)))

    for ring in (0.25, 0.5, 0.75):
        body.append(f'<polygon points="{polygon([ring] * n)}" fill="none" stroke="{GRID}"/>')
    for i in range(n):
        x, y = point(i, 1.0)
        body.append(f'<line x1="{cx}" y1="{cy}" x2="{x:.1f}" y2="{y:.1f}" stroke="{GRID}"/>')
    body.append(
        f'<polygon points="{polygon([1.0] * n)}" fill="none" stroke="{WEIGHT}" '
        'stroke-dasharray="4 3"/>'
    )
    shares = [max(0.0, min(score / weight, 1.0)) if weight else 0.0 for _, score, weight in areas]
    body.append(
        f'<polygon points="{polygon(shares)}" fill="{SCORE}" fill-opacity="0.3" '
        f'stroke="{SCORE}" stroke-width="1.5"/>'
    )
    for i, (name, score, weight) in enumerate(areas):
        x, y = point(i, 1.15)
        anchor = "middle" if abs(x - cx) < 8 else ("start" if x > cx else "end")
        lines = [*_wrap(name, 6), f"{_num(score)}/{_num(weight)}"]
        # The label's block grows away from the chart: up above it, down below it.
        if abs(y - cy) < 8:
            y += 4 - (len(lines) - 1) * LINE / 2
        elif y < cy:
            y -= 2 + (len(lines) - 1) * LINE
        else:
            y += 10
        spans = ""
        for k, line in enumerate(lines):
            fill = f' fill="{SCORE}"' if k == len(lines) - 1 else ""  # the figures in colour
            spans += f'<tspan x="{x:.1f}" dy="{0 if k == 0 else LINE}"{fill}>{_text(line)}</tspan>'
        body.append(f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}">{spans}</text>')
    body += _legend(cx - 60, height - 10)
    return _svg(width, height, body, "领域得分雷达图")


def bars_svg(rows: Sequence[tuple[str, float, float]], width: int = 680) -> str:
    """Each indicator's score as a bar over the length of its weight, on one scale, so a
    heavy indicator is a long bar and the grey rest is what it lost."""
    label_w, right_w, row_h, top = 230, 70, 20, 8
    height = top + row_h * max(len(rows), 1) + 34
    body: list[str] = []
    if not rows:
        body.append(
            f'<text x="{width / 2}" y="{top + 14}" text-anchor="middle">暂无指标得分</text>'
        )
        return _svg(width, height, body, "指标得分条形图")
    scale_w = width - label_w - right_w
    top_weight = max((w for _, _, w in rows), default=0.0) or 1.0
    for i, (label, score, weight) in enumerate(rows):
        y = top + i * row_h
        full = scale_w * weight / top_weight
        got = scale_w * max(0.0, min(score, weight)) / top_weight
        body.append(
            f'<text x="{label_w - 8}" y="{y + 13}" text-anchor="end">'
            f"{_text(_clip(label, 19))}</text>"
            f'<rect x="{label_w}" y="{y + 3}" width="{full:.1f}" height="13" fill="none" '
            f'stroke="{WEIGHT}" stroke-dasharray="3 2"/>'
            f'<rect x="{label_w}" y="{y + 3}" width="{got:.1f}" height="13" fill="{SCORE}" '
            'fill-opacity="0.75"/>'
            f'<text x="{label_w + full + 6:.1f}" y="{y + 13}">{_num(score)}/{_num(weight)}</text>'
        )
    body += _legend(label_w, height - 10)
    return _svg(width, height, body, "指标得分条形图")


def trend_svg(points: Sequence[tuple[int, float, str]], width: int = 330) -> str:
    """The unit's total in every year's standing run (0–100), each point with its grade."""
    height = 300
    left, right, top, bottom = 36.0, 16.0, 24.0, 40.0
    plot_w, plot_h = width - left - right, height - top - bottom
    body: list[str] = []
    for mark in (0, 25, 50, 75, 100):
        y = top + plot_h * (1 - mark / 100)
        body.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" stroke="{GRID}"/>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{mark}</text>'
        )
    if not points:
        body.append(
            f'<text x="{left + plot_w / 2}" y="{top + plot_h / 2}" '
            'text-anchor="middle">暂无历年得分</text>'
        )
        return _svg(width, height, body, "历年总分")
    step = plot_w / len(points)
    xy = []
    for i, (year, total, grade) in enumerate(points):
        x = left + step * (i + 0.5)
        y = top + plot_h * (1 - max(0.0, min(total, 100.0)) / 100)
        xy.append((x, y))
        body.append(
            f'<text x="{x:.1f}" y="{height - bottom + 16}" text-anchor="middle">{year}</text>'
            f'<text x="{x:.1f}" y="{y - 8:.1f}" text-anchor="middle">'
            f"{_num(total)} {_text(grade)}</text>"
        )
    if len(xy) > 1:
        line = " ".join(f"{x:.1f},{y:.1f}" for x, y in xy)
        body.append(f'<polyline points="{line}" fill="none" stroke="{SCORE}" stroke-width="2"/>')
    body += [f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{SCORE}"/>' for x, y in xy]
    body.append(
        f'<text x="{left + plot_w / 2}" y="{height - 8}" text-anchor="middle">'
        "年度 · 总分与等次</text>"
    )
    return _svg(width, height, body, "历年总分")


def score_rows(result: Result) -> list[dict[str, Any]]:
    """The indicator table as the scorecard shows it: a share stored as a fraction is read as a
    percentage."""
    rows = []
    for s in result.scores.all():
        pct = 100.0 if s.unit == "%" else 1.0
        rows.append(
            {
                "score": s,
                "shown": None if s.value is None else round(s.value * pct, 2),
                "limit": None if s.target is None else round(s.target * pct, 2),
            }
        )
    return rows


def _no_fetch() -> Any:
    """A fetcher for `data:` URLs only: http, https, file and the rest raise before anything is
    opened, so nothing in the report can make the server read a file or call a host."""
    from weasyprint.urls import URLFetcher

    return URLFetcher(allowed_protocols={"data"}, allow_redirects=False, timeout=1)


def unit_pdf(result: Result, assessment: Assessment | None, trend: Sequence[Any]) -> bytes:
    """The PDF of one unit's year: what its scorecard page shows, in print."""
    # Imported here: WeasyPrint loads the system's Pango when imported, and a machine without it
    # (scripts/setup warns) should lose only the PDF, not every page that imports this module.
    from weasyprint import HTML

    rows = score_rows(result)
    scores = [r["score"] for r in rows]
    run = result.run
    system = run.east_system if result.side == "east" else run.west_system
    context = {
        "result": result,
        "a": assessment,
        "run": run,
        "system": system,
        "rows": rows,
        "trend": list(trend),
        "generated": timezone.localtime(),
        "font": FONT,
        "radar": _safe(radar_svg([(a, v["score"], v["weight"]) for a, v in result.areas.items()])),
        "bars": _safe(
            bars_svg([(f"{s.code} {s.name}", float(s.score), float(s.weight)) for s in scores])
        ),
        "trend_chart": _safe(trend_svg([(int(y), float(t), str(g)) for y, t, g in trend])),
    }
    page = render_to_string("assessment/report.html", context)
    pdf = HTML(string=page, base_url=None, url_fetcher=_no_fetch()).write_pdf()
    assert pdf is not None  # write_pdf returns the bytes when given no target
    return bytes(pdf)


def _safe(svg: str) -> SafeString:
    # Built above from escaped labels and figures only: safe to put in the template as markup.
    return mark_safe(svg)  # noqa: S308
