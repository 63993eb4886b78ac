"""The engine's file interface: UTF-8 CSV with a header, as other systems and the benchmarks
exchange them (see issue 14 and `xiezuo labour match`).

  workers:  worker_id, county, age, skills, min_wage, places, needs_dorm
  postings: posting_id, county, wage, slots, skills, age_min, age_max, dorm
  pairs:    east, west
  output:   worker_id, posting_id, score

Columns may come in any order; extra columns are ignored. A bad file is refused as a whole with
every problem found (up to `MAX_PROBLEMS`), each naming the file, the line and the column: a
matching run on half a file would silently drop people.
"""

from __future__ import annotations

import csv
import functools
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from xiezuo.core.errors import Problem, UserError
from xiezuo.labour.matching import PostingTable, Result, WorkerTable, place_prefix
from xiezuo.paths import PACKAGE_DIR

WORKER_COLUMNS = ("worker_id", "county", "age", "skills", "min_wage", "places", "needs_dorm")
POSTING_COLUMNS = (
    "posting_id", "county", "wage", "slots", "skills", "age_min", "age_max", "dorm"
)  # fmt: skip
PAIR_COLUMNS = ("east", "west")
MATCH_COLUMNS = ("worker_id", "posting_id", "score")
MAX_PROBLEMS = 50
# Working age for placements: from 16 (the Labour Law forbids employing anyone younger) to 60
# (the statutory retirement age of men; women's lower ages are checked where sex is known).
AGE_MIN, AGE_MAX = 16, 60
MINIMUM_WAGE_CSV = PACKAGE_DIR / "labour" / "data" / "minimum_wage.csv"


@functools.cache
def minimum_wages() -> dict[str, int]:
    """Province (2-digit) → monthly minimum wage in yuan (see data/README.md)."""
    with MINIMUM_WAGE_CSV.open(encoding="utf-8", newline="") as handle:
        return {row["province"]: int(row["monthly_yuan"]) for row in csv.DictReader(handle)}


def minimum_wage_problem(county: str, wage: int) -> str:
    """'' when the wage meets the workplace province's minimum, else the reason."""
    floor = minimum_wages().get(county[:2])
    if floor is not None and wage < floor:
        return f"月工资 {wage} 元低于当地最低工资标准 {floor} 元"
    return ""


class _Reader:
    """Rows of one file with the problems found so far; `cell` converts or records."""

    def __init__(self, path: Path, columns: tuple[str, ...], required: tuple[str, ...]) -> None:
        self.name = path.name
        self.path = path
        self.columns = columns
        self.required = required
        self.problems: list[Problem] = []

    def where(self, line: int, column: str) -> str:
        return f"{self.name} 第 {line} 行 {column} 列"

    def add(self, line: int, column: str, message: str) -> None:
        self.problems.append(Problem(message, self.where(line, column)))
        if len(self.problems) >= MAX_PROBLEMS:
            raise self.error()

    def error(self) -> UserError:
        return UserError(f"{self.name} 有错误，未做匹配", self.problems)

    def rows(self) -> Iterator[tuple[int, dict[str, str]]]:
        try:
            handle = self.path.open(encoding="utf-8-sig", newline="")
        except OSError as exc:
            raise UserError(f"无法打开 {self.path}：{exc.strerror}") from exc
        with handle:
            try:
                reader = csv.reader(handle)
                header = next(reader, None)
                if header is None:
                    raise UserError(f"{self.name} 是空文件，应有表头：{'，'.join(self.columns)}")
                names = [h.strip().lower() for h in header]
                missing = [c for c in self.required if c not in names]
                if missing:
                    raise UserError(
                        f"{self.name} 缺少列：{'，'.join(missing)}",
                        [Problem(f"表头应包含 {'，'.join(self.columns)}", f"{self.name} 第 1 行")],
                    )
                index = {c: names.index(c) for c in self.columns if c in names}
                for line, raw in enumerate(reader, start=2):
                    if not any(cell.strip() for cell in raw):
                        continue
                    if len(raw) < len(names):
                        raw = raw + [""] * (len(names) - len(raw))
                    yield line, {c: raw[i].strip() for c, i in index.items()}
            except UnicodeDecodeError as exc:
                raise UserError(f"{self.name} 不是 UTF-8 编码的文本（{exc.reason}）") from exc
            except csv.Error as exc:
                raise UserError(f"{self.name} 不是有效的 CSV：{exc}") from exc

    def integer(self, line: int, row: dict[str, str], column: str, low: int, high: int) -> int:
        text = row.get(column, "")
        try:
            value = int(text)
        except ValueError:
            self.add(line, column, f"“{text}”不是整数" if text else "不能为空")
            return low
        if not low <= value <= high:
            self.add(line, column, f"{value} 超出允许范围 {low}–{high}")
        return value

    def flag(self, line: int, row: dict[str, str], column: str) -> bool:
        text = row.get(column, "") or "0"
        if text not in ("0", "1"):
            self.add(line, column, f"“{text}”应为 0 或 1")
        return text == "1"

    def county(self, line: int, row: dict[str, str], column: str = "county") -> int:
        text = row.get(column, "")
        # A prefecture-level city without counties (东莞 441900, 中山 442000, 嘉峪关 620200) is
        # a county-level unit in its own right; only a province code cannot be a county.
        if len(text) != 6 or not text.isdigit() or text.endswith("0000"):
            self.add(line, column, f"“{text}”不是 6 位县级（或不设区县的地级市）行政区划代码")
            return 0
        return int(text)

    def codes(
        self, line: int, column: str, text: str, check: Callable[[str], str]
    ) -> tuple[str, ...]:
        out = []
        for part in text.split(";"):
            part = part.strip()
            if not part:
                continue
            try:
                out.append(check(part))
            except ValueError as exc:
                self.add(line, column, str(exc))
        return tuple(out)

    def unique(self, line: int, column: str, value: str, seen: set[str]) -> None:
        if not value:
            self.add(line, column, "编号不能为空")
        elif value in seen:
            self.add(line, column, f"编号“{value}”重复")
        seen.add(value)


def _skill(code: str) -> str:
    if any(c.isspace() for c in code) or len(code) > 40:
        raise ValueError(f"技能代码“{code}”无效")
    return code


def read_workers(path: Path) -> WorkerTable:
    reader = _Reader(path, WORKER_COLUMNS, ("worker_id", "county", "age", "min_wage"))
    ids: list[str] = []
    county, age, low, dorm = [], [], [], []
    skills: list[tuple[str, ...]] = []
    places: list[tuple[str, ...]] = []
    interned: dict[tuple[str, ...], tuple[str, ...]] = {}
    seen: set[str] = set()
    for line, row in reader.rows():
        wid = row.get("worker_id", "")
        reader.unique(line, "worker_id", wid, seen)
        ids.append(wid)
        county.append(reader.county(line, row))
        a = reader.integer(line, row, "age", -1, 200)
        if a < AGE_MIN:
            reader.add(line, "age", f"{a} 岁未满 {AGE_MIN} 周岁，不得安排务工")
        elif a > AGE_MAX:
            reader.add(line, "age", f"{a} 岁已超过退休年龄 {AGE_MAX} 周岁")
        age.append(a)
        low.append(reader.integer(line, row, "min_wage", 0, 1_000_000))
        dorm.append(reader.flag(line, row, "needs_dorm"))
        s = reader.codes(line, "skills", row.get("skills", ""), _skill)
        p = reader.codes(line, "places", row.get("places", ""), place_prefix)
        skills.append(interned.setdefault(s, s))
        places.append(interned.setdefault(p, p))
    if reader.problems:
        raise reader.error()
    return WorkerTable(
        ids=ids,
        county=np.array(county, dtype=np.int64),
        age=np.array(age, dtype=np.int64),
        min_wage=np.array(low, dtype=np.int64),
        needs_dorm=np.array(dorm, dtype=bool),
        skills=skills,
        places=places,
    )


def read_postings(path: Path) -> PostingTable:
    reader = _Reader(path, POSTING_COLUMNS, ("posting_id", "county", "wage", "slots"))
    ids: list[str] = []
    county, wage, slots, amin, amax, dorm = [], [], [], [], [], []
    skills: list[tuple[str, ...]] = []
    interned: dict[tuple[str, ...], tuple[str, ...]] = {}
    seen: set[str] = set()
    for line, row in reader.rows():
        pid = row.get("posting_id", "")
        reader.unique(line, "posting_id", pid, seen)
        ids.append(pid)
        c = reader.county(line, row)
        county.append(c)
        w = reader.integer(line, row, "wage", 1, 1_000_000)
        if c and (why := minimum_wage_problem(f"{c:06d}", w)):
            reader.add(line, "wage", why)
        wage.append(w)
        n = reader.integer(line, row, "slots", 0, 1_000_000)
        if n == 0:
            reader.add(line, "slots", "岗位名额为 0：没有可安排的名额")
        slots.append(n)
        lo = (
            reader.integer(line, row, "age_min", AGE_MIN, AGE_MAX)
            if row.get("age_min")
            else AGE_MIN
        )
        hi = (
            reader.integer(line, row, "age_max", AGE_MIN, AGE_MAX)
            if row.get("age_max")
            else AGE_MAX
        )
        if lo > hi:
            reader.add(line, "age_max", f"年龄上限 {hi} 小于下限 {lo}")
        amin.append(lo)
        amax.append(hi)
        dorm.append(reader.flag(line, row, "dorm"))
        s = reader.codes(line, "skills", row.get("skills", ""), _skill)
        skills.append(interned.setdefault(s, s))
    if reader.problems:
        raise reader.error()
    return PostingTable(
        ids=ids,
        county=np.array(county, dtype=np.int64),
        wage=np.array(wage, dtype=np.int64),
        slots=np.array(slots, dtype=np.int64),
        age_min=np.array(amin, dtype=np.int64),
        age_max=np.array(amax, dtype=np.int64),
        dorm=np.array(dorm, dtype=bool),
        skills=skills,
    )


def read_pairs(path: Path) -> list[tuple[str, str]]:
    reader = _Reader(path, PAIR_COLUMNS, PAIR_COLUMNS)
    out = []
    for line, row in reader.rows():
        codes = []
        for column in PAIR_COLUMNS:
            text = row.get(column, "")
            try:
                place_prefix(text)
            except ValueError as exc:
                reader.add(line, column, str(exc))
            codes.append(text)
        out.append((codes[0], codes[1]))
    if reader.problems:
        raise reader.error()
    return out


def write_matches(path: Path, result: Result) -> int:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(MATCH_COLUMNS)
        n = 0
        for row in result.rows():
            writer.writerow(row)
            n += 1
    return n


def read_matches(path: Path) -> list[tuple[str, str, int]]:
    reader = _Reader(path, MATCH_COLUMNS, MATCH_COLUMNS)
    out = []
    for line, row in reader.rows():
        out.append(
            (row["worker_id"], row["posting_id"], reader.integer(line, row, "score", 0, 10**9))
        )
    if reader.problems:
        raise reader.error()
    return out


def _join(codes: tuple[str, ...]) -> str:
    return ";".join(codes)


def write_workers(path: Path, table: WorkerTable) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(WORKER_COLUMNS)
        for i in range(len(table)):
            writer.writerow(_worker_row(table, i))


def _worker_row(table: WorkerTable, i: int) -> list[Any]:
    return [
        table.ids[i], int(table.county[i]), int(table.age[i]), _join(table.skills[i]),
        int(table.min_wage[i]), _join(table.places[i]), int(table.needs_dorm[i]),
    ]  # fmt: skip


def write_postings(path: Path, table: PostingTable) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(POSTING_COLUMNS)
        for i in range(len(table)):
            writer.writerow([
                table.ids[i], int(table.county[i]), int(table.wage[i]), int(table.slots[i]),
                _join(table.skills[i]), int(table.age_min[i]), int(table.age_max[i]),
                int(table.dorm[i]),
            ])  # fmt: skip


def write_pairs(path: Path, pairs: list[tuple[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(PAIR_COLUMNS)
        writer.writerows(pairs)
