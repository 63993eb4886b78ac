"""Near-duplicates (V11): people whose ID number is invalid or finds nobody, linked to the
registry member they probably are, by probabilistic record linkage (Splink on DuckDB).

Only those people go to linkage — everyone else was found by their keyed ID hash — and the
registry side is cut down first to members sharing a blocking key with one of them, so linkage
costs what the damaged records cost, not what the registry weighs.

What is compared, and why each counts:
- the name, exactly, in pinyin without tones (同音字: 李/黎, 王芳/汪芳) and in a looser pinyin
  that forgets the sounds southwestern speech mixes up (z/zh, c/ch, s/sh, n/l, f/h, -n/-ng);
- the birth date the ID number gives (a damaged number may still carry it);
- the county: the ID number's first six digits against the county of the member's village;
- whether one of the valid numbers a typing slip away from the reported one (one digit wrong,
  two neighbours swapped, a wrong check character, the last digits zeroed by Excel — worked out
  at export, as keyed hashes: snapshot.variants) is this member's.

The model's m and u probabilities are fixed, not trained: the damaged records are few and
unlike the rest, so estimating from them would be noise, and fixed parameters make a run
repeatable — the same snapshot gives the same findings on every engine.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import cache
from typing import Any

THRESHOLD = 0.9

_FUZZY = (("zh", "z"), ("ch", "c"), ("sh", "s"))
_FUZZY_INITIAL = (("n", "l"), ("f", "h"), ("r", "l"))
_FUZZY_FINAL = (("ang", "an"), ("eng", "en"), ("ing", "in"))


@cache
def pinyin(name: str) -> tuple[str, str]:
    """The name in toneless pinyin, and in the looser pinyin of commonly confused sounds."""
    from pypinyin import lazy_pinyin

    syllables = lazy_pinyin(name, errors="default")
    exact = "".join(syllables)
    loose = []
    for s in syllables:
        for a, b in _FUZZY:
            if s.startswith(a):
                s = b + s[len(a) :]
        for a, b in _FUZZY_INITIAL:
            if s.startswith(a):
                s = b + s[len(a) :]
        for a, b in _FUZZY_FINAL:
            if s.endswith(a):
                s = s[: -len(a)] + b
        loose.append(s)
    return exact, "".join(loose)


def _level(sql: str, label: str, m: float, u: float) -> dict[str, Any]:
    return {"sql_condition": sql, "label_for_charts": label, "m_probability": m, "u_probability": u}


def _null(column: str) -> dict[str, Any]:
    return {
        "sql_condition": f"{column}_l IS NULL OR {column}_r IS NULL",
        "label_for_charts": "null",
        "is_null_level": True,
    }


SETTINGS: dict[str, Any] = {
    "link_type": "link_only",
    "unique_id_column_name": "uid",
    "probability_two_random_records_match": 0.001,
    "retain_matching_columns": True,
    "blocking_rules_to_generate_predictions": [
        {"blocking_rule": "l.county = r.county AND l.birth_date = r.birth_date"},
        {"blocking_rule": "l.county = r.county AND l.name_py = r.name_py"},
        {"blocking_rule": "l.birth_date = r.birth_date AND l.name_py = r.name_py"},
        {"blocking_rule": "l.slip_member = r.slip_member"},
    ],
    "comparisons": [
        {
            "output_column_name": "name",
            "comparison_levels": [
                _null("name"),
                _level("name_l = name_r", "name", 0.65, 0.0005),
                _level("name_py_l = name_py_r", "homophone", 0.2, 0.002),
                _level("name_loose_l = name_loose_r", "loose", 0.1, 0.004),
                _level("ELSE", "other", 0.05, 0.9935),
            ],
        },
        {
            "output_column_name": "birth_date",
            "comparison_levels": [
                _null("birth_date"),
                _level("birth_date_l = birth_date_r", "same", 0.9, 0.0002),
                _level("ELSE", "other", 0.1, 0.9998),
            ],
        },
        {
            "output_column_name": "county",
            "comparison_levels": [
                _null("county"),
                _level("county_l = county_r", "same", 0.9, 0.01),
                _level("ELSE", "other", 0.1, 0.99),
            ],
        },
        {
            "output_column_name": "slip_member",
            "comparison_levels": [
                _null("slip_member"),
                _level("slip_member_l = slip_member_r", "slip", 0.8, 0.00001),
                _level("ELSE", "other", 0.2, 0.99999),
            ],
        },
    ],
}

# The people linkage considers: not found by their ID number.
UNMATCHED = """
    SELECT p.person_id, p.name, p.id_birth_date AS birth_date, p.id_region AS county,
           p.id_hash, p.record_kind, p.record_id
    FROM people p
    LEFT JOIN members m ON m.id_key = p.id_key AND m.id_hash = p.id_hash
    WHERE m.member_id IS NULL
"""

# The member a typing slip of the reported number would be (at most one per slip kind).
SLIPS = """
    SELECT v.person_id, MIN(m.member_id) AS member_id, MIN(v.variant_kind) AS kind
    FROM id_variants v JOIN members m ON m.id_key = v.variant_key AND m.id_hash = v.variant_hash
    GROUP BY v.person_id
"""

# Registry members that share a blocking key with someone unmatched: a union of equi-joins
# (one per blocking key), which DuckDB runs as hash joins — an OR of IN-subqueries it does not.
CANDIDATES = """
    WITH mk AS MATERIALIZED (
        SELECT m.member_id, m.name, m.birth_date, SUBSTR(h.village_code, 1, 6) AS county
        FROM members m JOIN households h ON h.household_id = m.household_id
    )
    SELECT mk.* FROM mk JOIN (SELECT DISTINCT member_id FROM slips) s
        ON s.member_id = mk.member_id
    UNION
    SELECT mk.* FROM mk JOIN (
        SELECT DISTINCT county, birth_date FROM unmatched
        WHERE county IS NOT NULL AND birth_date IS NOT NULL
    ) u ON u.county = mk.county AND u.birth_date = mk.birth_date
    UNION
    SELECT mk.* FROM mk JOIN (
        SELECT DISTINCT county, name FROM unmatched WHERE county IS NOT NULL
    ) u ON u.county = mk.county AND u.name = mk.name
    UNION
    SELECT mk.* FROM mk JOIN (
        SELECT DISTINCT birth_date FROM unmatched WHERE county IS NULL AND birth_date IS NOT NULL
    ) u ON u.birth_date = mk.birth_date
"""


@dataclass(frozen=True)
class Link:
    person_id: int
    record_kind: str
    record_id: int
    id_hash: str | None
    member_id: int
    probability: float
    how: str  # comparison outcomes, e.g. "name=homophone,birth_date=same,..."


def link(con: Any) -> list[Link]:
    """Run the linkage on a DuckDB connection holding the snapshot's tables as views."""
    import pyarrow as pa
    from splink import DuckDBAPI, Linker

    con.execute(f"CREATE OR REPLACE TEMP TABLE unmatched AS {UNMATCHED}")
    con.execute(f"CREATE OR REPLACE TEMP TABLE slips AS {SLIPS}")
    left = con.sql(
        "SELECT u.*, s.member_id AS slip_member FROM unmatched u "
        "LEFT JOIN slips s ON s.person_id = u.person_id ORDER BY u.person_id"
    ).to_arrow_table()
    if left.num_rows == 0:
        return []
    right = con.sql(f"SELECT * FROM ({CANDIDATES}) ORDER BY member_id").to_arrow_table()
    if right.num_rows == 0:
        return []
    meta = {
        r["person_id"]: r
        for r in left.select(["person_id", "record_kind", "record_id", "id_hash"]).to_pylist()
    }

    def prepared(table: pa.Table, id_column: str, slip: list[Any]) -> pa.Table:
        names = table.column("name").to_pylist()
        spelled = [pinyin(n or "") for n in names]
        return pa.table(
            {
                "uid": table.column(id_column),
                "name": names,
                "name_py": [s[0] or None for s in spelled],
                "name_loose": [s[1] or None for s in spelled],
                "birth_date": table.column("birth_date"),
                "county": table.column("county"),
                "slip_member": pa.array(slip, pa.int64()),
            }
        )

    people = prepared(left, "person_id", left.column("slip_member").to_pylist())
    members = prepared(right, "member_id", right.column("member_id").to_pylist())
    logging.getLogger("splink").setLevel(logging.WARNING)
    db_api = DuckDBAPI()
    linker = Linker(
        [
            db_api.register(people, dataset_display_name="people"),
            db_api.register(members, dataset_display_name="members"),
        ],
        SETTINGS,
        log_level=logging.WARNING,
    )
    predictions = linker.inference.predict(
        threshold_match_probability=THRESHOLD, warning_mode="never"
    ).as_record_list()
    best: dict[int, dict[str, Any]] = {}
    for p in predictions:
        # Either side may come out left: the people table is the one named "people".
        if p["source_dataset_l"] == "people":
            person, member = int(p["uid_l"]), int(p["uid_r"])
        else:
            person, member = int(p["uid_r"]), int(p["uid_l"])
        p["_member"] = member
        current = best.get(person)
        key = (-round(p["match_probability"], 9), member)
        if current is None or key < (-round(current["match_probability"], 9), current["_member"]):
            best[person] = p
    out = []
    for person, p in sorted(best.items()):
        levels = {
            "name": {3: "same", 2: "homophone", 1: "loose"}.get(p["gamma_name"], "other"),
            "birth_date": {1: "same", -1: "unknown"}.get(p["gamma_birth_date"], "other"),
            "county": {1: "same", -1: "unknown"}.get(p["gamma_county"], "other"),
            "slip": {1: "yes"}.get(p["gamma_slip_member"], "no"),
        }
        m = meta[person]
        out.append(
            Link(
                person,
                m["record_kind"],
                m["record_id"],
                m["id_hash"],
                p["_member"],
                float(p["match_probability"]),
                ",".join(f"{k}={v}" for k, v in levels.items()),
            )
        )
    return out
