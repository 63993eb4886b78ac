from __future__ import annotations

import copy
import io
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook

from tests.conftest import YANHE
from xiezuo.core import crypto
from xiezuo.core.errors import UserError
from xiezuo.imports import services, staging
from xiezuo.imports.models import ImportBatch, ImportIssue
from xiezuo.registry.models import Household, Member, StatusChange
from xiezuo.registry.vocabulary import TEMPLATE_COLUMNS


def _import(path: Path, user: Any = None) -> ImportBatch:
    batch = services.batch_create(kind="registry", filename=path.name, source=path, actor=user)
    return services.batch_parse(batch, user=user)


def _issues(batch: ImportBatch) -> list[str]:
    return [str(i) for i in ImportIssue.objects.filter(batch=batch)]


def test_import_checks_previews_and_commits(
    generated_rows: list[dict[str, str]], write_csv: Callable[..., Path]
) -> None:
    batch = _import(write_csv(generated_rows))
    assert batch.state == "parsed" and batch.rows_with_errors == 0, _issues(batch)
    households = len({r["户编号"] for r in generated_rows})
    assert batch.summary == {
        "problems": [],
        "header_row": 1,
        "members": len(generated_rows),
        "households": households,
        "new_households": households,
        "changed_households": 0,
        "unchanged_households": 0,
        "new_members": len(generated_rows),
        "changed_members": 0,
        "unchanged_members": 0,
        "changes": [],
        "preview_text": [
            f"户：新增 {households}，有变化 0，无变化 0（共 {households}）",
            f"人：新增 {len(generated_rows)}，有变化 0，无变化 0（共 {len(generated_rows)}）",
        ],
    }
    assert not Household.objects.exists()  # nothing before the commit
    services.batch_commit(batch, actor=None)
    assert Household.objects.count() == households
    assert Member.objects.count() == len(generated_rows)
    assert not list(Path(batch.stored_path).parent.glob("*.parquet"))
    first = generated_rows[0]
    member = Member.objects.get(id_hash=crypto.keyed_hash(first["证件号码"]))
    assert member.name == first["姓名"]
    assert crypto.decrypt(member.id_enc) == first["证件号码"]
    assert member.id_masked == first["证件号码"][:4] + "*" * 10 + first["证件号码"][-4:]
    assert first["证件号码"] not in member.id_enc
    household = member.household
    assert household.village_id.startswith(YANHE)
    assert household.size == int(first["人数"])
    assert StatusChange.objects.filter(household=household).count() == 1
    assert household.helper_name == first["帮扶责任人"]
    assert crypto.decrypt(household.helper_phone_enc) == first["帮扶人电话"]


def test_reimport_updates_and_never_duplicates(
    generated_rows: list[dict[str, str]], write_csv: Callable[..., Path]
) -> None:
    services.batch_commit(_import(write_csv(generated_rows)), actor=None)
    before = (Household.objects.count(), Member.objects.count())
    ciphertexts = dict(Member.objects.values_list("id_hash", "id_enc"))
    households = {h.number: h for h in Household.objects.all()}
    changed = copy.deepcopy(generated_rows)
    number = changed[0]["户编号"]
    for row in changed:
        if row["户编号"] == number:
            row["脱贫属性"], row["脱贫年度"] = "返贫", "2019"
    changed[0]["姓名"] = "改名测试"
    moved = next(r["户编号"] for r in changed if r["户编号"] != number)
    for row in changed:
        if row["户编号"] == moved:
            row["联系电话"] = "13900000000" if row["联系电话"] else ""
    batch = _import(write_csv(changed, name="again.csv"))
    summary = batch.summary
    assert (summary["new_households"], summary["changed_households"]) == (0, 1), summary
    assert summary["unchanged_households"] == before[0] - 1
    assert (summary["new_members"], summary["changed_members"]) == (0, 1), summary
    changes = {(c["who"], f["field"]) for c in summary["changes"] for f in c["fields"]}
    old_name = generated_rows[0]["姓名"]
    assert changes == {(number, "脱贫属性"), (number, "脱贫年度"), (old_name, "姓名")}, changes
    batch = services.batch_commit(batch, actor=None)
    assert (Household.objects.count(), Member.objects.count()) == before
    # Only the renamed member is written again; no one's ID number is encrypted anew.
    assert batch.summary["members"] == before[1] and batch.summary["members_written"] == 1
    assert batch.summary["households_written"] == 2  # the returned one, the new phone
    assert batch.message.endswith("写入新增或有变化的 2 户、1 人，其余与登记库相同")
    assert dict(Member.objects.values_list("id_hash", "id_enc")) == ciphertexts
    # Households: a new phone is encrypted anew; the households nothing changed in are left
    # exactly as they were, ciphertexts and timestamps included.
    after = {h.number: h for h in Household.objects.all()}
    assert crypto.decrypt(after[moved].phone_enc) == "13900000000"
    assert after[moved].phone_hash == crypto.keyed_hash("13900000000")
    untouched = [n for n in households if n not in (number, moved)]
    assert untouched
    for n in untouched:
        assert after[n].phone_enc == households[n].phone_enc
        assert after[n].helper_phone_enc == households[n].helper_phone_enc
        assert after[n].updated_at == households[n].updated_at
    assert after[number].updated_at > households[number].updated_at
    household = Household.objects.get(number=number)
    assert household.status == "returned"
    assert household.status_changes.last().to_status == "returned"  # type: ignore[union-attr]
    assert Member.objects.filter(name="改名测试").count() == 1


def test_reimporting_an_unchanged_file_previews_nothing_changed(
    generated_rows: list[dict[str, str]], write_csv: Callable[..., Path]
) -> None:
    services.batch_commit(_import(write_csv(generated_rows)), actor=None)
    again = _import(write_csv(generated_rows, name="same.csv"))
    households = len({r["户编号"] for r in generated_rows})
    summary = again.summary
    assert (summary["changed_households"], summary["new_households"]) == (0, 0), summary
    assert summary["unchanged_households"] == households
    assert (summary["changed_members"], summary["new_members"]) == (0, 0), summary
    assert summary["unchanged_members"] == len(generated_rows)
    done = services.batch_commit(again, actor=None)
    assert (done.summary["households_written"], done.summary["members_written"]) == (0, 0)


def test_reimport_clears_a_phone_stored_before_phone_hashes(
    generated_rows: list[dict[str, str]], write_csv: Callable[..., Path]
) -> None:
    """A household stored before the hash columns has '' for its phone hash: a file that now
    has no phone for it clears the phone rather than keeping the old one."""
    services.batch_commit(_import(write_csv(generated_rows)), actor=None)
    household = Household.objects.exclude(phone_enc="").first()
    assert household is not None
    Household.objects.filter(pk=household.pk).update(phone_hash="")  # as migration 0008 left it
    rows = copy.deepcopy(generated_rows)
    for row in rows:
        if row["户编号"] == household.number:
            row["联系电话"] = ""
    services.batch_commit(_import(write_csv(rows, name="again.csv")), actor=None)
    household.refresh_from_db()
    assert household.phone_enc == "" and household.phone_hash == ""


def test_reimport_clears_a_value_to_null(
    generated_rows: list[dict[str, str]], write_csv: Callable[..., Path]
) -> None:
    """A household whose only change is an income now left empty is written (a comparison
    that NULL defeats would leave the old income)."""
    services.batch_commit(_import(write_csv(generated_rows)), actor=None)
    number = generated_rows[0]["户编号"]
    assert Household.objects.get(number=number).per_capita_income is not None
    rows = copy.deepcopy(generated_rows)
    for row in rows:
        if row["户编号"] == number:
            for column in ("人均纯收入", "收入年度", "工资性收入", "生产经营性收入", "财产性收入"):
                row[column] = ""
            for column in ("转移性收入", "生产经营性支出"):
                row[column] = ""
    batch = services.batch_commit(_import(write_csv(rows, name="again.csv")), actor=None)
    assert Household.objects.get(number=number).per_capita_income is None
    assert (batch.summary["households_written"], batch.summary["members_written"]) == (1, 0)


@pytest.mark.parametrize("cores", [1, 2])
def test_a_file_of_many_chunks_on_one_core_and_two(
    generated_rows: list[dict[str, str]],
    write_csv: Callable[..., Path],
    monkeypatch: pytest.MonkeyPatch,
    cores: int,
) -> None:
    """Read a few rows at a time, so chunks follow one another through the crypto worker (or,
    on one core, this process) and the writer thread: every member ends in their household,
    and a bad row deep in the file is named by its own row number."""
    from xiezuo.core import crypto
    from xiezuo.registry import columnar, workers

    monkeypatch.setattr(columnar, "CSV_BLOCK_BYTES", 4096)
    monkeypatch.setattr(workers.os, "cpu_count", lambda: cores)
    rows = copy.deepcopy(generated_rows)
    rows[-2]["证件号码"] = rows[-2]["证件号码"][:-1] + (
        "0" if rows[-2]["证件号码"][-1] != "0" else "1"
    )
    bad = _import(write_csv(rows, name="bad.csv"))
    assert [(i.row, i.column) for i in ImportIssue.objects.filter(batch=bad)] == [
        (len(rows), "证件号码")
    ]
    batch = _import(write_csv(generated_rows))
    assert batch.rows_read == len(generated_rows) and batch.rows_with_errors == 0
    services.batch_commit(batch, actor=None)
    in_file = {crypto.keyed_hash(r["证件号码"].upper()): r["户编号"] for r in generated_rows}
    assert dict(Member.objects.values_list("id_hash", "household__number")) == in_file


def test_gbk_csv_is_read(
    generated_rows: list[dict[str, str]], write_csv: Callable[..., Path]
) -> None:
    batch = _import(write_csv(generated_rows, encoding="gbk"))
    assert batch.rows_with_errors == 0, _issues(batch)
    assert batch.rows_read == len(generated_rows)


def test_messy_excel_is_read(generated_rows: list[dict[str, str]], tmp_path: Path) -> None:
    """A title row merged across, a two-row header, blank rows, a 合计 row, full-width digits
    and stray spaces, as county offices send them."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["沿河县建档立卡贫困人口信息表"])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(TEMPLATE_COLUMNS))
    upper = ["地址", "", "", "", "", *TEMPLATE_COLUMNS[5:]]
    lower = [*TEMPLATE_COLUMNS[:5], *([""] * (len(TEMPLATE_COLUMNS) - 5))]
    sheet.append(upper)
    sheet.append(lower)
    for i in range(6, len(TEMPLATE_COLUMNS) + 1):
        sheet.merge_cells(start_row=2, start_column=i, end_row=3, end_column=i)
    for n, row in enumerate(generated_rows):
        values = [row.get(c, "") for c in TEMPLATE_COLUMNS]
        if n == 0:
            id_col = TEMPLATE_COLUMNS.index("证件号码")
            values[id_col] = (
                " "
                + values[id_col].translate(str.maketrans("0123456789", "０１２３４５６７８９"))
                + "\u3000"
            )
            values[TEMPLATE_COLUMNS.index("姓名")] = f"  {values[TEMPLATE_COLUMNS.index('姓名')]} "
        sheet.append(values)
        if n == 3:
            sheet.append([])
    sheet.append(["合计", "", "", "", "", "", "", "", "", "", str(len(generated_rows))])
    path = tmp_path / "messy.xlsx"
    book.save(path)
    batch = _import(path)
    assert batch.rows_with_errors == 0, _issues(batch)
    assert batch.rows_read == len(generated_rows)
    services.batch_commit(batch, actor=None)
    first = generated_rows[0]
    member = Member.objects.get(id_hash=crypto.keyed_hash(first["证件号码"]))
    assert member.name == first["姓名"]


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (lambda rows: rows[1].update({"证件号码": "4.30101E+17"}), "科学计数法"),
        (lambda rows: rows[1].update({"证件号码": rows[1]["证件号码"][:15] + "000"}), "变成了 0"),
        (
            lambda rows: rows[1].update(
                {
                    "证件号码": rows[1]["证件号码"][:17] + "0"
                    if rows[1]["证件号码"][17] != "0"
                    else rows[1]["证件号码"][:17] + "1"
                }
            ),
            "校验位",
        ),
        (lambda rows: rows[1].update({"行政村代码": "520602100201"}), "不在您的权限范围内"),
        (
            lambda rows: rows[1].update({"行政村代码": "", "行政村": "不存在村"}),
            "没有名为“不存在村”",
        ),
        (lambda rows: rows[1].update({"与户主关系": "邻居"}), "“邻居”不是与户主关系的可用值"),
        (lambda rows: rows[1].update({"主要致贫原因": ""}), "不能为空"),
        (lambda rows: rows[1].update({"危房户": "也许"}), "应为“是”或“否”"),
    ],
)
def test_bad_rows_name_row_column_and_reason(
    generated_rows: list[dict[str, str]],
    write_csv: Callable[..., Path],
    edit: Callable[[list[dict[str, str]]], None],
    expected: str,
) -> None:
    rows = copy.deepcopy(generated_rows)
    edit(rows)
    batch = _import(write_csv(rows))
    issues = _issues(batch)
    assert any(i.startswith("第 3 行") and expected in i for i in issues), issues
    with pytest.raises(Exception, match="处问题"):
        services.batch_commit(batch, actor=None)
    assert not Household.objects.exists() and not Member.objects.exists()


def test_id_used_by_two_people_names_both_rows(
    generated_rows: list[dict[str, str]], write_csv: Callable[..., Path]
) -> None:
    rows = copy.deepcopy(generated_rows)
    rows[5]["证件号码"] = rows[2]["证件号码"]
    issues = _issues(_import(write_csv(rows)))
    assert any(i.startswith("第 7 行 证件号码") and "与第 4 行相同" in i for i in issues), issues


def test_id_already_in_another_household_is_refused(
    generated_rows: list[dict[str, str]], write_csv: Callable[..., Path]
) -> None:
    services.batch_commit(_import(write_csv(generated_rows)), actor=None)
    rows = copy.deepcopy(generated_rows)
    other = next(r for r in rows if r["户编号"] != rows[0]["户编号"])
    other_id = other["证件号码"]
    for row in rows:
        if row["户编号"] == rows[0]["户编号"] and row["与户主关系"] != "户主":
            row["证件号码"] = other_id
            break
    else:
        pytest.skip("the first household has only its head")
    issues = _issues(_import(write_csv(rows, name="b.csv")))
    assert any("已登记在户" in i or "相同" in i for i in issues), issues


def test_household_without_head(
    generated_rows: list[dict[str, str]], write_csv: Callable[..., Path]
) -> None:
    rows = copy.deepcopy(generated_rows)
    number = rows[0]["户编号"]
    for row in rows:
        if row["户编号"] == number and row["与户主关系"] == "户主":
            row["与户主关系"] = "之子"
    issues = _issues(_import(write_csv(rows)))
    assert any(f"户 {number} 没有户主" in i for i in issues), issues


def test_two_heads_and_mixed_household_attributes(
    generated_rows: list[dict[str, str]], write_csv: Callable[..., Path]
) -> None:
    """Both household checks, in one household and in another: each named on its own column,
    on every row of the household, and counted once per household in the summary."""
    rows = copy.deepcopy(generated_rows)
    numbers = list(dict.fromkeys(r["户编号"] for r in rows))
    two_heads = next(n for n in numbers if sum(r["户编号"] == n for r in rows) > 1)
    member = next(r for r in rows if r["户编号"] == two_heads and r["与户主关系"] != "户主")
    member["与户主关系"] = "户主"
    mixed = next(n for n in numbers if n != two_heads and sum(r["户编号"] == n for r in rows) > 1)
    other = [r for r in rows if r["户编号"] == mixed][-1]
    other["主要致贫原因"] = "缺技术" if other["主要致贫原因"] != "缺技术" else "因病"
    batch = _import(write_csv(rows))
    found = {(i.column, i.message) for i in ImportIssue.objects.filter(batch=batch)}
    assert ("与户主关系", f"户 {two_heads} 有 2 个户主") in found, found
    assert (
        "户编号",
        f"户 {mixed} 各成员行的村、脱贫属性、脱贫年度、贫困户属性、识别标准或致贫原因不一致",
    ) in found, found
    rows_of = {
        n: [i + 2 for i, r in enumerate(rows) if r["户编号"] == n] for n in (two_heads, mixed)
    }
    by_row = {(i.row, i.column) for i in ImportIssue.objects.filter(batch=batch)}
    assert by_row == {(r, "与户主关系") for r in rows_of[two_heads]} | {
        (r, "户编号") for r in rows_of[mixed]
    }
    assert batch.rows_with_errors == len(rows_of[two_heads]) + len(rows_of[mixed])
    kinds = {p["kind"]: p["count"] for p in batch.summary["problems"]}
    assert kinds == {"户主多于一个": 1, "户属性不一致": 1}


def _refused(path: Path) -> str:
    """The upload's own message: the file is refused before any batch is checked."""
    with pytest.raises(UserError) as caught:
        services.batch_create(kind="registry", filename=path.name, source=path, actor=None)
    assert not caught.value.problems or all("行" not in p.where for p in caught.value.problems)
    assert "第 0 行" not in str(caught.value)
    return str(caught.value)


def _workbook_bytes() -> bytes:
    book = Workbook()
    book.active.append(["户编号", "姓名", "证件号码"])  # type: ignore[union-attr]
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "content", "said"),
    [
        ("notes.txt", b"hello", "不支持的文件类型"),
        ("empty.xlsx", b"", "是空的"),
        ("photo.xlsx", b"\x89PNG\r\n\x1a\n" + b"\0" * 64, "是PNG 图片，不是 Excel 或 CSV 表格"),
        ("scan.xlsx", b"\xff\xd8\xff\xe0" + b"\0" * 64, "JPEG 图片"),
        ("report.xls", b"%PDF-1.7\n" + b"\0" * 64, "PDF 文件"),
        ("cut.xlsx", _workbook_bytes()[:300], "不完整或已损坏"),
        # Excel saves a password-protected workbook as an OLE compound file naming these streams.
        (
            "secret.xlsx",
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + "EncryptedPackage".encode("utf-16-le"),
            "设有打开密码",
        ),
        ("old.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "改为 .xls"),
        ("new.xls", _workbook_bytes(), "改为 .xlsx"),
        ("book.csv", _workbook_bytes(), "不是 CSV 文本"),
    ],
)
def test_files_that_are_not_what_they_claim(
    tmp_path: Path, db: None, name: str, content: bytes, said: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    message = _refused(path)
    assert said in message
    assert message.isascii() is False and "Zip" not in message and "EOCD" not in message
    assert not ImportBatch.objects.exists()


def test_zip_that_is_not_a_workbook_and_a_word_file(tmp_path: Path, db: None) -> None:
    plain = tmp_path / "photos.xlsx"
    with zipfile.ZipFile(plain, "w") as archive:
        archive.writestr("a.txt", "x")
    assert "ZIP 压缩包" in _refused(plain)
    word = tmp_path / "letter.xlsx"
    with zipfile.ZipFile(word, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    assert "Word 文档" in _refused(word)


def test_workbook_that_expands_too_far_is_refused_before_parsing(tmp_path: Path, db: None) -> None:
    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", "<row/>" * 30_000_000)  # ~180 MB of XML
    assert bomb.stat().st_size < 2_000_000
    assert "解压后达" in _refused(bomb)
    rows = tmp_path / "rows.xlsx"
    with zipfile.ZipFile(rows, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr(
            "xl/worksheets/sheet1.xml", '<worksheet><dimension ref="A1:AO2000000"/></worksheet>'
        )
    assert "超过上限" in _refused(rows)


def test_unknown_and_missing_columns(write_csv: Callable[..., Path], lines: None) -> None:
    path = write_csv(
        [{"户编号": "1", "姓名": "张三", "证件号码": "x"}],
        columns=["户编号", "姓名", "证件号码", "备注"],
    )
    batch = _import(path)
    assert batch.state == "failed"
    assert "缺少必需的列" in batch.message and "与户主关系" in batch.message


def test_first_load_rebuilds_every_index_and_constraint(
    generated_rows: list[dict[str, str]],
    write_csv: Callable[..., Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Into an empty registry the commit loads without indexes and builds them again: the
    tables end with the same indexes and constraints, and they hold."""
    from django.db import IntegrityError, connection, transaction

    def shape() -> dict[str, dict[str, Any]]:
        with connection.cursor() as cursor:
            return {
                table: {
                    name: (c["columns"], c["unique"], c["foreign_key"], c["index"])
                    for name, c in connection.introspection.get_constraints(cursor, table).items()
                }
                for table in (
                    Household._meta.db_table,
                    Member._meta.db_table,
                    StatusChange._meta.db_table,
                    HouseholdIncome._meta.db_table,
                )
            }

    from xiezuo.core import crypto
    from xiezuo.registry.models import HouseholdIncome

    rebuilt: list[str] = []
    plain = staging.indexes_rebuilt

    def spy(cursor: Any, table: str) -> Any:
        rebuilt.append(table)
        return plain(cursor, table)

    monkeypatch.setattr(staging, "indexes_rebuilt", spy)
    before = shape()
    batch = _import(write_csv(generated_rows))
    services.batch_commit(batch, actor=None)
    # The first-load path ran (every table loaded without its indexes) and left them whole.
    assert sorted(rebuilt) == sorted(before)
    assert shape() == before
    # Each member is in the household the file names (the first load joins them itself).
    in_file = {crypto.keyed_hash(r["证件号码"].upper()): r["户编号"] for r in generated_rows}
    loaded = dict(Member.objects.values_list("id_hash", "household__number"))
    assert loaded == in_file
    assert HouseholdIncome.objects.count() == Household.objects.count() > 0
    member = Member.objects.first()
    assert member is not None
    with pytest.raises(IntegrityError), transaction.atomic():
        Household.objects.create(number=member.household.number, village=member.household.village)
    with pytest.raises(IntegrityError), transaction.atomic():
        HouseholdIncome.objects.create(
            household=member.household,
            year=HouseholdIncome.objects.filter(household=member.household).get().year,
            persons=1,
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        Member.objects.create(
            household=member.household,
            name="重复",
            id_hash=member.id_hash,
            id_enc="x",
            id_masked="x",
            sex="male",
            birth_date=member.birth_date,
            relation="son",
        )


def test_income_by_source_is_kept_and_derives_per_capita_income(
    generated_rows: list[dict[str, str]], write_csv: Callable[..., Path]
) -> None:
    """收入年度 and the amounts by source become the household's income record for that year;
    an empty 人均纯收入 is derived from them; amounts without their year are refused."""
    from decimal import Decimal

    from xiezuo.registry.models import HouseholdIncome

    rows: list[dict[str, Any]] = [dict(r) for r in generated_rows]
    first = rows[0]["户编号"]
    for row in rows:
        if row["户编号"] == first:
            row["人均纯收入"] = ""
    batch = _import(write_csv(rows))
    assert batch.rows_with_errors == 0, _issues(batch)
    services.batch_commit(batch, actor=None)
    assert HouseholdIncome.objects.count() == len({r["户编号"] for r in rows})
    head = next(r for r in rows if r["户编号"] == first)
    income = HouseholdIncome.objects.get(household__number=first)
    assert income.year == int(head["收入年度"])
    assert income.wages == Decimal(head["工资性收入"])
    assert income.production_costs == Decimal(head["生产经营性支出"])
    household = Household.objects.get(number=first)
    assert household.per_capita_income == income.per_capita_net

    rows[1]["收入年度"] = ""
    batch = _import(write_csv(rows, name="no-year.csv"))
    assert [(i.row, i.column) for i in ImportIssue.objects.filter(batch=batch)] == [(3, "收入年度")]


def test_groupings_split_by_hash_give_the_same_answers(
    generated_rows: list[dict[str, str]],
    write_csv: Callable[..., Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A large batch is grouped a hash partition at a time (memory bounded): the checks and the
    households come out the same as in one go."""
    from xiezuo.imports import staging

    monkeypatch.setattr(staging, "GROUP_ROWS", 7)
    rows: list[dict[str, Any]] = [dict(r) for r in generated_rows]
    rows[20]["证件号码"] = rows[10]["证件号码"]  # one ID used twice
    batch = _import(write_csv(rows, name="dup.csv"))
    assert any(
        i.column == "证件号码" and i.row == 22 for i in ImportIssue.objects.filter(batch=batch)
    )
    batch = _import(write_csv(generated_rows))
    assert batch.rows_with_errors == 0, _issues(batch)
    households = len({r["户编号"] for r in generated_rows})
    assert batch.summary["households"] == households
    services.batch_commit(batch, actor=None)
    assert Household.objects.count() == households
    assert Member.objects.count() == len(generated_rows)
