"""Checking a registry file: every row a column at a time into the batch's staging file (its
doubtful rows by the rule book), then the checks across rows and against the registry in
DuckDB and SQL. Every problem becomes an issue with its row, column and reason; nothing reaches
the registry here."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
from django.db import connection, transaction
from django.utils import timezone

from xiezuo.accounts.models import User
from xiezuo.accounts.policy import in_own_subtree, own_prefix
from xiezuo.core.errors import UserError
from xiezuo.imports import staging
from xiezuo.imports.batches import batch_fail, batch_update
from xiezuo.imports.kinds import Progress
from xiezuo.imports.models import ImportBatch, ImportIssue
from xiezuo.imports.readers import open_table
from xiezuo.regions.codes import Level
from xiezuo.regions.models import Region
from xiezuo.registry import columnar, preview, services
from xiezuo.registry.models import Household, Member
from xiezuo.registry.rows import RowError, RowErrors, RowParser, VillageResolver
from xiezuo.registry.services import transition_problem
from xiezuo.registry.vocabulary import COLUMNS, map_columns
from xiezuo.registry.workers import crypto_worker, paused_gc, sealer

CHUNK_ROWS = 65536
ISSUE_ROWS = 5000


def parse_batch(batch: ImportBatch, *, user: Any, progress: Progress | None = None) -> ImportBatch:
    """Check every row of the batch's file into its staging file and record every issue."""
    progress = progress or (lambda pct, msg: None)
    batch_update(batch, state=ImportBatch.State.PARSING, progress=0, message="正在检查")
    _clear(batch)
    path = Path(batch.stored_path)
    try:
        table = open_table(path, known_headers=set(COLUMNS), original_name=batch.filename)
        cols = map_columns(table)
    except UserError as exc:
        return _fail(batch, exc)
    parser = RowParser(cols, VillageResolver(user), timezone.localdate())
    checker = columnar.ColumnChecker(parser)
    refused: list[dict[str, Any]] = []
    try:
        with paused_gc():
            try:
                rows, _problems = _check_chunks(
                    batch, checker, columnar.csv_chunks(path, table, cols), progress, refused
                )
            except columnar.Irregular:
                # Blank lines, ragged rows or cells over several lines: the fast reader cannot
                # number the rows as Excel does, so read the file row by row instead.
                _clear(batch)
                refused.clear()
                table = open_table(path, known_headers=set(COLUMNS), original_name=batch.filename)
                rows, _problems = _check_chunks(
                    batch,
                    checker,
                    columnar.row_chunks(table, cols, CHUNK_ROWS),
                    progress,
                    refused,
                )
    except UserError as exc:  # the file breaks off half way (truncated, bad encoding)
        return _fail(batch, exc)
    if rows == 0:
        ImportIssue.objects.create(batch=batch, row=table.header_row, message="表头以下没有数据")
    with staging.duck() as duck:
        seen = _cross_row_checks(batch, duck, user, refused)
    summary: dict[str, Any] = {"problems": problem_summary(batch), "header_row": table.header_row}
    if not ImportIssue.objects.filter(batch=batch).exists():
        summary.update(seen)
        summary["preview_text"] = preview.lines(summary)
    problems = ImportIssue.objects.filter(batch=batch)
    total = problems.count()
    bad_rows = problems.values("row").distinct().count()
    return batch_update(
        batch,
        state=ImportBatch.State.PARSED,
        rows_read=rows,
        rows_with_errors=bad_rows,
        progress=100,
        summary=summary,
        message=f"共 {rows} 行，其中 {bad_rows} 行有问题（共 {total} 处）"
        if total
        else f"共 {rows} 行，检查通过",
    )


def problem_summary(batch: ImportBatch) -> list[dict[str, Any]]:
    """The batch's problems by kind: a row problem counted per row, a household's once per
    household (it is named on each of its rows)."""
    counts: dict[str, list[int]] = {}
    for kind, household in ImportIssue.objects.filter(batch=batch).values_list("kind", "household"):
        entry = counts.setdefault(kind or "其他", [0, 0])
        entry[0] += 1
        entry[1] += 0 if household else 1
    households: dict[str, set[str]] = {}
    for kind, household in (
        ImportIssue.objects.filter(batch=batch)
        .exclude(household="")
        .values_list("kind", "household")
        .distinct()
    ):
        households.setdefault(kind, set()).add(household)
    out = []
    for kind, (issues, _rows) in sorted(counts.items(), key=lambda kv: -kv[1][0]):
        if kind in households:
            out.append({"kind": kind, "count": len(households[kind]), "unit": "户", "rows": issues})
        else:
            out.append({"kind": kind, "count": issues, "unit": "处", "rows": issues})
    return out


def _clear(batch: ImportBatch) -> None:
    ImportIssue.objects.filter(batch=batch).delete()
    staging.checked_path(batch).unlink(missing_ok=True)


def _fail(batch: ImportBatch, exc: UserError) -> ImportBatch:
    """The file itself is unusable: drop what was staged and say why, as the batch's one issue."""
    staging.checked_path(batch).unlink(missing_ok=True)
    return batch_fail(batch, exc)


def _cross_row_checks(
    batch: ImportBatch, duck: Any, user: User | None, refused: list[dict[str, Any]]
) -> dict[str, Any]:
    """Checks that need more than one row, run by DuckDB over the staging file (and the rows
    refused row by row, which still count as members of their household); returns the
    preview."""
    issues: list[ImportIssue] = []
    found = staging.grouped(
        duck,
        batch,
        "id_hash",
        "SELECT MIN(row), MAX(row), COUNT(*) FROM {staged} "
        "GROUP BY id_hash HAVING COUNT(*) > 1 ORDER BY MIN(row) LIMIT 10000",
        first=0,
    )
    for first, last, n in found:
        issues.append(
            ImportIssue(
                batch=batch,
                row=last,
                column="证件号码",
                message=f"证件号码与第 {first} 行相同（共 {n} 人使用同一号码）",
                kind="证件号码重复",
            )
        )
    elsewhere, existing = _against_registry(batch, duck, user)
    issues += elsewhere
    issues += _household_checks(batch, duck, refused)
    ImportIssue.objects.bulk_create(issues)
    return existing


HEAD_COLUMN, SIZE_COLUMN, NUMBER_COLUMN = "与户主关系", "人数", "户编号"
# One pass over the households for their checks: one head each, 人数 equal to the member rows,
# the household's attributes the same on every member row. MIN <> MAX rather than
# COUNT(DISTINCT): the same verdict (neither counts NULLs), in constant memory per household.
# `unknown` counts refused rows whose relation could not be read: such a row may be the head.
HOUSEHOLD_CHECK = (
    "SELECT * FROM (SELECT household_number, MIN(row) AS first_row, "
    "SUM(CASE WHEN relation = 'head' THEN 1 ELSE 0 END) AS heads, "
    "SUM(CASE WHEN relation IS NULL THEN 1 ELSE 0 END) AS unknown, "
    "COUNT(*) AS members, MIN(size) AS low, MAX(size) AS high, "
    "MIN(village_id) <> MAX(village_id) OR MIN(status) <> MAX(status) "
    "OR MIN(main_cause) <> MAX(main_cause) OR MIN(household_type) <> MAX(household_type) "
    "OR MIN(standard) <> MAX(standard) "
    "OR MIN(exit_year) <> MAX(exit_year) AS mixed FROM ({rows}) GROUP BY household_number) "
    "WHERE (heads <> 1 AND NOT (heads = 0 AND unknown > 0)) OR mixed "
    "OR low <> high OR high <> members ORDER BY first_row LIMIT 10000"
)
_STAGED_COLUMNS = (
    "household_number, row, relation, size, village_id, status, main_cause, household_type, "
    "standard, exit_year"
)
_REFUSED = pa.schema(
    [
        ("household_number", pa.string()),
        ("row", pa.int64()),
        ("relation", pa.string()),
        ("size", pa.int32()),
    ]
)


def _household_checks(
    batch: ImportBatch, duck: Any, refused: list[dict[str, Any]]
) -> list[ImportIssue]:
    """A household's problems, each named on every row of the household (the user fixes rows)
    and marked with the household, so that the summary counts it once."""
    refused = [r for r in refused if r.get("household_number")]
    staged = f"SELECT {_STAGED_COLUMNS} FROM {{staged}}"
    if refused:
        duck.register("refused_rows", pa.Table.from_pylist(refused, schema=_REFUSED))
        # A refused row joins the partition its household's staged rows are in; households of
        # refused rows only are checked on their own below.
        staged += (
            " UNION ALL SELECT household_number, row, relation, size, NULL, NULL, NULL, NULL, "
            "NULL, NULL FROM refused_rows WHERE household_number IN "
            "(SELECT household_number FROM {staged})"
        )
    found = staging.grouped(
        duck, batch, "household_number", HOUSEHOLD_CHECK.format(rows=staged), first=1
    )
    if refused:
        alone = (
            "SELECT household_number, row, relation, size, NULL AS village_id, NULL AS status, "
            "NULL AS main_cause, NULL AS household_type, NULL AS standard, NULL AS exit_year "
            "FROM refused_rows "
            f"WHERE household_number NOT IN (SELECT household_number FROM "
            f"{staging.relation(batch)})"
        )
        found += duck.execute(HOUSEHOLD_CHECK.format(rows=alone)).fetchall()
    problems: dict[str, list[tuple[str, str, str]]] = {}
    for number, _row, heads, _unknown, members, low, high, mixed in found:
        listed = problems.setdefault(number, [])
        if heads == 0 and not _unknown:
            listed.append((HEAD_COLUMN, f"户 {number} 没有户主", "没有户主"))
        elif heads > 1:
            listed.append((HEAD_COLUMN, f"户 {number} 有 {heads} 个户主", "户主多于一个"))
        if low is not None and low != high:
            listed.append(
                (SIZE_COLUMN, f"户 {number} 各成员行的人数不同（{low}–{high}）", "人数不一致")
            )
        elif high is not None and high != members:
            listed.append(
                (
                    SIZE_COLUMN,
                    f"户 {number} 人数为 {high}，但文件中有 {members} 行该户成员",
                    "人数与成员行数不符",
                )
            )
        if mixed:
            listed.append(
                (
                    NUMBER_COLUMN,
                    f"户 {number} 各成员行的村、脱贫属性、脱贫年度、贫困户属性、识别标准"
                    "或致贫原因不一致",
                    "户属性不一致",
                )
            )
    problems = {n: p for n, p in problems.items() if p}
    if not problems:
        return []
    rows = _rows_of(duck, batch, list(problems))
    rows += [
        (r["row"], r["household_number"]) for r in refused if r["household_number"] in problems
    ]
    if refused:
        duck.unregister("refused_rows")
    return _issues(batch, sorted(rows), problems)


# The same words whether the number is registered elsewhere or not: a refusal is no oracle.
OUTSIDE_HOUSEHOLD = "户编号 {number} 不属于您管辖范围内的村，不能由您导入"
OUTSIDE_MEMBER = "该证件号码不能登记在本户：须由上级协作办核实（已提交核实）"


def _against_registry(
    batch: ImportBatch, duck: Any, user: User | None
) -> tuple[list[ImportIssue], dict[str, Any]]:
    """What the registry already holds of the batch, as issues: households and people of
    another region's (refused in neutral words, and put before the office above both), members
    registered in another household, status changes the transition table forbids; and the
    preview (what is new, changed or the same). The batch's keys go into temporary
    tables, so the database answers with joins."""
    refused = _foreign_prefixes(duck, batch, user)
    if not Household.objects.exists():
        return _on_every_row(duck, batch, refused), preview.empty_registry(batch, duck)
    member = Member._meta.db_table
    household = Household._meta.db_table
    issues: list[ImportIssue] = []
    conflicts: list[services.Conflict] = []
    with transaction.atomic(), connection.cursor() as cursor:
        _load_keys(cursor, duck, batch)
        cursor.execute(
            f"SELECT k.household_number, k.village_id, k.status, h.id, h.village_id, h.status "
            f"FROM _batch_households k JOIN {household} h ON h.number = k.household_number "
            "WHERE h.village_id <> k.village_id OR h.status <> k.status "
            "ORDER BY k.row LIMIT 10000"
        )
        status_problems: dict[str, str] = {}
        for number, village, status, pk, old_village, old_status in cursor.fetchall():
            if not in_own_subtree(user, old_village):
                refused[number] = OUTSIDE_HOUSEHOLD.format(number=number)
                conflicts.append(services.Conflict("household", number, pk, village))
                continue
            problem = transition_problem(old_status, status)
            if problem:
                status_problems[number] = f"户 {number} 的{problem}"
        cursor.execute(
            f"SELECT k.row, k.household_number, h.number, h.village_id, h.id, m.id, b.village_id "
            f"FROM _batch_keys k JOIN {member} m ON m.id_hash = k.id_hash "
            f"JOIN {household} h ON h.id = m.household_id "
            "JOIN _batch_households b ON b.household_number = k.household_number "
            "WHERE h.number <> k.household_number ORDER BY k.row LIMIT 10000"
        )
        for row, number, other, old_village, pk, member_pk, village in cursor.fetchall():
            if number in refused:
                continue  # one fault, one message: the household itself is refused
            if in_own_subtree(user, old_village):
                message = f"该证件号码已登记在户 {other} 中"
            else:
                message = OUTSIDE_MEMBER
                conflicts.append(services.Conflict("member", number, pk, village, member_pk, row))
            issues.append(
                ImportIssue(
                    batch=batch,
                    row=row,
                    column="证件号码",
                    message=message,
                    kind="证件号码已在别户",
                )
            )
        existing = preview.compare(cursor, household=household, member=member)
        cursor.execute("DROP TABLE _batch_keys")
        cursor.execute("DROP TABLE _batch_households")
    issues += _on_every_row(duck, batch, refused, column="户编号")
    issues += _on_every_row(
        duck, batch, status_problems, column="脱贫属性", kind="脱贫属性变更不允许"
    )
    if conflicts:
        services.conflicts_raise(actor=user, batch=batch, conflicts=conflicts)
    return issues, existing


def _load_keys(cursor: Any, duck: Any, batch: ImportBatch) -> None:
    """The batch's members and households into temporary tables: their keys for the checks
    against the registry, and the fields the preview compares."""
    cursor.execute("DROP TABLE IF EXISTS _batch_keys")
    cursor.execute("DROP TABLE IF EXISTS _batch_households")
    for table, columns in (
        ("_batch_keys", preview.MEMBER_KEYS),
        ("_batch_households", preview.HOUSEHOLD_KEYS),
    ):
        cursor.execute(
            f"CREATE TEMPORARY TABLE {table} ("
            + ", ".join(f"{name} {kind}" for name, kind, _agg in columns)
            + ")"
        )
    members = ", ".join(agg for _n, _k, agg in preview.MEMBER_KEYS)
    households = ", ".join(agg for _n, _k, agg in preview.HOUSEHOLD_KEYS)
    for part in staging.parts(duck, batch, "household_number"):
        staging.load_query(
            cursor,
            "_batch_keys",
            [name for name, _k, _a in preview.MEMBER_KEYS],
            duck,
            # One line per member row, ungrouped: a grouping of every compared column ran out
            # of DuckDB's memory at 1,000,000 rows, and an ID twice in a batch is refused anyway.
            f"SELECT {members} FROM {part}",
        )
        staging.load_query(
            cursor,
            "_batch_households",
            [name for name, _k, _a in preview.HOUSEHOLD_KEYS],
            duck,
            f"SELECT {households} FROM {part} GROUP BY household_number",
        )


def _foreign_prefixes(duck: Any, batch: ImportBatch, user: User | None) -> dict[str, str]:
    """Households whose number begins with the code of a county outside the uploader's own
    subtree: refused whether such a household exists or not."""
    own = own_prefix(user)
    if own is None:
        return {}
    prefixes = [
        p
        for (p,) in duck.execute(
            f"SELECT DISTINCT substr(household_number, 1, 6) FROM {staging.relation(batch)}"
        ).fetchall()
        if p and not (p.startswith(own) or own.startswith(p))
    ]
    foreign = list(
        Region.objects.filter(code__in=prefixes, level=Level.COUNTY).values_list("code", flat=True)
    )
    if not foreign:
        return {}
    numbers = duck.execute(
        f"SELECT DISTINCT household_number FROM {staging.relation(batch)} "
        "WHERE list_contains(?, substr(household_number, 1, 6)) LIMIT 10000",
        [foreign],
    ).fetchall()
    return {n: OUTSIDE_HOUSEHOLD.format(number=n) for (n,) in numbers}


def _on_every_row(
    duck: Any,
    batch: ImportBatch,
    messages: dict[str, str],
    column: str = "户编号",
    kind: str = "户不在管辖范围内",
) -> list[ImportIssue]:
    """A household's problem named on each of its rows: the user fixes rows, not households."""
    if not messages:
        return []
    rows = _rows_of(duck, batch, list(messages))
    return _issues(batch, rows, {n: [(column, m, kind)] for n, m in messages.items()})


# Rows of the households a problem names, at most this many: a file of 100,000 rows whose
# every household is faulty still has each row named.
ROW_LIMIT = 100_000


def _rows_of(duck: Any, batch: ImportBatch, numbers: list[str]) -> list[tuple[int, str]]:
    """(row, household number) of every staged row of these households, in row order."""
    found: list[tuple[int, str]] = duck.execute(
        f"SELECT row, household_number FROM {staging.relation(batch)} "
        f"WHERE list_contains(?, household_number) ORDER BY row LIMIT {ROW_LIMIT}",
        [numbers],
    ).fetchall()
    return found


def _issues(
    batch: ImportBatch,
    rows: list[tuple[int, str]],
    problems: dict[str, list[tuple[str, str, str]]],
) -> list[ImportIssue]:
    """One issue per row and problem of its household: (column, message, kind)."""
    return [
        ImportIssue(
            batch=batch,
            row=row,
            column=column,
            message=message[:300],
            household=number[:30],
            kind=kind,
        )
        for row, number in rows
        for column, message, kind in problems[number]
    ]


def _check_chunks(
    batch: ImportBatch,
    checker: columnar.ColumnChecker,
    chunks: Iterator[columnar.Chunk],
    progress: Progress,
    refused: list[dict[str, Any]],
) -> tuple[int, int]:
    """Each chunk checked a column at a time; its doubtful rows one by one by RowParser, which
    accepts them or names every problem of the row. Accepted rows go to the staging file; what
    can be read of a refused row goes to `refused`, for the household checks."""
    issues: list[ImportIssue] = []
    rows = errors = 0
    # The worker is forked first, before the writer's thread starts: a fork copies no thread,
    # and a lock one held would stay locked in the child for good.
    with (
        crypto_worker() as worker,
        staging.writer(batch, columnar.SCHEMA) as write,
        sealer(worker) as seal,
    ):
        for chunk in chunks:
            checked = checker.check(chunk)
            seal(checked, write)
            rescued: list[dict[str, Any]] = []
            for i in checked.doubtful:
                number = chunk.rows[i].as_py()
                try:
                    values = checker.parser.parse(chunk.cells(i))
                except RowErrors as exc:
                    errors += len(exc.problems)
                    issues += [_issue(batch, number, p) for p in exc.problems]
                    refused.append({"row": number, **exc.partial})
                    continue
                except RowError as exc:
                    errors += 1
                    issues.append(_issue(batch, number, exc))
                    continue
                values["row"] = number
                rescued.append(values)
            if rescued:
                write(columnar.table_of(rescued))
            if len(issues) >= ISSUE_ROWS:
                ImportIssue.objects.bulk_create(issues)
                issues.clear()
            rows += len(chunk.rows)
            pct = min(95, rows * 100 // max(chunk.expected, 1))
            progress(pct, f"已检查 {rows} 行")
            ImportBatch.objects.filter(pk=batch.pk).update(progress=pct)
    ImportIssue.objects.bulk_create(issues)
    return rows, errors


def _issue(batch: ImportBatch, row: int, problem: RowError) -> ImportIssue:
    return ImportIssue(
        batch=batch,
        row=row,
        column=problem.column[:50],
        value=problem.value[:200],
        message=problem.message[:300],
        kind=problem.column[:30],
    )
