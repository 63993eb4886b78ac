"""Every problem of a batch as a workbook the office fixes its file with: one line per problem
(row, column, value as typed, reason) beside the original row's cells, in the file's order."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from openpyxl import Workbook

from xiezuo.core import xlsx
from xiezuo.core.errors import UserError
from xiezuo.imports import readers
from xiezuo.imports.models import ImportBatch, ImportIssue

FIXED = ["行号", "列", "值", "原因"]


def _original_rows(batch: ImportBatch, wanted: set[int]) -> dict[int, list[Any]]:
    """The cells of the rows wanted (numbered as Excel shows them) from the stored file."""
    path = Path(batch.stored_path)
    if not path.is_file():
        return {}
    try:
        if Path(batch.filename or path.name).suffix.lower() == ".csv":
            _encoding, rows = readers._csv_rows(path)
        else:
            _sheet, rows, _total = readers._excel_rows(path, batch.filename)
        found: dict[int, list[Any]] = {}
        last = max(wanted, default=0)
        for number, cells in enumerate(rows, start=1):
            if number in wanted:
                found[number] = cells
            if number >= last:
                break
        return found
    except UserError:
        return {}  # the file itself is the problem: the issues say so without its cells


def problems_workbook(batch: ImportBatch) -> tuple[str, bytes]:
    issues = list(
        ImportIssue.objects.filter(batch=batch).values_list("row", "column", "value", "message")
    )
    header_row = int(batch.summary.get("header_row") or 0) if batch.summary else 0
    wanted = {row for row, *_ in issues if row} | ({header_row} if header_row else set())
    original = _original_rows(batch, wanted)
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "问题"
    headers = [readers.clean_text(c) for c in original.get(header_row, [])]
    xlsx.header(sheet, FIXED + [h or f"第 {i + 1} 列" for i, h in enumerate(headers)])
    for row, column, value, message in issues:
        cells = [readers.clean_text(c) for c in original.get(row, [])] if row else []
        xlsx.append(sheet, [row or "", column, value, message, *cells])
    for letter, width in zip("ABCD", (8, 14, 20, 60), strict=True):
        sheet.column_dimensions[letter].width = width
    stem = Path(batch.filename).stem or "导入"
    return f"{stem}_问题清单.xlsx", xlsx.to_bytes(book)
