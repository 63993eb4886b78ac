from __future__ import annotations

from ninja import Schema


class ErrorOut(Schema):
    detail: str
    problems: list[str] = []


class RegionOut(Schema):
    code: str
    name: str
    level: int
    level_name: str
    parent_code: str | None
    is_poverty_county: bool
    poverty_exit_year: int | None
    is_poor_village: bool
    is_deep_poverty: bool
    is_active: bool


class RegionDetailOut(RegionOut):
    requested_code: str
    replaced: bool
    path: list[RegionOut]
    level_counts: dict[int, int]


class RegionChildOut(RegionOut):
    n_children: int
