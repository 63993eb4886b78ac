"""A generated snapshot of national size, straight to Parquet by DuckDB, for benchmarks and the
engine-parity test on more than a handful of rows.

Not the platform's data: hashes are md5 of a counter (no key, no ID numbers behind them), names
come from a small pool of characters, regions are invented codes in 52 (Guizhou-like) and 32
(Jiangsu-like). The people served carry every rule's kind of fault in fixed shares, so each rule
has work to do: unregistered people, invalid numbers with a typing-slip variant that is some
member's, people outside the pairing's area, trainings filed by a unit that is no side of the
pairing, members of cancelled households, children in labour-skills courses, the same person
reported by two units, and people placed in two jobs at once; the data also has such cases by
nature (cancelled households, the young and the old, members drawn twice).
Beside the snapshot (not tables of it) the ground truth: `truth.parquet` (which person served
carries an ID fault, and the member each really is), `truth_placements.parquet` (which
placements overlap another of the same person) and `truth_findings.parquet` (every finding
V01–V05, V07–V10 should give, injected or by nature; `score` holds a run's findings against it).

For the yearly assessment it writes two years, 2025 and 2026 (the people served are 2026's):
what every pairing's records add to each agreement indicator, mostly in approved reports, the
agreements' targets (set around what was delivered, so some are met and some not), placements
of about 3 % of members in the paired eastern prefecture, every household's per-capita income
in both years, and about 0.5 % of households returned to poverty.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from xiezuo.analytics.rules import CHILD_AGE, WORKING_AGE
from xiezuo.analytics.snapshot import (
    INDUSTRY_INDICATOR,
    MANIFEST,
    PROJECT_INDICATOR,
    SCHEMA_VERSION,
    SCHEMAS,
    TRAINING_INDICATOR,
)

_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰"


def _sql_list(chars: str) -> str:
    return "[" + ",".join(f"'{c}'" for c in chars) + "]"


def nation(
    out: Path,
    *,
    members: int,
    people: int,
    per_record: int = 10,
    seed: int = 1,
    faults: bool = True,
) -> dict[str, int]:
    """Write a snapshot with `members` registry members and `people` people served. Without
    `faults` none are injected (no wrong or unknown ID numbers, homophones or overlapping
    placements); what the data has by nature stays — cancelled households, the old and the
    young, people drawn twice."""
    import duckdb

    out.mkdir(parents=True, exist_ok=True)
    (out / MANIFEST).unlink(missing_ok=True)
    db = duckdb.connect(config={"threads": 2, "memory_limit": "6GB"})
    households = max(members // 4, 1)
    counties = 300
    records = max(people // per_record, 1)
    pairings = 60
    surnames, given = _sql_list(_SURNAMES), _sql_list(_GIVEN)
    s = int(seed)

    def h(expr: str) -> str:  # a stable pseudo-random non-negative integer
        return f"(hash({expr}, {s}) % 1000000007)"

    def copy(name: str, sql: str) -> None:
        db.execute(
            f"COPY ({sql}) TO '{out / (name + '.parquet')}' (FORMAT parquet, COMPRESSION zstd)"
        )

    # Regions: 300 counties in 30 prefectures of province 52; 60 eastern prefectures in 32.
    copy(
        "regions",
        f"""
        SELECT '52' || lpad(CAST(c // 10 + 1 AS VARCHAR), 2, '0') || lpad(CAST(c % 10 + 1 AS VARCHAR), 2, '0') AS code,
               '县' || c AS name, CAST(3 AS TINYINT) AS level,
               '52' || lpad(CAST(c // 10 + 1 AS VARCHAR), 2, '0') || '00' AS parent_code,
               '52' || lpad(CAST(c // 10 + 1 AS VARCHAR), 2, '0') || lpad(CAST(c % 10 + 1 AS VARCHAR), 2, '0') AS prefix,
               true AS is_poverty_county, CAST(2019 AS SMALLINT) AS poverty_exit_year,
               false AS is_poor_village
        FROM range({counties}) t(c)
        UNION ALL
        SELECT '52' || lpad(CAST(p + 1 AS VARCHAR), 2, '0') || '00', '西部市' || p, CAST(2 AS TINYINT),
               '520000', '52' || lpad(CAST(p + 1 AS VARCHAR), 2, '0'), false, NULL, false
        FROM range({counties // 10}) t(p)
        UNION ALL
        SELECT '32' || lpad(CAST(p + 1 AS VARCHAR), 2, '0') || '00', '东部市' || p, CAST(2 AS TINYINT),
               '320000', '32' || lpad(CAST(p + 1 AS VARCHAR), 2, '0'), false, NULL, false
        FROM range({pairings}) t(p)
        UNION ALL
        SELECT '520000', '西部省', CAST(1 AS TINYINT), NULL, '52', false, NULL, false
        UNION ALL
        SELECT '320000', '东部省', CAST(1 AS TINYINT), NULL, '32', false, NULL, false
        """,
    )
    db.execute(
        f"""CREATE TEMP TABLE hh AS
        SELECT i AS household_id,
               '52' || lpad(CAST((i % {counties}) // 10 + 1 AS VARCHAR), 2, '0')
                    || lpad(CAST((i % {counties}) % 10 + 1 AS VARCHAR), 2, '0')
                    || lpad(CAST({h("i")} % 20 + 1 AS VARCHAR), 3, '0')
                    || lpad(CAST({h("i + 7")} % 30 + 1 AS VARCHAR), 3, '0') AS village_code,
               CASE WHEN {h("i + 3")} % 100 < 2 THEN 'cancelled'
                    WHEN {h("i + 3")} % 100 < 70 AND {h("i + 43")} % 1000 < 7 THEN 'returned'
                    WHEN {h("i + 3")} % 100 < 70 THEN 'exited' ELSE 'not_exited' END AS status,
               CAST(2025 + {h("i + 47")} % 2 AS SMALLINT) AS returned_in
        FROM range({households}) t(i)"""
    )
    copy(
        "households",
        """SELECT household_id, 'H' || household_id AS number, village_code, status,
                  CAST(CASE WHEN status IN ('exited', 'returned') THEN 2019 END AS SMALLINT)
                  AS exit_year,
                  CAST(CASE WHEN status = 'cancelled' THEN 2020 END AS SMALLINT) AS cancelled_year,
                  CASE WHEN status = 'cancelled' THEN '死亡' ELSE '' END AS cancel_reason,
                  CASE WHEN status = 'returned' THEN returned_in END AS returned_year
           FROM hh""",
    )
    db.execute(
        f"""CREATE TEMP TABLE mm AS
        SELECT i AS member_id, i % {households} AS household_id,
               md5('m' || i) AS id_hash,
               list_element({surnames}, CAST({h("i + 11")} % 20 + 1 AS INTEGER))
                 || list_element({given}, CAST({h("i + 13")} % 28 + 1 AS INTEGER))
                 || CASE WHEN {h("i + 17")} % 2 = 0
                         THEN list_element({given}, CAST({h("i + 19")} % 28 + 1 AS INTEGER))
                         ELSE '' END AS name,
               CASE WHEN i % 2 = 0 THEN 'male' ELSE 'female' END AS sex,
               DATE '1945-01-01' + CAST({h("i + 23")} % 27000 AS INTEGER) AS birth_date
        FROM range({members}) t(i)"""
    )
    key = "CAST(hash(id_hash) >> 1 AS BIGINT)"
    copy(
        "members",
        f"SELECT member_id, household_id, id_hash, {key} AS id_key, name, sex, birth_date FROM mm",
    )
    # Pairings: eastern prefecture p helps western prefecture p % 30.
    copy(
        "pairings",
        f"""SELECT p AS pairing_id, 'east_west' AS kind, CAST(2 AS TINYINT) AS level,
                  '32' || lpad(CAST(p + 1 AS VARCHAR), 2, '0') || '00' AS east_code,
                  CAST(NULL AS BIGINT) AS east_org_id,
                  '52' || lpad(CAST(p % {counties // 10} + 1 AS VARCHAR), 2, '0') || '00' AS west_code,
                  CAST(NULL AS BIGINT) AS parent_id, CAST(2016 AS SMALLINT) AS start_year,
                  CAST(NULL AS SMALLINT) AS end_year, 'active' AS status
           FROM range({pairings}) t(p)""",
    )
    # Two years of records for the assessment: 2026's trainings name the people served (below),
    # 2025 is the year before, for growth. One report per pairing, year and side, approved but
    # for a few of 2026's; the number of records per pairing and year grows with the nation.
    prefectures = counties // 10
    scale = max(members // 1_000_000, 1)
    db.execute(
        "CREATE TEMP MACRO east_of(p) AS '32' || lpad(CAST(p + 1 AS VARCHAR), 2, '0') || '00'"
    )
    db.execute(
        f"CREATE TEMP MACRO west_of(p) AS '52' || lpad(CAST(p % {prefectures} + 1 AS VARCHAR), 2, '0') || '00'"
    )
    db.execute(
        f"CREATE TEMP MACRO county_of(p, k) AS '52' || lpad(CAST(p % {prefectures} + 1 AS VARCHAR), 2, '0') "
        "|| lpad(CAST(k % 10 + 1 AS VARCHAR), 2, '0')"
    )

    def cells(n: int) -> str:
        """n rows for each pairing p and year y: i numbers them all, k from 0 to n - 1."""
        return (
            f"(SELECT i, i % {pairings} AS p, CAST(2025 + (i // {pairings}) % 2 AS SMALLINT) AS y, "
            f"i // {2 * pairings} AS k FROM range({pairings * 2 * n}) t(i))"
        )

    db.execute(
        f"""CREATE TEMP TABLE reports AS
        SELECT p AS pairing_id, CAST(y AS SMALLINT) AS year, s AS side,
               CAST(y * 1000 + p * 2 + CASE WHEN s = 'west' THEN 1 ELSE 0 END AS BIGINT) AS report_id,
               CASE WHEN s = 'east' THEN east_of(p) ELSE west_of(p) END AS reporter_code,
               CASE WHEN y = 2026 AND s = 'west' AND p % 10 = 3 THEN 'submitted'
                    WHEN y = 2026 AND s = 'west' AND p % 20 = 7 THEN 'returned'
                    WHEN y = 2026 AND s = 'east' AND p % 30 = 11 THEN 'draft'
                    ELSE 'approved' END AS report_state
        FROM range({pairings}) a(p), (VALUES (2025), (2026)) b(y), (VALUES ('east'), ('west')) c(s)"""
    )
    kinds = "['cadres', 'grassroots', 'leaders', 'professionals', 'labourers']"
    db.execute(
        f"""CREATE TEMP TABLE tr AS
        SELECT r AS record_id, r % {pairings} AS pairing_id, CAST(2026 AS SMALLINT) AS year,
               CASE WHEN r % 5 = 0 THEN 'west' ELSE 'east' END AS side,
               DATE '2026-01-01' + CAST(r % 360 AS INTEGER) AS date,
               CASE WHEN r % 3 = 0 THEN 'cadres' ELSE 'labourers' END AS training_kind,
               {per_record} + {h("r + 59")} % 20 AS trainees
        FROM range({records}) t(r)
        UNION ALL
        -- 2025: about a tenth fewer trainings of the same kinds, none naming people here.
        SELECT {records} + r, r % {pairings}, CAST(2025 AS SMALLINT),
               CASE WHEN r % 5 = 0 THEN 'west' ELSE 'east' END,
               DATE '2025-01-01' + CAST(r % 360 AS INTEGER),
               CASE WHEN r % 3 = 0 THEN 'cadres' ELSE 'labourers' END,
               {per_record} + {h("r + 61")} % 20
        FROM range({records * 9 // 10}) t(r)
        UNION ALL
        -- Every kind of trainee in every pairing and year, so each training indicator has some.
        SELECT {2 * records} + i, p, y, CASE WHEN k % 3 = 0 THEN 'west' ELSE 'east' END,
               make_date(y, 1, 1) + CAST({h("i + 63")} % 360 AS INTEGER),
               list_element({kinds}, CAST(k % 5 + 1 AS INTEGER)), 10 + {h("i + 65")} % 60
        FROM {cells(10 * scale)}"""
    )
    firms = 4 * scale
    db.execute(
        f"""CREATE TEMP TABLE ind AS
        SELECT i AS record_id, p AS pairing_id, y AS year,
               CASE WHEN k % 4 = 1 THEN 'west' ELSE 'east' END AS side,
               make_date(y, 1, 1) + CAST({h("i + 67")} % 360 AS INTEGER) AS date,
               county_of(p, {h("i + 71")}) AS place_code,
               -- The western side reports the same enterprise again (k = 1 is k = 0's), and
               -- half of 2025's enterprises report again in 2026: counted once per year.
               p * 100000 + CASE WHEN k = 1 THEN 0 ELSE k END + (y - 2025) * {firms // 2} AS firm,
               CAST(200 + {h("i + 73")} % 480000 / 100 AS DECIMAL(14, 2)) AS investment
        FROM {cells(firms)}"""
    )
    db.execute(
        f"""CREATE TEMP TABLE pj AS
        SELECT i AS record_id, p AS pairing_id, y AS year,
               CASE WHEN k % 2 = 0 THEN 'east' ELSE 'west' END AS side,
               make_date(y, 1, 1) + CAST({h("i + 75")} % 360 AS INTEGER) AS date,
               county_of(p, {h("i + 77")}) AS place_code
        FROM {cells(3 * scale)}"""
    )
    trained = (
        "CASE "
        + " ".join(f"WHEN training_kind = '{k}' THEN '{v}'" for k, v in TRAINING_INDICATOR.items())
        + " END"
    )
    # With faults, about one in a hundred of 2026's trainings naming people is filed by a unit
    # that is no side of its pairing (the next pairing's eastern prefecture: V04).
    stray = f"{'true' if faults else 'false'} AND t.record_id < {records} AND {h('t.record_id + 131')} % 100 = 0"
    db.execute(
        f"""CREATE TEMP TABLE trr AS
        SELECT t.*, r.report_id, r.report_state, {trained} AS indicator, {stray} AS stray,
               CASE WHEN {stray} THEN east_of((t.pairing_id + 1) % {pairings})
                    ELSE r.reporter_code END AS reporter_code
        FROM tr t JOIN reports r USING (pairing_id, year, side)"""
    )
    copy(
        "records",
        f"""SELECT 'training' AS record_kind, t.record_id, t.report_id, t.pairing_id, t.reporter_code,
                  t.side, t.report_state, t.year, t.date, t.training_kind, t.indicator,
                  CAST(NULL AS VARCHAR) AS place_code
           FROM trr t
           UNION ALL
           SELECT 'industry', t.record_id, r.report_id, t.pairing_id, r.reporter_code, t.side,
                  r.report_state, t.year, t.date, NULL, '{INDUSTRY_INDICATOR}', t.place_code
           FROM ind t JOIN reports r USING (pairing_id, year, side)
           UNION ALL
           SELECT 'project', t.record_id, r.report_id, t.pairing_id, r.reporter_code, t.side,
                  r.report_state, t.year, t.date, NULL, '{PROJECT_INDICATOR}', t.place_code
           FROM pj t JOIN reports r USING (pairing_id, year, side)
           ORDER BY record_kind DESC, record_id""",
    )
    # What the records add to each indicator, as cooperation.measures.TALLIES takes them: funds
    # of a few hundred 万元 (fiscal aid as the east reports it), people sent and trained,
    # enterprises by credit code, investment, workshops, consumption aid.
    fiscal, social, cadres = 4 * scale, 3 * scale, 2 * scale
    check = "'0123456789ABCDEFGHJKLMNPQRTUWXY'"
    db.execute(
        f"""CREATE TEMP TABLE am AS
        WITH ind_codes AS (
            -- 18 characters like a unified social credit code: 91, the region, a serial, a check.
            SELECT *, '91' || east_of(pairing_id) || lpad(CAST(firm AS VARCHAR), 9, '0')
                      || substr({check}, CAST({h("firm")} % 31 + 1 AS INTEGER), 1) AS credit_code
            FROM ind
        ), counted AS (
            SELECT 'fund' AS record_kind, i AS record_id, p AS pairing_id, y AS year,
                   'east' AS side, 'fiscal_aid' AS indicator,
                   100 + {h("i + 81")} % 80000 / 100 AS amount, CAST(NULL AS VARCHAR) AS distinct_key
            FROM {cells(fiscal)}
            UNION ALL
            SELECT 'fund', {pairings * 2 * fiscal} + i, p, y,
                   CASE WHEN k % 2 = 0 THEN 'east' ELSE 'west' END, 'social_funds',
                   20 + {h("i + 83")} % 28000 / 100, NULL
            FROM {cells(social)}
            UNION ALL
            SELECT 'project', record_id, pairing_id, year, side, 'projects', 1, NULL FROM pj
            UNION ALL
            SELECT 'talent', i, p, y, 'east', 'cadres_sent', 1, NULL FROM {cells(cadres)}
            UNION ALL
            SELECT 'talent', {pairings * 2 * cadres} + i, p, y,
                   CASE WHEN k % 4 = 0 THEN 'west' ELSE 'east' END, 'professionals_sent', 1, NULL
            FROM {cells(5 * scale)}
            UNION ALL
            SELECT 'training', record_id, pairing_id, year, side, {trained}, trainees, NULL FROM tr
            UNION ALL
            SELECT 'industry', record_id, pairing_id, year, side, 'enterprises', 1, credit_code
            FROM ind_codes
            UNION ALL
            SELECT 'industry', record_id, pairing_id, year, side, 'investment', investment, NULL
            FROM ind_codes
            UNION ALL
            SELECT 'industry', record_id, pairing_id, year, side, 'workshops', 1, credit_code
            FROM ind_codes WHERE firm % 2 = 0  -- half the enterprises run a workshop
            UNION ALL
            SELECT 'consumption', i, p, y, CASE WHEN k % 3 = 0 THEN 'east' ELSE 'west' END,
                   'consumption_aid', 30 + {h("i + 85")} % 77000 / 100, NULL
            FROM {cells(4 * scale)}
        )
        SELECT c.record_kind, c.record_id, r.report_id, c.pairing_id, r.reporter_code, c.side,
               r.report_state, CAST(c.year AS SMALLINT) AS year, c.indicator,
               CAST(ROUND(c.amount, 2) AS DOUBLE) AS amount, c.distinct_key
        FROM counted c JOIN reports r USING (pairing_id, year, side)
        ORDER BY c.indicator, c.record_id"""
    )
    copy("amounts", "SELECT * FROM am")
    # People: each record's people drawn from the counties of its pairing's western side (so most
    # are in the area); 3 % unregistered, 2 % invalid numbers whose slip is the member's.
    db.execute(
        f"""CREATE TEMP TABLE pp AS
        SELECT j AS person_id, 'training' AS record_kind, j // {per_record} AS record_id,
               {h("j + 29") + " % 100" if faults else "50"} AS fate,
               ((((j // {per_record}) % {pairings}) % {counties // 10}) * 10
                 + {h("j + 31")} % 10
                 + {counties} * ({h("j + 37")} % GREATEST({households // counties}, 1))) * 1
               AS hh_guess
        FROM range({people}) t(j)"""
    )
    # With faults, four more kinds in 1 % each (deterministic by the seed): fate 5 a member of
    # the next western prefecture, outside the pairing's area (V03); fate 6 a member of a
    # cancelled household of the area (V05); fate 7 a child of the area (V08 where the course
    # is a labour-skills one); fate 8, in an eastern unit's record, the member the record of the
    # pairing 30 places back names at the same position — the other eastern prefecture helping
    # the same western one reports the same person for the same indicator (V09).
    db.execute(
        f"""CREATE TEMP TABLE cand AS
        SELECT kind, pref, member_id,
               row_number() OVER (PARTITION BY kind, pref ORDER BY member_id) - 1 AS n,
               COUNT(*) OVER (PARTITION BY kind, pref) AS cnt
        FROM (
            SELECT CASE WHEN h.status = 'cancelled' THEN 'cancelled' ELSE 'child' END AS kind,
                   (h.household_id % {counties}) // 10 AS pref, m.member_id
            FROM mm m JOIN hh h ON h.household_id = m.household_id
            WHERE h.status = 'cancelled' OR m.birth_date > DATE '2010-12-31'
        )"""
    )
    db.execute(
        f"""CREATE TEMP TABLE pm0 AS
        WITH base AS (
            SELECT pp.*, (pp.record_id % {pairings}) % {prefectures} AS pref,
                   CASE WHEN fate = 5
                        THEN (hh_guess % {counties} + 10) % {counties}
                             + {counties} * (hh_guess // {counties})
                        ELSE hh_guess END AS hh_pick,
                   CASE fate WHEN 6 THEN 'cancelled' WHEN 7 THEN 'child' END AS wanted
            FROM pp
        )
        SELECT b.person_id, b.record_kind, b.record_id, b.fate, b.pref,
               COALESCE(c.member_id, (b.hh_pick % {households})
                        + {households} * ({h("b.person_id + 41")} % 4) % {members}) AS pick
        FROM base b
        LEFT JOIN cand c ON c.kind = b.wanted AND c.pref = b.pref
                        AND c.n = {h("b.person_id + 43")} % c.cnt"""
    )
    db.execute(
        f"""CREATE TEMP TABLE pm AS
        SELECT a.person_id, a.record_kind, a.record_id, a.fate, m.member_id, m.name AS m_name,
               m.id_hash AS m_hash, m.birth_date AS m_birth,
               substr(h.village_code, 1, 6) AS m_county, h.status AS m_status,
               COALESCE(o.fate >= 3, false) AS copied,
               COALESCE(o.fate, a.fate) AS picked_as  -- the fate that chose the member
        FROM pm0 a
        LEFT JOIN pm0 o ON a.fate = 8 AND a.record_id >= 30 AND a.record_id % 5 <> 0
                       AND o.person_id = a.person_id - 30 * {per_record}
        JOIN mm m ON m.member_id = COALESCE(o.pick, a.pick)
        JOIN hh h ON h.household_id = m.household_id"""
    )
    copy(
        "people",
        """SELECT person_id, record_kind, record_id,
                  CASE WHEN fate = 1 THEN replace(m_name, '王', '汪') ELSE m_name END AS name,
                  CASE WHEN fate < 3 THEN md5('x' || person_id) ELSE m_hash END AS id_hash,
                  CAST(hash(CASE WHEN fate < 3 THEN md5('x' || person_id) ELSE m_hash END) >> 1 AS BIGINT)
                  AS id_key,
                  fate >= 2 AS id_valid,
                  CASE WHEN fate < 2 THEN '校验位错误' ELSE '' END AS id_problem,
                  m_birth AS id_birth_date,
                  m_county AS id_region,
                  CASE WHEN fate >= 5 THEN member_id END AS member_id
           FROM pm""",
    )
    copy(
        "id_variants",
        f"""SELECT person_id, 'digit' AS variant_kind, m_hash AS variant_hash, {key.replace("id_hash", "m_hash")} AS variant_key
           FROM pm WHERE fate < 2""",
    )
    # Ground truth beside the snapshot (not one of its tables): which person carries which
    # fault, and the member each one really is.
    copy(
        "truth",
        """SELECT person_id,
                  CASE WHEN fate < 2 THEN 'invalid_id' WHEN fate = 2 THEN 'unknown_id' ELSE '' END
                  AS fault,
                  member_id AS true_member_id
           FROM pm""",
    )
    copy(
        "beneficiaries",
        "SELECT CAST(NULL AS BIGINT) AS beneficiary_id, CAST(NULL AS BIGINT) AS record_id, "
        "CAST(NULL AS VARCHAR) AS number, CAST(NULL AS BIGINT) AS household_id WHERE false",
    )
    # Placements of about 3 % of members, in the eastern prefecture paired with their own (one
    # of the two): some found on their own, some not registered poor, a tenth with a second
    # job in 2026, a tenth of the jobs elsewhere in the east.
    db.execute(
        f"""CREATE TEMP TABLE pl AS
        WITH placed AS (
            SELECT i, (i % {households}) % {counties} AS c,
                   ((i % {households}) % {counties}) // 10 + {prefectures} * ({h("i + 87")} % 2) AS p,
                   {h("i + 89")} % 10 = 0 AS again,
                   -- A quarter of the second jobs overlap the first: it is left open till the
                   -- end of 2026 (V10, both placements).
                   {"true" if faults else "false"} AND {h("i + 119")} % 4 = 0 AS overlap
            FROM range({members}) t(i)
            WHERE {h("i + 53")} % 100 < 3
        ), jobs AS (
            SELECT *, 0 AS n,
                   CASE WHEN again THEN DATE '2025-01-01' + CAST({h("i + 91")} % 360 AS INTEGER)
                        ELSE DATE '2025-01-01' + CAST({h("i + 91")} % 700 AS INTEGER) END AS start
            FROM placed
            UNION ALL
            SELECT *, 1, DATE '2026-03-01' + CAST({h("i + 93")} % 200 AS INTEGER) FROM placed
            WHERE again
        )
        SELECT row_number() OVER (ORDER BY i, n) AS placement_id,
               CASE WHEN {h("i + 95")} % 100 < 4 THEN md5('u' || i) ELSE md5('m' || i) END
               AS id_hash,
               '52' || lpad(CAST(c // 10 + 1 AS VARCHAR), 2, '0')
                    || lpad(CAST(c % 10 + 1 AS VARCHAR), 2, '0') AS home_county,
               CASE WHEN {h("i + n + 97")} % 10 = 0 THEN east_of((p + 7) % {pairings})
                    ELSE east_of(p) END AS place_code,
               {h("i + n + 99")} % 100 >= 20 AS organised,
               CASE WHEN {h("i + n + 99")} % 100 < 20 THEN NULL
                    WHEN {h("i + n + 101")} % 3 = 0 THEN home_county ELSE east_of(p) END
               AS organiser_code,
               start,
               CASE WHEN n = 0 AND again AND overlap THEN DATE '2026-12-31'
                    WHEN n = 0 AND again THEN LEAST(start + CAST(30 + {h("i + 103")} % 300 AS INTEGER), DATE '2026-02-28')
                    WHEN n = 0 AND {h("i + 105")} % 5 < 2
                    THEN LEAST(start + CAST(30 + {h("i + 107")} % 400 AS INTEGER), DATE '2026-12-31')
               END AS "end",
               {h("i + 95")} % 100 >= 4 AS registered,
               CAST(2500 + {h("i + n + 109")} % 5000 AS INTEGER) AS wage,
               again AND overlap AS overlapping
        FROM jobs"""
    )
    copy(
        "placements",
        f"""SELECT placement_id, id_hash, {key} AS id_key, home_county, place_code, organiser_code,
                  start, "end", organised, registered, wage
           FROM pl""",
    )
    # Ground truth of the placements: both of each overlapping pair.
    copy(
        "truth_placements",
        "SELECT placement_id, 'overlap' AS fault FROM pl WHERE overlapping ORDER BY placement_id",
    )
    # Ground truth per rule, from what the generator knows (the member each person really is,
    # that member's household and birth date, the unit that filed the record): one row per
    # finding a rule should give — rule, fault, record, person (none for a record's or a
    # placement's own fault), and whether it was injected (`injected`) or is there by nature:
    # the 2 % cancelled households, the young and the old drawn into labour courses, a member
    # drawn twice by two units (the old all by nature: V07 has no injected kind).
    copy(
        "truth_findings",
        f"""WITH named AS (
            SELECT p.*, t.training_kind, t.indicator, t.year, t.date, t.reporter_code,
                   t.pairing_id, date_sub('year', p.m_birth, t.date) AS age
            FROM pm p JOIN trr t ON t.record_id = p.record_id
        ), doubled AS (
            SELECT m_hash, indicator, year, BOOL_OR(copied) AS injected FROM named
            WHERE fate >= 3 GROUP BY m_hash, indicator, year
            HAVING COUNT(DISTINCT reporter_code) > 1
        ), found AS (
            SELECT 'V01' AS rule, 'invalid_id' AS fault, person_id, record_id,
                   true AS injected
            FROM named WHERE fate < 2
            UNION ALL
            SELECT 'V02', 'unknown_id', person_id, record_id, true FROM named WHERE fate = 2
            UNION ALL
            SELECT 'V03', 'wrong_region', person_id, record_id, picked_as = 5 FROM named
            WHERE fate >= 3 AND substr(m_county, 1, 4) <> substr(west_of(pairing_id), 1, 4)
            UNION ALL
            SELECT 'V05', 'cancelled_before', person_id, record_id, picked_as = 6 FROM named
            WHERE fate >= 3 AND m_status = 'cancelled'
            UNION ALL
            SELECT 'V07', 'outside_working_age', person_id, record_id, false FROM named
            WHERE training_kind = 'labourers' AND age > {WORKING_AGE[1]}
            UNION ALL
            SELECT 'V08', 'child_trainee', person_id, record_id, picked_as = 7 FROM named
            WHERE training_kind = 'labourers' AND age < {CHILD_AGE}
            UNION ALL
            SELECT 'V09', 'double_report', n.person_id, n.record_id, d.injected FROM named n
            JOIN doubled d USING (m_hash, indicator, year) WHERE n.fate >= 3
        )
        SELECT rule, fault, 'training' AS record_kind, CAST(record_id AS BIGINT) AS record_id,
               CAST(person_id AS BIGINT) AS person_id, injected FROM found
        UNION ALL
        SELECT 'V04', 'stray_reporter', 'training', record_id, CAST(NULL AS BIGINT), true
        FROM trr
        WHERE stray
        UNION ALL
        SELECT 'V10', 'overlap', 'placement', placement_id, CAST(NULL AS BIGINT), true FROM pl
        WHERE overlapping
        ORDER BY rule, record_kind, record_id, person_id""",
    )
    # Targets for every pairing, year and indicator, set around what was delivered (85-115 %),
    # so some are met and some not. Indicators in 万元 to the fen, the others whole.
    wan = "('fiscal_aid', 'social_funds', 'investment', 'consumption_aid')"
    copy(
        "targets",
        f"""WITH delivered AS (
            SELECT pairing_id, year, indicator,
                   CASE WHEN COUNT(distinct_key) > 0 THEN COUNT(DISTINCT distinct_key)
                        ELSE SUM(amount) END AS v
            FROM am GROUP BY pairing_id, year, indicator
            UNION ALL
            SELECT c.p, c.y, 'placements', COUNT(DISTINCT pl.id_hash)
            FROM {cells(1)} c
            LEFT JOIN pl ON substr(pl.home_county, 1, 4) = substr(west_of(c.p), 1, 4)
                AND pl.registered AND pl.start <= make_date(c.y, 12, 31)
                AND (pl."end" IS NULL OR pl."end" >= make_date(c.y, 1, 1))
                AND (substr(pl.place_code, 1, 4) = substr(east_of(c.p), 1, 4)
                     OR substr(pl.organiser_code, 1, 4) = substr(east_of(c.p), 1, 4))
            GROUP BY c.p, c.y
            UNION ALL
            SELECT p, y, 'county_pairs', 3 + {h("i + 111")} % 6 FROM {cells(1)}
            UNION ALL
            SELECT p, y, 'village_pairs', 20 + {h("i + 113")} % 40 FROM {cells(1)}
        )
        SELECT CAST(year AS BIGINT) * 1000 + pairing_id AS agreement_id, pairing_id,
               CAST(year AS SMALLINT) AS year, indicator,
               CAST(CASE WHEN indicator IN {wan} THEN ROUND(v * f, 2)
                         ELSE GREATEST(ROUND(v * f), 1) END AS DOUBLE) AS value
        FROM (SELECT *, 0.85 + hash(pairing_id, year, indicator, {s}) % 31 / 100 AS f
              FROM delivered)
        ORDER BY agreement_id, indicator""",
    )
    # Every household's per-capita net income (yuan) in both years, 2026's a little higher.
    copy(
        "incomes",
        f"""WITH base AS (
            SELECT household_id, ROUND(4000 + {h("household_id + 115")} % 1200000 / 100, 2) AS y2025,
                   1.02 + {h("household_id + 117")} % 9 / 100 AS growth
            FROM hh
        )
        SELECT household_id, CAST(2025 AS SMALLINT) AS year, CAST(y2025 AS DOUBLE) AS per_capita
        FROM base
        UNION ALL
        SELECT household_id, CAST(2026 AS SMALLINT), CAST(ROUND(y2025 * growth, 2) AS DOUBLE)
        FROM base""",
    )
    rows = {
        name: int(db.execute(f"SELECT COUNT(*) FROM '{out / (name + '.parquet')}'").fetchone()[0])  # type: ignore[index]
        for name in SCHEMAS
    }
    db.close()
    created = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
    manifest = {
        "schema": "xiezuo-snapshot",
        "version": SCHEMA_VERSION,
        "created_at": created,
        "tables": rows,
        "generated": True,
    }
    (out / MANIFEST).write_text(json.dumps(manifest, indent=2), "utf-8")
    return rows


# The rules `truth_findings.parquet` speaks for (V11 is scored on truth.parquet); the others
# (V12, V13: no project names beneficiaries here) have no truth.
TRUTH_RULES = ("V01", "V02", "V03", "V04", "V05", "V07", "V08", "V09", "V10")


@dataclass(frozen=True)
class Score:
    found: int  # findings of the rule
    wanted: int  # findings the truth expects
    hit: int  # findings both give
    injected: int = 0  # of `wanted`, the injected ones
    injected_hit: int = 0  # of those, found

    @property
    def precision(self) -> float:
        return self.hit / self.found if self.found else 1.0

    @property
    def recall(self) -> float:
        return self.hit / self.wanted if self.wanted else 1.0

    @property
    def injected_recall(self) -> float:
        return self.injected_hit / self.injected if self.injected else 1.0


def score(out: Path, findings: Sequence[Sequence[Any]]) -> dict[str, Score | None]:
    """Per rule, the job's findings (jobs.FindingRow) against `truth_findings.parquet`: a
    finding is right when the truth names its rule, record and person (the record alone for a
    record's or a placement's own fault). V11 is right when it names the member the person
    really is (`truth.parquet`). None for a rule without truth in this data."""
    import pyarrow.parquet as pq

    from xiezuo.analytics import rules

    wanted: dict[str, set[tuple[Any, ...]]] = {}
    injected: dict[str, set[tuple[Any, ...]]] = {}
    for t in pq.read_table(out / "truth_findings.parquet").to_pylist():
        row = (t["record_kind"], t["record_id"], t["person_id"])
        wanted.setdefault(t["rule"], set()).add(row)
        if t["injected"]:
            injected.setdefault(t["rule"], set()).add(row)
    got: dict[str, set[tuple[Any, ...]]] = {}
    for f in findings:
        got.setdefault(f[0], set()).add((f[1], int(f[2]), f[3]))
    result: dict[str, Score | None] = {}
    for rule in rules.RULES:
        if rule.code == rules.LINKAGE:
            continue
        if rule.code not in TRUTH_RULES:
            result[rule.code] = None
            continue
        found, truth = got.get(rule.code, set()), wanted.get(rule.code, set())
        planted = injected.get(rule.code, set())
        result[rule.code] = Score(
            len(found), len(truth), len(found & truth), len(planted), len(found & planted)
        )
    truth_rows = pq.read_table(out / "truth.parquet").to_pylist()
    member = {t["person_id"]: t["true_member_id"] for t in truth_rows}
    to_find = {t["person_id"] for t in truth_rows if t["fault"]}
    links = {f[3]: int(str(f[5]).split("|")[0]) for f in findings if f[0] == rules.LINKAGE}
    right = sum(1 for p, m in links.items() if member.get(p) == m)
    result[rules.LINKAGE] = Score(len(links), len(to_find), right, len(to_find), right)
    return result


def summary(rows: dict[str, int], out: Path, *, faults: bool) -> str:
    """What `xiezuo generate nation` (and `xiezuo verify generate`) says it wrote."""
    truth = (
        "（truth.parquet、truth_placements.parquet、truth_findings.parquet 为注入问题的真值）"
        if faults
        else "（未注入问题）"
    )
    return (
        f"已生成 {rows['members']:,} 名成员、{rows['people']:,} 名帮扶对象、"
        f"{rows['placements']:,} 段就业的快照：{out}{truth}"
    )
