"""Excel import of pairings and agreement targets through the shared staged import."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook

from tests.conftest import SUZHOU, TONGREN, WUZHONG, YANHE
from xiezuo.core.errors import Forbidden, UserError
from xiezuo.imports import services as imports
from xiezuo.imports import tabular
from xiezuo.imports.models import ImportBatch
from xiezuo.pairing import importing
from xiezuo.pairing.models import Agreement, Organisation, Pairing, Target

pytestmark = pytest.mark.django_db


def xlsx(tmp_path: Path, rows: list[list[Any]], name: str = "pairs.xlsx") -> Path:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["2017 年携手奔小康结对汇总表"])  # a title row above the header
    for row in rows:
        sheet.append(row)
    path = tmp_path / name
    book.save(path)
    return path


def run(kind: str, path: Path, user: Any) -> ImportBatch:
    batch = imports.batch_create(kind=kind, filename=path.name, source=path, actor=user)
    return imports.batch_parse(batch, user=user)


def issues(batch: ImportBatch) -> list[tuple[int, str, str]]:
    return [(i.row, i.column, i.message) for i in batch.issues.all()]


HEADER = [
    "帮扶方代码",
    "帮扶方名称",
    "帮扶单位类型",
    "受帮扶方代码",
    "开始年份",
    "不在上级结对内的理由",
]


def test_pairings_import_commit_and_reimport_updates(
    pairs_2016: None, suzhou_user: Any, tmp_path: Path
) -> None:
    rows = [
        HEADER,
        [WUZHONG, "", "", YANHE, "2017", ""],
        ["320507", "", "", "520602", "2017", ""],
        [],
        ["合计", "", "", "", "", ""],
    ]
    batch = run(importing.PAIRINGS, xlsx(tmp_path, rows), suzhou_user)
    assert batch.state == ImportBatch.State.PARSED, issues(batch)
    assert batch.rows_read == 2 and batch.rows_with_errors == 0
    imports.batch_commit(batch, actor=suzhou_user)
    assert Pairing.objects.filter(level=3).count() == 2
    made = Pairing.objects.get(east_region=WUZHONG, west_region=YANHE)
    assert made.parent is not None and made.parent.east_region_id == SUZHOU
    # The same file again with an end year: updated, never duplicated.
    rows[1] = [WUZHONG, "", "", YANHE, "2017", ""]
    rows[0] = [*HEADER, "结束年份"]
    rows[1].append("2025")
    again = run(importing.PAIRINGS, xlsx(tmp_path, rows, "again.xlsx"), suzhou_user)
    assert again.rows_with_errors == 0, issues(again)
    imports.batch_commit(again, actor=suzhou_user)
    assert Pairing.objects.filter(level=3).count() == 2
    made.refresh_from_db()
    assert made.end_year == 2025
    assert "更新结对 1" in ImportBatch.objects.get(pk=again.pk).message


def test_bad_rows_are_named_and_nothing_is_written(
    pairs_2016: None, national_user: Any, tmp_path: Path
) -> None:
    rows = [
        HEADER,
        [WUZHONG, "", "", YANHE, "2017", ""],  # fine
        ["4401", "", "", YANHE, "2017", ""],  # not a code
        ["130700", "", "", YANHE, "2017", ""],  # 张家口 is not a helping side
        [WUZHONG, "", "", YANHE, "2017", ""],  # same pair twice in the file
        ["320507", "", "", "520602", "二〇一七", ""],  # bad year
        ["440103", "", "", YANHE, "2017", ""],  # outside every parent pair, no reason
        [SUZHOU, "苏州工业园区", "", TONGREN, "2017", ""],  # name and code disagree
        ["", "某公司", "企业", YANHE, "2017", ""],  # a company with no eastern seat
    ]
    batch = run(importing.PAIRINGS, xlsx(tmp_path, rows), national_user)
    found = issues(batch)
    assert [(r, c) for r, c, _ in found] == [
        (4, "帮扶方代码"),
        (5, "帮扶方名称"),
        (6, "受帮扶方代码"),
        (7, "开始年份"),
        (8, "不在上级结对内的理由"),
        (9, "帮扶方名称"),
        (10, "帮扶方代码"),
    ]
    assert "不是区划代码" in found[0][2]
    assert "第 3 行重复" in found[2][2]
    with pytest.raises(UserError, match="7 处问题"):
        imports.batch_commit(batch, actor=national_user)
    assert not Pairing.objects.filter(level=3).exists()


def test_a_county_office_cannot_import_pairs_of_others(
    pairs_2016: None, suzhou_user: Any, tmp_path: Path
) -> None:
    rows = [HEADER, ["330102", "", "", "522601", "2017", ""]]  # 杭州 → 黔东南: not 苏州's
    batch = run(importing.PAIRINGS, xlsx(tmp_path, rows), suzhou_user)
    assert [(r, m) for r, _c, m in issues(batch)] == [
        (3, "结对的任何一方都不在您所在地区，不能登记")
    ]


def test_an_organisation_helper_is_created_with_its_pairing(
    pairs_2016: None, tmp_path: Path
) -> None:
    rows = [HEADER, ["", "国家开发银行", "中央单位", YANHE, "2016", ""]]
    batch = run(importing.PAIRINGS, xlsx(tmp_path, rows), None)
    assert batch.rows_with_errors == 0, issues(batch)
    imports.batch_commit(batch, actor=None)
    org = Organisation.objects.get(name="国家开发银行")
    assert Pairing.objects.filter(east_org=org, west_region=YANHE).exists()


def test_commit_checks_again_and_writes_nothing_when_the_world_changed(
    pairs_2016: None, suzhou_user: Any, tmp_path: Path
) -> None:
    from xiezuo.pairing import services
    from xiezuo.regions.models import Region

    rows = [HEADER, [WUZHONG, "", "", YANHE, "2017", ""], ["320507", "", "", "520602", "2017", ""]]
    batch = run(importing.PAIRINGS, xlsx(tmp_path, rows), suzhou_user)
    # Someone registers 吴中 → 沿河 between the preview and the commit: it becomes an update.
    services.pairing_create(
        actor=None,
        east_region=Region.objects.get(code=WUZHONG),
        west=Region.objects.get(code=YANHE),
        start_year=2017,
    )
    imports.batch_commit(batch, actor=suzhou_user)
    assert Pairing.objects.filter(east_region=WUZHONG, west_region=YANHE).count() == 1


def test_templates_download_and_their_example_row_imports(
    pairs_2016: None, suzhou_user: Any, tmp_path: Path
) -> None:
    content = tabular.template(importing.PAIRINGS_KIND)
    book = load_workbook(io.BytesIO(content))
    assert [c.value for c in book.worksheets[0][1]][:2] == ["帮扶方代码", "帮扶方名称"]
    assert book.worksheets[1].title == "说明"
    path = tmp_path / "template.xlsx"
    path.write_bytes(content)
    batch = run(importing.PAIRINGS, path, suzhou_user)
    assert batch.rows_with_errors == 0, issues(batch)


def test_agreement_targets_import_creates_the_agreement_and_upserts(
    pairs_2016: None, suzhou_user: Any, tmp_path: Path
) -> None:
    header = [
        "帮扶方代码",
        "受帮扶方代码",
        "年度",
        "指标",
        "目标值",
        "单位",
        "截止日期",
        "责任单位",
        "责任人账号",
    ]
    rows = [
        header,
        [
            SUZHOU,
            TONGREN,
            "2019",
            "财政援助资金",
            "30000",
            "万元",
            "2019-12-31",
            "苏州市协作办",
            "suzhou",
        ],
        [
            SUZHOU,
            TONGREN,
            "2019",
            "帮助贫困人口转移就业",
            "5000",
            "人",
            "2019年11月30日",
            "苏州市人社局",
            "",
        ],
    ]
    batch = run(importing.AGREEMENTS, xlsx(tmp_path, rows, "t.xlsx"), suzhou_user)
    assert batch.rows_with_errors == 0, issues(batch)
    imports.batch_commit(batch, actor=suzhou_user)
    agreement = Agreement.objects.get(pairing__east_region=SUZHOU, year=2019)
    assert agreement.targets.count() == 2
    assert Target.objects.get(indicator="fiscal_aid").owner == suzhou_user
    rows[1][4] = "32000"
    again = run(importing.AGREEMENTS, xlsx(tmp_path, rows, "t2.xlsx"), suzhou_user)
    imports.batch_commit(again, actor=suzhou_user)
    assert Agreement.objects.count() == 1 and Target.objects.count() == 2
    assert Target.objects.get(indicator="fiscal_aid").value == 32000


def test_agreement_rows_with_wrong_unit_pairing_or_deadline(
    pairs_2016: None, suzhou_user: Any, tmp_path: Path
) -> None:
    header = [
        "帮扶方代码",
        "受帮扶方代码",
        "年度",
        "指标",
        "目标值",
        "单位",
        "截止日期",
        "责任单位",
    ]
    rows = [
        header,
        [SUZHOU, TONGREN, "2019", "财政援助资金", "300000000", "元", "2019-12-31", "x"],
        [SUZHOU, "520500", "2019", "财政援助资金", "1", "", "2019-12-31", "x"],
        [SUZHOU, TONGREN, "2019", "援建项目", "3", "", "2020-01-05", "x"],
        [SUZHOU, TONGREN, "2019", "援建项目", "3", "", "2019-13-05", "x"],
        [SUZHOU, TONGREN, "2019", "幸福指数", "3", "", "2019-12-05", "x"],
    ]
    batch = run(importing.AGREEMENTS, xlsx(tmp_path, rows, "t.xlsx"), suzhou_user)
    found = issues(batch)
    assert [(r, c) for r, c, _ in found] == [
        (3, "单位"),
        (4, "受帮扶方代码"),
        (5, "截止日期"),
        (6, "截止日期"),
        (7, "指标"),
    ]
    assert "万元" in found[0][2]
    assert not Agreement.objects.exists()


def test_targets_export_imports_back_unchanged(
    pairs_2016: None, suzhou_user: Any, tmp_path: Path
) -> None:
    from django.test import Client

    header = [
        "帮扶方代码",
        "受帮扶方代码",
        "年度",
        "指标",
        "目标值",
        "截止日期",
        "责任单位",
        "责任人账号",
    ]
    rows = [
        header,
        [SUZHOU, TONGREN, "2019", "援建项目", "12", "2019-12-31", "苏州市协作办", "suzhou"],
    ]
    batch = run(importing.AGREEMENTS, xlsx(tmp_path, rows, "t.xlsx"), suzhou_user)
    imports.batch_commit(batch, actor=suzhou_user)
    client = Client()
    client.force_login(suzhou_user)
    exported = client.get("/pairings/targets.xlsx?year=2019")
    assert exported.status_code == 200
    path = tmp_path / "exported.xlsx"
    path.write_bytes(exported.content)
    again = run(importing.AGREEMENTS, path, suzhou_user)
    assert again.rows_read == 1 and again.rows_with_errors == 0, issues(again)
    imports.batch_commit(again, actor=suzhou_user)
    assert Target.objects.count() == 1 and Target.objects.get().value == 12


def test_a_reporter_may_not_bring_a_pairing_file_in(
    pairs_2016: None, suzhou_user: Any, tmp_path: Path
) -> None:
    from tests.factories import UserFactory

    viewer = UserFactory(side="east", region_id=SUZHOU, roles=["reporter"])
    rows = [[*HEADER, "结束年份"], [SUZHOU, "", "", TONGREN, "2016", "", "2030"]]
    path = xlsx(tmp_path, rows)
    # A reporter may not bring a pairing file in at all: refused before any batch exists.
    with pytest.raises(Forbidden, match="只有协作办的审核人或管理员可以导入结对"):
        run(importing.PAIRINGS, path, viewer)
    assert not ImportBatch.objects.exists()
