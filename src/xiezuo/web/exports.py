"""Excel exports of what a page shows (already scoped by the selector that produced it)."""

from __future__ import annotations

from io import BytesIO
from urllib.parse import quote

from django.http import HttpRequest, HttpResponse
from openpyxl import Workbook
from openpyxl.styles import Font

from xiezuo.audit.models import AuditEvent
from xiezuo.audit.services import audit_record
from xiezuo.regions.models import Region

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def regions_xlsx(*, request: HttpRequest, region: Region, children: list[Region]) -> HttpResponse:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "下级区划"
    header = [
        "区划代码",
        "名称",
        "层级",
        "下级数量",
        "国家级贫困县",
        "摘帽年份",
        "贫困村",
        "深度贫困",
    ]
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for child in children:
        sheet.append(
            [
                child.code,
                child.name,
                child.get_level_display(),
                getattr(child, "n_children", None),
                "是" if child.is_poverty_county else "",
                child.poverty_exit_year,
                "是" if child.is_poor_village else "",
                "是" if child.is_deep_poverty else "",
            ]
        )
    sheet.column_dimensions["A"].width = 16
    sheet.column_dimensions["B"].width = 28
    buffer = BytesIO()
    book.save(buffer)
    audit_record(
        actor=request.user,
        action=AuditEvent.Action.EXPORT,
        obj=region,
        summary=f"exported {len(children)} child regions",
    )
    filename = f"{region.code}-{region.name}-下级区划.xlsx"
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response
