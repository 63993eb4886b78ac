"""What a checked batch would do to the registry, in words a person can read before anything is
written: households and members that are new, changed (with the fields that change) or the same.

The database compares, with joins on the batch's keys that the registry check has loaded into
temporary tables anyway (checking._load_keys): the fields the file gives directly, as the
writer compares them (writing.HOUSEHOLD_UPDATED, MEMBER_UPDATED). An empty registry needs no
comparing at all.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from django.db import connection

from xiezuo.imports import staging
from xiezuo.imports.models import ImportBatch
from xiezuo.registry.vocabulary import COLUMNS

LABEL = {field: name for name, field in COLUMNS.items()} | {
    "village_id": "行政村",
    "per_capita_income": "人均纯收入",
    "household": "所在户",
}
# (registry column, batch column, label field) of what a re-import may change.
HOUSEHOLD_FIELDS = (
    ("village_id", "village_id"),
    ("natural_village", "natural_village"),
    ("household_type", "household_type"),
    ("standard", "standard"),
    ("main_cause", "main_cause"),
    ("secondary_causes", "secondary_causes"),
    ("status", "status"),
    ("exit_year", "exit_year"),
    ("size", "size"),
    ("per_capita_income", "income"),
    ("helper_name", "helper_name"),
    ("helper_unit", "helper_unit"),
)
# The batch's households as checking loads them: (column, type, DuckDB aggregate).
HOUSEHOLD_KEYS = (
    ("household_number", "varchar(30)", "household_number"),
    ("village_id", "varchar(12)", "MIN(village_id)"),
    ("status", "varchar(12)", "MIN(status)"),
    ("row", "integer", "MIN(row)"),
    ("natural_village", "varchar(100)", "MIN(natural_village)"),
    ("household_type", "varchar(10)", "MIN(household_type)"),
    ("standard", "varchar(12)", "MIN(standard)"),
    ("main_cause", "varchar(12)", "MIN(main_cause)"),
    ("secondary_causes", "varchar(100)", "MIN(secondary_causes)"),
    ("exit_year", "integer", "MAX(exit_year)"),
    ("size", "integer", "COALESCE(MAX(size), COUNT(*))"),
    ("income", "varchar(20)", "MAX(income)"),
    ("helper_name", "varchar(50)", "MAX(helper_name)"),
    ("helper_unit", "varchar(100)", "MAX(helper_unit)"),
)
MEMBER_FIELDS = (
    "person_number",
    "name",
    "relation",
    "ethnicity",
    "education",
    "school_status",
    "health",
    "labour_skill",
    "migrant_status",
    "migrant_months",
    "medical_insurance",
)
MEMBER_KEYS = (
    ("id_hash", "varchar(32)", "id_hash"),
    ("household_number", "varchar(30)", "household_number"),
    ("row", "integer", "row"),
    ("person_number", "varchar(30)", "person_number"),
    ("name", "varchar(50)", "name"),
    ("relation", "varchar(20)", "relation"),
    ("ethnicity", "varchar(20)", "ethnicity"),
    ("education", "varchar(20)", "education"),
    ("school_status", "varchar(20)", "school_status"),
    ("health", "varchar(20)", "health"),
    ("labour_skill", "varchar(20)", "labour_skill"),
    ("migrant_status", "varchar(20)", "migrant_status"),
    ("migrant_months", "integer", "migrant_months"),
    ("medical_insurance", "boolean", "medical_insurance"),
)
EXAMPLES = 20


def empty_registry(batch: ImportBatch, duck: Any) -> dict[str, Any]:
    """The preview when the registry holds nothing yet: everything is new."""
    ((members, households),) = duck.execute(
        f"SELECT COUNT(*), COUNT(DISTINCT household_number) FROM {staging.relation(batch)}"  # noqa: S608
    ).fetchall()
    return _counts(int(households), 0, 0, int(members), 0, 0, [])


def _counts(
    households: int,
    existing: int,
    changed: int,
    members: int,
    known: int,
    changed_members: int,
    changes: list[dict[str, Any]],
) -> dict[str, Any]:
    return {
        "members": members,
        "households": households,
        "new_households": households - existing,
        "changed_households": changed,
        "unchanged_households": existing - changed,
        "new_members": members - known,
        "changed_members": changed_members,
        "unchanged_members": known - changed_members,
        "changes": changes,
    }


def _differs(old: str, new: str) -> str:
    operator = "IS DISTINCT FROM" if connection.vendor == "postgresql" else "IS NOT"
    return f"({old} {operator} {new})"


def _household_differs() -> str:
    parts = []
    for old, new in HOUSEHOLD_FIELDS:
        if old == "per_capita_income":
            # A file without 人均纯收入 leaves it as the sources make it: not compared.
            parts.append(
                f"(k.income IS NOT NULL AND (h.{old} IS NULL OR ABS(CAST(h.{old} AS DOUBLE "
                "PRECISION) - CAST(k.income AS DOUBLE PRECISION)) > 0.004))"
            )
        elif old == "secondary_causes" and connection.vendor == "postgresql":
            parts.append(_differs(f"h.{old}", f"CAST(k.{new} AS jsonb)"))
        else:
            parts.append(_differs(f"h.{old}", f"k.{new}"))
    return " OR ".join(parts)


def _member_differs() -> str:
    return " OR ".join(
        ["h.number <> k.household_number", *(_differs(f"m.{f}", f"k.{f}") for f in MEMBER_FIELDS)]
    )


def compare(cursor: Any, *, household: str, member: str) -> dict[str, Any]:
    """The preview against the registry, from the temporary tables _batch_households and
    _batch_keys (see checking._load_keys)."""
    cursor.execute("SELECT COUNT(*) FROM _batch_households")
    households = int(cursor.fetchone()[0])
    cursor.execute("SELECT COUNT(*) FROM _batch_keys")
    members = int(cursor.fetchone()[0])
    differs = _household_differs()
    join = f"FROM _batch_households k JOIN {household} h ON h.number = k.household_number"
    cursor.execute(f"SELECT COUNT(*), SUM(CASE WHEN {differs} THEN 1 ELSE 0 END) {join}")
    existing, changed = cursor.fetchone()
    olds = ", ".join(f"h.{old}" for old, _new in HOUSEHOLD_FIELDS)
    news = ", ".join(f"k.{new}" for _old, new in HOUSEHOLD_FIELDS)
    cursor.execute(
        f"SELECT k.household_number, {olds}, {news} {join} WHERE {differs} "
        f"ORDER BY k.row LIMIT {EXAMPLES}"
    )
    changes = []
    n = len(HOUSEHOLD_FIELDS)
    for number, *values in cursor.fetchall():
        fields = [
            (old, o, v)
            for (old, _new), o, v in zip(HOUSEHOLD_FIELDS, values[:n], values[n:], strict=True)
            if not _same(old, o, v)
        ]
        changes.append(_change("户", number, fields))
    mdiffers = _member_differs()
    mjoin = (
        f"FROM _batch_keys k JOIN {member} m ON m.id_hash = k.id_hash "
        f"JOIN {household} h ON h.id = m.household_id"
    )
    cursor.execute(f"SELECT COUNT(*), SUM(CASE WHEN {mdiffers} THEN 1 ELSE 0 END) {mjoin}")
    known, changed_members = cursor.fetchone()
    mold = ", ".join(f"m.{f}" for f in MEMBER_FIELDS)
    mnew = ", ".join(f"k.{f}" for f in MEMBER_FIELDS)
    cursor.execute(
        f"SELECT m.name, h.number, k.household_number, {mold}, {mnew} {mjoin} "
        f"WHERE {mdiffers} ORDER BY k.row LIMIT {EXAMPLES}"
    )
    n = len(MEMBER_FIELDS)
    for name, old_number, new_number, *values in cursor.fetchall():
        fields = [("household", old_number, new_number)] if old_number != new_number else []
        fields += [
            (f, o, v)
            for f, o, v in zip(MEMBER_FIELDS, values[:n], values[n:], strict=True)
            if not _same(f, o, v)
        ]
        changes.append(_change("人", name, fields))
    return _counts(
        households,
        int(existing or 0),
        int(changed or 0),
        members,
        int(known or 0),
        int(changed_members or 0),
        changes,
    )


def _same(field: str, old: Any, new: Any) -> bool:
    if field == "secondary_causes":
        parsed = json.loads(old) if isinstance(old, str) else old
        return list(parsed or []) == (json.loads(new) if new else [])
    if field == "per_capita_income":
        return new is None or (old is not None and Decimal(str(old)) == Decimal(str(new)))
    if isinstance(old, bool) or isinstance(new, bool) or field == "medical_insurance":
        return bool(old) == bool(new)
    if old in ("", None) and new in ("", None):
        return True
    return str(old) == str(new)


def _change(what: str, who: str, fields: list[tuple[str, Any, Any]]) -> dict[str, Any]:
    return {
        "what": what,
        "who": who,
        "fields": [
            {"field": LABEL.get(f, f), "old": _shown(f, o), "new": _shown(f, n)}
            for f, o, n in fields
        ],
    }


def _shown(field: str, value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool) or field == "medical_insurance":
        return "是" if value else "否"
    return str(value)


def lines(summary: dict[str, Any]) -> list[str]:
    """The preview as lines of text (the CLI; the page shows the same)."""
    if "new_households" not in summary:
        return []
    out = [
        f"户：新增 {summary['new_households']}，有变化 {summary.get('changed_households', 0)}，"
        f"无变化 {summary.get('unchanged_households', 0)}（共 {summary['households']}）",
        f"人：新增 {summary.get('new_members', 0)}，有变化 {summary.get('changed_members', 0)}，"
        f"无变化 {summary.get('unchanged_members', 0)}（共 {summary['members']}）",
    ]
    for change in summary.get("changes", []):
        fields = "；".join(
            f"{f['field']}：{f['old'] or '（空）'} → {f['new'] or '（空）'}"
            for f in change["fields"]
        )
        out.append(f"  {change['what']} {change['who']}：{fields}")
    return out
