"""A generated snapshot of national size, straight to Parquet by DuckDB, for benchmarks and the
engine-parity test on more than a handful of rows.

Not the platform's data: hashes are md5 of a counter (no key, no ID numbers behind them), names
come from a small pool of characters, regions are invented codes in 52 (Guizhou-like) and 32
(Jiangsu-like). The people served carry every rule's kind of fault in fixed shares, so each rule
has work to do: unregistered people, invalid numbers with a typing-slip variant that is some
member's, cancelled households, children and the over-60s in labour records, the same person
reported by two units, people outside the pairing's area.
"""

from __future__ import annotations

import datetime
import json
from pathlib import Path

from xiezuo.analytics.snapshot import MANIFEST, SCHEMA_VERSION, SCHEMAS

_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰"


def _sql_list(chars: str) -> str:
    return "[" + ",".join(f"'{c}'" for c in chars) + "]"


def nation(
    out: Path, *, members: int, people: int, per_record: int = 10, seed: int = 1
) -> dict[str, int]:
    """Write a snapshot with `members` registry members and `people` people served."""
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
                    WHEN {h("i + 3")} % 100 < 70 THEN 'exited' ELSE 'not_exited' END AS status
        FROM range({households}) t(i)"""
    )
    copy(
        "households",
        """SELECT household_id, 'H' || household_id AS number, village_code, status,
                  CAST(CASE WHEN status = 'exited' THEN 2019 END AS SMALLINT) AS exit_year,
                  CAST(CASE WHEN status = 'cancelled' THEN 2020 END AS SMALLINT) AS cancelled_year,
                  CASE WHEN status = 'cancelled' THEN '死亡' ELSE '' END AS cancel_reason
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
    db.execute(
        f"""CREATE TEMP TABLE rr AS
        SELECT 'training' AS record_kind, r AS record_id, r AS report_id, r % {pairings} AS pairing_id,
               CASE WHEN r % 5 = 0
                    THEN '52' || lpad(CAST((r % {pairings}) % {counties // 10} + 1 AS VARCHAR), 2, '0') || '00'
                    ELSE '32' || lpad(CAST(r % {pairings} + 1 AS VARCHAR), 2, '0') || '00' END AS reporter_code,
               CASE WHEN r % 5 = 0 THEN 'west' ELSE 'east' END AS side,
               'submitted' AS report_state, CAST(2026 AS SMALLINT) AS year,
               DATE '2026-01-01' + CAST(r % 360 AS INTEGER) AS date,
               CASE WHEN r % 3 = 0 THEN 'cadres' ELSE 'labourers' END AS training_kind
        FROM range({records}) t(r)"""
    )
    copy(
        "records",
        """SELECT record_kind, record_id, report_id, pairing_id, reporter_code, side, report_state,
                  year, date, training_kind,
                  CASE WHEN training_kind = 'cadres' THEN 'cadres_trained' ELSE 'labourers_trained' END
                  AS indicator, CAST(NULL AS VARCHAR) AS place_code
           FROM rr""",
    )
    # People: each record's people drawn from the counties of its pairing's western side (so most
    # are in the area); 3 % unregistered, 2 % invalid numbers whose slip is the member's.
    db.execute(
        f"""CREATE TEMP TABLE pp AS
        SELECT j AS person_id, 'training' AS record_kind, j // {per_record} AS record_id,
               {h("j + 29")} % 100 AS fate,
               ((((j // {per_record}) % {pairings}) % {counties // 10}) * 10
                 + {h("j + 31")} % 10
                 + {counties} * ({h("j + 37")} % GREATEST({households // counties}, 1))) * 1
               AS hh_guess
        FROM range({people}) t(j)"""
    )
    db.execute(
        f"""CREATE TEMP TABLE pm AS
        SELECT pp.*, m.member_id, m.name AS m_name, m.id_hash AS m_hash, m.birth_date AS m_birth,
               substr(h.village_code, 1, 6) AS m_county
        FROM pp
        JOIN mm m ON m.member_id = (pp.hh_guess % {households}) + {households} * ({h("pp.person_id + 41")} % 4) % {members}
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
