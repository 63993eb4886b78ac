from __future__ import annotations

import enum
from typing import Annotated, Any

from ninja import Field, Schema

from xiezuo.core.params import MAX_ID, MAX_PAGE


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
    page: int = Field(1, ge=1, le=MAX_PAGE)
    page_size: int = Field(50, ge=1, le=200)


# [0-9], not \d: the schema's regex engine counts every Unicode digit as \d.
RegionPrefix = Annotated[str, Field(pattern=r"^[0-9]{2,12}$", description="区划代码（前缀）")]
# A database key: within what a 64-bit key holds, so a huge number is a 422, not a crash.
ObjectId = Annotated[int, Field(ge=1, le=MAX_ID)]


def api_enum(name: str, choices: Any) -> Any:
    """A code list under a name of its own in the OpenAPI document. The apps' code lists share
    short names (pairing and registry both have a `Status`, pairing and cooperation a `Kind`),
    and OpenAPI components are keyed by name: one would document the other's values."""
    values = list(choices.values)
    if all(isinstance(v, int) for v in values):
        return enum.IntEnum(name, {f"V{v}": v for v in values})
    return enum.StrEnum(name, {str(v): str(v) for v in values})


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
