from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import YANHE
from xiezuo.core.errors import UserError
from xiezuo.regions import selectors, services
from xiezuo.regions.models import Region


def test_832_list_flags_831_counties_with_exit_years(regions: None) -> None:
    assert Region.objects.filter(is_poverty_county=True).count() == 831
    yanhe = Region.objects.get(code=YANHE)
    assert yanhe.is_poverty_county and yanhe.poverty_exit_year == 2020
    assert Region.objects.get(code="520602").poverty_exit_year == 2017  # 碧江区
    assert Region.objects.get(code="632803").poverty_exit_year == 2019  # 茫崖 (with 冷湖)


def test_unknown_county_in_flag_file_names_the_row(regions: None, tmp_path: Path) -> None:
    bad = tmp_path / "flags.csv"
    text = services.POVERTY_COUNTIES_CSV.read_text(encoding="utf-8")
    bad.write_text(text + "贵州省,不存在县,529999,不存在县,2019,\n", encoding="utf-8")
    with pytest.raises(UserError) as caught:
        services.poverty_counties_load(actor=None, path=bad)
    assert "flags.csv 第 834 行 county_code 列" in str(caught.value)
    assert Region.objects.filter(is_poverty_county=True).count() == 831


def test_exit_year_outside_programme_is_refused(regions: None, tmp_path: Path) -> None:
    bad = tmp_path / "flags.csv"
    bad.write_text(
        "province,county_name_listed,county_code,county_name_2023,delisting_year,note\n"
        "贵州省,沿河,520627,沿河,2023,\n",
        encoding="utf-8",
    )
    with pytest.raises(UserError, match="delisting_year 列"):
        services.poverty_counties_load(actor=None, path=bad)


def test_old_codes_resolve_to_current_units(regions: None) -> None:
    resolved = selectors.region_resolve("130721")  # 宣化县, merged into 宣化区
    assert resolved is not None and resolved.region.code == "130705" and resolved.replaced
    chained = selectors.region_resolve("522423")  # 黔西县 → 520522 → 黔西市 520581
    assert chained is not None and chained.region.code == "520581"
    assert selectors.region_resolve("529999") is None


def test_code_change_to_unknown_region_is_refused(regions: None, tmp_path: Path) -> None:
    bad = tmp_path / "changes.csv"
    bad.write_text("old_code,new_code\n520699,529998\n", encoding="utf-8")
    with pytest.raises(UserError, match=r"changes\.csv 第 2 行 new_code 列"):
        services.code_changes_load(actor=None, path=bad)
    assert selectors.region_resolve("130721") is not None  # the old table is intact
