"""Excel import of cooperation records through the shared staged import: every kind's template
imports, a re-import updates, bad rows are named by row and column, and nothing is written."""

from __future__ import annotations

import datetime
import io
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.test import Client
from openpyxl import Workbook, load_workbook

from tests.conftest import SUZHOU, TONGREN, YANHE
from tests.cooperation.conftest import FUND
from tests.factories import UserFactory
from xiezuo.cooperation import importing, services
from xiezuo.cooperation.models import MODELS, Fund, Person, Report, Training
from xiezuo.core.errors import UserError
from xiezuo.imports import kinds
from xiezuo.imports import services as imports
from xiezuo.imports.models import ImportBatch
from xiezuo.pairing.models import Pairing
from xiezuo.regions.models import Region
from xiezuo.registry.idnumbers import make_resident_id

pytestmark = pytest.mark.django_db

KINDS = list(MODELS)


def template_file(tmp_path: Path, kind: str) -> Path:
    filename, content = kinds.get(f"coop_{kind}").template()
    path = tmp_path / filename
    path.write_bytes(content)
    return path


def test_each_kind_is_offered_with_a_template_to_download(suzhou_reporter: Any) -> None:
    offered = dict(kinds.choices())
    assert [offered[f"coop_{kind}"] for kind in KINDS] == [
        "帮扶资金",
        "帮扶项目",
        "人才交流",
        "培训",
        "产业合作",
        "消费扶贫",
        "社会帮扶",
    ]
    client = Client()
    client.force_login(suzhou_reporter)
    response = client.get("/imports/template/coop_training.xlsx")
    assert response.status_code == 200
    assert quote("培训导入模板.xlsx") in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    header = [c.value for c in sheet[1]]
    assert header[:6] == [
        "记录编号",
        "结对编号",
        "帮扶方代码",
        "受帮扶方代码",
        "填报单位代码",
        "年度",
    ]
    assert header[-1] == "人员名单" and "培训名称" in header


def table_file(tmp_path: Path, kind: str, rows: list[dict[str, str]], name: str = "t.xlsx") -> Path:
    """A file in the template's layout: each row is the template's example with changes."""
    table = importing.TABLES[f"coop_{kind}"]
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append([c.label for c in table.columns])
    for change in rows:
        row = {c.key: c.example for c in table.columns} | change
        sheet.append([row[c.key] for c in table.columns])
    path = tmp_path / name
    book.save(path)
    return path


def run(kind: str, path: Path, user: Any) -> ImportBatch:
    batch = imports.batch_create(kind=f"coop_{kind}", filename=path.name, source=path, actor=user)
    return imports.batch_parse(batch, user=user)


def issues(batch: ImportBatch) -> list[tuple[int, str, str]]:
    return [(i.row, i.column, i.message) for i in batch.issues.order_by("row")]


@pytest.mark.parametrize("kind", KINDS)
def test_every_template_example_imports_and_a_reimport_updates(
    suzhou_tongren: Pairing, suzhou_reporter: Any, tmp_path: Path, kind: str
) -> None:
    path = template_file(tmp_path, kind)
    notes = [row[2] for row in load_workbook(path)["说明"].iter_rows(values_only=True)]
    assert any("重复导入时按“结对 + 填报单位 + 年度 + " in str(n) for n in notes)
    batch = run(kind, path, suzhou_reporter)
    assert batch.state == ImportBatch.State.PARSED and issues(batch) == [], batch.message
    imports.batch_commit(batch, actor=suzhou_reporter)
    model = MODELS[kind]
    record = model._default_manager.get()
    report = Report.objects.get()
    assert (report.pairing, report.reporter_id, report.year) == (suzhou_tongren, SUZHOU, 2026)
    assert record.report == report and record.date.year == 2026
    if kind in ("training", "industry"):
        assert Person.objects.count() == 2
    again = run(kind, template_file(tmp_path, kind), suzhou_reporter)
    assert issues(again) == []
    imports.batch_commit(again, actor=suzhou_reporter)
    assert model._default_manager.count() == 1
    assert "更新" in ImportBatch.objects.get(pk=again.pk).message
    assert Person.objects.count() == (2 if kind in ("training", "industry") else 0)


def test_reimport_changes_the_matching_record_and_adds_the_others(
    suzhou_tongren: Pairing, suzhou_reporter: Any, tmp_path: Path
) -> None:
    first = run("project", table_file(tmp_path, "project", [{}]), suzhou_reporter)
    imports.batch_commit(first, actor=suzhou_reporter)
    rows = [{"status": "已完工", "households": "350"}, {"name": "沿河县冷链物流中心"}]
    second = run("project", table_file(tmp_path, "project", rows, "2.xlsx"), suzhou_reporter)
    assert issues(second) == []
    done = imports.batch_commit(second, actor=suzhou_reporter)
    assert done.message == "已写入：新增帮扶项目 1，更新帮扶项目 1"
    project = MODELS["project"]._default_manager.get(name="沿河县茶叶加工厂")
    assert (project.status, project.households) == ("done", 350)  # type: ignore[attr-defined]
    assert MODELS["project"]._default_manager.count() == 2


def test_bad_rows_are_named_by_row_and_column_and_nothing_is_written(
    suzhou_tongren: Pairing, suzhou_reporter: Any, tmp_path: Path
) -> None:
    rows = [
        {},  # row 2: fine
        {"amount": "-5", "source": "甲"},
        {"amount": "12000000", "source": "乙"},  # yuan in the 万元 column
        {"amount": "150000", "source": "丙"},  # over 10 亿元, not confirmed
        {"date": "2025-12-30", "source": "丁"},  # outside the year
        {"east_code": "330100", "west_code": "522600"},  # 杭州 → 黔东南: not 苏州's
        {"year": "二〇二六"},
        {"recipient": "330102", "source": "戊"},  # a place outside the western side
        {},  # the same record as row 2
        {"disbursed": "2000", "source": "己"},
    ]
    batch = run("fund", table_file(tmp_path, "fund", rows), suzhou_reporter)
    found = issues(batch)
    assert [(r, c) for r, c, _ in found] == [
        (3, "金额（万元）"),
        (4, "金额（万元）"),
        (5, "金额（万元）"),
        (6, "日期"),
        (7, "受帮扶方代码"),
        (8, "年度"),
        (9, "拨付至"),
        (10, "日期"),
        (11, "已拨付金额（万元）"),
    ]
    messages = [m for _, _, m in found]
    assert "负数" in messages[0] and "疑似按元填写" in messages[1]
    assert "超过 10 亿元" in messages[2] and "确认大额" in messages[2]
    assert "不在报送年度 2026 年内" in messages[3]
    assert "无权查看" in messages[4] and "不是四位年份" in messages[5]
    assert "与第 2 行重复" in messages[7] and "超过资金总额" in messages[8]
    with pytest.raises(UserError, match="9 处问题"):
        imports.batch_commit(batch, actor=suzhou_reporter)
    assert not Fund.objects.exists() and not Report.objects.exists()
    # Confirmed, the large amount goes in.
    ok = run(
        "fund",
        table_file(tmp_path, "fund", [rows[3] | {"confirmed_large": "是"}], "ok.xlsx"),
        suzhou_reporter,
    )
    assert issues(ok) == []


def test_a_pairing_the_unit_is_no_side_of_is_refused(
    suzhou_tongren: Pairing, suzhou_reporter: Any, tmp_path: Path
) -> None:
    # 铜仁's office may report only for itself, and only for a side of the pairing.
    tongren = UserFactory(side="west", region_id=TONGREN, roles=["reporter"])
    rows = [{"reporter_code": SUZHOU}, {"reporter_code": "330100"}, {"reporter_code": "52"}]
    batch = run("fund", table_file(tmp_path, "fund", rows), tongren)
    found = issues(batch)
    assert [(r, c) for r, c, _ in found] == [
        (2, "填报单位代码"),
        (3, "填报单位代码"),
        (4, "填报单位代码"),
    ]
    assert "只能填报本地区" in found[0][2]
    assert "不属于该结对" in found[1][2]
    assert "不是现行的区划代码" in found[2][2]
    # Without the column the western office reports for itself.
    own = run("fund", table_file(tmp_path, "fund", [{}], "own.xlsx"), tongren)
    imports.batch_commit(own, actor=tongren)
    assert Report.objects.get().reporter_id == TONGREN


def test_a_national_uploader_names_the_reporting_unit(
    suzhou_tongren: Pairing, national_user: Any, tmp_path: Path
) -> None:
    batch = run("fund", table_file(tmp_path, "fund", [{}]), national_user)
    assert [(r, c) for r, c, _ in issues(batch)] == [(2, "填报单位代码")]
    named = run(
        "fund", table_file(tmp_path, "fund", [{"reporter_code": SUZHOU}], "n.xlsx"), national_user
    )
    assert issues(named) == []


def test_a_locked_report_refuses_an_import_touching_it(
    suzhou_tongren: Pairing, suzhou_reporter: Any, tmp_path: Path
) -> None:
    path = template_file(tmp_path, "fund")
    imports.batch_commit(run("fund", path, suzhou_reporter), actor=suzhou_reporter)
    fund = Fund.objects.get()
    services.report_submit(actor=suzhou_reporter, report=fund.report)
    rows = [{"purpose": "改了用途"}, {"source": "新来源"}]
    batch = run("fund", table_file(tmp_path, "fund", rows), suzhou_reporter)
    found = issues(batch)
    assert [(r, c) for r, c, _ in found] == [(2, "年度"), (3, "年度")]
    assert "2026 年报送已待审核" in found[0][2]
    assert Fund.objects.get().purpose == "产业发展" and Fund.objects.count() == 1
    # Another year's report of the same unit is its own, still open.
    other = run(
        "fund",
        table_file(tmp_path, "fund", [{"year": "2027", "date": "2027-01-05"}], "o.xlsx"),
        suzhou_reporter,
    )
    assert issues(other) == []


def test_a_submit_between_check_and_commit_writes_nothing(
    suzhou_tongren: Pairing, suzhou_reporter: Any, tmp_path: Path
) -> None:
    services.record_create(
        actor=suzhou_reporter,
        kind="fund",
        pairing=suzhou_tongren,
        reporter=Region.objects.get(code=SUZHOU),
        year=2026,
        raw=FUND,
    )
    batch = run("fund", template_file(tmp_path, "fund"), suzhou_reporter)
    assert issues(batch) == []
    services.report_submit(actor=suzhou_reporter, report=Report.objects.get())
    with pytest.raises(UserError, match="未写入任何数据"):
        imports.batch_commit(batch, actor=suzhou_reporter)
    assert Fund.objects.count() == 1


def test_people_lists_are_read_and_their_errors_name_the_person_not_the_number(
    suzhou_tongren: Pairing, suzhou_reporter: Any, tmp_path: Path
) -> None:
    a = make_resident_id(YANHE, datetime.date(1992, 5, 1), 3, male=True)
    b = make_resident_id(YANHE, datetime.date(1994, 7, 9), 4, male=False)
    wrong = b[:-1] + ("0" if b[-1] != "0" else "1")
    rows = [
        {"people": f"王一 {a}\n赵二，{b}", "trainees": ""},
        {"people": f"王一 {a}; 赵二 {wrong}", "title": "第二期"},
        {"people": f"王一 {a}；  {b}", "title": "第三期"},
        {"people": f"王一 {a}；赵二", "title": "第四期"},
        {"people": f"王一 {a}；王一 {a}", "title": "第五期"},
    ]
    batch = run("training", table_file(tmp_path, "training", rows), suzhou_reporter)
    found = issues(batch)
    assert [(r, c) for r, c, _ in found] == [
        (3, "人员名单"),
        (4, "人员名单"),
        (5, "人员名单"),
        (6, "人员名单"),
    ]
    assert found[0][2].startswith("第 2 名人员 赵二：校验位错误")
    assert "第 2 名人员" in found[1][2] and b[:4] + "*" in found[1][2]
    assert "第 2 名人员“赵二”缺少证件号码" in found[2][2]
    assert "重复" in found[3][2]
    for _, _, message in found:
        assert a not in message and b not in message and wrong not in message
    good = run("training", table_file(tmp_path, "training", rows[:1], "g.xlsx"), suzhou_reporter)
    imports.batch_commit(good, actor=suzhou_reporter)
    training = Training.objects.get()
    assert training.trainees == 2  # counted from the list when the number is left empty
    assert sorted(training.people.values_list("name", flat=True)) == ["王一", "赵二"]  # type: ignore[attr-defined]


def test_an_unknown_choice_names_its_column(
    suzhou_tongren: Pairing, suzhou_reporter: Any, tmp_path: Path
) -> None:
    rows = [{"direction": "南下"}, {"end": "2026-01-01"}]
    batch = run("talent", table_file(tmp_path, "talent", rows), suzhou_reporter)
    found = issues(batch)
    assert [(r, c) for r, c, _ in found] == [(2, "派出方向"), (3, "结束日期")]
    assert "可用：东部派往西部、西部派往东部" in found[0][2]


def test_an_exported_list_imports_back_onto_the_same_records(
    suzhou_tongren: Pairing, suzhou_reporter: Any, tmp_path: Path
) -> None:
    """Export → edit a value → import: the record is updated, its people (masked in the export)
    are kept, nothing is duplicated; a masked number mixed with a typed one is refused."""
    number = make_resident_id(YANHE, datetime.date(1990, 1, 1), 7, male=True)
    training = services.record_create(
        actor=suzhou_reporter,
        kind="training",
        pairing=suzhou_tongren,
        reporter=Region.objects.get(code=SUZHOU),
        year=2026,
        raw={"date": "2026-06-10", "training_kind": "贫困劳动力", "title": "家政培训", "days": "7"},
        people=[services.PersonIn("王五", number)],
    )
    client = Client()
    client.force_login(suzhou_reporter)
    exported = client.get("/cooperation/training/export.xlsx")
    book = load_workbook(io.BytesIO(exported.content))
    sheet = book.active
    assert sheet is not None
    header = [c.value for c in sheet[1]]
    sheet.cell(row=2, column=header.index("培训天数") + 1, value=9)
    path = tmp_path / "exported.xlsx"
    book.save(path)
    batch = run("training", path, suzhou_reporter)
    assert batch.rows_with_errors == 0, issues(batch)
    imports.batch_commit(batch, actor=suzhou_reporter)
    assert Training.objects.count() == 1
    training.refresh_from_db()
    assert training.days == 9
    assert [p.name for p in Person.objects.filter(training=training)] == ["王五"]

    other = make_resident_id(YANHE, datetime.date(1991, 2, 2), 8, male=False)
    people = header.index("人员名单") + 1
    sheet.cell(
        row=2, column=people, value=f"{sheet.cell(row=2, column=people).value}；赵六 {other}"
    )
    book.save(path)
    mixed = run("training", path, suzhou_reporter)
    assert [(c, "遮盖" in m) for _r, c, m in issues(mixed)] == [("人员名单", True)]


def test_an_exported_fund_with_a_corrected_amount_updates_by_its_number(
    suzhou_tongren: Pairing, suzhou_reporter: Any, tmp_path: Path
) -> None:
    reporter = Region.objects.get(code=SUZHOU)
    small = services.record_create(
        actor=suzhou_reporter,
        kind="fund",
        pairing=suzhou_tongren,
        reporter=reporter,
        year=2026,
        raw=FUND,
    )
    services.record_create(
        actor=suzhou_reporter,
        kind="fund",
        pairing=suzhou_tongren,
        reporter=reporter,
        year=2026,
        raw={**FUND, "source": "苏州市某基金会", "amount": "120000"},
        confirm_large=True,
    )
    client = Client()
    client.force_login(suzhou_reporter)
    book = load_workbook(io.BytesIO(client.get("/cooperation/fund/export.xlsx").content))
    sheet = book.active
    assert sheet is not None
    header = [c.value for c in sheet[1]]
    for row in range(2, sheet.max_row + 1):
        if sheet.cell(row=row, column=header.index("记录编号") + 1).value == small.pk:
            sheet.cell(row=row, column=header.index("金额（万元）") + 1, value="1300")
    path = tmp_path / "funds.xlsx"
    book.save(path)
    batch = run("fund", path, suzhou_reporter)
    assert batch.rows_with_errors == 0, issues(batch)  # the large one stays confirmed
    imports.batch_commit(batch, actor=suzhou_reporter)
    assert Fund.objects.count() == 2
    small.refresh_from_db()
    assert small.amount == 1300
    # A number that is not one of this report's records is refused by name.
    sheet.cell(row=2, column=header.index("记录编号") + 1, value=99999)
    book.save(path)
    wrong = run("fund", path, suzhou_reporter)
    assert "记录编号" in [c for _r, c, _m in issues(wrong)]


def test_registered_trainees_export_by_person_number_and_import_as_new_records(
    suzhou_tongren: Pairing,
    suzhou_reporter: Any,
    generated_rows: list[dict[str, str]],
    write_csv: Any,
    tmp_path: Path,
) -> None:
    from xiezuo.core import crypto
    from xiezuo.registry.models import Member

    registry = imports.batch_create(
        kind="registry", filename="r.csv", source=write_csv(generated_rows), actor=None
    )
    imports.batch_commit(imports.batch_parse(registry, user=None), actor=None)
    member = Member.objects.exclude(person_number="").order_by("pk").first()
    assert member is not None
    services.record_create(
        actor=suzhou_reporter,
        kind="training",
        pairing=suzhou_tongren,
        reporter=Region.objects.get(code=SUZHOU),
        year=2026,
        raw={"date": "2026-06-10", "training_kind": "贫困劳动力", "title": "家政培训", "days": "7"},
        people=[services.PersonIn(member.name, crypto.decrypt(member.id_enc))],
    )
    client = Client()
    client.force_login(suzhou_reporter)
    book = load_workbook(io.BytesIO(client.get("/cooperation/training/export.xlsx").content))
    sheet = book.active
    assert sheet is not None
    header = [c.value for c in sheet[1]]
    cell = sheet.cell(row=2, column=header.index("人员名单") + 1)
    assert cell.value == f"{member.name} [人编号 {member.person_number}]"
    assert crypto.decrypt(member.id_enc) not in str(cell.value)
    # As a new record (the number column emptied), the trainee comes back as the same member.
    sheet.cell(row=2, column=header.index("记录编号") + 1, value=None)
    sheet.cell(row=2, column=header.index("培训名称") + 1, value="家政培训第二期")
    path = tmp_path / "again.xlsx"
    book.save(path)
    batch = run("training", path, suzhou_reporter)
    assert batch.rows_with_errors == 0, issues(batch)
    imports.batch_commit(batch, actor=suzhou_reporter)
    second = Training.objects.get(title="家政培训第二期")
    assert [p.member_id for p in Person.objects.filter(training=second)] == [member.pk]
    # A person number outside the registry is refused by name, not guessed.
    cell.value = "某人 [人编号 999999999999]"
    book.save(path)
    refused = run("training", path, suzhou_reporter)
    assert any("人编号 999999999999 不在登记库中" in m for _r, _c, m in issues(refused))
