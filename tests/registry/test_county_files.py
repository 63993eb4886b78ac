"""County files as the national system exported them in 2019–2021: a title row, a two-row
merged header, the village names of 2021 (the registry holds the current ones), the old and
full-width labels of the code lists, blank and totals rows, and a household with every kind of
fault. Each test asserts the exact set of (row, column) problems."""

from __future__ import annotations

import datetime
import io
from pathlib import Path
from typing import Any

import duckdb
import pytest
from openpyxl import Workbook, load_workbook

from xiezuo.imports import services, staging
from xiezuo.imports.models import ImportBatch, ImportIssue
from xiezuo.imports.problems import problems_workbook
from xiezuo.regions.models import FormerName, Region
from xiezuo.regions.villages import VillageProblem, VillageResolver, stem
from xiezuo.registry import idnumbers
from xiezuo.registry.models import Household, Member

COUNTY = "沿河土家族自治县"
GUANZHOU, HUANGLONG, MANAO = "官舟镇", "520627105203", "520627105201"
HEPING, DAPING = "和平街道", "520627002203"

UPPER = ["县", "乡", "行政村", "户编号", "人编号", "家庭成员信息", *[""] * 17, "联系电话"]
LOWER = [
    "",
    "",
    "",
    "",
    "",
    "姓名",
    "证件号码",
    "人数",
    "与户主关系",
    "民族",
    "文化程度",
    "在校生状况",
    "健康状况",
    "劳动技能",
    "务工状况",
    "务工时间",
    "参加大病医疗",
    "脱贫属性",
    "贫困户属性",
    "主要致贫原因",
    "危房户",
    "饮水安全",
    "人均纯收入",
    "",
]


def _id(birth: str, seq: int, county: str = "520627") -> str:
    body = f"{county}{birth}{seq:03d}"
    total = sum(int(d) * w for d, w in zip(body, idnumbers.WEIGHTS, strict=False))
    return body + idnumbers.CHECK_CHARS[total % 11]


def _person(
    township: str,
    village: str,
    number: str,
    seq: int,
    name: str,
    id_number: str,
    size: int,
    relation: str,
    **overrides: Any,
) -> list[Any]:
    values = {
        "民族": "土家族",
        "文化程度": "初中",
        "在校生状况": "非在校生",
        "健康状况": "健康",
        "劳动技能": "普通劳动力",
        "务工状况": "省外务工",
        "务工时间": 6,
        "参加大病医疗": "是",
        "脱贫属性": "已脱贫",
        "贫困户属性": "一般户",
        "主要致贫原因": "缺技术",
        "危房户": "否",
        "饮水安全": "是",
        "人均纯收入": 6200,
    } | overrides
    return [
        COUNTY,
        township,
        village,
        number,
        f"{number}{seq:02d}",
        name,
        id_number,
        size,
        relation,
        *(values[c] for c in LOWER[9:23]),
        "13800000000",
    ]


@pytest.fixture
def current_names(regions: None) -> None:
    """The registry holds the 2023 names (the test slice loads those of 2021, which become the
    former names too): 黄龙村委会 is now 黄龙村村民委员会, 马脑村委会 马脑村村民委员会."""
    for code in (HUANGLONG, MANAO, DAPING):
        region = Region.objects.get(code=code)
        region.name = stem(region.name) + "村村民委员会"
        region.save(update_fields=["name"])


def _workbook(tmp_path: Path, rows: list[list[Any]]) -> Path:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["2020 年建档立卡贫困人口信息（沿河土家族自治县）"])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(UPPER))
    sheet.append(UPPER)
    sheet.append(LOWER)
    sheet.merge_cells(start_row=2, start_column=6, end_row=2, end_column=23)
    for column in (1, 2, 3, 4, 5, 24):
        sheet.merge_cells(start_row=2, start_column=column, end_row=3, end_column=column)
    for row in rows:
        sheet.append(row)
    path = tmp_path / "沿河2020.xlsx"
    book.save(path)
    return path


STAGED = (
    "SELECT row, village_id, village_rule, migrant_status, school_status, household_type, "
    "ethnicity FROM {staged} ORDER BY row"
)


def _check(path: Path) -> ImportBatch:
    batch = services.batch_create(kind="registry", filename=path.name, source=path, actor=None)
    return services.batch_parse(batch, user=None)


def _found(batch: ImportBatch) -> set[tuple[int, str]]:
    return {(i.row, i.column) for i in ImportIssue.objects.filter(batch=batch)}


def _clean_rows() -> list[list[Any]]:
    """Rows 4–8: two households with 2021 names, old and full-width labels, a blank row and a
    totals row."""
    h1, h2 = f"{HUANGLONG}001", f"{MANAO}002"
    return [
        _person(GUANZHOU, "黄龙村委会", h1, 1, "田大山", _id("19700305", 11), 2, "户主"),
        _person(
            GUANZHOU,
            "黄龙村委会",
            h1,
            2,
            "田小禾",
            _id("20030611", 22),
            2,
            "之子",
            务工状况="乡（镇）内务工",
            在校生状况="高职",
        ),
        [],  # a blank row (row 6)
        _person(
            GUANZHOU,
            "马脑村委会",
            h2,
            1,
            "冉秀英",
            _id("19500101", 32),
            1,
            "户主",
            贫困户属性="五保户",
            务工状况="乡（镇）外县内务工",
            民族="土家",
            文化程度="文盲",
        ),
        ["合计", "", "", "", "", "3 人"],
    ]


def test_a_clean_2021_file_imports_as_it_is(
    current_names: None, lines: None, tmp_path: Path
) -> None:
    batch = _check(_workbook(tmp_path, _clean_rows()))
    assert batch.state == "parsed" and _found(batch) == set(), [
        str(i) for i in ImportIssue.objects.filter(batch=batch)
    ]
    assert batch.rows_read == 3
    with duckdb.connect() as duck:
        query = STAGED.format(staged=staging.relation(batch))
        staged = duck.execute(query).fetchall()
    assert staged == [
        (4, HUANGLONG, "household_number", "out_province", "none", "general", "土家族"),
        (5, HUANGLONG, "household_number", "in_township", "higher", "general", "土家族"),
        (7, MANAO, "household_number", "in_county", "none", "tekun", "土家族"),
    ]
    services.batch_commit(batch, actor=None)
    assert Household.objects.get(number=f"{MANAO}002").household_type == "tekun"
    assert Member.objects.count() == 3


def test_villages_by_code_and_by_the_names_of_their_day(current_names: None) -> None:
    resolve = VillageResolver(None).resolve
    assert FormerName.objects.filter(region_id=HUANGLONG, name="黄龙村委会").exists()
    by_name = {"county": COUNTY, "township": GUANZHOU}
    assert resolve(code=HUANGLONG).rule == "code"
    assert resolve(**by_name, village="黄龙村村民委员会").rule == "name"
    assert resolve(**by_name, village="黄龙村委会").rule == "former_name"
    assert resolve(**by_name, village="黄龙村").rule == "stem"
    # The 户编号 names a village, the names agree: the code decides.
    found = resolve(household_number=f"{MANAO}0001", **by_name, village="马脑村委会")
    assert (found.code, found.rule) == (MANAO, "household_number")
    # The 户编号 disagrees with the names (a village since merged): the names decide.
    found = resolve(household_number=f"{MANAO}0001", **by_name, village="黄龙村委会")
    assert (found.code, found.rule) == (HUANGLONG, "former_name")
    with pytest.raises(VillageProblem, match="与本行的乡“官舟镇”、行政村“马脑村委会”不符"):
        resolve(code=HUANGLONG, **by_name, village="马脑村委会")


def test_a_village_that_is_elsewhere_in_the_county_says_where(current_names: None) -> None:
    resolve = VillageResolver(None).resolve
    with pytest.raises(VillageProblem) as caught:
        resolve(county=COUNTY, township=GUANZHOU, village="大坪村委会")
    message = caught.value.message
    assert message.startswith(f"{COUNTY}{GUANZHOU}没有名为“大坪村委会”的行政村")
    assert "该县的 " in message and HEPING in message
    with pytest.raises(VillageProblem, match=r"本乡镇最接近的有：.*黄龙"):
        resolve(county=COUNTY, township=GUANZHOU, village="黄笼村委会")


def test_every_problem_on_every_row(current_names: None, lines: None, tmp_path: Path) -> None:
    rows = _clean_rows()
    h3, h4, h5, h6 = (f"{HUANGLONG}{n:03d}" for n in (3, 4, 5, 6))
    bad_id = _id("19800101", 41)[:-1] + ("0" if _id("19800101", 41)[-1] != "0" else "1")
    rows += [
        # Household 3 (rows 9–11): its head's ID and two coded values refused (three problems
        # on one row), a second head, 人数 5 for three rows, a different 贫困户属性.
        _person(
            GUANZHOU,
            "黄龙村委会",
            h3,
            1,
            "张一",
            bad_id,
            5,
            "户主",
            文化程度="博士后",
            危房户="也许",
        ),
        _person(
            GUANZHOU,
            "黄龙村委会",
            h3,
            2,
            "张二",
            _id("19820202", 52),
            5,
            "之子",
            贫困户属性="低保户",
        ),
        _person(GUANZHOU, "黄龙村委会", h3, 3, "张三", _id("19840303", 62), 5, "户主"),
        # Household 4 (row 12): the head's relation is refused — and no "没有户主" for it.
        _person(GUANZHOU, "黄龙村委会", h4, 1, "李四", _id("19760404", 72), 1, "家长"),
        # Household 5 (row 13): the head's ID is refused — still the head.
        _person(GUANZHOU, "黄龙村委会", h5, 1, "王五", "52062719760405123", 1, "户主"),
        # Household 6 (row 14): a village that is not under the township; the number is not a
        # village code, so the names decide.
        _person(
            GUANZHOU, "大坪村委会", "520627999999006", 1, "赵六", _id("19600606", 92), 1, "户主"
        ),
        # Row 15: a value written with full-width brackets that no list has.
        _person(
            GUANZHOU,
            "黄龙村委会",
            h6,
            1,
            "钱七",
            _id("19900707", 13),
            1,
            "户主",
            务工状况="村（组）内务工",
        ),
    ]
    batch = _check(_workbook(tmp_path, rows))
    household = {"与户主关系", "人数", "户编号"}
    assert _found(batch) == (
        {(9, c) for c in ("证件号码", "文化程度", "危房户", *household)}
        | {(10, c) for c in household}
        | {(11, c) for c in household}
        | {(12, "与户主关系"), (13, "证件号码"), (14, "行政村"), (15, "务工状况")}
    )
    messages = {(i.row, i.column): i for i in ImportIssue.objects.filter(batch=batch)}
    assert messages[(10, "人数")].message == f"户 {h3} 人数为 5，但文件中有 3 行该户成员"
    assert messages[(11, "与户主关系")].message == f"户 {h3} 有 2 个户主"
    typed = messages[(15, "务工状况")]
    assert typed.value == "村（组）内务工"
    assert typed.message.startswith("“村（组）内务工”不是务工状况的可用值（可用：")
    assert "乡（镇）内务工" in typed.message and "其他" in typed.message
    assert "该县的 中寨镇、和平街道有“大坪村委会”" in messages[(14, "行政村")].message
    kinds = {p["kind"]: (p["count"], p["unit"]) for p in batch.summary["problems"]}
    assert kinds["户主多于一个"] == (1, "户") and kinds["人数与成员行数不符"] == (1, "户")
    assert kinds["证件号码"] == (2, "处")
    assert batch.rows_with_errors == 7
    with pytest.raises(Exception, match=r"有问题|处问题"):
        services.batch_commit(batch, actor=None)
    assert not Household.objects.exists()

    name, content = problems_workbook(batch)
    assert name.endswith("问题清单.xlsx")
    path = tmp_path / name
    path.write_bytes(content)
    sheet = load_workbook(path).active
    assert sheet is not None
    table = [[c.value for c in row] for row in sheet.iter_rows() if row[0].value is not None]
    assert table[0][:4] == ["行号", "列", "值", "原因"] and "姓名" in table[0]
    assert {(r[0], r[1]) for r in table[1:]} == _found(batch)
    row15 = next(r for r in table[1:] if r[0] == 15)
    assert row15[2] == "村（组）内务工" and "钱七" in row15


def test_template_and_lists_offer_the_full_code_lists() -> None:
    from xiezuo.registry.vocabulary import LABELS, OFFICIAL, choices_of

    assert len(OFFICIAL["ethnicity"]) == 58 and "外国血统" in OFFICIAL["ethnicity"]
    assert LABELS["household_type"]["低保户"] == LABELS["household_type"]["低保贫困户"]
    assert LABELS["migrant_status"]["乡(镇)内务工"] == "in_township"
    assert "高职" in LABELS["school_status"]
    assert choices_of("migrant_status")[-1] == "其他"
    assert LABELS["standard"]["省定"] == "provincial"
    assert datetime.date.today()  # the module's other tests need no clock


def test_identification_standard_is_kept(
    generated_rows: list[dict[str, str]], write_csv: Any
) -> None:
    rows = [dict(r, 识别标准="市定") for r in generated_rows]
    batch = _check(write_csv(rows))
    assert _found(batch) == set()
    services.batch_commit(batch, actor=None)
    assert set(Household.objects.values_list("standard", flat=True)) == {"municipal"}
    rows[0]["识别标准"] = "县定"
    batch = _check(write_csv(rows, name="again.csv"))
    # A refused value, not a mixed household: the row's other values are not compared.
    assert _found(batch) == {(2, "识别标准")}
    rows[0]["识别标准"] = "国家标准"
    batch = _check(write_csv(rows, name="mixed.csv"))
    number = rows[0]["户编号"]
    household_rows = [i + 2 for i, r in enumerate(rows) if r["户编号"] == number]
    assert len(household_rows) > 1
    assert _found(batch) == {(r, "户编号") for r in household_rows}


def test_the_cli_previews_in_words_and_lists_every_problem(
    generated_rows: list[dict[str, str]], write_csv: Any
) -> None:
    from django.core.management import CommandError, call_command

    out = io.StringIO()
    call_command("import", "registry", str(write_csv(generated_rows)), "--commit", stdout=out)
    households = len({r["户编号"] for r in generated_rows})
    text = out.getvalue()
    assert f"户：新增 {households}，有变化 0，无变化 0（共 {households}）" in text, text
    assert "{" not in text  # no raw dict
    out = io.StringIO()
    call_command("import", "registry", str(write_csv(generated_rows, name="b.csv")), stdout=out)
    assert f"户：新增 0，有变化 0，无变化 {households}" in out.getvalue()
    rows = [dict(r) for r in generated_rows]
    rows[0]["务工状况"] = "村（组）内务工"
    rows[0]["危房户"] = "也许"
    out = io.StringIO()
    with pytest.raises(CommandError, match="1 行有问题，未写入任何数据"):
        call_command("import", "registry", str(write_csv(rows, name="c.csv")), stdout=out)
    text = out.getvalue()
    assert "第 2 行 务工状况 “村（组）内务工”" in text and "第 2 行 危房户 “也许”" in text, text


def test_a_township_written_without_its_suffix(current_names: None) -> None:
    found = VillageResolver(None).resolve(county=COUNTY, township="官舟", village="黄龙村委会")
    assert (found.code, found.rule) == (HUANGLONG, "former_name")
