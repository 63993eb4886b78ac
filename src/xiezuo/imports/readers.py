"""Reading uploaded tables: .xlsx, .xls and .csv (UTF-8 or GBK), row by row.

Files from county offices are messy: a title row merged across the top, a two-row header whose
upper row is merged over its lower cells, blank rows, a 合计 totals row at the bottom, stray and
full-width spaces. `open_table` finds the real header row by the column names it knows and yields
the data rows with their row numbers as the user sees them in Excel.
"""

from __future__ import annotations

import codecs
import csv
import io
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from xiezuo.core.errors import UserError

_SPACES = dict.fromkeys(map(ord, " \t\r\n\u3000\xa0\u200b\ufeff\u2002\u2003"), None)
STRIP = " \t\r\n\u3000\xa0\u200b\ufeff\u2002\u2003"
TOTAL_MARKERS = {"合计", "总计", "小计", "合 计", "总 计"}
SUPPORTED = {".xlsx": "Excel", ".xlsm": "Excel", ".xls": "Excel 97-2003", ".csv": "CSV"}


def clean_header(value: Any) -> str:
    return (
        "" if value is None else str(value).translate(_SPACES).replace("（", "(").replace("）", ")")
    )


def clean_text(value: Any) -> str:
    """A cell as text: no surrounding or full-width spaces; numbers that are whole, as whole."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip(STRIP)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    return str(value).strip(STRIP)


def clean_cell(value: Any) -> str:
    """A cell as the row checks read it: clean_text, then NFKC (full-width digits and letters
    to ASCII) unless it is ASCII already."""
    text = clean_text(value)
    return text if text.isascii() else unicodedata.normalize("NFKC", text)


@dataclass
class Table:
    headers: list[str]
    header_row: int  # 1-based, as in Excel
    rows: Iterator[tuple[int, list[Any]]]  # (row number, cells), blank and total rows left out
    sheet: str
    total_rows: int | None = None  # known for Excel sheets; CSV size is estimated by the caller
    encoding: str | None = None  # of a CSV file


def open_table(path: Path, *, known_headers: set[str], original_name: str = "") -> Table:
    name = original_name or path.name
    suffix = Path(name).suffix.lower()
    if suffix not in SUPPORTED:
        raise UserError(f"不支持的文件类型“{suffix or name}”：请上传 .xlsx、.xls 或 .csv 文件")
    if not path.is_file() or path.stat().st_size == 0:
        raise UserError(f"文件 {name} 是空的")
    total: int | None = None
    encoding: str | None = None
    if suffix == ".csv":
        encoding, iterator = _csv_rows(path)
        sheet = "csv"
    else:
        sheet, iterator, total = _excel_rows(path, name)
    table = _with_header(iterator, known_headers, name, sheet)
    table.total_rows = total
    table.encoding = encoding
    return table


def _excel_rows(path: Path, name: str) -> tuple[str, Iterator[list[Any]], int]:
    import python_calamine as calamine

    with path.open("rb") as handle:
        head = handle.read(8)
    try:
        workbook = calamine.CalamineWorkbook.from_path(str(path))
        sheet_name = workbook.sheet_names[0]
        sheet = workbook.get_sheet_by_index(0)
        rows = sheet.iter_rows()
    except calamine.PasswordError:
        raise UserError(f"{name} 设有密码保护：请取消密码后再上传") from None
    except (
        calamine.CalamineError,
        calamine.ZipError,
        calamine.XmlError,
        ValueError,
        OSError,
    ) as exc:
        if head.startswith(b"\xd0\xcf\x11\xe0") and path.suffix.lower() != ".xls":
            # An OLE container under an .xlsx name is how Excel stores an encrypted workbook.
            raise UserError(f"{name} 设有密码保护或已加密：请取消密码后再上传") from exc
        # The library's own words (English, about zip records) would mean nothing to a clerk.
        raise UserError(
            f"{name} 无法读取：文件已损坏或不完整，请在 Excel 中打开并另存后重新上传"
        ) from exc
    return sheet_name, (list(r) for r in rows), int(sheet.height)


def _csv_rows(path: Path) -> tuple[str, Iterator[list[Any]]]:
    with path.open("rb") as handle:
        sample = handle.read(1 << 16)
    encoding = "utf-8-sig"
    try:
        # A multi-byte character may be cut at the sample's end: decode incrementally.
        codecs.getincrementaldecoder("utf-8-sig")().decode(sample, final=False)
    except UnicodeDecodeError:
        encoding = "gb18030"  # a superset of GBK, which Excel writes on Chinese Windows

    def rows() -> Iterator[list[Any]]:
        with io.open(path, encoding=encoding, newline="") as handle:  # noqa: UP020
            try:
                yield from csv.reader(handle)
            except UnicodeDecodeError as exc:
                raise UserError(
                    "CSV 文件的编码无法识别：请在 Excel 中另存为“CSV UTF-8”后重新上传"
                ) from exc
            except csv.Error as exc:
                raise UserError(
                    "CSV 文件无法解析（引号不成对或单元格过长）：请在 Excel 中另存为 CSV 后重新上传"
                ) from exc

    return encoding, rows()


def _with_header(rows: Iterator[list[Any]], known: set[str], name: str, sheet: str) -> Table:
    for number, cells in enumerate(rows, start=1):
        names = [clean_header(c) for c in cells]
        if sum(1 for n in names if n in known) >= 3:
            following = next(rows, None)
            lower = [clean_header(c) for c in following] if following is not None else []
            if any(n in known for n in lower):
                # A two-row header: group titles merged over the columns they hold, and
                # single columns merged down over both rows (blank in one of them).
                width = max(len(names), len(lower))
                names = [_pick_header(names, lower, i, known) for i in range(width)]
                return Table(names, number + 1, _data_rows(rows, number + 1), sheet)
            data = _data_rows(rows, number + 1)
            if following is not None:
                data = _chain_first(number + 1, following, data)
            return Table(names, number, data, sheet)
        if number >= 20:
            break
    raise UserError(f"{name} 的前 20 行中找不到表头：需要包含 {', '.join(sorted(known)[:6])} 等列")


def _pick_header(upper: list[str], lower: list[str], i: int, known: set[str]) -> str:
    top = upper[i] if i < len(upper) else ""
    bottom = lower[i] if i < len(lower) else ""
    if bottom in known:
        return bottom
    if top in known:
        return top
    return bottom or top


def _chain_first(
    number: int, cells: list[Any], rest: Iterator[tuple[int, list[Any]]]
) -> Iterator[tuple[int, list[Any]]]:
    yield from _data_rows(iter([cells]), number - 1)
    yield from rest


def _data_rows(rows: Iterator[list[Any]], header_row: int) -> Iterator[tuple[int, list[Any]]]:
    for number, cells in enumerate(rows, start=header_row + 1):
        texts = [clean_text(c) for c in cells[:4]]
        if not any(clean_text(c) for c in cells):
            continue
        if any(t.replace(" ", "") in TOTAL_MARKERS for t in texts if t):
            continue
        yield number, cells
