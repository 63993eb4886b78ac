"""The rule book of one registry row: `RowParser` turns a row's cells into checked values or
says, in words a village clerk can act on, what is wrong; `VillageResolver` finds the village a
row means."""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from xiezuo.accounts.scope import RegionScope, scope_for
from xiezuo.core import crypto
from xiezuo.imports.readers import STRIP, clean_cell
from xiezuo.regions import codes
from xiezuo.regions.codes import Level
from xiezuo.regions.models import Region
from xiezuo.registry import idnumbers
from xiezuo.registry.choices import (
    Health,
    HouseholdType,
    LabourSkill,
    MigrantStatus,
    SchoolStatus,
    Status,
)
from xiezuo.registry.selectors import poverty_line
from xiezuo.registry.vocabulary import INCOME_SOURCES, LABELS, NO, YES, ColumnMap


class VillageResolver:
    """Finds the village code from a code column or from the county, township and village names,
    only among the villages the importing user may see."""

    def __init__(self, user: Any) -> None:
        # No user means the platform itself (the CLI, the demo, the generator), run by the
        # server's operator; the web and the API always pass the signed-in user.
        # Only the uploader's own villages: a partner's registry is for reading, not for writing.
        self.scope = RegionScope(everything=True) if user is None else scope_for(user).own_only()
        self._by_names: dict[str, dict[tuple[str, str], str] | str] = {}
        self._county_villages: dict[str, frozenset[str]] = {}

    def by_code(self, code: str) -> str | None:
        # One query per county, not per row: a file holds many rows of few counties.
        county = code[:6]
        villages = self._county_villages.get(county)
        if villages is None:
            villages = frozenset()
            if self.scope.covers(county) or self.scope.covers(code):
                villages = frozenset(
                    Region.objects.filter(
                        level=Level.VILLAGE,
                        is_active=True,
                        code__gte=county,
                        code__lt=codes.prefix_upper_bound(county),
                    ).values_list("code", flat=True)
                )
            self._county_villages[county] = villages
        return code if code in villages and self.scope.covers(code) else None

    def by_names(self, county: str, township: str, village: str) -> str | None:
        table = self._by_names.get(county)
        if table is None:
            table = self._load_county(county)
            self._by_names[county] = table
        if isinstance(table, str):
            raise ValueError(table)
        return table.get((township, village))

    def _load_county(self, county: str) -> dict[tuple[str, str], str] | str:
        counties = list(
            self.scope.filter_data(
                Region.objects.filter(level=Level.COUNTY, name=county, is_active=True), "code"
            ).values_list("code", flat=True)
        )
        if not counties:
            return f"县“{county}”不在您的权限范围内，或名称有误"
        if len(counties) > 1:
            return f"县名“{county}”不唯一（{', '.join(counties)}）：请使用“行政村代码”列"
        prefix = counties[0]
        villages = Region.objects.filter(
            level=Level.VILLAGE,
            is_active=True,
            code__gte=prefix,
            code__lt=codes.prefix_upper_bound(prefix),
        ).values_list("code", "name", "parent__name")
        return {(township, name): code for code, name, township in villages}


class RowError(Exception):
    def __init__(self, column: str, message: str) -> None:
        super().__init__(message)
        self.column = column
        self.message = message


def _age(birth: datetime.date, today: datetime.date) -> int:
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


class RowParser:
    """Turns one row's cells into the values of a StagedMember, or raises RowError.

    This is the hot loop of every import (a million rows a run), so column positions are looked
    up once and the common case (clean ASCII or an exact label) takes the shortest path.
    """

    def __init__(self, cols: ColumnMap, villages: VillageResolver, today: datetime.date) -> None:
        self.cols = cols
        self.villages = villages
        self.today = today
        self.index = cols.index
        self.positions = [(f, i) for f, i in cols.index.items() if f != "id_number"]
        self._line_cache: dict[int, Decimal | None] = {}
        year = today.year
        # The checks of the coded columns, each a function of the row's texts alone: parse calls
        # them per row, columnar.ColumnChecker once per distinct value of the column.
        self.coded: dict[str, Callable[[dict[str, str]], Any]] = {
            "status": lambda t: self._choice(t, "status", Status.NOT_EXITED),
            "household_type": lambda t: self._choice(t, "household_type", HouseholdType.GENERAL),
            "main_cause": lambda t: self._choice(t, "main_cause"),
            "secondary_causes": self._secondary,
            "relation": lambda t: self._choice(t, "relation"),
            "education": lambda t: self._choice(t, "education", ""),
            "school_status": lambda t: self._choice(t, "school_status", SchoolStatus.NONE),
            "health": lambda t: self._choice(t, "health", Health.HEALTHY),
            "labour_skill": lambda t: self._choice(t, "labour_skill", LabourSkill.ORDINARY),
            "migrant_status": lambda t: self._choice(t, "migrant_status", MigrantStatus.NONE),
            "migrant_months": lambda t: self._int(t, "migrant_months", 0, 12) or 0,
            "exit_year": lambda t: self._int(t, "exit_year", 2013, year),
            "identified_year": lambda t: self._int(t, "identified_year", 2013, year),
            "income_year": lambda t: self._int(t, "income_year", 2013, year),
            "size": lambda t: self._int(t, "size", 1, 30),
            "dangerous_house": lambda t: self._flag(t, "dangerous_house"),
            "water_secure": lambda t: self._flag(t, "water_secure", default=True),
            "water_difficulty": lambda t: self._flag(t, "water_difficulty"),
            "medical_insurance": lambda t: self._flag(t, "medical_insurance", default=True),
        }

    def _line(self, year: int) -> Decimal | None:
        if year not in self._line_cache:
            self._line_cache[year] = poverty_line(year)
        return self._line_cache[year]

    def _texts(self, cells: list[Any]) -> dict[str, str]:
        """Every mapped cell of the row as clean text."""
        n = len(cells)
        return {field: clean_cell(cells[i] if i < n else None) for field, i in self.positions}

    def _name(self, field: str) -> str:
        return self.cols.names.get(field, field)

    def _choice(self, t: dict[str, str], field: str, default: str | None = None) -> str:
        text = t.get(field, "")
        if not text:
            if default is None:
                raise RowError(self._name(field), "不能为空")
            return default
        value = LABELS[field].get(text)
        if value is None:
            allowed = "、".join(list(LABELS[field])[:8])
            raise RowError(self._name(field), f"“{text}”不是可用的值（可用：{allowed}…）")
        return value

    def _flag(self, t: dict[str, str], field: str, default: bool = False) -> bool:
        if field not in t:
            return default
        text = t[field].lower()
        if text in YES:
            return True
        if text in NO:
            return False
        raise RowError(self._name(field), f"“{text}”应为“是”或“否”")

    def _int(self, t: dict[str, str], field: str, low: int, high: int) -> int | None:
        text = t.get(field, "")
        if not text:
            return None
        try:
            value = int(text) if text.isdigit() else int(Decimal(text))
        except (InvalidOperation, ValueError):
            raise RowError(self._name(field), f"“{text}”不是整数") from None
        if not low <= value <= high:
            raise RowError(self._name(field), f"{value} 超出范围 {low}–{high}")
        return value

    def _id(self, cells: list[Any], t: dict[str, str]) -> tuple[str, datetime.date, str, str]:
        """(number, birth date, sex, kind) of a valid ID, or RowError with check_id's message."""
        i = self.index["id_number"]
        raw = cells[i] if i < len(cells) else None
        if raw.__class__ is str:
            quick = idnumbers.quick_resident(raw.strip(STRIP), self.today)
            if quick is not None:
                return (*quick, "resident")
        check = idnumbers.check_id(
            raw, allow_disability_card=t.get("id_kind") == "残疾人证", today=self.today
        )
        if not check.ok:
            raise RowError(self._name("id_number"), check.message)
        assert check.birth_date is not None and check.sex is not None
        return check.normalised, check.birth_date, check.sex, str(check.kind)

    def parse(self, cells: list[Any]) -> dict[str, Any]:
        t = self._texts(cells)
        number = t["household_number"]
        if not number:
            raise RowError(self._name("household_number"), "不能为空")
        if len(number) > 30:
            raise RowError(self._name("household_number"), "户编号超过 30 个字符")
        name = t["name"]
        if not name:
            raise RowError(self._name("name"), "不能为空")
        village = self._village(t)
        id_number, birth, sex, id_kind = self._id(cells, t)
        coded = {field: check(t) for field, check in self.coded.items()}
        status = coded["status"]
        exit_year = coded["exit_year"]
        if status == Status.EXITED and exit_year is None and "exit_year" in t:
            raise RowError(self._name("exit_year"), "已脱贫户须填写脱贫年度")
        income = self._amount(t, "income", -100000, 1000000)
        sources = {f: self._amount(t, f, 0, 10000000) for f in INCOME_SOURCES}
        income_year = coded["income_year"]
        if income_year is None and any(v is not None for v in sources.values()):
            raise RowError(self._name("income_year"), "填写了分项收入时须填写收入年度")
        school = coded["school_status"]
        # School age as of the year the data speaks of: the exit year for an exited household
        # (a child born in 2019 was not of school age when the household left in 2020).
        as_of = datetime.date(exit_year, 12, 31) if exit_year else self.today
        age = _age(birth, min(as_of, self.today))
        if "food_clothing_secure" in t:
            food = self._flag(t, "food_clothing_secure")
        else:
            # The national layout has no such column: above the line of the year, enough food
            # and clothing is taken as met.
            line = self._line(exit_year or self.today.year)
            food = income is not None and line is not None and income > line
        phone = self._phone(t, "phone")
        helper_phone = self._phone(t, "helper_phone")
        # The fields of columnar.SCHEMA (all but the row number).
        return {
            "household_number": number,
            "village_id": village,
            "natural_village": t.get("natural_village", "")[:100],
            **coded,
            "income": None if income is None else str(income),
            **{f: None if v is None else str(v) for f, v in sources.items()},
            "food_clothing_secure": food,
            "phone": phone,
            "helper_name": t.get("helper_name", "")[:50],
            "helper_unit": t.get("helper_unit", "")[:100],
            "helper_phone": helper_phone,
            "person_number": t.get("person_number", "")[:30],
            "name": name[:50],
            "id_kind": id_kind,
            "id_hash": crypto.keyed_hash(id_number),
            "id_enc": crypto.encrypt(id_number),
            "id_masked": idnumbers.mask(id_number),
            "sex": sex,
            "birth_date": birth,
            "ethnicity": t.get("ethnicity", "")[:20],
            "school_age_out": 6 <= age <= 15 and school == SchoolStatus.NONE,
        }

    def _amount(self, t: dict[str, str], field: str, low: int, high: int) -> Decimal | None:
        """An amount in yuan with cents, within [low, high], or None for an empty cell."""
        text = t.get(field, "")
        if not text:
            return None
        try:
            amount = Decimal(text).quantize(Decimal("0.01"))
        except InvalidOperation:
            raise RowError(self._name(field), f"“{text}”不是金额") from None
        if not Decimal(low) <= amount <= Decimal(high):
            raise RowError(self._name(field), f"{self._name(field)} {amount} 元不合理")
        return amount

    def _phone(self, t: dict[str, str], field: str) -> str:
        phone = t.get(field, "")
        if phone:
            digits = phone.replace("-", "")
            if not (codes.is_digits(digits) and 7 <= len(digits) <= 20):
                raise RowError(self._name(field), f"“{phone}”不是电话号码")
        return phone

    def _village(self, t: dict[str, str]) -> str:
        code = t.get("village_code", "")
        if code:
            if not (codes.is_digits(code) and len(code) == 12):
                raise RowError(self._name("village_code"), f"“{code}”不是 12 位村级区划代码")
            found = self.villages.by_code(code)
            if found is None:
                raise RowError(
                    self._name("village_code"), f"村代码 {code} 不存在，或不在您的权限范围内"
                )
            return found
        if "village" not in self.index:
            raise RowError(self._name("village_code"), "不能为空")
        county, township, village = (t.get(f, "") for f in ("county", "township", "village"))
        if not (county and township and village):
            raise RowError("县/乡/行政村", "县、乡、行政村都必须填写")
        try:
            found_code = self.villages.by_names(county, township, village)
        except ValueError as exc:
            raise RowError(self._name("county"), str(exc)) from None
        if found_code is None:
            raise RowError(self._name("village"), f"{county}{township}没有名为“{village}”的行政村")
        return found_code

    def _secondary(self, t: dict[str, str]) -> str:
        text = t.get("secondary_causes", "")
        if not text:
            return "[]"
        parts = [p for p in text.replace("、", ",").replace("，", ",").split(",") if p]
        values = []
        for part in parts:
            value = LABELS["main_cause"].get(part.strip())
            if value is None:
                raise RowError(self._name("secondary_causes"), f"“{part}”不是致贫原因")
            values.append(value)
        if len(values) > 2:
            raise RowError(self._name("secondary_causes"), "次要致贫原因最多两项")
        return json.dumps(values)
