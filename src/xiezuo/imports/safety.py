"""What an uploaded file really is, and whether it is safe to open — decided from its bytes
before any parser sees it.

Offices send pictures renamed .xlsx, half-copied workbooks, Word files, password-protected
workbooks; an attacker sends a 500 KB workbook that expands to gigabytes of XML. Each gets a
message of its own in Chinese, without a row number (it concerns the file), and nothing of a
library's English text.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from xiezuo.core.errors import UserError
from xiezuo.imports.readers import SUPPORTED

MAX_UPLOAD_BYTES = 512 * 1024 * 1024
# A workbook's parts may expand to at most this much XML, and at most RATIO times the file.
MAX_EXPANDED_BYTES = 2 * 1024 * 1024 * 1024
MAX_RATIO = 100
# More rows than any one county's export holds (and than Excel's own 1,048,576 limit).
MAX_ROWS = 1_048_576

OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP = b"PK\x03\x04"
ZIP_EMPTY = b"PK\x05\x06"
_NOT_TABLES = (
    (b"\x89PNG\r\n\x1a\n", "PNG 图片"),
    (b"\xff\xd8\xff", "JPEG 图片"),
    (b"GIF87a", "GIF 图片"),
    (b"GIF89a", "GIF 图片"),
    (b"%PDF", "PDF 文件"),
    (b"BM", "BMP 图片"),
    (b"Rar!", "RAR 压缩包"),
    (b"7z\xbc\xaf\x27\x1c", "7z 压缩包"),
    (b"\x1f\x8b", "gzip 压缩包"),
)
EXCEL_SUFFIXES = (".xlsx", ".xlsm")


def too_large_message() -> str:
    return f"文件超过 {MAX_UPLOAD_BYTES // (1024 * 1024)} MB：请分县或分乡拆分后上传"


def check_stored(path: Path, *, original_name: str) -> None:
    """Raise UserError unless the file is what its name says and safe to parse."""
    name = original_name or path.name
    suffix = Path(name).suffix.lower()
    if suffix not in SUPPORTED:
        raise UserError(f"不支持的文件类型“{suffix or name}”：请上传 .xlsx、.xls 或 .csv 文件")
    size = path.stat().st_size
    if size == 0:
        raise UserError(f"文件 {name} 是空的（0 字节）：请检查是否选错了文件")
    if size > MAX_UPLOAD_BYTES:
        raise UserError(too_large_message())
    with path.open("rb") as handle:
        head = handle.read(16)
    for signature, what in _NOT_TABLES:
        if head.startswith(signature):
            raise UserError(
                f"{name} 是{what}，不是 Excel 或 CSV 表格：请上传 .xlsx、.xls 或 .csv 文件"
            )
    if suffix in EXCEL_SUFFIXES:
        _check_ooxml(path, name, head)
    elif suffix == ".xls":
        if head.startswith(ZIP):
            raise UserError(f"{name} 实际是 .xlsx 格式的工作簿：请把扩展名改为 .xlsx 后上传")
        if not head.startswith(OLE2):
            raise UserError(f"{name} 不是 Excel 97-2003（.xls）工作簿：可能是改了扩展名的其他文件")
    elif suffix == ".csv" and (head.startswith(ZIP) or head.startswith(OLE2)):
        raise UserError(f"{name} 是 Excel 工作簿而不是 CSV 文本：请把扩展名改为 .xlsx 或 .xls")


def _check_ooxml(path: Path, name: str, head: bytes) -> None:
    if head.startswith(OLE2):
        # Excel stores a workbook with an opening password as an OLE container holding the
        # encrypted package; a real .xls renamed .xlsx looks the same from outside.
        if _is_encrypted_package(path):
            raise UserError(f"{name} 设有打开密码（已加密）：请在 Excel 中取消密码后再上传")
        raise UserError(f"{name} 实际是 Excel 97-2003（.xls）工作簿：请把扩展名改为 .xls 后上传")
    if not (head.startswith(ZIP) or head.startswith(ZIP_EMPTY)):
        raise UserError(f"{name} 不是 Excel 工作簿：文件内容与 .xlsx 格式不符（可能是改了扩展名）")
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise UserError(
            f"{name} 不完整或已损坏：文件在中途断开（可能下载或复制时中断），请重新导出后上传"
        ) from None
    parts = {m.filename for m in members}
    if "[Content_Types].xml" not in parts:
        raise UserError(f"{name} 是 ZIP 压缩包，不是 Excel 工作簿")
    if "word/document.xml" in parts:
        raise UserError(f"{name} 是 Word 文档，不是 Excel 工作簿")
    if "ppt/presentation.xml" in parts:
        raise UserError(f"{name} 是 PowerPoint 演示文稿，不是 Excel 工作簿")
    if "xl/workbook.xml" not in parts and "xl/workbook.bin" not in parts:
        raise UserError(f"{name} 不是 Excel 工作簿（缺少工作簿内容）")
    expanded = sum(m.file_size for m in members)
    packed = max(1, sum(m.compress_size for m in members))
    if expanded > MAX_EXPANDED_BYTES or expanded > MAX_RATIO * max(packed, 1 << 20):
        raise UserError(
            f"{name} 解压后达 {expanded / (1 << 20):,.0f} MB"
            f"（压缩比 {expanded / packed:,.0f} 倍），"
            "超过允许的范围：请删去多余的工作表、格式或空白行后重新保存，或拆分后上传"
        )
    rows = _declared_rows(path, members)
    if rows > MAX_ROWS:
        raise UserError(f"{name} 的工作表有 {rows:,} 行，超过上限 {MAX_ROWS:,} 行：请拆分后上传")


def _is_encrypted_package(path: Path) -> bool:
    with path.open("rb") as handle:
        data = handle.read(1 << 20)
    # The directory of an encrypted package names these streams (UTF-16LE).
    return (
        "EncryptionInfo".encode("utf-16-le") in data
        or "EncryptedPackage".encode("utf-16-le") in data
    )


def _declared_rows(path: Path, members: list[zipfile.ZipInfo]) -> int:
    """The largest row number a sheet declares in its <dimension> (read from the first few KB of
    each sheet's XML: the element comes first), 0 when none says."""
    import re

    pattern = re.compile(rb'<(?:\w+:)?dimension ref="[A-Z]+\d+(?::[A-Z]+(\d+))?"')
    most = 0
    with zipfile.ZipFile(path) as archive:
        for member in members:
            if not member.filename.startswith("xl/worksheets/sheet"):
                continue
            with archive.open(member) as part:
                found = pattern.search(part.read(4096))
            if found and found.group(1):
                most = max(most, int(found.group(1)))
    return most
