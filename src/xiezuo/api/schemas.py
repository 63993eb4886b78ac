from __future__ import annotations

from typing import Annotated, Any

from ninja import Field, Schema


class ErrorOut(Schema):
    detail: str
    problems: list[str] = []


ERRORS: dict[int, Any] = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
WRITE_ERRORS: dict[int, Any] = {400: ErrorOut, **ERRORS}


class ChoiceOut(Schema):
    code: str
    label: str


def choice(choices: Any, value: str) -> dict[str, str]:
    """A coded value with its label, as every API answer shows code lists."""
    labels = dict(choices.choices)
    return {"code": value, "label": str(labels.get(value, value))}


class Paging(Schema):
    page: int = Field(1, ge=1)
    page_size: int = Field(50, ge=1, le=200)


RegionPrefix = Annotated[str, Field(pattern=r"^\d{2,12}$", description="区划代码（前缀）")]


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
