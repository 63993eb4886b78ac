"""The staged import for tables of modest size (pairings, agreements, cooperation records).

A kind declares its columns and two functions: `check` turns one row into a prepared value (or
raises RowError naming the column), `write` saves all prepared rows. Checking stores every issue
with its row and column; committing checks the stored file again and writes everything in one
transaction — so a commit never writes a row the preview did not show as clean, and a failure
leaves nothing behind. The registry has its own set-based path for millions of rows.
"""

from __future__ import annotations

import datetime
import functools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils.translation import gettext_lazy

from xiezuo.audit.models import AuditEvent
from xiezuo.audit.services import audit_record
from xiezuo.core import xlsx
from xiezuo.core.errors import UserError
from xiezuo.imports.batches import batch_fail, batch_update, batch_write_failed
from xiezuo.imports.kinds import ImportKind
from xiezuo.imports.models import ImportBatch, ImportIssue
from xiezuo.imports.readers import clean_header, clean_text, open_table

if TYPE_CHECKING:
    from xiezuo.accounts.models import User

Progress = Callable[[int, str], None]
PREVIEW_ROWS = 20


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    required: bool = True
    synonyms: tuple[str, ...] = ()
    note: str = ""  # what goes in it, for the template's 说明 sheet
    example: str = ""
    choices: tuple[str, ...] = ()  # a fixed list of values: a drop-down in the template


class RowError(Exception):
    """A row is wrong in a column; the message says why, in words the user can act on. `also`
    holds further (column, message) problems of the same row, each shown as an issue of its own."""

    def __init__(self, column: str, message: str, also: tuple[tuple[str, str], ...] = ()) -> None:
        super().__init__(message)
        self.column = column
        self.message = message
        self.also = also


@dataclass
class Context:
    """What checking one file carries from row to row: the user, and natural keys seen."""

    user: Any
    seen: dict[Any, int] = field(default_factory=dict)

    def once(self, key: Any, column: str, what: str, row: int) -> None:
        first = self.seen.setdefault(key, row)
        if first != row:
            raise RowError(column, f"{what}与第 {first} 行重复")


@dataclass(frozen=True)
class TableKind:
    kind: str
    label: str
    columns: tuple[Column, ...]
    check: Callable[[dict[str, str], Context, int], Any]
    write: Callable[[list[Any], Any], dict[str, int]]
    notes: str = ""

    def headers(self) -> dict[str, str]:
        """Header text → column key, spelt as the reader cleans headers (it turns "金额（万元）"
        into "金额(万元)" and drops spaces), so a label matches however the file wrote it."""
        out: dict[str, str] = {}
        for col in self.columns:
            for name in (col.label, *col.synonyms):
                out[clean_header(name)] = col.key
        return out


def _rows(spec: TableKind, batch: ImportBatch) -> tuple[int, Iterator[tuple[int, dict[str, str]]]]:
    headers = spec.headers()
    table = open_table(
        Path(batch.stored_path), known_headers=set(headers), original_name=batch.filename
    )
    index: dict[str, int] = {}
    for i, name in enumerate(table.headers):
        key = headers.get(name)
        if key and key not in index:
            index[key] = i
    missing = [c.label for c in spec.columns if c.required and c.key not in index]
    if missing:
        raise UserError(f"缺少必需的列：{'、'.join(missing)}（表头在第 {table.header_row} 行）")

    def rows() -> Iterator[tuple[int, dict[str, str]]]:
        for number, cells in table.rows:
            yield (
                number,
                {key: clean_text(cells[i]) if i < len(cells) else "" for key, i in index.items()},
            )

    return table.header_row, rows()


def _check_all(
    spec: TableKind, batch: ImportBatch, user: Any
) -> tuple[int, list[Any], list[ImportIssue], list[dict[str, str]]]:
    labels = {c.key: c.label for c in spec.columns}
    header_row, rows = _rows(spec, batch)
    ctx = Context(user=user)
    prepared: list[Any] = []
    issues: list[ImportIssue] = []
    preview: list[dict[str, str]] = []
    count = 0
    for number, row in rows:
        count += 1
        try:
            prepared.append(spec.check(row, ctx, number))
        except RowError as exc:
            issues += [
                ImportIssue(
                    batch=batch,
                    row=number,
                    column=labels.get(column, column)[:50],
                    message=message[:300],
                )
                for column, message in ((exc.column, exc.message), *exc.also)
            ]
        except UserError as exc:
            where = exc.problems[0].where if exc.problems else ""
            issues.append(
                ImportIssue(batch=batch, row=number, column=where[:50], message=exc.summary[:300])
            )
        if len(preview) < PREVIEW_ROWS:
            preview.append({labels[k]: v for k, v in row.items() if v})
    if count == 0:
        issues.append(ImportIssue(batch=batch, row=header_row, message="表头以下没有数据"))
    return count, prepared, issues, preview


def parse(
    spec: TableKind, batch: ImportBatch, *, user: Any, progress: Progress | None
) -> ImportBatch:
    batch_update(batch, state=ImportBatch.State.PARSING, progress=0, message="正在检查")
    ImportIssue.objects.filter(batch=batch).delete()
    try:
        count, _prepared, issues, preview = _check_all(spec, batch, user)
    except UserError as exc:
        return batch_fail(batch, exc)
    ImportIssue.objects.bulk_create(issues)
    errors = len(issues)
    return batch_update(
        batch,
        state=ImportBatch.State.PARSED,
        rows_read=count,
        rows_with_errors=errors,
        progress=100,
        summary={"rows": count, "preview": preview},
        message=f"共 {count} 行，{errors} 处问题" if errors else f"共 {count} 行，检查通过",
    )


def commit(spec: TableKind, batch: ImportBatch, *, actor: Any) -> ImportBatch:
    if batch.state not in (ImportBatch.State.PARSED, ImportBatch.State.QUEUED):
        raise UserError(f"该批次状态为“{batch.get_state_display()}”，只有检查完成的批次可以提交")
    if batch.rows_with_errors:
        raise UserError(f"该批次有 {batch.rows_with_errors} 处问题：请修改文件后重新上传")
    batch_update(batch, state=ImportBatch.State.COMMITTING, progress=0, message="正在写入")
    try:
        with transaction.atomic():
            # Checked again inside the transaction: what changed since the preview (a pairing
            # made meanwhile, say) is caught here rather than written twice.
            _count, prepared, issues, _preview = _check_all(spec, batch, actor)
            if issues:
                first = issues[0]
                raise UserError(
                    f"提交前复核发现 {len(issues)} 处问题（第 {first.row} 行 {first.column}："
                    f"{first.message}），未写入任何数据"
                )
            counts = spec.write(prepared, actor)
            audit_record(
                actor=actor,
                action=AuditEvent.Action.LOAD,
                obj=batch,
                object_repr=f"{spec.label}导入 {batch.filename}"[:200],
                after=counts,
            )
    except UserError as exc:
        batch_update(batch, state=ImportBatch.State.PARSED, message=str(exc))
        raise
    except Exception as exc:
        batch_write_failed(batch, exc)
        raise
    done = "，".join(f"{k} {v}" for k, v in counts.items())
    return batch_update(
        batch,
        state=ImportBatch.State.COMMITTED,
        progress=100,
        summary={**batch.summary, "written": counts},
        message=f"已写入：{done}",
    )


def template(spec: TableKind, *, examples: list[dict[str, str]] | None = None) -> bytes:
    """The header row (required columns shaded, frozen), example rows, drop-downs for the
    columns with a fixed list of values, and a sheet on each column. Every column is text:
    codes keep their leading zeros and long numbers their digits."""
    columns = [
        xlsx.TemplateColumn(
            label=c.label,
            required=c.required,
            note=c.note,
            choices=c.choices,
            text=True,
            synonyms=c.synonyms,
        )
        for c in spec.columns
    ]
    rows = examples or [{c.key: c.example for c in spec.columns}]
    return xlsx.template(
        title=spec.label,
        columns=columns,
        examples=[{c.label: row.get(c.key, "") for c in spec.columns} for row in rows],
        instructions=[spec.notes] if spec.notes else [],
    )


def import_kind(
    spec: TableKind,
    *,
    require: Callable[[User | None], None],
    order: int,
    examples: Callable[[], list[dict[str, str]]] | None = None,
) -> ImportKind:
    """The registration of a table kind with the staged import."""

    def make_template() -> tuple[str, bytes]:
        return f"{spec.label}导入模板.xlsx", template(
            spec, examples=examples() if examples else None
        )

    return ImportKind(
        kind=spec.kind,
        # The kind's name on pages follows the language (a msgid of the owning app's
        # catalogue); the template and its file name keep the Chinese label.
        label=gettext_lazy(spec.label),
        parse=functools.partial(parse, spec),
        commit=functools.partial(commit, spec),
        template=make_template,
        require=require,
        order=order,
    )


_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日", "%Y%m%d")


def parse_date(text: str, column: str) -> datetime.date:
    """A date as offices write it: 2019-12-31, 2019/12/31, 2019年12月31日, or an Excel date."""
    raw = text.strip()
    if raw[:10].count("-") == 2 and raw[10:].strip() in ("", "00:00:00"):
        raw = raw[:10]
    for fmt in _DATE_FORMATS:
        try:
            return datetime.datetime.strptime(raw, fmt).date()
        except ValueError:
            continue
    raise RowError(column, f"“{text}”不是日期（例如 2019-12-31）")


def parse_year(text: str, column: str) -> int:
    raw = text.strip().removesuffix("年")
    if not (raw.isascii() and raw.isdigit() and len(raw) == 4):
        raise RowError(column, f"“{text}”不是四位年份")
    return int(raw)
