"""Statistical division codes (统计用区划代码).

Codes are kept at their natural length: 6 digits for province, prefecture and county
("320000", "320500", "320506"), 9 for township, 12 for village. A region's subtree is every code
that starts with its *prefix* (2, 4, 6, 9 or 12 digits), so scoping is a range over the primary
key, which every database serves from its index.
"""

from __future__ import annotations

import re

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Level(models.IntegerChoices):
    PROVINCE = 1, _("Province")
    PREFECTURE = 2, _("Prefecture")
    COUNTY = 3, _("County")
    TOWNSHIP = 4, _("Township")
    VILLAGE = 5, _("Village")


PREFIX_LENGTH = {
    Level.PROVINCE: 2,
    Level.PREFECTURE: 4,
    Level.COUNTY: 6,
    Level.TOWNSHIP: 9,
    Level.VILLAGE: 12,
}
_CODE = re.compile(r"^[0-9]{2}([0-9]{2}([0-9]{2}([0-9]{3}([0-9]{3})?)?)?)?$")


def normalise(raw: str) -> str:
    """Accept the short forms the packages use ("32", "3205") and return the canonical code."""
    code = raw.strip()
    if len(code) in (2, 4):
        return code.ljust(6, "0")
    return code


def is_digits(text: str) -> bool:
    """ASCII digits only: str.isdigit() also accepts full-width and other Unicode digits."""
    return text.isascii() and text.isdigit()


def is_well_formed(code: str) -> bool:
    return len(code) in (6, 9, 12) and bool(_CODE.match(code))


def level_of(code: str) -> Level:
    """The level a well-formed canonical code names."""
    if len(code) == 12:
        return Level.VILLAGE
    if len(code) == 9:
        return Level.TOWNSHIP
    if code[2:] == "0000":
        return Level.PROVINCE
    if code[4:] == "00":
        return Level.PREFECTURE
    return Level.COUNTY


def prefix(code: str, level: int) -> str:
    return code[: PREFIX_LENGTH[Level(level)]]


def prefix_upper_bound(pfx: str) -> str:
    """The smallest string above every code with this prefix: codes are digits, ':' follows '9'."""
    return pfx[:-1] + chr(ord(pfx[-1]) + 1)


def parent_code(code: str) -> str | None:
    level = level_of(code)
    if level == Level.PROVINCE:
        return None
    if level == Level.PREFECTURE:
        return code[:2] + "0000"
    if level == Level.COUNTY:
        return code[:4] + "00"
    if level == Level.TOWNSHIP:
        return code[:6]
    return code[:9]


def ancestors(code: str) -> list[str]:
    """The codes above `code`, nearest first (prefecture, then province for a county)."""
    out: list[str] = []
    current = parent_code(code)
    while current is not None:
        out.append(current)
        current = parent_code(current)
    return out


def subtree_q(field: str, code: str) -> Q:
    """Rows whose region code (in `field`) lies in `code`'s subtree: a range on the index."""
    pfx = prefix(code, level_of(code))
    return Q(**{f"{field}__gte": pfx, f"{field}__lt": prefix_upper_bound(pfx)})


def subtree_prefix(code: str) -> str:
    """What every code under `code` begins with: 520600 (铜仁市) → 5206, 520000 → 52. A code
    that is not canonical (a typed 2- or 4-digit prefix) is taken as the prefix itself."""
    if len(code) in (6, 9, 12) and code.isascii() and code.isdigit():
        return prefix(code, level_of(code))
    return code


def within(code: str, outer: str) -> bool:
    """Is `code` in `outer`'s subtree (or `outer` itself)?"""
    return code.startswith(prefix(outer, level_of(outer)))
