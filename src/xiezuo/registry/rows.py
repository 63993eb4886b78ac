"""The rule book of one registry row: `RowParser` turns a row's cells into checked values or
says, in words a village clerk can act on, everything that is wrong; `VillageResolver`
(regions.villages) finds the village a row means."""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from xiezuo.core import crypto
from xiezuo.imports.readers import STRIP, clean_cell, clean_text
from xiezuo.regions import codes
from xiezuo.regions.villages import VillageProblem, VillageResolver
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
from xiezuo.registry.vocabulary import (
    COLUMNS,
    INCOME_SOURCES,
    LABELS,
    NO,
    OFFICIAL,
    YES,
    ColumnMap,
    fold,
)

__all__ = ["RowError", "RowErrors", "RowParser", "VillageResolver"]


class RowError(Exception):
    """One problem of a row: the column (as the file names it), the value as the user typed it,
    and what is wrong."""

    def __init__(self, column: str, message: str, value: str = "") -> None:
        super().__init__(message)
        self.column = column
        self.message = message
        self.value = value


class RowErrors(RowError):
    """Every problem of a row at once (a row with three faults is fixed in one round), with what
    could still be read of it: the household checks count a refused row too (a head whose ID
    number is refused is still the head)."""

    def __init__(self, problems: list[RowError], partial: dict[str, Any]) -> None:
        super().__init__(problems[0].column, "；".join(p.message for p in problems))
        self.problems = problems
        self.partial = partial


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
        # The row's cells as typed (trimmed only), for the messages of parse: a value is shown
        # as the user wrote it, full-width brackets and all. Empty on the columnar path, which
        # never words a message.
        self._typed: dict[str, str] = {}
        year = today.year
        # The checks of the coded columns, each a function of the row's texts alone: parse calls
        # them per row, columnar.ColumnChecker once per distinct value of the column.
        self.coded: dict[str, Callable[[dict[str, str]], Any]] = {
            "status": lambda t: self._choice(t, "status", Status.NOT_EXITED),
            "household_type": lambda t: self._choice(t, "household_type", HouseholdType.GENERAL),
            "standard": lambda t: self._choice(t, "standard", ""),
            "main_cause": lambda t: self._choice(t, "main_cause"),
            "secondary_causes": self._secondary,
            "relation": lambda t: self._choice(t, "relation"),
            "ethnicity": lambda t: self._choice(t, "ethnicity", ""),
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
        value = LABELS[field].get(text) or LABELS[field].get(fold(text).lower())
        if value is None:
            typed = self._typed.get(field, text)
            allowed = "、".join(OFFICIAL.get(field, []))
            raise RowError(
                self._name(field),
                f"“{typed}”不是{self._name(field)}的可用值（可用：{allowed}）",
                typed,
            )
        return value

    def _flag(self, t: dict[str, str], field: str, default: bool = False) -> bool:
        if field not in t:
            return default
        text = t[field].lower()
        if text in YES:
            return True
        if text in NO:
            return False
        raise RowError(self._name(field), f"“{self._typed.get(field, text)}”应为“是”或“否”", text)

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
        """The row's values, or RowErrors naming every problem of the row."""
        t = self._texts(cells)
        n = len(cells)
        self._typed = {f: clean_text(cells[i] if i < n else None) for f, i in self.index.items()}
        problems: list[RowError] = []

        def check(fn: Callable[..., Any], *args: Any) -> Any:
            try:
                return fn(*args)
            except RowError as exc:
                if not exc.value:
                    exc.value = self._typed.get(_FIELD_OF.get(exc.column, ""), "")
                problems.append(exc)
                return _FAILED

        number = t["household_number"]
        if not number:
            problems.append(RowError(self._name("household_number"), "不能为空"))
        elif len(number) > 30:
            problems.append(
                RowError(self._name("household_number"), "户编号超过 30 个字符", number)
            )
        name = t["name"]
        if not name:
            problems.append(RowError(self._name("name"), "不能为空"))
        village = check(self._village, t)
        ident = check(self._id, cells, t)
        coded = {field: check(fn, t) for field, fn in self.coded.items()}
        status, exit_year = coded["status"], coded["exit_year"]
        if status == Status.EXITED and exit_year is None and "exit_year" in t:
            problems.append(RowError(self._name("exit_year"), "已脱贫户须填写脱贫年度"))
        income = check(self._amount, t, "income", -100000, 1000000)
        sources = {f: check(self._amount, t, f, 0, 10000000) for f in INCOME_SOURCES}
        income_year = coded["income_year"]
        if income_year is None and any(v not in (None, _FAILED) for v in sources.values()):
            problems.append(RowError(self._name("income_year"), "填写了分项收入时须填写收入年度"))
        if "food_clothing_secure" in t:
            food = check(self._flag, t, "food_clothing_secure")
        else:
            # The national layout has no such column: above the line of the year, enough food
            # and clothing is taken as met.
            year = exit_year if isinstance(exit_year, int) else None
            line = self._line(year or self.today.year)
            food = isinstance(income, Decimal) and line is not None and income > line
        phone = check(self._phone, t, "phone")
        helper_phone = check(self._phone, t, "helper_phone")
        if problems:
            relation = coded["relation"]
            raise RowErrors(
                problems,
                {
                    "household_number": number,
                    # None: the relation itself is refused, so the row may be the head.
                    "relation": None if relation is _FAILED else relation,
                    "size": coded["size"] if isinstance(coded["size"], int) else None,
                },
            )
        village_id, village_rule = village
        id_number, birth, sex, id_kind = ident
        school = coded["school_status"]
        # School age as of the year the data speaks of: the exit year for an exited household
        # (a child born in 2019 was not of school age when the household left in 2020).
        as_of = datetime.date(exit_year, 12, 31) if exit_year else self.today
        age = _age(birth, min(as_of, self.today))
        # The fields of columnar.SCHEMA (all but the row number).
        return {
            "household_number": number,
            "village_id": village_id,
            "village_rule": village_rule,
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

    def _village(self, t: dict[str, str]) -> tuple[str, str]:
        """(village code, the rule that found it): see regions.villages."""
        try:
            found = self.villages.resolve(
                code=t.get("village_code", ""),
                household_number=t.get("household_number", ""),
                county=t.get("county", ""),
                township=t.get("township", ""),
                village=t.get("village", ""),
            )
        except VillageProblem as exc:
            if exc.column == "names":
                raise RowError("县/乡/行政村", exc.message) from None
            field = exc.column if exc.column in self.index else "village"
            if field not in self.index:
                field = "village_code"
            raise RowError(self._name(field), exc.message, self._typed.get(field, "")) from None
        return found.code, found.rule

    def _secondary(self, t: dict[str, str]) -> str:
        text = t.get("secondary_causes", "")
        if not text:
            return "[]"
        parts = [p for p in text.replace("、", ",").replace("，", ",").split(",") if p]
        values = []
        for part in parts:
            value = LABELS["main_cause"].get(fold(part).lower())
            if value is None:
                allowed = "、".join(OFFICIAL["main_cause"])
                raise RowError(
                    self._name("secondary_causes"),
                    f"“{part.strip()}”不是致贫原因（可用：{allowed}）",
                )
            values.append(value)
        if len(values) > 2:
            raise RowError(self._name("secondary_causes"), "次要致贫原因最多两项")
        return json.dumps(values)


_FAILED: Any = object()  # a check that failed (its problem is recorded), not a value
# Column names of the file back to fields, for the value of a problem.
_FIELD_OF = {name: field for name, field in COLUMNS.items()}
