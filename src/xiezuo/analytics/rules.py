"""The verification rules (数据比对规则): one SQL definition each, over the snapshot's tables.

Every rule is a SELECT in DuckDB's dialect returning the same five columns —
`record_kind, record_id, person_id, id_hash, detail` — one row per finding. DuckDB runs the text
as written; the Spark engine runs the same text translated by SQLGlot (see engines.py), so there
is one definition of what each rule means. The SQL keeps to what both engines do the same way:
no DISTINCT window aggregates, no string formatting of dates beyond CAST(... AS VARCHAR), ages in
whole years from year/month/day.

The near-duplicate rule is not SQL: it is a probabilistic linkage (Splink on DuckDB, linkage.py)
over the few people whose ID number is invalid or unmatched; its findings have the same shape.

Messages: the Chinese text is what a county clerk reads, so it is the message id (as in the
registry's own code lists); the English is its translation (analytics/locale/en).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from xiezuo.analytics.snapshot import SCHEMAS

WORKING_AGE = (16, 60)  # 劳动年龄：16 周岁至 60 周岁
CHILD_AGE = 16


class Severity(models.TextChoices):
    ERROR = "error", _("错误")
    WARNING = "warning", _("疑点")


@dataclass(frozen=True)
class Rule:
    code: str
    severity: Severity
    title: Any  # lazy: translated where shown
    reason: Any  # lazy; may hold {detail} and the fields `explain` fills in
    sql: str = ""  # '' for rules not written in SQL (the linkage)

    def explain(self, detail: str) -> str:
        return explain(self, detail)


# Views both engines create before the rules run. `served` is every person a record names with
# the registry member their keyed ID hash finds (joined on the 64-bit key, then the hash itself,
# so a 64-bit collision can never join two people); `ages` adds the age at the record's date,
# from the registry's birth date or, for people not found, the one the ID number gives.
BASE_VIEWS: dict[str, str] = {
    "served": """
        SELECT p.person_id, p.record_kind, p.record_id, p.name, p.id_hash, p.id_valid,
               p.id_problem, p.id_birth_date, p.id_region,
               r.pairing_id, r.reporter_code, r.side, r.year, r.date, r.training_kind,
               r.indicator, m.member_id, m.household_id, m.birth_date
        FROM people p
        JOIN records r ON r.record_kind = p.record_kind AND r.record_id = p.record_id
        LEFT JOIN members m ON m.id_key = p.id_key AND m.id_hash = p.id_hash
    """,
    "ages": """
        SELECT s.*,
               YEAR(s.date) - YEAR(COALESCE(s.birth_date, s.id_birth_date))
               - CASE WHEN MONTH(s.date) * 100 + DAY(s.date)
                           < MONTH(COALESCE(s.birth_date, s.id_birth_date)) * 100
                             + DAY(COALESCE(s.birth_date, s.id_birth_date))
                      THEN 1 ELSE 0 END AS age
        FROM served s
    """,
    "pair_sides": """
        SELECT pa.pairing_id, w.code AS west_code, w.prefix AS west_prefix,
               e.code AS east_code, e.prefix AS east_prefix
        FROM pairings pa
        JOIN regions w ON w.code = pa.west_code
        LEFT JOIN regions e ON e.code = pa.east_code
    """,
}

# Base views every rule reads, computed once per run rather than once per rule.
MATERIALISED = frozenset({"served"})

_PERSON = "s.record_kind, s.record_id, s.person_id, s.id_hash"
_RECORD = (
    "r.record_kind, r.record_id, CAST(NULL AS BIGINT) AS person_id,"
    " CAST(NULL AS VARCHAR) AS id_hash"
)

RULES: list[Rule] = [
    Rule(
        "V01",
        Severity.ERROR,
        _("证件号码无效"),
        _("证件号码不是有效的居民身份证号码：{detail}"),
        f"SELECT {_PERSON}, s.id_problem AS detail FROM served s WHERE NOT s.id_valid",
    ),
    Rule(
        "V02",
        Severity.ERROR,
        _("不在建档立卡名单内"),
        _("证件号码有效，但建档立卡名单中没有这个人，不能计入帮扶建档立卡贫困人口"),
        f"SELECT {_PERSON}, '' AS detail FROM served s WHERE s.id_valid AND s.member_id IS NULL",
    ),
    Rule(
        "V03",
        Severity.ERROR,
        _("不在结对地区"),
        _("此人登记在 {region}，不在该结对的受帮扶地区 {west} 内"),
        f"""
        SELECT {_PERSON}, h.village_code || '|' || ps.west_code AS detail
        FROM served s
        JOIN households h ON h.household_id = s.household_id
        JOIN pair_sides ps ON ps.pairing_id = s.pairing_id
        WHERE SUBSTR(h.village_code, 1, LENGTH(ps.west_prefix)) <> ps.west_prefix
        """,
    ),
    Rule(
        "V04",
        Severity.ERROR,
        _("填报单位不属于结对任何一方"),
        _("填报单位 {reporter} 既不在帮扶方 {east} 内，也不在受帮扶方 {west} 内"),
        f"""
        SELECT {_RECORD},
               r.reporter_code || '|' || COALESCE(ps.east_code, '') || '|' || ps.west_code
               AS detail
        FROM records r
        JOIN pair_sides ps ON ps.pairing_id = r.pairing_id
        WHERE SUBSTR(r.reporter_code, 1, LENGTH(ps.west_prefix)) <> ps.west_prefix
          AND (ps.east_prefix IS NULL
               OR SUBSTR(r.reporter_code, 1, LENGTH(ps.east_prefix)) <> ps.east_prefix)
        """,
    ),
    Rule(
        "V05",
        Severity.ERROR,
        _("记录日期前已注销"),
        _("此户在 {year} 年注销（{why}），记录日期 {date} 时已不是建档立卡贫困人口"),
        f"""
        SELECT {_PERSON},
               COALESCE(CAST(h.cancelled_year AS VARCHAR), '') || '|'
               || COALESCE(h.cancel_reason, '') || '|' || CAST(s.date AS VARCHAR) AS detail
        FROM served s
        JOIN households h ON h.household_id = s.household_id
        WHERE h.status = 'cancelled'
          AND (h.cancelled_year IS NULL OR h.cancelled_year < s.year)
        """,
    ),
    Rule(
        "V07",
        Severity.WARNING,
        _("不在劳动年龄内"),
        _("劳务、就业类记录中此人当时 {detail} 周岁，不在劳动年龄（16—60 周岁）内"),
        f"""
        SELECT {_PERSON}, CAST(s.age AS VARCHAR) AS detail
        FROM ages s
        WHERE (s.record_kind = 'industry' OR s.training_kind = 'labourers')
          AND s.age IS NOT NULL
          AND (s.age > {WORKING_AGE[1]}
               OR (s.age < {WORKING_AGE[0]} AND s.record_kind = 'industry'))
        """,
    ),
    Rule(
        "V08",
        Severity.ERROR,
        _("未成年人列为劳动力培训学员"),
        _("此人培训时只有 {detail} 周岁，是未成年人，不能计为贫困劳动力技能培训学员"),
        f"""
        SELECT {_PERSON}, CAST(s.age AS VARCHAR) AS detail
        FROM ages s
        WHERE s.training_kind = 'labourers' AND s.age IS NOT NULL AND s.age < {CHILD_AGE}
        """,
    ),
    Rule(
        "V09",
        Severity.WARNING,
        _("同一人被两个单位重复计数"),
        _("同一年度同一指标中，此人被 {units} 个填报单位（{reporters}）分别上报，只能计一次"),
        """
        SELECT s.record_kind, s.record_id, s.person_id, s.id_hash,
               CAST(d.units AS VARCHAR) || '|' || d.first_unit || '|' || d.last_unit AS detail
        FROM served s
        JOIN (
            SELECT id_hash, indicator, year, COUNT(DISTINCT reporter_code) AS units,
                   MIN(reporter_code) AS first_unit, MAX(reporter_code) AS last_unit
            FROM served
            WHERE id_hash IS NOT NULL
            GROUP BY id_hash, indicator, year
            HAVING COUNT(DISTINCT reporter_code) > 1
        ) d ON d.id_hash = s.id_hash AND d.indicator = s.indicator AND d.year = s.year
        """,
    ),
    Rule(
        "V10",
        Severity.WARNING,
        _("同一人就业时间重叠"),
        _(
            "此人同时还有另一段就业（第 {other} 号，{start} 至 {end}），"
            "两段就业时间重叠，只能有一段属实"
        ),
        # Every placement of the same person (keyed ID hash, joined on the 64-bit key first)
        # whose dates share a day with another one; no end date means still in the job. Both
        # placements of an overlapping pair are found, each naming the other.
        """
        SELECT 'placement' AS record_kind, a.placement_id AS record_id,
               CAST(NULL AS BIGINT) AS person_id, a.id_hash,
               CAST(b.placement_id AS VARCHAR) || '|' || CAST(b.start AS VARCHAR) || '|'
               || COALESCE(CAST(b."end" AS VARCHAR), '') AS detail
        FROM placements a
        JOIN placements b ON b.id_key = a.id_key AND b.id_hash = a.id_hash
                         AND b.placement_id <> a.placement_id
        WHERE a.id_hash IS NOT NULL
          AND a.start <= COALESCE(b."end", DATE '9999-12-31')
          AND b.start <= COALESCE(a."end", DATE '9999-12-31')
        """,
    ),
    Rule(
        "V11",
        Severity.WARNING,
        _("疑似同一人（号码录错）"),
        _(
            "证件号码无效或不在名单内，但与名单中一人姓名（含同音）、出生日期、所在县相同，"
            "号码只差一位、两位颠倒或被 Excel 损坏，疑为同一人：{how}"
        ),
    ),
    Rule(
        "V12",
        Severity.ERROR,
        _("受益户不在建档立卡名单内"),
        _("项目所列受益户编号 {detail} 在建档立卡名单中找不到"),
        """
        SELECT 'project' AS record_kind, b.record_id, CAST(NULL AS BIGINT) AS person_id,
               CAST(NULL AS VARCHAR) AS id_hash, b.number AS detail
        FROM beneficiaries b
        LEFT JOIN households h ON h.number = b.number
        WHERE h.household_id IS NULL
        """,
    ),
    Rule(
        "V13",
        Severity.ERROR,
        _("受益户不在结对地区"),
        _("项目所列受益户 {number} 登记在 {region}，不在该结对的受帮扶地区 {west} 内"),
        """
        SELECT 'project' AS record_kind, b.record_id, CAST(NULL AS BIGINT) AS person_id,
               CAST(NULL AS VARCHAR) AS id_hash,
               b.number || '|' || h.village_code || '|' || ps.west_code AS detail
        FROM beneficiaries b
        JOIN households h ON h.number = b.number
        JOIN records r ON r.record_kind = 'project' AND r.record_id = b.record_id
        JOIN pair_sides ps ON ps.pairing_id = r.pairing_id
        WHERE SUBSTR(h.village_code, 1, LENGTH(ps.west_prefix)) <> ps.west_prefix
        """,
    ),
]

BY_CODE = {rule.code: rule for rule in RULES}
LINKAGE = "V11"

# Rules the issue names that this data cannot check yet, and why: shown on every run.
SKIPPED: dict[str, Any] = {
    "V06": _("“脱贫多年后又报为新脱贫”：帮扶记录中还没有“新脱贫”的申报项，暂无法比对"),
}

# Findings that leave nobody out of the counts: the overview and the assessment count distinct
# people per indicator, so a person reported by two units (V09) or placed twice at once (V10)
# is already counted once. They tell the units concerned.
COUNTED_ONCE = frozenset({"V09", "V10"})

# V05 when the cancellation's year was never recorded.
V05_NO_YEAR = _("此户已注销（{why}，注销年份不详），记录日期 {date} 时已不是建档立卡贫困人口")

FINDING_COLUMNS = ("record_kind", "record_id", "person_id", "id_hash", "detail")


def explain(rule: Rule, detail: str) -> str:
    """The reason of one finding in the reader's language, with the finding's facts filled in."""
    parts = detail.split("|")
    fill: dict[str, str] = {"detail": detail}
    if rule.code == "V03":
        fill.update(region=parts[0], west=parts[-1])
    elif rule.code == "V04":
        fill.update(reporter=parts[0], east=parts[1] or "—", west=parts[-1])
    elif rule.code == "V05":
        why = parts[1] if len(parts) > 1 and parts[1] else str(_("原因未填"))
        fill.update(year=parts[0], why=why, date=parts[-1])
        if not parts[0]:
            return str(V05_NO_YEAR).format(**fill)
    elif rule.code == "V10":
        fill.update(
            other=parts[0],
            start=parts[1] if len(parts) > 1 else "",
            end=parts[2] if len(parts) > 2 and parts[2] else str(_("今（在岗）")),
        )
    elif rule.code == "V09":
        units = parts[0]
        reporters = "、".join(dict.fromkeys(parts[1:]))
        fill.update(units=units, reporters=reporters)
    elif rule.code == "V11":
        fill.update(how=detail)
    elif rule.code == "V13":
        fill.update(number=parts[0], region=parts[1], west=parts[-1])
    return str(rule.reason).format(**fill)


def tables() -> list[str]:
    return list(SCHEMAS)
