"""The verification rules as a plain pandas check, for the benchmark's ratio: what one would write
without an engine — read the snapshot's Parquet files into DataFrames and express each rule as
merges, masks and a group-by.

It covers the SQL rules (V01–V05, V07–V10, V12, V13), each meaning what its SQL in
xiezuo/analytics/rules.py means, over the whole nation, and counts the findings per rule the
way the job does (one per record, person and what was found); the benchmark checks that its
counts equal DuckDB's. Not the linkage (V11): that is Splink, not a merge.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

COVERED = ("V01", "V02", "V03", "V04", "V05", "V07", "V08", "V09", "V10", "V12", "V13")
WORKING_AGE = (16, 60)
CHILD_AGE = 16
_FINDING = ["record_kind", "record_id", "person_id", "id_hash", "detail"]


def _read(path: Path, name: str, columns: list[str]) -> pd.DataFrame:
    # 64-bit keys stay exact integers (nullable Int64): as floats they would join wrong.
    return pq.read_table(path / f"{name}.parquet", columns=columns).to_pandas(
        types_mapper={pa.int64(): pd.Int64Dtype()}.get, date_as_object=False
    )


def _outside(codes: pd.Series, prefixes: pd.Series) -> pd.Series:
    """codes[i] does not start with prefixes[i] (a null prefix: not outside)."""
    out = pd.Series(False, index=codes.index)
    lengths = prefixes.str.len()
    for n in lengths.dropna().unique():
        at = lengths == n
        # As in SQL, a missing code compares as unknown: not outside.
        out[at] = codes[at].notna() & (codes[at].str[: int(n)] != prefixes[at])
    return out


def _count(frame: pd.DataFrame) -> int:
    return len(frame[_FINDING].drop_duplicates())


def check(path: Path) -> dict[str, int]:
    """Findings per rule over the snapshot at `path`."""
    people = _read(
        path,
        "people",
        [
            "person_id",
            "record_kind",
            "record_id",
            "id_hash",
            "id_key",
            "id_valid",
            "id_problem",
            "id_birth_date",
        ],
    )
    records = _read(
        path,
        "records",
        [
            "record_kind",
            "record_id",
            "pairing_id",
            "reporter_code",
            "year",
            "date",
            "training_kind",
            "indicator",
        ],
    )
    members = _read(
        path, "members", ["member_id", "household_id", "id_key", "id_hash", "birth_date"]
    )
    members = members[members.id_key.notna() & members.id_hash.notna()]
    households = _read(
        path, "households", ["household_id", "number", "village_code", "status", "cancelled_year"]
    )
    regions = _read(path, "regions", ["code", "prefix"])
    pairings = _read(path, "pairings", ["pairing_id", "west_code", "east_code"])
    placements = _read(path, "placements", ["placement_id", "id_hash", "id_key", "start", "end"])
    beneficiaries = _read(path, "beneficiaries", ["record_id", "number"])

    sides = pairings.merge(
        regions.rename(columns={"code": "west_code", "prefix": "west_prefix"}), on="west_code"
    ).merge(
        regions.rename(columns={"code": "east_code", "prefix": "east_prefix"}),
        on="east_code",
        how="left",
    )
    served = people.merge(records, on=["record_kind", "record_id"]).merge(
        members, on=["id_key", "id_hash"], how="left"
    )
    found: dict[str, int] = {}

    v01 = served[~served.id_valid.astype(bool)].assign(detail=lambda f: f.id_problem)
    found["V01"] = _count(v01)
    found["V02"] = _count(
        served[served.id_valid.astype(bool) & served.member_id.isna()].assign(detail="")
    )

    placed = served[served.household_id.notna()].merge(households, on="household_id")
    v03 = placed.merge(sides[["pairing_id", "west_code", "west_prefix"]], on="pairing_id")
    v03 = v03[_outside(v03.village_code, v03.west_prefix)]
    found["V03"] = _count(v03.assign(detail=v03.village_code + "|" + v03.west_code))

    v04 = records.merge(sides, on="pairing_id")
    west_out = _outside(v04.reporter_code, v04.west_prefix)
    east_out = v04.east_prefix.isna() | _outside(v04.reporter_code, v04.east_prefix.fillna(""))
    v04 = v04[west_out & east_out]
    found["V04"] = len(v04[["record_kind", "record_id"]].drop_duplicates())

    cancelled = placed[placed.status == "cancelled"]
    v05 = cancelled[cancelled.cancelled_year.isna() | (cancelled.cancelled_year < cancelled.year)]
    found["V05"] = _count(v05.assign(detail=""))

    birth = served.birth_date.fillna(served.id_birth_date)
    age = (
        served.date.dt.year
        - birth.dt.year
        - np.where(
            served.date.dt.month * 100 + served.date.dt.day < birth.dt.month * 100 + birth.dt.day,
            1,
            0,
        )
    )
    known = age.notna()
    industry = served.record_kind == "industry"
    labourers = served.training_kind == "labourers"
    v07 = (
        (industry | labourers)
        & known
        & ((age > WORKING_AGE[1]) | ((age < WORKING_AGE[0]) & industry))
    )
    found["V07"] = _count(served[v07].assign(detail=age[v07].astype("Int64").astype(str)))
    v08 = labourers & known & (age < CHILD_AGE)
    found["V08"] = _count(served[v08].assign(detail=age[v08].astype("Int64").astype(str)))

    hashed = served[served.id_hash.notna()]
    units = hashed.groupby(["id_hash", "indicator", "year"]).reporter_code.nunique()
    doubled = units[units > 1].rename("units").reset_index()
    found["V09"] = _count(
        hashed.merge(doubled, on=["id_hash", "indicator", "year"]).assign(detail="")
    )

    known_placements = placements[placements.id_key.notna() & placements.id_hash.notna()]
    pairs = known_placements.merge(known_placements, on=["id_key", "id_hash"], suffixes=("", "_b"))
    far = pd.Timestamp("2262-01-01")  # pandas' last date: no end means still in the job
    pairs = pairs[
        (pairs.placement_id != pairs.placement_id_b)
        & (pairs.start <= pairs.end_b.fillna(far))
        & (pairs.start_b <= pairs.end.fillna(far))
    ]
    found["V10"] = len(pairs[["placement_id", "placement_id_b"]].drop_duplicates())

    projects = records[records.record_kind == "project"][["record_id", "pairing_id"]]
    listed = beneficiaries.merge(projects, on="record_id")
    known_numbers = listed.merge(households, on="number", how="left")
    v12 = known_numbers[known_numbers.household_id.isna()]
    found["V12"] = len(v12[["record_id", "number"]].drop_duplicates())
    v13 = listed.merge(households, on="number").merge(sides, on="pairing_id")
    v13 = v13[_outside(v13.village_code, v13.west_prefix)]
    found["V13"] = len(v13[["record_id", "number", "village_code", "west_code"]].drop_duplicates())
    return {rule: n for rule, n in found.items() if n}
