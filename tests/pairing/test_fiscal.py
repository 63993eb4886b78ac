"""Capacities from the packaged prefecture panel: real where the unit is in it, estimated (and
marked so) for counties, reported when missing. No database."""

from __future__ import annotations

import pytest

from xiezuo.pairing import fiscal

SUZHOU_2016 = 17_300_400.0  # 苏州市 2016, 万元, in the panel
DONGGUAN_2016 = 5_447_543.0


def test_a_prefecture_in_the_panel_gets_its_real_revenue() -> None:
    table = fiscal.capacities(["441900"], {}, 2016)
    capacity = table.by_code["441900"]
    assert capacity.value == DONGGUAN_2016
    assert capacity.year == 2016 and not capacity.estimated
    assert "东莞市 2016 年" in capacity.source and fiscal.ESTIMATED not in capacity.source


def test_a_year_after_the_panel_uses_the_latest_year_and_says_so() -> None:
    capacity = fiscal.capacities(["320500"], {}, 2023).by_code["320500"]
    assert capacity.year == 2020 and "2020 年" in capacity.source


def test_a_missing_figure_falls_back_to_the_latest_earlier_year() -> None:
    # 巢湖市 (341400) has no revenue in the panel at all: nothing to fall back on.
    assert fiscal.revenue("341400", 2016) is None


def test_a_county_gets_an_even_share_of_its_prefecture_marked_as_estimate() -> None:
    counties = {"320500": ["320505", "320506", "320507", "320508", "320509"]}
    table = fiscal.capacities(["320506"], counties, 2016)
    capacity = table.by_code["320506"]
    assert capacity.value == pytest.approx(SUZHOU_2016 / 5)
    assert capacity.estimated and capacity.source.startswith(fiscal.ESTIMATED)
    assert "5 个县级单位" in capacity.source


def test_a_municipality_district_shares_the_municipality() -> None:
    grouped = fiscal.county_units_by_panel_unit(["310101", "310104", "320506", "441900"])
    assert grouped == {"310000": ["310101", "310104"], "320500": ["320506"]}


def test_units_without_any_figure_are_reported_not_zeroed() -> None:
    table = fiscal.capacities(["999901", "341421"], {"341400": ["341421"]}, 2016)
    assert table.by_code == {}
    assert set(table.missing) == {"999901", "341421"}
    assert "341400" in table.missing["341421"]
