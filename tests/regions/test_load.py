from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import pytest

from tests.conftest import DIVISIONS, YANHE
from xiezuo.audit.models import AuditEvent
from xiezuo.core.errors import UserError
from xiezuo.regions.codes import Level
from xiezuo.regions.models import Region
from xiezuo.regions.services import regions_load


def _copy_slice(tmp_path: Path) -> Path:
    target = tmp_path / "divisions"
    shutil.copytree(DIVISIONS, target)
    return target


def _append(path: Path, line: str) -> None:
    with path.open("a", encoding="utf-8") as handle:
        handle.write(line + "\n")


@pytest.mark.django_db
def test_loads_all_five_levels_with_parents() -> None:
    report = regions_load(source_dir=DIVISIONS, actor=None)
    assert report.counts[Level.PROVINCE] == 31
    assert report.counts[Level.COUNTY] == Region.objects.filter(level=Level.COUNTY).count()
    village = Region.objects.filter(level=Level.VILLAGE, code__startswith=YANHE).first()
    assert village is not None
    assert village.parent_id == village.code[:9]
    assert village.parent.parent_id == YANHE  # type: ignore[union-attr]
    assert Region.objects.get(code=YANHE).parent_id == "520600"
    assert AuditEvent.objects.filter(action="load", object_type="regions.region").count() == 1


@pytest.mark.django_db
def test_reload_updates_in_place_and_retires_dropped_codes(tmp_path: Path) -> None:
    regions_load(source_dir=DIVISIONS, actor=None)
    before = Region.objects.count()
    source = _copy_slice(tmp_path)
    areas = source / "areas.csv"
    lines = areas.read_text(encoding="utf-8").splitlines()
    renamed = [line.replace('"沿河土家族自治县"', '"沿河县（改名测试）"') for line in lines]
    areas.write_text("\n".join(renamed) + "\n", encoding="utf-8")
    # Drop one village from the village file.
    with gzip.open(source / "villages_2021.csv.gz", "rt", encoding="utf-8") as handle:
        village_lines = handle.read().splitlines()
    dropped = village_lines.pop(1).split(",")[0]
    with gzip.open(source / "villages_2021.csv.gz", "wt", encoding="utf-8") as handle:
        handle.write("\n".join(village_lines) + "\n")

    report = regions_load(source_dir=source, actor=None)

    assert Region.objects.count() == before  # updated, not duplicated
    assert Region.objects.get(code=YANHE).name == "沿河县（改名测试）"
    assert report.retired == 1
    assert Region.objects.get(code=dropped).is_active is False


@pytest.mark.django_db
def test_prefecture_without_counties_keeps_its_townships(tmp_path: Path) -> None:
    # 东莞 (4419) has no counties: areas.csv lists it again as 441900 and its townships hang on it.
    source = tmp_path / "dg"
    source.mkdir()
    (source / "provinces.csv").write_text('code,name\n44,"广东省"\n', encoding="utf-8")
    (source / "cities.csv").write_text(
        'code,name,provinceCode\n4419,"东莞市",44\n', encoding="utf-8"
    )
    (source / "areas.csv").write_text(
        'code,name,cityCode,provinceCode\n441900,"东莞市",4419,44\n', encoding="utf-8"
    )
    (source / "streets.csv").write_text(
        "code,name,areaCode,provinceCode,cityCode\n441900003,东城街道,441900,44,4419\n",
        encoding="utf-8",
    )
    (source / "villages.csv").write_text(
        "code,name,streetCode,provinceCode,cityCode,areaCode\n"
        "441900003001,主山社区居委会,441900003,44,4419,441900\n",
        encoding="utf-8",
    )
    regions_load(source_dir=source, actor=None)
    dongguan = Region.objects.get(code="441900")
    assert dongguan.level == Level.PREFECTURE
    assert Region.objects.get(code="441900003").parent_id == "441900"
    assert Region.objects.get(code="441900003001").level == Level.VILLAGE


@pytest.mark.parametrize(
    ("file", "line", "expected"),
    [
        ("areas.csv", '52062X,"坏代码县",5206,52', "areas.csv 第 2980 行 code 列"),
        ("areas.csv", '529999,"无上级县",5299,52', "areas.csv 第 2980 行 cityCode 列"),
        ("areas.csv", '520627,"重复县",5206,52', "代码 520627 重复出现"),
        ("streets.csv", '510627001,"跨省乡",520627,52,5206', "不在上级 520627 的编码范围内"),
        ("cities.csv", '5299,"",52', "cities.csv 第 344 行 name 列"),
    ],
)
@pytest.mark.django_db
def test_bad_rows_are_named_and_nothing_is_written(
    tmp_path: Path, file: str, line: str, expected: str
) -> None:
    regions_load(source_dir=DIVISIONS, actor=None)
    names_before = dict(Region.objects.values_list("code", "name"))
    audit_before = AuditEvent.objects.count()
    source = _copy_slice(tmp_path)
    _append(source / file, line)
    with pytest.raises(UserError) as caught:
        regions_load(source_dir=source, actor=None)
    assert expected in str(caught.value)
    assert "未写入任何数据" in caught.value.summary
    assert dict(Region.objects.values_list("code", "name")) == names_before
    assert AuditEvent.objects.count() == audit_before


@pytest.mark.django_db
def test_missing_directory_and_missing_file_are_clear(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="区划数据目录不存在"):
        regions_load(source_dir=tmp_path / "nowhere", actor=None)
    source = _copy_slice(tmp_path)
    (source / "streets.csv").unlink()
    with pytest.raises(UserError) as caught:
        regions_load(source_dir=source, actor=None)
    assert "缺少乡级文件" in str(caught.value)
    assert Region.objects.count() == 0


@pytest.mark.django_db
def test_missing_column_is_named(tmp_path: Path) -> None:
    source = _copy_slice(tmp_path)
    text = (source / "cities.csv").read_text(encoding="utf-8")
    (source / "cities.csv").write_text(text.replace("provinceCode", "prov"), encoding="utf-8")
    with pytest.raises(UserError, match="缺少列：provinceCode"):
        regions_load(source_dir=source, actor=None)


@pytest.mark.django_db
def test_villages_of_a_merged_county_are_reported_not_loaded(tmp_path: Path) -> None:
    source = _copy_slice(tmp_path)
    with gzip.open(source / "villages_2021.csv.gz", "at", encoding="utf-8") as handle:
        handle.write("520699100001,旧县某村,520699100,520699,520600,520000\n")
    report = regions_load(source_dir=source, actor=None)
    assert report.orphans == 1
    assert "520699100001" in report.orphan_examples[0]
    assert not Region.objects.filter(code="520699100001").exists()


@pytest.mark.django_db
def test_load_stops_at_max_level() -> None:
    regions_load(source_dir=DIVISIONS, actor=None, max_level=Level.COUNTY)
    assert not Region.objects.filter(level__gt=Level.COUNTY).exists()
