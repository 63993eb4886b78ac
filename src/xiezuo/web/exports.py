"""Excel exports of what a page shows (already scoped by the selector that produced it)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from io import BytesIO
from typing import Any
from urllib.parse import quote

from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Font

from xiezuo.audit.models import AuditEvent
from xiezuo.audit.services import audit_record
from xiezuo.cooperation.importing import person_cell
from xiezuo.core import xlsx
from xiezuo.regions.models import Region

# Every row goes through `xiezuo.core.xlsx.append`: text such as `=HYPERLINK(…)` typed into a
# record stays text in the export instead of running in the office that opens it.
XLSX = xlsx.XLSX


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
    xlsx.append(sheet, header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for child in children:
        xlsx.append(
            sheet,
            [
                child.code,
                child.name,
                child.get_level_display(),
                getattr(child, "n_children", None),
                "是" if child.is_poverty_county else "",
                child.poverty_exit_year,
                "是" if child.is_poor_village else "",
                "是" if child.is_deep_poverty else "",
            ],
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


EXPORT_LIMIT = 200_000


def households_xlsx(*, request: HttpRequest, households: Any) -> HttpResponseBase:
    """The filtered household list as a workbook, written in streaming mode (constant memory)."""
    import tempfile

    from django.http import FileResponse

    from xiezuo.registry.choices import Cause, HouseholdType, Status

    labels = {**dict(Status.choices), **dict(Cause.choices), **dict(HouseholdType.choices)}
    book = Workbook(write_only=True)
    sheet = book.create_sheet("贫困户")
    xlsx.append(
        sheet,
        [
            "户编号",
            "行政村代码",
            "行政村",
            "贫困户属性",
            "主要致贫原因",
            "脱贫属性",
            "脱贫年度",
            "人数",
            "人均纯收入",
        ],
    )
    rows = households.values_list(
        "number",
        "village_id",
        "village__name",
        "household_type",
        "main_cause",
        "status",
        "exit_year",
        "size",
        "per_capita_income",
    )
    count = 0
    for number, village, village_name, kind, cause, status, year, size, income in rows.iterator(
        chunk_size=5000
    ):
        count += 1
        if count > EXPORT_LIMIT:
            xlsx.append(sheet, [f"仅导出前 {EXPORT_LIMIT} 户：请缩小筛选范围"])
            break
        xlsx.append(
            sheet,
            [
                number,
                village,
                village_name,
                labels.get(kind, kind),
                labels.get(cause, cause),
                labels.get(status, status),
                year,
                size,
                float(income) if income is not None else None,
            ],
        )
    members = _members_sheet(book, households)
    # FileResponse closes the file when the response is done.
    handle = tempfile.TemporaryFile()  # noqa: SIM115
    book.save(handle)
    handle.seek(0)
    audit_record(
        actor=request.user,
        action=AuditEvent.Action.EXPORT,
        object_type="registry.household",
        object_repr="贫困户名单",
        summary=f"exported {min(count, EXPORT_LIMIT)} households, {members} members",
    )
    return FileResponse(handle, as_attachment=True, filename="贫困户名单.xlsx", content_type=XLSX)


MEMBER_COLUMNS = (
    ("household__number", "户编号"),
    ("person_number", "人编号"),
    ("name", "姓名"),
    ("id_masked", "证件号码（隐去中间位）"),
    ("sex", "性别"),
    ("birth_date", "出生日期"),
    ("relation", "与户主关系"),
    ("ethnicity", "民族"),
    ("education", "文化程度"),
    ("school_status", "在校生状况"),
    ("health", "健康状况"),
    ("labour_skill", "劳动技能"),
    ("migrant_status", "务工状况"),
    ("migrant_months", "务工时间（月）"),
)


def _members_sheet(book: Any, households: Any) -> int:
    """The members of the exported households on a second sheet (ID numbers masked, as the
    pages show them: an export is no way around the audited reveal). How many rows."""
    from xiezuo.registry.models import Member

    fields = {f.name: f for f in Member._meta.get_fields() if hasattr(f, "choices")}
    labels = {
        name: {str(k): str(v) for k, v in (field.choices or [])} for name, field in fields.items()
    }
    sheet = book.create_sheet("成员")
    xlsx.append(sheet, [label for _name, label in MEMBER_COLUMNS])
    names = [name for name, _label in MEMBER_COLUMNS]
    rows = (
        Member.objects.filter(household__in=households.order_by().values("pk"))
        .order_by("household__number", "pk")
        .values_list(*names)
    )
    count = 0
    for row in rows.iterator(chunk_size=5000):
        count += 1
        if count > EXPORT_LIMIT * 5:
            xlsx.append(sheet, [f"仅导出前 {EXPORT_LIMIT * 5} 人：请缩小筛选范围"])
            break
        xlsx.append(
            sheet,
            [
                labels.get(name, {}).get(str(value), value) if value is not None else None
                for name, value in zip(names, row, strict=True)
            ],
        )
    return count


def pairings_xlsx(*, request: HttpRequest, pairings: Any) -> HttpResponse:
    """The filtered pairings in the import's layout, so an edited export imports back; the
    number, level, status and parent columns are for reading and are not imported."""
    from xiezuo.pairing.importing import PAIRING_COLUMNS

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "结对关系"
    xlsx.append(
        sheet, [c.label for c in PAIRING_COLUMNS] + ["结对编号", "层级", "状态", "上级结对"]
    )
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    count = 0
    for p in pairings.select_related("east_org", "parent__east_region", "parent__west_region"):
        count += 1
        org = p.east_org
        xlsx.append(
            sheet,
            [
                p.east_region_id or (org.region_id if org else "") or "",
                p.east_name,
                org.get_kind_display() if org else "",
                p.west_region_id,
                p.west_region.name,
                p.get_kind_display(),
                str(p.start_year),
                str(p.end_year or ""),
                p.outside_parent_reason,
                p.pk,
                p.get_level_display(),
                p.get_status_display(),
                str(p.parent) if p.parent else "",
            ],
        )
    for letter, width in zip("ABCDE", (14, 24, 12, 14, 24), strict=True):
        sheet.column_dimensions[letter].width = width
    return _audited_workbook(request, book, "pairing.pairing", "结对关系", count)


def targets_xlsx(*, request: HttpRequest, targets: Any) -> HttpResponse:
    """Agreement targets in the import's layout (one row per target), so an edited export
    imports back and updates them."""
    from xiezuo.pairing.importing import AGREEMENT_COLUMNS

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "年度协议目标"
    xlsx.append(sheet, [c.label for c in AGREEMENT_COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    count = 0
    for t in targets:
        count += 1
        pairing = t.agreement.pairing
        xlsx.append(
            sheet,
            [
                pairing.pk,
                pairing.east_region_id or "",
                pairing.west_region_id,
                str(t.agreement.year),
                t.agreement.signed_on.isoformat() if t.agreement.signed_on else "",
                t.get_indicator_display(),
                f"{t.value.normalize():f}",
                t.unit,
                t.deadline.isoformat(),
                t.responsible_unit,
                t.responsible_person,
                t.owner.username if t.owner else "",
            ],
        )
    return _audited_workbook(request, book, "pairing.target", "年度协议目标", count)


def _audited_workbook(
    request: HttpRequest, book: Workbook, object_type: str, title: str, count: int
) -> HttpResponse:
    """The workbook as a download named after `title`, with the export in the audit trail."""
    buffer = BytesIO()
    book.save(buffer)
    audit_record(
        actor=request.user,
        action=AuditEvent.Action.EXPORT,
        object_type=object_type,
        object_repr=title,
        summary=f"exported {count} rows",
    )
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(title + '.xlsx')}"
    return response


def table_xlsx(
    *,
    request: HttpRequest,
    title: str,
    object_type: str,
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
) -> HttpResponse:
    """A list as the page shows it, one sheet named `title` with a bold header, dates written
    as dates, and the export in the audit trail (at most EXPORT_LIMIT rows, saying so)."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = title[:31]
    xlsx.append(sheet, columns)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    count = 0
    for row in rows:
        if count == EXPORT_LIMIT:
            xlsx.append(sheet, [f"仅导出前 {EXPORT_LIMIT} 行：请缩小范围"])
            break
        count += 1
        xlsx.append(sheet, row)
    _date_format(sheet)
    sheet.freeze_panes = "A2"
    return _audited_workbook(request, book, object_type, title, count)


def _date_format(sheet: Any) -> None:
    for column in sheet.iter_cols(min_row=2):
        for cell in column:
            if isinstance(cell, Cell) and cell.is_date:
                cell.number_format = "yyyy-mm-dd"


# The columns that say which report a row belongs to, as the cooperation import reads them.
COOPERATION_KEYS = ("记录编号", "结对编号", "帮扶方代码", "受帮扶方代码", "填报单位代码", "年度")
PEOPLE_COLUMN = "人员名单"


def _cooperation_cell(field: Any, record: Any) -> Any:
    """A value as the import reads it back: choice labels, region codes, 是/否, numbers."""
    if field.type == "region":
        return getattr(record, f"{field.name}_id")
    value = getattr(record, field.name)
    if field.type == "choice":
        return str(getattr(record, f"get_{field.name}_display")())
    if field.type == "bool":
        return "是" if value else "否"
    return value


def cooperation_xlsx(*, request: HttpRequest, spec: Any, records: Any) -> HttpResponse:
    """The filtered records of one kind in the import's layout (the report's keys, then the
    spec's fields), so an edited export imports back. The people served are listed with masked
    ID numbers, for reading only: whole numbers never leave in an export."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = spec.label
    from xiezuo.cooperation.choices import CONFIRM
    from xiezuo.cooperation.importing import CONFIRM_COLUMN

    header = [*COOPERATION_KEYS, *(f.label for f in spec.fields)]
    # A saved amount over 10 亿元 was confirmed once; the export says so, or its re-import would
    # ask again.
    confirm = bool(spec.amounts) and all(f.name != "confirmed_large" for f in spec.fields)
    xlsx.append(
        sheet,
        [
            *header,
            *([PEOPLE_COLUMN] if spec.people else []),
            *([CONFIRM_COLUMN] if confirm else []),
        ],
    )
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    count = 0
    for record in records[:EXPORT_LIMIT]:
        count += 1
        report = record.report
        pairing = report.pairing
        row = [
            record.pk,
            pairing.pk,
            pairing.east_region_id or "",
            pairing.west_region_id,
            report.reporter_id,
            report.year,
            *(_cooperation_cell(f, record) for f in spec.fields),
        ]
        if spec.people:
            # Registered people by their 人编号, so the list imports back; others masked.
            row.append(
                "\n".join(
                    person_cell(p.name, p.member.person_number if p.member else "", p.id_masked)
                    for p in record.people.all()
                )
            )
        if confirm:
            large = any((getattr(record, f.name) or 0) > CONFIRM for f in spec.amounts)
            row.append("是" if large else "")
        xlsx.append(sheet, row)
    _date_format(sheet)
    for letter in "BCD":
        sheet.column_dimensions[letter].width = 14
    return _audited_workbook(request, book, f"cooperation.{spec.kind}", spec.label, count)
