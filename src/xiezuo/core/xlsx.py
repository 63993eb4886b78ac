"""Writing workbooks the way every export and template of the platform writes them.

Two dangers shape this module. A text cell that begins with `=`, `+`, `-` or `@` (or a tab or a
carriage return) is a formula to Excel, or becomes one when a clerk presses Enter in it: a
record's purpose written as `=HYPERLINK("http://…"&A2,"点击查看")` would run in every office
that opens the export. So such text is stored as text, with Excel's quote prefix, and the import
reads the same characters back. And identifiers typed into General-format cells turn into
4.30101E+17: template columns that hold codes and numbers are formatted as text before anyone
types, code columns offer their values in a drop-down, and the header stays in view.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from io import BytesIO
from typing import Any

from django.utils.functional import Promise
from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
TEXT_FORMAT = "@"
BOLD = Font(bold=True)
REQUIRED_FILL = PatternFill("solid", fgColor="FFE699")


def is_risky(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_START)


def text_cell(sheet: Any, value: str) -> Cell:
    """A cell Excel shows as the text it holds, never as a formula."""
    cell = Cell(sheet, row=1, column=1, value=value)
    cell.data_type = "s"  # openpyxl guessed a formula from the "="; the text stays text
    cell.quotePrefix = True
    return cell


def safe_row(sheet: Any, values: Iterable[Any]) -> list[Any]:
    """The row to append: risky text as text cells, a translated label as its text in the
    active language, everything else as it is."""
    values = [str(v) if isinstance(v, Promise) else v for v in values]
    return [text_cell(sheet, v) if is_risky(v) else v for v in values]


def append(sheet: Any, values: Iterable[Any]) -> None:
    sheet.append(safe_row(sheet, values))


def header(sheet: Any, names: Sequence[str], *, required: Iterable[str] = ()) -> None:
    """The header row in bold (required columns shaded), frozen so it stays in view."""
    wanted = set(required)
    append(sheet, names)
    if getattr(sheet, "write_only", False):
        return
    for cell in sheet[sheet.max_row]:
        cell.font = BOLD
        if cell.value in wanted:
            cell.fill = REQUIRED_FILL
    sheet.freeze_panes = sheet.cell(row=sheet.max_row + 1, column=1)


def to_bytes(book: Workbook) -> bytes:
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@dataclass(frozen=True)
class TemplateColumn:
    label: str
    required: bool = False
    note: str = ""
    example: Any = ""
    # Values offered in a drop-down (and listed on the instructions sheet).
    choices: Sequence[str] = ()
    # Identifiers and codes: the column is text before anyone types into it.
    text: bool = False
    width: int = 0
    synonyms: Sequence[str] = field(default_factory=tuple)


TEMPLATE_ROWS = (
    1000  # rows given the cell formats and drop-downs (the column's format covers the rest)
)


def template(
    *,
    title: str,
    columns: Sequence[TemplateColumn],
    examples: Sequence[dict[str, Any]] = (),
    instructions: Sequence[str] = (),
) -> bytes:
    """A template workbook: the data sheet (frozen bold header, required columns shaded,
    identifier columns in text format, code columns with drop-downs fed from a list sheet, an
    example row) and an instructions sheet saying what goes in each column."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = title[:31]
    header(sheet, [c.label for c in columns], required=[c.label for c in columns if c.required])
    for example in examples:
        append(sheet, [example.get(c.label, "") for c in columns])
    lists = book.create_sheet("代码表")
    for i, col in enumerate(columns, start=1):
        letter = get_column_letter(i)
        sheet.column_dimensions[letter].width = col.width or max(10, 2 * len(col.label) + 4)
        if col.text:
            # The column's own format is what Excel gives a cell typed anywhere below; the
            # first rows carry it on the cells too, for readers that ignore column styles.
            sheet.column_dimensions[letter].number_format = TEXT_FORMAT
            for row in range(2, TEMPLATE_ROWS + 2):
                sheet.cell(row=row, column=i).number_format = TEXT_FORMAT
        if col.choices:
            _drop_down(sheet, lists, i, col)
    lists.sheet_state = "hidden"
    notes = book.create_sheet("说明", 1)  # right after the data sheet; the hidden list last
    append(notes, ["列", "必填", "说明", "可用的值"])
    for cell in notes[1]:
        cell.font = BOLD
    for col in columns:
        names = "、".join((col.label, *col.synonyms))
        append(notes, [names, "必填" if col.required else "选填", col.note, "、".join(col.choices)])
    if instructions:
        append(notes, [])
        for line in instructions:
            append(notes, ["说明", "", line])
    notes.column_dimensions["A"].width = 22
    notes.column_dimensions["C"].width = 70
    notes.column_dimensions["D"].width = 60
    for row in notes.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    return to_bytes(book)


def _drop_down(sheet: Any, lists: Any, index: int, col: TemplateColumn) -> None:
    """Excel limits a literal list to 255 characters; the values live on the list sheet instead
    and the validation points there. A value not in the list gets a warning, not a refusal: the
    import is the judge (it also knows the older labels of each code)."""
    letter = get_column_letter(index)
    for row, value in enumerate(col.choices, start=1):
        lists.cell(row=row, column=index, value=value)
    source = f"{quote_sheetname(lists.title)}!${letter}$1:${letter}${len(col.choices)}"
    validation = DataValidation(
        type="list",
        formula1=source,
        allow_blank=True,
        showErrorMessage=True,
        errorStyle="warning",
        errorTitle="不在代码表中",
        error=f"“{col.label}”应从下拉列表中选择",
    )
    sheet.add_data_validation(validation)
    validation.add(f"{letter}2:{letter}{TEMPLATE_ROWS + 1}")
