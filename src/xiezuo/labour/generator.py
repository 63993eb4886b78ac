"""Realistic matching instances for the benchmarks and the demo (`xiezuo generate labour`).

Places are real: workers live in the national poverty counties that lie under the west side
of a 2016 East–West pair; postings are in the county-level units under the pairs' east sides
(about 85 %, weighted to the big destination provinces) and in the poverty counties themselves
(about 15 %: local workshops, 扶贫车间). Wishes follow the shapes of the migration surveys: a
third want work in their own province, a quarter in the paired eastern province, some name the
big coastal destinations, the rest go anywhere. Wages, slots, skills and age ranges are drawn
from rough shapes; the same seed gives the same instance. Vectorised: a million workers take a
few seconds.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from xiezuo.core.errors import UserError
from xiezuo.labour.matching import PostingTable, WorkerTable, place_prefix
from xiezuo.labour.skills import SKILLS
from xiezuo.paths import PACKAGE_DIR, shared_data_dir

PAIRS_CSV = PACKAGE_DIR / "pairing" / "data" / "east_west_pairs_2016.csv"
POVERTY_CSV = PACKAGE_DIR / "regions" / "data" / "poverty_counties_832.csv"
DESTINATIONS = ("44", "33", "32", "35", "31", "11", "37")  # 广东 浙江 江苏 福建 上海 北京 山东
AGE_RANGES = ((16, 45), (18, 50), (18, 55), (16, 60), (20, 40))


@dataclass
class Geography:
    pairs: list[tuple[str, str]]  # (east code, west code)
    west: list[str]  # poverty county codes under some pair's west side
    east: list[str]  # county-level codes under some pair's east side


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def geography(areas_csv: Path | None = None) -> Geography:
    pairs = [(r["east_code"], r["west_code"]) for r in _read(PAIRS_CSV)]
    areas_csv = areas_csv or shared_data_dir() / "divisions" / "areas.csv"
    if not areas_csv.exists():
        raise UserError(f"找不到县级区划文件 {areas_csv}（shared/data/divisions/areas.csv）")
    counties = [r["code"] for r in _read(areas_csv) if len(r["code"]) == 6]
    east_prefixes = tuple(place_prefix(e) for e, _ in pairs)
    west_prefixes = tuple(place_prefix(w) for _, w in pairs)
    poor = sorted({r["county_code"] for r in _read(POVERTY_CSV)})
    west = [c for c in poor if c.startswith(west_prefixes)]
    # Development zones (…71, …72) have no residents of their own but host employers: kept.
    east = sorted(c for c in counties if c.startswith(east_prefixes))
    return Geography(pairs=pairs, west=west, east=east)


def generate(
    workers: int, postings: int, *, seed: int = 1, geo: Geography | None = None
) -> tuple[WorkerTable, PostingTable, list[tuple[str, str]]]:
    geo = geo or geography()
    rng = np.random.default_rng(seed)
    west = np.array([int(c) for c in geo.west], dtype=np.int64)
    east = np.array([int(c) for c in geo.east], dtype=np.int64)
    partner_east: dict[int, list[str]] = {}
    for e, w in geo.pairs:
        for c in geo.west:
            if c.startswith(place_prefix(w)):
                partner_east.setdefault(int(c), []).append(place_prefix(e))
    codes = [s.code for s in SKILLS]

    # Workers: counties by a skewed weight (big counties send more people).
    cw = rng.lognormal(0, 0.6, len(west))
    county = west[rng.choice(len(west), workers, p=cw / cw.sum())]
    age = np.clip(rng.normal(36, 10, workers).round(), 16, 59).astype(np.int64)
    n_skills = rng.choice(4, workers, p=[0.45, 0.35, 0.15, 0.05])
    skill_sets = _skill_sets(rng, codes, 400)
    skills = [
        skill_sets[i] if n else ()
        for i, n in zip(rng.integers(0, 400, workers), n_skills, strict=True)
    ]
    base = rng.normal(3000, 600, workers) + 400 * n_skills
    min_wage = (np.clip(base, 1800, 6000) / 100).round().astype(np.int64) * 100
    needs_dorm = rng.random(workers) < 0.6
    kind = rng.choice(4, workers, p=[0.33, 0.25, 0.12, 0.30])
    places: list[tuple[str, ...]] = []
    interned: dict[tuple[str, ...], tuple[str, ...]] = {}
    dest = rng.integers(0, len(DESTINATIONS), workers)
    for i in range(workers):
        home = int(county[i])
        k = int(kind[i])
        if k == 0:
            p: tuple[str, ...] = (str(home)[:2],)
        elif k == 1:
            p = tuple(sorted({*partner_east.get(home, []), str(home)[:2]}))
        elif k == 2:
            p = (DESTINATIONS[int(dest[i])], DESTINATIONS[(int(dest[i]) + 1) % len(DESTINATIONS)])
        else:
            p = ()
        places.append(interned.setdefault(p, p))
    wt = WorkerTable(
        ids=[f"W{i:07d}" for i in range(workers)],
        county=county,
        age=age,
        min_wage=min_wage,
        needs_dorm=needs_dorm,
        skills=skills,
        places=places,
    )

    # Postings: 85 % in the east, weighted to the destination provinces; 15 % local.
    ew = np.where(np.isin(east // 10000, [int(d) for d in DESTINATIONS]), 3.0, 1.0)
    ew *= rng.lognormal(0, 0.8, len(east))
    local = rng.random(postings) < 0.15
    pc = np.where(
        local,
        west[rng.integers(0, len(west), postings)],
        east[rng.choice(len(east), postings, p=ew / ew.sum())],
    )
    wage = rng.lognormal(np.log(np.where(local, 3200, 5200)), 0.3).clip(2500, 15000)
    wage = (wage / 100).round().astype(np.int64) * 100
    slots = np.clip(rng.lognormal(2.2, 1.0, postings), 1, 400).round().astype(np.int64)
    ranges = np.array(AGE_RANGES)[
        rng.choice(len(AGE_RANGES), postings, p=[0.3, 0.3, 0.2, 0.1, 0.1])
    ]
    n_req = rng.choice(3, postings, p=[0.6, 0.3, 0.1])
    req = [
        tuple(sorted(rng.choice(codes, n, replace=False).tolist())) if n else ()
        for n in n_req.tolist()
    ]
    pt = PostingTable(
        ids=[f"P{i:06d}" for i in range(postings)],
        county=pc.astype(np.int64),
        wage=wage,
        slots=slots,
        age_min=ranges[:, 0].astype(np.int64),
        age_max=ranges[:, 1].astype(np.int64),
        dorm=rng.random(postings) < 0.75,
        skills=req,
    )
    return wt, pt, list(geo.pairs)


def _skill_sets(rng: np.random.Generator, codes: list[str], n: int) -> list[tuple[str, ...]]:
    """A fixed menu of skill combinations, so workers share tuples (memory) as people do."""
    out = []
    for _ in range(n):
        k = int(rng.integers(1, 4))
        out.append(tuple(sorted(rng.choice(codes, k, replace=False).tolist())))
    return out
