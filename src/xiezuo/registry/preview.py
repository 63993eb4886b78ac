"""What a checked batch would do to the registry, in words a person can read before anything is
written: households and members that are new, changed (with the fields that change) or the same.

Compared with the registry as the writer would compare (writing.HOUSEHOLD_UPDATED and
MEMBER_UPDATED), on the values the file gives directly; an empty registry needs no comparing.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from xiezuo.imports import staging
from xiezuo.imports.models import ImportBatch
from xiezuo.registry.models import Household, Member
from xiezuo.registry.vocabulary import COLUMNS

LABEL = {field: name for name, field in COLUMNS.items()} | {
    "village_id": "行政村",
    "per_capita_income": "人均纯收入",
    "household": "所在户",
}
HOUSEHOLD_FIELDS = (
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
    "helper_name",
    "helper_unit",
)
HOUSEHOLD_SQL = (
    "SELECT household_number, MIN(village_id), MIN(natural_village), MIN(household_type), "
    "MIN(standard), MIN(main_cause), MIN(secondary_causes), MIN(status), MAX(exit_year), "
    "COALESCE(MAX(size), COUNT(*)), MAX(income), MAX(helper_name), MAX(helper_unit) "
    "FROM {staged} GROUP BY household_number"
)
MEMBER_FIELDS = (
    "household",
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
MEMBER_SQL = (
    "SELECT id_hash, household_number, person_number, name, relation, ethnicity, education, "
    "school_status, health, labour_skill, migrant_status, migrant_months, medical_insurance "
    "FROM {staged}"
)
EXAMPLES = 20
CHUNK = 5000


def of_batch(batch: ImportBatch, duck: Any) -> dict[str, Any]:
    staged = staging.relation(batch)
    households: dict[str, tuple[Any, ...]] = {}
    for part in staging.parts(duck, batch, "household_number"):
        for row in duck.execute(HOUSEHOLD_SQL.format(staged=part)).fetchall():
            households[row[0]] = row[1:]
    ((members,),) = duck.execute(f"SELECT COUNT(*) FROM {staged}").fetchall()  # noqa: S608
    out: dict[str, Any] = {
        "members": int(members),
        "households": len(households),
        "new_households": len(households),
        "changed_households": 0,
        "unchanged_households": 0,
        "new_members": int(members),
        "changed_members": 0,
        "unchanged_members": 0,
        "changes": [],
    }
    if not households or not Household.objects.exists():
        return out
    changes: list[dict[str, Any]] = []
    pk_of: dict[int, str] = {}
    numbers = list(households)
    for i in range(0, len(numbers), CHUNK):
        existing = Household.objects.filter(number__in=numbers[i : i + CHUNK]).values_list(
            "pk", "number", *HOUSEHOLD_FIELDS
        )
        for pk, number, *old in existing:
            pk_of[pk] = number
            new = households[number]
            fields = [
                (f, o, n)
                for f, o, n in zip(HOUSEHOLD_FIELDS, old, new, strict=True)
                if not _same(f, o, n)
            ]
            if fields:
                out["changed_households"] += 1
                if len(changes) < EXAMPLES:
                    changes.append(_change("户", number, fields))
            else:
                out["unchanged_households"] += 1
    out["new_households"] = len(households) - len(pk_of)
    new_members = changed_members = unchanged_members = 0
    for part in staging.parts(duck, batch, "id_hash"):
        rows = duck.execute(MEMBER_SQL.format(staged=part)).fetchall()
        for i in range(0, len(rows), CHUNK):
            block = {r[0]: r for r in rows[i : i + CHUNK]}
            found = Member.objects.filter(id_hash__in=list(block)).values_list(
                "id_hash", "household_id", *MEMBER_FIELDS[1:]
            )
            seen = 0
            for id_hash, household_id, *old in found:
                seen += 1
                new = block[id_hash]
                shown = old[1]
                old_values = [pk_of.get(household_id, f"#{household_id}"), *old]
                fields = [
                    (f, o, n)
                    for f, o, n in zip(MEMBER_FIELDS, old_values, new[1:], strict=True)
                    if not _same(f, o, n)
                ]
                if fields:
                    changed_members += 1
                    if len(changes) < EXAMPLES:
                        changes.append(_change("人", shown, fields))
                else:
                    unchanged_members += 1
            new_members += len(block) - seen
    out.update(
        new_members=new_members,
        changed_members=changed_members,
        unchanged_members=unchanged_members,
        changes=changes,
    )
    return out


def _same(field: str, old: Any, new: Any) -> bool:
    if field == "secondary_causes":
        return list(old or []) == (json.loads(new) if new else [])
    if field == "per_capita_income":
        return new is None or (old is not None and Decimal(str(old)) == Decimal(str(new)))
    if old is None or new is None:
        return old == new or (old in ("", None) and new in ("", None))
    if isinstance(old, bool) or isinstance(new, bool):
        return bool(old) == bool(new)
    return str(old) == str(new)


def _change(what: str, who: str, fields: list[tuple[str, Any, Any]]) -> dict[str, Any]:
    return {
        "what": what,
        "who": who,
        "fields": [
            {"field": LABEL.get(f, f), "old": _shown(o), "new": _shown(n)} for f, o, n in fields
        ],
    }


def _shown(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
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
