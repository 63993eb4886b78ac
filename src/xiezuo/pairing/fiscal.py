"""Fiscal capacity (财政能力) of eastern units, from the packaged prefecture panel.

What is real and what is estimated:
- a unit that is itself in the panel (a prefecture such as 苏州 320500 or 东莞 441900, or a
  province-level municipality such as 上海 310000) gets its real local general budget revenue
  (地方一般公共预算收入, 万元, NBS yearbooks) for the year asked, or for the latest earlier year
  that has a figure; the source string names the year used;
- a county-level unit gets its prefecture's revenue split evenly across that prefecture's
  county-level units: there is no public county panel, so this is an estimate and its source
  starts with 估算;
- a unit with no figure at all is listed in `CapacityTable.missing`, never given zero.

Pure Python: no Django, no database.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

PANEL_CSV = Path(__file__).parent / "data" / "prefecture_panel_2014_2020.csv"
ESTIMATED = "估算"


@dataclass(frozen=True)
class Revenue:
    code: str
    name: str
    year: int
    value: float  # 万元


@dataclass(frozen=True)
class Capacity:
    value: float  # 万元
    year: int  # the panel year the figure comes from
    source: str
    estimated: bool


@dataclass(frozen=True)
class CapacityTable:
    by_code: dict[str, Capacity]
    missing: dict[str, str]  # code -> why there is no figure


@cache
def _panel() -> dict[str, dict[int, tuple[str, float]]]:
    """city_code -> year -> (name, revenue); rows with an empty revenue are left out."""
    panel: dict[str, dict[int, tuple[str, float]]] = {}
    with PANEL_CSV.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            years = panel.setdefault(row["city_code"], {})
            if row["fiscal_revenue_10k_yuan"]:
                years[int(row["year"])] = (row["city"], float(row["fiscal_revenue_10k_yuan"]))
    return panel


def revenue(code: str, year: int) -> Revenue | None:
    """The panel's revenue of `code` for `year`, else for the latest earlier year with a figure,
    else (a year before the panel starts) for the earliest year with one."""
    years = _panel().get(code)
    if not years:
        return None
    earlier = [y for y in years if y <= year]
    used = max(earlier) if earlier else min(years)
    name, value = years[used]
    return Revenue(code=code, name=name, year=used, value=value)


def panel_unit_of(code: str) -> str | None:
    """The panel unit a county-level code belongs to: its prefecture when the panel has it, else
    its province when that is a municipality in the panel (北京 110000 for 110105)."""
    panel = _panel()
    for candidate in (code[:4] + "00", code[:2] + "0000"):
        if candidate != code and candidate in panel:
            return candidate
    return None


def county_units_by_panel_unit(county_codes: Iterable[str]) -> dict[str, list[str]]:
    """Group county-level codes by their panel unit (see `panel_unit_of`); pass *every*
    county-level unit of the prefectures concerned, since a prefecture's revenue is split across
    all of them."""
    grouped: dict[str, list[str]] = {}
    for code in sorted(set(county_codes)):
        parent = panel_unit_of(code)
        if parent is not None:
            grouped.setdefault(parent, []).append(code)
    return grouped


def capacities(
    units: Iterable[str], county_units_of: Mapping[str, Sequence[str]], year: int
) -> CapacityTable:
    """Capacity of each eastern unit in `units` for `year`.

    `county_units_of` maps a panel unit (prefecture, or municipality) to all its county-level
    units, e.g. from `county_units_by_panel_unit` over the division list.
    """
    parent_of = {
        county: parent for parent, counties in county_units_of.items() for county in counties
    }
    by_code: dict[str, Capacity] = {}
    missing: dict[str, str] = {}
    for code in units:
        own = revenue(code, year)
        if own is not None:
            by_code[code] = Capacity(
                value=own.value,
                year=own.year,
                source=f"{own.name} {own.year} 年地方一般公共预算收入（国家统计局）",
                estimated=False,
            )
            continue
        parent = parent_of.get(code)
        if parent is None:
            missing[code] = "不在财政面板中，也未给出所属地级单位"
            continue
        whole = revenue(parent, year)
        if whole is None:
            missing[code] = f"所属地级单位 {parent} 在财政面板中没有数据"
            continue
        share = len(county_units_of[parent])
        by_code[code] = Capacity(
            value=whole.value / share,
            year=whole.year,
            source=(
                f"{ESTIMATED}：{whole.name} {whole.year} 年地方一般公共预算收入 "
                f"{whole.value:,.0f} 万元均分给 {share} 个县级单位"
            ),
            estimated=True,
        )
    return CapacityTable(by_code=by_code, missing=missing)
