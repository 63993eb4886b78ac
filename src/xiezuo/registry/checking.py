"""Checking a registry file: every row a column at a time into the batch's staging file (its
doubtful rows by the rule book), then the checks across rows and against the registry in
DuckDB and SQL. Every problem becomes an issue with its row, column and reason; nothing reaches
the registry here."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

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
from xiezuo.registry import columnar, services
from xiezuo.registry.models import Household, Member
from xiezuo.registry.rows import RowError, RowParser, VillageResolver
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
    try:
        with paused_gc():
            try:
                rows, errors = _check_chunks(
                    batch, checker, columnar.csv_chunks(path, table, cols), progress
                )
            except columnar.Irregular:
                # Blank lines, ragged rows or cells over several lines: the fast reader cannot
                # number the rows as Excel does, so read the file row by row instead.
                _clear(batch)
                table = open_table(path, known_headers=set(COLUMNS), original_name=batch.filename)
                rows, errors = _check_chunks(
                    batch, checker, columnar.row_chunks(table, cols, CHUNK_ROWS), progress
                )
    except UserError as exc:  # the file breaks off half way (truncated, bad encoding)
        return _fail(batch, exc)
    if rows == 0:
        ImportIssue.objects.create(batch=batch, row=table.header_row, message="表头以下没有数据")
        errors = 1
    with staging.duck() as duck:
        found, existing = _cross_row_checks(batch, duck, user)
        errors += found
        summary = _preview_summary(batch, duck, existing)
    return batch_update(
        batch,
        state=ImportBatch.State.PARSED,
        rows_read=rows,
        rows_with_errors=errors,
        progress=100,
        summary=summary,
        message=f"共 {rows} 行，{errors} 处问题" if errors else f"共 {rows} 行，检查通过",
    )


def _clear(batch: ImportBatch) -> None:
    ImportIssue.objects.filter(batch=batch).delete()
    staging.checked_path(batch).unlink(missing_ok=True)


def _fail(batch: ImportBatch, exc: UserError) -> ImportBatch:
    """The file itself is unusable: drop what was staged and say why, as the batch's one issue."""
    staging.checked_path(batch).unlink(missing_ok=True)
    return batch_fail(batch, exc)


def _cross_row_checks(batch: ImportBatch, duck: Any, user: User | None) -> tuple[int, int]:
    """Checks that need more than one row, run by DuckDB over the staging file; with the number
    of the batch's households the registry already has."""
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
            )
        )
    elsewhere, existing = _against_registry(batch, duck, user)
    issues += elsewhere
    # One pass over the households for both of their checks: one head each, and the household's
    # attributes the same on every member row. MIN <> MAX rather than COUNT(DISTINCT): the same
    # verdict (neither counts NULLs), in constant memory per household.
    found = staging.grouped(
        duck,
        batch,
        "household_number",
        "SELECT * FROM (SELECT household_number, MIN(row) AS first_row, "
        "SUM(CASE WHEN relation = 'head' THEN 1 ELSE 0 END) AS heads, "
        "MIN(village_id) <> MAX(village_id) OR MIN(status) <> MAX(status) "
        "OR MIN(main_cause) <> MAX(main_cause) OR MIN(household_type) <> MAX(household_type) "
        "OR MIN(exit_year) <> MAX(exit_year) AS mixed FROM {staged} GROUP BY household_number) "
        "WHERE heads <> 1 OR mixed ORDER BY first_row LIMIT 10000",
        first=1,
    )
    for number, row, heads, mixed in found:
        if heads != 1:
            message = f"户 {number} 没有户主" if heads == 0 else f"户 {number} 有 {heads} 个户主"
            issues.append(ImportIssue(batch=batch, row=row, column="与户主关系", message=message))
        if mixed:
            message = f"户 {number} 各成员行的村、脱贫属性、脱贫年度、贫困户属性或致贫原因不一致"
            issues.append(ImportIssue(batch=batch, row=row, column="户编号", message=message))
    ImportIssue.objects.bulk_create(issues)
    return len(issues), existing


# The same words whether the number is registered elsewhere or not: a refusal is no oracle.
OUTSIDE_HOUSEHOLD = "户编号 {number} 不属于您管辖范围内的村，不能由您导入"
OUTSIDE_MEMBER = "该证件号码不能登记在本户：须由上级协作办核实（已提交核实）"


def _against_registry(
    batch: ImportBatch, duck: Any, user: User | None
) -> tuple[list[ImportIssue], int]:
    """What the registry already holds of the batch, as issues: households and people of
    another region's (refused in neutral words, and put before the office above both), members
    registered in another household, status changes the transition table forbids; and how many
    of the batch's households exist (for the preview). The batch's keys go into temporary
    tables, so the database answers with joins."""
    refused = _foreign_prefixes(duck, batch, user)
    if not Household.objects.exists():
        return _on_every_row(duck, batch, refused), 0
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
            issues.append(ImportIssue(batch=batch, row=row, column="证件号码", message=message))
        cursor.execute(
            f"SELECT COUNT(*) FROM _batch_households k JOIN {household} h "
            "ON h.number = k.household_number"
        )
        existing = int(cursor.fetchone()[0])
        cursor.execute("DROP TABLE _batch_keys")
        cursor.execute("DROP TABLE _batch_households")
    issues += _on_every_row(duck, batch, refused, column="户编号")
    issues += _on_every_row(duck, batch, status_problems, column="脱贫属性")
    if conflicts:
        services.conflicts_raise(actor=user, batch=batch, conflicts=conflicts)
    return issues, existing


def _load_keys(cursor: Any, duck: Any, batch: ImportBatch) -> None:
    cursor.execute("DROP TABLE IF EXISTS _batch_keys")
    cursor.execute("DROP TABLE IF EXISTS _batch_households")
    cursor.execute(
        "CREATE TEMPORARY TABLE _batch_keys (id_hash varchar(32), household_number "
        "varchar(30), row integer)"
    )
    cursor.execute(
        "CREATE TEMPORARY TABLE _batch_households (household_number varchar(30), "
        "village_id varchar(12), status varchar(12), row integer)"
    )
    for part in staging.parts(duck, batch, "household_number"):
        staging.load_query(
            cursor,
            "_batch_keys",
            ["id_hash", "household_number", "row"],
            duck,
            f"SELECT id_hash, household_number, MIN(row) FROM {part} "
            "GROUP BY id_hash, household_number",
        )
        staging.load_query(
            cursor,
            "_batch_households",
            ["household_number", "village_id", "status", "row"],
            duck,
            f"SELECT household_number, MIN(village_id), MIN(status), MIN(row) FROM {part} "
            "GROUP BY household_number",
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
    duck: Any, batch: ImportBatch, messages: dict[str, str], column: str = "户编号"
) -> list[ImportIssue]:
    """A household's problem named on each of its rows: the user fixes rows, not households."""
    if not messages:
        return []
    rows = duck.execute(
        f"SELECT row, household_number FROM {staging.relation(batch)} "
        "WHERE list_contains(?, household_number) ORDER BY row LIMIT 10000",
        [list(messages)],
    ).fetchall()
    return [
        ImportIssue(batch=batch, row=row, column=column, message=messages[number][:300])
        for row, number in rows
    ]


def _preview_summary(batch: ImportBatch, duck: Any, existing: int) -> dict[str, Any]:
    ((members, households),) = duck.execute(
        f"SELECT COUNT(*), COUNT(DISTINCT household_number) FROM {staging.relation(batch)}"
    ).fetchall()
    return {
        "members": members,
        "households": households,
        "new_households": households - existing,
        "updated_households": existing,
    }


def _check_chunks(
    batch: ImportBatch,
    checker: columnar.ColumnChecker,
    chunks: Iterator[columnar.Chunk],
    progress: Progress,
) -> tuple[int, int]:
    """Each chunk checked a column at a time; its doubtful rows one by one by RowParser, which
    accepts them or names their problem. Accepted rows go to the staging file."""
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
                except RowError as exc:
                    errors += 1
                    issues.append(
                        ImportIssue(
                            batch=batch,
                            row=number,
                            column=exc.column[:50],
                            message=exc.message[:300],
                        )
                    )
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
