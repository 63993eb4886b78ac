"""Finding the village a row of an import means, the way an office means it.

A county file names its villages as the list of the year it was made did: the registry files of
2019–2021 say 黄龙村委会 where the current list says 黄龙村村民委员会, and only a few of a
county's village names are the same in both. So, in this order:

1. by code — a 行政村代码 column, or the first 12 digits of the 户编号 (the national system
   numbers households under their village) — when the code is a current village, or an old one
   the 2021 list knows (then its current unit), and it agrees with the names on the row if the
   row has names;
2. by name under the township: the current name, then a name of the 2021 list (FormerName,
   loaded with the divisions), then the name's stem (黄龙村委会, 黄龙村村民委员会 and 黄龙村 are
   all 黄龙) when exactly one village of the township has it.

Which rule matched is returned with the code, so the import keeps it with the row. Every import
that names a village uses this class (the registry's rows today).
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from xiezuo.accounts.scope import RegionScope, scope_for
from xiezuo.regions import codes
from xiezuo.regions.codes import Level
from xiezuo.regions.models import FormerName, Region, RegionCodeChange

# The rules, as kept with each row, and as the preview names them.
RULES = {
    "code": "行政村代码",
    "household_number": "户编号前 12 位",
    "old_code": "旧区划代码",
    "name": "现名",
    "former_name": "2021 年村名",
    "stem": "村名简称",
}
_SUFFIX = re.compile(r"(村民委员会|居民委员会|村委会|居委会|委员会)$")
_TOWN_SUFFIX = re.compile(r"(街道办事处|办事处|街道|民族乡|镇|乡)$")


def stem(name: str) -> str:
    """A village name without its committee suffix or a final 村: the part every edition and
    every clerk writes the same way."""
    text = unicodedata.normalize("NFKC", name).replace(" ", "").replace("\u3000", "")
    text = _SUFFIX.sub("", text)
    return text[:-1] if len(text) > 1 and text.endswith("村") else text


def town_stem(name: str) -> str:
    """A township name without 镇, 乡 or 街道: 官舟 and 官舟镇 are the same place."""
    text = unicodedata.normalize("NFKC", name).replace(" ", "").replace("\u3000", "")
    return _TOWN_SUFFIX.sub("", text) or text


class VillageProblem(Exception):
    """No village found: `column` is the field the message is about (village_code, county,
    township or village; names when they are missing)."""

    def __init__(self, column: str, message: str) -> None:
        super().__init__(message)
        self.column = column
        self.message = message


@dataclass(frozen=True)
class Found:
    code: str
    rule: str  # a key of RULES


@dataclass
class _County:
    code: str
    name: str
    # village code → (township code, township name, current name)
    villages: dict[str, tuple[str, str, str]] = field(default_factory=dict)
    names: dict[str, set[str]] = field(default_factory=dict)  # code → every name it is known by
    townships: dict[str, str] = field(default_factory=dict)  # township name → code
    current: dict[tuple[str, str], str] = field(default_factory=dict)
    former: dict[tuple[str, str], set[str]] = field(default_factory=dict)
    stems: dict[tuple[str, str], set[str]] = field(default_factory=dict)


class VillageResolver:
    """Finds villages only among those the importing user may write to."""

    def __init__(self, user: Any) -> None:
        # No user means the platform itself (the CLI, the demo, the generator), run by the
        # server's operator; the web and the API always pass the signed-in user.
        # Only the uploader's own villages: a partner's registry is for reading, not for writing.
        self.scope = RegionScope(everything=True) if user is None else scope_for(user).own_only()
        self._counties: dict[str, _County | None] = {}
        self._by_name: dict[str, _County | str] = {}
        self._old: dict[str, str | None] = {}

    # -- the one entry point -----------------------------------------------------------------

    def resolve(
        self,
        *,
        code: str = "",
        household_number: str = "",
        county: str = "",
        township: str = "",
        village: str = "",
    ) -> Found:
        named = bool(township and village)
        if code:
            if not (codes.is_digits(code) and len(code) == 12):
                raise VillageProblem("village_code", f"“{code}”不是 12 位村级区划代码")
            found = self._by_code(code, "code")
            if found is None:
                raise VillageProblem("village_code", f"村代码 {code} 不存在，或不在您的权限范围内")
            if named and not self._agrees(found.code, township, village):
                where = self._describe(found.code)
                raise VillageProblem(
                    "village_code",
                    f"行政村代码 {code} 是{where}，与本行的乡“{township}”、行政村“{village}”不符",
                )
            return found
        prefix = household_number[:12]
        if len(prefix) == 12 and codes.is_digits(prefix):
            found = self._by_code(prefix, "household_number")
            # A number of a village since merged or renamed may no longer agree: the names decide.
            if found is not None and (not named or self._agrees(found.code, township, village)):
                return found
        if not (county and township and village):
            raise VillageProblem("names", "县、乡、行政村都必须填写（或填写行政村代码）")
        return self._by_names(county, township, village)

    # -- by code -----------------------------------------------------------------------------

    def _by_code(self, code: str, rule: str) -> Found | None:
        table = self._county(code[:6])
        if table is not None and code in table.villages:
            return Found(code, rule)
        current = self._old_code(code)
        if current is not None:
            return Found(current, "old_code")
        return None

    def _old_code(self, code: str) -> str | None:
        if code not in self._old:
            target = (
                FormerName.objects.filter(old_code=code, region__is_active=True)
                .values_list("region_id", flat=True)
                .first()
            )
            if target is not None and target != code:
                table = self._county(target[:6])
                if table is None or target not in table.villages:
                    target = None
            self._old[code] = target if target != code else None
        return self._old[code]

    def _agrees(self, code: str, township: str, village: str) -> bool:
        table = self._county(code[:6])
        if table is None or code not in table.villages:
            return False
        _town_code, town_name, _name = table.villages[code]
        if township != town_name and town_stem(township) != town_stem(town_name):
            return False
        known = table.names[code]
        return village in known or stem(village) in {stem(n) for n in known}

    def _describe(self, code: str) -> str:
        table = self._county(code[:6])
        if table is None or code not in table.villages:
            return code
        _town, town_name, name = table.villages[code]
        return f"{table.name}{town_name}{name}"

    # -- by name -----------------------------------------------------------------------------

    def _by_names(self, county: str, township: str, village: str) -> Found:
        table = self._county_named(county)
        town_code = table.townships.get(township)
        if town_code is None:
            # 官舟 for 官舟镇: the township's stem, when exactly one township has it.
            same = [t for t in table.townships if town_stem(t) == town_stem(township)]
            if len(same) == 1:
                township = same[0]
                town_code = table.townships[township]
        if town_code is None:
            near = difflib.get_close_matches(township, list(table.townships), n=3, cutoff=0.4)
            hint = f"；最接近的有：{'、'.join(near)}" if near else ""
            raise VillageProblem("township", f"{table.name}没有名为“{township}”的乡镇{hint}")
        key = (township, village)
        if key in table.current:
            return Found(table.current[key], "name")
        former = table.former.get(key, set())
        if len(former) == 1:
            return Found(next(iter(former)), "former_name")
        stems = table.stems.get((township, stem(village)), set())
        if len(stems) == 1 and not former:
            return Found(next(iter(stems)), "stem")
        candidates = former or stems
        if len(candidates) > 1:
            names = "、".join(sorted(table.villages[c][2] for c in candidates))
            raise VillageProblem(
                "village",
                f"{table.name}{township}有多个村与“{village}”对应（{names}）：请填写行政村代码",
            )
        raise VillageProblem("village", self._not_found(table, township, village))

    def _not_found(self, table: _County, township: str, village: str) -> str:
        message = f"{table.name}{township}没有名为“{village}”的行政村"
        wanted = stem(village)
        elsewhere = sorted(
            {
                table.villages[code][1]
                for code, names in table.names.items()
                if table.villages[code][1] != township
                and (village in names or wanted in {stem(n) for n in names})
            }
        )
        if elsewhere:
            message += f"；该县的 {'、'.join(elsewhere[:3])}有“{village}”"
        here = sorted(
            {
                name
                for code, (_t, town, _n) in table.villages.items()
                if town == township
                for name in table.names[code]
            }
        )
        near = difflib.get_close_matches(village, here, n=3, cutoff=0.4)
        if near:
            message += f"；本乡镇最接近的有：{'、'.join(near)}"
        return message

    def _county_named(self, name: str) -> _County:
        found = self._by_name.get(name)
        if found is None:
            found = self._find_county(name)
            self._by_name[name] = found
        if isinstance(found, str):
            raise VillageProblem("county", found)
        return found

    def _find_county(self, name: str) -> _County | str:
        current = self.scope.filter_data(
            Region.objects.filter(level=Level.COUNTY, name=name, is_active=True), "code"
        ).values_list("code", flat=True)
        candidates = list(current)
        if not candidates:
            # A county's former name (米林县, now 米林市): the code-change table names it.
            renamed = RegionCodeChange.objects.filter(old_name=name).values_list(
                "new_code", flat=True
            )
            candidates = sorted({c for c in renamed if len(c) == 6 and self.scope.covers(c)})
        if not candidates:
            return f"县“{name}”不在您的权限范围内，或名称有误"
        if len(candidates) > 1:
            return f"县名“{name}”不唯一（{', '.join(candidates)}）：请使用“行政村代码”列"
        table = self._county(candidates[0])
        if table is None:
            return f"县“{name}”不在您的权限范围内，或名称有误"
        return table

    # -- one county's villages, read once ----------------------------------------------------

    def _county(self, county: str) -> _County | None:
        if county in self._counties:
            return self._counties[county]
        table: _County | None = None
        # Any level: a prefecture without counties (东莞, 中山) holds its townships itself.
        region = Region.objects.filter(code=county).first()
        if region is not None and (self.scope.covers(county) or self._covers_part(county)):
            table = self._load(region)
        self._counties[county] = table
        return table

    def _covers_part(self, county: str) -> bool:
        # A township office: the county's table is read, only its own villages are kept.
        return any(p.startswith(county) for p in self.scope.prefixes)

    def _load(self, county: Region) -> _County:
        table = _County(county.code, county.name)
        upper = codes.prefix_upper_bound(county.code)
        for code, name in Region.objects.filter(
            level=Level.TOWNSHIP, code__gte=county.code, code__lt=upper
        ).values_list("code", "name"):
            table.townships.setdefault(name, code)
        rows = Region.objects.filter(
            level=Level.VILLAGE, is_active=True, code__gte=county.code, code__lt=upper
        ).values_list("code", "name", "parent_id", "parent__name")
        for code, name, town_code, town_name in rows:
            if not self.scope.covers(code):
                continue
            table.villages[code] = (town_code or "", town_name or "", name)
            table.names[code] = {name}
            table.current[(town_name, name)] = code
            table.stems.setdefault((town_name, stem(name)), set()).add(code)
        former = FormerName.objects.filter(
            region_id__gte=county.code, region_id__lt=upper
        ).values_list("region_id", "name")
        for code, name in former:
            if code not in table.villages:
                continue
            town_name = table.villages[code][1]
            table.names[code].add(name)
            table.former.setdefault((town_name, name), set()).add(code)
            table.stems.setdefault((town_name, stem(name)), set()).add(code)
        return table
