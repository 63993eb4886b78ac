"""Writing a checked registry batch: households, incomes, history and members, set-based, in
one transaction — all of it, or (on any error) none of it."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import Executor, Future
from contextlib import nullcontext
from typing import Any

import pyarrow as pa
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from xiezuo.audit.models import AuditEvent
from xiezuo.audit.services import audit_record
from xiezuo.core.errors import UserError
from xiezuo.imports import staging
from xiezuo.imports.batches import batch_update, batch_write_failed
from xiezuo.imports.models import ImportBatch
from xiezuo.registry import columnar
from xiezuo.registry.models import IMPORT_REASON, Household, HouseholdIncome, Member, StatusChange
from xiezuo.registry.vocabulary import INCOME_SOURCES
from xiezuo.registry.workers import crypto_worker


def commit_batch(batch: ImportBatch, *, actor: Any) -> ImportBatch:
    """Write a checked batch into the registry: all of it, or (on any error) none of it."""
    if batch.state not in (ImportBatch.State.PARSED, ImportBatch.State.QUEUED):
        raise UserError(f"该批次状态为“{batch.get_state_display()}”，只有检查完成的批次可以提交")
    if batch.rows_with_errors:
        raise UserError(f"该批次有 {batch.rows_with_errors} 处问题：请修改文件后重新上传")
    if not staging.checked_path(batch).is_file():
        raise UserError("该批次的检查结果已不在：请重新检查后再提交")
    batch_update(batch, state=ImportBatch.State.COMMITTING, progress=0, message="正在写入")
    try:
        with (
            crypto_worker() as worker,
            transaction.atomic(),
            staging.duck() as duck,
            staging.bulk_session(),
        ):
            counts = _commit_sql(batch, actor, duck, worker)
            audit_record(
                actor=actor,
                action=AuditEvent.Action.LOAD,
                obj=batch,
                object_repr=f"建档立卡导入 {batch.filename}"[:200],
                after=counts,
                summary=f"import batch {batch.pk}",
            )
    except Exception as exc:
        batch_write_failed(batch, exc)
        raise
    staging.checked_path(batch).unlink(missing_ok=True)
    said = _commit_message(counts)
    return batch_update(
        batch,
        state=ImportBatch.State.COMMITTED,
        progress=100,
        summary={**counts, "said": said},
        message=said["msgid"] % said["params"],
    )


def _commit_message(counts: dict[str, int]) -> dict[str, Any]:
    """What the batch says it wrote, as a msgid and its numbers: the stored message is its
    Chinese, a page shows it in the reader's language (ImportBatch.shown_message)."""
    members, households = counts["members"], counts["households"]
    if (counts["members_written"], counts["households_written"]) == (members, households):
        msgid = gettext_noop("已写入 %(members)s 人、%(households)s 户")
    else:
        msgid = gettext_noop(
            "共 %(members)s 人、%(households)s 户：写入新增或有变化的 %(households_written)s 户、"
            "%(members_written)s 人，其余与登记库相同"
        )
    params = {
        "members": members,
        "households": households,
        "members_written": counts["members_written"],
        "households_written": counts["households_written"],
    }
    return {"msgid": msgid, "params": params}


# One row per household: the attributes repeat on every member row (checked equal), the exit
# conditions are derived from the members, the phone is the first one given (the head's row
# comes first in the national export), encrypted here once per household.
HOUSEHOLD_COLUMNS = [
    ("number", "varchar(30)"),
    ("village_id", "varchar(12)"),
    ("natural_village", "varchar(100)"),
    ("household_type", "varchar(10)"),
    ("standard", "varchar(12)"),
    ("main_cause", "varchar(12)"),
    ("secondary_causes", "varchar(100)"),
    ("status", "varchar(12)"),
    ("exit_year", "integer"),
    ("identified_year", "integer"),
    ("size", "integer"),
    ("income", "decimal(12, 2)"),
    ("food", "integer"),
    ("education", "integer"),
    ("medical", "integer"),
    ("dangerous", "integer"),
    ("water", "integer"),
    ("water_difficulty", "integer"),
    ("helper_name", "varchar(50)"),
    ("helper_unit", "varchar(100)"),
    ("income_year", "integer"),
    *((source, "decimal(12, 2)") for source in INCOME_SOURCES),
    # What columnar.protect makes of the helper's phone and of the household's, in its order.
    ("helper_phone_hash", "varchar(32)"),
    ("helper_phone_enc", "text"),
    ("phone_hash", "varchar(32)"),
    ("phone_enc", "text"),
]
HOUSEHOLD_SQL = (
    "SELECT household_number, MIN(village_id), MIN(natural_village), MIN(household_type), "
    "MIN(standard), MIN(main_cause), MIN(secondary_causes), MIN(status), MAX(exit_year), "
    "MIN(identified_year), "
    "COALESCE(MAX(size), COUNT(*)), "
    # 人均纯收入 as given, else derived from the year's income by source.
    "COALESCE(MAX(CAST(income AS DECIMAL(12, 2))), CASE WHEN MAX(income_year) IS NOT NULL THEN "
    "ROUND((COALESCE(MAX(CAST(wages AS DECIMAL(12, 2))), 0) "
    "+ COALESCE(MAX(CAST(business AS DECIMAL(12, 2))), 0) "
    "+ COALESCE(MAX(CAST(property_income AS DECIMAL(12, 2))), 0) "
    "+ COALESCE(MAX(CAST(transfers AS DECIMAL(12, 2))), 0) "
    "- COALESCE(MAX(CAST(production_costs AS DECIMAL(12, 2))), 0)) "
    "/ COALESCE(MAX(size), COUNT(*)), 2) END), "
    "MIN(CASE WHEN food_clothing_secure THEN 1 ELSE 0 END), "
    "MIN(CASE WHEN school_age_out THEN 0 ELSE 1 END), "
    "MIN(CASE WHEN medical_insurance THEN 1 ELSE 0 END), "
    "MAX(CASE WHEN dangerous_house THEN 1 ELSE 0 END), "
    "MIN(CASE WHEN water_secure AND NOT water_difficulty THEN 1 ELSE 0 END), "
    "MAX(CASE WHEN water_difficulty THEN 1 ELSE 0 END), MAX(helper_name), MAX(helper_unit), "
    "MAX(income_year), "
    + "".join(f"MAX(CAST({source} AS DECIMAL(12, 2))), " for source in INCOME_SOURCES)
    + "COALESCE(arg_min(helper_phone, row) FILTER (WHERE helper_phone <> ''), ''), "
    "COALESCE(arg_min(phone, row) FILTER (WHERE phone <> ''), '') "
    "FROM {staged} GROUP BY household_number"
)
HOUSEHOLD_INSERT = (
    "INSERT INTO {household} (number, village_id, natural_village, identified_year, "
    "household_type, standard, main_cause, secondary_causes, status, exit_year, size, "
    "per_capita_income, food_clothing_secure, education_secure, medical_secure, "
    "housing_secure, water_secure, dangerous_house, water_difficulty, phone_enc, phone_hash, "
    "helper_name, helper_unit, helper_phone_enc, helper_phone_hash, created_at, updated_at) "
    "SELECT number, village_id, natural_village, identified_year, household_type, standard, "
    "main_cause, {causes}, status, exit_year, size, income, food = 1, "
    "education = 1, medical = 1, dangerous = 0, water = 1, dangerous = 1, "
    "water_difficulty = 1, phone_enc, phone_hash, helper_name, helper_unit, helper_phone_enc, "
    "helper_phone_hash, %s, %s "
    "FROM _staged_household WHERE true"
)
# What a re-import may change of a household found by its number; the phones are compared by
# their keyed hashes, and a number that is the same keeps its ciphertext.
HOUSEHOLD_UPDATED = [
    "village_id",
    "natural_village",
    "household_type",
    "standard",
    "main_cause",
    "secondary_causes",
    "status",
    "exit_year",
    "size",
    "per_capita_income",
    "food_clothing_secure",
    "education_secure",
    "medical_secure",
    "housing_secure",
    "water_secure",
    "dangerous_house",
    "water_difficulty",
    "helper_name",
    "helper_unit",
    "phone_hash",
    "helper_phone_hash",
]


def _household_upsert(household: str) -> str:
    # The stored ciphertext stays when the hashes agree — unless the file has no number and the
    # registry does (a row from before the hash columns has '' for its hash whatever it holds).
    kept = (
        "CASE WHEN {t}.{hash} = excluded.{hash} AND (excluded.{hash} <> '' OR {t}.{enc} = '') "
        "THEN {t}.{enc} ELSE excluded.{enc} END"
    )
    return _upsert_changed(
        household,
        "number",
        HOUSEHOLD_UPDATED,
        derived={
            # A file without the year keeps the one the registry has.
            "identified_year": f"COALESCE(excluded.identified_year, {household}.identified_year)",
            "phone_enc": kept.format(t=household, hash="phone_hash", enc="phone_enc"),
            "helper_phone_enc": kept.format(
                t=household, hash="helper_phone_hash", enc="helper_phone_enc"
            ),
        },
        touched={"updated_at": "excluded.updated_at"},
    )


MEMBER_COLUMNS = [
    "household_number",
    "person_number",
    "name",
    "id_kind",
    "id_hash",
    "id_enc",
    "id_masked",
    "sex",
    "birth_date",
    "relation",
    "ethnicity",
    "education",
    "school_status",
    "health",
    "labour_skill",
    "migrant_status",
    "migrant_months",
    "medical_insurance",
]
MEMBER_TYPES = {"migrant_months": "integer", "birth_date": "date", "medical_insurance": "boolean"}
# What a re-import may change of a member found by ID number. Not id_enc and id_masked: the same
# hash is the same number (its ciphertext differs each time only by its random nonce). A row
# whose values are all the same is left alone — no new row version, no index entries — so
# re-importing an unchanged export costs a lookup per member.
MEMBER_UPDATED = [c for c in MEMBER_COLUMNS[1:] if c not in ("id_hash", "id_enc", "id_masked")]


def _upsert_changed(
    table: str,
    key: str,
    columns: list[str],
    *,
    derived: dict[str, str] | None = None,
    touched: dict[str, str] | None = None,
) -> str:
    """ON CONFLICT clause that updates the existing row only where something differs: `columns`
    from the new row, `derived` columns from their expressions (compared too), and `touched`
    ones (set, never compared, like a timestamp)."""
    differs = "IS DISTINCT FROM" if connection.vendor == "postgresql" else "IS NOT"
    new = {c: f"excluded.{c}" for c in columns} | (derived or {})
    sets = [f"{c} = {value}" for c, value in (new | (touched or {})).items()]
    changed = [f"{table}.{c} {differs} {value}" for c, value in new.items()]
    return (
        f" ON CONFLICT ({key}) DO UPDATE SET " + ", ".join(sets) + " WHERE " + " OR ".join(changed)
    )


def _households(duck: Any, batch: ImportBatch, worker: Executor) -> Iterator[pa.RecordBatch]:
    """The batch's households, a part at a time, their phone numbers encrypted by the crypto
    worker while DuckDB groups the next part and the database writes the one before."""
    pending: tuple[list[pa.Array], list[Future[Any]]] | None = None
    for staged in staging.parts(duck, batch, "household_number"):
        for part in duck.sql(HOUSEHOLD_SQL.format(staged=staged)).to_arrow_reader(
            staging.PART_ROWS
        ):
            *kept, helpers, phones = part.columns
            sealing = [worker.submit(columnar.protect, phone) for phone in (helpers, phones)]
            if pending is not None:
                yield _with_phones(*pending)
            pending = (kept, sealing)
    if pending is not None:
        yield _with_phones(*pending)


def _with_phones(kept: list[pa.Array], sealing: list[Future[Any]]) -> pa.RecordBatch:
    sealed = [column for future in sealing for column in future.result()]
    return pa.RecordBatch.from_arrays(
        [*kept, *sealed], names=[name for name, _ in HOUSEHOLD_COLUMNS]
    )


def _commit_sql(batch: ImportBatch, actor: Any, duck: Any, worker: Executor) -> dict[str, int]:
    household = Household._meta.db_table
    history = StatusChange._meta.db_table
    actor_id = getattr(actor, "pk", None)
    staged = staging.relation(batch)
    now = timezone.now()
    reason = (IMPORT_REASON % {"file": batch.filename})[:300]
    # The staged JSON list is text; PostgreSQL's jsonb column wants it cast.
    causes = (
        "CAST(secondary_causes AS jsonb)"
        if connection.vendor == "postgresql"
        else "secondary_causes"
    )
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Compiling these one-off statements costs more than it saves.
            cursor.execute("SET LOCAL jit = off")
        cursor.execute("DROP TABLE IF EXISTS _staged_household")
        cursor.execute(
            "CREATE TEMPORARY TABLE _staged_household ("
            + ", ".join(f"{name} {kind}" for name, kind in HOUSEHOLD_COLUMNS)
            + ")"
        )
        staging.load(
            cursor,
            "_staged_household",
            [n for n, _ in HOUSEHOLD_COLUMNS],
            _households(duck, batch, worker),
        )
        cursor.execute(
            f"INSERT INTO {history} (household_id, from_status, to_status, year, reason, at, "
            f"actor_id) SELECT h.id, h.status, s.status, s.exit_year, %s, %s, %s "
            f"FROM _staged_household s JOIN {household} h ON h.number = s.number "
            "WHERE h.status <> s.status",
            [reason, now, actor_id],
        )
        changed = cursor.rowcount
        cursor.execute(
            f"SELECT COUNT(*) FROM _staged_household s JOIN {household} h ON h.number = s.number"
        )
        updated = int(cursor.fetchone()[0])
        incomes = HouseholdIncome._meta.db_table
        initial = staging.initial_load(cursor, [household, Member._meta.db_table, history, incomes])
        with staging.indexes_rebuilt(cursor, household) if initial else nullcontext():
            cursor.execute(
                HOUSEHOLD_INSERT.format(household=household, causes=causes)
                + ("" if initial else _household_upsert(household)),
                [now, now],
            )
            households_written = max(int(cursor.rowcount), 0)
        cursor.execute("SELECT COUNT(*) FROM _staged_household")
        households = int(cursor.fetchone()[0])
        sources = ", ".join(INCOME_SOURCES)
        with staging.indexes_rebuilt(cursor, incomes) if initial else nullcontext():
            cursor.execute(
                f"INSERT INTO {incomes} (household_id, year, {sources}, persons) SELECT h.id, "
                f"s.income_year, {', '.join(f'COALESCE(s.{f}, 0)' for f in INCOME_SOURCES)}, "
                f"s.size FROM _staged_household s JOIN {household} h ON h.number = s.number "
                "WHERE s.income_year IS NOT NULL"
                + (
                    ""
                    if initial
                    else _upsert_changed(
                        incomes, "household_id, year", [*INCOME_SOURCES, "persons"]
                    )
                )
            )
        with staging.indexes_rebuilt(cursor, history) if initial else nullcontext():
            cursor.execute(
                f"INSERT INTO {history} (household_id, from_status, to_status, year, reason, "
                "at, actor_id) SELECT h.id, '', h.status, h.exit_year, %s, %s, %s FROM "
                f"_staged_household s JOIN {household} h ON h.number = s.number "
                f"WHERE NOT EXISTS (SELECT 1 FROM {history} c WHERE c.household_id = h.id)",
                [reason, now, actor_id],
            )
        cursor.execute("DROP TABLE _staged_household")
        written = _commit_members(cursor, duck, staged, initial=initial)
        ((members,),) = duck.execute(f"SELECT COUNT(*) FROM {staged}").fetchall()
        # Fresh planner statistics after a bulk change, so the pages keep their index plans.
        cursor.execute(f"ANALYZE {household}")
        cursor.execute(f"ANALYZE {Member._meta.db_table}")
    return {
        "households": households,
        "new_households": households - updated,
        "updated_households": updated,
        "status_changes": max(int(changed), 0),
        "members": int(members),
        # Added, or found by their key with something changed (the rest are as they were).
        "households_written": households_written,
        "members_written": written,
    }


def _household_ids() -> pa.Table:
    """Every household's number and id, as Arrow columns (a few bytes each, where Python
    objects would take some 150), fetched a part at a time."""
    parts = []
    # A server-side cursor on PostgreSQL (a plain one holds the whole result from the start).
    with connection.chunked_cursor() as ids_cursor:
        ids_cursor.execute(f"SELECT number, id FROM {Household._meta.db_table}")
        while rows := ids_cursor.fetchmany(staging.PART_ROWS):
            numbers, ids = zip(*rows, strict=True)
            parts.append(
                pa.record_batch(
                    [pa.array(numbers, pa.string()), pa.array(ids, pa.int64())], ["number", "id"]
                )
            )
    schema = pa.schema([("number", pa.string()), ("id", pa.int64())])
    return pa.Table.from_batches(parts, schema=schema)


def _commit_members(cursor: Any, duck: Any, staged: str, *, initial: bool) -> int:
    """Every staged member into the registry, keyed by ID number (a re-import updates)."""
    household = Household._meta.db_table
    member = Member._meta.db_table
    names = ", ".join(MEMBER_COLUMNS[1:])
    values = ", ".join(MEMBER_COLUMNS[1:-1]).replace("birth_date", "CAST(birth_date AS VARCHAR)")
    if initial:
        # A first load: every household is new, so DuckDB can give each member its household's
        # id itself, and the rows go straight into the unindexed table (no upsert to decide).
        duck.register("_household_ids", _household_ids())
        with staging.indexes_rebuilt(cursor, member):
            loaded = staging.load_query(
                cursor,
                member,
                ["household_id", *MEMBER_COLUMNS[1:], "pension_insurance"],
                duck,
                f"SELECT h.id, {values}, medical_insurance, false FROM {staged} s "
                "JOIN _household_ids h ON h.number = s.household_number",
            )
        duck.unregister("_household_ids")
        return loaded
    # An unindexed temporary table first (COPY on PostgreSQL, executemany on SQLite), then one
    # set-based upsert that finds each member's household by its number.
    cursor.execute("DROP TABLE IF EXISTS _staged_member")
    cursor.execute(
        "CREATE TEMPORARY TABLE _staged_member ("
        + ", ".join(f"{c} {MEMBER_TYPES.get(c, 'text')}" for c in MEMBER_COLUMNS)
        + ")"
    )
    staging.load_query(
        cursor,
        "_staged_member",
        MEMBER_COLUMNS,
        duck,
        f"SELECT household_number, {values}, medical_insurance FROM {staged}",
    )
    cursor.execute(
        f"INSERT INTO {member} (household_id, {names}, pension_insurance) "
        f"SELECT h.id, {', '.join('s.' + c for c in MEMBER_COLUMNS[1:])}, false "
        f"FROM _staged_member s JOIN {household} h ON h.number = s.household_number "
        "WHERE true" + _upsert_changed(member, "id_hash", ["household_id", *MEMBER_UPDATED])
    )
    members = cursor.rowcount
    cursor.execute("DROP TABLE _staged_member")
    return int(members)
