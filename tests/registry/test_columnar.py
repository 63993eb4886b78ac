"""The column-at-a-time check (registry/columnar.py) against the row rule book (RowParser).

The fast path may hand a row to RowParser when in doubt, but a row it accepts on its own must be
one RowParser accepts too, with the same values. Hypothesis damages generated rows cell by cell
in the ways county files are damaged and compares the two row for row.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xiezuo.core import crypto
from xiezuo.imports import services
from xiezuo.imports.models import ImportIssue
from xiezuo.imports.readers import Table
from xiezuo.registry import columnar
from xiezuo.registry.rows import RowError, RowParser, VillageResolver
from xiezuo.registry.vocabulary import TEMPLATE_COLUMNS, map_columns

# What happens to a cell in the field: each is tried on every column.
DAMAGE = [
    lambda v: v,
    lambda v: "",
    lambda v: f"  {v}\u3000",
    lambda v: v.translate({c: c + 0xFEE0 for c in range(0x21, 0x7F)}),  # full-width
    lambda v: v.lower(),
    lambda v: v[:-1],
    lambda v: v + "0",
    lambda v: "-0.5",
    lambda v: "007",
    lambda v: "1e3",
    lambda v: "是",
    lambda v: "否",
    lambda v: "无",
    lambda v: "2019",
    lambda v: "2031",
    lambda v: "不详",
    lambda v: "残疾人证",
    lambda v: "430101199002301234",
    lambda v: "4.30101E+17",
    lambda v: "1234567",
    lambda v: "12-34",
    lambda v: "123.456",
    lambda v: "1000001",
    lambda v: "991234199001011234",  # a valid check digit, no such province
]


def _parser(rows: list[list[str]]) -> RowParser:
    table = Table(list(TEMPLATE_COLUMNS), 1, iter(()), "csv")
    return RowParser(map_columns(table), VillageResolver(None), timezone.localdate())


def _chunk(rows: list[list[str]]) -> columnar.Chunk:
    width = len(TEMPLATE_COLUMNS)
    columns = {
        field: pa.array([r[i] if i < len(r) else "" for r in rows], pa.string())
        for field, i in map_columns(Table(list(TEMPLATE_COLUMNS), 1, iter(()), "csv")).index.items()
    }
    assert all(len(r) == width for r in rows)
    return columnar.Chunk(
        pa.array(range(2, 2 + len(rows)), pa.int64()), columns, rows.__getitem__, 0
    )


def _compare(rows: list[list[str]]) -> None:
    parser = _parser(rows)
    checked = columnar.ColumnChecker(parser).check(_chunk(rows))
    table = checked.seal(columnar.protect(checked.ids)).to_pylist()
    doubtful = set(checked.doubtful)
    accepted = [i for i in range(len(rows)) if i not in doubtful]
    assert len(accepted) == len(table)
    for i, fast in zip(accepted, table, strict=True):
        try:
            slow = parser.parse(rows[i])
        except RowError as exc:  # pragma: no cover - the failure this test exists to show
            pytest.fail(f"row {i} accepted by the fast path, refused by RowParser: {exc.message}")
        assert crypto.decrypt(fast.pop("id_enc")) == crypto.decrypt(slow.pop("id_enc"))
        fast.pop("row")
        assert fast == slow, f"row {i}: {rows[i]}"


@pytest.fixture
def template_rows(generated_rows: list[dict[str, str]]) -> list[list[str]]:
    return [[r.get(c, "") for c in TEMPLATE_COLUMNS] for r in generated_rows]


def test_clean_rows_take_the_fast_path_with_rowparsers_values(
    template_rows: list[list[str]],
) -> None:
    parser = _parser(template_rows)
    checked = columnar.ColumnChecker(parser).check(_chunk(template_rows))
    assert checked.doubtful == []
    _compare(template_rows)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    damage=st.lists(
        st.tuples(
            st.integers(0, 59),
            st.integers(0, len(TEMPLATE_COLUMNS) - 1),
            st.integers(0, len(DAMAGE) - 1),
        ),
        min_size=1,
        max_size=12,
    )
)
def test_damaged_rows_agree_with_rowparser(
    template_rows: list[list[str]], damage: list[tuple[int, int, int]]
) -> None:
    rows = [list(r) for r in template_rows]
    for row, column, how in damage:
        row %= len(rows)
        rows[row][column] = DAMAGE[how](rows[row][column])
    _compare(rows)


def test_an_id_of_no_province_is_refused_on_both_paths(template_rows: list[list[str]]) -> None:
    """A number with a right check digit but no such province (99) is not taken by the fast
    path; RowParser names the problem."""
    rows = [list(r) for r in template_rows]
    rows[1][TEMPLATE_COLUMNS.index("证件号码")] = "991234199001011234"
    _compare(rows)
    with pytest.raises(RowError, match="前 2 位 99 不是省级区划代码"):
        _parser(rows).parse(rows[1])


def test_csv_with_blank_lines_keeps_excel_row_numbers(
    generated_rows: list[dict[str, str]], tmp_path: Path
) -> None:
    """The fast reader cannot number a file with blank lines: the row reader takes over, and
    the issue names the row Excel shows."""
    header = ",".join(TEMPLATE_COLUMNS)
    lines = [",".join(r.get(c, "") for c in TEMPLATE_COLUMNS) for r in generated_rows[:6]]
    bad = dict(generated_rows[6], 姓名="")
    lines[3:3] = ["", ""]  # rows 5 and 6 are blank
    lines.append(",".join(bad.get(c, "") for c in TEMPLATE_COLUMNS))  # row 10
    path = tmp_path / "blank.csv"
    path.write_text("\n".join([header, *lines]) + "\n", encoding="utf-8")
    batch = services.batch_create(kind="registry", filename=path.name, source=path, actor=None)
    batch = services.batch_parse(batch, user=None)
    # (The first seven people cut a household short: its 人数 is named too.)
    found = [(i.row, i.column) for i in ImportIssue.objects.filter(batch=batch)]
    assert [f for f in found if f[1] != "人数"] == [(10, "姓名")], found


def test_excel_damaged_id_in_a_large_csv_is_named(
    generated_rows: list[dict[str, str]], write_csv: Callable[..., Path]
) -> None:
    """A bad row deep in the fast path gets RowParser's own words."""
    rows: list[dict[str, Any]] = [dict(r) for r in generated_rows]
    rows[40]["证件号码"] = "4.30101E+17"
    batch = services.batch_create(
        kind="registry", filename="x.csv", source=write_csv(rows), actor=None
    )
    batch = services.batch_parse(batch, user=None)
    issue = ImportIssue.objects.get(batch=batch, column="证件号码")
    assert issue.row == 42
    assert "科学计数法" in issue.message


def test_school_age_follows_the_exit_year(template_rows: list[list[str]]) -> None:
    """A child born in 2019 was not of school age when the household exited in 2020."""
    parser = _parser(template_rows)
    index = {c: i for i, c in enumerate(TEMPLATE_COLUMNS)}
    row = list(template_rows[0])
    born = datetime.date(2010, 5, 1)
    number = row[index["证件号码"]][:6] + born.strftime("%Y%m%d") + "123"
    from xiezuo.registry import idnumbers

    row[index["证件号码"]] = number + idnumbers.check_digit(number)
    row[index["在校生状况"]] = "非在校生"
    for exit_year, expected in (("2015", False), ("2020", True)):
        row[index["脱贫属性"]] = "已脱贫"
        row[index["脱贫年度"]] = exit_year
        checked = columnar.ColumnChecker(parser).check(_chunk([row]))
        assert checked.doubtful == []
        assert checked.columns["school_age_out"].to_pylist() == [expected]
        assert parser.parse(row)["school_age_out"] is expected


def test_code_column_with_only_some_name_columns(
    generated_rows: list[dict[str, str]], write_csv: Callable[..., Path]
) -> None:
    """行政村代码 with 行政村 but no 县 or 乡: the code decides, and an empty code is refused."""
    rows: list[dict[str, Any]] = [dict(r) for r in generated_rows]
    rows[5]["行政村代码"] = ""
    columns = [c for c in TEMPLATE_COLUMNS if c not in ("县", "乡")]
    batch = services.batch_create(
        kind="registry", filename="x.csv", source=write_csv(rows, columns=columns), actor=None
    )
    batch = services.batch_parse(batch, user=None)
    issues = [(i.row, i.column) for i in ImportIssue.objects.filter(batch=batch)]
    assert (7, "县/乡/行政村") in issues
    assert all(row == 7 or column != "县/乡/行政村" for row, column in issues)


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    data=st.binary(max_size=60).map(lambda b: bytes(b"ab,\r\n"[x % 5] for x in b)),
    block=st.integers(min_value=1, max_value=9),
)
def test_line_count_and_blank_lines_across_blocks(tmp_path: Path, data: bytes, block: int) -> None:
    """The fast reader trusts this count to number rows as Excel does: every newline, a last
    line without one, and any empty or carriage-return-only line — wherever blocks split."""
    path = tmp_path / "lines.csv"
    path.write_bytes(data)
    complete = data.split(b"\n")[:-1]
    expected = (
        data.count(b"\n") + (1 if data and not data.endswith(b"\n") else 0),
        any(line in (b"", b"\r") for line in complete),
    )
    assert columnar._count_lines(path, block_size=block) == expected
